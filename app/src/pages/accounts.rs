use crate::json_resource::json_resource;
use crate::{
    api::mailboxes::list_mailboxes,
    components::{PageTitle, SignInError, SignInForm, SyncProgressPanel},
    i18n::*,
    i18n_setup::error_text,
};
use domain::{Access, AuthMethod, MailboxStatus, MailboxView};
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::hooks::use_query_map;

pub fn status_text(i18n: I18nContext<Locale>, status: MailboxStatus) -> String {
    match status {
        MailboxStatus::WaitingFirstSync => t_string!(i18n, status_waiting_first_sync).to_string(),
        MailboxStatus::Syncing => t_string!(i18n, status_syncing).to_string(),
        MailboxStatus::Ready => t_string!(i18n, status_ready).to_string(),
        MailboxStatus::NeedsReconnect => t_string!(i18n, status_needs_reconnect).to_string(),
        MailboxStatus::Failing => t_string!(i18n, status_failing).to_string(),
    }
}

/// Connected accounts: every mailbox the user owns or was granted. After **Reconnect**
/// the server sends the browser here with `?reconnected=<id>` or `?signin_error=`.
#[component]
pub fn AccountsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let reconnected = move || {
        query
            .read()
            .get("reconnected")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let mailboxes = json_resource(|| (), |_| list_mailboxes());
    view! {
        <PageTitle text=|i18n| t_string!(i18n, accounts_title).to_string()/>
        <div class="page-head">
            <h1>{t!(i18n, accounts_title)}</h1>
            <a class="button primary" href="/mail/connect">{t!(i18n, connect)}</a>
        </div>
        <SignInError/>
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                match mailboxes.await {
                    Ok(rows) if rows.is_empty() => view! { <p>{t!(i18n, accounts_empty)}</p> }.into_any(),
                    Ok(rows) => {
                        let done = reconnected()
                            .and_then(|id| rows.iter().find(|m| m.id == id))
                            .map(|m| m.email.clone());
                        view! {
                            {done.map(|email| view! {
                                <p class="form-ok reconnected" role="status">
                                    {t!(i18n, reconnected, email = move || email.clone())}
                                </p>
                            })}
                            <AccountsTable rows/>
                        }.into_any()
                    }
                    Err(err) => view! { <p role="alert">{error_text(i18n, &err)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AccountsTable(rows: Vec<MailboxView>) -> impl IntoView {
    let i18n = use_i18n();
    let when = |t: Option<domain::Timestamp>| t.map(domain::Timestamp::minute_text);
    view! {
        <div class="table-scroll">
        <table class="accounts">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, col_mailbox)}</th>
                    <th scope="col">{t!(i18n, col_address)}</th>
                    <th scope="col">{t!(i18n, col_provider)}</th>
                    <th scope="col">{t!(i18n, col_access)}</th>
                    <th scope="col">{t!(i18n, col_owner)}</th>
                    <th scope="col">{t!(i18n, col_status)}</th>
                    <th scope="col">{t!(i18n, col_last_sync)}</th>
                    <th scope="col">{t!(i18n, col_next_sync)}</th>
                    <th scope="col"><span class="visually-hidden">{t!(i18n, settings)}</span></th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|m| {
                    let last = when(m.last_sync_at);
                    let next = when(m.next_sync_at);
                    let id = m.id;
                    view! {
                        <tr data-mailbox=m.email.clone()>
                            <td>{m.name.clone()}</td>
                            <td>{m.email.clone()}</td>
                            <td>{m.provider.label()}</td>
                            <td>
                                {move || if m.access == Access::Shared { t_string!(i18n, access_shared).to_string() } else { t_string!(i18n, access_personal).to_string() }}
                                {m.shared_suspended.then(|| view! { <p class="notice" role="note">{t!(i18n, shared_suspended)}</p> })}
                                {m.crm_suspended.then(|| view! { <p class="notice" role="note">{t!(i18n, crm_suspended)}</p> })}
                            </td>
                            <td>{m.owner_name.clone()}</td>
                            <td class="status" data-status=m.status.as_str()>{move || status_text(i18n, m.status)}</td>
                            <td>{last.unwrap_or_else(|| t_string!(i18n, never).to_string())}</td>
                            <td>{next.unwrap_or_default()}</td>
                            <td class="actions">
                                {m.is_owner.then(|| view! { <OwnerActions m=m.clone()/> })}
                            </td>
                        </tr>
                        <tr class="progress-row">
                            <td colspan="9"><SyncProgressPanel mailbox=id actions=false/></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        </div>
    }
}

/// The owner's links, and what to do when the mailbox needs reconnecting: sign in again
/// (OAuth2), or a new password in Settings.
#[component]
fn OwnerActions(m: MailboxView) -> impl IntoView {
    let i18n = use_i18n();
    let needs = m.status == MailboxStatus::NeedsReconnect;
    let oauth = m.auth == AuthMethod::OAuth2 && m.provider.oauth().is_some();
    let provider = m.provider;
    view! {
        {(needs && oauth).then(|| view! { <p class="notice" role="note">{t!(i18n, reconnect_needed_oauth)}</p> })}
        {(needs && !oauth).then(|| view! { <p class="notice" role="note">{t!(i18n, err_needs_new_password)}</p> })}
        {oauth.then(|| view! { <SignInForm provider mailbox=m.id primary=needs/> })}
        <a href=format!("/mail/accounts/{}/settings", m.id)>{t!(i18n, settings)}</a>
        " "
        <a href=format!("/mail/accounts/{}/disconnect", m.id)>{t!(i18n, disconnect)}</a>
    }
}
