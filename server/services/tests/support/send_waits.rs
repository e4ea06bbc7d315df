//! Waiting for a draft's way out: until its view shows a state, until it is sent, until
//! its copy in Sent is settled; and the check that a recipient got it exactly once.

use super::*;

impl Sender {
    /// A new draft of user A holding `fields`, queued; waits until it stops by itself.
    pub async fn send_settled(&self, fields: &ComposeFields) -> (i64, ComposeView) {
        let id = self.draft(&self.owner, fields).await;
        self.send(&self.owner, id, fields).await;
        let v = self
            .wait_view(&self.owner, id, "settled", DELIVERY, settled)
            .await;
        (id, v)
    }

    /// Waits until the draft's view satisfies `want`.
    pub async fn wait_view(
        &self,
        actor: &Actor,
        id: i64,
        what: &str,
        limit: Duration,
        want: impl Fn(&ComposeView) -> bool,
    ) -> ComposeView {
        let last = RefCell::new(None);
        let found = wait_for(limit, LOOK_EVERY, || async {
            let v = self.view(actor, id).await;
            if want(&v) {
                return Some(v);
            }
            last.replace(Some(v));
            None
        })
        .await;
        found.unwrap_or_else(|| {
            panic!(
                "draft {id}: not {what} within {limit:?}; last view: {:#?}",
                last.borrow()
            )
        })
    }

    /// Waits until the draft is sent (panics on Failed or Unconfirmed, with the failure).
    pub async fn wait_sent(&self, actor: &Actor, id: i64) -> ComposeView {
        let v = self
            .wait_view(actor, id, "sent or failed", DELIVERY, |v| {
                matches!(
                    v.state,
                    SendState::Sent | SendState::Failed | SendState::Unconfirmed
                )
            })
            .await;
        assert_eq!(v.state, SendState::Sent, "draft {id}: {:#?}", v.failure);
        v
    }

    /// Waits until the draft's copy to Sent is settled (`done`, `provider`, `failed` or `given_up`);
    /// that state.
    pub async fn wait_sent_copy(&self, draft_id: i64) -> String {
        eventually(
            &format!("draft {draft_id}: copy to Sent settled"),
            DELIVERY,
            || async {
                let row = draft::Entity::find_by_id(draft_id)
                    .one(self.db())
                    .await
                    .unwrap()
                    .unwrap();
                matches!(
                    row.sent_copy.as_str(),
                    "done" | "provider" | "failed" | "given_up"
                )
                .then_some(row.sent_copy)
            },
        )
        .await
    }
}

/// Checks `check` until it gives a value; panics naming `what` after `limit`.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    wait_for(limit, LOOK_EVERY, check)
        .await
        .unwrap_or_else(|| panic!("{what}: not within {limit:?}"))
}

/// The draft stopped by itself: sent, failed, or unconfirmed.
pub fn settled(v: &ComposeView) -> bool {
    matches!(
        v.state,
        SendState::Sent | SendState::Failed | SendState::Unconfirmed
    )
}

/// After the worker stopped: the recipient holds every message Postfix accepted through
/// the proxy (or, without a proxy, the one awaited), and draft `id`'s exactly once.
pub async fn assert_exactly_once(s: &Stack, snd: &Sender, rcpt: &str, id: i64) {
    let mid = snd.message_id(id).await;
    let got = match &snd.proxy {
        Some(p) => {
            let accepted = p.counts.accepted() as usize;
            assert_eq!(accepted, 1, "one message accepted by Postfix");
            wait_count(s, rcpt, "INBOX", accepted).await
        }
        None => wait_copy(s, rcpt, "INBOX", &mid).await,
    };
    assert_eq!(
        got.iter().map(|g| g.message_id()).collect::<Vec<_>>(),
        vec![Some(mid)],
        "exactly one copy delivered"
    );
}
