//! The Ridermap sync server. `router` returns the axum `Router` (tests run it on 127.0.0.1:0);
//! `Db` is the store of accounts, invites, tokens, merged entity states, the per-region change
//! sequences and photo blobs: embedded SQLite by default, PostgreSQL when given a URL. Every request
//! runs in one transaction.

mod api;
mod auth;
mod db;
pub mod endpoints;
pub mod scratch;

pub use api::router;
pub use auth::{Account, hash_secret};
pub use db::{Db, DbError, MAX_BLOB};
pub use endpoints::InProcess;

/// Start serving `db` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    db: Db,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(db)).with_graceful_shutdown(shutdown).await
}
