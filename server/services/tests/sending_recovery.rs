//! Sending across crashes, lost rights and the server's Drafts folder, against the real
//! Postfix + Dovecot, on SQLite and PostgreSQL: a send taken over after its process died
//! while handing the message over is never repeated (and counts as sent when the copy is
//! in Sent); one that died before is sent once; a grant taken away while a message waits
//! stops it; drafts are kept in the server's Drafts folder as one current copy, removed
//! when sent or discarded; a draft another client left in Drafts is taken over (same
//! Message-ID, its copy replaced); a reply marks what it answers `\Answered`.
mod common;
#[path = "support/send_fixtures.rs"]
mod send_fixtures;

use common::{mail_stack::stack, smtp_cut_proxy::SmtpCut, sync_fixtures::other_client};
use domain::{SendProblem, SendState};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use send_fixtures::*;
use services::{
    entities::{draft, mailbox_folder, mailbox_grant},
    mail_actions::{ActionWorker, WorkerConfig},
    sending::{self, DraftStart, SendConfig, SendWorker, SendWorkerHandle},
};
use std::time::Duration;

/// Marks draft `id` as claimed by a process that died `phase` ("connect" or "data")
/// into its attempt: its lease has run out.
async fn died_while(snd: &Sender, id: i64, phase: &str) {
    draft::Entity::update(draft::ActiveModel {
        id: Set(id),
        state: Set(SendState::Sending),
        phase: Set(Some(phase.into())),
        lease_owner: Set(Some("dead-process".into())),
        lease_until: Set(Some(chrono::Utc::now() - chrono::Duration::seconds(1))),
        attempts: Set(1),
        ..Default::default()
    })
    .exec(snd.db())
    .await
    .unwrap();
}

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
async fn a_send_cut_by_a_crash_while_handing_over_is_never_repeated() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "rcvdat", Smtp::Proxy(SmtpCut::Pass)).await;
        let bob = recipient("rcvdtb");
        let fields = snd.fields(&email(&bob), &format!("Crash {}", token()), "Handed over?");
        let id = snd.draft(&snd.owner, &fields).await;
        died_while(&snd, id, "data").await;
        let connections = snd.proxy().counts.connections();
        let worker = snd.worker();
        let v = snd
            .wait_view(&snd.owner, id, "settled", DELIVERY, |v| {
                v.state != SendState::Sending
            })
            .await;
        worker.shutdown().await;
        assert_eq!(v.state, SendState::Unconfirmed, "{}: {v:#?}", t.backend);
        assert_eq!(
            v.failure.map(|f| f.problem),
            Some(SendProblem::MaybeSent),
            "{}",
            t.backend
        );
        assert_eq!(
            snd.proxy().counts.connections(),
            connections,
            "{}: the takeover sent nothing",
            t.backend
        );
        assert_eq!(
            v.fields.body, "Handed over?",
            "{}: the draft is kept",
            t.backend
        );

        // The same crash at a provider that files sent mail: the copy in Sent settles it.
        let fields = snd.fields(
            &email(&bob),
            &format!("Filed {}", token()),
            "Filed by the server.",
        );
        let id = snd.draft(&snd.owner, &fields).await;
        let mid = snd.message_id(id).await;
        let filed = message(
            &snd.email(),
            &email(&bob),
            "Filed",
            &mid,
            "",
            "Filed by the server.",
        );
        append(&s, &snd.user, "Sent", filed.as_bytes(), Some("(\\Seen)")).await;
        died_while(&snd, id, "data").await;
        let worker = snd.worker();
        snd.wait_sent(&snd.owner, id).await;
        worker.shutdown().await;
        assert_eq!(snd.wait_sent_copy(id).await, "provider", "{}", t.backend);
        assert_eq!(
            snd.proxy().counts.connections(),
            connections,
            "{}: nothing sent again",
            t.backend
        );
        assert_eq!(
            copies(&s, &snd.user, "Sent", &mid).await.len(),
            1,
            "{}",
            t.backend
        );
    }
}

#[tokio::test]
async fn a_send_cut_by_a_crash_before_handing_over_is_sent_once() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "rcvcon", Smtp::Proxy(SmtpCut::Pass)).await;
        let bob = recipient("rcvcnb");
        let fields = snd.fields(
            &email(&bob),
            &format!("Again {}", token()),
            "Never handed over.",
        );
        let id = snd.draft(&snd.owner, &fields).await;
        died_while(&snd, id, "connect").await;
        let worker = snd.worker();
        snd.wait_sent(&snd.owner, id).await;
        worker.shutdown().await;
        assert_eq!(snd.proxy().counts.accepted(), 1, "{}", t.backend);
        let mid = snd.message_id(id).await;
        let got = wait_count(&s, &bob, "INBOX", 1).await;
        assert_eq!(
            got.iter().map(|g| g.message_id()).collect::<Vec<_>>(),
            vec![Some(mid)],
            "{}: exactly one copy",
            t.backend
        );
    }
}

#[tokio::test]
async fn a_grant_taken_away_while_a_message_waits_stops_it() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "rcvgrt", Smtp::Proxy(SmtpCut::Pass)).await;
        let bob = recipient("rcvgrb");
        let fields = snd.fields(
            &email(&bob),
            &format!("Grant {}", token()),
            "From the desk.",
        );
        let id = snd.draft(&snd.grantee, &fields).await;
        snd.send(&snd.grantee, id, &fields).await;
        mailbox_grant::Entity::delete_many()
            .filter(mailbox_grant::Column::MailboxId.eq(snd.id))
            .exec(snd.db())
            .await
            .unwrap();
        let connections = snd.proxy().counts.connections();
        let worker = snd.worker();
        let v = snd
            .wait_view(&snd.grantee, id, "settled", DELIVERY, |v| {
                matches!(v.state, SendState::Failed | SendState::Sent)
            })
            .await;
        worker.shutdown().await;
        assert_eq!(v.state, SendState::Failed, "{}", t.backend);
        assert_eq!(
            v.failure.map(|f| f.problem),
            Some(SendProblem::NotAllowed),
            "{}",
            t.backend
        );
        assert_eq!(
            snd.proxy().counts.connections(),
            connections,
            "{}",
            t.backend
        );
    }
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
