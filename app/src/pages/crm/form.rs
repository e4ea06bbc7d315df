//! `/crm/<kind>/new` and `/crm/<kind>/:id/edit`: a record's form. Plain forms posted to
//! the save functions, which open the card; a refusal comes back to the form (`__err`
//! without JavaScript) and says which field, naming an address or domain of another
//! record.

use super::{
    deal_form::DealForm,
    parts::{
        CrmError, CrmTabs, OwnerOptions, RecordOptions, card_href, id_param, kind_param, list_href,
        new_name,
    },
};
use crate::json_resource::json_resource;
use crate::{
    api::crm::{SaveCompany, SaveContact, crm_choices, crm_owners, record_card},
    components::PageTitle,
    error::AppError,
    i18n::*,
    i18n_setup::action_error,
    pages::UserResource,
};
use domain::{CrmKind, OwnerRef, RecordCard, RecordRef};
use leptos::prelude::*;

/// A new record of the kind in the address.
#[component]
pub fn CrmNewPage() -> impl IntoView {
    let i18n = use_i18n();
    let kind = kind_param();
    view! {
        <PageTitle text=move |i18n| kind.get().map(|k| new_name(i18n, k)).unwrap_or_default()/>
        <CrmTabs/>
        {move || match kind.get() {
            Some(kind) => view! {
                <h1>{move || new_name(i18n, kind)}</h1>
                <RecordForm kind card=None/>
            }.into_any(),
            None => view! { <p role="alert" class="form-error">{t!(i18n, crm_unknown_kind)}</p> }.into_any(),
        }}
    }
}

/// The record in the address, to edit.
#[component]
pub fn CrmEditPage() -> impl IntoView {
    let i18n = use_i18n();
    let kind = kind_param();
    let id = id_param();
    let card = json_resource(
        move || (kind.get(), id.get()),
        |(kind, id)| async move {
            let kind = kind.unwrap_or(CrmKind::Contact);
            record_card(kind.as_str().to_owned(), id.unwrap_or_default()).await
        },
    );
    view! {
        <PageTitle text=|i18n| t_string!(i18n, crm_edit_title).to_string()/>
        <CrmTabs/>
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                match card.await {
                    Ok(card) => view! {
                        <h1>{t!(i18n, crm_edit_title)} ": " {card.record.title.clone()}</h1>
                        <RecordForm kind=card.record.kind card=Some(card)/>
                    }.into_any(),
                    Err(err) => view! {
                        <h1>{t!(i18n, crm_edit_title)}</h1>
                        <CrmError error=Signal::derive(move || Some(err.clone()))/>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What a form offers to choose: owners, companies, contacts (for deals), and who is
/// signed in (the owner of a new record).
#[derive(Clone)]
pub struct Choices {
    pub owners: Vec<OwnerRef>,
    pub companies: Vec<RecordRef>,
    pub contacts: Vec<RecordRef>,
    pub me: Option<i64>,
}

#[component]
fn RecordForm(kind: CrmKind, card: Option<RecordCard>) -> impl IntoView {
    let i18n = use_i18n();
    let UserResource(user) = expect_context();
    let owners = json_resource(|| (), |_| crm_owners());
    let companies = json_resource(|| (), |_| crm_choices("company".into()));
    let needs_contacts = matches!(kind, CrmKind::Lead | CrmKind::Deal);
    let contacts = json_resource(
        move || needs_contacts,
        |needs| async move {
            if needs {
                crm_choices("contact".into()).await
            } else {
                Ok(Vec::new())
            }
        },
    );
    view! {
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || {
                let card = card.clone();
                Suspend::new(async move {
                    let loaded: Result<Choices, AppError> = async {
                        Ok(Choices {
                            owners: owners.await?,
                            companies: companies.await?,
                            contacts: contacts.await?,
                            me: user.await.ok().map(|u| u.id),
                        })
                    }
                    .await;
                    let choices = match loaded {
                        Ok(c) => c,
                        Err(err) => {
                            return view! { <CrmError error=Signal::derive(move || Some(err.clone()))/> }.into_any();
                        }
                    };
                    match kind {
                        CrmKind::Contact => view! { <ContactForm card choices/> }.into_any(),
                        CrmKind::Company => view! { <CompanyForm card choices/> }.into_any(),
                        CrmKind::Lead | CrmKind::Deal => view! { <DealForm kind card choices/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Where **Cancel** goes: the card when editing, else the list.
pub fn cancel_href(kind: CrmKind, card: &Option<RecordCard>) -> String {
    match card {
        Some(c) => card_href(kind, c.record.id),
        None => list_href(kind),
    }
}

/// The owner of the form: the record's, or for a new one the signed-in user.
pub fn owner_of(card: &Option<RecordCard>, me: Option<i64>) -> Option<i64> {
    match card {
        Some(c) => c.owner.as_ref().map(|o| o.id),
        None => me,
    }
}

#[component]
fn ContactForm(card: Option<RecordCard>, choices: Choices) -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveContact>::new();
    let fields = card
        .as_ref()
        .and_then(|c| c.contact.clone())
        .unwrap_or_default();
    let cancel = cancel_href(CrmKind::Contact, &card);
    let owner = owner_of(&card, choices.me);
    let id = card.as_ref().map(|c| c.record.id);
    view! {
        <ActionForm action=save attr:class="stacked-form crm-form">
            {id.map(|id| view! { <input type="hidden" name="id" value=id/> })}
            <label>
                {t!(i18n, name)}
                <input type="text" name="name" required maxlength="200" value=fields.name/>
            </label>
            <label>
                {t!(i18n, crm_emails)}
                <textarea name="emails" rows="3" aria-describedby="crm-emails-hint">{fields.emails.join("\n")}</textarea>
            </label>
            <p id="crm-emails-hint" class="note">{t!(i18n, crm_one_per_line)}</p>
            <label>
                {t!(i18n, crm_phones)}
                <textarea name="phones" rows="2" aria-describedby="crm-phones-hint">{fields.phones.join("\n")}</textarea>
            </label>
            <p id="crm-phones-hint" class="note">{t!(i18n, crm_one_per_line)}</p>
            <label>
                {t!(i18n, crm_link_kind_company)}
                <select name="company">
                    <RecordOptions records=choices.companies selected=fields.company_id none=t_string!(i18n, crm_no_company).to_string()/>
                </select>
            </label>
            <label>
                {t!(i18n, crm_owner)}
                <select name="owner">
                    <OwnerOptions owners=choices.owners selected=owner none=t_string!(i18n, crm_no_owner).to_string()/>
                </select>
            </label>
            <CrmError error=action_error(save)/>
            <FormButtons new=id.is_none() cancel/>
        </ActionForm>
    }
}

#[component]
fn CompanyForm(card: Option<RecordCard>, choices: Choices) -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveCompany>::new();
    let fields = card
        .as_ref()
        .and_then(|c| c.company.clone())
        .unwrap_or_default();
    let cancel = cancel_href(CrmKind::Company, &card);
    let owner = owner_of(&card, choices.me);
    let id = card.as_ref().map(|c| c.record.id);
    view! {
        <ActionForm action=save attr:class="stacked-form crm-form">
            {id.map(|id| view! { <input type="hidden" name="id" value=id/> })}
            <label>
                {t!(i18n, crm_company_name)}
                <input type="text" name="name" required maxlength="200" value=fields.name/>
            </label>
            <label>
                {t!(i18n, crm_domains)}
                <textarea name="domains" rows="3" aria-describedby="crm-domains-hint">{fields.domains.join("\n")}</textarea>
            </label>
            <p id="crm-domains-hint" class="note">{t!(i18n, crm_domains_hint)}</p>
            <label>
                {t!(i18n, crm_owner)}
                <select name="owner">
                    <OwnerOptions owners=choices.owners selected=owner none=t_string!(i18n, crm_no_owner).to_string()/>
                </select>
            </label>
            <CrmError error=action_error(save)/>
            <FormButtons new=id.is_none() cancel/>
        </ActionForm>
    }
}

/// **Create** or **Save**, and **Cancel**.
#[component]
pub fn FormButtons(new: bool, cancel: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="form-buttons">
            <button type="submit" class="primary">
                {move || if new { t_string!(i18n, crm_create) } else { t_string!(i18n, save) }}
            </button>
            " "
            <a href=cancel>{t!(i18n, cancel)}</a>
        </div>
    }
}
