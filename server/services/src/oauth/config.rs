//! Which OAuth2 sign-ins this deployment offers, from `OAUTH_*` variables (README §
//! Configuration). A provider is offered when its client id and secret are both set; its
//! endpoints, scopes and mail servers default to the real provider's and can be pointed
//! elsewhere (a national cloud, the test stack's authorization server).

use crate::config::Vars;
use anyhow::{Result, bail};
use domain::{OAuthProvider, Security, ServerAddress};
use reqwest::Url;

/// Every OAuth2 sign-in of this deployment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OAuthSettings {
    /// Where providers send the browser back: `OAUTH_REDIRECT_URL`, else `PUBLIC_URL` +
    /// `/oauth/callback`, else this process's own address.
    pub redirect_url: String,
    pub providers: Vec<ProviderSettings>,
}

/// One provider's registration and endpoints.
#[derive(Clone, PartialEq, Eq)]
pub struct ProviderSettings {
    pub provider: OAuthProvider,
    pub client_id: String,
    pub client_secret: String,
    pub authorize_url: String,
    pub token_url: String,
    pub scopes: Vec<String>,
    pub imap: ServerAddress,
    pub smtp: ServerAddress,
}

/// Never prints the client secret.
impl std::fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("provider", &self.provider)
            .field("client_id", &self.client_id)
            .field("authorize_url", &self.authorize_url)
            .field("token_url", &self.token_url)
            .finish_non_exhaustive()
    }
}

impl OAuthSettings {
    pub fn provider(&self, provider: OAuthProvider) -> Option<&ProviderSettings> {
        self.providers.iter().find(|p| p.provider == provider)
    }
}

struct Defaults {
    authorize: &'static str,
    token: &'static str,
    scopes: &'static str,
    imap: (&'static str, u16),
    smtp: (&'static str, u16),
}

fn defaults(provider: OAuthProvider) -> Defaults {
    match provider {
        // Tenant `organizations`: work and school accounts only (SPEC § Microsoft 365).
        OAuthProvider::Microsoft => Defaults {
            authorize: "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize",
            token: "https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
            scopes: "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access openid email",
            imap: ("outlook.office365.com", 993),
            smtp: ("smtp.office365.com", 587),
        },
        OAuthProvider::Google => Defaults {
            authorize: "https://accounts.google.com/o/oauth2/v2/auth",
            token: "https://oauth2.googleapis.com/token",
            scopes: "https://mail.google.com/ openid email",
            imap: ("imap.gmail.com", 993),
            smtp: ("smtp.gmail.com", 587),
        },
    }
}

pub(crate) fn from_vars(v: &Vars, default_redirect: String) -> Result<OAuthSettings> {
    let redirect_url = v.text("OAUTH_REDIRECT_URL").unwrap_or(default_redirect);
    web_url("OAUTH_REDIRECT_URL", &redirect_url, false)?;
    let mut providers = Vec::new();
    for provider in OAuthProvider::ALL {
        let prefix = provider.env_prefix();
        let var = |name: &str| format!("{prefix}{name}");
        let id = v.text(&var("CLIENT_ID"));
        let secret = v.text(&var("CLIENT_SECRET"));
        let (client_id, client_secret) = match (id, secret) {
            (None, None) => continue,
            (Some(id), Some(secret)) => (id, secret),
            (Some(_), None) => bail!(
                "{} is set but {} is not",
                var("CLIENT_ID"),
                var("CLIENT_SECRET")
            ),
            (None, Some(_)) => bail!(
                "{} is set but {} is not",
                var("CLIENT_SECRET"),
                var("CLIENT_ID")
            ),
        };
        let d = defaults(provider);
        let authorize_url = v.text(&var("AUTHORIZE_URL")).unwrap_or(d.authorize.into());
        let token_url = v.text(&var("TOKEN_URL")).unwrap_or(d.token.into());
        // The browser goes to the sign-in page; plain HTTP only on loopback (development).
        web_url(&var("AUTHORIZE_URL"), &authorize_url, false)?;
        // The client secret and the tokens travel here: HTTPS always.
        web_url(&var("TOKEN_URL"), &token_url, true)?;
        let scopes = v
            .text(&var("SCOPES"))
            .unwrap_or(d.scopes.into())
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        providers.push(ProviderSettings {
            provider,
            client_id,
            client_secret,
            authorize_url,
            token_url,
            scopes,
            imap: server(v, &var("IMAP"), d.imap)?,
            smtp: server(v, &var("SMTP"), d.smtp)?,
        });
    }
    Ok(OAuthSettings {
        redirect_url,
        providers,
    })
}

/// `host:port`, optionally `/tls` or `/starttls` (else by the port: 587 and 143 STARTTLS).
fn server(v: &Vars, name: &str, default: (&str, u16)) -> Result<ServerAddress> {
    let Some(text) = v.text(name) else {
        return Ok(ServerAddress {
            host: default.0.into(),
            port: default.1,
            security: Security::for_port(default.1),
        });
    };
    let (address, security) = match text.rsplit_once('/') {
        Some((address, "tls")) => (address, Some(Security::Tls)),
        Some((address, "starttls")) => (address, Some(Security::StartTls)),
        Some(_) => bail!("{name} must be host:port, host:port/tls or host:port/starttls"),
        None => (text.as_str(), None),
    };
    let Some((host, port)) = address.rsplit_once(':') else {
        bail!("{name} must be host:port");
    };
    let port: u16 = port
        .parse()
        .map_err(|_| anyhow::anyhow!("{name} has an unusable port {port:?}"))?;
    if host.is_empty() || port == 0 {
        bail!("{name} must be host:port");
    }
    Ok(ServerAddress {
        host: host.trim_start_matches('[').trim_end_matches(']').into(),
        port,
        security: security.unwrap_or(Security::for_port(port)),
    })
}

/// An absolute http(s) URL; `https_only`, or HTTPS unless the host is loopback.
fn web_url(name: &str, text: &str, https_only: bool) -> Result<Url> {
    let url = Url::parse(text).map_err(|_| anyhow::anyhow!("{name} is not a URL: {text:?}"))?;
    let host = url.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => Ok(url),
        "http" if !https_only && loopback => Ok(url),
        _ if https_only => bail!("{name} must be an https:// URL"),
        _ => bail!("{name} must be an https:// URL (http:// only for localhost)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<OAuthSettings> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let v = Vars::new(move |key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()));
        from_vars(&v, "http://127.0.0.1:3000/oauth/callback".into())
    }

    #[test]
    fn a_provider_is_offered_only_with_its_client_id_and_secret() {
        assert!(settings(&[]).unwrap().providers.is_empty());
        let one = settings(&[
            ("OAUTH_MICROSOFT_CLIENT_ID", "id"),
            ("OAUTH_MICROSOFT_CLIENT_SECRET", "secret"),
        ])
        .unwrap();
        let ms = one.provider(OAuthProvider::Microsoft).unwrap();
        assert!(ms.authorize_url.contains("/organizations/"));
        assert_eq!(ms.imap.host, "outlook.office365.com");
        assert_eq!(ms.smtp.security, Security::StartTls);
        assert!(ms.scopes.iter().any(|s| s == "offline_access"));
        assert!(one.provider(OAuthProvider::Google).is_none());
        let err = settings(&[("OAUTH_GOOGLE_CLIENT_ID", "id")]).unwrap_err();
        assert!(
            err.to_string().contains("OAUTH_GOOGLE_CLIENT_SECRET"),
            "{err}"
        );
    }

    #[test]
    fn tokens_only_over_https_and_servers_as_configured() {
        let base = [
            ("OAUTH_GOOGLE_CLIENT_ID", "id"),
            ("OAUTH_GOOGLE_CLIENT_SECRET", "secret"),
        ];
        let with = |extra: (&'static str, &'static str)| {
            let mut all = base.to_vec();
            all.push(extra);
            settings(&all)
        };
        assert!(with(("OAUTH_GOOGLE_TOKEN_URL", "http://127.0.0.1:1/token")).is_err());
        assert!(with(("OAUTH_GOOGLE_AUTHORIZE_URL", "http://example.com/a")).is_err());
        assert!(with(("OAUTH_GOOGLE_AUTHORIZE_URL", "http://127.0.0.1:8/a")).is_ok());
        let s = with(("OAUTH_GOOGLE_IMAP", "127.0.0.1:10993/tls")).unwrap();
        let google = s.provider(OAuthProvider::Google).unwrap();
        assert_eq!(
            (
                google.imap.host.as_str(),
                google.imap.port,
                google.imap.security
            ),
            ("127.0.0.1", 10993, Security::Tls)
        );
        assert!(with(("OAUTH_GOOGLE_SMTP", "nohost")).is_err());
        assert!(with(("OAUTH_GOOGLE_SMTP", "h:1/ssl")).is_err());
    }
}
