//! The mail engine's transport pieces: TLS trust for IMAP and SMTP.

pub mod tls;
