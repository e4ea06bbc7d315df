//! What a CRM save refuses, on real SQLite and PostgreSQL: an address of another contact
//! or a domain of another company (named), and every field out of bounds — nothing stored.

use crate::common;
use crate::crm_records_fixtures as fixtures;

use common::account_fixtures::sign_up;
use domain::{CompanyFields, ContactFields, CrmKind, DealFields, RecordQuery};
use fixtures::{company, contact, deal, invalid, taken};
use services::{
    ServiceError,
    crm::records::{self, SaveError},
};

#[tokio::test]
async fn addresses_and_domains_belong_to_one_record() {
    for t in common::databases().await {
        let db = &t.db;
        let me = sign_up(db, &format!("dup-{}@example.com", t.backend)).await;
        let other_ws = sign_up(db, &format!("dup-other-{}@example.com", t.backend)).await;
        let olena = records::save_contact(db, &me, None, contact("Olena", &["olena@acme.example"]))
            .await
            .unwrap();
        let r = records::save_contact(
            db,
            &me,
            None,
            contact("Copy", &["x@acme.example", "OLENA@acme.example"]),
        )
        .await;
        assert_eq!(
            taken(r),
            ("email", "olena@acme.example".to_owned()),
            "{}",
            t.backend
        );
        let taras = records::save_contact(db, &me, None, contact("Taras", &["taras@acme.example"]))
            .await
            .unwrap();
        let r = records::save_contact(
            db,
            &me,
            Some(taras),
            contact("Taras", &["olena@acme.example"]),
        )
        .await;
        assert_eq!(taken(r).1, "olena@acme.example");
        // The refused save changed nothing.
        let f = records::record_card(db, &me, CrmKind::Contact, taras)
            .await
            .unwrap()
            .contact
            .unwrap();
        assert_eq!(f.emails, ["taras@acme.example"]);
        // Saving a contact with its own address again is no conflict.
        records::save_contact(
            db,
            &me,
            Some(olena),
            contact("Olena K.", &["olena@acme.example"]),
        )
        .await
        .unwrap();
        // Another workspace may have the same address and domain.
        records::save_contact(
            db,
            &other_ws,
            None,
            contact("Olena", &["olena@acme.example"]),
        )
        .await
        .unwrap();

        records::save_company(db, &me, None, company("Acme", &["acme.example"]))
            .await
            .unwrap();
        let r = records::save_company(db, &me, None, company("Acme 2", &["@ACME.example"])).await;
        assert_eq!(taken(r), ("domain", "acme.example".to_owned()));
        records::save_company(db, &other_ws, None, company("Acme", &["acme.example"]))
            .await
            .unwrap();
        let as_service: ServiceError = SaveError::Taken {
            field: "email",
            value: "x".into(),
        }
        .into();
        assert!(matches!(
            as_service,
            ServiceError::Invalid {
                field: "email",
                reason: "taken"
            }
        ));
    }
}

type Saved = Result<i64, SaveError>;
/// The field and the reason a save is refused with.
type Refusal = (&'static str, &'static str);

#[tokio::test]
async fn fields_out_of_bounds_are_refused() {
    for t in common::databases().await {
        let db = &t.db;
        let me = sign_up(db, &format!("bounds-{}@example.com", t.backend)).await;
        let stranger = sign_up(db, &format!("bounds-x-{}@example.com", t.backend)).await;
        let theirs = records::save_company(db, &stranger, None, company("Theirs", &[]))
            .await
            .unwrap();
        let their_contact = records::save_contact(db, &stranger, None, contact("Theirs", &[]))
            .await
            .unwrap();
        let many = |f: &dyn Fn(usize) -> String| (0..21).map(f).collect::<Vec<_>>();
        let cases: Vec<(Saved, Refusal)> = vec![
            (
                records::save_contact(db, &me, None, contact(&"я".repeat(201), &[])).await,
                ("name", "too_long"),
            ),
            (
                records::save_contact(db, &me, None, contact("  ", &[])).await,
                ("name", "empty"),
            ),
            (
                records::save_contact(db, &me, None, contact("A", &["not an address"])).await,
                ("email", "format"),
            ),
            (
                records::save_contact(
                    db,
                    &me,
                    None,
                    ContactFields {
                        emails: many(&|i| format!("a{i}@x.example")),
                        ..contact("A", &[])
                    },
                )
                .await,
                ("emails", "too_many"),
            ),
            (
                records::save_contact(
                    db,
                    &me,
                    None,
                    ContactFields {
                        phones: many(&|i| format!("555 {i}")),
                        ..contact("A", &[])
                    },
                )
                .await,
                ("phones", "too_many"),
            ),
            (
                records::save_contact(
                    db,
                    &me,
                    None,
                    ContactFields {
                        phones: vec!["call me".into()],
                        ..contact("A", &[])
                    },
                )
                .await,
                ("phone", "format"),
            ),
            (
                records::save_contact(
                    db,
                    &me,
                    None,
                    ContactFields {
                        company_id: Some(theirs),
                        ..contact("A", &[])
                    },
                )
                .await,
                ("company", "unknown"),
            ),
            (
                records::save_contact(
                    db,
                    &me,
                    None,
                    ContactFields {
                        owner_id: Some(stranger.user_id),
                        ..contact("A", &[])
                    },
                )
                .await,
                ("owner", "unknown"),
            ),
            (
                records::save_company(db, &me, None, company("A", &["no-dot"])).await,
                ("domain", "format"),
            ),
            (
                records::save_company(
                    db,
                    &me,
                    None,
                    CompanyFields {
                        domains: many(&|i| format!("d{i}.example")),
                        ..company("A", &[])
                    },
                )
                .await,
                ("domains", "too_many"),
            ),
            (
                records::save_deal(db, &me, CrmKind::Deal, None, deal(&"t".repeat(201))).await,
                ("title", "too_long"),
            ),
            (
                records::save_deal(
                    db,
                    &me,
                    CrmKind::Deal,
                    None,
                    DealFields {
                        stage: "new".into(),
                        ..deal("T")
                    },
                )
                .await,
                ("stage", "unknown"),
            ),
            (
                records::save_deal(
                    db,
                    &me,
                    CrmKind::Lead,
                    None,
                    DealFields {
                        amount: Some(-1),
                        ..deal("T")
                    },
                )
                .await,
                ("amount", "format"),
            ),
            (
                records::save_deal(
                    db,
                    &me,
                    CrmKind::Lead,
                    None,
                    DealFields {
                        contact_id: Some(their_contact),
                        ..deal("T")
                    },
                )
                .await,
                ("contact", "unknown"),
            ),
            (
                records::save_deal(
                    db,
                    &me,
                    CrmKind::Lead,
                    None,
                    DealFields {
                        company_id: Some(theirs),
                        ..deal("T")
                    },
                )
                .await,
                ("company", "unknown"),
            ),
            (
                records::save_deal(db, &me, CrmKind::Contact, None, deal("T")).await,
                ("kind", "unknown"),
            ),
        ];
        for (i, (result, expected)) in cases.into_iter().enumerate() {
            assert_eq!(invalid(result), expected, "case {i} on {}", t.backend);
        }
        for kind in CrmKind::ALL {
            let page = records::list_records(db, &me, kind, &RecordQuery::default())
                .await
                .unwrap();
            assert!(page.records.is_empty(), "{kind:?} stored on {}", t.backend);
        }
    }
}
