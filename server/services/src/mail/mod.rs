//! The mail engine's transport pieces: TLS trust for IMAP and SMTP.

pub mod check;
pub mod discovery;
pub mod mutf7;
pub mod tls;
