//! The built assets against the real router: the wasm bundle, its script and the style
//! sheet go out compressed to a browser that accepts it — the `.br` / `.gz` files the build
//! wrote beside them, else gzipped on the way; pages never are (they carry per-user data,
//! and a compressed length could leak a reflected guess: BREACH).

use crate::support;

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
    body: Vec<u8>,
    bytes: usize,
}

async fn fetch(app: &axum::Router, path: &str, gzip: bool) -> Reply {
    fetch_accepting(app, path, gzip.then_some("gzip, deflate, br")).await
}

async fn fetch_accepting(app: &axum::Router, path: &str, accept: Option<&str>) -> Reply {
    let mut req = Request::get(path).header(header::HOST, "127.0.0.1:3000");
    if let Some(accept) = accept {
        req = req.header(header::ACCEPT_ENCODING, accept);
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
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply {
        status,
        encoding,
        bytes: body.len(),
        body,
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

#[tokio::test]
async fn the_files_the_build_compressed_go_out_as_they_are() {
    let app = support::app(MailTrust::new(None).unwrap(), WebConfig::default(), false).await;
    let pkg = app.config.site_root.join("pkg");
    // Stand-ins the test can tell apart: what is sent must be the very file, not a
    // compression of the plain one.
    std::fs::write(pkg.join("app_bg.wasm"), b"\0asm plain".repeat(100)).unwrap();
    std::fs::write(pkg.join("app_bg.wasm.br"), b"brotli file").unwrap();
    std::fs::write(pkg.join("app_bg.wasm.gz"), b"gzip file").unwrap();

    let br = fetch_accepting(&app.router, "/pkg/app_bg.wasm", Some("gzip, deflate, br")).await;
    assert_eq!(br.status, StatusCode::OK);
    assert_eq!(br.encoding.as_deref(), Some("br"));
    assert_eq!(br.body, b"brotli file");
    let gz = fetch_accepting(&app.router, "/pkg/app_bg.wasm", Some("gzip")).await;
    assert_eq!(gz.encoding.as_deref(), Some("gzip"));
    assert_eq!(gz.body, b"gzip file");
    let plain = fetch_accepting(&app.router, "/pkg/app_bg.wasm", None).await;
    assert_eq!(plain.encoding, None);
    assert_eq!(plain.body, b"\0asm plain".repeat(100));
    // The type is the asset's, whichever file was sent.
    let res = app
        .router
        .clone()
        .oneshot(
            Request::get("/pkg/app_bg.wasm")
                .header(header::HOST, "127.0.0.1:3000")
                .header(header::ACCEPT_ENCODING, "br")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/wasm");
    // What is sent depends on Accept-Encoding: a cache must know it.
    let vary: Vec<_> = res.headers().get_all(header::VARY).iter().collect();
    assert_eq!(vary, ["accept-encoding"]);
    // A file that is not there is a 404, compressed or not.
    let missing = fetch(&app.router, "/pkg/nothing.wasm", true).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
