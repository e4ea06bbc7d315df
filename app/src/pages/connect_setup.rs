use super::UserResource;
use crate::json_resource::json_resource;
use crate::{
    api::{
        mailboxes::{ConnectMailbox, load_draft},
        members::list_members,
    },
    components::{FormError, PageTitle, SyncSettingsFields},
    i18n::*,
    i18n_setup::{action_error, error_text},
};
use domain::{Access, CrmCreate, CrmMode, MailboxSettings, SyncPeriod};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// Step C of the wizard: sync settings, then **Connect**.
#[component]
pub fn ConnectSetupPage() -> impl IntoView {
    let i18n = use_i18n();
    let UserResource(user) = expect_context();
    let params = use_params_map();
    let draft_id = move || params.read().get("draft").unwrap_or_default();
    let draft = json_resource(draft_id, load_draft);
    let members = json_resource(|| (), |_| list_members());
    let connect = ServerAction::<ConnectMailbox>::new();
    view! {
        <PageTitle text=|i18n| t_string!(i18n, setup_title).to_string()/>
        <h1>{t!(i18n, setup_title)}</h1>
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                let (draft, me, members) = (draft.await, user.await, members.await);
                let (draft, me, members) = match (draft, me, members) {
                    (Ok(d), Ok(u), Ok(m)) => (d, u, m),
                    (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                        return view! {
                            <p role="alert">{error_text(i18n, &e)}</p>
                            <a href="/mail/connect">{t!(i18n, connect_title)}</a>
                        }.into_any();
                    }
                };
                let initial = MailboxSettings {
                    sender_name: me.name.clone(),
                    mailbox_name: draft.email.clone(),
                    access: Access::Personal,
                    grantees: vec![],
                    crm_mode: CrmMode::Off,
                    crm_create: CrmCreate::default(),
                    period: SyncPeriod::Month,
                    folders: vec![],
                };
                view! {
                    <p class="lead">{t!(i18n, setup_lead)} " " <strong>{draft.email.clone()}</strong></p>
                    <ActionForm action=connect attr:class="stacked-form settings-form">
                        <input type="hidden" name="draft" value=draft_id()/>
                        <SyncSettingsFields plan=me.plan me=me.id members folders=draft.folders initial/>
                        <FormError error=action_error(connect)/>
                        <button type="submit" class="primary">{t!(i18n, connect)}</button>
                    </ActionForm>
                }.into_any()
            })}
        </Suspense>
    }
}
