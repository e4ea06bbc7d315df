//! A stored message as the start of a reply or forward (`reply::Original`).

use super::reply::Original;
use crate::entities::message;

/// The facts a reply or forward takes from `row`; an HTML-only message is quoted as its
/// text rendering.
pub(super) fn of(row: &message::Model) -> Original {
    let text = match (&row.text_body, &row.html_body) {
        (Some(text), _) if !text.trim().is_empty() => text.clone(),
        (_, Some(html)) => mail_parser::decoders::html::html_to_text(html),
        _ => row.snippet.clone(),
    };
    Original {
        message_id: row.message_id.as_ref().map(|id| format!("<{id}>")),
        in_reply_to: row.in_reply_to.clone(),
        references: row.references.clone(),
        subject: row.subject.clone(),
        from: crate::sync::parse::Person {
            name: row.from_name.clone(),
            address: row.from_address.clone(),
        },
        reply_to: row.reply_to.0.clone(),
        to: row.to_list.0.clone(),
        cc: row.cc_list.0.clone(),
        sent_at: row.sent_at,
        text,
    }
}
