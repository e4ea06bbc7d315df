//! CRM records against real SQLite and PostgreSQL: contacts, companies, leads and deals
//! created, edited and deleted; another workspace's records NotFound for every operation;
//! deleting a record removes its links to mail. Lists are in `crm_records_lists.rs`,
//! bounds and taken addresses in `crm_records_rules.rs`.

use crate::common;
use crate::crm_records_fixtures as fixtures;

use common::account_fixtures::sign_up;
use domain::{ContactFields, CrmKind, DealFields, RecordQuery};
use fixtures::{company, contact, deal, stored_message};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use services::{
    ServiceError,
    crm::records::{self, SaveError},
    entities::{crm_contact_email, crm_deal, crm_link},
};

#[tokio::test]
async fn each_kind_is_created_edited_and_deleted() {
    for t in common::databases().await {
        let db = &t.db;
        let me = sign_up(db, &format!("crm-{}@example.com", t.backend)).await;
        let acme = records::save_company(
            db,
            &me,
            None,
            company("Acme", &["@Acme.Example", "acme.test"]),
        )
        .await
        .unwrap();
        let olena = records::save_contact(
            db,
            &me,
            None,
            ContactFields {
                name: " Олена Петренко ".into(),
                emails: vec!["Olena@Acme.Example".into()],
                phones: vec!["+380 44 123 4567".into()],
                company_id: Some(acme),
                owner_id: Some(me.user_id),
            },
        )
        .await
        .unwrap();
        let card = records::record_card(db, &me, CrmKind::Contact, olena)
            .await
            .unwrap();
        let fields = card.contact.clone().unwrap();
        assert_eq!(fields.name, "Олена Петренко", "{}", t.backend);
        assert_eq!(fields.emails, ["olena@acme.example"]);
        assert_eq!(fields.phones, ["+380 44 123 4567"]);
        assert_eq!(card.owner.as_ref().map(|o| o.id), Some(me.user_id));
        assert_eq!(
            card.related
                .iter()
                .map(|r| (r.kind, r.id))
                .collect::<Vec<_>>(),
            [(CrmKind::Company, acme)]
        );
        assert!(!card.created_from_mail);
        let acme_card = records::record_card(db, &me, CrmKind::Company, acme)
            .await
            .unwrap();
        assert_eq!(
            acme_card.company.unwrap().domains,
            ["acme.example", "acme.test"]
        );
        assert!(
            acme_card
                .related
                .iter()
                .any(|r| r.kind == CrmKind::Contact && r.id == olena)
        );

        for kind in [CrmKind::Lead, CrmKind::Deal] {
            let id = records::save_deal(
                db,
                &me,
                kind,
                None,
                DealFields {
                    title: "Roof repair".into(),
                    stage: String::new(),
                    owner_id: Some(me.user_id),
                    amount: Some(125_000),
                    contact_id: Some(olena),
                    company_id: Some(acme),
                },
            )
            .await
            .unwrap();
            let card = records::record_card(db, &me, kind, id).await.unwrap();
            let f = card.deal.unwrap();
            assert_eq!(f.stage, kind.stages()[0], "{}", t.backend);
            assert_eq!(f.amount, Some(125_000));
            assert_eq!(card.related.len(), 2);
            // A lead's id is not a deal's.
            let other = if kind == CrmKind::Lead {
                CrmKind::Deal
            } else {
                CrmKind::Lead
            };
            assert!(matches!(
                records::record_card(db, &me, other, id).await,
                Err(ServiceError::NotFound)
            ));

            let stage = kind.stages()[2];
            records::save_deal(
                db,
                &me,
                kind,
                Some(id),
                DealFields {
                    title: "Roof repair, phase 2".into(),
                    stage: stage.into(),
                    amount: None,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            let f = records::record_card(db, &me, kind, id)
                .await
                .unwrap()
                .deal
                .unwrap();
            assert_eq!(
                (f.title.as_str(), f.stage.as_str(), f.amount, f.contact_id),
                ("Roof repair, phase 2", stage, None, None)
            );
            records::delete_record(db, &me, kind, id).await.unwrap();
            assert!(matches!(
                records::record_card(db, &me, kind, id).await,
                Err(ServiceError::NotFound)
            ));
        }

        // Edit: addresses replaced, the company changed, the owner dropped.
        records::save_contact(
            db,
            &me,
            Some(olena),
            ContactFields {
                name: "Olena P.".into(),
                emails: vec!["olena@home.example".into(), "olena@acme.example".into()],
                phones: vec![],
                company_id: None,
                owner_id: None,
            },
        )
        .await
        .unwrap();
        let f = records::record_card(db, &me, CrmKind::Contact, olena)
            .await
            .unwrap();
        assert_eq!(
            f.contact.unwrap().emails,
            ["olena@acme.example", "olena@home.example"]
        );
        assert_eq!(f.owner, None);
        records::save_company(db, &me, Some(acme), company("Acme Ltd", &["acme.test"]))
            .await
            .unwrap();
        // A domain given up is free for another company.
        records::save_company(db, &me, None, company("Acme Holding", &["acme.example"]))
            .await
            .unwrap();

        // Deleting a company leaves its contacts and deals, without it.
        let lead = records::save_deal(
            db,
            &me,
            CrmKind::Lead,
            None,
            DealFields {
                company_id: Some(acme),
                contact_id: Some(olena),
                ..deal("Gutters")
            },
        )
        .await
        .unwrap();
        records::delete_record(db, &me, CrmKind::Company, acme)
            .await
            .unwrap();
        let f = records::record_card(db, &me, CrmKind::Lead, lead)
            .await
            .unwrap()
            .deal
            .unwrap();
        assert_eq!(
            (f.company_id, f.contact_id),
            (None, Some(olena)),
            "{}",
            t.backend
        );
        records::delete_record(db, &me, CrmKind::Contact, olena)
            .await
            .unwrap();
        let f = records::record_card(db, &me, CrmKind::Lead, lead)
            .await
            .unwrap()
            .deal
            .unwrap();
        assert_eq!(f.contact_id, None);
        assert!(
            crm_contact_email::Entity::find()
                .all(db)
                .await
                .unwrap()
                .is_empty()
        );
        // Its addresses are free again.
        records::save_contact(db, &me, None, contact("New Olena", &["olena@acme.example"]))
            .await
            .unwrap();
        assert!(matches!(
            records::delete_record(db, &me, CrmKind::Contact, olena).await,
            Err(ServiceError::NotFound)
        ));
    }
}

#[tokio::test]
async fn another_workspace_sees_and_changes_nothing() {
    for t in common::databases().await {
        let db = &t.db;
        let me = sign_up(db, &format!("wall-{}@example.com", t.backend)).await;
        let outsider = sign_up(db, &format!("wall-out-{}@example.com", t.backend)).await;
        let co = records::save_company(db, &me, None, company("Acme", &["acme.example"]))
            .await
            .unwrap();
        let person = records::save_contact(
            db,
            &me,
            None,
            ContactFields {
                company_id: Some(co),
                ..contact("Olena", &["olena@acme.example"])
            },
        )
        .await
        .unwrap();
        let lead = records::save_deal(db, &me, CrmKind::Lead, None, deal("Lead"))
            .await
            .unwrap();
        let dl = records::save_deal(db, &me, CrmKind::Deal, None, deal("Deal"))
            .await
            .unwrap();
        let ids = [
            (CrmKind::Contact, person),
            (CrmKind::Company, co),
            (CrmKind::Lead, lead),
            (CrmKind::Deal, dl),
        ];
        for (kind, id) in ids {
            assert!(
                matches!(
                    records::record_card(db, &outsider, kind, id).await,
                    Err(ServiceError::NotFound)
                ),
                "{kind:?} {}",
                t.backend
            );
            assert!(matches!(
                records::delete_record(db, &outsider, kind, id).await,
                Err(ServiceError::NotFound)
            ));
            let page = records::list_records(db, &outsider, kind, &RecordQuery::default())
                .await
                .unwrap();
            assert!(page.records.is_empty());
            assert!(
                records::refs(db, outsider.workspace_id, kind, &[id])
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
        let edits = [
            records::save_contact(db, &outsider, Some(person), contact("Mine now", &[])).await,
            records::save_company(db, &outsider, Some(co), company("Mine now", &[])).await,
            records::save_deal(db, &outsider, CrmKind::Lead, Some(lead), deal("Mine now")).await,
            records::save_deal(db, &outsider, CrmKind::Deal, Some(dl), deal("Mine now")).await,
        ];
        for r in edits {
            assert!(
                matches!(r, Err(SaveError::Service(ServiceError::NotFound))),
                "{r:?}"
            );
        }
        for (kind, id) in ids {
            let card = records::record_card(db, &me, kind, id).await.unwrap();
            assert_ne!(card.record.title, "Mine now", "{}", t.backend);
        }
        assert_eq!(records::owners(db, &outsider).await.unwrap().len(), 1);
        assert!(
            records::choices(db, &outsider, CrmKind::Company)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn deleting_a_record_removes_its_links() {
    for t in common::databases().await {
        let db = &t.db;
        let me = sign_up(db, &format!("links-{}@example.com", t.backend)).await;
        let message = stored_message(db, &me).await;
        let person =
            records::save_contact(db, &me, None, contact("Olena", &["olena@acme.example"]))
                .await
                .unwrap();
        let co = records::save_company(db, &me, None, company("Acme", &[]))
            .await
            .unwrap();
        let lead = records::save_deal(db, &me, CrmKind::Lead, None, deal("Lead"))
            .await
            .unwrap();
        for (kind, id) in [
            (CrmKind::Contact, person),
            (CrmKind::Company, co),
            (CrmKind::Lead, lead),
        ] {
            crm_link::ActiveModel {
                workspace_id: Set(me.workspace_id),
                message_id: Set(message),
                record_kind: Set(kind.as_str().into()),
                record_id: Set(id),
                manual: Set(true),
                created_by: Set(Some(me.user_id)),
                created_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
            .insert(db)
            .await
            .unwrap();
        }
        let links = || async { crm_link::Entity::find().all(db).await.unwrap() };
        records::delete_record(db, &me, CrmKind::Contact, person)
            .await
            .unwrap();
        let left = links().await;
        assert_eq!(left.len(), 2, "{}", t.backend);
        assert!(left.iter().all(|l| l.record_kind != "contact"));
        records::delete_record(db, &me, CrmKind::Lead, lead)
            .await
            .unwrap();
        records::delete_record(db, &me, CrmKind::Company, co)
            .await
            .unwrap();
        assert!(links().await.is_empty());
        assert!(crm_deal::Entity::find().all(db).await.unwrap().is_empty());
    }
}
