//! Starting a draft: a new message from a mailbox the user may send from, or a reply,
//! reply all or forward of a message they may read — recipients, subject, threading
//! headers and the quoted original filled in (`reply`), a forward's attachments carried.

use super::{attachments, drafts::MAX_OPEN_DRAFTS, original, quote, reply};
use crate::{
    accounts::Actor,
    entities::{draft, mailbox, user},
    error::{ServiceError, ServiceResult},
    mail_view::readable_message,
    mailboxes::{readable, readable_ids},
    state::AppState,
};
use chrono::Utc;
use domain::{ComposeKind, SendState};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

/// How a draft begins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DraftStart {
    /// A new message, from `mailbox_id` (or the user's first mailbox they may send from).
    New { mailbox_id: Option<i64> },
    /// A reply to a message the user may read; `all` for reply all.
    Reply { message_id: i64, all: bool },
    /// A forward of a message the user may read, its attachments carried along.
    Forward { message_id: i64 },
    /// Go on writing a draft found in the mailbox's Drafts folder (written here or in
    /// another client): the user's own draft of it, or a new one taking it over.
    Edit { message_id: i64 },
}

/// A new message to `to` (**Write email** on a CRM card): the draft of
/// [`DraftStart::New`] with its To filled in. The address is checked first.
pub async fn start_draft_to(
    state: &AppState,
    actor: &Actor,
    mailbox_id: Option<i64>,
    to: &str,
) -> ServiceResult<i64> {
    let to = crate::validate::email(to)?;
    let id = start_draft(state, actor, DraftStart::New { mailbox_id }).await?;
    draft::Entity::update_many()
        .col_expr(draft::Column::ToAddrs, sea_orm::sea_query::Expr::value(to))
        .filter(draft::Column::Id.eq(id))
        .filter(draft::Column::AuthorId.eq(actor.user_id))
        .exec(&state.db)
        .await?;
    Ok(id)
}

/// Creates a draft; returns its id.
pub async fn start_draft(state: &AppState, actor: &Actor, start: DraftStart) -> ServiceResult<i64> {
    let db = &state.db;
    let open = draft::Entity::find()
        .filter(draft::Column::AuthorId.eq(actor.user_id))
        .filter(
            draft::Column::State
                .is_not_in([SendState::Sent.as_str(), SendState::Discarded.as_str()]),
        )
        .count(db)
        .await?;
    if open >= MAX_OPEN_DRAFTS {
        return Err(ServiceError::invalid("draft", "too_many"));
    }
    if let DraftStart::Edit { message_id } = start {
        return super::edit::edit_draft(state, actor, message_id).await;
    }
    let language = user::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotSignedIn)?
        .language;
    let (kind, source, from) = match start {
        DraftStart::New { mailbox_id } => {
            let from = match mailbox_id {
                Some(id) => readable(db, actor, id).await?,
                None => first_sender(db, actor).await?,
            };
            (ComposeKind::New, None, from)
        }
        DraftStart::Reply { message_id, all } => {
            let row = readable_message(db, actor, message_id).await?;
            let from = readable(db, actor, row.mailbox_id).await?;
            let kind = if all {
                ComposeKind::ReplyAll
            } else {
                ComposeKind::Reply
            };
            (kind, Some(row), from)
        }
        DraftStart::Forward { message_id } | DraftStart::Edit { message_id } => {
            let row = readable_message(db, actor, message_id).await?;
            let from = readable(db, actor, row.mailbox_id).await?;
            (ComposeKind::Forward, Some(row), from)
        }
    };
    let signature = from.signature.trim().to_owned();
    let now = Utc::now();
    let mut row = draft::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        author_id: Set(actor.user_id),
        mailbox_id: Set(from.id),
        kind: Set(kind),
        source_message_id: Set(source.as_ref().map(|s| s.id)),
        message_id: Set(new_message_id(&from.email)),
        in_reply_to: Set(None),
        references: Set(String::new()),
        to_addrs: Set(String::new()),
        cc_addrs: Set(String::new()),
        bcc_addrs: Set(String::new()),
        subject: Set(String::new()),
        body: Set(quote::quoted_body(
            ComposeKind::New,
            &reply::Original::default(),
            language,
            &signature,
        )),
        state: Set(SendState::Editing),
        sent_copy: Set("none".into()),
        server_dirty: Set(false),
        revision: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(source) = &source {
        let original = original::of(source);
        let own = own_addresses(db, actor, &from).await?;
        let (to, cc) = reply::recipients(kind, &original, &own);
        let (in_reply_to, references) = reply::references(&original);
        if kind != ComposeKind::Forward {
            row.in_reply_to = Set(in_reply_to.map(|id| strip_brackets(&id)));
            row.references = Set(references
                .split_whitespace()
                .map(strip_brackets)
                .collect::<Vec<_>>()
                .join(" "));
        }
        row.to_addrs = Set(reply::format_list(&to));
        row.cc_addrs = Set(reply::format_list(&cc));
        row.subject = Set(reply::subject(kind, &original.subject));
        row.body = Set(quote::quoted_body(kind, &original, language, &signature));
    }
    let created = row.insert(db).await?;
    if kind == ComposeKind::Forward
        && let Some(source) = &source
        && let Err(err) = attachments::carry_forward(state, actor, created.id, source).await
    {
        // Nothing typed yet: the half-made forward goes, the reader sees why.
        draft::Entity::delete_by_id(created.id).exec(db).await?;
        return Err(err);
    }
    tracing::info!(draft = created.id, kind = kind.as_str(), "draft started");
    Ok(created.id)
}

/// The first mailbox the caller may send from.
async fn first_sender(db: &impl ConnectionTrait, actor: &Actor) -> ServiceResult<mailbox::Model> {
    let ids = readable_ids(db, actor).await?;
    mailbox::Entity::find()
        .filter(mailbox::Column::Id.is_in(ids))
        .order_by_asc(mailbox::Column::Id)
        .one(db)
        .await?
        .ok_or(ServiceError::invalid("mailbox", "none"))
}

/// Addresses that are the caller's own: the From mailbox, every mailbox they own, and
/// their login — left out of a reply all.
async fn own_addresses(
    db: &impl ConnectionTrait,
    actor: &Actor,
    from: &mailbox::Model,
) -> ServiceResult<Vec<String>> {
    let mut own: Vec<String> = mailbox::Entity::find()
        .filter(mailbox::Column::OwnerId.eq(actor.user_id))
        .select_only()
        .column(mailbox::Column::Email)
        .into_tuple::<String>()
        .all(db)
        .await?;
    own.push(from.email.clone());
    if let Some(user) = user::Entity::find_by_id(actor.user_id).one(db).await? {
        own.push(user.email);
    }
    Ok(own)
}

/// `uuid@domain-of-the-mailbox`: unique, and from the sender's own domain (RFC 5322
/// §3.6.4 asks for a right-hand side that identifies the sender's host or domain).
pub(super) fn new_message_id(email: &str) -> String {
    let domain = email
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| {
            !d.is_empty()
                && d.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        })
        .unwrap_or("mailcenter.invalid");
    format!(
        "{}@{}",
        uuid::Uuid::new_v4().simple(),
        domain.to_ascii_lowercase()
    )
}

pub(super) fn strip_brackets(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}
