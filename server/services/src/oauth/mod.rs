//! OAuth2 sign-in for Microsoft 365 and Gmail: the authorization-code flow with PKCE and
//! a single-use `state` bound to the user's session (`flow`), who signed in (`id_token`),
//! and the grant each mailbox keeps — the refresh token sealed like passwords, the access
//! token refreshed before it expires by one process at a time (`tokens`). IMAP and SMTP
//! then log in with SASL XOAUTH2 (`mail::login`). Built on the `oauth2` crate; its HTTP
//! goes through our own client (`http`: roots, address policy, no redirects, bounds).

mod config;
pub mod flow;
mod http;
pub mod id_token;
pub mod tokens;

pub(crate) use config::from_vars;
pub use config::{OAuthSettings, ProviderSettings};

use crate::mail::tls::MailTrust;
use chrono::{DateTime, Utc};
use domain::OAuthProvider;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError,
    StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
    basic::{
        BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
        BasicTokenIntrospectionResponse, BasicTokenType,
    },
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// This process's OAuth2 side: the configured providers and the token endpoint's client.
/// Cheap to clone.
#[derive(Clone)]
pub struct OAuth {
    inner: Arc<Inner>,
}

struct Inner {
    settings: OAuthSettings,
    http: Option<http::TokenClient>,
    /// Names this process in refresh leases (`oauth_grants.refresh_owner`).
    instance: String,
}

impl std::fmt::Debug for OAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth")
            .field("providers", &self.configured())
            .finish_non_exhaustive()
    }
}

impl Default for OAuth {
    /// No provider configured: the tiles say what the administrator must set.
    fn default() -> Self {
        OAuth {
            inner: Arc::new(Inner {
                settings: OAuthSettings::default(),
                http: None,
                instance: instance_name(),
            }),
        }
    }
}

fn instance_name() -> String {
    format!("oauth-{}", uuid::Uuid::new_v4().simple())
}

/// Tokens the token endpoint issued.
#[derive(Clone)]
pub(crate) struct Issued {
    pub access: String,
    /// Absent when the provider keeps the old one (Google); rotated by Microsoft.
    pub refresh: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub id_token: Option<String>,
}

/// Why the token endpoint gave no tokens.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenProblem {
    /// `invalid_grant` and the like: revoked, expired, used, or for another client.
    #[error("the provider refused the grant ({0})")]
    Refused(String),
    /// The endpoint could not be reached or answered nonsense: try again later.
    #[error("the provider's token endpoint is unavailable: {0}")]
    Unavailable(String),
    #[error("this sign-in provider is not configured")]
    NotConfigured,
}

/// The `id_token` of an OpenID Connect answer, besides the standard fields.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenField {}

type Answer = StandardTokenResponse<IdTokenField, BasicTokenType>;
type Client = oauth2::Client<
    BasicErrorResponse,
    Answer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Access tokens without a stated lifetime are taken to last this long.
const DEFAULT_LIFETIME_SECS: i64 = 3600;

impl OAuth {
    pub fn new(settings: OAuthSettings, trust: &MailTrust) -> anyhow::Result<Self> {
        let http = if settings.providers.is_empty() {
            None
        } else {
            Some(http::TokenClient::new(trust)?)
        };
        Ok(OAuth {
            inner: Arc::new(Inner {
                settings,
                http,
                instance: instance_name(),
            }),
        })
    }

    pub fn settings(&self) -> &OAuthSettings {
        &self.inner.settings
    }

    /// The providers whose tiles offer a sign-in.
    pub fn configured(&self) -> Vec<OAuthProvider> {
        self.inner
            .settings
            .providers
            .iter()
            .map(|p| p.provider)
            .collect()
    }

    pub fn provider(&self, provider: OAuthProvider) -> Option<&ProviderSettings> {
        self.inner.settings.provider(provider)
    }

    pub(crate) fn instance(&self) -> &str {
        &self.inner.instance
    }

    fn client(&self, provider: OAuthProvider) -> Result<Client, TokenProblem> {
        let p = self.provider(provider).ok_or(TokenProblem::NotConfigured)?;
        let bad = |what: &str| TokenProblem::Unavailable(format!("the {what} URL is unusable"));
        Ok(oauth2::Client::new(ClientId::new(p.client_id.clone()))
            .set_client_secret(ClientSecret::new(p.client_secret.clone()))
            .set_auth_uri(AuthUrl::new(p.authorize_url.clone()).map_err(|_| bad("authorize"))?)
            .set_token_uri(TokenUrl::new(p.token_url.clone()).map_err(|_| bad("token"))?)
            .set_redirect_uri(
                RedirectUrl::new(self.inner.settings.redirect_url.clone())
                    .map_err(|_| bad("redirect"))?,
            ))
    }

    /// Code → tokens (RFC 6749 §4.1.3, with the PKCE verifier of RFC 7636).
    pub(crate) async fn exchange(
        &self,
        provider: OAuthProvider,
        code: String,
        verifier: String,
    ) -> Result<Issued, TokenProblem> {
        let client = self.client(provider)?;
        let http = self.http()?;
        let answer = client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier))
            .request_async(http)
            .await
            .map_err(problem)?;
        Ok(issued(&answer))
    }

    /// Refresh token → a new access token (RFC 6749 §6).
    pub(crate) async fn refresh(
        &self,
        provider: OAuthProvider,
        refresh_token: String,
    ) -> Result<Issued, TokenProblem> {
        let client = self.client(provider)?;
        let http = self.http()?;
        let answer = client
            .exchange_refresh_token(&RefreshToken::new(refresh_token))
            .request_async(http)
            .await
            .map_err(problem)?;
        Ok(issued(&answer))
    }

    fn http(&self) -> Result<&http::TokenClient, TokenProblem> {
        self.inner.http.as_ref().ok_or(TokenProblem::NotConfigured)
    }
}

fn issued(answer: &Answer) -> Issued {
    let lifetime = answer
        .expires_in()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .unwrap_or(DEFAULT_LIFETIME_SECS);
    Issued {
        access: answer.access_token().secret().clone(),
        refresh: answer.refresh_token().map(|t| t.secret().clone()),
        expires_at: Utc::now() + chrono::Duration::seconds(lifetime),
        id_token: answer.extra_fields().id_token.clone(),
    }
}

/// The endpoint's answer as a problem, without anything it carried (tokens, bodies).
fn problem(err: RequestTokenError<http::HttpError, BasicErrorResponse>) -> TokenProblem {
    match err {
        RequestTokenError::ServerResponse(answer) => match answer.error() {
            // The user's grant is gone; a wrong client secret is the administrator's
            // problem and is not the user's to reconnect.
            BasicErrorResponseType::InvalidGrant | BasicErrorResponseType::InvalidScope => {
                TokenProblem::Refused(answer.error().as_ref().to_owned())
            }
            other => TokenProblem::Unavailable(other.as_ref().to_owned()),
        },
        RequestTokenError::Request(err) => TokenProblem::Unavailable(err.to_string()),
        RequestTokenError::Parse(..) => {
            TokenProblem::Unavailable("the token endpoint's answer is not a token answer".into())
        }
        RequestTokenError::Other(text) => {
            TokenProblem::Unavailable(crate::mail::text::server(&text))
        }
    }
}
