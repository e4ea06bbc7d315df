use crate::i18n::*;
use leptos::{prelude::*, text_prop::TextProp};
use leptos_i18n::I18nContext;
use leptos_meta::Title;

/// The document's `<title>` for a page, in the current language. Use this, never
/// `<Title text=move || …>` with a closure that reads a signal.
///
/// Why: on the server leptos_meta writes `<title>` only after the whole page is rendered,
/// from `inject_meta_context`, which leptos_axum (leptos_integration_utils `from_app`)
/// runs outside the request's reactive arena (`Sandboxed`) and after a yield. A text
/// closure that reads a signal there looks its id up in the arena the worker thread
/// polled last — under load another request's — and panics "already disposed" (the
/// connection drops), or reads the other request's value. So on the server the text is
/// computed here, once and untracked, while the page's owner and arena are current, and
/// handed over as a plain string. In the browser it stays reactive: a language switch
/// retitles the page.
#[component]
pub fn PageTitle<F>(text: F) -> impl IntoView
where
    F: Fn(I18nContext<Locale>) -> String + Send + Sync + 'static,
{
    let i18n = use_i18n();
    let text: TextProp = if cfg!(feature = "ssr") {
        untrack(|| text(i18n)).into()
    } else {
        (move || text(i18n)).into()
    };
    view! { <Title text/> }
}
