use super::message_card::MessageCard;
use crate::json_resource::JsonResource;
use crate::{error::AppError, i18n::*, i18n_setup::error_text};
use domain::Conversation;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

/// The right pane: the open conversation, oldest first, the newest (and the opened one)
/// expanded; or a hint when nothing is open.
#[component]
pub fn ReadingPane(opened: JsonResource<Result<Option<Conversation>, AppError>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="reading-pane" aria-live="polite">
            <Transition fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match opened.await {
                        Ok(Some(c)) => view! { <Thread c/> }.into_any(),
                        Ok(None) => view! { <p class="empty-state">{t!(i18n, reading_empty)}</p> }.into_any(),
                        Err(err) => view! { <p role="alert">{error_text(i18n, &err)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Thread(c: Conversation) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let path = use_location().pathname.get_untracked();
    let images = Memo::new(move |_| {
        query
            .read()
            .get("images")
            .and_then(|v| v.parse::<i64>().ok())
    });
    let newest = c.messages.last().map(|m| m.id);
    let count = c.messages.len();
    let subject = if c.subject.is_empty() {
        t_string!(i18n, no_subject).to_string()
    } else {
        c.subject.clone()
    };
    let back = path.clone();
    view! {
        <p class="back-to-list"><a href=back data-shortcut="u-back">{t!(i18n, back_to_list)}</a></p>
        <h1 class="thread-subject">{subject}</h1>
        {(count > 1).then(|| view! { <p class="muted">{t!(i18n, conversation_count, n = move || count)}</p> })}
        {c.messages.into_iter().map(|m| {
            let expanded = Some(m.id) == newest || m.id == c.opened;
            let here = format!("{path}?open={}", c.opened);
            let folders = c.folders.clone();
            let opened = c.opened;
            view! { <MessageCard m expanded images here folders opened/> }
        }).collect_view()}
    }
}
