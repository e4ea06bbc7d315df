//! No OAuth2 secret reaches the logs, even at TRACE: a whole life of a grant (sign-in,
//! sync, a refresh, a send over XOAUTH2, then the revoked token refused by IMAP and the
//! refresh refused) runs under the production log filter asked for everything, and the
//! capture holds none of the access and refresh tokens (old and new), the XOAUTH2 initial
//! responses, the client secret, the authorization code or the PKCE verifier. It installs
//! the global subscriber (`log_capture`).

use crate::common;
use crate::oauth_fixtures;
use crate::oauth_send;
use crate::send_fixtures;

use base64::Engine as _;
use common::log_capture::Captured;
use common::{
    mail_stack::stack,
    mailbox_fixtures::{admin, settings},
    sync_fixtures::{mail_user, seed},
};
use domain::{Access, Plan, Provider};
use oauth_fixtures::*;
use sea_orm::EntityTrait;
use send_fixtures::{email, recipient, wait_copy};
use services::{
    entities::oauth_flow, mailboxes, mailboxes::SignInDone, plan, sync::schedule::Outcome,
};

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_oauth_secret_is_logged_even_at_trace_level() {
    let captured = Captured::install();

    let (s, a) = (stack(), auth_server());
    let t = common::sqlite().await;
    let st = oauth_state(t.db.clone(), &s, &a);
    let user = mail_user("oalog");
    seed(&user, 2, "INBOX");
    let owner = admin(&t.db, &format!("o-{user}@acme.com")).await;
    plan::set_plan(&t.db, &owner, Plan::Professional)
        .await
        .unwrap();

    // The sign-in step by step, keeping the PKCE verifier (sealed in the flow's row) and
    // the code the browser brought back.
    let session = "log-session";
    let url = mailboxes::start_sign_in(&st, &owner, session, Provider::Microsoft365, None)
        .await
        .unwrap();
    let flow = oauth_flow::Entity::find()
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    let verifier = st.master_key.open(&flow.verifier_secret).unwrap();
    let back = sign_in_page(&a, &url, &email(&user)).await;
    let code = back.code.clone().unwrap();
    let done = mailboxes::finish_sign_in(&st, &owner, session, back)
        .await
        .unwrap();
    let SignInDone::Draft(draft) = done else {
        panic!("a new mailbox goes to step C, got {done:?}");
    };
    let id = mailboxes::connect(&st, &owner, &draft, settings(Access::Personal, vec![]))
        .await
        .unwrap();
    let first = tokens_of(&st, &grant(&t.db, id).await);

    // A sync with the first token, a refresh, then a send (SMTP and IMAP with the new one).
    let snd = oauth_send::sender_of(st.clone(), user.clone(), owner, id).await;
    expire_soon(&t.db, id).await;
    snd.sync().await;
    let second = tokens_of(&st, &grant(&t.db, id).await);
    assert_ne!(first.0, second.0, "refreshed");
    let bob = recipient("oalogrcp");
    let worker = snd.worker();
    let sent = snd
        .send_new(&email(&bob), "Logs", "Nothing secret here.")
        .await;
    snd.wait_sent(&snd.owner, sent).await;
    snd.wait_sent_copy(sent).await;
    worker.shutdown().await;
    wait_copy(&s, &bob, "INBOX", &snd.message_id(sent).await).await;
    // Failures log too: the revoked token refused by IMAP, then the refresh refused.
    control(
        &a,
        "/_test/revoke",
        serde_json::json!({"email": email(&user)}),
    )
    .await;
    // One run: IMAP refuses the revoked token, the one refresh after it is refused.
    let outcome = snd.engine.sync_mailbox(id).await;
    assert!(
        matches!(outcome, Outcome::AuthRefused { .. }),
        "{outcome:?}"
    );
    assert_eq!(stats(&a, &email(&user)).await["refresh_failures"], 1);

    let log = captured.text();
    for expected in [
        "oauth: access token refreshed",
        "mailbox connected",
        " TRACE ",
    ] {
        assert!(
            log.contains(expected),
            "the capture works: no {expected:?} in {} bytes",
            log.len()
        );
    }
    let mut secrets: Vec<(String, String)> = vec![
        ("the client secret".into(), a.client_secret.clone()),
        (
            "the client's Basic credentials".into(),
            b64(&format!("{}:{}", a.client_id, a.client_secret)),
        ),
        ("the authorization code".into(), code),
        ("the PKCE verifier".into(), verifier),
    ];
    for (when, (access, refresh)) in [("first", &first), ("refreshed", &second)] {
        let xoauth2 = format!("user={}\x01auth=Bearer {access}\x01\x01", email(&user));
        let signature = access.rsplit('.').next().unwrap_or_default().to_owned();
        secrets.extend([
            (format!("the {when} access token"), access.clone()),
            (format!("the {when} access token's signature"), signature),
            (format!("the {when} refresh token"), refresh.clone()),
            (format!("the {when} XOAUTH2 response"), b64(&xoauth2)),
        ]);
    }
    for (what, secret) in secrets {
        assert!(secret.len() >= 16, "{what}: a real secret to look for");
        let leaks: Vec<&str> = log.lines().filter(|l| l.contains(&secret)).collect();
        assert!(leaks.is_empty(), "{what} leaked into the logs: {leaks:#?}");
    }
}
