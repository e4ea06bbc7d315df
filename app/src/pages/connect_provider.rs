use crate::{
    api::mailboxes::CheckMailbox,
    components::{FormError, PageTitle, ServerFields, SignInError, SignInSection},
    error::AppError,
    i18n::*,
    i18n_setup::action_error,
};
use domain::Provider;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::hooks::use_params_map;

/// A provider's page: its how-to, then the OAuth2 sign-in (Microsoft 365 only; Gmail
/// first, recommended) and/or steps A and B of the wizard (credentials and servers, then
/// a real login). A failed sign-in comes back here with `?signin_error=`.
#[component]
pub fn ConnectProviderPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let provider = move || {
        params
            .read()
            .get("provider")
            .and_then(|p| p.parse::<Provider>().ok())
    };
    view! {
        {move || match provider() {
            Some(provider) => view! { <ProviderPage provider/> }.into_any(),
            None => view! { <p role="alert">{t!(i18n, not_found)}</p> }.into_any(),
        }}
    }
}

fn provider_title(i18n: I18nContext<Locale>, provider: Provider) -> String {
    match provider {
        Provider::OwnDomain => t_string!(i18n, provider_own_domain).to_string(),
        other => other.label().to_owned(),
    }
}

#[component]
fn ProviderPage(provider: Provider) -> impl IntoView {
    let i18n = use_i18n();
    let oauth = provider.oauth();
    let sign_in = oauth.map(|oauth| {
        let title = Signal::derive(move || match provider {
            Provider::Gmail => t_string!(i18n, sign_in_title_gmail).to_string(),
            _ => t_string!(i18n, sign_in_title_m365).to_string(),
        });
        view! { <SignInSection provider oauth title/> }
    });
    // Gmail: the app password is the fallback, below the sign-in.
    let fallback = (oauth.is_some() && provider.uses_password()).then(|| {
        view! {
            <h2 class="fallback-title">{t!(i18n, gmail_app_password_title)}</h2>
            <p class="note fallback-note">{t!(i18n, gmail_app_password_note)}</p>
        }
    });
    view! {
        <PageTitle text=move |i18n| format!("{} · {}", t_string!(i18n, connect_title), provider_title(i18n, provider))/>
        <h1>{t!(i18n, connect_title)} ": " {move || provider_title(i18n, provider)}</h1>
        <SignInError/>
        {(provider == Provider::Microsoft365).then(|| view! { <M365HowTo/> })}
        {sign_in}
        {fallback}
        {provider.uses_password().then(|| view! { <ProviderForm provider/> })}
        <p><a href="/mail/connect">{t!(i18n, cancel)}</a></p>
    }
}

/// Microsoft 365: what the tenant admin must allow; personal accounts go elsewhere.
#[component]
fn M365HowTo() -> impl IntoView {
    let i18n = use_i18n();
    let steps = move || {
        t_string!(i18n, howto_microsoft365)
            .split('|')
            .map(|step| view! { <li>{step.to_owned()}</li> })
            .collect_view()
    };
    view! {
        <section class="howto" aria-labelledby="howto-title">
            <h2 id="howto-title">{t!(i18n, howto_title)}</h2>
            <ol>{steps}</ol>
            <p class="personal-account">
                {t!(i18n, m365_personal)} " "
                <a href="/mail/connect/outlook">{t!(i18n, m365_personal_link)}</a>
            </p>
        </section>
    }
}

#[component]
fn ProviderForm(provider: Provider) -> impl IntoView {
    let i18n = use_i18n();
    let check = ServerAction::<CheckMailbox>::new();
    // Discovery answers with servers to confirm (and, without JavaScript, the email to
    // re-fill, since the page reloads).
    let confirm = Signal::derive(move || match check.value().get() {
        Some(Err(AppError::ConfirmServers { email, imap, smtp })) => Some((email, imap, smtp)),
        _ => None,
    });
    let suggested = Signal::derive(move || confirm.get().map(|(_, imap, smtp)| (imap, smtp)));
    let email = move || confirm.get().map(|(email, _, _)| email).unwrap_or_default();
    let own_domain = provider == Provider::OwnDomain;
    let howto = move || {
        let text = match provider {
            Provider::Gmail => t_string!(i18n, howto_gmail),
            Provider::Outlook => t_string!(i18n, howto_outlook),
            Provider::UkrNet => t_string!(i18n, howto_ukrnet),
            _ => t_string!(i18n, howto_own_domain),
        };
        text.split('|')
            .map(|step| view! { <li>{step.to_owned()}</li> })
            .collect_view()
    };
    let password_label = move || {
        if own_domain {
            t_string!(i18n, password).to_string()
        } else {
            t_string!(i18n, app_password).to_string()
        }
    };
    view! {
        <section class="howto" aria-labelledby="howto-title">
            <h2 id="howto-title">{t!(i18n, howto_title)}</h2>
            <ol>{howto}</ol>
        </section>
        <ActionForm action=check attr:class="stacked-form connect-form">
            <input type="hidden" name="provider" value=provider.as_str()/>
            <label>
                {t!(i18n, email)}
                <input type="email" name="email" required autocomplete="email" value=email/>
            </label>
            <label>
                {password_label}
                <input type="password" name="password" required autocomplete="off"/>
            </label>
            <ServerFields provider suggested/>
            <FormError error=action_error(check)/>
            <Show when=move || check.pending().get()>
                <p class="progress" role="status">{t!(i18n, checking)}</p>
            </Show>
            <button type="submit" class="primary" disabled=move || check.pending().get()>
                {t!(i18n, log_in_submit)}
            </button>
        </ActionForm>
    }
}
