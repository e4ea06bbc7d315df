//! The Leptos app: the page shell, routes, pages and components, and the server-function
//! declarations the browser calls. Built twice: `ssr` for the server, `hydrate` for wasm.

#![recursion_limit = "256"]

/// The `i18n` module (`Locale`, the keys, `t!`): generated at compile time from
/// `locales/*.json` by leptos_i18n's macro. Its newer build-script generator
/// (`leptos_i18n_build`) would do the same but pulls ICU's data generator into every
/// build (62 more crates before the app can compile: README § Dependencies); the macro
/// is marked deprecated in 0.6 in favour of that generator, not removed.
#[allow(deprecated)]
mod translations {
    leptos_i18n::load_locales!();
}
pub use translations::i18n;

pub mod api;
mod components;
pub mod error;
mod i18n_setup;
pub mod json_resource;
mod pages;
mod shell;

pub use shell::{App, shell};
