//! Which addresses discovery may fetch from or probe. The domain comes from a user, so a
//! domain whose names point at loopback, private ranges or link-local (cloud metadata at
//! 169.254.169.254) would otherwise turn the server into a scanner of its own network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// True when the address is reachable on the public Internet (or `allow_private` is set).
pub(super) fn allowed(ip: IpAddr, allow_private: bool) -> bool {
    allow_private || is_global(ip)
}

fn is_global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_global_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_global_v4(v4),
            None => is_global_v6(v6),
        },
    }
}

fn is_global_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private() // RFC 1918
        || ip.is_link_local() // RFC 3927
        || ip.is_broadcast()
        || ip.is_documentation() // RFC 5737
        || ip.is_multicast()
        || a == 0 // "this network", RFC 791
        || (a == 100 && (64..128).contains(&b)) // shared address space, RFC 6598
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments, RFC 6890
        || (a == 198 && (18..20).contains(&b)) // benchmarking, RFC 2544
        || a >= 240) // reserved, RFC 1112
}

fn is_global_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local, RFC 4193
        || (first & 0xffc0) == 0xfe80 // link-local, RFC 4291
        || (first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation, RFC 3849
        || (first == 0x0064 && ip.segments()[1] == 0xff9b)) // NAT64 can reach IPv4 private ranges, RFC 6052
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_local_networks_unless_allowed() {
        for local in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "64:ff9b::a00:1",
        ] {
            let ip: IpAddr = local.parse().unwrap();
            assert!(!allowed(ip, false), "{local}");
            assert!(allowed(ip, true), "{local}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700::1111"] {
            assert!(allowed(public.parse().unwrap(), false), "{public}");
        }
    }
}
