use crate::{api::writing::StartDraft, components::FormError, i18n::*, i18n_setup::action_error};
use leptos::prelude::*;
use leptos_router::components::A;

/// Communication Center → Mail, and the workspace settings. **Compose** starts a new
/// message from the user's first mailbox they may send from (a form: it works without
/// JavaScript; `c` presses it on the reading screen).
#[component]
pub fn SideNav() -> impl IntoView {
    let i18n = use_i18n();
    let start = ServerAction::<StartDraft>::new();
    view! {
        <nav class="side-nav" aria-label=move || t_string!(i18n, app_name).to_string()>
            <ActionForm action=start attr:class="compose-button">
                <input type="hidden" name="kind" value="new"/>
                <button type="submit" class="primary" data-shortcut="c">{t!(i18n, compose)}</button>
            </ActionForm>
            <FormError error=action_error(start)/>
            <p class="nav-section">{t!(i18n, nav_communication)}</p>
            <A href="/mail/inbox">{t!(i18n, all_inboxes)}</A>
            <A href="/mail/drafts">{t!(i18n, drafts_title)}</A>
            <A href="/mail">{t!(i18n, nav_mail)}</A>
            <A href="/mail/accounts">{t!(i18n, nav_accounts)}</A>
            <A href="/crm">{t!(i18n, crm_nav)}</A>
            <p class="nav-section">{t!(i18n, nav_workspace)}</p>
            <A href="/members">{t!(i18n, nav_members)}</A>
            <A href="/plan">{t!(i18n, nav_plan)}</A>
        </nav>
    }
}
