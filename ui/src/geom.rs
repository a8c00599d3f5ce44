//! Screen geometry for the offline map and long lists, without the DOM: a local projection with
//! pan and zoom, grid clustering of points, base map tiles placed under them, and the window of
//! rows a virtual list renders.

use std::{collections::BTreeMap, f64::consts::PI};

use ridermap_core::LatLon;

const M_PER_DEG_LAT: f64 = 110_574.0;
const M_PER_DEG_LON_EQ: f64 = 111_320.0;

/// What part of the world the map shows, and at what scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub center: LatLon,
    /// Pixels per metre.
    pub scale: f64,
    pub width: f64,
    pub height: f64,
    /// Latitude whose scale the projection keeps (set once, so panning does not stretch the map).
    pub ref_lat: f64,
}

impl View {
    pub const MIN_SCALE: f64 = 0.002;
    pub const MAX_SCALE: f64 = 8.0;

    pub fn new(center: LatLon, scale: f64, width: f64, height: f64) -> View {
        View { center, scale: scale.clamp(Self::MIN_SCALE, Self::MAX_SCALE), width, height, ref_lat: center.lat }
    }

    fn m_per_deg_lon(&self) -> f64 {
        M_PER_DEG_LON_EQ * self.ref_lat.to_radians().cos()
    }

    /// Pixel position of `p` (origin top-left).
    pub fn project(&self, p: LatLon) -> (f64, f64) {
        let x = (p.lon - self.center.lon) * self.m_per_deg_lon() * self.scale + self.width / 2.0;
        let y = -(p.lat - self.center.lat) * M_PER_DEG_LAT * self.scale + self.height / 2.0;
        (x, y)
    }

    pub fn unproject(&self, x: f64, y: f64) -> LatLon {
        let lon = self.center.lon + (x - self.width / 2.0) / (self.m_per_deg_lon() * self.scale);
        let lat = self.center.lat - (y - self.height / 2.0) / (M_PER_DEG_LAT * self.scale);
        LatLon::new(lat, lon)
    }

    /// Move the map by a drag of (dx, dy) pixels.
    pub fn pan(&self, dx: f64, dy: f64) -> View {
        View { center: self.unproject(self.width / 2.0 - dx, self.height / 2.0 - dy), ..*self }
    }

    /// Zoom by `factor`, keeping the point under (x, y) where it is.
    pub fn zoom_at(&self, factor: f64, x: f64, y: f64) -> View {
        let anchor = self.unproject(x, y);
        let scaled = View { scale: (self.scale * factor).clamp(Self::MIN_SCALE, Self::MAX_SCALE), ..*self };
        let (ax, ay) = scaled.project(anchor);
        scaled.pan(x - ax, y - ay)
    }

    /// This view moved and scaled to show every one of `points` (`[lon, lat]`) with a margin,
    /// no closer than `max_scale`; unchanged when there are none.
    pub fn fit(&self, points: &[[f64; 2]], max_scale: f64) -> View {
        let Some(first) = points.first() else { return *self };
        let mut b = [first[0], first[1], first[0], first[1]];
        for p in points {
            b = [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])];
        }
        let (w_m, h_m) = ((b[2] - b[0]) * self.m_per_deg_lon(), (b[3] - b[1]) * M_PER_DEG_LAT);
        let scale = (self.width * 0.8 / w_m.max(1.0)).min(self.height * 0.8 / h_m.max(1.0)).min(max_scale);
        View {
            center: LatLon::new((b[1] + b[3]) / 2.0, (b[0] + b[2]) / 2.0),
            scale: scale.clamp(Self::MIN_SCALE, Self::MAX_SCALE),
            ..*self
        }
    }

    /// min_lon, min_lat, max_lon, max_lat of what is visible.
    pub fn bbox(&self) -> [f64; 4] {
        let a = self.unproject(0.0, self.height);
        let b = self.unproject(self.width, 0.0);
        [a.lon, a.lat, b.lon, b.lat]
    }

    /// The box to load points for: three views wide and high around this one, snapped to a grid
    /// of view-sized cells, so that dragging within a cell keeps the same box (no reload per
    /// pointer move) and a reload brings the neighbours in before they scroll into sight.
    pub fn fetch_box(&self) -> [f64; 4] {
        // From the scale, not from bbox(): a pan must not change the width by a rounding error.
        let w = self.width / (self.m_per_deg_lon() * self.scale);
        let h = self.height / (M_PER_DEG_LAT * self.scale);
        let [x0, y0, ..] = self.bbox();
        let (sx, sy) = ((x0 / w).floor() * w, (y0 / h).floor() * h);
        [sx - w, sy - h, sx + 2.0 * w, sy + 2.0 * h]
    }
}

/// A base map tile (Web Mercator, XYZ) placed on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct TilePlace {
    pub z: u8,
    pub x: u32,
    pub y: u32,
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

/// More tiles than this means the view is far wider than the map's tiles: draw none.
const MAX_TILES: u64 = 64;
/// Metres per pixel of a 256-px Web Mercator tile at zoom 0 on the equator.
const MERCATOR_M_PER_PX: f64 = 156_543.034;

impl View {
    /// The tile zoom whose pixels come closest to the view's, within `min..=max`.
    pub fn tile_zoom(&self, min: u8, max: u8) -> u8 {
        let z = (MERCATOR_M_PER_PX * self.center.lat.to_radians().cos() * self.scale).log2().round();
        (z.clamp(0.0, 30.0) as u8).clamp(min, max.max(min))
    }
}

fn tile_xy(p: LatLon, z: u8) -> (f64, f64) {
    let n = f64::from(1u32 << z);
    let r = p.lat.clamp(-85.05, 85.05).to_radians();
    ((p.lon + 180.0) / 360.0 * n, (1.0 - (r.tan() + 1.0 / r.cos()).ln() / PI) / 2.0 * n)
}

fn tile_corner(x: u32, y: u32, z: u8) -> LatLon {
    let n = f64::from(1u32 << z);
    let lat = (PI * (1.0 - 2.0 * f64::from(y) / n)).sinh().atan().to_degrees();
    LatLon::new(lat, f64::from(x) / n * 360.0 - 180.0)
}

/// The tiles of zoom `z` that cover `view` (within the map's `bounds`, when known), placed on
/// screen. The map's tiles are drawn in its own datum: `to_map` takes WGS-84 into it and
/// `from_map` back (identity for WGS-84 maps; GCJ-02 tiles are moved to where their ground is
/// in WGS-84, so the data lands on the right street).
pub fn tiles(
    view: &View,
    z: u8,
    bounds: Option<[f64; 4]>,
    to_map: impl Fn(LatLon) -> LatLon,
    from_map: impl Fn(LatLon) -> LatLon,
) -> Vec<TilePlace> {
    let z = z.min(30);
    let [w, s, e, n] = view.bbox();
    let corners = [LatLon::new(s, w), LatLon::new(n, e), LatLon::new(s, e), LatLon::new(n, w)].map(&to_map);
    let last = (1u64 << z) - 1;
    let index = |v: f64| (v.floor().max(0.0) as u64).min(last);
    let xy: Vec<(f64, f64)> = corners.iter().map(|c| tile_xy(*c, z)).collect();
    let low = |f: fn(&(f64, f64)) -> f64| index(xy.iter().map(f).fold(f64::MAX, f64::min));
    let high = |f: fn(&(f64, f64)) -> f64| index(xy.iter().map(f).fold(f64::MIN, f64::max));
    let (mut x0, mut x1, mut y0, mut y1) = (low(|p| p.0), high(|p| p.0), low(|p| p.1), high(|p| p.1));
    if let Some([bw, bs, be, bn]) = bounds {
        let (a, b) = (tile_xy(LatLon::new(bn, bw), z), tile_xy(LatLon::new(bs, be), z));
        (x0, x1, y0, y1) = (x0.max(index(a.0)), x1.min(index(b.0)), y0.max(index(a.1)), y1.min(index(b.1)));
    }
    if x0 > x1 || y0 > y1 || (x1 - x0 + 1) * (y1 - y0 + 1) > MAX_TILES {
        return vec![];
    }
    let mut out = Vec::new();
    for y in y0..=y1 {
        for x in x0..=x1 {
            let (x, y) = (x as u32, y as u32);
            let (l, t) = view.project(from_map(tile_corner(x, y, z)));
            let (r, b) = view.project(from_map(tile_corner(x + 1, y + 1, z)));
            // Half a pixel of overlap hides seams between neighbours.
            out.push(TilePlace { z, x, y, left: l, top: t, width: r - l + 0.5, height: b - t + 0.5 });
        }
    }
    out
}

/// Points drawn as one marker when they fall in the same cell of a `cell_px` grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub x: f64,
    pub y: f64,
    /// Indexes into the points given.
    pub members: Vec<usize>,
}

/// Cluster the on-screen `points` (pixels); points off screen (with a margin) are left out.
pub fn cluster(points: &[(f64, f64)], view: &View, cell_px: f64) -> Vec<Cluster> {
    let margin = cell_px;
    let mut cells: BTreeMap<(i64, i64), Vec<usize>> = BTreeMap::new();
    for (i, &(x, y)) in points.iter().enumerate() {
        if x < -margin || y < -margin || x > view.width + margin || y > view.height + margin {
            continue;
        }
        cells.entry(((x / cell_px).floor() as i64, (y / cell_px).floor() as i64)).or_default().push(i);
    }
    cells
        .into_values()
        .map(|members| {
            let n = members.len() as f64;
            let x = members.iter().map(|&i| points[i].0).sum::<f64>() / n;
            let y = members.iter().map(|&i| points[i].1).sum::<f64>() / n;
            Cluster { x, y, members }
        })
        .collect()
}

/// Rows `start..end` a virtual list renders for a scroll position, with `overscan` rows either side.
pub fn visible_rows(scroll_top: f64, viewport: f64, row: f64, count: usize, overscan: usize) -> (usize, usize) {
    if count == 0 || row <= 0.0 {
        return (0, 0);
    }
    let first = (scroll_top.max(0.0) / row).floor() as usize;
    let shown = (viewport.max(0.0) / row).ceil() as usize + 1;
    let start = first.saturating_sub(overscan).min(count);
    let end = (first + shown + overscan).min(count);
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> View {
        View::new(LatLon::new(31.3376, 121.5382), 0.5, 400.0, 600.0)
    }

    #[test]
    fn projection_round_trips_and_the_centre_is_in_the_middle() {
        let v = view();
        assert_eq!(v.project(v.center), (200.0, 300.0));
        let p = LatLon::new(31.34, 121.54);
        let (x, y) = v.project(p);
        let back = v.unproject(x, y);
        assert!((back.lat - p.lat).abs() < 1e-9 && (back.lon - p.lon).abs() < 1e-9);
        // 100 m north is 50 px up at 0.5 px/m.
        let north = LatLon::new(v.center.lat + 100.0 / M_PER_DEG_LAT, v.center.lon);
        assert!((v.project(north).1 - 250.0).abs() < 1e-6);
    }

    #[test]
    fn zooming_keeps_the_point_under_the_finger() {
        let v = view();
        let under = v.unproject(100.0, 150.0);
        let z = v.zoom_at(2.0, 100.0, 150.0);
        let (x, y) = z.project(under);
        assert!((x - 100.0).abs() < 1e-6 && (y - 150.0).abs() < 1e-6, "{x},{y}");
        assert_eq!(z.scale, 1.0);
        assert_eq!(View::new(v.center, 1e9, 1.0, 1.0).scale, View::MAX_SCALE);
    }

    #[test]
    fn fitting_shows_every_point() {
        let v = view();
        let pts = [[121.530, 31.335], [121.545, 31.341], [121.538, 31.337]];
        let f = v.fit(&pts, 8.0);
        for p in pts {
            let (x, y) = f.project(LatLon::new(p[1], p[0]));
            assert!((0.0..=f.width).contains(&x) && (0.0..=f.height).contains(&y), "{p:?} at {x},{y}");
        }
        assert_eq!(f.ref_lat, v.ref_lat, "the projection stays the map's");
        // One point: centred, no closer than asked.
        let one = v.fit(&[[121.54, 31.34]], 2.0);
        assert_eq!((one.center, one.scale), (LatLon::new(31.34, 121.54), 2.0));
        assert_eq!(v.fit(&[], 2.0), v);
    }

    #[test]
    fn panning_moves_the_map_with_the_drag() {
        let v = view();
        let p = v.unproject(200.0, 300.0);
        let moved = v.pan(30.0, -20.0);
        let (x, y) = moved.project(p);
        assert!((x - 230.0).abs() < 1e-6 && (y - 280.0).abs() < 1e-6);
        let [x0, y0, x1, y1] = v.bbox();
        assert!(x0 < v.center.lon && v.center.lon < x1 && y0 < v.center.lat && v.center.lat < y1);
    }

    #[test]
    fn small_drags_keep_the_loaded_box_and_it_always_covers_the_view() {
        let v = view();
        let inside = |b: [f64; 4], v: &View| {
            let [x0, y0, x1, y1] = v.bbox();
            b[0] <= x0 && b[1] <= y0 && x1 <= b[2] && y1 <= b[3]
        };
        let mut boxes = std::collections::BTreeSet::new();
        let mut moved = v;
        for step in 0..400 {
            // A wandering drag: 3 px at a time, far enough to cross several cells.
            moved = moved.pan(3.0, 4.0 * (step as f64 / 50.0).sin());
            let b = moved.fetch_box();
            assert!(inside(b, &moved), "step {step}: {b:?} does not cover {:?}", moved.bbox());
            boxes.insert(b.map(f64::to_bits));
        }
        assert!(boxes.len() > 1 && boxes.len() < 20, "{} loads for 400 moves", boxes.len());
        assert_ne!(v.zoom_at(2.0, 200.0, 300.0).fetch_box(), v.fetch_box(), "a zoom loads anew");
    }

    #[test]
    fn tiles_cover_the_view_at_the_zoom_closest_to_its_scale() {
        let v = view(); // 0.5 px/m at 31.34°N: a z16 tile pixel is 2.04 m
        assert_eq!(v.tile_zoom(0, 22), 16);
        assert_eq!(v.tile_zoom(0, 15), 15, "never above what the map has");
        assert_eq!(v.tile_zoom(17, 19), 17);
        let placed = tiles(&v, 16, None, |p| p, |p| p);
        assert!(!placed.is_empty() && placed.len() <= 64, "{}", placed.len());
        // Every pixel of the view lies on some tile.
        for (px, py) in [(0.0, 0.0), (400.0, 600.0), (200.0, 300.0), (399.0, 1.0), (1.0, 599.0)] {
            assert!(
                placed
                    .iter()
                    .any(|t| (t.left..t.left + t.width).contains(&px) && (t.top..t.top + t.height).contains(&py)),
                "({px}, {py}) is bare"
            );
        }
        // Far too many tiles for a city-wide view at a street zoom: none rather than thousands.
        assert!(tiles(&View::new(v.center, View::MIN_SCALE, 400.0, 600.0), 18, None, |p| p, |p| p).is_empty());
        // Bounds keep requests to what the file holds.
        let b = v.bbox();
        let west_half = tiles(&v, 16, Some([b[0] - 1.0, b[1] - 1.0, v.center.lon, b[3] + 1.0]), |p| p, |p| p);
        assert!(!west_half.is_empty() && west_half.len() < placed.len());
    }

    #[test]
    fn a_gcj02_map_is_moved_under_the_wgs84_data() {
        use ridermap_core::nav::{from_gcj02, to_gcj02};
        let v = View::new(LatLon::new(31.3376, 121.5382), 2.0, 400.0, 600.0);
        let p = LatLon::new(31.3380, 121.5390); // a gate, stored in WGS-84
        let (px, py) = v.project(p);
        let covers = |placed: &[TilePlace], (x, y): (u32, u32)| {
            placed
                .iter()
                .filter(|t| (t.x, t.y) == (x, y))
                .any(|t| (t.left..t.left + t.width).contains(&px) && (t.top..t.top + t.height).contains(&py))
        };
        // The gate is drawn in the GCJ-02 map's tile that holds its GCJ-02 position…
        let (tx, ty) = tile_xy(to_gcj02(p), 18);
        let at = (tx as u32, ty as u32);
        assert!(covers(&tiles(&v, 18, None, to_gcj02, from_gcj02), at));
        // …which, placed as if it were WGS-84, would sit hundreds of metres off.
        assert!(!covers(&tiles(&v, 18, None, |p| p, |p| p), at));
    }

    #[test]
    fn nearby_points_cluster_and_far_ones_stay_apart() {
        let v = view();
        let pts = [(10.0, 10.0), (20.0, 30.0), (300.0, 500.0), (-500.0, 10.0)];
        let c = cluster(&pts, &v, 44.0);
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].members, vec![0, 1]);
        assert_eq!((c[0].x, c[0].y), (15.0, 20.0));
        assert_eq!(c[1].members, vec![2]);
        // 10,000 points still make a bounded number of markers.
        let many: Vec<(f64, f64)> = (0..10_000).map(|i| ((i % 100) as f64 * 4.0, (i / 100) as f64 * 6.0)).collect();
        assert!(cluster(&many, &v, 44.0).len() <= (400 / 44 + 2) * (600 / 44 + 2));
    }

    #[test]
    fn a_virtual_list_renders_only_what_shows() {
        let check =
            |top: f64, expected: (usize, usize)| assert_eq!(visible_rows(top, 600.0, 60.0, 10_000, 5), expected);
        check(0.0, (0, 16));
        check(6000.0, (95, 116));
        check(1e9, (10_000, 10_000));
        assert_eq!(visible_rows(0.0, 600.0, 60.0, 3, 5), (0, 3));
        assert_eq!(visible_rows(0.0, 600.0, 60.0, 0, 5), (0, 0));
    }
}
