//! What the reading screen shows: the mailbox and folder tree, a list page (keyset paged),
//! one message or a conversation, search, and the actions a reader takes on messages.

use crate::{MessageRow, Timestamp};
use serde::{Deserialize, Serialize};

/// The role a folder plays (IMAP special-use, RFC 6154, or INBOX): names it in the
/// user's language and finds Trash and Archive for **Delete** and **Archive**.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FolderRole {
    Inbox,
    Sent,
    Drafts,
    Trash,
    Junk,
    Archive,
    All,
    Flagged,
}

impl FolderRole {
    /// The role of a folder from its name and stored special-use attribute (`\Sent`…).
    pub fn of(name: &str, special_use: Option<&str>) -> Option<Self> {
        if name.eq_ignore_ascii_case("INBOX") {
            return Some(Self::Inbox);
        }
        match special_use?
            .trim_start_matches('\\')
            .to_ascii_lowercase()
            .as_str()
        {
            "sent" => Some(Self::Sent),
            "drafts" => Some(Self::Drafts),
            "trash" => Some(Self::Trash),
            "junk" => Some(Self::Junk),
            "archive" => Some(Self::Archive),
            "all" => Some(Self::All),
            "flagged" => Some(Self::Flagged),
            _ => None,
        }
    }
}

/// One synced folder in the tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderNode {
    pub id: i64,
    /// The decoded server name's last level (shown when the folder has no role).
    pub name: String,
    pub role: Option<FolderRole>,
    /// 0 for a top-level folder.
    pub depth: i32,
    pub unread: u64,
}

/// A mailbox the user may read (own or granted) with its synced folders, tree order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxTree {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub own: bool,
    pub folders: Vec<FolderNode>,
}

/// The left pane: every readable mailbox, and the unread count of **All inboxes**.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailTree {
    pub mailboxes: Vec<MailboxTree>,
    pub inbox_unread: u64,
}

/// Where a list or a search looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailScope {
    /// The INBOX of every mailbox the user may read (for search: all their mail).
    All,
    Mailbox(i64),
    Folder {
        mailbox: i64,
        folder: i64,
    },
}

/// Keyset position in a list: the last row shown; the next page is older than it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListCursor {
    pub received_at: Timestamp,
    pub id: i64,
}

impl ListCursor {
    /// `"<unix seconds>.<id>"`, the form kept in the page's address.
    pub fn to_param(self) -> String {
        format!("{}.{}", self.received_at.0, self.id)
    }

    pub fn from_param(text: &str) -> Option<Self> {
        let (at, id) = text.split_once('.')?;
        Some(Self {
            received_at: Timestamp(at.parse().ok()?),
            id: id.parse().ok()?,
        })
    }
}

/// One page of a list, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageList {
    pub scope: MailScope,
    /// The folder's server name, or empty for **All inboxes**.
    pub title: String,
    pub role: Option<FolderRole>,
    /// Messages in the list as the last sync saw them on the server (first page only).
    pub total: Option<u64>,
    pub messages: Vec<MessageRow>,
    /// Where the next (older) page starts, when there is one.
    pub older: Option<ListCursor>,
    /// Search results: the words searched for, and whether more matched than are shown.
    pub query: Option<String>,
    pub more: bool,
    /// Search results: messages not searched yet (see [`SearchResults::unindexed`]).
    pub unindexed: u64,
}

impl From<SearchResults> for MessageList {
    fn from(r: SearchResults) -> Self {
        MessageList {
            scope: r.scope,
            title: String::new(),
            role: None,
            total: Some(r.messages.len() as u64),
            messages: r.messages,
            older: None,
            query: Some(r.query),
            more: r.more,
            unindexed: r.unindexed,
        }
    }
}

impl MessageList {
    pub const PAGE_SIZE: u64 = 50;
}

/// A sender or recipient.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    pub address: String,
}

/// A run of plain-text lines at one quote depth (`>` levels): quotes are folded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextBlock {
    pub quote_depth: u8,
    pub text: String,
}

/// An attachment as listed under a message; its bytes come from the server on demand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentView {
    /// Position in the message's attachment list (the download address uses it).
    pub index: usize,
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

/// One message as the reading pane shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: i64,
    pub mailbox_id: i64,
    pub folder_id: i64,
    pub folder_name: String,
    pub folder_role: Option<FolderRole>,
    pub subject: String,
    pub from: Person,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    pub reply_to: Vec<Person>,
    pub sent_at: Option<Timestamp>,
    pub received_at: Timestamp,
    pub seen: bool,
    pub flagged: bool,
    /// The plain text (format=flowed joined), split by quote depth.
    pub text: Vec<TextBlock>,
    /// An HTML body exists: shown sanitised in a sandboxed frame.
    pub has_html: bool,
    /// The reader always shows remote images from this sender.
    pub images_allowed: bool,
    pub attachments: Vec<AttachmentView>,
    pub too_large: bool,
    pub over_quota: bool,
    /// The body has not been downloaded yet (sync still running).
    pub pending: bool,
    /// **Link to CRM** is offered: the mailbox has CRM links on and the plan allows them.
    pub crm_links_on: bool,
    /// The CRM records the message is linked to.
    pub crm_links: Vec<crate::RecordRef>,
}

/// A thread's messages across the mailbox's folders (Sent included), oldest first; the
/// newest is shown expanded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub subject: String,
    pub messages: Vec<MessageView>,
    /// The message that was opened.
    pub opened: i64,
    /// The synced folders of its mailbox: where **Move** may put a message.
    pub folders: Vec<FolderNode>,
}

/// What a reader does to messages (one or a bulk selection).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MessageAction {
    MarkRead,
    MarkUnread,
    Flag,
    Unflag,
    /// To another folder of the same mailbox.
    MoveTo(i64),
    /// To Trash; from Trash, for good.
    Delete,
    Archive,
    /// `\Answered`: set by sending a reply, not offered to readers.
    MarkAnswered,
}

/// A write-back to the server that failed after its retries: shown until dismissed or
/// retried.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionFailure {
    pub id: i64,
    pub mailbox_id: i64,
    pub message_id: Option<i64>,
    pub subject: String,
    pub action: MessageAction,
    pub error: String,
    pub at: Timestamp,
}

/// Search results, newest first (at most `SearchResults::LIMIT`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub scope: MailScope,
    pub query: String,
    pub messages: Vec<MessageRow>,
    /// More matched than were returned.
    pub more: bool,
    /// Stored messages the full-text index has not reached yet (just synced): they are
    /// not searched, and the page says so.
    pub unindexed: u64,
}

impl SearchResults {
    pub const LIMIT: u64 = 100;
}
