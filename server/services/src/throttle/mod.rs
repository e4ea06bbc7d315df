//! Who may try again, and when: log-in, sign-up, the mailbox login check and mailbox
//! password changes are counted per client address and per account or user, with a few
//! attempts free and then a wait that doubles (README § Security).
//!
//! Log-in is never a hard lock by email alone: the count that blocks fastest is per
//! (account, address), so an attacker's address is slowed without touching the owner's.
//! A count per address slows one address trying many accounts. A count per account across
//! all addresses (generous) slows a botnet, and does not apply to an address the account
//! logged in from before. A check and its count happen under one lock, before the
//! password is verified, so parallel requests cannot slip past the count; a success then
//! gives its attempt back.
//!
//! In memory per process (like the old limiter): several replicas each count on their own.

mod backoff;
mod client;

pub use backoff::Policy;
pub use client::ClientAddress;

use crate::error::{ServiceError, ServiceResult};
use backoff::{BackoffMap, Key};
use std::{
    hash::{BuildHasher, RandomState},
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

/// The throttled actions besides log-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// A new workspace: per address.
    SignUp,
    /// The wizard's real IMAP + SMTP login (`check_mailbox`): per user and per address.
    MailboxCheck,
    /// A mailbox's new password, checked by a real login: per user and per address.
    PasswordChange,
}

/// Every policy and the table's size (README § Security has the defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allowances {
    pub login_per_address: Policy,
    pub login_per_account_and_address: Policy,
    pub login_per_account: Policy,
    /// How long an address that logged in to an account is exempt from the per-account count.
    pub known_address_for: Duration,
    pub sign_up_per_address: Policy,
    pub mailbox_check_per_user: Policy,
    pub mailbox_check_per_address: Policy,
    pub password_change_per_user: Policy,
    pub password_change_per_address: Policy,
    /// Entries kept at most (about 100 bytes each).
    pub capacity: usize,
}

const fn policy(free: u32, first_delay_secs: u64, max_delay_secs: u64, leak_secs: u64) -> Policy {
    Policy {
        free,
        first_delay: Duration::from_secs(first_delay_secs),
        max_delay: Duration::from_secs(max_delay_secs),
        leak: Duration::from_secs(leak_secs),
    }
}

impl Default for Allowances {
    fn default() -> Self {
        Allowances {
            // 20 failures, then 1 s, 2 s, … up to 15 min; one forgiven every 3 min.
            login_per_address: policy(20, 1, 15 * 60, 3 * 60),
            // 5 failures, then 15 s, 30 s, … up to 15 min; one forgiven every 12 min.
            login_per_account_and_address: policy(5, 15, 15 * 60, 12 * 60),
            // 50 failures from all addresses, then 5 s … 5 min; one forgiven a minute.
            login_per_account: policy(50, 5, 5 * 60, 60),
            known_address_for: Duration::from_secs(30 * 24 * 3600),
            sign_up_per_address: policy(5, 60, 3600, 12 * 60),
            mailbox_check_per_user: policy(10, 30, 15 * 60, 6 * 60),
            mailbox_check_per_address: policy(30, 30, 15 * 60, 2 * 60),
            password_change_per_user: policy(5, 60, 30 * 60, 12 * 60),
            password_change_per_address: policy(20, 30, 15 * 60, 3 * 60),
            capacity: 100_000,
        }
    }
}

impl Allowances {
    /// Every allowance `factor` times larger (`RATE_LIMIT_SCALE`).
    pub fn scaled(self, factor: u32) -> Allowances {
        Allowances {
            login_per_address: self.login_per_address.scaled(factor),
            login_per_account_and_address: self.login_per_account_and_address.scaled(factor),
            login_per_account: self.login_per_account.scaled(factor),
            known_address_for: self.known_address_for,
            sign_up_per_address: self.sign_up_per_address.scaled(factor),
            mailbox_check_per_user: self.mailbox_check_per_user.scaled(factor),
            mailbox_check_per_address: self.mailbox_check_per_address.scaled(factor),
            password_change_per_user: self.password_change_per_user.scaled(factor),
            password_change_per_address: self.password_change_per_address.scaled(factor),
            capacity: self.capacity,
        }
    }
}

/// What the keys count (hashed together with the email, user id or address).
#[derive(Clone, Copy)]
#[repr(u8)]
enum Counter {
    LoginAddress = 1,
    LoginAccountAddress,
    LoginAccount,
    KnownAddress,
    SignUpAddress,
    MailboxCheckUser,
    MailboxCheckAddress,
    PasswordChangeUser,
    PasswordChangeAddress,
}

/// A log-in attempt that was let through and counted as a failure until it succeeds.
#[derive(Debug)]
pub struct LoginAttempt {
    address: Key,
    account_address: Key,
    account: Key,
    known: Option<Key>,
}

pub struct Throttles {
    limits: Allowances,
    map: Mutex<BackoffMap>,
    /// Two independently seeded hashers: a 128-bit key no request can aim at.
    seeds: (RandomState, RandomState),
    clock: Mutex<Clock>,
}

/// The real clock, or for tests one that stands still until `advance_clock` moves it.
#[derive(Clone, Copy)]
struct Clock {
    frozen: Option<Instant>,
    skew: Duration,
}

impl std::fmt::Debug for Throttles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttles")
            .field("entries", &self.len())
            .finish_non_exhaustive()
    }
}

impl Default for Throttles {
    fn default() -> Self {
        Throttles::new(Allowances::default())
    }
}

impl Throttles {
    pub fn new(limits: Allowances) -> Throttles {
        Throttles {
            limits,
            map: Mutex::new(BackoffMap::new(limits.capacity)),
            seeds: (RandomState::new(), RandomState::new()),
            clock: Mutex::new(Clock {
                frozen: None,
                skew: Duration::ZERO,
            }),
        }
    }

    /// Time stands still for this table until `advance_clock` (tests: exact waits).
    pub fn with_frozen_clock(self) -> Throttles {
        self.clock().frozen = Some(Instant::now());
        self
    }

    pub fn limits(&self) -> &Allowances {
        &self.limits
    }

    /// Reserves one log-in attempt for `email` (already normalised) from `client`, or says
    /// how long to wait. The attempt counts as a failure until `login_succeeded`.
    pub fn begin_login(&self, email: &str, client: &ClientAddress) -> ServiceResult<LoginAttempt> {
        let l = &self.limits;
        let attempt = LoginAttempt {
            address: self.key(Counter::LoginAddress, b"", client),
            account_address: self.key(Counter::LoginAccountAddress, email.as_bytes(), client),
            account: self.key(
                Counter::LoginAccount,
                email.as_bytes(),
                &ClientAddress::Unknown,
            ),
            known: client
                .is_known()
                .then(|| self.key(Counter::KnownAddress, email.as_bytes(), client)),
        };
        let now = self.now();
        let mut map = self.map();
        let known = attempt.known.is_some_and(|k| map.marked(k, now));
        let wait = [
            map.blocked(attempt.address, now),
            map.blocked(attempt.account_address, now),
            if known {
                None
            } else {
                map.blocked(attempt.account, now)
            },
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(retry_after) = wait {
            return Err(ServiceError::Throttled { retry_after });
        }
        map.hit(attempt.address, &l.login_per_address, now);
        map.hit(
            attempt.account_address,
            &l.login_per_account_and_address,
            now,
        );
        map.hit(attempt.account, &l.login_per_account, now);
        Ok(attempt)
    }

    /// The password was right: the attempt is given back, the (account, address) count
    /// cleared, and the address remembered as one the account uses.
    pub fn login_succeeded(&self, attempt: LoginAttempt) {
        let l = &self.limits;
        let now = self.now();
        let mut map = self.map();
        map.remove(attempt.account_address);
        map.refund(attempt.address, &l.login_per_address, now);
        map.refund(attempt.account, &l.login_per_account, now);
        if let Some(known) = attempt.known {
            map.mark(known, l.known_address_for, now);
        }
    }

    /// Counts one `action` by `user` (when signed in) from `client`, or says how long to wait.
    pub fn attempt(
        &self,
        action: Action,
        user: Option<i64>,
        client: &ClientAddress,
    ) -> ServiceResult<()> {
        let l = &self.limits;
        let (per_user, per_address) = match action {
            Action::SignUp => (None, (Counter::SignUpAddress, &l.sign_up_per_address)),
            Action::MailboxCheck => (
                Some((Counter::MailboxCheckUser, &l.mailbox_check_per_user)),
                (Counter::MailboxCheckAddress, &l.mailbox_check_per_address),
            ),
            Action::PasswordChange => (
                Some((Counter::PasswordChangeUser, &l.password_change_per_user)),
                (
                    Counter::PasswordChangeAddress,
                    &l.password_change_per_address,
                ),
            ),
        };
        let mut counts = vec![(self.key(per_address.0, b"", client), per_address.1)];
        if let (Some((counter, policy)), Some(user)) = (per_user, user) {
            let id = user.to_be_bytes();
            counts.push((self.key(counter, &id, &ClientAddress::Unknown), policy));
        }
        let now = self.now();
        let mut map = self.map();
        if let Some(retry_after) = counts
            .iter()
            .filter_map(|(k, _)| map.blocked(*k, now))
            .max()
        {
            return Err(ServiceError::Throttled { retry_after });
        }
        for (key, policy) in counts {
            map.hit(key, policy, now);
        }
        Ok(())
    }

    /// Entries held now (bounded by `Allowances::capacity`).
    pub fn len(&self) -> usize {
        self.map().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops entries that no longer mean anything; returns how many.
    pub fn sweep(&self) -> usize {
        let now = self.now();
        self.map().sweep(now)
    }

    /// Sweeps every `every` for as long as the process runs.
    pub fn spawn_sweeper(self: Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let dropped = self.sweep();
                if dropped > 0 {
                    tracing::debug!(dropped, left = self.len(), "throttle entries swept");
                }
            }
        })
    }

    /// Moves this table's clock forward: tests let waits pass without sleeping.
    pub fn advance_clock(&self, by: Duration) {
        self.clock().skew += by;
    }

    fn clock(&self) -> std::sync::MutexGuard<'_, Clock> {
        self.clock.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> Instant {
        let clock = *self.clock();
        clock.frozen.unwrap_or_else(Instant::now) + clock.skew
    }

    fn map(&self) -> std::sync::MutexGuard<'_, BackoffMap> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn key(&self, counter: Counter, subject: &[u8], client: &ClientAddress) -> Key {
        let input = (counter as u8, subject, client.bucket());
        let high = self.seeds.0.hash_one(&input);
        let low = self.seeds.1.hash_one(&input);
        (u128::from(high) << 64) | u128::from(low)
    }
}
