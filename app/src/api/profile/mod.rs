mod set_language;

pub use set_language::{SetLanguage, set_language};
