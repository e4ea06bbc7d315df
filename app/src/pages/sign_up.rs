use crate::{
    api::auth::SignUp,
    components::{FormError, LanguageSwitch, PageTitle},
    i18n::*,
    i18n_setup::{action_error, language_of},
};
use leptos::prelude::*;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SignUp>::new();
    view! {
        <PageTitle text=|i18n| t_string!(i18n, sign_up_title).to_string()/>
        <main class="auth-page">
            <section class="auth-card">
                <h1>{t!(i18n, sign_up_title)}</h1>
                <p class="lead">{t!(i18n, sign_up_lead)}</p>
                <ActionForm action=action attr:class="stacked-form">
                    <input type="hidden" name="language" value=move || language_of(i18n.get_locale()).code()/>
                    <label>
                        {t!(i18n, workspace_name)}
                        <input type="text" name="workspace_name" required maxlength="120" autocomplete="organization"/>
                    </label>
                    <label>
                        {t!(i18n, your_name)}
                        <input type="text" name="name" required maxlength="120" autocomplete="name"/>
                    </label>
                    <label>
                        {t!(i18n, email)}
                        <input type="email" name="email" required autocomplete="username"/>
                    </label>
                    <label>
                        {t!(i18n, password)}
                        <input type="password" name="password" required minlength="8" autocomplete="new-password" aria-describedby="password-hint"/>
                        <small id="password-hint">{t!(i18n, password_hint)}</small>
                    </label>
                    <FormError error=action_error(action)/>
                    <button type="submit" class="primary">{t!(i18n, sign_up_submit)}</button>
                </ActionForm>
                <p class="auth-switch">
                    {t!(i18n, have_account)} " " <a href="/login">{t!(i18n, log_in_submit)}</a>
                </p>
                <LanguageSwitch/>
            </section>
        </main>
    }
}
