//! How the app logs in to a connected mailbox's servers: its stored (app) password, or an
//! access token of its OAuth2 grant (`oauth::tokens`, refreshed before it expires). The
//! one place the sync, IDLE, the write-back and send workers and opening a message get a
//! [`Login`] from.

use crate::{
    entities::mailbox,
    mail::login::Login,
    oauth::tokens::{self, Keys},
};
use domain::{AuthMethod, ConnectProblem};

/// The IMAP login of a mailbox.
pub async fn imap_login(keys: Keys<'_>, row: &mailbox::Model) -> Result<Login, ConnectProblem> {
    login(keys, row, &row.imap_username, &row.imap_secret).await
}

/// The SMTP login of a mailbox.
pub async fn smtp_login(keys: Keys<'_>, row: &mailbox::Model) -> Result<Login, ConnectProblem> {
    login(keys, row, &row.smtp_username, &row.smtp_secret).await
}

async fn login(
    keys: Keys<'_>,
    row: &mailbox::Model,
    username: &str,
    sealed: &str,
) -> Result<Login, ConnectProblem> {
    match row.auth {
        AuthMethod::Password => {
            let password = keys
                .master_key
                .open(sealed)
                .map_err(|_| ConnectProblem::Other {
                    detail: "cannot open the stored password".into(),
                })?;
            Ok(Login::new(username, password))
        }
        AuthMethod::OAuth2 => {
            let token = tokens::access_token(keys, row.id).await?;
            Ok(Login::bearer(username, token))
        }
    }
}
