//! Logging in against real SQLite and PostgreSQL: the password check, the attempt limits
//! (per account and address, per address, per account) and the bounds on input size.

use crate::common;

use common::account_fixtures::sign_up;
use domain::Language;
use sea_orm::DatabaseConnection;
use services::{
    ServiceError,
    accounts::{self, SignUp},
    throttle::{ClientAddress, Throttles},
};
use std::{sync::Arc, time::Duration};

#[tokio::test]
async fn log_in_checks_the_password_and_limits_attempts() {
    for t in common::databases().await {
        sign_up(&t.db, "login@example.com").await;
        let throttles = Throttles::default().with_frozen_clock();
        let here = ip("203.0.113.7");
        let ok = accounts::log_in(
            &t.db,
            &throttles,
            &here,
            " LOGIN@example.com ",
            "correct horse",
        )
        .await;
        assert!(ok.is_ok(), "{}", t.backend);
        let wrong = accounts::log_in(&t.db, &throttles, &here, "login@example.com", "wrong").await;
        assert!(matches!(wrong, Err(ServiceError::WrongCredentials)));
        let unknown =
            accounts::log_in(&t.db, &throttles, &here, "ghost@example.com", "whatever").await;
        assert!(matches!(unknown, Err(ServiceError::WrongCredentials)));
        // Five failures for one account from one address, then that pair waits.
        for _ in 0..4 {
            let _ = accounts::log_in(&t.db, &throttles, &here, "login@example.com", "wrong").await;
        }
        let limited = accounts::log_in(
            &t.db,
            &throttles,
            &here,
            "login@example.com",
            "correct horse",
        )
        .await;
        assert!(
            matches!(limited, Err(ServiceError::Throttled { retry_after }) if retry_after == Duration::from_secs(15)),
            "{}: {limited:?}",
            t.backend
        );
    }
}

fn ip(s: &str) -> ClientAddress {
    ClientAddress::Ip(s.parse().unwrap())
}

async fn try_log_in(
    db: &DatabaseConnection,
    throttles: &Throttles,
    from: &ClientAddress,
    email: &str,
    password: &str,
) -> Result<(), ServiceError> {
    accounts::log_in(db, throttles, from, email, password)
        .await
        .map(|_| ())
}

/// The old limiter locked an account for everyone after five wrong passwords from anyone.
#[tokio::test]
async fn an_attacker_cannot_lock_the_owner_out() {
    for t in common::databases().await {
        sign_up(&t.db, "owner@example.com").await;
        let throttles = Throttles::default().with_frozen_clock();
        let (attacker, owner) = (ip("203.0.113.7"), ip("198.51.100.2"));
        for _ in 0..5 {
            let r = try_log_in(&t.db, &throttles, &attacker, "owner@example.com", "guess").await;
            assert!(matches!(r, Err(ServiceError::WrongCredentials)), "{r:?}");
        }
        // The attacker's address waits, even with the right password…
        let r = try_log_in(
            &t.db,
            &throttles,
            &attacker,
            "owner@example.com",
            "correct horse",
        )
        .await;
        assert!(
            matches!(r, Err(ServiceError::Throttled { .. })),
            "{}: {r:?}",
            t.backend
        );
        // …while the owner, from their own address, logs in at once.
        try_log_in(
            &t.db,
            &throttles,
            &owner,
            "owner@example.com",
            "correct horse",
        )
        .await
        .unwrap_or_else(|e| panic!("{}: owner locked out: {e:?}", t.backend));
        // The same IPv6 /64 is one address: rotating inside it does not help.
        let v6 = |n: u16| ip(&format!("2001:db8:7:7::{n:x}"));
        for n in 0..5 {
            let _ = try_log_in(&t.db, &throttles, &v6(n), "owner@example.com", "guess").await;
        }
        let r = try_log_in(&t.db, &throttles, &v6(99), "owner@example.com", "guess").await;
        assert!(matches!(r, Err(ServiceError::Throttled { .. })), "{r:?}");
    }
}

#[tokio::test]
async fn the_wait_doubles_with_every_further_failure() {
    for t in common::databases().await {
        sign_up(&t.db, "slow@example.com").await;
        let throttles = Throttles::default().with_frozen_clock();
        let attacker = ip("203.0.113.8");
        for _ in 0..5 {
            let _ = try_log_in(&t.db, &throttles, &attacker, "slow@example.com", "guess").await;
        }
        let mut waits = Vec::new();
        for _ in 0..4 {
            let Err(ServiceError::Throttled { retry_after }) =
                try_log_in(&t.db, &throttles, &attacker, "slow@example.com", "guess").await
            else {
                panic!("{}: not throttled", t.backend);
            };
            waits.push(retry_after.as_secs());
            // The wait passes (the table's clock moves, nothing sleeps); one more failure.
            throttles.advance_clock(retry_after);
            let r = try_log_in(&t.db, &throttles, &attacker, "slow@example.com", "guess").await;
            assert!(matches!(r, Err(ServiceError::WrongCredentials)), "{r:?}");
        }
        assert_eq!(waits, [15, 30, 60, 120], "{}", t.backend);
        // Quiet time forgives: after a day the pair starts again with its free attempts.
        throttles.advance_clock(Duration::from_secs(24 * 3600));
        try_log_in(
            &t.db,
            &throttles,
            &attacker,
            "slow@example.com",
            "correct horse",
        )
        .await
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_cannot_slip_past_the_count() {
    for t in common::databases().await {
        sign_up(&t.db, "burst@example.com").await;
        let throttles = Arc::new(Throttles::default().with_frozen_clock());
        let attacker = ip("203.0.113.9");
        let tries = (0..20).map(|_| {
            let (db, throttles) = (t.db.clone(), Arc::clone(&throttles));
            tokio::spawn(async move {
                try_log_in(&db, &throttles, &attacker, "burst@example.com", "guess").await
            })
        });
        let mut wrong = 0;
        let mut throttled = 0;
        for r in futures_util::future::join_all(tries).await {
            match r.unwrap() {
                Err(ServiceError::WrongCredentials) => wrong += 1,
                Err(ServiceError::Throttled { .. }) => throttled += 1,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!((wrong, throttled), (5, 15), "{}", t.backend);
    }
}

#[tokio::test]
async fn one_address_trying_many_accounts_is_slowed_and_others_are_not() {
    for t in common::databases().await {
        sign_up(&t.db, "real@example.com").await;
        let throttles = Throttles::default().with_frozen_clock();
        let sprayer = ip("203.0.113.10");
        // 20 failures from one address over 20 accounts (one each: no pair reaches 5).
        for n in 0..20 {
            let r = try_log_in(
                &t.db,
                &throttles,
                &sprayer,
                &format!("u{n}@example.com"),
                "guess",
            )
            .await;
            assert!(
                matches!(r, Err(ServiceError::WrongCredentials)),
                "{n}: {r:?}"
            );
        }
        let r = try_log_in(
            &t.db,
            &throttles,
            &sprayer,
            "real@example.com",
            "correct horse",
        )
        .await;
        assert!(
            matches!(r, Err(ServiceError::Throttled { .. })),
            "{}: {r:?}",
            t.backend
        );
        try_log_in(
            &t.db,
            &throttles,
            &ip("198.51.100.3"),
            "real@example.com",
            "correct horse",
        )
        .await
        .unwrap();
    }
}

/// Many addresses against one account (a botnet): after 50 failures the account is slowed
/// for new addresses, never for one it logged in from before.
#[tokio::test]
async fn a_botnet_is_slowed_and_the_owners_usual_address_is_not() {
    for t in common::databases().await {
        sign_up(&t.db, "target@example.com").await;
        let throttles = Throttles::default().with_frozen_clock();
        let home = ip("198.51.100.4");
        try_log_in(
            &t.db,
            &throttles,
            &home,
            "target@example.com",
            "correct horse",
        )
        .await
        .unwrap();
        for n in 0..50u8 {
            let bot = ip(&format!("192.0.2.{n}"));
            let r = try_log_in(&t.db, &throttles, &bot, "target@example.com", "guess").await;
            assert!(
                matches!(r, Err(ServiceError::WrongCredentials)),
                "{n}: {r:?}"
            );
        }
        let r = try_log_in(
            &t.db,
            &throttles,
            &ip("192.0.2.200"),
            "target@example.com",
            "guess",
        )
        .await;
        assert!(
            matches!(r, Err(ServiceError::Throttled { .. })),
            "{}: {r:?}",
            t.backend
        );
        try_log_in(
            &t.db,
            &throttles,
            &home,
            "target@example.com",
            "correct horse",
        )
        .await
        .unwrap_or_else(|e| panic!("{}: owner's usual address refused: {e:?}", t.backend));
    }
}

#[tokio::test]
async fn a_right_password_gives_its_attempts_back() {
    for t in common::databases().await {
        sign_up(&t.db, "typo@example.com").await;
        let throttles = Throttles::default().with_frozen_clock();
        let here = ip("198.51.100.5");
        for _ in 0..3 {
            for _ in 0..4 {
                let r = try_log_in(&t.db, &throttles, &here, "typo@example.com", "typo").await;
                assert!(matches!(r, Err(ServiceError::WrongCredentials)), "{r:?}");
            }
            try_log_in(
                &t.db,
                &throttles,
                &here,
                "typo@example.com",
                "correct horse",
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e:?}", t.backend));
        }
    }
}

#[tokio::test]
async fn oversize_input_is_refused_before_anything_is_kept() {
    for t in common::databases().await {
        let throttles = Throttles::default().with_frozen_clock();
        let here = ip("198.51.100.6");
        let huge = format!("{}@example.com", "a".repeat(2_000_000));
        let r = try_log_in(&t.db, &throttles, &here, &huge, "pw").await;
        assert!(
            matches!(
                r,
                Err(ServiceError::Invalid {
                    field: "email",
                    reason: "too_long"
                })
            ),
            "{r:?}"
        );
        let r = try_log_in(&t.db, &throttles, &here, "a@example.com", &"p".repeat(1025)).await;
        assert!(
            matches!(
                r,
                Err(ServiceError::Invalid {
                    field: "password",
                    reason: "too_long"
                })
            ),
            "{r:?}"
        );
        assert!(throttles.is_empty(), "refused input left throttle entries");
        let res = accounts::sign_up(
            &t.db,
            SignUp {
                workspace_name: "W".repeat(121),
                name: "N".into(),
                email: "w@example.com".into(),
                password: "long enough".into(),
                language: Language::En,
            },
        )
        .await;
        assert!(
            matches!(
                res,
                Err(ServiceError::Invalid {
                    field: "workspace_name",
                    reason: "too_long"
                })
            ),
            "{}: {res:?}",
            t.backend
        );
    }
}
