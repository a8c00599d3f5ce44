//! The base layer on screen, without the DOM: its shapes projected once in the view they arrived
//! in (a *frame*) and moved by one SVG transform while the map pans and zooms, so a drag touches
//! one attribute instead of every street; labels laid out per scale so that none collide.

use ridermap_api::{Drawn, MapLayer};
use ridermap_core::{
    LatLon,
    base::Layer,
    route::{Ride, WayClass},
};

use crate::geom::View;

/// How a shape is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Area,
    Line,
    /// One point, drawn as a round dot of fixed size.
    Dot,
}

/// One feature in a frame's coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub form: Form,
    pub class: &'static str,
    /// SVG `points`.
    pub points: String,
    /// A footprint's building number (a tap on it asks for that building).
    pub number: Option<String>,
    /// A footprint's middle, `[lon, lat]`: which compound's building it is.
    pub centre: Option<[f64; 2]>,
}

/// The SVG transform that takes what was projected in `frame` to where `now` shows it:
/// `translate(x y) scale(r)`. Both views share a reference latitude (one map's views do).
pub fn transform(frame: &View, now: &View) -> (f64, f64, f64) {
    let (x, y) = now.project(frame.unproject(0.0, 0.0));
    (x, y, now.scale / frame.scale)
}

/// Drawn first to last: areas under lines, lines under doors.
fn order(d: &Drawn) -> u8 {
    match d.layer {
        Layer::Green => 0,
        Layer::Water => 1,
        Layer::Compound => 2,
        Layer::Building => 3,
        Layer::Barrier => 4,
        Layer::Way => 5 + d.class.map_or(0, |c| 5 - way_rank(c)),
        Layer::Gate | Layer::Door => 20,
    }
}

/// Streets first: the order names are labelled in, and the reverse of their drawing.
fn way_rank(c: WayClass) -> u8 {
    match c {
        WayClass::Street => 0,
        WayClass::Service => 1,
        WayClass::Lane => 2,
        WayClass::Cycleway => 3,
        WayClass::Footway => 4,
        WayClass::Steps => 5,
    }
}

fn class_of(d: &Drawn) -> &'static str {
    match (d.layer, d.class, d.ebike) {
        (Layer::Green, ..) => "b-green",
        (Layer::Water, ..) => "b-water",
        (Layer::Compound, ..) => "b-compound",
        (Layer::Building, ..) => "b-building",
        (Layer::Barrier, ..) => "b-wall",
        (Layer::Way, Some(WayClass::Street), _) => "b-street",
        (Layer::Way, Some(WayClass::Steps), _) => "b-steps",
        (Layer::Way, _, Some(Ride::No)) => "b-foot",
        (Layer::Way, Some(WayClass::Service | WayClass::Lane), _) => "b-lane",
        (Layer::Way, ..) => "b-path",
        (Layer::Door, ..) => "b-door",
        (Layer::Gate, ..) => "b-gate",
    }
}

fn points(frame: &View, line: &[[f64; 2]]) -> String {
    let mut out = String::with_capacity(line.len() * 12);
    for [lon, lat] in line {
        let (x, y) = frame.project(LatLon::new(*lat, *lon));
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&format!("{x:.1},{y:.1}"));
    }
    out
}

/// Whether two `[lon, lat]` points are the same building's middle (within 15 m: a footprint's
/// box middle and its centroid differ by a few metres).
pub fn same_place(a: [f64; 2], b: [f64; 2]) -> bool {
    LatLon::new(a[1], a[0]).distance_m(&LatLon::new(b[1], b[0])) <= 15.0
}

/// The middle of a line's box, `[lon, lat]`.
pub fn middle(line: &[[f64; 2]]) -> [f64; 2] {
    let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
    for p in line {
        lo = [lo[0].min(p[0]), lo[1].min(p[1])];
        hi = [hi[0].max(p[0]), hi[1].max(p[1])];
    }
    [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0]
}

/// One feature's shape in `frame`.
pub fn shape(d: &Drawn, frame: &View) -> Shape {
    let form = match d.layer {
        Layer::Door | Layer::Gate => Form::Dot,
        Layer::Green | Layer::Water | Layer::Compound | Layer::Building if d.line.len() >= 3 => Form::Area,
        _ => Form::Line,
    };
    let line = if form == Form::Dot { vec![d.line[0], d.line[0]] } else { d.line.clone() };
    let building = d.layer == Layer::Building;
    Shape {
        form,
        class: class_of(d),
        points: points(frame, &line),
        number: building.then(|| d.number.clone()).flatten(),
        centre: building.then(|| middle(&d.line)),
    }
}

fn drawing_order(layer: &MapLayer) -> Vec<&Drawn> {
    let mut drawn: Vec<&Drawn> = layer.features.iter().filter(|d| !d.line.is_empty()).collect();
    drawn.sort_by_key(|d| order(d));
    drawn
}

/// What identifies a feature across answers: all it is drawn from.
pub fn key(d: &Drawn) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    (d.layer, d.class, d.ebike, &d.name, &d.number).hash(&mut h);
    for p in &d.line {
        (p[0].to_bits(), p[1].to_bits()).hash(&mut h);
    }
    h.finish()
}

/// The shapes of successive answers, projected in one frame for as long as it serves: the
/// features an answer shares with the last (a pan into the next box shares most) keep their
/// shapes, and the map keeps their elements (keyed), so only what came into view is built.
#[derive(Default)]
pub struct Projected {
    frame: Option<View>,
    kept: std::collections::HashMap<u64, Shape>,
}

/// A frame serves while the view is within this factor of its scale (a shape scaled further
/// by the transform would blur its strokes' joins and waste precision).
const FRAME_ZOOM: f64 = 4.0;

impl Projected {
    /// `layer`'s shapes, keyed, in drawing order, and the frame they are in; `now` is the view.
    pub fn update(&mut self, layer: &MapLayer, now: &View) -> (View, Vec<(u64, Shape)>) {
        let frame = match self.frame {
            Some(f)
                if f.ref_lat == now.ref_lat
                    && (f.width, f.height) == (now.width, now.height)
                    && (1.0 / FRAME_ZOOM..=FRAME_ZOOM).contains(&(now.scale / f.scale)) =>
            {
                f
            }
            _ => {
                self.kept.clear();
                *now
            }
        };
        self.frame = Some(frame);
        let mut kept = std::collections::HashMap::with_capacity(layer.features.len());
        let list: Vec<(u64, Shape)> = drawing_order(layer)
            .into_iter()
            .map(|d| {
                let k = key(d);
                let sh = self.kept.remove(&k).unwrap_or_else(|| shape(d, &frame));
                kept.insert(k, sh.clone());
                (k, sh)
            })
            .collect();
        self.kept = kept;
        (frame, list)
    }
}

/// A name on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub x: f64,
    pub y: f64,
    /// Degrees, kept between -90 and 90 so text never reads upside down.
    pub angle: f64,
    pub text: String,
    pub class: &'static str,
}

/// Font sizes in drawing units.
const STREET_PX: f64 = 11.0;
const NUMBER_PX: f64 = 10.0;
const DOOR_PX: f64 = 8.0;
/// Pixels per metre from which doors are numbered.
const DOOR_SCALE: f64 = 2.5;
/// A footprint thinner than this on screen gets no number (its number would hide it); a number
/// may overhang a slab block a little (its halo keeps it legible).
const MIN_FOOTPRINT_PX: f64 = 8.0;
/// The same street's name is not repeated closer than this.
const REPEAT_PX: f64 = 300.0;

/// About how wide `text` is at `size`: CJK characters are square, Latin ones about half.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().map(|c| if c.is_ascii() { 0.6 } else { 1.0 }).sum::<f64>() * size
}

/// An axis-aligned box: x0, y0, x1, y1.
type Box2 = [f64; 4];

fn overlaps(a: &Box2, b: &Box2) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

/// The box a `w`×`h` label centred on (x, y) and turned by `angle` degrees covers.
fn turned_box(x: f64, y: f64, w: f64, h: f64, angle: f64) -> Box2 {
    let (s, c) = angle.to_radians().sin_cos();
    let hw = (w * c.abs() + h * s.abs()) / 2.0;
    let hh = (w * s.abs() + h * c.abs()) / 2.0;
    [x - hw, y - hh, x + hw, y + hh]
}

/// Labels of `layer` for a view at `view`'s scale: building numbers inside footprints big
/// enough to hold them, unit doors at street zoom, then street names along their longest
/// straight piece, streets before lanes; a label that would overlap one already placed is left
/// out. Positions are in `view`'s coordinates; only labels within `bounds` (the same
/// coordinates) are placed.
pub fn labels(layer: &MapLayer, view: &View, bounds: Box2) -> Vec<Label> {
    let mut placed: Vec<Box2> = vec![];
    let mut out: Vec<Label> = vec![];
    let inside = |b: &Box2| b[0] >= bounds[0] && b[1] >= bounds[1] && b[2] <= bounds[2] && b[3] <= bounds[3];
    let try_place = |label: Label, size: f64, placed: &mut Vec<Box2>, out: &mut Vec<Label>| {
        let b = turned_box(label.x, label.y, text_width(&label.text, size) + 2.0, size + 2.0, label.angle);
        if inside(&b) && !placed.iter().any(|p| overlaps(p, &b)) {
            placed.push(b);
            out.push(label);
        }
    };
    let project = |p: &[f64; 2]| view.project(LatLon::new(p[1], p[0]));
    for d in layer.features.iter().filter(|d| d.layer == Layer::Building) {
        let Some(n) = d.number.as_deref().filter(|n| !n.is_empty()) else { continue };
        let xy: Vec<(f64, f64)> = d.line.iter().map(project).collect();
        let (x0, x1) = xy.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
        let (y0, y1) = xy.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
        if (x1 - x0).min(y1 - y0) < MIN_FOOTPRINT_PX || text_width(n, NUMBER_PX) > x1 - x0 {
            continue;
        }
        // The box's middle: for the rectangles most blocks are, the centroid, at no cost in wasm.
        let (x, y) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        try_place(Label { x, y, angle: 0.0, text: n.to_string(), class: "l-number" }, NUMBER_PX, &mut placed, &mut out);
    }
    // Unit numbers only close in, where they do not crowd the building numbers.
    if view.scale >= DOOR_SCALE {
        for d in layer.features.iter().filter(|d| d.layer == Layer::Door) {
            let (Some(n), Some(p)) = (d.number.as_deref().filter(|n| !n.is_empty()), d.line.first()) else { continue };
            let (x, y) = project(p);
            try_place(
                Label { x, y: y - 7.0, angle: 0.0, text: n.to_string(), class: "l-door" },
                DOOR_PX,
                &mut placed,
                &mut out,
            );
        }
    }
    let mut ways: Vec<&Drawn> = layer.features.iter().filter(|d| d.layer == Layer::Way && d.name.is_some()).collect();
    ways.sort_by_key(|d| d.class.map_or(9, way_rank));
    let mut named: Vec<(String, f64, f64)> = vec![];
    for d in ways {
        let name = d.name.clone().unwrap_or_default();
        let xy: Vec<(f64, f64)> = d.line.iter().map(project).collect();
        // The longest straight piece on screen, else in the loaded box around it.
        let need = text_width(&name, STREET_PX) + 8.0;
        let on = |rect: Box2| {
            xy.windows(2)
                .filter_map(|w| clip((w[0], w[1]), rect))
                .max_by(|a, b| seg_len(a).total_cmp(&seg_len(b)))
                .filter(|s| seg_len(s) >= need)
        };
        let Some(((ax, ay), (bx, by))) = on([0.0, 0.0, view.width, view.height]).or_else(|| on(bounds)) else {
            continue;
        };
        let (x, y) = ((ax + bx) / 2.0, (ay + by) / 2.0);
        if named.iter().any(|(n, nx, ny)| *n == name && (nx - x).hypot(ny - y) < REPEAT_PX) {
            continue;
        }
        let mut angle = (by - ay).atan2(bx - ax).to_degrees();
        if angle > 90.0 {
            angle -= 180.0;
        } else if angle < -90.0 {
            angle += 180.0;
        }
        let before = out.len();
        try_place(Label { x, y, angle, text: name.clone(), class: "l-street" }, STREET_PX, &mut placed, &mut out);
        if out.len() > before {
            named.push((name, x, y));
        }
    }
    out
}

/// The part of segment `s` inside `rect` (Liang–Barsky), if any.
fn clip(s: ((f64, f64), (f64, f64)), rect: Box2) -> Option<((f64, f64), (f64, f64))> {
    let ((x0, y0), (x1, y1)) = s;
    let (dx, dy) = (x1 - x0, y1 - y0);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [(-dx, x0 - rect[0]), (dx, rect[2] - x0), (-dy, y0 - rect[1]), (dy, rect[3] - y0)] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    (t0 < t1).then_some(((x0 + t0 * dx, y0 + t0 * dy), (x0 + t1 * dx, y0 + t1 * dy)))
}

fn seg_len(s: &((f64, f64), (f64, f64))) -> f64 {
    (s.1.0 - s.0.0).hypot(s.1.1 - s.0.1)
}

#[cfg(test)]
mod tests {
    use ridermap_api::LayerDetail;

    use super::*;

    const W: f64 = 400.0;
    const H: f64 = 300.0;

    /// The layer's shapes in `frame`, in drawing order.
    fn shapes(layer: &MapLayer, frame: &View) -> Vec<Shape> {
        drawing_order(layer).into_iter().map(|d| shape(d, frame)).collect()
    }

    fn view(scale: f64) -> View {
        View::new(LatLon::new(31.3376, 121.5382), scale, W, H)
    }

    fn way(name: &str, class: WayClass, line: Vec<[f64; 2]>) -> Drawn {
        Drawn {
            layer: Layer::Way,
            class: Some(class),
            ebike: Some(Ride::Ride),
            name: Some(name.into()),
            number: None,
            line,
        }
    }

    fn building(number: &str, lon: f64, lat: f64, half_m: f64) -> Drawn {
        let (dx, dy) = (half_m / 95_000.0, half_m / 110_574.0);
        let ring = vec![
            [lon - dx, lat - dy],
            [lon + dx, lat - dy],
            [lon + dx, lat + dy],
            [lon - dx, lat + dy],
            [lon - dx, lat - dy],
        ];
        Drawn { layer: Layer::Building, class: None, ebike: None, name: None, number: Some(number.into()), line: ring }
    }

    fn layer(features: Vec<Drawn>) -> MapLayer {
        MapLayer { detail: LayerDetail::Full, features, more: false }
    }

    #[test]
    fn the_transform_moves_the_frame_where_the_view_now_shows_it() {
        let frame = view(1.0);
        let check = |now: View| {
            let (tx, ty, r) = transform(&frame, &now);
            for p in [LatLon::new(31.3376, 121.5382), LatLon::new(31.339, 121.536), LatLon::new(31.335, 121.541)] {
                let (fx, fy) = frame.project(p);
                let (nx, ny) = now.project(p);
                assert!((tx + r * fx - nx).abs() < 1e-6 && (ty + r * fy - ny).abs() < 1e-6, "{now:?} {p:?}");
            }
        };
        check(frame);
        check(frame.pan(37.0, -12.5));
        check(frame.zoom_at(1.6, 100.0, 80.0));
        check(frame.zoom_at(0.625, 300.0, 10.0).pan(-80.0, 40.0));
    }

    #[test]
    fn areas_under_lanes_under_streets_under_doors() {
        let door = Drawn {
            layer: Layer::Door,
            class: None,
            ebike: None,
            name: None,
            number: Some("3".into()),
            line: vec![[121.5382, 31.3376]],
        };
        let foot = Drawn {
            ebike: Some(Ride::No),
            ..way("", WayClass::Footway, vec![[121.5380, 31.3376], [121.5384, 31.3376]])
        };
        let l = layer(vec![
            door,
            way("政立路", WayClass::Street, vec![[121.5370, 31.3370], [121.5390, 31.3370]]),
            building("12", 121.5382, 31.3376, 20.0),
            foot,
            way("", WayClass::Service, vec![[121.5375, 31.3376], [121.5385, 31.3376]]),
        ]);
        let got: Vec<(Form, &str, Option<String>)> =
            shapes(&l, &view(1.0)).into_iter().map(|s| (s.form, s.class, s.number)).collect();
        assert_eq!(
            got,
            vec![
                (Form::Area, "b-building", Some("12".into())),
                (Form::Line, "b-foot", None),
                (Form::Line, "b-lane", None),
                (Form::Line, "b-street", None),
                (Form::Dot, "b-door", None),
            ]
        );
    }

    #[test]
    fn a_pan_keeps_the_shapes_it_shares_and_a_far_zoom_starts_a_new_frame() {
        let a = way("政立路", WayClass::Street, vec![[121.5370, 31.3370], [121.5390, 31.3370]]);
        let b = building("12", 121.5382, 31.3376, 20.0);
        let c = way("", WayClass::Service, vec![[121.5395, 31.3376], [121.5405, 31.3376]]);
        let mut p = Projected::default();
        let v = view(1.0);
        let (f1, first) = p.update(&layer(vec![a.clone(), b.clone()]), &v);
        assert_eq!(f1, v);
        // Panned and zoomed a little: the same frame; the shared features' shapes are the same.
        let (f2, second) =
            p.update(&layer(vec![b.clone(), a.clone(), c.clone()]), &v.pan(80.0, 0.0).zoom_at(1.6, 200.0, 150.0));
        assert_eq!(f2, f1);
        let keys = |l: &[(u64, Shape)]| l.iter().map(|(k, _)| *k).collect::<Vec<_>>();
        assert!(keys(&first).iter().all(|k| keys(&second).contains(k)));
        for (k, sh) in &first {
            assert_eq!(second.iter().find(|(k2, _)| k2 == k).map(|(_, s)| s), Some(sh));
        }
        assert_eq!(second.len(), 3);
        // Drawing order still holds (the footprint under the streets).
        assert_eq!(second[0].1.class, "b-building");
        // Far in: a new frame, shapes projected again.
        let near = v.zoom_at(8.0, 200.0, 150.0);
        let (f3, third) = p.update(&layer(vec![a, b]), &near);
        assert_eq!(f3, near);
        assert_ne!(third[0].1.points, first[0].1.points);
    }

    /// `labels` over `features` at `scale`, as (class, text).
    fn check(features: Vec<Drawn>, scale: f64, expected: &[(&str, &str)]) {
        let v = view(scale);
        let got = labels(&layer(features), &v, [-W, -H, 2.0 * W, 2.0 * H]);
        let got: Vec<(&str, &str)> = got.iter().map(|l| (l.class, l.text.as_str())).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn numbers_only_in_footprints_that_can_hold_them() {
        // 2 m per side at 1 px/m is too small; 20 m holds "12".
        check(
            vec![building("12", 121.5382, 31.3376, 10.0), building("7", 121.5392, 31.3376, 1.0)],
            1.0,
            &[("l-number", "12")],
        );
        // Zoomed out, neither.
        check(vec![building("12", 121.5382, 31.3376, 10.0)], 0.3, &[]);
    }

    #[test]
    fn street_names_along_long_enough_pieces_and_not_repeated_nearby() {
        let long = vec![[121.5360, 31.3370], [121.5400, 31.3370]];
        let piece = vec![[121.5400, 31.3370], [121.5402, 31.3370]];
        check(
            vec![
                way("政立路", WayClass::Street, long.clone()),
                // The same street's next piece, right after: no second name.
                way("政立路", WayClass::Street, vec![[121.5400, 31.3370], [121.5412, 31.3370]]),
                // Too short for its name.
                way("国权东路", WayClass::Street, piece),
            ],
            1.0,
            &[("l-street", "政立路")],
        );
    }

    #[test]
    fn a_long_street_is_named_where_it_shows() {
        // A 4 km street whose one segment runs far past the view: named inside the view.
        let v = view(1.0);
        let l = layer(vec![way("军工路", WayClass::Street, vec![[121.50, 31.3376], [121.58, 31.3376]])]);
        let got = labels(&l, &v, [-W, -H, 2.0 * W, 2.0 * H]);
        assert_eq!(got.len(), 1);
        assert!((0.0..=W).contains(&got[0].x) && (0.0..=H).contains(&got[0].y), "{:?}", got[0]);
        assert_eq!(clip(((-10.0, 5.0), (10.0, 5.0)), [0.0, 0.0, 4.0, 10.0]), Some(((0.0, 5.0), (4.0, 5.0))));
        assert_eq!(clip(((-10.0, 50.0), (10.0, 50.0)), [0.0, 0.0, 4.0, 10.0]), None);
    }

    #[test]
    fn labels_never_overlap() {
        // A dense tangle: a grid of named streets every 25 m with numbered buildings between.
        let mut features = vec![];
        for i in 0..20 {
            let d = f64::from(i) * 25.0;
            let (dlon, dlat) = (d / 95_000.0, d / 110_574.0);
            features.push(way(
                &format!("{i}号路"),
                WayClass::Service,
                vec![[121.535 + dlon, 31.335], [121.535 + dlon, 31.340]],
            ));
            features.push(way(
                &format!("横{i}路"),
                WayClass::Street,
                vec![[121.535, 31.335 + dlat], [121.541, 31.335 + dlat]],
            ));
            features.push(building(&format!("{i}"), 121.5382 + dlon / 2.0, 31.3376 + dlat / 3.0, 8.0));
        }
        for scale in [0.5, 1.0, 2.0, 4.0] {
            let v = view(scale);
            let got = labels(&layer(features.clone()), &v, [-W, -H, 2.0 * W, 2.0 * H]);
            assert!(!got.is_empty(), "at {scale}");
            let boxes: Vec<Box2> = got
                .iter()
                .map(|l| {
                    let size = match l.class {
                        "l-street" => STREET_PX,
                        "l-door" => DOOR_PX,
                        _ => NUMBER_PX,
                    };
                    turned_box(l.x, l.y, text_width(&l.text, size) + 2.0, size + 2.0, l.angle)
                })
                .collect();
            for (i, a) in boxes.iter().enumerate() {
                for b in &boxes[i + 1..] {
                    assert!(!overlaps(a, b), "at {scale}: {a:?} {b:?}");
                }
            }
            assert!(got.iter().all(|l| (-90.0..=90.0).contains(&l.angle)));
        }
    }
}
