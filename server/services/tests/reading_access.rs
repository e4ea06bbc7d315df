//! Reading one message against the real Dovecot, on SQLite and PostgreSQL: who may read
//! its body, attachments and inline images (owner and grantee yes; a stranger in the same
//! workspace and another workspace's user get `NotFound`), the per-user "always show
//! images from this sender" list, and inline images taken from a fresh fetch of the
//! message (one login for several readers at once).

use crate::common;

use common::{
    mail_stack::{Stack, stack},
    mailbox_fixtures::{admin, member, request, settings, state},
    sync_fixtures::{engine, mail_stack, mail_user, other_client},
};
use domain::{Access, Plan};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use services::{
    AppState, ServiceError,
    accounts::Actor,
    entities::message,
    mailboxes, plan,
    reading::{self, Reader},
    sync::schedule::Outcome,
};
use std::path::PathBuf;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xss");
    std::fs::read(path.join(name)).unwrap()
}

struct People {
    owner: Actor,
    grantee: Actor,
    stranger: Actor,
    outsider: Actor,
}

/// A shared mailbox of `user` (INBOX only), granted to one member of the workspace.
async fn shared_mailbox(st: &AppState, s: &Stack, user: &str) -> (i64, People) {
    let owner = admin(&st.db, &format!("owner-{user}@acme.test")).await;
    plan::set_plan(&st.db, &owner, Plan::Standard)
        .await
        .unwrap();
    let grantee = member(&st.db, &owner, &format!("grantee-{user}@acme.test")).await;
    let stranger = member(&st.db, &owner, &format!("stranger-{user}@acme.test")).await;
    let outsider = admin(&st.db, &format!("outsider-{user}@other.test")).await;
    let draft = mailboxes::check_and_draft(st, &owner, request(s, user))
        .await
        .unwrap();
    let mut chosen = settings(Access::Shared, vec![grantee.user_id]);
    chosen.folders = vec!["INBOX".into()];
    let id = mailboxes::connect(st, &owner, &draft, chosen)
        .await
        .unwrap();
    let people = People {
        owner,
        grantee,
        stranger,
        outsider,
    };
    (id, people)
}

async fn by_subject(st: &AppState, mailbox: i64, subject: &str) -> message::Model {
    message::Entity::find()
        .filter(message::Column::MailboxId.eq(mailbox))
        .filter(message::Column::Subject.eq(subject))
        .one(&st.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no message {subject:?}"))
}

fn not_found<T: std::fmt::Debug>(result: Result<T, ServiceError>, what: &str) {
    assert!(
        matches!(result, Err(ServiceError::NotFound)),
        "{what}: {result:?}"
    );
}

#[tokio::test]
async fn only_readers_of_the_mailbox_read_a_message_and_its_parts() {
    let s = stack();
    let user = mail_user("reading");
    let mut imap = other_client(&s, &user).await;
    for name in ["14-newsletter.eml", "11-remote-images.eml"] {
        imap.append("INBOX", None, None, fixture(name))
            .await
            .unwrap();
    }
    imap.logout().await.ok();
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let (mailbox, p) = shared_mailbox(&st, &s, &user).await;
        let engine = engine(&st);
        assert_eq!(engine.sync_mailbox(mailbox).await, Outcome::Synced);
        let letter = by_subject(&st, mailbox, "XSS a table newsletter").await;
        let remote = by_subject(&st, mailbox, "XSS remote images and tracking pixels").await;
        let reader = Reader::new(engine.clone());

        for actor in [&p.owner, &p.grantee] {
            let safe = reading::message_html(&t.db, actor, letter.id, false)
                .await
                .unwrap();
            assert!(safe.html.contains("<table"), "{}: {}", t.backend, safe.html);
            let expected = format!("/mail/messages/{}/inline/logo%40acme.test", letter.id);
            assert!(safe.html.contains(&expected), "{}", safe.html);
        }
        for actor in [&p.stranger, &p.outsider] {
            not_found(
                reading::message_html(&t.db, actor, letter.id, true).await,
                "html",
            );
            not_found(
                reading::images_allowed(&t.db, actor, letter.id).await,
                "allowed",
            );
            not_found(
                reading::allow_images_from_sender(&t.db, actor, letter.id).await,
                "allow",
            );
            not_found(
                reading::inline_image(&reader, actor, letter.id, "logo@acme.test").await,
                "inline",
            );
            not_found(
                reading::attachment(&reader, actor, letter.id, 0).await,
                "file",
            );
        }
        not_found(
            reading::message_html(&t.db, &p.owner, i64::MAX, false).await,
            "no such message",
        );

        // Two readers at once; the part is the PNG the message carries.
        let (a, b) = tokio::join!(
            reading::inline_image(&reader, &p.owner, letter.id, "logo@acme.test"),
            reading::inline_image(&reader, &p.grantee, letter.id, "<logo@acme.test>"),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.content_type, "image/png");
        assert!(
            a.bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{:?}",
            &a.bytes[..8]
        );
        assert_eq!(a.bytes.len(), 70);
        assert_eq!(a, b);
        not_found(
            reading::inline_image(&reader, &p.owner, letter.id, "missing@acme.test").await,
            "unknown cid",
        );
        // Read again from the cache while the server refuses the password; a message not
        // cached then says the mailbox needs its new password.
        let email = format!("{user}@example.test");
        mail_stack(&["set-password", &email, "changed-pass-2"]);
        let again = reading::inline_image(&reader, &p.grantee, letter.id, "logo@acme.test").await;
        let refused = reading::inline_image(&reader, &p.owner, remote.id, "x@acme.test").await;
        mail_stack(&["set-password", &email, &format!("{user}-pass-1")]);
        assert_eq!(again.unwrap(), a);
        assert!(
            matches!(refused, Err(ServiceError::NeedsNewPassword)),
            "{refused:?}"
        );
        not_found(
            reading::attachment(&reader, &p.owner, letter.id, 99).await,
            "no such attachment",
        );

        // Images from a sender: per user, until taken back.
        let blocked = reading::message_html(&t.db, &p.grantee, remote.id, false)
            .await
            .unwrap();
        assert!(!blocked.images_shown && blocked.blocked_images > 0);
        let asked = reading::message_html(&t.db, &p.grantee, remote.id, true)
            .await
            .unwrap();
        assert!(asked.images_shown && asked.blocked_images == 0);
        assert!(asked.html.contains("https://tracker.test/open.gif"));
        assert!(
            !reading::images_allowed(&t.db, &p.grantee, remote.id)
                .await
                .unwrap()
        );
        reading::allow_images_from_sender(&t.db, &p.grantee, remote.id)
            .await
            .unwrap();
        reading::allow_images_from_sender(&t.db, &p.grantee, letter.id)
            .await
            .unwrap();
        assert!(
            reading::images_allowed(&t.db, &p.grantee, remote.id)
                .await
                .unwrap()
        );
        let always = reading::message_html(&t.db, &p.grantee, remote.id, false)
            .await
            .unwrap();
        assert!(always.images_shown, "{}", t.backend);
        let owner_view = reading::message_html(&t.db, &p.owner, remote.id, false)
            .await
            .unwrap();
        assert!(!owner_view.images_shown, "the list is the grantee's own");
        reading::stop_images_from_sender(&t.db, &p.grantee, remote.id)
            .await
            .unwrap();
        assert!(
            !reading::images_allowed(&t.db, &p.grantee, remote.id)
                .await
                .unwrap()
        );
    }
}
