//! Automatic CRM links on a mailbox's Settings page: **Preview** of what the creation
//! rules would make from the mailbox's newest 100 messages, and the question "Apply to
//! mail already synced?" when the form turns automatic mode (or a creation rule) on.
//!
//! Without JavaScript, **Preview** submits the settings form as a GET to the page itself:
//! the page reads the CRM choices from the address (`crm_preview=1&settings[crm_…]`),
//! shows them in the form and lists the preview. Hydrated, the same button puts the form's
//! current choices in the address without reloading. The question is a radio pair in the
//! form (`apply_synced`); hydrated, it is shown only when it applies.

use crate::json_resource::json_resource;
use crate::{api::crm::crm_preview, i18n::*, i18n_setup::error_text};
use domain::{CrmCreate, CrmKind, CrmMode, PlannedRecord};
use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    hooks::{use_location, use_navigate, use_query_map},
    params::ParamsMap,
};

/// The form's CRM choices as the user changes them (before saving).
#[derive(Clone, Copy)]
pub struct CrmChoice {
    pub mode: RwSignal<CrmMode>,
    pub create: RwSignal<CrmCreate>,
}

/// Names of the form's creation checkboxes (`settings[…]`, see `SyncSettingsFields`).
const BOXES: [&str; 4] = [
    "crm_leads_in",
    "crm_contacts_in",
    "crm_leads_out",
    "crm_contacts_out",
];

fn flag<'a>(create: &'a mut CrmCreate, name: &str) -> Option<&'a mut bool> {
    match name {
        "crm_leads_in" => Some(&mut create.leads_from_incoming),
        "crm_contacts_in" => Some(&mut create.contacts_from_incoming),
        "crm_leads_out" => Some(&mut create.leads_from_outgoing),
        "crm_contacts_out" => Some(&mut create.contacts_from_outgoing),
        _ => None,
    }
}

impl CrmChoice {
    pub fn new(mode: CrmMode, create: CrmCreate) -> Self {
        CrmChoice {
            mode: RwSignal::new(mode),
            create: RwSignal::new(create),
        }
    }

    /// Follows a `change` event of the settings form (bubbled from its inputs).
    pub fn observe(&self, ev: &leptos::ev::Event) {
        let input = event_target::<leptos::web_sys::HtmlInputElement>(ev);
        let name = input.name();
        let Some(field) = name
            .strip_prefix("settings[")
            .and_then(|n| n.strip_suffix(']'))
        else {
            return;
        };
        if field == "crm_mode" {
            if let (true, Ok(mode)) = (input.checked(), input.value().parse()) {
                self.mode.set(mode);
            }
        } else if BOXES.contains(&field) {
            let on = input.checked();
            self.create.update(|c| {
                if let Some(f) = flag(c, field) {
                    *f = on;
                }
            });
        }
    }

    /// The address query of a preview of these choices.
    fn query(&self) -> String {
        let mut q = format!(
            "crm_preview=1&settings%5Bcrm_mode%5D={}",
            self.mode.get_untracked().as_str()
        );
        let mut create = self.create.get_untracked();
        for name in BOXES {
            if flag(&mut create, name).is_some_and(|f| *f) {
                q.push_str(&format!("&settings%5B{name}%5D=on"));
            }
        }
        q
    }
}

/// The CRM choices a preview was asked for in the address, if one was.
pub fn preview_request(query: &ParamsMap) -> Option<(CrmMode, CrmCreate)> {
    query.get("crm_preview")?;
    let mode = query
        .get("settings[crm_mode]")
        .and_then(|m| m.parse().ok())
        .unwrap_or(CrmMode::Automatic);
    let mut create = CrmCreate::default();
    for name in BOXES {
        if query.get(&format!("settings[{name}]")).is_some()
            && let Some(f) = flag(&mut create, name)
        {
            *f = true;
        }
    }
    Some((mode, create))
}

/// Whether saving would turn automatic mode, or one of its creation rules, on.
fn turns_on(saved: (CrmMode, CrmCreate), mode: CrmMode, create: CrmCreate) -> bool {
    let (old_mode, old) = saved;
    let added = (create.leads_from_incoming && !old.leads_from_incoming)
        || (create.contacts_from_incoming && !old.contacts_from_incoming)
        || (create.leads_from_outgoing && !old.leads_from_outgoing)
        || (create.contacts_from_outgoing && !old.contacts_from_outgoing);
    mode == CrmMode::Automatic && (old_mode != CrmMode::Automatic || added)
}

/// "Apply to mail already synced?": always there without JavaScript (the server asks
/// only when the save turns automatic creation on); hydrated, shown only then.
#[component]
pub fn CrmApplyQuestion(saved: (CrmMode, CrmCreate), choice: CrmChoice) -> impl IntoView {
    let i18n = use_i18n();
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let asked = move || turns_on(saved, choice.mode.get(), choice.create.get());
    view! {
        <fieldset class="choice crm-apply" hidden=move || hydrated.get() && !asked()>
            <legend>{t!(i18n, crm_auto_apply_question)}</legend>
            <p class="note">{t!(i18n, crm_auto_apply_hint)}</p>
            <label class="check">
                <input type="radio" name="apply_synced" value="no" checked/>
                {t!(i18n, crm_auto_apply_no)}
            </label>
            <label class="check">
                <input type="radio" name="apply_synced" value="yes"/>
                {t!(i18n, crm_auto_apply_yes)}
            </label>
        </fieldset>
    }
}

/// **Preview**: after the form's Save button, so Enter in a field still saves.
#[component]
pub fn CrmPreviewButton(choice: CrmChoice) -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let navigate = use_navigate();
    let path = location.pathname.get_untracked();
    let go = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let to = format!("{}?{}", location.pathname.get_untracked(), choice.query());
        navigate(
            &to,
            NavigateOptions {
                scroll: false,
                ..Default::default()
            },
        );
    };
    view! {
        <button type="submit" name="crm_preview" value="1" formmethod="get" formaction=path
            formnovalidate class="crm-preview-button" on:click=go>
            {t!(i18n, crm_auto_preview)}
        </button>
    }
}

/// The preview asked for in the address: what would be made, or that nothing would.
/// Looked at again when `version` changes (the settings were saved).
#[component]
pub fn CrmPreviewResults(mailbox: i64, #[prop(into)] version: Signal<usize>) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let asked = Memo::new(move |_| preview_request(&query.read()));
    let found = json_resource(
        move || (asked.get(), version.get()),
        move |(asked, _)| async move {
            match asked {
                Some((_, create)) => crm_preview(mailbox, create).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(None) => ().into_any(),
                    Ok(Some(records)) => view! { <PreviewList records/> }.into_any(),
                    Err(err) => view! {
                        <p role="alert" class="form-error">{error_text(i18n, &err)}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PreviewList(records: Vec<PlannedRecord>) -> impl IntoView {
    let i18n = use_i18n();
    let count = records.len();
    let kind = move |k: CrmKind| match k {
        CrmKind::Contact => t_string!(i18n, crm_auto_kind_contact).to_string(),
        CrmKind::Company => t_string!(i18n, crm_auto_kind_company).to_string(),
        CrmKind::Lead => t_string!(i18n, crm_auto_kind_lead).to_string(),
        CrmKind::Deal => t_string!(i18n, crm_auto_kind_deal).to_string(),
    };
    view! {
        <section class="card crm-preview" id="crm-preview" aria-live="polite">
            <h2>{t!(i18n, crm_auto_preview_title)}</h2>
            <p class="note">{t!(i18n, crm_auto_preview_lead)}</p>
            {if records.is_empty() {
                view! { <p class="crm-preview-none">{t!(i18n, crm_auto_preview_none)}</p> }.into_any()
            } else {
                view! {
                    <p>{t!(i18n, crm_auto_preview_count, count = move || count)}</p>
                    <ul class="crm-preview-list">
                        {records.into_iter().map(|r| view! {
                            <li data-kind=r.kind.as_str()>
                                <span class="crm-preview-kind">{move || kind(r.kind)}</span> " "
                                <strong>{r.name.clone()}</strong> " "
                                <span class="muted">{r.email.clone()}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
