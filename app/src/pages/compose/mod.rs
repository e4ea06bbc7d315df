//! Writing mail: **Compose** (`/mail/compose`), a draft (`/mail/drafts/:id`) and the
//! user's drafts (`/mail/drafts`). Every control is a plain form, so it all works with
//! JavaScript off; hydrated, the draft saves itself while typing, addresses complete, files
//! drop onto the form and the undo-send countdown runs live.

mod address_field;
mod attachments;
mod browser;
mod drafts_list;
mod editor;
mod state_banner;
mod undo_delay;

pub use drafts_list::DraftsPage;

use crate::json_resource::json_resource;
use crate::{
    api::{
        mailboxes::list_mailboxes,
        writing::{StartDraft, UndoSend, compose},
    },
    components::{FormError, PageTitle},
    i18n::*,
    i18n_setup::{action_error, error_text},
};
use editor::Editor;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

/// `/mail/compose`: choose the From mailbox and start a new message (a draft is created
/// only by this form's post, never by opening the page).
#[component]
pub fn ComposePage() -> impl IntoView {
    let i18n = use_i18n();
    let start = ServerAction::<StartDraft>::new();
    let query = use_query_map();
    let chosen = move || {
        query
            .read()
            .get("mailbox")
            .and_then(|v| v.parse::<i64>().ok())
    };
    // **Write email** on a CRM card: `?to=<address>`.
    let to = move || query.read().get("to").unwrap_or_default();
    let mailboxes = json_resource(|| (), |_| list_mailboxes());
    view! {
        <PageTitle text=|i18n| t_string!(i18n, compose_title).to_string()/>
        <h1>{t!(i18n, compose_title)}</h1>
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                match mailboxes.await {
                    Ok(rows) if rows.is_empty() => view! {
                        <p class="notice">{t!(i18n, compose_no_mailbox)}</p>
                        <p><a class="button primary" href="/mail/connect">{t!(i18n, connect)}</a></p>
                    }.into_any(),
                    Ok(rows) => {
                        let chosen = chosen();
                        view! {
                            <ActionForm action=start attr:class="stacked-form compose-start">
                                <input type="hidden" name="kind" value="new"/>
                                {(!to().is_empty()).then(|| view! {
                                    <input type="hidden" name="to" value=to()/>
                                    <p class="note">{t!(i18n, compose_to)} ": " {to()}</p>
                                })}
                                <label>
                                    {t!(i18n, compose_from)}
                                    <select name="mailbox">
                                        {rows.into_iter().map(|m| {
                                            let selected = chosen == Some(m.id);
                                            view! { <option value=m.id selected=selected>{m.email.clone()}</option> }
                                        }).collect_view()}
                                    </select>
                                </label>
                                <FormError error=action_error(start)/>
                                <button type="submit" class="primary">{t!(i18n, compose_start)}</button>
                            </ActionForm>
                        }.into_any()
                    }
                    Err(err) => view! { <p role="alert" class="form-error">{error_text(i18n, &err)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/mail/drafts/:id`: the draft, editable unless it is on its way out or sent.
/// `?error=` carries why an upload (a plain form post) was refused.
#[component]
pub fn DraftPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or_default()
    });
    let upload_error = Memo::new(move |_| query.read().get("error"));
    // Bumped to show the server's draft again: after Send, Undo, a reload asked for, or
    // while the countdown and the sending run.
    let reload = RwSignal::new(0u32);
    let undo = ServerAction::<UndoSend>::new();
    Effect::new(move |_| {
        if matches!(undo.value().get(), Some(Ok(_))) {
            reload.update(|n| *n += 1);
        }
    });
    provide_context(undo);
    let draft = json_resource(move || (id.get(), reload.get()), |(id, _)| compose(id));
    view! {
        <PageTitle text=|i18n| t_string!(i18n, compose_title).to_string()/>
        <Transition fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                match draft.await {
                    Ok(v) => view! { <Editor v reload upload_error/> }.into_any(),
                    Err(err) => view! {
                        <h1>{t!(i18n, compose_title)}</h1>
                        <p role="alert" class="form-error">{error_text(i18n, &err)}</p>
                        <p><a href="/mail/drafts">{t!(i18n, drafts_title)}</a></p>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Seconds since the epoch, now: the browser's clock when hydrated, else the server's.
pub fn now_secs() -> i64 {
    browser::now_secs()
}

/// "12 KB", "3.4 MB".
pub fn size_text(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{} KB", b.div_ceil(1024)),
        b if b % (1024 * 1024) == 0 => format!("{} MB", b / (1024 * 1024)),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}
