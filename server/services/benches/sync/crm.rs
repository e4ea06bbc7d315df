//! The issue 12 figure: what automatic CRM links add to the initial sync of a 10,000-
//! message INBOX, against the same sync with links off, in the same run. Each round syncs
//! twice, each time in a fresh process and a fresh SQLite (WAL): links off, and automatic
//! mode with every creation rule on (Standard plan, set before the first sync, so the sync
//! itself runs the rules, as a mailbox connected in automatic mode would). The order of
//! the two alternates between rounds. The links-off child also times the rules alone over
//! the mail it synced (turned on, applied to synced mail: `crm::auto::link_pending`).

use super::{
    child,
    common::mail_stack::stack,
    get,
    initial::{Fresh, LIMIT},
    list, median, runtime,
};
use domain::{CrmCreate, CrmMode, Plan};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use services::{
    crm::auto,
    entities::{crm_company, crm_contact, crm_deal, crm_link, message},
    mailboxes, plan,
    sync::schedule::Outcome,
};
use std::time::Instant;

const ALL: CrmCreate = CrmCreate {
    leads_from_incoming: true,
    contacts_from_incoming: true,
    leads_from_outgoing: true,
    contacts_from_outgoing: true,
};

/// `reps` rounds of the initial sync with links off and in automatic mode; medians, ratio.
pub fn crm(user: &str, reps: usize) {
    println!(
        "CRM. Initial sync of {user}'s INBOX (period 1y), links off vs automatic (every creation rule on), {reps} rounds, each sync a fresh process and SQLite"
    );
    let (mut off, mut on, mut alone) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=reps {
        let order: [&str; 2] = if round % 2 == 1 {
            ["off", "automatic"]
        } else {
            ["automatic", "off"]
        };
        for mode in order {
            let _ = std::process::Command::new("sync").status();
            let o = child(&["crm-once", user, mode], LIMIT);
            assert_eq!(
                o.get("outcome").map(String::as_str),
                Some("synced"),
                "{o:?}"
            );
            let secs: f64 = get(&o, "seconds");
            println!(
                "   round {round} {mode:<9}: {secs:.2} s  ({} rows, {} links, {} contacts, {} companies, {} leads; rules alone {:.2} s)",
                get::<u64>(&o, "rows"),
                get::<u64>(&o, "links"),
                get::<u64>(&o, "contacts"),
                get::<u64>(&o, "companies"),
                get::<u64>(&o, "leads"),
                get::<f64>(&o, "rules_seconds"),
            );
            if mode == "off" {
                off.push(secs);
                alone.push(get(&o, "rules_seconds"));
            } else {
                on.push(secs);
            }
        }
    }
    let (m_off, m_on) = (median(&off), median(&on));
    println!("   medians:");
    println!("   {:<58}{m_off:>6.2} s   [{}]", "links off", list(&off, 2));
    println!(
        "   {:<58}{m_on:>6.2} s   [{}]",
        "automatic, every creation rule",
        list(&on, 2)
    );
    println!(
        "   automatic / off = {:.3}  (extra {:.2} s, {:+.1} %)",
        m_on / m_off,
        m_on - m_off,
        (m_on / m_off - 1.0) * 100.0
    );
    println!(
        "   {:<58}{:>6.2} s   [{}]",
        "the rules alone over the synced mail (link_pending)",
        median(&alone),
        list(&alone, 2)
    );
}

/// Child: one first sync of `user`'s INBOX into a fresh SQLite, links `off` or
/// `automatic`; prints its time and what the rules made. With links off, then the rules
/// alone over that mail, timed.
pub fn crm_once(user: &str, mode: &str) {
    let s = stack();
    runtime().block_on(async {
        let fresh = Fresh::connect(&s, user, &["INBOX"], "crm").await;
        let (db, id) = (&fresh.st.db, fresh.mailbox_id);
        plan::set_plan(db, &fresh.owner, Plan::Standard)
            .await
            .expect("plan");
        let automatic = |apply| {
            let fresh = &fresh;
            async move {
                let mut chosen = mailboxes::details(&fresh.st.db, &fresh.owner, fresh.mailbox_id)
                    .await
                    .expect("details")
                    .settings;
                chosen.crm_mode = CrmMode::Automatic;
                chosen.crm_create = ALL;
                mailboxes::update_settings_applying(
                    &fresh.st,
                    &fresh.owner,
                    fresh.mailbox_id,
                    chosen,
                    apply,
                )
                .await
                .expect("settings");
            }
        };
        if mode == "automatic" {
            automatic(true).await;
        }
        let engine = fresh.engine();
        let t0 = Instant::now();
        let outcome = engine.sync_mailbox(id).await;
        let seconds = t0.elapsed().as_secs_f64();
        let mut rules_seconds = 0.0;
        if mode == "off" {
            // Turned on answering "no" (nothing runs in the request), then everything again.
            automatic(false).await;
            auto::mark_synced(db, id, true).await.expect("unchecked");
            let t1 = Instant::now();
            auto::link_pending(db, id).await.expect("rules");
            rules_seconds = t1.elapsed().as_secs_f64();
        }
        let count = |n: Result<u64, sea_orm::DbErr>| n.expect("count");
        let rows = count(
            message::Entity::find()
                .filter(message::Column::MailboxId.eq(id))
                .count(db)
                .await,
        );
        let links = count(crm_link::Entity::find().count(db).await);
        let contacts = count(crm_contact::Entity::find().count(db).await);
        let companies = count(crm_company::Entity::find().count(db).await);
        let leads = count(crm_deal::Entity::find().count(db).await);
        let outcome = match outcome {
            Outcome::Synced => "synced".to_owned(),
            other => format!("{other:?}").replace(' ', "_"),
        };
        fresh.remove().await;
        println!(
            "seconds={seconds:.3} outcome={outcome} rows={rows} links={links} contacts={contacts} \
             companies={companies} leads={leads} rules_seconds={rules_seconds:.3}"
        );
    });
}
