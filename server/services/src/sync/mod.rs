//! The sync engine's scheduling half: which mailbox runs when, and by which process.

pub mod schedule;
