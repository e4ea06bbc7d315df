//! What the fake server does: the knobs a test turns.

use std::{
    io,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering},
    },
};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// What the body fetch (`UID FETCH … BODY.PEEK[]`) gets.
#[derive(Clone, Debug)]
pub enum Bodies {
    /// A small, real message per UID.
    Honest,
    /// `bytes` for each message, whatever RFC822.SIZE said.
    Flood { bytes: usize },
    /// No answer, ever (the connection stays open until the client leaves).
    Silent,
}

#[derive(Clone, Debug)]
pub struct Behaviour {
    /// UIDs 1..=messages in INBOX.
    pub messages: u32,
    /// What RFC822.SIZE says for every message.
    pub declared_size: u32,
    pub bodies: Bodies,
    /// Folders listed besides INBOX (which is listed last).
    pub extra_folders: usize,
    /// One more folder with a name this long.
    pub long_name: Option<usize>,
    /// EXAMINE is answered with this many bytes no IMAP parser accepts.
    pub garbage: Option<usize>,
    /// EXAMINE is refused (`NO`) with a text this long, full of control characters.
    pub refuse_examine: Option<usize>,
    /// Every UID FETCH first hears of "another client's" flag changes: a flags-only
    /// `* n FETCH (UID n FLAGS (\Seen))` for every message, asked for or not.
    pub unsolicited_flags: bool,
    /// The header FETCH answers every message with its flags, date and size but `NIL` for
    /// its header fields (as a server does that will not give a section).
    pub nil_headers: bool,
    /// CONDSTORE offered, EXAMINE telling [`Behaviour::highest_modseq`].
    pub condstore: bool,
    /// ENABLE is answered only once the next command has arrived, as a server may answer
    /// pipelined commands: a client waiting for that answer first waits forever.
    pub late_enable: bool,
    /// ENABLE and CONDSTORE are offered only once logged in (a greeting and a CAPABILITY
    /// before login without them, as Gmail's and Outlook's): nothing goes with the LOGIN.
    pub enable_after_login: bool,
    /// LOGIN (or AUTHENTICATE) is answered only once the next command has arrived, while
    /// this is set: a client that waits for that answer before sending anything else
    /// waits forever. Shared: a test sets it once the mailbox is connected.
    pub late_login: Arc<AtomicBool>,
    /// ENABLE is never answered while this is set, as by a server that lost it. Shared: a
    /// test may change it between runs.
    pub silent_enable: Arc<AtomicBool>,
    /// ENABLE is refused (`BAD`) while this is set, as by a server that read it before
    /// logging in. Shared, as above.
    pub refuse_enable: Arc<AtomicBool>,
    /// LOGIN disabled (`LOGINDISABLED`), so a client signs in with AUTHENTICATE PLAIN.
    pub login_disabled: bool,
    /// SASL-IR offered (RFC 4959): AUTHENTICATE may carry its first message.
    pub sasl_ir: bool,
    /// A flags FETCH with CHANGEDSINCE is answered only once the next command has
    /// arrived: a client that waits for that answer before sending anything else waits
    /// forever.
    pub late_changedsince: bool,
    /// The first UID SEARCH is answered only once the next command has been answered, out
    /// of order, as a server that runs pipelined commands side by side may (Dovecot does):
    /// a client that waits for that answer before sending anything else waits forever.
    pub late_search: bool,
    /// UID SEARCH is refused (`NO`) while this is set. Shared: a test may change it
    /// between runs.
    pub refuse_search: Arc<AtomicBool>,
    /// What EXAMINE tells as HIGHESTMODSEQ when CONDSTORE is offered. Shared: a test may
    /// change it between runs.
    pub highest_modseq: Arc<AtomicU64>,
    /// A FETCH of flags alone (`UID FETCH … (UID FLAGS)`, with CHANGEDSINCE or not) is
    /// refused (`NO`) while this is set. Shared, as above.
    pub refuse_flags: Arc<AtomicBool>,
    /// Only a flags FETCH with CHANGEDSINCE is refused while this is set (a server whose
    /// CONDSTORE is broken). Shared, as above.
    pub refuse_changedsince: Arc<AtomicBool>,
    /// The log-in's tagged OK tells the capabilities (`OK [CAPABILITY …]`), as Dovecot's does.
    pub caps_on_login: bool,
    /// The UID whose header and whole-message FETCH answers leave what was asked out
    /// (flags only); 0 for none. Shared: a test may change it between runs.
    pub bodiless: Arc<AtomicU32>,
    /// A whole-message FETCH asking for this UID is refused (`NO`, nothing answered), as
    /// RFC 2180 §4.1 lets a server refuse one naming a message another session expunged;
    /// 0 for none. Shared, as above.
    pub refused_bodies: Arc<AtomicU32>,
    /// The greeting is sent only once the client's first line has come, while this is set:
    /// a client that waits for the greeting before it writes waits forever. Shared: a test
    /// sets it once a first session has been greeted.
    pub greet_after_first_line: Arc<AtomicBool>,
    /// The next connection's first line, sent before the greeting, is read and dropped
    /// (as by a server, or a proxy, that starts reading only after its greeting); later
    /// connections are served as usual. Shared, as above.
    pub drop_early_line: Arc<AtomicBool>,
    /// The greeting is `* BYE`, sent once the client's first line has come, and the server
    /// closes its side (reading on until the client leaves, so no reset cuts the BYE),
    /// while this is set. Shared, as above.
    pub bye_after_first_line: Arc<AtomicBool>,
    /// `STATUS INBOX` is answered with this message count (and the UIDNEXT after it),
    /// otherwise with a bare OK, as every command the fake does not know.
    pub inbox_status: Option<u32>,
    /// `STATUS` is never answered (the session goes on with the next command).
    pub silent_status: bool,
    /// EXAMINE is answered only once the next command has arrived: a client that waits
    /// for that answer before sending anything else waits forever.
    pub late_examine: bool,
    /// A whole-message FETCH, or a UID SEARCH of a UID range, that comes right after
    /// another of its kind and does not ask for UID 1 (the oldest, asked last) is answered
    /// to its end only once the next command has arrived: a client that waits for each
    /// answer before it sends the next command waits forever. So is every FETCH of flags,
    /// dates and sizes (a client sends the first of the rest of the new mail ahead of the
    /// bodies of its newest rows).
    pub late_pipelined: bool,
    /// A whole-message FETCH right after a FETCH of flags, dates and sizes (the newest
    /// rows' bodies, behind the flags, dates and sizes of the rest of the new mail) is
    /// answered to its end only once the next command has arrived: a client that waits
    /// for those bodies before asking for the rest waits forever.
    pub late_after_meta: bool,
    /// Every UID SEARCH's answer is preceded by `* 1 EXPUNGE`, the folder left as it is:
    /// what a client makes of being told its messages were renumbered.
    pub expunge_on_search: bool,
    /// While this is set, LOGOUT is answered (and the connection closed) only once a
    /// permit is added to [`Behaviour::logouts_let_go`]. Shared, as above.
    pub held_logout: Arc<AtomicBool>,
    pub logouts_let_go: Arc<tokio::sync::Semaphore>,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            messages: 3,
            declared_size: 1000,
            bodies: Bodies::Honest,
            extra_folders: 0,
            long_name: None,
            garbage: None,
            refuse_examine: None,
            unsolicited_flags: false,
            nil_headers: false,
            condstore: false,
            late_enable: false,
            late_login: Arc::new(AtomicBool::new(false)),
            enable_after_login: false,
            late_changedsince: false,
            silent_enable: Arc::new(AtomicBool::new(false)),
            refuse_enable: Arc::new(AtomicBool::new(false)),
            login_disabled: false,
            sasl_ir: false,
            caps_on_login: false,
            late_search: false,
            highest_modseq: Arc::new(AtomicU64::new(1)),
            refuse_flags: Arc::new(AtomicBool::new(false)),
            refuse_changedsince: Arc::new(AtomicBool::new(false)),
            refuse_search: Arc::new(AtomicBool::new(false)),
            bodiless: Arc::new(AtomicU32::new(0)),
            refused_bodies: Arc::new(AtomicU32::new(0)),
            greet_after_first_line: Arc::new(AtomicBool::new(false)),
            drop_early_line: Arc::new(AtomicBool::new(false)),
            bye_after_first_line: Arc::new(AtomicBool::new(false)),
            inbox_status: None,
            silent_status: false,
            late_examine: false,
            late_pipelined: false,
            late_after_meta: false,
            expunge_on_search: false,
            held_logout: Arc::new(AtomicBool::new(false)),
            logouts_let_go: Arc::new(tokio::sync::Semaphore::new(0)),
        }
    }
}

impl Behaviour {
    /// The answer to EXAMINE (or SELECT) tagged `tag`: refused, garbage, or the folder's
    /// state.
    pub fn examined(&self, tag: &str) -> Vec<u8> {
        if let Some(n) = self.refuse_examine {
            let text: String = (0..n)
                .map(|i| ['N', 'O', '\x1b', '\x07', ' '][i % 5])
                .collect();
            return format!("{tag} NO {text}\r\n").into_bytes();
        }
        if let Some(n) = self.garbage {
            let mut junk = b"* ".to_vec();
            junk.extend((0..n).map(|i| [0x01, 0x1b, b'[', b'2', b'J', 0x07, 0x7f][i % 7]));
            junk.extend_from_slice(b"\r\n");
            return junk;
        }
        let modseq = match self.condstore {
            true => {
                let modseq = self.highest_modseq.load(Ordering::SeqCst);
                format!("* OK [HIGHESTMODSEQ {modseq}] ok\r\n")
            }
            false => String::new(),
        };
        format!(
            "* {n} EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT {next}] ok\r\n{modseq}{tag} OK [READ-ONLY] done\r\n",
            n = self.messages,
            next = self.messages + 1,
        )
        .into_bytes()
    }

    /// The answer to STATUS ([`Behaviour::inbox_status`], [`Behaviour::silent_status`]).
    pub fn status(&self, tag: &str) -> String {
        match self.inbox_status {
            _ if self.silent_status => String::new(),
            Some(n) => format!(
                "* STATUS INBOX (MESSAGES {n} UIDNEXT {})\r\n{tag} OK done\r\n",
                n + 1
            ),
            None => format!("{tag} OK done\r\n"),
        }
    }

    /// What the server offers once logged in, and before ([`Behaviour::enable_after_login`]).
    pub fn capabilities(&self) -> (String, String) {
        let mut caps = String::from("IMAP4rev1 AUTH=PLAIN");
        for (on, name) in [
            (self.condstore, " ENABLE CONDSTORE"),
            (self.login_disabled, " LOGINDISABLED"),
            (self.sasl_ir, " SASL-IR"),
        ] {
            if on {
                caps.push_str(name);
            }
        }
        let before = match self.enable_after_login {
            true => caps.replace(" ENABLE CONDSTORE", ""),
            false => caps.clone(),
        };
        (caps, before)
    }

    /// Whether the answers of `uid` leave out what was asked ([`Behaviour::bodiless`]).
    /// Whether a whole-message FETCH of `set` is refused ([`Behaviour::refused_bodies`]).
    pub fn refuses_bodies(&self, set: &str) -> bool {
        let refused = self
            .refused_bodies
            .load(std::sync::atomic::Ordering::SeqCst);
        refused != 0 && super::words::uids_of(set, self.messages).contains(&refused)
    }

    pub fn left_out(&self, uid: u32) -> bool {
        uid == self.bodiless.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Waits for the client's first line before greeting where a knob says so: `None`
    /// (greet at once), `Some(true)` (then greet OK; `line` holds what came, or nothing
    /// where it was dropped), `Some(false)` (then say BYE).
    pub async fn early_line<R>(&self, lines: &mut R, line: &mut String) -> io::Result<Option<bool>>
    where
        R: AsyncBufRead + Unpin,
    {
        let drop = self.drop_early_line.swap(false, Ordering::SeqCst);
        let bye = self.bye_after_first_line.load(Ordering::SeqCst);
        if !(drop || bye || self.greet_after_first_line.load(Ordering::SeqCst)) {
            return Ok(None);
        }
        lines.read_line(line).await?;
        if drop {
            line.clear();
        }
        Ok(Some(!bye))
    }

    /// The LIST answer: the extra folders, the long name, INBOX last.
    pub fn list(&self, tag: &str) -> String {
        let mut out = String::new();
        for i in 0..self.extra_folders {
            out.push_str(&format!("* LIST () \"/\" \"Folder {i:05}\"\r\n"));
        }
        if let Some(n) = self.long_name {
            out.push_str(&format!("* LIST () \"/\" \"{}\"\r\n", "L".repeat(n)));
        }
        out.push_str(&format!("* LIST () \"/\" INBOX\r\n{tag} OK done\r\n"));
        out
    }
}
