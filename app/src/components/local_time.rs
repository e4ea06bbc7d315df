use crate::i18n::*;
use domain::Timestamp;
use leptos::prelude::*;

/// A date and time: rendered on the server in UTC (`minute_text`), then, once hydrated,
/// in the browser's time zone and the user's language (`Intl` through `toLocaleString`).
#[component]
pub fn LocalTime(at: Timestamp) -> impl IntoView {
    let i18n = use_i18n();
    let text = RwSignal::new(at.minute_text());
    // Effects run in the browser only, after hydration: no mismatch with the server's text.
    Effect::new(move |_| {
        let language = i18n.get_locale().to_string();
        if let Some(local) = browser::local_text(at, &language) {
            text.set(local);
        }
    });
    view! { <time datetime=at.machine_text()>{move || text.get()}</time> }
}

#[cfg(feature = "hydrate")]
mod browser {
    use domain::Timestamp;
    use leptos::{wasm_bindgen::JsValue, web_sys::js_sys};

    pub fn local_text(at: Timestamp, language: &str) -> Option<String> {
        let date = js_sys::Date::new(&JsValue::from_f64(at.0 as f64 * 1000.0));
        let options = js_sys::Object::new();
        for (key, value) in [
            ("year", "numeric"),
            ("month", "short"),
            ("day", "numeric"),
            ("hour", "2-digit"),
            ("minute", "2-digit"),
        ] {
            js_sys::Reflect::set(&options, &key.into(), &value.into()).ok()?;
        }
        date.to_locale_string(language, &options).as_string()
    }
}

#[cfg(not(feature = "hydrate"))]
mod browser {
    pub fn local_text(_: domain::Timestamp, _: &str) -> Option<String> {
        None
    }
}
