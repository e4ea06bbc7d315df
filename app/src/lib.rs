//! The Leptos app: the page shell, routes, pages and components, and the server-function
//! declarations the browser calls. Built twice: `ssr` for the server, `hydrate` for wasm.

#![recursion_limit = "256"]

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

pub mod api;
mod components;
pub mod error;
mod i18n_setup;
pub mod json_resource;
mod pages;
mod shell;

pub use shell::{App, shell};
