//! The scanner: recognises literal announcements in the server's bytes, hands literals
//! on or throws them away behind the marker, counts what is kept and notices IDLE.

use super::{BoundedStream, OVER_BUDGET_MARKER, OVERSIZE_MARKER, StreamLimitError};

/// Where the reader is in the server's byte stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scan {
    /// Inside a line; `len` bytes of it so far, `first` its first byte.
    Line { len: u64, first: Option<u8> },
    /// Inside a literal being handed on.
    Literal { left: u64 },
    /// Inside a literal being thrown away.
    Skip { left: u64 },
}

/// A possible literal announcement at the end of the line, held back until decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Brace {
    None,
    Open,
    Digits(u64),
    Closed(u64),
    Cr(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Idle {
    Off,
    /// IDLE was sent; silence is allowed once the server's `+` continuation came.
    Asked,
    On,
}

/// Literal digits beyond this are no IMAP `number` (a u32): not an announcement.
pub(super) const MAX_DIGITS: usize = 10;

impl<S> BoundedStream<S> {
    /// A command line went out: its answer starts now.
    fn command_sent(&mut self) {
        let (response, literal) = self.next.take().unwrap_or((
            self.limits.max_response_bytes,
            self.limits.max_literal_bytes,
        ));
        self.current = match self.beside.take() {
            Some(ceiling) => {
                let left = self.current.0.saturating_sub(self.kept);
                (
                    left.saturating_add(response).min(ceiling),
                    literal.max(self.current.1),
                )
            }
            None => (response, literal),
        };
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

    pub(super) fn remember_written(&mut self, bytes: &[u8]) {
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
    pub(super) fn process(&mut self, mut raw: &[u8]) -> Result<(), StreamLimitError> {
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
        let literal_fits = n <= max_literal;
        let fits = literal_fits
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
            let marker = if literal_fits {
                OVER_BUDGET_MARKER
            } else {
                OVERSIZE_MARKER
            };
            let announcement = format!("{{{}}}\r\n", marker.len());
            self.emit(announcement.as_bytes())?;
            self.emit(marker)?;
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
