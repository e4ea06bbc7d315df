use crate::mail_actions::{ActionState, Kind};
use sea_orm::entity::prelude::*;

/// A reader's action on one message, waiting to be written back to the server or failed
/// (see `mail_actions`). The message's place on the server — folder, UIDVALIDITY, UID — is
/// kept as it was when the reader acted; a negative UID is a message whose earlier move
/// is still on its way (its row's placeholder).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message_actions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub mailbox_id: i64,
    /// The message's row when the reader acted (it may be gone since: deleted for good,
    /// or removed by a sync).
    pub message_id: Option<i64>,
    pub folder_id: i64,
    pub uidvalidity: i64,
    pub uid: i64,
    pub kind: Kind,
    /// Where a move, an archive or a delete to Trash goes; None for flags and for a
    /// delete from Trash (for good).
    pub target_folder_id: Option<i64>,
    /// The message's subject, for the failure notice.
    pub subject: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub state: ActionState,
    pub last_error: Option<String>,
    /// The worker process writing it now, and until when.
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub failed_at: Option<DateTimeUtc>,
    /// A move without MOVE: an attempt's UID COPY went through, only the removal from
    /// `folder_id` is left.
    pub copied: bool,
    /// A move without MOVE: an attempt sent its UID COPY; without `copied`, whether it
    /// went through is not known (its answer was lost), and the next attempt looks for
    /// the messages in the target folder before copying again.
    pub copy_sent: bool,
    /// The target folder's UIDVALIDITY and UIDNEXT just before that COPY (when the
    /// server told them): where its copies can be.
    pub copy_uidvalidity: Option<i64>,
    pub copy_uidnext: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
