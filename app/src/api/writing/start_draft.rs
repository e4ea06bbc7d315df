use crate::error::AppError;
use leptos::prelude::*;

/// Starts a draft: `kind` is `new` (from `mailbox`, or the first the user may send from),
/// `reply`, `reply_all` or `forward` (of `message`), or `edit` (go on with `message`, a
/// draft in the Drafts folder). A new message may start addressed `to` someone (**Write
/// email** on a CRM card). Opens it: a plain form post is
/// redirected to `/mail/drafts/{id}`, and so is the hydrated app.
#[server(prefix = "/api", endpoint = "start_draft")]
pub async fn start_draft(
    kind: String,
    message: Option<i64>,
    mailbox: Option<i64>,
    #[server(default)] to: Option<String>,
) -> Result<i64, AppError> {
    use super::super::context::{actor, fail, from_service};
    use services::sending::DraftStart;
    let invalid = |field: &str| {
        fail(AppError::Invalid {
            field: field.into(),
            reason: "invalid".into(),
        })
    };
    let message = || message.ok_or_else(|| invalid("message"));
    let start = match kind.as_str() {
        "new" => DraftStart::New {
            mailbox_id: mailbox,
        },
        "reply" => DraftStart::Reply {
            message_id: message()?,
            all: false,
        },
        "reply_all" => DraftStart::Reply {
            message_id: message()?,
            all: true,
        },
        "forward" => DraftStart::Forward {
            message_id: message()?,
        },
        "edit" => DraftStart::Edit {
            message_id: message()?,
        },
        _ => return Err(invalid("kind")),
    };
    let (state, actor) = actor().await?;
    let to = to.filter(|t| !t.trim().is_empty());
    let id = match (start, to) {
        (DraftStart::New { mailbox_id }, Some(to)) => {
            services::sending::start_draft_to(&state, &actor, mailbox_id, &to).await
        }
        (start, _) => services::sending::start_draft(&state, &actor, start).await,
    }
    .map_err(from_service)?;
    leptos_axum::redirect(&format!("/mail/drafts/{id}"));
    Ok(id)
}
