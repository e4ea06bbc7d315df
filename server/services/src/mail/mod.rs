//! The mail engine's transport pieces: which addresses may be reached, TLS trust, the
//! bounded stream under every IMAP session, logging in (`login`: the wizard's check, the
//! sync and IDLE all open their sessions there), discovery, and the quote runs of a
//! plain-text body (`quotes`).

pub mod address_policy;
pub mod bounded_stream;
pub mod credentials;
pub mod discovery;
pub mod login;
pub mod mutf7;
pub mod quotes;
pub mod text;
pub mod tls;
