//! The app's Tauri commands, derived from the one command registry (`ridermap_api::with_commands!`):
//! one thin command per API request, grouped in a module per area like `ridermap-service`. Each
//! takes the request as `req` (the UI's transport sends `{req}`), runs it on a blocking thread and
//! returns the reply or `ApiError {code, message}`. A command added to the registry is a command
//! here without another line.

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
        .map_err(|e| ApiError::internal(e.to_string()))?
}

/// For each area of the registry, a module of `#[tauri::command] async fn NAME(service, req)`;
/// and `handler()`, the invoke handler that answers every one of them.
macro_rules! tauri_commands {
    ($($area:ident { $($name:ident: $req:ty => $reply:ty,)* })*) => {
        $(pub mod $area {
            $(
                #[tauri::command]
                pub async fn $name(
                    service: tauri::State<'_, super::Shared>,
                    req: $req,
                ) -> Result<$reply, ridermap_service::api::ApiError> {
                    super::run(&service, req).await
                }
            )*
        })*

        /// Answers every command of the registry.
        pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($($area::$name),*),*]
        }
    };
}
ridermap_api::with_commands!(tauri_commands);
