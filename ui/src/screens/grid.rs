//! The grid worker's tablet: review queue, stale list, dashboard with visits per day, adding a
//! place (map pick, opening hours checked as typed), drawing a compound path on the map, a
//! compound's buildings (fix a number, place a unit door on the map), export.

use leptos::prelude::*;
use ridermap_api::{
    CheckHoursReq, CompoundHit, CompoundsReq, EditPlaceReq, ExportReq, GridsReq, ImportReq, MapPoint, ReviewQueueReq,
    ReviewReq, SavePlaceReq, StaleReq,
};
use ridermap_core::{Detail, EbikeAccess, Id, LatLon, PathKind, Place, PlaceKind};

use crate::{
    forms,
    geom::View,
    map::{H, Map, Trace, W},
    state::{Screen, state, tr},
    text,
    transport::{Dialog, call, pick_path},
    widgets::{Read, SaveTo, save_to},
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pane {
    Review,
    Stale,
    Dashboard,
    Scores,
    Add,
    Path,
    Buildings,
    Export,
}

#[component]
pub fn GridWork() -> impl IntoView {
    let s = state();
    let grid = RwSignal::new(crate::state::load("grid"));
    let pane = RwSignal::new(Pane::Review);
    let grids = LocalResource::new(move || async move { call(&GridsReq {}).await });
    let grid_chips = move |list: Vec<ridermap_api::GridInfo>| {
        list.into_iter()
            .map(|g| {
                let code = g.code.clone();
                let c2 = code.clone();
                view! {
                    <button class="chip" class:on=move || grid.get().as_deref() == Some(c2.as_str()) data-testid=format!("grid-{code}")
                        on:click=move |_| { crate::state::save("grid", &code); grid.set(Some(code.clone())); }>{g.name.clone()}</button>
                }
            })
            .collect_view()
    };
    let tab = move |p: Pane, zh: &'static str, en: &'static str, id: &'static str| {
        view! { <button class="chip" class:on=move || pane.get() == p data-testid=id on:click=move |_| pane.set(p)>{move || s.t(zh, en)}</button> }
    };
    view! {
        <section class="grid-work">
            <h2>{tr("网格工作台", "Grid desk")}</h2>
            <div class="chips"><Read res=grids what=("网格列表", "the grids") ok=grid_chips/></div>
            <div class="chips">
                {tab(Pane::Review, "待审核", "Review", "pane-review")}
                {tab(Pane::Stale, "待核实", "Stale", "pane-stale")}
                {tab(Pane::Dashboard, "看板", "Dashboard", "pane-dashboard")}
                {tab(Pane::Scores, "骑手评分", "Rider ratings", "pane-scores")}
                {tab(Pane::Add, "新增地点", "Add place", "pane-add")}
                {tab(Pane::Path, "画小区路", "Draw a path", "pane-path")}
                {tab(Pane::Buildings, "楼栋与单元门", "Buildings & doors", "pane-buildings")}
                {tab(Pane::Export, "导入导出", "Files", "pane-export")}
            </div>
            {move || match pane.get() {
                Pane::Review => view! { <Review grid=grid/> }.into_any(),
                Pane::Stale => view! { <Stale grid=grid/> }.into_any(),
                Pane::Dashboard => view! { <super::dashboard::DashboardPane grid=grid/> }.into_any(),
                Pane::Scores => view! { <super::dashboard::ScorecardPane grid=grid/> }.into_any(),
                Pane::Add => view! { <AddPlace grid=grid/> }.into_any(),
                Pane::Path => view! { <DrawPath grid=grid/> }.into_any(),
                Pane::Buildings => view! { <Buildings/> }.into_any(),
                Pane::Export => view! { <Files/> }.into_any(),
            }}
        </section>
    }
}

/// Quick reasons to reject, as grid workers write them; free text may replace them.
const QUICK_REASONS: [(&str, &str); 3] = [
    ("已现场核实，无此问题", "Checked on site: no such problem"),
    ("重复上报", "Already reported"),
    ("位置不对", "Wrong place"),
];

/// The review queue: filters by compound and outcome, the list (counting down as items are
/// handled) beside the selected item with everything needed to judge it — the place, the
/// outcome, note, photo, when and how far from the place, the reporter's role, the place's other
/// recent reports, and the spot on the map — then accept, or reject with a reason.
#[component]
fn Review(grid: RwSignal<Option<String>>) -> impl IntoView {
    let s = state();
    let queue = LocalResource::new(move || {
        s.changed.track();
        let grid = grid.get();
        async move { call(&ReviewQueueReq { grid }).await }
    });
    let compound = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<ridermap_core::Outcome>);
    let selected = RwSignal::new(None::<Id>);
    let reason = RwSignal::new(String::new());
    let decide = Action::new_local(move |(id, accept): &(Id, bool)| {
        let (id, accept) = (*id, *accept);
        let why = Some(reason.get_untracked()).filter(|r| !r.trim().is_empty());
        async move {
            if !accept && why.is_none() {
                s.say(s.t("驳回需要理由：选一个或写一句", "A rejection needs a reason: pick one or write it"));
                return;
            }
            match call(&ReviewReq { id, accept, reason: why }).await {
                Ok(_) => {
                    s.say(if accept {
                        s.t("已采纳", "Accepted")
                    } else {
                        s.t("已驳回，理由会告知上报人", "Rejected; the reporter will see why")
                    });
                    reason.set(String::new());
                    selected.set(None);
                    s.wrote();
                }
                Err(e) => s.say(e.message),
            }
        }
    });
    let desk = move |list: Vec<ridermap_api::ReviewItem>| {
        let lang = s.lang.get();
        let mut compounds: Vec<String> = list.iter().filter_map(|i| i.compound.clone()).collect();
        compounds.sort();
        compounds.dedup();
        let mut outcomes: Vec<ridermap_core::Outcome> = list.iter().map(|i| i.report.outcome).collect();
        outcomes.sort_by_key(|o| text::outcome(*o, lang));
        outcomes.dedup();
        let shown: Vec<ridermap_api::ReviewItem> = list
            .into_iter()
            .filter(|i| compound.with(|c| c.is_none() || *c == i.compound))
            .filter(|i| outcome.with(|o| o.is_none_or(|o| o == i.report.outcome)))
            .collect();
        let current = selected
            .get()
            .and_then(|id| shown.iter().find(|i| i.report.id == id).cloned())
            .or_else(|| shown.first().cloned());
        let compound_chips = (!compounds.is_empty()).then(|| {
            let all = view! { <button class="chip" class:on=move || compound.get().is_none() on:click=move |_| compound.set(None)>{s.t("全部小区", "All compounds")}</button> };
            let each = compounds
                .into_iter()
                .map(|c| {
                    let (c2, c3) = (c.clone(), c.clone());
                    view! { <button class="chip" data-testid="filter-compound" class:on=move || compound.get().as_deref() == Some(c2.as_str())
                        on:click=move |_| compound.set(Some(c3.clone()))>{c}</button> }
                })
                .collect_view();
            view! { <div class="chips">{all}{each}</div> }
        });
        let outcome_chips = (outcomes.len() > 1).then(|| {
            let all = view! { <button class="chip" class:on=move || outcome.get().is_none() on:click=move |_| outcome.set(None)>{s.t("全部", "All")}</button> };
            let each = outcomes
                .into_iter()
                .map(|o| view! { <button class="chip" data-testid="filter-outcome" class:on=move || outcome.get() == Some(o)
                    on:click=move |_| outcome.set(Some(o))>{text::outcome(o, lang)}</button> })
                .collect_view();
            view! { <div class="chips">{all}{each}</div> }
        });
        let now = chrono::Utc::now();
        let count = shown.len();
        let current_id = current.as_ref().map(|c| c.report.id);
        // A keyboard on the tablet: ↓/↑ (or j/k) move through the queue, a accepts, r goes to the
        // reason to reject.
        let ids: Vec<Id> = shown.iter().map(|i| i.report.id).collect();
        let on_key = move |ev: leptos::ev::KeyboardEvent| {
            let at = current_id.and_then(|c| ids.iter().position(|i| *i == c)).unwrap_or(0);
            match ev.key().as_str() {
                "ArrowDown" | "j" => selected.set(ids.get(at + 1).or(ids.get(at)).copied()),
                "ArrowUp" | "k" => selected.set(ids.get(at.saturating_sub(1)).copied()),
                "a" => {
                    if let Some(id) = current_id {
                        decide.dispatch((id, true));
                    }
                }
                "r" => {
                    let input = document().query_selector("[data-testid=reject-reason]").ok().flatten();
                    if let Some(input) =
                        input.and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
                    {
                        input.focus().ok();
                    }
                }
                _ => return,
            }
            ev.prevent_default();
        };
        let rows = shown
            .iter()
            .map(|item| {
                let r = &item.report;
                let id = r.id;
                let place = item.target_name.clone().unwrap_or_else(|| s.t("现场隐患", "Hazard on site").into());
                let note = r.note.clone().filter(|n| !n.trim().is_empty()).map(|n| format!(" · {n}"));
                view! {
                    <button class="row review-row" class:on=current_id == Some(id) data-testid="review-item" on:click=move |_| selected.set(Some(id))>
                        <span class="row-main">
                            <span class="row-name">{text::outcome(r.outcome, lang)}" · "{place}</span>
                            <span class="row-sub">{text::ago(r.observed_at, now, lang)}{note}</span>
                        </span>
                    </button>
                }
            })
            .collect_view();
        let detail = current.map(|item| {
            let r = item.report.clone();
            let id = r.id;
            let what = match (&item.target_name, item.target_kind) {
                (Some(name), Some(k)) => format!("{name} · {}", text::kind(k, lang)),
                _ => format!("{} {:.5}, {:.5}", s.t("现场隐患，位置", "Hazard at"), r.lat, r.lon),
            };
            let when = format!(
                "{} ({})",
                text::month_day_time(r.observed_at),
                text::ago(r.observed_at, now, lang)
            );
            let far = r.distance_m.map(|d| format!("{}{}", s.t("上报时距地点 ", "reported "), text::distance(d, lang) + s.t("", " from the place")));
            let others = item
                .others
                .iter()
                .map(|o| view! { <li>{text::outcome(o.outcome, lang)}" · "{text::ago(o.observed_at, now, lang)}{o.note.clone().map(|n| format!(" · {n}"))}</li> })
                .collect_view();
            let no_others = item.others.is_empty().then(|| view! { <li class="muted">{s.t("近 30 天没有其他反馈", "No other reports in 30 days")}</li> });
            let photo = r.photo.clone().map(|h| view! { <a href=crate::transport::photo_url(&h) target="_blank"><img class="thumb big-thumb" src=crate::transport::photo_url(&h) alt="photo" data-testid="review-photo"/></a> });
            let view = RwSignal::new(View::new(LatLon::new(item.lat, item.lon), 2.0, W, H));
            let spot = vec![MapPoint {
                id: r.target.unwrap_or(id),
                kind: item.target_kind.unwrap_or(PlaceKind::Entrance),
                name: what.clone(),
                lat: item.lat,
                lon: item.lon,
                outline: None,
                line: None,
                wall: false,
            }];
            let highlight = vec![r.target.unwrap_or(id)];
            let quick = QUICK_REASONS
                .into_iter()
                .map(|(zh, en)| {
                    let words = lang.pick(zh, en);
                    view! { <button class="chip" data-testid="quick-reason" class:on=move || reason.get() == words on:click=move |_| reason.set(words.to_string())>{words}</button> }
                })
                .collect_view();
            view! {
                <div class="review-detail" data-testid="review-detail">
                    <h3>{text::outcome(r.outcome, lang)}</h3>
                    <p class="what" data-testid="review-what">{what}</p>
                    {r.note.clone().filter(|n| !n.trim().is_empty()).map(|n| view! { <p class="note">"“"{n}"”"</p> })}
                    {photo}
                    <ul class="facts">
                        <li>{s.t("时间：", "When: ")}{when}</li>
                        <li>{s.t("上报人：", "By: ")}{text::role(r.reporter_role, lang)}</li>
                        {far.map(|f| view! { <li data-testid="review-distance">{f}</li> })}
                        {r.waited_min.map(|m| view! { <li>{s.t("等候 ", "Waited ")}{m}{s.t(" 分钟", " min")}</li> })}
                    </ul>
                    <p class="effect" data-testid="review-effect"><b>{s.t("采纳则保留：", "Accepting keeps this: ")}</b>
                        {text::effect(r.outcome, lang)}{s.t("；驳回则撤销。", "; rejecting undoes it.")}</p>
                    <p class="muted">{s.t("这个地点的其他反馈", "Other reports of this place")}</p>
                    <ul class="others" data-testid="review-others">{others}{no_others}</ul>
                    <Map view=view points=Signal::derive(move || spot.clone()) highlight=Signal::derive(move || highlight.clone())/>
                    <div class="chips">{quick}</div>
                    <input type="text" data-testid="reject-reason" placeholder=s.t("驳回理由（可自己写）", "Reason to reject (or write your own)")
                        prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) />
                    <div class="actions">
                        <button class="big primary" data-testid="accept" on:click=move |_| { decide.dispatch((id, true)); }>{s.t("采纳", "Accept")}</button>
                        <button class="big" data-testid="reject" on:click=move |_| { decide.dispatch((id, false)); }>{s.t("驳回", "Reject")}</button>
                    </div>
                    {r.target.map(|t| view! { <button class="link" on:click=move |_| s.screen.set(Screen::Place(t))>{s.t("打开地点", "Open the place")}</button> })}
                </div>
            }
        });
        view! {
            {compound_chips}
            {outcome_chips}
            <div class="review-desk">
                <div class="review-list" tabindex="0" data-testid="review-list" on:keydown=on_key>
                    <p class="count" data-testid="queue-count">{s.t("待审核 ", "To review: ")}{count}</p>
                    {(count == 0).then(|| view! { <p data-testid="queue-empty">{s.t("没有待审核的反馈", "Nothing to review")}</p> })}
                    {rows}
                </div>
                {detail}
            </div>
        }
        .into_any()
    };
    view! { <Read res=queue what=("待审核列表", "the review queue") ok=desk/> }
}

#[component]
fn Stale(grid: RwSignal<Option<String>>) -> impl IntoView {
    let s = state();
    let list = LocalResource::new(move || {
        s.changed.track();
        let grid = grid.get();
        async move { call(&StaleReq { grid, days: None }).await }
    });
    let selected = RwSignal::new(None::<Id>);
    let verify = Action::new_local(move |id: &Id| {
        let id = *id;
        async move {
            match call(&ridermap_api::VerifyPlaceReq { id }).await {
                Ok(_) => {
                    s.say(s.t("已记为现场核实", "Marked as verified on site"));
                    selected.set(None);
                    s.wrote();
                }
                Err(e) => s.say(e.message),
            }
        }
    });
    // The list beside the selected place (the first by default) on the map, as the review desk.
    let shown = move |items: Vec<Place>| {
        let lang = s.lang.get();
        let now = chrono::Utc::now();
        let n = items.len();
        let current = selected.get().and_then(|id| items.iter().find(|p| p.id == id)).or(items.first()).cloned();
        let current_id = current.as_ref().map(|p| p.id);
        let when = move |p: &Place| {
            p.stamp.verified_at.map(|t| text::ago(t, now, lang)).unwrap_or_else(|| s.t("从未核实", "never").into())
        };
        let rows = items
            .iter()
            .take(300)
            .map(|p| {
                let id = p.id;
                view! { <button class="row review-row" class:on=current_id == Some(id) data-testid="stale-item" on:click=move |_| selected.set(Some(id))>
                    {p.name.clone()}<small>" · "{text::kind(p.kind(), lang)}" · "{when(p)}</small></button> }
            })
            .collect_view();
        let detail = current.map(|p| {
            let id = p.id;
            let view = RwSignal::new(View::new(LatLon::new(p.lat, p.lon), 2.0, W, H));
            let spot = vec![MapPoint { id, kind: p.kind(), name: p.name.clone(), lat: p.lat, lon: p.lon, outline: None, line: None, wall: false }];
            view! {
                <div class="review-detail" data-testid="stale-detail">
                    <h3>{p.name.clone()}</h3>
                    <p class="what">{text::kind(p.kind(), lang)}" · "{s.t("上次核实：", "Last verified: ")}{when(&p)}</p>
                    {p.address.clone().map(|a| view! { <p class="muted">{a}</p> })}
                    <Map view=view points=Signal::derive(move || spot.clone()) highlight=Signal::derive(move || vec![id])/>
                    <div class="actions">
                        <button class="big primary" data-testid="stale-verify" on:click=move |_| { verify.dispatch(id); }>{s.t("已到现场核实", "Verified on site")}</button>
                        <button class="big" on:click=move |_| s.screen.set(Screen::Place(id))>{s.t("打开地点", "Open the place")}</button>
                    </div>
                </div>
            }
        });
        view! {
            <div class="review-desk">
                <div class="review-list">
                    <p data-testid="stale-count">{format!("{n} {}", s.t("处超过 90 天未核实", "places not verified for 90 days"))}</p>
                    {rows}
                </div>
                {detail}
            </div>
        }
        .into_any()
    };
    view! { <Read res=list what=("待核实的地点", "the places to verify") ok=shown/> }
}

#[component]
fn AddPlace(grid: RwSignal<Option<String>>) -> impl IntoView {
    let s = state();
    let kind = RwSignal::new(PlaceKind::Charger);
    let name = RwSignal::new(String::new());
    let hours = RwSignal::new(String::new());
    let point = RwSignal::new(None::<LatLon>);
    let view = RwSignal::new(View::new(s.position.get_untracked(), 1.0, W, H));
    // Checked by the service as typed (the wasm carries no opening-hours parser); a check that
    // cannot be made says so, and keeps Save off.
    let hours_check = LocalResource::new(move || {
        let text = hours.get();
        async move { call(&CheckHoursReq { text }).await }
    });
    let hours_problem = move || match hours_check.get() {
        Some(Ok(problem)) => problem,
        Some(Err(e)) => Some(e.message),
        None => None,
    };
    let save = Action::new_local(move |_: &()| {
        let mut p = Place::new(kind.get_untracked(), name.get_untracked().trim(), 0.0, 0.0);
        if let Some(pt) = point.get_untracked() {
            p.lat = pt.lat;
            p.lon = pt.lon;
        }
        p.grid = grid.get_untracked();
        p.opening_hours = Some(hours.get_untracked()).filter(|h| !h.trim().is_empty());
        async move {
            match call(&SavePlaceReq { place: p }).await {
                Ok(saved) => {
                    s.say(s.t("已新增，待同步", "Added; waiting to sync"));
                    s.wrote();
                    s.screen.set(Screen::Place(saved.id));
                }
                Err(e) => s.say(e.message),
            }
        }
    });
    let kinds = [PlaceKind::Entrance, PlaceKind::Charger, PlaceKind::RestStop, PlaceKind::Compound]
        .into_iter()
        .map(|k| view! { <button class="chip" class:on=move || kind.get() == k on:click=move |_| kind.set(k)>{move || text::kind(k, s.lang.get())}</button> })
        .collect_view();
    let pick = Callback::new(move |p: LatLon| point.set(Some(p)));
    view! {
        <div class="add-place">
            <div class="chips">{kinds}</div>
            <input type="text" data-testid="new-name" placeholder=tr("名称", "Name")
                prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            <input type="text" data-testid="new-hours" placeholder=tr("开放时间，如 06:00-22:00 或 24/7", "Opening hours, e.g. 06:00-22:00 or 24/7")
                class:bad=move || hours_problem().is_some()
                prop:value=move || hours.get() on:input=move |ev| hours.set(event_target_value(&ev)) />
            {move || hours_problem().map(|p| view! { <p class="error" data-testid="hours-problem">{p}</p> })}
            <input type="text" data-testid="new-point" placeholder=tr("或输入 纬度, 经度", "or type lat, lon")
                on:change=move |ev| match forms::parse_point(&event_target_value(&ev)) {
                    Ok(p) => point.set(Some(p)),
                    Err(e) => s.say(e),
                } />
            <p data-testid="picked">{move || match point.get() {
                Some(p) => format!("{:.6}, {:.6}", p.lat, p.lon),
                None => s.t("在地图上点选位置", "Tap the map to place it").into(),
            }}</p>
            <Map view=view points=Signal::derive(Vec::new) on_pick=pick/>
            <button class="big primary" data-testid="new-save"
                disabled=move || name.get().trim().is_empty() || point.get().is_none() || hours_problem().is_some() || grid.get().is_none()
                on:click=move |_| { save.dispatch(()); }>{tr("保存", "Save")}</button>
            <Show when=move || grid.get().is_none()><p class="warn">{tr("先选择网格", "Choose a grid first")}</p></Show>
        </div>
    }
}

/// A compound path drawn point by point on the map, with who may use it: routes take it at once.
#[component]
fn DrawPath(grid: RwSignal<Option<String>>) -> impl IntoView {
    let s = state();
    let name = RwSignal::new(String::new());
    let line = RwSignal::new(Vec::<[f64; 2]>::new());
    let path_kind = RwSignal::new(PathKind::Lane);
    let ebike = RwSignal::new(EbikeAccess::Allowed);
    let lit = RwSignal::new(None::<bool>);
    let view = RwSignal::new(View::new(s.position.get_untracked(), 2.0, W, H));
    let save = Action::new_local(move |_: &()| {
        let points = line.get_untracked();
        let mid = points[points.len() / 2];
        let mut p = Place::new(PlaceKind::Path, name.get_untracked().trim(), mid[1], mid[0]);
        p.grid = grid.get_untracked();
        if let Detail::Path(info) = &mut p.detail {
            info.line = points;
            info.path_kind = path_kind.get_untracked();
            info.foot = path_kind.get_untracked() != PathKind::Wall;
            info.ebike = ebike.get_untracked();
            info.lit = lit.get_untracked();
        }
        async move {
            match call(&SavePlaceReq { place: p }).await {
                Ok(_) => {
                    s.say(s.t("小区路已保存，路线已更新，待同步", "Path saved; routes use it now; waiting to sync"));
                    s.wrote();
                    line.set(vec![]);
                    name.set(String::new());
                }
                Err(e) => s.say(e.message),
            }
        }
    });
    let add_point = Callback::new(move |p: LatLon| line.update(|l| l.push([p.lon, p.lat])));
    let draft = Signal::derive(move || {
        let l = line.get();
        if l.is_empty() { vec![] } else { vec![Trace { line: l, class: "draft" }] }
    });
    let kinds = [
        (PathKind::Lane, "车行道", "Lane"),
        (PathKind::Footway, "人行道", "Footpath"),
        (PathKind::Steps, "台阶", "Steps"),
        (PathKind::Wall, "围墙", "Wall"),
    ]
    .into_iter()
    .map(|(k, zh, en)| {
        let id = format!("path-kind-{}", en.to_lowercase());
        view! { <button class="chip" class:on=move || path_kind.get() == k data-testid=id on:click=move |_| path_kind.set(k)>{move || s.t(zh, en)}</button> }
    })
    .collect_view();
    let rides = [
        (EbikeAccess::Allowed, "电动车可骑", "E-bikes ride", "ride"),
        (EbikeAccess::Push, "电动车推行", "E-bikes pushed", "push"),
        (EbikeAccess::Refused, "电动车禁止", "No e-bikes", "refused"),
    ]
    .into_iter()
    .map(|(a, zh, en, id)| {
        view! { <button class="chip" class:on=move || ebike.get() == a data-testid=format!("path-ebike-{id}") on:click=move |_| ebike.set(a)>{move || s.t(zh, en)}</button> }
    })
    .collect_view();
    view! {
        <div class="draw-path">
            <p class="hint">{tr("在地图上依次点出路线经过的点", "Tap the map along the path, point by point")}</p>
            <div class="chips">{kinds}</div>
            <Show when=move || path_kind.get() != PathKind::Wall>
                <div class="chips">{rides.clone()}
                    <button class="chip" class:on=move || lit.get() == Some(true) data-testid="path-lit"
                        on:click=move |_| lit.update(|l| *l = if *l == Some(true) { None } else { Some(true) })>{tr("有路灯", "Lit")}</button>
                </div>
            </Show>
            <input type="text" data-testid="path-name" placeholder=tr("名称，如 3号楼旁小路", "Name, e.g. lane by building 3")
                prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            <Map view=view points=Signal::derive(Vec::new) on_pick=add_point traces=draft/>
            <p data-testid="path-points">{move || format!("{} {}", line.get().len(), s.t("个点", "points"))}</p>
            <div class="actions">
                <button class="big" data-testid="path-undo" disabled=move || line.get().is_empty()
                    on:click=move |_| line.update(|l| { l.pop(); })>{tr("撤销一点", "Undo a point")}</button>
                <button class="big primary" data-testid="path-save"
                    disabled=move || line.get().len() < 2 || name.get().trim().is_empty() || grid.get().is_none()
                    on:click=move |_| { save.dispatch(()); }>{tr("保存小区路", "Save the path")}</button>
            </div>
            <Show when=move || grid.get().is_none()><p class="warn">{tr("先选择网格", "Choose a grid first")}</p></Show>
        </div>
    }
}

/// A compound's buildings, listed (with their mapped unit doors) beside the map: pick one in the
/// list or tap its footprint, fix its number, or place (or move) one of its unit doors by tapping where the door is. Each goes through `edit_place` and
/// syncs; routes end at the new door at once.
#[component]
fn Buildings() -> impl IntoView {
    let s = state();
    let typed = RwSignal::new(String::new());
    let compound = RwSignal::new(None::<CompoundHit>);
    let picked = RwSignal::new(None::<String>);
    let picked_at = RwSignal::new(None::<[f64; 2]>);
    let number = RwSignal::new(String::new());
    let unit = RwSignal::new(String::new());
    // Placing a door: the next tap on the map is where it is.
    let placing = RwSignal::new(false);
    let view = RwSignal::new(View::new(s.position.get_untracked(), 1.4, W, H));
    let hits = LocalResource::new(move || {
        s.changed.track();
        let text = typed.get();
        async move { if text.trim().is_empty() { Ok(vec![]) } else { call(&CompoundsReq { text }).await } }
    });
    let edit = Action::new_local(move |(field, value, done): &(String, String, &'static str)| {
        let (field, value, done) = (field.clone(), value.clone(), *done);
        let id = compound.get_untracked().map(|c| c.id);
        async move {
            let Some(id) = id else { return };
            match call(&EditPlaceReq { id, sets: vec![(field, value)] }).await {
                Ok(_) => {
                    s.say(done);
                    s.wrote();
                }
                Err(e) => s.say(e.message),
            }
        }
    });
    let choose = move |c: CompoundHit| {
        view.update(|v| *v = View { center: LatLon::new(c.lat, c.lon), ..*v }.fit(&c.centres, 1.4));
        typed.set(c.name.clone());
        picked.set(None);
        picked_at.set(None);
        compound.set(Some(c));
    };
    // A building picked in the list or on the map: the other shows it too (the list scrolled to it).
    let select = move |n: String, at: [f64; 2]| {
        number.set(n.clone());
        picked.set(Some(n));
        picked_at.set(Some(at));
        request_animation_frame(|| {
            if let Ok(Some(row)) = document().query_selector("[data-testid=building-row].on") {
                let options = web_sys::ScrollIntoViewOptions::new();
                options.set_block(web_sys::ScrollLogicalPosition::Nearest);
                row.scroll_into_view_with_scroll_into_view_options(&options);
            }
        });
    };
    let tap_building = Callback::new(move |(n, at): (String, [f64; 2])| {
        let Some(c) = compound.get_untracked() else { return };
        match super::gate::ours(&c, &n, at) {
            Some(n) => select(n, at),
            None => s.say(format!("{} {n}{}{}", s.t("这栋", "Building"), s.t("号楼不属于", " is not in "), c.name)),
        }
    });
    let place_door = Callback::new(move |p: LatLon| {
        placing.set(false);
        let (Some(b), u) = (picked.get_untracked(), unit.get_untracked()) else { return };
        let door = serde_json::json!({"lat": (p.lat * 1e7).round() / 1e7, "lon": (p.lon * 1e7).round() / 1e7});
        edit.dispatch((
            format!("buildings.{b}.doors.{}", u.trim()),
            door.to_string(),
            s.t("单元门已保存，路线已更新", "Door saved; routes end there now"),
        ));
    });
    let fix_number = move |_| {
        if let Some(b) = picked.get_untracked() {
            let new = number.get_untracked().trim().to_string();
            edit.dispatch((format!("buildings.{b}.number"), new.clone(), s.t("楼号已改", "Building number fixed")));
            picked.set(Some(new));
        }
    };
    let list = move || {
        let current = compound.get().map(|c| c.name);
        hits.get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|c| Some(&c.name) != current.as_ref())
            .map(|c| {
                let name = c.name.clone();
                view! { <li><button class="row" data-testid="buildings-compound" on:click=move |_| choose(c.clone())>{name}</button></li> }
            })
            .collect_view()
    };
    // The compound's buildings beside the map, each with its mapped unit doors; ↓/↑ (j/k) move
    // through them.
    // The chosen compound as read again after an edit (a door placed, a number fixed).
    let current = move || {
        let chosen = compound.get()?;
        let again = hits.get().and_then(Result::ok).and_then(|h| h.into_iter().find(|h| h.id == chosen.id));
        Some(again.unwrap_or(chosen))
    };
    let pick_nth = move |i: usize| {
        let Some(c) = untrack(current) else { return };
        if let (Some(n), Some(at)) = (c.buildings.get(i), c.centres.get(i)) {
            select(n.clone(), *at);
        }
    };
    let building_rows = move || {
        let c = current()?;
        let (now, lang) = (picked.get(), s.lang.get());
        let rows = c.buildings.iter().zip(&c.doors).enumerate().map(|(i, (n, &doors))| {
            let said = match doors {
                0 => lang.pick("单元门未标", "no unit doors mapped").to_string(),
                d => format!("{d} {}", lang.pick("个单元门", "unit doors")),
            };
            view! {
                <button class="row review-row" class:on=now.as_ref() == Some(n) data-testid="building-row" on:click=move |_| pick_nth(i)>
                    <b>{n.clone()}</b><small class:warn=doors == 0>" · "{said}</small>
                </button>
            }
        });
        Some(rows.collect_view())
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let Some(c) = untrack(current) else { return };
        let at = picked.get_untracked().and_then(|p| c.buildings.iter().position(|b| *b == p));
        let next = match (ev.key().as_str(), at) {
            ("ArrowDown" | "j", None) => 0,
            ("ArrowDown" | "j", Some(i)) => (i + 1).min(c.buildings.len().saturating_sub(1)),
            ("ArrowUp" | "k", Some(i)) => i.saturating_sub(1),
            _ => return,
        };
        pick_nth(next);
        ev.prevent_default();
    };
    let picked_signal = Signal::derive(move || picked_at.get());
    view! {
        <div class="buildings">
            <input class="search" type="search" data-testid="buildings-search" placeholder=tr("小区名称", "Compound")
                prop:value=move || typed.get() on:input=move |ev| { typed.set(event_target_value(&ev)); compound.set(None); } />
            <ul class="suggest">{list}</ul>
            <Show when=move || compound.get().is_some()>
              <div class="review-desk">
                <div class="review-list building-list" tabindex="0" data-testid="building-list" on:keydown=on_key>
                    {building_rows}
                </div>
                <div class="review-detail">
                <p class="hint">{move || match picked.get() {
                    None => s.t("在地图上点一栋楼", "Tap a building on the map").to_string(),
                    Some(b) => format!("{} {b}", s.t("已选楼栋", "Building")),
                }}</p>
                <Show when=move || picked.get().is_some()>
                    <div class="row-inline">
                        <input type="text" data-testid="building-number" prop:value=move || number.get()
                            on:input=move |ev| number.set(event_target_value(&ev)) />
                        <button class="big" data-testid="building-number-save"
                            disabled=move || number.get().trim().is_empty() || picked.get() == Some(number.get())
                            on:click=fix_number>{tr("改楼号", "Fix number")}</button>
                    </div>
                    <div class="row-inline">
                        <input type="text" inputmode="numeric" data-testid="door-unit" placeholder=tr("单元，如 3", "Unit, e.g. 3")
                            prop:value=move || unit.get() on:input=move |ev| unit.set(event_target_value(&ev)) />
                        <button class="big primary" data-testid="door-place" class:on=move || placing.get()
                            disabled=move || unit.get().trim().is_empty()
                            on:click=move |_| placing.update(|p| *p = !*p)>
                            {move || if placing.get() { s.t("点地图上门的位置", "Tap where the door is") } else { s.t("放置单元门", "Place the door") }}
                        </button>
                    </div>
                </Show>
                <Show when=move || placing.get() fallback=move || view! {
                    <Map view=view points=Signal::derive(Vec::new) on_building=tap_building picked=picked_signal/>
                }>
                    <Map view=view points=Signal::derive(Vec::new) on_pick=place_door picked=picked_signal/>
                </Show>
                </div>
              </div>
            </Show>
        </div>
    }
}

/// Where an imported file comes from.
#[derive(Clone)]
enum Source {
    /// Picked in the browser: its bytes are sent.
    Upload(web_sys::File),
    /// Picked in the app window's open dialog: read where it is (an OSM extract can be hundreds
    /// of MB).
    Dialog,
}

/// Files in and out: a file picked on this device (the browser's file input, or the app window's
/// open dialog) is imported all or nothing, with every problem named; places export as GeoJSON or
/// CSV, downloaded in a browser, saved where the save dialog says in the app window.
#[component]
fn Files() -> impl IntoView {
    let s = state();
    let report = RwSignal::new(None::<ridermap_api::ImportReport>);
    let import = Action::new_local(move |from: &Source| {
        let from = from.clone();
        async move {
            let req = match from {
                Source::Upload(file) => match crate::widgets::file_base64(&file).await {
                    Some(base64) => {
                        let upload = ridermap_api::Upload { name: file.name(), base64 };
                        ImportReq { upload: Some(upload), ..Default::default() }
                    }
                    None => return s.say(s.t("读不了这个文件", "Cannot read that file")),
                },
                Source::Dialog => match pick_path(Dialog::Open, "", &["geojson", "json", "csv", "osm", "pbf"]).await {
                    Ok(Some(path)) => ImportReq { path, ..Default::default() },
                    Ok(None) => return,
                    Err(e) => return s.say(e.message),
                },
            };
            match call(&req).await {
                Ok(r) => {
                    report.set(Some(r));
                    s.wrote();
                }
                Err(e) => {
                    report.set(None);
                    s.say(e.message);
                }
            }
        }
    });
    let on_file = move |ev: leptos::ev::Event| {
        if let Some(file) = crate::widgets::picked_file(&ev) {
            import.dispatch(Source::Upload(file));
        }
    };
    let export = Action::new_local(move |format: &&'static str| {
        let format = *format;
        async move {
            let name = format!("ridermap.{format}");
            let Some(to) = save_to(&name, &[format]).await else { return };
            let saved = match call(&ExportReq { format: format.into(), out: to.out(), ..Default::default() }).await {
                Ok(ridermap_api::Exported { text: Some(text), .. }) => {
                    crate::widgets::save_file(&name, text.as_bytes(), "text/plain")
                }
                Ok(_) => match to {
                    SaveTo::Path(p) => {
                        crate::widgets::saved_at(&p);
                        Ok(())
                    }
                    SaveTo::Download => Err(s.t("导出没有内容", "The export came back empty").into()),
                },
                Err(e) => Err(e.message),
            };
            if let Err(e) = saved {
                s.say(e);
            }
        }
    });
    let said = move || {
        report.get().map(|r| {
            let l = s.lang.get();
            let counts = match l {
                ridermap_core::Lang::Zh => format!(
                    "新增 {} · 更新 {} · 未变 {} · 底图要素 {}",
                    r.inserted, r.updated, r.unchanged, r.base_features
                ),
                ridermap_core::Lang::En => format!(
                    "{} new · {} updated · {} unchanged · {} base-layer features",
                    r.inserted, r.updated, r.unchanged, r.base_features
                ),
            };
            view! { <p data-testid="import-report">{counts}</p> }
        })
    };
    view! {
        <h3>{tr("导入文件（GeoJSON、CSV、OSM）", "Import a file (GeoJSON, CSV, OSM)")}</h3>
        {if crate::transport::in_tauri() {
            view! { <button class="big" data-testid="import-pick" on:click=move |_| { import.dispatch(Source::Dialog); }>{tr("选择文件…", "Choose a file…")}</button> }.into_any()
        } else {
            view! { <label class="button big file-pick">{tr("选择文件…", "Choose a file…")}
                <input type="file" data-testid="import-file" accept=".geojson,.json,.csv,.osm,.pbf" on:change=on_file />
            </label> }.into_any()
        }}
        {move || import.pending().get().then(|| view! { <p class="loading">{s.t("导入中…", "Importing…")}</p> })}
        {said}
        <h3>{tr("导出全部地点", "Export every place")}</h3>
        <div class="actions">
            <button class="big" data-testid="export-geojson" on:click=move |_| { export.dispatch("geojson"); }>"GeoJSON"</button>
            <button class="big" data-testid="export-csv" on:click=move |_| { export.dispatch("csv"); }>"CSV"</button>
        </div>
    }
}
