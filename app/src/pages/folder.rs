use crate::{
    api::mail::message_page,
    components::{PageTitle, poll::use_poll},
    i18n::*,
    i18n_setup::error_text,
};
use domain::{MessagePage, MessageRow};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

/// A folder's messages as synced: sender, subject, date, unread mark; newest first, paged.
/// Refreshes while the list is still filling.
#[component]
pub fn FolderPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let number = move |name: &str| {
        params
            .read()
            .get(name)
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or_default()
    };
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(1)
    };
    let tick = use_poll(|| false);
    let list = Resource::new(
        move || (number("mailbox"), number("folder"), page(), tick.get()),
        |(mailbox, folder, page, _)| message_page(mailbox, folder, page),
    );
    view! {
        <PageTitle text=|i18n| t_string!(i18n, mail_title).to_string()/>
        <p><a href="/mail">{t!(i18n, back_to_mail)}</a></p>
        <Transition fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(p) => view! { <MessageList p/> }.into_any(),
                    Err(err) => view! { <p role="alert">{error_text(i18n, &err)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MessageList(p: MessagePage) -> impl IntoView {
    let i18n = use_i18n();
    let base = format!("/mail/{}/folders/{}", p.mailbox_id, p.folder_id);
    let prev = (p.page > 1).then(|| format!("{base}?page={}", p.page - 1));
    let next = (p.page < p.pages).then(|| format!("{base}?page={}", p.page + 1));
    let (page, pages, total) = (p.page, p.pages, p.total);
    view! {
        <div class="page-head">
            <h1>{p.folder_name.clone()}</h1>
            <span class="muted" data-total=total>{t!(i18n, messages_total, n = move || total)}</span>
        </div>
        {p.messages.is_empty().then(|| view! { <p class="empty-state">{t!(i18n, folder_empty)}</p> })}
        <ol class="message-list">
            {p.messages.into_iter().map(|m| view! { <MessageLine m/> }).collect_view()}
        </ol>
        <nav class="pager" aria-label=move || t_string!(i18n, pages_label).to_string()>
            {prev.map(|href| view! { <a href=href rel="prev">{t!(i18n, newer)}</a> })}
            " " <span>{t!(i18n, page_of, page = move || page, pages = move || pages)}</span> " "
            {next.map(|href| view! { <a href=href rel="next">{t!(i18n, older)}</a> })}
        </nav>
    }
}

#[component]
fn MessageLine(m: MessageRow) -> impl IntoView {
    let i18n = use_i18n();
    let sender = if m.from_name.is_empty() {
        m.from_address.clone()
    } else {
        m.from_name.clone()
    };
    let subject = if m.subject.is_empty() {
        None
    } else {
        Some(m.subject.clone())
    };
    let date = m.received_at.minute_text();
    view! {
        <li class="message" class:unread=!m.seen data-unread=(!m.seen).to_string()>
            <span class="unread-mark" aria-hidden="true">{if m.seen { "" } else { "●" }}</span>
            {(!m.seen).then(|| view! { <span class="visually-hidden">{t!(i18n, unread)}</span> })}
            <span class="sender" title=m.from_address.clone()>{sender}</span>
            <span class="subject">
                {subject.unwrap_or_else(|| t_string!(i18n, no_subject).to_string())}
                {m.has_attachments.then(|| view! { " " <PaperClip label=t_string!(i18n, has_attachments).to_string()/> })}
                {m.too_large.then(|| view! { " " <span class="notice">{t!(i18n, too_large)}</span> })}
                {m.over_quota.then(|| view! { " " <span class="notice">{t!(i18n, over_quota)}</span> })}
                <span class="snippet muted">" " {m.snippet.clone()}</span>
            </span>
            <time datetime=m.received_at.machine_text()>{date}</time>
        </li>
    }
}

/// The attachment mark: an inline icon (emoji fonts are not everywhere).
#[component]
fn PaperClip(label: String) -> impl IntoView {
    let title = label.clone();
    view! {
        <svg class="attachment" role="img" aria-label=label width="14" height="14" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <title>{title}</title>
            <path d="M21 11.5l-8.5 8.5a5 5 0 0 1-7-7l9-9a3.5 3.5 0 0 1 5 5l-9 9a2 2 0 0 1-3-3l8-8"/>
        </svg>
    }
}
