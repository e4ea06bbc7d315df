//! Rebuilds the app when a translation changes: `load_locales!` (src/lib.rs) reads
//! `locales/*.json` at compile time, which cargo does not otherwise know.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=locales");
}
