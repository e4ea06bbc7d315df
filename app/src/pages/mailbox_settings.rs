use super::UserResource;
use crate::json_resource::json_resource;
use crate::{
    api::{
        mailboxes::{UpdateMailbox, UpdateMailboxPassword, mailbox_details},
        members::list_members,
        writing::{SetSignature, signature},
    },
    components::{
        CrmApplyQuestion, CrmChoice, CrmPreviewButton, CrmPreviewResults, FormError, PageTitle,
        SyncSettingsFields, crm_preview_request,
    },
    i18n::*,
    i18n_setup::{action_error, error_text},
};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

/// A mailbox's Settings, for its owner: sync settings, the password and the signature.
#[component]
pub fn MailboxSettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let UserResource(user) = expect_context();
    let params = use_params_map();
    let query = use_query_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or_default()
    };
    let update = ServerAction::<UpdateMailbox>::new();
    let password = ServerAction::<UpdateMailboxPassword>::new();
    let details = json_resource(
        move || (id(), update.version().get()),
        |(id, _)| mailbox_details(id),
    );
    let members = json_resource(|| (), |_| list_members());
    let saved = move || matches!(update.value().get(), Some(Ok(())));
    let password_saved = move || matches!(password.value().get(), Some(Ok(())));
    view! {
        <PageTitle text=|i18n| t_string!(i18n, mailbox_settings_title).to_string()/>
        <h1>{t!(i18n, mailbox_settings_title)}</h1>
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                let (d, me, members) = match (details.await, user.await, members.await) {
                    (Ok(d), Ok(u), Ok(m)) => (d, u, m),
                    (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                        return view! { <p role="alert" class="form-error">{error_text(i18n, &e)}</p> }.into_any();
                    }
                };
                let mailbox_id = d.view.id.to_string();
                let password_mailbox_id = mailbox_id.clone();
                // Automatic CRM links: a preview asked for (without JavaScript, the form's
                // choices come back in the address) and the question on turning them on.
                let crm_paid = me.plan.allows_crm_links();
                let saved_crm = (d.settings.crm_mode, d.settings.crm_create);
                let mut initial = d.settings.clone();
                if let Some((mode, create)) = crm_preview_request(&query.read_untracked()) {
                    (initial.crm_mode, initial.crm_create) = (mode, create);
                }
                let choice = CrmChoice::new(initial.crm_mode, initial.crm_create);
                let mailbox = d.view.id;
                view! {
                    <p class="lead"><strong>{d.view.email.clone()}</strong> " · " {d.imap.host.clone()} ":" {d.imap.port} " · " {d.smtp.host.clone()} ":" {d.smtp.port}</p>
                    {d.view.shared_suspended.then(|| view! { <p class="notice" role="note">{t!(i18n, shared_suspended)}</p> })}
                    {d.view.crm_suspended.then(|| view! { <p class="notice" role="note">{t!(i18n, crm_suspended)}</p> })}
                    <ActionForm action=update attr:class="stacked-form settings-form">
                        <input type="hidden" name="id" value=mailbox_id.clone()/>
                        <div class="crm-watch" on:change=move |ev| choice.observe(&ev)>
                            <SyncSettingsFields plan=me.plan me=me.id members folders=d.folders initial/>
                        </div>
                        {crm_paid.then(|| view! { <CrmApplyQuestion saved=saved_crm choice/> })}
                        <FormError error=action_error(update)/>
                        <Show when=saved><p class="form-ok" role="status">{t!(i18n, saved)}</p></Show>
                        <div class="settings-actions">
                            <button type="submit" class="primary">{t!(i18n, save)}</button>
                            {crm_paid.then(|| view! { <CrmPreviewButton choice/> })}
                        </div>
                    </ActionForm>
                    {crm_paid.then(|| view! { <CrmPreviewResults mailbox version=update.version()/> })}
                    // Signed in with Microsoft or Google: no password here (Reconnect is on
                    // Connected accounts).
                    {(d.view.auth == domain::AuthMethod::Password).then(move || view! {
                    <section class="card">
                        <h2>{t!(i18n, change_password)}</h2>
                        <p class="note">{t!(i18n, change_password_lead)}</p>
                        <ActionForm action=password attr:class="inline-form">
                            <input type="hidden" name="id" value=password_mailbox_id/>
                            <label>
                                {t!(i18n, new_password)}
                                <input type="password" name="password" required autocomplete="off"/>
                            </label>
                            <button type="submit">{t!(i18n, change_password)}</button>
                        </ActionForm>
                        <FormError error=action_error(password)/>
                        <Show when=password_saved><p class="form-ok" role="status">{t!(i18n, saved)}</p></Show>
                    </section>
                    })}
                    <SignatureForm mailbox=d.view.id/>
                }.into_any()
            })}
        </Suspense>
    }
}

/// The mailbox's signature: added below new messages, replies and forwards sent from it.
#[component]
fn SignatureForm(mailbox: i64) -> impl IntoView {
    let i18n = use_i18n();
    let set = ServerAction::<SetSignature>::new();
    let current = json_resource(|| (), move |_| signature(mailbox));
    let saved = move || matches!(set.value().get(), Some(Ok(())));
    view! {
        <section class="card signature">
            <h2>{t!(i18n, signature_title)}</h2>
            <p class="note">{t!(i18n, signature_lead)}</p>
            <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match current.await {
                        Ok(text) => view! {
                            <ActionForm action=set attr:class="stacked-form">
                                <input type="hidden" name="mailbox" value=mailbox/>
                                <label>
                                    {t!(i18n, signature_title)}
                                    <textarea name="text" rows="5" maxlength="2000">{text}</textarea>
                                </label>
                                <FormError error=action_error(set)/>
                                <Show when=saved><p class="form-ok" role="status">{t!(i18n, saved)}</p></Show>
                                <button type="submit">{t!(i18n, signature_save)}</button>
                            </ActionForm>
                        }.into_any(),
                        Err(err) => view! { <p role="alert" class="form-error">{error_text(i18n, &err)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
