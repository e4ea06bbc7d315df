//! `/crm/<kind>/:id/delete`: the confirmation step before a record and its links to mail
//! are deleted (a plain form: works without JavaScript).

use super::parts::{CrmError, CrmTabs, card_href, id_param, kind_name, kind_param};
use crate::json_resource::json_resource;
use crate::{
    api::crm::{DeleteRecord, record_card},
    components::PageTitle,
    i18n::*,
    i18n_setup::action_error,
};
use domain::CrmKind;
use leptos::prelude::*;

#[component]
pub fn CrmDeletePage() -> impl IntoView {
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
    let delete = ServerAction::<DeleteRecord>::new();
    view! {
        <PageTitle text=|i18n| t_string!(i18n, crm_delete_title).to_string()/>
        <CrmTabs/>
        <h1>{t!(i18n, crm_delete_title)}</h1>
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                match card.await {
                    Ok(card) => {
                        let kind = card.record.kind;
                        let id = card.record.id;
                        view! {
                            <p>
                                {move || kind_name(i18n, kind)} ": "
                                <strong>{card.record.title.clone()}</strong>
                            </p>
                            <p>{t!(i18n, crm_delete_lead)}</p>
                            <ActionForm action=delete>
                                <input type="hidden" name="kind" value=kind.as_str()/>
                                <input type="hidden" name="id" value=id/>
                                <CrmError error=action_error(delete)/>
                                <button type="submit" class="danger">{t!(i18n, crm_delete_confirm)}</button>
                                " "
                                <a href=card_href(kind, id)>{t!(i18n, cancel)}</a>
                            </ActionForm>
                        }.into_any()
                    }
                    Err(err) => view! { <CrmError error=Signal::derive(move || Some(err.clone()))/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
