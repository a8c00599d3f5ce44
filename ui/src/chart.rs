//! Charts for the dashboard: stacked bars with a value axis, labels and a unit, and a share bar.
//! Drawn as SVG in the page's colours, so the night theme reads as well as the day; the scale
//! is plain Rust, tested natively.

use leptos::prelude::*;

/// One bar: its label under it, a value per series (stacked in series order), and what a long
/// press or hover says.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub values: Vec<f64>,
    pub title: String,
}

/// Ticks for a value axis from 0 to at least `max`: 0 and steps of 1, 2 or 5 × 10ⁿ, at most 6.
pub fn ticks(max: f64) -> Vec<f64> {
    if max.is_nan() || max <= 0.0 {
        return vec![0.0, 1.0];
    }
    let raw = max / 4.0;
    let pow = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * pow).find(|s| max / s <= 5.0).unwrap_or(10.0 * pow);
    let step = step.max(1.0);
    let n = (max / step).ceil() as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

const VW: f64 = 400.0;
const VH: f64 = 190.0;
const LEFT: f64 = 36.0;
const TOP: f64 = 24.0;
const BOTTOM: f64 = 26.0;

/// Stacked bars over a value axis.
#[component]
pub fn BarChart(
    bars: Vec<Bar>,
    /// CSS class of each series (its colour), in the order of `Bar::values`.
    series: Vec<&'static str>,
    /// What the values count, shown over the axis ("人次", "reports").
    unit: String,
    testid: &'static str,
) -> impl IntoView {
    let max = bars.iter().map(|b| b.values.iter().sum::<f64>()).fold(0.0, f64::max);
    let ticks = ticks(max);
    let top = *ticks.last().unwrap_or(&1.0);
    let plot_h = VH - TOP - BOTTOM;
    let y = move |v: f64| TOP + plot_h * (1.0 - v / top);
    let n = bars.len().max(1) as f64;
    let slot = (VW - LEFT - 4.0) / n;
    // Every label when they fit, else every other one.
    let every = if n > 10.0 { 2 } else { 1 };
    let grid = ticks
        .iter()
        .map(|t| {
            view! {
                <line class="grid-line" x1=LEFT x2=VW - 4.0 y1=y(*t) y2=y(*t) />
                <text class="axis y-axis" x=LEFT - 4.0 y=y(*t) + 3.0 text-anchor="end">{format!("{t}")}</text>
            }
        })
        .collect_view();
    let drawn = bars
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let x = LEFT + i as f64 * slot + slot * 0.15;
            let mut base = 0.0;
            let parts = b
                .values
                .iter()
                .zip(&series)
                .filter(|(v, _)| **v > 0.0)
                .map(|(v, class)| {
                    let (y1, y0) = (y(base + v), y(base));
                    base += v;
                    view! { <rect class=format!("bar {class}") x=x y=y1 width=slot * 0.7 height=y0 - y1 /> }
                })
                .collect_view();
            // Each column's total over it: the numbers read without hovering.
            let total: f64 = b.values.iter().sum();
            let value = (total > 0.0).then(|| {
                view! { <text class="axis value" x=x + slot * 0.35 y=y(total) - 3.0 text-anchor="middle">{format!("{total}")}</text> }
            });
            let label = (i % every == 0).then(|| {
                view! { <text class="axis x-axis" x=x + slot * 0.35 y=VH - BOTTOM + 14.0 text-anchor="middle">{b.label.clone()}</text> }
            });
            view! { <g class="column" data-testid="chart-column"><title>{b.title}</title>{parts}{value}{label}</g> }
        })
        .collect_view();
    view! {
        <svg viewBox=format!("0 0 {VW} {VH}") class="chart" data-testid=testid role="img">
            <text class="axis unit" x=4.0 y=10.0>{unit}</text>
            {grid}
            <line class="axis-line" x1=LEFT x2=LEFT y1=TOP y2=VH - BOTTOM />
            <line class="axis-line" x1=LEFT x2=VW - 4.0 y1=VH - BOTTOM y2=VH - BOTTOM />
            {drawn}
        </svg>
    }
}

/// `part` of `whole` as a bar from 0 to 100 %, with the figures in words after the share (words
/// that begin with a space where the language wants one).
#[component]
pub fn ShareBar(part: i64, whole: i64, words: String, testid: &'static str) -> impl IntoView {
    let pct = if whole > 0 { (100.0 * part as f64 / whole as f64).round() } else { 0.0 };
    view! {
        <div class="share" data-testid=testid>
            <p class="share-words"><strong class="share-pct">{format!("{pct}%")}</strong>{words}</p>
            <svg viewBox="0 0 400 30" class="share-bar" role="img">
                <rect class="share-track" x=0.0 y=2.0 width=400.0 height=12.0 rx=6.0 />
                <rect class="share-fill" x=0.0 y=2.0 width=4.0 * pct height=12.0 rx=6.0 />
                <text class="axis" x=0.0 y=28.0>"0%"</text>
                <text class="axis" x=200.0 y=28.0 text-anchor="middle">"50%"</text>
                <text class="axis" x=400.0 y=28.0 text-anchor="end">"100%"</text>
            </svg>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_cover_the_largest_value_in_round_steps() {
        let check = |max: f64, want: &[f64]| assert_eq!(ticks(max), want, "max {max}");
        check(0.0, &[0.0, 1.0]);
        check(1.0, &[0.0, 1.0]);
        check(3.0, &[0.0, 1.0, 2.0, 3.0]);
        check(7.0, &[0.0, 2.0, 4.0, 6.0, 8.0]);
        check(12.0, &[0.0, 5.0, 10.0, 15.0]);
        check(45.0, &[0.0, 10.0, 20.0, 30.0, 40.0, 50.0]);
        check(230.0, &[0.0, 50.0, 100.0, 150.0, 200.0, 250.0]);
        check(f64::NAN, &[0.0, 1.0]);
    }
}
