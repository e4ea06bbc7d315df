//! Fixtures for the OAuth2 tests against the test stack's real authorization server
//! (scripts/mail-stack/oauth: code flow with PKCE, signed JWTs, rotation, introspection
//! that Dovecot asks) and the real Dovecot + Postfix that accept its tokens over XOAUTH2.
//! The browser's part of the flow (follow the sign-in page with the user's address, read
//! the redirect) is done with an HTTP client that follows no redirects.

#![allow(dead_code)]

use crate::common::{
    mail_stack::Stack,
    mailbox_fixtures::{admin, settings, state},
    sync_fixtures::engine,
};
use domain::{Access, OAuthProvider, Provider, Security, ServerAddress};
use sea_orm::DatabaseConnection;
use services::{
    AppState,
    accounts::Actor,
    mailboxes::{self, SignInDone},
    oauth::{OAuth, OAuthSettings, ProviderSettings, flow::Callback},
    sync::SyncEngine,
};
use std::path::PathBuf;

/// Microsoft's consumer tenant: personal accounts.
pub const CONSUMER_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// The test authorization server, from the environment `make test` exports or the
/// stack's env file.
#[derive(Clone)]
pub struct AuthServer {
    /// HTTPS (test CA): token, introspection, control endpoints.
    pub url: String,
    /// Plain HTTP on loopback: the sign-in page.
    pub browser_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub ca: PathBuf,
}

pub fn auth_server() -> AuthServer {
    let var = crate::common::mail_stack::stack_var;
    AuthServer {
        url: var("MAILSTACK_OAUTH_URL"),
        browser_url: var("MAILSTACK_OAUTH_BROWSER_URL"),
        client_id: var("MAILSTACK_OAUTH_CLIENT_ID"),
        client_secret: var("MAILSTACK_OAUTH_CLIENT_SECRET"),
        ca: var("MAILSTACK_CA").into(),
    }
}

/// Both providers pointed at the test server and the test mail servers (IMAPS, and
/// submission with STARTTLS like smtp.office365.com:587).
pub fn oauth_settings(s: &Stack, a: &AuthServer) -> OAuthSettings {
    let provider = |provider| ProviderSettings {
        provider,
        client_id: a.client_id.clone(),
        client_secret: a.client_secret.clone(),
        authorize_url: format!("{}/authorize", a.browser_url),
        token_url: format!("{}/token", a.url),
        scopes: vec!["openid".into(), "email".into(), "offline_access".into()],
        imap: s.imaps_server(),
        smtp: ServerAddress {
            host: s.host.clone(),
            port: s.submission,
            security: Security::StartTls,
        },
    };
    OAuthSettings {
        redirect_url: "http://127.0.0.1:3999/oauth/callback".into(),
        providers: vec![
            provider(OAuthProvider::Microsoft),
            provider(OAuthProvider::Google),
        ],
    }
}

/// An app state whose OAuth side talks to the test server; a new `OAuth` is a new process
/// as far as refresh leases go.
pub fn oauth_state(db: DatabaseConnection, s: &Stack, a: &AuthServer) -> AppState {
    let mut st = state(db, s);
    st.oauth = OAuth::new(oauth_settings(s, a), &st.mail_trust).unwrap();
    st
}

/// A sync engine (another "process") using `st`'s OAuth side.
pub fn oauth_engine(st: &AppState) -> SyncEngine {
    let mut e = engine(st);
    e.oauth = st.oauth.clone();
    e
}

fn http(a: &AuthServer) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&a.ca).unwrap()).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(ca)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

/// POSTs JSON to a control endpoint (`/_test/user`, `/_test/revoke`…).
pub async fn control(a: &AuthServer, path: &str, body: serde_json::Value) -> serde_json::Value {
    let answer = http(a)
        .post(format!("{}{path}", a.url))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{path}: {}", answer.status());
    serde_json::from_str(&answer.text().await.unwrap()).unwrap_or(serde_json::Value::Null)
}

/// The server's counters for one user (`code_grants`, `refresh_grants`…).
pub async fn stats(a: &AuthServer, email: &str) -> serde_json::Value {
    let text = http(a)
        .get(format!("{}/_test/stats", a.url))
        .query(&[("email", email)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// What the browser does at the sign-in page: the user types `email`, the server
/// redirects back; the redirect's `code`, `state` and `error`.
pub async fn sign_in_page(a: &AuthServer, url: &str, email: &str) -> Callback {
    let mut url = reqwest::Url::parse(url).unwrap();
    if !url.query_pairs().any(|(k, _)| k == "login_hint") {
        url.query_pairs_mut().append_pair("login_hint", email);
    }
    let mut answer = http(a).get(url.clone()).send().await.unwrap();
    if answer.status().is_success() {
        // The sign-in page (`prompt=select_account`): the user presses Sign in, and the
        // page's form sends every parameter back with `_signin=1`.
        assert!(answer.text().await.unwrap().contains("login_hint"));
        url.query_pairs_mut().append_pair("_signin", "1");
        answer = http(a).get(url).send().await.unwrap();
    }
    assert!(answer.status().is_redirection(), "{}", answer.status());
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    let back = reqwest::Url::parse(&location).unwrap();
    let get = |name: &str| {
        back.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    Callback {
        code: get("code"),
        state: get("state"),
        error: get("error"),
    }
}

/// Start → sign-in page as `email` → the callback of the same session.
pub async fn sign_in(
    st: &AppState,
    a: &AuthServer,
    actor: &Actor,
    session: &str,
    provider: Provider,
    reconnect: Option<i64>,
    email: &str,
) -> Result<SignInDone, services::error::ServiceError> {
    let url = mailboxes::start_sign_in(st, actor, session, provider, reconnect).await?;
    let back = sign_in_page(a, &url, email).await;
    mailboxes::finish_sign_in(st, actor, session, back).await
}

/// A Professional workspace's admin who connected `<user>@example.test` by signing in
/// with `provider`; the mailbox id.
pub async fn connect_signed_in(
    st: &AppState,
    a: &AuthServer,
    user: &str,
    provider: Provider,
) -> (Actor, i64) {
    let actor = admin(&st.db, &format!("owner-{user}@acme.com")).await;
    services::plan::set_plan(&st.db, &actor, domain::Plan::Professional)
        .await
        .unwrap();
    let email = format!("{user}@example.test");
    let done = sign_in(st, a, &actor, "session-1", provider, None, &email)
        .await
        .unwrap();
    let SignInDone::Draft(draft) = done else {
        panic!("a new mailbox goes to step C, got {done:?}");
    };
    let view = mailboxes::load_draft(&st.db, &actor, &draft).await.unwrap();
    assert_eq!(view.email, email, "the address comes from the ID token");
    let id = mailboxes::connect(st, &actor, &draft, settings(Access::Personal, vec![]))
        .await
        .unwrap();
    (actor, id)
}

// ---- Token lifecycle helpers (oauth_tokens, oauth_logs) ----

/// Sets the lifetime in seconds of the access tokens the server issues to `email` from now
/// on (tokens already issued keep theirs).
pub async fn token_lifetime(a: &AuthServer, email: &str, seconds: i64) {
    control(
        a,
        "/_test/user",
        serde_json::json!({"email": email, "expires_in": seconds}),
    )
    .await;
}

/// The mailbox's grant row.
pub async fn grant(db: &DatabaseConnection, id: i64) -> services::entities::oauth_grant::Model {
    use sea_orm::EntityTrait;
    services::entities::oauth_grant::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("mailbox {id} has no grant"))
}

/// A grant's tokens in clear: (access, refresh).
pub fn tokens_of(st: &AppState, g: &services::entities::oauth_grant::Model) -> (String, String) {
    (
        st.master_key.open(&g.access_secret).unwrap(),
        st.master_key.open(&g.refresh_secret).unwrap(),
    )
}

/// As if time had passed: the stored access token is a minute from its expiry by the
/// row, so the next login must refresh it (inside the 5-minute margin). The token itself
/// stays valid at the server.
pub async fn expire_soon(db: &DatabaseConnection, id: i64) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    use services::entities::oauth_grant;
    let soon = chrono::Utc::now() + chrono::Duration::minutes(1);
    let done = oauth_grant::Entity::update_many()
        .col_expr(oauth_grant::Column::AccessExpiresAt, Expr::value(soon))
        .filter(oauth_grant::Column::MailboxId.eq(id))
        .exec(db)
        .await
        .unwrap();
    assert_eq!(done.rows_affected, 1, "mailbox {id} has a grant");
}

/// The sign-in page, where the user signs in as `email` whatever address the app
/// suggested (`login_hint` of a Reconnect).
pub async fn sign_in_page_as(a: &AuthServer, url: &str, email: &str) -> Callback {
    let mut parsed = reqwest::Url::parse(url).unwrap();
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != "login_hint")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    parsed
        .query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("login_hint", email);
    sign_in_page(a, parsed.as_str(), email).await
}

/// An IMAP XOAUTH2 login as `email` with `token`, right now; Ok when the server took it.
pub async fn imap_login_with(
    s: &Stack,
    email: &str,
    token: &str,
) -> Result<(), domain::ConnectProblem> {
    use services::mail::{
        login::{CheckOptions, Login, open_session},
        tls::MailTrust,
    };
    let opts = CheckOptions::new(MailTrust::new(Some(&s.ca)).unwrap());
    let (mut session, _) =
        open_session(&s.imaps_server(), &Login::bearer(email, token), &opts).await?;
    session.logout().await.ok();
    Ok(())
}

/// One run as the scheduler does it: make the mailbox due, claim it, sync, record the
/// outcome (status, next run, last error). The test's database must hold no other due
/// mailbox. A mailbox that needs reconnecting is not due: None.
pub async fn scheduled_run(
    engine: &SyncEngine,
    id: i64,
) -> Option<services::sync::schedule::Outcome> {
    use services::sync::schedule;
    let owner = format!("test-scheduler-{}", uuid::Uuid::new_v4().simple());
    schedule::sync_now(&engine.db, id).await.unwrap();
    let now = chrono::Utc::now();
    let claimed = schedule::claim_due(&engine.db, &owner, now, chrono::Duration::minutes(5), 10)
        .await
        .unwrap();
    if !claimed.contains(&id) {
        return None;
    }
    let outcome = engine.sync_mailbox(id).await;
    let recorded = schedule::finish(
        &engine.db,
        id,
        &owner,
        outcome.clone(),
        now,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert!(recorded, "the run's outcome was recorded");
    Some(outcome)
}

/// What a login needs to use `st`'s grants (this "process's" OAuth side).
pub fn keys(st: &AppState) -> services::oauth::tokens::Keys<'_> {
    services::oauth::tokens::Keys {
        db: &st.db,
        master_key: &st.master_key,
        oauth: &st.oauth,
    }
}

/// Revokes every token of `email` at the provider (`/_test/revoke`).
pub async fn revoke_all(a: &AuthServer, email: &str) {
    control(a, "/_test/revoke", serde_json::json!({"email": email})).await;
}

/// Revokes one token alone (RFC 7009 `/revoke`): an access token only itself.
pub async fn revoke_token(a: &AuthServer, token: &str) {
    let answer = http(a)
        .post(format!("{}/revoke", a.url))
        .basic_auth(&a.client_id, Some(&a.client_secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "/revoke: {}", answer.status());
}

/// **Reconnect** of Microsoft 365 mailbox `id` by `actor`, signing in as `email`.
pub async fn reconnect(
    st: &AppState,
    a: &AuthServer,
    actor: &Actor,
    id: i64,
    email: &str,
) -> Result<SignInDone, services::error::ServiceError> {
    let session = format!("reconnect-{}", uuid::Uuid::new_v4().simple());
    sign_in(
        st,
        a,
        actor,
        &session,
        Provider::Microsoft365,
        Some(id),
        email,
    )
    .await
}
