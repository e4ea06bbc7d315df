//! The main module's JavaScript bindings: what
//! `wasm-bindgen --target web --no-typescript --keep-lld-exports --out-name app` writes, done
//! by the library that CLI is built on. Here it is built with the rest of the workspace,
//! in the dev profile, instead of a separate `cargo install` of the CLI (3.5 minutes of
//! release build on a fresh machine).

use anyhow::{Context, Result};
use std::path::Path;

/// Writes `app.js` and `app_bg.wasm` for `main_module` into `pkg`.
pub fn write(main_module: &Path, pkg: &Path) -> Result<()> {
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .web(true)
        .context("cannot target the web")?
        .input_path(main_module)
        .out_name("app")
        .typescript(false)
        // The chunks import the main module's function table and memory.
        .keep_lld_exports(true)
        // As the CLI: the generated `init` defaults to `app_bg.wasm` beside `app.js`.
        .omit_default_module_path(false)
        .generate(pkg)
        .with_context(|| format!("cannot write the bindings of {}", main_module.display()))?;
    println!("bindings: {}", pkg.join("app.js").display());
    Ok(())
}
