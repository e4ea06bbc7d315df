//! The built assets against the real router: the wasm bundle, its script and the style
//! sheet go out gzipped to a browser that accepts it; pages never do (they carry per-user
//! data, and a compressed length could leak a reflected guess: BREACH).

mod support;

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use services::{config::WebConfig, mail::tls::MailTrust};
use tower::ServiceExt;

struct Reply {
    status: StatusCode,
    encoding: Option<String>,
    bytes: usize,
}

async fn fetch(app: &axum::Router, path: &str, gzip: bool) -> Reply {
    let mut req = Request::get(path).header(header::HOST, "127.0.0.1:3000");
    if gzip {
        req = req.header(header::ACCEPT_ENCODING, "gzip, deflate, br");
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let encoding = res
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = res.into_body().collect().await.unwrap().to_bytes().len();
    Reply {
        status,
        encoding,
        bytes,
    }
}

#[tokio::test]
async fn built_assets_are_gzipped_and_pages_are_not() {
    let app = support::app(MailTrust::new(None).unwrap(), WebConfig::default(), false).await;
    let pkg = app.config.site_root.join("pkg");
    // Repetitive like real code: it compresses well.
    let wasm: Vec<u8> = b"\0asm\x01\0\0\0"
        .iter()
        .chain(
            b"(func $f (param i32) (result i32) local.get 0)"
                .repeat(2000)
                .iter(),
        )
        .copied()
        .collect();
    std::fs::write(pkg.join("app_bg.wasm"), &wasm).unwrap();
    std::fs::write(
        pkg.join("app.js"),
        "export function f() { return 1; }\n".repeat(500),
    )
    .unwrap();
    std::fs::write(pkg.join("app.css"), "body { margin: 0; }\n".repeat(500)).unwrap();

    for path in ["/pkg/app_bg.wasm", "/pkg/app.js", "/pkg/app.css"] {
        let plain = fetch(&app.router, path, false).await;
        assert_eq!(plain.status, StatusCode::OK, "{path}");
        assert_eq!(plain.encoding, None, "{path}: only when asked");
        let gzipped = fetch(&app.router, path, true).await;
        assert_eq!(gzipped.status, StatusCode::OK, "{path}");
        assert_eq!(gzipped.encoding.as_deref(), Some("gzip"), "{path}");
        assert!(
            gzipped.bytes * 5 < plain.bytes,
            "{path}: {} gzipped of {}",
            gzipped.bytes,
            plain.bytes
        );
    }
    let page = fetch(&app.router, "/login", true).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.encoding, None, "pages are never compressed");
}
