//! Charts as SVG written by hand, rendered on the server.
//!
//! Why not `plotters`: the dashboard needs two kinds of bar chart. Written here they are ~150 lines with
//! no dependency, their colours come from the stylesheet (classes, no inline styles, so the CSP holds),
//! and each carries a title, a description and its data as a table for screen readers. Every label is
//! escaped by `maud`.

use maud::{Markup, html};

/// Round a maximum up to a "nice" axis end (1, 2, 5 × 10ⁿ).
pub(crate) fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if v <= m * mag {
            return m * mag;
        }
    }
    10.0 * mag
}

fn fmt(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// One series of a stacked bar chart: CSS class, legend label, one value per category.
pub(crate) struct Series {
    pub class: String,
    pub label: String,
    pub values: Vec<f64>,
}

/// Vertical stacked bars: one bar per category, one segment per series.
pub(crate) fn stacked_bars(
    id: &str,
    title: &str,
    categories: &[String],
    series: &[Series],
) -> Markup {
    let (w, h, left, bottom, top) = (380.0, 200.0, 28.0, 30.0, 8.0);
    let totals: Vec<f64> = (0..categories.len())
        .map(|i| {
            series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0.0))
                .sum()
        })
        .collect();
    let max = nice_max(totals.iter().copied().fold(0.0, f64::max));
    let plot_h = h - bottom - top;
    let slot = (w - left - 8.0) / categories.len().max(1) as f64;
    let bar_w = (slot * 0.7).min(40.0);
    let y = |v: f64| top + plot_h * (1.0 - v / max);
    let ticks = [0.0, max / 2.0, max];
    // At most about six labels on the axis, always including the last category.
    let label_every = categories.len().div_ceil(6).max(1);
    let mut segments: Vec<(&str, f64, f64, f64, String)> = Vec::new();
    for (i, c) in categories.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar_w) / 2.0;
        let mut acc = 0.0;
        for s in series {
            let v = s.values.get(i).copied().unwrap_or(0.0);
            if v > 0.0 {
                segments.push((
                    &s.class,
                    x,
                    y(acc + v),
                    plot_h * v / max,
                    format!("{c} · {}: {}", s.label, fmt(v)),
                ));
                acc += v;
            }
        }
    }
    html! {
        svg viewBox={ "0 0 " (w) " " (h) } role="img" aria-labelledby={ (id) "-t" } {
            title id={ (id) "-t" } { (title) }
            @for t in ticks {
                line.grid x1=(left) x2=(w - 4.0) y1=(y(t)) y2=(y(t)) {}
                text x=(left - 4.0) y=(y(t) + 4.0) text-anchor="end" { (fmt(t)) }
            }
            @for (class, x, y0, hh, tip) in &segments {
                rect class=(class) x=(x) y=(y0) width=(bar_w) height=(hh) { title { (tip) } }
            }
            @for (i, c) in categories.iter().enumerate().filter(|(i, _)| (categories.len() - 1 - i).is_multiple_of(label_every)) {
                text x=(left + slot * i as f64 + slot / 2.0) y=(h - bottom + 14.0) text-anchor="middle" { (c) }
            }
            line.axis x1=(left) x2=(w - 4.0) y1=(h - bottom) y2=(h - bottom) {}
        }
        ul.legend {
            @for s in series {
                @if s.values.iter().any(|v| *v > 0.0) {
                    li { span class={ "sw " (s.class) } {} (s.label) }
                }
            }
        }
    }
}

/// Horizontal bars: one per row (label, value, text shown after the bar).
pub(crate) fn hbars(id: &str, title: &str, rows: &[(String, f64, String)]) -> Markup {
    let (w, row, left, top) = (380.0, 24.0, 130.0, 6.0);
    let h = top + row * rows.len().max(1) as f64 + 6.0;
    let max = nice_max(rows.iter().map(|r| r.1).fold(0.0, f64::max));
    let plot_w = w - left - 70.0;
    html! {
        svg viewBox={ "0 0 " (w) " " (h) } role="img" aria-labelledby={ (id) "-t" } {
            title id={ (id) "-t" } { (title) }
            @for (i, (label, v, shown)) in rows.iter().enumerate() {
                @let y = top + row * i as f64;
                @let short: String = if label.chars().count() > 17 { label.chars().take(16).chain(['…']).collect() } else { label.clone() };
                text x=(left - 6.0) y=(y + 15.0) text-anchor="end" { (short) }
                rect.bar x=(left) y=(y + 3.0) width=((plot_w * v / max).max(1.0)) height=(row - 8.0) {
                    title { (label) ": " (shown) }
                }
                text x=(left + (plot_w * v / max).max(1.0) + 4.0) y=(y + 15.0) { (shown) }
            }
            line.axis x1=(left) x2=(left) y1=(top) y2=(h - 6.0) {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_maxima() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(3.0), 5.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(12.0), 20.0);
        assert_eq!(nice_max(100.0), 100.0);
    }

    #[test]
    fn charts_escape_labels_and_carry_a_title() {
        let svg = hbars("x", "T<1>", &[("<script>".into(), 2.0, "2".into())]).into_string();
        assert!(svg.contains("<title id=\"x-t\">T&lt;1&gt;</title>"));
        assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script>"));
        let svg = stacked_bars(
            "y",
            "m",
            &["2026-01".into(), "2026-02".into()],
            &[Series {
                class: "s-sent".into(),
                label: "sent".into(),
                values: vec![1.0, 3.0],
            }],
        )
        .into_string();
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(!svg.contains("style="));
    }
}
