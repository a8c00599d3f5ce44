//! A compound's printable signboard: the same data the app shows (the base layer around the
//! compound, its buildings and doors, its gates with hours, e-bike rules and rider parking, the
//! nearest working charger and rest stop), said in the asked language and drawn by
//! `ridermap-sign` with a Chinese font found on the system.

use std::path::{Path, PathBuf};

use base64::Engine;
use chrono::Utc;
use ridermap_api::*;
use ridermap_core::{
    Detail, EbikeAccess, GateKind, Lang, LatLon, PathKind, Place, PlaceKind, base::Layer, hours::DEFAULT_TZ,
    rank::Reason, route::WayClass, status::Condition, words,
};
use ridermap_sign::{Footprint, GateLine, GateMark, Paper, Sheet, SheetMap, Street, Tone};

use crate::{Ctx, Handle, invalid};

/// Fonts with Chinese glyphs where systems keep them, most wanted first, with the face to use
/// (Noto CJK collections hold Japanese first; face 2 draws Simplified Chinese).
const SYSTEM_FONTS: &[(&str, u32)] = &[
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("/System/Library/Fonts/STHeiti Medium.ttc", 0),
    ("C:\\Windows\\Fonts\\msyh.ttc", 0),
    ("C:\\Windows\\Fonts\\simhei.ttf", 0),
];
/// Around the compound, the streets that lead to it.
const MARGIN_M: f64 = 80.0;
/// A font file larger than this is not one.
const MAX_FONT_BYTES: u64 = 64 << 20;

fn face_of(path: &Path) -> u32 {
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    if name.starts_with("Noto") && name.contains("CJK") && name.ends_with(".ttc") { 2 } else { 0 }
}

/// The font to use: the one asked for, else `RIDERMAP_SIGN_FONT`, else the first system font
/// that exists.
fn find_font(asked: Option<&str>) -> Result<(PathBuf, u32), ApiError> {
    if let Some(p) = asked.map(str::trim).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return Ok((p.clone(), face_of(&p)));
    }
    if let Ok(p) = std::env::var("RIDERMAP_SIGN_FONT") {
        let p = PathBuf::from(p);
        return Ok((p.clone(), face_of(&p)));
    }
    SYSTEM_FONTS.iter().map(|(p, i)| (PathBuf::from(p), *i)).find(|(p, _)| p.is_file()).ok_or_else(|| {
        invalid(
            "no font with Chinese characters found: install fonts-noto-cjk or fonts-wqy-microhei, \
             or give one (--font FILE, RIDERMAP_SIGN_FONT)",
        )
    })
}

fn read_font(path: &Path) -> Result<Vec<u8>, ApiError> {
    let io = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("font {}: {e}", path.display()));
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > MAX_FONT_BYTES {
        return Err(invalid(format!("font {}: {len} bytes is not a font", path.display())));
    }
    std::fs::read(path).map_err(io)
}

fn tone(e: EbikeAccess) -> Tone {
    match e {
        EbikeAccess::Allowed => Tone::Ride,
        EbikeAccess::Push => Tone::Push,
        EbikeAccess::Refused => Tone::NoRide,
        EbikeAccess::Unknown => Tone::Unknown,
    }
}

/// A gate in words: hours, e-bike rule, how to get through, where to leave the e-bike.
fn said(g: &Place, l: Lang) -> String {
    let mut parts = vec![match g.opening_hours.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
        Some("24/7") => l.pick("全天开放", "open 24/7").to_string(),
        Some(h) => format!("{}{h}", l.pick("开放 ", "open ")),
        None => l.pick("开放时间未知", "hours unknown").to_string(),
    }];
    if let Some(e) = g.entrance() {
        parts.push(Reason::Ebike { access: e.ebike }.text(l));
        parts.push(Reason::Access { method: e.access_method }.text(l));
        if let Some(n) = e.parking_note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            parts.push(format!("{}{n}", l.pick("停车：", "parking: ")));
        }
    }
    parts.join(" · ")
}

/// What is near `at` of `kind` and usable, in words with its distance.
fn nearest(cx: &mut Ctx<'_>, at: LatLon, kind: PlaceKind, l: Lang) -> Result<Option<String>, ApiError> {
    let req = NearbyReq {
        lat: at.lat,
        lon: at.lon,
        kind: Some(kind),
        working: kind == PlaceKind::Charger,
        limit: Some(10),
        ..NearbyReq::default()
    };
    let found = req.handle(cx)?.into_iter().find(|i| i.condition == Condition::Ok);
    Ok(found.map(|i| {
        let what = match kind {
            PlaceKind::Charger => l.pick("最近的换电/充电", "Nearest charger"),
            _ => l.pick("最近的骑手驿站", "Nearest rest stop"),
        };
        let hours = i.place.opening_hours.clone().map(|h| format!(" · {h}")).unwrap_or_default();
        format!("{what}：{}（{}）{hours}", i.place.name, words::distance(i.distance_m, l))
    }))
}

impl Handle for SignReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<Signed, ApiError> {
        let l = self.lang;
        let paper = match self.paper.as_deref() {
            None => Paper::A4,
            Some(p) => Paper::parse(p).ok_or_else(|| invalid(format!("paper: `{p}` is not a4 or a3")))?,
        };
        let (font_path, face) = find_font(self.font.as_deref())?;
        let compound = cx.store().find_compound(&self.compound)?;
        let Some(info) = compound.compound_info().cloned() else {
            return Err(invalid(format!("{} is not a compound", compound.name)));
        };
        let mut gates = cx.store().compound_members(compound.id, Some(PlaceKind::Entrance))?;
        gates.sort_by_key(|g| (g.entrance().map(|e| e.gate_kind != GateKind::Main), g.name.clone()));

        let mut focus: Vec<[f64; 2]> = info.outline.clone().unwrap_or_default();
        for b in &info.buildings {
            focus.push([b.lon, b.lat]);
            focus.extend(b.footprint.iter().flatten().copied());
        }
        focus.extend(gates.iter().map(|g| [g.lon, g.lat]));
        focus.push([compound.lon, compound.lat]);
        let bbox = crate::route::bbox_around(focus.into_iter(), MARGIN_M);
        let layer = MapLayerReq { bbox, m_per_px: 1.0 }.handle(cx)?;

        let mut map = SheetMap { outline: info.outline.clone(), ..SheetMap::default() };
        for f in layer.features {
            match f.layer {
                Layer::Way => map.streets.push(Street {
                    major: matches!(f.class, Some(WayClass::Street)),
                    name: f.name.filter(|_| matches!(f.class, Some(WayClass::Street | WayClass::Service))),
                    line: f.line,
                }),
                Layer::Barrier => map.walls.push(f.line),
                Layer::Water => map.water.push(f.line),
                Layer::Green => map.green.push(f.line),
                Layer::Compound if map.outline.is_none() => map.outline = Some(f.line),
                Layer::Building => {
                    // The number goes where the compound says the building is, else in the middle.
                    let own = f.number.as_ref().and_then(|n| {
                        let n = ridermap_core::normalize_building(n);
                        info.buildings.iter().find(|b| ridermap_core::normalize_building(&b.number) == n)
                    });
                    let n = f.line.len().max(1) as f64;
                    let mid = f.line.iter().fold([0.0, 0.0], |a, p| [a[0] + p[0] / n, a[1] + p[1] / n]);
                    let at = own.map_or(mid, |b| [b.lon, b.lat]);
                    map.footprints.push(Footprint { ring: f.line, number: f.number, at });
                }
                _ => {}
            }
        }
        // This compound's unit doors (the base layer's neighbours' doors only crowd the sheet).
        for b in &info.buildings {
            map.doors.extend(b.doors.iter().map(|d| ([d.lon, d.lat], d.unit.clone())));
        }
        for p in cx.store().in_box(bbox, 5_000)? {
            if let Detail::Path(info) = &p.detail {
                if info.path_kind == PathKind::Wall {
                    map.walls.push(info.line.clone());
                } else {
                    map.paths.push(info.line.clone());
                }
            }
        }
        for g in &gates {
            let e = g.entrance().cloned().unwrap_or_default();
            map.gates.push(GateMark { at: [g.lon, g.lat], name: g.name.clone(), tone: tone(e.ebike) });
            if let (Some(lat), Some(lon)) = (e.stop_lat, e.stop_lon) {
                map.parking.push([lon, lat]);
            }
        }
        let centre = LatLon::new(compound.lat, compound.lon);
        let nearby: Vec<String> = [PlaceKind::Charger, PlaceKind::RestStop]
            .into_iter()
            .map(|k| nearest(cx, centre, k, l))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect();
        let server = SyncStatusReq {}.handle(cx)?.server;
        let (qr, qr_caption) = match server.as_deref().map(|s| s.trim_end_matches('/')) {
            Some(s) if !s.is_empty() => (
                format!("{s}/v1/feed?bbox={:.5},{:.5},{:.5},{:.5}", bbox[0], bbox[1], bbox[2], bbox[3]),
                l.pick("扫码看本小区最新信息", "Scan: this compound, up to date").to_string(),
            ),
            _ => (
                format!("geo:{:.6},{:.6}?q={}", compound.lat, compound.lon, compound.name),
                l.pick("扫码在地图中打开", "Scan to open on a map").to_string(),
            ),
        };
        let today = Utc::now().with_timezone(&DEFAULT_TZ).date_naive();
        let sheet = Sheet {
            title: compound.name.clone(),
            subtitle: [
                Some(l.pick("骑手指引：从哪个门进、楼在哪里", "Rider guide: which gate, where the building is")),
                compound.address.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
            map,
            gates: gates
                .iter()
                .map(|g| GateLine {
                    tone: tone(g.entrance().map(|e| e.ebike).unwrap_or_default()),
                    name: g.name.clone(),
                    said: said(g, l),
                })
                .collect(),
            nearby,
            legend: [
                l.pick("可骑入", "ride in"),
                l.pick("需推行", "push"),
                l.pick("禁止电动车", "no e-bikes"),
                l.pick("规则未知", "rule unknown"),
                l.pick("单元门", "unit door"),
                l.pick("骑手停车", "rider parking"),
            ]
            .map(str::to_string),
            qr: qr.clone(),
            qr_caption,
            footer: format!(
                "{} {today} · {} · {}",
                l.pick("制作于", "Made"),
                l.pick("骑手友好地图", "Ridermap"),
                l.pick("底图 © OpenStreetMap 贡献者", "base map © OpenStreetMap contributors")
            ),
        };
        let font = read_font(&font_path)?;
        let pdf = ridermap_sign::render(&sheet, font, face, paper).map_err(|e| invalid(e.to_string()))?;
        let bytes = pdf.len();
        let font = font_path.display().to_string();
        let Some(out) = self.out.filter(|o| !o.trim().is_empty()) else {
            let b64 = base64::engine::general_purpose::STANDARD.encode(&pdf);
            return Ok(Signed { compound: compound.name, bytes, font, qr, pdf_base64: Some(b64) });
        };
        crate::write_whole(Path::new(out.trim()), &pdf)?;
        Ok(Signed { compound: compound.name, bytes, font, qr, pdf_base64: None })
    }
}
