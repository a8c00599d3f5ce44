//! Best gate: which entrance of a compound a rider should use to reach a building at a given time on
//! a given vehicle, with the reasons in words. Pure: the caller supplies the compound, its gates and
//! the gates' recent reports.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    AccessMethod, Building, EbikeAccess, Id, Lang, Outcome, Place, StatusReport,
    hours::HoursState,
    model::normalize_building,
    status::{self, MAX_AGE_H},
};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vehicle {
    #[default]
    Ebike,
    Foot,
}

impl Vehicle {
    pub fn parse(s: &str) -> Option<Vehicle> {
        match s.trim().to_ascii_lowercase().replace('-', "").as_str() {
            "ebike" | "e_bike" | "bike" => Some(Vehicle::Ebike),
            "foot" | "walk" => Some(Vehicle::Foot),
            _ => None,
        }
    }
}

/// How long ago something happened, in hours and in calendar days (local time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ago {
    pub hours: i64,
    pub days: i64,
}

impl Ago {
    fn new(then: DateTime<Utc>, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Ago {
        let hours = (now - then).num_hours();
        let days = (now.with_timezone(&tz).date_naive() - then.with_timezone(&tz).date_naive()).num_days();
        Ago { hours, days }
    }

    pub fn text(&self, lang: Lang) -> String {
        match (self.days, self.hours) {
            (_, h) if h < 1 => lang.pick("1小时内", "within the hour").into(),
            (0, h) => lang.pick(format!("{h}小时前"), format!("{h} h ago")),
            (1, _) => lang.pick("昨天", "yesterday").into(),
            (d, _) => lang.pick(format!("{d}天前"), format!("{d} days ago")),
        }
    }
}

/// One reason or warning attached to a gate. `code` is stable for programs; `text(lang)` is for people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    OpenAllDay,
    OpenUntil {
        until: String,
    },
    ClosedNow {
        opens: Option<String>,
    },
    ClosesSoon {
        at: String,
        minutes: i64,
    },
    HoursUnknown,
    ReportedClosed {
        ago: Ago,
    },
    ReportedClosedEarlier {
        ago: Ago,
    },
    Ebike {
        access: EbikeAccess,
    },
    NoFootAccess,
    Access {
        method: AccessMethod,
    },
    Distance {
        metres: u32,
        building: String,
    },
    /// The way in, by the compound's lanes and paths.
    Route {
        metres: u32,
        minutes: u32,
        building: String,
    },
    /// No lanes are known between this gate and the building: the distance is a straight line.
    StraightLine {
        metres: u32,
        building: String,
    },
    /// An e-bike cannot get from this gate to the building: park at the gate and walk.
    ParkAndWalk {
        metres: u32,
        building: String,
    },
    /// The e-bike is pushed for part of the way.
    PushFor {
        metres: u32,
    },
    /// What riders reported waiting here, recent waits weighing more.
    Waits {
        minutes: u32,
        count: u32,
    },
    NotForBuilding {
        building: String,
    },
    ServesBuilding {
        building: String,
    },
    Refusals {
        count: u32,
        ago: Ago,
    },
    EbikeBans {
        count: u32,
        ago: Ago,
    },
    GotIn {
        ago: Ago,
    },
    UnlitAtNight,
}

impl Reason {
    pub fn text(&self, lang: Lang) -> String {
        use Reason::*;
        match self {
            OpenAllDay => lang.pick("全天开放", "open 24/7").into(),
            OpenUntil { until } => lang.pick(format!("开放至 {until}"), format!("open until {until}")),
            ClosedNow { opens: Some(t) } => {
                lang.pick(format!("现在关闭 — {t} 开门"), format!("closed now — opens at {t}"))
            }
            ClosedNow { opens: None } => lang.pick("现在关闭", "closed now").into(),
            ClosesSoon { at, minutes } => {
                lang.pick(format!("{at} 关门 — 还剩 {minutes} 分钟"), format!("closes at {at} — in {minutes} min"))
            }
            HoursUnknown => lang.pick("开放时间未知", "opening hours unknown").into(),
            ReportedClosed { ago } => {
                lang.pick(format!("骑手{}报告关闭", ago.text(lang)), format!("reported closed {}", ago.text(lang)))
            }
            ReportedClosedEarlier { ago } => lang.pick(
                format!("{}曾有报告关闭（已过时）", ago.text(lang)),
                format!("reported closed {} (no longer counts)", ago.text(lang)),
            ),
            Ebike { access } => match access {
                EbikeAccess::Allowed => lang.pick("电动车可进", "e-bikes allowed"),
                EbikeAccess::Push => lang.pick("电动车需推行", "e-bikes must be pushed"),
                EbikeAccess::Refused => lang.pick("电动车禁止进入", "e-bikes refused"),
                EbikeAccess::Unknown => lang.pick("电动车规定未知", "e-bike rule unknown"),
            }
            .into(),
            NoFootAccess => lang.pick("行人不可通行", "no access on foot").into(),
            Access { method } => match method {
                AccessMethod::Open => lang.pick("无门禁", "open gate"),
                AccessMethod::Qr => lang.pick("扫码进入", "scan a QR code"),
                AccessMethod::Face => lang.pick("刷脸进入", "face recognition"),
                AccessMethod::Card => lang.pick("刷卡进入", "access card"),
                AccessMethod::Guard => lang.pick("门卫登记", "register with the guard"),
                AccessMethod::Intercom => lang.pick("对讲呼叫", "call on the intercom"),
            }
            .into(),
            Distance { metres, building } => {
                lang.pick(format!("距{building}号楼 {metres} 米"), format!("{metres} m to building {building}"))
            }
            Route { metres, minutes, building } => lang.pick(
                format!("经小区内道路到{building}号楼 {metres} 米，约 {} 分钟", (*minutes).max(1)),
                format!("{metres} m to building {building} by the lanes, about {} min", (*minutes).max(1)),
            ),
            StraightLine { metres, building } => lang.pick(
                format!("距{building}号楼直线 {metres} 米，未测路径"),
                format!("{metres} m to building {building} in a straight line; no path surveyed"),
            ),
            ParkAndWalk { metres, building } => lang.pick(
                format!("电动车到不了{building}号楼：门口停车，步行 {metres} 米"),
                format!("an e-bike cannot reach building {building}: park at the gate and walk {metres} m"),
            ),
            PushFor { metres } => {
                lang.pick(format!("其中推车步行 {metres} 米"), format!("pushing the e-bike for {metres} m of it"))
            }
            Waits { minutes, count } => lang.pick(
                format!("骑手反馈平均等候 {minutes} 分钟（{count} 条）"),
                format!("riders report waiting {minutes} min on average ({count} report{})", plural(*count)),
            ),
            NotForBuilding { building } => {
                lang.pick(format!("此门不通{building}号楼"), format!("not listed for building {building}"))
            }
            ServesBuilding { building } => {
                lang.pick(format!("通往{building}号楼"), format!("serves building {building}"))
            }
            Refusals { count, ago } => lang.pick(
                format!("{}有{count}位骑手在此被拒", ago.text(lang)),
                format!("{count} rider{} refused here {}", plural(*count), ago.text(lang)),
            ),
            EbikeBans { count, ago } => lang.pick(
                format!("{}有{count}位骑手报告此门禁止电动车", ago.text(lang)),
                format!("{count} rider{} reported e-bikes banned here {}", plural(*count), ago.text(lang)),
            ),
            GotIn { ago } => {
                lang.pick(format!("{}有骑手顺利进入", ago.text(lang)), format!("a rider got in {}", ago.text(lang)))
            }
            UnlitAtNight => lang.pick("夜间无照明", "unlit at night").into(),
        }
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One ranked gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateChoice {
    pub id: Id,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    /// Open at the asked time (hours and fresh reports); unknown hours count as open.
    pub open: bool,
    /// Open and passable on the asked vehicle.
    pub usable: bool,
    /// From the gate's stopping point to the building in a straight line, when a building was
    /// asked for.
    pub distance_m: Option<f64>,
    /// The way from the gate to the building, when a building was asked for and routes were
    /// looked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<GateRoute>,
    /// Lower is better: seconds of everything that slows a rider down (the way in, waits,
    /// registering at the gate…).
    pub score: f64,
    pub reasons: Vec<Reason>,
    pub warnings: Vec<Reason>,
    /// The gate's e-bike rule and how one gets through it, for the icons of the answer.
    #[serde(default)]
    pub ebike: crate::EbikeAccess,
    #[serde(default)]
    pub access: crate::AccessMethod,
    /// Where riders may leave the e-bike at this gate, when the gate says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parking: Option<Parking>,
}

/// Rider parking at a gate: where (the gate's stopping point) and what the gate's note says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parking {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Parking {
    /// The gate's parking, if it records a stopping point or a note.
    pub fn of(e: &crate::Entrance) -> Option<Parking> {
        let note = e.parking_note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
        let (lat, lon) = match (e.stop_lat, e.stop_lon) {
            (Some(lat), Some(lon)) => (Some(lat), Some(lon)),
            _ => (None, None),
        };
        (note.is_some() || lat.is_some()).then_some(Parking { lat, lon, note })
    }
}

/// The way from a gate to a building, as the router found it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateRoute {
    pub length_m: f64,
    pub duration_s: f64,
    /// Over surveyed lanes and paths; false: a straight line, no path known.
    pub measured: bool,
    /// No e-bike way from this gate: the walk after parking at the gate.
    #[serde(default)]
    pub parked: bool,
    /// Metres the e-bike is pushed.
    #[serde(default)]
    pub push_m: f64,
}

/// Routes by gate id (a gate missing has no known way to the building).
pub type GateRoutes = HashMap<Id, GateRoute>;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GateError {
    #[error("`{0}` is not a compound")]
    NotACompound(String),
    #[error("compound `{compound}` has no building `{building}`{}", known_list(.known))]
    UnknownBuilding { compound: String, building: String, known: Vec<String> },
    #[error("compound `{0}` has no gates recorded")]
    NoGates(String),
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        " (no building numbers are recorded for it)".into()
    } else {
        let mut shown: Vec<&str> = known.iter().take(30).map(String::as_str).collect();
        if known.len() > 30 {
            shown.push("…");
        }
        format!(" (known: {})", shown.join(", "))
    }
}

/// What a rider asks.
#[derive(Debug, Clone)]
pub struct GateQuery {
    pub building: Option<String>,
    pub at: DateTime<Utc>,
    pub vehicle: Vehicle,
}

// Costs in metres-equivalent: how far a rider would rather ride than suffer the thing. Scores are
// seconds: these become seconds at the pace the vehicle keeps inside a compound.
const PUSH_COST: f64 = 120.0;
const EBIKE_UNKNOWN_COST: f64 = 40.0;
const HOURS_UNKNOWN_COST: f64 = 30.0;
const REFUSAL_COST: f64 = 150.0;
const NOT_FOR_BUILDING_COST: f64 = 300.0;
const CLOSES_SOON_MIN: i64 = 30;
/// A "closed" report younger than this closes the gate; older ones only warn.
const CLOSURE_FRESH_H: i64 = 12;

fn friction(m: AccessMethod) -> f64 {
    match m {
        AccessMethod::Open => 0.0,
        AccessMethod::Qr => 20.0,
        AccessMethod::Face => 30.0,
        AccessMethod::Card => 60.0,
        AccessMethod::Guard => 120.0,
        AccessMethod::Intercom => 180.0,
    }
}

/// Find a building of `compound` by number as a person types it ("12", "12号").
pub fn find_building<'a>(compound: &'a Place, number: &str) -> Result<&'a Building, GateError> {
    let info = compound.compound_info().ok_or_else(|| GateError::NotACompound(compound.name.clone()))?;
    let wanted = normalize_building(number);
    info.buildings.iter().find(|b| normalize_building(&b.number) == wanted).ok_or_else(|| GateError::UnknownBuilding {
        compound: compound.name.clone(),
        building: number.trim().to_string(),
        known: info.buildings.iter().map(|b| b.number.clone()).collect(),
    })
}

/// The pace (m/s) that turns metres-equivalent costs into seconds.
fn pace(v: Vehicle) -> f64 {
    use crate::route::{Mode, WayClass, speed};
    match v {
        Vehicle::Ebike => speed(Mode::Ride, WayClass::Lane),
        Vehicle::Foot => speed(Mode::Walk, WayClass::Footway),
    }
}

/// Rank `gates` (the compound's entrances) for `q`. `reports` are reports on those gates.
/// `routes`, when given, are the ways from each gate to the asked building (a gate missing from
/// it has none known: its straight line counts, and says so); without it the straight line
/// counts as before routes existed.
pub fn rank_gates(
    compound: &Place,
    gates: &[Place],
    reports: &[StatusReport],
    q: &GateQuery,
    routes: Option<&GateRoutes>,
) -> Result<Vec<GateChoice>, GateError> {
    let building = match &q.building {
        Some(n) => Some(find_building(compound, n)?),
        None => {
            compound.compound_info().ok_or_else(|| GateError::NotACompound(compound.name.clone()))?;
            None
        }
    };
    let gates: Vec<&Place> = gates.iter().filter(|g| g.entrance().is_some()).collect();
    if gates.is_empty() {
        return Err(GateError::NoGates(compound.name.clone()));
    }
    let mut out: Vec<GateChoice> = gates
        .iter()
        .map(|g| {
            let mine: Vec<StatusReport> = reports.iter().filter(|r| r.target == Some(g.id)).cloned().collect();
            judge(g, building, &mine, q, routes.map(|r| r.get(&g.id)))
        })
        .collect();
    out.sort_by(|a, b| b.usable.cmp(&a.usable).then(a.score.total_cmp(&b.score)).then_with(|| a.name.cmp(&b.name)));
    Ok(out)
}

/// Whether gate `g` is meant for building `number` (a gate that names none serves every one).
pub fn serves(g: &Place, number: &str) -> bool {
    let Some(e) = g.entrance() else { return false };
    let wanted = normalize_building(number);
    e.buildings_served.is_empty() || e.buildings_served.iter().any(|s| normalize_building(s) == wanted)
}

/// Whether gate `g` is open at `at`, by its hours and riders' fresh reports on it (`reports`), as
/// ranking reads them: what a route passing the gate obeys.
pub fn gate_open(g: &Place, reports: &[StatusReport], at: DateTime<Utc>) -> bool {
    let q = GateQuery { building: None, at, vehicle: Vehicle::Foot };
    g.entrance().is_some() && judge(g, None, reports, &q, None).open
}

fn hhmm(t: NaiveDateTime, now: NaiveDateTime) -> String {
    let time = crate::words::clock(&t);
    if t.date() == now.date() { time } else { format!("{} {time}", crate::words::month_day(&t)) }
}

fn judge(
    g: &Place,
    building: Option<&Building>,
    reports: &[StatusReport],
    q: &GateQuery,
    route: Option<Option<&GateRoute>>,
) -> GateChoice {
    let e = g.entrance().expect("filtered to entrances");
    let tz = g.tz();
    let now = q.at;
    let local_now = now.with_timezone(&tz).naive_local();
    let mut reasons = vec![];
    let mut warnings = vec![];
    let mut score = 0.0;

    // Hours.
    let mut open = true;
    match g.hours().map(|h| (h.is_24_7(), h.state_at(now, tz))) {
        Some((true, _)) => reasons.push(Reason::OpenAllDay),
        Some((_, HoursState::Open { until })) => {
            if let Some(t) = until {
                reasons.push(Reason::OpenUntil { until: hhmm(t, local_now) });
                let left = (t - local_now).num_minutes();
                if left <= CLOSES_SOON_MIN {
                    warnings.push(Reason::ClosesSoon { at: hhmm(t, local_now), minutes: left.max(0) });
                }
            } else {
                reasons.push(Reason::OpenAllDay);
            }
        }
        Some((_, HoursState::Closed { opens })) => {
            open = false;
            reasons.push(Reason::ClosedNow { opens: opens.map(|t| hhmm(t, local_now)) });
        }
        Some((_, HoursState::Unknown)) | None => {
            score += HOURS_UNKNOWN_COST;
            reasons.push(Reason::HoursUnknown);
        }
    }

    // Closures and passages reported by riders: the latest word counts.
    let latest = status::latest(reports, now, MAX_AGE_H, &[Outcome::Closed, Outcome::GotIn, Outcome::Confirmed]);
    if let Some(r) = latest {
        let ago = Ago::new(r.observed_at, now, tz);
        if r.outcome == Outcome::Closed {
            if now - r.observed_at <= Duration::hours(CLOSURE_FRESH_H) {
                if open {
                    open = false;
                }
                reasons.push(Reason::ReportedClosed { ago });
            } else {
                warnings.push(Reason::ReportedClosedEarlier { ago });
            }
        } else if r.outcome == Outcome::GotIn {
            reasons.push(Reason::GotIn { ago });
        }
    }

    // Vehicle.
    let mut allowed = true;
    match q.vehicle {
        Vehicle::Ebike => {
            match e.ebike {
                EbikeAccess::Allowed => {}
                EbikeAccess::Push => score += PUSH_COST,
                EbikeAccess::Refused => allowed = false,
                EbikeAccess::Unknown => score += EBIKE_UNKNOWN_COST,
            }
            reasons.push(Reason::Ebike { access: e.ebike });
            let bans: Vec<&StatusReport> =
                status::live(reports, now, MAX_AGE_H).filter(|r| r.outcome == Outcome::EbikeBanned).collect();
            if let Some(newest) = bans.iter().map(|r| r.observed_at).max() {
                score += bans.iter().map(|r| status::weight(now - r.observed_at)).sum::<f64>() * REFUSAL_COST;
                warnings.push(Reason::EbikeBans { count: bans.len() as u32, ago: Ago::new(newest, now, tz) });
            }
        }
        Vehicle::Foot => {
            if !e.foot {
                allowed = false;
                reasons.push(Reason::NoFootAccess);
            }
        }
    }

    // Access friction.
    score += friction(e.access_method);
    reasons.push(Reason::Access { method: e.access_method });

    // Riders turned away.
    let refusals: Vec<&StatusReport> =
        status::live(reports, now, MAX_AGE_H).filter(|r| r.outcome == Outcome::Refused).collect();
    if let Some(newest) = refusals.iter().map(|r| r.observed_at).max() {
        score += refusals.iter().map(|r| status::weight(now - r.observed_at)).sum::<f64>() * REFUSAL_COST;
        warnings.push(Reason::Refusals { count: refusals.len() as u32, ago: Ago::new(newest, now, tz) });
    }

    // Waits riders reported here.
    let mut wait_s = 0.0;
    if let Some((minutes, count)) = status::average_wait(reports, now) {
        wait_s = minutes * 60.0;
        reasons.push(Reason::Waits { minutes: minutes.round() as u32, count });
    }

    // The way to the building, and whether the gate is meant for it.
    let mut distance_m = None;
    let mut way_s = 0.0;
    let mut chosen_route = None;
    if let Some(b) = building {
        let from = match q.vehicle {
            Vehicle::Ebike => g.stop_point(),
            Vehicle::Foot => g.point(),
        };
        let d = from.distance_m(&b.centre());
        distance_m = Some((d * 10.0).round() / 10.0);
        let number = b.number.clone();
        match route {
            // Before routes: the straight line, as metres-equivalent.
            None => {
                score += d;
                reasons.push(Reason::Distance { metres: d.round() as u32, building: number });
            }
            Some(Some(r)) if r.measured => {
                way_s = r.duration_s;
                let metres = r.length_m.round() as u32;
                if r.parked {
                    allowed = false;
                    reasons.push(Reason::ParkAndWalk { metres, building: number });
                } else {
                    let minutes = (r.duration_s / 60.0).round() as u32;
                    reasons.push(Reason::Route { metres, minutes, building: number });
                    if r.push_m >= 10.0 {
                        reasons.push(Reason::PushFor { metres: r.push_m.round() as u32 });
                    }
                }
                chosen_route = Some(r.clone());
            }
            Some(found) => {
                way_s = d / pace(q.vehicle);
                reasons.push(Reason::StraightLine { metres: d.round() as u32, building: number });
                chosen_route = Some(found.cloned().unwrap_or(GateRoute {
                    length_m: (d * 10.0).round() / 10.0,
                    duration_s: way_s.round(),
                    measured: false,
                    parked: false,
                    push_m: 0.0,
                }));
            }
        }
        if !e.buildings_served.is_empty() {
            if serves(g, &b.number) {
                reasons.push(Reason::ServesBuilding { building: b.number.clone() });
            } else {
                score += NOT_FOR_BUILDING_COST;
                warnings.push(Reason::NotForBuilding { building: b.number.clone() });
            }
        }
    }

    let hour = chrono::Timelike::hour(&local_now);
    if e.lit == Some(false) && !(6..18).contains(&hour) {
        warnings.push(Reason::UnlitAtNight);
    }

    let secs = score / pace(q.vehicle) + way_s + wait_s;
    GateChoice {
        id: g.id,
        name: g.name.clone(),
        lat: g.lat,
        lon: g.lon,
        open,
        usable: open && allowed,
        distance_m,
        route: chosen_route,
        score: (secs * 10.0).round() / 10.0,
        reasons,
        warnings,
        ebike: e.ebike,
        access: e.access_method,
        parking: Parking::of(e),
    }
}
