//! The autoconfig step: fetch the domain's clientConfig file from each configured URL in
//! turn and take the first that names both an IMAP and an SMTP server.

use super::{DiscoveryConfig, Found, dns::Dns, names::EmailAddress, xml};
use crate::mail::address_policy::AddressPolicy;
use reqwest::{
    Url,
    dns::{Addrs, Name, Resolve, Resolving},
    redirect,
};
use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Duration,
};

/// Real files are a few kilobytes; a bigger answer is not one and is not read to the end.
const MAX_BODY: usize = 256 * 1024;
/// Hosting providers redirect `.well-known` once or twice; more is a loop or a trap.
const MAX_REDIRECTS: usize = 3;

pub(super) async fn lookup(dns: &Dns, address: &EmailAddress, config: &DiscoveryConfig) -> Found {
    if config.autoconfig_urls.is_empty() {
        return Found::default();
    }
    let Some(client) = client(dns, config.timeout) else {
        return Found::default();
    };
    let email = address.full();
    for template in &config.autoconfig_urls {
        let url = address.expand(template);
        let Some(body) = fetch(&client, &url, dns.allow_private(), config.timeout).await else {
            continue;
        };
        match xml::parse(&body, &email, &address.domain) {
            Some(found) if found.imap.is_some() && found.smtp.is_some() => return found,
            Some(_) => {
                tracing::debug!(%url, "autoconfig file lacks an encrypted IMAP or SMTP server")
            }
            None => tracing::debug!(%url, "autoconfig file is not valid XML; skipped"),
        }
    }
    Found::default()
}

/// No proxy (it would resolve names past our address guard), no decompression (a small
/// compressed body cannot grow past the size cap), our resolver for every host name.
fn client(dns: &Dns, timeout: Duration) -> Option<reqwest::Client> {
    let allow_private = dns.allow_private();
    let policy = redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else if url_allowed(attempt.url(), allow_private) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    });
    reqwest::Client::builder()
        .use_rustls_tls()
        .no_proxy()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(policy)
        .dns_resolver(Arc::new(GuardedResolver(dns.clone())))
        .user_agent(concat!("mailcenter-autoconfig/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| tracing::warn!(%error, "cannot build the autoconfig HTTP client"))
        .ok()
}

/// The body of a successful answer of at most `MAX_BODY` bytes of UTF-8, else None.
async fn fetch(
    client: &reqwest::Client,
    url: &str,
    allow_private: bool,
    timeout: Duration,
) -> Option<String> {
    let url = Url::parse(url).ok()?;
    if !url_allowed(&url, allow_private) {
        tracing::debug!(%url, "autoconfig URL not allowed");
        return None;
    }
    let work = async {
        let mut response = client.get(url.clone()).send().await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BODY as u64)
        {
            return None;
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.ok()? {
            if body.len() + chunk.len() > MAX_BODY {
                tracing::debug!(%url, "autoconfig answer over the size cap; skipped");
                return None;
            }
            body.extend_from_slice(&chunk);
        }
        String::from_utf8(body).ok()
    };
    // reqwest's own timeout covers the request; this also bounds our resolver's part.
    tokio::time::timeout(timeout, work).await.ok().flatten()
}

/// HTTP(S) only; a literal address must pass the same guard as resolved names (reqwest
/// does not call the resolver for those).
fn url_allowed(url: &Url, allow_private: bool) -> bool {
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    let Some(host) = url.host_str() else {
        return false;
    };
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    match literal.parse::<IpAddr>() {
        Ok(ip) => AddressPolicy { allow_private }.allows(ip),
        Err(_) => true,
    }
}

/// Resolves through discovery's DNS and drops the addresses `mail::address_policy` refuses.
struct GuardedResolver(Dns);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let dns = self.0.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let ips = dns.addresses(&host).await;
            if ips.is_empty() {
                return Err(format!("{host}: no address discovery may use").into());
            }
            // reqwest replaces port 0 with the URL's port.
            let addrs: Addrs = Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_urls_to_allowed_addresses() {
        let ok = |u: &str, private| url_allowed(&Url::parse(u).unwrap(), private);
        assert!(ok("https://autoconfig.example.com/x", false));
        assert!(!ok("http://127.0.0.1:8080/x", false));
        assert!(ok("http://127.0.0.1:8080/x", true));
        assert!(!ok("http://[::1]/x", false));
        assert!(!ok("http://169.254.169.254/latest", false));
        assert!(!ok("file:///etc/passwd", true));
        assert!(!ok("ftp://example.com/x", true));
    }
}
