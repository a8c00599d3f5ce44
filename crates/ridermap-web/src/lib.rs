//! The web host: `POST /api/{command}` with a JSON body runs a command of `ridermap-service` and
//! answers with its JSON reply, or `{code, message}` with a 4xx/5xx status; `GET /photos/{sha256}`
//! serves a kept photo, `GET /tiles/{z}/{x}/{y}` a tile of the offline base map; everything else is the built UI (`ui/dist`), with `index.html` for unknown
//! paths so the UI's own routes load. The same UI inside the app talks Tauri IPC instead.

use std::{path::Path, sync::Arc};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, Path as UrlPath, State},
    http::StatusCode,
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

/// The host's routes over `service`, with the built UI from `ui_dir`.
pub fn router(service: Arc<Service>, ui_dir: &Path) -> Router {
    let ui = ServeDir::new(ui_dir).fallback(ServeFile::new(ui_dir.join("index.html")));
    Router::new()
        .route("/api/{name}", post(command))
        .route("/photos/{hash}", get(photo))
        .route("/tiles/{z}/{x}/{y}", get(tile))
        .route("/healthz", get(|| async { "ok" }))
        .fallback_service(ui)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(service)
}
