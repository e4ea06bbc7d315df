//! The CRM record server functions and pages over HTTP against the real router: signed
//! out 401 for every function; a member creates, finds, edits and deletes records; an
//! address of another contact comes back named; a user of another workspace gets 404 for
//! the records and changes nothing; a plain form post (JavaScript off) is sent on to the
//! card; the list, card and form render on the server.

use crate::common;

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use common::{Client, app, signed_up};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

async fn call(c: &mut Client, endpoint: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let (status, body) = c.post(endpoint, form).await;
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

/// A GET (a page) or a plain HTML form post, as a browser with JavaScript off sends it:
/// the status, the `Location` header and the body.
async fn browser(
    c: &Client,
    method: &str,
    path: &str,
    form: &str,
) -> (StatusCode, Option<String>, String) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, "http://127.0.0.1:3000/crm/contacts/new")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = &c.cookie {
        req = req.header(header::COOKIE, cookie);
    }
    let res = c
        .app
        .clone()
        .oneshot(req.body(Body::from(form.to_owned())).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        location,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

#[tokio::test]
async fn records_answer_their_workspace_only() {
    let app = app().await;
    let mut signed_out = Client::new(&app);
    let mut me = signed_up(&app, "crm-owner@acme.com").await;
    let mut outsider = signed_up(&app, "crm-outsider@other.com").await;

    let (status, company) = call(
        &mut me,
        "save_company",
        &[("name", "Acme"), ("domains", "acme.example\nacme.test")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{company}");
    let company = company.as_i64().unwrap().to_string();
    let (status, olena) = call(
        &mut me,
        "save_contact",
        &[
            ("name", "Олена Петренко"),
            ("emails", "Olena@Acme.example, o.p@home.example"),
            ("phones", "+380 44 123 4567"),
            ("company", &company),
            ("owner", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{olena}");
    let olena = olena.as_i64().unwrap().to_string();
    let (status, lead) = call(
        &mut me,
        "save_deal",
        &[
            ("kind", "lead"),
            ("title", "Forty oak desks"),
            ("stage", "qualified"),
            ("amount", "1 250,50"),
            ("contact", &olena),
            ("company", &company),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{lead}");
    let lead = lead.as_i64().unwrap().to_string();

    // Found by search, opened, named on the card.
    let (status, page) = call(
        &mut me,
        "list_records",
        &[("kind", "contacts"), ("search", "олена")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["records"][0]["title"], "Олена Петренко", "{page}");
    assert_eq!(page["records"][0]["detail"], "o.p@home.example");
    let (status, card) = call(&mut me, "record_card", &[("kind", "lead"), ("id", &lead)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(card["deal"]["amount"], 125_050, "{card}");
    assert_eq!(card["related"].as_array().map(Vec::len), Some(2));

    // Another contact's address is refused by name; a bad amount is a 400.
    let (status, body) = call(
        &mut me,
        "save_contact",
        &[("name", "Copy"), ("emails", "olena@acme.example")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"Invalid": {"field": "email_taken", "reason": "olena@acme.example"}})
    );
    let (status, body) = call(
        &mut me,
        "save_deal",
        &[("kind", "deal"), ("title", "T"), ("amount", "-5")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // Signed out: 401 for every function, whatever it names.
    let reads: [(&str, Vec<(&str, &str)>); 4] = [
        ("list_records", vec![("kind", "contact")]),
        ("record_card", vec![("kind", "contact"), ("id", &olena)]),
        ("crm_owners", vec![]),
        ("crm_choices", vec![("kind", "company")]),
    ];
    let writes: [(&str, Vec<(&str, &str)>); 4] = [
        ("save_contact", vec![("id", &olena), ("name", "Mine now")]),
        ("save_company", vec![("id", &company), ("name", "Mine now")]),
        (
            "save_deal",
            vec![("kind", "lead"), ("id", &lead), ("title", "Mine now")],
        ),
        ("delete_record", vec![("kind", "contact"), ("id", &olena)]),
    ];
    for (endpoint, form) in reads.iter().chain(&writes) {
        let (status, body) = call(&mut signed_out, endpoint, form).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{endpoint}: {body}");
    }

    // Another workspace: 404 for the records, empty lists, nothing changed.
    for (endpoint, form) in reads[1..2].iter().chain(&writes) {
        let (status, body) = call(&mut outsider, endpoint, form).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{endpoint}: {body}");
    }
    let (status, body) = call(
        &mut outsider,
        "save_deal",
        &[("kind", "deal"), ("title", "Theirs"), ("company", &company)],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    for kind in ["contact", "company", "lead", "deal"] {
        let (_, page) = call(&mut outsider, "list_records", &[("kind", kind)]).await;
        assert_eq!(page["records"], json!([]), "{kind}");
    }
    let (_, owners) = call(&mut outsider, "crm_owners", &[]).await;
    assert_eq!(owners.as_array().map(Vec::len), Some(1));
    let (_, card) = call(
        &mut me,
        "record_card",
        &[("kind", "contact"), ("id", &olena)],
    )
    .await;
    assert_eq!(card["record"]["title"], "Олена Петренко");

    // Deleting: gone for its workspace too.
    let (status, _) = call(&mut me, "delete_record", &[("kind", "lead"), ("id", &lead)]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&mut me, "record_card", &[("kind", "lead"), ("id", &lead)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn pages_render_on_the_server_and_forms_work_without_javascript() {
    let app = app().await;
    let me = signed_up(&app, "crm-pages@acme.com").await;

    // A plain form post creates the contact and is sent on to its card.
    let (status, location, body) = browser(
        &me,
        "POST",
        "/api/save_contact",
        "name=Taras+Shevchenko&emails=taras%40kobzar.example&phones=&company=&owner=",
    )
    .await;
    assert!(status.is_redirection(), "{status} {body}");
    let location = location.unwrap();
    assert!(location.starts_with("/crm/contacts/"), "{location}");

    let (status, _, card) = browser(&me, "GET", &location, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(card.contains("Taras Shevchenko"), "{card}");
    assert!(card.contains("/mail/compose?to=taras%40kobzar.example"));
    assert!(card.contains(&format!("{location}/edit")));

    let (status, _, list) = browser(&me, "GET", "/crm/contacts?q=kobzar", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("Taras Shevchenko"), "{list}");
    let (_, _, none) = browser(&me, "GET", "/crm/contacts?q=nobody", "").await;
    assert!(!none.contains("Taras Shevchenko"));
    let (_, _, form) = browser(&me, "GET", &format!("{location}/edit"), "").await;
    assert!(form.contains("taras@kobzar.example"), "{form}");
    for path in ["/crm", "/crm/companies/new", "/crm/leads/new", "/crm/deals"] {
        let (status, _, _) = browser(&me, "GET", path, "").await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }

    // A refused plain post comes back to the form with the error.
    let (status, location, _) = browser(
        &me,
        "POST",
        "/api/save_contact",
        "name=Copy&emails=taras%40kobzar.example",
    )
    .await;
    assert!(status.is_redirection(), "{status}");
    let back = location.unwrap();
    assert!(back.contains("/crm/contacts/new"), "{back}");
    let (_, _, page) = browser(&me, "GET", &back, "").await;
    assert!(
        page.contains("already belongs to another contact: taras@kobzar.example"),
        "{page}"
    );
}
