//! What the fake server writes and reads word by word: FETCH answers' parts, a command's
//! words and sets.

use super::{Behaviour, Bodies};
use chrono::{Duration as Days, Utc};
use std::fmt::Display;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// A FETCH answer of `uid` with its (empty) flags and nothing else.
pub(super) fn flags_only(uid: u32) -> String {
    format!("* {uid} FETCH (UID {uid} FLAGS ())\r\n")
}

pub(super) fn header(uid: u32) -> String {
    format!(
        "Message-ID: <fake-{uid}@hostile.test>\r\nFrom: Mallory <m@hostile.test>\r\nSubject: Message {uid}\r\nDate: {}\r\n",
        (Utc::now() - Days::minutes(i64::from(uid))).to_rfc2822()
    )
}

/// The INTERNALDATE of `uid`: a minute before the next one's.
pub(super) fn internal_date(uid: u32) -> String {
    (Utc::now() - Days::minutes(i64::from(uid)))
        .format("%d-%b-%Y %H:%M:%S +0000")
        .to_string()
}

/// The answer to a FETCH of `section` of `uid`'s header (`HEADER` or `HEADER.FIELDS (…)`,
/// named back as a server does; the fields are few enough to send whole), with its flags,
/// date and `size`; `nil`: NIL for the fields.
pub(super) fn header_fields(uid: u32, section: &str, nil: bool, size: impl Display) -> String {
    let fields = match nil {
        true => "NIL".to_owned(),
        false => {
            let header = format!("{}\r\n", header(uid));
            format!("{{{}}}\r\n{header}", header.len())
        }
    };
    format!(
        "* {uid} FETCH (UID {uid} FLAGS () INTERNALDATE \"{}\" RFC822.SIZE {size} BODY[{section}] {fields})\r\n",
        internal_date(uid)
    )
}

/// A whole message as the fake server keeps it.
pub(super) fn message(uid: u32) -> String {
    format!("{}\r\nHello {uid}.\r\n", header(uid))
}

/// The answer to a FETCH of the first bytes of messages (`UID FETCH set (… BODY.PEEK[]<0.n>)`,
/// `n` from the command), each with its flags, date and size; with [`Bodies::Flood`], the
/// flood instead, whatever was asked for (a server that ignores the partial).
pub(super) async fn first_bytes<W: AsyncWrite + Unpin>(
    write: &mut W,
    b: &Behaviour,
    (command, tag): (&str, &str),
    sent: &AtomicU64,
) -> std::io::Result<()> {
    let prefix: usize = command
        .split("[]<0.")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    for uid in uids_of(word(command, 2), b.messages) {
        if b.left_out(uid) {
            write.write_all(flags_only(uid).as_bytes()).await?;
            continue;
        }
        let message = message(uid);
        let part = &message[..message.len().min(prefix)];
        let date = internal_date(uid);
        let len = match b.bodies {
            Bodies::Flood { bytes } => bytes,
            _ => part.len(),
        };
        let head = format!(
            "* {uid} FETCH (UID {uid} FLAGS () INTERNALDATE \"{date}\" RFC822.SIZE {} BODY[]<0> {{{len}}}\r\n",
            message.len()
        );
        write.write_all(head.as_bytes()).await?;
        match b.bodies {
            Bodies::Flood { bytes } => flood(write, bytes, sent).await?,
            _ => write.write_all(part.as_bytes()).await?,
        }
        write.write_all(b")\r\n").await?;
    }
    write
        .write_all(format!("{tag} OK done\r\n").as_bytes())
        .await
}

/// The section of a `BODY.PEEK[…]` FETCH item (`HEADER.FIELDS (DATE FROM)`).
pub(super) fn section_of(command: &str) -> &str {
    let start = command.find("PEEK[").map_or(0, |at| at + 5);
    let len = command[start..].find(']').unwrap_or(0);
    &command[start..start + len]
}

/// The `n`th word of a command (`UID FETCH 1:3 …`: the set is word 2).
pub(super) fn word(command: &str, n: usize) -> &str {
    command.split(' ').nth(n).unwrap_or("")
}

/// The UIDs of a set (`1:3`, `1,2`, `1:*`).
pub(super) fn uids_of(set: &str, max: u32) -> Vec<u32> {
    let mut uids = Vec::new();
    for part in set.split(',') {
        let bound = |s: &str| {
            if s == "*" {
                max
            } else {
                s.parse().unwrap_or(0)
            }
        };
        match part.split_once(':') {
            Some((a, b)) => {
                let (a, b) = (bound(a), bound(b));
                uids.extend(a.min(b)..=a.max(b).min(max));
            }
            None => uids.push(bound(part)),
        }
    }
    uids.retain(|u| (1..=max).contains(u));
    uids
}

/// `bytes` of text in 64 KiB writes (never held whole).
pub(super) async fn flood<W: AsyncWrite + Unpin>(
    write: &mut W,
    bytes: usize,
    sent: &AtomicU64,
) -> std::io::Result<()> {
    let chunk = vec![b'x'; 64 * 1024];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(chunk.len());
        write.write_all(&chunk[..n]).await?;
        sent.fetch_add(n as u64, Ordering::SeqCst);
        left -= n;
    }
    Ok(())
}
