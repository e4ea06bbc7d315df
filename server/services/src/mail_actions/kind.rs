//! What a queued write-back does, and where it stands, as stored words.

use domain::MessageAction;

/// The reader's action as queued (a move's target is kept beside it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, sea_orm::DeriveValueType)]
#[sea_orm(
    value_type = "String",
    from_str = "Kind::from_word",
    to_str = "Kind::word"
)]
pub enum Kind {
    MarkRead,
    MarkUnread,
    Flag,
    Unflag,
    Move,
    /// To Trash when a target is kept, else (in Trash) for good.
    Delete,
    Archive,
    /// `\Answered`, set when a reply to the message is sent (not a reader's action).
    MarkAnswered,
}

const KINDS: [Kind; 8] = [
    Kind::MarkRead,
    Kind::MarkUnread,
    Kind::Flag,
    Kind::Unflag,
    Kind::Move,
    Kind::Delete,
    Kind::Archive,
    Kind::MarkAnswered,
];

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::MarkRead => "mark_read",
            Kind::MarkUnread => "mark_unread",
            Kind::Flag => "flag",
            Kind::Unflag => "unflag",
            Kind::Move => "move",
            Kind::Delete => "delete",
            Kind::Archive => "archive",
            Kind::MarkAnswered => "mark_answered",
        }
    }

    fn word(&self) -> String {
        self.as_str().to_owned()
    }

    fn from_word(text: &str) -> Result<Self, domain::stored::UnknownValue> {
        KINDS
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| domain::stored::UnknownValue(format!("unknown action {text:?}")))
    }

    pub fn of(action: MessageAction) -> Kind {
        match action {
            MessageAction::MarkRead => Kind::MarkRead,
            MessageAction::MarkUnread => Kind::MarkUnread,
            MessageAction::Flag => Kind::Flag,
            MessageAction::Unflag => Kind::Unflag,
            MessageAction::MoveTo(_) => Kind::Move,
            MessageAction::Delete => Kind::Delete,
            MessageAction::Archive => Kind::Archive,
            MessageAction::MarkAnswered => Kind::MarkAnswered,
        }
    }

    /// The reader's action again, for a failure notice or a retry.
    pub fn action(self, target_folder_id: Option<i64>) -> MessageAction {
        match self {
            Kind::MarkRead => MessageAction::MarkRead,
            Kind::MarkUnread => MessageAction::MarkUnread,
            Kind::Flag => MessageAction::Flag,
            Kind::Unflag => MessageAction::Unflag,
            Kind::Move => MessageAction::MoveTo(target_folder_id.unwrap_or_default()),
            Kind::Delete => MessageAction::Delete,
            Kind::Archive => MessageAction::Archive,
            Kind::MarkAnswered => MessageAction::MarkAnswered,
        }
    }

    /// For a flag change: which flag (`\Seen`, `\Flagged`, `\Answered`) and whether it
    /// is set.
    pub fn flag(self) -> Option<(Flag, bool)> {
        match self {
            Kind::MarkRead => Some((Flag::Seen, true)),
            Kind::MarkUnread => Some((Flag::Seen, false)),
            Kind::Flag => Some((Flag::Flagged, true)),
            Kind::Unflag => Some((Flag::Flagged, false)),
            Kind::MarkAnswered => Some((Flag::Answered, true)),
            Kind::Move | Kind::Delete | Kind::Archive => None,
        }
    }
}

/// The system flags the app sets: a reader's two, and `\Answered` after a reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flag {
    Seen,
    Flagged,
    Answered,
}

impl Flag {
    pub fn imap(self) -> &'static str {
        match self {
            Flag::Seen => "\\Seen",
            Flag::Flagged => "\\Flagged",
            Flag::Answered => "\\Answered",
        }
    }

    pub fn column(self) -> crate::entities::message::Column {
        match self {
            Flag::Seen => crate::entities::message::Column::Seen,
            Flag::Flagged => crate::entities::message::Column::Flagged,
            Flag::Answered => crate::entities::message::Column::Answered,
        }
    }
}

/// Where a write-back stands: waiting (or being written), or failed for good and shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sea_orm::DeriveValueType)]
#[sea_orm(
    value_type = "String",
    from_str = "ActionState::from_word",
    to_str = "ActionState::word"
)]
pub enum ActionState {
    Pending,
    Failed,
}

impl ActionState {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionState::Pending => "pending",
            ActionState::Failed => "failed",
        }
    }

    fn word(&self) -> String {
        self.as_str().to_owned()
    }

    fn from_word(text: &str) -> Result<Self, domain::stored::UnknownValue> {
        [ActionState::Pending, ActionState::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| domain::stored::UnknownValue(format!("unknown action state {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_words_and_actions() {
        for kind in KINDS {
            assert_eq!(Kind::from_word(kind.as_str()).ok(), Some(kind));
            assert_eq!(Kind::of(kind.action(Some(7))), kind);
        }
        assert_eq!(Kind::Move.action(Some(7)), MessageAction::MoveTo(7));
        assert!(Kind::from_word("burn").is_err());
        assert_eq!(Kind::MarkUnread.flag(), Some((Flag::Seen, false)));
        assert_eq!(Kind::Archive.flag(), None);
    }
}
