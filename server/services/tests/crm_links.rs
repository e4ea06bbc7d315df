//! Manual Email ↔ CRM links against the real Dovecot, on SQLite and PostgreSQL: linking
//! and unlinking a message and a whole conversation (owner and grantee of a shared
//! mailbox), the picker (name, address, domain, title; one workspace only), and a contact
//! or lead made from the sender once however often asked. The card's side:
//! `crm_links_card.rs`.

use crate::common;
use crate::crm_link_fixtures;

use common::mail_stack::stack;
use crm_link_fixtures::{
    AGAIN, FIRST, OTHER, REPLY, company, contact, deal, linked_titles, links_to, not_found, world,
};
use domain::CrmKind;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use services::{
    ServiceError,
    crm::links,
    entities::{crm_contact, crm_contact_email, crm_deal, crm_link},
    mail_view,
};

#[tokio::test]
async fn link_and_unlink_a_message_and_its_conversation() {
    let s = stack();
    for t in common::databases().await {
        let w = world(&t.db, &s, "crmlink").await;
        let db = w.db();
        let (first, reply, again, other) = (
            w.message(FIRST).await.id,
            w.message(REPLY).await.id,
            w.message(AGAIN).await.id,
            w.message(OTHER).await.id,
        );
        let lead = deal(db, &w.owner, CrmKind::Lead, "40 desks").await;
        let person = contact(db, &w.owner, "Olena Koval", &["olena@supplier.test"], None).await;

        // One message, twice: one link, manual, by the owner.
        for _ in 0..2 {
            links::link(db, &w.owner, first, CrmKind::Lead, lead)
                .await
                .unwrap();
        }
        assert_eq!(
            links_to(&w, CrmKind::Lead, lead).await,
            vec![(first, true, Some(w.owner.user_id))]
        );
        assert_eq!(
            linked_titles(&w, &w.owner, first).await,
            vec!["40 desks"],
            "{}",
            t.backend
        );
        // The reading pane shows it, and offers linking.
        let c = mail_view::conversation(db, &w.owner, first).await.unwrap();
        let opened = c.messages.iter().find(|m| m.id == first).unwrap();
        assert!(opened.crm_links_on);
        assert_eq!(opened.crm_links.len(), 1);
        assert_eq!(opened.crm_links[0].kind, CrmKind::Lead);
        assert!(
            c.messages
                .iter()
                .filter(|m| m.id != first)
                .all(|m| m.crm_links.is_empty())
        );

        // The whole conversation, by the grantee: both letters and the reply in Sent.
        let n = links::link_conversation(db, &w.grantee, again, CrmKind::Contact, person)
            .await
            .unwrap();
        assert_eq!(n, 3, "{}", t.backend);
        let mut expected: Vec<_> = [first, reply, again]
            .into_iter()
            .map(|m| (m, true, Some(w.grantee.user_id)))
            .collect();
        expected.sort();
        assert_eq!(links_to(&w, CrmKind::Contact, person).await, expected);
        assert!(linked_titles(&w, &w.grantee, other).await.is_empty());
        assert_eq!(
            linked_titles(&w, &w.grantee, first).await,
            vec!["Olena Koval", "40 desks"],
            "contacts first"
        );

        // Unlink removes that message's link only; an automatic link as well.
        links::unlink(db, &w.grantee, reply, CrmKind::Contact, person)
            .await
            .unwrap();
        assert_eq!(links_to(&w, CrmKind::Contact, person).await.len(), 2);
        assert!(linked_titles(&w, &w.owner, reply).await.is_empty());
        crm_link::ActiveModel {
            workspace_id: Set(w.owner.workspace_id),
            message_id: Set(other),
            record_kind: Set("lead".into()),
            record_id: Set(lead),
            manual: Set(false),
            created_by: Set(None),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        links::unlink(db, &w.owner, other, CrmKind::Lead, lead)
            .await
            .unwrap();
        assert_eq!(
            links_to(&w, CrmKind::Lead, lead).await,
            vec![(first, true, Some(w.owner.user_id))]
        );
        // Unlinking what is not linked changes nothing.
        links::unlink(db, &w.owner, other, CrmKind::Lead, lead)
            .await
            .unwrap();

        // Records of another workspace, or of another kind, are not there.
        let foreign = deal(db, &w.outsider, CrmKind::Lead, "Not yours").await;
        not_found(
            links::link(db, &w.owner, first, CrmKind::Lead, foreign).await,
            "foreign",
        );
        not_found(
            links::link(db, &w.owner, first, CrmKind::Deal, lead).await,
            "a lead as deal",
        );
        not_found(
            links::link(db, &w.owner, i64::MAX, CrmKind::Lead, lead).await,
            "no message",
        );
        assert_eq!(links_to(&w, CrmKind::Lead, foreign).await, vec![]);
    }
}

#[tokio::test]
async fn pick_finds_by_name_address_domain_and_title_in_the_workspace_only() {
    for t in common::databases().await {
        let db = &t.db;
        let owner = common::mailbox_fixtures::admin(db, "pick-owner@acme.test").await;
        let outsider = common::mailbox_fixtures::admin(db, "pick-outsider@other.test").await;
        let supplier = company(db, &owner, "Supplier Ltd", &["supplier.test"]).await;
        let olena = contact(
            db,
            &owner,
            "Olena Koval",
            &["olena@supplier.test"],
            Some(supplier),
        )
        .await;
        let cyr = contact(db, &owner, "Олена Шевченко", &["o.sh@kyiv.test"], None).await;
        let lead = deal(db, &owner, CrmKind::Lead, "40 desks for the Kyiv office").await;
        let chairs = deal(db, &owner, CrmKind::Deal, "Chairs renewal 100%").await;
        contact(
            db,
            &outsider,
            "Olena Elsewhere",
            &["olena@elsewhere.test"],
            None,
        )
        .await;
        company(db, &outsider, "Supplier Twin", &["supplier-twin.test"]).await;
        let pick = |text: &'static str| {
            let owner = owner.clone();
            async move {
                links::pick(db, &owner, text)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|r| (r.kind, r.id))
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            pick("OLENA").await,
            vec![(CrmKind::Contact, olena)],
            "{}",
            t.backend
        );
        assert_eq!(pick("olena@supp").await, vec![(CrmKind::Contact, olena)]);
        // By domain: the company (its domain starts so: first), and the contact whose
        // address is there.
        assert_eq!(
            pick("supplier.TEST").await,
            vec![(CrmKind::Company, supplier), (CrmKind::Contact, olena)]
        );
        assert_eq!(pick("  desks ").await, vec![(CrmKind::Lead, lead)]);
        assert_eq!(
            pick("kyiv").await,
            vec![(CrmKind::Contact, cyr), (CrmKind::Lead, lead)]
        );
        // Cyrillic in any case, on both databases.
        for text in ["олена", "ОЛЕНА", "Шевч", "шевченко"] {
            let found = links::pick(db, &owner, text).await.unwrap();
            assert_eq!(found.len(), 1, "{} {text}: {found:?}", t.backend);
            assert_eq!((found[0].kind, found[0].id), (CrmKind::Contact, cyr));
        }
        // `%` and `_` are literal.
        assert_eq!(pick("100%").await, vec![(CrmKind::Deal, chairs)]);
        assert_eq!(pick("%").await, vec![(CrmKind::Deal, chairs)]);
        assert!(pick("_").await.is_empty());
        assert!(pick("").await.is_empty());
        // The other workspace's records are never offered.
        assert!(pick("elsewhere").await.is_empty());
        assert!(pick("twin").await.is_empty());
        let theirs = links::pick(db, &outsider, "olena").await.unwrap();
        assert_eq!(theirs.len(), 1);
        assert_eq!(theirs[0].title, "Olena Elsewhere");
        // Details: first address, first domain, stage.
        let found = links::pick(db, &owner, "Supplier").await.unwrap();
        let details: Vec<&str> = found.iter().map(|r| r.detail.as_str()).collect();
        assert_eq!(details, vec!["supplier.test", "olena@supplier.test"]);
        assert_eq!(
            links::pick(db, &owner, "desks").await.unwrap()[0].detail,
            "new"
        );
        // At most 20, and a bounded text.
        for n in 0..25 {
            contact(db, &owner, &format!("Bulk buyer {n}"), &[], None).await;
        }
        assert_eq!(links::pick(db, &owner, "bulk").await.unwrap().len(), 20);
        let long = "x".repeat(101);
        assert!(matches!(
            links::pick(db, &owner, &long).await,
            Err(ServiceError::Invalid {
                field: "search",
                ..
            })
        ));
        assert!(
            links::pick(db, &owner, &"x".repeat(100))
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn create_from_sender_makes_one_contact_however_often_asked() {
    let s = stack();
    for t in common::databases().await {
        let w = world(&t.db, &s, "crmsender").await;
        let db = w.db();
        let (first, reply, again) = (
            w.message(FIRST).await.id,
            w.message(REPLY).await.id,
            w.message(AGAIN).await.id,
        );
        let supplier = company(db, &w.owner, "Supplier Ltd", &["supplier.test"]).await;
        // Twice at once and once more, by the owner and the grantee: one contact.
        let (a, b) = tokio::join!(
            links::create_from_sender(&w.st, &w.owner, first, CrmKind::Contact),
            links::create_from_sender(&w.st, &w.grantee, again, CrmKind::Contact),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        let c = links::create_from_sender(&w.st, &w.owner, first, CrmKind::Contact)
            .await
            .unwrap();
        assert_eq!((a.id, b.id), (c.id, c.id), "{}", t.backend);
        assert_eq!(
            (c.kind, c.title.as_str()),
            (CrmKind::Contact, "Olena Koval")
        );
        assert_eq!(c.detail, "olena@supplier.test");
        let ws = w.owner.workspace_id;
        let contacts = crm_contact::Entity::find()
            .filter(crm_contact::Column::WorkspaceId.eq(ws))
            .all(db)
            .await
            .unwrap();
        assert_eq!(contacts.len(), 1, "{}: {contacts:?}", t.backend);
        assert_eq!(
            contacts[0].company_id,
            Some(supplier),
            "in the sender's company"
        );
        let maker = contacts[0].owner_id;
        assert!(maker == Some(w.owner.user_id) || maker == Some(w.grantee.user_id));
        let emails = crm_contact_email::Entity::find()
            .filter(crm_contact_email::Column::WorkspaceId.eq(ws))
            .count(db)
            .await
            .unwrap();
        assert_eq!(emails, 1);
        assert_eq!(
            linked_titles(&w, &w.owner, first).await,
            vec!["Olena Koval"]
        );
        assert_eq!(
            linked_titles(&w, &w.owner, again).await,
            vec!["Olena Koval"]
        );

        // A lead for that contact, once.
        let lead = links::create_from_sender(&w.st, &w.owner, first, CrmKind::Lead)
            .await
            .unwrap();
        let same = links::create_from_sender(&w.st, &w.grantee, again, CrmKind::Lead)
            .await
            .unwrap();
        assert_eq!(
            (lead.kind, lead.id, lead.title.as_str()),
            (CrmKind::Lead, same.id, "Olena Koval")
        );
        assert_eq!(lead.detail, "new");
        let leads = crm_deal::Entity::find()
            .filter(crm_deal::Column::WorkspaceId.eq(ws))
            .all(db)
            .await
            .unwrap();
        assert_eq!(leads.len(), 1, "{}", t.backend);
        assert_eq!(leads[0].contact_id, Some(c.id));
        assert_eq!(leads[0].company_id, Some(supplier));
        assert_eq!(
            leads[0].from_address.as_deref(),
            Some("olena@supplier.test")
        );
        assert_eq!(
            linked_titles(&w, &w.owner, again).await,
            vec!["Olena Koval", "Olena Koval"]
        );

        // The mailbox's own message has no client as its sender; deals are not made.
        assert!(matches!(
            links::create_from_sender(&w.st, &w.owner, reply, CrmKind::Contact).await,
            Err(ServiceError::Invalid {
                field: "sender",
                ..
            })
        ));
        assert!(matches!(
            links::create_from_sender(&w.st, &w.owner, first, CrmKind::Deal).await,
            Err(ServiceError::Invalid { field: "kind", .. })
        ));
        // Nobody else makes anything from this mailbox's mail.
        for who in [&w.stranger, &w.outsider] {
            not_found(
                links::create_from_sender(&w.st, who, first, CrmKind::Contact).await,
                "stranger creates",
            );
        }
        let all = crm_contact::Entity::find().count(db).await.unwrap();
        assert_eq!(all, 1);
    }
}
