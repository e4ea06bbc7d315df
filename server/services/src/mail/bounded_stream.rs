//! The stream under every IMAP session: bounds what a server can make us hold and how
//! long it can make us wait, whatever it declares.
//!
//! async-imap reads a whole response into one buffer and, on a literal announcement
//! `{n}`, grows that buffer to `n` bytes at once (up to 512 MiB) before any byte arrives.
//! A server that declares `RFC822.SIZE 1000` and then sends 200 MB would therefore cost
//! 200 MB per message. This stream sits between TLS and async-imap and, per command
//! (everything read after a command line is written):
//!
//! - **literals**: an announced literal over `max_literal_bytes`, or over what is left of
//!   `max_response_bytes`, is read and thrown away; async-imap sees [`OVERSIZE_MARKER`]
//!   (or, for the second case, [`OVER_BUDGET_MARKER`])
//!   in its place, so the message is kept as "too large" and the session goes on;
//! - **bytes kept**: more than `max_response_bytes` handed on, or a line (outside
//!   literals) over `max_line_bytes`, ends the connection; so do more than
//!   `max_discard_bytes` thrown away;
//! - **silence**: a read that waits `read_timeout` without a byte ends the connection,
//!   except while the server confirmed IDLE (RFC 2177 allows 29 minutes of silence;
//!   the IDLE round has its own bound).
//!
//! A command sent while the answers before it are still coming (a pipelined FETCH) shares
//! one budget with them: what is left of theirs plus its own, at most the sum of the
//! budgets still in flight and `max_pipelined_bytes`
//! ([`BoundedStream::limit_next_command_beside`]).
//!
//! Literal announcements are recognised exactly as IMAP defines them (`{digits}` right
//! before CRLF, outside literals; quoted strings cannot hold CRLF, RFC 3501 §4.3).

mod error;
mod scanner;

pub use error::StreamLimitError;
use scanner::{Brace, Idle, MAX_DIGITS, Scan};
use std::{
    fmt,
    future::Future,
    io,
    pin::Pin,
    task::{Context, Poll, ready},
    time::Duration,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What async-imap reads instead of a literal that was thrown away. It holds NUL bytes,
/// which a literal may not contain (RFC 3501 §9 `CHAR8`), so no server can send it.
pub const OVERSIZE_MARKER: &[u8] = b"\0mailcenter: literal over the limit, not kept\0";

/// The same for a literal within the literal limit that did not fit what was left of the
/// command's answer (the server sent more than it declared for the others): it may fit
/// when asked for alone.
pub const OVER_BUDGET_MARKER: &[u8] = b"\0mailcenter: literal over the answer's budget, not kept\0";

/// Bounds of one connection (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamLimits {
    pub max_response_bytes: u64,
    pub max_literal_bytes: u64,
    /// Literals in the answers to lines sent at a flush
    /// ([`BoundedStream::send_at_next_flush`]: what goes behind a LOGIN asks for header
    /// fields at most, never a whole message), and to the command before them.
    pub max_staged_literal_bytes: u64,
    /// What the answers of commands in flight together may hold, for a command sent
    /// while the answer before it is still coming
    /// ([`BoundedStream::limit_next_command_beside`]); every other answer is bounded by
    /// `max_response_bytes`.
    pub max_pipelined_bytes: u64,
    pub max_line_bytes: u64,
    pub max_discard_bytes: u64,
    pub read_timeout: Duration,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits {
            max_response_bytes: 32 << 20,
            max_literal_bytes: 25 << 20,
            max_staged_literal_bytes: 25 << 20,
            max_pipelined_bytes: 32 << 20,
            // A `UID SEARCH` answer is one line: 4 MiB is about 500,000 UIDs.
            max_line_bytes: 4 << 20,
            max_discard_bytes: 1 << 30,
            read_timeout: Duration::from_secs(60),
        }
    }
}

/// Raw bytes read per poll.
const CHUNK: usize = 16 * 1024;

pub struct BoundedStream<S> {
    inner: S,
    limits: StreamLimits,
    /// Limits of the response being read, and those asked for the next command.
    current: (u64, u64),
    next: Option<(u64, u64)>,
    /// The next command's answer comes after what is left of the current one's (a command
    /// sent before the one before it is answered): its bounds add to what is left, up to
    /// this ceiling.
    beside: Option<u64>,
    kept: u64,
    discarded: u64,
    scan: Scan,
    brace: Brace,
    held: Vec<u8>,
    /// Processed bytes not yet handed to the reader.
    out: Vec<u8>,
    out_pos: usize,
    raw: Box<[u8]>,
    tail: Vec<u8>,
    idle: Idle,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    failed: Option<StreamLimitError>,
    /// Command lines that go out at the next flush, after what was written before it
    /// ([`BoundedStream::send_at_next_flush`]).
    staged: Vec<u8>,
    /// The server's greeting, read aside ([`BoundedStream::set_greeting_aside`]).
    greeting: Greeting,
}

/// The greeting line while it is set aside: expected (its bytes so far), then read.
enum Greeting {
    Passed,
    Expected(Vec<u8>),
    Read(Vec<u8>),
}

impl<S> BoundedStream<S> {
    pub fn new(inner: S, limits: StreamLimits) -> Self {
        BoundedStream {
            inner,
            limits,
            current: (limits.max_response_bytes, limits.max_literal_bytes),
            next: None,
            beside: None,
            kept: 0,
            discarded: 0,
            scan: Scan::Line {
                len: 0,
                first: None,
            },
            brace: Brace::None,
            held: Vec::with_capacity(MAX_DIGITS + 4),
            out: Vec::new(),
            out_pos: 0,
            raw: vec![0; CHUNK].into_boxed_slice(),
            tail: Vec::with_capacity(32),
            idle: Idle::Off,
            timer: None,
            failed: None,
            staged: Vec::new(),
            greeting: Greeting::Passed,
        }
    }

    /// The first line the server sends (its greeting, RFC 3501 §7.1) is read aside
    /// instead of handed to the reader: a client that wrote its first command before the
    /// greeting came reads that command's answer first, and the greeting afterwards with
    /// [`BoundedStream::take_greeting`]. Bounded by the line limit.
    pub fn set_greeting_aside(&mut self) {
        self.greeting = Greeting::Expected(Vec::new());
    }

    /// The greeting line set aside, CRLF included, once it has come whole.
    pub fn take_greeting(&mut self) -> Option<Vec<u8>> {
        match std::mem::replace(&mut self.greeting, Greeting::Passed) {
            Greeting::Read(line) => Some(line),
            other => {
                self.greeting = other;
                None
            }
        }
    }

    /// Whole command lines (each ending in CRLF) to send right after the next command,
    /// at its flush: pipelined behind a command that async-imap writes and then waits on
    /// (a LOGIN), so their answers come in the same round trip as its answer.
    pub fn send_at_next_flush(&mut self, lines: &[u8]) {
        self.staged.extend_from_slice(lines);
    }

    /// Whether lines of [`BoundedStream::send_at_next_flush`] are still to go out.
    pub fn has_staged(&self) -> bool {
        !self.staged.is_empty()
    }

    /// The answer to the next command may hold `max_response_bytes` and literals of up to
    /// `max_literal_bytes` (each at most the connection's own limits); later commands
    /// go back to the connection's limits.
    pub fn limit_next_command(&mut self, max_response_bytes: u64, max_literal_bytes: u64) {
        self.next = Some((
            max_response_bytes.min(self.limits.max_response_bytes),
            max_literal_bytes.min(self.limits.max_literal_bytes),
        ));
    }

    /// As [`BoundedStream::limit_next_command`], for a command sent while the answers to
    /// those before it are still coming (pipelined): the rest of them and the next
    /// command's answer share one budget, what was left plus `max_response_bytes`, at
    /// most `in_flight_bytes` (the budgets of the commands still in flight, the next one's
    /// included: what is left of those answered does not carry on) and the connection's
    /// `max_pipelined_bytes`; literals of up to the larger of the two literal limits.
    pub fn limit_next_command_beside(
        &mut self,
        (max_response_bytes, max_literal_bytes): (u64, u64),
        in_flight_bytes: u64,
    ) {
        self.next = Some((
            max_response_bytes.min(self.limits.max_pipelined_bytes),
            max_literal_bytes.min(self.limits.max_literal_bytes),
        ));
        self.beside = Some(in_flight_bytes.min(self.limits.max_pipelined_bytes));
    }

    pub fn limits(&self) -> StreamLimits {
        self.limits
    }

    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for BoundedStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if let Some(err) = this.failed {
                return Poll::Ready(Err(err.into_io()));
            }
            if this.out_pos < this.out.len() {
                let n = (this.out.len() - this.out_pos).min(buf.remaining());
                buf.put_slice(&this.out[this.out_pos..this.out_pos + n]);
                this.out_pos += n;
                if this.out_pos == this.out.len() {
                    this.out.clear();
                    this.out_pos = 0;
                }
                return Poll::Ready(Ok(()));
            }
            let mut raw = ReadBuf::new(&mut this.raw);
            match Pin::new(&mut this.inner).poll_read(cx, &mut raw) {
                Poll::Pending => {
                    if this.idle == Idle::On {
                        this.timer = None;
                        return Poll::Pending;
                    }
                    let limit = this.limits.read_timeout;
                    let timer = this
                        .timer
                        .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                    ready!(timer.as_mut().poll(cx));
                    this.timer = None;
                    let err = StreamLimitError::Silent(limit.as_secs());
                    this.failed = Some(err);
                    return Poll::Ready(Err(err.into_io()));
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) => {
                    this.timer = None;
                    let filled = raw.filled().len();
                    if filled == 0 {
                        // End of stream: whatever was held back goes out as it is.
                        let held = std::mem::take(&mut this.held);
                        this.out.extend_from_slice(&held);
                        if this.out.is_empty() {
                            return Poll::Ready(Ok(()));
                        }
                        continue;
                    }
                    let chunk = std::mem::take(&mut this.raw);
                    let start = this.greeting_from(&chunk[..filled]);
                    let processed = start.and_then(|start| this.process(&chunk[start..filled]));
                    this.raw = chunk;
                    if let Err(err) = processed {
                        this.failed = Some(err);
                        this.out.clear();
                        this.out_pos = 0;
                        return Poll::Ready(Err(err.into_io()));
                    }
                }
            }
        }
    }
}

impl<S> BoundedStream<S> {
    /// Takes the greeting's bytes off the front of `raw` while it is expected; where the
    /// rest of `raw` starts.
    fn greeting_from(&mut self, raw: &[u8]) -> Result<usize, StreamLimitError> {
        let Greeting::Expected(line) = &mut self.greeting else {
            return Ok(0);
        };
        let end = raw.iter().position(|&b| b == b'\n').map(|i| i + 1);
        line.extend_from_slice(&raw[..end.unwrap_or(raw.len())]);
        if line.len() as u64 > self.limits.max_line_bytes {
            return Err(StreamLimitError::LineTooLong);
        }
        match end {
            Some(end) => {
                self.greeting = Greeting::Read(std::mem::take(line));
                Ok(end)
            }
            None => Ok(raw.len()),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for BoundedStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let n = ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
        this.remember_written(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if !this.staged.is_empty() && this.next.is_none() {
            let literal = this.limits.max_staged_literal_bytes;
            this.limit_next_command(this.limits.max_response_bytes, literal);
        }
        while !this.staged.is_empty() {
            let n = ready!(Pin::new(&mut this.inner).poll_write(cx, &this.staged))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            let sent: Vec<u8> = this.staged.drain(..n).collect();
            this.remember_written(&sent);
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<S> fmt::Debug for BoundedStream<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedStream")
            .field("limits", &self.limits)
            .field("kept", &self.kept)
            .field("discarded", &self.discarded)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[path = "bounded_stream_tests.rs"]
mod tests;
