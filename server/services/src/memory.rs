//! How the server process uses memory: glibc's allocator settings, made at start.
//!
//! - **At most two arenas.** glibc gives threads arenas of their own (a new thread, or one
//!   that finds its arena locked, takes a new arena), up to eight per core. The server has
//!   tokio's workers, its blocking threads and one thread per SQLite connection, and each
//!   arena keeps what was freed into it for its own reuse. Two arenas took the server's peak
//!   during a first sync of 10,000 messages from 96 to 86 MB, with no change in the sync's
//!   time (docs/benchmarks.md, "Speed issue (13), sixth round").
//! - **A fixed mmap threshold of 1 MiB.** Larger blocks are mapped on their own and
//!   returned to the system when freed. By default glibc raises the threshold after the
//!   first such block is freed (up to 32 MiB) and from then on keeps large blocks in the
//!   arenas: the 19 MiB of each password hash (`accounts::password`) stayed resident for
//!   good.

/// Applies the settings above. Call it first thing in `main`, before any other thread
/// starts and takes an arena. A setting given in the environment (`MALLOC_ARENA_MAX`,
/// `MALLOC_MMAP_THRESHOLD_`, or the same tunable in `GLIBC_TUNABLES`) is left to win.
/// Nothing to do on other C libraries.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    let tunables = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    for (variable, tunable, param, value) in [
        (
            "MALLOC_ARENA_MAX",
            "glibc.malloc.arena_max",
            libc::M_ARENA_MAX,
            2,
        ),
        (
            "MALLOC_MMAP_THRESHOLD_",
            "glibc.malloc.mmap_threshold",
            libc::M_MMAP_THRESHOLD,
            1 << 20,
        ),
    ] {
        if std::env::var_os(variable).is_none() && !tunables.contains(tunable) {
            // SAFETY: mallopt only sets an allocator parameter, with a value in its range;
            // it is called before this process starts any other thread.
            if unsafe { libc::mallopt(param, value) } != 1 {
                eprintln!("memory: glibc refused {variable}={value}; its default stays");
            }
        }
    }
}
