//! The Mail section's web server: configuration, logging, database, sessions, router.

use anyhow::Context;
use server::{observability, router, sync_scheduler};
use services::{AppState, config::Config, db, mail::tls::MailTrust, secrets::MasterKey};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    observability::init_tracing(&config.log_level);
    let metrics = observability::init_metrics()?;
    let db = db::connect_and_migrate(&config.database_url).await?;
    let master_key = MasterKey::load_or_create(config.master_key.as_deref(), &config.data_dir)?;
    let mail_trust = MailTrust::new(config.mail_extra_ca_file.as_deref())?;
    let mut state = AppState::new(db, master_key, mail_trust);
    state.connect_timeout = config.mail_connect_timeout;
    state.discovery = services::mail::discovery::DiscoveryConfig::from_env();
    if config.sync.enabled {
        sync_scheduler::start(&config, &state);
    }
    let app = router::build(&config, state, metrics);
    let listener = tokio::net::TcpListener::bind(config.bind_addr)
        .await
        .with_context(|| format!("Cannot listen on {}", config.bind_addr))?;
    tracing::info!("listening on http://{}", config.bind_addr);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("Server failed")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}
