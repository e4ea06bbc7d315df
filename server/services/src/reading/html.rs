//! Mail HTML made safe for the reading pane's sandboxed frame (ammonia, an allow-list):
//! layout tags and presentational attributes stay, so newsletters and invoices look like
//! themselves; scripts, frames, forms, plugins, `<base>`, `<meta>`, SVG and MathML go
//! (with their content where it could only be code). Links open in a new tab without a
//! referrer; `cid:` images point at the message's inline part; remote images are dropped
//! and counted until the reader asks for them. The frame's own Content-Security-Policy
//! (no scripts, no remote loads while images are blocked) is the second wall.

use super::css;
use ammonia::{Builder, Url, UrlRelative};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use std::{
    borrow::Cow,
    collections::{HashMap, HashSet},
    sync::{
        Arc, LazyLock,
        atomic::{AtomicUsize, Ordering},
    },
};

/// A message body ready for the frame.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafeHtml {
    /// The sanitised body (a fragment; [`document`] makes the page the frame loads).
    pub html: String,
    /// Remote images (and CSS backgrounds) kept from loading: **Show images** is offered
    /// when this is not zero.
    pub blocked_images: usize,
    /// Remote images are shown (asked for this message, or always for its sender): the
    /// frame's policy then allows loading them.
    pub images_shown: bool,
}

/// Tags kept: text and table layout of real mail. Everything else is removed, its text
/// kept (escaped) unless it is in [`DROPPED_WITH_CONTENT`].
const TAGS: &[&str] = &[
    "a",
    "abbr",
    "address",
    "article",
    "b",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "main",
    "mark",
    "nav",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "section",
    "small",
    "span",
    "strike",
    "strong",
    "style",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
];

/// Removed with everything inside: code, foreign markup (SVG/MathML namespace tricks),
/// embedded documents and raw-text elements that parse differently with scripting off.
const DROPPED_WITH_CONTENT: &[&str] = &[
    "applet", "audio", "canvas", "embed", "frame", "frameset", "head", "iframe", "math", "noembed",
    "noframes", "noscript", "object", "script", "select", "svg", "template", "textarea", "title",
    "video", "xmp",
];

/// Presentational attributes on any kept tag.
const GENERIC_ATTRIBUTES: &[&str] = &[
    "align",
    "background",
    "bgcolor",
    "border",
    "cellpadding",
    "cellspacing",
    "class",
    "color",
    "colspan",
    "dir",
    "face",
    "height",
    "hspace",
    "id",
    "lang",
    "nowrap",
    "role",
    "rowspan",
    "size",
    "style",
    "title",
    "valign",
    "vspace",
    "width",
];

const TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "name"]),
    ("img", &["src", "alt"]),
    ("ol", &["start", "type"]),
    ("ul", &["type"]),
    ("li", &["value"]),
    ("col", &["span"]),
    ("colgroup", &["span"]),
    ("td", &["abbr", "headers", "scope"]),
    ("th", &["abbr", "headers", "scope"]),
    ("table", &["summary", "frame", "rules"]),
];

/// Schemes that pass ammonia's first check; [`Rewrite`] then allows each only where it
/// belongs (`cid:` and `data:` on images, the rest on links).
const SCHEMES: &[&str] = &["http", "https", "mailto", "tel", "cid", "data"];
const LINK_SCHEMES: &[&str] = &["http", "https", "mailto", "tel"];
/// Raster images only: an SVG is a document with its own scripts.
const DATA_IMAGES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/jpg",
    "image/gif",
    "image/webp",
];

/// Percent-encoding of a Content-ID in our inline address: everything but unreserved.
const CID_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

struct Policy {
    tags: HashSet<&'static str>,
    dropped: HashSet<&'static str>,
    generic: HashSet<&'static str>,
    per_tag: HashMap<&'static str, HashSet<&'static str>>,
    schemes: HashSet<&'static str>,
}

/// The allow-lists, built once; each message gets a builder over them (its rewrite of
/// `cid:` addresses and its image count are per message).
static POLICY: LazyLock<Policy> = LazyLock::new(|| Policy {
    tags: TAGS.iter().copied().collect(),
    dropped: DROPPED_WITH_CONTENT.iter().copied().collect(),
    generic: GENERIC_ATTRIBUTES.iter().copied().collect(),
    per_tag: TAG_ATTRIBUTES
        .iter()
        .map(|(tag, attrs)| (*tag, attrs.iter().copied().collect()))
        .collect(),
    schemes: SCHEMES.iter().copied().collect(),
});

/// The sanitised body of message `message_id`; remote images load only with `show_remote`.
pub fn sanitize(html: &str, message_id: i64, show_remote: bool) -> SafeHtml {
    let blocked = Arc::new(AtomicUsize::new(0));
    let rewrite = Rewrite {
        message_id,
        show_remote,
        blocked: blocked.clone(),
    };
    let policy = &*POLICY;
    let mut builder = Builder::empty();
    builder
        .tags(policy.tags.clone())
        .clean_content_tags(policy.dropped.clone())
        .generic_attributes(policy.generic.clone())
        .tag_attributes(policy.per_tag.clone())
        .url_schemes(policy.schemes.clone())
        // Every URL attribute passes `Rewrite` first, which drops relative addresses from
        // the mail and writes only our own inline-image address.
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .set_tag_attribute_value("a", "target", "_blank")
        .strip_comments(true)
        .attribute_filter(move |element, attribute, value| {
            rewrite.attribute(element, attribute, value)
        });
    let mut out = builder.clean(html).to_string();
    let css_blocked = css::screen_style_elements(&mut out, show_remote);
    SafeHtml {
        html: out,
        blocked_images: blocked.load(Ordering::Relaxed) + css_blocked,
        images_shown: show_remote,
    }
}

/// A plain-text body for the frame: escaped, line breaks kept, web addresses made links.
pub fn plain_text(text: &str) -> SafeHtml {
    let mut html = String::with_capacity(text.len() + text.len() / 8 + 64);
    html.push_str(
        "<pre style=\"white-space:pre-wrap;overflow-wrap:anywhere;font:inherit;margin:0\">",
    );
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            html.push('\n');
        }
        for (i, word) in line.split(' ').enumerate() {
            if i > 0 {
                html.push(' ');
            }
            push_word(&mut html, word);
        }
    }
    html.push_str("</pre>");
    SafeHtml {
        html,
        blocked_images: 0,
        images_shown: false,
    }
}

fn push_word(html: &mut String, word: &str) {
    let lower = word.to_ascii_lowercase();
    let is_link =
        (lower.starts_with("https://") || lower.starts_with("http://")) && Url::parse(word).is_ok();
    if is_link {
        html.push_str("<a href=\"");
        html.push_str(&escape(word));
        html.push_str("\" target=\"_blank\" rel=\"noopener noreferrer\">");
        html.push_str(&escape(word));
        html.push_str("</a>");
    } else {
        html.push_str(&escape(word));
    }
}

/// Text for HTML content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// The complete page the frame loads: the body under a small reading style of our own.
pub fn document(body: &SafeHtml) -> String {
    let mut page = String::with_capacity(body.html.len() + 400);
    page.push_str(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <style>body{margin:8px;font:14px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;\
         color:#1f2328;background:#fff;overflow-wrap:break-word}</style></head><body>",
    );
    page.push_str(&body.html);
    page.push_str("</body></html>");
    page
}

/// The address of a message's inline part `cid` (percent-encoded).
pub fn inline_address(message_id: i64, cid: &str) -> String {
    format!(
        "/mail/messages/{message_id}/inline/{}",
        utf8_percent_encode(cid, CID_PATH)
    )
}

/// Per-message attribute rewriting (ammonia's attribute filter).
struct Rewrite {
    message_id: i64,
    show_remote: bool,
    blocked: Arc<AtomicUsize>,
}

impl Rewrite {
    fn attribute<'u>(
        &self,
        element: &str,
        attribute: &str,
        value: &'u str,
    ) -> Option<Cow<'u, str>> {
        match (element, attribute) {
            ("a", "href") => link(value).then_some(Cow::Borrowed(value)),
            ("img", "src") | (_, "background") => self.image(value),
            (_, "style") => {
                if !css::is_safe(value) {
                    return None;
                }
                if !self.show_remote {
                    self.blocked
                        .fetch_add(css::remote_urls(value), Ordering::Relaxed);
                }
                Some(Cow::Borrowed(value))
            }
            _ => Some(Cow::Borrowed(value)),
        }
    }

    /// `cid:` → our inline address; raster `data:` images kept; remote images kept only
    /// when shown (else counted); anything else dropped.
    fn image<'u>(&self, value: &'u str) -> Option<Cow<'u, str>> {
        let trimmed = value.trim();
        let remote = match Url::parse(trimmed) {
            Ok(url) => match url.scheme() {
                "cid" => {
                    let cid = percent_decode_str(url.path()).decode_utf8_lossy();
                    let cid = cid.trim().trim_start_matches('<').trim_end_matches('>');
                    return (!cid.is_empty())
                        .then(|| Cow::Owned(inline_address(self.message_id, cid)));
                }
                "data" => return raster_data(trimmed).then_some(Cow::Borrowed(value)),
                "http" | "https" => Cow::Borrowed(value),
                _ => return None,
            },
            // Protocol-relative: remote, over HTTPS.
            Err(_) if trimmed.starts_with("//") => Cow::Owned(format!("https:{trimmed}")),
            Err(_) => return None,
        };
        if self.show_remote {
            Some(remote)
        } else {
            self.blocked.fetch_add(1, Ordering::Relaxed);
            None
        }
    }
}

fn link(value: &str) -> bool {
    Url::parse(value.trim()).is_ok_and(|url| LINK_SCHEMES.contains(&url.scheme()))
}

fn raster_data(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("data:") else {
        return false;
    };
    DATA_IMAGES.iter().any(|t| {
        rest.strip_prefix(t)
            .is_some_and(|after| after.starts_with(';') || after.starts_with(','))
    })
}
