use crate::{error::AppError, i18n::use_i18n, i18n_setup::error_text};
use leptos::prelude::*;

/// An action's error, announced to screen readers.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        error
            .get()
            .map(|err| view! { <p class="form-error" role="alert">{error_text(i18n, &err)}</p> })
    }
}
