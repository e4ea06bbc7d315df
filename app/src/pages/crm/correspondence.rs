//! A CRM card's correspondence: the linked messages, both directions, newest first.
//!
//! A message the user may read opens in place: its subject links to the card itself with
//! `?message=<id>` (a plain link, so it works without JavaScript; hydrated, only that entry
//! changes), which shows its body in the reading screen's sandboxed frame
//! (`/mail/messages/<id>/content`, one frame at a time), **Reply** (a plain form that
//! starts the reply's draft and opens it in the composer, as the reading screen's Reply)
//! and **Open in Mail** (`/mail/inbox?open=<id>`, the reading screen's deep link) to act on
//! it there. A message in a mailbox the user may not read shows only its date, direction
//! and mailbox.

use crate::json_resource::json_resource;
use crate::{
    api::{crm::record_timeline, writing::StartDraft},
    components::{FormError, LocalTime},
    i18n::*,
    i18n_setup::{action_error, error_text},
};
use domain::{CrmKind, Direction, TimelineEntry};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

/// Messages a card shows at most (the server's bound).
const SHOWN: usize = 200;

/// The linked messages of one record.
#[component]
pub fn Correspondence(kind: CrmKind, id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let entries = json_resource(
        move || (kind, id),
        |(kind, id)| record_timeline(kind.as_str().to_owned(), id),
    );
    let heading = format!("crm-correspondence-{}-{id}", kind.as_str());
    let labelled_by = heading.clone();
    view! {
        <section class="crm-correspondence" aria-labelledby=labelled_by>
            <h2 id=heading>{t!(i18n, crm_link_correspondence)}</h2>
            <Transition fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(list) if list.is_empty() => {
                            view! { <p class="empty-state">{t!(i18n, crm_link_no_mail)}</p> }.into_any()
                        }
                        Ok(list) => {
                            let full = list.len() >= SHOWN;
                            view! {
                                <ol class="crm-timeline">
                                    {list.into_iter().map(|e| view! { <Entry e/> }).collect_view()}
                                </ol>
                                {full.then(|| view! { <p class="muted">{t!(i18n, crm_link_newest_only)}</p> })}
                            }
                            .into_any()
                        }
                        Err(err) => view! { <p role="alert">{error_text(i18n, &err)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// One message of the timeline. A readable one's subject opens it in place
/// (`?message=<id>`, kept in the address so it works without JavaScript).
#[component]
fn Entry(e: TimelineEntry) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let path = use_location().pathname.get_untracked();
    let id = e.message_id;
    let anchor = format!("crm-message-{id}");
    let (dir, arrow, dir_text) = match e.direction {
        Direction::Incoming => ("in", "↙", t_string!(i18n, crm_link_incoming).to_string()),
        Direction::Outgoing => ("out", "↗", t_string!(i18n, crm_link_outgoing).to_string()),
    };
    let meta = view! {
        <span class="crm-direction" data-direction=dir>
            <span aria-hidden="true">{arrow}</span> " " {dir_text}
        </span>
        " " <LocalTime at=e.at/>
    };
    if !e.readable {
        let mailbox = e.mailbox_name.clone();
        return view! {
            <li id=anchor class="crm-timeline-entry no-access" data-message=id data-direction=dir>
                {meta} " "
                <span class="muted">{t!(i18n, crm_link_no_access, mailbox = move || mailbox.clone())}</span>
            </li>
        }
        .into_any();
    }
    let how = if e.manual {
        t_string!(i18n, crm_link_by_hand).to_string()
    } else {
        t_string!(i18n, crm_link_automatic).to_string()
    };
    let subject = e
        .subject
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| t_string!(i18n, no_subject).to_string());
    let from = e.from.unwrap_or_default();
    let snippet = e.snippet.unwrap_or_default();
    let mailbox = e.mailbox_name;
    let is_open = move || {
        query
            .read()
            .get("message")
            .and_then(|v| v.parse::<i64>().ok())
            == Some(id)
    };
    let show = format!("{path}?message={id}#{anchor}");
    let close = format!("{path}#{anchor}");
    view! {
        <li id=anchor class="crm-timeline-entry" class:open=is_open data-message=id data-direction=dir>
            {meta} " "
            <a class="crm-subject" href=show aria-expanded=move || is_open().to_string()>{subject}</a> " "
            <span class="crm-from">{from}</span> " "
            <span class="snippet muted">{snippet}</span>
            {move || is_open().then(|| {
                let mailbox = mailbox.clone();
                view! {
                    <div class="crm-message-open">
                        <Reply id/>
                        <p class="muted">
                            {t!(i18n, crm_link_in_mailbox, mailbox = move || mailbox.clone())} " · " {how.clone()} " · "
                            <a href=format!("/mail/inbox?open={id}")>{t!(i18n, crm_link_open_in_mail)}</a> " · "
                            <a href=close.clone()>{t!(i18n, crm_link_close)}</a>
                        </p>
                        <iframe
                            class="message-frame"
                            title=move || t_string!(i18n, message_frame).to_string()
                            src=format!("/mail/messages/{id}/content")
                            sandbox="allow-popups allow-popups-to-escape-sandbox"
                            referrerpolicy="no-referrer"
                        ></iframe>
                    </div>
                }
            })}
        </li>
    }
    .into_any()
}

/// **Reply** to an opened message: starts the reply's draft (To the sender, `Re:` the
/// subject) and opens it in the composer — a plain form, with or without JavaScript.
#[component]
fn Reply(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let start = ServerAction::<StartDraft>::new();
    view! {
        <ActionForm action=start attr:class="inline crm-reply">
            <input type="hidden" name="kind" value="reply"/>
            <input type="hidden" name="message" value=id/>
            <button type="submit" class="primary" data-reply="reply">{t!(i18n, reply)}</button>
        </ActionForm>
        <FormError error=action_error(start)/>
    }
}
