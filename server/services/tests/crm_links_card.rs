//! A CRM card's correspondence against the real Dovecot, on SQLite and PostgreSQL: in
//! full only for readers of the message's mailbox (a member without access sees that a
//! message exists, never its content, and cannot link or unlink it; another workspace
//! sees no card), a company with its contacts' mail, and links off or a downgrade refusing
//! new links while the card keeps the old ones.

use crate::common;
use crate::crm_link_fixtures;

use common::mail_stack::stack;
use crm_link_fixtures::{
    AGAIN, FIRST, OTHER, REPLY, SECRET, company, contact, deal, linked_titles, not_found, world,
};
use domain::{CrmKind, CrmMode, Direction, Plan};
use services::{
    ServiceError,
    crm::{links, timeline::timeline},
    mail_view,
};

#[tokio::test]
async fn a_card_shows_content_only_to_readers_of_the_mailbox() {
    let s = stack();
    for t in common::databases().await {
        let w = world(&t.db, &s, "crmcard").await;
        let db = w.db();
        let (first, reply, again) = (
            w.message(FIRST).await,
            w.message(REPLY).await,
            w.message(AGAIN).await,
        );
        let supplier = company(db, &w.owner, "Supplier Ltd", &["supplier.test"]).await;
        let person = contact(
            db,
            &w.owner,
            "Olena Koval",
            &["olena@supplier.test"],
            Some(supplier),
        )
        .await;
        let lead = deal(db, &w.owner, CrmKind::Lead, "40 desks").await;
        links::link_conversation(db, &w.owner, first.id, CrmKind::Contact, person)
            .await
            .unwrap();
        links::link(db, &w.owner, again.id, CrmKind::Company, supplier)
            .await
            .unwrap();
        links::link(db, &w.owner, first.id, CrmKind::Lead, lead)
            .await
            .unwrap();

        // Readers: newest first, both directions, the content.
        for reader in [&w.owner, &w.grantee] {
            let entries = timeline(db, reader, CrmKind::Contact, person)
                .await
                .unwrap();
            let ids: Vec<i64> = entries.iter().map(|e| e.message_id).collect();
            assert_eq!(ids, vec![again.id, reply.id, first.id], "{}", t.backend);
            let dirs: Vec<Direction> = entries.iter().map(|e| e.direction).collect();
            assert_eq!(
                dirs,
                vec![
                    Direction::Incoming,
                    Direction::Outgoing,
                    Direction::Incoming
                ]
            );
            assert!(
                entries
                    .iter()
                    .all(|e| e.readable && e.manual && e.mailbox_name == "Sales")
            );
            assert_eq!(entries[2].subject.as_deref(), Some(FIRST));
            assert_eq!(
                entries[2].from.as_deref(),
                Some("Olena Koval <Olena@Supplier.test>")
            );
            assert!(
                entries[2]
                    .snippet
                    .as_deref()
                    .unwrap_or_default()
                    .contains("walnut")
            );
        }
        // A company's card: its own links and its contacts', each message once.
        let company_card = timeline(db, &w.owner, CrmKind::Company, supplier)
            .await
            .unwrap();
        let ids: Vec<i64> = company_card.iter().map(|e| e.message_id).collect();
        assert_eq!(ids, vec![again.id, reply.id, first.id]);
        let lead_card = timeline(db, &w.owner, CrmKind::Lead, lead).await.unwrap();
        assert_eq!(lead_card.len(), 1);

        // A member without access: that messages exist, when, which way, which mailbox.
        let entries = timeline(db, &w.stranger, CrmKind::Contact, person)
            .await
            .unwrap();
        assert_eq!(entries.len(), 3, "{}", t.backend);
        for e in &entries {
            assert!(!e.readable);
            assert_eq!((&e.subject, &e.from, &e.snippet), (&None, &None, &None));
            assert_eq!(e.mailbox_name, "Sales");
        }
        assert_eq!(entries[1].direction, Direction::Outgoing);
        let shown = serde_json::to_string(&entries).unwrap()
            + &serde_json::to_string(
                &timeline(db, &w.stranger, CrmKind::Company, supplier)
                    .await
                    .unwrap(),
            )
            .unwrap();
        for secret in [FIRST, "Quote", "Olena", "olena@", "walnut", SECRET, "agree"] {
            assert!(
                !shown.contains(secret),
                "{}: {secret} in {shown}",
                t.backend
            );
        }
        // … and can neither read its links nor link or unlink it.
        not_found(
            links::message_links(db, &w.stranger, first.id).await,
            "links",
        );
        not_found(
            links::link(db, &w.stranger, first.id, CrmKind::Lead, lead).await,
            "link",
        );
        not_found(
            links::link_conversation(db, &w.stranger, first.id, CrmKind::Lead, lead).await,
            "link conversation",
        );
        not_found(
            links::unlink(db, &w.stranger, first.id, CrmKind::Lead, lead).await,
            "unlink",
        );
        assert_eq!(
            timeline(db, &w.owner, CrmKind::Lead, lead)
                .await
                .unwrap()
                .len(),
            1
        );
        // Another workspace's user: the card is not there at all.
        not_found(
            timeline(db, &w.outsider, CrmKind::Contact, person).await,
            "outsider card",
        );
        not_found(
            links::message_links(db, &w.outsider, first.id).await,
            "outsider links",
        );
        not_found(
            links::unlink(db, &w.outsider, first.id, CrmKind::Lead, lead).await,
            "outsider",
        );
        not_found(
            timeline(db, &w.owner, CrmKind::Deal, lead).await,
            "a lead as deal",
        );
    }
}

#[tokio::test]
async fn links_off_or_a_downgrade_refuse_new_links_and_the_card_keeps_old_ones() {
    let s = stack();
    for t in common::databases().await {
        let w = world(&t.db, &s, "crmoff").await;
        let db = w.db();
        let (first, again) = (w.message(FIRST).await.id, w.message(AGAIN).await.id);
        let lead = deal(db, &w.owner, CrmKind::Lead, "40 desks").await;
        links::link(db, &w.owner, first, CrmKind::Lead, lead)
            .await
            .unwrap();

        w.set_mode(CrmMode::Off).await;
        let off = |r: Result<_, ServiceError>| {
            assert!(
                matches!(
                    r,
                    Err(ServiceError::Invalid {
                        field: "crm_mode",
                        ..
                    })
                ),
                "{r:?}"
            )
        };
        off(links::link(db, &w.owner, again, CrmKind::Lead, lead)
            .await
            .map(|_| ()));
        off(
            links::link_conversation(db, &w.grantee, again, CrmKind::Lead, lead)
                .await
                .map(|_| ()),
        );
        off(links::unlink(db, &w.owner, first, CrmKind::Lead, lead).await);
        off(
            links::create_from_sender(&w.st, &w.owner, first, CrmKind::Contact)
                .await
                .map(|_| ()),
        );
        let c = mail_view::conversation(db, &w.owner, first).await.unwrap();
        assert!(c.messages.iter().all(|m| !m.crm_links_on));
        assert_eq!(linked_titles(&w, &w.owner, first).await, vec!["40 desks"]);
        let card = timeline(db, &w.grantee, CrmKind::Lead, lead).await.unwrap();
        assert_eq!((card.len(), card[0].readable), (1, true), "{}", t.backend);

        // Automatic mode links by hand too.
        w.set_mode(CrmMode::Automatic).await;
        links::link(db, &w.owner, again, CrmKind::Lead, lead)
            .await
            .unwrap();
        assert!(
            mail_view::conversation(db, &w.owner, first)
                .await
                .unwrap()
                .messages[0]
                .crm_links_on
        );

        // A downgrade: nothing new, the card keeps both (the grantee loses the shared
        // mailbox on Free, so sees only that they exist).
        w.set_mode(CrmMode::Manual).await;
        w.set_plan(Plan::Free).await;
        let plan = |r: Result<(), ServiceError>| {
            assert!(matches!(r, Err(ServiceError::PlanLacks { .. })), "{r:?}")
        };
        let other = w.message(OTHER).await.id;
        plan(links::link(db, &w.owner, other, CrmKind::Lead, lead).await);
        plan(links::unlink(db, &w.owner, first, CrmKind::Lead, lead).await);
        plan(
            links::create_from_sender(&w.st, &w.owner, other, CrmKind::Lead)
                .await
                .map(|_| ()),
        );
        assert!(
            mail_view::conversation(db, &w.owner, first)
                .await
                .unwrap()
                .messages
                .iter()
                .all(|m| !m.crm_links_on)
        );
        let card = timeline(db, &w.owner, CrmKind::Lead, lead).await.unwrap();
        let ids: Vec<i64> = card.iter().map(|e| e.message_id).collect();
        assert_eq!(ids, vec![again, first], "{}", t.backend);
        assert!(card.iter().all(|e| e.readable));
        let theirs = timeline(db, &w.grantee, CrmKind::Lead, lead).await.unwrap();
        assert_eq!(theirs.len(), 2);
        assert!(theirs.iter().all(|e| !e.readable && e.subject.is_none()));

        // Upgraded again: linking works again.
        w.set_plan(Plan::Professional).await;
        links::link(db, &w.grantee, other, CrmKind::Lead, lead)
            .await
            .unwrap();
        assert_eq!(
            timeline(db, &w.grantee, CrmKind::Lead, lead)
                .await
                .unwrap()
                .len(),
            3
        );
    }
}
