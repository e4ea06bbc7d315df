//! Where the CPU of a run went, per call: the server process, this process (the load
//! generator, or for in-process levels the service, the driver and SQLite itself), the
//! PostgreSQL processes, and how busy the whole machine was (others' builds included).

/// Jiffies per second in `/proc` (USER_HZ: 100 on Linux whatever the kernel's tick).
const USER_HZ: f64 = 100.0;

/// CPU per call of one run.
#[derive(Clone, Copy, Default)]
pub struct CpuUse {
    pub server_us: f64,
    pub bench_us: f64,
    pub postgres_us: f64,
    /// Share of both cores busy during the run (0..1).
    pub busy: f64,
}

/// CPU counters at one moment.
pub struct Usage {
    bench: f64,
    server: f64,
    postgres: f64,
    busy: f64,
    total: f64,
}

impl Usage {
    pub fn now(server: u32) -> Usage {
        let (busy, total) = machine();
        Usage {
            bench: process_seconds("self"),
            server: process_seconds(&server.to_string()),
            postgres: postgres_seconds(),
            busy,
            total,
        }
    }

    /// What was spent since `self`, divided by `calls`.
    pub fn per_call(&self, server: u32, calls: usize) -> CpuUse {
        let now = Usage::now(server);
        let per = |a: f64, b: f64| (b - a).max(0.0) * 1e6 / calls.max(1) as f64;
        CpuUse {
            server_us: per(self.server, now.server),
            bench_us: per(self.bench, now.bench),
            postgres_us: per(self.postgres, now.postgres),
            busy: (now.busy - self.busy) / (now.total - self.total).max(1.0),
        }
    }
}

/// utime + stime of a process in seconds (0 when it is gone).
fn process_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat_seconds(&stat)
}

fn stat_seconds(stat: &str) -> f64 {
    // Fields after the command name (which may hold spaces): utime and stime are the
    // 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<f64>().ok())
        .sum::<f64>()
        / USER_HZ
}

/// All processes named `postgres` (the server and its backends).
fn postgres_seconds() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| stat.contains("(postgres)"))
        .map(|stat| stat_seconds(&stat))
        .sum()
}

/// Busy and total jiffies of all cores (`/proc/stat`).
fn machine() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let values: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: f64 = values.iter().take(8).sum();
    // idle and iowait are the 4th and 5th.
    let idle = values.get(3).copied().unwrap_or(0.0) + values.get(4).copied().unwrap_or(0.0);
    (total - idle, total)
}
