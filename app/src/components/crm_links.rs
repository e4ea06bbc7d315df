//! **Link to CRM** on an open message (manual mode) and the records it is linked to.

use leptos::prelude::*;

/// The CRM links of one message (being written).
#[component]
pub fn MessageCrmLinks(message_id: i64) -> impl IntoView {
    let _ = message_id;
    view! { <span class="crm-links"></span> }
}
