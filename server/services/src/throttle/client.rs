//! The address a request came from, as the throttles count it.

use std::net::{IpAddr, SocketAddr};

/// Where a request came from: the TCP peer, or with `TRUST_PROXY_HEADERS` the rightmost
/// `X-Forwarded-For` entry (the one our own proxy added). `Unknown` when neither is known
/// (an in-process test without connection info): all such requests share one bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientAddress {
    Ip(IpAddr),
    Unknown,
}

impl ClientAddress {
    /// `forwarded_for` are the `X-Forwarded-For` header values in order; they are read
    /// only when `trust_proxy_headers` is on, and an entry that is not an address is ignored.
    pub fn resolve<'a>(
        peer: Option<SocketAddr>,
        forwarded_for: impl IntoIterator<Item = &'a str>,
        trust_proxy_headers: bool,
    ) -> ClientAddress {
        let forwarded = trust_proxy_headers
            .then(|| {
                forwarded_for
                    .into_iter()
                    .flat_map(|v| v.split(','))
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .last()
                    .and_then(parse_entry)
            })
            .flatten();
        match forwarded.or(peer.map(|p| p.ip())) {
            Some(ip) => ClientAddress::Ip(ip),
            None => ClientAddress::Unknown,
        }
    }

    /// The bytes a throttle key is made of: an IPv4 address whole (IPv4-mapped IPv6
    /// included), an IPv6 address by its /64 prefix — one subscriber usually holds a whole
    /// /64, so counting single IPv6 addresses would let one attacker rotate freely.
    pub(super) fn bucket(&self) -> Vec<u8> {
        match self {
            ClientAddress::Ip(IpAddr::V4(v4)) => v4.octets().to_vec(),
            ClientAddress::Ip(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.octets().to_vec(),
                None => v6.octets()[..8].to_vec(),
            },
            ClientAddress::Unknown => Vec::new(),
        }
    }

    pub fn is_known(&self) -> bool {
        matches!(self, ClientAddress::Ip(_))
    }
}

/// `203.0.113.7`, `2001:db8::1`, `203.0.113.7:5000`, `[2001:db8::1]:5000`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    if entry.len() > 64 {
        return None;
    }
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            entry
                .strip_prefix('[')
                .and_then(|e| e.strip_suffix(']'))
                .and_then(|e| e.parse().ok())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> ClientAddress {
        ClientAddress::Ip(s.parse().unwrap())
    }

    #[test]
    fn the_peer_unless_proxy_headers_are_trusted() {
        let peer: SocketAddr = "10.0.0.2:40000".parse().unwrap();
        let xff = ["198.51.100.1, 203.0.113.7", "203.0.113.9"];
        assert_eq!(
            ClientAddress::resolve(Some(peer), xff, false),
            ip("10.0.0.2")
        );
        assert_eq!(
            ClientAddress::resolve(Some(peer), xff, true),
            ip("203.0.113.9")
        );
        assert_eq!(
            ClientAddress::resolve(Some(peer), ["1.1.1.1, [2001:db8::1]:5000"], true),
            ip("2001:db8::1")
        );
        assert_eq!(
            ClientAddress::resolve(Some(peer), ["garbage"], true),
            ip("10.0.0.2")
        );
        assert_eq!(ClientAddress::resolve(Some(peer), [], true), ip("10.0.0.2"));
        assert_eq!(
            ClientAddress::resolve(None, [], false),
            ClientAddress::Unknown
        );
        assert_eq!(
            ClientAddress::resolve(None, ["203.0.113.7"], false),
            ClientAddress::Unknown
        );
    }

    #[test]
    fn ipv6_counts_by_its_64_prefix() {
        assert_eq!(
            ip("2001:db8:1:2::1").bucket(),
            ip("2001:db8:1:2:ffff::9").bucket()
        );
        assert_ne!(
            ip("2001:db8:1:2::1").bucket(),
            ip("2001:db8:1:3::1").bucket()
        );
        assert_eq!(ip("::ffff:192.0.2.1").bucket(), ip("192.0.2.1").bucket());
        assert_ne!(ip("192.0.2.1").bucket(), ip("192.0.2.2").bucket());
    }
}
