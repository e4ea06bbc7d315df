use crate::json_resource::json_resource;
use crate::{api::mailboxes::list_mailboxes, i18n::*};
use domain::{MailboxStatus, MailboxView};
use leptos::prelude::*;

/// Tells the owner which of their mailboxes need reconnecting (a revoked or expired
/// sign-in, or a refused password) and leads to Connected accounts. Nothing otherwise.
#[component]
pub fn ReconnectNotice() -> impl IntoView {
    let i18n = use_i18n();
    let mailboxes = json_resource(|| (), |_| list_mailboxes());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let stuck: Vec<MailboxView> = mailboxes
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|m| m.is_owner && m.status == MailboxStatus::NeedsReconnect)
                    .collect();
                if stuck.is_empty() {
                    return ().into_any();
                }
                view! {
                    <div class="reconnect-notices">
                        {stuck.into_iter().map(|m| {
                            let email = m.email.clone();
                            view! {
                                <p class="notice" role="alert" data-mailbox=m.email.clone()>
                                    {t!(i18n, reconnect_notice, email = move || email.clone())} " "
                                    <a href="/mail/accounts">{t!(i18n, reconnect_notice_link)}</a>
                                </p>
                            }
                        }).collect_view()}
                    </div>
                }
                .into_any()
            })}
        </Transition>
    }
}
