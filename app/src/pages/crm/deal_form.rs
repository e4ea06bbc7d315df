//! A lead's or a deal's form: title, stage, amount, owner, contact and company.

use super::{
    form::{Choices, FormButtons, cancel_href, owner_of},
    parts::{CrmError, OwnerOptions, RecordOptions, stage_name},
};
use crate::{api::crm::SaveDeal, i18n::*, i18n_setup::action_error};
use domain::{CrmKind, DealFields, RecordCard};
use leptos::prelude::*;

#[component]
pub fn DealForm(kind: CrmKind, card: Option<RecordCard>, choices: Choices) -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveDeal>::new();
    let fields = card
        .as_ref()
        .and_then(|c| c.deal.clone())
        .unwrap_or_default();
    let cancel = cancel_href(kind, &card);
    let owner = owner_of(&card, choices.me);
    let id = card.as_ref().map(|c| c.record.id);
    let amount = fields
        .amount
        .map(DealFields::amount_text)
        .unwrap_or_default();
    let stage = fields.stage.clone();
    view! {
        <ActionForm action=save attr:class="stacked-form crm-form">
            <input type="hidden" name="kind" value=kind.as_str()/>
            {id.map(|id| view! { <input type="hidden" name="id" value=id/> })}
            <label>
                {t!(i18n, crm_title)}
                <input type="text" name="title" required maxlength="200" value=fields.title/>
            </label>
            <label>
                {t!(i18n, crm_stage)}
                <select name="stage">
                    {kind.stages().iter().map(|s| {
                        let s = *s;
                        view! { <option value=s selected=stage == s>{move || stage_name(i18n, s)}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>
                {t!(i18n, crm_amount)}
                <input type="text" name="amount" inputmode="decimal" maxlength="30" value=amount
                    aria-describedby="crm-amount-hint"/>
            </label>
            <p id="crm-amount-hint" class="note">{t!(i18n, crm_amount_hint)}</p>
            <label>
                {t!(i18n, crm_owner)}
                <select name="owner">
                    <OwnerOptions owners=choices.owners selected=owner none=t_string!(i18n, crm_no_owner).to_string()/>
                </select>
            </label>
            <label>
                {t!(i18n, crm_link_kind_contact)}
                <select name="contact">
                    <RecordOptions records=choices.contacts selected=fields.contact_id none=t_string!(i18n, crm_no_contact).to_string()/>
                </select>
            </label>
            <label>
                {t!(i18n, crm_link_kind_company)}
                <select name="company">
                    <RecordOptions records=choices.companies selected=fields.company_id none=t_string!(i18n, crm_no_company).to_string()/>
                </select>
            </label>
            <CrmError error=action_error(save)/>
            <FormButtons new=id.is_none() cancel/>
        </ActionForm>
    }
}
