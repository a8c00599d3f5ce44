//! WGS-84 points and distances. Everything stored is WGS-84; conversions to the GCJ-02 / BD-09
//! systems used by Chinese base maps happen only at display and hand-off time. The geometry itself
//! is the `geo` crate's.

use ::geo::{Centroid, Contains, Distance, Haversine, LineString, Point, Polygon};
use serde::{Deserialize, Serialize};

const EARTH_RADIUS_M: f64 = 6_371_008.8;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

impl LatLon {
    pub fn new(lat: f64, lon: f64) -> LatLon {
        LatLon { lat, lon }
    }

    /// Why this point is not a WGS-84 coordinate, if it is not.
    pub fn problem(&self) -> Option<String> {
        if !self.lat.is_finite() || !(-90.0..=90.0).contains(&self.lat) {
            return Some(format!("latitude {} is outside -90..90", self.lat));
        }
        if !self.lon.is_finite() || !(-180.0..=180.0).contains(&self.lon) {
            return Some(format!("longitude {} is outside -180..180", self.lon));
        }
        None
    }

    /// Great-circle distance in metres (haversine; well under 0.5% error at city scale).
    pub fn distance_m(&self, other: &LatLon) -> f64 {
        Haversine.distance(Point::new(self.lon, self.lat), Point::new(other.lon, other.lat))
    }

    /// A lat/lon box that contains every point within `radius_m` of this one.
    pub fn bbox(&self, radius_m: f64) -> BBox {
        let dlat = (radius_m / EARTH_RADIUS_M).to_degrees();
        let cos = self.lat.to_radians().cos().max(1e-6);
        let dlon = (dlat / cos).min(180.0);
        BBox {
            min_lat: (self.lat - dlat).max(-90.0),
            max_lat: (self.lat + dlat).min(90.0),
            min_lon: (self.lon - dlon).max(-180.0),
            max_lon: (self.lon + dlon).min(180.0),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lon: f64,
    pub max_lon: f64,
}

fn polygon(ring: &[[f64; 2]]) -> Polygon {
    Polygon::new(LineString::from(ring.to_vec()), vec![])
}

/// Whether `p` lies inside the ring `ring` (points as `[lon, lat]`, GeoJSON order).
pub fn ring_contains(ring: &[[f64; 2]], p: LatLon) -> bool {
    ring.len() >= 3 && polygon(ring).contains(&Point::new(p.lon, p.lat))
}

/// The centre of an area (its ring's centroid), or of the points when they enclose none.
pub fn centroid(ring: &[[f64; 2]]) -> LatLon {
    let c = polygon(ring).centroid().or_else(|| LineString::from(ring.to_vec()).centroid());
    c.map(|c| LatLon::new(c.y(), c.x())).unwrap_or(LatLon::new(0.0, 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        // 开鲁六村 to 五角场 is roughly 2.3 km; one degree of latitude is about 111.2 km.
        let a = LatLon::new(31.0, 121.0);
        let b = LatLon::new(32.0, 121.0);
        assert!((a.distance_m(&b) - 111_195.0).abs() < 50.0);
        assert_eq!(a.distance_m(&a), 0.0);
        let bb = a.bbox(1000.0);
        for p in [LatLon::new(bb.min_lat, 121.0), LatLon::new(31.0, bb.max_lon)] {
            assert!((a.distance_m(&p) - 1000.0).abs() < 1.0, "{p:?}");
        }
    }

    #[test]
    fn problems() {
        assert!(LatLon::new(91.0, 0.0).problem().unwrap().contains("latitude"));
        assert!(LatLon::new(0.0, -181.0).problem().unwrap().contains("longitude"));
        assert!(LatLon::new(f64::NAN, 0.0).problem().is_some());
        assert!(LatLon::new(31.3, 121.5).problem().is_none());
    }

    #[test]
    fn ring() {
        let sq = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]];
        assert!(ring_contains(&sq, LatLon::new(0.5, 0.5)));
        assert!(!ring_contains(&sq, LatLon::new(1.5, 0.5)));
        let c = centroid(&sq);
        assert!((c.lat - 0.5).abs() < 1e-9 && (c.lon - 0.5).abs() < 1e-9, "{c:?}");
    }
}
