//! The mail HTML sanitiser over the XSS corpus (`tests/fixtures/xss/*.eml`, whole
//! messages parsed as the sync parses them): no script-capable tag, attribute or URL
//! survives, remote images are dropped and counted until shown, `cid:` images point at
//! the inline route, links open a new tab without a referrer, and a table newsletter
//! keeps its layout.

use services::{reading::html, sync::parse};
use std::path::PathBuf;

/// Tags that must never come out, in any case.
const FORBIDDEN_TAGS: &[&str] = &[
    "script",
    "iframe",
    "object",
    "embed",
    "applet",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "option",
    "meta",
    "base",
    "link",
    "svg",
    "math",
    "frame",
    "frameset",
    "portal",
    "noscript",
    "template",
    "title",
    "xmp",
    "plaintext",
    "video",
    "audio",
    "source",
    "isindex",
    "keygen",
    "marquee",
    "details",
    "body",
    "html",
    "head",
];

/// Attributes whose values are URLs or CSS.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "background",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "srcset",
    "ping",
    "style",
    "data",
    "lowsrc",
    "dynsrc",
];

fn corpus() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xss");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    assert!(files.len() >= 12, "the corpus is in {}", dir.display());
    files
        .into_iter()
        .map(|path| {
            let raw = std::fs::read(&path).unwrap();
            let (_, content) = parse::message(&raw);
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let html = content
                .html
                .unwrap_or_else(|| panic!("{name}: no text/html part"));
            (name, html)
        })
        .collect()
}

fn corpus_file(name: &str) -> String {
    corpus()
        .into_iter()
        .find(|(n, _)| n.starts_with(name))
        .unwrap_or_else(|| panic!("no {name} in the corpus"))
        .1
}

/// One start tag of sanitised output: name and attributes (values entity-decoded
/// enough for checks: `&quot;` and `&amp;`).
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

/// Start tags and style sheets of ammonia's serialisation (text escapes `<`, attribute
/// values are double-quoted, a sheet runs to `</style>`).
fn scan(html: &str) -> (Vec<Tag>, Vec<String>) {
    let (mut tags, mut sheets) = (Vec::new(), Vec::new());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        let mut quoted = false;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    quoted = !quoted;
                }
                c == '>' && !quoted
            })
            .map(|(i, _)| i)
            .expect("every tag is closed");
        let inner = &rest[..end];
        rest = &rest[end + 1..];
        if inner.starts_with('/') {
            continue;
        }
        let tag = parse_tag(inner);
        if tag.name == "style" {
            let close = rest.find("</style>").expect("every sheet is closed");
            sheets.push(rest[..close].to_owned());
            rest = &rest[close..];
        }
        tags.push(tag);
    }
    (tags, sheets)
}

fn parse_tag(inner: &str) -> Tag {
    let inner = inner.trim_end_matches('/');
    let (name, mut rest) = inner.split_once(' ').unwrap_or((inner, ""));
    let mut attrs = Vec::new();
    while !rest.trim().is_empty() {
        rest = rest.trim_start();
        let (attr, after) = rest.split_once("=\"").expect("attributes are quoted");
        let close = after.find('"').expect("closing quote");
        let value = after[..close].replace("&quot;", "\"").replace("&amp;", "&");
        attrs.push((attr.to_ascii_lowercase(), value));
        rest = &after[close + 1..];
    }
    Tag {
        name: name.to_ascii_lowercase(),
        attrs,
    }
}

/// What a browser would read in a URL or CSS value: no spaces, controls, case.
fn squeezed(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect()
}

fn assert_safe(name: &str, out: &str) {
    let (tags, sheets) = scan(out);
    for tag in &tags {
        assert!(
            !FORBIDDEN_TAGS.contains(&tag.name.as_str()),
            "{name}: <{}> kept in {out}",
            tag.name
        );
        for (attr, value) in &tag.attrs {
            assert!(
                !attr.starts_with("on"),
                "{name}: {attr} kept on <{}>",
                tag.name
            );
            assert!(
                !matches!(attr.as_str(), "srcset" | "ping" | "formaction" | "action"),
                "{name}: {attr} kept"
            );
            if URL_ATTRIBUTES.contains(&attr.as_str()) {
                let v = squeezed(value);
                for bad in ["javascript:", "vbscript:", "data:text/html", "expression("] {
                    assert!(
                        !v.contains(bad),
                        "{name}: {attr}={value:?} on <{}>",
                        tag.name
                    );
                }
            }
            if tag.name == "a" && attr == "href" {
                assert!(
                    ["http:", "https:", "mailto:", "tel:"]
                        .iter()
                        .any(|s| v_starts(value, s)),
                    "{name}: link {value:?}"
                );
            }
        }
        if tag.name == "a" {
            let get = |k: &str| {
                tag.attrs
                    .iter()
                    .find(|(a, _)| a == k)
                    .map(|(_, v)| v.as_str())
            };
            assert_eq!(get("target"), Some("_blank"), "{name}: {tag:?}");
            assert_eq!(get("rel"), Some("noopener noreferrer"), "{name}: {tag:?}");
        }
    }
    for sheet in sheets {
        let css = squeezed(&sheet);
        for bad in [
            "javascript:",
            "expression(",
            "@import",
            "-moz-binding",
            "behavior",
        ] {
            assert!(!css.contains(bad), "{name}: sheet {sheet:?}");
        }
    }
}

fn v_starts(value: &str, scheme: &str) -> bool {
    squeezed(value).starts_with(scheme)
}

#[test]
fn no_vector_of_the_corpus_survives() {
    for (name, html) in corpus() {
        for show in [false, true] {
            let safe = html::sanitize(&html, 42, show);
            assert_safe(&name, &safe.html);
        }
    }
}

#[test]
fn the_corpus_is_not_emptied() {
    // A sanitiser that removed everything would pass the test above: the text stays.
    for (name, html) in corpus() {
        let safe = html::sanitize(&html, 42, false);
        assert!(
            safe.html.contains("<p") || safe.html.contains("<table"),
            "{name}: {}",
            safe.html
        );
    }
    let out = html::sanitize(&corpus_file("03-"), 1, false).html;
    assert!(
        out.contains("href=\"https://shop.example.test/?q=1\""),
        "{out}"
    );
    assert!(out.contains("href=\"mailto:sales@example.test\""), "{out}");
    let out = html::sanitize(&corpus_file("12-"), 1, false).html;
    assert!(
        out.contains("Привіт"),
        "quoted-printable UTF-8 decoded: {out}"
    );
    let out = html::sanitize(&corpus_file("13-"), 1, false).html;
    assert!(
        out.contains("Привіт, рахунок"),
        "windows-1251 decoded: {out}"
    );
    let out = html::sanitize(&corpus_file("04-"), 1, false).html;
    assert!(
        out.contains("src=\"data:image/png;base64,"),
        "raster data image kept: {out}"
    );
    assert!(!out.contains("image/svg"), "SVG data image dropped: {out}");
}

#[test]
fn remote_images_are_blocked_and_counted_until_shown() {
    let html = corpus_file("11-");
    let blocked = html::sanitize(&html, 7, false);
    assert!(!blocked.images_shown);
    // Pixel, http banner, protocol-relative, td background, inline-style and sheet
    // backgrounds (the CSS ones stay, for the frame's policy to block).
    assert_eq!(blocked.blocked_images, 6, "{}", blocked.html);
    for host in [
        "tracker.test",
        "images.example.test",
        "protocol-relative",
        "bg.png",
    ] {
        assert!(
            !blocked.html.contains(host),
            "{host} kept: {}",
            blocked.html
        );
    }
    assert!(!blocked.html.contains("a.png") && !blocked.html.contains("poster.png"));
    let shown = html::sanitize(&html, 7, true);
    assert!(shown.images_shown);
    assert_eq!(shown.blocked_images, 0);
    assert!(
        shown
            .html
            .contains("src=\"https://tracker.test/open.gif?u=alice\"")
    );
    assert!(
        shown
            .html
            .contains("src=\"http://images.example.test/banner.png\"")
    );
    assert!(
        shown
            .html
            .contains("src=\"https://cdn.example.test/protocol-relative.png\"")
    );
    assert!(
        shown
            .html
            .contains("background=\"https://cdn.example.test/bg.png\"")
    );
    assert_safe("11 shown", &shown.html);
}

#[test]
fn a_table_newsletter_keeps_its_layout_and_inline_image() {
    let safe = html::sanitize(&corpus_file("14-"), 42, false);
    let out = &safe.html;
    assert_eq!(safe.blocked_images, 0, "{out}");
    for kept in [
        "<table role=\"presentation\"",
        "width=\"600\"",
        "cellpadding=\"0\"",
        "bgcolor=\"#ffffff\"",
        "style=\"border-collapse:collapse;font-family:Arial,sans-serif\"",
        "<td align=\"center\" valign=\"top\" style=\"padding:24px\">",
        "<center>",
        "<font color=\"#888888\" face=\"Arial\" size=\"2\">",
        "<th align=\"left\">",
        "<td colspan=\"2\" align=\"right\">",
        "<style>.btn{background:#0a7cff;",
        "class=\"btn\"",
    ] {
        assert!(out.contains(kept), "{kept} lost: {out}");
    }
    assert!(
        out.contains("src=\"/mail/messages/42/inline/logo%40acme.test\""),
        "cid rewritten: {out}"
    );
    assert!(
        out.contains(
            "<a class=\"btn\" href=\"https://shop.example.test/orders/114\" target=\"_blank\" rel=\"noopener noreferrer\">"
        ) || out.contains("href=\"https://shop.example.test/orders/114\""),
        "{out}"
    );
    assert_safe("14", out);
}

#[test]
fn links_open_a_new_tab_without_referrer_whatever_the_mail_says() {
    let safe = html::sanitize(
        "<a href=\"https://a.test/\" target=\"_top\" rel=\"opener\">x</a>\
         <a href=\"HTTPS://b.test/\" target=\"_self\">y</a>",
        1,
        false,
    );
    let (tags, _) = scan(&safe.html);
    let links: Vec<&Tag> = tags.iter().filter(|t| t.name == "a").collect();
    assert_eq!(links.len(), 2, "{}", safe.html);
    for link in links {
        let targets: Vec<_> = link.attrs.iter().filter(|(a, _)| a == "target").collect();
        let rels: Vec<_> = link.attrs.iter().filter(|(a, _)| a == "rel").collect();
        assert_eq!(targets.len(), 1, "{link:?}");
        assert_eq!(targets[0].1, "_blank");
        assert_eq!(rels.len(), 1, "{link:?}");
        assert_eq!(rels[0].1, "noopener noreferrer");
    }
}

#[test]
fn plain_text_is_escaped_and_linked() {
    let safe = html::plain_text("<script>alert(1)</script>\nSee https://a.test/x?y=1&z=2 now");
    assert!(!safe.html.contains("<script"), "{}", safe.html);
    assert!(safe.html.contains("&lt;script&gt;"));
    assert!(safe.html.contains(
        "<a href=\"https://a.test/x?y=1&amp;z=2\" target=\"_blank\" rel=\"noopener noreferrer\">"
    ));
    let page = html::document(&safe);
    assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</body></html>"));
}
