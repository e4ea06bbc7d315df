use leptos::prelude::*;
use std::time::Duration;

/// A counter that ticks every second while `active()` says so, else every 15 s, in the
/// browser only (SSR renders once). Resources keyed on it refetch live.
pub fn use_poll(active: impl Fn() -> bool + Send + Sync + 'static) -> ReadSignal<u32> {
    let (tick, set_tick) = signal(0u32);
    let active = std::sync::Arc::new(active);
    Effect::new(move |_| {
        let idle = std::cell::Cell::new(0u32);
        let active = active.clone();
        let handle = set_interval_with_handle(
            move || {
                idle.set(idle.get() + 1);
                if active() || idle.get() >= 15 {
                    idle.set(0);
                    // A no-op (not a panic) if the owner is already gone.
                    set_tick.try_update(|n| *n = n.wrapping_add(1));
                }
            },
            Duration::from_secs(1),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });
    tick
}

/// A counter that ticks every `every` in the browser only (SSR renders once): lists keyed
/// on it show new mail from a sync or IDLE without a reload.
pub fn use_ticker(every: Duration) -> ReadSignal<u32> {
    let (tick, set_tick) = signal(0u32);
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                set_tick.try_update(|n| *n = n.wrapping_add(1));
            },
            every,
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });
    tick
}
