//! The throttle table on its own: bounded memory under floods of unique keys, and the
//! per-user and per-address counts of sign-up, the mailbox login check and password
//! changes. Time is the table's own clock, moved by the test: nothing sleeps.

use services::{
    ServiceError,
    throttle::{Action, Allowances, ClientAddress, Throttles},
};
use std::{net::IpAddr, time::Duration};

fn ip(s: &str) -> ClientAddress {
    ClientAddress::Ip(s.parse().unwrap())
}

fn nth_address(n: u32) -> ClientAddress {
    ClientAddress::Ip(IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000u32 + n)))
}

fn wait_of(r: Result<impl std::fmt::Debug, ServiceError>) -> u64 {
    match r {
        Err(ServiceError::Throttled { retry_after }) => retry_after.as_secs(),
        other => panic!("not throttled: {other:?}"),
    }
}

#[test]
fn ten_thousand_unique_emails_from_one_address_keep_41_entries() {
    let throttles = Throttles::default().with_frozen_clock();
    let from = ip("203.0.113.7");
    let mut let_through = 0;
    for n in 0..10_000 {
        match throttles.begin_login(&format!("user{n}@example.com"), &from) {
            Ok(_) => let_through += 1,
            Err(ServiceError::Throttled { .. }) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    // 20 failures free per address; each counted one holds a per-(account, address) and
    // a per-account entry, plus the one per-address entry. Refused tries add nothing.
    assert_eq!(let_through, 20);
    assert_eq!(throttles.len(), 41);
}

#[test]
fn ten_thousand_addresses_never_grow_the_table_past_its_capacity() {
    let limits = Allowances {
        capacity: 1000,
        ..Allowances::default()
    };
    let throttles = Throttles::new(limits).with_frozen_clock();
    // A victim's long back-off, built before the flood.
    let attacker = ip("198.51.100.66");
    for _ in 0..5 {
        throttles
            .begin_login("victim@example.com", &attacker)
            .unwrap();
    }
    let mut most = 0;
    for n in 0..10_000 {
        throttles
            .begin_login(&format!("user{n}@example.com"), &nth_address(n))
            .unwrap();
        most = most.max(throttles.len());
    }
    assert!(most <= 1000, "table grew to {most}");
    // The flood pushed out its own short-lived entries, not the victim's back-off.
    assert_eq!(
        wait_of(throttles.begin_login("victim@example.com", &attacker)),
        15
    );
}

#[test]
fn expired_entries_are_swept() {
    let throttles = Throttles::default().with_frozen_clock();
    for n in 0..100 {
        throttles
            .begin_login(&format!("u{n}@example.com"), &nth_address(n))
            .unwrap();
    }
    assert_eq!(throttles.len(), 300);
    assert_eq!(throttles.sweep(), 0);
    // One failure is forgiven after 12 minutes at most (per pair), 3 (per address).
    throttles.advance_clock(Duration::from_secs(12 * 60));
    assert_eq!(throttles.sweep(), 300);
    assert!(throttles.is_empty());
}

#[test]
fn sign_ups_are_throttled_per_address_with_a_growing_wait() {
    let throttles = Throttles::default().with_frozen_clock();
    let from = ip("203.0.113.20");
    for _ in 0..5 {
        throttles.attempt(Action::SignUp, None, &from).unwrap();
    }
    assert_eq!(wait_of(throttles.attempt(Action::SignUp, None, &from)), 60);
    throttles
        .attempt(Action::SignUp, None, &ip("198.51.100.20"))
        .unwrap();
    throttles.advance_clock(Duration::from_secs(60));
    throttles.attempt(Action::SignUp, None, &from).unwrap();
    assert_eq!(wait_of(throttles.attempt(Action::SignUp, None, &from)), 120);
}

#[test]
fn mailbox_checks_are_throttled_per_user_and_per_address() {
    let throttles = Throttles::default().with_frozen_clock();
    let office = ip("203.0.113.30");
    for _ in 0..10 {
        throttles
            .attempt(Action::MailboxCheck, Some(1), &office)
            .unwrap();
    }
    // The user waits, wherever they come from…
    assert_eq!(
        wait_of(throttles.attempt(Action::MailboxCheck, Some(1), &office)),
        30
    );
    assert_eq!(
        wait_of(throttles.attempt(Action::MailboxCheck, Some(1), &ip("198.51.100.30"))),
        30
    );
    // …a colleague at the same address does not, until the address has made 30 checks.
    for user in 2..=21 {
        throttles
            .attempt(Action::MailboxCheck, Some(user), &office)
            .unwrap();
    }
    assert_eq!(
        wait_of(throttles.attempt(Action::MailboxCheck, Some(99), &office)),
        30
    );
    throttles
        .attempt(Action::MailboxCheck, Some(99), &ip("198.51.100.31"))
        .unwrap();
    // The other actions keep their own counts.
    throttles
        .attempt(Action::PasswordChange, Some(1), &office)
        .unwrap();
}

#[test]
fn password_changes_are_throttled_per_user_and_per_address() {
    let throttles = Throttles::default().with_frozen_clock();
    let from = ip("203.0.113.40");
    for _ in 0..5 {
        throttles
            .attempt(Action::PasswordChange, Some(7), &from)
            .unwrap();
    }
    assert_eq!(
        wait_of(throttles.attempt(Action::PasswordChange, Some(7), &from)),
        60
    );
    for user in 8..23 {
        throttles
            .attempt(Action::PasswordChange, Some(user), &from)
            .unwrap();
    }
    assert_eq!(
        wait_of(throttles.attempt(Action::PasswordChange, Some(50), &from)),
        30
    );
    throttles.advance_clock(Duration::from_secs(60));
    throttles
        .attempt(Action::PasswordChange, Some(7), &ip("198.51.100.40"))
        .unwrap();
}

#[test]
fn the_scale_multiplies_every_allowance() {
    let throttles = Throttles::new(Allowances::default().scaled(10)).with_frozen_clock();
    let from = ip("203.0.113.50");
    for _ in 0..50 {
        throttles.attempt(Action::SignUp, None, &from).unwrap();
    }
    assert_eq!(wait_of(throttles.attempt(Action::SignUp, None, &from)), 60);
}
