//! Home: the map and the nearby list around the current position, with filters and search.

use leptos::prelude::*;
use ridermap_api::{MapReq, NearbyItem, NearbyReq};
use ridermap_core::{Amenity, Id, LatLon, PlaceKind};

use crate::{
    geom::View,
    map::{H, Map, W},
    screens::place::PlaceScreen,
    state::{PositionSource, Screen, state, tr},
    text,
    transport::call,
    widgets::{ReadStatus, VirtualList, wide},
};

const ROW: f64 = 64.0;

#[component]
pub fn Nearby() -> impl IntoView {
    let s = state();
    let kind = RwSignal::new(None::<PlaceKind>);
    let open_now = RwSignal::new(false);
    let ebike = RwSignal::new(false);
    let working = RwSignal::new(false);
    let hot_water = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let picking = RwSignal::new(false);
    let view = RwSignal::new(View::new(s.position.get_untracked(), 0.5, W, H));

    let results = LocalResource::new(move || {
        s.changed.track();
        let (text, lang) = (query.get(), s.lang.get());
        let p = s.position.get();
        let req = NearbyReq {
            lat: p.lat,
            lon: p.lon,
            kind: kind.get(),
            open_now: open_now.get(),
            ebike: ebike.get(),
            working: working.get(),
            amenities: if hot_water.get() { vec![Amenity::HotWater] } else { vec![] },
            limit: Some(200),
            ..Default::default()
        };
        async move {
            let _ = lang;
            let shown = text.clone();
            // Typed text: the places matching it, told like the nearby list (the service reads
            // their hours: the wasm carries no opening-hours evaluator).
            let req = if text.trim().is_empty() { req } else { NearbyReq { text: Some(text), ..req } };
            let items = call(&req).await;
            // The query travels with its answer, so a late answer is known for what it is.
            items.map(|i| (shown, i))
        }
    });
    let fetch_box = Memo::new(move |_| view.get().fetch_box());
    let map_points = LocalResource::new(move || {
        s.changed.track();
        let bbox = fetch_box.get();
        async move { call(&MapReq { bbox, limit: None }).await }
    });
    // What the map and the list draw once their reads have come back; until then, and when a read
    // fails, `ReadStatus` says so above them (a failed read is never shown as "0 places").
    let points = Signal::derive(move || map_points.get().and_then(Result::ok).unwrap_or_default());
    let items = Signal::derive(move || results.get().and_then(Result::ok).map(|(_, i)| i).unwrap_or_default());
    let loaded = move || results.get().and_then(Result::ok).map(|(q, i)| (q, i.len()));

    let chip = move |label: (&'static str, &'static str), on: RwSignal<bool>, id: &'static str| {
        view! {
            <button class="chip" class:on=move || on.get() data-testid=id on:click=move |_| on.update(|v| *v = !*v)>
                {move || s.t(label.0, label.1)}
            </button>
        }
    };
    let kind_chip = move |k: Option<PlaceKind>, id: &'static str| {
        view! {
            <button class="chip" class:on=move || kind.get() == k data-testid=id on:click=move |_| kind.set(k)>
                {move || match k { None => s.t("全部", "All"), Some(k) => text::kind(k, s.lang.get()) }}
            </button>
        }
    };
    let source = move || match s.position_source.get() {
        PositionSource::Device => s.t("当前位置", "your position"),
        PositionSource::Picked => s.t("地图上选的位置", "picked position"),
        PositionSource::LastKnown => s.t("上次位置", "last known position"),
        PositionSource::Default => s.t("默认位置（殷行街道）", "default position (Yinhang)"),
    };
    let on_pick = Callback::new(move |p: LatLon| {
        s.set_position(p, PositionSource::Picked);
        picking.set(false);
    });
    // A place tapped in the list or on the map: on a tablet it opens beside the list (the map
    // centred on it, then its page), on a phone over it.
    let selected = RwSignal::new(None::<Id>);
    let open = Callback::new(move |(id, at): (Id, Option<LatLon>)| {
        if !wide() {
            return s.screen.set(Screen::Place(id));
        }
        if let Some(at) = at {
            view.update(|v| v.center = at);
        }
        selected.set(Some(id));
    });
    let on_select = Callback::new(move |id| open.run((id, None)));
    let highlight = Signal::derive(move || selected.get().into_iter().collect::<Vec<_>>());
    view! {
        <section class="nearby">
            <input class="search" type="search" data-testid="search"
                placeholder=tr("搜小区、门、换电柜、驿站", "Search compounds, gates, chargers, rest stops")
                prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev)) />
            <div class="chips">
                {kind_chip(None, "kind-all")}
                {kind_chip(Some(PlaceKind::Entrance), "kind-entrance")}
                {kind_chip(Some(PlaceKind::Charger), "kind-charger")}
                {kind_chip(Some(PlaceKind::RestStop), "kind-rest_stop")}
            </div>
            <div class="chips">
                {chip(("营业中", "Open now"), open_now, "f-open")}
                {chip(("电动车可进", "E-bike OK"), ebike, "f-ebike")}
                {chip(("可用的", "Working"), working, "f-working")}
                {chip(("有热水", "Hot water"), hot_water, "f-hot-water")}
            </div>
            <div class="where">
                <span>{tr("围绕", "Around")}" "{source}</span>
                <button class="link" data-testid="pick-position" on:click=move |_| picking.update(|p| *p = !*p)>
                    {move || if picking.get() { s.t("取消选点", "Cancel") } else { s.t("在地图上选位置", "Pick on map") }}
                </button>
            </div>
            <ReadStatus res=map_points what=("地图上的地点", "the places on the map")/>
            <div class="side">
                {move || if picking.get() {
                    view! { <Map view=view points=points on_pick=on_pick/> }.into_any()
                } else {
                    view! { <Map view=view points=points highlight=highlight on_select=on_select/> }.into_any()
                }}
                {move || selected.get().map(|id| view! { <div data-testid="side-place"><PlaceScreen id=id/></div> })}
            </div>
            <ReadStatus res=results what=("附近的地点", "the places nearby")/>
            {move || loaded().map(|(q, n)| view! {
                <p class="count" data-testid="result-count" data-query=q>{format!("{n} {}", s.t("处", "places"))}</p>
            })}
            <Show when=move || loaded().is_some()>
                <VirtualList items=items row_height=ROW render=move |item: NearbyItem| view! { <PlaceRow item=item selected=selected open=open/> } />
            </Show>
        </section>
    }
}

/// One place in a list: name, kind, distance, open or not, and what riders reported.
#[component]
pub fn PlaceRow(
    item: NearbyItem,
    /// The place shown beside the list (a tablet's), marked in it.
    selected: RwSignal<Option<Id>>,
    /// Opens the place (where it is, to centre the map on).
    open: Callback<(Id, Option<LatLon>)>,
) -> impl IntoView {
    let s = state();
    let id = item.place.id;
    let at = item.place.point();
    let kind = item.place.kind();
    let is_open = item.open;
    let condition = item.condition;
    view! {
        <button class="row" class:on=move || selected.get() == Some(id) data-testid="place-row"
            on:click=move |_| open.run((id, Some(at)))>
            <span class=format!("dot {}", crate::map::kind_class(kind))></span>
            <span class="row-main">
                <span class="row-name">{item.place.name.clone()}</span>
                <span class="row-sub">
                    {move || text::kind(kind, s.lang.get())}" · "{move || text::distance(item.distance_m, s.lang.get())}
                    {move || match is_open {
                        Some(true) => format!(" · {}", s.t("开放中", "open")),
                        Some(false) => format!(" · {}", s.t("已关闭", "closed")),
                        None => String::new(),
                    }}
                </span>
            </span>
            {move || text::condition(condition, s.lang.get()).map(|w| view! { <span class="warn">{w}</span> })}
        </button>
    }
}
