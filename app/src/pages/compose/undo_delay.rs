//! The undo-send delay: how long a sent message waits (and can be taken back) before the
//! server sends it. A small form; hydrated, choosing a value saves it at once.

use crate::{
    api::writing::SetUndoSeconds, components::FormError, i18n::*, i18n_setup::action_error,
};
use leptos::prelude::*;

/// The choices offered (the service takes any 0–30).
const CHOICES: [u32; 5] = [0, 5, 10, 20, 30];

#[component]
pub fn UndoDelay(seconds: u32) -> impl IntoView {
    let i18n = use_i18n();
    let set = ServerAction::<SetUndoSeconds>::new();
    let form = NodeRef::<leptos::html::Form>::new();
    let saved = move || matches!(set.value().get(), Some(Ok(())));
    view! {
        <ActionForm action=set node_ref=form attr:class="undo-delay inline-form">
            <label>
                {t!(i18n, undo_delay_label)}
                <select name="seconds" on:change=move |_| {
                    if let Some(form) = form.get() {
                        let _ = form.request_submit();
                    }
                }>
                    {CHOICES.into_iter().map(|s| view! {
                        <option value=s selected=s == seconds>{s} " " {t!(i18n, seconds_short)}</option>
                    }).collect_view()}
                </select>
            </label>
            <button type="submit" class="undo-delay-save">{t!(i18n, save)}</button>
            <Show when=saved><span class="form-ok" role="status">{t!(i18n, saved)}</span></Show>
            <FormError error=action_error(set)/>
        </ActionForm>
    }
}
