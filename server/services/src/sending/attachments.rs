//! Attachments of a draft: uploads streamed into chunks of 256 KiB (never held whole),
//! the draft's limit enforced while reading, read back for sending. An upload is marked
//! complete only at its end: a cut upload is never shown nor sent, and is removed.

use super::drafts::{authored, editable, still_editable};
use crate::{
    accounts::Actor,
    entities::{draft_attachment, draft_attachment_chunk, message},
    error::{ServiceError, ServiceResult},
    reading::{Reader, attachment},
    state::AppState,
    sync::SyncEngine,
};
use bytes::Bytes;
use chrono::Utc;
use domain::{ComposeAttachment, SendProblem};
use futures_util::{Stream, StreamExt};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, sea_query::Expr,
};

/// Bytes per stored chunk.
const CHUNK_BYTES: usize = 256 << 10;
/// Files one draft may carry.
const MAX_FILES: u64 = 100;
/// Longest file name kept, in characters.
const MAX_NAME_CHARS: usize = 200;

/// Most bytes all attachments of one draft may have together.
pub fn attachment_limit(state: &AppState) -> u64 {
    state.attachment_limit
}

/// Stores an upload for the caller's draft, streamed; refused with
/// `Send(AttachmentsTooLarge)` as soon as the draft's total passes the limit (nothing kept).
pub async fn add_attachment<S, E>(
    state: &AppState,
    actor: &Actor,
    draft_id: i64,
    name: &str,
    content_type: &str,
    mut body: S,
) -> ServiceResult<ComposeAttachment>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin + Send,
    E: std::fmt::Display,
{
    let db = &state.db;
    editable(db, actor, draft_id).await?;
    let files = draft_attachment::Entity::find()
        .filter(draft_attachment::Column::DraftId.eq(draft_id))
        .count(db)
        .await?;
    if files >= MAX_FILES {
        return Err(ServiceError::invalid("attachments", "too_many"));
    }
    let limit = state.attachment_limit;
    let room = limit.saturating_sub(total(db, draft_id).await?);
    let row = draft_attachment::ActiveModel {
        draft_id: Set(draft_id),
        name: Set(file_name(name)),
        content_type: Set(content_type_of(content_type)),
        size: Set(0),
        complete: Set(false),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let stored = store_chunks(db, row.id, room, &mut body).await;
    let size = match stored {
        Ok(size) => size,
        Err(err) => {
            draft_attachment::Entity::delete_by_id(row.id)
                .exec(db)
                .await?;
            return Err(match err {
                Cut::TooLarge => {
                    ServiceError::Send(SendProblem::AttachmentsTooLarge { limit_bytes: limit })
                }
                Cut::Upload(reason) => {
                    tracing::info!(draft = draft_id, %reason, "attachment upload cut");
                    ServiceError::invalid("file", "upload_cut")
                }
                Cut::Storage(err) => ServiceError::Storage(err),
            });
        }
    };
    // Complete only while the draft may still change: an upload that ends after Send was
    // pressed is refused and removed, never shown as added to a message that went without it.
    let size = i64::try_from(size).unwrap_or(i64::MAX);
    let done = draft_attachment::Entity::update_many()
        .col_expr(draft_attachment::Column::Size, Expr::value(size))
        .col_expr(draft_attachment::Column::Complete, Expr::value(true))
        .filter(draft_attachment::Column::Id.eq(row.id))
        .filter(draft_attachment::Column::DraftId.in_subquery(still_editable(draft_id)))
        .exec(db)
        .await?;
    if done.rows_affected == 0 {
        draft_attachment::Entity::delete_by_id(row.id)
            .exec(db)
            .await?;
        return Err(ServiceError::DraftChanged);
    }
    Ok(view(draft_attachment::Model {
        size,
        complete: true,
        ..row
    }))
}

enum Cut {
    TooLarge,
    Upload(String),
    Storage(sea_orm::DbErr),
}

async fn store_chunks<S, E>(
    db: &impl ConnectionTrait,
    attachment_id: i64,
    room: u64,
    body: &mut S,
) -> Result<u64, Cut>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin + Send,
    E: std::fmt::Display,
{
    let mut size: u64 = 0;
    let mut seq = 0;
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK_BYTES);
    loop {
        let next = body.next().await;
        let piece = match next {
            Some(Ok(piece)) => Some(piece),
            Some(Err(err)) => return Err(Cut::Upload(err.to_string())),
            None => None,
        };
        if let Some(piece) = &piece {
            size += piece.len() as u64;
            if size > room {
                return Err(Cut::TooLarge);
            }
            buf.extend_from_slice(piece);
        }
        while buf.len() >= CHUNK_BYTES || (piece.is_none() && !buf.is_empty()) {
            let take = buf.len().min(CHUNK_BYTES);
            let data: Vec<u8> = buf.drain(..take).collect();
            draft_attachment_chunk::ActiveModel {
                attachment_id: Set(attachment_id),
                seq: Set(seq),
                data: Set(data),
            }
            .insert(db)
            .await
            .map_err(Cut::Storage)?;
            seq += 1;
        }
        if piece.is_none() {
            return Ok(size);
        }
    }
}

/// Removes an attachment of the caller's editable draft.
pub async fn remove_attachment(
    state: &AppState,
    actor: &Actor,
    draft_id: i64,
    attachment_id: i64,
) -> ServiceResult<()> {
    editable(&state.db, actor, draft_id).await?;
    let deleted = draft_attachment::Entity::delete_many()
        .filter(draft_attachment::Column::Id.eq(attachment_id))
        .filter(draft_attachment::Column::DraftId.eq(draft_id))
        .exec(&state.db)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(ServiceError::NotFound);
    }
    Ok(())
}

/// An attachment of the caller's draft, with its bytes (to look at before sending).
pub async fn attachment_bytes(
    state: &AppState,
    actor: &Actor,
    draft_id: i64,
    attachment_id: i64,
) -> ServiceResult<(ComposeAttachment, Vec<u8>)> {
    authored(&state.db, actor, draft_id).await?;
    let row = draft_attachment::Entity::find_by_id(attachment_id)
        .filter(draft_attachment::Column::DraftId.eq(draft_id))
        .filter(draft_attachment::Column::Complete.eq(true))
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let bytes = bytes_of(&state.db, row.id).await?;
    Ok((view(row), bytes))
}

/// Every complete attachment of a draft with its bytes, in the order added (to send).
pub(super) async fn for_sending(
    db: &impl ConnectionTrait,
    draft_id: i64,
) -> ServiceResult<Vec<super::mime::OutgoingAttachment>> {
    let rows = draft_attachment::Entity::find()
        .filter(draft_attachment::Column::DraftId.eq(draft_id))
        .filter(draft_attachment::Column::Complete.eq(true))
        .order_by_asc(draft_attachment::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(super::mime::OutgoingAttachment {
            bytes: bytes_of(db, row.id).await?,
            name: row.name,
            content_type: row.content_type,
        });
    }
    Ok(out)
}

async fn bytes_of(db: &impl ConnectionTrait, attachment_id: i64) -> ServiceResult<Vec<u8>> {
    let chunks: Vec<Vec<u8>> = draft_attachment_chunk::Entity::find()
        .filter(draft_attachment_chunk::Column::AttachmentId.eq(attachment_id))
        .order_by_asc(draft_attachment_chunk::Column::Seq)
        .select_only()
        .column(draft_attachment_chunk::Column::Data)
        .into_tuple()
        .all(db)
        .await?;
    Ok(chunks.concat())
}

/// Bytes of a draft's complete attachments together.
pub(super) async fn total(db: &impl ConnectionTrait, draft_id: i64) -> ServiceResult<u64> {
    let sizes: Vec<i64> = draft_attachment::Entity::find()
        .filter(draft_attachment::Column::DraftId.eq(draft_id))
        .select_only()
        .column(draft_attachment::Column::Size)
        .into_tuple()
        .all(db)
        .await?;
    Ok(sizes
        .into_iter()
        .map(|s| u64::try_from(s).unwrap_or(0))
        .sum())
}

/// Copies the attachments of the forwarded message into the draft (fetched from its
/// server now, so the forward does not depend on the original staying there).
pub(super) async fn carry_forward(
    state: &AppState,
    actor: &Actor,
    draft_id: i64,
    original: &message::Model,
) -> ServiceResult<()> {
    if original.attachments.0.is_empty() {
        return Ok(());
    }
    let mut engine = SyncEngine::new(
        state.db.clone(),
        state.master_key.clone(),
        state.mail_trust.clone(),
        2,
    );
    engine.oauth = state.oauth.clone();
    let reader = Reader::new(engine);
    for (index, info) in original.attachments.0.iter().enumerate() {
        let part = attachment::attachment(&reader, actor, original.id, index).await?;
        let stream = futures_util::stream::iter(
            part.bytes
                .chunks(CHUNK_BYTES)
                .map(|c| Ok::<_, std::convert::Infallible>(Bytes::copy_from_slice(c)))
                .collect::<Vec<_>>(),
        );
        let name = if part.name.is_empty() {
            &info.name
        } else {
            &part.name
        };
        add_attachment(state, actor, draft_id, name, &info.content_type, stream).await?;
    }
    Ok(())
}

pub(super) fn view(row: draft_attachment::Model) -> ComposeAttachment {
    ComposeAttachment {
        id: row.id,
        name: row.name,
        content_type: row.content_type,
        size: u64::try_from(row.size).unwrap_or(0),
    }
}

/// The last path segment, without control characters, at most 200 characters.
fn file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    let clean = clean.trim().to_owned();
    if clean.is_empty() || clean == "." || clean == ".." {
        "attachment".into()
    } else {
        clean
    }
}

/// `type/subtype` when it looks like one (token characters only), else
/// `application/octet-stream`.
fn content_type_of(declared: &str) -> String {
    let essence = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 100
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
    };
    match essence.split_once('/') {
        Some((kind, sub)) if token(kind) && token(sub) => essence,
        _ => "application/octet-stream".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(file_name("C:\\Users\\me\\Звіт 2026.pdf"), "Звіт 2026.pdf");
        assert_eq!(file_name("../../etc/passwd"), "passwd");
        assert_eq!(file_name("a\r\nb.txt"), "ab.txt");
        assert_eq!(file_name(".."), "attachment");
        assert_eq!(file_name(""), "attachment");
    }

    #[test]
    fn content_types_are_kept_only_when_they_look_like_one() {
        assert_eq!(
            content_type_of("application/PDF; name=x"),
            "application/pdf"
        );
        assert_eq!(
            content_type_of("text/html\r\nX: y"),
            "application/octet-stream"
        );
        assert_eq!(content_type_of(""), "application/octet-stream");
    }
}
