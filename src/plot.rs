//! Small SVG charts for run reports: line charts with axes, ticks and a legend. Written by
//! hand (no plotting dependency); every chart is a plain SVG document a browser shows.

use std::fmt::Write;

/// One series of a chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Points (x, y) in data units, in drawing order.
    pub points: Vec<(f64, f64)>,
}

/// A line chart.
#[derive(Debug, Clone)]
pub struct LineChart {
    /// Title above the plot.
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// The series.
    pub series: Vec<Series>,
    /// Draw each series as steps (constant until the next point) instead of straight lines.
    pub steps: bool,
    /// Show the legend (off for charts with one line per vehicle).
    pub legend: bool,
}

const PALETTE: [&str; 10] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

/// A "nice" tick step for a span: 1, 2 or 5 times a power of ten, giving about `n` ticks.
pub fn tick_step(span: f64, n: f64) -> f64 {
    if span.is_nan() || span <= 0.0 {
        return 1.0;
    }
    let raw = span / n;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let nice = if norm < 1.5 {
        1.0
    } else if norm < 3.5 {
        2.0
    } else if norm < 7.5 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn label(v: f64, step: f64) -> String {
    if step >= 1.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

impl LineChart {
    /// The chart as an SVG document, `width` × `height` pixels.
    pub fn to_svg(&self, width: f64, height: f64) -> String {
        let (left, right, top, bottom) = (70.0, if self.legend { 190.0 } else { 20.0 }, 40.0, 50.0);
        let (pw, ph) = (width - left - right, height - top - bottom);
        let all = self.series.iter().flat_map(|s| s.points.iter());
        let (mut x0, mut x1, mut y0, mut y1) =
            (f64::INFINITY, f64::NEG_INFINITY, 0.0f64, f64::NEG_INFINITY);
        for &(x, y) in all {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        if !x0.is_finite() {
            (x0, x1, y1) = (0.0, 1.0, 1.0);
        }
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        if y1 <= y0 {
            y1 = y0 + 1.0;
        }
        let (xs, ys) = (tick_step(x1 - x0, 8.0), tick_step(y1 - y0, 6.0));
        let y1 = (y1 / ys).ceil() * ys;
        let px = |x: f64| left + (x - x0) / (x1 - x0) * pw;
        let py = |y: f64| top + ph - (y - y0) / (y1 - y0) * ph;
        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="24" font-size="16" text-anchor="middle">{}</text>"#,
            left + pw / 2.0,
            escape(&self.title)
        );
        // Grid and ticks.
        let mut t = (x0 / xs).ceil() * xs;
        while t <= x1 + 1e-9 {
            let x = px(t);
            let _ = writeln!(
                s,
                r##"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{:.1}" stroke="#e5e5e5"/>"##,
                top + ph
            );
            let _ = writeln!(
                s,
                r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                top + ph + 16.0,
                label(t, xs)
            );
            t += xs;
        }
        let mut t = (y0 / ys).ceil() * ys;
        while t <= y1 + 1e-9 {
            let y = py(t);
            let _ = writeln!(
                s,
                r##"<line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e5e5e5"/>"##,
                left + pw
            );
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                left - 6.0,
                y + 4.0,
                label(t, ys)
            );
            t += ys;
        }
        let _ = writeln!(
            s,
            r#"<rect x="{left}" y="{top}" width="{pw:.1}" height="{ph:.1}" fill="none" stroke="black"/>"#
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            left + pw / 2.0,
            height - 12.0,
            escape(&self.x_label)
        );
        let _ = writeln!(
            s,
            r#"<text transform="translate(16,{:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
            top + ph / 2.0,
            escape(&self.y_label)
        );
        for (i, series) in self.series.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let mut d = String::new();
            let mut last: Option<(f64, f64)> = None;
            for &(x, y) in &series.points {
                match last {
                    None => {
                        let _ = write!(d, "M{:.1},{:.1}", px(x), py(y));
                    }
                    Some((_, ly)) if self.steps => {
                        let _ =
                            write!(d, " L{:.1},{:.1} L{:.1},{:.1}", px(x), py(ly), px(x), py(y));
                    }
                    Some(_) => {
                        let _ = write!(d, " L{:.1},{:.1}", px(x), py(y));
                    }
                }
                last = Some((x, y));
            }
            let _ = writeln!(
                s,
                r#"<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.5"/>"#
            );
            if self.legend {
                let ly = top + 10.0 + 18.0 * i as f64;
                let lx = left + pw + 14.0;
                let _ = writeln!(
                    s,
                    r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{colour}" stroke-width="3"/>"#,
                    lx + 20.0
                );
                let _ = writeln!(
                    s,
                    r#"<text x="{}" y="{}">{}</text>"#,
                    lx + 26.0,
                    ly + 4.0,
                    escape(&series.label)
                );
            }
        }
        s.push_str("</svg>\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_nice() {
        assert_eq!(tick_step(24.0, 8.0), 2.0);
        assert_eq!(tick_step(3000.0, 6.0), 500.0);
        assert!((tick_step(0.9, 6.0) - 0.1).abs() < 1e-12);
    }

    #[test]
    fn chart_has_a_path_per_series_and_a_legend() {
        let chart = LineChart {
            title: "Deliveries per hour <VN→CN>".into(),
            x_label: "hour".into(),
            y_label: "containers".into(),
            series: vec![
                Series {
                    label: "export".into(),
                    points: vec![(0.0, 10.0), (1.0, 70.0), (2.0, 105.0)],
                },
                Series {
                    label: "import".into(),
                    points: vec![(0.0, 5.0), (1.0, 40.0)],
                },
            ],
            steps: true,
            legend: true,
        };
        let svg = chart.to_svg(800.0, 400.0);
        assert!(svg.starts_with("<svg"));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<path").count(), 2);
        assert!(svg.contains("&lt;VN→CN&gt;"));
        assert!(svg.contains(">export</text>") && svg.contains(">import</text>"));
        // The y axis reaches the largest value: 105 rounds up to the next tick (120).
        assert!(svg.contains(">120</text>"));
    }
}
