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
use domain::{AuthMethod, CrmMode, MailboxSettings, MailboxStatus};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};

/// Saves new settings; the period and folders take effect on the next sync. Turning on
/// automatic CRM links (or one of their creation rules) applies them to mail already
/// synced as well; see [`update_settings_applying`].
pub async fn update_settings(
    state: &AppState,
    actor: &Actor,
    id: i64,
    settings: MailboxSettings,
) -> ServiceResult<()> {
    update_settings_applying(state, actor, id, settings, true).await
}

/// [`update_settings`] with the answer to "Apply to mail already synced?", asked when the
/// settings turn on automatic CRM links or one of their creation rules: `true` has the
/// rules look at every synced message again (the first batches at once, the rest on the
/// next sync), `false` leaves synced mail as it is, so only new mail is linked.
pub async fn update_settings_applying(
    state: &AppState,
    actor: &Actor,
    id: i64,
    settings: MailboxSettings,
    apply_to_synced: bool,
) -> ServiceResult<()> {
    validate::folders(&settings.folders)?;
    validate::grantees(&settings.grantees)?;
    let row = owned(&state.db, actor, id).await?;
    let plan = plan_of(&state.db, actor.workspace_id).await?;
    let settings = keep_switched_off_features(&state.db, &row, plan, settings).await?;
    let settings = validate_settings(&state.db, actor, plan, settings, Some(&row)).await?;
    let turns_on = plan.allows_crm_links() && turns_on_automatic(&row, &settings);
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
    if turns_on {
        // With the switch, so a run of the rules sees either the old mode or this.
        crate::crm::auto::mark_synced(&txn, id, apply_to_synced).await?;
    }
    txn.commit().await?;
    if turns_on && apply_to_synced {
        apply_now(state, id).await;
    }
    Ok(())
}

/// Whether new settings turn on automatic CRM links, or a creation rule of theirs.
fn turns_on_automatic(row: &mailbox::Model, settings: &MailboxSettings) -> bool {
    let (old, new) = (row.crm_create, settings.crm_create);
    let rule_added = (new.leads_from_incoming && !old.leads_from_incoming)
        || (new.contacts_from_incoming && !old.contacts_from_incoming)
        || (new.leads_from_outgoing && !old.leads_from_outgoing)
        || (new.contacts_from_outgoing && !old.contacts_from_outgoing);
    settings.crm_mode == CrmMode::Automatic && (row.crm_mode != CrmMode::Automatic || rule_added)
}

/// The rules over synced mail: a few batches in the request, the rest by a sync soon.
async fn apply_now(state: &AppState, id: i64) {
    const BATCHES_NOW: usize = 4;
    match crate::crm::auto::link_some(&state.db, id, BATCHES_NOW).await {
        Ok(done) if done.more => {
            let soon = mailbox::Entity::update_many()
                .col_expr(mailbox::Column::NextSyncAt, Some(chrono::Utc::now()).into())
                .filter(mailbox::Column::Id.eq(id))
                .exec(&state.db)
                .await;
            if let Err(err) = soon {
                tracing::warn!(mailbox = id, %err, "CRM links: scheduling the rest failed");
            }
            state.sync_waker.wake();
        }
        Ok(_) => {}
        Err(err) => tracing::warn!(mailbox = id, %err, "CRM links: applying to synced mail failed"),
    }
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
