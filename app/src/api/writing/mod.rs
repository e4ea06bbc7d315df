//! Writing mail: drafts (start, show, save, send, take back, discard), their attachments
//! (uploads are a plain axum route, `server/src/draft_attachments.rs`), address
//! suggestions, the undo-send delay and signatures.

mod compose;
mod discard_draft;
mod my_drafts;
mod remove_attachment;
mod save_draft;
mod send_draft;
mod set_undo_seconds;
mod signature;
mod start_draft;
mod suggest_addresses;
mod undo_send;

pub use compose::{ComposeFn, compose};
pub use discard_draft::{DiscardDraft, discard_draft};
pub use my_drafts::{MyDraftsFn, my_drafts};
pub use remove_attachment::{RemoveAttachment, remove_attachment};
pub use save_draft::{SaveDraft, save_draft};
pub use send_draft::{SendDraft, send_draft};
pub use set_undo_seconds::{SetUndoSeconds, set_undo_seconds};
pub use signature::{SetSignature, SignatureFn, set_signature, signature};
pub use start_draft::{StartDraft, start_draft};
pub use suggest_addresses::{SuggestAddressesFn, suggest_addresses};
pub use undo_send::{UndoSend, undo_send};

/// Longest address list (To, Cc or Bcc) as typed, in characters.
pub const MAX_ADDRESSES_CHARS: usize = 20_000;
/// Longest subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 1_000;
/// Longest body, in characters (about a 1,000-page letter).
pub const MAX_BODY_CHARS: usize = 1_000_000;
/// Longest address-completion query, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// The compose form's fields, each bounded before anything is stored (`Invalid`,
/// `too_long`, naming the field).
#[cfg(feature = "ssr")]
fn fields(
    mailbox: i64,
    to: String,
    cc: String,
    bcc: String,
    subject: String,
    body: String,
) -> Result<domain::ComposeFields, crate::error::AppError> {
    bounded("to", &to, MAX_ADDRESSES_CHARS)?;
    bounded("cc", &cc, MAX_ADDRESSES_CHARS)?;
    bounded("bcc", &bcc, MAX_ADDRESSES_CHARS)?;
    bounded("subject", &subject, MAX_SUBJECT_CHARS)?;
    bounded("body", &body, MAX_BODY_CHARS)?;
    Ok(domain::ComposeFields {
        mailbox_id: mailbox,
        to,
        cc,
        bcc,
        subject,
        body,
    })
}

/// `Invalid { field, "too_long" }` when `value` has more than `max` characters.
#[cfg(feature = "ssr")]
fn bounded(field: &str, value: &str, max: usize) -> Result<(), crate::error::AppError> {
    // Bytes bound characters from above: count them only when the bytes could be over.
    if value.len() > max && value.chars().count() > max {
        return Err(super::context::fail(crate::error::AppError::Invalid {
            field: field.into(),
            reason: "too_long".into(),
        }));
    }
    Ok(())
}
