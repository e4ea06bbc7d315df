//! CRM server functions: records (lists, cards, forms), links (manual link and unlink,
//! a message's links, a card's correspondence) and the automatic rules' preview.

mod create_from_sender;
mod crm_choices;
mod crm_owners;
mod crm_preview;
mod delete_record;
mod link_message;
mod list_records;
mod message_links;
mod pick_records;
#[cfg(feature = "ssr")]
mod record_args;
mod record_card;
mod record_timeline;
mod save_company;
mod save_contact;
mod save_deal;
mod unlink_message;

pub use create_from_sender::{CreateFromSender, create_from_sender};
pub use crm_choices::{CrmChoicesFn, crm_choices};
pub use crm_owners::{CrmOwnersFn, crm_owners};
pub use crm_preview::{CrmPreviewFn, crm_preview};
pub use delete_record::{DeleteRecord, delete_record};
pub use link_message::{LinkMessage, link_message};
pub use list_records::{ListRecordsFn, list_records};
pub use message_links::{MessageLinksFn, message_links};
pub use pick_records::{PickRecordsFn, pick_records};
pub use record_card::{RecordCardFn, record_card};
pub use record_timeline::{RecordTimelineFn, record_timeline};
pub use save_company::{SaveCompany, save_company};
pub use save_contact::{SaveContact, save_contact};
pub use save_deal::{SaveDeal, save_deal};
pub use unlink_message::{UnlinkMessage, unlink_message};
