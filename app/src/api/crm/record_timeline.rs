use crate::error::AppError;
use domain::TimelineEntry;
use leptos::prelude::*;

/// A CRM card's correspondence: the messages linked to record `kind` `id`, newest first;
/// a message's content only for a reader of its mailbox.
#[server(name = RecordTimelineFn, prefix = "/api", endpoint = "record_timeline")]
pub async fn record_timeline(kind: String, id: i64) -> Result<Vec<TimelineEntry>, AppError> {
    use super::super::context::{actor, fail, from_service};
    let (state, actor) = actor().await?;
    let kind = kind.parse::<domain::CrmKind>().map_err(|_| {
        fail(AppError::Invalid {
            field: "kind".into(),
            reason: "invalid".into(),
        })
    })?;
    services::crm::timeline::timeline(&state.db, &actor, kind, id)
        .await
        .map_err(from_service)
}
