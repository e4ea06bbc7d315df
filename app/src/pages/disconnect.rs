use crate::json_resource::json_resource;
use crate::{
    api::mailboxes::{DisconnectMailbox, mailbox_details},
    components::{FormError, PageTitle},
    i18n::*,
    i18n_setup::{action_error, error_text},
};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The confirmation step before a mailbox and its stored mail are removed (works without JS).
#[component]
pub fn DisconnectPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or_default()
    };
    let details = json_resource(id, mailbox_details);
    let disconnect = ServerAction::<DisconnectMailbox>::new();
    view! {
        <PageTitle text=|i18n| t_string!(i18n, disconnect_title).to_string()/>
        <h1>{t!(i18n, disconnect_title)}</h1>
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Ok(d) => view! {
                        <p><strong>{d.view.name.clone()}</strong> " (" {d.view.email.clone()} ")"</p>
                        <p>{t!(i18n, disconnect_lead)}</p>
                        <ActionForm action=disconnect>
                            <input type="hidden" name="id" value=d.view.id.to_string()/>
                            <FormError error=action_error(disconnect)/>
                            <button type="submit" class="danger">{t!(i18n, disconnect_confirm)}</button>
                            " "
                            <a href="/mail/accounts">{t!(i18n, cancel)}</a>
                        </ActionForm>
                    }.into_any(),
                    Err(err) => view! { <p role="alert">{error_text(i18n, &err)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
