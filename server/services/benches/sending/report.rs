//! How the figures are printed: per database and message, median / p90 / max of the app
//! and of the plain client with their ratio, where the app's time goes (medians of each
//! round's steps), and at the end one table of everything for docs/benchmarks.md.

use super::{app::AppTimes, plain_smtp::BaseTimes};

/// One database × message: every measured round of both paths.
pub struct CaseResult {
    pub backend: &'static str,
    pub case: &'static str,
    /// The plain client's message, bytes (the app's differs only in its Message-ID).
    pub bytes: usize,
    pub app: Vec<AppTimes>,
    pub plain: Vec<BaseTimes>,
    /// Why the rounds stopped early, if they did.
    pub stopped: Option<String>,
}

#[derive(Clone, Copy)]
pub struct Dist {
    pub median: f64,
    pub p90: f64,
    pub max: f64,
}

impl Dist {
    pub fn of(values: impl IntoIterator<Item = f64>) -> Dist {
        let mut v: Vec<f64> = values.into_iter().collect();
        v.sort_by(f64::total_cmp);
        Dist {
            median: median(&v),
            p90: percentile(&v, 90.0),
            max: v.last().copied().unwrap_or(f64::NAN),
        }
    }

    fn cells(self) -> String {
        format!("{:>8.1} {:>8.1} {:>8.1}", self.median, self.p90, self.max)
    }

    fn short(self) -> String {
        format!("{:.0} / {:.0} / {:.0}", self.median, self.p90, self.max)
    }
}

fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn med(values: impl IntoIterator<Item = f64>) -> f64 {
    Dist::of(values).median
}

impl CaseResult {
    pub fn inbox(&self) -> (Dist, Dist) {
        (
            Dist::of(self.app.iter().map(|a| a.inbox)),
            Dist::of(self.plain.iter().map(|b| b.inbox)),
        )
    }

    pub fn sent(&self) -> (Dist, Dist) {
        (
            Dist::of(self.app.iter().map(AppTimes::sent)),
            Dist::of(self.plain.iter().map(|b| b.sent)),
        )
    }
}

pub fn print_case(r: &CaseResult) {
    println!(
        "\n-- {} · {} ({} bytes as sent) · {} rounds measured --",
        r.backend,
        r.case,
        r.bytes,
        r.app.len().min(r.plain.len())
    );
    if let Some(why) = &r.stopped {
        println!("   STOPPED EARLY: {why}");
    }
    if r.app.is_empty() || r.plain.is_empty() {
        return;
    }
    println!(
        "   {:<44} {:>8} {:>8} {:>8}   (ms)",
        "", "median", "p90", "max"
    );
    let (app, plain) = r.inbox();
    println!(
        "   {:<44} {}",
        "Send → recipient's INBOX   app",
        app.cells()
    );
    println!(
        "   {:<44} {}   app/plain {:.2}× (p90 {:.2}×)",
        "                           plain SMTP",
        plain.cells(),
        app.median / plain.median,
        app.p90 / plain.p90
    );
    let (app, plain) = r.sent();
    println!(
        "   {:<44} {}",
        "Send → in Sent, draft Sent app",
        app.cells()
    );
    println!(
        "   {:<44} {}   app/plain {:.2}× (p90 {:.2}×)",
        "                           plain SMTP + APPEND",
        plain.cells(),
        app.median / plain.median,
        app.p90 / plain.p90
    );
    let a = &r.app;
    println!(
        "   app, step by step (medians of each round's steps, ms; the draft row read every 5 ms):\n     \
         send_draft {:.1} · wake-up + claim {:.1} · to handing over {:.1} (attachments read, MIME \
         built, SMTP connect+TLS+AUTH, MAIL, RCPT, 3 row writes) · to draft Sent {:.1} (DATA, \
         QUIT, sent copy: IMAP login, EXAMINE, SEARCH, APPEND, SEARCH, row stored, LOGOUT; the \
         final write) · handing over → recipient's INBOX {:.1} · Sent on the server before the \
         draft's state: {:.1}",
        med(a.iter().map(|t| t.queued)),
        med(a.iter().map(|t| t.claimed - t.queued)),
        med(a.iter().map(|t| t.handing_over - t.claimed)),
        med(a.iter().map(|t| t.state_sent - t.handing_over)),
        med(a.iter().map(|t| t.inbox - t.handing_over)),
        med(a.iter().map(|t| t.state_sent - t.in_sent)),
    );
    let b = &r.plain;
    println!(
        "   plain client, the same steps (medians, ms): connect+TLS+EHLO+AUTH {:.1} · MAIL, RCPT, \
         DATA {:.1} · QUIT {:.1} · accepted → recipient's INBOX {:.1} · IMAP login {:.1} · APPEND {:.1}",
        med(b.iter().map(|t| t.connected)),
        med(b.iter().map(|t| t.accepted - t.connected)),
        med(b.iter().map(|t| t.quit - t.accepted)),
        med(b.iter().map(|t| t.inbox - t.accepted)),
        med(b.iter().map(|t| t.imap_login)),
        med(b.iter().map(|t| t.append)),
    );
    let (ai, pi) = r.inbox();
    let (asent, psent) = r.sent();
    println!(
        "   the app's overhead (medians): INBOX +{:.1} ms, Sent +{:.1} ms",
        ai.median - pi.median,
        asent.median - psent.median
    );
}

/// Everything in one Markdown table (median / p90 / max, ms).
pub fn print_summary(results: &[CaseResult]) {
    println!("\n== summary (ms: median / p90 / max; ratio of the medians) ==");
    println!(
        "| database | message | Send → INBOX, app | plain SMTP | ratio | Send → Sent, app | plain SMTP + APPEND | ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for r in results {
        if r.app.is_empty() || r.plain.is_empty() {
            println!(
                "| {} | {} | {} | | | | | |",
                r.backend,
                r.case,
                r.stopped.as_deref().unwrap_or("no rounds")
            );
            continue;
        }
        let (ai, pi) = r.inbox();
        let (asent, psent) = r.sent();
        println!(
            "| {} | {} | {} | {} | {:.2}× | {} | {} | {:.2}× |",
            r.backend,
            r.case,
            ai.short(),
            pi.short(),
            ai.median / pi.median,
            asent.short(),
            psent.short(),
            asent.median / psent.median
        );
    }
}
