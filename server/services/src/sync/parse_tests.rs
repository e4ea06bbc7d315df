use super::*;

/// A message of these header lines (`\n` ends each) and this body.
pub(super) fn with_body(headers: &str, body: &[u8]) -> Vec<u8> {
    let mut raw = headers.replace('\n', "\r\n").into_bytes();
    raw.extend_from_slice(b"\r\n");
    raw.extend_from_slice(body);
    raw
}

#[test]
fn windows_1251_body_and_encoded_subject() {
    // "Привіт" in windows-1251, subject as an RFC 2047 B-word in windows-1251.
    let body: &[u8] = &[0xcf, 0xf0, 0xe8, 0xe2, 0xb3, 0xf2];
    let raw = with_body(
        "From: =?windows-1251?B?zuvl6vHg7eTw?= <olek@example.test>\nSubject: =?windows-1251?B?z/Du7+7n6Paz/w==?=\nMessage-ID: <a1@example.test>\nContent-Type: text/plain; charset=windows-1251\nContent-Transfer-Encoding: 8bit\n",
        body,
    );
    let (env, content) = message(&raw);
    assert_eq!(env.from.name, "Олександр");
    assert_eq!(env.from.address, "olek@example.test");
    assert_eq!(env.subject, "Пропозиція");
    assert_eq!(content.text.as_deref().map(str::trim), Some("Привіт"));
    assert_eq!(env.message_id.as_deref(), Some("a1@example.test"));
}

#[test]
fn koi8_u_body_with_ukrainian_letters() {
    // "Ґанок і їжа" in KOI8-U: Ґ=0xBD, і=0xA6, ї=0xA7.
    let body: &[u8] = &[
        0xbd, 0xc1, 0xce, 0xcf, 0xcb, 0x20, 0xa6, 0x20, 0xa7, 0xd6, 0xc1,
    ];
    let raw = with_body(
        "From: a@example.test\nSubject: koi\nContent-Type: text/plain; charset=koi8-u\n",
        body,
    );
    let (_, content) = message(&raw);
    assert_eq!(content.text.as_deref().map(str::trim), Some("Ґанок і їжа"));
}

#[test]
fn iso_8859_5_and_quoted_printable_words() {
    let raw = with_body(
        "From: =?ISO-8859-5?Q?=BF=D5=E2=E0=DE?= <p@example.test>\nSubject: =?iso-8859-2?Q?=A9koda?=\n",
        b"x",
    );
    let env = envelope(&raw);
    assert_eq!(env.from.name, "Петро");
    assert_eq!(env.subject, "Škoda");
}

#[test]
fn raw_8bit_utf8_headers_are_kept() {
    let raw = with_body(
        "From: Марія <m@example.test>\nSubject: Рахунок №5\n",
        "тіло".as_bytes(),
    );
    let (env, content) = message(&raw);
    assert_eq!(env.subject, "Рахунок №5");
    assert_eq!(env.from.name, "Марія");
    assert_eq!(content.text.as_deref().map(str::trim), Some("тіло"));
}

#[test]
fn missing_headers_and_garbage_still_give_a_row() {
    let (env, content) = message(b"no colon line at all\r\n\r\nbody");
    assert!(env.message_id.is_none());
    assert!(!env.thread_id.is_empty());
    assert!(content.text.is_some() || content.snippet.is_empty());
    let (env, _) = message(b"");
    assert_eq!(env.subject, "");
    assert!(!env.thread_id.is_empty());
}

#[test]
fn broken_multipart_does_not_lose_the_text() {
    let raw = with_body(
        "From: a@example.test\nSubject: broken\nContent-Type: multipart/mixed; boundary=\"XX\"\n",
        b"--XX\r\nContent-Type: text/plain\r\n\r\nvisible text\r\n--XX\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64",
    );
    let (env, content) = message(&raw);
    assert_eq!(env.subject, "broken");
    assert!(content.text.unwrap_or_default().contains("visible text"));
}

#[test]
fn attachments_have_name_type_and_size() {
    let raw = with_body(
        "From: a@example.test\nSubject: files\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n",
        b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"=?utf-8?B?0KDQsNGF0YPQvdC+0LoucGRm?=\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n",
    );
    let (_, content) = message(&raw);
    assert_eq!(content.attachments.len(), 1, "{content:?}");
    let a = &content.attachments[0];
    assert_eq!(a.name, "Рахунок.pdf");
    assert_eq!(a.content_type, "application/pdf");
    assert_eq!(a.size, 9);
    assert_eq!(content.snippet, "see attached");
}

#[test]
fn threads_from_references_reply_to_and_subject() {
    let root = envelope(b"Message-ID: <root@x>\r\nSubject: Offer\r\n\r\n");
    let reply =
        envelope(b"Message-ID: <r1@x>\r\nIn-Reply-To: <root@x>\r\nSubject: Re: Offer\r\n\r\n");
    let deep = envelope(
        b"Message-ID: <r2@x>\r\nIn-Reply-To: <r1@x>\r\nReferences: <root@x> <r1@x>\r\nSubject: Re: Re: Offer\r\n\r\n",
    );
    assert_eq!(root.thread_id, "id:root@x");
    assert_eq!(reply.thread_id, root.thread_id);
    assert_eq!(deep.thread_id, root.thread_id);
    assert_eq!(deep.references, vec!["root@x", "r1@x"]);
    let bare_a = envelope(b"Subject: Re: Invoice 7\r\n\r\n");
    let bare_b = envelope(b"Subject: Fwd: RE: invoice 7\r\n\r\n");
    assert_eq!(bare_a.thread_id, "subject:invoice 7");
    assert_eq!(bare_b.thread_id, bare_a.thread_id);
    let unrelated = envelope(b"Message-ID: <u@x>\r\nSubject: Invoice 7\r\n\r\n");
    assert_eq!(unrelated.thread_id, "id:u@x");
}

#[test]
fn base_subject_strips_ukrainian_and_numbered_prefixes() {
    assert_eq!(base_subject("Відп: Re[2]: Договір"), "договір");
    assert_eq!(base_subject("  FW: Re: Hello "), "hello");
    assert_eq!(base_subject("Regarding"), "regarding");
}

#[test]
fn date_is_utc() {
    let env = envelope(b"Date: Tue, 03 Nov 2026 10:00:00 +0200\r\n\r\n");
    assert_eq!(
        env.sent_at.map(|d| d.to_rfc3339()),
        Some("2026-11-03T08:00:00+00:00".into())
    );
}

#[test]
fn raw_8bit_windows_1251_headers_are_decoded() {
    let mut raw = b"From: ".to_vec();
    raw.extend_from_slice(&[0xce, 0xeb, 0xe5, 0xed, 0xe0]); // "Олена" in windows-1251
    raw.extend_from_slice(b" <olena@example.com>\r\nSubject: ");
    raw.extend_from_slice(&[0xc4, 0xee, 0xe3, 0xee, 0xe2, 0xb3, 0xf0]); // "Договір"
    raw.extend_from_slice(
        b"\r\nTo: =?utf-8?B?0JzQsNGA0ZbRjw==?= <m@example.test>\r\n\r\nbody \xff stays",
    );
    let (env, content) = message(&raw);
    assert_eq!(env.from.name, "Олена");
    assert_eq!(env.subject, "Договір");
    assert_eq!(env.to[0].name, "Марія");
    assert!(content.text.unwrap_or_default().starts_with("body"));
}

#[test]
fn raw_8bit_headers_follow_the_declared_charset() {
    let mut raw = b"Subject: ".to_vec();
    raw.extend_from_slice(&[0xd0, 0xd2, 0xc9, 0xd7, 0xa6, 0xd4]); // "привіт" in KOI8-U
    raw.extend_from_slice(b"\r\nContent-Type: text/plain; charset=\"koi8-u\"\r\n\r\nx");
    assert_eq!(envelope(&raw).subject, "привіт");
}

#[test]
fn a_bare_word_sender_is_its_address() {
    let env = envelope(b"From: foo\r\nTo: Olena <o@example.test>, postmaster\r\n\r\n");
    assert_eq!(
        env.from,
        Person {
            name: String::new(),
            address: "foo".into()
        }
    );
    assert_eq!(env.to[0].name, "Olena");
    assert_eq!(env.to[1].address, "postmaster");
    let env = envelope(b"From: Olena Koval\r\n\r\n");
    assert_eq!(env.from.name, "Olena Koval");
    assert_eq!(env.from.address, "");
}

#[test]
fn preview_is_the_first_words_on_one_line() {
    // What the list showed before the one-pass preview: the words of the first 320
    // characters joined by one space, cut at 160.
    let reference = |text: &str| -> String {
        one_line(&text.chars().take(SNIPPET_CHARS * 2).collect::<String>())
            .chars()
            .take(SNIPPET_CHARS)
            .collect()
    };
    let word = "слово ".repeat(40);
    let cases = [
        String::new(),
        "   \r\n\t ".to_owned(),
        "  Hello,\r\n\r\n  world\u{0}\u{7} again  ".to_owned(),
        "x".repeat(500),
        format!("{} tail", "a".repeat(159)),
        format!("{}  tail", "a".repeat(158)),
        format!("{}\n{}", " ".repeat(200), "b".repeat(200)),
        word.clone(),
        format!("{}{}", "\t".repeat(319), "late"),
    ];
    for text in &cases {
        assert_eq!(preview(text), reference(text), "{text:?}");
    }
    assert_eq!(preview("  Hello,\r\n\r\n  world  "), "Hello, world");
}

/// The fields of a header block named in `names`, as a server answers
/// `BODY.PEEK[HEADER.FIELDS (…)]` (RFC 3501 §6.4.5): each kept field with its folded
/// lines, in their order, then the blank line.
fn only_fields(block: &[u8], names: &[&str]) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut keep = false;
    for line in block.split_inclusive(|b| *b == b'\n') {
        if !line.starts_with(b" ") && !line.starts_with(b"\t") {
            let name = line.split(|b| *b == b':').next().unwrap_or_default();
            let name = String::from_utf8_lossy(name);
            keep = names.iter().any(|n| n.eq_ignore_ascii_case(name.trim()));
        }
        if keep {
            kept.extend_from_slice(line);
        }
    }
    kept.extend_from_slice(b"\r\n");
    kept
}

/// The header pass asks only for [`ENVELOPE_FIELDS`]: what they give is what the whole
/// block gives, for a block heavy with transport fields and for every kind of machine
/// mail `crm::machine` tells.
#[test]
fn the_envelope_fields_give_what_the_whole_block_gives() {
    let common = "Received: from mx.example.test (mx.example.test [192.0.2.1])\r\n\
        \tby in.example.test with ESMTPS id 1; Mon, 2 Nov 2026 09:00:00 +0000\r\n\
        DKIM-Signature: v=1; a=rsa-sha256; d=example.test; s=s1;\r\n\
        \tb=AAAABBBBCCCC\r\n\
        Date: Mon, 2 Nov 2026 10:00:00 +0200\r\n\
        From: =?windows-1251?B?zuvl6vHg7eTw?= <olek@example.test>\r\n\
        Sender: relay@example.test\r\n\
        To: Ann <ann@example.test>, bob@example.test\r\n\
        Cc: Carol <carol@example.test>\r\n\
        Reply-To: desk@example.test\r\n\
        Subject: =?UTF-8?B?0J/RgNC+0L/QvtC30LjRhtGW0Y8=?=\r\n\
        Message-ID: <m1@example.test>\r\n\
        In-Reply-To: <p1@example.test>\r\n\
        References: <r1@example.test>\r\n <p1@example.test>\r\n\
        MIME-Version: 1.0\r\n\
        X-Mailer: Thunderbird\r\n";
    let machine = [
        "",
        "List-Id: Updates <updates.example.test>\r\n",
        "List-Unsubscribe: <mailto:u@example.test>\r\n",
        "Precedence: bulk\r\n",
        "Auto-Submitted: auto-replied\r\n",
        "X-Autoreply: yes\r\n",
        "X-Autorespond: yes\r\n",
        "X-Autoresponder: yes\r\n",
        "Content-Type: multipart/report; report-type=delivery-status;\r\n boundary=b\r\n",
        "Return-Path: <>\r\n",
    ];
    // Every field the machine-mail check reads is asked for.
    for name in crate::crm::machine::FIELDS {
        assert!(
            ENVELOPE_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(name)),
            "{name} is read by crm::machine but not in ENVELOPE_FIELDS"
        );
    }
    for extra in machine {
        let block = format!("{common}{extra}\r\n");
        let whole = envelope(block.as_bytes());
        let fields = envelope(&only_fields(block.as_bytes(), &ENVELOPE_FIELDS));
        assert_eq!(fields, whole, "{extra:?}");
        assert_eq!(whole.automated, !extra.is_empty(), "{extra:?}");
    }
    // A raw 8-bit Subject ("Привіт" in KOI8-U) is read with the charset Content-Type
    // declares, which the fields keep.
    let mut block = b"From: a@example.test\r\nSubject: ".to_vec();
    block.extend_from_slice(&[0xf0, 0xd2, 0xc9, 0xd7, 0xa6, 0xd4]);
    block.extend_from_slice(b"\r\nContent-Type: text/plain; charset=koi8-u\r\n\r\n");
    let whole = envelope(&block);
    assert_eq!(whole.subject, "Привіт");
    assert_eq!(envelope(&only_fields(&block, &ENVELOPE_FIELDS)), whole);
}

/// Messages read from their fields that name no thread (no ids, no reply subject) each get
/// one of their own, the same at every read: alike fields (none at all, here) do not put
/// them in one thread.
#[test]
fn unnamed_threads_of_the_header_path_are_told_apart_by_arrival_and_size() {
    let fields = b"\r\n";
    let thread = |received_at, size| {
        let mut e = envelope(fields);
        own_thread_by_arrival(&mut e, fields, received_at, size);
        e.thread_id
    };
    assert!(thread(1_000, 50).starts_with("raw:"));
    assert_eq!(thread(1_000, 50), thread(1_000, 50));
    assert_ne!(thread(1_000, 50), thread(1_001, 50));
    assert_ne!(thread(1_000, 50), thread(1_000, 51));
    // A thread named by the message is left as it is.
    let named = b"Message-ID: <m@x>\r\n\r\n";
    let mut e = envelope(named);
    own_thread_by_arrival(&mut e, named, 1_000, 50);
    assert_eq!(e.thread_id, "id:m@x");
}
