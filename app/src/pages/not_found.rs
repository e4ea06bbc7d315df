use crate::{components::PageTitle, i18n::*};
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <PageTitle text=|i18n| t_string!(i18n, not_found_title).to_string()/>
        <main class="auth-page">
            <p>{t!(i18n, not_found)}</p>
            <a href="/mail">{t!(i18n, back_to_mail)}</a>
        </main>
    }
}
