//! The log filter every process uses. Whatever level the operator asks for, the IMAP
//! protocol trace stays off: async-imap logs each command it encodes at TRACE, and
//! LOGIN carries the mailbox password in clear.

use tracing_subscriber::{EnvFilter, filter::Directive};

/// Targets whose TRACE output can contain credentials.
const SECRET_BEARING_TARGETS: [&str; 1] = ["async_imap::imap_stream=debug"];

/// `RUST_LOG` when set, else `level`, with the secret-bearing targets capped.
pub fn filter(level: &str) -> EnvFilter {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    for target in SECRET_BEARING_TARGETS {
        if let Ok(directive) = target.parse::<Directive>() {
            filter = filter.add_directive(directive);
        }
    }
    filter
}
