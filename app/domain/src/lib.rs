//! Plain types shared by the browser (wasm) and the server. No I/O here.

mod crm;
mod language;
mod mail_servers;
#[macro_use]
mod mailbox;
mod plan;
mod provider;
mod reading;
mod role;
pub mod stored;
mod sync_view;
mod timestamp;
mod views;
mod writing;

pub use crm::{
    CompanyFields, ContactFields, CrmKind, DealFields, Direction, OwnerRef, PlannedRecord,
    RecordCard, RecordPage, RecordQuery, RecordRef, TimelineEntry,
};
pub use language::Language;
pub use mail_servers::{ConnectFailure, ConnectProblem, Security, ServerAddress, ServerRole};
pub use mailbox::{
    Access, AuthMethod, CrmCreate, CrmMode, DraftView, FolderChoice, MailboxDetails,
    MailboxSettings, MailboxStatus, MailboxView, SyncPeriod, SyncPhase,
};
pub use plan::Plan;
pub use provider::{OAuthProvider, Provider, SignInProblem};
pub use reading::{
    ActionFailure, AttachmentView, Conversation, FolderNode, FolderRole, ListCursor, MailScope,
    MailTree, MailboxTree, MessageAction, MessageList, MessageView, Person, SearchResults,
    TextBlock,
};
pub use role::Role;
pub use sync_view::{FolderProgress, MessagePage, MessageRow, SyncProgress};
pub use timestamp::Timestamp;
pub use views::{CurrentUser, MemberView};
pub use writing::{
    AddressSuggestion, ComposeAttachment, ComposeFields, ComposeKind, ComposeView, DraftSummary,
    MAX_UNDO_SECONDS, RecipientProblem, SendFailure, SendProblem, SendState, SenderChoice,
    SentCopy, split_last_address,
};
