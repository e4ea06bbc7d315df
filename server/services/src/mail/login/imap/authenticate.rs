//! How a session logs in: LOGIN, or AUTHENTICATE PLAIN or XOAUTH2, with SASL-IR where
//! offered.

use super::{Tls, greeting::capability_text};
use crate::mail::login::{Credential, Login, classify};
use async_imap::{Client, imap_proto::Capability};
use domain::ConnectProblem;

/// How a session logs in, chosen from what the server offers before login.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Method {
    Login,
    /// AUTHENTICATE PLAIN (RFC 4616): the server disabled LOGIN, or the password or user
    /// name is not ASCII (LOGIN's quoted strings are 7-bit, RFC 3501 §9).
    Plain {
        initial: bool,
    },
    /// AUTHENTICATE XOAUTH2, for an OAuth2 access token.
    XOAuth2 {
        initial: bool,
    },
    /// LOGINDISABLED and no AUTH=PLAIN: refused here, nothing sent.
    Refused,
}

/// The log-in [`authenticate`] does for these offers. `initial`: SASL-IR (RFC 4959), the
/// first message goes with the command, a round trip less than waiting for the server's
/// empty challenge.
pub(super) fn method(caps: &[String], login: &Login) -> Method {
    let offered = |name: &str| caps.iter().any(|c| c == name);
    let initial = offered("SASL-IR");
    let password = match &login.credential {
        Credential::Bearer(_) => return Method::XOAuth2 { initial },
        Credential::Password(password) => password,
    };
    let login_disabled = offered("LOGINDISABLED");
    let needs_plain = login_disabled || !password.is_ascii() || !login.username.is_ascii();
    if needs_plain && offered("AUTH=PLAIN") {
        Method::Plain { initial }
    } else if login_disabled {
        Method::Refused
    } else {
        Method::Login
    }
}

/// Whether that log-in goes out whole with its command line and is sent as written:
/// LOGIN (no CR or LF, which async-imap refuses before sending), or AUTHENTICATE with
/// SASL-IR. Only such a log-in goes before the greeting (`greeting::Early`).
pub(super) fn answered_at_once(caps: &[String], login: &Login) -> bool {
    match method(caps, login) {
        Method::Login => {
            let line_safe = |text: &str| !text.contains(['\r', '\n']);
            line_safe(&login.username) && login.password().is_some_and(line_safe)
        }
        Method::Plain { initial } | Method::XOAuth2 { initial } => initial,
        Method::Refused => false,
    }
}

/// Logs in as [`method`] says; a refused token means the sign-in expired.
/// With the session, the capabilities the tagged OK told, where it told them, and whether
/// `lines` went out behind a LOGIN (see `open_session_pipelining`). A failure comes with
/// the greeting read aside, if it was (`BoundedStream::set_greeting_aside`).
pub(super) async fn authenticate(
    mut client: Client<Tls>,
    caps: &[String],
    login: &Login,
    lines: &str,
) -> Result<super::LoggedIn, (ConnectProblem, Option<Vec<u8>>)> {
    let (token, password) = match &login.credential {
        Credential::Bearer(token) => (token.as_str(), ""),
        Credential::Password(password) => ("", password.as_str()),
    };
    let result = match method(caps, login) {
        Method::XOAuth2 { initial } => {
            let (mechanism, answer) = sasl("XOAUTH2", login.xoauth2(token), initial);
            return client
                .authenticate(mechanism, answer)
                .await
                .map(|session| (session, None, false))
                .map_err(|(err, mut client)| {
                    let problem = match classify::imap_login_problem(&err) {
                        ConnectProblem::WrongPassword => ConnectProblem::SignInExpired,
                        other => other,
                    };
                    (problem, client.get_mut().take_greeting())
                });
        }
        Method::Plain { initial } => {
            let message = format!("\0{}\0{}", login.username, password);
            let (mechanism, answer) = sasl("PLAIN", message, initial);
            client
                .authenticate(mechanism, answer)
                .await
                .map(|session| (session, None, false))
        }
        Method::Refused => {
            let refused = ConnectProblem::LoginRefused {
                server_text: "LOGINDISABLED, and no AUTH=PLAIN".into(),
            };
            return Err((refused, client.get_mut().take_greeting()));
        }
        Method::Login => {
            let sent = !lines.is_empty() && caps.iter().any(|c| c == "ENABLE");
            if sent {
                client.get_mut().send_at_next_flush(lines.as_bytes());
            }
            // The OK's CAPABILITY code, where there is one (RFC 3501 §6.2.3).
            client
                .login_with_capabilities(&login.username, password)
                .await
                .map(|(session, told)| (session, told.map(|told| owned(&told)), sent))
        }
    };
    result.map_err(|(err, mut client)| {
        let greeting = client.get_mut().take_greeting();
        (classify::imap_login_problem(&err), greeting)
    })
}

/// async-imap's capabilities as the texts [`capability_text`] gives.
pub(super) fn owned(list: &async_imap::types::Capabilities) -> Vec<String> {
    list.iter()
        .map(|cap| match cap {
            // The same three cases as the wire type, owned.
            async_imap::types::Capability::Imap4rev1 => capability_text(&Capability::Imap4rev1),
            async_imap::types::Capability::Auth(mech) => {
                capability_text(&Capability::Auth(mech.as_str().into()))
            }
            async_imap::types::Capability::Atom(atom) => {
                capability_text(&Capability::Atom(atom.as_str().into()))
            }
        })
        .collect()
}

/// What follows AUTHENTICATE for a single-message `mechanism`, and what answers the
/// server's challenges: with `initial` (SASL-IR offered) the message itself, base64, and
/// an empty answer to any challenge; without, the message to the first challenge.
fn sasl(mechanism: &str, message: String, initial: bool) -> (String, OneAnswer) {
    use base64::Engine;
    if initial {
        let encoded = base64::engine::general_purpose::STANDARD.encode(message);
        (format!("{mechanism} {encoded}"), OneAnswer(None))
    } else {
        (mechanism.to_owned(), OneAnswer(Some(message)))
    }
}

/// A single-message SASL exchange (PLAIN, XOAUTH2): the message to the first challenge,
/// an empty answer to any later one (XOAUTH2's error challenge, RFC-less but documented by
/// Google and Microsoft, is answered empty so the server sends its NO).
struct OneAnswer(Option<String>);

impl async_imap::Authenticator for OneAnswer {
    type Response = String;
    fn process(&mut self, _challenge: &[u8]) -> String {
        self.0.take().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_imap::Authenticator;

    #[test]
    fn with_sasl_ir_the_message_goes_with_the_command() {
        let (command, mut answer) = sasl("PLAIN", "\0u\0p".into(), true);
        assert_eq!(command, "PLAIN AHUAcA==");
        // A challenge after it (XOAUTH2's error) is answered empty, so the server says NO.
        assert_eq!(answer.process(b"{\"status\":\"401\"}"), "");
        let (command, mut answer) = sasl("PLAIN", "\0u\0p".into(), false);
        assert_eq!(command, "PLAIN");
        assert_eq!(answer.process(b""), "\0u\0p");
        assert_eq!(answer.process(b""), "");
    }
}
