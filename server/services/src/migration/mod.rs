//! Schema migrations, one file per change (`mYYYYMMDD_HHMMSS_what.rs`), applied at start.

use sea_orm_migration::prelude::*;

mod m20261129_000001_create_accounts;
mod m20261129_000002_create_sessions;
mod m20261129_000003_create_mailboxes;
mod m20261129_000004_sync_schedule;
mod m20261129_000005_messages;
mod m20261130_000030_sync_requested;
mod m20261130_000040_message_body_bytes;
mod m20261130_000045_reply_to;
pub(crate) mod m20261130_000050_message_search;
mod m20261130_000060_message_actions;
mod m20261130_000070_image_senders;
mod m20261130_000080_drafts;
mod m20261130_000090_oauth;
mod m20261130_000100_crm;
pub(crate) mod m20261201_000110_search_queue;
mod m20261202_000120_search_queue_updates;
mod m20261203_000130_one_folder_order_index;
mod m20261204_000140_lease_index;
mod m20261205_000150_draft_takeovers;
mod m20261205_000160_action_copies;
mod m20261205_000170_sent_copy_retries;
mod m20261205_000180_action_copy_sent;
mod m20261206_000190_search_changed_only;
mod m20261206_000200_search_vector_plpgsql;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_create_accounts::Migration),
            Box::new(m20261129_000002_create_sessions::Migration),
            Box::new(m20261129_000003_create_mailboxes::Migration),
            Box::new(m20261129_000004_sync_schedule::Migration),
            Box::new(m20261129_000005_messages::Migration),
            Box::new(m20261130_000030_sync_requested::Migration),
            Box::new(m20261130_000040_message_body_bytes::Migration),
            Box::new(m20261130_000045_reply_to::Migration),
            Box::new(m20261130_000050_message_search::Migration),
            Box::new(m20261130_000060_message_actions::Migration),
            Box::new(m20261130_000070_image_senders::Migration),
            Box::new(m20261130_000080_drafts::Migration),
            Box::new(m20261130_000090_oauth::Migration),
            Box::new(m20261130_000100_crm::Migration),
            Box::new(m20261201_000110_search_queue::Migration),
            Box::new(m20261202_000120_search_queue_updates::Migration),
            Box::new(m20261203_000130_one_folder_order_index::Migration),
            Box::new(m20261204_000140_lease_index::Migration),
            Box::new(m20261205_000150_draft_takeovers::Migration),
            Box::new(m20261205_000160_action_copies::Migration),
            Box::new(m20261205_000170_sent_copy_retries::Migration),
            Box::new(m20261205_000180_action_copy_sent::Migration),
            Box::new(m20261206_000190_search_changed_only::Migration),
            Box::new(m20261206_000200_search_vector_plpgsql::Migration),
        ]
    }
}
