//! `/crm`, `/crm/<kind>`: one kind's records, newest first, 50 a page. The search and
//! the owner filter are a GET form of the page (`?q=…&owner=…`), and **Older records**
//! carries them on with `before=<id>`, so it all works with JavaScript off.

use super::parts::{
    CrmError, CrmTabs, OwnerOptions, card_href, detail_text, kind_param, list_href, new_name,
    plural_name, query_value,
};
use crate::json_resource::json_resource;
use crate::{
    api::crm::{crm_owners, list_records},
    components::PageTitle,
    i18n::*,
};
use domain::{CrmKind, RecordPage};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The list of the kind in the address.
#[component]
pub fn CrmListPage() -> impl IntoView {
    let i18n = use_i18n();
    let kind = kind_param();
    let query = use_query_map();
    let search = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let owner = Memo::new(move |_| query.read().get("owner").unwrap_or_default());
    let before = Memo::new(move |_| {
        query
            .read()
            .get("before")
            .and_then(|v| v.parse::<i64>().ok())
    });
    let page = json_resource(
        move || (kind.get(), search.get(), owner.get(), before.get()),
        |(kind, search, owner, before)| async move {
            let kind = kind.unwrap_or(CrmKind::Contact);
            list_records(kind.as_str().to_owned(), search, owner, before).await
        },
    );
    let owners = json_resource(|| (), |_| crm_owners());
    view! {
        <PageTitle text=move |i18n| match kind.get() {
            Some(kind) => plural_name(i18n, kind),
            None => t_string!(i18n, crm_nav).to_string(),
        }/>
        <CrmTabs/>
        {move || match kind.get() {
            None => view! {
                <h1>{t!(i18n, crm_nav)}</h1>
                <p role="alert" class="form-error">{t!(i18n, crm_unknown_kind)}</p>
            }.into_any(),
            Some(kind) => view! {
                <div class="page-head">
                    <h1>{move || plural_name(i18n, kind)}</h1>
                    <a class="button primary" href=format!("{}/new", list_href(kind))>
                        {move || new_name(i18n, kind)}
                    </a>
                </div>
                <Suspense>
                    {move || Suspend::new(async move {
                        let chosen = owner.get_untracked().parse::<i64>().ok();
                        let list = owners.await.unwrap_or_default();
                        view! {
                            <form class="crm-filter" method="get" action=list_href(kind) role="search">
                                <label>
                                    {t!(i18n, crm_search_label)}
                                    <input type="search" name="q" maxlength="200" value=search.get_untracked()
                                        placeholder=move || t_string!(i18n, crm_search_hint).to_string()/>
                                </label>
                                <label>
                                    {t!(i18n, crm_owner)}
                                    <select name="owner">
                                        <OwnerOptions owners=list selected=chosen none=t_string!(i18n, crm_any_owner).to_string()/>
                                    </select>
                                </label>
                                <button type="submit">{t!(i18n, crm_search_button)}</button>
                            </form>
                        }
                    })}
                </Suspense>
                <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                    {move || Suspend::new(async move {
                        match page.await {
                            Ok(p) => view! { <Records kind page=p searched=!search.get_untracked().is_empty() || !owner.get_untracked().is_empty()/> }.into_any(),
                            Err(err) => view! { <CrmError error=Signal::derive(move || Some(err.clone()))/> }.into_any(),
                        }
                    })}
                </Suspense>
            }.into_any(),
        }}
    }
}

/// One page: a table of names (links to the cards) and second lines, and the pager.
#[component]
fn Records(kind: CrmKind, page: RecordPage, searched: bool) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    if page.records.is_empty() {
        return view! {
            <p class="empty-state">
                {move || if searched { t_string!(i18n, crm_nothing_found) } else { t_string!(i18n, crm_empty) }}
            </p>
        }
        .into_any();
    }
    let keep = move |before: Option<i64>| {
        let q = query.read_untracked();
        let mut parts = Vec::new();
        for key in ["q", "owner"] {
            if let Some(v) = q.get(key).filter(|v| !v.is_empty()) {
                parts.push(format!("{key}={}", query_value(&v)));
            }
        }
        if let Some(before) = before {
            parts.push(format!("before={before}"));
        }
        if parts.is_empty() {
            list_href(kind)
        } else {
            format!("{}?{}", list_href(kind), parts.join("&"))
        }
    };
    let first = query
        .read_untracked()
        .get("before")
        .is_some()
        .then(|| keep(None));
    let older = page.next.map(|next| keep(Some(next)));
    let pager = (first.is_some() || older.is_some()).then(|| {
        view! {
            <nav class="pager" aria-label=move || plural_name(i18n, kind)>
                {first.map(|href| view! { <a href=href>{t!(i18n, crm_newest)}</a> })}
                {older.map(|href| view! { <a href=href rel="next">{t!(i18n, crm_older)}</a> })}
            </nav>
        }
    });
    view! {
        <table class="crm-records">
            <thead>
                <tr>
                    <th scope="col">{t!(i18n, crm_col_name)}</th>
                    <th scope="col">{t!(i18n, crm_col_detail)}</th>
                </tr>
            </thead>
            <tbody>
                {page.records.into_iter().map(|r| {
                    let detail = detail_text(i18n, &r);
                    view! {
                        <tr>
                            <td><a href=card_href(r.kind, r.id)>{r.title}</a></td>
                            <td>{detail}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {pager}
    }
    .into_any()
}
