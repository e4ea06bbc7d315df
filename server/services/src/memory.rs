//! How the server process uses memory: glibc's allocator settings, made at start.
//!
//! - **At most four arenas.** glibc gives threads arenas of their own (a new thread, or one
//!   that finds its arena locked, takes a new arena), up to eight per core. The server has
//!   tokio's workers, its blocking threads and one thread per SQLite connection, and each
//!   arena keeps what was freed into it for its own reuse. Fewer arenas keep the peak of a
//!   first sync down (10,000 messages: 63–64 MB with four, 58–63 with two, 65–72 with eight;
//!   docs/benchmarks.md, "twenty-third round"), but threads then wait on each other's arena
//!   locks: with two, 32 clients reading list pages got 664 pages/s and a p99 of 59 ms; with
//!   four, 857/s and 45 ms (sixteen: about 1,000/s, 42–44 ms).
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
            4,
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
