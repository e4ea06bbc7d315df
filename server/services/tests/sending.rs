//! Writing mail through the real Postfix + Dovecot, on SQLite and PostgreSQL: a new
//! message, a reply (threading headers, `Re:` once, the conversation at once), one copy in
//! Sent, Bcc kept out of the headers, a grantee sending from a shared mailbox, undo send,
//! address suggestions (attachments: `sending_attachments`). What arrived is read by another IMAP client, as the recipient would.
use crate::common;
use crate::send_fixtures;

use base64::Engine as _;
use common::mail_stack::stack;
use domain::{FolderRole, SendState};
use send_fixtures::*;
use services::{
    mail_view,
    sending::{self, DraftStart},
};
use std::time::Duration;

#[tokio::test]
async fn a_new_message_arrives_with_its_sender_name_subject_and_body() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "sndnew", Smtp::Direct).await;
        let bob = recipient("rcpnew");
        let worker = snd.worker();
        let subject = format!("Зустріч у четвер — {}", token());
        let body = "Добрий день!\nЦе перший лист, з «лапками» і €.\n\n— Олена";
        let id = snd.send_new(&email(&bob), &subject, body).await;
        let sent = snd.wait_sent(&snd.owner, id).await;
        assert!(sent.sent_at.is_some(), "{}: sent_at", t.backend);
        let mid = snd.message_id(id).await;

        let got = wait_copy(&s, &bob, "INBOX", &mid).await;
        assert_eq!(got.len(), 1, "{}: one copy delivered", t.backend);
        let m = &got[0];
        assert_eq!(
            m.from(),
            (SENDER_NAME.to_owned(), snd.email()),
            "{}: From name and address",
            t.backend
        );
        assert_eq!(m.subject(), subject, "{}: subject", t.backend);
        assert_eq!(m.text().trim_end(), body, "{}: plain text", t.backend);
        let html = m.html().unwrap_or_default();
        assert!(
            html.contains("Це перший лист"),
            "{}: an HTML alternative with the text: {html}",
            t.backend
        );

        // One copy in Sent, \Seen, once the copy is settled; the app holds one row of it.
        assert_eq!(snd.wait_sent_copy(id).await, "done", "{}", t.backend);
        let in_sent = copies(&s, &snd.user, "Sent", &mid).await;
        assert_eq!(in_sent.len(), 1, "{}: exactly one copy in Sent", t.backend);
        assert!(in_sent[0].seen, "{}: the Sent copy is \\Seen", t.backend);
        snd.sync().await;
        assert_eq!(
            snd.rows(&mid).await.len(),
            1,
            "{}: one row after a sync",
            t.backend
        );
        worker.shutdown().await;
    }
}

#[tokio::test]
async fn a_reply_is_threaded_says_re_once_and_shows_in_the_conversation_at_once() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "sndre", Smtp::Direct).await;
        let bob = recipient("rcpre");
        let tok = token();
        let root = format!("root-{tok}@example.test");
        let original = format!("orig-{tok}@example.test");
        let subject = format!("Re: Квартальний звіт {tok}");
        let raw = message(
            &format!("Bohdan Petrenko <{}>", email(&bob)),
            &snd.email(),
            &subject,
            &original,
            &format!("In-Reply-To: <{root}>\r\nReferences: <{root}>\r\n"),
            "Надсилаю цифри за квартал.",
        );
        let row = snd.receive(&s, &raw, &original).await;
        let worker = snd.worker();

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
        let start = snd.view(&snd.owner, id).await;
        assert_eq!(start.source_message, Some(row.id), "{}", t.backend);
        assert!(
            start.fields.to.contains(&email(&bob)),
            "{}: replies to the sender: {:?}",
            t.backend,
            start.fields.to
        );
        assert_eq!(start.fields.subject, subject, "{}: Re: once", t.backend);
        let mut fields = start.fields.clone();
        fields.body = format!("Дякую, отримала.\n\n{}", fields.body);
        snd.send(&snd.owner, id, &fields).await;
        snd.wait_sent(&snd.owner, id).await;
        let mid = snd.message_id(id).await;

        // The conversation shows the reply at once, before any sync.
        let conv = mail_view::conversation(&snd.st.db, &snd.owner, row.id)
            .await
            .unwrap();
        let reply = conv
            .messages
            .iter()
            .find(|m| m.id != row.id)
            .unwrap_or_else(|| {
                panic!(
                    "{}: the reply is not in the conversation: {conv:#?}",
                    t.backend
                )
            });
        assert_eq!(conv.messages.len(), 2, "{}", t.backend);
        assert_eq!(reply.folder_role, Some(FolderRole::Sent), "{}", t.backend);
        assert_eq!(reply.subject, subject, "{}", t.backend);

        let got = wait_copy(&s, &bob, "INBOX", &mid).await;
        assert_eq!(got.len(), 1, "{}", t.backend);
        let m = &got[0];
        assert_eq!(m.subject(), subject, "{}: Re: once", t.backend);
        assert_eq!(
            m.in_reply_to(),
            vec![original.clone()],
            "{}: In-Reply-To",
            t.backend
        );
        assert_eq!(
            m.references(),
            vec![root.clone(), original.clone()],
            "{}: References",
            t.backend
        );
        let text = m.text();
        assert!(
            text.starts_with("Дякую, отримала."),
            "{}: {text}",
            t.backend
        );
        assert!(
            text.contains("> Надсилаю цифри за квартал."),
            "{}: the original quoted: {text}",
            t.backend
        );

        assert_eq!(snd.wait_sent_copy(id).await, "done", "{}", t.backend);
        let in_sent = copies(&s, &snd.user, "Sent", &mid).await;
        assert_eq!(in_sent.len(), 1, "{}: exactly one copy in Sent", t.backend);
        assert!(in_sent[0].seen, "{}", t.backend);
        // The sync finds the Sent copy the app already shows: still one row, one reply.
        snd.sync().await;
        assert_eq!(
            snd.rows(&mid).await.len(),
            1,
            "{}: one row after a sync",
            t.backend
        );
        let conv = mail_view::conversation(&snd.st.db, &snd.owner, row.id)
            .await
            .unwrap();
        assert_eq!(conv.messages.len(), 2, "{}: after a sync", t.backend);
        worker.shutdown().await;
    }
}

#[tokio::test]
async fn bcc_recipients_get_the_message_but_no_one_sees_them() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "sndbcc", Smtp::Direct).await;
        let (to, cc, bcc) = (recipient("rcpto"), recipient("rcpcc"), recipient("rcpbcc"));
        let worker = snd.worker();
        let mut fields = snd.fields(&email(&to), &format!("Bcc {}", token()), "Для трьох.");
        fields.cc = email(&cc);
        fields.bcc = format!("Secret Dave <{}>", email(&bcc));
        let id = snd.draft(&snd.owner, &fields).await;
        snd.send(&snd.owner, id, &fields).await;
        snd.wait_sent(&snd.owner, id).await;
        let mid = snd.message_id(id).await;
        for user in [&to, &cc, &bcc] {
            let got = wait_copy(&s, user, "INBOX", &mid).await;
            assert_eq!(got.len(), 1, "{}: {user} got one copy", t.backend);
            let names = got[0].header_names();
            assert!(
                !names.iter().any(|n| n == "bcc"),
                "{}: no Bcc header in {user}'s copy: {names:?}",
                t.backend
            );
            if user != &bcc {
                let raw = String::from_utf8_lossy(&got[0].raw);
                assert!(
                    !raw.contains(&email(&bcc)) && !raw.contains("Secret Dave"),
                    "{}: {user}'s copy never names the Bcc recipient",
                    t.backend
                );
            }
        }
        worker.shutdown().await;
    }
}

#[tokio::test]
async fn a_grantee_sends_from_a_shared_mailbox() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "sndgr", Smtp::Direct).await;
        let bob = recipient("rcpgr");
        let worker = snd.worker();
        let b = &snd.grantee;
        let id = sending::start_draft(
            &snd.st,
            b,
            DraftStart::New {
                mailbox_id: Some(snd.id),
            },
        )
        .await
        .unwrap();
        let v = snd.view(b, id).await;
        assert!(
            v.senders
                .iter()
                .any(|c| c.mailbox_id == snd.id && c.email == snd.email()),
            "{}: the shared mailbox is a sender choice: {:?}",
            t.backend,
            v.senders
        );
        // The draft is the grantee's own: the mailbox's owner does not see it.
        assert!(
            sending::compose_view(&snd.st, &snd.owner, id)
                .await
                .is_err(),
            "{}: the owner cannot open the grantee's draft",
            t.backend
        );
        let fields = snd.fields(
            &email(&bob),
            &format!("Від колеги {}", token()),
            "Надіслано колегою.",
        );
        sending::save_draft(&snd.st, b, id, &fields, None)
            .await
            .unwrap();
        snd.send(b, id, &fields).await;
        snd.wait_sent(b, id).await;
        let mid = snd.message_id(id).await;
        let got = wait_copy(&s, &bob, "INBOX", &mid).await;
        assert_eq!(got.len(), 1, "{}", t.backend);
        assert_eq!(
            got[0].from(),
            (SENDER_NAME.to_owned(), snd.email()),
            "{}",
            t.backend
        );
        assert_eq!(snd.wait_sent_copy(id).await, "done", "{}", t.backend);
        assert_eq!(
            copies(&s, &snd.user, "Sent", &mid).await.len(),
            1,
            "{}",
            t.backend
        );
        worker.shutdown().await;
    }
}

#[tokio::test]
async fn undo_send_within_the_delay_delivers_nothing() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(
            &t.db,
            &s,
            "sndundo",
            Smtp::Proxy(common::smtp_cut_proxy::SmtpCut::Pass),
        )
        .await;
        let bob = recipient("rcpundo");
        sending::set_undo_seconds(&snd.st, &snd.owner, 3)
            .await
            .unwrap();
        assert_eq!(sending::undo_seconds(&snd.st, &snd.owner).await.unwrap(), 3);
        let fields = snd.fields(
            &email(&bob),
            &format!("Передумала {}", token()),
            "Не надсилати.",
        );
        let id = snd.draft(&snd.owner, &fields).await;
        let queued = snd.send(&snd.owner, id, &fields).await;
        assert_eq!(queued.state, SendState::Queued, "{}", t.backend);
        let send_at = queued.send_at.expect("a queued draft has its send time");
        let back = sending::undo_send(&snd.st, &snd.owner, id).await.unwrap();
        assert_eq!(back.state, SendState::Editing, "{}: taken back", t.backend);
        assert_eq!(back.fields, fields, "{}: the text is kept", t.backend);
        // The worker starts only now: the undo cannot race it however slow the machine is,
        // and it is running well before the undone draft's send time.
        let worker = snd.worker();

        // Past the moment it would have gone, a second message goes out through the same
        // worker; once it is in, only it is.
        eventually(
            "the undone draft's send time passed",
            Duration::from_secs(10),
            || async { (chrono::Utc::now().timestamp() > send_at.0 + 1).then_some(()) },
        )
        .await;
        sending::set_undo_seconds(&snd.st, &snd.owner, 0)
            .await
            .unwrap();
        let marker = snd
            .send_new(&email(&bob), &format!("Маркер {}", token()), "Цей так.")
            .await;
        snd.wait_sent(&snd.owner, marker).await;
        worker.shutdown().await;
        let accepted = snd.proxy().counts.accepted() as usize;
        let got = wait_count(&s, &bob, "INBOX", accepted).await;
        let marker_id = snd.message_id(marker).await;
        assert_eq!(
            got.iter().map(|g| g.message_id()).collect::<Vec<_>>(),
            vec![Some(marker_id)],
            "{}: only the second message was delivered",
            t.backend
        );
        assert_eq!(
            snd.view(&snd.owner, id).await.state,
            SendState::Editing,
            "{}",
            t.backend
        );
    }
}

#[tokio::test]
async fn address_suggestions_offer_a_correspondent() {
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "sndsug", Smtp::Direct).await;
        let tok = token();
        let address = format!("taras-{tok}@example.test");
        let mid = format!("sug-{tok}@example.test");
        let raw = message(
            &format!(
                "=?utf-8?b?{}?= <{address}>",
                base64::engine::general_purpose::STANDARD.encode("Тарас Шевченко")
            ),
            &snd.email(),
            "Привіт",
            &mid,
            "",
            "Як справи?",
        );
        snd.receive(&s, &raw, &mid).await;
        for query in ["Тарас", &format!("taras-{tok}")] {
            let found = sending::suggest_addresses(&snd.st, &snd.owner, query)
                .await
                .unwrap();
            assert!(
                found
                    .iter()
                    .any(|a| a.address == address && a.name == "Тарас Шевченко"),
                "{}: {query:?} suggests the correspondent: {found:?}",
                t.backend
            );
        }
        // The grantee reads the mailbox, so the grantee is offered them too.
        let found = sending::suggest_addresses(&snd.st, &snd.grantee, &format!("taras-{tok}"))
            .await
            .unwrap();
        assert!(
            found.iter().any(|a| a.address == address),
            "{}: {found:?}",
            t.backend
        );
    }
}
