use crate::{
    components::{PageTitle, SignInError},
    i18n::*,
};
use domain::Provider;
use leptos::prelude::*;

/// Communication Center → Mail → Connect: the provider tiles. A failed sign-in comes back
/// here with `?signin_error=`.
#[component]
pub fn ConnectPage() -> impl IntoView {
    let i18n = use_i18n();
    let tile = move |provider: Provider| {
        let label = move || match provider {
            Provider::OwnDomain => t_string!(i18n, provider_own_domain).to_string(),
            other => other.label().to_owned(),
        };
        let hint = move || match provider {
            Provider::Microsoft365 => Some(t_string!(i18n, provider_m365_hint).to_string()),
            Provider::Outlook => Some(t_string!(i18n, provider_outlook_hint).to_string()),
            _ => None,
        };
        view! {
            <a class="provider-tile" href=format!("/mail/connect/{}", provider.as_str()) data-provider=provider.as_str()>
                {label}
                {move || hint().map(|h| view! { <small>{h}</small> })}
            </a>
        }
    };
    view! {
        <PageTitle text=|i18n| t_string!(i18n, connect_title).to_string()/>
        <h1>{t!(i18n, connect_title)}</h1>
        <SignInError/>
        <p>{t!(i18n, connect_choose)}</p>
        <div class="provider-tiles">{Provider::ALL.map(tile)}</div>
        <p><a href="/mail">{t!(i18n, back_to_mail)}</a></p>
    }
}
