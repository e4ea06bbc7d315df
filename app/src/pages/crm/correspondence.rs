//! A CRM card's correspondence: the linked messages, both directions, newest first.

use domain::CrmKind;
use leptos::prelude::*;

/// The linked messages of one record (being written).
#[component]
pub fn Correspondence(kind: CrmKind, id: i64) -> impl IntoView {
    let _ = (kind, id);
    view! { <section class="crm-correspondence"></section> }
}
