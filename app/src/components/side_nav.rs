use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::components::A;

/// Communication Center → Mail, and the workspace settings.
#[component]
pub fn SideNav() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="side-nav" aria-label=move || t_string!(i18n, app_name).to_string()>
            <p class="nav-section">{t!(i18n, nav_communication)}</p>
            <A href="/mail/inbox">{t!(i18n, all_inboxes)}</A>
            <A href="/mail">{t!(i18n, nav_mail)}</A>
            <A href="/mail/accounts">{t!(i18n, nav_accounts)}</A>
            <p class="nav-section">{t!(i18n, nav_workspace)}</p>
            <A href="/members">{t!(i18n, nav_members)}</A>
            <A href="/plan">{t!(i18n, nav_plan)}</A>
        </nav>
    }
}
