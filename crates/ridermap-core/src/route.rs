//! Routes as riders read them: the pieces a route is made of, and turn-by-turn words for it, in Chinese and English: where to enter, how far to go straight,
//! at which junction to turn, which side the building is on, and where the unit door is
//! ("从2号门进，直行120米，在第二个路口左转，12号楼在右手边，3单元门在楼北侧").

use serde::{Deserialize, Serialize};

use crate::Lang;

/// What kind of way a stretch lies on: decides speeds and how the words name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WayClass {
    /// A public road.
    Street,
    /// A service road, alley or living street (most lanes inside compounds in OSM).
    Service,
    /// A compound path a grid worker drew.
    Lane,
    /// Footway, pedestrian street, path.
    Footway,
    Cycleway,
    Steps,
}

/// Whether an e-bike may use a way (or pass a gate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ride {
    Ride,
    /// Only pushed, at walking pace.
    Push,
    No,
}

impl Ride {
    /// The stricter of two rules (no before push before ride).
    pub fn min_with(self, other: Ride) -> Ride {
        match (self, other) {
            (Ride::No, _) | (_, Ride::No) => Ride::No,
            (Ride::Push, _) | (_, Ride::Push) => Ride::Push,
            _ => Ride::Ride,
        }
    }
}

/// One-way for vehicles; people on foot go both ways.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Oneway {
    #[default]
    No,
    /// Along the way's drawing direction only.
    Forward,
    /// Against it only (`oneway=-1`).
    Backward,
}

/// How a stretch of a route is travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Ride,
    /// Walking beside the e-bike.
    Push,
    Walk,
}

/// Speeds in metres per second: an e-bike on a street or cycleway 15 km/h, on a lane or path
/// 10 km/h (people walk there), pushed 3.6 km/h; on foot 4.7 km/h, on steps 2.2 km/h.
pub fn speed(mode: Mode, class: WayClass) -> f64 {
    match (mode, class) {
        (Mode::Ride, WayClass::Street | WayClass::Cycleway) => 4.2,
        (Mode::Ride, _) => 2.8,
        (Mode::Push, _) => 1.0,
        (Mode::Walk, WayClass::Steps) => 0.6,
        (Mode::Walk, _) => 1.3,
    }
}

/// A stretch of a route along one segment of a way (or a join between a point and the ways).
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    /// `[lon, lat]`.
    pub from: [f64; 2],
    pub to: [f64; 2],
    pub len_m: f64,
    pub secs: f64,
    pub mode: Mode,
    /// The way's name; None for an unnamed way or a join.
    pub name: Option<String>,
    /// Which way (pieces of one way share it); None for a join.
    pub way: Option<u32>,
    /// The piece ends at a junction of three or more ways.
    pub junction: bool,
}

/// A route found over the ways.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub pieces: Vec<Piece>,
    pub len_m: f64,
    pub secs: f64,
    /// Which of the destinations it reached.
    pub reached: usize,
    /// Which of the starts it left from.
    pub left: usize,
}

impl Path {
    pub fn new(pieces: Vec<Piece>, reached: usize, left: usize) -> Path {
        // `+ 0.0`: a sum of nothing is -0.0, which prints as "-0".
        let len_m = pieces.iter().map(|p| p.len_m).sum::<f64>() + 0.0;
        let secs = pieces.iter().map(|p| p.secs).sum::<f64>() + 0.0;
        Path { pieces, len_m, secs, reached, left }
    }

    /// The line, `[lon, lat]` points, no repeats.
    pub fn line(&self) -> Vec<[f64; 2]> {
        let mut out: Vec<[f64; 2]> = vec![];
        for p in &self.pieces {
            for q in [p.from, p.to] {
                if out.last().is_none_or(|l| l != &q) {
                    out.push(q);
                }
            }
        }
        out
    }

    /// Metres travelled in `mode`.
    pub fn metres(&self, mode: Mode) -> f64 {
        self.pieces.iter().filter(|p| p.mode == mode).map(|p| p.len_m).sum::<f64>() + 0.0
    }
}

/// Which way to turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Turn {
    SlightLeft,
    Left,
    SlightRight,
    Right,
    UTurn,
}

/// Which side of the way something is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Left,
    Right,
    Ahead,
}

/// One of eight compass directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compass {
    N,
    Ne,
    E,
    Se,
    S,
    Sw,
    W,
    Nw,
}

impl Compass {
    /// From a bearing in degrees (0 north, 90 east).
    pub fn of(bearing: f64) -> Compass {
        const ALL: [Compass; 8] =
            [Compass::N, Compass::Ne, Compass::E, Compass::Se, Compass::S, Compass::Sw, Compass::W, Compass::Nw];
        ALL[(((bearing.rem_euclid(360.0) + 22.5) / 45.0) as usize) % 8]
    }

    pub fn text(self, lang: Lang) -> &'static str {
        use Compass::*;
        match self {
            N => lang.pick("北", "north"),
            Ne => lang.pick("东北", "north-east"),
            E => lang.pick("东", "east"),
            Se => lang.pick("东南", "south-east"),
            S => lang.pick("南", "south"),
            Sw => lang.pick("西南", "south-west"),
            W => lang.pick("西", "west"),
            Nw => lang.pick("西北", "north-west"),
        }
    }
}

/// What a step says, structured (programs) — `text(lang)` says it to people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum Maneuver {
    /// Enter the compound by this gate.
    Enter { gate: String },
    /// Leave the gate's e-bike outside and walk in.
    ParkAndWalk { gate: String },
    /// Set off from a point, heading this way.
    Depart { heading: Compass },
    /// Go on for `metres`, along a named way when it has a name.
    Go { metres: u32, along: Option<String>, mode: Mode },
    /// Turn at the `nth` junction since the last step (0: where the way bends, not at a junction).
    Turn { turn: Turn, nth: u32, onto: Option<String> },
    /// The building is there, on this side.
    Building { number: String, side: Side },
    /// The unit's door is on this side of the building.
    Door { unit: String, side: Compass },
    /// Arrived at the destination point.
    Arrive { side: Side },
    /// No path is known: the distance is a straight line.
    StraightLine { metres: u32 },
}

fn ordinal(n: u32, lang: Lang) -> String {
    const ZH: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    match lang {
        Lang::Zh => format!("第{}个", ZH.get(n.saturating_sub(1) as usize).copied().unwrap_or("几")),
        Lang::En => match n {
            1 => "first".into(),
            2 => "second".into(),
            3 => "third".into(),
            n => format!("{n}th"),
        },
    }
}

impl Maneuver {
    pub fn text(&self, lang: Lang) -> String {
        use Maneuver::*;
        match self {
            Enter { gate } => lang.pick(format!("从{gate}进"), format!("enter by {gate}")),
            ParkAndWalk { gate } => lang.pick(
                format!("电动车不能进{gate}，在门外停好后步行"),
                format!("e-bikes may not pass {gate}: park outside and walk"),
            ),
            Depart { heading } => {
                lang.pick(format!("向{}出发", heading.text(lang)), format!("head {}", heading.text(lang)))
            }
            Go { metres, along, mode } => {
                let (zh_verb, en_verb) = match mode {
                    Mode::Ride | Mode::Walk => ("直行", "go straight"),
                    Mode::Push => ("推车步行", "push the e-bike"),
                };
                match along {
                    Some(name) => {
                        lang.pick(format!("沿{name}{zh_verb}{metres}米"), format!("{en_verb} {metres} m along {name}"))
                    }
                    None => lang.pick(format!("{zh_verb}{metres}米"), format!("{en_verb} {metres} m")),
                }
            }
            Turn { turn, nth, onto } => {
                let (zh, en) = match turn {
                    self::Turn::SlightLeft => ("向左前方", "bear left"),
                    self::Turn::Left => ("左转", "turn left"),
                    self::Turn::SlightRight => ("向右前方", "bear right"),
                    self::Turn::Right => ("右转", "turn right"),
                    self::Turn::UTurn => ("掉头", "turn around"),
                };
                let at = match nth {
                    0 => lang.pick(String::new(), String::new()),
                    1 => lang.pick("在路口".into(), " at the junction".into()),
                    n => lang.pick(
                        format!("在{}路口", ordinal(*n, lang)),
                        format!(" at the {} junction", ordinal(*n, lang)),
                    ),
                };
                let onto_zh = onto.as_ref().map(|o| format!("进入{o}")).unwrap_or_default();
                let onto_en = onto.as_ref().map(|o| format!(" onto {o}")).unwrap_or_default();
                lang.pick(format!("{at}{zh}{onto_zh}"), format!("{en}{at}{onto_en}"))
            }
            Building { number, side } => match side {
                Side::Left => lang.pick(format!("{number}号楼在左手边"), format!("building {number} is on your left")),
                Side::Right => {
                    lang.pick(format!("{number}号楼在右手边"), format!("building {number} is on your right"))
                }
                Side::Ahead => lang.pick(format!("{number}号楼在正前方"), format!("building {number} is ahead")),
            },
            Door { unit, side } => lang.pick(
                format!("{unit}单元门在楼{}侧", side.text(lang)),
                format!("the door of unit {unit} is on the {} side", side.text(lang)),
            ),
            Arrive { side } => match side {
                Side::Left => {
                    lang.pick("到达，目的地在左手边".into(), "arrive: the destination is on your left".into())
                }
                Side::Right => {
                    lang.pick("到达，目的地在右手边".into(), "arrive: the destination is on your right".into())
                }
                Side::Ahead => lang.pick("到达目的地".into(), "arrive".to_string()),
            },
            StraightLine { metres } => lang.pick(
                format!("直线距离{metres}米，未测路径"),
                format!("{metres} m in a straight line; no path surveyed"),
            ),
        }
    }
}

/// One instruction, with the distance it covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    #[serde(flatten)]
    pub maneuver: Maneuver,
    /// Metres this step covers (0 for a turn or an arrival).
    pub distance_m: f64,
    pub text: String,
}

/// Where a route starts, for the first words.
#[derive(Debug, Clone, PartialEq)]
pub enum Start {
    Gate { name: String, parked: bool },
    Point,
}

/// What a route ends at, for the last words.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrival {
    /// Building number and where the building is (its footprint's centre, or its point).
    pub building: Option<(String, [f64; 2])>,
    /// Unit and the side of the building its door is on.
    pub door: Option<(String, Compass)>,
}

/// Bearing from `p` to `q` in degrees (0 north, 90 east), on a local plane.
pub fn bearing(p: [f64; 2], q: [f64; 2]) -> f64 {
    let dx = (q[0] - p[0]) * p[1].to_radians().cos();
    let dy = q[1] - p[1];
    dx.atan2(dy).to_degrees().rem_euclid(360.0)
}

fn turn_of(delta: f64) -> Option<Turn> {
    // delta: change of heading in degrees, -180..180, positive to the right.
    match delta {
        d if d.abs() < 25.0 => None,
        d if d.abs() > 150.0 => Some(Turn::UTurn),
        d if d < -60.0 => Some(Turn::Left),
        d if d < 0.0 => Some(Turn::SlightLeft),
        d if d > 60.0 => Some(Turn::Right),
        _ => Some(Turn::SlightRight),
    }
}

fn side_of(heading: f64, towards: f64) -> Side {
    let d = (towards - heading + 540.0).rem_euclid(360.0) - 180.0;
    if d.abs() < 25.0 {
        Side::Ahead
    } else if d < 0.0 {
        Side::Left
    } else {
        Side::Right
    }
}

/// A run of pieces travelled the same way on the same way (or unnamed run of one class).
struct Leg<'p> {
    pieces: Vec<&'p Piece>,
    len: f64,
    mode: Mode,
    name: Option<String>,
}

impl Leg<'_> {
    fn start_bearing(&self) -> f64 {
        let p = self.pieces.iter().find(|p| p.len_m > 0.5).unwrap_or(&self.pieces[0]);
        bearing(p.from, p.to)
    }
    fn end_bearing(&self) -> f64 {
        let p =
            self.pieces.iter().rev().find(|p| p.len_m > 0.5).unwrap_or(self.pieces.last().expect("a leg has a piece"));
        bearing(p.from, p.to)
    }
}

/// Joins shorter than this (a door to its lane) are not worth a word of their own.
const SHORT_M: f64 = 15.0;
/// The last stretch off the way to the destination, up to this long, is told as "on your
/// left/right" rather than as steps.
const APPROACH_M: f64 = 40.0;

fn legs(path: &Path) -> Vec<Leg<'_>> {
    let mut out: Vec<Leg> = vec![];
    for p in &path.pieces {
        let same = out.last().is_some_and(|l: &Leg| {
            let last = l.pieces.last().expect("a leg has a piece");
            let bend = {
                let d = (bearing(p.from, p.to) - bearing(last.from, last.to) + 540.0).rem_euclid(360.0) - 180.0;
                d.abs()
            };
            l.mode == p.mode
                && (p.way.is_none() && p.len_m < SHORT_M
                    || last.way.is_none() && last.len_m < SHORT_M
                    || (l.name.is_some() && l.name == p.name)
                    || (l.name.is_none() && p.name.is_none() && (p.way == last.way || bend < 25.0)))
        });
        if same {
            let l = out.last_mut().expect("checked");
            l.len += p.len_m;
            l.pieces.push(p);
            if l.name.is_none() {
                l.name = p.name.clone();
            }
        } else {
            out.push(Leg { pieces: vec![p], len: p.len_m, mode: p.mode, name: p.name.clone() });
        }
    }
    out
}

fn round_m(m: f64) -> u32 {
    // People hear "120米", not "117米": tens above 100 m, fives below.
    let m = m.max(0.0);
    if m >= 100.0 { ((m / 10.0).round() * 10.0) as u32 } else { ((m / 5.0).round() * 5.0).max(5.0) as u32 }
}

/// The steps of `path`, from `start` to `arrival`, in `lang`.
pub fn steps(path: &Path, start: &Start, arrival: &Arrival, lang: Lang) -> Vec<Step> {
    let mut out: Vec<(Maneuver, f64)> = vec![];
    match start {
        Start::Gate { name, parked: false } => out.push((Maneuver::Enter { gate: name.clone() }, 0.0)),
        Start::Gate { name, parked: true } => out.push((Maneuver::ParkAndWalk { gate: name.clone() }, 0.0)),
        Start::Point => {}
    }
    let mut legs = legs(path);
    // The last few metres off the way to a door or a building are not a step of their own: the
    // building is told from the way, as the rider sees it going along ("12号楼在右手边").
    let target = path.pieces.last().map(|p| p.to);
    if legs.len() > 1 && legs.last().is_some_and(|l| l.len < APPROACH_M && l.pieces.iter().all(|p| p.way.is_none())) {
        legs.pop();
    }
    if matches!(start, Start::Point)
        && let Some(first) = legs.first()
    {
        out.push((Maneuver::Depart { heading: Compass::of(first.start_bearing()) }, 0.0));
    }
    let mut prev: Option<&Leg> = None;
    for leg in &legs {
        if let Some(p) = prev {
            let delta = (leg.start_bearing() - p.end_bearing() + 540.0).rem_euclid(360.0) - 180.0;
            if let Some(turn) = turn_of(delta) {
                // Junctions passed on the last leg, the one turned at included.
                let nth = p.pieces.iter().filter(|x| x.junction).count() as u32;
                let onto = leg.name.clone().filter(|n| p.name.as_ref() != Some(n));
                out.push((Maneuver::Turn { turn, nth, onto }, 0.0));
            }
        }
        if leg.len >= 1.0 {
            let along = leg.name.clone().filter(|_| leg.mode != Mode::Push || leg.name.is_some());
            out.push((Maneuver::Go { metres: round_m(leg.len), along, mode: leg.mode }, leg.len));
        }
        prev = Some(leg);
    }
    let heading = legs.last().map(|l| l.end_bearing());
    let end = legs.last().and_then(|l| l.pieces.last()).map(|p| p.to);
    match (&arrival.building, heading, end, target) {
        (Some((number, centre)), Some(h), Some(end), Some(target)) => {
            // Towards the door reached, else the building's centre.
            let towards = if arrival.door.is_some() && end != target { target } else { *centre };
            out.push((Maneuver::Building { number: number.clone(), side: side_of(h, bearing(end, towards)) }, 0.0))
        }
        (Some((number, _)), ..) => out.push((Maneuver::Building { number: number.clone(), side: Side::Ahead }, 0.0)),
        (None, Some(h), Some(end), Some(target)) if end != target => {
            out.push((Maneuver::Arrive { side: side_of(h, bearing(end, target)) }, 0.0))
        }
        (None, ..) => out.push((Maneuver::Arrive { side: Side::Ahead }, 0.0)),
    }
    if let Some((unit, side)) = &arrival.door {
        out.push((Maneuver::Door { unit: unit.clone(), side: *side }, 0.0));
    }
    out.into_iter()
        .map(|(m, d)| Step { text: m.text(lang), maneuver: m, distance_m: (d * 10.0).round() / 10.0 })
        .collect()
}

/// The words of a route with no path: the straight line, said as such.
pub fn straight(metres: f64, start: &Start, arrival: &Arrival, lang: Lang) -> Vec<Step> {
    let mut out = vec![];
    if let Start::Gate { name, parked } = start {
        let m =
            if *parked { Maneuver::ParkAndWalk { gate: name.clone() } } else { Maneuver::Enter { gate: name.clone() } };
        out.push((m, 0.0));
    }
    out.push((Maneuver::StraightLine { metres: round_m(metres) }, metres));
    if let Some((number, _)) = &arrival.building {
        out.push((Maneuver::Building { number: number.clone(), side: Side::Ahead }, 0.0));
    }
    if let Some((unit, side)) = &arrival.door {
        out.push((Maneuver::Door { unit: unit.clone(), side: *side }, 0.0));
    }
    out.into_iter()
        .map(|(m, d)| Step { text: m.text(lang), maneuver: m, distance_m: (d * 10.0).round() / 10.0 })
        .collect()
}

/// The steps as one sentence ("从2号门进，直行120米，…").
pub fn sentence(steps: &[Step], lang: Lang) -> String {
    steps.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(lang.pick("，", ", "))
}

/// Which side of a building a door is on: the outward side of the footprint's edge nearest the
/// door (a slab's door on its long north wall is on the north side, wherever along it), else the
/// direction from the building's centre.
pub fn door_side(footprint: Option<&[[f64; 2]]>, centre: [f64; 2], door: [f64; 2]) -> Compass {
    let Some(ring) = footprint.filter(|r| r.len() >= 3) else {
        return Compass::of(bearing(centre, door));
    };
    // A local plane in metres about the door.
    let k = door[1].to_radians().cos();
    let xy = |p: [f64; 2]| [(p[0] - door[0]) * k, p[1] - door[1]];
    let c = xy(centre);
    let mut best: Option<(f64, [f64; 2])> = None;
    for i in 0..ring.len() {
        let (a, b) = (xy(ring[i]), xy(ring[(i + 1) % ring.len()]));
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len2 = dx * dx + dy * dy;
        if len2 == 0.0 {
            continue;
        }
        let t = (-(a[0] * dx + a[1] * dy) / len2).clamp(0.0, 1.0);
        let d = (a[0] + t * dx).powi(2) + (a[1] + t * dy).powi(2);
        // The edge's normal, turned to point away from the centre.
        let mut n = [dy, -dx];
        let mid = [(a[0] + b[0]) / 2.0 - c[0], (a[1] + b[1]) / 2.0 - c[1]];
        if n[0] * mid[0] + n[1] * mid[1] < 0.0 {
            n = [-n[0], -n[1]];
        }
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, n));
        }
    }
    match best {
        Some((_, n)) => Compass::of(n[0].atan2(n[1]).to_degrees()),
        None => Compass::of(bearing(centre, door)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doors_are_on_the_side_of_their_wall() {
        // A slab 60 m wide and 12 m deep; doors along its north wall, one on its east end.
        let (x, y) = (121.5, 31.3);
        let m = |e: f64, n: f64| [x + e / 95_000.0, y + n / 110_574.0];
        let slab = [m(-30.0, -6.0), m(30.0, -6.0), m(30.0, 6.0), m(-30.0, 6.0)];
        let centre = m(0.0, 0.0);
        let check = |door: [f64; 2], want: Compass| assert_eq!(door_side(Some(&slab), centre, door), want, "{door:?}");
        check(m(20.0, 6.0), Compass::N);
        check(m(-25.0, 6.0), Compass::N);
        check(m(0.0, -6.0), Compass::S);
        check(m(30.0, 0.0), Compass::E);
        // Without a footprint, the direction from the centre.
        assert_eq!(door_side(None, centre, m(20.0, 6.0)), Compass::E);
    }

    #[test]
    fn compass_points() {
        for (deg, want) in [
            (0.0, Compass::N),
            (44.0, Compass::Ne),
            (91.0, Compass::E),
            (181.0, Compass::S),
            (-90.0, Compass::W),
            (350.0, Compass::N),
        ] {
            assert_eq!(Compass::of(deg), want, "{deg}");
        }
    }
}
