use crate::{Provider, ServerAddress};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "db", derive(sea_orm::DeriveValueType), sea_orm(value_type = "String", from_str = "crate::stored::from_text", to_str = "crate::stored::to_text"))]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(concat!("unknown ", stringify!($name), " {:?}"), other)),
                }
            }
        }
    };
}

string_enum!(
    /// Who may use a mailbox besides its owner.
    Access { Personal => "personal", Shared => "shared" }
);

string_enum!(
    /// Email ↔ CRM links (SPEC § Email ↔ CRM links).
    CrmMode { Off => "off", Manual => "manual", Automatic => "automatic" }
);

string_enum!(
    /// How far back the sync fetches mail.
    SyncPeriod { Week => "7d", Month => "1m", Quarter => "3m", Year => "1y" }
);

string_enum!(
    /// Where a mailbox stands with the sync.
    MailboxStatus { WaitingFirstSync => "waiting_first_sync", Syncing => "syncing", Ready => "ready", NeedsReconnect => "needs_reconnect", Failing => "failing" }
);

string_enum!(
    /// How the app logs in to a mailbox's servers: a stored (app) password, or an OAuth2
    /// grant (Microsoft 365, Google) whose access tokens go over SASL XOAUTH2.
    AuthMethod { Password => "password", OAuth2 => "oauth2" }
);

string_enum!(
    /// Where one folder's sync stands: headers first, then bodies.
    SyncPhase { Headers => "headers", Bodies => "bodies", Done => "done" }
);

impl SyncPeriod {
    pub fn days(self) -> u32 {
        match self {
            SyncPeriod::Week => 7,
            SyncPeriod::Month => 31,
            SyncPeriod::Quarter => 92,
            SyncPeriod::Year => 366,
        }
    }
}

/// Which new CRM records automatic mode creates from mail of unknown addresses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "db",
    derive(sea_orm::DeriveValueType),
    sea_orm(
        value_type = "String",
        from_str = "crate::stored::from_json",
        to_str = "crate::stored::to_json"
    )
)]
pub struct CrmCreate {
    pub leads_from_incoming: bool,
    pub contacts_from_incoming: bool,
    pub leads_from_outgoing: bool,
    pub contacts_from_outgoing: bool,
}

/// The sync settings of step C of the wizard, and of a mailbox's Settings page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxSettings {
    pub sender_name: String,
    pub mailbox_name: String,
    pub access: Access,
    /// Workspace users granted a shared mailbox (ignored when personal).
    pub grantees: Vec<i64>,
    pub crm_mode: CrmMode,
    pub crm_create: CrmCreate,
    pub period: SyncPeriod,
    /// Raw IMAP names of the folders to sync.
    pub folders: Vec<String>,
}

/// A folder as the wizard and Settings show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderChoice {
    pub name: String,
    pub display_name: String,
    pub depth: usize,
    pub special_use: Option<String>,
    pub selected: bool,
}

/// A mailbox in Connected accounts, as the signed-in user may see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub provider: Provider,
    pub access: Access,
    /// Shared on a plan that no longer allows it: kept, but only the owner sees it.
    pub shared_suspended: bool,
    /// CRM links set on a plan that no longer allows them: kept, but off.
    pub crm_suspended: bool,
    pub owner_name: String,
    pub is_owner: bool,
    pub status: MailboxStatus,
    /// Password or OAuth2: what **Reconnect** means for this mailbox.
    pub auth: AuthMethod,
    pub last_sync_at: Option<crate::Timestamp>,
    pub next_sync_at: Option<crate::Timestamp>,
}

/// A mailbox's full settings, for its owner's Settings page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxDetails {
    pub view: MailboxView,
    pub settings: MailboxSettings,
    pub imap: ServerAddress,
    pub smtp: ServerAddress,
    pub folders: Vec<FolderChoice>,
}

/// A verified connection waiting for step C of the wizard: no secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftView {
    pub provider: Provider,
    pub email: String,
    pub folders: Vec<FolderChoice>,
}
