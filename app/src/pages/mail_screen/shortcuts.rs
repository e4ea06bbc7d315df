use crate::i18n::*;
use leptos::prelude::*;

/// Keyboard shortcuts of the reading screen (hydrated only), listed on `?`:
/// `j`/`k` next/previous message, `o`/Enter open, `e` archive, `#` delete, `s` star,
/// `U` mark unread, `/` search, `r` reply, `a` reply all, `f` forward, `c` compose,
/// Esc back to the list.
/// Each action presses the button or link marked `data-shortcut`, so a shortcut does
/// exactly what the visible control does.
#[component]
pub fn Shortcuts() -> impl IntoView {
    let i18n = use_i18n();
    let help = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if keys::handle(&ev, help) {
                ev.prevent_default();
            }
        });
        on_cleanup(move || handle.remove());
    }
    let rows = move || {
        [
            ("j", t_string!(i18n, shortcut_next).to_string()),
            ("k", t_string!(i18n, shortcut_prev).to_string()),
            ("o", t_string!(i18n, shortcut_open).to_string()),
            ("e", t_string!(i18n, shortcut_archive).to_string()),
            ("#", t_string!(i18n, shortcut_delete).to_string()),
            ("s", t_string!(i18n, shortcut_star).to_string()),
            ("U", t_string!(i18n, shortcut_unread).to_string()),
            ("/", t_string!(i18n, shortcut_search).to_string()),
            ("r", t_string!(i18n, shortcut_reply).to_string()),
            ("a", t_string!(i18n, shortcut_reply_all).to_string()),
            ("f", t_string!(i18n, shortcut_forward).to_string()),
            ("c", t_string!(i18n, shortcut_compose).to_string()),
            ("Esc", t_string!(i18n, shortcut_back).to_string()),
            ("?", t_string!(i18n, shortcut_help).to_string()),
        ]
    };
    view! {
        <Show when=move || help.get()>
            <div class="shortcut-help" role="dialog" aria-modal="false" aria-labelledby="shortcut-help-title">
                <h2 id="shortcut-help-title">{t!(i18n, shortcuts_title)}</h2>
                <dl>
                    {rows().into_iter().map(|(key, what)| view! { <dt><kbd>{key}</kbd></dt><dd>{what}</dd> }).collect_view()}
                </dl>
                <button type="button" on:click=move |_| help.set(false)>{t!(i18n, close)}</button>
            </div>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
mod keys {
    use leptos::{prelude::*, wasm_bindgen::JsCast, web_sys};

    /// Handles one key press; true when it was a shortcut.
    pub fn handle(ev: &web_sys::KeyboardEvent, help: RwSignal<bool>) -> bool {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || typing(ev) {
            return false;
        }
        match ev.key().as_str() {
            "?" => {
                help.update(|h| *h = !*h);
                true
            }
            "Escape" if help.get_untracked() => {
                help.set(false);
                true
            }
            "Escape" => press("[data-shortcut='u-back']"),
            "j" | "ArrowDown" => step(1),
            "k" | "ArrowUp" => step(-1),
            "o" | "Enter" => press(".message-list li.selected a"),
            "/" => focus("[data-shortcut='/']"),
            "e" => press(&on_open("e")),
            "#" | "Delete" => press(&on_open("#")),
            "s" => press(&on_open("s")),
            "U" => press(&on_open("U")),
            "r" => press(&on_open("r")),
            "a" => press(&on_open("a")),
            "f" => press(&on_open("f")),
            "c" => press(".side-nav [data-shortcut='c']"),
            _ => false,
        }
    }

    /// The button for `key` on the card of the message the address opens: while the pane
    /// still shows the previous conversation, nothing matches and nothing happens.
    fn on_open(key: &str) -> String {
        let open = window()
            .location()
            .search()
            .ok()
            .and_then(|q| {
                q.trim_start_matches('?')
                    .split('&')
                    .find_map(|pair| pair.strip_prefix("open=").map(str::to_owned))
            })
            .filter(|id| id.bytes().all(|b| b.is_ascii_digit()))
            .unwrap_or_default();
        format!(".reading-pane article[data-message='{open}'] [data-shortcut='{key}']")
    }

    fn typing(ev: &web_sys::KeyboardEvent) -> bool {
        ev.target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
    }

    fn element(selector: &str) -> Option<web_sys::HtmlElement> {
        document()
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
    }

    fn press(selector: &str) -> bool {
        element(selector).map(|el| el.click()).is_some()
    }

    fn focus(selector: &str) -> bool {
        element(selector).map(|el| el.focus().is_ok()).is_some()
    }

    /// Moves the selection `by` lines; when a conversation is open, opens the next one.
    fn step(by: i32) -> bool {
        let Ok(lines) = document().query_selector_all(".message-list li") else {
            return false;
        };
        let len = lines.length();
        if len == 0 {
            return false;
        }
        let items: Vec<web_sys::Element> = (0..len)
            .filter_map(|i| lines.item(i).and_then(|n| n.dyn_into().ok()))
            .collect();
        let at = items
            .iter()
            .position(|el| el.class_list().contains("selected"))
            .or_else(|| {
                items
                    .iter()
                    .position(|el| el.class_list().contains("current"))
            });
        let next = match at {
            Some(at) => (at as i32 + by).clamp(0, len as i32 - 1) as usize,
            None => 0,
        };
        for el in &items {
            let _ = el.class_list().remove_1("selected");
        }
        let Some(target) = items.get(next) else {
            return false;
        };
        let _ = target.class_list().add_1("selected");
        if let Some(link) = target
            .query_selector("a")
            .ok()
            .flatten()
            .and_then(|a| a.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = link.focus();
            if document()
                .query_selector(".message-list li.current")
                .ok()
                .flatten()
                .is_some()
            {
                link.click();
            }
        }
        true
    }
}
