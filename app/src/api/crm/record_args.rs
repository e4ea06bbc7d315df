//! What the CRM record functions share on the server: a kind, an optional id from a form's
//! choice (empty is none) and a refused save in the words the pages show.

use super::super::context::{fail, from_service};
use crate::error::AppError;
use domain::CrmKind;
use services::crm::records::SaveError;

fn invalid(field: &str, reason: &str) -> AppError {
    fail(AppError::Invalid {
        field: field.into(),
        reason: reason.into(),
    })
}

/// `contact`, `companies`, …: one of the four kinds.
pub fn kind(text: &str) -> Result<CrmKind, AppError> {
    text.parse().map_err(|_| invalid("kind", "unknown"))
}

/// A select's value: empty is none, else an id.
pub fn optional_id(field: &str, text: &str) -> Result<Option<i64>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| invalid(field, "format"))
}

/// An address or domain of another record is `Invalid { field: "email_taken" |
/// "domain_taken", reason: <the address or domain> }`, so the form can name it.
pub fn from_save(err: SaveError) -> AppError {
    match err {
        SaveError::Taken { field, value } => invalid(&format!("{field}_taken"), &value),
        SaveError::Service(err) => from_service(err),
    }
}

/// Where a saved record is shown: its card.
pub fn show(kind: CrmKind, id: i64) {
    leptos_axum::redirect(&format!("/crm/{}/{id}", kind.plural()));
}
