//! The Mail section's web server: configuration, logging, database, sessions, router.

use anyhow::Context;
use server::{observability, router, sync_scheduler};
use services::{AppState, config::Config, db, mail::tls::MailTrust, secrets::MasterKey};
use std::future::IntoFuture;

fn main() -> anyhow::Result<()> {
    // Before the runtime starts its threads (services::memory says why).
    services::memory::tune_allocator();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("Cannot start the async runtime")?
        .block_on(serve())
}

async fn serve() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    observability::init_tracing(&config.log_level);
    let metrics = observability::init_metrics()?;
    let db = db::connect_and_migrate(&config.database_url).await?;
    let master_key = MasterKey::load_or_create(config.master_key.as_deref(), &config.data_dir)?;
    let mail_trust =
        MailTrust::new(config.mail_extra_ca_file.as_deref())?.with_policy(config.mail_policy);
    let mut state = AppState::new(db, master_key, mail_trust);
    state.connect_timeout = config.mail_connect_timeout;
    state.discovery = config.discovery.clone();
    state.trust_proxy_headers = config.web.trust_proxy_headers;
    state.attachment_limit = config.sync.attachments_mb << 20;
    state.oauth = services::oauth::OAuth::new(config.oauth.clone(), &state.mail_trust)?;
    state.throttles = std::sync::Arc::new(services::throttle::Throttles::new(
        services::throttle::Allowances::default().scaled(config.web.rate_limit_scale),
    ));
    services::sweep::start(&state);
    services::mail_view::search_index::start(state.db.clone());
    // Listening first: holding the address proves no earlier process of this instance
    // is alive, so the scheduler may take its leases back.
    let listener = tokio::net::TcpListener::bind(config.bind_addr)
        .await
        .with_context(|| format!("Cannot listen on {}", config.bind_addr))?;
    let sync = if config.sync.enabled {
        Some(sync_scheduler::start(&config, &state, listener.local_addr()?).await)
    } else {
        None
    };
    observability::serve_metrics(&config, metrics.clone()).await?;
    let app = router::build(&config, state, metrics);
    tracing::info!("listening on http://{}", config.bind_addr);
    // One signal stops both: the web server drains its requests while the scheduler lets
    // running syncs reach a safe point (bounded) and gives their leases back.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    let web = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(signalled(stopped.clone()));
    let scheduler = async move {
        signalled(stopped).await;
        if let Some(sync) = sync {
            sync.shutdown().await;
        }
    };
    let (served, ()) = tokio::join!(web.into_future(), scheduler);
    served.context("Server failed")
}

async fn signalled(mut stopped: tokio::sync::watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
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
