//! Turning network, TLS, IMAP and SMTP errors into a [`ConnectProblem`] the user can act on.

use crate::mail::{bounded_stream::StreamLimitError, text};
use domain::ConnectProblem;
use rustls::CertificateError;
use std::{fmt::Display, io};

/// What a connection error says when the server's bytes were no IMAP at all (async-imap
/// quotes the whole unparsable buffer in its error, which is never shown or kept).
pub const NOT_IMAP: &str = "the server sent an answer that is not valid IMAP";

/// Whether async-imap gave up parsing what the server sent.
pub fn is_parse_failure(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::Other
        && err.get_ref().is_some_and(|e| {
            let text = e.to_string();
            text.contains(" during parsing of ")
        })
}

/// Anything else, in the server's or the library's words: printable and capped (a parse
/// error quotes the bytes the server sent).
pub(crate) fn other(detail: impl Display) -> ConnectProblem {
    ConnectProblem::Other {
        detail: text::server(&detail.to_string()),
    }
}

/// The rustls error inside an I/O error (tokio-rustls wraps it as `InvalidData`).
pub(crate) fn rustls_error(err: &io::Error) -> Option<&rustls::Error> {
    err.get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>())
}

/// Whether a handshake failed because the peer does not speak TLS at all: its first bytes
/// (an IMAP `* OK` or SMTP `220` greeting) are no TLS record (RFC 8446 §5.1).
pub(crate) fn is_not_tls(err: &rustls::Error) -> bool {
    matches!(
        err,
        rustls::Error::InvalidMessage(_)
            | rustls::Error::InappropriateMessage { .. }
            | rustls::Error::PeerSentOversizedRecord
    )
}

/// A failed TCP connect, TLS handshake or read/write. `implicit_tls`: the handshake was
/// the first thing on the connection (not after STARTTLS), so plain text back means the
/// port wants STARTTLS.
pub(crate) fn io_problem(err: &io::Error, implicit_tls: bool) -> ConnectProblem {
    if let Some(tls) = rustls_error(err) {
        return match tls {
            rustls::Error::InvalidCertificate(cert) => ConnectProblem::CertificateNotTrusted {
                detail: certificate_detail(cert),
            },
            e if implicit_tls && is_not_tls(e) => ConnectProblem::TlsOnStartTlsPort,
            e => other(format!("TLS: {e}")),
        };
    }
    match StreamLimitError::of(err) {
        Some(StreamLimitError::Silent(_)) => return ConnectProblem::Timeout,
        Some(limit) => return other(limit),
        None if is_parse_failure(err) => return other(NOT_IMAP),
        None => {}
    }
    match err.kind() {
        io::ErrorKind::ConnectionRefused => ConnectProblem::ConnectionRefused,
        io::ErrorKind::TimedOut => ConnectProblem::Timeout,
        _ => other(err),
    }
}

fn certificate_detail(err: &CertificateError) -> String {
    match err {
        CertificateError::UnknownIssuer => "issued by an unknown certificate authority".into(),
        CertificateError::NotValidForName => "issued for another host name".into(),
        CertificateError::Expired => "expired".into(),
        CertificateError::NotValidYet => "not valid yet".into(),
        CertificateError::Revoked => "revoked".into(),
        CertificateError::BadSignature => "badly signed".into(),
        // The *Context variants explain themselves (names presented, dates).
        other => text::server(&other.to_string()),
    }
}

/// RFC 5530 response codes that mean "your login is fine, but you may not log in (now)".
const REFUSAL_CODES: [&str; 6] = [
    "[PRIVACYREQUIRED]",
    "[UNAVAILABLE]",
    "[CONTACTADMIN]",
    "[AUTHORIZATIONFAILED]",
    "[EXPIRED]",
    // Gmail and others explain app passwords and blocked sign-ins with ALERT (RFC 3501 §7.1).
    "[ALERT]",
];

/// A LOGIN / AUTHENTICATE answered with NO or BAD. async-imap renders it as
/// `code: None, info: Some("[AUTHENTICATIONFAILED] …")` because imap-proto does not
/// parse RFC 5530 codes.
pub(crate) fn imap_login_problem(err: &async_imap::error::Error) -> ConnectProblem {
    use async_imap::error::Error;
    let text = match err {
        Error::No(t) | Error::Bad(t) => server_text(t),
        Error::Io(io) => return io_problem(io, false),
        e => return other(e),
    };
    let upper = text.to_ascii_uppercase();
    if upper.contains("[AUTHENTICATIONFAILED]") {
        ConnectProblem::WrongPassword
    } else if REFUSAL_CODES.iter().any(|c| upper.contains(c)) {
        ConnectProblem::LoginRefused { server_text: text }
    } else if matches!(err, Error::No(_)) {
        // RFC 3501 §6.2.3: NO to LOGIN is "user name or password rejected"; servers
        // without RFC 5530 codes (older Exchange, many hosters) say only that.
        ConnectProblem::WrongPassword
    } else {
        ConnectProblem::Other { detail: text }
    }
}

/// The human part of async-imap's `code: …, info: Some("…")` rendering, printable and
/// capped ([`text::server`]).
pub fn server_text(rendered: &str) -> String {
    let human = match rendered.split_once("info: Some(\"") {
        Some((_, rest)) => rest
            .strip_suffix("\")")
            .unwrap_or(rest)
            .replace("\\\"", "\"")
            .replace("\\\\", "\\"),
        None => rendered.to_owned(),
    };
    text::server(&human)
}

/// The I/O error somewhere in an error's source chain (lettre wraps it once or twice).
pub(crate) fn find_io_error<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a io::Error> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return Some(io);
        }
        current = e.source();
    }
    None
}

/// An SMTP AUTH refused (RFC 4954 §6).
pub(crate) fn smtp_auth_problem(err: &lettre::transport::smtp::Error) -> ConnectProblem {
    let code = err.status().map(|c| c.to_string());
    match code.as_deref() {
        Some("535") => ConnectProblem::WrongPassword,
        // 534: mechanism too weak / web sign-in required; 538: encryption required;
        // 530: authentication required / not allowed for this account.
        Some("534" | "538" | "530") => ConnectProblem::LoginRefused {
            server_text: text::server(&err.to_string()),
        },
        _ => smtp_problem(err, false),
    }
}

/// Any other lettre error: network and TLS by the wrapped I/O error, else its text.
pub(crate) fn smtp_problem(
    err: &lettre::transport::smtp::Error,
    implicit_tls: bool,
) -> ConnectProblem {
    if err.is_timeout() {
        return ConnectProblem::Timeout;
    }
    match find_io_error(err) {
        Some(io) => io_problem(io, implicit_tls),
        None => other(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_imap::error::Error as ImapError;

    fn tls_io(err: rustls::Error) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, err)
    }

    #[test]
    fn certificate_errors_are_not_trusted() {
        for (cert, words) in [
            (
                CertificateError::UnknownIssuer,
                "unknown certificate authority",
            ),
            (CertificateError::NotValidForName, "another host name"),
            (CertificateError::Expired, "expired"),
        ] {
            let p = io_problem(&tls_io(rustls::Error::InvalidCertificate(cert)), true);
            let ConnectProblem::CertificateNotTrusted { detail } = p else {
                panic!("{p:?}");
            };
            assert!(detail.contains(words), "{detail}");
        }
    }

    #[test]
    fn plain_text_answer_to_a_handshake() {
        let err = tls_io(rustls::Error::InvalidMessage(
            rustls::InvalidMessage::InvalidContentType,
        ));
        assert_eq!(io_problem(&err, true), ConnectProblem::TlsOnStartTlsPort);
        // After STARTTLS was accepted, garbage is not a port mix-up.
        assert!(matches!(
            io_problem(&err, false),
            ConnectProblem::Other { .. }
        ));
    }

    #[test]
    fn network_errors() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(
            io_problem(&refused, true),
            ConnectProblem::ConnectionRefused
        );
        let slow = io::Error::from(io::ErrorKind::TimedOut);
        assert_eq!(io_problem(&slow, true), ConnectProblem::Timeout);
        let wrapped = Wrapper(io::Error::from(io::ErrorKind::ConnectionRefused));
        let found = find_io_error(&wrapped).map(io::Error::kind);
        assert_eq!(found, Some(io::ErrorKind::ConnectionRefused));
    }

    /// Like lettre's error: the I/O error only as `source()`.
    #[derive(Debug)]
    struct Wrapper(io::Error);
    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("connection error")
        }
    }
    impl std::error::Error for Wrapper {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn imap_login_answers() {
        let no = |info: &str| ImapError::No(format!("code: None, info: Some({info:?})"));
        let wrong = no("[AUTHENTICATIONFAILED] Authentication failed.");
        assert_eq!(imap_login_problem(&wrong), ConnectProblem::WrongPassword);
        assert_eq!(
            imap_login_problem(&no("LOGIN failed.")),
            ConnectProblem::WrongPassword
        );
        let privacy = no("[PRIVACYREQUIRED] Plaintext authentication disallowed");
        assert_eq!(
            imap_login_problem(&privacy),
            ConnectProblem::LoginRefused {
                server_text: "[PRIVACYREQUIRED] Plaintext authentication disallowed".into()
            }
        );
        let alert = no("[ALERT] Application-specific password required");
        assert!(matches!(
            imap_login_problem(&alert),
            ConnectProblem::LoginRefused { .. }
        ));
        let bad = ImapError::Bad("code: None, info: Some(\"Error in IMAP command\")".into());
        assert!(matches!(
            imap_login_problem(&bad),
            ConnectProblem::Other { .. }
        ));
    }

    #[test]
    fn server_text_unquotes() {
        assert_eq!(
            server_text(r#"code: None, info: Some("say \"hi\"")"#),
            "say \"hi\""
        );
        assert_eq!(server_text("plain"), "plain");
    }
}
