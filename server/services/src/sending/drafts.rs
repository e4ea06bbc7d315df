//! The compose form's service calls on a draft (started in `start`): show it, save it,
//! send it (queued for the undo-send delay), take it back, discard it, and the user's
//! drafts.

use super::{addresses, attachments, outbox, preferences};
use crate::{
    accounts::Actor,
    entities::{draft, draft_attachment, mailbox},
    error::{ServiceError, ServiceResult},
    mailboxes::{readable, readable_ids},
    state::AppState,
};
use chrono::Utc;
use domain::{
    ComposeFields, ComposeView, DraftSummary, SendFailure, SendProblem, SendState, SenderChoice,
    SentCopy, Timestamp,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

/// Bounds of what a save carries, in characters.
const MAX_LIST_CHARS: usize = 20_000;
const MAX_SUBJECT_CHARS: usize = 1_000;
const MAX_BODY_CHARS: usize = 1_000_000;
/// Drafts a user may keep at once (not sent).
pub(super) const MAX_OPEN_DRAFTS: u64 = 500;

/// States in which the author may still change a draft.
const EDITABLE: [SendState; 3] = [
    SendState::Editing,
    SendState::Failed,
    SendState::Unconfirmed,
];

/// The draft as the compose form shows it. `NotFound` unless the caller wrote it.
pub async fn compose_view(
    state: &AppState,
    actor: &Actor,
    draft_id: i64,
) -> ServiceResult<ComposeView> {
    let db = &state.db;
    let row = authored(db, actor, draft_id).await?;
    let ids = readable_ids(db, actor).await?;
    let senders = mailbox::Entity::find()
        .filter(mailbox::Column::Id.is_in(ids))
        .order_by_asc(mailbox::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| SenderChoice {
            mailbox_id: m.id,
            email: m.email,
            name: m.sender_name,
        })
        .collect();
    let files = draft_attachment::Entity::find()
        .filter(draft_attachment::Column::DraftId.eq(draft_id))
        .filter(draft_attachment::Column::Complete.eq(true))
        .order_by_asc(draft_attachment::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(attachments::view)
        .collect();
    let source_message = match row.source_message_id {
        Some(id) => {
            crate::entities::message::Entity::find_by_id(id)
                .select_only()
                .column(crate::entities::message::Column::Id)
                .into_tuple::<i64>()
                .one(db)
                .await?
        }
        None => None,
    };
    Ok(ComposeView {
        id: row.id,
        kind: row.kind,
        fields: ComposeFields {
            mailbox_id: row.mailbox_id,
            to: row.to_addrs,
            cc: row.cc_addrs,
            bcc: row.bcc_addrs,
            subject: row.subject,
            body: row.body,
        },
        senders,
        attachments: files,
        attachment_limit: state.attachment_limit,
        state: row.state,
        send_at: row.send_at.map(|t| Timestamp(t.timestamp())),
        sent_at: row.sent_at.map(|t| Timestamp(t.timestamp())),
        failure: row.failure.as_deref().and_then(failure_of),
        revision: row.revision,
        updated_at: Timestamp(row.updated_at.timestamp()),
        undo_seconds: preferences::undo_seconds_of(db, actor).await?,
        source_message,
        sent_copy: match row.sent_copy.as_str() {
            // A try due already is on its way: no time to tell.
            outbox::FAILED_COPY => SentCopy::Later(
                row.copy_due_at
                    .filter(|at| *at > Utc::now())
                    .map(|at| Timestamp(at.timestamp())),
            ),
            outbox::GIVEN_UP_COPY => SentCopy::GivenUp,
            _ => SentCopy::Fine,
        },
    })
}

/// Stores what the form holds. `revision`, when given, must be the draft's current one
/// (else `DraftChanged`); a draft on its way out or sent cannot change (`DraftChanged`).
pub async fn save_draft(
    state: &AppState,
    actor: &Actor,
    draft_id: i64,
    fields: &ComposeFields,
    revision: Option<i64>,
) -> ServiceResult<ComposeView> {
    store(state, actor, draft_id, fields, revision).await?;
    compose_view(state, actor, draft_id).await
}

/// Saves, checks (`Send(problem)` when it cannot go) and queues the draft for the user's
/// undo-send delay; the worker sends it. A failed or unconfirmed draft may be sent again:
/// the same Message-ID goes out, so a recipient's client shows one message.
pub async fn send_draft(
    state: &AppState,
    actor: &Actor,
    draft_id: i64,
    fields: &ComposeFields,
) -> ServiceResult<ComposeView> {
    store(state, actor, draft_id, fields, None).await?;
    let recipients = [&fields.to, &fields.cc, &fields.bcc];
    let mut count = 0;
    for list in recipients {
        let parsed = addresses::parse_list(list)
            .map_err(|address| ServiceError::Send(SendProblem::BadAddress { address }))?;
        count += parsed.len();
    }
    if count == 0 {
        return Err(ServiceError::Send(SendProblem::NoRecipients));
    }
    if count > addresses::MAX_RECIPIENTS {
        return Err(ServiceError::Send(SendProblem::TooManyRecipients {
            limit: u32::try_from(addresses::MAX_RECIPIENTS).unwrap_or(u32::MAX),
        }));
    }
    let total = attachments::total(&state.db, draft_id).await?;
    if total > state.attachment_limit {
        return Err(ServiceError::Send(SendProblem::AttachmentsTooLarge {
            limit_bytes: state.attachment_limit,
        }));
    }
    let delay = preferences::undo_seconds_of(&state.db, actor).await?;
    let now = Utc::now();
    let send_at = now + chrono::Duration::seconds(i64::from(delay));
    let queued = draft::Entity::update_many()
        .col_expr(
            draft::Column::State,
            Expr::value(SendState::Queued.as_str()),
        )
        .col_expr(draft::Column::SendAt, Expr::value(send_at))
        .col_expr(draft::Column::Attempts, Expr::value(0))
        .col_expr(draft::Column::Takeovers, Expr::value(0))
        .col_expr(draft::Column::Phase, Expr::value(Option::<String>::None))
        .col_expr(draft::Column::UpdatedAt, Expr::value(now))
        .filter(draft::Column::Id.eq(draft_id))
        .filter(draft::Column::AuthorId.eq(actor.user_id))
        .filter(draft::Column::State.is_in(EDITABLE.map(SendState::as_str)))
        .exec(&state.db)
        .await?;
    if queued.rows_affected == 0 {
        return Err(ServiceError::DraftChanged);
    }
    tracing::info!(draft = draft_id, delay, "draft queued for sending");
    state.send_waker.wake();
    compose_view(state, actor, draft_id).await
}

/// Takes a queued draft back (state `Editing`). `DraftChanged` when it is already being
/// sent or sent.
pub async fn undo_send(
    state: &AppState,
    actor: &Actor,
    draft_id: i64,
) -> ServiceResult<ComposeView> {
    authored(&state.db, actor, draft_id).await?;
    let taken = draft::Entity::update_many()
        .col_expr(
            draft::Column::State,
            Expr::value(SendState::Editing.as_str()),
        )
        .col_expr(
            draft::Column::SendAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .col_expr(draft::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(draft::Column::Id.eq(draft_id))
        .filter(draft::Column::AuthorId.eq(actor.user_id))
        .filter(draft::Column::State.eq(SendState::Queued.as_str()))
        .exec(&state.db)
        .await?;
    if taken.rows_affected == 0 {
        return Err(ServiceError::DraftChanged);
    }
    tracing::info!(draft = draft_id, "send taken back");
    state.send_waker.wake();
    compose_view(state, actor, draft_id).await
}

/// Discards a draft that is not on its way out: gone from the app at once; the worker
/// removes its copy from the server's Drafts folder, then the row and its attachments.
pub async fn discard_draft(state: &AppState, actor: &Actor, draft_id: i64) -> ServiceResult<()> {
    authored(&state.db, actor, draft_id).await?;
    let mut gone = EDITABLE.map(SendState::as_str).to_vec();
    gone.push(SendState::Sent.as_str());
    let discarded = draft::Entity::update_many()
        .col_expr(
            draft::Column::State,
            Expr::value(SendState::Discarded.as_str()),
        )
        .col_expr(draft::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(draft::Column::Id.eq(draft_id))
        .filter(draft::Column::AuthorId.eq(actor.user_id))
        .filter(draft::Column::State.is_in(gone))
        .exec(&state.db)
        .await?;
    if discarded.rows_affected == 0 {
        return Err(ServiceError::DraftChanged);
    }
    state.send_waker.wake();
    Ok(())
}

/// The caller's drafts not yet sent (editing, queued, failed, unconfirmed), newest first.
pub async fn list_drafts(state: &AppState, actor: &Actor) -> ServiceResult<Vec<DraftSummary>> {
    let db = &state.db;
    let rows = draft::Entity::find()
        .filter(draft::Column::AuthorId.eq(actor.user_id))
        .filter(draft::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(
            draft::Column::State
                .is_not_in([SendState::Sent.as_str(), SendState::Discarded.as_str()]),
        )
        .order_by_desc(draft::Column::UpdatedAt)
        .limit(MAX_OPEN_DRAFTS)
        .all(db)
        .await?;
    let boxes: std::collections::HashMap<i64, String> = mailbox::Entity::find()
        .filter(mailbox::Column::Id.is_in(rows.iter().map(|r| r.mailbox_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m.email))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| DraftSummary {
            id: r.id,
            mailbox_email: boxes.get(&r.mailbox_id).cloned().unwrap_or_default(),
            to: r.to_addrs,
            subject: r.subject,
            state: r.state,
            failed: r.failure.is_some(),
            updated_at: Timestamp(r.updated_at.timestamp()),
        })
        .collect())
}

/// The caller's own draft, or `NotFound`.
pub(super) async fn authored(
    db: &impl ConnectionTrait,
    actor: &Actor,
    draft_id: i64,
) -> ServiceResult<draft::Model> {
    draft::Entity::find_by_id(draft_id)
        .filter(draft::Column::AuthorId.eq(actor.user_id))
        .filter(draft::Column::WorkspaceId.eq(actor.workspace_id))
        .filter(draft::Column::State.ne(SendState::Discarded.as_str()))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Draft `draft_id`'s id while it may still change (for a write conditional on that).
pub(super) fn still_editable(draft_id: i64) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(draft::Column::Id)
        .from(draft::Entity)
        .and_where(draft::Column::Id.eq(draft_id))
        .and_where(draft::Column::State.is_in(EDITABLE.map(SendState::as_str)))
        .to_owned()
}

/// The caller's draft that may still change, or `DraftChanged` (`NotFound` if not theirs).
pub(super) async fn editable(
    db: &impl ConnectionTrait,
    actor: &Actor,
    draft_id: i64,
) -> ServiceResult<draft::Model> {
    let row = authored(db, actor, draft_id).await?;
    if EDITABLE.contains(&row.state) {
        Ok(row)
    } else {
        Err(ServiceError::DraftChanged)
    }
}

async fn store(
    state: &AppState,
    actor: &Actor,
    draft_id: i64,
    fields: &ComposeFields,
    revision: Option<i64>,
) -> ServiceResult<()> {
    let db = &state.db;
    check_bounds(fields)?;
    let current = editable(db, actor, draft_id).await?;
    if current.mailbox_id != fields.mailbox_id {
        // A From the caller may send from (owner or grantee), else as if it did not exist.
        readable(db, actor, fields.mailbox_id).await?;
    }
    let mut update = draft::Entity::update_many()
        .col_expr(draft::Column::MailboxId, Expr::value(fields.mailbox_id))
        .col_expr(draft::Column::ToAddrs, Expr::value(fields.to.clone()))
        .col_expr(draft::Column::CcAddrs, Expr::value(fields.cc.clone()))
        .col_expr(draft::Column::BccAddrs, Expr::value(fields.bcc.clone()))
        .col_expr(draft::Column::Subject, Expr::value(fields.subject.clone()))
        // One line end whatever sent the form (a plain form post sends CRLF).
        .col_expr(
            draft::Column::Body,
            Expr::value(fields.body.replace("\r\n", "\n")),
        )
        .col_expr(
            draft::Column::Revision,
            Expr::col(draft::Column::Revision).add(1),
        )
        .col_expr(draft::Column::ServerDirty, Expr::value(true))
        .col_expr(draft::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(draft::Column::Id.eq(draft_id))
        .filter(draft::Column::AuthorId.eq(actor.user_id))
        .filter(draft::Column::State.is_in(EDITABLE.map(SendState::as_str)));
    if let Some(revision) = revision {
        update = update.filter(draft::Column::Revision.eq(revision));
    }
    if current.state == SendState::Failed {
        // Edited after a failure: back to an ordinary draft; the reason stays shown.
        update = update.col_expr(
            draft::Column::State,
            Expr::value(SendState::Editing.as_str()),
        );
    }
    if update.exec(db).await?.rows_affected == 0 {
        return Err(ServiceError::DraftChanged);
    }
    Ok(())
}

fn check_bounds(fields: &ComposeFields) -> ServiceResult<()> {
    let too_long = |text: &str, max: usize| text.len() > max * 4 || text.chars().count() > max;
    for (name, text) in [("to", &fields.to), ("cc", &fields.cc), ("bcc", &fields.bcc)] {
        if too_long(text, MAX_LIST_CHARS) {
            return Err(ServiceError::invalid(name, "too_long"));
        }
    }
    if too_long(&fields.subject, MAX_SUBJECT_CHARS) || fields.subject.contains(['\r', '\n']) {
        return Err(ServiceError::invalid("subject", "too_long"));
    }
    if too_long(&fields.body, MAX_BODY_CHARS) {
        return Err(ServiceError::invalid("body", "too_long"));
    }
    Ok(())
}

pub(super) fn failure_of(text: &str) -> Option<SendFailure> {
    serde_json::from_str(text).ok()
}
