//! The device sync engine: enrol with an invite, then rounds that push the outbox (confirmed
//! changes leave it, refused ones stay visible with the server's reason) and pull pages until the
//! server has no more, each page saved with its cursor in one transaction. The server address,
//! token and cursors live in the store.
//!
//! Split as Atuin splits it: `plan` decides (what an answer settles, when a round is done) without
//! I/O; `round` does the calls through a `Remote` — `HttpRemote` on a device, the server's rules in
//! process (`ridermap_server::InProcess`) in tests.

pub mod backoff;
mod http;
pub mod photo;
pub mod plan;
mod round;
mod vault;

use chrono::Utc;
pub use http::{HttpRemote, SetupError, check_address, parse_ca};
use ridermap_api::{Follow, SyncRound, SyncStatus};
use ridermap_core::{ApiError, ErrorCode};
use ridermap_store::Store;
use ridermap_sync::{
    protocol::{LoginRequest, LoginResponse, PROTOCOL_VERSION},
    remote::{Remote, RemoteError},
};
pub use vault::{Vault, kept_in, token};

const SERVER: &str = "sync_server";
const TOKEN: &str = "sync_token";
const CURSORS: &str = "pull_cursor";
const LAST_OK: &str = "sync_last_success";
const LAST_ERROR: &str = "sync_last_error";
const FOLLOW: &str = "sync_follow";
const ROLE: &str = "sync_role";
/// A city's own CA (PEM), trusted besides the platform's roots.
const CA: &str = "sync_ca";
/// The account the server gave at enrolment (who this device's reports are by).
const ACCOUNT: &str = "sync_account";

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("not enrolled: run `ridermap login --server URL --invite CODE` first")]
    NotEnrolled,
    /// No answer from the server (its address and what happened are in the message).
    #[error("{0}")]
    Offline(String),
    /// The server answered with an error.
    #[error("the server refused: {}", .0.message)]
    Server(ApiError),
    /// The server's answer cannot be acted on; the round stopped.
    #[error("{0}")]
    Plan(#[from] plan::PlanError),
    #[error("{0}")]
    Store(#[from] ridermap_store::Error),
    /// The address or CA given cannot be used.
    #[error("{0}")]
    Setup(#[from] SetupError),
    /// The platform keyring holds the token and did not give it.
    #[error("{0}")]
    Keyring(String),
}

impl From<RemoteError> for SyncError {
    fn from(e: RemoteError) -> SyncError {
        match e {
            RemoteError::Unreachable(m) => SyncError::Offline(m),
            RemoteError::Answered(e) => SyncError::Server(e),
        }
    }
}

impl From<SyncError> for ApiError {
    fn from(e: SyncError) -> ApiError {
        let code = match &e {
            SyncError::NotEnrolled => ErrorCode::NotEnrolled,
            SyncError::Offline(_) => ErrorCode::Offline,
            // What the server said about this device's standing passes through; anything else it
            // refused is between this device and the server, not the user's input.
            SyncError::Server(s) => match s.code {
                ErrorCode::Unauthorized | ErrorCode::Denied | ErrorCode::Unavailable | ErrorCode::Protocol => s.code,
                _ => ErrorCode::Server,
            },
            SyncError::Plan(_) => ErrorCode::Server,
            SyncError::Store(s) => s.code(),
            SyncError::Setup(_) => ErrorCode::Invalid,
            SyncError::Keyring(_) => ErrorCode::Io,
        };
        ApiError::new(code, e.to_string())
    }
}

/// Whether a round also compares this device's region checksums with the server's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksums {
    Skip,
    Verify,
}

/// What this device follows (all it may read until set).
pub fn follow(store: &Store) -> Result<Follow, SyncError> {
    Ok(store.setting(FOLLOW)?.and_then(|f| serde_json::from_str(&f).ok()).unwrap_or_default())
}

pub fn set_follow(store: &mut Store, follow: &Follow) -> Result<(), SyncError> {
    store.set_setting(FOLLOW, &serde_json::to_string(follow).expect("follow serializes"))?;
    Ok(())
}

/// Enrol this device with the server at `server` using a one-time invite; the token is kept in
/// the platform keyring where one answers, else in the store (`vault`), and `ca` (PEM), the
/// server's own CA if it has one, in the store.
pub fn login(store: &mut Store, server: &str, invite: &str, ca: Option<&str>) -> Result<LoginResponse, SyncError> {
    enrol(store, &HttpRemote::new(server, ca)?, server, invite, ca.unwrap_or(""))
}

/// `login` through `remote` (which answers for `server`).
pub fn login_with(
    store: &mut Store,
    remote: &dyn Remote,
    server: &str,
    invite: &str,
) -> Result<LoginResponse, SyncError> {
    enrol(store, remote, server, invite, "")
}

/// Log in and keep what the server answered, with the address and CA, in one transaction.
fn enrol(
    store: &mut Store,
    remote: &dyn Remote,
    server: &str,
    invite: &str,
    ca: &str,
) -> Result<LoginResponse, SyncError> {
    let device = store.device_id().to_string();
    let req = LoginRequest { protocol: PROTOCOL_VERSION, invite: invite.trim().into(), device };
    let res = remote.login(&req)?;
    let role = serde_json::to_string(&res.role).expect("roles serialize");
    let account = res.account.to_string();
    let kept = vault::keep(store, &res.token)?;
    let mut settings = vec![(SERVER, server), (ROLE, &role), (CA, ca), (ACCOUNT, &account)];
    settings.extend(kept.settings.iter().map(|(k, v)| (*k, v.as_str())));
    store.set_settings(&settings)?;
    if let Some(entry) = kept.earlier {
        vault::forget(&entry);
    }
    // From now on this device's changes go by the name everyone else sees (none renamed at push).
    if let Some(name) = &res.device_name {
        store.set_device_name(name)?;
    }
    Ok(res)
}

/// Point this device at another address of its server (the token stays).
pub fn set_server(store: &mut Store, server: &str) -> Result<(), SyncError> {
    store.set_setting(SERVER, &check_address(server)?)?;
    Ok(())
}

/// Trust `ca` (PEM) for this device's server besides the platform's roots; empty forgets it.
pub fn set_ca(store: &mut Store, ca: &str) -> Result<(), SyncError> {
    if !ca.trim().is_empty() {
        parse_ca(ca)?;
    }
    store.set_setting(CA, ca)?;
    Ok(())
}

/// One round with the server this device enrolled with, over HTTP.
pub fn sync_once(store: &mut Store, checks: Checksums) -> Result<SyncRound, SyncError> {
    let server = store.setting(SERVER)?.ok_or(SyncError::NotEnrolled)?;
    let remote = match HttpRemote::new(&server, store.setting(CA)?.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            store.set_setting(LAST_ERROR, &e.0)?;
            return Err(e.into());
        }
    };
    sync_with(store, &remote, checks)
}

/// One round through `remote`: push everything pending, then pull until up to date. Records
/// success or the error in the store, for the status bar.
pub fn sync_with(store: &mut Store, remote: &dyn Remote, checks: Checksums) -> Result<SyncRound, SyncError> {
    let result = round::run(store, remote, checks);
    match &result {
        Ok(_) => {
            store.set_settings(&[(LAST_OK, &Utc::now().to_rfc3339()), (LAST_ERROR, "")])?;
        }
        Err(e) => store.set_setting(LAST_ERROR, &e.to_string())?,
    }
    result
}

/// The account the server gave this device at enrolment (None before).
pub fn account(store: &Store) -> Result<Option<String>, SyncError> {
    Ok(store.setting(ACCOUNT)?)
}

/// The role the server gave this device at enrolment (None before).
pub fn role(store: &Store) -> Result<Option<ridermap_core::Role>, SyncError> {
    Ok(store.setting(ROLE)?.and_then(|r| serde_json::from_str(&r).ok()))
}

pub fn status(store: &Store) -> Result<SyncStatus, SyncError> {
    let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
    Ok(SyncStatus {
        server: store.setting(SERVER)?,
        enrolled: kept_in(store)?.is_some(),
        pending: store.pending_count()?,
        refused: store.refused()?.len(),
        last_success: nonempty(store.setting(LAST_OK)?),
        last_error: nonempty(store.setting(LAST_ERROR)?),
        role: role(store)?,
        follow: follow(store)?,
        device: store.device_id().to_string(),
        token_in: kept_in(store)?,
        own_ca: store.setting(CA)?.is_some_and(|c| !c.trim().is_empty()),
    })
}
