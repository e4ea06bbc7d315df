//! A small hostile IMAP server over TLS (the mail stack's test certificate, trusted through
//! its CA) for what a real server does not do: lie about sizes, flood literals, stop
//! answering, list thousands of folders, answer with garbage. Loopback only; every
//! behaviour is bounded by the test that asks for it.

#![allow(dead_code)]

use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};
use tokio::{
    io::{AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader},
    net::TcpListener,
    task::JoinHandle,
};

mod behaviour;
mod log;
mod words;

pub use behaviour::{Behaviour, Bodies};
use log::CommandLog;
use words::{
    first_bytes, flags_only, flood, header_fields, internal_date, message, section_of, uids_of,
    word,
};

pub struct FakeImap {
    pub port: u16,
    /// Body literal bytes written to clients so far.
    pub body_bytes_sent: Arc<AtomicU64>,
    /// Every command received, without its tag (`UID SEARCH UID 1:7 ALL`).
    commands: Arc<CommandLog>,
    task: JoinHandle<()>,
}

impl FakeImap {
    pub fn sent(&self) -> u64 {
        self.body_bytes_sent.load(Ordering::SeqCst)
    }

    /// Every command received, each connection's in order, connections in the order they
    /// came: a session's LOGOUT, read on a task of its own once the run is done
    /// (`sync::run`), stays with its session's commands whenever it comes.
    pub fn commands(&self) -> Vec<String> {
        self.commands.all()
    }

    /// The most connections the server had open at once (since [`CommandLog::reset_peak`]).
    pub fn peak_connections(&self) -> usize {
        self.commands.peak()
    }

    /// Waits (at most 10 s) until the server has no connection open; then counts the most
    /// connections open at once from there.
    pub async fn wait_idle(&self) {
        let idle =
            tokio::time::timeout(std::time::Duration::from_secs(10), self.commands.idle()).await;
        idle.expect("every connection closed within 10 s");
        self.commands.reset_peak();
    }
}

/// Starts the server on 127.0.0.1 with the mail stack's certificate (`ca` is its CA file;
/// the key and certificate sit next to it).
pub async fn start(ca: &Path, behaviour: Behaviour) -> FakeImap {
    let acceptor = crate::common::smtp_cut_proxy::acceptor(ca.parent().expect("CA directory"));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let sent = Arc::new(AtomicU64::new(0));
    let commands = Arc::new(CommandLog::default());
    let (counter, log) = (sent.clone(), commands.clone());
    let task = tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let connection = log.connection();
            let (acceptor, behaviour, counter, log) = (
                acceptor.clone(),
                behaviour.clone(),
                counter.clone(),
                log.clone(),
            );
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(tcp).await {
                    let _ = serve(tls, &behaviour, &counter, (&log, connection)).await;
                }
                log.closed();
            });
        }
    });
    FakeImap {
        port,
        body_bytes_sent: sent,
        commands,
        task,
    }
}

async fn serve<S>(
    stream: S,
    b: &Behaviour,
    sent: &AtomicU64,
    (log, connection): (&CommandLog, usize),
) -> std::io::Result<()>
where
    S: tokio::io::AsyncRead + AsyncWrite + Unpin,
{
    let (read, mut write) = tokio::io::split(stream);
    let mut lines = BufReader::new(read);
    let (caps, before_login) = b.capabilities();
    let (caps, before_login) = (caps.as_str(), before_login.as_str());
    let mut logged_in = false;
    let mut line = String::new();
    // What came before the greeting ([`Behaviour::greet_after_first_line`]): answered next.
    let early = b.early_line(&mut lines, &mut line).await?;
    let mut pending = early.is_some() && !line.is_empty();
    let greeting = match early {
        Some(false) => "* BYE go away\r\n".to_owned(),
        _ => format!("* OK [CAPABILITY {before_login}] fake server ready\r\n"),
    };
    write.write_all(greeting.as_bytes()).await?;
    if early == Some(false) {
        // Closed, as a server closes after BYE, once all the client sent has been read.
        write.shutdown().await?;
        while lines.read_line(&mut line).await? > 0 {
            line.clear();
        }
        return Ok(());
    }
    // The tag of an ENABLE held back until the next command ([`Behaviour::late_enable`]).
    let mut held_enable: Option<String> = None;
    // A LOGIN's answer held back until the next command ([`Behaviour::late_login`]).
    let mut held_login: Option<String> = None;
    // An answer held back until the next command ([`Behaviour::late_changedsince`],
    // [`Behaviour::late_pipelined`]), and the kind of the last command (a whole-message
    // FETCH, a UID SEARCH, a FETCH of flags, dates and sizes, or another).
    let (mut held_answer, mut last_kind): (Option<String>, u8) = (None, 0);
    // An EXAMINE's answer held back until the next command ([`Behaviour::late_examine`]).
    let mut held_examine: Option<Vec<u8>> = None;
    // The first SEARCH's answer, held back until the next command has been answered
    // ([`Behaviour::late_search`]).
    let (mut held_search, mut searched): (Option<String>, bool) = (None, false);
    loop {
        if !std::mem::take(&mut pending) {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
        }
        let mut words = line.trim_end().splitn(2, ' ');
        let tag = words.next().unwrap_or("*").to_owned();
        let rest = words.next().unwrap_or("").to_owned();
        let upper = rest.to_ascii_uppercase();
        log.push(connection, rest.clone());
        let command = upper.split(' ').next().unwrap_or("");
        let kind = match () {
            _ if upper.contains("BODY.PEEK[]") => 1,
            _ if upper.starts_with("UID SEARCH") => 2,
            _ if upper.contains("INTERNALDATE") && !upper.contains("BODY") => 3,
            _ => 0,
        };
        let before = std::mem::replace(&mut last_kind, kind);
        let late = b.late_pipelined && kind > 0 && before == kind;
        for held in [held_login.take(), held_answer.take()]
            .into_iter()
            .flatten()
        {
            write.write_all(held.as_bytes()).await?;
        }
        if let Some(held) = held_examine.take() {
            write.write_all(&held).await?;
        }
        if let Some(enable) = held_enable.take() {
            write
                .write_all(format!("* ENABLED CONDSTORE\r\n{enable} OK enabled\r\n").as_bytes())
                .await?;
        }
        let late_answer = held_search.take();
        if command == "ENABLE" && b.silent_enable.load(Ordering::SeqCst) {
            continue;
        }
        if command == "ENABLE" && b.refuse_enable.load(Ordering::SeqCst) {
            let refusal = format!("{tag} BAD not now\r\n");
            write.write_all(refusal.as_bytes()).await?;
            continue;
        }
        if command == "ENABLE" && b.late_enable {
            held_enable = Some(tag);
            continue;
        }
        if b.unsolicited_flags && upper.starts_with("UID FETCH") {
            // Told first; then the command is answered as usual.
            for uid in 1..=b.messages {
                write
                    .write_all(format!("* {uid} FETCH (UID {uid} FLAGS (\\Seen))\r\n").as_bytes())
                    .await?;
            }
        }
        match command {
            "CAPABILITY" => {
                let caps = if logged_in { caps } else { before_login };
                write
                    .write_all(format!("* CAPABILITY {caps}\r\n{tag} OK done\r\n").as_bytes())
                    .await?
            }
            "LOGIN" | "AUTHENTICATE" => {
                logged_in = true;
                let told = match b.caps_on_login {
                    true => format!("[CAPABILITY {caps}] "),
                    false => String::new(),
                };
                let answer = format!("{tag} OK {told}logged in\r\n");
                if b.late_login.load(Ordering::SeqCst) {
                    held_login = Some(answer);
                    continue;
                }
                write.write_all(answer.as_bytes()).await?
            }
            "LIST" => write.write_all(b.list(&tag).as_bytes()).await?,
            "EXAMINE" | "SELECT" if b.late_examine => held_examine = Some(b.examined(&tag)),
            "EXAMINE" | "SELECT" => write.write_all(&b.examined(&tag)).await?,
            "STATUS" => write.write_all(b.status(&tag).as_bytes()).await?,
            "UID" if upper.starts_with("UID SEARCH") => {
                // `UID SEARCH UID 8:14 ALL` searches that range, `UID SEARCH 8:* ALL` the
                // messages numbered so (UIDs here), `UID SEARCH ALL` all.
                let numbered = word(&rest, 2).starts_with(|c: char| c.is_ascii_digit());
                let uids: Vec<String> = if upper.starts_with("UID SEARCH UID ") {
                    uids_of(word(&rest, 3), b.messages)
                } else if numbered {
                    uids_of(word(&rest, 2), b.messages)
                } else {
                    (1..=b.messages).collect()
                }
                .iter()
                .map(|u| u.to_string())
                .collect();
                let expunged = if b.expunge_on_search {
                    "* 1 EXPUNGE\r\n"
                } else {
                    ""
                };
                let answer = if b.refuse_search.load(Ordering::SeqCst) {
                    format!("{tag} NO search failed\r\n")
                } else {
                    format!("{expunged}* SEARCH {}\r\n{tag} OK done\r\n", uids.join(" "))
                };
                if b.late_search && !searched {
                    searched = true;
                    held_search = Some(answer);
                    continue;
                }
                match late
                    && upper.starts_with("UID SEARCH UID ")
                    && !word(&rest, 3).starts_with("1:")
                {
                    true => held_answer = Some(answer),
                    false => write.write_all(answer.as_bytes()).await?,
                }
            }
            "UID" | "FETCH" if upper.contains("BODY.PEEK[HEADER") => {
                // Sequence numbers are UIDs here (1..=messages, none expunged).
                let section = section_of(&rest);
                let set = word(&rest, if command == "UID" { 2 } else { 1 });
                for uid in uids_of(set, b.messages) {
                    if b.left_out(uid) {
                        write.write_all(flags_only(uid).as_bytes()).await?;
                        continue;
                    }
                    let part = header_fields(uid, section, b.nil_headers, b.declared_size);
                    write.write_all(part.as_bytes()).await?;
                }
                write
                    .write_all(format!("{tag} OK done\r\n").as_bytes())
                    .await?;
            }
            "UID" if upper.contains("BODY.PEEK[]<0.") => {
                // A later run's new mail: the first bytes asked for of each message.
                first_bytes(&mut write, b, (&upper, &tag), sent).await?
            }
            "UID" if upper.contains("BODY.PEEK[]") && b.refuses_bodies(word(&rest, 2)) => {
                let refusal = format!("{tag} NO Some messages could not be FETCHed\r\n");
                write.write_all(refusal.as_bytes()).await?
            }
            "UID" if upper.contains("BODY.PEEK[]") => match &b.bodies {
                Bodies::Silent => {
                    // Never answer; read (and ignore) until the client goes away.
                    while lines.read_line(&mut line).await? > 0 {
                        line.clear();
                    }
                    return Ok(());
                }
                Bodies::Honest => {
                    let uids = uids_of(word(&rest, 2), b.messages);
                    for &uid in &uids {
                        if b.left_out(uid) {
                            write.write_all(flags_only(uid).as_bytes()).await?;
                            continue;
                        }
                        let message = message(uid);
                        let part = format!(
                            "* {uid} FETCH (UID {uid} BODY[] {{{}}}\r\n{message})\r\n",
                            message.len()
                        );
                        write.write_all(part.as_bytes()).await?;
                    }
                    let done = format!("{tag} OK done\r\n");
                    match (late && !uids.contains(&1)) || (b.late_after_meta && before == 3) {
                        true => held_answer = Some(done),
                        false => write.write_all(done.as_bytes()).await?,
                    }
                }
                Bodies::Flood { bytes } => {
                    for uid in uids_of(word(&rest, 2), b.messages) {
                        write
                            .write_all(
                                format!("* {uid} FETCH (UID {uid} BODY[] {{{bytes}}}\r\n")
                                    .as_bytes(),
                            )
                            .await?;
                        flood(&mut write, *bytes, sent).await?;
                        write.write_all(b")\r\n").await?;
                    }
                    write
                        .write_all(format!("{tag} OK done\r\n").as_bytes())
                        .await?;
                }
            },
            "UID" if upper.contains("INTERNALDATE") => {
                // UID FETCH … (UID FLAGS INTERNALDATE RFC822.SIZE)
                let mut answer = String::new();
                for uid in uids_of(word(&rest, 2), b.messages) {
                    answer.push_str(&format!(
                        "* {uid} FETCH (UID {uid} FLAGS () INTERNALDATE \"{date}\" RFC822.SIZE {size})\r\n",
                        date = internal_date(uid),
                        size = b.declared_size,
                    ));
                }
                answer.push_str(&format!("{tag} OK done\r\n"));
                match b.late_pipelined {
                    true => held_answer = Some(answer),
                    false => write.write_all(answer.as_bytes()).await?,
                }
            }
            "UID"
                if b.refuse_flags.load(Ordering::SeqCst)
                    || (b.refuse_changedsince.load(Ordering::SeqCst)
                        && upper.contains("CHANGEDSINCE")) =>
            {
                write
                    .write_all(format!("{tag} NO flags unavailable\r\n").as_bytes())
                    .await?
            }
            "UID" => {
                // UID FETCH … (UID FLAGS)
                let mut answer: String = uids_of(word(&rest, 2), b.messages)
                    .into_iter()
                    .map(flags_only)
                    .collect();
                answer.push_str(&format!("{tag} OK done\r\n"));
                if b.late_changedsince && upper.contains("CHANGEDSINCE") {
                    held_answer = Some(answer);
                    continue;
                }
                write.write_all(answer.as_bytes()).await?;
            }
            "LOGOUT" => {
                if b.held_logout.load(Ordering::SeqCst) {
                    b.logouts_let_go.acquire().await.unwrap().forget();
                }
                write
                    .write_all(format!("* BYE bye\r\n{tag} OK done\r\n").as_bytes())
                    .await?;
                return Ok(());
            }
            _ => {
                write
                    .write_all(format!("{tag} OK done\r\n").as_bytes())
                    .await?
            }
        }
        if let Some(answer) = late_answer {
            write.write_all(answer.as_bytes()).await?;
        }
        write.flush().await?;
    }
}
