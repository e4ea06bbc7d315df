//! CRM lists against real SQLite and PostgreSQL: keyset pages newest first, search by
//! name (any case, Cyrillic too), address, phone and domain with LIKE wildcards taken
//! literally, the owner filter, and the choices of a form.

use crate::common;
use crate::crm_records_fixtures as fixtures;

use common::account_fixtures::sign_up;
use domain::{CompanyFields, ContactFields, CrmKind, DealFields, RecordQuery};
use fixtures::{company, contact, deal, member, search, titles};
use services::{
    ServiceError,
    crm::records::{self, PAGE_SIZE},
};

#[tokio::test]
async fn lists_search_filter_by_owner_and_page() {
    for t in common::databases().await {
        let db = &t.db;
        let me = sign_up(db, &format!("list-{}@example.com", t.backend)).await;
        let taras = member(db, &me, &format!("taras-{}@example.com", t.backend)).await;
        for i in 0..(PAGE_SIZE + 5) {
            let owner = if i % 2 == 0 {
                me.user_id
            } else {
                taras.user_id
            };
            let fields = ContactFields {
                owner_id: Some(owner),
                ..contact(&format!("Person {i:03}"), &[&format!("p{i}@example.com")])
            };
            records::save_contact(db, &me, None, fields).await.unwrap();
        }
        records::save_contact(
            db,
            &taras,
            None,
            ContactFields {
                phones: vec!["+380 67 555 0101".into()],
                ..contact("Олена Шевченко", &["o.shevchenko@kyiv.example"])
            },
        )
        .await
        .unwrap();
        records::save_contact(db, &me, None, contact("100% Sure_Thing", &[]))
            .await
            .unwrap();

        // Keyset pages, newest first, every record once.
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let page = records::list_records(
                db,
                &me,
                CrmKind::Contact,
                &RecordQuery {
                    before,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            assert!(page.records.len() as u64 <= PAGE_SIZE);
            seen.extend(page.records.iter().map(|r| r.id));
            match page.next {
                Some(next) => before = Some(next),
                None => break,
            }
        }
        assert_eq!(seen.len() as u64, PAGE_SIZE + 7, "{}", t.backend);
        assert!(
            seen.windows(2).all(|w| w[0] > w[1]),
            "newest first, no repeats"
        );

        // Search: names in any case (also Cyrillic), addresses, phones; LIKE wildcards literal.
        for q in [
            "олена",
            "ОЛЕНА",
            "Олена",
            "шевч",
            "kyiv.example",
            "O.Shevchenko",
            "555 0101",
        ] {
            assert_eq!(
                titles(db, &me, CrmKind::Contact, search(q)).await,
                ["Олена Шевченко"],
                "{q} {}",
                t.backend
            );
        }
        assert_eq!(
            titles(db, &me, CrmKind::Contact, search("person 007")).await,
            ["Person 007"]
        );
        assert_eq!(
            titles(db, &me, CrmKind::Contact, search("100%")).await,
            ["100% Sure_Thing"]
        );
        assert_eq!(
            titles(db, &me, CrmKind::Contact, search("%")).await,
            ["100% Sure_Thing"]
        );
        assert_eq!(
            titles(db, &me, CrmKind::Contact, search("n_0")).await,
            Vec::<String>::new()
        );
        let first = records::list_records(db, &me, CrmKind::Contact, &search("p1"))
            .await
            .unwrap();
        assert_eq!(
            first.records[0]
                .detail
                .split('@')
                .next()
                .map(|s| s.starts_with("p1")),
            Some(true)
        );

        // Owner filter, with search and pages.
        let mine = RecordQuery {
            owner_id: Some(taras.user_id),
            ..Default::default()
        };
        let page = records::list_records(db, &me, CrmKind::Contact, &mine)
            .await
            .unwrap();
        assert_eq!(page.records.len(), 27, "{}", t.backend);
        assert_eq!(page.next, None);
        let q = RecordQuery {
            search: "олена".into(),
            owner_id: Some(me.user_id),
            before: None,
        };
        assert!(
            records::list_records(db, &me, CrmKind::Contact, &q)
                .await
                .unwrap()
                .records
                .is_empty()
        );

        // Companies by name and domain; leads and deals by title, each kind its own list.
        records::save_company(db, &me, None, company("Київ Буд", &["kyivbud.example"]))
            .await
            .unwrap();
        records::save_company(
            db,
            &me,
            None,
            CompanyFields {
                owner_id: Some(taras.user_id),
                ..company("Lviv Steel", &["lvivsteel.example"])
            },
        )
        .await
        .unwrap();
        assert_eq!(
            titles(db, &me, CrmKind::Company, search("київ")).await,
            ["Київ Буд"]
        );
        assert_eq!(
            titles(db, &me, CrmKind::Company, search("LVIVSTEEL")).await,
            ["Lviv Steel"]
        );
        assert_eq!(
            titles(
                db,
                &me,
                CrmKind::Company,
                RecordQuery {
                    owner_id: Some(taras.user_id),
                    ..Default::default()
                }
            )
            .await,
            ["Lviv Steel"]
        );
        records::save_deal(db, &me, CrmKind::Lead, None, deal("Windows for school"))
            .await
            .unwrap();
        records::save_deal(
            db,
            &me,
            CrmKind::Deal,
            None,
            DealFields {
                owner_id: Some(taras.user_id),
                ..deal("Windows for clinic")
            },
        )
        .await
        .unwrap();
        assert_eq!(
            titles(db, &me, CrmKind::Lead, search("windows")).await,
            ["Windows for school"]
        );
        assert_eq!(
            titles(db, &me, CrmKind::Deal, search("windows")).await,
            ["Windows for clinic"]
        );
        assert_eq!(
            titles(
                db,
                &me,
                CrmKind::Deal,
                RecordQuery {
                    owner_id: Some(me.user_id),
                    ..Default::default()
                }
            )
            .await,
            Vec::<String>::new()
        );
        let leads = records::list_records(db, &me, CrmKind::Lead, &RecordQuery::default())
            .await
            .unwrap();
        assert_eq!(leads.records[0].detail, "new");

        let owners = records::owners(db, &taras).await.unwrap();
        assert_eq!(owners.iter().map(|o| o.id).collect::<Vec<_>>().len(), 2);
        let choices = records::choices(db, &me, CrmKind::Company).await.unwrap();
        assert_eq!(
            choices.iter().map(|c| c.title.as_str()).collect::<Vec<_>>(),
            ["Lviv Steel", "Київ Буд"]
        );
        assert!(matches!(
            records::list_records(db, &me, CrmKind::Contact, &search(&"x".repeat(201))).await,
            Err(ServiceError::Invalid {
                field: "search",
                ..
            })
        ));
    }
}
