//! Hand-off to navigation apps. Stored points are WGS-84; Amap (高德) expects GCJ-02 and Baidu
//! BD-09, so a point is converted for the app it goes to (`coordtransform`, mainland China only:
//! outside it the systems agree with WGS-84).

use crate::LatLon;

/// The point in GCJ-02 (Amap, Tencent and most Chinese base maps).
pub fn to_gcj02(p: LatLon) -> LatLon {
    let (lon, lat) = coordtransform::wgs84_to_gcj02(p.lon, p.lat);
    LatLon::new(lat, lon)
}

/// A GCJ-02 point back in WGS-84 (within a metre or two: GCJ-02 has no exact inverse).
pub fn from_gcj02(p: LatLon) -> LatLon {
    let (lon, lat) = coordtransform::gcj02_to_wgs84(p.lon, p.lat);
    LatLon::new(lat, lon)
}

/// The point in BD-09 (Baidu).
pub fn to_bd09(p: LatLon) -> LatLon {
    let g = to_gcj02(p);
    let (lon, lat) = coordtransform::gcj02_to_bd09(g.lon, g.lat);
    LatLon::new(lat, lon)
}

fn enc(s: &str) -> String {
    // Percent-encode everything but unreserved characters (RFC 3986), UTF-8 bytes.
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Amap's web/app URI for riding to `to` (opens the Amap app when installed).
pub fn amap_uri(to: LatLon, name: &str) -> String {
    let g = to_gcj02(to);
    format!(
        "https://uri.amap.com/navigation?to={:.6},{:.6},{}&mode=ride&coordinate=gaode&callnative=1&src=ridermap",
        g.lon,
        g.lat,
        enc(name)
    )
}

/// Baidu Maps' URI for riding to `to`.
pub fn baidu_uri(to: LatLon, name: &str) -> String {
    let b = to_bd09(to);
    format!(
        "https://api.map.baidu.com/direction?destination=latlng:{:.6},{:.6}|name:{}&mode=riding&coord_type=bd09ll&output=html&src=ridermap",
        b.lat,
        b.lon,
        enc(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_in_shanghai_shift_by_the_known_offsets() {
        // Yinhang subdistrict: GCJ-02 lies a few hundred metres off WGS-84, BD-09 further still.
        let p = LatLon::new(31.3376, 121.5382);
        let check = |q: LatLon, min_m: f64, max_m: f64| {
            let d = p.distance_m(&q);
            assert!((min_m..max_m).contains(&d), "{q:?} is {d:.0} m away");
        };
        check(to_gcj02(p), 300.0, 700.0);
        check(to_bd09(p), 800.0, 1500.0);
        // Outside China nothing moves.
        let paris = LatLon::new(48.8566, 2.3522);
        assert_eq!(to_gcj02(paris), paris);
        // And back, close enough to draw a base map under the data.
        assert!(from_gcj02(to_gcj02(p)).distance_m(&p) < 2.0);
    }

    #[test]
    fn uris_carry_converted_points_and_encoded_names() {
        let p = LatLon::new(31.3376, 121.5382);
        let a = amap_uri(p, "2号门 侧门");
        let g = to_gcj02(p);
        assert!(a.contains(&format!("to={:.6},{:.6},2%E5%8F%B7", g.lon, g.lat)), "{a}");
        assert!(a.contains("mode=ride&coordinate=gaode"));
        assert!(!a.contains(' '));
        let b = baidu_uri(p, "门");
        let bd = to_bd09(p);
        assert!(b.contains(&format!("latlng:{:.6},{:.6}|name:%E9%97%A8", bd.lat, bd.lon)), "{b}");
    }
}
