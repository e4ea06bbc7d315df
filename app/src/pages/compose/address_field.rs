//! An address list (To, Cc, Bcc) with completion from the people the user has
//! corresponded with: a plain text input, and hydrated, a `<datalist>` of suggestions for
//! the address being typed (after the last comma). Each suggestion is the whole list with
//! that address completed, so choosing one keeps the addresses before it.

use crate::{api::writing::suggest_addresses, i18n::*};
use domain::split_last_address;
use leptos::prelude::*;

#[component]
pub fn AddressField(
    name: &'static str,
    label: String,
    /// What the server holds (the input's value in the page).
    initial: String,
    /// Follows the input while hydrated.
    value: RwSignal<String>,
    on_edit: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let list_id = format!("suggest-{name}");
    let options = RwSignal::new(Vec::<(String, String)>::new());
    let asked = StoredValue::new(0u32);
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        value.set(text.clone());
        on_edit.run(());
        let (before, token) = split_last_address(&text);
        let token = token.trim().to_owned();
        if token.chars().count() < 2 || token.contains('<') {
            options.set(Vec::new());
            return;
        }
        asked.update_value(|n| *n = n.wrapping_add(1));
        let mine = asked.get_value();
        let before = before.to_owned();
        leptos::task::spawn_local(async move {
            let Ok(found) = suggest_addresses(token).await else {
                return;
            };
            // An older answer arriving late never replaces a newer one.
            if asked.get_value() != mine {
                return;
            }
            options.set(
                found
                    .into_iter()
                    .map(|s| {
                        let person = if s.name.is_empty() {
                            s.address.clone()
                        } else {
                            format!("{} <{}>", s.name, s.address)
                        };
                        (format!("{before}{person}, "), person)
                    })
                    .collect(),
            );
        });
    };
    let hint = move || t_string!(i18n, addresses_hint).to_string();
    view! {
        <label class="compose-row">
            <span>{label}</span>
            <input type="text" name=name value=initial list=list_id.clone() autocomplete="off"
                spellcheck="false" maxlength="20000" title=hint on:input=on_input/>
        </label>
        <datalist id=list_id>
            <For each=move || options.get() key=|o| o.0.clone() let((full, person))>
                <option value=full label=person></option>
            </For>
        </datalist>
    }
}
