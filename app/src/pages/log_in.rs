use crate::{
    api::auth::LogIn,
    components::{FormError, LanguageSwitch, PageTitle},
    i18n::*,
    i18n_setup::{action_error, locale_of},
};
use leptos::prelude::*;

#[component]
pub fn LogInPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<LogIn>::new();
    Effect::new(move |_| {
        if let Some(Ok(language)) = action.value().get() {
            i18n.set_locale(locale_of(language));
        }
    });
    view! {
        <PageTitle text=|i18n| t_string!(i18n, log_in_title).to_string()/>
        <main class="auth-page">
            <section class="auth-card">
                <h1>{t!(i18n, log_in_title)}</h1>
                <ActionForm action=action attr:class="stacked-form">
                    <label>
                        {t!(i18n, email)}
                        <input type="email" name="email" required autocomplete="username"/>
                    </label>
                    <label>
                        {t!(i18n, password)}
                        <input type="password" name="password" required autocomplete="current-password"/>
                    </label>
                    <FormError error=action_error(action)/>
                    <button type="submit" class="primary">{t!(i18n, log_in_submit)}</button>
                </ActionForm>
                <p class="auth-switch">
                    {t!(i18n, no_account)} " " <a href="/signup">{t!(i18n, sign_up_submit)}</a>
                </p>
                <LanguageSwitch/>
            </section>
        </main>
    }
}
