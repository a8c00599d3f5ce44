//! The offline map: the local data drawn in SVG (compound outlines, gates, chargers, rest stops,
//! the user's position) with drag to pan, wheel or buttons to zoom, and clustering, over the base
//! layer (streets, lanes, footprints with their numbers, doors, walls, water, green: `layer.rs`)
//! and the device's raster base map when it holds one, with a route drawn on top. No network: it
//! works wherever the store does.

use leptos::{ev, prelude::*};
use ridermap_api::{Datum, MapLayer, MapLayerReq, MapPoint};
use ridermap_core::{Id, LatLon, PlaceKind, nav};
use wasm_bindgen::JsCast;

use crate::{
    geom::{View, cluster, tiles},
    layer,
    state::{Screen, state},
    transport::{call, tile_url},
};

/// A line drawn over the map: a route, or the way to its start.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// `[lon, lat]` points.
    pub line: Vec<[f64; 2]>,
    /// `route` (the way in) or `approach` (from where the rider is to the gate).
    pub class: &'static str,
}

/// A tile to draw: where, and from which URL (the key: the same tile keeps its element).
#[derive(Debug, Clone, PartialEq)]
struct Tile {
    url: String,
    at: [f64; 4],
}

/// Logical size of the drawing (unless a screen's view says otherwise); CSS scales it to the box.
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

/// Pointer position in drawing units, on a drawing `w` × `h`.
fn local(ev: &web_sys::PointerEvent, (w, h): (f64, f64)) -> Option<(f64, f64)> {
    let el: web_sys::Element = ev.current_target()?.dyn_into().ok()?;
    let r = el.get_bounding_client_rect();
    Some(((ev.client_x() as f64 - r.left()) * w / r.width(), (ev.client_y() as f64 - r.top()) * h / r.height()))
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
    /// When set, a tap on a place's marker selects it (a list beside the map shows it) instead of
    /// opening it.
    #[prop(optional)]
    on_select: Option<Callback<Id>>,
    /// Lines drawn over everything but the markers.
    #[prop(optional, into)]
    traces: Signal<Vec<Trace>>,
    /// When set, a tap on a numbered footprint asks for that building: its number and middle.
    #[prop(optional)]
    on_building: Option<Callback<(String, [f64; 2])>>,
    /// Where the building to stand out is (`[lon, lat]`): the footprint whose middle is there.
    #[prop(optional, into)]
    picked: Signal<Option<[f64; 2]>>,
) -> impl IntoView {
    let s = state();
    // The drawing's size is the view's (a screen may ask for a wider, lower map than W × H).
    let size = {
        let v = view.get_untracked();
        (v.width, v.height)
    };
    let (w, h) = size;
    let drag = RwSignal::new(None::<(f64, f64, f64)>); // last x, last y, distance moved
    // How far the last gesture moved: a drag that ends on a footprint is not a tap on it.
    let last_moved = StoredValue::new(0.0f64);
    let on_down = move |ev: web_sys::PointerEvent| {
        if let Some((x, y)) = local(&ev, size) {
            drag.set(Some((x, y, 0.0)));
            if let Some(t) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
                let _ = t.set_pointer_capture(ev.pointer_id());
            }
        }
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        if let (Some((lx, ly, moved)), Some((x, y))) = (drag.get_untracked(), local(&ev, size)) {
            let (dx, dy) = (x - lx, y - ly);
            view.update(|v| *v = v.pan(dx, dy));
            drag.set(Some((x, y, moved + dx.abs() + dy.abs())));
        }
    };
    let on_up = move |ev: web_sys::PointerEvent| {
        let Some((_, _, moved)) = drag.get_untracked() else { return };
        drag.set(None);
        last_moved.set_value(moved);
        if moved > 6.0 {
            return;
        }
        if let (Some(pick), Some((x, y))) = (on_pick, local(&ev, size)) {
            pick.run(view.get_untracked().unproject(x, y));
        }
    };
    let on_wheel = move |ev: ev::WheelEvent| {
        ev.prevent_default();
        let factor = if ev.delta_y() < 0.0 { 1.25 } else { 0.8 };
        view.update(|v| *v = v.zoom_at(factor, w / 2.0, h / 2.0));
    };
    let zoom = move |f: f64| view.update(|v| *v = v.zoom_at(f, w / 2.0, h / 2.0));
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
                            <g class=class data-testid="marker" on:click=move |_| match (on_pick, on_select) {
                                (Some(_), _) => {}
                                (None, Some(select)) => select.run(id),
                                (None, None) => s.screen.set(Screen::Place(id)),
                            }>
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
    // The base layer of the loaded box (three views around this one), fetched again when the box
    // or the scale changes and after every write; the last answer stays drawn while one loads.
    let layer = RwSignal::new(None::<MapLayer>);
    let layer_error = RwSignal::new(None::<String>);
    let asked = StoredValue::new(0u32);
    let want = Memo::new(move |_| {
        let v = view.get();
        (v.fetch_box(), 1.0 / v.scale)
    });
    Effect::new(move |_| {
        s.changed.track();
        let (bbox, m_per_px) = want.get();
        asked.update_value(|n| *n += 1);
        let mine = asked.get_value();
        leptos::task::spawn_local(async move {
            let got = call(&MapLayerReq { bbox, m_per_px }).await;
            if asked.get_value() != mine {
                return; // a later view asked since
            }
            match got {
                Ok(l) => {
                    layer.set(Some(l));
                    layer_error.set(None);
                }
                Err(e) => layer_error.set(Some(e.message)),
            }
        });
    });
    // Shapes projected once in the view they arrived in; a pan or zoom moves them by transform.
    let projected = StoredValue::new(layer::Projected::default());
    let drawn = Memo::new(move |_| {
        layer.with(|l| {
            let l = l.as_ref()?;
            let (frame, list) = projected.try_update_value(|p| p.update(l, &view.get_untracked()))?;
            Some((frame, list, l.features.len()))
        })
    });
    let base_transform = move || {
        drawn.with(|d| {
            d.as_ref().map(|(frame, ..)| {
                let (x, y, r) = layer::transform(frame, &view.get());
                format!("translate({x:.2} {y:.2}) scale({r:.5})")
            })
        })
    };
    // Keyed: an answer that shares features with the last keeps their elements.
    let keyed = move || drawn.with(|d| d.as_ref().map(|d| d.1.clone()).unwrap_or_default());
    let shape_view = move |(_, sh): (u64, layer::Shape)| {
        let number = sh.number.clone();
        let tapped = number.clone().zip(sh.centre);
        let on_tap = move |_| {
            if let (Some(cb), Some(t)) = (on_building, tapped.clone())
                && last_moved.get_value() <= 6.0
            {
                cb.run(t);
            }
        };
        match sh.form {
            layer::Form::Area if number.is_some() => {
                let me = sh.centre;
                let is_picked = move || picked.get().zip(me).is_some_and(|(a, b)| layer::same_place(a, b));
                view! {
                    <polygon class=sh.class class:picked=is_picked
                        points=sh.points data-testid="footprint" data-number=number on:click=on_tap />
                }
                .into_any()
            }
            layer::Form::Area => view! { <polygon class=sh.class points=sh.points /> }.into_any(),
            _ => view! { <polyline class=sh.class points=sh.points /> }.into_any(),
        }
    };
    // Labels laid out again only when the scale or the layer changes, not while panning.
    let scale = Memo::new(move |_| view.get().scale);
    let placed_labels = Memo::new(move |_| {
        let frame = View { scale: scale.get(), ..view.get_untracked() };
        layer.with(|l| l.as_ref().map(|l| (frame, layer::labels(l, &frame, [-w, -h, 2.0 * w, 2.0 * h]))))
    });
    let labels_transform = move || {
        placed_labels.with(|p| {
            p.as_ref().map(|(frame, _)| {
                let (x, y, _) = layer::transform(frame, &view.get());
                format!("translate({x:.2} {y:.2})")
            })
        })
    };
    let labels = move || {
        placed_labels.with(|p| {
            let Some((_, labels)) = p else { return vec![].collect_view() };
            labels
                .iter()
                .map(|l| {
                    let turn = format!("rotate({:.1} {:.1} {:.1})", l.angle, l.x, l.y);
                    view! { <text class=l.class x=l.x y=l.y transform=turn text-anchor="middle" dominant-baseline="central">{l.text.clone()}</text> }
                })
                .collect_view()
        })
    };
    let traces_drawn = move || {
        let v = view.get();
        traces.with(|ts| {
            ts.iter()
                .map(|t| {
                    // A trace of one point (a spot: a hazard) is its one end.
                    let last = (t.line.len() > 1).then(|| t.line.last()).flatten();
                    let ends = [t.line.first(), last].into_iter().flatten().map(|p| v.project(LatLon::new(p[1], p[0])));
                    let ends = ends
                        .map(|(x, y)| view! { <circle class=format!("trace-end {}", t.class) cx=x cy=y r=4.0 /> })
                        .collect_view();
                    view! {
                        <polyline class=format!("trace {}", t.class) points=svg_points(&v, &t.line) data-testid=format!("trace-{}", t.class) />
                        {ends}
                    }
                })
                .collect_view()
        })
    };
    view! {
        <div class="map" class:picking=on_pick.is_some()>
            <svg viewBox=format!("0 0 {w} {h}") style=format!("aspect-ratio: {w} / {h}") data-testid="map" data-points=move || points.with(Vec::len)
                data-layer=move || drawn.with(|d| d.as_ref().map_or(0, |d| d.2))
                on:pointerdown=on_down on:pointermove=on_move on:pointerup=on_up on:wheel=on_wheel>
                <rect class="ground" x="0" y="0" width=w height=h />
                {base}
                <g class="base" transform=base_transform data-testid="base-layer">
                    <For each=keyed key=|(k, _)| *k children=shape_view />
                </g>
                {traces_drawn}
                <g class="labels" transform=labels_transform pointer-events="none">{labels}</g>
                {markers}
            </svg>
            {move || layer_error.get().map(|e| view! {
                <p class="map-error" data-testid="layer-error">{s.t("底图读取失败：", "Cannot read the base layer: ")}{e}</p>
            })}
            <div class="map-buttons">
                <button aria-label="zoom in" on:click=move |_| zoom(1.6)>"+"</button>
                <button aria-label="zoom out" on:click=move |_| zoom(0.625)>"−"</button>
                <button aria-label="my position" on:click=move |_| view.update(|v| v.center = s.position.get_untracked())>"◎"</button>
            </div>
        </div>
    }
}
