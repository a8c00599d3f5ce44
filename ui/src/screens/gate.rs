//! Find a gate: compound (suggested as you type) and building → the best gate now, with reasons
//! and warnings, the others ranked below, on the map; hand-off to a navigation app.

use leptos::prelude::*;
use ridermap_api::{CompoundHit, CompoundsReq, GateAnswer, GateReq, MapPoint};
use ridermap_core::{LatLon, PlaceKind, nav, rank::Vehicle};

use crate::{
    geom::View,
    map::{H, Map, W},
    state::{Screen, state},
    transport::call,
    widgets::ReadStatus,
};

#[component]
pub fn FindGate() -> impl IntoView {
    let s = state();
    let typed = RwSignal::new(String::new());
    let chosen = RwSignal::new(None::<CompoundHit>);
    let building = RwSignal::new(String::new());
    let foot = RwSignal::new(false);
    let answer = RwSignal::new(None::<Result<GateAnswer, String>>);
    let view = RwSignal::new(View::new(s.position.get_untracked(), 1.0, W, H));
    let suggestions = LocalResource::new(move || {
        let text = typed.get();
        async move { if text.trim().is_empty() { Ok(vec![]) } else { call(&CompoundsReq { text }).await } }
    });
    let find = Action::new_local(move |_: &()| {
        let req = chosen.get_untracked().map(|c| GateReq {
            compound: c.id.to_string(),
            building: Some(building.get_untracked()),
            at: None,
            vehicle: if foot.get_untracked() { Vehicle::Foot } else { Vehicle::Ebike },
        });
        async move {
            let Some(req) = req else { return };
            let got = call(&req).await.map_err(|e| e.message);
            if let Ok(a) = &got
                && let Some(best) = a.choices.first()
            {
                view.update(|v| v.center = LatLon::new(best.lat, best.lon));
            }
            answer.set(Some(got));
        }
    });
    let pick = move |c: CompoundHit| {
        typed.set(c.name.clone());
        building.set(String::new());
        answer.set(None);
        chosen.set(Some(c));
    };
    let list = move || {
        let current = chosen.get().map(|c| c.name);
        suggestions
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|c| Some(&c.name) != current.as_ref())
            .map(|c| {
                let name = c.name.clone();
                let addr = c.address.clone().unwrap_or_default();
                view! { <li><button class="row" data-testid="compound-hit" on:click=move |_| pick(c.clone())>{name}<small>" "{addr}</small></button></li> }
            })
            .collect_view()
    };
    let buildings = move || {
        chosen.get().map(|c| {
            c.buildings
                .into_iter()
                .map(|b| {
                    let shown = b.clone();
                    let bb = b.clone();
                    view! {
                        <button class="chip" class:on=move || building.get() == bb data-testid=format!("building-{b}")
                            on:click=move |_| { building.set(b.clone()); find.dispatch(()); }>{shown}</button>
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
        Some(Ok(a)) => a.choices.iter().map(|g| g.id).collect(),
        _ => vec![],
    });
    let result = move || {
        let lang = s.lang.get();
        match answer.get() {
            None => None,
            Some(Err(e)) => Some(view! { <p class="error" data-testid="gate-error">{e}</p> }.into_any()),
            Some(Ok(a)) => Some(
                a.choices
                    .iter()
                    .enumerate()
                    .map(|(i, g)| {
                        let id = g.id;
                        let reasons = g.reasons.iter().map(|r| r.text(lang)).collect::<Vec<_>>().join(" · ");
                        let warnings = g.warnings.iter().map(|r| view! { <li class="warn">{r.text(lang)}</li> }).collect_view();
                        let nav = (i == 0).then(|| {
                            let p = LatLon::new(g.lat, g.lon);
                            view! {
                                <div class="actions">
                                    <a class="button" href=nav::amap_uri(p, &g.name) target="_blank" rel="noopener">{s.t("高德导航", "Amap")}</a>
                                    <a class="button" href=nav::baidu_uri(p, &g.name) target="_blank" rel="noopener">{s.t("百度导航", "Baidu")}</a>
                                </div>
                            }
                        });
                        view! {
                            <div class="gate" class:best=i == 0 class:unusable=!g.usable data-testid=if i == 0 { "best-gate" } else { "other-gate" }>
                                <button class="row" on:click=move |_| s.screen.set(Screen::Place(id))>
                                    <b>{if i == 0 { "★ " } else if g.usable { "" } else { "✗ " }}{format!("{}. {}", i + 1, g.name)}</b>
                                </button>
                                <p>{reasons}</p>
                                <ul>{warnings}</ul>
                                {nav}
                            </div>
                        }
                    })
                    .collect_view()
                    .into_any(),
            ),
        }
    };
    view! {
        <section class="find-gate">
            <input class="search" type="search" data-testid="compound"
                placeholder=move || s.t("小区名称", "Compound")
                prop:value=move || typed.get()
                on:input=move |ev| { typed.set(event_target_value(&ev)); chosen.set(None); answer.set(None); } />
            <ReadStatus res=suggestions what=("小区", "compounds")/>
            <ul class="suggest">{list}</ul>
            <div class="chips">{buildings}</div>
            <div class="row-inline">
                <input type="text" inputmode="numeric" data-testid="building" placeholder=move || s.t("楼号", "Building")
                    prop:value=move || building.get() on:input=move |ev| building.set(event_target_value(&ev)) />
                <button class="chip" class:on=move || foot.get() data-testid="on-foot" on:click=move |_| foot.update(|f| *f = !*f)>
                    {move || s.t("步行", "On foot")}
                </button>
                <button class="big primary" data-testid="find-gate" disabled=move || chosen.get().is_none()
                    on:click=move |_| { find.dispatch(()); }>{move || s.t("找门", "Find")}</button>
            </div>
            {result}
            <Show when=move || answer.get().is_some_and(|a| a.is_ok())>
                <Map view=view points=points highlight=ranked/>
            </Show>
        </section>
    }
}
