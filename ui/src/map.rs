//! The offline map: the local data drawn in SVG (compound outlines, gates, chargers, rest stops,
//! the user's position) with drag to pan, wheel or buttons to zoom, and clustering, over the
//! device's offline base map when it holds one. No network: it works wherever the store does.

use leptos::{ev, prelude::*};
use ridermap_api::{Datum, MapPoint};
use ridermap_core::{Id, LatLon, PlaceKind, nav};
use wasm_bindgen::JsCast;

use crate::{
    geom::{View, cluster, tiles},
    state::{Screen, state},
    transport::tile_url,
};

/// A tile to draw: where, and from which URL (the key: the same tile keeps its element).
#[derive(Debug, Clone, PartialEq)]
struct Tile {
    url: String,
    at: [f64; 4],
}

/// Logical size of the drawing; CSS scales it to the box.
pub const W: f64 = 400.0;
pub const H: f64 = 300.0;
const CELL_PX: f64 = 36.0;

pub fn kind_class(k: PlaceKind) -> &'static str {
    match k {
        PlaceKind::Compound => "m-compound",
        PlaceKind::Entrance => "m-gate",
        PlaceKind::Charger => "m-charger",
        PlaceKind::RestStop => "m-rest",
        PlaceKind::Path => "m-path",
    }
}

/// `[lon, lat]` points as an SVG `points` attribute in the current view.
fn svg_points(v: &View, points: &[[f64; 2]]) -> String {
    points
        .iter()
        .map(|[lon, lat]| {
            let (x, y) = v.project(LatLon::new(*lat, *lon));
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Pointer position in drawing units.
fn local(ev: &web_sys::PointerEvent) -> Option<(f64, f64)> {
    let el: web_sys::Element = ev.current_target()?.dyn_into().ok()?;
    let r = el.get_bounding_client_rect();
    Some(((ev.client_x() as f64 - r.left()) * W / r.width(), (ev.client_y() as f64 - r.top()) * H / r.height()))
}

/// The map.
#[component]
pub fn Map(
    /// Where the map looks; the owner reloads `points` when it moves.
    view: RwSignal<View>,
    /// What to draw.
    points: Signal<Vec<MapPoint>>,
    /// Places to stand out (e.g. the gates of an answer), best first.
    #[prop(optional, into)]
    highlight: Signal<Vec<Id>>,
    /// When set, a tap picks a position instead of opening a place.
    #[prop(optional)]
    on_pick: Option<Callback<LatLon>>,
) -> impl IntoView {
    let s = state();
    let drag = RwSignal::new(None::<(f64, f64, f64)>); // last x, last y, distance moved
    let on_down = move |ev: web_sys::PointerEvent| {
        if let Some((x, y)) = local(&ev) {
            drag.set(Some((x, y, 0.0)));
            if let Some(t) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                let _ = t.set_pointer_capture(ev.pointer_id());
            }
        }
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        if let (Some((lx, ly, moved)), Some((x, y))) = (drag.get_untracked(), local(&ev)) {
            let (dx, dy) = (x - lx, y - ly);
            view.update(|v| *v = v.pan(dx, dy));
            drag.set(Some((x, y, moved + dx.abs() + dy.abs())));
        }
    };
    let on_up = move |ev: web_sys::PointerEvent| {
        let Some((_, _, moved)) = drag.get_untracked() else { return };
        drag.set(None);
        if moved > 6.0 {
            return;
        }
        if let (Some(pick), Some((x, y))) = (on_pick, local(&ev)) {
            pick.run(view.get_untracked().unproject(x, y));
        }
    };
    let on_wheel = move |ev: ev::WheelEvent| {
        ev.prevent_default();
        let factor = if ev.delta_y() < 0.0 { 1.25 } else { 0.8 };
        view.update(|v| *v = v.zoom_at(factor, W / 2.0, H / 2.0));
    };
    let zoom = move |f: f64| view.update(|v| *v = v.zoom_at(f, W / 2.0, H / 2.0));
    let markers = move || {
        let v = view.get();
        let hl = highlight.get();
        points.with(|pts| {
            // Compound paths are lines of the map, not places to pick: drawn, never clustered.
            let (paths, pts): (Vec<&MapPoint>, Vec<&MapPoint>) = pts.iter().partition(|p| p.line.is_some());
            let lines = paths
                .into_iter()
                .filter(|_| v.scale > 0.08)
                .map(|p| {
                    let d = svg_points(&v, p.line.as_deref().unwrap_or_default());
                    let class = if p.wall { "path-line wall" } else { "path-line" };
                    view! { <polyline class=class points=d data-testid="path-line"><title>{p.name.clone()}</title></polyline> }
                })
                .collect_view();
            let xy: Vec<(f64, f64)> = pts.iter().map(|p| v.project(LatLon::new(p.lat, p.lon))).collect();
            // Outlines only once zoomed in far enough for them to mean something.
            let rings: Vec<&Vec<[f64; 2]>> =
                if v.scale > 0.08 { pts.iter().filter_map(|p| p.outline.as_ref()).collect() } else { vec![] };
            let outlines = rings
                .into_iter()
                .map(|ring| {
                    let d = svg_points(&v, ring);
                    view! { <polygon class="outline" points=d /> }
                })
                .collect_view();
            let dots = cluster(&xy, &v, CELL_PX)
                .into_iter()
                .map(|c| {
                    if c.members.len() == 1 {
                        let p = (*pts[c.members[0]]).clone();
                        let rank = hl.iter().position(|h| *h == p.id);
                        let class = format!("marker {}{}", kind_class(p.kind), if rank == Some(0) { " best" } else if rank.is_some() { " hl" } else { "" });
                        let id = p.id;
                        let label = p.name.clone();
                        view! {
                            <g class=class data-testid="marker" on:click=move |_| if on_pick.is_none() { s.screen.set(Screen::Place(id)) }>
                                <circle cx=c.x cy=c.y r=if rank.is_some() { 9.0 } else { 7.0 } />
                                <title>{label}</title>
                            </g>
                        }
                        .into_any()
                    } else {
                        let (cx, cy) = (c.x, c.y);
                        let n = c.members.len();
                        let r = 12.0 + (n as f64).log10() * 4.0;
                        view! {
                            <g class="cluster" data-testid="cluster"
                                on:click=move |_| view.update(|v| *v = v.zoom_at(2.0, cx, cy))>
                                <circle cx=cx cy=cy r=r />
                                <text x=cx y=cy + 4.0 text-anchor="middle">{n}</text>
                            </g>
                        }
                        .into_any()
                    }
                })
                .collect_view();
            let (px, py) = v.project(s.position.get());
            view! {
                {outlines}
                {lines}
                {dots}
                <circle class="me" cx=px cy=py r=6.0 data-testid="me" />
            }
        })
    };
    // The base map under the data, in tiles; each keeps its <image> while the map pans.
    let placed = Memo::new(move |_| {
        let Some(m) = s.basemap.get() else { return vec![] };
        let v = view.get();
        let z = v.tile_zoom(m.min_zoom, m.max_zoom);
        let placed = match m.datum {
            Datum::Wgs84 => tiles(&v, z, m.bounds, |p| p, |p| p),
            Datum::Gcj02 => tiles(&v, z, m.bounds, nav::to_gcj02, nav::from_gcj02),
        };
        placed
            .into_iter()
            .map(|t| Tile { url: tile_url(t.z, t.x, t.y, &m.version), at: [t.left, t.top, t.width, t.height] })
            .collect::<Vec<_>>()
    });
    let base = move || {
        view! {
            <For each=move || placed.get() key=|t| t.url.clone() let:t>
                {
                    let url = t.url.clone();
                    let at = Memo::new(move |_| placed.with(|ts| ts.iter().find(|p| p.url == url).map_or([0.0; 4], |p| p.at)));
                    view! {
                        <image href=t.url.clone() x=move || at.get()[0] y=move || at.get()[1] width=move || at.get()[2] height=move || at.get()[3]
                            preserveAspectRatio="none" pointer-events="none" data-testid="tile" />
                    }
                }
            </For>
        }
    };
    view! {
        <div class="map" class:picking=on_pick.is_some()>
            <svg viewBox=format!("0 0 {W} {H}") data-testid="map" data-points=move || points.with(Vec::len)
                on:pointerdown=on_down on:pointermove=on_move on:pointerup=on_up on:wheel=on_wheel>
                <rect class="ground" x="0" y="0" width=W height=H />
                {base}
                {markers}
            </svg>
            <div class="map-buttons">
                <button aria-label="zoom in" on:click=move |_| zoom(1.6)>"+"</button>
                <button aria-label="zoom out" on:click=move |_| zoom(0.625)>"−"</button>
                <button aria-label="my position" on:click=move |_| view.update(|v| v.center = s.position.get_untracked())>"◎"</button>
            </div>
        </div>
    }
}
