//! What the map draws under the places: the base layer of a box at the detail of the view's
//! scale, with the footprints and unit doors grid workers drew on compounds (where the base layer
//! has no footprint of its own there), coordinates cut to what a screen can show.

use ridermap_api::{Drawn, LayerDetail, MapLayer, MapLayerReq};
use ridermap_core::{ApiError, Detail, LatLon, base::Layer, geo::ring_contains};
use ridermap_store::Band;

use crate::{Ctx, Handle, invalid};

/// Features one answer carries at most (a phone's view at street zoom holds a few hundred).
pub const MAX_FEATURES: usize = 20_000;
/// A box wider than this (degrees) is not a view of a map a rider reads.
const MAX_SPAN_DEG: f64 = 1.0;

/// The detail a view of `m_per_px` metres per pixel shows: bands of the store at zoom 17+,
/// 15–16 and 12–14 (at Shanghai's latitude); nothing farther out.
pub fn detail_for(m_per_px: f64) -> LayerDetail {
    match m_per_px {
        m if m <= 1.5 => LayerDetail::Full,
        m if m <= 6.0 => LayerDetail::Mid,
        m if m <= 40.0 => LayerDetail::Low,
        _ => LayerDetail::None,
    }
}

/// 1e-6 degrees: about 10 cm, and half the bytes of a full float in JSON.
fn cut(p: [f64; 2]) -> [f64; 2] {
    p.map(|v| (v * 1e6).round() / 1e6)
}

fn drawn(layer: Layer, number: Option<String>, line: &[[f64; 2]]) -> Drawn {
    Drawn { layer, class: None, ebike: None, name: None, number, line: line.iter().copied().map(cut).collect() }
}

impl Handle for MapLayerReq {
    fn handle(self, cx: &mut Ctx<'_>) -> Result<MapLayer, ApiError> {
        let [x0, y0, x1, y1] = self.bbox;
        let in_range = (-180.0..=180.0).contains(&x0)
            && (-180.0..=180.0).contains(&x1)
            && (-90.0..=90.0).contains(&y0)
            && (-90.0..=90.0).contains(&y1);
        if !(in_range && x0 <= x1 && y0 <= y1) {
            return Err(invalid(format!("bbox {:?} is not min_lon,min_lat,max_lon,max_lat", self.bbox)));
        }
        if !(self.m_per_px.is_finite() && self.m_per_px > 0.0) {
            return Err(invalid(format!("m_per_px {} is not a positive number of metres", self.m_per_px)));
        }
        let detail = detail_for(self.m_per_px);
        let band = match detail {
            LayerDetail::Full => Band::Full,
            LayerDetail::Mid => Band::Mid,
            LayerDetail::Low => Band::Low,
            LayerDetail::None => return Ok(MapLayer { detail, features: vec![], more: false }),
        };
        if x1 - x0 > MAX_SPAN_DEG || y1 - y0 > MAX_SPAN_DEG {
            return Err(invalid(format!("bbox {:?} is wider than {MAX_SPAN_DEG}°: not one view", self.bbox)));
        }
        let layers =
            [Layer::Green, Layer::Water, Layer::Compound, Layer::Building, Layer::Barrier, Layer::Way, Layer::Door];
        let store = cx.store();
        let base = store.base_features(self.bbox, &layers, band)?;
        let footprints: Vec<&[[f64; 2]]> =
            base.iter().filter(|f| f.layer == Layer::Building).map(|f| f.line.as_slice()).collect();
        let doors: Vec<LatLon> = base
            .iter()
            .filter(|f| f.layer == Layer::Door)
            .filter_map(|f| f.line.first())
            .map(|p| LatLon::new(p[1], p[0]))
            .collect();
        let mut features: Vec<Drawn> = base
            .iter()
            .map(|f| Drawn {
                layer: f.layer,
                class: f.rules.map(|r| r.class),
                ebike: f.rules.map(|r| r.ebike),
                name: f.name.clone(),
                number: f.number.clone(),
                line: f.line.iter().copied().map(cut).collect(),
            })
            .collect();
        // Compounds' own buildings: drawn where the base layer has no footprint over them.
        if band != Band::Low {
            for place in store.in_box(self.bbox, MAX_FEATURES)? {
                let Detail::Compound(c) = &place.detail else { continue };
                for b in &c.buildings {
                    let centre = b.centre();
                    let covered = footprints.iter().any(|ring| ring_contains(ring, centre));
                    if let Some(ring) = b.footprint.as_ref().filter(|r| r.len() >= 3 && !covered) {
                        features.push(drawn(Layer::Building, Some(b.number.clone()), ring));
                    }
                    for d in &b.doors {
                        let at = LatLon::new(d.lat, d.lon);
                        if band == Band::Full && !doors.iter().any(|o| o.distance_m(&at) < 2.0) {
                            features.push(drawn(Layer::Door, Some(d.unit.clone()), &[[d.lon, d.lat]]));
                        }
                    }
                }
            }
        }
        let more = features.len() > MAX_FEATURES;
        features.truncate(MAX_FEATURES);
        Ok(MapLayer { detail, features, more })
    }
}
