//! The shell: header with language and night switches, the sync status bar, the screen, and the
//! tab bar (phone) or side rail (tablet, via CSS).

use leptos::prelude::*;
use ridermap_api::{BaseMapReq, SyncStatusReq};
use ridermap_core::{Lang, LatLon};
use wasm_bindgen::{JsCast, closure::Closure};

use crate::{
    screens,
    state::{AppState, PositionSource, Screen, Tab, save, state, tr},
    transport::call,
    widgets::{StatusBar, Toast},
};

/// Ask the platform where we are, once; keep the answer as the last-known position.
fn locate(s: AppState) {
    let Some(geo) = web_sys::window().and_then(|w| w.navigator().geolocation().ok()) else { return };
    let ok = Closure::<dyn FnMut(web_sys::Position)>::new(move |p: web_sys::Position| {
        let c = p.coords();
        s.set_position(LatLon::new(c.latitude(), c.longitude()), PositionSource::Device);
    });
    let opts = web_sys::PositionOptions::new();
    opts.set_timeout(8000);
    opts.set_maximum_age(60_000);
    let _ = geo.get_current_position_with_error_callback_and_options(ok.as_ref().unchecked_ref(), None, &opts);
    ok.forget();
}

fn refresh_sync(s: AppState) {
    leptos::task::spawn_local(async move {
        match call(&SyncStatusReq {}).await {
            Ok(st) => {
                s.sync.set(Some(st));
                s.sync_failed.set(None);
            }
            Err(e) => s.sync_failed.set(Some(e.message)),
        }
    });
}

#[component]
pub fn App() -> impl IntoView {
    let s = AppState::new();
    provide_context(s);
    locate(s);
    leptos::task::spawn_local(async move {
        match call(&BaseMapReq {}).await {
            Ok(map) => s.basemap.set(map),
            // The map still draws the local data; say why the base map is missing.
            Err(e) => s.say(format!("{}{}", s.t("底图读取失败：", "Cannot read the base map: "), e.message)),
        }
    });
    // The status bar follows every write, and the clock for "last sync".
    Effect::new(move |_| {
        s.changed.track();
        refresh_sync(s);
    });
    if let Ok(handle) = set_interval_with_handle(move || refresh_sync(s), std::time::Duration::from_secs(15)) {
        on_cleanup(move || handle.clear());
    }
    Effect::new(move |_| {
        let lang = s.lang.get();
        save("lang", lang.pick("zh", "en"));
        if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = root.set_attribute("lang", lang.pick("zh-CN", "en"));
        }
    });
    Effect::new(move |_| save("night", if s.night.get() { "1" } else { "0" }));
    view! {
        <div class="app" class:night=move || s.night.get()>
            <header class="top">
                <h1>{tr("骑手友好地图", "Ridermap")}</h1>
                <button class="toggle" data-testid="lang"
                    on:click=move |_| s.lang.update(|l| *l = if *l == Lang::Zh { Lang::En } else { Lang::Zh })>
                    {tr("EN", "中文")}
                </button>
                <button class="toggle" data-testid="night" on:click=move |_| s.night.update(|n| *n = !*n)>
                    {move || if s.night.get() { s.t("日间", "Day") } else { s.t("夜间", "Night") }}
                </button>
            </header>
            <StatusBar/>
            <main class="screen">{move || match s.screen.get() {
                Screen::Tab(Tab::Nearby) => view! { <screens::nearby::Nearby/> }.into_any(),
                Screen::Tab(Tab::Gate) => view! { <screens::gate::FindGate/> }.into_any(),
                Screen::Tab(Tab::Station) => view! { <screens::station::Station/> }.into_any(),
                Screen::Tab(Tab::Grid) => view! { <screens::grid::GridWork/> }.into_any(),
                Screen::Tab(Tab::Sync) => view! { <screens::sync::SyncScreen/> }.into_any(),
                Screen::Place(id) => view! { <screens::place::PlaceScreen id=id/> }.into_any(),
            }}</main>
            <Toast/>
            <TabBar/>
        </div>
    }
}

#[component]
fn TabBar() -> impl IntoView {
    let s = state();
    let tab = move |t: Tab, icon: &'static str, zh: &'static str, en: &'static str, id: &'static str| {
        view! {
            <button class="tab" data-testid=id class:active=move || s.screen.get() == Screen::Tab(t)
                on:click=move |_| s.screen.set(Screen::Tab(t))>
                <span class="icon">{icon}</span>
                <span>{move || s.t(zh, en)}</span>
            </button>
        }
    };
    // Only the screens the enrolled role may use (a rider has no grid desk to be refused from).
    let role = move || s.sync.with(|st| st.as_ref().and_then(|st| st.role));
    let shown = move |t: Tab, icon: &'static str, zh: &'static str, en: &'static str, id: &'static str| {
        move || t.shown_to(role()).then(|| tab(t, icon, zh, en, id))
    };
    view! {
        <nav class="tabs">
            {tab(Tab::Gate, "⌂", "找门", "Gate", "tab-gate")}
            {tab(Tab::Nearby, "◉", "附近", "Nearby", "tab-nearby")}
            {shown(Tab::Station, "☕", "驿站", "Station", "tab-station")}
            {shown(Tab::Grid, "▦", "网格", "Grid", "tab-grid")}
            {tab(Tab::Sync, "⇅", "同步", "Sync", "tab-sync")}
        </nav>
    }
}
