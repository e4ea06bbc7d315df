use super::LanguageSwitch;
use crate::{api::auth::LogOut, i18n::*, pages::plan_name};
use domain::CurrentUser;
use leptos::prelude::*;

/// The workspace name and plan, and the user menu: who is signed in, language, log out.
#[component]
pub fn TopBar(user: CurrentUser) -> impl IntoView {
    let i18n = use_i18n();
    let log_out = ServerAction::<LogOut>::new();
    let plan = user.plan;
    view! {
        <header class="top-bar">
            <a class="brand" href="/mail">{t!(i18n, app_name)}</a>
            <span class="workspace-name">{user.workspace_name.clone()}</span>
            <span class="plan-badge" data-plan=plan.as_str()>{move || plan_name(i18n, plan)}</span>
            <details class="user-menu">
                <summary>
                    <span class="user-name">{user.name.clone()}</span>
                </summary>
                <div class="user-menu-body">
                    <p class="user-email">{user.email.clone()}</p>
                    <LanguageSwitch/>
                    <ActionForm action=log_out>
                        <button type="submit" class="link-button">{t!(i18n, log_out)}</button>
                    </ActionForm>
                </div>
            </details>
        </header>
    }
}
