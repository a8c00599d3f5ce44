//! The device's commands: flags become the app's requests, `ridermap-service` answers them, and
//! the reply is printed as a table for people or, with `--json`, exactly as the service gave it.

use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use chrono::Utc;
use ridermap_core::{
    Amenity, ChargerKind, Id, Lang, Outcome, Place, PlaceKind, StationService, hours::DEFAULT_TZ, rank::Vehicle,
    status::Condition, words,
};
use ridermap_service::{Demo, Handle, Pace, Service, api::*};
use ridermap_store::Actor;
use serde_json::Value;

use crate::{
    BasemapCmd, Cli, Cmd, GridCmd, NearbyArgs, PhotoCmd, PlaceCmd, ReportCmd, VisitCmd, default_db, out, parse_enum,
    parse_time,
};

/// Imports smaller than this finish before a progress bar would be worth drawing.
const BAR_FROM: usize = 5000;

/// The service this run of the CLI asks, and the language it answers people in.
struct Client {
    svc: Service,
    lang: Lang,
}

impl Client {
    fn call<C: Handle>(&self, req: C) -> Result<C::Reply> {
        Ok(self.svc.call(req)?)
    }

    /// A place by id, source or name, as typed.
    fn place(&self, key: &str) -> Result<Place> {
        self.call(FindPlaceReq { key: key.to_string() })
    }

    fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(zh, en)
    }
}

fn parse_kind(s: &str) -> Result<PlaceKind> {
    PlaceKind::parse(s).ok_or_else(|| anyhow!("--kind: `{s}` is not compound, entrance, charger or rest-stop"))
}

fn parse_id(flag: &str, what: &str, s: &str) -> Result<Id> {
    s.trim().parse().map_err(|_| anyhow!("{flag}: `{s}` is not {what} id"))
}

fn parse_sets(sets: &[String]) -> Result<Vec<(String, String)>> {
    sets.iter()
        .map(|s| {
            s.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| anyhow!("--set: `{s}` is not field=value"))
        })
        .collect()
}

fn local(t: chrono::DateTime<Utc>, fmt: &str) -> String {
    t.with_timezone(&DEFAULT_TZ).format(fmt).to_string()
}

pub(crate) fn run(cli: Cli) -> Result<()> {
    let lang = Lang::parse(&cli.lang).ok_or_else(|| anyhow!("--lang: `{}` is not zh or en", cli.lang))?;
    let path = match &cli.db {
        Some(p) => p.clone(),
        None => default_db()?,
    };
    let demo = if cli.no_demo { Demo::Skip } else { Demo::Load };
    let bar = indicatif::ProgressBar::hidden();
    let shown = bar.clone();
    let svc = Service::open(&path, demo, Actor { name: cli.actor.clone() })
        .with_context(|| format!("opening {}", path.display()))?
        .on_progress(Box::new(move |done, total| {
            if total < BAR_FROM {
                return;
            }
            if shown.is_hidden() {
                shown.set_style(
                    indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} {eta}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                shown.set_length(total as u64);
                shown.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            shown.set_position(done as u64);
        }));
    let cx = Client { svc, lang };
    match cli.cmd {
        Cmd::Import { file, format, skip_invalid, kind, json } => {
            let kind = kind.as_deref().map(parse_kind).transpose()?;
            let path = file.display().to_string();
            let r = cx.call(ImportReq { path: path.clone(), format, skip_invalid, kind, upload: None });
            bar.finish_and_clear();
            let r = r?;
            if json {
                return out::json(&r);
            }
            for p in &r.problems {
                eprintln!("  skipped {p}");
            }
            out::line(format_args!(
                "{path}: {} inserted, {} updated, {} unchanged, {} skipped",
                r.inserted, r.updated, r.unchanged, r.skipped
            ))?;
        }
        Cmd::Export { format, kind, out: file } => {
            let kind = kind.as_deref().map(parse_kind).transpose()?;
            let r = cx.call(ExportReq { format, kind, out: file.as_ref().map(|f| f.display().to_string()) })?;
            match (r.text, file) {
                (Some(text), _) => {
                    use std::io::Write;
                    std::io::stdout().lock().write_all(text.as_bytes())?;
                }
                (None, Some(f)) => eprintln!("{}: {} records", f.display(), r.records),
                (None, None) => bail!("the export came back without its text"),
            }
        }
        Cmd::Nearby(a) => nearby(&cx, a)?,
        Cmd::Search { text, kind, limit, json } => {
            let kind = kind.as_deref().map(parse_kind).transpose()?;
            let found = cx.call(SearchReq { text, kind, limit: Some(limit) })?;
            if json {
                return out::json(&found);
            }
            let rows: Vec<Vec<String>> = found
                .iter()
                .map(|p| {
                    let kind = words::kind(p.kind(), cx.lang).to_string();
                    vec![kind, p.name.clone(), p.address.clone().unwrap_or_default(), p.id.to_string()]
                })
                .collect();
            out::table(&[cx.pick("类型", "kind"), cx.pick("名称", "name"), cx.pick("地址", "address"), "id"], &rows)?;
        }
        Cmd::Gate { compound, building, at, vehicle, json } => {
            let at = at.as_deref().map(|t| parse_time("--at", t)).transpose()?;
            let vehicle =
                Vehicle::parse(&vehicle).ok_or_else(|| anyhow!("--vehicle: `{vehicle}` is not ebike or foot"))?;
            let answer = cx.call(GateReq { compound, building, at, vehicle, lang: None })?;
            if json {
                return out::json(&answer);
            }
            gate(&cx, &answer)?;
        }
        Cmd::Sign { compound, paper, out, font } => {
            let font = font.map(|f| f.display().to_string());
            let req =
                SignReq { compound, paper: Some(paper), out: Some(out.display().to_string()), font, lang: cx.lang };
            let s = cx.call(req)?;
            out::line(format_args!("{} · {} {} · {}", out.display(), s.bytes, cx.pick("字节", "bytes"), s.compound))?;
        }
        Cmd::Route { compound, building, unit, gate, from, to, vehicle, at, json, format } => {
            let at = at.as_deref().map(|t| parse_time("--at", t)).transpose()?;
            let vehicle =
                Vehicle::parse(&vehicle).ok_or_else(|| anyhow!("--vehicle: `{vehicle}` is not ebike or foot"))?;
            let from = from.as_deref().map(|p| lat_lon("--from", p)).transpose()?;
            let to = to.as_deref().map(|p| lat_lon("--to", p)).transpose()?;
            let geojson = match format.as_deref() {
                None => false,
                Some("geojson") => true,
                Some(f) => bail!("--format: `{f}` is not geojson"),
            };
            let req = RouteReq { compound, building, unit, gate, from, to, vehicle, at, lang: cx.lang };
            let r = cx.call(req)?;
            if geojson {
                return out::json(&route_feature(&r));
            }
            if json {
                return out::json(&r);
            }
            route(&cx, &r)?;
        }
        Cmd::Building { compound, number, json } => {
            let b = cx.call(BuildingReq { compound, number })?;
            if json {
                return out::json(&b);
            }
            let (n, lat, lon) = (&b.building.number, b.building.lat, b.building.lon);
            out::line(format_args!("{} {n}{}: {lat:.6}, {lon:.6}", b.compound_name, cx.pick("号楼", "")))?;
        }
        Cmd::Place(c) => place(&cx, c)?,
        Cmd::Grid(GridCmd::Add { code, name }) => out::line(cx.call(AddGridReq { code, name })?.id)?,
        Cmd::Grid(GridCmd::List { json }) => {
            let grids = cx.call(GridsReq {})?;
            if json {
                return out::json(&grids);
            }
            let rows: Vec<Vec<String>> =
                grids.iter().map(|g| vec![g.code.clone(), g.name.clone(), g.id.to_string()]).collect();
            out::table(&[cx.pick("代码", "code"), cx.pick("名称", "name"), "id"], &rows)?;
        }
        Cmd::Report(c) => report(&cx, c)?,
        Cmd::Visit(c) => visit(&cx, c)?,
        Cmd::Note { target, text } => {
            let target = cx.place(&target)?.id;
            out::line(cx.call(AddNoteReq { target, text })?.id)?;
        }
        Cmd::Stats { grid, csv: Some(panel), .. } => {
            out::line(cx.call(DashboardCsvReq { grid, at: None, panel, out: None })?.trim_end())?;
        }
        Cmd::Stats { grid, json, csv: None } => {
            let s = cx.call(StatsReq { grid })?;
            if json {
                return out::json(&s);
            }
            let mut rows: Vec<Vec<String>> =
                s.places.iter().map(|(k, n)| vec![words::kind(*k, cx.lang).to_string(), n.to_string()]).collect();
            for (label, n) in [
                (cx.pick("90天未核实", "not verified in 90 days"), s.stale),
                (cx.pick("待审核报告", "reports to review"), s.pending_reports),
                (cx.pick("7天驿站到访", "station visits, 7 days"), s.visits_7d),
                (cx.pick("7天服务人次", "riders served, 7 days"), s.headcount_7d),
                (cx.pick("本地变更", "changes logged"), s.changes_logged),
            ] {
                rows.push(vec![label.into(), n.to_string()]);
            }
            out::table(&[cx.pick("项目", "item"), cx.pick("数量", "count")], &rows)?;
        }
        Cmd::Login { server, invite, ca } => {
            let ca = ca.as_deref().map(read_ca).transpose()?;
            let s = cx.call(EnrolReq { server, invite, ca })?;
            let role = s.role.map(|r| words::role(r, cx.lang)).unwrap_or("?");
            out::line(format_args!(
                "{} {} · {role}",
                cx.pick("已登记到", "enrolled with"),
                s.server.unwrap_or_default()
            ))?;
        }
        Cmd::Sync { server, ca, status, verify, follow, watch, every, json } => {
            let follow = follow.map(|f| f.parse::<Follow>().map_err(|e| anyhow!("--follow: {e}"))).transpose()?;
            let ca = ca.as_deref().map(read_ca).transpose()?;
            if server.is_some() || follow.is_some() || ca.is_some() {
                cx.call(SyncSettingsReq { server, follow, ca })?;
            }
            if status {
                let s = cx.call(SyncStatusReq {})?;
                return if json { out::json(&s) } else { sync_status(&cx, &s) };
            }
            if watch {
                watch_sync(&cx, every);
            }
            let r = cx.call(SyncNowReq { verify })?;
            let differs = r.round.verified.values().any(|ok| !ok);
            if json {
                out::json(&r)?;
            } else {
                let n = &r.round;
                out::line(format_args!(
                    "pushed {}, refused {}, pulled {}, conflicts {}, photos up {} down {}",
                    n.pushed, n.refused, n.pulled, n.conflicts, n.photos_up, n.photos_down
                ))?;
                for (region, ok) in &n.verified {
                    out::line(format_args!(
                        "{region}: {}",
                        if *ok { "matches the server" } else { "DIFFERS from the server" }
                    ))?;
                }
            }
            if differs {
                bail!("this device's state differs from the server's");
            }
        }
        Cmd::Photo(PhotoCmd::Add { file }) => {
            out::line(cx.call(AddPhotoReq { path: Some(file.display().to_string()), base64: None })?.hash)?;
        }
        Cmd::Photo(PhotoCmd::Get { hash, out: file }) => {
            let bytes = cx.svc.photo(&hash)?.ok_or_else(|| anyhow!("no photo {hash} on this device"))?;
            std::fs::write(&file, bytes).with_context(|| format!("--out: cannot write {}", file.display()))?;
        }
        Cmd::Basemap(cmd) => {
            let (map, json) = match cmd {
                BasemapCmd::Import { file, json } => {
                    (Some(cx.call(ImportBaseMapReq { path: file.display().to_string() })?), json)
                }
                BasemapCmd::Show { json } => (cx.call(BaseMapReq {})?, json),
            };
            if json {
                return out::json(&map);
            }
            let Some(m) = map else {
                bail!("no base map on this device; `ridermap basemap import FILE.mbtiles` adds one");
            };
            let datum = match m.datum {
                Datum::Wgs84 => "WGS-84",
                Datum::Gcj02 => "GCJ-02",
            };
            out::line(format_args!("{} · {} · zoom {}–{} · {datum}", m.name, m.format, m.min_zoom, m.max_zoom))?;
        }
        Cmd::Outbox { dismiss: Some(id), .. } => {
            let id = parse_id("--dismiss", "a change", &id)?;
            cx.call(DismissReq { id })?;
            out::line(format_args!("dismissed {id}"))?;
        }
        Cmd::Outbox { dismiss: None, json } => {
            let outbox = cx.call(OutboxReq {})?;
            if json {
                return out::json(&outbox);
            }
            let rows: Vec<Vec<String>> = outbox
                .items
                .iter()
                .map(|i| {
                    let state = match &i.refusal {
                        None => cx.pick("待发送", "pending"),
                        Some(_) => cx.pick("被拒绝", "refused"),
                    };
                    vec![
                        state.to_string(),
                        entity_word(i.change.entity, cx.lang).to_string(),
                        i.label.clone().unwrap_or_default(),
                        i.change.fields.keys().cloned().collect::<Vec<_>>().join(","),
                        i.refusal.clone().unwrap_or_default(),
                        i.change.id.to_string(),
                    ]
                })
                .collect();
            let headers = [
                cx.pick("状态", "state"),
                cx.pick("类型", "record"),
                cx.pick("名称", "name"),
                cx.pick("字段", "fields"),
                cx.pick("原因", "reason"),
                "id",
            ];
            out::table(&headers, &rows)?;
        }
        Cmd::Conflicts { json } => {
            let list = cx.call(ConflictsReq {})?;
            if json {
                return out::json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|c| {
                    let when = chrono::DateTime::from_timestamp_millis(c.conflict.kept_version.hlc.ms)
                        .map(|t| local(t, "%m-%d %H:%M"))
                        .unwrap_or_default();
                    vec![
                        c.label.clone().unwrap_or_else(|| c.entity_id.to_string()),
                        words::field(&c.conflict.field, cx.lang),
                        c.conflict.lost.to_string(),
                        c.conflict.kept.to_string(),
                        c.conflict.kept_version.device.clone(),
                        when,
                    ]
                })
                .collect();
            let headers = [
                cx.pick("记录", "record"),
                cx.pick("字段", "field"),
                cx.pick("我的", "mine"),
                cx.pick("保留的", "kept"),
                cx.pick("来自设备", "from device"),
                cx.pick("时间", "when"),
            ];
            out::table(&headers, &rows)?;
        }
        Cmd::Changes { since, limit, json } => {
            let changes = cx.call(ChangesReq { since, limit: Some(limit) })?;
            if json {
                return out::json(&changes);
            }
            let rows: Vec<Vec<String>> = changes
                .iter()
                .map(|c| {
                    vec![
                        c.seq.to_string(),
                        c.hlc.to_string(),
                        c.entity.as_str().to_string(),
                        c.op.as_str().to_string(),
                        c.entity_id.to_string(),
                        c.fields.keys().cloned().collect::<Vec<_>>().join(","),
                    ]
                })
                .collect();
            out::table(&["seq", "hlc", "entity", "op", "id", "fields"], &rows)?;
        }
        Cmd::Serve { .. } | Cmd::Web { .. } | Cmd::Admin(_) => unreachable!("the server side is not a device command"),
    }
    Ok(())
}

fn nearby(cx: &Client, a: NearbyArgs) -> Result<()> {
    let amenities = "hot-water, cold-water, microwave, fridge, toilet, phone-charging, power-bank, seating, heating, \
                     cooling, first-aid, wifi, ebike-parking";
    let req = NearbyReq {
        lat: a.lat,
        lon: a.lon,
        kind: a.kind.as_deref().map(parse_kind).transpose()?,
        open_now: a.open_now,
        open_at: a.at.as_deref().map(|t| parse_time("--at", t)).transpose()?,
        ebike: a.ebike,
        working: a.working,
        charger_kind: a
            .charger_kind
            .as_deref()
            .map(|s| parse_enum::<ChargerKind>("--charger-kind", s, "swap-cabinet, charging-pile, socket"))
            .transpose()?,
        volts: a
            .volts
            .as_deref()
            .map(|v| {
                ridermap_core::parse_volts(v).ok_or_else(|| anyhow!("--volts: `{v}` is not a battery voltage like 48"))
            })
            .transpose()?,
        amenities: a
            .amenities
            .iter()
            .map(|s| parse_enum::<Amenity>("--amenity", s, amenities))
            .collect::<Result<_>>()?,
        limit: Some(a.limit.max(1)),
        text: None,
    };
    let found = cx.call(req)?;
    if a.json {
        return out::json(&found);
    }
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|n| {
            let open = match n.open {
                Some(true) => cx.pick("开放", "open"),
                Some(false) => cx.pick("关闭", "closed"),
                None => cx.pick("未知", "unknown"),
            };
            vec![
                words::distance(n.distance_m, cx.lang),
                words::kind(n.place.kind(), cx.lang).to_string(),
                n.place.name.clone(),
                open.into(),
                words::condition(n.condition, cx.lang).unwrap_or_default().to_string(),
                n.place.id.to_string(),
            ]
        })
        .collect();
    let headers = [
        cx.pick("距离", "distance"),
        cx.pick("类型", "kind"),
        cx.pick("名称", "name"),
        cx.pick("状态", "open"),
        cx.pick("报告", "reports"),
        "id",
    ];
    out::table(&headers, &rows)?;
    Ok(())
}

fn gate(cx: &Client, a: &GateAnswer) -> Result<()> {
    let l = cx.lang;
    out::line(format_args!(
        "{} {}",
        a.compound.name,
        a.building.as_ref().map(|b| format!("· {b}")).unwrap_or_default()
    ))?;
    for (i, g) in a.choices.iter().enumerate() {
        let mark = match (i, g.usable) {
            (0, true) => "★",
            (_, true) => " ",
            (_, false) => "✗",
        };
        out::line(format_args!("{mark} {}. {}", i + 1, g.name))?;
        let reasons: Vec<String> = g.reasons.iter().map(|r| r.text(l)).collect();
        out::line(format_args!("     {}", reasons.join(" · ")))?;
        for w in &g.warnings {
            out::line(format_args!("     ⚠ {}", w.text(l)))?;
        }
    }
    Ok(())
}

/// "31.33,121.53" → a position.
fn lat_lon(flag: &str, text: &str) -> Result<ridermap_core::LatLon> {
    let parts: Vec<f64> = text
        .split([',', '，'])
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| anyhow!("{flag}: `{text}` is not LAT,LON (like 31.3376,121.5382)"))?;
    match parts[..] {
        [lat, lon] => Ok(ridermap_core::LatLon::new(lat, lon)),
        _ => bail!("{flag}: `{text}` is not LAT,LON (like 31.3376,121.5382)"),
    }
}

/// A route as a GeoJSON Feature: its line, and its figures and words as properties.
fn route_feature(r: &Route) -> Value {
    let mut props = serde_json::to_value(r).unwrap_or_default();
    if let Some(m) = props.as_object_mut() {
        m.remove("line");
    }
    serde_json::json!({
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": r.line},
        "properties": props,
    })
}

fn route(cx: &Client, r: &Route) -> Result<()> {
    let l = cx.lang;
    let minutes = (r.duration_s / 60.0).round().max(1.0) as u32;
    let head = match (&r.compound, &r.building) {
        (Some(c), Some(b)) => {
            let unit = r.unit.as_ref().map(|u| l.pick(format!(" {u}单元"), format!(" unit {u}"))).unwrap_or_default();
            format!("{c} · {b}{}{unit}", l.pick("号楼", ""))
        }
        _ => l.pick("路线", "Route").to_string(),
    };
    out::line(format_args!("{head}"))?;
    if let Some(g) = &r.gate {
        let mark = if g.usable { "★" } else { "✗" };
        let reasons: Vec<String> = g.reasons.iter().map(|x| x.text(l)).collect();
        out::line(format_args!("{mark} {}   {}", g.name, reasons.join(" · ")))?;
        for w in &g.warnings {
            out::line(format_args!("  ⚠ {}", w.text(l)))?;
        }
    }
    let how = if r.measured { "" } else { l.pick("（直线，未测路径）", " (straight line, no path surveyed)") };
    out::line(format_args!(
        "{} {:.0} {} · {} {minutes} {}{how}",
        l.pick("全程", "length"),
        r.length_m,
        l.pick("米", "m"),
        l.pick("约", "about"),
        l.pick("分钟", "min")
    ))?;
    for (i, s) in r.steps.iter().enumerate() {
        out::line(format_args!("  {}. {}", i + 1, s.text))?;
    }
    Ok(())
}

fn show_place(cx: &Client, v: &PlaceView) -> Result<()> {
    let l = cx.lang;
    let Value::Object(fields) = serde_json::to_value(&v.place)? else {
        bail!("a place that is not a record");
    };
    for (k, raw) in &fields {
        if raw.is_null() || raw == &Value::Array(vec![]) {
            continue;
        }
        let text = match (words::value(k, raw, l), raw) {
            (Some(w), _) => w,
            (None, Value::String(s)) => s.clone(),
            (None, Value::Array(items)) if items.len() > 8 => format!("[{} items]", items.len()),
            (None, other) => other.to_string(),
        };
        out::line(format_args!("{:>18}  {text}", words::field(k, l)))?;
    }
    if let Some(condition) = words::condition(v.condition, l).filter(|_| v.condition != Condition::Ok) {
        out::line(format_args!("{:>18}  {condition}", l.pick("状况", "condition")))?;
    }
    let ago = |t| words::ago(t, v.now, l);
    let never = l.pick("从未", "never").to_string();
    out::line(format_args!(
        "{:>18}  {}",
        l.pick("核实", "verified"),
        v.place.stamp.verified_at.map(ago).unwrap_or(never)
    ))?;
    let none = l.pick("无", "none").to_string();
    out::line(format_args!(
        "{:>18}  {}",
        l.pick("最近报告", "last report"),
        v.last_report_at.map(ago).unwrap_or(none)
    ))?;
    for r in &v.reports {
        let note = r.note.clone().unwrap_or_default();
        out::line(format_args!(
            "{:>18}  {} {} {note}",
            l.pick("报告", "report"),
            ago(r.observed_at),
            words::outcome(r.outcome, l)
        ))?;
    }
    for n in &v.notes {
        out::line(format_args!("{:>18}  {} {}", l.pick("备注", "note"), ago(n.created_at), n.text))?;
    }
    Ok(())
}

fn place(cx: &Client, c: PlaceCmd) -> Result<()> {
    match c {
        PlaceCmd::Add { kind, name, lat, lon, sets, json } => {
            let p = cx.call(AddPlaceReq { kind: parse_kind(&kind)?, name, lat, lon, sets: parse_sets(&sets)? })?;
            if json { out::json(&p) } else { Ok(out::line(p.id)?) }
        }
        PlaceCmd::Edit { id, sets, json } => {
            let id = cx.place(&id)?.id;
            let p = cx.call(EditPlaceReq { id, sets: parse_sets(&sets)? })?;
            if json { out::json(&p) } else { Ok(out::line(p.id)?) }
        }
        PlaceCmd::Delete { id } => {
            let p = cx.place(&id)?;
            cx.call(DeletePlaceReq { id: p.id })?;
            Ok(out::line(format_args!("deleted {} ({})", p.id, p.name))?)
        }
        PlaceCmd::Show { id_or_name, json } => {
            let id = cx.place(&id_or_name)?.id;
            let view = cx.call(PlaceReq { id })?;
            if json { out::json(&view) } else { show_place(cx, &view) }
        }
        PlaceCmd::Verify { id } => {
            let id = cx.place(&id)?.id;
            let p = cx.call(VerifyPlaceReq { id })?;
            Ok(out::line(format_args!("{} verified", p.name))?)
        }
    }
}

fn report(cx: &Client, c: ReportCmd) -> Result<()> {
    let l = cx.lang;
    match c {
        ReportCmd::Add { target, outcome, rate, note, at, lat, lon, photo, waited, json } => {
            let outcome = Outcome::parse(&outcome).ok_or_else(|| {
                anyhow!(
                    "--outcome: `{outcome}` is not one of got-in, refused, ebike-banned, cabinet-empty, broken, works, \
                     closed, hazard, confirmed, rated"
                )
            })?;
            let ratings = rate
                .iter()
                .map(|r| {
                    let (i, v) = r.split_once('=').unwrap_or((r, ""));
                    let indicator = ridermap_core::Indicator::parse(i);
                    let good = match v.trim() {
                        "good" => Some(true),
                        "bad" => Some(false),
                        _ => None,
                    };
                    match (indicator, good) {
                        (Some(indicator), Some(good)) => Ok(ridermap_core::Rating { indicator, good }),
                        _ => Err(anyhow!(
                            "--rate: `{r}` is not INDICATOR=good|bad (ebike-in, numbers-clear, guard-friendly, \
                             quick-in, parking, charging-near, rest-near)"
                        )),
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            let target = target.as_deref().map(|t| cx.place(t)).transpose()?.map(|p| p.id);
            let observed_at = at.as_deref().map(|t| parse_time("--at", t)).transpose()?;
            let photo = match photo {
                Some(file) => Some(cx.call(AddPhotoReq { path: Some(file.display().to_string()), base64: None })?.hash),
                None => None,
            };
            let req = AddReportReq {
                target,
                outcome,
                note,
                photo_base64: None,
                photo,
                lat,
                lon,
                observed_at,
                waited_min: waited,
                ratings,
            };
            let r = cx.call(req)?;
            if json { out::json(&r) } else { Ok(out::line(r.id)?) }
        }
        ReportCmd::List { grid: _, target: Some(t), json } => {
            let place = cx.place(&t)?;
            let reports = cx.call(ReportsReq { target: place.id, days: None })?;
            if json {
                return out::json(&reports);
            }
            let rows: Vec<Vec<String>> = reports
                .iter()
                .map(|r| {
                    vec![
                        local(r.observed_at, "%m-%d %H:%M"),
                        words::outcome(r.outcome, l).into(),
                        place.name.clone(),
                        r.note.clone().unwrap_or_default(),
                        r.id.to_string(),
                    ]
                })
                .collect();
            report_table(cx, &rows)
        }
        ReportCmd::List { grid, target: None, json } => {
            let queue = cx.call(ReviewQueueReq { grid })?;
            if json {
                return out::json(&queue);
            }
            let rows: Vec<Vec<String>> = queue
                .iter()
                .map(|i| {
                    let r = &i.report;
                    vec![
                        local(r.observed_at, "%m-%d %H:%M"),
                        words::outcome(r.outcome, l).into(),
                        i.target_name.clone().unwrap_or_else(|| format!("{:.5},{:.5}", r.lat, r.lon)),
                        r.note.clone().unwrap_or_default(),
                        r.id.to_string(),
                    ]
                })
                .collect();
            report_table(cx, &rows)
        }
        ReportCmd::Accept { id, reason } => {
            let id = parse_id("REPORT", "a report", &id)?;
            let r = cx.call(ReviewReq { id, accept: true, reason })?;
            Ok(out::line(format_args!("accepted {}", r.id))?)
        }
        ReportCmd::Reject { id, reason } => {
            let id = parse_id("REPORT", "a report", &id)?;
            let r = cx.call(ReviewReq { id, accept: false, reason: Some(reason) })?;
            Ok(out::line(format_args!("rejected {}", r.id))?)
        }
    }
}

fn report_table(cx: &Client, rows: &[Vec<String>]) -> Result<()> {
    let headers =
        [cx.pick("时间", "seen"), cx.pick("结果", "outcome"), cx.pick("地点", "place"), cx.pick("说明", "note"), "id"];
    Ok(out::table(&headers, rows)?)
}

fn visit(cx: &Client, c: VisitCmd) -> Result<()> {
    let l = cx.lang;
    match c {
        VisitCmd::Add { station, headcount, services, supplies, open, note, at, json } => {
            let station = cx.place(&station)?.id;
            let all = "hot-water, microwave, phone-charging, rest, toilet, first-aid";
            let services = services
                .iter()
                .map(|s| parse_enum::<StationService>("--service", s, all))
                .collect::<Result<Vec<_>>>()?;
            let station_open = match open.as_deref().map(str::to_ascii_lowercase).as_deref() {
                None => None,
                Some("yes" | "true" | "open") => Some(true),
                Some("no" | "false" | "closed") => Some(false),
                Some(o) => bail!("--open: `{o}` is not yes or no"),
            };
            let at = at.as_deref().map(|t| parse_time("--at", t)).transpose()?;
            let v = cx.call(AddVisitReq { station, headcount, services, supplies, station_open, note, at })?;
            if json { out::json(&v) } else { Ok(out::line(v.id)?) }
        }
        VisitCmd::List { station, day, json } => {
            let station = cx.place(&station)?.id;
            let day = day
                .map(|d| {
                    chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                        .map_err(|_| anyhow!("--day: `{d}` is not YYYY-MM-DD"))
                })
                .transpose()?;
            let d = cx.call(StationDayReq { station, day })?;
            if json {
                return out::json(&d);
            }
            let rows: Vec<Vec<String>> = d
                .visits
                .iter()
                .map(|v| {
                    vec![
                        local(v.at, "%H:%M"),
                        v.headcount.to_string(),
                        v.services.iter().map(|s| words::service(*s, l)).collect::<Vec<_>>().join("、"),
                        v.note.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            let headers = [
                cx.pick("时间", "time"),
                cx.pick("人数", "riders"),
                cx.pick("服务", "services"),
                cx.pick("备注", "note"),
            ];
            out::table(&headers, &rows)?;
            Ok(out::line(format_args!(
                "{} {}: {} {}",
                d.station.name,
                d.day,
                cx.pick("合计人次", "riders in all"),
                d.headcount
            ))?)
        }
    }
}

fn sync_status(cx: &Client, s: &SyncStatus) -> Result<()> {
    let not_enrolled = cx.pick("未登记", "not enrolled").to_string();
    out::line(format_args!("{:>10}  {}", cx.pick("服务器", "server"), s.server.clone().unwrap_or(not_enrolled)))?;
    out::line(format_args!("{:>10}  {}", cx.pick("待同步", "pending"), s.pending))?;
    out::line(format_args!("{:>10}  {}", cx.pick("被拒绝", "refused"), s.refused))?;
    out::line(format_args!("{:>10}  {}", cx.pick("上次成功", "last sync"), s.last_success.as_deref().unwrap_or("—")))?;
    if let Some(e) = &s.last_error {
        out::line(format_args!("{:>10}  {e}", cx.pick("上次错误", "last error")))?;
    }
    out::line(format_args!("{:>10}  {}", cx.pick("本机编号", "device"), s.device))?;
    if let Some(vault) = s.token_in {
        let kept = match vault {
            TokenVault::Keyring => cx.pick("系统钥匙串", "the system keyring"),
            TokenVault::Store => cx.pick("本机数据文件（仅本用户可读）", "this store (readable by its user only)"),
        };
        out::line(format_args!("{:>10}  {kept}", cx.pick("登录凭据", "token in")))?;
    }
    if s.own_ca {
        out::line(format_args!(
            "{:>10}  {}",
            cx.pick("证书", "CA"),
            cx.pick("信任服务器自有证书", "the server's own CA")
        ))?;
    }
    Ok(())
}

/// `sync --watch`: a line per round, until interrupted.
fn watch_sync(cx: &Client, every: u64) -> ! {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64);
    let pace = Pace {
        every: Duration::from_secs(every.max(1)),
        idle: Duration::from_secs(every.max(1)),
        first_retry: Duration::from_secs(2),
        longest_retry: Duration::from_secs(300),
        seed: seed.unwrap_or(7),
    };
    cx.svc.keep_syncing(&pace, |outcome, wait| {
        let now = Utc::now().to_rfc3339();
        let said = match outcome {
            Ok(r) => out::line(format_args!(
                "{now} pushed {}, refused {}, pulled {}",
                r.round.pushed, r.round.refused, r.round.pulled
            )),
            Err(e) => out::line(format_args!("{now} {}; retrying in {} s", e.message, wait.as_secs())),
        };
        if said.is_err() {
            // Nobody reads the output any more.
            std::process::exit(0);
        }
    })
}

/// A CA certificate file's text (PEM); the service checks that it is one.
fn read_ca(path: &std::path::Path) -> Result<String> {
    let meta = std::fs::metadata(path).with_context(|| format!("--ca: cannot read {}", path.display()))?;
    if meta.len() > 1 << 20 {
        bail!("--ca: {} is larger than 1 MiB; give the CA's certificate only", path.display());
    }
    std::fs::read_to_string(path).with_context(|| format!("--ca: cannot read {} as text (PEM)", path.display()))
}
