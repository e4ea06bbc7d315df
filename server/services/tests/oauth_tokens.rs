//! An OAuth2 grant over its life, against the test stack's real authorization server
//! (rotating refresh tokens) and the real Dovecot + Postfix (XOAUTH2, introspection), on
//! SQLite and PostgreSQL: refreshed before it expires, exactly once when two processes
//! need a token at once, used to sync and to send, and a revoked grant → needs reconnect
//! → **Reconnect** keeps every message, setting and grant, while an access token refused
//! before its time (its grant still good) is refreshed once instead.

use crate::common;
use crate::oauth_fixtures;
use crate::oauth_send;
use crate::send_fixtures;

use chrono::{Duration, Utc};
use common::{
    databases,
    mail_stack::stack,
    mailbox_fixtures::{admin, member, settings},
    sync_fixtures::{mail_user, seed},
};
use domain::{Access, AuthMethod, MailboxStatus, Provider, SignInProblem};
use oauth_fixtures::*;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use send_fixtures::email;
use services::{
    entities::{mailbox, mailbox_grant, message},
    error::ServiceError,
    mail_view, mailboxes,
    mailboxes::SignInDone,
    oauth::tokens::{REFRESH_MARGIN, access_token},
    sync::schedule::Outcome,
};

async fn mailbox_row(db: &DatabaseConnection, id: i64) -> mailbox::Model {
    mailbox::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

async fn message_count(db: &DatabaseConnection, id: i64) -> u64 {
    let of_mailbox = message::Column::MailboxId.eq(id);
    message::Entity::find()
        .filter(of_mailbox)
        .count(db)
        .await
        .unwrap()
}

/// The users the mailbox is shared with.
async fn grantees(db: &DatabaseConnection, id: i64) -> Vec<i64> {
    let of_mailbox = mailbox_grant::Column::MailboxId.eq(id);
    let grants = mailbox_grant::Entity::find()
        .filter(of_mailbox)
        .all(db)
        .await;
    grants.unwrap().into_iter().map(|g| g.user_id).collect()
}

#[tokio::test]
async fn the_access_token_is_refreshed_before_it_expires() {
    let (s, a) = (stack(), auth_server());
    for t in databases().await {
        let b = t.backend;
        let st = oauth_state(t.db.clone(), &s, &a);
        let user = mail_user("refresh");
        seed(&user, 2, "INBOX");
        // Connected with a token that has two minutes left: inside the refresh margin.
        token_lifetime(&a, &email(&user), 120).await;
        let (_, id) = connect_signed_in(&st, &a, &user, Provider::Microsoft365).await;
        token_lifetime(&a, &email(&user), 3600).await;
        let before = grant(&t.db, id).await;
        assert!(
            before.access_expires_at < Utc::now() + REFRESH_MARGIN,
            "{b}"
        );
        let (old_access, old_refresh) = tokens_of(&st, &before);
        assert_eq!(stats(&a, &email(&user)).await["refresh_grants"], 0, "{b}");

        let engine = oauth_engine(&st);
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        let counts = stats(&a, &email(&user)).await;
        assert_eq!(counts["refresh_grants"], 1, "{b}: refreshed first");
        assert_eq!(counts["refresh_failures"], 0, "{b}");
        let after = grant(&t.db, id).await;
        assert_eq!(after.refreshes, 1, "{b}");
        let ahead = after.access_expires_at - Utc::now();
        assert!(
            ahead > Duration::minutes(58) && ahead <= Duration::minutes(60),
            "{b}: the new token lasts an hour: {ahead}"
        );
        let (new_access, new_refresh) = tokens_of(&st, &after);
        assert_ne!(new_access, old_access, "{b}: a new access token");
        assert_ne!(
            new_refresh, old_refresh,
            "{b}: the rotated refresh token kept"
        );
        assert!(after.refresh_owner.is_none() && after.refresh_until.is_none());
        assert_eq!(message_count(&t.db, id).await, 2, "{b}: synced");

        // Far from expiry now: the next run uses the stored token.
        assert_eq!(engine.sync_mailbox(id).await, Outcome::Synced, "{b}");
        assert_eq!(stats(&a, &email(&user)).await["refresh_grants"], 1, "{b}");
        assert_eq!(grant(&t.db, id).await, after, "{b}: the grant untouched");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_needing_a_token_at_once_refresh_it_exactly_once() {
    let (s, a) = (stack(), auth_server());
    for t in databases().await {
        let b = t.backend;
        // Two processes on one database: each its own OAuth side (lease owner).
        let one = oauth_state(t.db.clone(), &s, &a);
        let two = oauth_state(t.db.clone(), &s, &a);
        let user = mail_user("race");
        let (_, id) = connect_signed_in(&one, &a, &user, Provider::Microsoft365).await;
        let mut previous = tokens_of(&one, &grant(&t.db, id).await).0;
        for round in 1..=3 {
            expire_soon(&t.db, id).await;
            // Four callers, two per process, let go at the same moment.
            let start = std::sync::Arc::new(tokio::sync::Barrier::new(4));
            let callers: Vec<_> = [&one, &two, &one, &two]
                .into_iter()
                .map(|st| {
                    let (st, start) = (st.clone(), start.clone());
                    tokio::spawn(async move {
                        start.wait().await;
                        access_token(keys(&st), id).await
                    })
                })
                .collect();
            let mut got = Vec::new();
            for caller in callers {
                got.push(caller.await.unwrap().unwrap_or_else(|e| {
                    panic!("{b}: round {round}: a caller got no token: {e:?}")
                }));
            }
            let counts = stats(&a, &email(&user)).await;
            assert_eq!(
                counts["refresh_grants"], round,
                "{b}: one refresh per round"
            );
            assert_eq!(counts["refresh_failures"], 0, "{b}: round {round}");
            assert!(got.iter().all(|g| *g == got[0]), "{b}: one token for all");
            assert_ne!(got[0], previous, "{b}: round {round}: a fresh token");
            let g = grant(&t.db, id).await;
            assert_eq!(tokens_of(&one, &g).0, got[0], "{b}: the stored one");
            assert_eq!(i64::from(g.refreshes), round, "{b}");
            assert!(
                g.refresh_owner.is_none() && g.refresh_until.is_none(),
                "{b}"
            );
            imap_login_with(&s, &email(&user), &got[0])
                .await
                .unwrap_or_else(|e| panic!("{b}: round {round}: IMAP refused it: {e:?}"));
            previous = got[0].clone();
        }
        assert_eq!(
            mailbox_row(&t.db, id).await.status,
            MailboxStatus::WaitingFirstSync
        );
    }
}

#[tokio::test]
async fn a_signed_in_mailbox_syncs_and_sends_with_xoauth2() {
    let (s, a) = (stack(), auth_server());
    for t in databases().await {
        let b = t.backend;
        let user = mail_user("oasnd");
        seed(&user, 3, "INBOX");
        let snd = oauth_send::signed_in_sender(oauth_state(t.db.clone(), &s, &a), &a, user).await;
        let r = mailbox_row(&t.db, snd.id).await;
        assert_eq!(r.auth, AuthMethod::OAuth2, "{b}");
        assert!(
            r.imap_secret.is_empty() && r.smtp_secret.is_empty(),
            "{b}: no password"
        );
        assert_eq!(message_count(&t.db, snd.id).await, 3, "{b}: synced");

        let bob = send_fixtures::recipient("oarcp");
        let worker = snd.worker();
        let subject = format!("Через XOAUTH2 {}", send_fixtures::token());
        let id = snd
            .send_new(&email(&bob), &subject, "Надіслано з токеном.")
            .await;
        snd.wait_sent(&snd.owner, id).await;
        send_fixtures::assert_exactly_once(&s, &snd, &bob, id).await;
        // Microsoft 365 files what its SMTP sent in Sent by itself: the app looked there
        // (an IMAP XOAUTH2 login) and appended no second copy. The test stack files
        // nothing, so the test does it as Microsoft would; the next sync shows it once.
        assert_eq!(snd.wait_sent_copy(id).await, "provider", "{b}");
        worker.shutdown().await;
        let mid = snd.message_id(id).await;
        let in_sent = send_fixtures::copies(&s, &snd.user, "Sent", &mid).await;
        assert!(in_sent.is_empty(), "{b}: the app appended no copy");
        let delivered = send_fixtures::wait_copy(&s, &bob, "INBOX", &mid).await;
        send_fixtures::append(&s, &snd.user, "Sent", &delivered[0].raw, Some("(\\Seen)")).await;
        snd.sync().await;
        let rows = snd.rows(&mid).await;
        assert_eq!(rows.len(), 1, "{b}: the copy in Sent, once");
        let methods = oauth_send::smtp_auth_methods(&snd.email(), 1).await;
        assert_eq!(methods, vec!["XOAUTH2".to_owned()], "{b}: SMTP AUTH");
    }
}

/// What Reconnect must keep of a mailbox: everything but its sync state.
fn kept(r: &mailbox::Model) -> mailbox::Model {
    mailbox::Model {
        status: MailboxStatus::Ready,
        last_sync_at: None,
        next_sync_at: None,
        lease_owner: None,
        lease_until: None,
        sync_failures: 0,
        last_error: None,
        sync_requested_at: None,
        ..r.clone()
    }
}

#[tokio::test]
async fn a_revoked_grant_needs_reconnect_and_reconnect_keeps_the_mail() {
    let (s, a) = (stack(), auth_server());
    for t in databases().await {
        let b = t.backend;
        let st = oauth_state(t.db.clone(), &s, &a);
        let engine = oauth_engine(&st);
        let user = mail_user("revoke");
        let addr = email(&user);
        seed(&user, 3, "INBOX");
        let (owner, id) = connect_signed_in(&st, &a, &user, Provider::Microsoft365).await;
        assert_eq!(scheduled_run(&engine, id).await, Some(Outcome::Synced));
        let ann = member(&t.db, &owner, &format!("ann-{user}@acme.com")).await;
        let mut chosen = settings(Access::Shared, vec![ann.user_id]);
        chosen.mailbox_name = "Служба підтримки".into();
        chosen.sender_name = "Олена Коваль".into();
        mailboxes::update_settings(&st, &owner, id, chosen)
            .await
            .unwrap();
        let before = mailbox_row(&t.db, id).await;
        assert_eq!(before.status, MailboxStatus::Ready, "{b}");

        // Revoked at the provider; the next login must refresh, and is refused.
        revoke_all(&a, &addr).await;
        expire_soon(&t.db, id).await;
        let revoked = grant(&t.db, id).await;
        let outcome = scheduled_run(&engine, id).await;
        let Some(Outcome::AuthRefused { error }) = &outcome else {
            panic!("{b}: {outcome:?}");
        };
        assert!(error.contains("reconnect"), "{b}: {error}");
        assert_eq!(stats(&a, &addr).await["refresh_failures"], 1, "{b}");
        let stopped = mailbox_row(&t.db, id).await;
        assert_eq!(stopped.status, MailboxStatus::NeedsReconnect, "{b}");
        assert!(stopped.next_sync_at.is_none(), "{b}: the schedule stopped");
        let said = stopped.last_error.unwrap_or_default();
        assert!(
            said.contains("sign-in") && said.contains("reconnect"),
            "{b}"
        );
        for actor in [&owner, &ann] {
            let refused = mail_view::sync_now(&st, actor, id).await;
            let refused_as_expected = matches!(refused, Err(ServiceError::NeedsReconnect));
            assert!(refused_as_expected, "{b}: Sync now: {refused:?}");
        }
        assert_eq!(scheduled_run(&engine, id).await, None, "{b}: not due");
        assert_eq!(grant(&t.db, id).await, revoked, "{b}: the grant kept");
        seed(&user, 1, "INBOX");

        // Reconnect as another address, or by someone who does not own the mailbox.
        let url = mailboxes::start_sign_in(&st, &owner, "s2", Provider::Microsoft365, Some(id))
            .await
            .unwrap();
        let back = sign_in_page_as(&a, &url, &format!("other-{addr}")).await;
        let wrong = mailboxes::finish_sign_in(&st, &owner, "s2", back).await;
        let wrong_account = matches!(
            wrong,
            Err(ServiceError::SignIn(SignInProblem::WrongAccount))
        );
        assert!(wrong_account, "{b}: {wrong:?}");
        let grantee = reconnect(&st, &a, &ann, id, &addr).await;
        assert!(
            matches!(grantee, Err(ServiceError::OwnerOnly)),
            "{b}: {grantee:?}"
        );
        let eve = admin(&t.db, &format!("eve-{user}@acme.com")).await;
        let stranger = reconnect(&st, &a, &eve, id, &addr).await;
        assert!(
            matches!(stranger, Err(ServiceError::NotFound)),
            "{b}: {stranger:?}"
        );
        assert_eq!(
            grant(&t.db, id).await,
            revoked,
            "{b}: the old grant unchanged"
        );
        let status = mailbox_row(&t.db, id).await.status;
        assert_eq!(status, MailboxStatus::NeedsReconnect, "{b}");

        // Reconnect: the same mailbox, its mail, settings and grants, a new grant.
        let done = reconnect(&st, &a, &owner, id, &addr).await.unwrap();
        assert_eq!(done, SignInDone::Reconnected(id), "{b}");
        let back = mailbox_row(&t.db, id).await;
        assert_eq!(back.status, MailboxStatus::Ready, "{b}");
        assert!(back.last_error.is_none() && back.next_sync_at.is_some());
        assert_eq!(kept(&back), kept(&before), "{b}: settings kept");
        assert_eq!(grantees(&t.db, id).await, vec![ann.user_id], "{b}: grants");
        assert_eq!(message_count(&t.db, id).await, 3, "{b}: messages kept");
        assert_eq!(mailbox::Entity::find().count(&t.db).await.unwrap(), 1);
        let new_grant = grant(&t.db, id).await;
        assert_ne!(new_grant.refresh_secret, revoked.refresh_secret, "{b}");
        assert_eq!(new_grant.refreshes, 0, "{b}");
        assert_eq!(stats(&a, &addr).await["code_grants"], 2, "{b}");

        assert_eq!(scheduled_run(&engine, id).await, Some(Outcome::Synced));
        assert_eq!(message_count(&t.db, id).await, 4, "{b}: new mail synced");
        let status = mailbox_row(&t.db, id).await.status;
        assert_eq!(status, MailboxStatus::Ready, "{b}");
    }
}

#[tokio::test]
async fn a_revoked_token_is_refused_at_the_next_login_even_before_it_expires() {
    let (s, a) = (stack(), auth_server());
    for t in databases().await {
        let b = t.backend;
        let st = oauth_state(t.db.clone(), &s, &a);
        let engine = oauth_engine(&st);
        let user = mail_user("revnow");
        let (_, id) = connect_signed_in(&st, &a, &user, Provider::Microsoft365).await;
        assert_eq!(scheduled_run(&engine, id).await, Some(Outcome::Synced));
        revoke_all(&a, &email(&user)).await;
        // The stored token has an hour left: no refresh, Dovecot's introspection says no.
        let outcome = scheduled_run(&engine, id).await;
        let Some(Outcome::AuthRefused { error }) = &outcome else {
            panic!("{b}: {outcome:?}");
        };
        assert!(error.contains("reconnect"), "{b}: {error}");
        assert_eq!(stats(&a, &email(&user)).await["refresh_grants"], 0, "{b}");
        let stopped = mailbox_row(&t.db, id).await;
        assert_eq!(stopped.status, MailboxStatus::NeedsReconnect, "{b}");
        assert!(stopped.next_sync_at.is_none(), "{b}");
    }
}

/// An access token the server refuses while its grant is still good (revoked alone, RFC
/// 7009; cut short by the provider, as Microsoft's continuous access evaluation does) is
/// refreshed once; the mailbox does not stop for a Reconnect.
#[tokio::test]
async fn a_refused_access_token_of_a_good_grant_is_refreshed_not_a_reconnect() {
    let (s, a) = (stack(), auth_server());
    for t in databases().await {
        let b = t.backend;
        let st = oauth_state(t.db.clone(), &s, &a);
        let engine = oauth_engine(&st);
        let user = mail_user("atrev");
        let (_, id) = connect_signed_in(&st, &a, &user, Provider::Microsoft365).await;
        revoke_token(&a, &tokens_of(&st, &grant(&t.db, id).await).0).await;
        let outcome = scheduled_run(&engine, id).await;
        assert_eq!(outcome, Some(Outcome::Synced), "{b}");
        assert_eq!(stats(&a, &email(&user)).await["refresh_grants"], 1, "{b}");
        let status = mailbox_row(&t.db, id).await.status;
        assert_eq!(status, MailboxStatus::Ready, "{b}");
    }
}
