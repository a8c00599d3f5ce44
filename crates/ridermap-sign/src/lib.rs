//! A compound's signboard: one printable page for its entrance, saying how riders get in and
//! find the building — the compound's map (streets, lanes, walls, footprints with their
//! numbers, unit doors, gates marked by their e-bike rule, rider parking), the gates' hours and
//! rules in words, the nearest charger and rest stop, the date it was made and a QR code to the
//! compound's page. Pure: the words come in already in the reader's language (the service says
//! them), the font comes in as bytes; out comes a PDF whose font is a subset of the one given.

mod draw;
mod page;

pub use page::render;

/// `[lon, lat]`, WGS-84.
pub type LonLat = [f64; 2];

/// Paper sizes a grid station prints on, portrait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    A4,
    A3,
}

impl Paper {
    /// `a4` or `a3`.
    pub fn parse(s: &str) -> Option<Paper> {
        match s.trim().to_ascii_lowercase().as_str() {
            "a4" => Some(Paper::A4),
            "a3" => Some(Paper::A3),
            _ => None,
        }
    }

    /// Width and height in points.
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.0, 842.0),
            Paper::A3 => (842.0, 1191.0),
        }
    }
}

/// Whether e-bikes get through a gate, as the sign colours it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Ride,
    Push,
    NoRide,
    Unknown,
}

/// Everything on the page.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub title: String,
    /// Under the title: what the sign is, the address.
    pub subtitle: String,
    pub map: SheetMap,
    /// One line per gate, best first.
    pub gates: Vec<GateLine>,
    /// The nearest charger and rest stop, in words with their distance.
    pub nearby: Vec<String>,
    /// Words for the map's marks: ride in, push, no e-bikes, unknown, unit door, rider parking.
    pub legend: [String; 6],
    /// What the QR code holds (a URL), and what the page says of it.
    pub qr: String,
    pub qr_caption: String,
    /// The foot of the page: the date it was made and by what.
    pub footer: String,
}

#[derive(Debug, Clone)]
pub struct GateLine {
    pub tone: Tone,
    pub name: String,
    /// Hours, e-bike rule, how to get through, where to park.
    pub said: String,
}

#[derive(Debug, Clone, Default)]
pub struct SheetMap {
    pub streets: Vec<Street>,
    /// Lanes and footways inside.
    pub paths: Vec<Vec<LonLat>>,
    pub walls: Vec<Vec<LonLat>>,
    pub water: Vec<Vec<LonLat>>,
    pub green: Vec<Vec<LonLat>>,
    pub outline: Option<Vec<LonLat>>,
    pub footprints: Vec<Footprint>,
    /// Unit doors and their unit.
    pub doors: Vec<(LonLat, String)>,
    pub gates: Vec<GateMark>,
    /// Where riders may leave the e-bike.
    pub parking: Vec<LonLat>,
}

#[derive(Debug, Clone)]
pub struct Street {
    pub line: Vec<LonLat>,
    pub name: Option<String>,
    /// A street with traffic (drawn wider) rather than a lane.
    pub major: bool,
}

#[derive(Debug, Clone)]
pub struct Footprint {
    pub ring: Vec<LonLat>,
    pub number: Option<String>,
    /// Where its number goes.
    pub at: LonLat,
}

#[derive(Debug, Clone)]
pub struct GateMark {
    pub at: LonLat,
    pub name: String,
    pub tone: Tone,
}

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("the font cannot be read (face {index} of the file)")]
    Font { index: u32 },
    #[error("the QR code cannot hold {0} characters")]
    QrTooLong(usize),
    #[error("nothing to draw the map of: no outline, footprint or gate")]
    Empty,
    #[error("the PDF cannot be written: {0}")]
    Pdf(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The font the tests write with: `RIDERMAP_SIGN_FONT`, else Debian's fonts-wqy-microhei
    /// (scripts/setup.sh installs it).
    fn test_font() -> Vec<u8> {
        let path = std::env::var("RIDERMAP_SIGN_FONT")
            .unwrap_or_else(|_| "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc".into());
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (install fonts-wqy-microhei)"))
    }

    fn sheet() -> Sheet {
        let sq = |x: f64, y: f64, d: f64| vec![[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]];
        Sheet {
            title: "开鲁六村".into(),
            subtitle: "骑手指引".into(),
            map: SheetMap {
                outline: Some(sq(121.5, 31.3, 0.002)),
                footprints: vec![Footprint {
                    ring: sq(121.5005, 31.3005, 0.0003),
                    number: Some("12".into()),
                    at: [121.50065, 31.30065],
                }],
                gates: vec![GateMark { at: [121.501, 31.3], name: "1号门".into(), tone: Tone::Ride }],
                ..SheetMap::default()
            },
            gates: vec![GateLine { tone: Tone::Ride, name: "1号门".into(), said: "08:00-20:00".into() }],
            qr: "geo:31.3,121.5".into(),
            ..Sheet::default()
        }
    }

    #[test]
    fn a_sheet_renders_on_both_papers_with_a_subset_font() {
        let font = test_font();
        for paper in [Paper::A4, Paper::A3] {
            let pdf = render(&sheet(), font.clone(), 0, paper).unwrap();
            assert!(pdf.starts_with(b"%PDF-"), "{paper:?}");
            assert!(pdf.len() < font.len() / 10, "{paper:?}: {} bytes: the font is subset", pdf.len());
        }
    }

    #[test]
    fn what_cannot_be_drawn_is_named() {
        let empty = Sheet { qr: "x".into(), ..Sheet::default() };
        assert!(matches!(render(&empty, test_font(), 0, Paper::A4), Err(SignError::Empty)));
        assert!(matches!(render(&sheet(), b"not a font".to_vec(), 0, Paper::A4), Err(SignError::Font { index: 0 })));
        let long = Sheet { qr: "x".repeat(5000), ..sheet() };
        assert!(matches!(render(&long, test_font(), 0, Paper::A4), Err(SignError::QrTooLong(5000))));
        assert_eq!(Paper::parse(" A3 "), Some(Paper::A3));
        assert_eq!(Paper::parse("letter"), None);
    }
}
