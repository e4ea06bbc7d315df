use super::super::{Content, message, tests::with_body};
use super::{base64_len, uudecode};
use mail_parser::MessageParser;

/// A message of a text part and one attachment part of these header lines and body.
fn attachment_message(part_headers: &str, body: &[u8]) -> Vec<u8> {
    let mut mime = b"--b\r\nContent-Type: text/plain\r\n\r\nsee\r\n--b\r\n".to_vec();
    mime.extend_from_slice(part_headers.replace('\n', "\r\n").as_bytes());
    mime.extend_from_slice(b"\r\n");
    mime.extend_from_slice(body);
    mime.extend_from_slice(b"--b--\r\n");
    with_body("Content-Type: multipart/mixed; boundary=b\n", &mime)
}

/// The content of [`attachment_message`], which lists the one attachment.
fn with_attachment(part_headers: &str, body: &[u8]) -> Content {
    let (_, content) = message(&attachment_message(part_headers, body));
    assert_eq!(content.attachments.len(), 1, "{content:?}");
    content
}

fn text_of(raw: &[u8]) -> String {
    message(raw).1.text.unwrap_or_default()
}

#[test]
fn missing_content_type_is_plain_text() {
    let raw = with_body("From: a@example.test\nSubject: plain\n", b"just text\r\n");
    let (_, content) = message(&raw);
    assert_eq!(content.text.as_deref(), Some("just text\r\n"));
    assert!(content.attachments.is_empty());
}

#[test]
fn broken_content_type_reads_as_plain_text() {
    // RFC 2045 § 5.2: a Content-Type without a subtype is text/plain; us-ascii.
    for ctype in ["text; charset=us-ascii", "garbage", "text/"] {
        let raw = with_body(
            &format!("From: a@example.test\nContent-Type: {ctype}\n"),
            b"Hi, can you read me?\r\n",
        );
        let (_, content) = message(&raw);
        assert_eq!(
            content.text.as_deref().map(str::trim),
            Some("Hi, can you read me?"),
            "{ctype}"
        );
        assert!(content.attachments.is_empty(), "{ctype}: {content:?}");
    }
}

#[test]
fn undeclared_legacy_charsets_are_recognised() {
    let cp1251: &[u8] = &[
        0xcf, 0xf0, 0xe8, 0xe2, 0xb3, 0xf2, 0x2c, 0x20, 0xf1, 0xe2, 0xb3, 0xf2,
    ];
    let koi8u: &[u8] = &[
        0xf0, 0xd2, 0xc9, 0xd7, 0xa6, 0xd4, 0x2c, 0x20, 0xd3, 0xd7, 0xa6, 0xd4,
    ];
    let latin1: &[u8] = b"Caf\xe9 cr\xe8me, see you there";
    for (ctype, body, want) in [
        ("text/plain", cp1251, "Привіт, світ"),
        ("text/plain; charset=us-ascii", cp1251, "Привіт, світ"),
        (
            "text/plain; charset=x-no-such-charset",
            koi8u,
            "Привіт, світ",
        ),
        ("text/plain", koi8u, "Привіт, світ"),
        ("text/plain; charset=utf-8", cp1251, "Привіт, світ"),
        ("text/plain", latin1, "Café crème, see you there"),
    ] {
        let raw = with_body(&format!("Content-Type: {ctype}\n"), body);
        assert_eq!(text_of(&raw), want, "{ctype}");
    }
}

#[test]
fn utf8_bytes_win_over_a_wrong_label() {
    let body = "你好！我公司 — Привіт".as_bytes();
    for ctype in [
        "text/plain; charset=gb2312",
        "text/plain; charset=us-ascii",
        "text/plain",
    ] {
        let raw = with_body(
            &format!("Content-Type: {ctype}\nContent-Transfer-Encoding: 8bit\n"),
            body,
        );
        assert_eq!(text_of(&raw), "你好！我公司 — Привіт", "{ctype}");
    }
    // A declared legacy charset that decodes is kept, and UTF-16 is never second-guessed.
    let raw = with_body(
        "Content-Type: text/plain; charset=windows-1251\n",
        &[0xf2, 0xe0, 0xea],
    );
    assert_eq!(text_of(&raw), "так");
    let raw = with_body("Content-Type: text/plain; charset=utf-16le\n", b"h\0i\0");
    assert_eq!(text_of(&raw), "hi");
}

#[test]
fn flowed_text_is_stored_joined() {
    let raw = with_body(
        "Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\nContent-Transfer-Encoding: 8bit\n",
        "Дякую за лист, зуст \r\nрінемось у вівторок.\r\n\r\n> Чи можемо ми  \r\n> зустрітися?\r\n>> Перша  \r\n>> версія\r\n".as_bytes(),
    );
    let (_, content) = message(&raw);
    assert_eq!(
        content.text.as_deref(),
        Some(
            "Дякую за лист, зустрінемось у вівторок.\n\n> Чи можемо ми зустрітися?\n>> Перша версія\n"
        )
    );
    let raw = with_body(
        "Content-Type: text/plain; format=flowed\n",
        b"one \r\ntwo\r\n> quoted \r\n> more\r\n",
    );
    let text = text_of(&raw);
    assert_eq!(text, "one two\n> quoted more\n");
    let blocks = crate::mail::quotes::blocks(&text);
    assert_eq!(blocks.len(), 2);
    assert_eq!(
        (blocks[1].quote_depth, blocks[1].text.as_str()),
        (1, "quoted more")
    );
    // Not flowed: the lines stay as sent.
    assert_eq!(
        text_of(&with_body("Content-Type: text/plain\n", b"one \r\ntwo")),
        "one \r\ntwo"
    );
}

#[test]
fn a_named_second_text_part_is_an_attachment() {
    let raw = with_body(
        "Content-Type: multipart/mixed; boundary=\"b\"\n",
        b"--b\r\nContent-Type: text/plain\r\nContent-Disposition: inline; filename=\"a.txt\"\r\n\r\nfirst\r\n--b\r\nContent-Type: text/plain; charset=windows-1251\r\nContent-Disposition: inline; filename=\"b.txt\"\r\n\r\n\xf2\xe0\xea\r\n--b--\r\n",
    );
    let (_, content) = message(&raw);
    assert_eq!(content.text.as_deref().map(str::trim), Some("first"));
    let names: Vec<_> = content
        .attachments
        .iter()
        .map(|a| (a.name.as_str(), a.size))
        .collect();
    // The size is the bytes a download gives (windows-1251, three bytes), not the UTF-8 text.
    assert_eq!(names, vec![("b.txt", 3)]);
}

#[test]
fn folded_encoded_words_in_a_file_name_are_joined() {
    let content = with_attachment(
        "Content-Type: application/pdf\nContent-Disposition: attachment; filename=\"=?UTF-8?Q?Solidarno=C5=9B?=\n        =?UTF-8?Q?=C4=87_umowa=2Epdf?=\"\nContent-Transfer-Encoding: base64\n",
        b"JVBERg==\r\n",
    );
    assert_eq!(content.attachments[0].name, "Solidarność umowa.pdf");
    assert_eq!(content.attachments[0].size, 4);
}

#[test]
fn uuencoded_attachments_have_their_decoded_size() {
    let uu = b"begin 644 cat.txt\r\n#0V%T\r\n`\r\nend\r\n";
    assert_eq!(uudecode(uu), b"Cat");
    assert_eq!(uudecode(b"no begin line\r\n#0V%T\r\n"), b"");
    let content = with_attachment(
        "Content-Type: application/octet-stream; name=\"cat.txt\"\nContent-Transfer-Encoding: x-uuencode\n",
        uu,
    );
    assert_eq!(content.attachments[0].size, 3);
}

#[test]
fn html_title_is_not_text_and_nul_is_dropped() {
    let raw = with_body(
        "Content-Type: text/html; charset=utf-8\n",
        b"<!doctype html><title>Foo</title><p>HTML here</p>",
    );
    assert_eq!(text_of(&raw).trim(), "HTML here");
    let raw = with_body("Content-Type: text/plain\n", b"a\0b");
    let (_, content) = message(&raw);
    assert_eq!(content.text.as_deref(), Some("ab"));
}

#[test]
fn base64_attachments_are_sized_as_the_decoding_parser_sizes_them() {
    // Aligned, padded once and twice, unpadded leftovers, white space and folded lines,
    // concatenated pieces, a lone letter before `=`, stray bytes, empty.
    let bodies: [&[u8]; 11] = [
        b"QUJD\r\n",
        b"QUI=\r\n",
        b"QQ==\r\n",
        b"QUJDRA\r\n",
        b"QU JD\tRE VG\r\nSElK\r\n",
        b"QQ==QUI=QUJD\r\n",
        b"QUJDR=\r\n",
        b"==QUJD==\r\n",
        b"",
        b"\r\n\r\n",
        b"TWFu IGlz IGRp c3Rp bmd1 aXNo ZWQ=\r\n",
    ];
    for body in bodies {
        let headers =
            "Content-Type: application/pdf; name=\"a.pdf\"\nContent-Transfer-Encoding: base64\n";
        let content = with_attachment(headers, body);
        let raw = attachment_message(headers, body);
        let decoded = MessageParser::default().parse(&raw).unwrap();
        let expected = decoded.parts[2].contents().len() as u64;
        let shown = String::from_utf8_lossy(body);
        assert_eq!(content.attachments[0].size, expected, "{shown:?}");
        assert_eq!(base64_len(body) as u64, expected, "{shown:?}");
    }
    // A large one, as a mailer folds it.
    let data: Vec<u8> = (0..300_001u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut folded = Vec::new();
    for line in base64_of(&data).as_bytes().chunks(76) {
        folded.extend_from_slice(line);
        folded.extend_from_slice(b"\r\n");
    }
    assert_eq!(base64_len(&folded), data.len());
}

#[test]
fn a_base64_body_with_a_broken_type_still_reads_decoded() {
    let raw = with_body(
        "Content-Type: text\nContent-Transfer-Encoding: base64\n",
        b"SGksIGNhbiB5b3UgcmVhZCBtZT8=\r\n",
    );
    assert_eq!(text_of(&raw), "Hi, can you read me?");
}

fn base64_of(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}
