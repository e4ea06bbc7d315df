//! What another IMAP client sees in a stack user's folders: raw messages with their flags,
//! the copies of one Message-ID, waits until they arrive, and appending as that client.

use super::*;

/// A message as another IMAP client sees it.
#[derive(Clone, Debug)]
pub struct Got {
    pub uid: u32,
    pub seen: bool,
    pub raw: Vec<u8>,
}

impl Got {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a parsable message")
    }

    pub fn message_id(&self) -> Option<String> {
        self.parsed().message_id().map(str::to_owned)
    }

    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    /// The first text part (CRLF as LF).
    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .unwrap_or_default()
            .replace("\r\n", "\n")
    }

    /// The first HTML part, if any.
    pub fn html(&self) -> Option<String> {
        self.parsed().body_html(0).map(|h| h.into_owned())
    }

    /// Name and address of the first From.
    pub fn from(&self) -> (String, String) {
        let m = self.parsed();
        let a = m.from().and_then(|a| a.first());
        (
            a.and_then(|a| a.name()).unwrap_or_default().to_owned(),
            a.and_then(|a| a.address()).unwrap_or_default().to_owned(),
        )
    }

    /// The Message-IDs of `In-Reply-To`.
    pub fn in_reply_to(&self) -> Vec<String> {
        ids(self.parsed().in_reply_to())
    }

    /// The Message-IDs of `References`.
    pub fn references(&self) -> Vec<String> {
        ids(self.parsed().references())
    }

    /// Header names of the top level, lower case.
    pub fn header_names(&self) -> Vec<String> {
        self.parsed()
            .headers()
            .iter()
            .map(|h| h.name().to_ascii_lowercase())
            .collect()
    }

    /// `(file name, bytes)` of every attachment.
    pub fn attachments(&self) -> Vec<(String, Vec<u8>)> {
        use mail_parser::MimeHeaders;
        let m = self.parsed();
        m.attachments()
            .map(|p| {
                (
                    p.attachment_name().unwrap_or_default().to_owned(),
                    p.contents().to_vec(),
                )
            })
            .collect()
    }
}

fn ids(v: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    v.as_text_list()
        .map(|l| l.iter().map(|s| s.to_string()).collect())
        .unwrap_or_default()
}

/// Every message of `folder` of mail user `user`, lowest UID first (nothing marked seen).
pub async fn folder(s: &Stack, user: &str, folder: &str) -> Vec<Got> {
    let mut imap = other_client(s, user).await;
    let mb = imap.examine(folder).await.unwrap();
    let mut got = Vec::new();
    if mb.exists > 0 {
        let fetches: Vec<_> = imap
            .uid_fetch("1:*", "(UID FLAGS BODY.PEEK[])")
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        for f in &fetches {
            // An untagged FETCH without a body is another session's change arriving
            // meanwhile (a flag set by the app while this client reads; Dovecot names its
            // UID too), not an answer to this fetch.
            let (Some(uid), Some(raw)) = (f.uid, f.body()) else {
                continue;
            };
            got.push(Got {
                uid,
                seen: f.flags().any(|fl| fl == async_imap::types::Flag::Seen),
                raw: raw.to_vec(),
            });
        }
    }
    imap.logout().await.ok();
    got.sort_by_key(|g| g.uid);
    got
}

/// The copies of Message-ID `message_id` in `folder`.
pub async fn copies(s: &Stack, user: &str, name: &str, message_id: &str) -> Vec<Got> {
    folder(s, user, name)
        .await
        .into_iter()
        .filter(|g| g.message_id().as_deref() == Some(message_id))
        .collect()
}

/// Waits until `folder` holds at least `n` messages; all of them.
pub async fn wait_count(s: &Stack, user: &str, name: &str, n: usize) -> Vec<Got> {
    eventually(
        &format!("{n} messages in {user}'s {name}"),
        DELIVERY,
        || async {
            let got = folder(s, user, name).await;
            (got.len() >= n).then_some(got)
        },
    )
    .await
}

/// Waits until a copy of `message_id` is in `folder`; all copies.
pub async fn wait_copy(s: &Stack, user: &str, name: &str, message_id: &str) -> Vec<Got> {
    eventually(
        &format!("{message_id} in {user}'s {name}"),
        DELIVERY,
        || async {
            let got = copies(s, user, name, message_id).await;
            (!got.is_empty()).then_some(got)
        },
    )
    .await
}

/// Another client appends `raw` to `folder` of mail user `user`.
pub async fn append(s: &Stack, user: &str, folder: &str, raw: &[u8], flags: Option<&str>) {
    let mut imap = other_client(s, user).await;
    imap.append(folder, flags, None, raw).await.unwrap();
    imap.logout().await.ok();
}

/// Counts of Message-IDs in a folder listing.
pub fn id_counts(got: &[Got]) -> HashMap<Option<String>, usize> {
    let mut counts = HashMap::new();
    for g in got {
        *counts.entry(g.message_id()).or_default() += 1;
    }
    counts
}
