//! The page: a header with the compound's name, its map, the gates in words, what is near, the
//! legend, and the QR code with the date at the foot. Laid out on A4 in points and scaled whole
//! for A3, so both read the same from a rider's saddle.

use krilla::{Document, geom::Transform, page::PageSettings, paint::FillRule, surface::Surface, text::Font};

use crate::{
    LonLat, Paper, Sheet, SheetMap, SignError, Tone,
    draw::{self, ACCENT, Halo, INK, MUTED, WHITE, fill, line, shape, stroke, tone_colour},
};

const A4_W: f32 = 595.0;
const A4_H: f32 = 842.0;
const MARGIN: f32 = 28.0;
const HEADER_H: f32 = 88.0;
/// The map's frame.
const MAP: (f32, f32, f32, f32) = (MARGIN, 100.0, A4_W - 2.0 * MARGIN, 430.0);
const QR_SIDE: f32 = 112.0;

/// The sheet as a one-page PDF on `paper`, written with face `index` of the font file `font`.
pub fn render(sheet: &Sheet, font: Vec<u8>, index: u32, paper: Paper) -> Result<Vec<u8>, SignError> {
    let font = draw::font(font, index)?;
    let (w, h) = paper.size();
    let mut doc = Document::new();
    let settings = PageSettings::from_wh(w, h).ok_or(SignError::Pdf(format!("page of {w}×{h} pt")))?;
    let mut page = doc.start_page_with(settings);
    let mut s = page.surface();
    // A3 is A4 scaled by √2: one layout for both.
    s.push_transform(&Transform::from_scale(w / A4_W, h / A4_H));
    let drawn = draw_page(&mut s, sheet, &font);
    s.pop();
    s.finish();
    page.finish();
    drawn?;
    doc.finish().map_err(|e| SignError::Pdf(format!("{e:?}")))
}

fn draw_page(s: &mut Surface<'_>, sheet: &Sheet, font: &Font) -> Result<(), SignError> {
    // Header.
    shape(s, draw::rect(0.0, 0.0, A4_W, HEADER_H), Some(fill(ACCENT)), None);
    let title = draw::fit(&sheet.title, 30.0, A4_W - 2.0 * MARGIN);
    draw::text(s, font, (MARGIN, 46.0), 30.0, WHITE, Halo::None, &title);
    let sub = draw::fit(&sheet.subtitle, 12.0, A4_W - 2.0 * MARGIN);
    draw::text(s, font, (MARGIN, 72.0), 12.0, WHITE, Halo::None, &sub);

    draw_map(s, &sheet.map, font)?;

    // The legend under the map.
    let mut x = MARGIN;
    let y = MAP.1 + MAP.3 + 16.0;
    let marks = [
        Mark::Gate(Tone::Ride),
        Mark::Gate(Tone::Push),
        Mark::Gate(Tone::NoRide),
        Mark::Gate(Tone::Unknown),
        Mark::Door,
        Mark::Parking,
    ];
    for (mark, words) in marks.into_iter().zip(&sheet.legend) {
        mark.draw(s, font, (x + 5.0, y - 4.0), 5.0);
        draw::text(s, font, (x + 13.0, y), 9.0, MUTED, Halo::None, words);
        x += 13.0 + draw::width(words, 9.0) + 12.0;
    }

    // Gates, best first, then what is near; the QR code takes the bottom right corner.
    let text_w = A4_W - 2.0 * MARGIN - QR_SIDE - 12.0;
    let mut y = MAP.1 + MAP.3 + 40.0;
    let bottom = A4_H - MARGIN - 14.0;
    for g in &sheet.gates {
        if y > bottom - 30.0 {
            break;
        }
        Mark::Gate(g.tone).draw(s, font, (MARGIN + 6.0, y - 4.5), 6.0);
        let name = draw::fit(&g.name, 14.0, text_w - 18.0);
        draw::text(s, font, (MARGIN + 18.0, y), 14.0, INK, Halo::None, &name);
        // Two lines at most: hours and rules, then where to park.
        let (first, rest) = draw::split(&g.said, 11.0, text_w - 18.0);
        draw::text(s, font, (MARGIN + 18.0, y + 15.0), 11.0, MUTED, Halo::None, &first);
        if !rest.is_empty() {
            draw::text(
                s,
                font,
                (MARGIN + 18.0, y + 29.0),
                11.0,
                MUTED,
                Halo::None,
                &draw::fit(&rest, 11.0, text_w - 18.0),
            );
            y += 14.0;
        }
        y += 36.0;
    }
    for n in &sheet.nearby {
        if y > bottom {
            break;
        }
        draw::text(s, font, (MARGIN, y), 11.0, INK, Halo::None, &draw::fit(n, 11.0, text_w));
        y += 17.0;
    }
    let (qx, qy) = (A4_W - MARGIN - QR_SIDE, A4_H - MARGIN - QR_SIDE - 12.0);
    draw::qr(s, &sheet.qr, (qx, qy), QR_SIDE)?;
    let caption = draw::fit(&sheet.qr_caption, 9.0, QR_SIDE + 20.0);
    draw::text(
        s,
        font,
        (qx + (QR_SIDE - draw::width(&caption, 9.0)) / 2.0, qy + QR_SIDE + 10.0),
        9.0,
        MUTED,
        Halo::None,
        &caption,
    );
    draw::text(s, font, (MARGIN, A4_H - MARGIN), 9.0, MUTED, Halo::None, &draw::fit(&sheet.footer, 9.0, text_w));
    Ok(())
}

/// The marks of the map and its legend.
#[derive(Clone, Copy)]
enum Mark {
    Gate(Tone),
    Door,
    Parking,
}

impl Mark {
    fn draw(self, s: &mut Surface<'_>, font: &Font, (x, y): (f32, f32), r: f32) {
        match self {
            Mark::Gate(t) => shape(s, draw::circle(x, y, r), Some(fill(tone_colour(t))), Some(stroke(WHITE, 1.5))),
            Mark::Door => shape(s, draw::rect(x - r * 0.6, y - r * 0.6, r * 1.2, r * 1.2), Some(fill(INK)), None),
            Mark::Parking => {
                shape(s, draw::rect(x - r, y - r, 2.0 * r, 2.0 * r), Some(fill((37, 99, 235))), None);
                draw::text(s, font, (x - r * 0.55, y + r * 0.7), r * 1.8, WHITE, Halo::None, "P");
            }
        }
    }
}

/// Where lon/lat land in the map's frame: one scale in metres both ways, the compound centred.
struct Frame {
    lon0: f64,
    lat0: f64,
    cos: f64,
    k: f64,
    cx: f64,
    cy: f64,
}

impl Frame {
    fn fit(points: &[LonLat]) -> Option<Frame> {
        let first = points.first()?;
        let mut b = [first[0], first[1], first[0], first[1]];
        for p in points {
            b = [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])];
        }
        let (lon0, lat0) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
        let cos = lat0.to_radians().cos();
        let (span_x, span_y) = (((b[2] - b[0]) * cos).max(1e-6), (b[3] - b[1]).max(1e-6));
        // Room around the compound for the streets that lead to its gates.
        let pad = 0.86;
        let k = ((MAP.2 as f64) * pad / span_x).min((MAP.3 as f64) * pad / span_y);
        Some(Frame { lon0, lat0, cos, k, cx: (MAP.0 + MAP.2 / 2.0) as f64, cy: (MAP.1 + MAP.3 / 2.0) as f64 })
    }

    fn xy(&self, p: LonLat) -> (f32, f32) {
        ((self.cx + (p[0] - self.lon0) * self.cos * self.k) as f32, (self.cy - (p[1] - self.lat0) * self.k) as f32)
    }

    fn line(&self, pts: &[LonLat]) -> Vec<(f32, f32)> {
        pts.iter().map(|p| self.xy(*p)).collect()
    }

    fn inside(&self, (x, y): (f32, f32)) -> bool {
        x >= MAP.0 && x <= MAP.0 + MAP.2 && y >= MAP.1 && y <= MAP.1 + MAP.3
    }
}

fn draw_map(s: &mut Surface<'_>, m: &SheetMap, font: &Font) -> Result<(), SignError> {
    // The compound decides the frame: its outline, footprints and gates.
    let mut focus: Vec<LonLat> = m.outline.iter().flatten().copied().collect();
    focus.extend(m.footprints.iter().flat_map(|f| f.ring.iter().copied()));
    focus.extend(m.gates.iter().map(|g| g.at));
    let f = Frame::fit(&focus).ok_or(SignError::Empty)?;
    let frame = || draw::rect(MAP.0, MAP.1, MAP.2, MAP.3);
    shape(s, frame(), Some(fill((244, 244, 238))), None);
    let clipped = frame().map(|clip| s.push_clip_path(&clip, &FillRule::NonZero)).is_some();
    for area in &m.green {
        shape(s, line(&f.line(area), true), Some(fill((214, 234, 206))), None);
    }
    for area in &m.water {
        shape(s, line(&f.line(area), true), Some(fill((200, 224, 244))), None);
    }
    if let Some(o) = &m.outline {
        shape(s, line(&f.line(o), true), Some(fill((250, 250, 246))), None);
    }
    // Streets cased in grey, lanes thinner, then walls.
    for casing in [true, false] {
        for st in &m.streets {
            let w = if st.major { 9.0 } else { 5.0 };
            let (c, w) = if casing { ((170, 170, 160), w + 2.0) } else { (WHITE, w) };
            shape(s, line(&f.line(&st.line), false), None, Some(stroke(c, w)));
        }
        for p in &m.paths {
            let (c, w) = if casing { ((190, 190, 180), 4.5) } else { (WHITE, 3.0) };
            shape(s, line(&f.line(p), false), None, Some(stroke(c, w)));
        }
    }
    for wall in &m.walls {
        shape(s, line(&f.line(wall), false), None, Some(stroke((80, 70, 60), 1.6)));
    }
    if let Some(o) = &m.outline {
        shape(s, line(&f.line(o), true), None, Some(draw::dashed(ACCENT, 1.6, 5.0, 3.0)));
    }
    for fp in &m.footprints {
        shape(s, line(&f.line(&fp.ring), true), Some(fill((230, 225, 214))), Some(stroke((150, 140, 125), 0.8)));
    }
    // Street names where the street is longest on the page.
    for st in m.streets.iter().filter(|st| st.name.is_some()) {
        let pts = f.line(&st.line);
        let best = pts
            .windows(2)
            .filter(|w| f.inside(w[0]) && f.inside(w[1]))
            .max_by(|a, b| seg_len(a).total_cmp(&seg_len(b)));
        if let (Some(seg), Some(name)) = (best, &st.name)
            && seg_len(seg) > draw::width(name, 8.0)
        {
            let (x, y) = ((seg[0].0 + seg[1].0) / 2.0, (seg[0].1 + seg[1].1) / 2.0);
            draw::text(s, font, (x - draw::width(name, 8.0) / 2.0, y + 3.0), 8.0, MUTED, Halo::White, name);
        }
    }
    // Numbers sized to their footprint.
    for fp in &m.footprints {
        let Some(n) = &fp.number else { continue };
        let pts = f.line(&fp.ring);
        let (x0, x1) = pts.iter().fold((f32::MAX, f32::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
        let (y0, y1) = pts.iter().fold((f32::MAX, f32::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
        let size = ((x1 - x0) / (draw::width(n, 1.0) + 0.6)).min((y1 - y0) * 0.8).clamp(9.0, 18.0);
        let (x, y) = f.xy(fp.at);
        draw::text(s, font, (x - draw::width(n, size) / 2.0, y + size * 0.36), size, INK, Halo::White, n);
    }
    // Unit numbers only where doors stand apart on the page; the marks always.
    let doors: Vec<(f32, f32)> = m.doors.iter().map(|(at, _)| f.xy(*at)).collect();
    for (i, ((_, unit), p)) in m.doors.iter().zip(&doors).enumerate() {
        Mark::Door.draw(s, font, *p, 2.8);
        let apart = doors.iter().enumerate().all(|(j, q)| i == j || seg_len(&[*p, *q]) > 16.0);
        if apart {
            draw::text(s, font, (p.0 + 3.5, p.1 - 3.0), 7.0, INK, Halo::White, unit);
        }
    }
    let parking: Vec<(f32, f32)> = m.parking.iter().map(|p| f.xy(*p)).collect();
    for p in &parking {
        Mark::Parking.draw(s, font, *p, 6.0);
    }
    let gates: Vec<(f32, f32)> = m.gates.iter().map(|g| f.xy(g.at)).collect();
    for (g, p) in m.gates.iter().zip(&gates) {
        Mark::Gate(g.tone).draw(s, font, *p, GATE_R);
    }
    // Each gate's name on a plate of its own (the compound's outline runs through the gate), on
    // the first side of its mark where it hides no other mark and no building's number.
    let numbers: Vec<(f32, f32)> = m.footprints.iter().filter(|fp| fp.number.is_some()).map(|fp| f.xy(fp.at)).collect();
    for (g, p) in m.gates.iter().zip(&gates) {
        let others: Vec<(f32, f32)> =
            gates.iter().chain(&parking).chain(&numbers).filter(|q| *q != p).copied().collect();
        let size = (draw::width(&g.name, LABEL) + 6.0, LABEL + 5.0);
        let (x, y) = label_at(*p, size, &others);
        shape(s, draw::rect(x, y, size.0, size.1), Some(fill(WHITE)), Some(stroke((150, 150, 140), 0.6)));
        draw::text(s, font, (x + 3.0, y + LABEL + 0.5), LABEL, INK, Halo::None, &g.name);
    }
    if clipped {
        s.pop();
    }
    shape(s, frame(), None, Some(stroke((150, 150, 140), 1.0)));
    Ok(())
}

const GATE_R: f32 = 7.5;
const LABEL: f32 = 10.0;

/// The top-left corner of a `(w, h)` label for the mark at `p`: right of it, else right past a
/// parking mark beside it, left, below or above — the first place where the label covers none of
/// the marks at `avoid` and stays in the map's frame; right when none is free.
fn label_at(p: (f32, f32), (w, h): (f32, f32), avoid: &[(f32, f32)]) -> (f32, f32) {
    let gap = GATE_R + 3.0;
    let sides = [
        (p.0 + gap, p.1 - h / 2.0),
        (p.0 + gap + 16.0, p.1 - h / 2.0),
        (p.0 - gap - w, p.1 - h / 2.0),
        (p.0 - w / 2.0, p.1 + gap),
        (p.0 - w / 2.0, p.1 - gap - h),
    ];
    // A mark is hidden when the label comes within its size of its middle.
    let mark = 7.0;
    let free = |&(x, y): &(f32, f32)| {
        let on_map = x >= MAP.0 && x + w <= MAP.0 + MAP.2 && y >= MAP.1 && y + h <= MAP.1 + MAP.3;
        on_map && avoid.iter().all(|q| q.0 < x - mark || q.0 > x + w + mark || q.1 < y - mark || q.1 > y + h + mark)
    };
    sides.iter().copied().find(free).unwrap_or(sides[0])
}

fn seg_len(w: &[(f32, f32)]) -> f32 {
    ((w[1].0 - w[0].0).powi(2) + (w[1].1 - w[0].1).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gates_label_goes_where_it_hides_no_other_mark() {
        let mid = (MAP.0 + MAP.2 / 2.0, MAP.1 + MAP.3 / 2.0);
        let (w, h) = (60.0, 15.0);
        let right = (mid.0 + 10.5, mid.1 - 7.5);
        let past = (mid.0 + 26.5, mid.1 - 7.5);
        let left = (mid.0 - 10.5 - w, mid.1 - 7.5);
        let below = (mid.0 - w / 2.0, mid.1 + 10.5);
        let check = |p: (f32, f32), avoid: &[(f32, f32)], expected: (f32, f32)| {
            assert_eq!(label_at(p, (w, h), avoid), expected, "{p:?} avoiding {avoid:?}");
        };
        check(mid, &[], right);
        // A parking mark just right of the gate: the label goes past it.
        check(mid, &[(mid.0 + 12.0, mid.1)], past);
        // A building's number further right too: left.
        check(mid, &[(mid.0 + 12.0, mid.1), (mid.0 + 60.0, mid.1)], left);
        // Marks on both sides: below.
        check(mid, &[(mid.0 + 14.0, mid.1), (mid.0 + 40.0, mid.1), (mid.0 - 30.0, mid.1 + 2.0)], below);
        // A mark far away hides nothing.
        check(mid, &[(mid.0 + 200.0, mid.1)], right);
        // At the frame's right edge: left, though nothing is in the way.
        let edge = (MAP.0 + MAP.2 - 5.0, mid.1);
        check(edge, &[], (edge.0 - 10.5 - w, edge.1 - 7.5));
        // Nowhere free: right.
        let crowd = [
            (mid.0 + 14.0, mid.1),
            (mid.0 + 40.0, mid.1),
            (mid.0 - 30.0, mid.1),
            (mid.0, mid.1 + 20.0),
            (mid.0, mid.1 - 20.0),
        ];
        check(mid, &crowd, right);
    }
}
