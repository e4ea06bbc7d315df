//! How the app logs in to a connected mailbox's servers: its stored (app) password, or an
//! access token of its OAuth2 grant (`oauth::tokens`, refreshed before it expires). The
//! one place the sync, IDLE, the write-back and send workers and opening a message get a
//! [`Login`] from.

use crate::{
    entities::mailbox,
    mail::login::{Credential, Login},
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

/// After the server refused a login: for an OAuth2 mailbox, a login with a freshly
/// refreshed token (one refresh, shared with other processes); `None` for a password (the
/// refusal stands: repeated wrong passwords lock accounts).
pub async fn login_after_refusal(
    keys: Keys<'_>,
    row: &mailbox::Model,
    refused: &Login,
) -> Option<Result<Login, ConnectProblem>> {
    let Credential::Bearer(token) = &refused.credential else {
        return None;
    };
    Some(
        tokens::token_after_refusal(keys, row.id, token)
            .await
            .map(|fresh| Login::bearer(refused.username.clone(), fresh)),
    )
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
