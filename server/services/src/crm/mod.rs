//! The minimal CRM mail links to (SPEC § Email ↔ CRM links): contacts, companies, leads
//! and deals of a workspace (`records`), links from messages to them by hand (`links`)
//! or by the automatic rules during sync and on send (`auto`), which skip machine mail
//! (`machine`) and never turn free-mail domains or the workspace's own people into
//! records (`addresses`); the correspondence a card shows (`timeline`).

pub mod addresses;
pub mod auto;
pub mod links;
pub mod machine;
pub mod records;
pub mod timeline;

/// Which way a message went: outgoing when filed in Sent or sent from the mailbox's own
/// address, else incoming. The one rule the automatic links and a card's timeline share.
pub fn direction(in_sent: bool, from: &str, mailbox_email: &str) -> domain::Direction {
    let own = addresses::normalize(mailbox_email);
    let from_me = own.is_some() && addresses::normalize(from) == own;
    if in_sent || from_me {
        domain::Direction::Outgoing
    } else {
        domain::Direction::Incoming
    }
}
