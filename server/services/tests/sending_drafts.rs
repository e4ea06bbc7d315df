//! Drafts and the mailbox's folders, against the real Postfix + Dovecot, on SQLite and
//! PostgreSQL: drafts are kept in the server's Drafts folder as one current copy, removed
//! when sent or discarded; a draft another client left in Drafts is taken over (same
//! Message-ID, its copy replaced); a reply marks what it answers `\Answered`.
use crate::common;
use crate::send_fixtures;

use common::{mail_stack::stack, sync_fixtures::other_client};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use send_fixtures::*;
use services::{
    entities::{draft, mailbox_folder},
    mail_actions::{ActionWorker, WorkerConfig},
    sending::{self, DraftStart, SendConfig, SendWorker, SendWorkerHandle},
};
use std::time::Duration;

/// A send worker that copies drafts to the server 300 ms after their last save.
fn drafts_worker(snd: &Sender) -> SendWorkerHandle {
    SendWorker::new(
        snd.engine.clone(),
        snd.st.send_waker.clone(),
        format!("test-{}", token()),
        SendConfig {
            server_draft_quiet: Duration::from_millis(300),
            ..fast()
        },
    )
    .spawn()
}

#[tokio::test]
async fn drafts_are_kept_in_the_servers_drafts_folder_as_one_current_copy() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "rcvdrf", Smtp::Direct).await;
        let bob = recipient("rcvdfb");
        let worker = drafts_worker(&snd);
        let mut fields = snd.fields(
            &email(&bob),
            &format!("Чернетка {}", token()),
            "Перша версія.",
        );
        fields.bcc = email(&recipient("rcvdfc"));
        let id = snd.draft(&snd.owner, &fields).await;
        let mid = snd.message_id(id).await;
        let first = wait_copy(&s, &snd.user, "Drafts", &mid).await;
        assert_eq!(first.len(), 1, "{}", t.backend);
        assert_eq!(first[0].text().trim_end(), "Перша версія.", "{}", t.backend);
        assert!(
            first[0]
                .header_names()
                .iter()
                .any(|h| h.eq_ignore_ascii_case("bcc")),
            "{}: the Drafts copy keeps Bcc",
            t.backend
        );

        fields.body = "Друга версія.".into();
        sending::save_draft(&snd.st, &snd.owner, id, &fields, None)
            .await
            .unwrap();
        let second = eventually("the second version alone in Drafts", DELIVERY, || async {
            let got = copies(&s, &snd.user, "Drafts", &mid).await;
            (got.len() == 1 && got[0].text().trim_end() == "Друга версія.").then_some(got)
        })
        .await;
        assert_ne!(second[0].uid, first[0].uid, "{}", t.backend);

        snd.send(&snd.owner, id, &fields).await;
        snd.wait_sent(&snd.owner, id).await;
        eventually("the Drafts copy gone once sent", DELIVERY, || async {
            copies(&s, &snd.user, "Drafts", &mid)
                .await
                .is_empty()
                .then_some(())
        })
        .await;

        // Discarded: its copy goes, then the draft itself.
        let other = snd.fields(&email(&bob), &format!("Discard {}", token()), "Not sent.");
        let gone = snd.draft(&snd.owner, &other).await;
        let gone_mid = snd.message_id(gone).await;
        wait_copy(&s, &snd.user, "Drafts", &gone_mid).await;
        sending::discard_draft(&snd.st, &snd.owner, gone)
            .await
            .unwrap();
        eventually(
            "the discarded draft's copy and row gone",
            DELIVERY,
            || async {
                let row = draft::Entity::find_by_id(gone).one(snd.db()).await.unwrap();
                (row.is_none() && copies(&s, &snd.user, "Drafts", &gone_mid).await.is_empty())
                    .then_some(())
            },
        )
        .await;
        worker.shutdown().await;
    }
}

#[tokio::test]
async fn a_draft_from_the_drafts_folder_is_taken_over_and_replaced_on_the_server() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "rcvedt", Smtp::Direct).await;
        let bob = recipient("rcvedb");
        // Another client left a draft in Drafts; the mailbox syncs that folder too.
        mailbox_folder::Entity::update_many()
            .col_expr(mailbox_folder::Column::Selected, Expr::value(true))
            .filter(mailbox_folder::Column::MailboxId.eq(snd.id))
            .filter(mailbox_folder::Column::Name.eq("Drafts"))
            .exec(snd.db())
            .await
            .unwrap();
        let mid = format!("elsewhere-{}@example.test", token());
        let subject = format!("Почато деінде {}", token());
        let raw = message(
            &snd.email(),
            &email(&bob),
            &subject,
            &mid,
            "",
            "Written on the phone.",
        );
        append(&s, &snd.user, "Drafts", raw.as_bytes(), Some("(\\Draft)")).await;
        snd.sync().await;
        let row = snd.rows(&mid).await.pop().expect("the draft synced");
        let before = copies(&s, &snd.user, "Drafts", &mid).await;
        assert_eq!(before.len(), 1, "{}", t.backend);

        let edit = DraftStart::Edit { message_id: row.id };
        let id = sending::start_draft(&snd.st, &snd.owner, edit)
            .await
            .unwrap();
        let v = snd.view(&snd.owner, id).await;
        assert_eq!(v.fields.subject, subject, "{}", t.backend);
        assert!(
            v.fields.to.contains(&email(&bob)),
            "{}: {:?}",
            t.backend,
            v.fields.to
        );
        assert_eq!(
            v.fields.body.trim_end(),
            "Written on the phone.",
            "{}",
            t.backend
        );
        assert_eq!(
            snd.message_id(id).await,
            mid,
            "{}: keeps its Message-ID",
            t.backend
        );
        assert_eq!(
            sending::start_draft(&snd.st, &snd.owner, edit)
                .await
                .unwrap(),
            id,
            "{}: opened again, the same draft",
            t.backend
        );

        let worker = drafts_worker(&snd);
        eventually(
            "the taken-over draft replaces the server's copy",
            DELIVERY,
            || async {
                let got = copies(&s, &snd.user, "Drafts", &mid).await;
                (got.len() == 1 && got[0].uid != before[0].uid).then_some(())
            },
        )
        .await;
        let mut fields = v.fields.clone();
        fields.body = "Finished at the desk.".into();
        snd.send(&snd.owner, id, &fields).await;
        snd.wait_sent(&snd.owner, id).await;
        let got = wait_copy(&s, &bob, "INBOX", &mid).await;
        assert_eq!(got.len(), 1, "{}", t.backend);
        assert_eq!(
            got[0].text().trim_end(),
            "Finished at the desk.",
            "{}",
            t.backend
        );
        eventually("no copy left in Drafts", DELIVERY, || async {
            copies(&s, &snd.user, "Drafts", &mid)
                .await
                .is_empty()
                .then_some(())
        })
        .await;
        worker.shutdown().await;

        // Not a draft: refused.
        let inbox = format!("inbox-{}@example.test", token());
        let plain = message(&email(&bob), &snd.email(), "Hello", &inbox, "", "Hi.");
        let received = snd.receive(&s, &plain, &inbox).await;
        let refused = sending::start_draft(
            &snd.st,
            &snd.owner,
            DraftStart::Edit {
                message_id: received.id,
            },
        )
        .await;
        assert!(refused.is_err(), "{}: only drafts are edited", t.backend);
    }
}

#[tokio::test]
async fn a_reply_marks_the_original_answered_in_the_app_and_on_the_server() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "rcvans", Smtp::Direct).await;
        let bob = recipient("rcvanb");
        let original = format!("ans-{}@example.test", token());
        let raw = message(
            &email(&bob),
            &snd.email(),
            "Питання",
            &original,
            "",
            "Відповісте?",
        );
        let row = snd.receive(&s, &raw, &original).await;
        assert!(!row.answered, "{}", t.backend);
        let sends = snd.worker();
        let write_backs = ActionWorker::new(
            snd.engine.clone(),
            snd.st.sync_waker.clone(),
            snd.st.action_waker.clone(),
            format!("test-{}", token()),
            WorkerConfig {
                poll: Duration::from_millis(200),
                ..WorkerConfig::default()
            },
        )
        .spawn();
        let id = sending::start_draft(
            &snd.st,
            &snd.owner,
            DraftStart::Reply {
                message_id: row.id,
                all: false,
            },
        )
        .await
        .unwrap();
        let fields = snd.view(&snd.owner, id).await.fields;
        snd.send(&snd.owner, id, &fields).await;
        snd.wait_sent(&snd.owner, id).await;
        let rows = snd.rows(&original).await;
        assert!(
            rows[0].answered,
            "{}: answered in the app at once",
            t.backend
        );
        eventually("\\Answered on the server", DELIVERY, || async {
            let mut imap = other_client(&s, &snd.user).await;
            imap.examine("INBOX").await.unwrap();
            let uids = imap
                .uid_search(format!("ANSWERED HEADER Message-ID \"<{original}>\""))
                .await
                .unwrap();
            imap.logout().await.ok();
            (!uids.is_empty()).then_some(())
        })
        .await;
        sends.shutdown().await;
        write_backs.shutdown().await;
    }
}

/// **Write email** on a CRM card: a new message addressed to the contact; a bad address
/// is refused before any draft is made.
#[tokio::test]
async fn a_new_message_can_start_addressed_to_someone() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "rcvto", Smtp::Direct).await;
        let id = sending::start_draft_to(&snd.st, &snd.owner, Some(snd.id), "Marta@Client.example")
            .await
            .unwrap();
        let view = snd.view(&snd.owner, id).await;
        assert_eq!(view.fields.to, "marta@client.example", "{}", t.backend);
        let before = draft::Entity::find().all(snd.db()).await.unwrap().len();
        let refused =
            sending::start_draft_to(&snd.st, &snd.owner, Some(snd.id), "not an address").await;
        assert!(refused.is_err(), "{}", t.backend);
        let after = draft::Entity::find().all(snd.db()).await.unwrap().len();
        assert_eq!(
            before, after,
            "{}: nothing made for a bad address",
            t.backend
        );
    }
}
