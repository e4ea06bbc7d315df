use super::*;
use chrono::TimeZone;
use mail_parser::{HeaderValue, MessageParser, MimeHeaders};

fn mailbox(text: &str) -> Mailbox {
    text.parse().unwrap()
}

fn outgoing() -> Outgoing {
    Outgoing {
        from: mailbox("Олена Петренко <olena@example.com>"),
        to: vec![mailbox("\"Last, First\" <taras@example.net>")],
        cc: vec![mailbox("ivan@example.net")],
        bcc: vec![mailbox("Secret <hidden@example.org>")],
        subject: "Re: Звіт за листопад — фінальна версія".into(),
        message_id: "<0b6f6a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b@example.com>".into(),
        in_reply_to: Some("<m3@example.com>".into()),
        references: "<m1@example.com> <m2@example.com> <m3@example.com>".into(),
        date: Utc.with_ymd_and_hms(2026, 11, 30, 13, 45, 7).unwrap(),
        text: "Дякую!\n\nOn 30 Nov, Taras wrote:\n> <script>alert(1)</script>\n> see https://example.com/a?b=1&c=2.\n".into(),
        attachments: Vec::new(),
    }
}

fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
    MessageParser::default().parse(raw).expect("parses")
}

fn header_block(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    text.split("\r\n\r\n").next().unwrap_or_default().to_owned()
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => vec![id.to_string()],
        HeaderValue::TextList(list) => list.iter().map(|id| id.to_string()).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn headers_round_trip() {
    let msg = outgoing();
    let raw = build(&msg).unwrap();
    let parsed = parse(&raw);
    assert_eq!(
        parsed.subject(),
        Some("Re: Звіт за листопад — фінальна версія")
    );
    let from = parsed.from().and_then(|a| a.first()).unwrap();
    assert_eq!(from.name(), Some("Олена Петренко"));
    assert_eq!(from.address(), Some("olena@example.com"));
    let to = parsed.to().and_then(|a| a.first()).unwrap();
    assert_eq!(to.name(), Some("Last, First"));
    assert_eq!(to.address(), Some("taras@example.net"));
    assert_eq!(
        parsed
            .cc()
            .and_then(|a| a.first())
            .and_then(|a| a.address()),
        Some("ivan@example.net")
    );
    assert_eq!(
        parsed.message_id(),
        Some("0b6f6a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b@example.com")
    );
    assert_eq!(ids(parsed.in_reply_to()), ["m3@example.com"]);
    assert_eq!(
        ids(parsed.references()),
        ["m1@example.com", "m2@example.com", "m3@example.com"]
    );
    assert_eq!(
        parsed.date().map(|d| d.to_timestamp()),
        Some(msg.date.timestamp())
    );
    let headers = header_block(&raw);
    assert!(headers.contains("\r\nMIME-Version: 1.0\r\n"), "{headers}");
    assert!(
        headers.contains("\r\nMessage-ID: <0b6f6a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b@example.com>\r\n"),
        "{headers}"
    );
    assert!(
        headers.contains("\r\nIn-Reply-To: <m3@example.com>\r\n"),
        "{headers}"
    );
    assert!(
        headers.contains("\r\nReferences: <m1@example.com> <m2@example.com> <m3@example.com>\r\n"),
        "{headers}"
    );
    // The Cyrillic name and subject travel as RFC 2047 words: the header block is ASCII.
    assert!(headers.is_ascii(), "{headers}");
}

#[test]
fn bcc_is_not_in_the_sent_bytes_but_in_the_envelope() {
    let msg = outgoing();
    let raw = build(&msg).unwrap();
    let headers = header_block(&raw).to_lowercase();
    assert!(!headers.contains("\nbcc:"), "{headers}");
    assert!(!String::from_utf8_lossy(&raw).contains("hidden@example.org"));
    assert!(parse(&raw).bcc().is_none());
    let recipients: Vec<String> = envelope_recipients(&msg)
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(
        recipients,
        [
            "taras@example.net",
            "ivan@example.net",
            "hidden@example.org"
        ]
    );
}

#[test]
fn the_drafts_copy_keeps_bcc() {
    let raw = draft_copy(&outgoing()).unwrap();
    let parsed = parse(&raw);
    assert_eq!(
        parsed
            .bcc()
            .and_then(|a| a.first())
            .and_then(|a| a.address()),
        Some("hidden@example.org")
    );
    assert_eq!(
        parsed.message_id(),
        Some("0b6f6a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b@example.com")
    );
}

#[test]
fn envelope_recipients_are_distinct() {
    let msg = Outgoing {
        to: vec![mailbox("a@example.com"), mailbox("B@example.com")],
        cc: vec![mailbox("A@Example.com")],
        bcc: vec![mailbox("b@example.com"), mailbox("c@example.com")],
        ..outgoing()
    };
    let recipients: Vec<String> = envelope_recipients(&msg)
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(
        recipients,
        ["a@example.com", "B@example.com", "c@example.com"]
    );
}

#[test]
fn a_draft_without_recipients_still_builds() {
    let msg = Outgoing {
        to: Vec::new(),
        cc: Vec::new(),
        bcc: Vec::new(),
        in_reply_to: None,
        references: String::new(),
        ..outgoing()
    };
    let raw = draft_copy(&msg).unwrap();
    let headers = header_block(&raw);
    assert!(!headers.contains("\r\nTo:"), "{headers}");
    assert!(!headers.contains("In-Reply-To"), "{headers}");
    assert!(!headers.contains("References"), "{headers}");
    assert!(build(&msg).is_ok());
}

#[test]
fn text_and_html_alternatives() {
    let msg = outgoing();
    let raw = build(&msg).unwrap();
    let parsed = parse(&raw);
    assert_eq!(
        parsed.body_text(0).as_deref(),
        Some(msg.text.replace('\n', "\r\n").as_str())
    );
    let html = parsed.body_html(0).unwrap();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("<blockquote"), "{html}");
    assert!(
        html.contains(
            r#"<a href="https://example.com/a?b=1&amp;c=2">https://example.com/a?b=1&amp;c=2</a>."#
        ),
        "{html}"
    );
    // Text first, HTML second, in one multipart/alternative (RFC 2046 §5.1.4).
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("Content-Type: multipart/alternative;"));
    assert!(!text.contains("multipart/mixed"));
    let plain_at = text
        .find("Content-Type: text/plain; charset=utf-8")
        .unwrap();
    let html_at = text.find("Content-Type: text/html; charset=utf-8").unwrap();
    assert!(plain_at < html_at);
}

#[test]
fn lines_end_with_crlf() {
    let msg = Outgoing {
        text: "one\r\ntwo\rthree\nfour\0".into(),
        ..outgoing()
    };
    let raw = build(&msg).unwrap();
    let bare_lf = raw
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\n' && (i == 0 || raw[i - 1] != b'\r'));
    assert!(!bare_lf);
    assert!(!raw.contains(&0));
    assert_eq!(
        parse(&raw).body_text(0).as_deref(),
        Some("one\r\ntwo\r\nthree\r\nfour")
    );
}

#[test]
fn attachments_round_trip_byte_exact() {
    let binary: Vec<u8> = (0..=255u8)
        .chain((0..=255u8).rev())
        .cycle()
        .take(70_000)
        .collect();
    let ascii_with_bare_newlines = b"line\nline\r\n\0end.\n.\n".to_vec();
    let msg = Outgoing {
        attachments: vec![
            OutgoingAttachment {
                name: "Звіт 2026.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: binary.clone(),
            },
            OutgoingAttachment {
                name: "notes \"draft\".txt".into(),
                content_type: "text/plain".into(),
                bytes: ascii_with_bare_newlines.clone(),
            },
            OutgoingAttachment {
                name: "evil.bin".into(),
                content_type: "text/plain\r\nX-Evil: 1".into(),
                bytes: vec![1, 2, 3],
            },
        ],
        ..outgoing()
    };
    let raw = build(&msg).unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("X-Evil"));
    let parsed = parse(&raw);
    let found: Vec<(String, String, Vec<u8>)> = parsed
        .attachments()
        .map(|a| {
            let ct = a.content_type().unwrap();
            (
                a.attachment_name().unwrap_or_default().to_owned(),
                format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()),
                a.contents().to_vec(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("Звіт 2026.pdf".into(), "application/pdf".into(), binary),
            (
                "notes \"draft\".txt".into(),
                "text/plain".into(),
                ascii_with_bare_newlines
            ),
            (
                "evil.bin".into(),
                "application/octet-stream".into(),
                vec![1, 2, 3]
            ),
        ]
    );
    // The text and HTML stay the message body inside multipart/mixed.
    assert!(parsed.body_text(0).unwrap().starts_with("Дякую!"));
    assert!(parsed.body_html(0).is_some());
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("Content-Type: multipart/mixed;"));
    assert!(text.contains("filename*0*=utf-8''"), "RFC 2231 name");
}

#[test]
fn odd_attachment_names() {
    let msg = Outgoing {
        attachments: vec![
            OutgoingAttachment {
                name: "a\r\nb.txt".into(),
                content_type: String::new(),
                bytes: b"x".to_vec(),
            },
            OutgoingAttachment {
                name: " ".into(),
                content_type: "image/png".into(),
                bytes: Vec::new(),
            },
        ],
        ..outgoing()
    };
    let raw = build(&msg).unwrap();
    let parsed = parse(&raw);
    let names: Vec<&str> = parsed
        .attachments()
        .map(|a| a.attachment_name().unwrap_or_default())
        .collect();
    assert_eq!(names, ["ab.txt", "attachment"]);
}

#[test]
fn a_bad_message_id_is_refused() {
    for id in [
        "",
        "no-brackets@example.com",
        "<no-at>",
        "<a@b>\r\nBcc: x@y.z",
    ] {
        let msg = Outgoing {
            message_id: id.into(),
            ..outgoing()
        };
        assert!(build(&msg).is_err(), "{id:?}");
    }
}

#[test]
fn bad_threading_ids_are_left_out() {
    let msg = Outgoing {
        in_reply_to: Some("not an id".into()),
        references: "<ok@x.y> bad\r\nX-Evil:1 <ok2@x.y>".into(),
        ..outgoing()
    };
    let raw = build(&msg).unwrap();
    let headers = header_block(&raw);
    assert!(!headers.contains("In-Reply-To"), "{headers}");
    assert!(
        headers.contains("\r\nReferences: <ok@x.y> <ok2@x.y>\r\n"),
        "{headers}"
    );
    assert!(!headers.contains("X-Evil"));
}

#[test]
fn subject_stays_one_line() {
    let msg = Outgoing {
        subject: "Hello\r\nBcc: evil@example.org".into(),
        ..outgoing()
    };
    let parsed_subject = parse(&build(&msg).unwrap()).subject().map(str::to_owned);
    assert_eq!(
        parsed_subject.as_deref(),
        Some("Hello Bcc: evil@example.org")
    );
}

#[test]
fn a_megabyte_of_text_builds() {
    let line = "Рядок тексту з посиланням https://example.com/x і <тегом> & знаками.\n";
    let mut text = String::new();
    while text.len() < 1 << 20 {
        text.push_str(line);
        text.push_str("> quoted ");
        text.push_str(line);
    }
    let msg = Outgoing {
        text: text.clone(),
        ..outgoing()
    };
    let raw = build(&msg).unwrap();
    let parsed = parse(&raw);
    assert_eq!(
        parsed.body_text(0).map(|t| t.len()),
        Some(text.replace('\n', "\r\n").len())
    );
    assert!(parsed.body_html(0).unwrap().len() > text.len());
}
