//! The web host: `POST /api/{command}` with a JSON body runs a command of `ridermap-service` and
//! answers with its JSON reply, or `{code, message}` with a 4xx/5xx status; `GET /photos/{sha256}`
//! serves a kept photo, `GET /tiles/{z}/{x}/{y}` a tile of the offline base map; everything else is
//! the built UI (`ui/dist`), with `index.html` for unknown paths so the UI's own routes load. The
//! same UI inside the app talks Tauri IPC instead.
//!
//! It is the app's host, not the web's: it answers only requests addressed to a loopback name
//! (`Host`, against DNS rebinding), from its own origin when a browser says one (`Origin`, against
//! pages of other sites), with a JSON body for commands, and carrying the key this launch made and
//! gave the UI it served (a `SameSite=Strict` cookie, which other sites' pages never send).
//! Anything else is 403 `denied` and reaches no command.

use std::{path::Path, sync::Arc};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, Path as UrlPath, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use ridermap_service::{
    Service,
    api::{ApiError, ErrorCode},
};
use tower_http::services::{ServeDir, ServeFile};

/// Photos come up base64 in a report; a phone photo stays well inside this.
const MAX_BODY: usize = 32 << 20;

fn status_of(e: &ApiError) -> StatusCode {
    StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn failure(e: ApiError) -> Response {
    (status_of(&e), Json(e)).into_response()
}

async fn command(State(service): State<Arc<Service>>, UrlPath(name): UrlPath<String>, body: Bytes) -> Response {
    let body = if body.is_empty() { Ok(serde_json::json!({})) } else { serde_json::from_slice(&body) };
    let body = match body {
        Ok(b) => b,
        Err(e) => return failure(ApiError::new(ErrorCode::Invalid, format!("bad request for `{name}`: {e}"))),
    };
    let cmd = name.clone();
    let result = tokio::task::spawn_blocking(move || service.dispatch(&cmd, body)).await;
    match result {
        Ok(Ok(reply)) => Json(reply).into_response(),
        Ok(Err(e)) => {
            if status_of(&e).is_server_error() {
                tracing::error!(command = %name, error = %e.message, "command failed");
            }
            failure(e)
        }
        Err(_) => failure(ApiError::new(ErrorCode::Internal, "the command stopped unexpectedly")),
    }
}

async fn photo(State(service): State<Arc<Service>>, UrlPath(hash): UrlPath<String>) -> Response {
    let key = hash.clone();
    match tokio::task::spawn_blocking(move || service.photo(&key)).await {
        Ok(Ok(Some(bytes))) => {
            ([("content-type", "image/jpeg"), ("cache-control", "private, max-age=31536000, immutable")], bytes)
                .into_response()
        }
        Ok(Ok(None)) => failure(ApiError::new(ErrorCode::NotFound, format!("no photo {hash} on this device"))),
        Ok(Err(e)) => failure(e),
        Err(_) => failure(ApiError::new(ErrorCode::Internal, "the command stopped unexpectedly")),
    }
}

/// A base map tile; the UI asks with `?v=` the base map's version, so a cached tile never
/// outlives the map it came from.
async fn tile(State(service): State<Arc<Service>>, UrlPath((z, x, y)): UrlPath<(u8, u32, u32)>) -> Response {
    match tokio::task::spawn_blocking(move || service.tile(z, x, y)).await {
        Ok(Ok(Some((bytes, kind)))) => {
            ([("content-type", kind), ("cache-control", "private, max-age=604800")], bytes).into_response()
        }
        Ok(Ok(None)) => failure(ApiError::new(ErrorCode::NotFound, format!("no base map tile {z}/{x}/{y}"))),
        Ok(Err(e)) => failure(e),
        Err(_) => failure(ApiError::new(ErrorCode::Internal, "the command stopped unexpectedly")),
    }
}

/// The cookie that carries this launch's key.
pub const KEY_COOKIE: &str = "ridermap_key";

/// A new random key, hex.
fn new_key() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn denied(why: &str) -> Response {
    failure(ApiError::new(ErrorCode::Denied, format!("ridermap web: {why}")))
}

/// `127.0.0.1`, `localhost` or `[::1]`, with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().map(|h| format!("[{h}]")).unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default().to_string(),
    };
    matches!(name.to_ascii_lowercase().as_str(), "127.0.0.1" | "localhost" | "[::1]")
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(name)?.strip_prefix('='))
}

/// Every request: addressed to a loopback name, and from this host's own origin if it has one.
async fn same_host_only(request: Request, next: Next) -> Response {
    let Some(host) = header_str(request.headers(), header::HOST).filter(|h| is_loopback_host(h)) else {
        return denied("answers only requests to 127.0.0.1, localhost or [::1]");
    };
    if let Some(origin) = header_str(request.headers(), header::ORIGIN)
        && origin != format!("http://{host}")
    {
        return denied("answers only its own pages, not those of another origin");
    }
    next.run(request).await
}

/// Commands, photos and tiles: only with the key, and commands only with a JSON body.
async fn with_key(State(key): State<Arc<String>>, request: Request, next: Next) -> Response {
    if cookie(request.headers(), KEY_COOKIE) != Some(key.as_str()) {
        return denied("this request lacks the key of the page this host served; reload the page");
    }
    if request.method() == axum::http::Method::POST {
        let json = header_str(request.headers(), header::CONTENT_TYPE)
            .is_some_and(|t| t.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
        if !json {
            return denied("commands take a body of Content-Type application/json");
        }
    }
    next.run(request).await
}

/// The UI's files, each handing the page this launch's key.
async fn give_key(State(key): State<Arc<String>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let cookie = format!("{KEY_COOKIE}={key}; Path=/; HttpOnly; SameSite=Strict");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// The host's routes over `service`, with the built UI from `ui_dir`.
pub fn router(service: Arc<Service>, ui_dir: &Path) -> Router {
    let key = Arc::new(new_key());
    let ui = ServeDir::new(ui_dir).fallback(ServeFile::new(ui_dir.join("index.html")));
    let ui = Router::new().fallback_service(ui).layer(middleware::from_fn_with_state(key.clone(), give_key));
    Router::new()
        .route("/api/{name}", post(command))
        .route("/photos/{hash}", get(photo))
        .route("/tiles/{z}/{x}/{y}", get(tile))
        .route_layer(middleware::from_fn_with_state(key, with_key))
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(service)
        .merge(ui)
        .layer(middleware::from_fn(same_host_only))
}
