//! The records Ridermap keeps. Field names here are the names used everywhere else: JSON, GeoJSON
//! properties, CSV headers, `--set field=value`, and the sync protocol.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::{Invalid, LatLon, error::Checker, hours::Hours, id::Id};

/// Whose device made a record, and how it came to exist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stamp {
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Who made the last change (account or device name); None for anonymous local use.
    #[serde(default)]
    pub updated_by: Option<String>,
    /// When someone last checked on site that this record is true.
    #[serde(default)]
    pub verified_at: Option<DateTime<Utc>>,
    /// Where the record came from when imported, e.g. `osm:node/123` or `csv:stations.csv:12`.
    #[serde(default)]
    pub source: Option<String>,
}

impl Stamp {
    pub fn now() -> Stamp {
        Stamp::at(Utc::now())
    }
    pub fn at(t: DateTime<Utc>) -> Stamp {
        Stamp { created_at: t, updated_at: t, updated_by: None, verified_at: None, source: None }
    }
}

/// A 网格: the unit a grid worker is responsible for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    pub id: Id,
    /// Short unique code used on the command line and in files, e.g. `yinhang-1`.
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub stamp: Stamp,
}

impl Grid {
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut c = Checker::default();
        c.check(valid_code(&self.code), "code", || format!("`{}` must be 1-40 letters, digits, `-` or `_`", self.code));
        c.check(!self.name.trim().is_empty(), "name", || "is empty".into());
        c.finish()
    }
}

/// A photo's name: the SHA-256 of its bytes, as 64 lowercase hex digits.
pub fn is_content_address(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn valid_code(s: &str) -> bool {
    (1..=40).contains(&s.len()) && s.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
}

/// The kinds of place; also the `kind` field in every file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    Compound,
    Entrance,
    Charger,
    RestStop,
    /// A compound path, lane or wall a grid worker drew where the base layer lacks it.
    Path,
}

impl PlaceKind {
    pub const ALL: [PlaceKind; 5] =
        [PlaceKind::Compound, PlaceKind::Entrance, PlaceKind::Charger, PlaceKind::RestStop, PlaceKind::Path];

    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::Compound => "compound",
            PlaceKind::Entrance => "entrance",
            PlaceKind::Charger => "charger",
            PlaceKind::RestStop => "rest_stop",
            PlaceKind::Path => "path",
        }
    }

    /// Kinds a rider looks for on the map and in lists (a path is part of the map itself).
    pub fn is_destination(self) -> bool {
        self != PlaceKind::Path
    }

    /// "an entrance", "a charger": for messages.
    pub fn with_article(self) -> String {
        match self {
            PlaceKind::Entrance => "an entrance".into(),
            k => format!("a {}", k.as_str()),
        }
    }

    /// Accepts `rest_stop` and `rest-stop`.
    pub fn parse(s: &str) -> Option<PlaceKind> {
        let s = s.trim().replace('-', "_");
        PlaceKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for PlaceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place on the map: a compound, a gate, a charger or a rest stop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub id: Id,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub address: Option<String>,
    pub lat: f64,
    pub lon: f64,
    /// The grid this place belongs to (grid code).
    #[serde(default)]
    pub grid: Option<String>,
    /// The compound this place is in or belongs to (for gates: the compound they lead into).
    #[serde(default)]
    pub compound: Option<Id>,
    /// OSM `opening_hours`; None means unknown.
    #[serde(default)]
    pub opening_hours: Option<String>,
    /// IANA time zone the hours are read in; None means Asia/Shanghai.
    #[serde(default)]
    pub timezone: Option<Tz>,
    #[serde(default)]
    pub note: Option<String>,
    /// Content address (SHA-256 hex) of a photo of the place (the gate, the charger cabinet).
    #[serde(default)]
    pub photo: Option<String>,
    #[serde(flatten)]
    pub stamp: Stamp,
    #[serde(flatten)]
    pub detail: Detail,
}

/// The kind-specific part of a place; `kind` is its tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Detail {
    Compound(Compound),
    Entrance(Entrance),
    Charger(Charger),
    RestStop(RestStop),
    Path(PathInfo),
}

/// 小区: a residential compound.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Compound {
    #[serde(default)]
    pub buildings: Vec<Building>,
    /// Outer boundary as `[lon, lat]` pairs (GeoJSON order), closed or not.
    #[serde(default)]
    pub outline: Option<Vec<[f64; 2]>>,
    /// House rules riders should know (e.g. "e-bikes park outside No. 3 gate").
    #[serde(default)]
    pub rules: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Building {
    /// The number as written on site: "12", "12号", "12A".
    pub number: String,
    pub lat: f64,
    pub lon: f64,
    /// The outline as `[lon, lat]` pairs (GeoJSON order), closed or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footprint: Option<Vec<[f64; 2]>>,
    /// Its unit doors (单元门).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub doors: Vec<UnitDoor>,
}

impl Building {
    pub fn new(number: impl Into<String>, lat: f64, lon: f64) -> Building {
        Building { number: number.into(), lat, lon, footprint: None, doors: vec![] }
    }

    /// The centre riders aim at: the footprint's centroid, else the building's point.
    pub fn centre(&self) -> LatLon {
        match &self.footprint {
            Some(ring) if ring.len() >= 3 => crate::geo::centroid(ring),
            _ => LatLon::new(self.lat, self.lon),
        }
    }

    /// A door of this building by unit as people type it ("3", "3单元").
    pub fn door(&self, unit: &str) -> Option<&UnitDoor> {
        let wanted = normalize_unit(unit);
        self.doors.iter().find(|d| normalize_unit(&d.unit) == wanted)
    }
}

/// A unit door (单元门) of a building.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitDoor {
    /// The unit as written on site: "3", "3单元".
    pub unit: String,
    pub lat: f64,
    pub lon: f64,
    /// The flats it serves, as written on site: "301-312", "1-6层".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flats: Option<String>,
}

/// Unit numbers as people type them: "3", "3单元", "3号" are the same door.
pub fn normalize_unit(s: &str) -> String {
    let t = s.trim();
    let t = t.trim_end_matches("单元门").trim_end_matches("单元").trim_end_matches('号');
    t.trim().to_lowercase()
}

/// What a drawn path is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathKind {
    /// A lane vehicles may use (by its e-bike rule).
    #[default]
    Lane,
    /// A footpath: e-bikes pushed unless its rule says they may ride.
    Footway,
    /// Steps: on foot only.
    Steps,
    /// A wall or fence: nobody passes it.
    Wall,
}

/// A line a grid worker drew inside a compound: a lane, a footpath, steps, or a wall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathInfo {
    /// `[lon, lat]` vertices, in drawing order (one-way runs along it).
    #[serde(default)]
    pub line: Vec<[f64; 2]>,
    #[serde(default)]
    pub path_kind: PathKind,
    #[serde(default = "yes")]
    pub foot: bool,
    #[serde(default)]
    pub ebike: EbikeAccess,
    /// Vehicles only along the drawing direction.
    #[serde(default)]
    pub oneway: bool,
    #[serde(default)]
    pub lit: Option<bool>,
}

impl Default for PathInfo {
    fn default() -> PathInfo {
        PathInfo {
            line: vec![],
            path_kind: PathKind::Lane,
            foot: true,
            ebike: EbikeAccess::Unknown,
            oneway: false,
            lit: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateKind {
    #[default]
    Main,
    Side,
    Pedestrian,
    Vehicle,
    Service,
    Emergency,
}

/// Whether e-bikes may pass a gate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EbikeAccess {
    Allowed,
    /// Allowed only pushed by hand (`electric_bicycle=dismount`).
    Push,
    Refused,
    #[default]
    Unknown,
}

/// How one gets through a gate. Never a code or other secret — only the method.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessMethod {
    #[default]
    Open,
    Qr,
    Face,
    Card,
    Guard,
    Intercom,
}

/// 门: a way into a compound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entrance {
    #[serde(default)]
    pub gate_kind: GateKind,
    /// Where a rider stops the e-bike, if not at the gate itself.
    #[serde(default)]
    pub stop_lat: Option<f64>,
    #[serde(default)]
    pub stop_lon: Option<f64>,
    #[serde(default = "yes")]
    pub foot: bool,
    #[serde(default)]
    pub ebike: EbikeAccess,
    #[serde(default)]
    pub access_method: AccessMethod,
    /// Building numbers this gate is meant for; empty means any.
    #[serde(default)]
    pub buildings_served: Vec<String>,
    #[serde(default)]
    pub parking_note: Option<String>,
    #[serde(default)]
    pub lit: Option<bool>,
}

fn yes() -> bool {
    true
}

impl Default for Entrance {
    fn default() -> Self {
        Entrance {
            gate_kind: GateKind::Main,
            stop_lat: None,
            stop_lon: None,
            foot: true,
            ebike: EbikeAccess::Unknown,
            access_method: AccessMethod::Open,
            buildings_served: vec![],
            parking_note: None,
            lit: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargerKind {
    /// 换电柜
    #[default]
    SwapCabinet,
    /// 充电桩
    ChargingPile,
    Socket,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Charger {
    #[serde(default)]
    pub charger_kind: ChargerKind,
    #[serde(default)]
    pub operator: Option<String>,
    /// Battery standards served, e.g. ["48V", "60V"].
    #[serde(default)]
    pub battery_standards: Vec<String>,
    #[serde(default)]
    pub slots: Option<u32>,
    #[serde(default)]
    pub price: Option<String>,
    #[serde(default)]
    pub payment: Vec<String>,
    #[serde(default)]
    pub inside_compound: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RestStopKind {
    /// 爱心驿站
    #[default]
    LoveStation,
    /// 户外职工爱心接力站 (trade union)
    UnionRelay,
    PartnerShop,
    ConvenienceStore,
    /// Shelters, toilets or water points from OpenStreetMap.
    Public,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Amenity {
    HotWater,
    ColdWater,
    Microwave,
    Fridge,
    Toilet,
    PhoneCharging,
    PowerBank,
    Seating,
    Heating,
    Cooling,
    FirstAid,
    Wifi,
    EbikeParking,
}

impl Amenity {
    pub const ALL: [Amenity; 13] = [
        Amenity::HotWater,
        Amenity::ColdWater,
        Amenity::Microwave,
        Amenity::Fridge,
        Amenity::Toilet,
        Amenity::PhoneCharging,
        Amenity::PowerBank,
        Amenity::Seating,
        Amenity::Heating,
        Amenity::Cooling,
        Amenity::FirstAid,
        Amenity::Wifi,
        Amenity::EbikeParking,
    ];
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RestStop {
    #[serde(default)]
    pub stop_kind: RestStopKind,
    #[serde(default)]
    pub host: Option<String>,
    /// A public contact (station phone), never a private person's number.
    #[serde(default)]
    pub contact: Option<String>,
    #[serde(default)]
    pub amenities: Vec<Amenity>,
}

impl Detail {
    pub fn kind(&self) -> PlaceKind {
        match self {
            Detail::Compound(_) => PlaceKind::Compound,
            Detail::Entrance(_) => PlaceKind::Entrance,
            Detail::Charger(_) => PlaceKind::Charger,
            Detail::RestStop(_) => PlaceKind::RestStop,
            Detail::Path(_) => PlaceKind::Path,
        }
    }

    pub fn empty(kind: PlaceKind) -> Detail {
        match kind {
            PlaceKind::Compound => Detail::Compound(Compound::default()),
            PlaceKind::Entrance => Detail::Entrance(Entrance::default()),
            PlaceKind::Charger => Detail::Charger(Charger::default()),
            PlaceKind::RestStop => Detail::RestStop(RestStop::default()),
            PlaceKind::Path => Detail::Path(PathInfo::default()),
        }
    }
}

impl Place {
    pub fn new(kind: PlaceKind, name: impl Into<String>, lat: f64, lon: f64) -> Place {
        Place {
            id: Id::new(),
            name: name.into(),
            aliases: vec![],
            address: None,
            lat,
            lon,
            grid: None,
            compound: None,
            opening_hours: None,
            timezone: None,
            note: None,
            photo: None,
            stamp: Stamp::now(),
            detail: Detail::empty(kind),
        }
    }

    pub fn kind(&self) -> PlaceKind {
        self.detail.kind()
    }

    pub fn point(&self) -> LatLon {
        LatLon::new(self.lat, self.lon)
    }

    pub fn tz(&self) -> Tz {
        self.timezone.unwrap_or(crate::hours::DEFAULT_TZ)
    }

    /// Parsed opening hours; None when unknown. Validated places always parse.
    pub fn hours(&self) -> Option<Hours> {
        self.opening_hours.as_deref().and_then(|h| Hours::parse(h).ok())
    }

    pub fn entrance(&self) -> Option<&Entrance> {
        match &self.detail {
            Detail::Entrance(e) => Some(e),
            _ => None,
        }
    }

    pub fn compound_info(&self) -> Option<&Compound> {
        match &self.detail {
            Detail::Compound(c) => Some(c),
            _ => None,
        }
    }

    pub fn path_info(&self) -> Option<&PathInfo> {
        match &self.detail {
            Detail::Path(p) => Some(p),
            _ => None,
        }
    }

    /// The box the place covers, `[min_lon, min_lat, max_lon, max_lat]`: its point, or all of
    /// a path's line.
    pub fn extent(&self) -> [f64; 4] {
        let mut b = [self.lon, self.lat, self.lon, self.lat];
        if let Detail::Path(p) = &self.detail {
            for q in &p.line {
                b = [b[0].min(q[0]), b[1].min(q[1]), b[2].max(q[0]), b[3].max(q[1])];
            }
        }
        b
    }

    /// Every problem with this place, each naming its field.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut c = Checker::default();
        c.check(!self.name.trim().is_empty(), "name", || "is empty".into());
        c.check(self.name.chars().count() <= 200, "name", || "is longer than 200 characters".into());
        check_point(&mut c, "lat", "lon", self.lat, self.lon);
        if let Some(h) = &self.opening_hours
            && let Err(e) = Hours::parse(h)
        {
            c.fail("opening_hours", e);
        }
        if let Some(g) = &self.grid {
            c.check(valid_code(g), "grid", || format!("`{g}` is not a grid code"));
        }
        if let Some(p) = &self.photo {
            c.check(is_content_address(p), "photo", || "is not a SHA-256 hex digest".into());
        }
        c.check(self.stamp.updated_at >= self.stamp.created_at, "updated_at", || "is before created_at".into());
        match &self.detail {
            Detail::Compound(comp) => {
                for (i, b) in comp.buildings.iter().enumerate() {
                    c.check(!b.number.trim().is_empty(), &format!("buildings[{i}].number"), || "is empty".into());
                    check_point(&mut c, &format!("buildings[{i}].lat"), &format!("buildings[{i}].lon"), b.lat, b.lon);
                }
                for (i, b) in comp.buildings.iter().enumerate() {
                    if let Some(ring) = &b.footprint {
                        check_ring(&mut c, &format!("buildings[{i}].footprint"), ring);
                    }
                    let mut units: Vec<String> = vec![];
                    for (j, d) in b.doors.iter().enumerate() {
                        let f = format!("buildings[{i}].doors[{j}]");
                        c.check(!d.unit.trim().is_empty(), &format!("{f}.unit"), || "is empty".into());
                        check_point(&mut c, &format!("{f}.lat"), &format!("{f}.lon"), d.lat, d.lon);
                        let u = normalize_unit(&d.unit);
                        c.check(!units.contains(&u), &format!("{f}.unit"), || {
                            format!("unit `{}` appears twice", d.unit)
                        });
                        units.push(u);
                    }
                    c.check(b.doors.len() <= 50, &format!("buildings[{i}].doors"), || "more than 50 doors".into());
                }
                let mut numbers: Vec<String> = comp.buildings.iter().map(|b| normalize_building(&b.number)).collect();
                numbers.sort();
                if let Some(w) = numbers.windows(2).find(|w| w[0] == w[1]) {
                    c.fail("buildings", format!("building number `{}` appears twice", w[0]));
                }
                if let Some(ring) = &comp.outline {
                    c.check(ring.len() >= 3, "outline", || "needs at least 3 points".into());
                    for (i, p) in ring.iter().enumerate() {
                        check_point(&mut c, &format!("outline[{i}]"), &format!("outline[{i}]"), p[1], p[0]);
                    }
                }
            }
            Detail::Entrance(e) => match (e.stop_lat, e.stop_lon) {
                (Some(lat), Some(lon)) => check_point(&mut c, "stop_lat", "stop_lon", lat, lon),
                (None, None) => {}
                _ => c.fail("stop_lat", "stop_lat and stop_lon go together"),
            },
            Detail::Charger(ch) => {
                for (i, s) in ch.battery_standards.iter().enumerate() {
                    c.check(parse_volts(s).is_some(), &format!("battery_standards[{i}]"), || {
                        format!("`{s}` is not a battery standard like 48V or 60V")
                    });
                }
            }
            Detail::RestStop(_) => {}
            Detail::Path(path) => {
                c.check(path.line.len() >= 2, "line", || "needs at least 2 points".into());
                c.check(path.line.len() <= 2000, "line", || "has more than 2000 points".into());
                for (i, q) in path.line.iter().enumerate() {
                    check_point(&mut c, &format!("line[{i}]"), &format!("line[{i}]"), q[1], q[0]);
                }
            }
        }
        c.finish()
    }

    /// Where a rider on a vehicle stops for this gate: the stopping point, else the gate itself.
    pub fn stop_point(&self) -> LatLon {
        match self.entrance() {
            Some(Entrance { stop_lat: Some(lat), stop_lon: Some(lon), .. }) => LatLon::new(*lat, *lon),
            _ => self.point(),
        }
    }
}

fn check_ring(c: &mut Checker, field: &str, ring: &[[f64; 2]]) {
    c.check(ring.len() >= 3, field, || "needs at least 3 points".into());
    c.check(ring.len() <= 1000, field, || "has more than 1000 points".into());
    for (i, p) in ring.iter().enumerate() {
        check_point(c, &format!("{field}[{i}]"), &format!("{field}[{i}]"), p[1], p[0]);
    }
}

fn check_point(c: &mut Checker, lat_field: &str, lon_field: &str, lat: f64, lon: f64) {
    if let Some(p) = LatLon::new(lat, 0.0).problem() {
        c.fail(lat_field, p);
    }
    if let Some(p) = LatLon::new(0.0, lon).problem() {
        c.fail(lon_field, p);
    }
}

/// "48V", "48 v", "48" → 48.
pub fn parse_volts(s: &str) -> Option<u32> {
    let t = s.trim().trim_end_matches(['V', 'v']).trim();
    t.parse().ok().filter(|v| (12..=120).contains(v))
}

/// Building numbers as people type them: "12", "12号", "12号楼", " 12 " are the same building.
pub fn normalize_building(s: &str) -> String {
    let t = s.trim();
    let t = t.trim_end_matches("号楼").trim_end_matches('号').trim_end_matches('幢').trim_end_matches('栋');
    t.trim().to_lowercase()
}

/// Who is acting; the server decides what each may do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Rider,
    Volunteer,
    GridWorker,
    Admin,
}

/// What a rider saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Got in through this gate (clears earlier "closed"/"refused").
    GotIn,
    /// Turned away at the gate.
    Refused,
    /// Gate refused e-bikes.
    EbikeBanned,
    /// Swap cabinet had no charged battery.
    CabinetEmpty,
    /// Charger (or other facility) broken.
    Broken,
    /// Working as described (clears "broken"/"cabinet empty").
    Works,
    /// Closed when it should be open.
    Closed,
    /// A community hazard (broken lighting, blocked fire lane...) for the grid station.
    Hazard,
    /// "Still true": the place is as recorded.
    Confirmed,
    /// A rider's judgment of a compound, one tap per indicator (`StatusReport::ratings`).
    Rated,
}

impl Outcome {
    pub const ALL: [Outcome; 10] = [
        Outcome::GotIn,
        Outcome::Refused,
        Outcome::EbikeBanned,
        Outcome::CabinetEmpty,
        Outcome::Broken,
        Outcome::Works,
        Outcome::Closed,
        Outcome::Hazard,
        Outcome::Confirmed,
        Outcome::Rated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::GotIn => "got_in",
            Outcome::Refused => "refused",
            Outcome::EbikeBanned => "ebike_banned",
            Outcome::CabinetEmpty => "cabinet_empty",
            Outcome::Broken => "broken",
            Outcome::Works => "works",
            Outcome::Closed => "closed",
            Outcome::Hazard => "hazard",
            Outcome::Confirmed => "confirmed",
            Outcome::Rated => "rated",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        let s = s.trim().replace('-', "_");
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Review {
    #[default]
    Pending,
    Accepted,
    Rejected,
}

/// A rider's report about a place, or about a bare location (hazards).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusReport {
    pub id: Id,
    /// The place reported on; None for a bare location.
    #[serde(default)]
    pub target: Option<Id>,
    pub lat: f64,
    pub lon: f64,
    pub outcome: Outcome,
    #[serde(default)]
    pub note: Option<String>,
    /// Content address (SHA-256 hex) of an attached photo.
    #[serde(default)]
    pub photo: Option<String>,
    pub observed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub reporter: Option<String>,
    #[serde(default)]
    pub reporter_role: Role,
    /// How far the reporter was from the target when reporting.
    #[serde(default)]
    pub distance_m: Option<f64>,
    /// Minutes the rider waited at a gate (guard registration, a queue) before getting in or
    /// being turned away.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waited_min: Option<u32>,
    /// Grid whose review queue holds this report.
    #[serde(default)]
    pub grid: Option<String>,
    #[serde(default)]
    pub review: Review,
    /// Why it was accepted or rejected; goes back to the reporter.
    #[serde(default)]
    pub resolution: Option<String>,
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub resolved_by: Option<String>,
    /// A `rated` report's judgments, one per indicator rated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ratings: Vec<Rating>,
}

/// What riders judge a compound by: how friendly it is to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// E-bikes are let in.
    EbikeIn,
    /// Building numbers are easy to find.
    NumbersClear,
    /// The guards are friendly.
    GuardFriendly,
    /// Getting in is quick.
    QuickIn,
    /// There is somewhere to leave the e-bike.
    Parking,
    /// A charger is near.
    ChargingNear,
    /// A rest stop is near.
    RestNear,
}

impl Indicator {
    pub const ALL: [Indicator; 7] = [
        Indicator::EbikeIn,
        Indicator::NumbersClear,
        Indicator::GuardFriendly,
        Indicator::QuickIn,
        Indicator::Parking,
        Indicator::ChargingNear,
        Indicator::RestNear,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::EbikeIn => "ebike_in",
            Indicator::NumbersClear => "numbers_clear",
            Indicator::GuardFriendly => "guard_friendly",
            Indicator::QuickIn => "quick_in",
            Indicator::Parking => "parking",
            Indicator::ChargingNear => "charging_near",
            Indicator::RestNear => "rest_near",
        }
    }

    pub fn parse(s: &str) -> Option<Indicator> {
        let s = s.trim().replace('-', "_");
        Indicator::ALL.into_iter().find(|i| i.as_str() == s)
    }
}

/// One tap: good or not, on one indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub indicator: Indicator,
    pub good: bool,
}

impl StatusReport {
    /// A new pending report by a rider, observed at `observed_at`; set `target`, `note` etc. after.
    pub fn new(outcome: Outcome, lat: f64, lon: f64, observed_at: DateTime<Utc>) -> StatusReport {
        StatusReport {
            id: Id::new(),
            target: None,
            lat,
            lon,
            outcome,
            note: None,
            photo: None,
            observed_at,
            created_at: observed_at,
            reporter: None,
            reporter_role: Role::Rider,
            distance_m: None,
            waited_min: None,
            grid: None,
            review: Review::Pending,
            resolution: None,
            resolved_at: None,
            resolved_by: None,
            ratings: vec![],
        }
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        let mut c = Checker::default();
        check_point(&mut c, "lat", "lon", self.lat, self.lon);
        c.check(self.note.as_ref().is_none_or(|n| n.chars().count() <= 2000), "note", || {
            "is longer than 2000 characters".into()
        });
        if let Some(p) = &self.photo {
            c.check(is_content_address(p), "photo", || "is not a SHA-256 hex digest".into());
        }
        c.check(self.waited_min.is_none_or(|m| m <= 240), "waited_min", || "is more than 240 minutes".into());
        c.check(self.target.is_some() || self.outcome == Outcome::Hazard, "target", || {
            format!("a `{}` report needs a target place; only hazards may be bare locations", self.outcome.as_str())
        });
        let rated = self.outcome == Outcome::Rated;
        c.check(rated != self.ratings.is_empty(), "ratings", || {
            if rated {
                "a rating rates at least one indicator".into()
            } else {
                "only a `rated` report carries ratings".into()
            }
        });
        let mut seen: Vec<Indicator> = self.ratings.iter().map(|r| r.indicator).collect();
        seen.sort();
        seen.dedup();
        c.check(seen.len() == self.ratings.len(), "ratings", || "rates an indicator twice".into());
        c.finish()
    }
}

/// Services a rest station gave during a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StationService {
    HotWater,
    Microwave,
    PhoneCharging,
    Rest,
    Toilet,
    FirstAid,
}

impl StationService {
    pub const ALL: [StationService; 6] = [
        StationService::HotWater,
        StationService::Microwave,
        StationService::PhoneCharging,
        StationService::Rest,
        StationService::Toilet,
        StationService::FirstAid,
    ];
}

/// A volunteer's log line at a rest station.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub id: Id,
    pub station: Id,
    pub at: DateTime<Utc>,
    pub headcount: u32,
    #[serde(default)]
    pub services: Vec<StationService>,
    /// Supplies that ran low or were restocked, as free text items.
    #[serde(default)]
    pub supplies: Vec<String>,
    /// Whether the station was open at the time (None: not said).
    #[serde(default)]
    pub station_open: Option<bool>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub volunteer: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Visit {
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut c = Checker::default();
        c.check(self.headcount <= 500, "headcount", || format!("{} is more than one station can host", self.headcount));
        c.finish()
    }
}

/// A free-text note on a place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub id: Id,
    pub target: Id,
    pub text: String,
    #[serde(default)]
    pub author: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Note {
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut c = Checker::default();
        c.check(!self.text.trim().is_empty(), "text", || "is empty".into());
        c.check(self.text.chars().count() <= 2000, "text", || "is longer than 2000 characters".into());
        c.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_json_has_flat_fields_and_kind() {
        let mut p = Place::new(PlaceKind::Entrance, "2号门", 31.3, 121.5);
        p.opening_hours = Some("06:00-22:00".into());
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["kind"], "entrance");
        assert_eq!(v["ebike"], "unknown");
        assert_eq!(v["foot"], true);
        let back: Place = serde_json::from_value(v).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn validation_names_fields() {
        let mut p = Place::new(PlaceKind::Charger, " ", 95.0, 121.5);
        p.opening_hours = Some("whenever".into());
        if let Detail::Charger(c) = &mut p.detail {
            c.battery_standards = vec!["48V".into(), "lots".into()];
        }
        let e = p.validate().unwrap_err();
        let fields: Vec<_> = e.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["name", "lat", "opening_hours", "battery_standards[1]"]);
    }

    #[test]
    fn building_numbers() {
        for s in ["12", "12号", "12号楼", " 12 "] {
            assert_eq!(normalize_building(s), "12");
        }
        assert_eq!(parse_volts("48V"), Some(48));
        assert_eq!(parse_volts("60 v"), Some(60));
        assert_eq!(parse_volts("9000V"), None);
    }
}
