//! The app's commands, implemented once over the local store and the device sync engine. The
//! Tauri shell calls `Service::call` from thin commands grouped by area; `ridermap web` calls
//! `Service::dispatch` with a command name and a JSON body. Both answer with the same types
//! (`ridermap-api`) and the same error `{code, message}`.

pub mod basemap;
mod grid;
mod places;
mod records;
mod sync;

use std::{
    path::{Path, PathBuf},
    sync::Mutex,
};

pub use ridermap_api as api;
use ridermap_api::{ApiError, Call};
use ridermap_store::{Actor, Store};
use serde_json::Value;

/// What a command sees: the store (locked for the command) and where it lives.
pub struct Ctx<'a> {
    pub store: &'a mut Store,
    pub actor: &'a Actor,
    /// The store's file, for work that opens its own connection (sync) so the UI's commands
    /// are not held up behind the network.
    pub path: Option<&'a Path>,
    /// The offline base map beside the store, if any.
    pub basemap: &'a Mutex<basemap::Slot>,
}

/// A request the service knows how to answer.
pub trait Handle: Call {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Self::Reply, ApiError>;
}

pub struct Service {
    store: Mutex<Store>,
    actor: Actor,
    path: Option<PathBuf>,
    basemap: Mutex<basemap::Slot>,
}

pub(crate) fn store_error(e: ridermap_store::Error) -> ApiError {
    ApiError::new(e.code(), e.to_string())
}

pub(crate) fn sync_error(e: ridermap_device::SyncError) -> ApiError {
    use ridermap_device::SyncError::*;
    let code = match &e {
        NotEnrolled => "not_enrolled",
        Offline(..) => "offline",
        Server(_, code) if code == "denied" || code == "unauthorized" => "refused",
        Server(..) => "server",
        Store(s) => s.code(),
    };
    ApiError::new(code, e.to_string())
}

pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new("invalid", message)
}

impl Service {
    /// The service over the store file at `path` (created, with the demo data when `demo`).
    pub fn open(path: &Path, demo: bool, actor: Actor) -> Result<Service, ApiError> {
        let mut store = Store::open(path).map_err(store_error)?;
        if store.was_created() && demo {
            ridermap_exchange::demo::load(&mut store).map_err(|e| ApiError::new("demo", e.to_string()))?;
        }
        let basemap = Mutex::new(basemap::load(Some(path)));
        Ok(Service { store: Mutex::new(store), actor, path: Some(path.to_path_buf()), basemap })
    }

    /// Over an in-memory store (tests; sync needs a file).
    pub fn in_memory(store: Store, actor: Actor) -> Service {
        Service { store: Mutex::new(store), actor, path: None, basemap: Mutex::new(Ok(None)) }
    }

    pub fn call<C: Handle>(&self, req: C) -> Result<C::Reply, ApiError> {
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let basemap = &self.basemap;
        req.handle(&mut Ctx { store: &mut store, actor: &self.actor, path: self.path.as_deref(), basemap })
    }

    /// A kept photo's bytes (JPEG), by content address.
    pub fn photo(&self, hash: &str) -> Result<Option<Vec<u8>>, ApiError> {
        if !ridermap_core::is_content_address(hash) {
            return Err(invalid(format!("`{hash}` is not a photo's content address")));
        }
        self.store.lock().unwrap_or_else(|p| p.into_inner()).blob(hash).map_err(store_error)
    }

    /// A base map tile (`z/x/y`, XYZ) and its content type; None where the map has none.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<(Vec<u8>, &'static str)>, ApiError> {
        let slot = self.basemap.lock().unwrap_or_else(|p| p.into_inner());
        match &*slot {
            Ok(Some(tiles)) => Ok(tiles.tile(z, x, y)?.map(|bytes| (bytes, tiles.content_type()))),
            Ok(None) => Ok(None),
            Err(e) => Err(e.clone()),
        }
    }

    /// Run the command `name` on a JSON body; the reply as JSON.
    pub fn dispatch(&self, name: &str, body: Value) -> Result<Value, ApiError> {
        fn run<C: Handle>(s: &Service, body: Value) -> Result<Value, ApiError> {
            let req: C =
                serde_json::from_value(body).map_err(|e| invalid(format!("bad request for `{}`: {e}", C::NAME)))?;
            let reply = s.call(req)?;
            serde_json::to_value(reply).map_err(|e| ApiError::new("internal", e.to_string()))
        }
        use ridermap_api::*;
        macro_rules! table {
            ($($t:ty),* $(,)?) => {
                match name {
                    $(n if n == <$t>::NAME => run::<$t>(self, body),)*
                    _ => Err(ApiError::new("unknown_command", format!("no command `{name}`"))),
                }
            };
        }
        table!(
            NearbyReq,
            SearchReq,
            PlaceReq,
            CompoundsReq,
            GateReq,
            MapReq,
            AddReportReq,
            ConfirmReq,
            ReviewQueueReq,
            ReviewReq,
            AddVisitReq,
            StationDayReq,
            SavePlaceReq,
            EditPlaceReq,
            VerifyPlaceReq,
            DeletePlaceReq,
            StaleReq,
            DashboardReq,
            ExportReq,
            GridsReq,
            SyncStatusReq,
            SyncNowReq,
            OutboxReq,
            DismissReq,
            EnrolReq,
            BaseMapReq,
            ImportBaseMapReq,
        )
    }
}
