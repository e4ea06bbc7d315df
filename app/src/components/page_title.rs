use crate::i18n::*;
use leptos::{prelude::*, text_prop::TextProp};
use leptos_i18n::I18nContext;
use leptos_meta::Title;

/// The document's `<title>` for a page, "<page> · Mail", in the current language. Use
/// this, never `<Title text=move || …>` with a closure that reads a signal.
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
///
/// The product's name is added here rather than by a `<Title formatter>` in the shell: the
/// shell hydrates before the page's own code has loaded (pages load on demand), and a title
/// there would blank the document's title until the page's chunk is in.
#[component]
pub fn PageTitle<F>(text: F) -> impl IntoView
where
    F: Fn(I18nContext<Locale>) -> String + Send + Sync + 'static,
{
    let i18n = use_i18n();
    let titled = move || format!("{} · Mail", text(i18n));
    let text: TextProp = if cfg!(feature = "ssr") {
        untrack(titled).into()
    } else {
        titled.into()
    };
    view! { <Title text/> }
}
