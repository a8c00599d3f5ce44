//! Thin Tauri commands, one per API command, grouped by area like `ridermap-service`. Each takes
//! the request as `req` (the UI's transport sends `{req}`), runs it on a blocking thread and
//! returns the reply or `ApiError {code, message}`.

pub mod basemap;
pub mod places;
pub mod records;
pub mod sync;

use std::sync::Arc;

use ridermap_service::{Handle, Service, api::ApiError};
use tauri::State;

pub type Shared = Arc<Service>;

pub(crate) async fn run<C>(service: &State<'_, Shared>, req: C) -> Result<C::Reply, ApiError>
where
    C: Handle + Send + 'static,
    C::Reply: Send + 'static,
{
    let service = service.inner().clone();
    tauri::async_runtime::spawn_blocking(move || service.call(req))
        .await
        .map_err(|e| ApiError::new("internal", e.to_string()))?
}

/// Declares `#[tauri::command] async fn NAME(service, req: REQ) -> Result<REQ's reply, ApiError>`.
macro_rules! commands {
    ($($name:ident($req:ty);)*) => {$(
        #[tauri::command]
        pub async fn $name(
            service: tauri::State<'_, crate::commands::Shared>,
            req: $req,
        ) -> Result<<$req as ridermap_service::api::Call>::Reply, ridermap_service::api::ApiError> {
            crate::commands::run(&service, req).await
        }
    )*};
}
pub(crate) use commands;
