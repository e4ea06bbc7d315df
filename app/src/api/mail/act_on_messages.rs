use crate::error::AppError;
use leptos::prelude::*;

/// Acts on messages (one, or a bulk selection as `ids[N]`): `read`, `unread`, `flag`,
/// `unflag`, `move` (to `folder`), `delete`, `archive`. Shown at once; the server is
/// updated over IMAP in the background. Returns how many messages changed.
#[server(prefix = "/api", endpoint = "act_on_messages")]
pub async fn act_on_messages(
    #[server(default)] ids: Vec<i64>,
    action: String,
    folder: Option<i64>,
) -> Result<usize, AppError> {
    use super::super::context::{actor, fail, from_service};
    use domain::MessageAction;
    let invalid = |field: &str| {
        fail(AppError::Invalid {
            field: field.into(),
            reason: "invalid".into(),
        })
    };
    let action = match action.as_str() {
        "read" => MessageAction::MarkRead,
        "unread" => MessageAction::MarkUnread,
        "flag" => MessageAction::Flag,
        "unflag" => MessageAction::Unflag,
        "move" => MessageAction::MoveTo(folder.ok_or_else(|| invalid("folder"))?),
        "delete" => MessageAction::Delete,
        "archive" => MessageAction::Archive,
        _ => return Err(invalid("action")),
    };
    if ids.is_empty() {
        return Err(invalid("ids"));
    }
    let (state, actor) = actor().await?;
    services::mail_actions::act(&state, &actor, &ids, action)
        .await
        .map_err(from_service)
}
