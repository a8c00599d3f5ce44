//! What each endpoint does once its request has been read, without HTTP: the axum routes
//! (`api.rs`) and the in-process `Remote` (`InProcess`) both call these, so a device driven in
//! process meets the same checks, limits and rules as one on the network.

use ridermap_core::{ApiError, ErrorCode};
use ridermap_sync::{
    protocol::{
        BlobsMissing, LoginRequest, LoginResponse, PROTOCOL_VERSION, PullRequest, PullResponse, PushRequest,
        PushResponse,
    },
    remote::{Answer, Remote, RemoteError},
};
use serde_json::value::RawValue;

use crate::{Account, Db, DbError, TokenRefused};

/// Most changes in one push, and most hashes in one question about blobs.
pub const MAX_PUSH: usize = 5000;
/// Most regions one pull may name (or hold cursors for): a city has a few hundred grids.
pub const MAX_REGIONS: usize = 1000;

impl From<DbError> for ApiError {
    fn from(e: DbError) -> ApiError {
        match e {
            DbError::Denied(m) => ApiError::new(ErrorCode::Denied, m),
            DbError::Invalid(m) => ApiError::new(ErrorCode::Invalid, m),
            DbError::Unavailable(m) => {
                tracing::error!(error = %m, "server store unavailable");
                ApiError::new(ErrorCode::Unavailable, "the server's database is unavailable")
            }
            e => {
                tracing::error!(error = %e, "server store failed");
                ApiError::internal("the server could not complete this request")
            }
        }
    }
}

fn check_protocol(v: u32) -> Result<(), ApiError> {
    if v > PROTOCOL_VERSION {
        return Err(ApiError::new(
            ErrorCode::Protocol,
            format!("protocol {v} is newer than this server's {PROTOCOL_VERSION}"),
        ));
    }
    Ok(())
}

/// The account behind a bearer token.
pub fn account(db: &Db, token: Option<&str>) -> Result<Account, ApiError> {
    let unauthorized = |m: &str| ApiError::new(ErrorCode::Unauthorized, m);
    let token = token.ok_or_else(|| unauthorized("missing `Authorization: Bearer <token>`"))?;
    db.authenticate(token)?.map_err(|why| match why {
        TokenRefused::Unknown => unauthorized("unknown or revoked token; log in again with a new invite"),
        TokenRefused::Expired => {
            unauthorized("this device's sign-in expired after long disuse; log in again with a new invite")
        }
    })
}

pub fn login(db: &Db, req: &LoginRequest) -> Result<LoginResponse, ApiError> {
    check_protocol(req.protocol)?;
    crate::limits::check_login(&req.invite, &req.device).map_err(|m| ApiError::new(ErrorCode::Invalid, m))?;
    let res = db.login(&req.invite, &req.device)?;
    tracing::info!(account = %res.account, role = ?res.role, "device enrolled");
    Ok(res)
}

pub fn push(db: &Db, account: &Account, req: &PushRequest) -> Result<PushResponse, ApiError> {
    check_protocol(req.protocol)?;
    if req.changes.len() > MAX_PUSH {
        return Err(ApiError::new(ErrorCode::TooLarge, format!("at most {MAX_PUSH} changes per push")));
    }
    let results = db.push(account, &req.changes)?;
    tracing::info!(changes = req.changes.len(), "push");
    Ok(PushResponse { results })
}

pub fn pull(db: &Db, account: &Account, req: &PullRequest) -> Result<PullResponse<Box<RawValue>>, ApiError> {
    check_protocol(req.protocol)?;
    let named = req.regions.as_ref().map_or(0, Vec::len).max(req.cursors.len());
    if named > MAX_REGIONS {
        return Err(ApiError::new(
            ErrorCode::TooLarge,
            format!("a pull names at most {MAX_REGIONS} regions, not {named}"),
        ));
    }
    Ok(db.pull_raw(account, req)?)
}

pub fn missing_blobs(db: &Db, req: &BlobsMissing) -> Result<BlobsMissing, ApiError> {
    if req.hashes.len() > MAX_PUSH {
        return Err(ApiError::new(ErrorCode::TooLarge, format!("at most {MAX_PUSH} hashes per call")));
    }
    Ok(BlobsMissing { hashes: db.missing_blobs(&req.hashes)? })
}

pub fn put_blob(db: &Db, account: &Account, hash: &str, bytes: &[u8]) -> Result<(), ApiError> {
    if bytes.len() > crate::MAX_BLOB {
        return Err(ApiError::new(
            ErrorCode::TooLarge,
            format!("a photo may be at most {} KiB; this one is {} KiB", crate::MAX_BLOB / 1024, bytes.len() / 1024),
        ));
    }
    Ok(db.put_blob(account, hash, bytes)?)
}

pub fn get_blob(db: &Db, hash: &str) -> Result<Option<Vec<u8>>, ApiError> {
    Ok(db.blob(hash)?)
}

/// The server's rules as a `Remote`, called in process: what a device meets on the network,
/// without the network. Tests drive the real device engine through it (with faults of their own
/// wrapped around it).
#[derive(Clone)]
pub struct InProcess {
    db: Db,
}

impl InProcess {
    pub fn new(db: Db) -> InProcess {
        InProcess { db }
    }
}

fn answered<T>(r: Result<T, ApiError>) -> Answer<T> {
    r.map_err(RemoteError::Answered)
}

impl Remote for InProcess {
    fn login(&self, req: &LoginRequest) -> Answer<LoginResponse> {
        answered(login(&self.db, req))
    }

    fn push(&self, token: &str, req: &PushRequest) -> Answer<PushResponse> {
        answered(account(&self.db, Some(token)).and_then(|a| push(&self.db, &a, req)))
    }

    fn pull(&self, token: &str, req: &PullRequest) -> Answer<PullResponse> {
        let page = answered(account(&self.db, Some(token)).and_then(|a| pull(&self.db, &a, req)))?;
        let changes = page
            .changes
            .iter()
            .map(|c| serde_json::from_str(c.get()))
            .collect::<Result<_, _>>()
            .map_err(|e| RemoteError::Answered(ApiError::new(ErrorCode::Corrupt, e.to_string())))?;
        Ok(page.with_changes(changes))
    }

    fn missing_blobs(&self, token: &str, req: &BlobsMissing) -> Answer<BlobsMissing> {
        answered(account(&self.db, Some(token)).and_then(|_| missing_blobs(&self.db, req)))
    }

    fn put_blob(&self, token: &str, hash: &str, bytes: &[u8]) -> Answer<()> {
        answered(account(&self.db, Some(token)).and_then(|a| put_blob(&self.db, &a, hash, bytes)))
    }

    fn get_blob(&self, token: &str, hash: &str) -> Answer<Option<Vec<u8>>> {
        answered(account(&self.db, Some(token)).and_then(|_| get_blob(&self.db, hash)))
    }
}
