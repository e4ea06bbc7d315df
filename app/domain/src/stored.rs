//! Enums stored as text columns: each converts to and from its stored word, and with the
//! `db` feature (the server) it is a SeaORM value type, so a row with an unknown word is
//! an error when read, never a silent default.

use std::{fmt, str::FromStr};

/// An enum kept in the database as one of its stored words.
pub trait StoredText: Copy + FromStr<Err = String> {
    fn stored(self) -> &'static str;
}

/// A stored word that names no variant (a corrupt or foreign row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue(pub String);

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UnknownValue {}

pub fn to_text<T: StoredText>(value: &T) -> String {
    value.stored().to_owned()
}

pub fn from_text<T: StoredText>(text: &str) -> Result<T, UnknownValue> {
    text.parse().map_err(UnknownValue)
}

/// A value kept as JSON text (settings records).
#[cfg(feature = "db")]
pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

#[cfg(feature = "db")]
pub fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, UnknownValue> {
    serde_json::from_str(text).map_err(|e| UnknownValue(e.to_string()))
}

/// Implements [`StoredText`] with the type's own word method.
macro_rules! stored_text {
    ($($ty:ty => $method:ident),+ $(,)?) => {
        $(impl $crate::stored::StoredText for $ty {
            fn stored(self) -> &'static str {
                self.$method()
            }
        })+
    };
}

stored_text!(
    crate::Access => as_str,
    crate::CrmMode => as_str,
    crate::SyncPeriod => as_str,
    crate::SyncPhase => as_str,
    crate::MailboxStatus => as_str,
    crate::AuthMethod => as_str,
    crate::Plan => as_str,
    crate::Provider => as_str,
    crate::Role => as_str,
    crate::Security => as_str,
    crate::Language => code,
    crate::ComposeKind => as_str,
    crate::SendState => as_str,
);
