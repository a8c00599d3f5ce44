//! Screen geometry for the offline map and long lists, without the DOM: a local projection with
//! pan and zoom, grid clustering of points, and the window of rows a virtual list renders.

use std::collections::BTreeMap;

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
