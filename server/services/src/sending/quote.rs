//! The body a draft starts with: room to type, the signature, and the original quoted
//! under an attribution line (a reply) or under a "Forwarded message" block (a forward),
//! in the user's language.

use super::reply::{Original, format_list, format_person, one_line};
use chrono::{DateTime, Datelike, Utc};
use domain::{ComposeKind, Language};

/// Characters of the original quoted or forwarded.
const MAX_QUOTED_CHARS: usize = 200_000;

/// The body a draft starts with (`\n` line ends). Reply: two empty lines to type in, the
/// signature, the attribution line and the original with every line quoted (`> `, an
/// empty line `>`). Forward: the same room, the signature, a "Forwarded message" block
/// with the original's From, Date, Subject, To and Cc, then its text unquoted. New: the
/// signature, if any. The original's text is cut at 200,000 characters (`[…]`). The
/// signature follows the `-- ` delimiter (RFC 3676 §4.3) so readers can fold it.
pub fn quoted_body(
    kind: ComposeKind,
    original: &Original,
    language: Language,
    signature: &str,
) -> String {
    let signature = lines(signature);
    let signature = signature.trim_matches('\n');
    let mut body = String::from("\n\n");
    if !signature.trim().is_empty() {
        body.push_str("-- \n");
        body.push_str(signature);
        body.push_str("\n\n");
    }
    match kind {
        ComposeKind::New => {
            return if signature.trim().is_empty() {
                String::new()
            } else {
                body
            };
        }
        ComposeKind::Reply | ComposeKind::ReplyAll => {
            body.push_str(&attribution(original, language));
            body.push('\n');
            for line in original_text(original).lines() {
                if line.is_empty() {
                    body.push('>');
                } else {
                    body.push_str("> ");
                    body.push_str(line);
                }
                body.push('\n');
            }
        }
        ComposeKind::Forward => {
            body.push_str(&forward_header(original, language));
            body.push('\n');
            body.push_str(&original_text(original));
            body.push('\n');
        }
    }
    body
}

/// "On 30 Nov 2026 13:45 UTC, Name <a@b> wrote:" in the user's language.
fn attribution(original: &Original, language: Language) -> String {
    let who = sender(original, language);
    match (language, original.sent_at) {
        (Language::En, Some(at)) => format!("On {}, {who} wrote:", date(at, language)),
        (Language::En, None) => format!("{who} wrote:"),
        (Language::Uk, Some(at)) => format!("{}, {who} пише:", date(at, language)),
        (Language::Uk, None) => format!("{who} пише:"),
    }
}

/// The block above a forwarded text, as Gmail writes it, in the user's language.
fn forward_header(original: &Original, language: Language) -> String {
    let [title, from, date_label, subject, to, cc] = match language {
        Language::En => ["Forwarded message", "From", "Date", "Subject", "To", "Cc"],
        Language::Uk => [
            "Переслане повідомлення",
            "Від",
            "Дата",
            "Тема",
            "Кому",
            "Копія",
        ],
    };
    let mut out = format!(
        "---------- {title} ---------\n{from}: {}\n",
        sender(original, language)
    );
    if let Some(at) = original.sent_at {
        out.push_str(&format!("{date_label}: {}\n", date(at, language)));
    }
    out.push_str(&format!("{subject}: {}\n", one_line(&original.subject)));
    for (label, people) in [(to, &original.to), (cc, &original.cc)] {
        let list = format_list(people);
        if !list.is_empty() {
            out.push_str(&format!("{label}: {list}\n"));
        }
    }
    out
}

fn sender(original: &Original, language: Language) -> String {
    let from = &original.from;
    match (from.address.trim().is_empty(), one_line(&from.name)) {
        (false, _) => format_person(from),
        (true, name) if !name.is_empty() => name,
        _ => match language {
            Language::En => "(unknown sender)".into(),
            Language::Uk => "(невідомий відправник)".into(),
        },
    }
}

/// `30 Nov 2026 13:45 UTC` / `30 лист. 2026 13:45 UTC`.
fn date(at: DateTime<Utc>, language: Language) -> String {
    const UK_MONTHS: [&str; 12] = [
        "січ.",
        "лют.",
        "берез.",
        "квіт.",
        "трав.",
        "черв.",
        "лип.",
        "серп.",
        "вер.",
        "жовт.",
        "лист.",
        "груд.",
    ];
    match language {
        Language::En => at.format("%-d %b %Y %H:%M UTC").to_string(),
        Language::Uk => {
            let month = UK_MONTHS
                .get(at.month0() as usize)
                .copied()
                .unwrap_or_default();
            format!("{} {month} {}", at.day(), at.format("%Y %H:%M UTC"))
        }
    }
}

/// The original's text with `\n` line ends, no trailing empty lines, bounded.
fn original_text(original: &Original) -> String {
    let text = lines(&original.text);
    let text = text.trim_end_matches('\n');
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((cut, _)) => format!("{}[…]", &text[..cut]),
        None => text.to_owned(),
    }
}

/// `text` with CRLF and lone CR line ends made `\n`.
fn lines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
#[path = "quote_tests.rs"]
mod tests;
