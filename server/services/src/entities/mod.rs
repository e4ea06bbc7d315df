//! SeaORM entities, one file per table; behaviour lives in the services that use them.

pub mod connection_draft;
pub mod crm_company;
pub mod crm_company_domain;
pub mod crm_contact;
pub mod crm_contact_email;
pub mod crm_deal;
pub mod crm_link;
pub mod draft;
pub mod draft_attachment;
pub mod draft_attachment_chunk;
pub mod image_sender;
pub mod mailbox;
pub mod mailbox_folder;
pub mod mailbox_grant;
pub mod message;
pub mod message_action;
pub mod oauth_flow;
pub mod oauth_grant;
pub mod session;
pub mod user;
pub mod workspace;
