//! Machine and bulk mail, told from a message's header fields: mailing lists, bulk
//! senders, auto-replies, bounces and delivery reports, no-reply senders. The header pass
//! stores the answer in `messages.automated`; automatic CRM creation never makes records
//! from such mail (it may still link it to records that exist).

/// Whether the header fields (name, raw value) and the From address say machine mail.
pub fn is_automated<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>, from: &str) -> bool {
    headers
        .into_iter()
        .any(|(name, value)| machine_field(name, value))
        || is_noreply_address(from)
}

/// The header fields of a parsed message.
pub fn is_automated_message(m: &mail_parser::Message<'_>, from: &str) -> bool {
    is_automated(m.headers_raw(), from)
}

/// The header fields [`machine_field`] looks into, and only these: the header pass asks a
/// server for `sync::parse::ENVELOPE_FIELDS` only, which is made of these and the
/// envelope's own.
pub const FIELDS: [&str; 9] = [
    "list-id",
    "list-unsubscribe",
    "precedence",
    "auto-submitted",
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "content-type",
    "return-path",
];

fn machine_field(name: &str, value: &str) -> bool {
    let name = name.trim().to_ascii_lowercase();
    if !FIELDS.contains(&name.as_str()) {
        return false;
    }
    // Lowered only for the few fields that are looked into (a message has dozens).
    let value = || value.trim().to_ascii_lowercase();
    match name.as_str() {
        // RFC 2919, RFC 2369: a mailing list.
        "list-id" | "list-unsubscribe" => true,
        // RFC 3834 §2 (and common practice): bulk, list and junk mail.
        "precedence" => matches!(first_token(&value()), "bulk" | "list" | "junk"),
        // RFC 3834: anything but "no" was sent by a machine.
        "auto-submitted" => !matches!(first_token(&value()), "" | "no"),
        // Auto-responders that predate Auto-Submitted.
        "x-autoreply" | "x-autorespond" | "x-autoresponder" => true,
        // RFC 3462/6522 reports: delivery status (bounces), read receipts, feedback.
        "content-type" => first_token(&value()) == "multipart/report",
        // RFC 5321 §4.5.5: a null reverse path is what bounces are sent with.
        "return-path" => value().trim_matches(|c: char| c.is_whitespace()) == "<>",
        _ => false,
    }
}

/// The first word of a header value: before `;`, `(` or whitespace.
fn first_token(value: &str) -> &str {
    value
        .split(|c: char| c == ';' || c == '(' || c.is_whitespace())
        .next()
        .unwrap_or_default()
        .trim()
}

/// Whether an address is a no-reply or system sender: noreply, no-reply, donotreply,
/// mailer-daemon, postmaster, bounce(s), also with a `+tag` or a suffix (`noreply-billing`).
pub fn is_noreply_address(address: &str) -> bool {
    let local = address
        .trim()
        .trim_matches(['<', '>'])
        .rsplit_once('@')
        .map_or(address.trim(), |(local, _)| local)
        .to_ascii_lowercase();
    let local = local.split('+').next().unwrap_or_default();
    const PREFIXES: [&str; 6] = [
        "noreply",
        "no-reply",
        "no_reply",
        "donotreply",
        "do-not-reply",
        "do_not_reply",
    ];
    const EXACT: [&str; 4] = ["mailer-daemon", "postmaster", "bounce", "bounces"];
    PREFIXES.iter().any(|p| local.starts_with(p))
        || EXACT.contains(&local)
        || local.starts_with("bounce-")
        || local.starts_with("bounces-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto(headers: &[(&str, &str)], from: &str) -> bool {
        is_automated(headers.iter().copied(), from)
    }

    #[test]
    fn lists_bulk_and_auto_replies_are_machine_mail() {
        let from = "news@globex.example";
        assert!(auto(
            &[("List-Id", " Updates <updates.globex.example>")],
            from
        ));
        assert!(auto(
            &[("List-Unsubscribe", " <mailto:u@globex.example>")],
            from
        ));
        assert!(auto(&[("Precedence", " bulk")], from));
        assert!(auto(&[("precedence", "List")], from));
        assert!(auto(&[("Precedence", " junk (spam)")], from));
        assert!(!auto(&[("Precedence", " first-class")], from));
        assert!(auto(&[("Auto-Submitted", " auto-replied")], from));
        assert!(auto(
            &[("Auto-Submitted", " auto-generated; owner-email=x")],
            from
        ));
        assert!(!auto(&[("Auto-Submitted", " no")], from));
        assert!(!auto(&[("Auto-Submitted", " No (a person)")], from));
        assert!(auto(&[("X-Autoreply", " yes")], from));
        assert!(auto(&[("X-Autorespond", " vacation")], from));
    }

    #[test]
    fn bounces_and_reports_are_machine_mail() {
        let ct = " multipart/report; report-type=delivery-status;\r\n boundary=\"b\"";
        assert!(auto(&[("Content-Type", ct)], "someone@globex.example"));
        let mdn = " multipart/report; report-type=disposition-notification";
        assert!(auto(&[("Content-Type", mdn)], "someone@globex.example"));
        assert!(!auto(
            &[("Content-Type", " multipart/mixed; boundary=x")],
            "a@b.example"
        ));
        assert!(auto(&[("Return-Path", " <>")], "someone@globex.example"));
        assert!(!auto(&[("Return-Path", " <a@b.example>")], "a@b.example"));
    }

    #[test]
    fn noreply_senders() {
        for a in [
            "noreply@globex.example",
            "no-reply@globex.example",
            "No_Reply@globex.example",
            "DoNotReply@globex.example",
            "do-not-reply+x@globex.example",
            "noreply-billing@globex.example",
            "MAILER-DAEMON@mx.globex.example",
            "postmaster@globex.example",
            "bounce@globex.example",
            "bounces+abc=x@globex.example",
            "bounce-123@globex.example",
            "MAILER-DAEMON",
        ] {
            assert!(is_noreply_address(a), "{a}");
            assert!(auto(&[], a), "{a}");
        }
        for a in [
            "nora@globex.example",
            "bouncer@globex.example",
            "replies@globex.example",
        ] {
            assert!(!is_noreply_address(a), "{a}");
        }
        assert!(!auto(
            &[("Subject", " list-id: hello")],
            "olena@globex.example"
        ));
    }

    #[test]
    fn parsed_headers() {
        let raw = b"From: Globex <news@globex.example>\r\nList-Id: <x.globex.example>\r\nSubject: s\r\n\r\n";
        let m = mail_parser::MessageParser::default()
            .parse_headers(&raw[..])
            .unwrap();
        assert!(is_automated_message(&m, "news@globex.example"));
        let raw = b"From: Taras <taras@globex.example>\r\nSubject: s\r\n\r\n";
        let m = mail_parser::MessageParser::default()
            .parse_headers(&raw[..])
            .unwrap();
        assert!(!is_automated_message(&m, "taras@globex.example"));
    }
}
