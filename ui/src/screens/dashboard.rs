//! The grid desk's dashboard: what the grid holds in words, the share of compounds whose way in
//! riders can be told (and what is missing where), how fresh the checks on site are, reports per
//! week, open hazards on the map, and the stations' visitors — every figure the service's, each
//! panel's numbers downloadable as CSV. And the scorecard: compounds ranked by how riders rate
//! them, the worst first, with their weakest points and the trend.

use leptos::prelude::*;
use ridermap_api::{CompoundGaps, Dashboard, DashboardCsvReq, DashboardReq, Gap, ScorecardReq};
use ridermap_core::{Lang, LatLon, Outcome, Review};

use crate::{
    chart::{Bar, BarChart, ShareBar},
    geom::View,
    map::{H, Map, Trace, W},
    state::{Screen, state, tr},
    text,
    transport::{call, call_as},
    widgets::{Read, SaveTo, save_file, save_to},
};

/// Compounds whose way in is not known listed before "more".
const GAPS_SHOWN: usize = 6;

/// Outcomes grouped as the weekly chart stacks them: what went well, what went wrong, hazards.
fn group(o: Outcome) -> usize {
    match o {
        Outcome::GotIn | Outcome::Works | Outcome::Confirmed => 0,
        Outcome::Hazard => 2,
        _ => 1,
    }
}

/// A compound's gaps in words; unreached buildings said once, with their numbers.
fn gap_words(c: &CompoundGaps, l: Lang) -> Vec<String> {
    let mut out = vec![];
    let mut unreached = vec![];
    for g in &c.gaps {
        match g {
            Gap::NoGate => out.push(l.pick("没有门的记录", "no gate recorded").to_string()),
            Gap::NoBuildings => out.push(l.pick("没有楼栋记录", "no buildings recorded").to_string()),
            Gap::NoWays => out.push(
                l.pick("小区道路未画：路线只能按直线", "lanes not mapped: routes are straight lines").to_string(),
            ),
            Gap::Hours { gate } => out.push(format!("{gate}{}", l.pick(" 开放时间未知", ": hours unknown"))),
            Gap::Ebike { gate } => out.push(format!("{gate}{}", l.pick(" 电动车规则未知", ": e-bike rule unknown"))),
            Gap::Unreached { building } => unreached.push(building.as_str()),
        }
    }
    if !unreached.is_empty() {
        let n = unreached.len();
        let mut list = unreached.iter().take(8).copied().collect::<Vec<_>>().join(l.pick("、", ", "));
        if n > 8 {
            list.push('…');
        }
        out.push(match l {
            Lang::Zh => format!("{n} 栋楼从已知的门走不到：{list}"),
            Lang::En => format!("{n} buildings not reached from a known gate: {list}"),
        });
    }
    out
}

/// A button that downloads one panel's numbers as CSV.
#[component]
fn CsvButton(grid: Option<String>, panel: &'static str) -> impl IntoView {
    let s = state();
    let get = Action::new_local(move |_: &()| {
        let grid = grid.clone();
        async move {
            let name = format!("ridermap-{}-{panel}.csv", grid.as_deref().unwrap_or("all"));
            let Some(to) = save_to(&name, &["csv"]).await else { return };
            match (
                call(&DashboardCsvReq { grid: grid.clone(), at: None, panel: panel.to_string(), out: to.out() }).await,
                to,
            ) {
                (Ok(_), SaveTo::Path(p)) => crate::widgets::saved_at(&p),
                (Ok(text), SaveTo::Download) => {
                    if let Err(e) = save_file(&name, text.as_bytes(), "text/csv") {
                        s.say(e);
                    }
                }
                (Err(e), _) => s.say(e.message),
            }
        }
    });
    view! {
        <button class="link csv" data-testid=format!("csv-{panel}") on:click=move |_| { get.dispatch(()); }>
            {tr("下载 CSV", "Download CSV")}
        </button>
    }
}

#[component]
pub fn DashboardPane(grid: RwSignal<Option<String>>) -> impl IntoView {
    let s = state();
    let data = LocalResource::new(move || {
        s.changed.track();
        let grid = grid.get();
        async move { call(&DashboardReq { grid, at: None }).await }
    });
    let all_gaps = RwSignal::new(false);
    let shown = move |d: Dashboard| {
        let l = s.lang.get();
        let g = d.grid.clone();
        let head = |zh: &'static str, en: &'static str, panel: &'static str| {
            view! { <div class="panel-head"><h3>{l.pick(zh, en)}</h3><CsvButton grid=g.clone() panel=panel/></div> }
        };
        let counts = d
            .places
            .iter()
            .map(|(k, n)| view! { <li><strong>{*n}</strong><span>{text::kind(*k, l)}</span></li> })
            .collect_view();
        let way = &d.way_in;
        let way_words = match l {
            Lang::Zh => {
                format!("的小区（{} / {}）每栋楼都能从开放时间和电动车规则已知的门走到", way.known, way.compounds)
            }
            Lang::En => format!(
                " of compounds ({} of {}): every building reached from a gate whose hours and e-bike rule are known",
                way.known, way.compounds
            ),
        };
        // The worst few first; the rest on request (and all of them in the CSV).
        let hidden = way.gaps.len().saturating_sub(GAPS_SHOWN);
        let more = (hidden > 0 && !all_gaps.get()).then(|| {
            view! {
                <button class="link" data-testid="more-gaps" on:click=move |_| all_gaps.set(true)>
                    {match l { Lang::Zh => format!("还有 {hidden} 个小区"), Lang::En => format!("{hidden} more compounds") }}
                </button>
            }
        });
        let gaps = way
            .gaps
            .iter()
            .take(if all_gaps.get() { usize::MAX } else { GAPS_SHOWN })
            .map(|c| {
                let id = c.id;
                let items = gap_words(c, l).into_iter().map(|w| view! { <li>{w}</li> }).collect_view();
                view! {
                    <li class="gap" data-testid="way-gap">
                        <button class="link" on:click=move |_| s.screen.set(Screen::Place(id))>{c.name.clone()}</button>
                        <span class="muted">{format!(" {}/{} ", c.reached, c.buildings)}{l.pick("栋可达", "buildings reached")}</span>
                        <ul>{items}</ul>
                    </li>
                }
            })
            .collect_view();
        let f = &d.verified;
        let fresh_words = match l {
            Lang::Zh => format!("的地点（{} / {}）{} 天内到现场核实过", f.verified, f.places, f.days),
            Lang::En => {
                format!(" of places ({} of {}) verified on site in the last {} days", f.verified, f.places, f.days)
            }
        };
        let now = d.at;
        let stalest = f
            .stalest
            .iter()
            .map(|c| {
                let when = c.verified_at.map_or_else(|| l.pick("从未核实", "never verified").to_string(), |t| text::ago(t, now, l));
                let id = c.id;
                view! { <li data-testid="stale-compound"><button class="link" on:click=move |_| s.screen.set(Screen::Place(id))>{c.name.clone()}</button>" · "{when}</li> }
            })
            .collect_view();
        let week_bars: Vec<Bar> = d
            .weeks
            .iter()
            .map(|w| {
                let mut values = vec![0.0; 3];
                for (o, n) in &w.counts {
                    values[group(*o)] += *n as f64;
                }
                let each: Vec<String> = w.counts.iter().map(|(o, n)| format!("{} {n}", text::outcome(*o, l))).collect();
                Bar {
                    label: text::month_day(&w.week),
                    values,
                    title: format!("{}{}: {}", text::month_day(&w.week), l.pick(" 这周", " week"), each.join(" · ")),
                }
            })
            .collect();
        let hazards = d.hazards.clone();
        let hazard_map = (!hazards.is_empty()).then(|| {
            let spots: Vec<[f64; 2]> = hazards.iter().map(|h| [h.lon, h.lat]).collect();
            let view =
                RwSignal::new(View::new(LatLon::new(hazards[0].lat, hazards[0].lon), 1.0, W, H).fit(&spots, 2.0));
            let traces: Vec<Trace> = spots.iter().map(|p| Trace { line: vec![*p], class: "hazard" }).collect();
            view! { <Map view=view points=Signal::derive(Vec::new) traces=Signal::derive(move || traces.clone())/> }
        });
        let hazard_rows = hazards
            .iter()
            .map(|h| {
                let state = match h.review {
                    Review::Accepted => l.pick("已核实", "confirmed"),
                    _ => l.pick("待审核", "to review"),
                };
                view! { <li data-testid="hazard">{text::ago(h.observed_at, now, l)}" · "{state}{h.note.clone().map(|n| format!(" · {n}"))}</li> }
            })
            .collect_view();
        let no_hazards = hazards
            .is_empty()
            .then(|| view! { <p class="muted">{l.pick("近 30 天没有未处理的隐患", "No open hazards in 30 days")}</p> });
        let visit_bars: Vec<Bar> = d
            .visits_per_day
            .iter()
            .map(|(day, n, h)| Bar {
                label: format!("{:02}", chrono::Datelike::day(day)),
                values: vec![*h as f64],
                title: match l {
                    Lang::Zh => format!("{}：{n} 次到访，{h} 人次", text::month_day(day)),
                    Lang::En => format!("{}: {n} visits, {h} riders", text::month_day(day)),
                },
            })
            .collect();
        let legend = [("s-good", "顺利", "went well"), ("s-bad", "有问题", "problems"), ("s-hazard", "隐患", "hazards")]
            .into_iter()
            .map(|(class, zh, en)| view! { <span class="legend-item"><i class=format!("swatch {class}")></i>{l.pick(zh, en)}</span> })
            .collect_view();
        view! {
            <div class="dashboard" data-testid="dashboard">
                <section class="panel">
                    {head("地点", "Places", "places")}
                    <ul class="counts" data-testid="kind-counts">{counts}
                        <li data-testid="open-reports"><strong>{d.open_reports}</strong><span>{l.pick("待审核反馈", "Reports to review")}</span></li>
                        <li><strong>{d.stale}</strong><span>{l.pick("超 90 天未核实", "Not verified in 90 days")}</span></li>
                    </ul>
                </section>
                <section class="panel">
                    {head("进门方式", "The way in", "way_in")}
                    <ShareBar part=way.known whole=way.compounds words=way_words testid="way-in-share"/>
                    <ul class="gaps">{gaps}</ul>
                    {more}
                </section>
                <section class="panel">
                    {head("现场核实", "Checked on site", "verified")}
                    <ShareBar part=f.verified whole=f.places words=fresh_words testid="verified-share"/>
                    <p class="muted">{l.pick("最久没核实的小区", "Compounds checked longest ago")}</p>
                    <ul>{stalest}</ul>
                </section>
                <section class="panel">
                    {head("每周反馈（近 8 周）", "Reports per week (8 weeks)", "reports")}
                    <BarChart bars=week_bars series=vec!["s-good", "s-bad", "s-hazard"] unit=l.pick("条", "reports").to_string() testid="weeks-chart"/>
                    <p class="legend">{legend}</p>
                </section>
                <section class="panel">
                    {head("未处理的隐患", "Open hazards", "hazards")}
                    {hazard_map}
                    {no_hazards}
                    <ul>{hazard_rows}</ul>
                </section>
                <section class="panel">
                    {head("近 14 天驿站人次", "Station visitors, last 14 days", "visits")}
                    <BarChart bars=visit_bars series=vec!["s-visits"] unit=l.pick("人次", "riders").to_string() testid="visits-chart"/>
                </section>
            </div>
        }
        .into_any()
    };
    view! { <Read res=data what=("看板", "the dashboard") ok=shown/> }
}

/// What the scorecard shows of a `ridermap_api::CompoundScore` (read from the same reply).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
struct Scored {
    id: ridermap_core::Id,
    name: String,
    score: ScoreView,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
struct ScoreView {
    ratings: u32,
    overall: Option<f64>,
    indicators: Vec<ShareView>,
    weeks: Vec<(chrono::NaiveDate, Option<f64>)>,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
struct ShareView {
    indicator: ridermap_core::Indicator,
    share: Option<f64>,
}

/// A share as a whole percentage ("—" when nothing was rated).
fn pct(share: Option<f64>) -> String {
    share.map_or_else(|| "—".into(), |x| format!("{:.0}%", x * 100.0))
}

/// Compounds by riders' ratings, the worst first: what to improve, and whether it is improving.
#[component]
pub fn ScorecardPane(grid: RwSignal<Option<String>>) -> impl IntoView {
    let s = state();
    let data = LocalResource::new(move || {
        s.changed.track();
        let grid = grid.get();
        async move { call_as::<_, Vec<Scored>>(&ScorecardReq { grid, at: None }).await }
    });
    let shown = move |list: Vec<Scored>| {
        let l = s.lang.get();
        let rated: Vec<Scored> = list.into_iter().filter(|c| c.score.ratings > 0).collect();
        let none = rated.is_empty().then(|| {
            view! { <p class="muted" data-testid="no-scores">{l.pick("还没有骑手评价", "No rider ratings yet")}</p> }
        });
        let rows = rated
            .into_iter()
            .map(|c| {
                let id = c.id;
                let mut weak: Vec<_> = c.score.indicators.iter().filter_map(|i| Some((i.indicator, i.share?))).collect();
                weak.sort_by(|a, b| a.1.total_cmp(&b.1));
                let weak = weak
                    .into_iter()
                    .take(2)
                    .map(|(i, x)| format!("{} {}", text::indicator(i, l), pct(Some(x))))
                    .collect::<Vec<_>>()
                    .join(" · ");
                // Eight weeks, a bar each from 0 to 100 % good.
                let trend = c
                    .score
                    .weeks
                    .iter()
                    .enumerate()
                    .map(|(i, (week, x))| {
                        let h = x.map_or(0.0, |x| 2.0 + 26.0 * x);
                        let title = format!("{}: {}", text::month_day(week), pct(*x));
                        view! { <rect class="bar s-visits" x=i as f64 * 12.0 y=30.0 - h width=9.0 height=h><title>{title}</title></rect> }
                    })
                    .collect_view();
                view! {
                    <li class="score-row" data-testid="score-row">
                        <button class="link" on:click=move |_| s.screen.set(Screen::Place(id))>{c.name.clone()}</button>
                        <strong class="score-overall" data-testid="score-overall">{pct(c.score.overall)}</strong>
                        <span class="muted">{match (l, c.score.ratings) {
                            (ridermap_core::Lang::Zh, n) => format!(" · {n} 条评价"),
                            (_, 1) => " · 1 rating".to_string(),
                            (_, n) => format!(" · {n} ratings"),
                        }}</span>
                        <svg viewBox="0 0 96 44" class="trend" role="img">
                            <line class="axis-line" x1=0.0 x2=96.0 y1=30.5 y2=30.5 />{trend}
                            <text class="axis" x=0.0 y=42.0>{l.pick("8周前", "8 wk ago")}</text>
                            <text class="axis" x=96.0 y=42.0 text-anchor="end">{l.pick("本周", "now")}</text>
                        </svg>
                        <p class="muted weak">{l.pick("最弱：", "Weakest: ")}{weak}</p>
                    </li>
                }
            })
            .collect_view();
        view! {
            <section class="panel scorecard" data-testid="scorecard">
                <h3>{l.pick("骑手友好度（好评占比，近 8 周趋势）", "Rider-friendly (share of good taps; 8-week trend)")}</h3>
                {none}
                <ul class="scores">{rows}</ul>
            </section>
        }
        .into_any()
    };
    view! { <Read res=data what=("骑手评分", "the rider ratings") ok=shown/> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ridermap_core::Id;

    #[test]
    fn gaps_read_as_words_with_unreached_buildings_said_once() {
        let c = CompoundGaps {
            id: Id::new(),
            name: "开鲁一村".into(),
            buildings: 12,
            reached: 2,
            gaps: std::iter::once(Gap::Ebike { gate: "3号门".into() })
                .chain((1..=10).map(|n| Gap::Unreached { building: n.to_string() }))
                .collect(),
        };
        assert_eq!(
            gap_words(&c, Lang::Zh),
            ["3号门 电动车规则未知", "10 栋楼从已知的门走不到：1、2、3、4、5、6、7、8…"]
        );
        assert_eq!(
            gap_words(&c, Lang::En),
            ["3号门: e-bike rule unknown", "10 buildings not reached from a known gate: 1, 2, 3, 4, 5, 6, 7, 8…"]
        );
        assert_eq!(group(Outcome::Closed), 1);
        assert_eq!(group(Outcome::Confirmed), 0);
    }
}
