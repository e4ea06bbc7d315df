use crate::json_resource::json_resource;
use crate::{
    api::mailboxes::list_mailboxes,
    components::{PageTitle, ReconnectNotice, SyncProgressPanel},
    i18n::*,
    i18n_setup::error_text,
};
use leptos::prelude::*;

/// Communication Center → Mail: each mailbox with its live sync progress and its folders
/// (links to their message lists), or an empty state that leads to **Connect**.
#[component]
pub fn MailPage() -> impl IntoView {
    let i18n = use_i18n();
    let mailboxes = json_resource(|| (), |_| list_mailboxes());
    view! {
        <PageTitle text=|i18n| t_string!(i18n, mail_title).to_string()/>
        <div class="page-head">
            <h1>{t!(i18n, mail_title)}</h1>
            <a class="button" href="/mail/accounts">{t!(i18n, accounts_title)}</a>
        </div>
        <ReconnectNotice/>
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                match mailboxes.await {
                    Ok(rows) if rows.is_empty() => view! {
                        <section class="empty-state">
                            <h2>{t!(i18n, mail_empty_title)}</h2>
                            <p>{t!(i18n, mail_empty_lead)}</p>
                            <a class="button primary" href="/mail/connect">{t!(i18n, connect)}</a>
                        </section>
                    }.into_any(),
                    Ok(rows) => view! {
                        <p><a class="button primary" href="/mail/inbox">{t!(i18n, all_inboxes)}</a></p>
                        {rows.into_iter().map(|m| view! { <SyncProgressPanel mailbox=m.id/> }).collect_view()}
                        <p><a class="button" href="/mail/connect">{t!(i18n, connect)}</a></p>
                    }.into_any(),
                    Err(err) => view! { <p role="alert">{error_text(i18n, &err)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
