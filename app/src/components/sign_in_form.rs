//! OAuth2 sign-in pieces (Microsoft 365, Gmail) shared by the wizard and Connected
//! accounts. The sign-in starts with a plain HTML form posted to `/oauth/start`, so it
//! works hydrated and with JavaScript off alike: the browser follows the redirect to the
//! provider's sign-in page. Tokens never reach the browser.

use crate::json_resource::json_resource;
use crate::{
    api::mailboxes::sign_in_providers,
    i18n::*,
    i18n_setup::{error_text, sign_in_problem_text},
};
use domain::{OAuthProvider, Provider, SignInProblem};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The button that sends the browser to the provider's sign-in page: for a new mailbox
/// ("Sign in with Microsoft/Google"), or **Reconnect** of `mailbox` (its owner only; the
/// server checks).
#[component]
pub fn SignInForm(
    provider: Provider,
    #[prop(optional)] mailbox: Option<i64>,
    #[prop(default = true)] primary: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let label = move || match (mailbox, provider.oauth()) {
        (Some(_), _) => t_string!(i18n, reconnect).to_string(),
        (None, Some(OAuthProvider::Google)) => t_string!(i18n, sign_in_google).to_string(),
        (None, _) => t_string!(i18n, sign_in_microsoft).to_string(),
    };
    view! {
        <form method="post" action="/oauth/start" class="sign-in-form">
            <input type="hidden" name="provider" value=provider.as_str()/>
            {mailbox.map(|id| view! { <input type="hidden" name="mailbox" value=id/> })}
            <button type="submit" class="sign-in-button" class:primary=primary data-provider=provider.as_str()>
                {label}
            </button>
        </form>
    }
}

/// The sign-in part of a provider's page: the button when the administrator configured
/// the provider, else what they must set (instead of a button that cannot work).
#[component]
pub fn SignInSection(
    provider: Provider,
    oauth: OAuthProvider,
    #[prop(into)] title: Signal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let configured = json_resource(|| (), |_| sign_in_providers());
    let id_var = format!("{}CLIENT_ID", oauth.env_prefix());
    let secret_var = format!("{}CLIENT_SECRET", oauth.env_prefix());
    let name = match oauth {
        OAuthProvider::Microsoft => "Microsoft",
        OAuthProvider::Google => "Google",
    };
    view! {
        <section class="sign-in card" data-provider=provider.as_str() aria-labelledby="sign-in-title">
            <h2 id="sign-in-title">{title}</h2>
            <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || {
                    let (id_var, secret_var) = (id_var.clone(), secret_var.clone());
                    Suspend::new(async move {
                        match configured.await {
                            Ok(list) if list.contains(&oauth) => view! {
                                <p>{t!(i18n, sign_in_lead, provider = move || name)}</p>
                                <SignInForm provider/>
                            }.into_any(),
                            Ok(_) => view! {
                                <p class="notice" role="note" data-sign-in="not-configured">
                                    {t!(
                                        i18n,
                                        sign_in_not_configured,
                                        provider = move || name,
                                        id_var = move || view! { <code>{id_var.clone()}</code> },
                                        secret_var = move || view! { <code>{secret_var.clone()}</code> }
                                    )}
                                </p>
                            }.into_any(),
                            Err(err) => view! { <p role="alert">{error_text(i18n, &err)}</p> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

/// Why the last sign-in did not connect, from `?signin_error=<word>` (the server's
/// redirect after a failed start or callback).
#[component]
pub fn SignInError() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let problem = move || {
        query
            .read()
            .get("signin_error")
            .and_then(|word| word.parse::<SignInProblem>().ok())
    };
    move || {
        problem().map(|p| {
            view! {
                <p class="form-error sign-in-error" role="alert" data-problem=p.as_str()>
                    {move || sign_in_problem_text(i18n, p)}
                </p>
            }
        })
    }
}
