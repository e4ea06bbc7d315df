//! Reading fidelity against a public corpus of real-world messages we did not write
//! (`scripts/corpus`: CPython's email test messages from Debian, mail-parser's real-world
//! messages and talon's replies from mainstream clients, both from PyPI), compared with
//! the reading of a mainstream reader, Python's `email` package (`scripts/corpus_reference.py`):
//! subject, From address, the text a reader shows, attachment names and sizes.
//!
//! Every field must agree but the few documented in [`EXCEPTIONS`], each with its reason; an
//! exception that no longer disagrees fails the test too, so the list stays true.

use serde::Deserialize;
use services::sync::parse;
use std::{collections::BTreeMap, path::PathBuf};

const CORPORA: [&str; 3] = ["cpython-email", "spamscope", "talon"];

/// Fields where the reference reader is wrong or where we read differently on purpose:
/// (message, field, why).
const EXCEPTIONS: &[(&str, &str, &str)] = &[
    (
        "cpython-email/msg_15.txt",
        "attachments",
        "the inner multipart reuses the outer boundary; Python ends both at the first \
         close delimiter and drops the image after it, readers (and we) list xx.gif",
    ),
    (
        "spamscope/mail_malformed_1",
        "attachments",
        "the same reused boundary, a malware trick against scanners: the zip Python drops \
         is what Thunderbird shows, and we list it",
    ),
    (
        "cpython-email/msg_38.txt",
        "text",
        "CPython's own crafted case ('never seen in the wild'): an enclosing multipart's \
         delimiter inside an inner part; mail-parser ends a part only at its own \
         multipart's delimiter, so the whole text shows",
    ),
    (
        "cpython-email/msg_43.txt",
        "from",
        "From: <> (a bounce); Python's addr_spec renders the null address as '<>'",
    ),
    (
        "spamscope/mail_test_1",
        "text",
        "no close delimiter: Python makes an empty text/plain part of the last line and \
         prefers it to the HTML body; readers (and we) show the HTML",
    ),
    (
        "spamscope/mail_test_11",
        "text",
        "the same unterminated multipart as mail_test_1",
    ),
    (
        "spamscope/mail_test_14",
        "text",
        "multipart/mixed with inline HTML, an image, then text/plain: Python's get_body \
         prefers the later plain part; we show the first body part (the HTML), as readers \
         show it first",
    ),
    (
        "spamscope/mail_test_15",
        "from",
        "'a@x <b@y>': the display name is itself an address; Python takes the display \
         name, RFC 5322 and readers the address in angle brackets",
    ),
    (
        "spamscope/mail_test_19",
        "from",
        "the same address-as-display-name case",
    ),
];

#[derive(Deserialize)]
struct Expected {
    reader: String,
    messages: BTreeMap<String, Reading>,
}

#[derive(Deserialize)]
struct Reading {
    subject: Option<String>,
    from: Option<String>,
    body: String,
    text: Option<String>,
    attachments: Option<Vec<Attachment>>,
}

#[derive(Deserialize)]
struct Attachment {
    name: String,
    size: Option<u64>,
}

fn corpus_dir() -> PathBuf {
    std::env::var_os("FIDELITY_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/corpus"))
}

/// Whitespace runs as one space.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The share of the reference's words (letters and digits) found in ours, in order of
/// appearance (a longest common subsequence over words): HTML made text by two readers
/// differs in layout, not in words.
fn html_overlap(ours: &str, reference: &str) -> f64 {
    // Words of letters and digits; a CJK character is a word of its own.
    let split = |t: &str| -> Vec<String> {
        let mut words = Vec::new();
        let mut word = String::new();
        for c in t.chars().flat_map(char::to_lowercase) {
            let own = c >= '\u{2e80}' && c.is_alphanumeric();
            if !c.is_alphanumeric() || own {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                if own {
                    words.push(c.to_string());
                }
            } else {
                word.push(c);
            }
        }
        if !word.is_empty() {
            words.push(word);
        }
        words
    };
    let (a, b) = (split(ours), split(reference));
    if b.is_empty() {
        return if a.is_empty() { 1.0 } else { 0.0 };
    }
    let mut row = vec![0usize; b.len() + 1];
    for x in &a {
        let mut diag = 0;
        for (j, y) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = if x == y { diag + 1 } else { up.max(row[j]) };
            diag = up;
        }
    }
    row[b.len()] as f64 / a.len().max(b.len()) as f64
}

/// The fields of one message where we and the reference disagree: (field, detail).
fn compare(raw: &[u8], expected: &Reading) -> (Vec<(&'static str, String)>, usize) {
    let (envelope, content) = parse::message(raw);
    assert_eq!(
        parse::message_or_raw(raw),
        content,
        "the guarded read gives the same content"
    );
    let mut diffs = Vec::new();
    let mut compared = 0;
    if let Some(subject) = &expected.subject {
        compared += 1;
        if words(subject) != envelope.subject {
            diffs.push(("subject", format!("{:?} vs {subject:?}", envelope.subject)));
        }
    }
    if let Some(from) = &expected.from {
        compared += 1;
        if *from != envelope.from.address {
            diffs.push(("from", format!("{:?} vs {from:?}", envelope.from.address)));
        }
    }
    if let Some(text) = &expected.text {
        compared += 1;
        let ours = content.text.as_deref().unwrap_or_default();
        if expected.body == "html" {
            let overlap = html_overlap(ours, text);
            if overlap < 0.9 {
                diffs.push(("text", format!("html words {overlap:.2}: {:?}", cut(ours))));
            }
        } else if words(ours) != words(text) {
            diffs.push((
                "text",
                format!("{:?}\n      vs {:?}", cut(&words(ours)), cut(&words(text))),
            ));
        }
    }
    if let Some(attachments) = &expected.attachments {
        compared += 1;
        let mut ours: Vec<(String, Option<u64>)> = content
            .attachments
            .iter()
            .filter(|a| !a.name.is_empty())
            .map(|a| (a.name.clone(), Some(a.size)))
            .collect();
        let mut theirs: Vec<(String, Option<u64>)> = attachments
            .iter()
            .map(|a| (words(&a.name), a.size))
            .collect();
        for (i, (_, size)) in theirs.iter().enumerate() {
            if size.is_none()
                && let Some(o) = ours.get_mut(i)
            {
                o.1 = None;
            }
        }
        ours.sort();
        theirs.sort();
        if ours != theirs {
            diffs.push(("attachments", format!("{ours:?} vs {theirs:?}")));
        }
    }
    (diffs, compared)
}

fn cut(text: &str) -> String {
    text.chars().take(300).collect()
}

#[test]
fn corpus_reads_as_a_mainstream_reader_does() {
    let dir = corpus_dir();
    if !CORPORA.iter().all(|c| dir.join(c).is_dir()) {
        assert!(
            std::env::var_os("FIDELITY_CORPUS_REQUIRED").is_none(),
            "FIDELITY_CORPUS_REQUIRED is set but the corpus is missing in {}: run scripts/corpus",
            dir.display()
        );
        eprintln!(
            "SKIPPED: no corpus in {} (run scripts/corpus; FIDELITY_CORPUS_REQUIRED makes this a failure)",
            dir.display()
        );
        return;
    }
    let (mut messages, mut agreeing, mut fields, mut fields_agreeing) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    let mut excused = Vec::new();
    for corpus in CORPORA {
        let json = std::fs::read(dir.join(format!("{corpus}-expected.json")))
            .unwrap_or_else(|e| panic!("{corpus}-expected.json: {e} (run scripts/corpus)"));
        let expected: Expected = serde_json::from_slice(&json).expect("reference JSON");
        println!("{corpus}: reference {}", expected.reader);
        for (file, reading) in &expected.messages {
            let raw = std::fs::read(dir.join(corpus).join(file)).expect("corpus message");
            let (diffs, compared) = compare(&raw, reading);
            messages += 1;
            fields += compared;
            fields_agreeing += compared - diffs.len();
            agreeing += usize::from(diffs.is_empty());
            let key = format!("{corpus}/{file}");
            for (field, detail) in diffs {
                match EXCEPTIONS.iter().find(|e| e.0 == key && e.1 == field) {
                    Some(e) => excused.push((e.0, e.1)),
                    None => failures.push(format!("{key} {field}: {detail}")),
                }
            }
        }
    }
    println!(
        "agreement: {agreeing}/{messages} messages, {fields_agreeing}/{fields} fields; {} documented exceptions",
        excused.len()
    );
    for (key, field, _) in EXCEPTIONS {
        if !excused.contains(&(key, field)) {
            failures.push(format!(
                "{key} {field}: listed as an exception but agrees now"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
