//! Automatic CRM links by mode, against the real Dovecot and Postfix, on SQLite and
//! PostgreSQL: the preview is exactly what turning the rules on then makes, "apply to
//! mail already synced?" answered no links only new mail, links off, manual mode and a
//! downgrade make and link nothing new while old links stay, and a sent message is
//! linked as soon as its copy is in Sent.

use crate::common;
use crate::crm_auto_fixtures;
use crate::send_fixtures;

use common::{
    mail_stack::stack,
    mailbox_fixtures::{member, state},
    sync_fixtures::mail_user,
};
use crm_auto_fixtures::*;
use domain::{CrmCreate, CrmKind, CrmMode, Plan};
use services::{ServiceError, crm::auto, mailboxes, plan};

#[tokio::test]
async fn the_preview_is_what_turning_the_rules_on_makes() {
    let s = stack();
    let user = mail_user("crmprev");
    let me = format!("{user}@example.test");
    deliver_file(&user, "INBOX", "client.eml", &[("TOKEN", &user)]);
    deliver_file(&user, "INBOX", "gmail.eml", &[("TOKEN", &user)]);
    deliver_file(&user, "INBOX", "list.eml", &[("TOKEN", &user)]);
    let desk = plain("Desk <desk@hooli.example>", &me, "Via the desk");
    let desk = desk.replace(
        "Subject:",
        "Reply-To: Hooli Sales <sales@hooli.example>\nSubject:",
    );
    deliver_to(&user, "INBOX", &desk);
    deliver_to(
        &user,
        "INBOX",
        &plain("Known <known@umbrella.example>", &me, "Known one"),
    );
    let to = "Maria <maria@initech.example>, Oleh <oleh@initech.example>";
    let offer =
        plain(&me, to, "Offer").replace("Subject:", "Cc: Ann <ann@globex.example>\nSubject:");
    deliver_to(&user, "Sent", &offer);
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let crm = Crm::connect(&st, &s, &user, CrmMode::Manual, NONE).await;
        let (db, ws) = (crm.db(), crm.workspace());
        contact(db, ws, "Known", "known@umbrella.example", None).await;
        crm.sync().await;

        let only_incoming_leads = CrmCreate {
            leads_from_incoming: true,
            ..NONE
        };
        let leads = auto::preview(db, &crm.owner, crm.id, only_incoming_leads)
            .await
            .unwrap();
        let emails: Vec<&str> = leads.iter().map(|r| r.email.as_str()).collect();
        assert_eq!(
            emails,
            [
                "desk@hooli.example",
                "ivan.franko.1856@gmail.com",
                "sales@hooli.example",
                "taras@globex.example"
            ],
            "{}",
            t.backend
        );
        assert!(leads.iter().all(|r| r.kind == CrmKind::Lead));
        let preview = auto::preview(db, &crm.owner, crm.id, ALL).await.unwrap();
        assert_eq!(preview.len(), 3 + 7 * 2, "{}: {preview:#?}", t.backend);
        assert!(preview.contains(&record(CrmKind::Company, "initech.example", "Initech")));
        assert!(preview.contains(&record(CrmKind::Contact, "ann@globex.example", "Ann")));
        assert!(
            !preview.iter().any(|r| r.email.contains("umbrella")),
            "known already"
        );
        assert!(
            !preview
                .iter()
                .any(|r| r.kind == CrmKind::Company && r.email == "gmail.com")
        );
        assert!(crm.made().await.is_empty(), "the preview writes nothing");
        assert!(crm.links("Offer").await.is_empty());

        // Only the owner previews.
        let grantee = member(db, &crm.owner, &format!("m.{user}@acme.com")).await;
        let refused = auto::preview(db, &grantee, crm.id, ALL).await;
        assert!(
            matches!(
                refused,
                Err(ServiceError::OwnerOnly | ServiceError::NotFound)
            ),
            "{refused:?}"
        );

        crm.set(CrmMode::Automatic, ALL, true).await;
        assert_eq!(crm.made().await, preview, "{}", t.backend);
        // Three contacts, two companies, their three leads and Taras's (Globex's too).
        assert_eq!(crm.links("Offer").await.len(), 3 + 2 + 4);
        assert!(
            crm.links("Globex Weekly: what is new in November")
                .await
                .is_empty()
        );
    }
}

#[tokio::test]
async fn answered_no_only_new_mail_is_linked() {
    let s = stack();
    let user = mail_user("crmnew");
    let me = format!("{user}@example.test");
    deliver_to(
        &user,
        "INBOX",
        &plain("Old Client <old@oldco.example>", &me, "Before"),
    );
    for t in common::databases().await {
        let st = state(t.db.clone(), &s);
        let crm = Crm::connect(&st, &s, &user, CrmMode::Manual, ALL).await;
        crm.sync().await;
        crm.set(CrmMode::Automatic, ALL, false).await;
        assert!(crm.made().await.is_empty(), "{}", t.backend);
        assert!(crm.row("Before").await.crm_checked);
        let after = format!("After {}", t.backend);
        crm.deliver_raw(
            "INBOX",
            &plain("New Client <new@newco.example>", &me, &after),
        );
        crm.sync().await;
        let made: Vec<String> = crm.made().await.into_iter().map(|r| r.email).collect();
        assert_eq!(
            made,
            ["new@newco.example", "newco.example", "new@newco.example"]
        );
        assert_eq!(crm.links(&after).await.len(), 3);
        assert!(crm.links("Before").await.is_empty());
    }
}

#[tokio::test]
async fn links_off_manual_mode_and_a_downgrade_stop_new_links_and_keep_old_ones() {
    let s = stack();
    for t in common::databases().await {
        let user = mail_user("crmoffa");
        let me = format!("{user}@example.test");
        let st = state(t.db.clone(), &s);
        let crm = Crm::connect(&st, &s, &user, CrmMode::Automatic, ALL).await;
        let (db, ws) = (crm.db(), crm.workspace());
        let write =
            |from: &str, subject: &str| crm.deliver_raw("INBOX", &plain(from, &me, subject));
        write("Anna <anna@first.example>", "One");
        crm.sync().await;
        let old = crm.links("One").await;
        assert_eq!(old.len(), 3, "{}", t.backend);
        let before = counts(db, ws).await;

        for (step, mode) in [("manual", CrmMode::Manual), ("off", CrmMode::Off)] {
            crm.set(mode, ALL, true).await;
            write("Anna <anna@first.example>", &format!("Anna {step}"));
            write(
                &format!("Boris <boris@{step}.example>"),
                &format!("Boris {step}"),
            );
            crm.sync().await;
            for subject in [format!("Anna {step}"), format!("Boris {step}")] {
                assert!(
                    crm.links(&subject).await.is_empty(),
                    "{} {subject}",
                    t.backend
                );
                assert!(!crm.row(&subject).await.crm_checked, "left alone");
            }
            assert_eq!(counts(db, ws).await, before, "{step}: nothing made");
            assert_eq!(crm.links("One").await, old, "{step}: old links stay");
        }

        // Automatic again, old mail left as it is; then a downgrade.
        crm.set(CrmMode::Automatic, ALL, false).await;
        plan::set_plan(db, &crm.owner, Plan::Free).await.unwrap();
        write("Dana <dana@later.example>", "Dana");
        crm.sync().await;
        assert!(crm.links("Dana").await.is_empty(), "{}", t.backend);
        assert!(!crm.row("Dana").await.crm_checked);
        assert_eq!(counts(db, ws).await, before, "downgraded: nothing made");
        assert_eq!(crm.links("One").await, old, "downgraded: old links stay");
        assert!(matches!(
            auto::preview(db, &crm.owner, crm.id, ALL).await,
            Err(ServiceError::PlanLacks { .. })
        ));
        let view = mailboxes::details(db, &crm.owner, crm.id)
            .await
            .unwrap()
            .view;
        assert!(view.crm_suspended);
    }
}

#[tokio::test]
async fn a_sent_message_is_linked_as_soon_as_its_copy_is_in_sent() {
    use send_fixtures::{Smtp, email, recipient, sender};
    let s = stack();
    for t in common::databases().await {
        let snd = sender(&t.db, &s, "crmsend", Smtp::Direct).await;
        let rcpt = email(&recipient("crmrcpt"));
        let ws = snd.owner.workspace_id;
        let person = contact(snd.db(), ws, "Recipient", &rcpt, None).await;
        let mut chosen = mailboxes::details(snd.db(), &snd.owner, snd.id)
            .await
            .unwrap()
            .settings;
        chosen.crm_mode = CrmMode::Automatic;
        mailboxes::update_settings_applying(&snd.st, &snd.owner, snd.id, chosen, true)
            .await
            .unwrap();
        let worker = snd.worker();
        let id = snd
            .send_new(&rcpt, "Linked on send", "Hello from the CRM test.")
            .await;
        snd.wait_sent(&snd.owner, id).await;
        assert_eq!(snd.wait_sent_copy(id).await, "done", "{}", t.backend);
        let rows = snd.rows(&snd.message_id(id).await).await;
        assert_eq!(rows.len(), 1, "the copy in Sent, before any sync");
        assert_eq!(
            links_of(snd.db(), rows[0].id).await,
            [(CrmKind::Contact, person)].into(),
            "{}",
            t.backend
        );
        worker.shutdown().await;
    }
}
