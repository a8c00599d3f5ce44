//! The Ridermap sync server. `router` returns the axum `Router` (tests run it on 127.0.0.1:0);
//! `Db` is the store of accounts, invites, tokens, merged entity states, the per-region change
//! sequences and photo blobs: embedded SQLite by default, PostgreSQL when given a URL. Every request
//! runs in one transaction.

mod api;
mod auth;
pub mod claims;
mod db;
pub mod endpoints;
mod feed;
pub mod limits;
pub mod scratch;
mod throttle;

pub use api::{router, router_with};
pub use auth::{Account, hash_secret};
pub use db::{DEFAULT_TOKEN_LIFE_MS, Db, DbError, LOGIN_RETRY_MS, MAX_BLOB, TokenRefused};
pub use endpoints::InProcess;
pub use feed::{Feed, FeedStats};
pub use throttle::{Limits, Rate};

/// The server's certificate chain and key, for serving HTTPS itself (without a proxy in front).
#[derive(Clone)]
pub struct Tls(axum_server::tls_rustls::RustlsConfig);

impl Tls {
    /// From PEM files: `cert` (the chain, leaf first) and `key` (PKCS#8, PKCS#1 or SEC1).
    pub async fn from_pem_files(cert: &std::path::Path, key: &std::path::Path) -> Result<Tls, String> {
        let read = |p: &std::path::Path, flag: &str| {
            std::fs::read(p).map_err(|e| format!("{flag}: cannot read {}: {e}", p.display()))
        };
        let (c, k) = (read(cert, "--tls-cert")?, read(key, "--tls-key")?);
        Tls::from_pem(c, k)
            .await
            .map_err(|e| format!("--tls-cert/--tls-key ({}, {}): {e}", cert.display(), key.display()))
    }

    pub async fn from_pem(cert: Vec<u8>, key: Vec<u8>) -> Result<Tls, String> {
        axum_server::tls_rustls::RustlsConfig::from_pem(cert, key).await.map(Tls).map_err(|e| e.to_string())
    }
}

/// Serve `db` over HTTPS on `listener` until `shutdown` resolves (then let requests in flight
/// finish, for at most 30 s).
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    db: Db,
    limits: &Limits,
    tls: Tls,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    sweep_blobs(db.clone());
    let handle = axum_server::Handle::new();
    let stop = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stop.graceful_shutdown(Some(std::time::Duration::from_secs(30)));
    });
    axum_server::from_tcp_rustls(listener.into_std()?, tls.0)?
        .handle(handle)
        .serve(router_with(db, limits).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .await
}

/// How long an uploaded photo waits for a record that names it before it is forgotten.
pub const BLOB_GRACE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Every hour, forget photos no record has named for `BLOB_GRACE`.
fn sweep_blobs(db: Db) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            let db = db.clone();
            match tokio::task::spawn_blocking(move || db.expire_blobs(BLOB_GRACE)).await {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!(photos = n, "forgot photos no record names"),
                Ok(Err(e)) => tracing::warn!(error = %e, "sweeping photos failed"),
                Err(e) => tracing::warn!(error = %e, "sweeping photos panicked"),
            }
        }
    });
}

/// Start serving `db` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    db: Db,
    limits: &Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    sweep_blobs(db.clone());
    let app = router_with(db, limits).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
