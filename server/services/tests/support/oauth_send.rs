//! Sending from a mailbox connected by an OAuth2 sign-in: a [`Sender`] of the send
//! fixtures whose engine logs in with the grant's access token (XOAUTH2 at Postfix and
//! Dovecot), and what Postfix logged about how a sender authenticated.

#![allow(dead_code)]

use crate::{
    common::{mailbox_fixtures::member, wait::wait_for},
    oauth_fixtures::{AuthServer, connect_signed_in, oauth_engine},
    send_fixtures::Sender,
};
use domain::Provider;
use services::{AppState, accounts::Actor, sending};
use std::{path::PathBuf, time::Duration};

/// A mailbox `id` of `owner` (mail user `user`) already connected by a sign-in, as a
/// sender: no undo-send delay, a member of the workspace as the grantee the fixtures
/// expect (the mailbox is not shared with them), synced once.
pub async fn sender_of(st: AppState, user: String, owner: Actor, id: i64) -> Sender {
    let grantee = member(&st.db, &owner, &format!("b-{user}@acme.com")).await;
    sending::set_undo_seconds(&st, &owner, 0).await.unwrap();
    let engine = oauth_engine(&st);
    let sender = Sender {
        st,
        engine,
        user,
        id,
        owner,
        grantee,
        proxy: None,
    };
    sender.sync().await;
    sender
}

/// A fresh mail user `<prefix><random>` connected by signing in to Microsoft 365 (no
/// password stored), as a sender.
pub async fn signed_in_sender(st: AppState, a: &AuthServer, user: String) -> Sender {
    let (owner, id) = connect_signed_in(&st, a, &user, Provider::Microsoft365).await;
    sender_of(st, user, owner, id).await
}

fn postfix_log() -> PathBuf {
    std::env::var("MAILSTACK_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/mail-stack")
        })
        .join("logs/postfix.log")
}

/// The SASL mechanisms Postfix logged for messages it accepted from `email`
/// (`client=…, sasl_method=XOAUTH2, sasl_username=<email>`), once at least `n` are there.
pub async fn smtp_auth_methods(email: &str, n: usize) -> Vec<String> {
    let needle = format!("sasl_username={email}");
    let methods = || {
        std::fs::read_to_string(postfix_log())
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("client=") && l.trim_end().ends_with(&needle))
            .filter_map(|l| l.split("sasl_method=").nth(1))
            .filter_map(|rest| rest.split(',').next())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    wait_for(Duration::from_secs(10), Duration::from_millis(50), || {
        let found = methods();
        async move { (found.len() >= n).then_some(found) }
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "Postfix logged no accepted message from {email}: {:?}",
            methods()
        )
    })
}
