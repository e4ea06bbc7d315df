use crate::{
    accounts::Actor,
    entities::{mailbox_folder, message},
    error::ServiceResult,
    mailboxes::visible_mailboxes,
};
use domain::{FolderNode, FolderRole, MailTree, MailboxTree};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;

/// The left pane: every mailbox the user may read (own and granted, oldest first), each
/// with its synced folders in server order and their unread counts, and the unread count
/// of **All inboxes**. Two queries besides the mailbox list, whatever the number of folders.
pub async fn mail_tree(db: &impl ConnectionTrait, actor: &Actor) -> ServiceResult<MailTree> {
    let mailboxes = visible_mailboxes(db, actor).await?;
    let ids: Vec<i64> = mailboxes.iter().map(|m| m.id).collect();
    let folders = mailbox_folder::Entity::find()
        .filter(mailbox_folder::Column::MailboxId.is_in(ids.clone()))
        .filter(mailbox_folder::Column::Selected.eq(true))
        .order_by_asc(mailbox_folder::Column::Id)
        .all(db)
        .await?;
    let unread = unread_by_folder(db, &ids).await?;
    let mut inbox_unread = 0;
    let mut by_mailbox: HashMap<i64, Vec<FolderNode>> = HashMap::new();
    for f in folders {
        let role = FolderRole::of(&f.name, f.special_use.as_deref());
        let count = unread.get(&f.id).copied().unwrap_or(0);
        if role == Some(FolderRole::Inbox) {
            inbox_unread += count;
        }
        by_mailbox
            .entry(f.mailbox_id)
            .or_default()
            .push(FolderNode {
                id: f.id,
                name: last_level(&f.display_name, f.depth).to_owned(),
                role,
                depth: f.depth,
                unread: count,
            });
    }
    let mailboxes = mailboxes
        .into_iter()
        .map(|m| {
            let mut folders = by_mailbox.remove(&m.id).unwrap_or_default();
            // INBOX first, then the server's order.
            folders.sort_by_key(|f| f.role != Some(FolderRole::Inbox));
            MailboxTree {
                id: m.id,
                name: m.name,
                email: m.email,
                own: m.is_owner,
                folders,
            }
        })
        .collect();
    Ok(MailTree {
        mailboxes,
        inbox_unread,
    })
}

#[derive(FromQueryResult)]
struct UnreadCount {
    folder_id: i64,
    unread: i64,
}

/// Unread messages per folder of these mailboxes (the `(folder_id, seen)` index).
async fn unread_by_folder(
    db: &impl ConnectionTrait,
    mailbox_ids: &[i64],
) -> ServiceResult<HashMap<i64, u64>> {
    if mailbox_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = message::Entity::find()
        .select_only()
        .column(message::Column::FolderId)
        .column_as(message::Column::Id.count(), "unread")
        .filter(message::Column::MailboxId.is_in(mailbox_ids.to_vec()))
        .filter(message::Column::Seen.eq(false))
        .group_by(message::Column::FolderId)
        .into_model::<UnreadCount>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.folder_id, u64::try_from(r.unread).unwrap_or(0)))
        .collect())
}

/// The last level of a nested folder's decoded name ("Projects/2026" → "2026"); the
/// hierarchy delimiter is not kept, so the usual ones are tried.
fn last_level(display_name: &str, depth: i32) -> &str {
    if depth <= 0 {
        return display_name;
    }
    display_name
        .rsplit(['/', '.'])
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(display_name)
}

#[cfg(test)]
mod tests {
    use super::last_level;

    #[test]
    fn nested_names_show_their_last_level() {
        assert_eq!(last_level("Projects/2026", 1), "2026");
        assert_eq!(last_level("INBOX.Clients", 1), "Clients");
        assert_eq!(last_level("Dr. Who", 0), "Dr. Who");
    }
}
