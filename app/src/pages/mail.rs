use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;

/// Communication Center → Mail. Empty until a mailbox is connected.
#[component]
pub fn MailPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || t_string!(i18n, mail_title).to_string()/>
        <h1>{t!(i18n, mail_title)}</h1>
        <section class="empty-state">
            <h2>{t!(i18n, mail_empty_title)}</h2>
            <p>{t!(i18n, mail_empty_lead)}</p>
            <a class="button primary" href="/mail/connect">{t!(i18n, connect)}</a>
        </section>
    }
}
