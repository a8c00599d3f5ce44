//! HTTP: `POST /v1/login`, `POST /v1/push`, `POST /v1/pull` (JSON; tokens as `Authorization:
//! Bearer …`), the photo blobs, the open feed and `GET /healthz`. Every error is the one
//! `{code, message}` (`ApiError`) with the status its code carries. What each endpoint does is in
//! `endpoints.rs`; here are only bodies, headers and statuses.

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use ridermap_core::{ApiError, ErrorCode};
use ridermap_sync::{
    protocol::{BlobsMissing, LoginRequest, PullRequest, PushRequest},
    wire::Encoding,
};

use crate::{Account, Db, DbError, Limits, endpoints};

/// Largest request body accepted (a push of a few thousand changes fits well within it).
const MAX_BODY: usize = 8 << 20;

/// An error on its way out: the body is `{code, message}`, the status follows the code.
pub struct Failure(ApiError);

impl Failure {
    fn new(code: ErrorCode, message: impl Into<String>) -> Failure {
        Failure(ApiError::new(code, message))
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Failure {
        Failure(e)
    }
}

impl From<DbError> for Failure {
    fn from(e: DbError) -> Failure {
        Failure(e.into())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self.0)).into_response()
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, ApiError> + Send + 'static) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| Failure::new(ErrorCode::Internal, "worker failed"))?
        .map_err(Failure)
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?;
    Some(v.strip_prefix("Bearer ")?.to_string())
}

async fn account(db: &Db, headers: &HeaderMap) -> Result<Account, Failure> {
    let (db, token) = (db.clone(), bearer(headers));
    blocking(move || endpoints::account(&db, token.as_deref())).await
}

/// A login is small and needs no token, so it gets small limits of its own.
const MAX_LOGIN_BODY: usize = 16 << 10;
const MAX_LOGIN_INFLATED: u64 = 64 << 10;
/// Largest request body once decompressed (a push's, a pull's).
const MAX_INFLATED: u64 = 64 << 20;

async fn login(State(db): State<Db>, headers: HeaderMap, body: axum::body::Bytes) -> Result<Response, Failure> {
    let gzip = is_gzip(&headers);
    let res = blocking(move || {
        let req: LoginRequest = read_body(gzip, &body, MAX_LOGIN_INFLATED)?;
        endpoints::login(&db, &req)
    })
    .await?;
    Ok(reply(&headers, &res))
}

fn is_gzip(headers: &HeaderMap) -> bool {
    headers.get("content-encoding").and_then(|v| v.to_str().ok()) == Some("gzip")
}

/// Read a JSON body, gzip-compressed when `Content-Encoding: gzip` says so, inflating at most
/// `max` bytes. Called on a blocking thread: inflating and parsing never hold an async worker.
fn read_body<T: serde::de::DeserializeOwned>(gzip: bool, body: &[u8], max: u64) -> Result<T, ApiError> {
    let encoding = if gzip { Encoding::Gzip } else { Encoding::Identity };
    ridermap_sync::wire::decode(encoding, body, max)
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

async fn push(State(db): State<Db>, headers: HeaderMap, body: axum::body::Bytes) -> Result<Response, Failure> {
    let acct = account(&db, &headers).await?;
    let gzip = is_gzip(&headers);
    let res = blocking(move || {
        let req: PushRequest = read_body(gzip, &body, MAX_INFLATED)?;
        endpoints::push(&db, &acct, &req)
    })
    .await?;
    Ok(reply(&headers, &res))
}

async fn pull(State(db): State<Db>, headers: HeaderMap, body: axum::body::Bytes) -> Result<Response, Failure> {
    let acct = account(&db, &headers).await?;
    let gzip = is_gzip(&headers);
    let res = blocking(move || {
        let req: PullRequest = read_body(gzip, &body, MAX_INFLATED)?;
        endpoints::pull(&db, &acct, &req)
    })
    .await?;
    Ok(reply(&headers, &res))
}

#[derive(serde::Deserialize)]
struct FeedQuery {
    grid: Option<String>,
    /// min_lon,min_lat,max_lon,max_lat
    bbox: Option<String>,
}

/// Open, read-only feed of verified places for delivery platforms' route planners.
async fn feed(State(db): State<Db>, headers: HeaderMap, Query(q): Query<FeedQuery>) -> Result<Response, Failure> {
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
    let asked = headers.get("if-none-match").and_then(|v| v.to_str().ok()).map(str::to_string);
    let feed = blocking(move || {
        let grid = q.grid.as_deref();
        // The ETag is known from the region sequences: a 304 builds nothing.
        let etag = db.feed_etag(grid, bbox)?;
        if asked.as_deref() == Some(etag.as_str()) {
            return Ok(Err(etag));
        }
        Ok(Ok(db.feed_cached(grid, bbox)?))
    })
    .await?;
    match feed {
        Err(etag) => Ok((StatusCode::NOT_MODIFIED, [("etag", etag)]).into_response()),
        Ok(f) => {
            Ok(([("etag", f.etag), ("content-type", "application/geo+json".to_string())], f.body.as_str().to_string())
                .into_response())
        }
    }
}

fn bad_bbox(b: &str) -> Failure {
    Failure::new(ErrorCode::Invalid, format!("bbox `{b}` is not min_lon,min_lat,max_lon,max_lat"))
}

/// Upload a photo under the SHA-256 of its bytes (idempotent).
async fn put_blob(
    State(db): State<Db>,
    headers: HeaderMap,
    Path(hash): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, Failure> {
    let acct = account(&db, &headers).await?;
    let size = body.len();
    blocking(move || endpoints::put_blob(&db, &acct, &hash, &body)).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "size": size }))).into_response())
}

async fn get_blob(State(db): State<Db>, headers: HeaderMap, Path(hash): Path<String>) -> Result<Response, Failure> {
    account(&db, &headers).await?;
    let key = hash.clone();
    let Some(bytes) = blocking(move || endpoints::get_blob(&db, &key)).await? else {
        return Err(Failure::new(ErrorCode::NotFound, format!("no photo {hash}")));
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

async fn missing_blobs(State(db): State<Db>, headers: HeaderMap, body: axum::body::Bytes) -> Result<Response, Failure> {
    account(&db, &headers).await?;
    let gzip = is_gzip(&headers);
    let missing = blocking(move || {
        let req: BlobsMissing = read_body(gzip, &body, MAX_INFLATED)?;
        endpoints::missing_blobs(&db, &req)
    })
    .await?;
    Ok(reply(&headers, &missing))
}

/// The server's routes with the default limits.
pub fn router(db: Db) -> Router {
    router_with(db, &Limits::default())
}

pub fn router_with(db: Db, limits: &Limits) -> Router {
    let login_route = Router::new().route("/v1/login", post(login).layer(DefaultBodyLimit::max(MAX_LOGIN_BODY)));
    let feed_route = Router::new().route("/v1/feed", get(feed));
    let private = Router::new()
        .route("/v1/push", post(push))
        .route("/v1/pull", post(pull))
        .route("/v1/blobs/missing", post(missing_blobs))
        .route("/v1/blobs/{hash}", get(get_blob).put(put_blob));
    crate::throttle::limited(login_route, feed_route, private, limits)
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(db)
}
