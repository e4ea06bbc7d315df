//! `/mail/drafts`: the user's drafts not yet sent — on their way out, failed (marked), or
//! still being written — newest first, each a link to its compose form.

use crate::json_resource::json_resource;
use crate::{
    api::writing::my_drafts,
    components::{LocalTime, PageTitle},
    i18n::*,
    i18n_setup::error_text,
};
use domain::SendState;
use leptos::prelude::*;
use leptos_i18n::I18nContext;

#[component]
pub fn DraftsPage() -> impl IntoView {
    let i18n = use_i18n();
    let drafts = json_resource(|| (), |_| my_drafts());
    view! {
        <PageTitle text=|i18n| t_string!(i18n, drafts_title).to_string()/>
        <div class="page-head">
            <h1>{t!(i18n, drafts_title)}</h1>
            <a class="button primary" href="/mail/compose">{t!(i18n, compose)}</a>
        </div>
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                match drafts.await {
                    Ok(rows) if rows.is_empty() => view! { <p class="empty-state">{t!(i18n, drafts_empty)}</p> }.into_any(),
                    Ok(rows) => view! {
                        <table class="drafts-table">
                            <thead><tr>
                                <th scope="col">{t!(i18n, to_label)}</th>
                                <th scope="col">{t!(i18n, subject_label)}</th>
                                <th scope="col">{t!(i18n, compose_from)}</th>
                                <th scope="col">{t!(i18n, draft_state)}</th>
                                <th scope="col">{t!(i18n, draft_updated)}</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|d| {
                                    let subject = if d.subject.is_empty() { t_string!(i18n, no_subject).to_string() } else { d.subject.clone() };
                                    let to = if d.to.is_empty() { t_string!(i18n, no_recipients).to_string() } else { d.to.clone() };
                                    view! {
                                        <tr data-draft=d.id class:failed=d.failed>
                                            <td>{to}</td>
                                            <td><a href=format!("/mail/drafts/{}", d.id)>{subject}</a></td>
                                            <td class="muted">{d.mailbox_email.clone()}</td>
                                            <td>
                                                {state_text(i18n, d.state)}
                                                {d.failed.then(|| view! { " " <span class="badge failed-badge">{t!(i18n, send_failed_badge)}</span> })}
                                            </td>
                                            <td><LocalTime at=d.updated_at/></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(err) => view! { <p role="alert" class="form-error">{error_text(i18n, &err)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

pub fn state_text(i18n: I18nContext<Locale>, state: SendState) -> String {
    match state {
        SendState::Editing => t_string!(i18n, state_editing),
        SendState::Queued => t_string!(i18n, state_queued),
        SendState::Sending => t_string!(i18n, state_sending),
        SendState::Sent => t_string!(i18n, state_sent),
        SendState::Failed => t_string!(i18n, state_failed),
        SendState::Unconfirmed => t_string!(i18n, state_unconfirmed),
        SendState::Discarded => t_string!(i18n, state_discarded),
    }
    .to_string()
}
