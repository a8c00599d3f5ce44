//! Volunteer check-in at a rest station: big +/- headcount, services used, open or closed,
//! supplies that ran low, save; today's tally below.

use leptos::prelude::*;
use ridermap_api::{AddVisitReq, NearbyReq, StationDayReq};
use ridermap_core::{Id, PlaceKind, StationService};

use crate::{
    state::{load, save, state, tr},
    text,
    transport::call,
    widgets::Read,
};

/// Supplies volunteers usually watch; any other can be typed.
const SUPPLIES: &[(&str, &str)] =
    &[("矿泉水", "Water"), ("口罩", "Masks"), ("药品", "Medicine"), ("充电线", "Cables"), ("雨衣", "Raincoats")];

#[component]
pub fn Station() -> impl IntoView {
    let s = state();
    let station = RwSignal::new(load("station").and_then(|id| id.parse::<Id>().ok()));
    let headcount = RwSignal::new(1u32);
    let services = RwSignal::new(Vec::<StationService>::new());
    let open = RwSignal::new(None::<bool>);
    let supplies = RwSignal::new(Vec::<String>::new());
    let extra = RwSignal::new(String::new());
    let stations = LocalResource::new(move || {
        let p = s.position.get();
        let req = NearbyReq {
            lat: p.lat,
            lon: p.lon,
            kind: Some(PlaceKind::RestStop),
            limit: Some(15),
            ..Default::default()
        };
        async move { call(&req).await }
    });
    let day = LocalResource::new(move || {
        s.changed.track();
        let id = station.get();
        async move {
            match id {
                Some(id) => call(&StationDayReq { station: id, day: None }).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let save_visit = Action::new_local(move |_: &()| {
        let req = station.get_untracked().map(|id| AddVisitReq {
            station: id,
            headcount: headcount.get_untracked(),
            services: services.get_untracked(),
            supplies: supplies.get_untracked(),
            station_open: open.get_untracked(),
            note: None,
            at: None,
        });
        async move {
            let Some(req) = req else { return };
            match call(&req).await {
                Ok(_) => {
                    s.say(s.t("已登记，待同步", "Logged; waiting to sync"));
                    headcount.set(1);
                    services.set(vec![]);
                    supplies.set(vec![]);
                    s.wrote();
                }
                Err(e) => s.say(e.message),
            }
        }
    });
    let choose = move |list: Vec<ridermap_api::NearbyItem>| {
        list.into_iter()
            .map(|n| {
                let id = n.place.id;
                view! {
                    <button class="chip" class:on=move || station.get() == Some(id) data-testid="station-choice"
                        on:click=move |_| { station.set(Some(id)); save("station", &id.to_string()); }>{n.place.name.clone()}</button>
                }
            })
            .collect_view()
    };
    let service_chips = StationService::ALL
        .iter()
        .map(|&sv| {
            view! {
                <button class="chip big" class:on=move || services.with(|v| v.contains(&sv))
                    data-testid=format!("service-{}", serde_json::to_value(sv).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default())
                    on:click=move |_| services.update(|v| if let Some(i) = v.iter().position(|x| *x == sv) { v.remove(i); } else { v.push(sv); })>
                    {move || text::service(sv, s.lang.get())}
                </button>
            }
        })
        .collect_view();
    let supply_chips = SUPPLIES
        .iter()
        .map(|&(zh, en)| {
            let key = zh.to_string();
            let k2 = key.clone();
            view! {
                <label class="check">
                    <input type="checkbox" prop:checked=move || supplies.with(|v| v.contains(&k2))
                        on:change=move |_| supplies.update(|v| if let Some(i) = v.iter().position(|x| *x == key) { v.remove(i); } else { v.push(key.clone()); }) />
                    {move || s.t(zh, en)}
                </label>
            }
        })
        .collect_view();
    let tally = move |d: Option<ridermap_api::StationDay>| {
        d.map(|d| {
            let lang = s.lang.get();
            let used = d.services.iter().map(|(sv, n)| format!("{} {n}", text::service(*sv, lang))).collect::<Vec<_>>().join(" · ");
            let state_text = match d.open {
                Some(true) => s.t("开放", "open"),
                Some(false) => s.t("关闭", "closed"),
                None => s.t("未登记", "not said"),
            };
            view! {
                <div class="tally" data-testid="tally">
                    <h3>{d.station.name.clone()}" · "{d.day.to_string()}</h3>
                    <p class="big-number" data-testid="today-headcount">{d.headcount}</p>
                    <p>{s.t("今日人次", "riders today")}" · "{d.visits.len()}" "{s.t("次登记", "check-ins")}" · "{s.t("驿站", "station")}" "{state_text}</p>
                    <p>{used}</p>
                    <p>{s.t("缺的物资：", "Supplies low: ")}{d.supplies.join("、")}</p>
                </div>
            }
        })
    };
    view! {
        <section class="station">
            <h2>{tr("驿站登记", "Station check-in")}</h2>
            <div class="chips"><Read res=stations what=("附近的驿站", "the stations nearby") ok=choose/></div>
            <Show when=move || station.get().is_some() fallback=move || view! { <p>{s.t("先选择驿站", "Choose your station first")}</p> }>
                <div class="counter">
                    <button class="huge" data-testid="minus" on:click=move |_| headcount.update(|n| *n = n.saturating_sub(1).max(1))>"−"</button>
                    <span class="big-number" data-testid="headcount">{move || headcount.get()}</span>
                    <button class="huge" data-testid="plus" on:click=move |_| headcount.update(|n| *n += 1)>"+"</button>
                </div>
                <div class="chips">{service_chips.clone()}</div>
                <div class="chips">
                    <button class="chip" class:on=move || open.get() == Some(true) data-testid="station-open" on:click=move |_| open.set(Some(true))>{tr("驿站开放", "Open")}</button>
                    <button class="chip" class:on=move || open.get() == Some(false) data-testid="station-closed" on:click=move |_| open.set(Some(false))>{tr("驿站关闭", "Closed")}</button>
                </div>
                <div class="checks">{supply_chips.clone()}
                    <input type="text" placeholder=tr("其他物资", "Other supply") prop:value=move || extra.get()
                        on:input=move |ev| extra.set(event_target_value(&ev))
                        on:change=move |_| { let x = extra.get_untracked(); if !x.trim().is_empty() { supplies.update(|v| v.push(x.trim().to_string())); extra.set(String::new()); } } />
                </div>
                <button class="big primary" data-testid="visit-save" disabled=move || save_visit.pending().get()
                    on:click=move |_| { save_visit.dispatch(()); }>{tr("保存登记", "Save")}</button>
            </Show>
            <Read res=day what=("今天的登记", "today's check-ins") ok=tally/>
        </section>
    }
}
