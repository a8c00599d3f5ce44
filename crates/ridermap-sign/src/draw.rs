//! Drawing helpers over krilla's surface: colours, strokes, shapes, text that fits, a QR code.
//! krilla's surface has its origin at the top left with y growing down; text is placed by the
//! left end of its baseline.

use krilla::{
    color::rgb,
    geom::{Path, PathBuilder, Point, Rect},
    num::NormalizedF32,
    paint::{Fill, FillRule, LineCap, LineJoin, Stroke, StrokeDash},
    surface::Surface,
    text::{Font, TextDirection},
};

use crate::{SignError, Tone};

pub type Rgb = (u8, u8, u8);

pub const INK: Rgb = (28, 32, 30);
pub const MUTED: Rgb = (90, 100, 96);
pub const ACCENT: Rgb = (15, 118, 110);
pub const WHITE: Rgb = (255, 255, 255);

pub fn tone_colour(t: Tone) -> Rgb {
    match t {
        Tone::Ride => (22, 163, 74),
        Tone::Push => (217, 119, 6),
        Tone::NoRide => (220, 38, 38),
        Tone::Unknown => (120, 120, 120),
    }
}

pub fn fill(c: Rgb) -> Fill {
    Fill { paint: rgb::Color::new(c.0, c.1, c.2).into(), opacity: NormalizedF32::ONE, rule: FillRule::NonZero }
}

pub fn stroke(c: Rgb, width: f32) -> Stroke {
    Stroke {
        paint: rgb::Color::new(c.0, c.1, c.2).into(),
        width,
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        ..Stroke::default()
    }
}

pub fn dashed(c: Rgb, width: f32, on: f32, off: f32) -> Stroke {
    Stroke { dash: Some(StrokeDash { array: vec![on, off], offset: 0.0 }), line_cap: LineCap::Butt, ..stroke(c, width) }
}

/// A line through `pts`, closed into a ring when `closed`. None for fewer than two points.
pub fn line(pts: &[(f32, f32)], closed: bool) -> Option<Path> {
    let (&(x0, y0), rest) = pts.split_first()?;
    if rest.is_empty() {
        return None;
    }
    let mut pb = PathBuilder::new();
    pb.move_to(x0, y0);
    for &(x, y) in rest {
        pb.line_to(x, y);
    }
    if closed {
        pb.close();
    }
    pb.finish()
}

pub fn circle(cx: f32, cy: f32, r: f32) -> Option<Path> {
    let k = 0.552_284_8 * r;
    let mut pb = PathBuilder::new();
    pb.move_to(cx + r, cy);
    pb.cubic_to(cx + r, cy + k, cx + k, cy + r, cx, cy + r);
    pb.cubic_to(cx - k, cy + r, cx - r, cy + k, cx - r, cy);
    pb.cubic_to(cx - r, cy - k, cx - k, cy - r, cx, cy - r);
    pb.cubic_to(cx + k, cy - r, cx + r, cy - k, cx + r, cy);
    pb.close();
    pb.finish()
}

pub fn rect(x: f32, y: f32, w: f32, h: f32) -> Option<Path> {
    let mut pb = PathBuilder::new();
    pb.push_rect(Rect::from_xywh(x, y, w, h)?);
    pb.finish()
}

/// Draws `path` filled and/or stroked (either may be None).
pub fn shape(s: &mut Surface<'_>, path: Option<Path>, f: Option<Fill>, st: Option<Stroke>) {
    if let Some(p) = path {
        s.set_fill(f);
        s.set_stroke(st);
        s.draw_path(&p);
    }
}

/// How wide `text` sets at `size`: Chinese characters a full em, others about half. The sign's
/// layout only needs to know what fits; it never needs the exact advance.
pub fn width(text: &str, size: f32) -> f32 {
    text.chars().map(|c| if (c as u32) < 0x2E80 { 0.56 } else { 1.0 }).sum::<f32>() * size
}

/// `text` cut to `max` points wide, with "…" where it was cut.
pub fn fit(text: &str, size: f32, max: f32) -> String {
    if width(text, size) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if width(&out, size) + width(&c.to_string(), size) + size > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// `text` as the most of it that fits in `max` points, cut after a " · " where one fits, and
/// what is left.
pub fn split(text: &str, size: f32, max: f32) -> (String, String) {
    if width(text, size) <= max {
        return (text.to_string(), String::new());
    }
    let mut cut = 0;
    for (i, _) in text.match_indices(" · ") {
        if width(&text[..i], size) <= max {
            cut = i;
        }
    }
    if cut == 0 {
        let head = fit(text, size, max);
        let kept = head.trim_end_matches('…').len();
        return (head, text[kept..].to_string());
    }
    (text[..cut].to_string(), text[cut + " · ".len()..].to_string())
}

/// Text with its baseline's left end at (x, y), in colour `c`; a white halo first when `halo`
/// (labels over the map stay readable over lines and fills).
pub fn text(s: &mut Surface<'_>, font: &Font, (x, y): (f32, f32), size: f32, c: Rgb, halo: Halo, t: &str) {
    if t.is_empty() {
        return;
    }
    if halo == Halo::White {
        s.set_fill(None);
        s.set_stroke(Some(stroke(WHITE, size * 0.28)));
        s.draw_text(Point::from_xy(x, y), font.clone(), size, t, false, TextDirection::Auto);
    }
    s.set_stroke(None);
    s.set_fill(Some(fill(c)));
    s.draw_text(Point::from_xy(x, y), font.clone(), size, t, false, TextDirection::Auto);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Halo {
    None,
    White,
}

/// `data` as a QR code `side` points wide at (x, y), black on white, with its quiet zone.
pub fn qr(s: &mut Surface<'_>, data: &str, (x, y): (f32, f32), side: f32) -> Result<(), SignError> {
    let code = qrcodegen::QrCode::encode_text(data, qrcodegen::QrCodeEcc::Medium)
        .map_err(|_| SignError::QrTooLong(data.chars().count()))?;
    let n = code.size();
    let module = side / (n + 8) as f32;
    shape(s, rect(x, y, side, side), Some(fill(WHITE)), None);
    let (left, top) = (x + 4.0 * module, y + 4.0 * module);
    let mut pb = PathBuilder::new();
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if !code.get_module(col, row) {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && code.get_module(col, row) {
                col += 1;
            }
            let at = Rect::from_xywh(
                left + start as f32 * module,
                top + row as f32 * module,
                (col - start) as f32 * module,
                module,
            );
            if let Some(r) = at {
                pb.push_rect(r);
            }
        }
    }
    shape(s, pb.finish(), Some(fill((0, 0, 0))), None);
    Ok(())
}

/// The font to write with: face `index` of the file's bytes.
pub fn font(bytes: Vec<u8>, index: u32) -> Result<Font, SignError> {
    Font::new(std::sync::Arc::new(bytes).into(), index).ok_or(SignError::Font { index })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_to_fit_with_an_ellipsis() {
        let check = |t: &str, max: f32, want: &str| assert_eq!(fit(t, 10.0, max), want, "{t} in {max}");
        check("1号门", 100.0, "1号门");
        check("开鲁六村一号门八点到二十点", 60.0, "开鲁六村一…");
        check("abcdefghij", 40.0, "abcde…");
        assert!((width("12号", 10.0) - 21.2).abs() < 1e-3);
        let split = |t: &str, max: f32| split(t, 10.0, max);
        assert_eq!(split("开放 08:00 · 电动车可进", 300.0), ("开放 08:00 · 电动车可进".into(), String::new()));
        assert_eq!(
            split("开放 08:00 · 电动车可进 · 停车：门口", 130.0),
            ("开放 08:00 · 电动车可进".into(), "停车：门口".into())
        );
    }
}
