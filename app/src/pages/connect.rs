use crate::{components::PageTitle, i18n::*};
use domain::Provider;
use leptos::prelude::*;

/// Communication Center → Mail → Connect: the provider tiles.
#[component]
pub fn ConnectPage() -> impl IntoView {
    let i18n = use_i18n();
    let tile = move |provider: Provider| {
        let label = move || match provider {
            Provider::OwnDomain => t_string!(i18n, provider_own_domain).to_string(),
            other => other.label().to_owned(),
        };
        if provider.uses_password() {
            view! {
                <a class="provider-tile" href=format!("/mail/connect/{}", provider.as_str()) data-provider=provider.as_str()>
                    {label}
                </a>
            }
            .into_any()
        } else {
            view! {
                <div class="provider-tile disabled" aria-disabled="true" data-provider=provider.as_str()>
                    {label}
                    <small>{t!(i18n, provider_m365_soon)}</small>
                </div>
            }
            .into_any()
        }
    };
    view! {
        <PageTitle text=|i18n| t_string!(i18n, connect_title).to_string()/>
        <h1>{t!(i18n, connect_title)}</h1>
        <p>{t!(i18n, connect_choose)}</p>
        <div class="provider-tiles">{Provider::ALL.map(tile)}</div>
        <p><a href="/mail">{t!(i18n, back_to_mail)}</a></p>
    }
}
