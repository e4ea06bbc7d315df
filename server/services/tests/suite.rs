//! Every integration test of the services crate in one binary (one build, one link),
//! each file a module named as before: `cargo test -p services --test suite login_check::`
//! or `cargo nextest run -E 'test(/^login_check::/)'`. nextest still runs each test in a
//! process of its own. `sync_restart` stays a binary of its own (it stops the mail stack).

#[path = "support/action_fixtures.rs"]
mod action_fixtures;
mod common;
#[path = "support/crm_auto_fixtures.rs"]
mod crm_auto_fixtures;
#[path = "support/crm_link_fixtures.rs"]
mod crm_link_fixtures;
#[path = "support/crm_records_fixtures.rs"]
mod crm_records_fixtures;
mod fake_imap;
#[path = "support/oauth_fixtures.rs"]
mod oauth_fixtures;
#[path = "support/oauth_send.rs"]
mod oauth_send;
#[path = "common/search_bench.rs"]
mod search_bench;
#[path = "common/search_fixtures.rs"]
mod search_fixtures;
#[path = "support/send_fixtures.rs"]
mod send_fixtures;

mod accounts;
mod connect_discovery;
mod crm_auto;
mod crm_auto_modes;
mod crm_links;
mod crm_links_card;
mod crm_records;
mod crm_records_lists;
mod crm_records_rules;
mod discovery;
mod fidelity_corpus;
mod hostile_imap;
mod hostile_imap_scheduler;
mod hostile_imap_sizes;
mod log_in_early;
mod login_check;
mod login_throttle;
mod mail_action_copies;
mod mail_action_failures;
mod mail_actions;
mod mail_search;
mod mail_stack;
mod mailbox_rules;
mod mailboxes;
mod message_indexes;
mod oauth_logs;
mod oauth_sign_in;
mod oauth_tokens;
mod outbound_policy;
mod plan_limit_race;
mod reading_access;
mod reading_html;
mod reading_view;
mod search_queue;
mod search_vector;
mod secrets_in_logs;
mod sending;
mod sending_attachments;
mod sending_cuts;
mod sending_drafts;
mod sending_faults;
mod sending_leases;
mod sending_recovery;
mod sending_sent_copies;
mod session_store;
mod session_sweep;
mod sqlite_settings;
mod storage_cancel;
mod sync_batch_writes;
mod sync_engine;
mod sync_faults;
mod sync_first_search;
mod sync_first_view;
mod sync_idle;
mod sync_later_search;
mod sync_leases;
mod sync_log_in;
mod sync_log_out;
mod sync_next_look;
mod sync_one_stream;
mod sync_quota;
mod sync_refusals;
mod sync_requests;
mod sync_resync;
mod sync_round_trips;
mod sync_row_columns;
mod sync_schedule;
mod sync_scheduler;
mod sync_settings;
mod sync_whole_rows;
mod throttles;
