use super::*;
use std::collections::VecDeque;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A server that sends the given chunks, one per read, then stays silent (or ends).
struct Script {
    chunks: VecDeque<Vec<u8>>,
    silent_after: bool,
    written: Vec<u8>,
}

impl Script {
    fn new(chunks: Vec<Vec<u8>>, silent_after: bool) -> Self {
        Script {
            chunks: chunks.into(),
            silent_after,
            written: Vec::new(),
        }
    }

    /// Every byte in its own read: announcements split at every possible point.
    fn bytewise(bytes: &[u8]) -> Self {
        Script::new(bytes.iter().map(|b| vec![*b]).collect(), false)
    }
}

impl AsyncRead for Script {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.chunks.pop_front() {
            Some(mut chunk) => {
                let n = chunk.len().min(buf.remaining());
                buf.put_slice(&chunk[..n]);
                if n < chunk.len() {
                    chunk.drain(..n);
                    self.chunks.push_front(chunk);
                }
                Poll::Ready(Ok(()))
            }
            // Never woken: only the stream's own timer can end the wait.
            None if self.silent_after => Poll::Pending,
            None => Poll::Ready(Ok(())),
        }
    }
}

impl AsyncWrite for Script {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.written.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

fn limits(response: u64, literal: u64) -> StreamLimits {
    StreamLimits {
        max_response_bytes: response,
        max_literal_bytes: literal,
        max_staged_literal_bytes: literal,
        max_pipelined_bytes: response,
        max_line_bytes: 1000,
        max_discard_bytes: 1 << 20,
        read_timeout: Duration::from_millis(200),
    }
}

async fn read_all(stream: &mut BoundedStream<Script>) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await?;
    Ok(out)
}

fn oversize(rest: &str) -> Vec<u8> {
    let mut v = format!("{{{}}}\r\n", OVERSIZE_MARKER.len()).into_bytes();
    v.extend_from_slice(OVERSIZE_MARKER);
    v.extend_from_slice(rest.as_bytes());
    v
}

#[tokio::test]
async fn literals_within_the_limits_pass_unchanged() {
    let wire = b"* 1 FETCH (UID 7 BODY[] {5}\r\nab{3}\r\n)\r\n* OK {x} {12\r\nA1 OK done\r\n";
    for script in [
        Script::new(vec![wire.to_vec()], false),
        Script::bytewise(wire),
    ] {
        let mut s = BoundedStream::new(script, limits(1000, 100));
        assert_eq!(read_all(&mut s).await.unwrap(), wire.to_vec());
    }
}

#[tokio::test]
async fn an_oversized_literal_is_thrown_away_behind_the_marker() {
    let body = "x".repeat(5000);
    let wire = format!(
        "* 1 FETCH (UID 7 BODY[] {{5000}}\r\n{body})\r\n* 2 FETCH (UID 8 BODY[] {{3}}\r\nabc)\r\nA1 OK\r\n"
    );
    let mut expected = b"* 1 FETCH (UID 7 BODY[] ".to_vec();
    expected.extend(oversize(
        ")\r\n* 2 FETCH (UID 8 BODY[] {3}\r\nabc)\r\nA1 OK\r\n",
    ));
    for script in [
        Script::new(vec![wire.clone().into_bytes()], false),
        Script::bytewise(wire.as_bytes()),
    ] {
        let mut s = BoundedStream::new(script, limits(1000, 100));
        assert_eq!(read_all(&mut s).await.unwrap(), expected);
    }
}

#[tokio::test]
async fn a_literal_over_what_is_left_of_the_response_is_thrown_away() {
    // Each literal fits the per-literal limit; together they exceed the response.
    let wire = format!(
        "* 1 FETCH (BODY[] {{80}}\r\n{a})\r\n* 2 FETCH (BODY[] {{80}}\r\n{a})\r\nA1 OK\r\n",
        a = "a".repeat(80)
    );
    let mut s = BoundedStream::new(
        Script::new(vec![wire.into_bytes()], false),
        limits(200, 100),
    );
    let out = read_all(&mut s).await.unwrap();
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with(&format!("* 1 FETCH (BODY[] {{80}}\r\n{})", "a".repeat(80))));
    // Told apart from a literal over the literal limit: alone, it would fit.
    assert!(
        out.windows(OVER_BUDGET_MARKER.len())
            .any(|w| w == OVER_BUDGET_MARKER)
    );
    assert!(
        !out.windows(OVERSIZE_MARKER.len())
            .any(|w| w == OVERSIZE_MARKER)
    );
    assert!(text.ends_with(")\r\nA1 OK\r\n"), "{text}");
}

#[tokio::test]
async fn too_many_bytes_kept_ends_the_connection() {
    let lines = "* OK still here\r\n".repeat(100);
    let mut s = BoundedStream::new(
        Script::new(vec![lines.into_bytes()], false),
        limits(500, 100),
    );
    let err = read_all(&mut s).await.unwrap_err();
    assert_eq!(
        StreamLimitError::of(&err),
        Some(StreamLimitError::ResponseTooLarge)
    );
}

#[tokio::test]
async fn a_long_line_ends_the_connection() {
    let line = format!("* SEARCH {}\r\n", "1 ".repeat(600));
    let mut s = BoundedStream::new(
        Script::new(vec![line.into_bytes()], false),
        limits(1 << 20, 100),
    );
    let err = read_all(&mut s).await.unwrap_err();
    assert_eq!(
        StreamLimitError::of(&err),
        Some(StreamLimitError::LineTooLong)
    );
}

#[tokio::test]
async fn throwing_away_is_bounded_too() {
    let mut lim = limits(1000, 10);
    lim.max_discard_bytes = 100;
    let wire = format!("* 1 FETCH (BODY[] {{500}}\r\n{})\r\n", "z".repeat(500));
    let mut s = BoundedStream::new(Script::new(vec![wire.into_bytes()], false), lim);
    let err = read_all(&mut s).await.unwrap_err();
    assert_eq!(
        StreamLimitError::of(&err),
        Some(StreamLimitError::TooMuchDiscarded)
    );
}

#[tokio::test]
async fn a_command_may_ask_for_tighter_limits_once() {
    let wire = b"* 1 FETCH (BODY[] {20}\r\n01234567890123456789)\r\nA1 OK\r\n".to_vec();
    let mut s = BoundedStream::new(
        Script::new(vec![wire.clone(), wire.clone()], false),
        limits(1000, 100),
    );
    s.limit_next_command(1000, 10);
    s.write_all(b"A1 UID FETCH 1 BODY.PEEK[]\r\n")
        .await
        .unwrap();
    let mut first = vec![0; 4096];
    let n = s.read(&mut first).await.unwrap();
    assert!(
        first[..n]
            .windows(OVERSIZE_MARKER.len())
            .any(|w| w == OVERSIZE_MARKER)
    );
    s.write_all(b"A2 UID FETCH 1 BODY.PEEK[]\r\n")
        .await
        .unwrap();
    let rest = read_all(&mut s).await.unwrap();
    assert_eq!(
        rest, wire,
        "the next command has the connection's limits again"
    );
}

/// A command sent while the answer to the one before is still coming: the rest of that
/// answer counts against what was left of its budget, not against the new command's.
async fn read_two_pipelined(beside: bool) -> io::Result<Vec<u8>> {
    let first = b"* 1 FETCH (BODY[] {20}\r\n01234567890123456789)\r\n".to_vec();
    let rest = b"A1 OK\r\n* 2 FETCH (BODY[] {30}\r\n012345678901234567890123456789)\r\nA2 OK\r\n";
    let mut s = BoundedStream::new(
        Script::new(vec![first.clone(), rest.to_vec()], false),
        limits(1000, 100),
    );
    s.limit_next_command(60, 100);
    s.write_all(b"A1 UID FETCH 1 BODY.PEEK[]\r\n")
        .await
        .unwrap();
    let mut read = vec![0; 4096];
    let n = s.read(&mut read).await.unwrap();
    assert_eq!(&read[..n], first.as_slice());
    match beside {
        true => s.limit_next_command_beside((60, 100), 120),
        false => s.limit_next_command(60, 100),
    }
    s.write_all(b"A2 UID FETCH 2 BODY.PEEK[]\r\n")
        .await
        .unwrap();
    read_all(&mut s).await
}

#[tokio::test]
async fn a_pipelined_command_adds_its_budget_to_what_is_left_of_the_answer_before() {
    let rest = read_two_pipelined(true).await.unwrap();
    assert!(rest.ends_with(b"012345678901234567890123456789)\r\nA2 OK\r\n"));
    // The same bounds set as for a command of its own: the first answer's last line,
    // the second's literal and its marker (7 + 24 + 30 bytes) do not fit its 60.
    let alone = read_two_pipelined(false).await.unwrap_err();
    assert_eq!(
        StreamLimitError::of(&alone),
        Some(StreamLimitError::ResponseTooLarge)
    );
}

#[tokio::test]
async fn what_answers_lines_sent_at_a_flush_has_the_staged_literal_limit() {
    let wire = b"a1 OK in\r\n* 1 FETCH (BODY[HEADER] {20}\r\n01234567890123456789)\r\npl4 OK\r\n";
    let mut bounds = limits(1000, 100);
    bounds.max_staged_literal_bytes = 10;
    let mut s = BoundedStream::new(Script::new(vec![wire.to_vec()], false), bounds);
    s.send_at_next_flush(b"pl4 FETCH 1 BODY.PEEK[HEADER]\r\n");
    s.write_all(b"a1 LOGIN u p\r\n").await.unwrap();
    s.flush().await.unwrap();
    assert!(!s.has_staged());
    let read = read_all(&mut s).await.unwrap();
    assert!(
        read.windows(OVERSIZE_MARKER.len())
            .any(|w| w == OVERSIZE_MARKER),
        "the header literal over the staged limit is thrown away"
    );
    assert!(read.ends_with(b")\r\npl4 OK\r\n"));
}

#[tokio::test]
async fn silence_ends_a_read() {
    let mut s = BoundedStream::new(Script::new(vec![], true), limits(1000, 100));
    let started = std::time::Instant::now();
    let err = read_all(&mut s).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    assert_eq!(
        StreamLimitError::of(&err),
        Some(StreamLimitError::Silent(0))
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn idle_may_be_silent_once_the_server_confirmed_it() {
    let mut s = BoundedStream::new(
        Script::new(vec![b"+ idling\r\n".to_vec()], true),
        limits(1000, 100),
    );
    s.write_all(b"A7 IDLE\r\n").await.unwrap();
    let mut buf = vec![0; 64];
    let n = s.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"+ idling\r\n");
    // Five read timeouts of silence: the read is still waiting, not failed.
    let waited = tokio::time::timeout(Duration::from_secs(1), s.read(&mut buf)).await;
    assert!(waited.is_err(), "IDLE silence must not end the read");
    // DONE ends IDLE: silence counts again.
    s.write_all(b"DONE\r\n").await.unwrap();
    let err = s.read(&mut buf).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
}

#[tokio::test]
async fn idle_without_a_confirmation_still_times_out() {
    let mut s = BoundedStream::new(Script::new(vec![], true), limits(1000, 100));
    s.write_all(b"A7 IDLE\r\n").await.unwrap();
    let mut buf = vec![0; 64];
    let err = s.read(&mut buf).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
}

#[tokio::test]
async fn a_greeting_set_aside_is_not_read_and_is_kept_whole() {
    let greeting = b"* OK [CAPABILITY IMAP4rev1] {5}\r\n";
    let mut wire = greeting.to_vec();
    wire.extend_from_slice(b"A1 OK logged in\r\n");
    for script in [
        Script::new(vec![wire.clone()], false),
        Script::bytewise(&wire),
    ] {
        let mut s = BoundedStream::new(script, limits(1000, 100));
        s.set_greeting_aside();
        assert_eq!(s.take_greeting(), None, "not come yet");
        // Not a literal's announcement either: the greeting is never scanned.
        assert_eq!(read_all(&mut s).await.unwrap(), b"A1 OK logged in\r\n");
        assert_eq!(s.take_greeting().as_deref(), Some(&greeting[..]));
        assert_eq!(s.take_greeting(), None, "taken once");
    }
    // A greeting longer than a line may be ends the connection.
    let long = format!("* OK {}\r\n", "x".repeat(2000));
    let mut s = BoundedStream::new(
        Script::new(vec![long.into_bytes()], false),
        limits(1000, 100),
    );
    s.set_greeting_aside();
    let err = read_all(&mut s).await.unwrap_err();
    assert!(err.to_string().contains("line longer"), "{err}");
    // The connection's end before the greeting's: no greeting.
    let mut s = BoundedStream::new(
        Script::new(vec![b"* OK no end".to_vec()], false),
        limits(1000, 100),
    );
    s.set_greeting_aside();
    assert_eq!(read_all(&mut s).await.unwrap(), b"");
    assert_eq!(s.take_greeting(), None);
}
