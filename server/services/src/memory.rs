//! How the server process uses memory: glibc's allocator settings, made at start.
//!
//! - **At most two arenas.** glibc gives each thread that allocates while another holds an
//!   arena's lock an arena of its own, up to eight per core. The server has tokio's
//!   workers, its blocking threads and one thread per SQLite connection, and each arena
//!   keeps what was freed into it for its own reuse. Two arenas took the server's peak
//!   during a first sync of 10,000 messages from 96 to 86 MB, with no change in the sync's
//!   time (docs/benchmarks.md, "Speed issue (13), sixth round").
//! - **A fixed mmap threshold of 1 MiB.** Larger blocks are mapped on their own and
//!   returned to the system when freed. By default glibc raises the threshold after the
//!   first such block is freed (up to 32 MiB) and from then on keeps large blocks in the
//!   arenas: the 19 MiB of each password hash (`accounts::password`) stayed resident for
//!   good.

/// Applies the settings above. Call it first thing in `main`, before any thread starts:
/// glibc fixes the arena cap when a second arena is first needed. A setting given in the
/// environment (`MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_`) is left to win. Nothing to
/// do on other C libraries.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    for (variable, param, value) in [
        ("MALLOC_ARENA_MAX", libc::M_ARENA_MAX, 2),
        ("MALLOC_MMAP_THRESHOLD_", libc::M_MMAP_THRESHOLD, 1 << 20),
    ] {
        if std::env::var_os(variable).is_none() {
            // SAFETY: mallopt only sets an allocator parameter, with a value in its range;
            // it is called before this process starts any other thread.
            if unsafe { libc::mallopt(param, value) } != 1 {
                eprintln!("memory: glibc refused {variable}={value}; its default stays");
            }
        }
    }
}
