//! RFC 6186 SRV discovery: `_imaps._tcp` / `_imap._tcp` for IMAP and RFC 8314's
//! `_submissions._tcp` / `_submission._tcp` for SMTP submission.

use super::{Found, dns::Dns, dns::SrvRecord, names};
use domain::{Security, ServerAddress};

pub(super) async fn lookup(dns: &Dns, domain: &str) -> Found {
    let names = ["_imaps", "_imap", "_submissions", "_submission"]
        .map(|service| format!("{service}._tcp.{domain}"));
    let (imaps, imap, submissions, submission) = tokio::join!(
        dns.srv(&names[0]),
        dns.srv(&names[1]),
        dns.srv(&names[2]),
        dns.srv(&names[3]),
    );
    Found {
        imap: best(&[(imaps, Security::Tls), (imap, Security::StartTls)]),
        smtp: best(&[
            (submissions, Security::Tls),
            (submission, Security::StartTls),
        ]),
    }
}

/// The preferred server among the records of one protocol's two services.
///
/// RFC 6186 §3.4: the priority field orders the servers across both services; among equal
/// priorities the higher weight wins (RFC 2782 picks by weighted chance, but a suggestion
/// shown to a user should not change between two visits), then implicit TLS (RFC 8314 §3).
/// A target of "." means the service is decidedly not offered there (RFC 2782, RFC 6186
/// §4), as does port 0; such records and unusable host names are left out.
fn best(services: &[(Vec<SrvRecord>, Security)]) -> Option<ServerAddress> {
    let mut candidates: Vec<(&SrvRecord, Security, String)> = services
        .iter()
        .flat_map(|(records, security)| records.iter().map(move |r| (r, *security)))
        .filter(|(record, _)| record.port != 0)
        .filter_map(|(record, security)| {
            let host = names::host_name(record.target.as_deref()?)?;
            Some((record, security, host))
        })
        .collect();
    candidates.sort_by_key(|(record, security, _)| {
        (
            record.priority,
            std::cmp::Reverse(record.weight),
            *security != Security::Tls,
        )
    });
    let (record, security, host) = candidates.into_iter().next()?;
    Some(ServerAddress {
        host,
        port: record.port,
        security,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(priority: u16, weight: u16, port: u16, target: Option<&str>) -> SrvRecord {
        SrvRecord {
            priority,
            weight,
            port,
            target: target.map(str::to_string),
        }
    }

    #[test]
    fn lowest_priority_then_highest_weight_then_tls() {
        let tls = vec![
            rec(10, 5, 993, Some("a.example.com.")),
            rec(0, 1, 994, Some("b.example.com.")),
        ];
        let starttls = vec![rec(0, 9, 143, Some("c.example.com."))];
        let pick = best(&[(tls.clone(), Security::Tls), (starttls, Security::StartTls)]).unwrap();
        assert_eq!((pick.host.as_str(), pick.port), ("c.example.com", 143));
        assert_eq!(pick.security, Security::StartTls);

        let tie = vec![rec(0, 1, 143, Some("c.example.com."))];
        let pick = best(&[(tls, Security::Tls), (tie, Security::StartTls)]).unwrap();
        assert_eq!(
            (pick.host.as_str(), pick.security),
            ("b.example.com", Security::Tls)
        );
    }

    #[test]
    fn dot_target_port_zero_and_bad_names_are_not_offered() {
        let none = vec![
            rec(0, 0, 993, None),
            rec(0, 0, 0, Some("x.example.com.")),
            rec(0, 0, 993, Some("bad host.example.com.")),
            rec(0, 0, 993, Some("localhost.")),
        ];
        assert_eq!(best(&[(none, Security::Tls)]), None);
        assert_eq!(best(&[]), None);
    }
}
