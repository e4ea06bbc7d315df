//! The HTTP client of the token endpoint: the mail connections' roots (webpki plus
//! `MAIL_EXTRA_CA_FILE`; verification never off), their address policy for every name it
//! resolves and every literal address it is given, no proxy, no redirects (a token
//! endpoint that redirects is refused, RFC 6749 §3.2 does not allow it), bounded time
//! and answer size.

use crate::mail::{address_policy::AddressPolicy, tls::MailTrust};
use oauth2::{HttpRequest, HttpResponse};
use reqwest::{
    Url,
    dns::{Addrs, Name, Resolve, Resolving},
    redirect,
};
use std::{net::IpAddr, net::SocketAddr, sync::Arc, time::Duration};

/// Token answers are a few kilobytes; a larger one is not read to the end.
const MAX_ANSWER: usize = 64 * 1024;
/// One request to the token endpoint, connection included.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// What failed talking to the token endpoint (never its secrets).
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("the address is not allowed for outgoing connections")]
    NotAllowed,
    #[error("the answer is larger than {MAX_ANSWER} bytes")]
    TooLarge,
    #[error("{0}")]
    Transport(String),
}

#[derive(Clone)]
pub(crate) struct TokenClient {
    client: reqwest::Client,
    policy: AddressPolicy,
}

impl TokenClient {
    pub(crate) fn new(trust: &MailTrust) -> anyhow::Result<Self> {
        let policy = trust.policy();
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(trust.rustls_config())
            .no_proxy()
            .redirect(redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(REQUEST_TIMEOUT)
            .dns_resolver(Arc::new(PolicyResolver(policy)))
            .user_agent(concat!("mailcenter/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(TokenClient { client, policy })
    }

    /// One request as the `oauth2` crate hands it over, the answer read up to the bound.
    pub(crate) async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let url = Url::parse(&request.uri().to_string())
            .map_err(|e| HttpError::Transport(e.to_string()))?;
        if !literal_allowed(&url, self.policy) {
            return Err(HttpError::NotAllowed);
        }
        let (parts, body) = request.into_parts();
        let mut outgoing = self.client.request(parts.method, url).body(body);
        for (name, value) in &parts.headers {
            outgoing = outgoing.header(name, value);
        }
        let mut answer = outgoing
            .send()
            .await
            .map_err(|e| HttpError::Transport(without_url(e)))?;
        if answer
            .content_length()
            .is_some_and(|n| n > MAX_ANSWER as u64)
        {
            return Err(HttpError::TooLarge);
        }
        let mut response = http::Response::builder().status(answer.status());
        for (name, value) in answer.headers() {
            response = response.header(name, value);
        }
        let mut body = Vec::new();
        while let Some(chunk) = answer
            .chunk()
            .await
            .map_err(|e| HttpError::Transport(without_url(e)))?
        {
            if body.len() + chunk.len() > MAX_ANSWER {
                return Err(HttpError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        response
            .body(body)
            .map_err(|e| HttpError::Transport(e.to_string()))
    }
}

/// What the `oauth2` crate calls: a boxed `Send` future, so the tasks that refresh tokens
/// (the scheduler's, the workers') stay `Send` (a closure returning an async block would
/// tie the future to one lifetime and lose that).
impl<'c> oauth2::AsyncHttpClient<'c> for TokenClient {
    type Error = HttpError;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>,
    >;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.execute(request))
    }
}

/// reqwest's error text without the URL (it may carry a query string).
fn without_url(err: reqwest::Error) -> String {
    err.without_url().to_string()
}

/// A literal address in the URL must pass the policy (reqwest resolves only names).
fn literal_allowed(url: &Url, policy: AddressPolicy) -> bool {
    let host = url.host_str().unwrap_or_default();
    match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        Ok(ip) => policy.allows(ip),
        Err(_) => !host.is_empty(),
    }
}

/// Resolves with the system resolver and keeps only the addresses the policy allows.
struct PolicyResolver(AddressPolicy);

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let allowed = policy.vet(found);
            if allowed.is_empty() {
                return Err(format!("{host}: no address outgoing connections may use").into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter().map(|a| SocketAddr::new(a.ip(), 0)));
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_addresses_pass_the_policy() {
        let url = |u: &str| Url::parse(u).unwrap();
        let closed = AddressPolicy {
            allow_private: false,
        };
        let open = AddressPolicy {
            allow_private: true,
        };
        assert!(!literal_allowed(
            &url("https://127.0.0.1:10443/token"),
            closed
        ));
        assert!(!literal_allowed(&url("https://[::1]/token"), closed));
        assert!(!literal_allowed(
            &url("https://169.254.169.254/token"),
            closed
        ));
        assert!(literal_allowed(&url("https://127.0.0.1:10443/token"), open));
        assert!(literal_allowed(
            &url("https://login.microsoftonline.com/x"),
            closed
        ));
    }
}
