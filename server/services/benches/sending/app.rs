//! The app's path: a draft written beforehand (started, attachment uploaded, autosaved —
//! not timed, as while composing), then **Send** (`send_draft`: save, checks, queued with
//! the undo-send delay 0, the worker woken) timed until the message is in the recipient's
//! INBOX, and until its copy is in the sender's Sent folder on the server and the draft's
//! state is Sent. The draft row is polled every [`ROW_POLL`] to see where the worker is:
//! claimed (`sending`), handing the message over (`phase = data`), sent.

use super::{Case, fixture::Sender, ms, watch::Watch};
use bytes::Bytes;
use domain::{ComposeFields, SendState};
use sea_orm::EntityTrait;
use services::{
    entities::draft,
    sending::{self, DraftStart},
};
use std::time::{Duration, Instant};

/// How often the draft row is read while a send runs.
const ROW_POLL: Duration = Duration::from_millis(5);

/// One app send's times, in ms from the moment Send is called.
pub struct AppTimes {
    /// `send_draft` returned (save, checks, queue, the compose view).
    pub queued: f64,
    /// First seen `sending`: the worker woke and claimed it.
    pub claimed: f64,
    /// First seen `phase = data`: connected, logged in, MAIL and RCPT answered.
    pub handing_over: f64,
    /// Draft `sent` (the copy in Sent filed and stored).
    pub state_sent: f64,
    /// In the recipient's INBOX.
    pub inbox: f64,
    /// The copy found in the sender's Sent over IMAP.
    pub in_sent: f64,
}

impl AppTimes {
    /// In Sent on the server and the draft Sent.
    pub fn sent(&self) -> f64 {
        self.in_sent.max(self.state_sent)
    }
}

/// A draft ready to send: (id, `<Message-ID>`, fields).
pub async fn prepare(
    snd: &Sender,
    case: &Case,
    to: &str,
    subject: &str,
) -> Result<(i64, String, ComposeFields), String> {
    let st = &snd.st;
    let actor = &snd.owner;
    let id = sending::start_draft(
        st,
        actor,
        DraftStart::New {
            mailbox_id: Some(snd.id),
        },
    )
    .await
    .map_err(|e| format!("start_draft: {e}"))?;
    if let Some((name, content_type, bytes)) = &case.attachment {
        // In upload-sized chunks, as a browser's upload arrives.
        let chunks: Vec<Result<Bytes, std::io::Error>> = bytes
            .chunks(64 * 1024)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        sending::add_attachment(
            st,
            actor,
            id,
            name,
            content_type,
            futures_util::stream::iter(chunks),
        )
        .await
        .map_err(|e| format!("add_attachment: {e}"))?;
    }
    let fields = snd.fields(to, subject, case.body);
    sending::save_draft(st, actor, id, &fields, None)
        .await
        .map_err(|e| format!("save_draft: {e}"))?;
    let row = draft::Entity::find_by_id(id)
        .one(&st.db)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the draft row")?;
    Ok((id, format!("<{}>", row.message_id), fields))
}

/// Sends the prepared draft and waits for it everywhere, or `Err` at `deadline`.
pub async fn round(
    snd: &Sender,
    draft_id: i64,
    message_id: &str,
    fields: &ComposeFields,
    inbox: &mut Watch,
    sent: &mut Watch,
    deadline: Instant,
) -> Result<AppTimes, String> {
    let t0 = Instant::now();
    let send = async {
        sending::send_draft(&snd.st, &snd.owner, draft_id, fields)
            .await
            .map_err(|e| format!("send_draft: {e}"))?;
        let queued = ms(t0.elapsed());
        let (claimed, handing_over, state_sent) = follow_row(snd, draft_id, t0, deadline).await?;
        Ok::<_, String>((queued, claimed, handing_over, state_sent))
    };
    let (row, arrived, filed) = tokio::join!(
        send,
        inbox.until_found(message_id, t0, deadline),
        sent.until_found(message_id, t0, deadline)
    );
    let (queued, claimed, handing_over, state_sent) = row?;
    // A step quicker than the row poll is seen at the next one.
    let handing_over = handing_over.unwrap_or(state_sent);
    Ok(AppTimes {
        queued,
        claimed: claimed.unwrap_or(handing_over),
        handing_over,
        state_sent,
        inbox: arrived?,
        in_sent: filed?,
    })
}

/// Reads the draft row until it is Sent: (claimed, handing over, sent) in ms from `t0`.
async fn follow_row(
    snd: &Sender,
    id: i64,
    t0: Instant,
    deadline: Instant,
) -> Result<(Option<f64>, Option<f64>, f64), String> {
    let mut claimed = None;
    let mut handing_over = None;
    loop {
        let row = draft::Entity::find_by_id(id)
            .one(&snd.st.db)
            .await
            .map_err(|e| format!("reading draft {id}: {e}"))?
            .ok_or_else(|| format!("draft {id} gone"))?;
        let at = ms(t0.elapsed());
        match row.state {
            SendState::Sending => {
                claimed.get_or_insert(at);
                if row.phase.as_deref() == Some("data") {
                    handing_over.get_or_insert(at);
                }
            }
            SendState::Sent => return Ok((claimed, handing_over, at)),
            SendState::Failed | SendState::Unconfirmed => {
                return Err(format!(
                    "draft {id} {}: {}",
                    row.state.as_str(),
                    row.failure.unwrap_or_default()
                ));
            }
            _ => {}
        }
        if Instant::now() + ROW_POLL >= deadline {
            return Err(format!(
                "draft {id} not sent within the deadline (state {})",
                row.state.as_str()
            ));
        }
        tokio::time::sleep(ROW_POLL).await;
    }
}
