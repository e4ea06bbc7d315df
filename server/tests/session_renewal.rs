//! A signed-in user who keeps using the app stays signed in: once a day a request pushes
//! the session's expiry back, in the database and in the cookie. A quieter session is not
//! written on every request, and a visitor's requests store no session at all.

use crate::common::{app_and_state, signed_up};
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait};
use services::{
    AppState,
    entities::session,
    mail::tls::MailTrust,
    session_store::{RENEW_EVERY_SECS, RENEWED_AT},
};

const LIFETIME: Duration = Duration::days(14);

/// The one session row, rewritten as if it had last been renewed `renewed_ago` ago and
/// expired `expires_in` from now.
async fn age_the_session(state: &AppState, renewed_ago: Duration, expires_in: Duration) {
    let rows = session::Entity::find().all(&state.db).await.unwrap();
    assert_eq!(rows.len(), 1, "one session after sign-up");
    let row = rows.into_iter().next().unwrap();
    let mut data: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&row.data).unwrap();
    assert!(
        data.contains_key(RENEWED_AT),
        "sign-in stamps the session: {data:?}"
    );
    data.insert(
        RENEWED_AT.into(),
        (Utc::now() - renewed_ago).timestamp().into(),
    );
    let mut row: session::ActiveModel = row.into();
    row.data = Set(serde_json::to_string(&data).unwrap());
    row.expires_at = Set(Utc::now() + expires_in);
    row.update(&state.db).await.unwrap();
}

async fn expires_at(state: &AppState) -> chrono::DateTime<Utc> {
    session::Entity::find()
        .one(&state.db)
        .await
        .unwrap()
        .unwrap()
        .expires_at
}

#[tokio::test]
async fn an_active_session_is_renewed_once_a_day() {
    let (app, state) = app_and_state(MailTrust::new(None).unwrap()).await;
    let mut user = signed_up(&app, "renewed@example.com").await;

    // Two days after sign-in, twelve left: the next request renews.
    age_the_session(&state, Duration::days(2), Duration::days(12)).await;
    let reply = user.post_full("current_user", &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let renewed = expires_at(&state).await;
    assert!(
        renewed > Utc::now() + LIFETIME - Duration::minutes(5),
        "expiry pushed back to fourteen days: {renewed}"
    );
    let cookie = reply.set_cookie.expect("the cookie is sent again");
    assert!(
        cookie.contains(&format!("Max-Age={}", LIFETIME.num_seconds())),
        "{cookie}"
    );

    // Renewed an hour ago: requests neither write the session nor send the cookie again.
    let marker = Duration::days(13);
    age_the_session(&state, Duration::hours(1), marker).await;
    let before = expires_at(&state).await;
    for _ in 0..3 {
        let reply = user.post_full("current_user", &[]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.set_cookie, None, "no cookie within the day");
    }
    assert_eq!(expires_at(&state).await, before);

    // Just past a day: renewed again.
    age_the_session(
        &state,
        Duration::seconds(RENEW_EVERY_SECS + 1),
        Duration::days(13),
    )
    .await;
    assert!(
        user.post_full("current_user", &[])
            .await
            .set_cookie
            .is_some()
    );
    assert!(expires_at(&state).await > Utc::now() + LIFETIME - Duration::minutes(5));
}

#[tokio::test]
async fn a_visitor_stores_no_session() {
    let (app, state) = app_and_state(MailTrust::new(None).unwrap()).await;
    let mut visitor = crate::common::Client::new(&app);
    let reply = visitor.post_full("current_user", &[]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.set_cookie, None);
    assert_eq!(session::Entity::find().count(&state.db).await.unwrap(), 0);
}
