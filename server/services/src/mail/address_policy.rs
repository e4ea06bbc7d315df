//! Which addresses the server may open mail connections to: the login check, the sync,
//! IMAP IDLE, discovery's probes and fetches (and SMTP sending when it comes). Host names
//! come from users, so without this a signed-in user could make the server connect to
//! loopback, its private network or cloud metadata (169.254.169.254) and learn from the
//! error which ports are open.
//!
//! One rule for every connection: resolve the name once, keep only the addresses that
//! pass [`AddressPolicy::allows`], and connect to those very addresses (never resolve
//! again: a second answer could point elsewhere). A name with no allowed address gets one
//! generic answer, whatever the reason and whether or not anything listens there.
//!
//! `MAIL_ALLOW_PRIVATE=true` (older name: `MAIL_DISCOVERY_ALLOW_PRIVATE`) lets an
//! on-premise deployment, the tests and the demo reach private and loopback servers.

use crate::config::Vars;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The switch's name, and the older discovery-only name kept as an alias.
pub const ALLOW_PRIVATE_VAR: &str = "MAIL_ALLOW_PRIVATE";
pub const ALLOW_PRIVATE_ALIAS: &str = "MAIL_DISCOVERY_ALLOW_PRIVATE";

/// Off by default: only public Internet addresses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    pub allow_private: bool,
}

impl AddressPolicy {
    /// Public addresses only.
    pub const PUBLIC_ONLY: AddressPolicy = AddressPolicy {
        allow_private: false,
    };
    /// Any address (tests, the demo, on-premise servers).
    pub const ALLOW_PRIVATE: AddressPolicy = AddressPolicy {
        allow_private: true,
    };

    /// From `MAIL_ALLOW_PRIVATE` (or its alias), read by the one configuration reader; a
    /// value that is not a switch leaves private addresses blocked (and is logged).
    pub fn from_env() -> Self {
        Self::from_vars(&Vars::new(|key| std::env::var(key).ok())).unwrap_or_else(|err| {
            tracing::warn!(%err, "private mail addresses stay blocked");
            Self::PUBLIC_ONLY
        })
    }

    pub fn from_vars(v: &Vars) -> anyhow::Result<Self> {
        Ok(AddressPolicy {
            allow_private: v.flag(ALLOW_PRIVATE_VAR, false)?
                || v.flag(ALLOW_PRIVATE_ALIAS, false)?,
        })
    }

    pub fn allows(self, ip: IpAddr) -> bool {
        self.allow_private || is_public(ip)
    }

    /// The addresses a connection may use, in the resolver's order; empty when none may.
    pub fn vet(self, addrs: impl IntoIterator<Item = SocketAddr>) -> Vec<SocketAddr> {
        addrs.into_iter().filter(|a| self.allows(a.ip())).collect()
    }
}

/// True when the address is routable on the public Internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private() // RFC 1918
        || ip.is_link_local() // RFC 3927 (cloud metadata)
        || ip.is_broadcast()
        || ip.is_documentation() // RFC 5737
        || ip.is_multicast()
        || a == 0 // "this network", RFC 791
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT), RFC 6598
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments, RFC 6890
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast, RFC 7526
        || (a == 198 && (18..20).contains(&b)) // benchmarking, RFC 2544
        || a >= 240) // reserved, RFC 1112
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded_v4 = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if s[0] == 0x0064 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        // NAT64 well-known prefix (RFC 6052): what DNS64 returns for IPv4-only servers.
        return is_public_v4(embedded_v4(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        // 6to4 (RFC 3056) carries an IPv4 address in bits 16..48.
        return is_public_v4(embedded_v4(s[1], s[2]));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local, RFC 4193
        || (s[0] & 0xffc0) == 0xfe80 // link-local, RFC 4291
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated), RFC 3879
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation, RFC 3849
        || (s[0] == 0x3fff && s[1] < 0x1000) // documentation, RFC 9637
        || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64 local-use prefixes, RFC 8215
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard-only, RFC 6666
        || (s[0] == 0x2001 && s[1] == 0) // Teredo hides the IPv4 address it reaches, RFC 4380
        || s[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible (deprecated), RFC 4291 §2.5.5.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_every_local_and_special_range_unless_allowed() {
        for local in [
            "127.0.0.1",
            "127.255.255.254",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "192.0.0.8",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fc00::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "64:ff9b::7f00:1",
            "64:ff9b:1::808:808",
            "2001:db8::1",
            "2002:7f00:1::",
            "2001:0:4136:e378::1",
            "100::1",
        ] {
            let ip: IpAddr = local.parse().unwrap();
            assert!(!AddressPolicy::PUBLIC_ONLY.allows(ip), "{local}");
            assert!(AddressPolicy::ALLOW_PRIVATE.allows(ip), "{local}");
        }
        for public in [
            "93.184.216.34",
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2606:4700::1111",
            "2a00:1450:4001::1",
        ] {
            let ip: IpAddr = public.parse().unwrap();
            assert!(AddressPolicy::PUBLIC_ONLY.allows(ip), "{public}");
        }
    }

    #[test]
    fn vet_keeps_only_allowed_addresses_in_order() {
        let addrs: Vec<SocketAddr> = ["10.0.0.1:993", "1.1.1.1:993", "[::1]:993", "8.8.8.8:993"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect();
        let kept = AddressPolicy::PUBLIC_ONLY.vet(addrs.clone());
        assert_eq!(kept, vec![addrs[1], addrs[3]]);
        assert_eq!(AddressPolicy::ALLOW_PRIVATE.vet(addrs.clone()), addrs);
        assert!(
            AddressPolicy::PUBLIC_ONLY
                .vet([addrs[0], addrs[2]])
                .is_empty()
        );
    }

    #[test]
    fn one_switch_under_two_names() {
        let policy = |key: &'static str, value: &'static str| {
            AddressPolicy::from_vars(&Vars::new(move |k| (k == key).then(|| value.to_owned())))
                .unwrap()
        };
        assert!(policy(ALLOW_PRIVATE_VAR, "true").allow_private);
        assert!(policy(ALLOW_PRIVATE_VAR, " YES ").allow_private);
        assert!(policy(ALLOW_PRIVATE_ALIAS, "1").allow_private);
        assert!(!policy(ALLOW_PRIVATE_VAR, "false").allow_private);
        assert!(!policy(ALLOW_PRIVATE_VAR, "").allow_private);
        assert!(
            !AddressPolicy::from_vars(&Vars::new(|_| None))
                .unwrap()
                .allow_private
        );
        assert!(
            AddressPolicy::from_vars(&Vars::new(|_| Some("maybe".into()))).is_err(),
            "a value that is not a switch is an error, not a silent default"
        );
    }
}
