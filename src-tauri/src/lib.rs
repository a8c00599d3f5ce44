//! The Ridermap app: a Tauri 2 window hosting the Leptos UI (`ui/dist`, embedded). The store lives
//! in the app data dir (or `RIDERMAP_DB`), with the demo data on first run. Commands are thin and
//! grouped by area (`commands/`); files are picked in the system's open/save dialogs (the dialog
//! plugin) and read or written by the service at the picked path; photos and base map tiles reach
//! the web view through the `ridermap://` protocol; a background thread syncs with backoff and
//! jitter once the device is enrolled.

pub mod commands;

use std::{path::PathBuf, sync::Arc, time::Duration};

use ridermap_service::{Demo, Pace, Service};
use ridermap_store::Actor;
use tauri::{Manager, Runtime, http};

pub use commands::Shared;

/// Registers the app's commands, the system's file dialogs and the photo protocol on `builder`
/// (the real runtime, or `tauri::test::mock_builder()` in tests); the `Shared` service is managed
/// by the caller.
pub fn app<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_dialog::init())
        .register_uri_scheme_protocol("ridermap", |ctx, request| serve(ctx.app_handle(), request.uri().path()))
        .invoke_handler(commands::handler())
}

/// `ridermap://localhost/photos/{sha256}`: a kept photo; `ridermap://localhost/tiles/{z}/{x}/{y}`:
/// a tile of the offline base map.
fn serve<R: Runtime>(app: &tauri::AppHandle<R>, path: &str) -> http::Response<Vec<u8>> {
    let reply = |status: u16, kind: &str, body: Vec<u8>| {
        http::Response::builder().status(status).header("content-type", kind).body(body).expect("a valid response")
    };
    if let Some(zxy) = path.strip_prefix("/tiles/") {
        let parts: Vec<&str> = zxy.split('/').collect();
        let parsed = match parts[..] {
            [z, x, y] => z.parse().ok().zip(x.parse().ok()).zip(y.parse().ok()),
            _ => None,
        };
        let Some(((z, x), y)) = parsed else {
            return reply(404, "text/plain", b"tiles are /tiles/{z}/{x}/{y}".to_vec());
        };
        return match app.state::<Shared>().tile(z, x, y) {
            Ok(Some((bytes, kind))) => reply(200, kind, bytes),
            Ok(None) => reply(404, "text/plain", b"no such tile".to_vec()),
            Err(e) => reply(500, "text/plain", e.message.into_bytes()),
        };
    }
    let Some(hash) = path.strip_prefix("/photos/") else {
        return reply(404, "text/plain", b"not found".to_vec());
    };
    match app.state::<Shared>().photo(hash) {
        Ok(Some(bytes)) => reply(200, "image/jpeg", bytes),
        Ok(None) => reply(404, "text/plain", b"no such photo on this device".to_vec()),
        Err(e) => reply(400, "text/plain", e.message.into_bytes()),
    }
}

/// Sync in the background while enrolled: every minute when it works, backing off with jitter
/// (up to 10 minutes) while the network or server does not.
fn background_sync(service: Shared) {
    std::thread::spawn(move || {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(7);
        let pace = Pace {
            every: Duration::from_secs(60),
            idle: Duration::from_secs(30),
            first_retry: Duration::from_secs(5),
            longest_retry: Duration::from_secs(600),
            seed,
        };
        // The status bar reads the outcome from the store; nothing to add here.
        service.keep_syncing(&pace, |_, _| {})
    });
}

fn store_path(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    if let Some(p) = std::env::var_os("RIDERMAP_DB") {
        return Ok(PathBuf::from(p));
    }
    let dir = app.path().app_data_dir()?;
    std::fs::create_dir_all(&dir)?;
    Ok(dir.join("ridermap.sqlite"))
}

pub fn run() {
    app(tauri::Builder::default())
        .setup(|app| {
            let path = store_path(app)?;
            let service = Arc::new(Service::open(&path, Demo::Load, Actor::default()).map_err(|e| e.message)?);
            background_sync(service.clone());
            app.manage(service);
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("the Ridermap window could not start");
}
