//! Everything the process logs, captured for a test that checks what never appears: the
//! filter production uses (`services::logging::filter`) asked for everything at TRACE.
//! Installs the global subscriber once per process: nextest gives each test a process of
//! its own; under `cargo test` the capturing tests share one capture of everything.

#![allow(dead_code)]

use std::{
    io::Write,
    sync::{Arc, Mutex, OnceLock},
};

#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Starts capturing every log line of this process (the capture already started, if
    /// another test of the same process asked first).
    pub fn install() -> Captured {
        static CAPTURE: OnceLock<Captured> = OnceLock::new();
        CAPTURE
            .get_or_init(|| {
                let captured = Captured::default();
                let writer = captured.clone();
                tracing_subscriber::fmt()
                    .with_env_filter(services::logging::filter("trace"))
                    .with_ansi(false)
                    .with_writer(move || writer.clone())
                    .init();
                captured
            })
            .clone()
    }

    /// What was logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}
