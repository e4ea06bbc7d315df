//! Closed-loop load: `clients` tasks each send their next request as soon as the last one
//! answered, until a request count or a time limit is reached (whichever first).

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// When a run stops.
#[derive(Clone, Copy)]
pub struct Bounds {
    pub requests: u64,
    pub time: Duration,
}

/// Latencies of one run.
#[derive(Clone, Default)]
pub struct Stats {
    pub n: usize,
    pub errors: usize,
    pub first_error: Option<String>,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub per_s: f64,
    /// Mean of what the calls returned (bytes of a response, rows of a query).
    pub mean_size: f64,
    pub cpu: Option<super::cpu::CpuUse>,
}

impl Stats {
    pub fn pair(&self) -> String {
        if self.n == 0 {
            return "—".into();
        }
        format!("{} / {}", ms(self.p50_ms), ms(self.p99_ms))
    }
}

/// Milliseconds with sensible digits.
pub fn ms(v: f64) -> String {
    if v.is_nan() {
        "—".into()
    } else if v < 10.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// Runs `call(i)` for i = 0, 1, 2… from `clients` tasks at once. A call returns the size
/// of what it got, or an error (counted, not timed).
pub async fn drive<F, Fut>(clients: usize, bounds: Bounds, call: F) -> Stats
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<usize, String>> + Send + 'static,
{
    let call = Arc::new(call);
    let next = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (call, next) = (call.clone(), next.clone());
            tokio::spawn(async move {
                let mut seen = Seen::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= bounds.requests || t0.elapsed() >= bounds.time {
                        break seen;
                    }
                    let start = Instant::now();
                    match call(i).await {
                        Ok(size) => {
                            seen.latencies.push(start.elapsed().as_secs_f64() * 1000.0);
                            seen.size += size as f64;
                        }
                        Err(err) => {
                            seen.errors += 1;
                            seen.first_error.get_or_insert(err);
                        }
                    }
                }
            })
        })
        .collect();
    let mut all = Seen::default();
    for task in tasks {
        let seen = task.await.expect("load task");
        all.latencies.extend(seen.latencies);
        all.size += seen.size;
        all.errors += seen.errors;
        all.first_error = all.first_error.or(seen.first_error);
    }
    let wall = t0.elapsed().as_secs_f64();
    all.stats(wall)
}

/// What one task saw.
#[derive(Default)]
struct Seen {
    latencies: Vec<f64>,
    size: f64,
    errors: usize,
    first_error: Option<String>,
}

impl Seen {
    fn stats(mut self, wall: f64) -> Stats {
        self.latencies.sort_by(f64::total_cmp);
        let n = self.latencies.len();
        // Nearest rank.
        let at = |p: f64| -> f64 {
            match n {
                0 => f64::NAN,
                _ => self.latencies[((p * n as f64).ceil() as usize).clamp(1, n) - 1],
            }
        };
        Stats {
            n,
            errors: self.errors,
            first_error: self.first_error,
            p50_ms: at(0.50),
            p99_ms: at(0.99),
            max_ms: self.latencies.last().copied().unwrap_or(f64::NAN),
            per_s: n as f64 / wall.max(1e-9),
            mean_size: if n == 0 { 0.0 } else { self.size / n as f64 },
            cpu: None,
        }
    }
}

/// The `i`-th pick in `0..len` of a stream named `salt` (splitmix64): the same picks in
/// every run, different streams for different runs.
pub fn pick(salt: u64, i: u64, len: usize) -> usize {
    let mut z = salt
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(i.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z % len.max(1) as u64) as usize
}
