//! Who signed in: the ID token the token endpoint returned with the grant. It came
//! straight from the token endpoint over verified TLS, so its issuer is authenticated by
//! that connection and its signature need not be checked (OpenID Connect Core §3.1.3.7,
//! step 6); its audience and expiry are still checked.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Utc;
use domain::OAuthProvider;
use serde::Deserialize;

/// Microsoft's tenant of personal (consumer) accounts: IMAP and SMTP with OAuth2 are for
/// work and school accounts; personal Outlook.com mailboxes use the Outlook tile.
pub const CONSUMER_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
/// Clocks differ a little between us and the provider.
const SKEW_SECONDS: i64 = 300;

/// The signed-in account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub email: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdentityProblem {
    #[error("the sign-in returned no usable ID token")]
    Malformed,
    #[error("the ID token was issued to another application")]
    WrongAudience,
    #[error("the ID token has expired")]
    Expired,
    #[error("the ID token carries no email address")]
    NoEmail,
    #[error("the email address is not verified by the provider")]
    Unverified,
    #[error("a personal Microsoft account")]
    PersonalMicrosoftAccount,
}

#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    aud: Audience,
    #[serde(default)]
    exp: Option<i64>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    preferred_username: Option<String>,
    #[serde(default)]
    email_verified: Option<Verified>,
    #[serde(default)]
    tid: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
    #[default]
    None,
}

/// Google sends `true`; some issuers send `"true"`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Verified {
    Flag(bool),
    Text(String),
}

/// ID tokens are a few kilobytes; a larger one is not read.
const MAX_ID_TOKEN: usize = 16 * 1024;

pub fn identity(
    provider: OAuthProvider,
    client_id: &str,
    id_token: &str,
) -> Result<Identity, IdentityProblem> {
    if id_token.len() > MAX_ID_TOKEN {
        return Err(IdentityProblem::Malformed);
    }
    let payload = id_token
        .split('.')
        .nth(1)
        .ok_or(IdentityProblem::Malformed)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| IdentityProblem::Malformed)?;
    let claims: Claims = serde_json::from_slice(&bytes).map_err(|_| IdentityProblem::Malformed)?;
    let ours = match &claims.aud {
        Audience::One(aud) => aud == client_id,
        Audience::Many(list) => list.iter().any(|aud| aud == client_id),
        Audience::None => false,
    };
    if !ours {
        return Err(IdentityProblem::WrongAudience);
    }
    if claims
        .exp
        .is_none_or(|exp| exp + SKEW_SECONDS < Utc::now().timestamp())
    {
        return Err(IdentityProblem::Expired);
    }
    if provider == OAuthProvider::Microsoft && claims.tid.as_deref() == Some(CONSUMER_TENANT) {
        return Err(IdentityProblem::PersonalMicrosoftAccount);
    }
    let unverified = match &claims.email_verified {
        Some(Verified::Flag(ok)) => !ok,
        Some(Verified::Text(text)) => text != "true",
        None => false,
    };
    if unverified {
        return Err(IdentityProblem::Unverified);
    }
    // Microsoft puts the mailbox address in `email` (scope `email`) and, for most tenants,
    // the same in `preferred_username` (the UPN).
    let email = claims
        .email
        .or(claims.preferred_username)
        .filter(|e| e.contains('@'))
        .ok_or(IdentityProblem::NoEmail)?;
    let email = crate::validate::email(&email).map_err(|_| IdentityProblem::NoEmail)?;
    Ok(Identity { email })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    fn token(claims: serde_json::Value) -> String {
        let part = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.{}",
            part(&serde_json::json!({"alg": "RS256"})),
            part(&claims),
            STANDARD.encode("sig")
        )
    }

    fn exp() -> i64 {
        Utc::now().timestamp() + 600
    }

    #[test]
    fn the_address_comes_from_a_token_issued_to_us() {
        let ok = token(
            serde_json::json!({"aud": "app", "exp": exp(), "email": "Ann@Corp.example", "tid": "t1"}),
        );
        assert_eq!(
            identity(OAuthProvider::Microsoft, "app", &ok)
                .unwrap()
                .email,
            "ann@corp.example"
        );
        let upn = token(
            serde_json::json!({"aud": ["x", "app"], "exp": exp(), "preferred_username": "bo@corp.example"}),
        );
        assert_eq!(
            identity(OAuthProvider::Microsoft, "app", &upn)
                .unwrap()
                .email,
            "bo@corp.example"
        );
        let other = token(serde_json::json!({"aud": "evil", "exp": exp(), "email": "a@b.example"}));
        assert_eq!(
            identity(OAuthProvider::Google, "app", &other),
            Err(IdentityProblem::WrongAudience)
        );
        let old = token(serde_json::json!({"aud": "app", "exp": 1_000, "email": "a@b.example"}));
        assert_eq!(
            identity(OAuthProvider::Google, "app", &old),
            Err(IdentityProblem::Expired)
        );
        assert_eq!(
            identity(OAuthProvider::Google, "app", "garbage"),
            Err(IdentityProblem::Malformed)
        );
    }

    #[test]
    fn personal_microsoft_accounts_and_unverified_addresses_are_refused() {
        let personal = token(
            serde_json::json!({"aud": "app", "exp": exp(), "email": "me@outlook.com", "tid": CONSUMER_TENANT}),
        );
        assert_eq!(
            identity(OAuthProvider::Microsoft, "app", &personal),
            Err(IdentityProblem::PersonalMicrosoftAccount)
        );
        let unverified = token(
            serde_json::json!({"aud": "app", "exp": exp(), "email": "me@gmail.com", "email_verified": false}),
        );
        assert_eq!(
            identity(OAuthProvider::Google, "app", &unverified),
            Err(IdentityProblem::Unverified)
        );
        let none = token(serde_json::json!({"aud": "app", "exp": exp()}));
        assert_eq!(
            identity(OAuthProvider::Google, "app", &none),
            Err(IdentityProblem::NoEmail)
        );
    }
}
