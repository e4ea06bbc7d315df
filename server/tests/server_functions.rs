//! Server functions called over HTTP, in-process, against the real router: every call
//! checks the session, a forbidden call gets 403, and workspaces never see each other.

use crate::common;

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use common::{Client, app, signed_up};
use tower::ServiceExt;

#[tokio::test]
async fn calls_without_a_session_are_refused() {
    let app = app().await;
    let mut anon = Client::new(&app);
    for endpoint in ["list_members", "current_user"] {
        let (status, body) = anon.post(endpoint, &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{endpoint}: {body}");
        assert!(body.contains("NotSignedIn"), "{body}");
    }
    let (status, _) = anon.post("set_plan", &[("plan", "professional")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_member_gets_403_for_admin_calls() {
    let app = app().await;
    let mut admin = signed_up(&app, "root@example.com").await;
    let (status, body) = admin
        .post(
            "add_member",
            &[
                ("name", "M"),
                ("email", "m@example.com"),
                ("password", "member password"),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let mut member = Client::new(&app);
    let (status, body) = member
        .post(
            "log_in",
            &[("email", "m@example.com"), ("password", "member password")],
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    let (status, body) = member.post("set_plan", &[("plan", "professional")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("Forbidden"));
    let (status, _) = member
        .post(
            "add_member",
            &[
                ("name", "X"),
                ("email", "x@example.com"),
                ("password", "xxxxxxxxxx"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = admin.post("current_user", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("\"Free\""),
        "the member's call changed the plan: {body}"
    );
}

#[tokio::test]
async fn workspaces_do_not_see_each_other_over_http() {
    let app = app().await;
    let mut a = signed_up(&app, "a@example.com").await;
    let mut b = signed_up(&app, "b@example.com").await;
    let (_, members_a) = a.post("list_members", &[]).await;
    let (_, members_b) = b.post("list_members", &[]).await;
    assert!(
        members_a.contains("a@example.com") && !members_a.contains("b@example.com"),
        "{members_a}"
    );
    assert!(
        members_b.contains("b@example.com") && !members_b.contains("a@example.com"),
        "{members_b}"
    );
}

#[tokio::test]
async fn logging_out_ends_the_session() {
    let app = app().await;
    let mut a = signed_up(&app, "out@example.com").await;
    let (status, _) = a.post("log_out", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = a.post("current_user", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_cross_site_post_is_refused() {
    let app = app().await;
    let req = Request::post("/api/log_in")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://evil.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("email=a%40b.co&password=x"))
        .unwrap();
    let res = app.oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
