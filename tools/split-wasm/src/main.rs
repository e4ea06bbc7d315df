//! `split-wasm <frontend.wasm> <pkg dir> <main out.wasm>`: cuts the wasm that cargo built at its
//! `#[lazy]` split points (the page groups of `app/src/pages/on_demand.rs`), then writes the
//! main module's JavaScript bindings, as `wasm-bindgen --target web` would.
//!
//! The main module (written to `<main out.wasm>`) keeps the shell, the router and the
//! workspace frame; each group's own code, and the code groups share, goes to chunks in
//! `<pkg dir>`, fetched when a page of the group is first shown. The manifest
//! `__wasm_split_manifest.json` beside them tells the server which chunks a rendered page
//! needs, so it can ask the browser to preload them with the main module. The bindings
//! (`app.js`, `app_bg.wasm`) go to `<pkg dir>` too.

mod bindings;

use anyhow::{Context, Result, bail};
use std::path::PathBuf;

/// Where Leptos's `HydrationScripts` looks for the loader, and where the chunks import the
/// main module from.
const LINK_NAME: &str = "./__wasm_split.______________________.js";
const MAIN_MODULE: &str = "/pkg/app.js";
const MANIFEST: &str = "__wasm_split_manifest.json";

fn main() -> Result<()> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [input, pkg, main_out] = args.as_slice() else {
        bail!("usage: split-wasm <frontend.wasm> <pkg dir> <main out.wasm>");
    };
    let wasm = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    let mut options = wasm_split_cli_support::Options::new(&wasm);
    options.output_dir = pkg;
    options.main_out_path = main_out;
    options.link_name = LINK_NAME;
    options.main_module = MAIN_MODULE;
    let split = wasm_split_cli_support::transform(options)
        .map_err(|e| anyhow::anyhow!("{e:?}"))
        .context("cannot split the wasm")?;
    let manifest = serde_json::to_string_pretty(&split.prefetch_map)?;
    std::fs::write(pkg.join(MANIFEST), manifest).context("cannot write the split manifest")?;
    println!(
        "split {}: {} chunks, {} pages loaded on demand",
        input.display(),
        split.split_modules.len(),
        split.prefetch_map.len()
    );
    bindings::write(main_out, pkg)
}
