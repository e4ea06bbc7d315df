//! What the CRM pages share: the kind and id in the address, names of kinds and stages,
//! the section tabs, owner choices, and errors in words (an address or domain of another
//! record named).

use crate::{error::AppError, i18n::*, i18n_setup::error_text};
use domain::{CrmKind, OwnerRef, RecordRef};
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::{components::A, hooks::use_params_map};

/// The kind in the address (`/crm/companies/…`); `/crm` alone is contacts. None for an
/// unknown section.
pub fn kind_param() -> Memo<Option<CrmKind>> {
    let params = use_params_map();
    Memo::new(move |_| match params.read().get("kind") {
        Some(kind) => kind.parse::<CrmKind>().ok().filter(|k| k.plural() == kind),
        None => Some(CrmKind::Contact),
    })
}

/// The record id in the address (`/crm/contacts/7`).
pub fn id_param() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("id").and_then(|v| v.parse::<i64>().ok()))
}

pub fn list_href(kind: CrmKind) -> String {
    format!("/crm/{}", kind.plural())
}

pub fn card_href(kind: CrmKind, id: i64) -> String {
    format!("/crm/{}/{id}", kind.plural())
}

/// A section's heading: Contacts, Companies, Leads, Deals.
pub fn plural_name(i18n: I18nContext<Locale>, kind: CrmKind) -> String {
    match kind {
        CrmKind::Contact => t_string!(i18n, crm_contacts),
        CrmKind::Company => t_string!(i18n, crm_companies),
        CrmKind::Lead => t_string!(i18n, crm_leads),
        CrmKind::Deal => t_string!(i18n, crm_deals),
    }
    .to_string()
}

/// One record's kind: Contact, Company, Lead, Deal.
pub fn kind_name(i18n: I18nContext<Locale>, kind: CrmKind) -> String {
    match kind {
        CrmKind::Contact => t_string!(i18n, crm_link_kind_contact),
        CrmKind::Company => t_string!(i18n, crm_link_kind_company),
        CrmKind::Lead => t_string!(i18n, crm_link_kind_lead),
        CrmKind::Deal => t_string!(i18n, crm_link_kind_deal),
    }
    .to_string()
}

/// **New contact**, **New company**, …
pub fn new_name(i18n: I18nContext<Locale>, kind: CrmKind) -> String {
    match kind {
        CrmKind::Contact => t_string!(i18n, crm_new_contact),
        CrmKind::Company => t_string!(i18n, crm_new_company),
        CrmKind::Lead => t_string!(i18n, crm_new_lead),
        CrmKind::Deal => t_string!(i18n, crm_new_deal),
    }
    .to_string()
}

/// A stage of `CrmKind::stages()` in words (an unknown one as stored).
pub fn stage_name(i18n: I18nContext<Locale>, stage: &str) -> String {
    match stage {
        "new" => t_string!(i18n, crm_stage_new).to_string(),
        "contacted" => t_string!(i18n, crm_stage_contacted).to_string(),
        "qualified" => t_string!(i18n, crm_stage_qualified).to_string(),
        "converted" => t_string!(i18n, crm_stage_converted).to_string(),
        "lost" => t_string!(i18n, crm_stage_lost).to_string(),
        "prospecting" => t_string!(i18n, crm_stage_prospecting).to_string(),
        "proposal" => t_string!(i18n, crm_stage_proposal).to_string(),
        "negotiation" => t_string!(i18n, crm_stage_negotiation).to_string(),
        "won" => t_string!(i18n, crm_stage_won).to_string(),
        other => other.to_owned(),
    }
}

/// A list row's second line: a lead's or deal's stage in words, else as given.
pub fn detail_text(i18n: I18nContext<Locale>, record: &RecordRef) -> String {
    match record.kind {
        CrmKind::Lead | CrmKind::Deal => stage_name(i18n, &record.detail),
        _ => record.detail.clone(),
    }
}

/// A refused save or load in words; an address or domain of another record is named.
pub fn crm_error_text(i18n: I18nContext<Locale>, err: &AppError) -> String {
    let AppError::Invalid { field, reason } = err else {
        return error_text(i18n, err);
    };
    match (field.as_str(), reason.as_str()) {
        ("email_taken", value) => format!("{} {value}", t_string!(i18n, crm_err_email_taken)),
        ("domain_taken", value) => format!("{} {value}", t_string!(i18n, crm_err_domain_taken)),
        (_, "too_many") => t_string!(i18n, crm_err_too_many).to_string(),
        ("phone" | "phones", _) => t_string!(i18n, crm_err_phone).to_string(),
        ("domain" | "domains", _) => t_string!(i18n, crm_err_domain).to_string(),
        ("amount", _) => t_string!(i18n, crm_err_amount).to_string(),
        ("name" | "title", _) => t_string!(i18n, crm_err_title).to_string(),
        ("stage", _) => t_string!(i18n, crm_err_stage).to_string(),
        ("owner" | "contact" | "company", _) => t_string!(i18n, crm_err_choice).to_string(),
        _ => error_text(i18n, err),
    }
}

/// An action's or a load's error, announced.
#[component]
pub fn CrmError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        error.get().map(
            |err| view! { <p class="form-error" role="alert">{crm_error_text(i18n, &err)}</p> },
        )
    }
}

/// Contacts · Companies · Leads · Deals.
#[component]
pub fn CrmTabs() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="crm-tabs" aria-label=move || t_string!(i18n, crm_sections).to_string()>
            {CrmKind::ALL
                .into_iter()
                .map(|kind| view! { <A href=list_href(kind)>{move || plural_name(i18n, kind)}</A> })
                .collect_view()}
        </nav>
    }
}

/// `<option>`s of an owner choice: none (labelled `none`), then the members.
#[component]
pub fn OwnerOptions(
    owners: Vec<OwnerRef>,
    selected: Option<i64>,
    #[prop(into)] none: String,
) -> impl IntoView {
    view! {
        <option value="" selected=selected.is_none()>{none}</option>
        {owners
            .into_iter()
            .map(|o| view! { <option value=o.id selected=selected == Some(o.id)>{o.name}</option> })
            .collect_view()}
    }
}

/// `<option>`s of a record choice (a company, a contact): none, then the records.
#[component]
pub fn RecordOptions(
    records: Vec<RecordRef>,
    selected: Option<i64>,
    #[prop(into)] none: String,
) -> impl IntoView {
    view! {
        <option value="" selected=selected.is_none()>{none}</option>
        {records
            .into_iter()
            .map(|r| {
                let label = if r.detail.is_empty() {
                    r.title
                } else {
                    format!("{} ({})", r.title, r.detail)
                };
                view! { <option value=r.id selected=selected == Some(r.id)>{label}</option> }
            })
            .collect_view()}
    }
}

/// A value in a query string, percent-encoded (letters, digits and `-._~` kept).
pub fn query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
