use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// The workspace tariff (SPEC § Plans). It decides mailbox limits, shared access,
/// CRM links and how often each mailbox syncs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(
    feature = "db",
    derive(sea_orm::DeriveValueType),
    sea_orm(
        value_type = "String",
        from_str = "crate::stored::from_text",
        to_str = "crate::stored::to_text"
    )
)]
pub enum Plan {
    #[default]
    Free,
    Standard,
    Professional,
}

impl Plan {
    pub const ALL: [Plan; 3] = [Plan::Free, Plan::Standard, Plan::Professional];

    /// Mailboxes a user may have, own and shared together; `None` is unlimited.
    pub fn mailbox_limit(self) -> Option<u32> {
        match self {
            Plan::Free => Some(1),
            Plan::Standard => Some(3),
            Plan::Professional => None,
        }
    }

    /// Minutes between scheduled syncs of one mailbox.
    pub fn sync_interval_minutes(self) -> u32 {
        match self {
            Plan::Free => 60,
            Plan::Standard => 10,
            Plan::Professional => 5,
        }
    }

    pub fn allows_shared_access(self) -> bool {
        self != Plan::Free
    }

    pub fn allows_crm_links(self) -> bool {
        self != Plan::Free
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Standard => "standard",
            Plan::Professional => "professional",
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Plan {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Plan::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown plan {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_follow_the_spec_table() {
        assert_eq!(Plan::Free.mailbox_limit(), Some(1));
        assert_eq!(Plan::Standard.mailbox_limit(), Some(3));
        assert_eq!(Plan::Professional.mailbox_limit(), None);
        assert_eq!(Plan::ALL.map(Plan::sync_interval_minutes), [60, 10, 5]);
        assert!(!Plan::Free.allows_shared_access() && Plan::Standard.allows_crm_links());
    }

    #[test]
    fn round_trips_through_its_name() {
        for plan in Plan::ALL {
            assert_eq!(plan.as_str().parse::<Plan>(), Ok(plan));
        }
        assert!("gold".parse::<Plan>().is_err());
    }
}
