//! Where the draft is on its way out: the undo-send countdown with **Undo**, sending,
//! sent (with the way back to its conversation), or why it did not go — per recipient
//! where the server said so. Hydrated, the countdown runs and the page follows the draft
//! until it is sent or failed; without JavaScript, a **Refresh** link does.

use super::now_secs;
use crate::{
    api::writing::UndoSend,
    components::{FormError, LocalTime},
    i18n::*,
    i18n_setup::{action_error, send_problem_text},
};
use domain::{ComposeView, SendState, SentCopy};
use leptos::prelude::*;
use std::time::Duration;

#[component]
pub fn StateBanner(v: ComposeView, reload: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let id = v.id;
    let now = RwSignal::new(now_secs());
    let moving = matches!(v.state, SendState::Queued | SendState::Sending);
    if moving {
        // Tick the countdown; once it is over (or while sending), look at the draft again.
        let send_at = v.send_at.map(|t| t.0);
        let sending = v.state == SendState::Sending;
        Effect::new(move |_| {
            let handle = set_interval_with_handle(
                move || {
                    let t = now_secs();
                    now.try_set(t);
                    if sending || send_at.is_none_or(|at| t >= at) {
                        reload.try_update(|n| *n += 1);
                    }
                },
                Duration::from_secs(1),
            );
            if let Ok(handle) = handle {
                on_cleanup(move || handle.clear());
            }
        });
    }
    let undo = expect_context::<ServerAction<UndoSend>>();
    match v.state {
        SendState::Editing => ().into_any(),
        SendState::Discarded => view! {
            <p class="send-state notice" role="status">{t!(i18n, state_discarded)}</p>
        }
        .into_any(),
        SendState::Queued => {
            let send_at = v.send_at.map(|t| t.0).unwrap_or_default();
            let left = move || (send_at - now.get()).max(0);
            view! {
                <section class="send-state queued notice" role="status">
                    <p>
                        <strong>{t!(i18n, send_queued)}</strong> " "
                        <span class="countdown">{t!(i18n, sending_in)} " " {left} " " {t!(i18n, seconds_short)}</span>
                    </p>
                    <ActionForm action=undo attr:class="inline">
                        <input type="hidden" name="draft" value=id/>
                        <button type="submit" class="primary">{t!(i18n, undo_send)}</button>
                    </ActionForm>
                    " "
                    <a href=format!("/mail/drafts/{id}") class="refresh">{t!(i18n, refresh)}</a>
                    <FormError error=action_error(undo)/>
                </section>
            }
            .into_any()
        }
        SendState::Sending => view! {
            <section class="send-state sending notice" role="status">
                <p><strong>{t!(i18n, send_sending)}</strong> " "
                <a href=format!("/mail/drafts/{id}") class="refresh">{t!(i18n, refresh)}</a></p>
            </section>
        }
        .into_any(),
        SendState::Sent => {
            let back = v
                .source_message
                .map(|m| format!("/mail/inbox?open={m}"))
                .unwrap_or_else(|| "/mail/inbox".to_owned());
            view! {
                <section class="send-state sent form-ok" role="status">
                    <p>
                        <strong>{t!(i18n, send_sent)}</strong> " "
                        {v.sent_at.map(|at| view! { <LocalTime at/> })} " "
                        <a href=back>{t!(i18n, back_to_conversation)}</a>
                    </p>
                    {match v.sent_copy {
                        SentCopy::Fine => ().into_any(),
                        SentCopy::Later(at) => view! {
                            <p class="sent-copy muted">
                                {t!(i18n, sent_copy_later)} " "
                                {at.map(|at| view! { {t!(i18n, retry_at)} " " <LocalTime at/> })}
                            </p>
                        }
                        .into_any(),
                        SentCopy::GivenUp => view! {
                            <p class="sent-copy">{t!(i18n, sent_copy_given_up)}</p>
                        }
                        .into_any(),
                    }}
                </section>
            }
            .into_any()
        }
        SendState::Failed | SendState::Unconfirmed => {
            let failure = v.failure.clone();
            let unconfirmed = v.state == SendState::Unconfirmed;
            view! {
                <section class="send-state failed form-error" role="alert">
                    <p><strong>{if unconfirmed { t_string!(i18n, send_unconfirmed) } else { t_string!(i18n, send_failed) }}</strong></p>
                    {failure.map(|f| {
                        let retry_at = f.retry_at;
                        view! {
                            <p class="send-problem">{send_problem_text(i18n, &f.problem)}</p>
                            {(!f.recipients.is_empty()).then(|| view! {
                                <ul class="rejected">
                                    {f.recipients.into_iter().map(|r| view! {
                                        <li><strong class="rejected-address">{r.address}</strong> " — " <span class="server-text">{r.server_text}</span></li>
                                    }).collect_view()}
                                </ul>
                            })}
                            {retry_at.map(|at| view! { <p class="muted">{t!(i18n, retry_at)} " " <LocalTime at/></p> })}
                        }
                    })}
                    <p class="muted">{t!(i18n, send_failed_kept)}</p>
                </section>
            }
            .into_any()
        }
    }
}
