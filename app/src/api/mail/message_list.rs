use crate::error::AppError;
use domain::MessageList;
use leptos::prelude::*;

/// One page of a folder (`mailbox` and `folder`), of a mailbox's INBOX (`mailbox` only) or
/// of **All inboxes** (neither), newest first, older than `before` (`"<secs>.<id>"`).
#[server(name = MessageListFn, prefix = "/api", endpoint = "message_list")]
pub async fn message_list(
    mailbox: Option<i64>,
    folder: Option<i64>,
    before: Option<String>,
) -> Result<MessageList, AppError> {
    use super::super::context::{actor, fail, from_service};
    use domain::ListCursor;
    let (state, actor) = actor().await?;
    let before = match before.as_deref().filter(|b| !b.is_empty()) {
        Some(text) => Some(ListCursor::from_param(text).ok_or_else(|| {
            fail(AppError::Invalid {
                field: "before".into(),
                reason: "invalid".into(),
            })
        })?),
        None => None,
    };
    services::mail_view::message_list(&state.db, &actor, scope(mailbox, folder), before)
        .await
        .map_err(from_service)
}

/// The scope named by optional mailbox and folder ids.
#[cfg(feature = "ssr")]
pub fn scope(mailbox: Option<i64>, folder: Option<i64>) -> domain::MailScope {
    use domain::MailScope;
    match (mailbox, folder) {
        (Some(mailbox), Some(folder)) => MailScope::Folder { mailbox, folder },
        (Some(mailbox), None) => MailScope::Mailbox(mailbox),
        _ => MailScope::All,
    }
}
