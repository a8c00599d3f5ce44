//! Find a gate: type the compound (and the building, "开鲁六村 12"), or pick the building on the
//! map or from a one-line number picker → the best gate now, in big type with open / closed and
//! its e-bike and access icons, the way in drawn on the map over the streets and footprints and
//! told in words, the other gates below (each route shown on request), and the way from where the
//! rider is to the gate ("take me to the gate") beside the hand-off to Amap or Baidu.

use leptos::prelude::*;
use ridermap_api::{CompoundHit, CompoundsReq, GateReq, GateSaid, MapPoint, RouteReq};
use ridermap_core::{
    AccessMethod, EbikeAccess, Id, LatLon, Place, PlaceKind, nav, normalize_building,
    rank::{Parking, Vehicle},
};

use crate::{
    geom::View,
    map::{Map, Trace, W},
    state::{Screen, state, tr},
    transport::{call, call_as},
    widgets::ReadStatus,
};

/// What the screen shows of a `ridermap_api::Route`, read from the same reply: its structured
/// steps (`Maneuver`) would cost the wasm tens of KB for words the service has already written.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct WayIn {
    pub length_m: f64,
    pub duration_s: f64,
    pub measured: bool,
    pub summary: String,
    pub line: Vec<[f64; 2]>,
    pub steps: Vec<StepText>,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct StepText {
    pub text: String,
}

/// What the screen shows of a `ridermap_api::GateAnswer`, read from the same reply: each gate's
/// reasons come said by the service in the asked language (`said`), so the wasm carries neither
/// a reader for the structured reasons nor their words.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Answer {
    pub compound: Place,
    #[serde(default)]
    pub building: Option<String>,
    pub choices: Vec<Gate>,
    pub vehicle: Vehicle,
    #[serde(default)]
    pub said: Vec<GateSaid>,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Gate {
    pub id: Id,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub open: bool,
    pub usable: bool,
    #[serde(default)]
    pub ebike: EbikeAccess,
    #[serde(default)]
    pub access: AccessMethod,
    #[serde(default)]
    pub parking: Option<Parking>,
    /// Its entry of the answer's `said`.
    #[serde(skip)]
    pub said: GateSaid,
}

/// The compound's scale before a building is picked, at most: footprints big enough to tap and
/// number.
const COMPOUND_SCALE: f64 = 1.4;
/// The gate screen's map: as wide as the others, lower.
const MAP_H: f64 = 230.0;

/// The e-bike rule as a mark and a colour (drawn, not emoji: many phones and the app window
/// lack an emoji font).
fn ebike_mark(a: EbikeAccess) -> (&'static str, &'static str) {
    match a {
        EbikeAccess::Allowed => ("✓", "ok"),
        EbikeAccess::Push => ("↦", "so-so"),
        EbikeAccess::Refused => ("✗", "no"),
        EbikeAccess::Unknown => ("?", "unknown"),
    }
}

/// An e-bike, drawn.
fn ebike_glyph() -> impl IntoView {
    view! {
        <svg class="glyph" viewBox="0 0 24 16" aria-hidden="true">
            <circle cx="5" cy="11" r="4"/><circle cx="19" cy="11" r="4"/>
            <path d="M5 11 L10 4 L16 4 L19 11 M10 4 L13 11"/>
        </svg>
    }
}

/// The e-bike rule in a pill's few words.
fn ebike_words(a: EbikeAccess) -> (&'static str, &'static str) {
    match a {
        EbikeAccess::Allowed => ("电动车可进", "e-bike in"),
        EbikeAccess::Push => ("电动车推行", "push e-bike"),
        EbikeAccess::Refused => ("电动车禁入", "no e-bike"),
        EbikeAccess::Unknown => ("电动车未知", "e-bike ?"),
    }
}

/// How one gets through, in a pill's few words; open needs nothing, the rest take a phone, a
/// face, a card or a word with someone.
fn access_words(m: AccessMethod) -> (&'static str, &'static str, &'static str) {
    match m {
        AccessMethod::Open => ("无门禁", "open", "ok"),
        AccessMethod::Qr => ("扫码", "QR code", "so-so"),
        AccessMethod::Face => ("刷脸", "face scan", "so-so"),
        AccessMethod::Card => ("刷卡", "card", "so-so"),
        AccessMethod::Guard => ("门卫登记", "guard", "so-so"),
        AccessMethod::Intercom => ("对讲", "intercom", "so-so"),
    }
}

/// How far a tapped footprint's middle may be from where the compound puts that building.
const SAME_BUILDING_M: f64 = 60.0;

/// The compound's number for a footprint numbered `n` whose middle is `at`, if it is one of its
/// buildings.
pub(crate) fn ours(c: &CompoundHit, n: &str, at: [f64; 2]) -> Option<String> {
    let tapped = LatLon::new(at[1], at[0]);
    c.buildings.iter().zip(&c.centres).find_map(|(b, centre)| {
        let near = LatLon::new(centre[1], centre[0]).distance_m(&tapped) <= SAME_BUILDING_M;
        (normalize_building(b) == normalize_building(n) && near).then(|| b.clone())
    })
}

/// How far around the gate the map shows besides the route: the street outside it, with its name.
const GATE_SURROUNDS_M: f64 = 45.0;

/// The route's points, and points around its first (the gate) so that the street the rider
/// arrives by is on the map too.
fn around_gate(line: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let mut pts = line.to_vec();
    if let Some(&[lon, lat]) = line.first() {
        let dlat = GATE_SURROUNDS_M / 110_574.0;
        let dlon = GATE_SURROUNDS_M / (111_320.0 * lat.to_radians().cos().max(0.01));
        pts.extend([[lon, lat + dlat], [lon, lat - dlat], [lon + dlon, lat], [lon - dlon, lat]]);
    }
    pts
}

/// Minutes as riders say them: at least one.
fn minutes(secs: f64) -> u32 {
    ((secs / 60.0).round() as u32).max(1)
}

#[component]
pub fn FindGate() -> impl IntoView {
    let s = state();
    let typed = RwSignal::new(String::new());
    let chosen = RwSignal::new(None::<CompoundHit>);
    let building = RwSignal::new(String::new());
    let foot = RwSignal::new(false);
    let answer = RwSignal::new(None::<Result<Answer, String>>);
    // Which gate's way in is drawn (0: the best), and the way itself.
    let shown = RwSignal::new(0usize);
    let route = RwSignal::new(None::<Result<WayIn, String>>);
    // From where the rider is to the shown gate.
    let approach = RwSignal::new(None::<Result<WayIn, String>>);
    // Lower than the other maps: on a phone the gate, the map and the words fit one screen.
    let view = RwSignal::new(View::new(s.position.get_untracked(), 1.0, W, MAP_H));
    let vehicle = move || if foot.get_untracked() { Vehicle::Foot } else { Vehicle::Ebike };
    let suggestions = LocalResource::new(move || {
        let text = typed.get();
        async move { if text.trim().is_empty() { Ok(vec![]) } else { call(&CompoundsReq { text }).await } }
    });
    let show_route = Action::new_local(move |i: &usize| {
        let i = *i;
        shown.set(i);
        approach.set(None);
        let req = match (chosen.get_untracked(), answer.get_untracked()) {
            (Some(c), Some(Ok(a))) => a.choices.get(i).map(|g| RouteReq {
                compound: Some(c.id.to_string()),
                building: a.building.clone(),
                gate: Some(g.id.to_string()),
                vehicle: a.vehicle,
                lang: s.lang.get_untracked(),
                ..RouteReq::default()
            }),
            _ => None,
        };
        async move {
            let Some(req) = req else { return };
            let got = call_as::<_, WayIn>(&req).await.map_err(|e| e.message);
            if let Ok(r) = &got {
                view.update(|v| *v = v.fit(&around_gate(&r.line), 3.0));
            }
            route.set(Some(got));
        }
    });
    let find = Action::new_local(move |_: &()| {
        let req = chosen.get_untracked().map(|c| GateReq {
            compound: c.id.to_string(),
            building: Some(building.get_untracked()).filter(|b| !b.trim().is_empty()),
            at: None,
            vehicle: vehicle(),
            lang: Some(s.lang.get_untracked()),
        });
        async move {
            let Some(req) = req else { return };
            route.set(None);
            approach.set(None);
            let got = call_as::<_, Answer>(&req).await.map_err(|e| e.message).map(|mut a| {
                for (g, w) in a.choices.iter_mut().zip(std::mem::take(&mut a.said)) {
                    g.said = w;
                }
                a
            });
            let with_building = matches!(&got, Ok(a) if a.building.is_some() && !a.choices.is_empty());
            answer.set(Some(got));
            if with_building {
                show_route.dispatch(0);
            }
        }
    });
    // The answer's words are the service's, in the language asked: asked again when it changes.
    Effect::new(move |prev: Option<ridermap_core::Lang>| {
        let l = s.lang.get();
        if prev.is_some_and(|p| p != l) && answer.with_untracked(|a| matches!(a, Some(Ok(_)))) {
            find.dispatch(());
        }
        l
    });
    let take_me = Action::new_local(move |_: &()| {
        let gate = match answer.get_untracked() {
            Some(Ok(a)) => a.choices.get(shown.get_untracked()).map(|g| LatLon::new(g.lat, g.lon)),
            _ => None,
        };
        let req = gate.map(|to| RouteReq {
            from: Some(s.position.get_untracked()),
            to: Some(to),
            vehicle: vehicle(),
            lang: s.lang.get_untracked(),
            ..RouteReq::default()
        });
        async move {
            let Some(req) = req else { return };
            let got = call_as::<_, WayIn>(&req).await.map_err(|e| e.message);
            if let Ok(r) = &got {
                let mut all = r.line.clone();
                if let Some(Ok(inside)) = route.get_untracked() {
                    all.extend(inside.line);
                }
                view.update(|v| *v = v.fit(&all, 3.0));
            }
            approach.set(Some(got));
        }
    });
    let pick = move |c: CompoundHit| {
        typed.set(c.name.clone());
        answer.set(None);
        route.set(None);
        view.update(|v| {
            *v = View { center: LatLon::new(c.lat, c.lon), ..*v }.fit(&c.centres, COMPOUND_SCALE);
        });
        let typed_building = c.building.clone();
        building.set(typed_building.clone().unwrap_or_default());
        chosen.set(Some(c));
        if typed_building.is_some() {
            find.dispatch(());
        }
    };
    let pick_building = Callback::new(move |n: String| {
        building.set(n);
        find.dispatch(());
    });
    // A footprint tapped on the map: this compound's building of that number, standing there —
    // not a neighbour's building that happens to carry the same number.
    let tap_building = Callback::new(move |(n, at): (String, [f64; 2])| {
        let Some(c) = chosen.get_untracked() else { return };
        match ours(&c, &n, at) {
            Some(number) => pick_building.run(number),
            None => s.say(format!("{} {n}{}{}", s.t("这栋", "Building"), s.t("号楼不属于", " is not in "), c.name)),
        }
    });
    let change = move |_| {
        answer.set(None);
        route.set(None);
        approach.set(None);
    };
    let list = move || {
        let current = chosen.get().map(|c| c.name);
        suggestions
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|c| Some(&c.name) != current.as_ref() || c.building.is_some())
            .map(|c| {
                let name = c.name.clone();
                let b = c.building.clone().map(|b| format!(" · {b}{}", s.t("号楼", "")));
                let addr = c.address.clone().unwrap_or_default();
                view! {
                    <li><button class="row" data-testid="compound-hit" on:click=move |_| pick(c.clone())>
                        {name}<b>{b}</b><small>" "{addr}</small>
                    </button></li>
                }
            })
            .collect_view()
    };
    let picker = move || {
        chosen.get().map(|c| {
            c.buildings
                .into_iter()
                .map(|b| {
                    let shown = b.clone();
                    let bb = b.clone();
                    view! {
                        <button class="chip" class:on=move || building.get() == bb data-testid=format!("building-{b}")
                            on:click=move |_| pick_building.run(b.clone())>{shown}</button>
                    }
                })
                .collect_view()
        })
    };
    let points = Signal::derive(move || match answer.get() {
        Some(Ok(a)) => a
            .choices
            .iter()
            .map(|g| MapPoint {
                id: g.id,
                kind: PlaceKind::Entrance,
                name: g.name.clone(),
                lat: g.lat,
                lon: g.lon,
                outline: None,
                line: None,
                wall: false,
            })
            .chain(std::iter::once(MapPoint {
                id: a.compound.id,
                kind: PlaceKind::Compound,
                name: a.compound.name.clone(),
                lat: a.compound.lat,
                lon: a.compound.lon,
                outline: match &a.compound.detail {
                    ridermap_core::Detail::Compound(c) => c.outline.clone(),
                    _ => None,
                },
                line: None,
                wall: false,
            }))
            .collect(),
        _ => vec![],
    });
    let ranked = Signal::derive(move || match answer.get() {
        // The shown gate stands out as the best does.
        Some(Ok(a)) => {
            let i = shown.get().min(a.choices.len().saturating_sub(1));
            let mut ids: Vec<_> = a.choices.iter().map(|g| g.id).collect();
            if i < ids.len() {
                ids.swap(0, i);
            }
            ids
        }
        _ => vec![],
    });
    let traces = Signal::derive(move || {
        let mut t = vec![];
        if let Some(Ok(r)) = approach.get() {
            t.push(Trace { line: r.line, class: "approach" });
        }
        if let Some(Ok(r)) = route.get() {
            t.push(Trace { line: r.line, class: "route" });
        }
        // Where riders may leave the e-bike at the shown gate.
        if let Some(Ok(a)) = answer.get()
            && let Some(Parking { lat: Some(lat), lon: Some(lon), .. }) =
                a.choices.get(shown.get()).and_then(|g| g.parking.clone())
        {
            t.push(Trace { line: vec![[lon, lat]], class: "parking" });
        }
        t
    });
    // The asked building's footprint stands out (this compound's, not a neighbour's of that number).
    let picked = Signal::derive(move || {
        let b = building.get();
        chosen.with(|c| {
            let c = c.as_ref()?;
            let i = c.buildings.iter().position(|n| normalize_building(n) == normalize_building(&b))?;
            c.centres.get(i).copied()
        })
    });
    // What the card says of a gate besides its icons: hours, waits, the way in.
    let said = |g: &Gate| g.said.reasons.join(" · ");
    // Where riders may leave the e-bike (the spot is on the map).
    let parking = move |g: &Gate| {
        g.parking.as_ref().map(|p| {
            let note = p
                .note
                .clone()
                .unwrap_or_else(|| s.t("门口有骑手停车点（见地图）", "Rider parking at the gate (on the map)").into());
            view! { <p class="parking" data-testid="parking"><span class="p-mark">"P"</span>{note}</p> }
        })
    };
    // The way in of the shown gate: length, time and the words, in its card above the map (the
    // first lines on a phone; a tap shows them all).
    let full_words = RwSignal::new(false);
    let route_said = move || {
        let lang = s.lang.get();
        route.get().map(|r| match r {
            Ok(r) => view! {
                <div class="way-in" data-testid="route">
                    <p class="route-head" class:full=move || full_words.get() data-testid="route-summary"
                        on:click=move |_| full_words.update(|f| *f = !*f)>
                        <b>{ridermap_core::words::distance(r.length_m, lang)}{format!(" · {} {}", minutes(r.duration_s), s.t("分钟", "min"))}</b>
                        {(!r.measured).then(|| view! { <span class="warn">{s.t(" 直线距离，未测路径", " straight line, no path surveyed")}</span> })}
                        " "{r.summary.clone()}
                    </p>
                </div>
            }
            .into_any(),
            Err(e) => view! { <p class="error" data-testid="route-error">{s.t("路线读取失败：", "Cannot find the way in: ")}{e}</p> }.into_any(),
        })
    };
    let card = move |g: Gate, i: usize| {
        let lang = s.lang.get();
        let id = g.id;
        let warnings = g.said.warnings.iter().map(|w| view! { <li class="warn">{w.clone()}</li> }).collect_view();
        let (mark, tone) = ebike_mark(g.ebike);
        let (zh, en) = ebike_words(g.ebike);
        let ebike = view! {
            <span class=format!("pill {tone}") data-testid="ebike-rule">
                {ebike_glyph()}{mark}" "{lang.pick(zh, en)}
            </span>
        };
        let (zh, en, tone) = access_words(g.access);
        let access = view! {
            <span class=format!("pill {tone}")>{lang.pick(zh, en)}</span>
        };
        let state_badge = if g.open {
            view! { <span class="badge open" data-testid="gate-open">{s.t("开放", "Open")}</span> }.into_any()
        } else {
            view! { <span class="badge closed" data-testid="gate-open">{s.t("关闭", "Closed")}</span> }.into_any()
        };
        let said = said(&g);
        view! {
            <div class="gate" class:best=i == 0 class:shown=move || shown.get() == i class:unusable=!g.usable
                data-testid=if i == 0 { "best-gate" } else { "other-gate" }>
                <div class="gate-head">
                    <button class="gate-name" on:click=move |_| s.screen.set(Screen::Place(id))>
                        {if i == 0 { "★ " } else if g.usable { "" } else { "✗ " }}{g.name.clone()}
                    </button>
                    {state_badge}
                </div>
                <div class="rules">{ebike}{access}</div>
                {(i > 0).then(|| parking(&g))}
                {move || (shown.get() == i).then(route_said)}
                <ul>{warnings}</ul>
                {(i > 0).then(|| view! {
                    <p class="said">{said.clone()}</p>
                    <button class="link" data-testid="show-route" on:click=move |_| { show_route.dispatch(i); }>
                        {move || if shown.get() == i { s.t("正在显示路线", "Route shown") } else { s.t("看这个门的路线", "Show this gate's route") }}
                    </button>
                })}
            </div>
        }
    };
    // Below the map: why this gate, where to park, the hand-off, the way to the gate, the steps.
    let details = move |g: Gate| {
        let p = LatLon::new(g.lat, g.lon);
        view! {
            <p class="said" data-testid="why">{said(&g)}</p>
            {parking(&g)}
            <div class="actions">
                <button class="primary" data-testid="take-me" on:click=move |_| { take_me.dispatch(()); }>
                    {tr("带我到门口", "Take me to the gate")}
                </button>
                <a class="button" href=nav::amap_uri(p, &g.name) target="_blank" rel="noopener">{s.t("高德", "Amap")}</a>
                <a class="button" href=nav::baidu_uri(p, &g.name) target="_blank" rel="noopener">{s.t("百度", "Baidu")}</a>
            </div>
        }
    };
    let way_in = move || {
        let lang = s.lang.get();
        let approach_said = approach.get().map(|a| match a {
            Ok(r) => view! {
                <p class="approach" data-testid="approach">
                    {s.t("到门口：", "To the gate: ")}{ridermap_core::words::distance(r.length_m, lang)}
                    {format!(" · {} {}", minutes(r.duration_s), s.t("分钟", "min"))}
                    {(!r.measured).then(|| s.t("（直线距离，未测路径）", " (straight line, no path surveyed)"))}
                </p>
            }
            .into_any(),
            Err(e) => view! { <p class="error" data-testid="approach-error">{s.t("到门口的路线读取失败：", "Cannot find the way to the gate: ")}{e}</p> }.into_any(),
        });
        let steps = route.get().and_then(Result::ok).map(|r| {
            let steps = r.steps.iter().map(|st| view! { <li>{st.text.clone()}</li> }).collect_view();
            view! { <ol class="steps" data-testid="steps">{steps}</ol> }
        });
        view! { {approach_said}{steps} }
    };
    let result =
        move || match answer.get() {
            None => None,
            Some(Err(e)) => Some(view! { <p class="error" data-testid="gate-error">{e}</p> }.into_any()),
            Some(Ok(a)) => {
                let mut gates = a.choices.into_iter().enumerate();
                let best = gates.next().map(|(i, g)| (card(g.clone(), i), details(g)));
                let (best, details) = best.unzip();
                let others = gates.map(|(i, g)| card(g, i)).collect_view();
                Some(view! {
                {best}
                <Map view=view points=points highlight=ranked traces=traces on_building=tap_building picked=picked/>
                {details}
                {way_in}
                <h3 class="others">{tr("其他门", "Other gates")}</h3>
                {others}
            }
            .into_any())
            }
        };
    let answered = move || answer.with(|a| a.is_some());
    view! {
        <section class="find-gate">
            <Show when=move || !answered() fallback=move || view! {
                <div class="query-line">
                    <b data-testid="asked">{move || typed.get()}{move || Some(building.get()).filter(|b| !b.is_empty()).map(|b| format!(" · {b}{}", s.t("号楼", "")))}</b>
                    <button class="chip" class:on=move || foot.get() data-testid="on-foot"
                        on:click=move |_| { foot.update(|f| *f = !*f); find.dispatch(()); }>{tr("步行", "On foot")}</button>
                    <button class="chip" data-testid="change" on:click=change>{tr("换一个", "Change")}</button>
                </div>
            }>
                <input class="search" type="search" data-testid="compound"
                    placeholder=tr("小区名称和楼号，如 开鲁六村 12", "Compound and building, e.g. 开鲁六村 12")
                    prop:value=move || typed.get()
                    on:input=move |ev| { typed.set(event_target_value(&ev)); chosen.set(None); answer.set(None); } />
                <ReadStatus res=suggestions what=("小区", "compounds")/>
                <ul class="suggest">{list}</ul>
                <Show when=move || chosen.get().is_some()>
                    <div class="picker" data-testid="building-picker">{picker}</div>
                    <div class="row-inline">
                        <input type="text" inputmode="numeric" data-testid="building" placeholder=tr("楼号", "Building")
                            prop:value=move || building.get() on:input=move |ev| building.set(event_target_value(&ev)) />
                        <button class="chip" class:on=move || foot.get() data-testid="on-foot" on:click=move |_| foot.update(|f| *f = !*f)>
                            {tr("步行", "On foot")}
                        </button>
                        <button class="big primary" data-testid="find-gate" on:click=move |_| { find.dispatch(()); }>{tr("找门", "Find")}</button>
                    </div>
                    <p class="hint">{tr("在地图上点楼也可以", "Or tap the building on the map")}</p>
                    <Map view=view points=Signal::derive(Vec::new) on_building=tap_building picked=picked/>
                </Show>
            </Show>
            {result}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use ridermap_api::Route;
    use ridermap_core::route::{Maneuver, Step};

    use super::*;

    #[test]
    fn a_tapped_footprint_is_this_compounds_building_only_where_it_stands() {
        let c = CompoundHit {
            id: ridermap_core::Id::new(),
            name: "开鲁六村".into(),
            address: None,
            buildings: vec!["7".into(), "12号".into()],
            centres: vec![[121.5380, 31.3380], [121.5390, 31.3370]],
            doors: vec![2, 0],
            lat: 31.3376,
            lon: 121.5382,
            building: None,
        };
        let check = |n: &str, at: [f64; 2], expected: Option<&str>| {
            assert_eq!(ours(&c, n, at).as_deref(), expected, "{n} {at:?}")
        };
        check("7", [121.5381, 31.3380], Some("7"));
        check("12", [121.5390, 31.3371], Some("12号"));
        check("12号楼", [121.5390, 31.3370], Some("12号"));
        // A neighbour's building 7, 300 m away.
        check("7", [121.5410, 31.3380], None);
        check("9", [121.5380, 31.3380], None);
    }

    #[test]
    fn the_map_shows_the_street_outside_the_gate() {
        let line = [[121.5390, 31.3381], [121.5390, 31.3370]];
        let pts = around_gate(&line);
        assert_eq!(&pts[..2], &line);
        let gate = LatLon::new(31.3381, 121.5390);
        for p in &pts[2..] {
            let d = gate.distance_m(&LatLon::new(p[1], p[0]));
            assert!((GATE_SURROUNDS_M - 1.0..GATE_SURROUNDS_M + 1.0).contains(&d), "{d}");
        }
        assert!(around_gate(&[]).is_empty());
    }

    #[test]
    fn the_screen_reads_what_it_shows_of_a_route() {
        let route = Route {
            length_m: 340.0,
            duration_s: 95.0,
            vehicle: Vehicle::Ebike,
            measured: true,
            parked: false,
            push_m: 0.0,
            gate: None,
            compound: Some("开鲁六村".into()),
            building: Some("12".into()),
            unit: None,
            steps: vec![Step {
                maneuver: Maneuver::Enter { gate: "2号门".into() },
                distance_m: 0.0,
                text: "从2号门进".into(),
            }],
            summary: "从2号门进，直行120米".into(),
            line: vec![[121.5, 31.3], [121.501, 31.3]],
            at: chrono::Utc::now(),
        };
        let way: WayIn = serde_json::from_value(serde_json::to_value(&route).unwrap()).unwrap();
        assert_eq!(
            way,
            WayIn {
                length_m: 340.0,
                duration_s: 95.0,
                measured: true,
                summary: route.summary.clone(),
                line: route.line.clone(),
                steps: vec![StepText { text: "从2号门进".into() }],
            }
        );
    }
}
