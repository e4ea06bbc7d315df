//! The browser entry point: hydrate the server-rendered page.

use leptos::prelude::document;

/// Pages are loaded on demand (`app/src/pages/on_demand.rs`): hydration first awaits the
/// chunk of the page the server rendered, then walks the page. Only then, once the effects
/// it queued have run, is the body marked `data-hydrated` (what the end-to-end tests wait
/// for before they click).
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        leptos::task::tick().await;
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
