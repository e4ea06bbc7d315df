use super::{
    message_actions::{Acting, BulkBar, Failures, pending_effect},
    message_card::PaperClip,
};
use crate::json_resource::JsonResource;
use crate::{components::LocalTime, error::AppError, i18n::*, i18n_setup::error_text};
use domain::{MailScope, MessageList, MessageRow};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The middle pane: the search box, the list (newest first, keyset pages) and its pager.
#[component]
pub fn ListPane(
    list: JsonResource<Result<MessageList, AppError>>,
    scope: Memo<MailScope>,
    open: Memo<Option<i64>>,
    path: Memo<String>,
    tick: ReadSignal<u32>,
) -> impl IntoView {
    let i18n = use_i18n();
    let searched = use_query_map()
        .read_untracked()
        .get("q")
        .unwrap_or_default();
    view! {
        <section class="list-pane">
            <SearchBox scope=scope.get_untracked() query=searched/>
            <Failures tick/>
            <Transition fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) => view! { <Lines list open path=path.get_untracked()/> }.into_any(),
                        Err(err) => view! { <p role="alert">{error_text(i18n, &err)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Lines(list: MessageList, open: Memo<Option<i64>>, path: String) -> impl IntoView {
    let i18n = use_i18n();
    // Special folders in the user's language; All inboxes by its name.
    let title = match (list.scope, list.role) {
        _ if list.query.is_some() => t_string!(i18n, search_title).to_string(),
        (MailScope::All, _) => t_string!(i18n, all_inboxes).to_string(),
        (_, Some(role)) => super::folder_tree::role_name(i18n, role),
        (_, None) => list.title.clone(),
    };
    let older = list
        .older
        .map(|c| format!("{path}?before={}", c.to_param()));
    let first_page = list.total.is_some();
    let query = list.query.clone();
    let searched = query.is_some();
    let more = list.more;
    let unindexed = list.unindexed;
    // Search results keep their query in the address of an opened message.
    let keep = query
        .as_ref()
        .map(|q| format!("q={}&", encode(q)))
        .unwrap_or_default();
    view! {
        <div class="page-head">
            <h1>{title}</h1>
            {list.total.map(|n| view! {
                <span class="muted" data-total=n>{t!(i18n, messages_total, n = move || n)}</span>
            })}
        </div>
        {query.map(|q| view! { <p class="search-summary">{t!(i18n, search_results, q = move || q.clone())}</p> })}
        {(more).then(|| view! { <p class="muted">{t!(i18n, search_more)}</p> })}
        {(unindexed > 0).then(|| view! {
            <p class="muted" role="status" data-unindexed=unindexed>
                {t!(i18n, search_unindexed, n = move || unindexed)}
            </p>
        })}
        {(!list.messages.is_empty()).then(|| view! { <BulkBar/> })}
        <MessageLines rows=list.messages open searched href={
            let path = path.clone();
            move |id| format!("{path}?{keep}open={id}")
        }/>
        <nav class="pager" aria-label=move || t_string!(i18n, pages_label).to_string()>
            {(!first_page).then(|| view! { <a href=path.clone() rel="first">{t!(i18n, newest)}</a> })}
            " "
            {older.map(|href| view! { <a href=href rel="next">{t!(i18n, older)}</a> })}
        </nav>
    }
}

/// Message lines, each a link that opens the conversation.
#[component]
pub fn MessageLines<H>(
    rows: Vec<MessageRow>,
    open: Memo<Option<i64>>,
    href: H,
    searched: bool,
) -> impl IntoView
where
    H: Fn(i64) -> String + 'static,
{
    let i18n = use_i18n();
    let empty = move || {
        if searched {
            t_string!(i18n, search_none).to_string()
        } else {
            t_string!(i18n, folder_empty).to_string()
        }
    };
    view! {
        {rows.is_empty().then(|| view! { <p class="empty-state">{empty}</p> })}
        <ol class="message-list">
            {rows.into_iter().enumerate().map(|(n, m)| {
                let link = href(m.id);
                view! { <MessageLine m open link n/> }
            }).collect_view()}
        </ol>
    }
}

#[component]
fn MessageLine(m: MessageRow, open: Memo<Option<i64>>, link: String, n: usize) -> impl IntoView {
    let i18n = use_i18n();
    let id = m.id;
    // While an action on this line runs, the line already shows its effect.
    let acting = use_context::<Acting>();
    let effect = move || acting.and_then(|a| pending_effect(a, id));
    let seen = m.seen;
    let flagged = move || match effect() {
        Some("flag") => true,
        Some("unflag") => false,
        _ => m.flagged,
    };
    let sender = if m.from_name.is_empty() {
        m.from_address.clone()
    } else {
        m.from_name.clone()
    };
    let subject = if m.subject.is_empty() {
        t_string!(i18n, no_subject).to_string()
    } else {
        m.subject.clone()
    };
    // Opening marks read: the line shows it at once, before the next refresh.
    let unread = move || match effect() {
        Some("read") => false,
        Some("unread") => true,
        _ => !seen && open.get() != Some(id),
    };
    view! {
        <li
            class="message"
            class:unread=unread
            class:flagged=flagged
            class:current=move || open.get() == Some(id)
            class:leaving=move || effect() == Some("gone")
            data-id=id
            data-unread=move || unread().to_string()
        >
            <input
                type="checkbox"
                class="select-line"
                form="bulk-actions"
                name=format!("ids[{n}]")
                value=id
                aria-label=move || t_string!(i18n, select_message).to_string()
            />
            <a href=link class="message-link">
                <span class="unread-mark" aria-hidden="true">{move || if unread() { "●" } else { "" }}</span>
                {move || unread().then(|| view! { <span class="visually-hidden">{t!(i18n, unread)}</span> })}
                <span class="star" aria-hidden="true">{move || if flagged() { "★" } else { "" }}</span>
                {move || flagged().then(|| view! { <span class="visually-hidden">{t!(i18n, starred)}</span> })}
                <span class="sender" title=m.from_address.clone()>{sender}</span>
                <span class="subject">
                    {subject}
                    {m.has_attachments.then(|| view! { " " <PaperClip label=t_string!(i18n, has_attachments).to_string()/> })}
                    {m.too_large.then(|| view! { " " <span class="notice">{t!(i18n, too_large)}</span> })}
                    {m.over_quota.then(|| view! { " " <span class="notice">{t!(i18n, over_quota)}</span> })}
                    <span class="snippet muted">" " {m.snippet.clone()}</span>
                </span>
                <LocalTime at=m.received_at/>
            </a>
        </li>
    }
}

/// The search form: a GET to `/mail/search`, scoped to the folder being read or all mail.
#[component]
pub fn SearchBox(scope: MailScope, query: String) -> impl IntoView {
    let i18n = use_i18n();
    let (mailbox, folder) = match scope {
        MailScope::Folder { mailbox, folder } => (Some(mailbox), Some(folder)),
        MailScope::Mailbox(mailbox) => (Some(mailbox), None),
        MailScope::All => (None, None),
    };
    let scoped = folder.is_some();
    view! {
        <form class="search-box" method="get" action="/mail/search" role="search">
            <label class="visually-hidden" for="mail-search">{t!(i18n, search_label)}</label>
            <input
                id="mail-search"
                type="search"
                name="q"
                value=query
                maxlength="200"
                placeholder=move || t_string!(i18n, search_label).to_string()
                data-shortcut="/"
            />
            {scoped.then(|| view! {
                <label class="visually-hidden" for="mail-search-scope">{t!(i18n, search_in)}</label>
                <select id="mail-search-scope" name="scope">
                    <option value=format!("folder:{}:{}", mailbox.unwrap_or_default(), folder.unwrap_or_default())>{t!(i18n, scope_folder)}</option>
                    <option value=format!("mailbox:{}", mailbox.unwrap_or_default())>{t!(i18n, scope_mailbox)}</option>
                    <option value="all">{t!(i18n, scope_all)}</option>
                </select>
            })}
            <button type="submit">{t!(i18n, search_button)}</button>
        </form>
    }
}

/// Percent-encodes a query value for a link.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
