//! HTTP: `POST /v1/login`, `POST /v1/push`, `POST /v1/pull` (JSON; tokens as `Authorization:
//! Bearer …`), `GET /healthz`. Every error is `{code, message}` with a 4xx/5xx status.

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, Path, Query, State, rejection::JsonRejection},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use ridermap_sync::protocol::{
    BlobsMissing, ErrorBody, LoginRequest, PROTOCOL_VERSION, PullRequest, PushRequest, PushResponse,
};

use crate::{Account, Db, DbError};

/// Largest request body accepted (a push of a few thousand changes fits well within it).
const MAX_BODY: usize = 8 << 20;
/// Most changes in one push.
const MAX_PUSH: usize = 5000;

pub struct ApiError(StatusCode, &'static str, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(ErrorBody { code: self.1.into(), message: self.2 })).into_response()
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Denied(m) => ApiError(StatusCode::FORBIDDEN, "denied", m),
            DbError::Invalid(m) => ApiError(StatusCode::BAD_REQUEST, "invalid", m),
            DbError::Unavailable(m) => {
                tracing::error!(error = %m, "server store unavailable");
                ApiError(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the server's database is unavailable".into())
            }
            e => {
                tracing::error!(error = %e, "server store failed");
                ApiError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the server could not complete this request".into(),
                )
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        ApiError(e.status(), "malformed", e.body_text())
    }
}

fn check_protocol(v: u32) -> Result<(), ApiError> {
    if v > PROTOCOL_VERSION {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "protocol",
            format!("protocol {v} is newer than this server's {PROTOCOL_VERSION}"),
        ));
    }
    Ok(())
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, DbError> + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| ApiError(StatusCode::INTERNAL_SERVER_ERROR, "internal", "worker failed".into()))?
        .map_err(ApiError::from)
}

async fn account(db: &Db, headers: &HeaderMap) -> Result<Account, ApiError> {
    let unauthorized = |m: &str| ApiError(StatusCode::UNAUTHORIZED, "unauthorized", m.into());
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| unauthorized("missing `Authorization: Bearer <token>`"))?
        .to_string();
    let db = db.clone();
    blocking(move || db.account(&token)).await?.ok_or_else(|| unauthorized("unknown or revoked token"))
}

async fn login(State(db): State<Db>, headers: HeaderMap, body: axum::body::Bytes) -> Result<Response, ApiError> {
    let req: LoginRequest = read_body(&headers, &body)?;
    check_protocol(req.protocol)?;
    let res = blocking(move || db.login(&req.invite, &req.device)).await?;
    tracing::info!(account = %res.account, role = ?res.role, "device enrolled");
    Ok(reply(&headers, &res))
}

/// Largest request body once decompressed.
const MAX_INFLATED: u64 = 64 << 20;

/// Read a JSON body, gzip-compressed when `Content-Encoding: gzip` says so.
fn read_body<T: serde::de::DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, ApiError> {
    use std::io::Read;
    let gzip = headers.get("content-encoding").and_then(|v| v.to_str().ok()) == Some("gzip");
    let mut inflated = vec![];
    let bytes = if gzip {
        flate2::read::GzDecoder::new(body)
            .take(MAX_INFLATED + 1)
            .read_to_end(&mut inflated)
            .map_err(|e| ApiError(StatusCode::BAD_REQUEST, "malformed", format!("bad gzip body: {e}")))?;
        if inflated.len() as u64 > MAX_INFLATED {
            return Err(ApiError(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "the body inflates past 64 MiB".into()));
        }
        &inflated[..]
    } else {
        body
    };
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError(StatusCode::BAD_REQUEST, "malformed", format!("bad request body: {e}")))
}

/// A JSON answer, gzip-compressed for clients that accept it.
fn reply<T: serde::Serialize>(headers: &HeaderMap, value: &T) -> Response {
    use std::io::Write;
    let json = serde_json::to_vec(value).expect("answers serialize");
    let accepts = headers.get("accept-encoding").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("gzip"));
    if !accepts {
        return ([("content-type", "application/json")], json).into_response();
    }
    let mut gz = flate2::write::GzEncoder::new(vec![], flate2::Compression::fast());
    let _ = gz.write_all(&json);
    let body = gz.finish().unwrap_or_default();
    ([("content-type", "application/json"), ("content-encoding", "gzip")], body).into_response()
}

async fn push(State(db): State<Db>, headers: HeaderMap, body: axum::body::Bytes) -> Result<Response, ApiError> {
    let acct = account(&db, &headers).await?;
    let req: PushRequest = read_body(&headers, &body)?;
    check_protocol(req.protocol)?;
    if req.changes.len() > MAX_PUSH {
        return Err(ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("at most {MAX_PUSH} changes per push"),
        ));
    }
    let n = req.changes.len();
    let results = blocking(move || db.push(&acct, &req.changes)).await?;
    tracing::info!(changes = n, "push");
    Ok(reply(&headers, &PushResponse { results }))
}

async fn pull(State(db): State<Db>, headers: HeaderMap, body: axum::body::Bytes) -> Result<Response, ApiError> {
    let acct = account(&db, &headers).await?;
    let req: PullRequest = read_body(&headers, &body)?;
    check_protocol(req.protocol)?;
    let res = blocking(move || db.pull_raw(&acct, &req)).await?;
    Ok(reply(&headers, &res))
}

#[derive(serde::Deserialize)]
struct FeedQuery {
    grid: Option<String>,
    /// min_lon,min_lat,max_lon,max_lat
    bbox: Option<String>,
}

/// Open, read-only feed of verified places for delivery platforms' route planners.
async fn feed(State(db): State<Db>, headers: HeaderMap, Query(q): Query<FeedQuery>) -> Result<Response, ApiError> {
    let bbox = match &q.bbox {
        None => None,
        Some(b) => {
            let v: Vec<f64> =
                b.split(',').map(|x| x.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| bad_bbox(b))?;
            match v.as_slice() {
                [x0, y0, x1, y1] if x0 <= x1 && y0 <= y1 => Some([*x0, *y0, *x1, *y1]),
                _ => return Err(bad_bbox(b)),
            }
        }
    };
    let (features, etag) = blocking(move || db.feed(q.grid.as_deref(), bbox)).await?;
    if headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return Ok((StatusCode::NOT_MODIFIED, [("etag", etag)]).into_response());
    }
    let body = serde_json::json!({"type": "FeatureCollection", "features": features});
    Ok(([("etag", etag), ("content-type", "application/geo+json".to_string())], body.to_string()).into_response())
}

fn bad_bbox(b: &str) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, "invalid", format!("bbox `{b}` is not min_lon,min_lat,max_lon,max_lat"))
}

/// Upload a photo under the SHA-256 of its bytes (idempotent).
async fn put_blob(
    State(db): State<Db>,
    headers: HeaderMap,
    Path(hash): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let acct = account(&db, &headers).await?;
    if body.len() > crate::MAX_BLOB {
        return Err(ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("a photo may be at most {} KiB; this one is {} KiB", crate::MAX_BLOB / 1024, body.len() / 1024),
        ));
    }
    let size = body.len();
    blocking(move || db.put_blob(&acct, &hash, &body)).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "size": size }))).into_response())
}

async fn get_blob(State(db): State<Db>, headers: HeaderMap, Path(hash): Path<String>) -> Result<Response, ApiError> {
    account(&db, &headers).await?;
    let key = hash.clone();
    let Some(bytes) = blocking(move || db.blob(&key)).await? else {
        return Err(ApiError(StatusCode::NOT_FOUND, "not_found", format!("no photo {hash}")));
    };
    let kind = match bytes.as_slice() {
        [0xff, 0xd8, ..] => "image/jpeg",
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        _ => "application/octet-stream",
    };
    // Content-addressed: the bytes behind a name never change.
    let headers = [
        ("content-type", kind.to_string()),
        ("etag", format!("\"{hash}\"")),
        ("cache-control", "private, max-age=31536000, immutable".into()),
    ];
    Ok((headers, bytes).into_response())
}

async fn missing_blobs(
    State(db): State<Db>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    account(&db, &headers).await?;
    let req: BlobsMissing = read_body(&headers, &body)?;
    if req.hashes.len() > MAX_PUSH {
        return Err(ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("at most {MAX_PUSH} hashes per call"),
        ));
    }
    let missing = blocking(move || db.missing_blobs(&req.hashes)).await?;
    Ok(reply(&headers, &BlobsMissing { hashes: missing }))
}

pub fn router(db: Db) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/v1/login", post(login))
        .route("/v1/push", post(push))
        .route("/v1/pull", post(pull))
        .route("/v1/feed", get(feed))
        .route("/v1/blobs/missing", post(missing_blobs))
        .route("/v1/blobs/{hash}", get(get_blob).put(put_blob))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(db)
}
