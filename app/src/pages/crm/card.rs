//! `/crm/<kind>/:id`: one record's card — its fields, owner and related records,
//! **Write email** to a contact, **Edit**, **Delete**, and the linked correspondence.

use super::{
    correspondence::Correspondence,
    parts::{
        CrmError, CrmTabs, card_href, id_param, kind_name, kind_param, query_value, stage_name,
    },
};
use crate::json_resource::json_resource;
use crate::{api::crm::record_card, components::PageTitle, i18n::*};
use domain::{CrmKind, DealFields, RecordCard, RecordRef};
use leptos::prelude::*;

/// The card of the record in the address.
#[component]
pub fn CrmCardPage() -> impl IntoView {
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
        <CrmTabs/>
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                match (kind.get_untracked(), card.await) {
                    (Some(_), Ok(card)) => view! { <Card card/> }.into_any(),
                    (_, Err(err)) => view! {
                        <PageTitle text=|i18n| t_string!(i18n, crm_nav).to_string()/>
                        <h1>{t!(i18n, crm_nav)}</h1>
                        <CrmError error=Signal::derive(move || Some(err.clone()))/>
                    }.into_any(),
                    (None, _) => view! {
                        <h1>{t!(i18n, crm_nav)}</h1>
                        <p role="alert" class="form-error">{t!(i18n, crm_unknown_kind)}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Card(card: RecordCard) -> impl IntoView {
    let i18n = use_i18n();
    let kind = card.record.kind;
    let id = card.record.id;
    let title = card.record.title.clone();
    let page_title = title.clone();
    let write_to = card
        .contact
        .as_ref()
        .and_then(|c| c.emails.first().cloned())
        .map(|email| format!("/mail/compose?to={}", query_value(&email)));
    let base = card_href(kind, id);
    let owner = card.owner.as_ref().map(|o| o.name.clone());
    let created = card.created_at.minute_text();
    let created_at = card.created_at.machine_text();
    view! {
        <PageTitle text=move |_| page_title.clone()/>
        <article class="crm-card">
            <p class="crm-kind">
                {move || kind_name(i18n, kind)}
                {card.created_from_mail.then(|| view! { " · " <span class="muted">{t!(i18n, crm_from_mail)}</span> })}
            </p>
            <h1>{title}</h1>
            <div class="crm-actions">
                {write_to.map(|href| view! { <a class="button primary" href=href>{t!(i18n, crm_write_email)}</a> })}
                <a class="button" href=format!("{base}/edit")>{t!(i18n, crm_edit)}</a>
                <a class="button danger" href=format!("{base}/delete")>{t!(i18n, crm_delete)}</a>
            </div>
            <dl class="crm-fields">
                <Fields card=card.clone()/>
                <dt>{t!(i18n, crm_owner)}</dt>
                <dd>{owner.unwrap_or_else(|| t_string!(i18n, crm_no_owner).to_string())}</dd>
                <dt>{t!(i18n, crm_created)}</dt>
                <dd><time datetime=created_at>{created}</time></dd>
            </dl>
            <Related records=card.related.clone()/>
        </article>
        <Correspondence kind id/>
    }
}

/// The kind's own fields, as `<dt>`/`<dd>` pairs.
#[component]
fn Fields(card: RecordCard) -> impl IntoView {
    let i18n = use_i18n();
    let none = move || t_string!(i18n, crm_none).to_string();
    let named = |kind: CrmKind, id: Option<i64>| -> AnyView {
        match id.and_then(|id| card.related.iter().find(|r| r.kind == kind && r.id == id)) {
            Some(r) => view! { <a href=card_href(r.kind, r.id)>{r.title.clone()}</a> }.into_any(),
            None => view! { <span>{none()}</span> }.into_any(),
        }
    };
    let list = move |items: Vec<String>| -> AnyView {
        if items.is_empty() {
            return view! { <span>{none()}</span> }.into_any();
        }
        view! { <ul class="plain">{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul> }
            .into_any()
    };
    if let Some(c) = card.contact.clone() {
        return view! {
            <dt>{t!(i18n, crm_emails)}</dt>
            <dd>{list(c.emails)}</dd>
            <dt>{t!(i18n, crm_phones)}</dt>
            <dd>{list(c.phones)}</dd>
            <dt>{t!(i18n, crm_link_kind_company)}</dt>
            <dd>{named(CrmKind::Company, c.company_id)}</dd>
        }
        .into_any();
    }
    if let Some(c) = card.company.clone() {
        return view! {
            <dt>{t!(i18n, crm_domains)}</dt>
            <dd>{list(c.domains)}</dd>
        }
        .into_any();
    }
    let Some(d) = card.deal.clone() else {
        return ().into_any();
    };
    let stage = stage_name(i18n, &d.stage);
    let amount = d.amount.map(DealFields::amount_text).unwrap_or_else(none);
    view! {
        <dt>{t!(i18n, crm_stage)}</dt>
        <dd>{stage}</dd>
        <dt>{t!(i18n, crm_amount)}</dt>
        <dd>{amount}</dd>
        <dt>{t!(i18n, crm_link_kind_contact)}</dt>
        <dd>{named(CrmKind::Contact, d.contact_id)}</dd>
        <dt>{t!(i18n, crm_link_kind_company)}</dt>
        <dd>{named(CrmKind::Company, d.company_id)}</dd>
    }
    .into_any()
}

/// Records it names or that name it, each a link to its card.
#[component]
fn Related(records: Vec<RecordRef>) -> impl IntoView {
    let i18n = use_i18n();
    if records.is_empty() {
        return ().into_any();
    }
    view! {
        <section class="crm-related" aria-labelledby="crm-related">
            <h2 id="crm-related">{t!(i18n, crm_related)}</h2>
            <ul>
                {records.into_iter().map(|r| {
                    let kind = r.kind;
                    view! {
                        <li>
                            <span class="muted">{move || kind_name(i18n, kind)} ": "</span>
                            <a href=card_href(r.kind, r.id)>{r.title}</a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}
