use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The sync-settings form (wizard step C and a mailbox's Settings), as the browser posts
/// it: checkboxes arrive as `Some("on")`, lists as `folders[N]` / `grantees[N]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncSettingsForm {
    pub sender_name: String,
    pub mailbox_name: String,
    /// Absent when the choice is disabled (plan without shared access).
    pub access: Option<String>,
    #[serde(default)]
    pub grantees: Option<Vec<i64>>,
    pub crm_mode: Option<String>,
    pub crm_leads_in: Option<String>,
    pub crm_contacts_in: Option<String>,
    pub crm_leads_out: Option<String>,
    pub crm_contacts_out: Option<String>,
    pub period: String,
    #[serde(default)]
    pub folders: Option<Vec<String>>,
}

impl SyncSettingsForm {
    pub fn parse(self) -> Result<domain::MailboxSettings, AppError> {
        let invalid = |field: &str| AppError::Invalid {
            field: field.into(),
            reason: "unknown".into(),
        };
        let on = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.is_empty() && v != "off");
        Ok(domain::MailboxSettings {
            access: self
                .access
                .as_deref()
                .unwrap_or("personal")
                .parse()
                .map_err(|_| invalid("access"))?,
            grantees: self.grantees.unwrap_or_default(),
            crm_mode: self
                .crm_mode
                .as_deref()
                .unwrap_or("off")
                .parse()
                .map_err(|_| invalid("crm_mode"))?,
            crm_create: domain::CrmCreate {
                leads_from_incoming: on(&self.crm_leads_in),
                contacts_from_incoming: on(&self.crm_contacts_in),
                leads_from_outgoing: on(&self.crm_leads_out),
                contacts_from_outgoing: on(&self.crm_contacts_out),
            },
            period: self.period.parse().map_err(|_| invalid("period"))?,
            folders: self.folders.unwrap_or_default(),
            sender_name: self.sender_name,
            mailbox_name: self.mailbox_name,
        })
    }
}

/// Step C: stores the mailbox, which then waits for its first sync.
#[server(prefix = "/api", endpoint = "connect_mailbox")]
pub async fn connect_mailbox(draft: String, settings: SyncSettingsForm) -> Result<i64, AppError> {
    use super::super::context::{actor, fail, from_service};
    let (state, actor) = actor().await?;
    let settings = settings.parse().map_err(fail)?;
    let id = services::mailboxes::connect(&state, &actor, &draft, settings)
        .await
        .map_err(from_service)?;
    leptos_axum::redirect("/mail/accounts");
    Ok(id)
}
