use super::*;
use crate::sending::reply::tests::original;
use crate::sync::parse::Person;
use chrono::TimeZone;

// ---- quoted_body ----

#[test]
fn reply_body_in_english() {
    let body = quoted_body(ComposeKind::Reply, &original(), Language::En, "Olena\nACME");
    assert_eq!(
        body,
        "\n\n-- \nOlena\nACME\n\n\
         On 30 Nov 2026 13:45 UTC, Олена Петренко <olena@example.com> wrote:\n\
         > Can we meet?\n>\n> At ten?\n> > earlier\n"
    );
}

#[test]
fn reply_body_in_ukrainian_without_signature() {
    let body = quoted_body(ComposeKind::ReplyAll, &original(), Language::Uk, "  \n");
    assert_eq!(
        body,
        "\n\n30 лист. 2026 13:45 UTC, Олена Петренко <olena@example.com> пише:\n\
         > Can we meet?\n>\n> At ten?\n> > earlier\n"
    );
    let may = Original {
        sent_at: Some(Utc.with_ymd_and_hms(2026, 5, 3, 9, 5, 0).unwrap()),
        ..original()
    };
    assert!(
        quoted_body(ComposeKind::Reply, &may, Language::Uk, "")
            .contains("3 трав. 2026 09:05 UTC, ")
    );
}

#[test]
fn attribution_without_date_or_sender() {
    let o = Original {
        sent_at: None,
        from: Person::default(),
        text: "x".into(),
        ..original()
    };
    assert_eq!(
        quoted_body(ComposeKind::Reply, &o, Language::En, ""),
        "\n\n(unknown sender) wrote:\n> x\n"
    );
    assert_eq!(
        quoted_body(ComposeKind::Reply, &o, Language::Uk, ""),
        "\n\n(невідомий відправник) пише:\n> x\n"
    );
}

#[test]
fn forward_body_in_both_languages() {
    let en = quoted_body(ComposeKind::Forward, &original(), Language::En, "Sig");
    assert_eq!(
        en,
        "\n\n-- \nSig\n\n\
         ---------- Forwarded message ---------\n\
         From: Олена Петренко <olena@example.com>\n\
         Date: 30 Nov 2026 13:45 UTC\n\
         Subject: Re: Зустріч у понеділок\n\
         To: Me <me@example.org>, Taras <taras@example.net>\n\
         Cc: ivan@example.net\n\
         \n\
         Can we meet?\n\nAt ten?\n> earlier\n"
    );
    let o = Original {
        cc: Vec::new(),
        ..original()
    };
    let uk = quoted_body(ComposeKind::Forward, &o, Language::Uk, "");
    assert_eq!(
        uk,
        "\n\n---------- Переслане повідомлення ---------\n\
         Від: Олена Петренко <olena@example.com>\n\
         Дата: 30 лист. 2026 13:45 UTC\n\
         Тема: Re: Зустріч у понеділок\n\
         Кому: Me <me@example.org>, Taras <taras@example.net>\n\
         \n\
         Can we meet?\n\nAt ten?\n> earlier\n"
    );
}

#[test]
fn new_body_is_the_signature_or_nothing() {
    assert_eq!(
        quoted_body(ComposeKind::New, &original(), Language::En, ""),
        ""
    );
    assert_eq!(
        quoted_body(
            ComposeKind::New,
            &Original::default(),
            Language::Uk,
            "Олена\r\n"
        ),
        "\n\n-- \nОлена\n\n"
    );
}

#[test]
fn quoted_text_is_bounded_at_a_char_boundary() {
    let o = Original {
        text: "ї".repeat(MAX_QUOTED_CHARS + 10),
        ..original()
    };
    let body = quoted_body(ComposeKind::Reply, &o, Language::En, "");
    assert!(body.ends_with("ї[…]\n"));
    assert_eq!(body.matches('ї').count(), MAX_QUOTED_CHARS);
    let forward = quoted_body(ComposeKind::Forward, &o, Language::En, "");
    assert_eq!(forward.matches('ї').count(), MAX_QUOTED_CHARS);
}
