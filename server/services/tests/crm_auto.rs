//! Automatic Email ↔ CRM links against the real Dovecot, on SQLite and PostgreSQL:
//! linking by address and by domain (incoming and outgoing), each creation rule in its
//! direction, the exclusions with real list, bounce, auto-reply and no-reply messages,
//! the workspace's own people and free mail, and one contact however often and however
//! concurrently an unknown sender appears. Modes, the preview and sending:
//! `crm_auto_modes.rs`.

use crate::common;
use crate::crm_auto_fixtures;

use common::{
    mail_stack::stack,
    mailbox_fixtures::{member, state},
    sync_fixtures::{engine, mail_user},
};
use crm_auto_fixtures::*;
use domain::{CrmCreate, CrmKind, CrmMode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use services::{
    entities::{crm_contact, crm_contact_email, message},
    sync::schedule::Outcome,
};
use std::collections::BTreeSet;

#[tokio::test]
async fn links_by_address_and_by_domain_both_ways() {
    let s = stack();
    let user = mail_user("crmlink");
    let me = format!("{user}@example.test");
    deliver_to(
        &user,
        "INBOX",
        &plain(
            "Ann Kovalenko <ann@globex.example>",
            &me,
            "Samples for Globex",
        ),
    );
    deliver_to(
        &user,
        "INBOX",
        &plain("Bob <bob@umbrella.example>", &me, "Unrelated"),
    );
    deliver_to(
        &user,
        "Sent",
        &plain(
            &me,
            "Taras <Taras@Globex.example>",
            "Re: Order of 500 units",
        ),
    );
    deliver_file(&user, "INBOX", "client.eml", &[("TOKEN", &user)]);
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let crm = Crm::connect(&st, &s, &user, CrmMode::Manual, NONE).await;
        let (db, ws) = (crm.db(), crm.workspace());
        let globex = company(db, ws, "Globex Corporation", "globex.example").await;
        let taras = contact(db, ws, "Taras", "taras@globex.example", None).await;
        let lead = deal(db, ws, CrmKind::Lead, "500 units", Some(taras), None).await;
        let supply = deal(db, ws, CrmKind::Deal, "Annual supply", None, Some(globex)).await;
        deal(db, ws, CrmKind::Deal, "Someone else", None, None).await;
        crm.sync().await;
        assert!(
            crm.links("Order of 500 units").await.is_empty(),
            "manual mode links nothing"
        );

        // Turned on, applied to mail already synced.
        crm.set(CrmMode::Automatic, NONE, true).await;
        let by_taras = BTreeSet::from([
            (CrmKind::Contact, taras),
            (CrmKind::Company, globex),
            (CrmKind::Lead, lead),
            (CrmKind::Deal, supply),
        ]);
        assert_eq!(
            crm.links("Order of 500 units").await,
            by_taras,
            "{}",
            t.backend
        );
        assert_eq!(
            crm.links("Re: Order of 500 units").await,
            by_taras,
            "outgoing too"
        );
        assert_eq!(
            crm.links("Samples for Globex").await,
            BTreeSet::from([(CrmKind::Company, globex), (CrmKind::Deal, supply)]),
            "by domain alone"
        );
        assert!(crm.links("Unrelated").await.is_empty());
        assert_eq!(counts(db, ws).await, (1, 1, 3), "no rules: nothing made");

        // New mail is linked by the sync itself.
        let more = format!("More samples {}", t.backend);
        crm.deliver_raw("INBOX", &plain("Ann <ann@globex.example>", &me, &more));
        crm.sync().await;
        assert_eq!(crm.links(&more).await.len(), 2, "{}", t.backend);
        let unchecked = message::Entity::find()
            .filter(message::Column::MailboxId.eq(crm.id))
            .filter(message::Column::CrmChecked.eq(false))
            .count(db)
            .await
            .unwrap();
        assert_eq!(unchecked, 0);
    }
}

#[tokio::test]
async fn each_creation_rule_works_in_its_direction() {
    let s = stack();
    let user = mail_user("crmrule");
    let me = format!("{user}@example.test");
    deliver_to(
        &user,
        "INBOX",
        &plain("Taras Shevchuk <taras@globex.example>", &me, "Incoming"),
    );
    deliver_to(
        &user,
        "Sent",
        &plain(&me, "Maria Petrenko <maria@initech.example>", "Outgoing"),
    );
    let none = NONE;
    let taras = |kind, name| record(kind, "taras@globex.example", name);
    let maria = |kind, name| record(kind, "maria@initech.example", name);
    let cases: [(CrmCreate, Vec<_>, &str); 4] = [
        (
            CrmCreate {
                leads_from_incoming: true,
                ..none
            },
            vec![taras(CrmKind::Lead, "Taras Shevchuk")],
            "Incoming",
        ),
        (
            CrmCreate {
                contacts_from_incoming: true,
                ..none
            },
            vec![
                record(CrmKind::Company, "globex.example", "Globex"),
                taras(CrmKind::Contact, "Taras Shevchuk"),
            ],
            "Incoming",
        ),
        (
            CrmCreate {
                leads_from_outgoing: true,
                ..none
            },
            vec![maria(CrmKind::Lead, "Maria Petrenko")],
            "Outgoing",
        ),
        (
            CrmCreate {
                contacts_from_outgoing: true,
                ..none
            },
            vec![
                record(CrmKind::Company, "initech.example", "Initech"),
                maria(CrmKind::Contact, "Maria Petrenko"),
            ],
            "Outgoing",
        ),
    ];
    for (create, mut expected, linked) in cases {
        expected.sort();
        for t in common::databases().await {
            let st = state(t.db.clone(), &s);
            let crm = Crm::connect(&st, &s, &user, CrmMode::Automatic, create).await;
            crm.sync().await;
            assert_eq!(crm.made().await, expected, "{} {create:?}", t.backend);
            let (_, companies, _) = counts(crm.db(), crm.workspace()).await;
            assert_eq!(crm.links(linked).await.len(), 1 + companies, "{create:?}");
            let unlinked = if linked == "Incoming" {
                "Outgoing"
            } else {
                "Incoming"
            };
            assert!(crm.links(unlinked).await.is_empty(), "{create:?}");
            let contacts = crm_contact::Entity::find().all(crm.db()).await.unwrap();
            assert!(
                contacts
                    .iter()
                    .all(|c| c.company_id.is_some() && c.from_mail),
                "a new contact is in the company of its domain"
            );
        }
    }
}

#[tokio::test]
async fn machine_mail_own_people_and_free_mail_make_no_records_or_companies() {
    let s = stack();
    let user = mail_user("crmskip");
    let me = format!("{user}@example.test");
    // A member writing from free mail: excluded as a member, not by domain.
    let colleague = format!("maria.{user}@gmail.com");
    for file in [
        "list.eml",
        "bounce.eml",
        "autoreply.eml",
        "noreply.eml",
        "own-domain.eml",
        "gmail.eml",
    ] {
        deliver_file(&user, "INBOX", file, &[("TOKEN", &user)]);
    }
    deliver_file(
        &user,
        "INBOX",
        "member.eml",
        &[("MEMBER", &colleague), ("TOKEN", &user)],
    );
    deliver_to(
        &user,
        "Sent",
        &plain(&me, "Shop <no-reply@shop.example>", "To a no-reply"),
    );
    deliver_to(&user, "Sent", &plain(&me, &colleague, "To a colleague"));
    deliver_to(
        &user,
        "Sent",
        &plain(&me, "Petro <petro.accountant@acme.com>", "To our domain"),
    );
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let crm = Crm::connect(&st, &s, &user, CrmMode::Automatic, ALL).await;
        member(crm.db(), &crm.owner, &colleague).await;
        crm.sync().await;
        let ivan = "ivan.franko.1856@gmail.com";
        assert_eq!(
            crm.made().await,
            [
                record(CrmKind::Contact, ivan, "Іван Франко"),
                record(CrmKind::Lead, ivan, "Іван Франко")
            ],
            "{}",
            t.backend
        );
        let (_, companies, _) = counts(crm.db(), crm.workspace()).await;
        assert_eq!(companies, 0, "free mail never becomes a company");
        for (subject, automated) in [
            ("Globex Weekly: what is new in November", true),
            ("Undelivered Mail Returned to Sender", true),
            ("Automatic reply: Our offer for December", true),
            ("Your order 88231 has shipped", true),
            ("Internal: prices for Globex", false),
            ("Invoices for November", false),
            ("Ціна на опт", false),
        ] {
            let row = crm.row(subject).await;
            assert_eq!(row.automated, automated, "{subject}");
            assert!(row.crm_checked, "{subject}");
        }
        assert_eq!(
            crm.links("Ціна на опт").await.len(),
            2,
            "the contact and the lead"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_contact_per_sender_however_often_and_however_concurrently() {
    let s = stack();
    for t in common::databases().await {
        let (one, two) = (mail_user("crmdupa"), mail_user("crmdupb"));
        for i in 1..=10 {
            let to = format!("{one}@example.test");
            deliver_to(
                &one,
                "INBOX",
                &plain("Oksana <oksana@wonka.example>", &to, &format!("Ten {i}")),
            );
        }
        let st = state(t.db.clone(), &s);
        let crm = Crm::connect(&st, &s, &one, CrmMode::Automatic, ALL).await;
        let (db, ws) = (crm.db(), crm.workspace());
        crm.sync().await;
        assert_eq!(
            counts(db, ws).await,
            (1, 1, 1),
            "{}: ten letters, one of each",
            t.backend
        );
        let first = crm.links("Ten 1").await;
        assert_eq!(first.len(), 3);
        for i in 2..=10 {
            assert_eq!(crm.links(&format!("Ten {i}")).await, first);
        }

        // The same unknown people write to two mailboxes of the workspace, which two
        // engines (two scheduler processes) sync at the same moment.
        let other = crm.also(&s, &two).await;
        let (a, b) = (engine(&st), engine(&st));
        for round in 1..=3 {
            let sender = format!("Buyer {round} <buyer{round}@round{round}.example>");
            for (u, n) in [(&one, 4), (&two, 3)] {
                for i in 0..n {
                    let subject = format!("Round {round} #{i}");
                    deliver_to(
                        u,
                        "INBOX",
                        &plain(&sender, &format!("{u}@example.test"), &subject),
                    );
                }
            }
            let (x, y) = tokio::join!(a.sync_mailbox(crm.id), b.sync_mailbox(other));
            assert_eq!((x, y), (Outcome::Synced, Outcome::Synced));
            assert_eq!(
                counts(db, ws).await,
                (1 + round, 1 + round, 1 + round),
                "{} round {round}: one contact, company and lead",
                t.backend
            );
        }
        let emails = crm_contact_email::Entity::find()
            .filter(crm_contact_email::Column::WorkspaceId.eq(ws))
            .count(db)
            .await
            .unwrap();
        assert_eq!(emails, 4, "no contact without its address");
        let mut per_sender = BTreeSet::new();
        for row in message::Entity::find()
            .filter(message::Column::MailboxId.is_in([crm.id, other]))
            .filter(message::Column::FromAddress.contains("round"))
            .all(db)
            .await
            .unwrap()
        {
            per_sender.insert((row.from_address.clone(), links_of(db, row.id).await));
        }
        assert_eq!(
            per_sender.len(),
            3,
            "both mailboxes' mail linked to the same three"
        );
    }
}
