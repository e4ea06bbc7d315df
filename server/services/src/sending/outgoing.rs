//! A draft as the message it becomes — for sending and for the copy in the server's
//! Drafts folder alike: From the mailbox with its sender name, the draft's one Message-ID
//! and threading headers, its text and attachments — and the mailbox's special folders.

use super::{
    addresses, attachments,
    mime::{self, Outgoing},
};
use crate::entities::{draft, mailbox, mailbox_folder};
use chrono::{DateTime, Utc};
use domain::{FolderRole, SendProblem};
use lettre::message::Mailbox as Named;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// How addresses that do not parse are treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Addresses {
    /// Sending: the first one stops it (`BadAddress`).
    Strict,
    /// The Drafts copy: left out (the user may still be typing them).
    Lenient,
}

/// The message of draft `row` from `mailbox`, dated `date`.
pub(super) async fn of_draft(
    db: &impl ConnectionTrait,
    mailbox: &mailbox::Model,
    row: &draft::Model,
    addresses: Addresses,
    date: DateTime<Utc>,
) -> Result<Outgoing, SendProblem> {
    let list = |text: &str| match (addresses::parse_list(text), addresses) {
        (Ok(list), _) => Ok(list),
        (Err(_), Addresses::Lenient) => Ok(Vec::new()),
        (Err(address), Addresses::Strict) => Err(SendProblem::BadAddress { address }),
    };
    let email = mailbox.email.parse().map_err(|_| SendProblem::BadAddress {
        address: mailbox.email.clone(),
    })?;
    let name = mailbox.sender_name.trim();
    let from = Named::new((!name.is_empty()).then(|| name.to_owned()), email);
    let attachments =
        attachments::for_sending(db, row.id)
            .await
            .map_err(|_| SendProblem::ServerRefused {
                server_text: "internal error: attachments".into(),
            })?;
    let (to, cc, bcc) = (
        list(&row.to_addrs)?,
        list(&row.cc_addrs)?,
        list(&row.bcc_addrs)?,
    );
    // Checked again on what is stored: a save racing the Send could have changed it.
    if matches!(addresses, Addresses::Strict)
        && to.len() + cc.len() + bcc.len() > addresses::MAX_RECIPIENTS
    {
        return Err(SendProblem::TooManyRecipients {
            limit: u32::try_from(addresses::MAX_RECIPIENTS).unwrap_or(u32::MAX),
        });
    }
    let bracketed = |id: &str| format!("<{id}>");
    Ok(Outgoing {
        from,
        to,
        cc,
        bcc,
        subject: row.subject.clone(),
        message_id: bracketed(&row.message_id),
        in_reply_to: row.in_reply_to.as_deref().map(bracketed),
        references: row
            .references
            .split_whitespace()
            .map(bracketed)
            .collect::<Vec<_>>()
            .join(" "),
        date,
        text: row.body.clone(),
        attachments,
    })
}

/// The raw message for the server's Drafts folder (Bcc kept).
pub(super) async fn draft_copy(
    db: &impl ConnectionTrait,
    mailbox: &mailbox::Model,
    row: &draft::Model,
) -> Result<Vec<u8>, String> {
    let outgoing = of_draft(db, mailbox, row, Addresses::Lenient, row.updated_at)
        .await
        .map_err(|problem| format!("{problem:?}"))?;
    mime::draft_copy(&outgoing)
}

/// The mailbox's folder playing `role` (special-use attribute or name), as listed when
/// it was connected.
pub(super) async fn folder_with_role(
    db: &impl ConnectionTrait,
    mailbox_id: i64,
    role: FolderRole,
) -> Result<Option<mailbox_folder::Model>, DbErr> {
    Ok(mailbox_folder::Entity::find()
        .filter(mailbox_folder::Column::MailboxId.eq(mailbox_id))
        .all(db)
        .await?
        .into_iter()
        .find(|f| FolderRole::of(&f.name, f.special_use.as_deref()) == Some(role)))
}
