//! The project's real Dovecot + Postfix (scripts/mail-stack): its ports and CA, read from
//! the environment `make test` exports, or from `target/mail-stack/env`.

#![allow(dead_code)]

use domain::{Security, ServerAddress};
use std::{collections::HashMap, path::PathBuf};

pub struct Stack {
    pub host: String,
    pub imaps: u16,
    pub imap: u16,
    pub smtps: u16,
    pub submission: u16,
    pub ca: PathBuf,
}

/// A variable of the running stack: the environment `make test` exports, else the
/// stack's env file.
pub fn stack_var(k: &str) -> String {
    std::env::var(k)
        .ok()
        .or_else(|| env_file().remove(k))
        .unwrap_or_else(|| panic!("{k} missing: run scripts/mail-stack/mail-stack start"))
}

/// `target/mail-stack/env`, read only when the environment lacks a variable.
fn env_file() -> HashMap<String, String> {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/mail-stack/env");
    std::fs::read_to_string(&file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.trim_matches('"').to_owned()))
        .collect()
}

pub fn stack() -> Stack {
    let var = stack_var;
    Stack {
        host: var("MAILSTACK_HOST"),
        imaps: var("MAILSTACK_IMAPS_PORT").parse().unwrap(),
        imap: var("MAILSTACK_IMAP_PORT").parse().unwrap(),
        smtps: var("MAILSTACK_SMTPS_PORT").parse().unwrap(),
        submission: var("MAILSTACK_SUBMISSION_PORT").parse().unwrap(),
        ca: var("MAILSTACK_CA").into(),
    }
}

impl Stack {
    pub fn imaps_server(&self) -> ServerAddress {
        ServerAddress {
            host: self.host.clone(),
            port: self.imaps,
            security: Security::Tls,
        }
    }

    pub fn smtps_server(&self) -> ServerAddress {
        ServerAddress {
            host: self.host.clone(),
            port: self.smtps,
            security: Security::Tls,
        }
    }
}
