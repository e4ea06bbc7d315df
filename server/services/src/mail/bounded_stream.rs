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
//!   in its place, so the message is kept as "too large" and the session goes on;
//! - **bytes kept**: more than `max_response_bytes` handed on, or a line (outside
//!   literals) over `max_line_bytes`, ends the connection; so do more than
//!   `max_discard_bytes` thrown away;
//! - **silence**: a read that waits `read_timeout` without a byte ends the connection,
//!   except while the server confirmed IDLE (RFC 2177 allows 29 minutes of silence;
//!   the IDLE round has its own bound).
//!
//! Literal announcements are recognised exactly as IMAP defines them (`{digits}` right
//! before CRLF, outside literals; quoted strings cannot hold CRLF, RFC 3501 §4.3).

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

/// Bounds of one connection (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamLimits {
    pub max_response_bytes: u64,
    pub max_literal_bytes: u64,
    pub max_line_bytes: u64,
    pub max_discard_bytes: u64,
    pub read_timeout: Duration,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits {
            max_response_bytes: 32 << 20,
            max_literal_bytes: 25 << 20,
            // A `UID SEARCH` answer is one line: 4 MiB is about 500,000 UIDs.
            max_line_bytes: 4 << 20,
            max_discard_bytes: 1 << 30,
            read_timeout: Duration::from_secs(60),
        }
    }
}

/// Why the stream ended a connection; inside the `io::Error` async-imap reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StreamLimitError {
    #[error("the server sent more than allowed in answer to one command")]
    ResponseTooLarge,
    #[error("the server sent a line longer than allowed")]
    LineTooLong,
    #[error("the server sent more oversized data than allowed")]
    TooMuchDiscarded,
    #[error("the server sent nothing for {0} s")]
    Silent(u64),
}

impl StreamLimitError {
    /// The limit behind an I/O error, if one of ours.
    pub fn of(err: &io::Error) -> Option<StreamLimitError> {
        err.get_ref()
            .and_then(|e| e.downcast_ref::<StreamLimitError>())
            .copied()
    }

    fn into_io(self) -> io::Error {
        let kind = match self {
            StreamLimitError::Silent(_) => io::ErrorKind::TimedOut,
            _ => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, self)
    }
}

/// Where the reader is in the server's byte stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scan {
    /// Inside a line; `len` bytes of it so far, `first` its first byte.
    Line { len: u64, first: Option<u8> },
    /// Inside a literal being handed on.
    Literal { left: u64 },
    /// Inside a literal being thrown away.
    Skip { left: u64 },
}

/// A possible literal announcement at the end of the line, held back until decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Brace {
    None,
    Open,
    Digits(u64),
    Closed(u64),
    Cr(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Idle {
    Off,
    /// IDLE was sent; silence is allowed once the server's `+` continuation came.
    Asked,
    On,
}

/// Literal digits beyond this are no IMAP `number` (a u32): not an announcement.
const MAX_DIGITS: usize = 10;
/// Raw bytes read per poll.
const CHUNK: usize = 16 * 1024;

pub struct BoundedStream<S> {
    inner: S,
    limits: StreamLimits,
    /// Limits of the response being read, and those asked for the next command.
    current: (u64, u64),
    next: Option<(u64, u64)>,
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
}

impl<S> BoundedStream<S> {
    pub fn new(inner: S, limits: StreamLimits) -> Self {
        BoundedStream {
            inner,
            limits,
            current: (limits.max_response_bytes, limits.max_literal_bytes),
            next: None,
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
        }
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

    pub fn limits(&self) -> StreamLimits {
        self.limits
    }

    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    pub fn into_inner(self) -> S {
        self.inner
    }

    /// A command line went out: its answer starts now.
    fn command_sent(&mut self) {
        self.current = self.next.take().unwrap_or((
            self.limits.max_response_bytes,
            self.limits.max_literal_bytes,
        ));
        self.kept = 0;
        self.discarded = 0;
        let line = self.tail.strip_suffix(b"\r\n").unwrap_or(&self.tail);
        self.idle = if line.len() >= 5 && line[line.len() - 5..].eq_ignore_ascii_case(b" IDLE") {
            Idle::Asked
        } else {
            Idle::Off
        };
        self.tail.clear();
    }

    fn remember_written(&mut self, bytes: &[u8]) {
        self.tail.extend_from_slice(bytes);
        if self.tail.len() > 16 {
            let cut = self.tail.len() - 16;
            self.tail.drain(..cut);
        }
        if self.tail.ends_with(b"\r\n") {
            self.command_sent();
        }
    }

    fn emit(&mut self, bytes: &[u8]) -> Result<(), StreamLimitError> {
        self.kept += bytes.len() as u64;
        if self.kept > self.current.0 {
            return Err(StreamLimitError::ResponseTooLarge);
        }
        self.out.extend_from_slice(bytes);
        Ok(())
    }

    /// Runs raw bytes from the server through the scanner into `out`.
    fn process(&mut self, mut raw: &[u8]) -> Result<(), StreamLimitError> {
        while !raw.is_empty() {
            match self.scan {
                Scan::Literal { left } => {
                    let n = usize::try_from(left).unwrap_or(usize::MAX).min(raw.len());
                    self.emit(&raw[..n])?;
                    raw = &raw[n..];
                    self.scan = match left - n as u64 {
                        0 => Scan::Line {
                            len: 0,
                            first: None,
                        },
                        left => Scan::Literal { left },
                    };
                }
                Scan::Skip { left } => {
                    let n = usize::try_from(left).unwrap_or(usize::MAX).min(raw.len());
                    self.discarded += n as u64;
                    if self.discarded > self.limits.max_discard_bytes {
                        return Err(StreamLimitError::TooMuchDiscarded);
                    }
                    raw = &raw[n..];
                    self.scan = match left - n as u64 {
                        0 => Scan::Line {
                            len: 0,
                            first: None,
                        },
                        left => Scan::Skip { left },
                    };
                }
                Scan::Line { .. } => {
                    let b = raw[0];
                    raw = &raw[1..];
                    self.line_byte(b)?;
                }
            }
        }
        Ok(())
    }

    fn line_byte(&mut self, b: u8) -> Result<(), StreamLimitError> {
        let Scan::Line { len, first } = self.scan else {
            return Ok(());
        };
        let len = len + 1;
        if len > self.limits.max_line_bytes {
            return Err(StreamLimitError::LineTooLong);
        }
        let first = first.or(Some(b));
        self.scan = Scan::Line { len, first };
        let next = match (self.brace, b) {
            (_, b'{') => {
                self.flush_held()?;
                Brace::Open
            }
            (Brace::Open, b'0'..=b'9') => Brace::Digits(u64::from(b - b'0')),
            (Brace::Digits(n), b'0'..=b'9') if self.held.len() <= MAX_DIGITS => {
                Brace::Digits(n * 10 + u64::from(b - b'0'))
            }
            (Brace::Digits(n), b'}') => Brace::Closed(n),
            (Brace::Closed(n), b'\r') => Brace::Cr(n),
            (Brace::Cr(n), b'\n') => {
                self.held.push(b);
                return self.announced(n);
            }
            _ => Brace::None,
        };
        if next == Brace::None {
            self.flush_held()?;
            self.emit(&[b])?;
            if b == b'\n' {
                self.line_ended(first);
            }
        } else {
            self.held.push(b);
        }
        self.brace = next;
        Ok(())
    }

    fn flush_held(&mut self) -> Result<(), StreamLimitError> {
        if self.held.is_empty() {
            return Ok(());
        }
        let held = std::mem::take(&mut self.held);
        let result = self.emit(&held);
        self.held = held;
        self.held.clear();
        result
    }

    fn line_ended(&mut self, first: Option<u8>) {
        if self.idle == Idle::Asked && first == Some(b'+') {
            self.idle = Idle::On;
        }
        self.scan = Scan::Line {
            len: 0,
            first: None,
        };
    }

    /// A complete `{n}\r\n`: hand the literal on, or throw it away behind the marker.
    fn announced(&mut self, n: u64) -> Result<(), StreamLimitError> {
        self.brace = Brace::None;
        let (max_response, max_literal) = self.current;
        let fits = n <= max_literal
            && self
                .kept
                .saturating_add(self.held.len() as u64)
                .saturating_add(n)
                <= max_response;
        if fits {
            self.flush_held()?;
            self.scan = if n == 0 {
                Scan::Line {
                    len: 0,
                    first: None,
                }
            } else {
                Scan::Literal { left: n }
            };
        } else {
            self.held.clear();
            let announcement = format!("{{{}}}\r\n", OVERSIZE_MARKER.len());
            self.emit(announcement.as_bytes())?;
            self.emit(OVERSIZE_MARKER)?;
            self.scan = Scan::Skip { left: n };
            if n == 0 {
                self.scan = Scan::Line {
                    len: 0,
                    first: None,
                };
            }
        }
        Ok(())
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
                    let processed = this.process(&chunk[..filled]);
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
        Pin::new(&mut self.inner).poll_flush(cx)
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
