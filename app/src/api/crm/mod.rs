//! CRM server functions: records (lists, cards, forms), links (manual link and unlink,
//! a message's links, a card's correspondence) and the automatic rules' preview.

mod create_from_sender;
mod crm_preview;
mod link_message;
mod message_links;
mod pick_records;
mod record_timeline;
mod unlink_message;

pub use create_from_sender::{CreateFromSender, create_from_sender};
pub use crm_preview::{CrmPreviewFn, crm_preview};
pub use link_message::{LinkMessage, link_message};
pub use message_links::{MessageLinksFn, message_links};
pub use pick_records::{PickRecordsFn, pick_records};
pub use record_timeline::{RecordTimelineFn, record_timeline};
pub use unlink_message::{UnlinkMessage, unlink_message};
