//! Glue between leptos_i18n's generated `Locale` and the product's `Language`, and the
//! localized text of every `AppError`.

use crate::{error::AppError, i18n::*};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_i18n::I18nContext;

/// The cookie leptos_i18n reads during SSR; the server sets it at login and on a switch.
pub const LANGUAGE_COOKIE: &str = "lang";

pub fn locale_of(language: domain::Language) -> Locale {
    match language {
        domain::Language::En => Locale::en,
        domain::Language::Uk => Locale::uk,
    }
}

pub fn language_of(locale: Locale) -> domain::Language {
    match locale {
        Locale::en => domain::Language::En,
        Locale::uk => domain::Language::Uk,
    }
}

/// What happened and what to do next, in the current language.
pub fn error_text(i18n: I18nContext<Locale>, err: &AppError) -> String {
    match err {
        AppError::NotSignedIn => t_string!(i18n, err_not_signed_in).to_string(),
        AppError::Forbidden => t_string!(i18n, err_forbidden).to_string(),
        AppError::WrongCredentials => t_string!(i18n, err_wrong_credentials).to_string(),
        AppError::RateLimited => t_string!(i18n, err_rate_limited).to_string(),
        AppError::EmailTaken => t_string!(i18n, err_email_taken).to_string(),
        AppError::Invalid { field, .. } => match field.as_str() {
            "email" => t_string!(i18n, err_invalid_email).to_string(),
            "password" => t_string!(i18n, err_invalid_password).to_string(),
            "name" | "workspace_name" => t_string!(i18n, err_invalid_name).to_string(),
            _ => t_string!(i18n, err_invalid).to_string(),
        },
        AppError::NotFound => t_string!(i18n, err_not_found).to_string(),
        AppError::Internal => t_string!(i18n, err_internal).to_string(),
        AppError::Request(_) => t_string!(i18n, err_network).to_string(),
    }
}

/// The error of an action's last run, for `<FormError>`.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}
