//! Reads Thunderbird's autoconfig format (clientConfig v1.1): the first usable
//! `emailProvider/incomingServer[@type="imap"]` and `outgoingServer[@type="smtp"]`.
//! The file comes from the network, so any parse error drops the whole file.

use super::{Found, names};
use domain::{Security, ServerAddress};
use quick_xml::{Reader, XmlVersion, events::Event};

/// Real files nest four levels; a deep file is hostile and is not read further.
const MAX_DEPTH: usize = 32;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Imap,
    Smtp,
}

/// The fields of one server element while it is being read.
#[derive(Default)]
struct Server {
    hostname: String,
    port: String,
    socket_type: String,
    /// Entity references never belong in these values; one makes the server unusable
    /// instead of silently joining the text around it.
    tainted: bool,
}

/// The servers in the file; `domain` and `email` fill the %EMAILDOMAIN% and
/// %EMAILADDRESS% placeholders of host names.
pub(super) fn parse(body: &str, email: &str, domain: &str) -> Option<Found> {
    let mut reader = Reader::from_str(body);
    let mut path: Vec<String> = Vec::new();
    let mut current: Option<(Kind, Server)> = None;
    let mut found = Found::default();
    loop {
        match reader.read_event().ok()? {
            Event::Start(start) => {
                let name = start.local_name().as_ref().to_string();
                if path.len() >= MAX_DEPTH {
                    return None;
                }
                let parents: Vec<&str> = path.iter().map(String::as_str).collect();
                if parents == ["clientConfig", "emailProvider"] {
                    let kind = start
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == "type")
                        .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok())
                        .map(|v| v.to_ascii_lowercase());
                    current = match (name.as_str(), kind.as_deref()) {
                        ("incomingServer", Some("imap")) => Some((Kind::Imap, Server::default())),
                        ("outgoingServer", Some("smtp")) => Some((Kind::Smtp, Server::default())),
                        _ => None,
                    };
                }
                path.push(name);
            }
            Event::End(_) => {
                if path.len() == 3
                    && let Some((kind, server)) = current.take()
                {
                    let slot = match kind {
                        Kind::Imap => &mut found.imap,
                        Kind::Smtp => &mut found.smtp,
                    };
                    if slot.is_none() {
                        *slot = usable(&server, email, domain);
                    }
                }
                path.pop();
            }
            Event::Text(text) => append(&mut current, &path, &text),
            Event::CData(data) => append(
                &mut current,
                &path,
                &data.xml_content(XmlVersion::Implicit1_0),
            ),
            Event::GeneralRef(_) => {
                if let Some((_, server)) = current.as_mut()
                    && path.len() == 4
                {
                    server.tainted = true;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Some(found)
}

/// Adds text to the server field it belongs to (a direct child of the server element).
fn append(current: &mut Option<(Kind, Server)>, path: &[String], text: &str) {
    let Some((_, server)) = current.as_mut() else {
        return;
    };
    if path.len() != 4 {
        return;
    }
    let field = match path[3].as_str() {
        "hostname" => &mut server.hostname,
        "port" => &mut server.port,
        "socketType" => &mut server.socket_type,
        _ => return,
    };
    // A value is a host name or a number: anything long is not one.
    if field.len() + text.len() > 512 {
        server.tainted = true;
        return;
    }
    field.push_str(text);
}

/// The server when it is complete and encrypted; `plain` is skipped because a password is
/// never sent in clear text (RFC 8314 "Cleartext Considered Obsolete"; the login check
/// refuses it too).
fn usable(server: &Server, email: &str, domain: &str) -> Option<ServerAddress> {
    if server.tainted {
        return None;
    }
    let security = match server.socket_type.trim().to_ascii_uppercase().as_str() {
        "SSL" | "TLS" => Security::Tls,
        "STARTTLS" => Security::StartTls,
        _ => return None,
    };
    let port: u16 = server.port.trim().parse().ok().filter(|p| *p != 0)?;
    let host = server
        .hostname
        .trim()
        .replace("%EMAILDOMAIN%", domain)
        .replace("%EMAILADDRESS%", email);
    Some(ServerAddress {
        host: names::host_name(&host)?,
        port,
        security,
    })
}

#[cfg(test)]
#[path = "xml_tests.rs"]
mod tests;
