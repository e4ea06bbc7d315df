//! The sync engine: the plan-tier schedule in the database (`schedule`), the scheduler
//! task that runs due mailboxes (`scheduler`), one mailbox's run (`run`), one folder's
//! passes (`folder`), the IMAP commands (`fetch`), parsing (`parse`) and storage (`store`).

pub mod complete;
pub mod error;
pub mod fetch;
pub mod fetch_bounds;
pub mod folder;
pub mod idle;
mod log_in;
mod new_mail;
pub mod parse;
mod pending;
pub mod pipeline;
pub mod progress;
pub mod request;
pub mod run;
pub mod run_task;
pub mod schedule;
pub mod scheduler;
pub mod store;
pub mod turn;

pub use error::SyncError;
pub use folder::FetchBounds;
pub use idle::{IdleConfig, IdleProbe, IdleWatcher};
pub use run::SyncEngine;
pub use scheduler::{
    Scheduler, SchedulerConfig, SchedulerHandle, ShutdownReport, SyncRunner, SyncWaker,
};
