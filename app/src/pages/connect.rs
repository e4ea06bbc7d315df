use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;

/// Where the connection wizard will live.
#[component]
pub fn ConnectPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || t_string!(i18n, connect_title).to_string()/>
        <h1>{t!(i18n, connect_title)}</h1>
        <p>{t!(i18n, connect_placeholder)}</p>
        <a href="/mail">{t!(i18n, back_to_mail)}</a>
    }
}
