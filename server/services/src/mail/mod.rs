//! The mail engine's transport pieces: which addresses may be reached, TLS trust, the
//! bounded stream under every IMAP session, the login check and discovery.

pub mod address_policy;
pub mod bounded_stream;
pub mod check;
pub mod discovery;
pub mod mutf7;
pub mod text;
pub mod tls;
