//! The owner's changes to a connected mailbox: settings, password, disconnect.

use super::{
    access::owned,
    connect::{plan_of, validate_settings, write_grants},
    plan_limits,
};
use crate::{
    accounts::Actor,
    entities::{mailbox, mailbox_folder, mailbox_grant},
    error::{ServiceError, ServiceResult},
    mail::login::{self, CheckOptions, Login},
    state::AppState,
    validate,
};
use domain::{AuthMethod, MailboxSettings, MailboxStatus};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};

/// Saves new settings; the period and folders take effect on the next sync.
pub async fn update_settings(
    state: &AppState,
    actor: &Actor,
    id: i64,
    settings: MailboxSettings,
) -> ServiceResult<()> {
    validate::folders(&settings.folders)?;
    validate::grantees(&settings.grantees)?;
    let row = owned(&state.db, actor, id).await?;
    let plan = plan_of(&state.db, actor.workspace_id).await?;
    let settings = keep_switched_off_features(&state.db, &row, plan, settings).await?;
    let settings = validate_settings(&state.db, actor, plan, settings, Some(&row)).await?;
    // Grantees' rows locked first: a grant racing another for a user's last place waits.
    let txn = plan_limits::begin_write(&state.db).await?;
    plan_limits::lock_users(&txn, settings.grantees.clone()).await?;
    let mut active = row.into_active_model();
    active.mailbox_name = Set(settings.mailbox_name.clone());
    active.sender_name = Set(settings.sender_name.clone());
    active.access = Set(settings.access);
    active.crm_mode = Set(settings.crm_mode);
    active.crm_create = Set(settings.crm_create);
    active.period = Set(settings.period);
    active.update(&txn).await?;
    mailbox_folder::Entity::update_many()
        .col_expr(
            mailbox_folder::Column::Selected,
            mailbox_folder::Column::Name.is_in(settings.folders.clone()),
        )
        .filter(mailbox_folder::Column::MailboxId.eq(id))
        .exec(&txn)
        .await?;
    write_grants(&txn, id, plan, &settings).await?;
    txn.commit().await?;
    Ok(())
}

/// Features the plan lacks are shown disabled, so the form cannot send them: keep what
/// the mailbox had, so an upgrade brings them back as they were.
async fn keep_switched_off_features(
    db: &impl sea_orm::ConnectionTrait,
    row: &mailbox::Model,
    plan: domain::Plan,
    mut settings: MailboxSettings,
) -> ServiceResult<MailboxSettings> {
    if !plan.allows_shared_access() {
        settings.access = row.access;
        settings.grantees = mailbox_grant::Entity::find()
            .filter(mailbox_grant::Column::MailboxId.eq(row.id))
            .all(db)
            .await?
            .into_iter()
            .map(|g| g.user_id)
            .collect();
    }
    if !plan.allows_crm_links() {
        settings.crm_mode = row.crm_mode;
        settings.crm_create = row.crm_create;
    }
    Ok(settings)
}

/// A new (app) password: checked by a real IMAP and SMTP login before it replaces the old.
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    id: i64,
    password: &str,
) -> ServiceResult<()> {
    let password = validate::password("password", password)?;
    let row = owned(&state.db, actor, id).await?;
    if row.auth == AuthMethod::OAuth2 {
        // Signed in with Microsoft or Google: there is no password; Reconnect signs in.
        return Err(ServiceError::invalid("password", validate::reason::UNKNOWN));
    }
    let same_login = row.smtp_username == row.imap_username;
    let old_smtp = state
        .master_key
        .open(&row.smtp_secret)
        .map_err(ServiceError::Internal)?;
    let imap_login = Login::new(row.imap_username.clone(), password);
    let smtp_login = Login::new(
        row.smtp_username.clone(),
        if same_login {
            password.to_owned()
        } else {
            old_smtp
        },
    );
    let options = CheckOptions {
        trust: state.mail_trust.clone(),
        timeout: state.connect_timeout,
    };
    login::check_both(
        &row.imap_server(),
        &imap_login,
        &row.smtp_server(),
        &smtp_login,
        &options,
    )
    .await
    .map_err(ServiceError::Connect)?;
    let sealed = state
        .master_key
        .seal(password)
        .map_err(ServiceError::Internal)?;
    let status = if row.last_sync_at.is_some() {
        MailboxStatus::Ready
    } else {
        MailboxStatus::WaitingFirstSync
    };
    let mut active = row.into_active_model();
    active.imap_secret = Set(sealed.clone());
    if same_login {
        active.smtp_secret = Set(sealed);
    }
    active.status = Set(status);
    // A fixed password resumes a schedule that a refused login stopped: sync at once.
    active.next_sync_at = Set(Some(chrono::Utc::now()));
    active.sync_failures = Set(0);
    active.last_error = Set(None);
    active.update(&state.db).await?;
    state.sync_waker.wake();
    Ok(())
}

/// Removes the mailbox, its folders, grants and stored mail; nothing on the server.
pub async fn disconnect(state: &AppState, actor: &Actor, id: i64) -> ServiceResult<()> {
    owned(&state.db, actor, id).await?;
    mailbox::Entity::delete_by_id(id).exec(&state.db).await?;
    tracing::info!(mailbox = id, owner = actor.user_id, "mailbox disconnected");
    Ok(())
}
