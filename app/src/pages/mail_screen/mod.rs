//! The reading screen: mailboxes and folders on the left, the list in the middle, the
//! open conversation on the right (on a phone, one pane at a time). Everything is a link
//! or a form, so it works with JavaScript off; hydrated, the list refreshes itself and
//! keyboard shortcuts work (`?` lists them).

mod folder_tree;
mod list_pane;
mod message_actions;
mod message_card;
mod reading_pane;
mod shortcuts;

use crate::json_resource::json_resource;
use crate::{
    api::mail::{conversation, mail_tree, message_list, search_mail},
    components::{PageTitle, ReconnectNotice, poll::use_ticker},
    i18n::*,
};
use domain::{MailScope, MessageList};
use folder_tree::FolderTree;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};
use list_pane::ListPane;
use reading_pane::ReadingPane;
use shortcuts::Shortcuts;
use std::time::Duration;

/// Seconds between looks for new mail while the screen is open (hydrated only).
const REFRESH: Duration = Duration::from_secs(5);

/// `/mail/inbox` (All inboxes) and `/mail/:mailbox/folders/:folder`; `?open=ID` opens a
/// conversation, `?before=` pages, `?images=ID` shows one message's remote images.
#[component]
pub fn MailScreenPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let number = move |name: &str| params.read().get(name).and_then(|v| v.parse::<i64>().ok());
    // `/mail/search?q=…&scope=folder:M:F|mailbox:M|all`
    let search = Memo::new(move |_| query.read().get("q"));
    let scope = Memo::new(move |_| match (number("mailbox"), number("folder")) {
        (Some(mailbox), Some(folder)) => MailScope::Folder { mailbox, folder },
        _ => query
            .read()
            .get("scope")
            .and_then(|s| parse_scope(&s))
            .unwrap_or(MailScope::All),
    });
    let before = move || query.read().get("before").filter(|b| !b.is_empty());
    let open = Memo::new(move |_| query.read().get("open").and_then(|v| v.parse::<i64>().ok()));
    let tick = use_ticker(REFRESH);
    let acting: message_actions::Acting = ServerAction::new();
    provide_context(acting);
    let done = move || acting.version().get();
    let tree = json_resource(move || (tick.get(), done()), |_| mail_tree());
    let list = json_resource(
        move || (scope.get(), before(), search.get(), tick.get(), done()),
        |(scope, before, search, _, _)| async move {
            let (mailbox, folder) = match scope {
                MailScope::Folder { mailbox, folder } => (Some(mailbox), Some(folder)),
                MailScope::Mailbox(mailbox) => (Some(mailbox), None),
                MailScope::All => (None, None),
            };
            match search {
                Some(q) => search_mail(q, mailbox, folder).await.map(MessageList::from),
                None => message_list(mailbox, folder, before).await,
            }
        },
    );
    let opened = json_resource(
        move || (open.get(), done()),
        |(id, _)| async move {
            match id {
                Some(id) => conversation(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let path = use_location().pathname;
    view! {
        <PageTitle text=|i18n| t_string!(i18n, mail_title).to_string()/>
        <ReconnectNotice/>
        <div class="mail-screen" class:reading=move || open.get().is_some()>
            <FolderTree tree scope/>
            <ListPane list scope open path tick/>
            <ReadingPane opened/>
        </div>
        <Shortcuts/>
    }
}

/// `folder:M:F`, `mailbox:M` or `all`, as the search form's scope choice sends it.
fn parse_scope(text: &str) -> Option<MailScope> {
    let mut parts = text.split(':');
    match (parts.next()?, parts.next(), parts.next()) {
        ("folder", Some(m), Some(f)) => Some(MailScope::Folder {
            mailbox: m.parse().ok()?,
            folder: f.parse().ok()?,
        }),
        ("mailbox", Some(m), None) => Some(MailScope::Mailbox(m.parse().ok()?)),
        ("all", None, None) => Some(MailScope::All),
        _ => None,
    }
}
