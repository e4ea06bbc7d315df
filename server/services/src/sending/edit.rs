//! Going on with a draft from the mailbox's Drafts folder: the user's own draft of it when
//! there is one; otherwise a new draft taking it over — its recipients, subject, text,
//! threading headers and attachments, and its Message-ID when no draft uses it yet, so
//! the next copy to the server's Drafts replaces the one there instead of sitting beside
//! it.

use super::{attachments, original, reply, start::new_message_id};
use crate::{
    accounts::Actor,
    entities::{draft, mailbox_folder, message},
    error::{ServiceError, ServiceResult},
    mail_view::readable_message,
    mailboxes::readable,
    state::AppState,
};
use chrono::Utc;
use domain::{ComposeKind, FolderRole, SendState};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

/// The draft to go on with for message `message_id` of a Drafts folder.
pub(super) async fn edit_draft(
    state: &AppState,
    actor: &Actor,
    message_id: i64,
) -> ServiceResult<i64> {
    let db = &state.db;
    let row = readable_message(db, actor, message_id).await?;
    let from = readable(db, actor, row.mailbox_id).await?;
    if !in_drafts(state, &row).await? {
        return Err(ServiceError::invalid("message", "not_a_draft"));
    }
    let taken = match &row.message_id {
        Some(id) => {
            draft::Entity::find()
                .filter(draft::Column::MessageId.eq(id.as_str()))
                .one(db)
                .await?
        }
        None => None,
    };
    if let Some(existing) = &taken
        && existing.author_id == actor.user_id
        && existing.workspace_id == actor.workspace_id
        && !matches!(existing.state, SendState::Sent | SendState::Discarded)
    {
        return Ok(existing.id);
    }
    let message_id = match (&row.message_id, &taken) {
        (Some(id), None) if id.contains('@') && !id.contains(['"', ' ', '\r', '\n']) => id.clone(),
        _ => new_message_id(&from.email),
    };
    let now = Utc::now();
    let created = draft::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        author_id: Set(actor.user_id),
        mailbox_id: Set(from.id),
        kind: Set(ComposeKind::New),
        source_message_id: Set(None),
        message_id: Set(message_id),
        in_reply_to: Set(row.in_reply_to.clone()),
        references: Set(row.references.clone()),
        to_addrs: Set(reply::format_list(&row.to_list.0)),
        cc_addrs: Set(reply::format_list(&row.cc_list.0)),
        bcc_addrs: Set(String::new()),
        subject: Set(row.subject.clone()),
        body: Set(original::of(&row).text),
        state: Set(SendState::Editing),
        sent_copy: Set("none".into()),
        // The server's copy is replaced at the next pass (same Message-ID).
        server_dirty: Set(true),
        revision: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    if let Err(err) = attachments::carry_forward(state, actor, created.id, &row).await {
        draft::Entity::delete_by_id(created.id).exec(db).await?;
        return Err(err);
    }
    tracing::info!(
        draft = created.id,
        "draft taken over from the Drafts folder"
    );
    Ok(created.id)
}

/// The message is in its mailbox's Drafts folder, or marked `\Draft`.
async fn in_drafts(state: &AppState, row: &message::Model) -> ServiceResult<bool> {
    if row.draft {
        return Ok(true);
    }
    let folder = mailbox_folder::Entity::find_by_id(row.folder_id)
        .one(&state.db)
        .await?;
    Ok(folder.is_some_and(|f| {
        FolderRole::of(&f.name, f.special_use.as_deref()) == Some(FolderRole::Drafts)
    }))
}
