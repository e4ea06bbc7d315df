use super::super::message;
use super::*;

#[test]
fn a_well_formed_message_is_not_copied() {
    let raw = b"From: a@example.test\r\nSubject: hi\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n";
    assert!(matches!(readable(raw), Cow::Borrowed(_)));
}

#[test]
fn a_header_block_without_its_blank_line_ends_at_the_text() {
    let raw = b"From: aperson@dom.ain\nSubject: here's something\ncounter to RFC 2822, no blank line\nsecond line\n";
    assert_eq!(
        &*readable(raw),
        b"From: aperson@dom.ain\nSubject: here's something\n\ncounter to RFC 2822, no blank line\nsecond line\n"
    );
    let (env, content) = message(raw);
    assert_eq!(env.subject, "here's something");
    assert_eq!(
        content.text.as_deref(),
        Some("counter to RFC 2822, no blank line\nsecond line\n")
    );
}

#[test]
fn a_stray_line_between_fields_is_passed_over() {
    let raw = b"From: a@example.test\r\ngarbage line\r\nSubject: kept\r\n\r\nbody";
    assert!(matches!(readable(raw), Cow::Borrowed(_)));
    assert_eq!(message(raw).0.subject, "kept");
}

#[test]
fn part_headers_without_a_blank_line() {
    let raw = b"Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd1\x96\xd1\x82 there\r\nmore\r\n--XX\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--XX--\r\n";
    let (_, content) = message(raw);
    assert_eq!(content.text.as_deref(), Some("Привіт there\r\nmore"));
    assert_eq!(content.attachments.len(), 1);
    assert_eq!(content.attachments[0].name, "a.pdf");
}

#[test]
fn a_message_whose_first_line_is_no_field_is_all_text() {
    let raw = b"Send Ppp mailing list submissions to\n\tppp@zzz.org\n\nhello\n";
    let (env, content) = message(raw);
    assert_eq!(env.subject, "");
    assert_eq!(
        content.text.as_deref(),
        Some(std::str::from_utf8(raw).unwrap_or_default())
    );
    // An mbox "From " line is a header line.
    let raw = b"From someone Mon Jan 1 00:00:00 2026\nSubject: mbox\n\nbody\n";
    assert_eq!(message(raw).0.subject, "mbox");
}

#[test]
fn delimiter_padding_is_read() {
    // RFC 2046 allows blanks after a delimiter; the part headers after it still count.
    let raw = b"Content-Type: multipart/mixed; boundary=\"b 1\"\n\n--b 1  \nContent-Type: text/plain\nshown\n--b 1--\t\n";
    assert_eq!(
        &*readable(raw),
        b"Content-Type: multipart/mixed; boundary=\"b 1\"\n\n--b 1  \nContent-Type: text/plain\n\nshown\n--b 1--\t\n"
    );
    assert_eq!(message(raw).1.text.as_deref(), Some("shown"));
}

#[test]
fn repairs_are_bounded() {
    let mut raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n".to_vec();
    for _ in 0..(MAX_REPAIRS * 3) {
        raw.extend_from_slice(b"--b \r\ntext without headers\r\n");
    }
    let fixed = readable(&raw);
    assert!(fixed.len() <= raw.len() + 2 * MAX_REPAIRS);
    let (_, content) = message(&raw);
    assert!(content.attachments.len() <= 1000);
    // Hostile boundaries and headers: no panic, bounded output.
    for raw in [
        &b"boundary=\"\r\n--\r\n"[..],
        b"boundary=\r\n\r\n--\r\n",
        b"Content-Type: multipart/mixed; boundary=\"x\r\n--x\r\n:\r\n",
        b"\r\n",
        b"",
        b"--",
    ] {
        let out = readable(raw);
        assert!(out.len() <= raw.len() + 2 * MAX_REPAIRS);
        let _ = message(raw);
    }
}
