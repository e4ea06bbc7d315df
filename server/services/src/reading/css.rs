//! CSS in mail (`style` attributes and `<style>` sheets), which ammonia does not parse:
//! anything that could reach a script engine or pull in another sheet (`javascript:`,
//! `expression(`, `-moz-binding`, `behavior`, `@import`) drops the whole attribute or
//! empties the sheet; remote `url(…)` loads are counted as blocked images. What remains
//! can only restyle the frame's own document, and the frame's policy refuses every remote
//! load (images included) until the reader asks for images.

/// Written in any case, spacing, comment or escape, these make a declaration or sheet go.
const FORBIDDEN: &[&str] = &[
    "javascript:",
    "vbscript:",
    "livescript:",
    "expression(",
    "-moz-binding",
    "behavior:",
    "behaviour:",
    "@import",
    "data:text/html",
    "data:application/",
];

/// No script-capable construct in `css`, however it is written.
pub fn is_safe(css: &str) -> bool {
    let plain = normalized(css);
    !FORBIDDEN.iter().any(|f| plain.contains(f))
}

/// Remote `url(…)` and `image-set("…")` loads in `css`.
pub fn remote_urls(css: &str) -> usize {
    let plain = normalized(css);
    ["url(", "image-set("]
        .iter()
        .map(|opener| {
            plain
                .match_indices(opener)
                .filter(|(at, _)| {
                    let arg = plain[at + opener.len()..].trim_start_matches(['"', '\'']);
                    arg.starts_with("http:") || arg.starts_with("https:") || arg.starts_with("//")
                })
                .count()
        })
        .sum()
}

/// Screens each `<style>` sheet of ammonia's output in place: a sheet that is not
/// [`is_safe`] is emptied. Returns the remote loads of the sheets kept (0 when remote
/// images are shown). Relies on html5ever's serialisation: text escapes `<`, attribute
/// values are double-quoted, a sheet ends at the first `</style>`.
pub fn screen_style_elements(html: &mut String, show_remote: bool) -> usize {
    if !contains_ci(html, "<style") {
        return 0;
    }
    let src = std::mem::take(html);
    let mut out = String::with_capacity(src.len());
    let mut blocked = 0;
    let mut rest = src.as_str();
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        rest = &rest[lt..];
        let end = tag_end(rest);
        let tag = &rest[..end];
        out.push_str(tag);
        rest = &rest[end..];
        if is_style_start(tag) {
            let close = find_ci(rest, "</style>").unwrap_or(rest.len());
            let sheet = &rest[..close];
            if is_safe(sheet) {
                if !show_remote {
                    blocked += remote_urls(sheet);
                }
                out.push_str(sheet);
            }
            rest = &rest[close..];
        }
    }
    out.push_str(rest);
    *html = out;
    blocked
}

/// Where the tag starting `s` (at its `<`) ends: after its `>` outside quotes.
fn tag_end(s: &str) -> usize {
    let mut quoted = false;
    for (i, b) in s.bytes().enumerate().skip(1) {
        match b {
            b'"' => quoted = !quoted,
            b'>' if !quoted => return i + 1,
            _ => {}
        }
    }
    s.len()
}

fn is_style_start(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    bytes.len() > 6
        && bytes[..6].eq_ignore_ascii_case(b"<style")
        && matches!(bytes[6], b'>' | b' ' | b'\t' | b'\n' | b'/')
}

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn contains_ci(haystack: &str, needle: &str) -> bool {
    find_ci(haystack, needle).is_some()
}

/// `css` as a browser would read its words: comments gone, escapes decoded, lower case,
/// no white space or control characters.
fn normalized(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = without_comments(css).into_iter().peekable();
    while let Some(c) = chars.next() {
        let c = if c == '\\' {
            let mut hex = String::new();
            while hex.len() < 6 && chars.peek().is_some_and(char::is_ascii_hexdigit) {
                hex.extend(chars.next());
            }
            if hex.is_empty() {
                match chars.next() {
                    Some(next) => next,
                    None => break,
                }
            } else {
                if chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                u32::from_str_radix(&hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or('\u{FFFD}')
            }
        } else {
            c
        };
        if !c.is_whitespace() && !c.is_control() {
            out.extend(c.to_lowercase());
        }
    }
    out
}

fn without_comments(css: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.extend(rest[..start].chars());
        rest = match rest[start + 2..].find("*/") {
            Some(end) => &rest[start + 2 + end + 2..],
            None => "",
        };
    }
    out.extend(rest.chars());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disguised_script_is_caught() {
        for css in [
            "background:url(javascript:alert(1))",
            "width: expr/**/ession(alert(1))",
            "x:\\65 xpression(alert(1))",
            "background:url(\"java\\73 cript:alert(1)\")",
            "@IMPORT 'http://evil.test/a.css';",
            "-moz-binding:url(http://evil.test/x.xml#x)",
            "behavior: url(x.htc)",
        ] {
            assert!(!is_safe(css), "{css}");
        }
        assert!(is_safe(
            "color:red; font-family: 'Segoe UI', Arial; width:100%"
        ));
    }

    #[test]
    fn remote_loads_are_counted() {
        let css = "background:url( 'https://t.test/p.gif' ); b:url(//cdn.test/x.png); \
                   c:url(data:image/png;base64,AAAA); d:url(cid:x)";
        assert_eq!(remote_urls(css), 2);
    }

    #[test]
    fn style_sheets_are_screened_in_place() {
        let mut html = "<p title=\"<style>\">a</p><style>p{color:red}</style>\
                        <style>@import url(http://e.test/x.css);</style><p>b</p>"
            .to_owned();
        assert_eq!(screen_style_elements(&mut html, false), 0);
        assert_eq!(
            html,
            "<p title=\"<style>\">a</p><style>p{color:red}</style><style></style><p>b</p>"
        );
    }
}
