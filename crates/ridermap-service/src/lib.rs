//! The app's commands, each answered once, over the local store and the device sync engine. The
//! Tauri shell, `ridermap web` and the `ridermap` CLI only translate: typed calls go through
//! `Service::call`, named ones (`POST /api/{name}`) through `Service::dispatch`, whose table is
//! derived from the one command registry (`ridermap_api::with_commands!`).
//!
//! The store is shared behind a lock that a command takes when it first touches the store and
//! holds until it ends. Commands that wait on the network (a sync round, enrolment) never take
//! it: they open a connection of their own, so the UI's commands finish while a round waits.

pub mod basemap;
mod dashboard;
mod grid;
mod layer;
mod places;
mod records;
mod route;
mod sign;
mod sync;

use std::{
    path::{Path, PathBuf},
    sync::{Mutex, MutexGuard},
};

pub use ridermap_api as api;
use ridermap_api::{ApiError, Call, ErrorCode};
use ridermap_store::{Actor, Store};
use serde_json::Value;
pub use sync::Pace;

/// How far a long command (an import) has come: records done, records in all.
pub type Progress = Box<dyn Fn(usize, usize) + Send + Sync>;

/// What a command sees while it runs.
pub struct Ctx<'a> {
    service: &'a Service,
    store: Option<MutexGuard<'a, Store>>,
}

impl<'a> Ctx<'a> {
    /// The shared store: locked at first use, until the command ends.
    pub fn store(&mut self) -> &mut Store {
        let service = self.service;
        self.store.get_or_insert_with(|| service.store.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// A connection of its own to the store's file, for work that waits on the network while the
    /// shared store stays free.
    pub fn own_store(&self) -> Result<Store, ApiError> {
        Ok(Store::open(&self.service.path)?)
    }

    /// Who is acting: recorded on every change.
    pub fn actor(&self) -> &'a Actor {
        &self.service.actor
    }

    /// The store's file.
    pub fn path(&self) -> &'a Path {
        &self.service.path
    }

    pub(crate) fn basemap(&self) -> &'a Mutex<basemap::Slot> {
        &self.service.basemap
    }

    pub(crate) fn progress(&self) -> Option<&'a (dyn Fn(usize, usize) + Send + Sync)> {
        self.service.progress.as_deref()
    }
}

/// Writes `bytes` to `target` whole or not at all: beside it first, synced, then renamed.
pub(crate) fn write_whole(target: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    let partial = target.with_extension("partial");
    let written = (|| {
        use std::io::Write;
        let mut file = std::fs::File::create(&partial)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&partial, target)
    })();
    written.map_err(|e| {
        // Best effort: the partial file is ours and worthless now; the error says what failed.
        std::fs::remove_file(&partial).ok();
        ApiError::new(ErrorCode::Io, format!("cannot write {}: {e}", target.display()))
    })
}

/// A request the service knows how to answer.
pub trait Handle: Call {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Self::Reply, ApiError>;
}

pub struct Service {
    store: Mutex<Store>,
    actor: Actor,
    path: PathBuf,
    basemap: Mutex<basemap::Slot>,
    progress: Option<Progress>,
}

pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid(message)
}

impl Service {
    /// The service over the store file at `path` (created, with the demo data when `demo` says).
    pub fn open(path: &Path, demo: Demo, actor: Actor) -> Result<Service, ApiError> {
        let mut store = Store::open(path)?;
        if store.was_created() && demo == Demo::Load {
            ridermap_exchange::demo::load(&mut store)
                .map_err(|e| ApiError::internal(format!("loading the demo data: {e}")))?;
        }
        let basemap = Mutex::new(basemap::load(path));
        Ok(Service { store: Mutex::new(store), actor, path: path.to_path_buf(), basemap, progress: None })
    }

    /// Report the progress of long commands (imports) to `f`.
    pub fn on_progress(mut self, f: Progress) -> Service {
        self.progress = Some(f);
        self
    }

    /// Answer `req`.
    pub fn call<C: Handle>(&self, req: C) -> Result<C::Reply, ApiError> {
        req.handle(&mut Ctx { service: self, store: None })
    }

    /// A kept photo by its content address (`ridermap://localhost/photos/…`, `/photos/…`).
    pub fn photo(&self, hash: &str) -> Result<Option<Vec<u8>>, ApiError> {
        if !ridermap_core::is_content_address(hash) {
            return Err(invalid(format!("`{hash}` is not a photo's content address")));
        }
        let store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        Ok(store.blob(hash)?)
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

    fn run_json<C: Handle>(&self, body: Value) -> Result<Value, ApiError> {
        let req: C =
            serde_json::from_value(body).map_err(|e| invalid(format!("bad request for `{}`: {e}", C::NAME)))?;
        let reply = self.call(req)?;
        serde_json::to_value(reply).map_err(|e| ApiError::internal(e.to_string()))
    }
}

/// Whether a store created by `Service::open` gets the illustrative demo data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Demo {
    Load,
    Skip,
}

/// `Service::dispatch`, with one arm per command of the registry: a command without a `Handle`
/// impl does not compile.
macro_rules! dispatch_table {
    ($($area:ident { $($name:ident: $req:ty => $reply:ty,)* })*) => {
        impl Service {
            /// Run the command `name` on a JSON body; the reply as JSON.
            pub fn dispatch(&self, name: &str, body: Value) -> Result<Value, ApiError> {
                match name {
                    $($(stringify!($name) => self.run_json::<$req>(body),)*)*
                    _ => Err(ApiError::new(ErrorCode::UnknownCommand, format!("no command `{name}`"))),
                }
            }
        }
    };
}
ridermap_api::with_commands!(dispatch_table);
