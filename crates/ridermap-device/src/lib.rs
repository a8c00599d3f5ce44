//! One sync round for a device: push the outbox (confirmed changes leave it, refused ones stay
//! visible with the server's reason), then pull pages until the server has no more, each page
//! saved with its cursor in one transaction. The server address and token live in the store.

pub mod backoff;
pub mod photo;

use std::{collections::BTreeMap, time::Duration};

use chrono::Utc;
use ridermap_store::Store;
use ridermap_sync::protocol::{
    BlobsMissing, ErrorBody, LoginRequest, LoginResponse, PROTOCOL_VERSION, PullRequest, PullResponse, PushRequest,
    PushResponse, PushStatus,
};
use serde::{Serialize, de::DeserializeOwned};

const SERVER: &str = "sync_server";
const TOKEN: &str = "sync_token";
const CURSORS: &str = "pull_cursor";
const LAST_OK: &str = "sync_last_success";
const LAST_ERROR: &str = "sync_last_error";
const FOLLOW: &str = "sync_follow";
const ROLE: &str = "sync_role";
const PUSH_BATCH: usize = 500;
const PULL_PAGE: usize = 1000;
/// Most photos fetched in one round, so a first sync on a weak signal gets to the records first.
const PHOTOS_PER_ROUND: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("not enrolled: run `ridermap login --server URL --invite CODE` first")]
    NotEnrolled,
    #[error("cannot reach {0}: {1}")]
    Offline(String, String),
    #[error("the server refused: {0} ({1})")]
    Server(String, String),
    #[error("{0}")]
    Store(#[from] ridermap_store::Error),
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncReport {
    pub pushed: usize,
    pub refused: usize,
    pub pulled: usize,
    pub conflicts: usize,
    /// Photos uploaded, and fetched for pulled records.
    pub photos_up: usize,
    pub photos_down: usize,
    /// Per region, whether this device's state matches the server's checksum (after `verify`).
    pub verified: BTreeMap<String, bool>,
}

/// What the status bar shows (the app's type, so the UI reads it as is).
pub use ridermap_api::SyncStatus;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// POST `body` as gzip-compressed JSON and read the (possibly gzip-compressed) JSON answer.
fn call<Req: Serialize, Res: DeserializeOwned>(
    server: &str,
    path: &str,
    token: Option<&str>,
    body: &Req,
) -> Result<Res, SyncError> {
    use std::io::{Read, Write};
    let offline = |e: &dyn std::fmt::Display| SyncError::Offline(server.to_string(), e.to_string());
    let url = format!("{}{path}", server.trim_end_matches('/'));
    let mut gz = flate2::write::GzEncoder::new(vec![], flate2::Compression::default());
    gz.write_all(&serde_json::to_vec(body).expect("requests serialize")).map_err(|e| offline(&e))?;
    let compressed = gz.finish().map_err(|e| offline(&e))?;
    let mut req = agent()
        .post(&url)
        .header("Content-Type", "application/json")
        .header("Content-Encoding", "gzip")
        .header("Accept-Encoding", "gzip");
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let mut res = req.send(&compressed[..]).map_err(|e| offline(&e))?;
    let gzip = res.headers().get("content-encoding").and_then(|v| v.to_str().ok()) == Some("gzip");
    let status = res.status();
    let raw = res.body_mut().with_config().limit(64 << 20).read_to_vec().map_err(|e| offline(&e))?;
    let mut bytes = raw;
    if gzip {
        let mut inflated = vec![];
        flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut inflated).map_err(|e| offline(&e))?;
        bytes = inflated;
    }
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(|e| offline(&e));
    }
    let code = status.as_u16();
    let err: ErrorBody =
        serde_json::from_slice(&bytes).unwrap_or(ErrorBody { code: code.to_string(), message: format!("HTTP {code}") });
    Err(SyncError::Server(err.message, err.code))
}

/// Which regions a device pulls: all it may read, some grids, or the grids whose places reach into
/// a bounding box. Records outside any grid always come along.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Follow {
    #[default]
    All,
    Grids(Vec<String>),
    /// min_lon, min_lat, max_lon, max_lat
    Bbox([f64; 4]),
}

impl std::str::FromStr for Follow {
    type Err = String;

    /// `all`, `grids:G1,G2` or `bbox:MIN_LON,MIN_LAT,MAX_LON,MAX_LAT`.
    fn from_str(s: &str) -> Result<Follow, String> {
        let s = s.trim();
        if s == "all" {
            return Ok(Follow::All);
        }
        if let Some(list) = s.strip_prefix("grids:") {
            let grids: Vec<String> = list.split(',').map(|g| g.trim().to_string()).filter(|g| !g.is_empty()).collect();
            if grids.is_empty() {
                return Err("`grids:` needs at least one grid code".into());
            }
            return Ok(Follow::Grids(grids));
        }
        if let Some(b) = s.strip_prefix("bbox:") {
            let v: Vec<f64> = b
                .split(',')
                .map(|x| x.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|_| format!("`{b}` is not four numbers"))?;
            return match v.as_slice() {
                [x0, y0, x1, y1]
                    if x0 <= x1
                        && y0 <= y1
                        && (-180.0..=180.0).contains(x0)
                        && (-180.0..=180.0).contains(x1)
                        && (-90.0..=90.0).contains(y0)
                        && (-90.0..=90.0).contains(y1) =>
                {
                    Ok(Follow::Bbox([*x0, *y0, *x1, *y1]))
                }
                _ => Err(format!("`{b}` is not min_lon,min_lat,max_lon,max_lat")),
            };
        }
        Err(format!("`{s}` is not `all`, `grids:G1,G2` or `bbox:MIN_LON,MIN_LAT,MAX_LON,MAX_LAT`"))
    }
}

/// What this device follows (all it may read until set).
pub fn follow(store: &Store) -> Result<Follow, SyncError> {
    Ok(store.setting(FOLLOW)?.and_then(|f| serde_json::from_str(&f).ok()).unwrap_or_default())
}

pub fn set_follow(store: &mut Store, follow: &Follow) -> Result<(), SyncError> {
    store.set_setting(FOLLOW, &serde_json::to_string(follow).expect("follow serializes"))?;
    Ok(())
}

/// Enrol this device with a one-time invite; the token is kept in the store.
pub fn login(store: &mut Store, server: &str, invite: &str) -> Result<LoginResponse, SyncError> {
    let device = store.device_id().to_string();
    let res: LoginResponse = call(
        server,
        "/v1/login",
        None,
        &LoginRequest { protocol: PROTOCOL_VERSION, invite: invite.trim().into(), device },
    )?;
    store.set_setting(SERVER, server)?;
    store.set_setting(TOKEN, &res.token)?;
    store.set_setting(ROLE, &serde_json::to_string(&res.role).unwrap_or_default())?;
    Ok(res)
}

/// Point this device at another address of its server (the token stays).
pub fn set_server(store: &mut Store, server: &str) -> Result<(), SyncError> {
    store.set_setting(SERVER, server)?;
    Ok(())
}

/// One round: push everything pending, then pull until up to date. Records success or error.
pub fn sync_once(store: &mut Store, verify: bool) -> Result<SyncReport, SyncError> {
    let result = round(store, verify);
    match &result {
        Ok(_) => {
            store.set_setting(LAST_OK, &Utc::now().to_rfc3339())?;
            store.set_setting(LAST_ERROR, "")?;
        }
        Err(e) => store.set_setting(LAST_ERROR, &e.to_string())?,
    }
    result
}

fn round(store: &mut Store, verify: bool) -> Result<SyncReport, SyncError> {
    let (Some(server), Some(token)) = (store.setting(SERVER)?, store.setting(TOKEN)?) else {
        return Err(SyncError::NotEnrolled);
    };
    let mut report = SyncReport::default();
    loop {
        let batch = store.outbox(PUSH_BATCH)?;
        if batch.is_empty() {
            break;
        }
        // Photos first: a record must never reach the server before the photo it names.
        let photos: Vec<String> = batch.iter().filter_map(photo_of).collect();
        report.photos_up += upload_photos(store, &server, &token, &photos)?;
        let sent: BTreeMap<_, _> = batch.iter().map(|c| (c.id, c.hlc)).collect();
        let res: PushResponse =
            call(&server, "/v1/push", Some(&token), &PushRequest { protocol: PROTOCOL_VERSION, changes: batch })?;
        let mut acked = vec![];
        for r in res.results {
            match r.status {
                PushStatus::Applied | PushStatus::Duplicate => {
                    // A clock the server clamped: merge our own change with the server's clock.
                    if sent.get(&r.id).is_some_and(|h| *h != r.hlc) {
                        store.restamp(r.id, r.hlc)?;
                    }
                    acked.push(r.id)
                }
                PushStatus::Refused => {
                    store.refuse(r.id, r.reason.as_deref().unwrap_or("refused"))?;
                    report.refused += 1;
                }
            }
        }
        report.pushed += acked.len();
        store.ack(&acked)?;
    }
    let cursors: BTreeMap<String, i64> =
        store.setting(CURSORS)?.and_then(|c| serde_json::from_str(&c).ok()).unwrap_or_default();
    let (regions, bbox) = match follow(store)? {
        Follow::All => (None, None),
        Follow::Grids(mut g) => {
            g.push(ridermap_sync::protocol::NO_REGION.to_string());
            (Some(g), None)
        }
        Follow::Bbox(b) => (None, Some(b)),
    };
    let page = |cursors: BTreeMap<String, i64>| -> Result<PullResponse, SyncError> {
        let req = PullRequest { protocol: PROTOCOL_VERSION, cursors, regions: regions.clone(), bbox, limit: PULL_PAGE };
        call(&server, "/v1/pull", Some(&token), &req)
    };
    let mut last: PullResponse = page(cursors)?;
    loop {
        // The next page is asked for while this one is applied: its cursors are known already.
        // Should applying fail, the fetched page is dropped and the saved cursor still points here.
        let (applied, next) = std::thread::scope(|s| {
            let next = last.more.then(|| s.spawn(|| page(last.cursors.clone())));
            let saved = serde_json::to_string(&last.cursors).expect("cursors serialize");
            let applied = store.apply_remote(&last.changes, Some(&saved));
            (applied, next.map(|h| h.join().unwrap_or_else(|_| Err(offline(&server, &"pull thread failed")))))
        });
        let applied = applied?;
        report.pulled += applied.applied;
        report.conflicts += applied.conflicts;
        match next {
            Some(next) => last = next?,
            None => break,
        }
    }
    report.photos_down += fetch_photos(store, &server, &token, &store.missing_photos(PHOTOS_PER_ROUND)?)?;
    if verify {
        for (region, sum) in &last.checksums {
            report.verified.insert(region.clone(), store.region_checksum(region)? == *sum);
        }
    }
    Ok(report)
}

fn photo_of(c: &ridermap_sync::WireChange) -> Option<String> {
    c.fields.get("photo").and_then(|v| v.as_str()).map(str::to_string)
}

fn offline(server: &str, e: &dyn std::fmt::Display) -> SyncError {
    SyncError::Offline(server.to_string(), e.to_string())
}

fn server_error(status: u16, bytes: &[u8]) -> SyncError {
    let err: ErrorBody = serde_json::from_slice(bytes)
        .unwrap_or(ErrorBody { code: status.to_string(), message: format!("HTTP {status}") });
    SyncError::Server(err.message, err.code)
}

/// Upload those of `photos` that are kept here, not yet uploaded, and missing on the server.
fn upload_photos(store: &mut Store, server: &str, token: &str, photos: &[String]) -> Result<usize, SyncError> {
    let local = store.blobs_to_upload(photos)?;
    if local.is_empty() {
        return Ok(0);
    }
    let missing: BlobsMissing =
        call(server, "/v1/blobs/missing", Some(token), &BlobsMissing { hashes: local.clone() })?;
    for hash in &missing.hashes {
        let bytes = store.blob(hash)?.unwrap_or_default();
        let url = format!("{}/v1/blobs/{hash}", server.trim_end_matches('/'));
        let mut res = agent()
            .put(&url)
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "application/octet-stream")
            .send(&bytes[..])
            .map_err(|e| offline(server, &e))?;
        if !res.status().is_success() {
            let body = res.body_mut().read_to_vec().unwrap_or_default();
            return Err(server_error(res.status().as_u16(), &body));
        }
    }
    for hash in &local {
        store.mark_uploaded(hash)?;
    }
    Ok(missing.hashes.len())
}

/// Fetch photos that records here name and that are not kept here. One the server lacks (its
/// uploader has not synced yet) is asked for again next round.
fn fetch_photos(store: &mut Store, server: &str, token: &str, photos: &[String]) -> Result<usize, SyncError> {
    let mut fetched = 0;
    for hash in photos {
        if !ridermap_core::is_content_address(hash) || store.has_blob(hash)? {
            continue;
        }
        let url = format!("{}/v1/blobs/{hash}", server.trim_end_matches('/'));
        let mut res = agent()
            .get(&url)
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .map_err(|e| offline(server, &e))?;
        let status = res.status().as_u16();
        let bytes = res.body_mut().with_config().limit(4 << 20).read_to_vec().map_err(|e| offline(server, &e))?;
        match status {
            200 if ridermap_store::content_address(&bytes) == *hash => {
                store.put_blob(&bytes, true)?;
                fetched += 1;
            }
            200 => return Err(SyncError::Server(format!("photo {hash} arrived with other bytes"), "corrupt".into())),
            404 => {}
            _ => return Err(server_error(status, &bytes)),
        }
    }
    Ok(fetched)
}

pub fn status(store: &Store) -> Result<SyncStatus, SyncError> {
    let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
    Ok(SyncStatus {
        server: store.setting(SERVER)?,
        enrolled: store.setting(TOKEN)?.is_some(),
        pending: store.pending_count()?,
        refused: store.refused()?.len(),
        last_success: nonempty(store.setting(LAST_OK)?),
        last_error: nonempty(store.setting(LAST_ERROR)?),
        role: store.setting(ROLE)?.and_then(|r| serde_json::from_str(&r).ok()),
    })
}
