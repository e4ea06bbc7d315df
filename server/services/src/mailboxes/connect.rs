//! The wizard's two server-side steps: the login check (steps A–B) and **Connect** (C).

use super::{draft, plan_limits};
use crate::{
    accounts::Actor,
    entities::{mailbox, mailbox_folder, mailbox_grant, user, workspace},
    error::{ServiceError, ServiceResult},
    mail::{
        discovery,
        login::{self, CheckOptions, Login},
    },
    state::AppState,
    validate,
};
use domain::{
    Access, AuthMethod, ConnectFailure, CrmMode, MailboxSettings, MailboxStatus, Plan, Provider,
    ServerAddress,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

/// Steps A and B of the wizard: what the user typed. Empty servers take the provider's
/// preset; an SMTP login left empty is the same as the IMAP one.
pub struct ConnectRequest {
    pub provider: Provider,
    pub email: String,
    pub password: String,
    pub imap: Option<ServerAddress>,
    pub smtp: Option<ServerAddress>,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
}

/// Logs in to IMAP and SMTP for real and lists the folders. Nothing about the mailbox is
/// stored unless both succeed; then a draft (sealed secrets, one hour) holds it for step C.
pub async fn check_and_draft(
    state: &AppState,
    actor: &Actor,
    req: ConnectRequest,
) -> ServiceResult<String> {
    let req = validate_request(req)?;
    let email = req.email.clone();
    let plan = plan_of(&state.db, actor.workspace_id).await?;
    plan_limits::ensure_room(&state.db, actor.user_id, plan).await?;
    ensure_not_connected(&state.db, actor.user_id, &email).await?;
    let (imap, smtp) = servers(state, &email, &req).await?;
    let smtp_password = req.smtp_password.unwrap_or_else(|| req.password.clone());
    let imap_login = Login::new(email.clone(), req.password.clone());
    let smtp_username = req.smtp_username.unwrap_or_else(|| email.clone());
    let smtp_login = Login::new(smtp_username.clone(), smtp_password.clone());
    let options = CheckOptions {
        trust: state.mail_trust.clone(),
        timeout: state.connect_timeout,
    };
    let folders = login::check_both(&imap, &imap_login, &smtp, &smtp_login, &options)
        .await
        .map_err(ServiceError::Connect)?;
    let key = &state.master_key;
    let sealed = |p: &str| key.seal(p).map_err(ServiceError::Internal);
    let draft = draft::Draft {
        provider: req.provider,
        email: email.clone(),
        imap_secret: sealed(&req.password)?,
        smtp_secret: sealed(&smtp_password)?,
        imap_username: email.clone(),
        smtp_username,
        imap,
        smtp,
        folders,
        grant: None,
    };
    draft::save(&state.db, actor, &draft).await
}

/// Every field bounded before anything is looked up, stored or sent to a server.
fn validate_request(req: ConnectRequest) -> ServiceResult<ConnectRequest> {
    validate::password("password", &req.password)?;
    Ok(ConnectRequest {
        email: validate::email(&req.email)?,
        imap: req
            .imap
            .map(|s| validate::server("imap_host", "imap_port", s))
            .transpose()?,
        smtp: req
            .smtp
            .map(|s| validate::server("smtp_host", "smtp_port", s))
            .transpose()?,
        smtp_username: validate::optional_username("smtp_username", req.smtp_username)?,
        smtp_password: validate::optional_password("smtp_password", req.smtp_password)?,
        ..req
    })
}

/// The servers to check: as typed, else the provider's preset, else discovered for the
/// domain and handed back for the user to confirm (the wizard's step B).
async fn servers(
    state: &AppState,
    email: &str,
    req: &ConnectRequest,
) -> ServiceResult<(ServerAddress, ServerAddress)> {
    let imap = req.imap.clone().or_else(|| req.provider.imap_preset());
    let smtp = req.smtp.clone().or_else(|| req.provider.smtp_preset());
    if let (Some(imap), Some(smtp)) = (&imap, &smtp) {
        return Ok((imap.clone(), smtp.clone()));
    }
    let found = discovery::discover(email, &state.discovery)
        .await
        .ok_or(ServiceError::ServersNeeded)?;
    Err(ServiceError::ConfirmServers {
        email: email.to_owned(),
        imap: imap.unwrap_or(found.imap),
        smtp: smtp.unwrap_or(found.smtp),
    })
}

/// Step C: stores the mailbox with its settings, folders and grants, waiting for its first sync.
pub async fn connect(
    state: &AppState,
    actor: &Actor,
    draft_id: &str,
    settings: MailboxSettings,
) -> ServiceResult<i64> {
    let draft_id = validate::draft_id(draft_id)?;
    validate::folders(&settings.folders)?;
    validate::grantees(&settings.grantees)?;
    let draft = draft::load(&state.db, actor, draft_id).await?;
    let plan = plan_of(&state.db, actor.workspace_id).await?;
    let settings = validate_settings(&state.db, actor, plan, settings, None).await?;
    let id =
        crate::db::retry_busy(|| store_mailbox(state, actor, draft_id, &draft, &settings, plan))
            .await?;
    tracing::info!(mailbox = id, owner = actor.user_id, "mailbox connected");
    // The first sync starts right away.
    state.sync_waker.wake();
    Ok(id)
}

/// The mailbox, its folders and grants in one transaction. It first locks the rows of the
/// owner and of every new grantee (`plan_limits::lock_users`), then checks the plan's limits:
/// connects racing for one user's last place run one after the other, and only the first
/// fits.
async fn store_mailbox(
    state: &AppState,
    actor: &Actor,
    draft_id: &str,
    draft: &draft::Draft,
    settings: &MailboxSettings,
    plan: Plan,
) -> ServiceResult<i64> {
    let txn = plan_limits::begin_write(&state.db).await?;
    let mut users = settings.grantees.clone();
    users.push(actor.user_id);
    plan_limits::lock_users(&txn, users).await?;
    plan_limits::ensure_room(&txn, actor.user_id, plan).await?;
    ensure_not_connected(&txn, actor.user_id, &draft.email).await?;
    let now = chrono::Utc::now();
    let row = mailbox::ActiveModel {
        workspace_id: Set(actor.workspace_id),
        owner_id: Set(actor.user_id),
        provider: Set(draft.provider),
        email: Set(draft.email.clone()),
        mailbox_name: Set(settings.mailbox_name.clone()),
        sender_name: Set(settings.sender_name.clone()),
        imap_host: Set(draft.imap.host.clone()),
        imap_port: Set(i32::from(draft.imap.port)),
        imap_security: Set(draft.imap.security),
        smtp_host: Set(draft.smtp.host.clone()),
        smtp_port: Set(i32::from(draft.smtp.port)),
        smtp_security: Set(draft.smtp.security),
        imap_username: Set(draft.imap_username.clone()),
        auth: Set(if draft.grant.is_some() {
            AuthMethod::OAuth2
        } else {
            AuthMethod::Password
        }),
        imap_secret: Set(draft.imap_secret.clone()),
        smtp_username: Set(draft.smtp_username.clone()),
        smtp_secret: Set(draft.smtp_secret.clone()),
        access: Set(settings.access),
        crm_mode: Set(settings.crm_mode),
        crm_create: Set(settings.crm_create),
        period: Set(settings.period),
        status: Set(MailboxStatus::WaitingFirstSync),
        last_sync_at: Set(None),
        next_sync_at: Set(Some(now)),
        created_at: Set(now),
        lease_owner: Set(None),
        lease_until: Set(None),
        sync_failures: Set(0),
        last_error: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => ServiceError::AlreadyConnected,
        _ => ServiceError::Storage(e),
    })?;
    for folder in &draft.folders {
        mailbox_folder::ActiveModel {
            mailbox_id: Set(row.id),
            name: Set(folder.name.clone()),
            display_name: Set(folder.display_name.clone()),
            depth: Set(i32::try_from(folder.depth).unwrap_or(i32::MAX)),
            special_use: Set(folder.special_use.map(|s| s.as_str().to_owned())),
            selected: Set(settings.folders.contains(&folder.name)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    write_grants(&txn, row.id, plan, settings).await?;
    if let Some(grant) = &draft.grant {
        crate::oauth::tokens::store(&txn, row.id, grant.provider, &grant.tokens).await?;
    }
    draft::delete(&txn, draft_id).await?;
    txn.commit().await?;
    Ok(row.id)
}

pub(super) async fn plan_of(db: &impl ConnectionTrait, workspace_id: i64) -> ServiceResult<Plan> {
    Ok(workspace::Entity::find_by_id(workspace_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?
        .plan())
}

pub(super) async fn ensure_not_connected(
    db: &impl ConnectionTrait,
    user_id: i64,
    email: &str,
) -> ServiceResult<()> {
    let exists = mailbox::Entity::find()
        .filter(mailbox::Column::OwnerId.eq(user_id))
        .filter(mailbox::Column::Email.eq(email))
        .one(db)
        .await?
        .is_some();
    if exists {
        Err(ServiceError::AlreadyConnected)
    } else {
        Ok(())
    }
}

/// Names, plan features and grantees (same workspace, not the owner).
/// `previous` is the mailbox being edited: a feature the plan no longer has may keep the
/// value it had (a downgrade switches it off, it does not erase it), but not gain one.
pub(super) async fn validate_settings(
    db: &impl ConnectionTrait,
    actor: &Actor,
    plan: Plan,
    mut settings: MailboxSettings,
    previous: Option<&mailbox::Model>,
) -> ServiceResult<MailboxSettings> {
    settings.mailbox_name = validate::name("mailbox_name", &settings.mailbox_name)?;
    settings.sender_name = validate::name("sender_name", &settings.sender_name)?;
    let had_shared = previous.is_some_and(|p| p.access == Access::Shared);
    let had_crm_mode = previous.is_some_and(|p| p.crm_mode == settings.crm_mode);
    if settings.access == Access::Shared && !plan.allows_shared_access() && !had_shared {
        return Err(ServiceError::PlanLacks {
            plan,
            feature: "shared",
        });
    }
    if settings.crm_mode != CrmMode::Off && !plan.allows_crm_links() && !had_crm_mode {
        return Err(ServiceError::PlanLacks {
            plan,
            feature: "crm",
        });
    }
    validate::folders(&settings.folders)?;
    if settings.folders.is_empty() {
        return Err(ServiceError::invalid("folders", validate::reason::EMPTY));
    }
    validate::grantees(&settings.grantees)?;
    settings.grantees.retain(|id| *id != actor.user_id);
    settings.grantees.sort_unstable();
    settings.grantees.dedup();
    if settings.access == Access::Personal {
        settings.grantees.clear();
    }
    for id in &settings.grantees {
        let member = user::Entity::find_by_id(*id)
            .filter(user::Column::WorkspaceId.eq(actor.workspace_id))
            .one(db)
            .await?;
        if member.is_none() {
            return Err(ServiceError::invalid("grantees", validate::reason::UNKNOWN));
        }
    }
    Ok(settings)
}

/// Replaces a mailbox's grants. A user newly granted must have room under the plan; the
/// caller has locked the rows of the new grantees in this transaction.
pub(super) async fn write_grants(
    db: &impl ConnectionTrait,
    mailbox_id: i64,
    plan: Plan,
    settings: &MailboxSettings,
) -> ServiceResult<()> {
    let existing: Vec<i64> = mailbox_grant::Entity::find()
        .filter(mailbox_grant::Column::MailboxId.eq(mailbox_id))
        .all(db)
        .await?
        .into_iter()
        .map(|g| g.user_id)
        .collect();
    for id in settings.grantees.iter().filter(|id| !existing.contains(id)) {
        if let Some(limit) = plan.mailbox_limit()
            && plan_limits::mailbox_count(db, *id).await? >= u64::from(limit)
        {
            let name = user::Entity::find_by_id(*id)
                .one(db)
                .await?
                .map(|u| u.name)
                .unwrap_or_default();
            return Err(ServiceError::GranteeAtLimit { name, plan, limit });
        }
        mailbox_grant::ActiveModel {
            mailbox_id: Set(mailbox_id),
            user_id: Set(*id),
        }
        .insert(db)
        .await?;
    }
    let removed: Vec<i64> = existing
        .into_iter()
        .filter(|id| !settings.grantees.contains(id))
        .collect();
    if !removed.is_empty() {
        mailbox_grant::Entity::delete_many()
            .filter(mailbox_grant::Column::MailboxId.eq(mailbox_id))
            .filter(mailbox_grant::Column::UserId.is_in(removed))
            .exec(db)
            .await?;
    }
    Ok(())
}

impl From<ConnectFailure> for ServiceError {
    fn from(f: ConnectFailure) -> Self {
        ServiceError::Connect(f)
    }
}
