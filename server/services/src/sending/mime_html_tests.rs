use super::*;

#[test]
fn html_escapes_and_breaks_lines() {
    let html = html_of("a < b & \"c\" 'd'\nnext line\n\nnew paragraph");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains(
            "a &lt; b &amp; &quot;c&quot; &#39;d&#39;<br>\nnext line<br>\n<br>\nnew paragraph"
        ),
        "{html}"
    );
    assert!(html.trim_end().ends_with("</div></body></html>"));
}

#[test]
fn html_nests_quotes() {
    let html = html_of("me\n> one\n>> two\n> one again\nme again");
    let tags: Vec<&str> = html
        .split(['<', '>'])
        .filter(|t| t.starts_with("blockquote") || t.starts_with("/blockquote"))
        .map(|t| t.split(' ').next().unwrap_or_default())
        .collect();
    assert_eq!(
        tags,
        ["blockquote", "blockquote", "/blockquote", "/blockquote"]
    );
    let positions: Vec<usize> = ["me", "one", "two", "one again", "me again"]
        .iter()
        .map(|t| {
            html.find(&format!("{t}\n"))
                .or_else(|| html.find(&format!("{t}<")))
                .unwrap()
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{html}");
    // Unclosed quotes at the end are closed.
    let open_at_end = html_of(">> deep");
    assert_eq!(open_at_end.matches("<blockquote").count(), 2);
    assert_eq!(open_at_end.matches("</blockquote>").count(), 2);
}

#[test]
fn html_links_only_http_urls() {
    let html = html_of(
        "see (https://example.com/a_(b)) and http://x.y/?q=\"<z>\", javascript:alert(1) nohttp://a.b HTTPS://UP.CASE/",
    );
    assert!(
        html.contains(r#"<a href="https://example.com/a_(b)">https://example.com/a_(b)</a>)"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<a href="http://x.y/?q=">http://x.y/?q=</a>&quot;&lt;z&gt;&quot;,"#),
        "{html}"
    );
    assert!(html.contains("javascript:alert(1)"));
    assert!(!html.contains("href=\"javascript"));
    assert!(!html.contains(r#"href="http://a.b""#), "{html}");
    assert!(html.contains(r#"<a href="HTTPS://UP.CASE/">"#), "{html}");
    assert!(!html_of("http:// alone").contains("<a "));
    // A space after a link is an ordinary one.
    assert!(html_of("x http://a.b/ y").contains("x <a href=\"http://a.b/\">http://a.b/</a> y"));
}

#[test]
fn html_keeps_runs_of_spaces() {
    let html = html_of("  two  spaces");
    assert!(html.contains("&nbsp;&nbsp;two &nbsp;spaces"), "{html}");
}

#[test]
fn html_of_nothing() {
    let html = html_of("");
    assert!(html.contains("<body><div>"));
    assert!(!html.contains("blockquote"));
}
