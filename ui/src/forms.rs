//! Form logic without the DOM: what a typed field means, and what is wrong with it.

use ridermap_core::LatLon;

/// A "lat, lon" pair as typed or pasted (either order is not guessed: latitude first).
pub fn parse_point(text: &str) -> Result<LatLon, String> {
    let parts: Vec<&str> = text.split([',', '，', ' ']).map(str::trim).filter(|s| !s.is_empty()).collect();
    let [lat, lon] = parts.as_slice() else {
        return Err(format!("`{text}` is not `lat, lon`"));
    };
    let (lat, lon) = (
        lat.parse::<f64>().map_err(|_| format!("`{lat}` is not a number"))?,
        lon.parse::<f64>().map_err(|_| format!("`{lon}` is not a number"))?,
    );
    let p = LatLon::new(lat, lon);
    match p.problem() {
        Some(problem) => Err(problem),
        None => Ok(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_read_latitude_first() {
        assert_eq!(parse_point("31.3376, 121.5382"), Ok(LatLon::new(31.3376, 121.5382)));
        assert_eq!(parse_point("31.3376，121.5382"), Ok(LatLon::new(31.3376, 121.5382)));
        assert!(parse_point("121.5, 31.3").unwrap_err().contains("latitude"));
        assert!(parse_point("31.3").is_err());
        assert!(parse_point("a, b").unwrap_err().contains("not a number"));
    }
}
