//! Writing mail: a draft as the compose form shows it, what a save carries, the state of
//! its way out (undo-send delay, sending, sent, failed) and why a send failed, per
//! recipient where the server said so.

use crate::Timestamp;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

string_enum!(
    /// How a draft began: a new message, a reply (to the sender or to all), a forward.
    ComposeKind { New => "new", Reply => "reply", ReplyAll => "reply_all", Forward => "forward" }
);

string_enum!(
    /// Where a draft is on its way out. `Queued` waits out the undo-send delay (or a
    /// retry); `Unconfirmed` is a send the connection cut after the server had the whole
    /// message: it may have been delivered, so it is never repeated without the user.
    /// `Discarded` waits only for its copy in the server's Drafts to be removed.
    SendState {
        Editing => "editing",
        Queued => "queued",
        Sending => "sending",
        Sent => "sent",
        Failed => "failed",
        Unconfirmed => "unconfirmed",
        Discarded => "discarded",
    }
);

/// Why a send did not go out (or may not have).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SendProblem {
    /// No To, Cc or Bcc.
    NoRecipients,
    /// An address that is not one (as typed).
    BadAddress { address: String },
    /// More recipients than one message may have.
    TooManyRecipients { limit: u32 },
    /// The attachments together exceed the app's limit.
    AttachmentsTooLarge { limit_bytes: u64 },
    /// The server refused the message's size (its `SIZE` limit, or 552 at DATA).
    TooLarge {
        limit_bytes: Option<u64>,
        server_text: String,
    },
    /// The SMTP server refused the stored login: the mailbox needs a new password.
    LoginRefused { server_text: String },
    /// The server refused some recipients (listed in [`SendFailure::recipients`]);
    /// nothing was sent.
    RecipientsRejected,
    /// The server refused the message for another reason.
    ServerRefused { server_text: String },
    /// The server could not be reached or the connection broke before the message was
    /// handed over; retried automatically a few times.
    Network { detail: String },
    /// The connection broke after the whole message was handed over: it may have been
    /// delivered. Not repeated unless the user sends again.
    MaybeSent,
    /// The caller may no longer send from this mailbox.
    NotAllowed,
    /// Its attempts kept stopping before handing the message over (the app stopped or
    /// failed while sending it, `times` in a row); nothing was sent. Not tried again by
    /// itself.
    Interrupted { times: u32 },
}

/// A recipient the server refused, with its words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientProblem {
    pub address: String,
    pub server_text: String,
}

/// The last failed attempt of a draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendFailure {
    pub problem: SendProblem,
    pub recipients: Vec<RecipientProblem>,
    pub at: Timestamp,
    /// When it is tried again by itself (transient problems), if it is.
    pub retry_at: Option<Timestamp>,
}

/// A mailbox the user may send from, with its sender name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderChoice {
    pub mailbox_id: i64,
    pub email: String,
    pub name: String,
}

/// An attachment of a draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComposeAttachment {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

/// What the user edits; a save carries all of it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComposeFields {
    /// The From mailbox.
    pub mailbox_id: i64,
    /// Address lists as typed: `Name <a@b>, c@d`.
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    /// Plain text; the HTML alternative is rendered from it when sent.
    pub body: String,
}

/// A draft as the compose form shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComposeView {
    pub id: i64,
    pub kind: ComposeKind,
    pub fields: ComposeFields,
    pub senders: Vec<SenderChoice>,
    pub attachments: Vec<ComposeAttachment>,
    /// Most bytes the attachments of one message may have together.
    pub attachment_limit: u64,
    pub state: SendState,
    /// When a queued draft goes out (the end of the undo-send delay, or a retry).
    pub send_at: Option<Timestamp>,
    pub sent_at: Option<Timestamp>,
    pub failure: Option<SendFailure>,
    /// Grows with every save: a save carrying an older revision is refused.
    pub revision: i64,
    pub updated_at: Timestamp,
    /// The user's undo-send delay, in seconds (0–30).
    pub undo_seconds: u32,
    /// The message replied to or forwarded, if it is still there.
    pub source_message: Option<i64>,
    /// Where a sent message's copy in the mailbox's Sent folder stands.
    pub sent_copy: SentCopy,
}

/// A sent message's copy in the mailbox's Sent folder, as the reader is told of it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SentCopy {
    /// Filed, on its way, or filed by the provider itself: nothing to say.
    #[default]
    Fine,
    /// Could not be filed yet; tried again by itself, next at this time.
    Later(Option<Timestamp>),
    /// Could not be filed and no longer tried: the message went out, Sent lacks it.
    GivenUp,
}

/// One line of the user's drafts list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftSummary {
    pub id: i64,
    pub mailbox_email: String,
    pub to: String,
    pub subject: String,
    pub state: SendState,
    pub failed: bool,
    pub updated_at: Timestamp,
}

/// A person the user has corresponded with, offered while typing an address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressSuggestion {
    pub name: String,
    pub address: String,
}

/// The longest undo-send delay a user may choose, in seconds.
pub const MAX_UNDO_SECONDS: u32 = 30;

/// An address list as it is typed (To, Cc, Bcc): the list before the address being typed
/// (up to and including the last comma and the spaces after it), and that address.
pub fn split_last_address(text: &str) -> (&str, &str) {
    match text.rfind(',') {
        Some(at) => {
            let rest = &text[at + 1..];
            let spaces = rest.len() - rest.trim_start().len();
            text.split_at(at + 1 + spaces)
        }
        None => ("", text),
    }
}

#[cfg(test)]
mod tests {
    use super::split_last_address;

    #[test]
    fn the_address_being_typed_is_after_the_last_comma() {
        assert_eq!(split_last_address("bo"), ("", "bo"));
        assert_eq!(split_last_address("a@b.c, bo"), ("a@b.c, ", "bo"));
        assert_eq!(split_last_address("a@b.c,bo"), ("a@b.c,", "bo"));
        assert_eq!(split_last_address("a@b.c, "), ("a@b.c, ", ""));
        assert_eq!(
            split_last_address("a@b.c, Олена <o@b.c>, та"),
            ("a@b.c, Олена <o@b.c>, ", "та")
        );
    }
}
