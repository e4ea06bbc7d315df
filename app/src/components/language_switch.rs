use crate::{
    api::profile::SetLanguage,
    i18n::*,
    i18n_setup::{language_of, locale_of},
};
use leptos::prelude::*;

/// Two one-button forms (they work without JavaScript); hydrated, the page switches at once.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SetLanguage>::new();
    Effect::new(move |_| {
        if let Some(Ok(language)) = action.value().get() {
            i18n.set_locale(locale_of(language));
        }
    });
    let option = move |language: domain::Language, label: &'static str| {
        let current = move || language_of(i18n.get_locale()) == language;
        view! {
            <ActionForm action=action attr:class="language-option">
                <input type="hidden" name="language" value=language.code()/>
                <button type="submit" lang=language.code() aria-pressed=move || current().to_string()>
                    {label}
                </button>
            </ActionForm>
        }
    };
    view! {
        <div class="language-switch" role="group" aria-label=move || t_string!(i18n, language).to_string()>
            {option(domain::Language::Uk, "Українська")}
            {option(domain::Language::En, "English")}
        </div>
    }
}
