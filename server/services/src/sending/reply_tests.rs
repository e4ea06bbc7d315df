use super::*;
use crate::sending::addresses::parse_list;
use chrono::TimeZone;

fn p(name: &str, address: &str) -> Person {
    Person {
        name: name.into(),
        address: address.into(),
    }
}

pub(crate) fn original() -> Original {
    Original {
        message_id: Some("m3@example.com".into()),
        in_reply_to: Some("m2@example.com".into()),
        references: "m1@example.com m2@example.com".into(),
        subject: "Re: Зустріч у понеділок".into(),
        from: p("Олена Петренко", "olena@example.com"),
        reply_to: Vec::new(),
        to: vec![p("Me", "me@example.org"), p("Taras", "taras@example.net")],
        cc: vec![p("", "ivan@example.net")],
        sent_at: Some(Utc.with_ymd_and_hms(2026, 11, 30, 13, 45, 7).unwrap()),
        text: "Can we meet?\r\n\r\nAt ten?\r\n> earlier\r\n".into(),
    }
}

fn own() -> Vec<String> {
    vec!["ME@example.org".into(), "me-too@example.org".into()]
}

fn addresses(list: &[Person]) -> Vec<&str> {
    list.iter().map(|p| p.address.as_str()).collect()
}

// ---- subject ----

#[test]
fn reply_subject_has_one_re() {
    let r = |s| subject(ComposeKind::Reply, s);
    assert_eq!(r("Meeting"), "Re: Meeting");
    assert_eq!(r("Re: Meeting"), "Re: Meeting");
    assert_eq!(r("Re: Re: Meeting"), "Re: Meeting");
    assert_eq!(r("RE: re:Meeting"), "Re: Meeting");
    assert_eq!(r("Re[2]: Meeting"), "Re: Meeting");
    assert_eq!(r("Re(3):  Meeting"), "Re: Meeting");
    assert_eq!(r("AW: Fwd: Meeting"), "Re: Fwd: Meeting");
    assert_eq!(r("Re: Fwd: Meeting"), "Re: Fwd: Meeting");
    assert_eq!(r("Відп: ВІДП: Зустріч"), "Re: Зустріч");
    assert_eq!(r("  Fw: MiXeD Case  "), "Re: Fw: MiXeD Case");
    assert_eq!(subject(ComposeKind::ReplyAll, "re: x"), "Re: x");
    // Not prefixes: a word that begins like one, a bracket without a number.
    assert_eq!(r("Report"), "Re: Report");
    assert_eq!(r("Re[draft]: x"), "Re: Re[draft]: x");
    assert_eq!(r("Rework: x"), "Re: Rework: x");
}

#[test]
fn forward_subject_has_one_fwd() {
    let f = |s| subject(ComposeKind::Forward, s);
    assert_eq!(f("Report"), "Fwd: Report");
    assert_eq!(f("Fwd: Report"), "Fwd: Report");
    assert_eq!(f("FW: fwd: Report"), "Fwd: Report");
    assert_eq!(f("Re: Report"), "Fwd: Re: Report");
    assert_eq!(f("Пересл: Звіт"), "Fwd: Звіт");
}

#[test]
fn empty_and_new_subjects() {
    assert_eq!(subject(ComposeKind::Reply, ""), "Re:");
    assert_eq!(subject(ComposeKind::Reply, "Re:"), "Re:");
    assert_eq!(subject(ComposeKind::Forward, ""), "Fwd:");
    assert_eq!(subject(ComposeKind::New, "Re: as is"), "Re: as is");
    assert_eq!(subject(ComposeKind::New, ""), "");
}

// ---- references ----

#[test]
fn references_append_the_original_id() {
    let (in_reply_to, refs) = references(&original());
    assert_eq!(in_reply_to.as_deref(), Some("<m3@example.com>"));
    assert_eq!(refs, "<m1@example.com> <m2@example.com> <m3@example.com>");
}

#[test]
fn ids_with_angle_brackets_are_taken_as_they_are() {
    let o = Original {
        message_id: Some("<m3@example.com>".into()),
        references: "<m1@example.com>\r\n <m2@example.com>".into(),
        ..original()
    };
    assert_eq!(
        references(&o),
        (
            Some("<m3@example.com>".into()),
            "<m1@example.com> <m2@example.com> <m3@example.com>".into()
        )
    );
}

#[test]
fn without_references_the_parent_stands_in() {
    let o = Original {
        references: String::new(),
        ..original()
    };
    assert_eq!(references(&o).1, "<m2@example.com> <m3@example.com>");
    let several = Original {
        references: String::new(),
        in_reply_to: Some("a@b c@d".into()),
        ..original()
    };
    assert_eq!(references(&several).1, "<m3@example.com>");
    let first = Original {
        references: String::new(),
        in_reply_to: None,
        ..original()
    };
    assert_eq!(references(&first).1, "<m3@example.com>");
}

#[test]
fn without_a_message_id_there_is_no_in_reply_to() {
    let o = Original {
        message_id: None,
        ..original()
    };
    assert_eq!(
        references(&o),
        (None, "<m1@example.com> <m2@example.com>".into())
    );
    let broken = Original {
        message_id: Some("no at sign".into()),
        ..original()
    };
    assert_eq!(references(&broken).0, None);
}

#[test]
fn references_keep_the_root_and_the_latest() {
    let o = Original {
        references: (1..=30).map(|i| format!("r{i}@x.y ")).collect(),
        message_id: Some("own@x.y".into()),
        ..original()
    };
    let (_, refs) = references(&o);
    let ids: Vec<&str> = refs.split(' ').collect();
    assert_eq!(ids.len(), 20);
    assert_eq!(ids[0], "<r1@x.y>");
    assert_eq!(ids[1], "<r13@x.y>");
    assert_eq!(ids[18], "<r30@x.y>");
    assert_eq!(ids[19], "<own@x.y>");
}

#[test]
fn ids_that_could_inject_headers_are_dropped() {
    let o = Original {
        references: "good@x.y bad <a<b@x.y> @x.y x@ <c@d>x@y> ok@x.y".into(),
        message_id: Some("m@x.y\r\nBcc: evil@x.y".into()),
        ..original()
    };
    let (in_reply_to, refs) = references(&o);
    assert_eq!(in_reply_to, None);
    assert_eq!(refs, "<good@x.y> <ok@x.y>");
    assert!(message_id("Ім'я@x.y").is_none());
    assert!(message_id(&format!("{}@x.y", "a".repeat(600))).is_none());
    assert_eq!(
        message_id(" <a.b+c@d-e.f> ").as_deref(),
        Some("<a.b+c@d-e.f>")
    );
}

// ---- recipients ----

#[test]
fn reply_goes_to_reply_to_or_from() {
    let (to, cc) = recipients(ComposeKind::Reply, &original(), &own());
    assert_eq!(to, vec![p("Олена Петренко", "olena@example.com")]);
    assert!(cc.is_empty());
    let listed = Original {
        reply_to: vec![p("List", "list@example.com")],
        ..original()
    };
    let (to, _) = recipients(ComposeKind::Reply, &listed, &own());
    assert_eq!(addresses(&to), ["list@example.com"]);
}

#[test]
fn reply_all_without_own_addresses_and_repeats() {
    let o = Original {
        to: vec![
            p("Me", "me@example.org"),
            p("Taras", "taras@example.net"),
            p("Olena again", "OLENA@example.com"),
        ],
        cc: vec![
            p("", "ivan@example.net"),
            p("Taras", "taras@EXAMPLE.net"),
            p("Me too", "me-too@example.org"),
            p("", "ivan@example.net"),
        ],
        ..original()
    };
    let (to, cc) = recipients(ComposeKind::ReplyAll, &o, &own());
    assert_eq!(addresses(&to), ["olena@example.com", "taras@example.net"]);
    assert_eq!(to[0].name, "Олена Петренко");
    assert_eq!(addresses(&cc), ["ivan@example.net"]);
}

#[test]
fn reply_all_with_reply_to_keeps_the_original_to() {
    let o = Original {
        reply_to: vec![p("List", "list@example.com")],
        ..original()
    };
    let (to, cc) = recipients(ComposeKind::ReplyAll, &o, &own());
    assert_eq!(addresses(&to), ["list@example.com", "taras@example.net"]);
    assert_eq!(addresses(&cc), ["ivan@example.net"]);
}

#[test]
fn reply_all_moves_cc_up_when_to_is_left_empty() {
    let o = Original {
        from: p("Me", "me@example.org"),
        to: vec![p("Me too", "me-too@example.org")],
        cc: vec![p("", "ivan@example.net")],
        ..original()
    };
    let (to, cc) = recipients(ComposeKind::ReplyAll, &o, &own());
    assert_eq!(addresses(&to), ["ivan@example.net"]);
    assert!(cc.is_empty());
}

#[test]
fn replying_to_own_sent_mail_goes_to_its_recipients() {
    let sent = Original {
        from: p("Me", "Me@Example.org"),
        to: vec![p("Taras", "taras@example.net"), p("", "olena@example.com")],
        cc: vec![p("", "ivan@example.net")],
        ..original()
    };
    let (to, cc) = recipients(ComposeKind::Reply, &sent, &own());
    assert_eq!(addresses(&to), ["taras@example.net", "olena@example.com"]);
    assert!(cc.is_empty());
    let (to, cc) = recipients(ComposeKind::ReplyAll, &sent, &own());
    assert_eq!(addresses(&to), ["taras@example.net", "olena@example.com"]);
    assert_eq!(addresses(&cc), ["ivan@example.net"]);
}

#[test]
fn a_note_to_self_is_answered_to_self() {
    let note = Original {
        from: p("Me", "me@example.org"),
        to: vec![p("Me", "me@example.org")],
        cc: Vec::new(),
        ..original()
    };
    for kind in [ComposeKind::Reply, ComposeKind::ReplyAll] {
        let (to, cc) = recipients(kind, &note, &own());
        assert_eq!(addresses(&to), ["me@example.org"], "{kind:?}");
        assert!(cc.is_empty());
    }
}

#[test]
fn own_mail_with_only_bcc_is_answered_to_self() {
    let bcc_only = Original {
        from: p("Me", "me@example.org"),
        to: Vec::new(),
        cc: Vec::new(),
        ..original()
    };
    let (to, _) = recipients(ComposeKind::Reply, &bcc_only, &own());
    assert_eq!(addresses(&to), ["me@example.org"]);
}

#[test]
fn forward_and_new_start_empty() {
    for kind in [ComposeKind::Forward, ComposeKind::New] {
        assert_eq!(recipients(kind, &original(), &own()), (vec![], vec![]));
    }
}

#[test]
fn people_without_an_address_are_skipped() {
    let o = Original {
        from: p("Nobody", ""),
        reply_to: vec![p("", " ")],
        to: vec![p("Taras", "taras@example.net")],
        cc: Vec::new(),
        ..original()
    };
    let (to, _) = recipients(ComposeKind::ReplyAll, &o, &own());
    assert_eq!(addresses(&to), ["taras@example.net"]);
}

// ---- format_list ----

#[test]
fn format_list_reads_back_identical() {
    let people = vec![
        p("Plain Name", "a@example.com"),
        p("", "b@example.com"),
        p("Last, First", "c@example.com"),
        p(r#"Say "hi""#, "d@example.com"),
        p(r"Back\slash", "e@example.com"),
        p("<angle> & ; semi", "f@example.com"),
        p("J. R. Smith (work)", "g@example.com"),
        p("Олена Петренко", "h@приклад.укр"),
        p("Ім'я", "i@example.com"),
        p("=?utf-8?b?0J7Qu9C10L3QsA==?=", "j@example.com"),
        p("x@y.z", "k@example.com"),
        p("O'Brien-Smith_#1", "l@example.com"),
    ];
    let text = format_list(&people);
    let back: Vec<Person> = parse_list(&text)
        .unwrap_or_else(|e| panic!("{e} in {text}"))
        .into_iter()
        .map(|m| p(m.name.as_deref().unwrap_or_default(), m.email.as_ref()))
        .collect();
    assert_eq!(back, people, "{text}");
}

#[test]
fn format_list_shapes() {
    assert_eq!(
        format_list(&[p("Name", "a@b.c"), p("", "c@d.e"), p("x", "")]),
        "Name <a@b.c>, c@d.e"
    );
    assert_eq!(
        format_list(&[p("Last, First", "a@b.c")]),
        r#""Last, First" <a@b.c>"#
    );
    // A name with a line break (never stored so, but never trusted) stays on one line.
    assert_eq!(format_list(&[p("A\r\nB", "a@b.c")]), "A B <a@b.c>");
    assert_eq!(format_list(&[]), "");
}
