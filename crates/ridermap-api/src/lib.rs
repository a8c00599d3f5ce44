//! The app's command surface. Every command is declared once, in `with_commands!`: its name, its
//! request type and its reply type. From that one list come the `Call` impls here, the service's
//! dispatch table (`ridermap-service`), the Tauri handler (`src-tauri`) and so the routes of
//! `ridermap web` — a command cannot be answered by one and forgotten by another.
//!
//! The UI sends a request through whichever transport it runs on — Tauri IPC in the app,
//! `POST /api/{NAME}` with a JSON body under `ridermap web` — and the CLI calls the service
//! directly; all of them share these types. No I/O here: this crate builds for wasm32 with the UI.

mod basemap;
mod grid;
mod places;
mod records;
mod route;
mod sync;

pub use basemap::*;
pub use grid::*;
pub use places::*;
pub use records::*;
pub use ridermap_core::{ApiError, ErrorCode};
pub use route::*;
use serde::{Serialize, de::DeserializeOwned};
pub use sync::*;

/// A request: its command name and the type of its reply.
pub trait Call: Serialize + DeserializeOwned {
    const NAME: &'static str;
    type Reply: Serialize + DeserializeOwned;
}

/// The registry: calls `$then!` with every command, grouped by area, as
/// `area { name: Request => Reply, … } …`. Users derive what they need from it (a match on names,
/// one Tauri command per entry); adding a command here makes every one of them answer it, or
/// fail to compile until it can.
#[macro_export]
macro_rules! with_commands {
    ($then:ident) => {
        $then! {
            places {
                nearby: $crate::NearbyReq => Vec<$crate::NearbyItem>,
                search: $crate::SearchReq => Vec<$crate::Place>,
                find_place: $crate::FindPlaceReq => $crate::Place,
                place: $crate::PlaceReq => $crate::PlaceView,
                compounds: $crate::CompoundsReq => Vec<$crate::CompoundHit>,
                building: $crate::BuildingReq => $crate::BuildingAnswer,
                gate: $crate::GateReq => $crate::GateAnswer,
                map: $crate::MapReq => Vec<$crate::MapPoint>,
                add_place: $crate::AddPlaceReq => $crate::Place,
                save_place: $crate::SavePlaceReq => $crate::Place,
                edit_place: $crate::EditPlaceReq => $crate::Place,
                verify_place: $crate::VerifyPlaceReq => $crate::Place,
                delete_place: $crate::DeletePlaceReq => (),
                check_hours: $crate::CheckHoursReq => Option<String>,
            }
            records {
                add_report: $crate::AddReportReq => $crate::StatusReport,
                confirm: $crate::ConfirmReq => $crate::StatusReport,
                reports: $crate::ReportsReq => Vec<$crate::StatusReport>,
                review_queue: $crate::ReviewQueueReq => Vec<$crate::ReviewItem>,
                review: $crate::ReviewReq => $crate::StatusReport,
                add_visit: $crate::AddVisitReq => $crate::Visit,
                station_day: $crate::StationDayReq => $crate::StationDay,
                add_note: $crate::AddNoteReq => $crate::Note,
                add_photo: $crate::AddPhotoReq => $crate::PhotoRef,
            }
            grid {
                stale: $crate::StaleReq => Vec<$crate::Place>,
                dashboard: $crate::DashboardReq => $crate::Dashboard,
                dashboard_csv: $crate::DashboardCsvReq => String,
                sign: $crate::SignReq => $crate::Signed,
                scorecard: $crate::ScorecardReq => Vec<$crate::CompoundScore>,
                stats: $crate::StatsReq => $crate::Stats,
                grids: $crate::GridsReq => Vec<$crate::GridInfo>,
                add_grid: $crate::AddGridReq => $crate::GridInfo,
                import: $crate::ImportReq => $crate::ImportReport,
                export: $crate::ExportReq => $crate::Exported,
            }
            sync {
                sync_status: $crate::SyncStatusReq => $crate::SyncStatus,
                sync_now: $crate::SyncNowReq => $crate::SyncOutcome,
                sync_settings: $crate::SyncSettingsReq => $crate::SyncStatus,
                outbox: $crate::OutboxReq => $crate::Outbox,
                dismiss: $crate::DismissReq => (),
                enrol: $crate::EnrolReq => $crate::SyncStatus,
                conflicts: $crate::ConflictsReq => Vec<$crate::ConflictItem>,
                changes: $crate::ChangesReq => Vec<$crate::LoggedChange>,
            }
            basemap {
                basemap: $crate::BaseMapReq => Option<$crate::BaseMap>,
                import_basemap: $crate::ImportBaseMapReq => $crate::BaseMap,
            }
            route {
                route: $crate::RouteReq => $crate::Route,
                base_layer: $crate::BaseLayerReq => Vec<$crate::BaseLayerSource>,
                map_layer: $crate::MapLayerReq => $crate::MapLayer,
            }
        }
    };
}

/// Model types that replies carry, re-exported so the registry can name them from any crate.
pub use ridermap_core::{Note, Place, StatusReport, Visit};

macro_rules! declare_calls {
    ($($area:ident { $($name:ident: $req:ty => $reply:ty,)* })*) => {
        $($(impl Call for $req {
            const NAME: &'static str = stringify!($name);
            type Reply = $reply;
        })*)*
        /// Every command name, for dispatch tables and their tests.
        pub const COMMANDS: &[&str] = &[$($(stringify!($name)),*),*];
    };
}
with_commands!(declare_calls);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_names_are_unique_and_snake_case() {
        let mut names = COMMANDS.to_vec();
        assert!(names.len() > 30, "{names:?}");
        names.sort();
        names.dedup();
        assert_eq!(names.len(), COMMANDS.len());
        assert!(COMMANDS.iter().all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
    }

    #[test]
    fn a_request_names_its_command() {
        assert_eq!(<NearbyReq as Call>::NAME, "nearby");
        assert_eq!(<ImportBaseMapReq as Call>::NAME, "import_basemap");
    }
}
