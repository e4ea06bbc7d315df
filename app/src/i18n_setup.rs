//! Glue between leptos_i18n's generated `Locale` and the product's `Language`, and the
//! localized text of every `AppError`.

use crate::{error::AppError, i18n::*};
use domain::{ConnectFailure, ConnectProblem, SendProblem, ServerRole};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_i18n::I18nContext;

/// The cookie leptos_i18n reads during SSR; the server sets it at login and on a switch.
pub const LANGUAGE_COOKIE: &str = "lang";

pub fn locale_of(language: domain::Language) -> Locale {
    match language {
        domain::Language::En => Locale::en,
        domain::Language::Uk => Locale::uk,
    }
}

pub fn language_of(locale: Locale) -> domain::Language {
    match locale {
        Locale::en => domain::Language::En,
        Locale::uk => domain::Language::Uk,
    }
}

/// What happened and what to do next, in the current language.
pub fn error_text(i18n: I18nContext<Locale>, err: &AppError) -> String {
    match err {
        AppError::NotSignedIn => t_string!(i18n, err_not_signed_in).to_string(),
        AppError::Forbidden => t_string!(i18n, err_forbidden).to_string(),
        AppError::WrongCredentials => t_string!(i18n, err_wrong_credentials).to_string(),
        AppError::RateLimited => t_string!(i18n, err_rate_limited).to_string(),
        AppError::EmailTaken => t_string!(i18n, err_email_taken).to_string(),
        AppError::Invalid { reason, .. } if reason == "too_long" || reason == "too_many" => {
            t_string!(i18n, err_too_long).to_string()
        }
        AppError::Invalid { field, .. } => match field.as_str() {
            "email" => t_string!(i18n, err_invalid_email).to_string(),
            "password" => t_string!(i18n, err_invalid_password).to_string(),
            "name" | "workspace_name" | "mailbox_name" | "sender_name" => {
                t_string!(i18n, err_invalid_name).to_string()
            }
            "folders" => t_string!(i18n, err_invalid_folders).to_string(),
            _ => t_string!(i18n, err_invalid).to_string(),
        },
        AppError::NotFound => t_string!(i18n, err_not_found).to_string(),
        AppError::OwnerOnly => t_string!(i18n, err_owner_only).to_string(),
        AppError::MailboxLimit { .. } => t_string!(i18n, err_mailbox_limit).to_string(),
        AppError::GranteeAtLimit { name, .. } => {
            format!("{name} {}", t_string!(i18n, err_grantee_at_limit))
        }
        AppError::PlanLacks { feature, .. } if feature == "shared" => {
            t_string!(i18n, err_plan_lacks_shared).to_string()
        }
        AppError::PlanLacks { .. } => t_string!(i18n, err_plan_lacks_crm).to_string(),
        AppError::AlreadyConnected => t_string!(i18n, err_already_connected).to_string(),
        AppError::ServersNeeded => t_string!(i18n, err_servers_needed).to_string(),
        AppError::ConfirmServers { .. } => t_string!(i18n, confirm_servers).to_string(),
        AppError::DraftExpired => t_string!(i18n, err_draft_expired).to_string(),
        // "… Try again in 25 s." (leptos_i18n's t_string! takes no interpolation here).
        AppError::SyncCooldown { seconds } => format!(
            "{} {seconds} {}.",
            t_string!(i18n, err_sync_cooldown),
            t_string!(i18n, seconds_short)
        ),
        AppError::NeedsNewPassword => t_string!(i18n, err_needs_new_password).to_string(),
        AppError::NeedsReconnect => t_string!(i18n, err_needs_reconnect).to_string(),
        AppError::Connect(failure) => connect_failure_text(i18n, failure),
        AppError::DraftChanged => t_string!(i18n, err_draft_changed).to_string(),
        AppError::Send(problem) => send_problem_text(i18n, problem),
        AppError::SignIn(problem) => sign_in_problem_text(i18n, *problem),
        AppError::Internal => t_string!(i18n, err_internal).to_string(),
        AppError::Request(_) => t_string!(i18n, err_network).to_string(),
    }
}

/// The error of an action's last run, for `<FormError>`.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// Why an OAuth2 sign-in did not connect the mailbox, and what to do.
pub fn sign_in_problem_text(i18n: I18nContext<Locale>, problem: domain::SignInProblem) -> String {
    use domain::SignInProblem as P;
    match problem {
        P::NotConfigured => t_string!(i18n, signin_not_configured),
        P::StateInvalid => t_string!(i18n, signin_state_invalid),
        P::Denied => t_string!(i18n, signin_denied),
        P::PersonalAccount => t_string!(i18n, signin_personal_account),
        P::WrongAccount => t_string!(i18n, signin_wrong_account),
        P::NoIdentity => t_string!(i18n, signin_no_identity),
        P::CodeRefused => t_string!(i18n, signin_code_refused),
        P::Unavailable => t_string!(i18n, signin_unavailable),
        P::ServerRefused => t_string!(i18n, signin_server_refused),
        P::AlreadyConnected => t_string!(i18n, signin_already_connected),
        P::MailboxLimit => t_string!(i18n, signin_mailbox_limit),
    }
    .to_string()
}

/// Why a message did not go (or may have), and what to do; the server's own words where
/// it gave them. The draft is always kept, and the texts say so where it matters.
pub fn send_problem_text(i18n: I18nContext<Locale>, problem: &SendProblem) -> String {
    let says = |text: &str, detail: &str| {
        if detail.is_empty() {
            text.to_owned()
        } else {
            format!("{text} {} {detail}", t_string!(i18n, server_says))
        }
    };
    match problem {
        SendProblem::NoRecipients => t_string!(i18n, err_no_recipients).to_string(),
        SendProblem::BadAddress { address } => format!(
            "{} {address}. {}",
            t_string!(i18n, err_bad_address),
            t_string!(i18n, err_bad_address_next)
        ),
        SendProblem::TooManyRecipients { limit } => format!(
            "{} {limit}. {}",
            t_string!(i18n, err_too_many_recipients),
            t_string!(i18n, err_too_many_recipients_next)
        ),
        SendProblem::AttachmentsTooLarge { limit_bytes } if *limit_bytes > 0 => format!(
            "{} {} {}",
            t_string!(i18n, err_attachments_too_large),
            megabytes(*limit_bytes),
            t_string!(i18n, err_attachments_too_large_next)
        ),
        SendProblem::AttachmentsTooLarge { .. } => {
            t_string!(i18n, err_attachments_too_large_next).to_string()
        }
        SendProblem::TooLarge {
            limit_bytes,
            server_text,
        } => {
            let limit = limit_bytes
                .map(|b| format!(" ({} {})", t_string!(i18n, its_limit), megabytes(b)))
                .unwrap_or_default();
            says(
                &format!(
                    "{}{limit}. {}",
                    t_string!(i18n, err_message_too_large),
                    t_string!(i18n, err_message_too_large_next)
                ),
                server_text,
            )
        }
        SendProblem::LoginRefused { server_text } => {
            says(t_string!(i18n, err_send_login_refused), server_text)
        }
        SendProblem::RecipientsRejected => t_string!(i18n, err_recipients_rejected).to_string(),
        SendProblem::ServerRefused { server_text } => {
            says(t_string!(i18n, err_server_refused), server_text)
        }
        SendProblem::Network { detail } => says(t_string!(i18n, err_send_network), detail),
        SendProblem::MaybeSent => t_string!(i18n, err_maybe_sent).to_string(),
        SendProblem::NotAllowed => t_string!(i18n, err_send_not_allowed).to_string(),
        SendProblem::Interrupted { .. } => t_string!(i18n, err_send_interrupted).to_string(),
    }
}

/// "25 MB", "1.5 MB" (limits are whole or half megabytes in practice).
fn megabytes(bytes: u64) -> String {
    let mb = bytes as f64 / (1024.0 * 1024.0);
    if mb.fract() == 0.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{mb:.1} MB")
    }
}

/// "IMAP server not found. Check …" — which server, what happened, what to do.
fn connect_failure_text(i18n: I18nContext<Locale>, failure: &ConnectFailure) -> String {
    let server = match failure.server {
        ServerRole::Imap => "IMAP",
        ServerRole::Smtp => "SMTP",
    };
    let (text, detail) = match &failure.problem {
        ConnectProblem::HostNotFound => (t_string!(i18n, err_host_not_found).to_string(), None),
        ConnectProblem::AddressNotAllowed => {
            (t_string!(i18n, err_address_not_allowed).to_string(), None)
        }
        ConnectProblem::ConnectionRefused => {
            (t_string!(i18n, err_connection_refused).to_string(), None)
        }
        ConnectProblem::Timeout => (t_string!(i18n, err_timeout).to_string(), None),
        ConnectProblem::CertificateNotTrusted { detail } => {
            (t_string!(i18n, err_certificate).to_string(), Some(detail))
        }
        ConnectProblem::TlsOnStartTlsPort => {
            (t_string!(i18n, err_tls_on_starttls_port).to_string(), None)
        }
        ConnectProblem::StartTlsOnTlsPort => {
            (t_string!(i18n, err_starttls_on_tls_port).to_string(), None)
        }
        ConnectProblem::StartTlsUnsupported => {
            (t_string!(i18n, err_starttls_unsupported).to_string(), None)
        }
        ConnectProblem::WrongPassword => (t_string!(i18n, err_wrong_password).to_string(), None),
        ConnectProblem::SignInExpired => (t_string!(i18n, err_sign_in_expired).to_string(), None),
        ConnectProblem::LoginRefused { server_text } => (
            t_string!(i18n, err_login_refused).to_string(),
            Some(server_text),
        ),
        ConnectProblem::Other { detail } => {
            (t_string!(i18n, err_connect_other).to_string(), Some(detail))
        }
    };
    match detail.filter(|d| !d.is_empty()) {
        Some(detail) => format!("{server} {text} {} {detail}", t_string!(i18n, server_says)),
        None => format!("{server} {text}"),
    }
}
