use super::accounts::status_text;
use crate::{api::mailboxes::list_mailboxes, i18n::*, i18n_setup::error_text};
use leptos::prelude::*;
use leptos_meta::Title;

/// Communication Center → Mail: the user's mailboxes (the message list arrives with the
/// sync), or an empty state that leads to **Connect**.
#[component]
pub fn MailPage() -> impl IntoView {
    let i18n = use_i18n();
    let mailboxes = Resource::new(|| (), |_| list_mailboxes());
    view! {
        <Title text=move || t_string!(i18n, mail_title).to_string()/>
        <h1>{t!(i18n, mail_title)}</h1>
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
                        <ul class="mailbox-list">
                            {rows.into_iter().map(|m| view! {
                                <li>
                                    <strong>{m.name}</strong> " " <span class="muted">{m.email}</span>
                                    " · " <span class="status" data-status=m.status.as_str()>{move || status_text(i18n, m.status)}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                        <p>
                            <a class="button primary" href="/mail/connect">{t!(i18n, connect)}</a> " "
                            <a class="button" href="/mail/accounts">{t!(i18n, accounts_title)}</a>
                        </p>
                    }.into_any(),
                    Err(err) => view! { <p role="alert">{error_text(i18n, &err)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
