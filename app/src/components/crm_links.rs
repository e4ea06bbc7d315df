//! **Link to CRM** on an open message (manual mode) and the records it is linked to.
//!
//! Everything is a form, so it works with JavaScript off: the search is a GET of the page
//! itself (`crm_for=<message>&crm_q=<text>`, the rest of the address kept), linking,
//! unlinking and creating from the sender post and come back to the same page. Hydrated,
//! a finished action refetches the conversation (the mail screen's action version).

use crate::json_resource::json_resource;
use crate::{
    api::crm::{CreateFromSender, LinkMessage, UnlinkMessage, pick_records},
    api::mail::ActOnMessages,
    error::AppError,
    i18n::*,
    i18n_setup::error_text,
};
use domain::{CrmKind, FolderRole, MessageView, RecordRef};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_i18n::I18nContext;
use leptos_router::hooks::{use_location, use_query_map};

/// A kind's name, as a record is labelled ("Lead: 40 desks").
pub fn kind_name(i18n: I18nContext<Locale>, kind: CrmKind) -> String {
    match kind {
        CrmKind::Contact => t_string!(i18n, crm_link_kind_contact),
        CrmKind::Company => t_string!(i18n, crm_link_kind_company),
        CrmKind::Lead => t_string!(i18n, crm_link_kind_lead),
        CrmKind::Deal => t_string!(i18n, crm_link_kind_deal),
    }
    .to_string()
}

/// The card of a record.
pub fn card_href(kind: CrmKind, id: i64) -> String {
    format!("/crm/{}/{id}", kind.plural())
}

/// An action's error in words; "links are off" is told apart from other refusals.
fn action_text(i18n: I18nContext<Locale>, err: &AppError) -> String {
    match err {
        AppError::Invalid { field, .. } if field == "crm_mode" => {
            t_string!(i18n, crm_link_off).to_string()
        }
        AppError::Invalid { field, .. } if field == "sender" => {
            t_string!(i18n, crm_link_no_sender).to_string()
        }
        other => error_text(i18n, other),
    }
}

/// The records message `m` is linked to (each a link to its card, with **Unlink**), and
/// **Link to CRM** while its mailbox has links on and the plan allows them.
#[component]
pub fn MessageCrmLinks(m: MessageView) -> impl IntoView {
    let i18n = use_i18n();
    let id = m.id;
    let on = m.crm_links_on;
    if !on && m.crm_links.is_empty() {
        return ().into_any();
    }
    let unlink = ServerAction::<UnlinkMessage>::new();
    let link = ServerAction::<LinkMessage>::new();
    let create = ServerAction::<CreateFromSender>::new();
    refetch_after(unlink);
    refetch_after(link);
    refetch_after(create);
    let errors = move || {
        [
            unlink.value().get().and_then(Result::err),
            link.value().get().and_then(Result::err),
            create.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .map(|err| view! { <p class="form-error" role="alert">{action_text(i18n, &err)}</p> })
        .collect_view()
    };
    // The sender of the mailbox's own mail is not a client.
    let from_client = !matches!(m.folder_role, Some(FolderRole::Sent | FolderRole::Drafts));
    let linked = m.crm_links;
    let already: Vec<(CrmKind, i64)> = linked.iter().map(|r| (r.kind, r.id)).collect();
    let heading = format!("crm-links-{id}");
    let labelled_by = heading.clone();
    view! {
        <section class="crm-links" aria-labelledby=labelled_by>
            <h3 id=heading class="crm-links-title">{t!(i18n, crm_link_title)}</h3>
            {(!linked.is_empty()).then(|| view! {
                <ul class="crm-linked">
                    {linked.into_iter().map(|r| view! { <Linked id r on unlink/> }).collect_view()}
                </ul>
            })}
            {on.then(|| view! { <LinkToCrm id from_client already link create/> })}
            {errors}
        </section>
    }
    .into_any()
}

/// After an action succeeds, the open conversation (and so these links) is read again.
fn refetch_after<S>(action: ServerAction<S>)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    if let Some(acting) = use_context::<ServerAction<ActOnMessages>>() {
        Effect::new(move |_| {
            if action.value().with(|v| matches!(v, Some(Ok(_)))) {
                acting.version().update(|v| *v += 1);
            }
        });
    }
}

/// One linked record: its card, and **Unlink** while links are on.
#[component]
fn Linked(id: i64, r: RecordRef, on: bool, unlink: ServerAction<UnlinkMessage>) -> impl IntoView {
    let i18n = use_i18n();
    let kind = kind_name(i18n, r.kind);
    let label = format!("{} {}", t_string!(i18n, crm_link_unlink), r.title);
    view! {
        <li class="crm-linked-record">
            <a href=card_href(r.kind, r.id)>
                <span class="crm-kind">{kind}</span> ": " {r.title.clone()}
            </a>
            {(!r.detail.is_empty()).then(|| view! { " " <span class="muted">{r.detail.clone()}</span> })}
            {on.then(|| view! {
                " "
                <ActionForm action=unlink attr:class="inline">
                    <input type="hidden" name="message" value=id/>
                    <input type="hidden" name="kind" value=r.kind.as_str()/>
                    <input type="hidden" name="record" value=r.id/>
                    <button type="submit" class="link-button" aria-label=label>{t!(i18n, crm_link_unlink)}</button>
                </ActionForm>
            })}
        </li>
    }
}

/// **Link to CRM**: a search of the workspace's records (a GET of this page), the records
/// found to pick, and a contact or lead from the sender in one step.
#[component]
fn LinkToCrm(
    id: i64,
    from_client: bool,
    /// Records the message is linked to already.
    already: Vec<(CrmKind, i64)>,
    link: ServerAction<LinkMessage>,
    create: ServerAction<CreateFromSender>,
) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let path = use_location().pathname.get_untracked();
    let mine = move || {
        query
            .read()
            .get("crm_for")
            .and_then(|v| v.parse::<i64>().ok())
            == Some(id)
    };
    let text = move || {
        query
            .read()
            .get("crm_q")
            .filter(|_| mine())
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty())
    };
    // The rest of the page's address, so the search comes back to this conversation.
    let keep: Vec<(String, String)> = query.with_untracked(|q| {
        q.latest_values()
            .filter(|(k, _)| !k.starts_with("crm_"))
            .map(|(k, v)| (k.to_string(), v.to_owned()))
            .collect()
    });
    let already = StoredValue::new(already);
    let found = json_resource(text, |text| async move {
        match text {
            Some(q) => pick_records(q).await.map(Some),
            None => Ok(None),
        }
    });
    let field = format!("crm-search-{id}");
    view! {
        <details class="crm-link-to" open=mine()>
            <summary>{t!(i18n, crm_link_to)}</summary>
            <form class="crm-search" method="get" action=path role="search">
                {keep.into_iter().map(|(k, v)| view! { <input type="hidden" name=k value=v/> }).collect_view()}
                <input type="hidden" name="crm_for" value=id/>
                // A text field, not type=search: Chromium drew no box for a search field the
                // hydrated view rebuilt inside the open <details> (it could not be typed in).
                <label for=field.clone()>{t!(i18n, crm_link_search_label)}</label>
                " "
                <input id=field type="text" enterkeyhint="search" name="crm_q" maxlength="100" value=move || text().unwrap_or_default()/>
                " "
                <button type="submit">{t!(i18n, crm_link_search)}</button>
            </form>
            <Transition fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match found.await {
                        Ok(Some(records)) if records.is_empty() => {
                            view! { <p class="muted" role="status">{t!(i18n, crm_link_nothing_found)}</p> }.into_any()
                        }
                        Ok(Some(records)) => {
                            let already = already.get_value();
                            view! { <Found id records already link/> }.into_any()
                        }
                        Ok(None) => ().into_any(),
                        Err(err) => view! { <p role="alert">{error_text(i18n, &err)}</p> }.into_any(),
                    }
                })}
            </Transition>
            {from_client.then(|| view! {
                <div class="crm-from-sender">
                    <ActionForm action=create attr:class="inline">
                        <input type="hidden" name="message" value=id/>
                        <input type="hidden" name="kind" value="contact"/>
                        <button type="submit">{t!(i18n, crm_link_create_contact)}</button>
                    </ActionForm>
                    " "
                    <ActionForm action=create attr:class="inline">
                        <input type="hidden" name="message" value=id/>
                        <input type="hidden" name="kind" value="lead"/>
                        <button type="submit">{t!(i18n, crm_link_create_lead)}</button>
                    </ActionForm>
                </div>
            })}
        </details>
    }
}

/// The records found: **Link** (this message) or **Link conversation** (all of it).
#[component]
fn Found(
    id: i64,
    records: Vec<RecordRef>,
    already: Vec<(CrmKind, i64)>,
    link: ServerAction<LinkMessage>,
) -> impl IntoView {
    let i18n = use_i18n();
    let button = move |r: &RecordRef, conversation: bool| {
        let (kind, record) = (r.kind.as_str(), r.id);
        let (text, label) = if conversation {
            (
                t_string!(i18n, crm_link_conversation).to_string(),
                format!("{} — {}", t_string!(i18n, crm_link_conversation), r.title),
            )
        } else {
            (
                t_string!(i18n, crm_link_message).to_string(),
                format!("{} — {}", t_string!(i18n, crm_link_message), r.title),
            )
        };
        view! {
            <ActionForm action=link attr:class="inline">
                <input type="hidden" name="message" value=id/>
                <input type="hidden" name="kind" value=kind/>
                <input type="hidden" name="record" value=record/>
                {conversation.then(|| view! { <input type="hidden" name="conversation" value="true"/> })}
                <button type="submit" aria-label=label>{text}</button>
            </ActionForm>
        }
    };
    view! {
        <ul class="crm-found" aria-label=move || t_string!(i18n, crm_link_found).to_string()>
            {records.into_iter().map(|r| view! {
                <li>
                    <span class="crm-kind">{kind_name(i18n, r.kind)}</span> ": "
                    <a href=card_href(r.kind, r.id)>{r.title.clone()}</a>
                    {(!r.detail.is_empty()).then(|| view! { " " <span class="muted">{r.detail.clone()}</span> })}
                    " "
                    {if already.contains(&(r.kind, r.id)) {
                        view! { <span class="muted">{t!(i18n, crm_link_linked)}</span> }.into_any()
                    } else {
                        button(&r, false).into_any()
                    }}
                    " " {button(&r, true)}
                </li>
            }).collect_view()}
        </ul>
    }
}
