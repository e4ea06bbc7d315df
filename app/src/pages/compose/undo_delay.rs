//! The undo-send delay: how long a sent message waits (and can be taken back) before the
//! server sends it. The choice belongs to the compose form (`form=`): without JavaScript
//! it goes with **Send** and **Save draft** (this part's **Save** saves the draft with it),
//! so choosing it never loses what was typed; hydrated, choosing saves it at once.

use crate::{error::AppError, i18n::*, i18n_setup::error_text};
use leptos::{prelude::*, server_fn::ServerFn};

/// The choices offered (the service takes any 0–30).
const CHOICES: [u32; 5] = [0, 5, 10, 20, 30];

#[component]
pub fn UndoDelay(
    seconds: u32,
    /// The compose form's id.
    form: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let saved = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let on_change = move |ev: leptos::ev::Event| {
        let Ok(chosen) = event_target_value(&ev).parse::<u32>() else {
            return;
        };
        saved.set(false);
        error.set(None);
        leptos::task::spawn_local(async move {
            match crate::api::writing::set_undo_seconds(chosen).await {
                Ok(()) => saved.set(true),
                Err(err) => error.set(Some(err)),
            }
        });
    };
    view! {
        <div class="undo-delay inline-form">
            <label>
                {t!(i18n, undo_delay_label)}
                <select name="undo_seconds" form=form.clone() on:change=on_change>
                    {CHOICES.into_iter().map(|s| view! {
                        <option value=s selected=s == seconds>{s} " " {t!(i18n, seconds_short)}</option>
                    }).collect_view()}
                </select>
            </label>
            <button type="submit" class="undo-delay-save" form=form data-intent="save"
                formaction=crate::api::writing::SaveDraft::url()>{t!(i18n, save)}</button>
            <Show when=move || saved.get()><span class="form-ok" role="status">{t!(i18n, saved)}</span></Show>
            {move || error.get().map(|err| view! { <p class="form-error" role="alert">{error_text(i18n, &err)}</p> })}
        </div>
    }
}
