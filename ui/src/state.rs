//! App-wide state, shared through Leptos context: language, theme, where the user is, which
//! screen shows, the sync status bar, and a counter that write commands bump so lists reload.

use leptos::prelude::*;
use ridermap_api::{BaseMap, SyncStatus};
use ridermap_core::{Id, Lang, LatLon, Role};

/// The demo area (Yinhang subdistrict) until the device knows better.
pub const DEFAULT_POSITION: LatLon = LatLon { lat: 31.3376, lon: 121.5382 };

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Nearby,
    Gate,
    Station,
    Grid,
    Sync,
}

impl Tab {
    /// Whether a device enrolled with `role` gets this tab. Before enrolment (`None`) every tab
    /// shows: the device's own store takes every kind of write, and a grid-station PC starts there.
    pub fn shown_to(self, role: Option<Role>) -> bool {
        match (self, role) {
            (_, None | Some(Role::GridWorker | Role::Admin)) => true,
            (Tab::Nearby | Tab::Gate | Tab::Sync, _) => true,
            (Tab::Station, Some(Role::Volunteer)) => true,
            (Tab::Station | Tab::Grid, Some(Role::Rider | Role::Volunteer)) => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Tab(Tab),
    Place(Id),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionSource {
    Device,
    Picked,
    LastKnown,
    Default,
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub lang: RwSignal<Lang>,
    pub night: RwSignal<bool>,
    pub screen: RwSignal<Screen>,
    pub position: RwSignal<LatLon>,
    pub position_source: RwSignal<PositionSource>,
    pub sync: RwSignal<Option<SyncStatus>>,
    /// Why the last read of the sync status failed (None once one succeeds).
    pub sync_failed: RwSignal<Option<String>>,
    pub toast: RwSignal<Option<String>>,
    /// Bumped after every write, so views that read the store load again.
    pub changed: RwSignal<u32>,
    /// The offline base map drawn under the map, when the device holds one.
    pub basemap: RwSignal<Option<BaseMap>>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

pub fn load(key: &str) -> Option<String> {
    storage().and_then(|s| s.get_item(key).ok().flatten())
}

pub fn save(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

impl AppState {
    pub fn new() -> AppState {
        let lang = load("lang").and_then(|l| Lang::parse(&l)).unwrap_or_default();
        let night = load("night").is_some_and(|n| n == "1");
        let (position, source) = match load("position").and_then(|p| serde_json::from_str::<LatLon>(&p).ok()) {
            Some(p) => (p, PositionSource::LastKnown),
            None => (DEFAULT_POSITION, PositionSource::Default),
        };
        AppState {
            lang: RwSignal::new(lang),
            night: RwSignal::new(night),
            // The screen riders use most: which gate, and the way in.
            screen: RwSignal::new(Screen::Tab(Tab::Gate)),
            position: RwSignal::new(position),
            position_source: RwSignal::new(source),
            sync: RwSignal::new(None),
            sync_failed: RwSignal::new(None),
            toast: RwSignal::new(None),
            changed: RwSignal::new(0),
            basemap: RwSignal::new(None),
        }
    }

    pub fn t(&self, zh: &'static str, en: &'static str) -> &'static str {
        self.lang.get().pick(zh, en)
    }

    pub fn set_position(&self, p: LatLon, source: PositionSource) {
        self.position.set(p);
        self.position_source.set(source);
        save("position", &serde_json::to_string(&p).unwrap_or_default());
    }

    pub fn say(&self, message: impl Into<String>) {
        self.toast.set(Some(message.into()));
    }

    pub fn wrote(&self) {
        self.changed.update(|n| *n += 1);
    }
}

pub fn state() -> AppState {
    expect_context::<AppState>()
}

/// Words in the chosen language that follow it. Every label takes this one closure type: each
/// `move || s.t(..)` written out would be code of its own in the wasm.
pub fn tr(zh: &'static str, en: &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let s = state();
    move || s.t(zh, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_gets_the_screens_it_may_use() {
        let check = |role: Option<Role>, expected: [bool; 5]| {
            let tabs = [Tab::Nearby, Tab::Gate, Tab::Station, Tab::Grid, Tab::Sync];
            assert_eq!(tabs.map(|t| t.shown_to(role)), expected, "{role:?}");
        };
        check(None, [true; 5]);
        check(Some(Role::Rider), [true, true, false, false, true]);
        check(Some(Role::Volunteer), [true, true, true, false, true]);
        check(Some(Role::GridWorker), [true; 5]);
        check(Some(Role::Admin), [true; 5]);
    }
}
