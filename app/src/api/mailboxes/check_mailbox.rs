// One argument per form field keeps the plain-HTML form (no JavaScript) flat and simple.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use leptos::prelude::*;

/// Steps A–B of the wizard: logs in to IMAP and SMTP for real and lists the folders.
/// Nothing is stored unless both succeed; then step C opens. Every call reaches real
/// servers, so a few per user and per address, then 429 with `Retry-After`.
#[server(prefix = "/api", endpoint = "check_mailbox")]
pub async fn check_mailbox(
    provider: String,
    email: String,
    password: String,
    imap_host: Option<String>,
    imap_port: Option<String>,
    imap_security: Option<String>,
    smtp_host: Option<String>,
    smtp_port: Option<String>,
    smtp_security: Option<String>,
    smtp_username: Option<String>,
    smtp_password: Option<String>,
) -> Result<String, AppError> {
    use super::super::context::{actor, fail, from_service, throttle};
    use domain::{Security, ServerAddress};
    use services::validate;
    let (state, actor) = actor().await?;
    let invalid = |field: &str| {
        fail(AppError::Invalid {
            field: field.into(),
            reason: validate::reason::FORMAT.into(),
        })
    };
    let provider: domain::Provider = provider.parse().map_err(|_| invalid("provider"))?;
    // Security follows the port unless set; an empty port takes the standard one for it.
    let server = |host: Option<String>,
                  port: Option<String>,
                  security: Option<String>,
                  tls: u16,
                  starttls: u16,
                  field| {
        let host = host.map(|h| h.trim().to_owned()).filter(|h| !h.is_empty());
        let Some(host) = host else { return Ok(None) };
        let security: Option<Security> = security.and_then(|s| s.parse().ok());
        let port = match port.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()) {
            Some(p) => validate::port(field, &p).map_err(from_service)?,
            None if security == Some(Security::StartTls) => starttls,
            None => tls,
        };
        Ok(Some(ServerAddress {
            host,
            port,
            security: security.unwrap_or_else(|| Security::for_port(port)),
        }))
    };
    let request = services::mailboxes::ConnectRequest {
        provider,
        email,
        password,
        imap: server(imap_host, imap_port, imap_security, 993, 143, "imap_port")?,
        smtp: server(smtp_host, smtp_port, smtp_security, 465, 587, "smtp_port")?,
        smtp_username,
        smtp_password,
    };
    throttle(
        &state,
        services::throttle::Action::MailboxCheck,
        Some(actor.user_id),
    )?;
    let draft = services::mailboxes::check_and_draft(&state, &actor, request)
        .await
        .map_err(from_service)?;
    leptos_axum::redirect(&format!("/mail/connect/setup/{draft}"));
    Ok(draft)
}
