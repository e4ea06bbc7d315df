//! Reading one message safely: its HTML sanitised for a sandboxed frame (`html`, `css`),
//! remote images blocked until asked, per message or always for a sender (`images`),
//! inline `cid:` images and attachments fetched from the server on demand (`fetch`,
//! `attachment`). Every call checks that the reader may read the message's mailbox and
//! answers `NotFound` otherwise, as if the message did not exist.

pub mod attachment;
mod css;
pub mod fetch;
pub mod html;
pub mod images;
pub mod inline_pass;

pub use attachment::{Part, attachment, inline_image};
pub use fetch::Reader;
pub use html::SafeHtml;
pub use images::{allow_images_from_sender, images_allowed, stop_images_from_sender};

use crate::{
    accounts::Actor,
    error::{ServiceError, ServiceResult},
    mail_view::readable_message,
};
use sea_orm::ConnectionTrait;

/// The message's body for the reading frame: its HTML sanitised, or else its plain text
/// escaped. Remote images load when `show_images` (**Show images** on this message) or
/// when the reader always shows images from its sender; otherwise they are counted.
pub async fn message_html(
    db: &impl ConnectionTrait,
    actor: &Actor,
    message_id: i64,
    show_images: bool,
) -> ServiceResult<SafeHtml> {
    let row = readable_message(db, actor, message_id).await?;
    let show = show_images || images::sender_allowed(db, actor, &row.from_address).await?;
    let body = match (&row.html_body, &row.text_body) {
        (Some(html), _) if !html.trim().is_empty() => {
            let html = html.clone();
            tokio::task::spawn_blocking(move || html::sanitize(&html, message_id, show))
                .await
                .map_err(|e| ServiceError::Internal(anyhow::anyhow!("sanitising failed: {e}")))?
        }
        (_, Some(text)) => html::plain_text(text),
        _ => SafeHtml::default(),
    };
    Ok(body)
}
