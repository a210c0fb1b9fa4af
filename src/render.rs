//! `corridor render`: draws a site map as a stand-alone SVG picture.
//!
//! # The view, and why
//!
//! A border corridor is long and thin. Hữu Nghị is 3.6 km long, its two IGV lanes are 3.75 m
//! apart, and most of its stations (the VN yard, gates B0/B1/B2, the X-ray, the border marker)
//! sit within the first 700 m while 2 km of plain road lead to the CN yard. At true scale on a
//! screen (about 0.4 px/m) the two directions merge into one line and a dozen labels fall
//! within 200 px. What a traffic engineer wants to read off the picture is: which lane runs
//! which way, the order of the stations along each direction and which side they are on, where
//! the border is, where the yards and spurs branch off, and roughly how far apart things are.
//! So the default picture has three parts:
//!
//! 1. **Overview, true scale** (same scale on both axes, scale bar, north arrow): the real
//!    shape of the site. The areas that the schematic magnifies are shaded and joined to the
//!    schematic by a "funnel", so the distortion below is never hidden.
//! 2. **Schematic** (a straight-line diagram, as road and rail engineers draw them):
//!    - the lateral axis is stretched around the corridor axis with
//!      `y ↦ a·asinh(y / 2 m) + b·y`: two lanes 3.75 m apart are drawn `--lane-gap` px apart,
//!      while yards tens of metres deep stay compact and keep their shape;
//!    - the chainage axis is broken: open road (no node for more than max(150 m, 6 % of the
//!      site length)) is compressed to about 30 % of the width, and the dense areas (yards,
//!      gates, spurs) share the rest at a larger scale, a little larger still where their
//!      labels crowd. The axis is labelled in chainage (`km+m`, as on road plans), each piece
//!      of constant scale carries its own scale bar, and scale changes are marked `//`;
//!    - every lane direction has an arrow; one-way lanes are coloured by speed limit; two-way
//!      lanes are drawn dashed in amber with an arrow each way;
//!    - stations are dots coloured by kind (legend at the top), labelled with their id (and
//!      capacity when above one) in staggered rows with leader lines. Labels of stations on the
//!      +y side (left of the +x direction) go above the drawing, the others below, so the two
//!      directions read as two rows. Labels never overlap each other or the drawing, and
//!      dense groups fan out in staircases so that leaders stay vertical and cross no label
//!      (only two markers less than 4.5 px apart can force a leader through a label).
//!
//! 3. **Insets, true scale**, one per area whose nodes lie more than 8 m off the corridor
//!    axis (yards, inspection spurs): the schematic squeezes these two-dimensional layouts
//!    (rings, sidings, charger bays), so each is drawn again at the same scale on both axes,
//!    with its own labels, arrows and scale bar, and tagged A, B, … in the schematic.
//!
//! `--true-scale` draws the main panel at true scale instead (for checking the geometry; the
//! overview is then left out as it would repeat it; the insets stay).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use corridor_map::{MapError, SiteMap, StationKind};

/// Arguments of `corridor render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// The map (TOML, see maps/README.md).
    pub map: PathBuf,
    /// The SVG file to write.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Width of the picture in pixels (the height follows from the map).
    #[arg(long, default_value_t = 1800.0)]
    pub width: f64,
    /// Draw the main view at true scale instead of the schematic (stretched lateral axis,
    /// compressed open road).
    #[arg(long)]
    pub true_scale: bool,
    /// Schematic view: on-screen distance in pixels between two lanes 3.75 m apart on either
    /// side of the corridor axis.
    #[arg(long, default_value_t = 40.0)]
    pub lane_gap: f64,
}

impl RenderArgs {
    /// The rendering options these arguments ask for.
    ///
    /// # Errors
    /// When the width or the lane gap is out of range.
    pub fn options(&self) -> Result<RenderOptions> {
        if !(self.width.is_finite() && (MIN_WIDTH..=MAX_WIDTH).contains(&self.width)) {
            bail!(
                "--width must be between {MIN_WIDTH} and {MAX_WIDTH} px, got {}",
                self.width
            );
        }
        if !(self.lane_gap.is_finite() && (1.0..=500.0).contains(&self.lane_gap)) {
            bail!(
                "--lane-gap must be between 1 and 500 px, got {}",
                self.lane_gap
            );
        }
        Ok(RenderOptions {
            width: self.width,
            view: if self.true_scale {
                View::TrueScale
            } else {
                View::Schematic
            },
            lane_gap: self.lane_gap,
        })
    }
}

/// Loads the map, draws it and writes the SVG. An invalid map prints every problem and
/// returns failure.
///
/// # Errors
/// When an option is out of range, or the map or the output file cannot be read or written.
pub fn run(args: &RenderArgs) -> Result<ExitCode> {
    let options = args.options()?;
    let map = match SiteMap::load(&args.map) {
        Ok(map) => map,
        Err(MapError::Invalid { file, problems }) => {
            for p in &problems {
                eprintln!("{p}");
            }
            eprintln!(
                "{}: {} problem(s); the map is not valid",
                file.display(),
                problems.len()
            );
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(e.into()),
    };
    let svg = render_svg(&map, &options);
    std::fs::write(&args.output, svg)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    tracing::info!(map = %args.map.display(), output = %args.output.display(), "rendered");
    println!("{}: wrote {}", args.map.display(), args.output.display());
    Ok(ExitCode::SUCCESS)
}

/// Options of [`render_svg`].
#[derive(Debug, Clone, PartialEq)]
pub struct RenderOptions {
    /// Width of the picture in pixels (the height follows from the map).
    pub width: f64,
    /// Which main view to draw.
    pub view: View,
    /// Schematic view only: on-screen distance in pixels between two lanes 3.75 m apart on
    /// either side of the corridor axis.
    pub lane_gap: f64,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            width: 1800.0,
            view: View::Schematic,
            lane_gap: 40.0,
        }
    }
}

/// The main view of the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// Stretched lateral axis, compressed open road, with a true-scale overview above.
    #[default]
    Schematic,
    /// Same scale on both axes, no distortion.
    TrueScale,
}

const MIN_WIDTH: f64 = 400.0;
const MAX_WIDTH: f64 = 100_000.0;
/// Left and right margin of the picture.
const MARGIN: f64 = 40.0;
/// Half the distance between two adjacent lanes (3.75 m lane width).
const HALF_LANE: f64 = 1.875;
/// Lateral distance (m) below which the schematic's stretch is about linear.
const Y0: f64 = 2.0;
/// Label font size and the estimated advance of one character (generous for sans-serif).
const FONT: f64 = 11.0;
const CHAR_W: f64 = 6.6;
/// Height of a label box, and the pitch of the label rows.
const LABEL_H: f64 = 15.0;
const ROW_PITCH: f64 = 18.0;
/// Gap between the drawing and the first label row.
const CLEAR: f64 = 8.0;
/// Anchors closer than this (px) share a column: a label box may cover the other's anchor.
const TIE: f64 = 4.5;
/// How far (px) labels may stick out of the margins when the picture is crowded; the
/// picture's view box then grows to hold them.
const OUTSIDE: f64 = 240.0;
/// Station marker radius, and the spacing of markers of stations that share a node.
const MARKER_R: f64 = 4.5;
const FAN: f64 = 11.0;
/// Minimum width (px) of one stretch of open road in the schematic.
const MIN_OPEN_PX: f64 = 50.0;
/// Nodes further than this (m) from the corridor axis get an inset at true scale.
const INSET_LATERAL: f64 = 8.0;
/// Largest height (px) of an inset's drawing.
const INSET_HEIGHT: f64 = 400.0;
/// Largest ratio between the scale of dense areas and that of open road.
const MAX_ZOOM: f64 = 25.0;
/// Share of the width given to open road when the map has long empty stretches.
const OPEN_SHARE: f64 = 0.3;
/// Rows of labels a dense area should need at most on each side; more crowded areas are
/// widened.
const LABEL_ROWS: f64 = 3.0;
/// Room (px) a dense area should give each distinct x of its nodes.
const NODE_PX: f64 = 16.0;
/// Minimum distance (px) between two chainage ticks.
const TICK_SPACING: f64 = 72.0;

const LANE_COLOUR: &str = "#2b3a4a";
/// Colours of one-way lanes by speed class, fastest first.
const SPEED_COLOURS: [&str; 4] = ["#1f2d3d", "#2f6fa3", "#5aa0c8", "#8e9aa6"];
const TWO_WAY_COLOUR: &str = "#c77700";
const BORDER_COLOUR: &str = "#b0182a";
const ZOOM_FILL: &str = "#e6eef8";

/// The colour of a station kind.
fn kind_colour(kind: StationKind) -> &'static str {
    match kind {
        StationKind::YardBay => "#1f77b4",
        StationKind::Crane => "#8c564b",
        StationKind::Gate => "#d62728",
        StationKind::Scale => "#ff7f0e",
        StationKind::Xray => "#9467bd",
        StationKind::Inspection => "#e377c2",
        StationKind::Charger => "#2ca02c",
        StationKind::Parking => "#7f7f7f",
        StationKind::BorderMarker => "#17a2b8",
    }
}

/// The name of a station kind in the legend.
fn kind_name(kind: StationKind) -> &'static str {
    match kind {
        StationKind::YardBay => "yard bay",
        StationKind::Crane => "crane",
        StationKind::Gate => "gate (barrier)",
        StationKind::Scale => "scale",
        StationKind::Xray => "X-ray scanner",
        StationKind::Inspection => "inspection",
        StationKind::Charger => "charger",
        StationKind::Parking => "parking",
        StationKind::BorderMarker => "border marker",
    }
}

/// Escapes text for SVG content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Estimated width in pixels of `s` at `font` px.
fn text_width(s: &str, font: f64) -> f64 {
    s.chars().count() as f64 * CHAR_W * font / FONT
}

/// A "nice" length (1, 2 or 5 × 10ⁿ metres) no longer than `max_m` (at least 1 m).
fn nice_length(max_m: f64) -> f64 {
    if !(max_m.is_finite() && max_m > 1.0) {
        return 1.0;
    }
    let p = 10f64.powf(max_m.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&v| v <= max_m)
        .unwrap_or(p)
}

/// A length for a scale bar: `500 m`, `1 km`, `2.5 km`.
fn format_length(m: f64) -> String {
    if m >= 1000.0 {
        let km = m / 1000.0;
        if (km - km.round()).abs() < 1e-9 {
            format!("{km:.0} km")
        } else {
            format!("{km} km")
        }
    } else {
        format!("{m:.0} m")
    }
}

/// A chainage as road plans write it: `1+520` for 1,520 m, `−0+150` for −150 m.
fn format_chainage(x: f64) -> String {
    let m = x.round();
    let sign = if m < 0.0 { "−" } else { "" };
    let a = m.abs();
    let km = (a / 1000.0).floor();
    format!("{sign}{km:.0}+{:03.0}", a - km * 1000.0)
}

/// A monotone piecewise-linear map from metres along +x to pixels.
#[derive(Debug, Clone)]
struct XAxis {
    /// Breakpoints in metres, strictly increasing, at least two.
    xs: Vec<f64>,
    /// Their positions in pixels, strictly increasing.
    ps: Vec<f64>,
}

impl XAxis {
    fn linear(x0: f64, x1: f64, p0: f64, p1: f64) -> XAxis {
        let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
        let p1 = if p1 > p0 { p1 } else { p0 + 1.0 };
        XAxis {
            xs: vec![x0, x1],
            ps: vec![p0, p1],
        }
    }

    fn map(&self, x: f64) -> f64 {
        let n = self.xs.len().min(self.ps.len());
        if n < 2 {
            return x;
        }
        let i = self.xs.partition_point(|&v| v <= x).clamp(1, n - 1);
        let (xa, xb, pa, pb) = (self.xs[i - 1], self.xs[i], self.ps[i - 1], self.ps[i]);
        pa + (x - xa) * (pb - pa) / (xb - xa)
    }

    /// Pixels per metre between breakpoints `i` and `i + 1`.
    fn scale(&self, i: usize) -> f64 {
        (self.ps[i + 1] - self.ps[i]) / (self.xs[i + 1] - self.xs[i])
    }

    /// The pieces of constant scale: (x0, x1, px per metre), adjacent pieces merged when
    /// their scales differ by less than 2 %.
    fn pieces(&self) -> Vec<(f64, f64, f64)> {
        let mut out: Vec<(f64, f64, f64)> = Vec::new();
        for i in 0..self.xs.len().min(self.ps.len()).saturating_sub(1) {
            let s = self.scale(i);
            match out.last_mut() {
                Some(last) if (last.2 - s).abs() <= 0.02 * last.2.max(s) => last.1 = self.xs[i + 1],
                _ => out.push((self.xs[i], self.xs[i + 1], s)),
            }
        }
        out
    }
}

/// A monotone map from metres along +y to pixels (downwards, 0 on the corridor axis).
#[derive(Debug, Clone, Copy)]
enum YAxis {
    Linear { c: f64, s: f64 },
    Stretched { c: f64, a: f64, b: f64 },
}

impl YAxis {
    fn map(&self, y: f64) -> f64 {
        match *self {
            YAxis::Linear { c, s } => -(y - c) * s,
            YAxis::Stretched { c, a, b } => -(a * ((y - c) / Y0).asinh() + b * (y - c)),
        }
    }
}

/// The projection of the main panel.
#[derive(Debug, Clone)]
struct Projection {
    x: XAxis,
    y: YAxis,
    /// The x ranges (metres) drawn at a larger scale than open road.
    zoomed: Vec<(f64, f64)>,
}

impl Projection {
    fn pt(&self, x: f64, y: f64) -> (f64, f64) {
        (self.x.map(x), self.y.map(y))
    }
}

/// The extent of the drawing in metres: all nodes and lane points, and the border's x.
#[derive(Debug, Clone, Copy)]
struct Extent {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

fn extent(map: &SiteMap) -> Extent {
    let mut e = Extent {
        x0: f64::INFINITY,
        x1: f64::NEG_INFINITY,
        y0: f64::INFINITY,
        y1: f64::NEG_INFINITY,
    };
    let points = map
        .nodes()
        .iter()
        .map(|n| (n.position.x, n.position.y))
        .chain(
            map.lanes()
                .iter()
                .flat_map(|l| l.polyline.iter().map(|p| (p.x, p.y))),
        );
    for (x, y) in points.filter(|(x, y)| x.is_finite() && y.is_finite()) {
        e.x0 = e.x0.min(x);
        e.x1 = e.x1.max(x);
        e.y0 = e.y0.min(y);
        e.y1 = e.y1.max(y);
    }
    if let Some((a, b)) = map.border() {
        for x in [a.x, b.x].into_iter().filter(|x| x.is_finite()) {
            e.x0 = e.x0.min(x);
            e.x1 = e.x1.max(x);
        }
    }
    if !(e.x0.is_finite() && e.x1.is_finite() && e.y0.is_finite() && e.y1.is_finite()) {
        e = Extent {
            x0: 0.0,
            x1: 100.0,
            y0: 0.0,
            y1: 0.0,
        };
    }
    if e.x1 - e.x0 < 20.0 {
        let m = (e.x0 + e.x1) / 2.0;
        e.x0 = m - 10.0;
        e.x1 = m + 10.0;
    }
    e
}

/// The lateral position of the corridor axis: the middle of the positions where most
/// lane-metres run along x (for two lanes at ±1.875 m, 0).
fn corridor_axis(map: &SiteMap) -> f64 {
    // Per 0.5 m bin: longitudinal lane-metres and their weighted sum of y.
    let mut bins: BTreeMap<i64, (f64, f64)> = BTreeMap::new();
    for lane in map.lanes() {
        for w in lane.polyline.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            let dx = (b.x - a.x).abs();
            let y = (a.y + b.y) / 2.0;
            if !(dx > 0.0 && dx.is_finite() && y.is_finite()) {
                continue;
            }
            let e = bins.entry((y * 2.0).round() as i64).or_default();
            e.0 += dx;
            e.1 += dx * y;
        }
    }
    let Some((_, &(best_mass, best_sum))) = bins.iter().max_by(|a, b| a.1.0.total_cmp(&b.1.0))
    else {
        return 0.0;
    };
    let best_y = best_sum / best_mass;
    let near: Vec<f64> = bins
        .values()
        .filter(|(m, _)| *m >= 0.3 * best_mass)
        .map(|(m, s)| s / m)
        .filter(|y| (y - best_y).abs() <= 20.0)
        .collect();
    let lo = near.iter().copied().fold(best_y, f64::min);
    let hi = near.iter().copied().fold(best_y, f64::max);
    (lo + hi) / 2.0
}

/// The schematic projection: broken chainage axis and stretched lateral axis.
fn schematic_projection(map: &SiteMap, ext: Extent, avail: f64, lane_gap: f64) -> Projection {
    let c = corridor_axis(map);
    let span = ext.x1 - ext.x0;
    let mut feats: Vec<f64> = map
        .nodes()
        .iter()
        .map(|n| n.position.x)
        .filter(|x| x.is_finite())
        .chain([ext.x0, ext.x1])
        .collect();
    feats.sort_by(f64::total_cmp);
    feats.dedup_by(|b, a| *b - *a < 0.5);
    if let Some(last) = feats.last_mut() {
        *last = last.max(ext.x1);
    }
    // Pieces: (x0, x1, open road?); consecutive dense gaps merge into one piece.
    let open_gap = (0.06 * span).max(150.0);
    let mut pieces: Vec<(f64, f64, bool)> = Vec::new();
    for w in feats.windows(2) {
        let open = w[1] - w[0] >= open_gap;
        match pieces.last_mut() {
            Some(last) if !open && !last.2 => last.1 = w[1],
            _ => pieces.push((w[0], w[1], open)),
        }
    }
    let d_open: f64 = pieces.iter().filter(|p| p.2).map(|p| p.1 - p.0).sum();
    let d_dense: f64 = pieces.iter().filter(|p| !p.2).map(|p| p.1 - p.0).sum();
    // The scale each dense piece needs for its labels to fit in LABEL_ROWS rows a side and
    // its nodes to stand apart.
    let needed = pieces
        .iter()
        .filter(|p| !p.2 && p.1 > p.0)
        .map(|&(a, b, _)| {
            // Room for the labels, and NODE_PX between the distinct x of the nodes.
            let columns = feats.iter().filter(|&&x| x >= a && x < b).count() as f64;
            (label_demand(map, c, a, b) / LABEL_ROWS).max(columns * NODE_PX) / (b - a)
        })
        .fold(0.0, f64::max);
    // Zoom into the dense pieces only when they would not fit at a uniform scale,
    // and no more than they need, at most so far that open road keeps OPEN_SHARE of the
    // width (and at most MAX_ZOOM times its scale).
    let uniform = avail / span;
    let (k, s) = if d_open <= 0.0 || d_dense <= 0.0 || needed <= uniform {
        (uniform, uniform)
    } else {
        let k_min = (OPEN_SHARE * avail / d_open).min(uniform);
        let s_max = ((avail - k_min * d_open) / d_dense).min(MAX_ZOOM * k_min);
        let s = needed.min(s_max).max(uniform);
        (((avail - s * d_dense) / d_open).max(k_min.min(s)), s)
    };
    let widths: Vec<f64> = pieces
        .iter()
        .map(|&(a, b, open)| {
            if open {
                (k * (b - a)).max(MIN_OPEN_PX.min(s * (b - a)))
            } else {
                s * (b - a)
            }
        })
        .collect();
    let total: f64 = widths.iter().sum();
    let x = if pieces.is_empty() || total <= 0.0 {
        XAxis::linear(ext.x0, ext.x1, 0.0, avail)
    } else {
        let f = avail / total;
        let mut xs = vec![pieces[0].0];
        let mut ps = vec![0.0];
        let mut p = 0.0;
        for (piece, w) in pieces.iter().zip(&widths) {
            p += w * f;
            xs.push(piece.1);
            ps.push(p);
        }
        XAxis { xs, ps }
    };
    let zoomed = if s > 1.2 * k {
        pieces.iter().filter(|p| !p.2).map(|p| (p.0, p.1)).collect()
    } else {
        Vec::new()
    };
    // Lateral: a·asinh(y/Y0) + b·y, b about the scale of the dense areas (so yards keep
    // their shape), a so that two lanes either side of the axis are `lane_gap` apart.
    let y_span = (ext.y1 - ext.y0).max(1.0);
    let b = (s * avail / total.max(1.0))
        .min(1.5)
        .min(500.0 / y_span)
        .max(0.0);
    let a = ((lane_gap / 2.0 - b * HALF_LANE) / (HALF_LANE / Y0).asinh()).max(0.0);
    Projection {
        x,
        y: YAxis::Stretched { c, a, b },
        zoomed,
    }
}

/// The total width (px) of the labels of the stations in `a..=b` on the busier side of
/// the corridor axis `c`.
fn label_demand(map: &SiteMap, c: f64, a: f64, b: f64) -> f64 {
    let (mut above, mut below) = (0.0, 0.0);
    for st in map.stations() {
        let Some(node) = st.nodes.first().and_then(|n| map.nodes().get(n.0 as usize)) else {
            continue;
        };
        if !(a..=b).contains(&node.position.x) {
            continue;
        }
        let w = text_width(&label_text(st), FONT) + 12.0;
        if node.position.y >= c {
            above += w;
        } else {
            below += w;
        }
    }
    f64::max(above, below)
}

/// The label of a station: its id, and its capacity when above one.
fn label_text(st: &corridor_map::Station) -> String {
    if st.capacity > 1 {
        format!("{} ×{}", st.id, st.capacity)
    } else {
        st.id.clone()
    }
}

/// The true-scale projection of the main panel.
fn true_projection(map: &SiteMap, ext: Extent, avail: f64) -> Projection {
    let s = avail / (ext.x1 - ext.x0);
    Projection {
        x: XAxis::linear(ext.x0, ext.x1, 0.0, avail),
        y: YAxis::Linear {
            c: corridor_axis(map),
            s,
        },
        zoomed: Vec::new(),
    }
}

/// An axis-aligned box in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rect {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Rect {
    fn overlaps(&self, o: &Rect, pad: f64) -> bool {
        self.x0 < o.x1 + pad && o.x0 < self.x1 + pad && self.y0 < o.y1 + pad && o.y0 < self.y1 + pad
    }
}

/// Screen polyline of every lane.
fn screen_lanes(map: &SiteMap, proj: &Projection) -> Vec<Vec<(f64, f64)>> {
    map.lanes()
        .iter()
        .map(|lane| lane.polyline.iter().map(|p| proj.pt(p.x, p.y)).collect())
        .collect()
}

/// The point at fraction `f` of the polyline's screen length, and the unit direction there.
fn along(pts: &[(f64, f64)], f: f64) -> ((f64, f64), (f64, f64)) {
    let total: f64 = pts
        .windows(2)
        .map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1))
        .sum();
    let first = pts.first().copied().unwrap_or((0.0, 0.0));
    if total.is_nan() || total <= 0.0 {
        return (first, (1.0, 0.0));
    }
    let target = f.clamp(0.0, 1.0) * total;
    let mut walked = 0.0;
    let mut last = (first, (1.0, 0.0));
    for w in pts.windows(2) {
        let seg = (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1);
        if seg <= 0.0 {
            continue;
        }
        let dir = ((w[1].0 - w[0].0) / seg, (w[1].1 - w[0].1) / seg);
        if walked + seg >= target {
            let t = target - walked;
            return ((w[0].0 + dir.0 * t, w[0].1 + dir.1 * t), dir);
        }
        walked += seg;
        last = (w[1], dir);
    }
    last
}

/// An arrowhead centred on `p` pointing along `d`.
fn arrow(out: &mut String, p: (f64, f64), d: (f64, f64), colour: &str, size: f64, class: &str) {
    let (l, w) = (size, size * 0.75);
    let tip = (p.0 + d.0 * l / 2.0, p.1 + d.1 * l / 2.0);
    let base = (p.0 - d.0 * l / 2.0, p.1 - d.1 * l / 2.0);
    let n = (-d.1, d.0);
    let _ = writeln!(
        out,
        r#"<path class="{class}arrow" d="M{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} Z" fill="{colour}"/>"#,
        tip.0,
        tip.1,
        base.0 + n.0 * w / 2.0,
        base.1 + n.1 * w / 2.0,
        base.0 - n.0 * w / 2.0,
        base.1 - n.1 * w / 2.0,
    );
}

fn polyline_attr(pts: &[(f64, f64)]) -> String {
    let mut s = String::new();
    for (i, p) in pts.iter().enumerate() {
        let _ = write!(s, "{}{:.1},{:.1}", if i > 0 { " " } else { "" }, p.0, p.1);
    }
    s
}

/// The drawn geometry, for keeping labels off it.
#[derive(Debug, Default)]
struct Obstacles {
    segs: Vec<((f64, f64), (f64, f64))>,
}

impl Obstacles {
    /// The lowest and highest y of the geometry within `x0..=x1`.
    fn extent_in(&self, x0: f64, x1: f64) -> Option<(f64, f64)> {
        let mut r: Option<(f64, f64)> = None;
        for &(a, b) in &self.segs {
            let (lo, hi) = (a.0.min(b.0), a.0.max(b.0));
            if hi < x0 || lo > x1 {
                continue;
            }
            let ys = if b.0 == a.0 {
                [a.1, b.1]
            } else {
                let y_at = |x: f64| {
                    let t = ((x - a.0) / (b.0 - a.0)).clamp(0.0, 1.0);
                    a.1 + t * (b.1 - a.1)
                };
                [y_at(x0.max(lo)), y_at(x1.min(hi))]
            };
            let (ya, yb) = (ys[0].min(ys[1]), ys[0].max(ys[1]));
            r = Some(r.map_or((ya, yb), |(t, u)| (t.min(ya), u.max(yb))));
        }
        r
    }
}

/// A station label to place.
#[derive(Debug, Clone)]
struct Label {
    station: usize,
    text: String,
    anchor: (f64, f64),
    above: bool,
    colour: &'static str,
}

/// A leader line from a station marker to its label.
type Leader = ((f64, f64), (f64, f64));

/// A placed label: its box and its leader line.
#[derive(Debug, Clone)]
struct Placed {
    label: Label,
    rect: Rect,
    leader: Leader,
}

/// Places the labels in rows above and below the drawing, with vertical leaders, so that no
/// box overlaps another box and no leader crosses a box.
///
/// Rows are filled from the drawing outwards. A label goes into the nearest row where its
/// box (centred on its anchor, or shifted so the anchor stays under it) clears the drawing
/// and the boxes of that row, and covers the anchor of no label still waiting for a row:
/// the leaders of those will rise through this row. Dense groups therefore fan out in a
/// staircase, the outer labels nearest; the leftmost waiting label can always go, so every
/// row makes progress. Only anchors closer than [`TIE`] px to each other (no box can hold
/// one without covering the other), or labels squeezed against the edge of a narrow inset
/// (a row that would stay empty takes the first of them anyway), may get a leader through
/// a box.
fn place_labels(
    labels: &[Label],
    obstacles: &Obstacles,
    soft: (f64, f64),
    hard: (f64, f64),
) -> Vec<Placed> {
    let mut placed = Vec::new();
    for above in [true, false] {
        let mut side: Vec<&Label> = labels.iter().filter(|l| l.above == above).collect();
        side.sort_by(|a, b| a.anchor.0.total_cmp(&b.anchor.0));
        place_side(side, obstacles, soft, hard, &mut placed);
    }
    placed
}

/// The box of `label` with its left edge at `x0` in label row `row`, or `None` when that row
/// is too close to the drawing under (or over) the box.
fn row_rect(label: &Label, x0: f64, w: f64, row: usize, obstacles: &Obstacles) -> Option<Rect> {
    let (ax, ay) = label.anchor;
    let x1 = x0 + w;
    let (top, bottom) = obstacles
        .extent_in(x0.min(ax) - 3.0, x1.max(ax) + 3.0)
        .unwrap_or((ay, ay));
    // Rows on a grid anchored on the corridor axis (y = 0).
    let g = row as f64;
    if label.above {
        let limit = top.min(ay - MARKER_R) - CLEAR;
        let first = (-limit / ROW_PITCH).ceil().max(0.0);
        (g >= first).then_some(Rect {
            x0,
            y0: -g * ROW_PITCH - LABEL_H,
            x1,
            y1: -g * ROW_PITCH,
        })
    } else {
        let limit = bottom.max(ay + MARKER_R) + CLEAR;
        let first = (limit / ROW_PITCH).ceil().max(0.0);
        (g >= first).then_some(Rect {
            x0,
            y0: g * ROW_PITCH,
            x1,
            y1: g * ROW_PITCH + LABEL_H,
        })
    }
}

/// Places the labels of one side (sorted by anchor x); see [`place_labels`].
fn place_side(
    mut remaining: Vec<&Label>,
    obstacles: &Obstacles,
    soft: (f64, f64),
    hard: (f64, f64),
    placed: &mut Vec<Placed>,
) {
    let mut row = 0usize;
    while !remaining.is_empty() && row < 100_000 {
        let anchors: Vec<f64> = remaining.iter().map(|l| l.anchor.0).collect();
        let mut in_row: Vec<Rect> = Vec::new();
        let mut waiting: Vec<&Label> = Vec::new();
        // The first label that fits this row but for the anchors its box covers, with its
        // least covering box: placed when the row would stay empty (labels squeezed
        // against the edge of an inset), so that every row makes progress.
        let mut fallback: Option<(usize, usize, Rect)> = None;
        for (i, &label) in remaining.iter().enumerate() {
            let w = text_width(&label.text, FONT) + 8.0;
            let ax = label.anchor.0;
            // Shifts up to the box's edge 3.5 px from the anchor: the leader stays vertical.
            let half = w / 2.0 - 3.5;
            let mut best: Option<(f64, Rect)> = None;
            for k in [0.0, -1.0, 1.0, -2.0, 2.0, -3.0, 3.0] {
                let x0 = (ax - w / 2.0 + k * half / 3.0).clamp(hard.0, (hard.1 - w).max(hard.0));
                let Some(rect) = row_rect(label, x0, w, row, obstacles) else {
                    continue;
                };
                if in_row.iter().any(|r| r.overlaps(&rect, 2.0)) {
                    continue;
                }
                // Anchors nearer than TIE px to this one cannot get a free column anyway.
                let covers = anchors
                    .iter()
                    .filter(|&&x| (x - ax).abs() >= TIE && x > rect.x0 - 1.0 && x < rect.x1 + 1.0)
                    .count();
                if covers > 0 {
                    if fallback.as_ref().is_none_or(|f| f.0 == i && covers < f.1) {
                        fallback = Some((i, covers, rect));
                    }
                    continue;
                }
                let outside = (soft.0 - x0).max(0.0) + (x0 + w - soft.1).max(0.0);
                let cost = (x0 + w / 2.0 - ax).abs() + 3.0 * outside;
                if best.as_ref().is_none_or(|b| cost < b.0) {
                    best = Some((cost, rect));
                }
            }
            match best {
                Some((_, rect)) => {
                    in_row.push(rect);
                    placed.push(placed_label(label, rect));
                }
                None => waiting.push(label),
            }
        }
        if in_row.is_empty()
            && let Some((i, _, rect)) = fallback
            && let Some(&label) = remaining.get(i)
        {
            placed.push(placed_label(label, rect));
            waiting.retain(|l| !std::ptr::eq(*l, label));
        }
        remaining = waiting;
        row += 1;
    }
}

/// A label in its box, with a leader from its marker to the box.
fn placed_label(label: &Label, rect: Rect) -> Placed {
    let (ax, ay) = label.anchor;
    let (start, end) = if label.above {
        (
            (ax, ay - MARKER_R),
            (ax.clamp(rect.x0 + 3.0, rect.x1 - 3.0), rect.y1),
        )
    } else {
        (
            (ax, ay + MARKER_R),
            (ax.clamp(rect.x0 + 3.0, rect.x1 - 3.0), rect.y0),
        )
    };
    Placed {
        label: label.clone(),
        rect,
        leader: (start, end),
    }
}

/// One panel drawn in local coordinates: x from 0 to the available width, y = 0 on the
/// corridor axis.
#[derive(Debug, Default)]
struct Panel {
    body: String,
    top: f64,
    bottom: f64,
    /// The bottom of the drawing proper (above scale bars and axis).
    strip_bottom: f64,
    /// The horizontal extent of the labels.
    x_min: f64,
    x_max: f64,
}

/// What one panel shows and how.
#[derive(Debug, Clone, Copy)]
struct PanelSpec<'a> {
    proj: &'a Projection,
    /// Width of the drawing in pixels.
    avail: f64,
    /// The part of the map shown, in metres (all of it for the main panel).
    window: Extent,
    /// An inset: drawn clipped to `window`, with `inset-` classes and without the
    /// schematic's trimmings (zoom shading, border label, notes).
    inset: bool,
    /// Where label boxes should stay (px), and where they may go at most.
    soft: (f64, f64),
    hard: (f64, f64),
    /// Areas shown again in insets: their window and letter (main panel only).
    tags: &'a [(Extent, char)],
}

impl Extent {
    fn contains(&self, x: f64, y: f64) -> bool {
        (self.x0..=self.x1).contains(&x) && (self.y0..=self.y1).contains(&y)
    }
}

/// The part of segment p–q inside `r`, if any (Liang–Barsky).
fn clip_segment(p: (f64, f64), q: (f64, f64), r: &Rect) -> Option<Leader> {
    let (dx, dy) = (q.0 - p.0, q.1 - p.1);
    let mut t0: f64 = 0.0;
    let mut t1: f64 = 1.0;
    for (den, num) in [
        (-dx, p.0 - r.x0),
        (dx, r.x1 - p.0),
        (-dy, p.1 - r.y0),
        (dy, r.y1 - p.1),
    ] {
        if den == 0.0 {
            if num < 0.0 {
                return None;
            }
        } else {
            let t = num / den;
            if den < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    (t0 < t1).then_some((
        (p.0 + t0 * dx, p.1 + t0 * dy),
        (p.0 + t1 * dx, p.1 + t1 * dy),
    ))
}

/// A panel: the main view (schematic or true scale) or an inset.
fn draw_panel(map: &SiteMap, spec: &PanelSpec<'_>) -> Panel {
    let PanelSpec {
        proj,
        avail,
        window,
        inset,
        ..
    } = *spec;
    let class = if inset { "inset-" } else { "" };
    let mut body = String::new();
    let lanes = screen_lanes(map, proj);
    // The window on screen, for clipping.
    let (wx0, wy0) = proj.pt(window.x0, window.y1);
    let (wx1, wy1) = proj.pt(window.x1, window.y0);
    let screen = Rect {
        x0: wx0.min(wx1),
        y0: wy0.min(wy1),
        x1: wx0.max(wx1),
        y1: wy0.max(wy1),
    };
    let shown = |x: f64, y: f64| !inset || window.contains(x, y);

    // Station markers: stations that share a node are fanned out along x.
    let mut at_node: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (s, st) in map.stations().iter().enumerate() {
        for n in &st.nodes {
            at_node.entry(n.0).or_default().push(s);
        }
    }
    let mut markers: Vec<Vec<(f64, f64)>> = vec![Vec::new(); map.stations().len()];
    for (&n, list) in &at_node {
        let Some(node) = map
            .nodes()
            .get(n as usize)
            .filter(|nd| shown(nd.position.x, nd.position.y))
        else {
            continue;
        };
        let (px, py) = proj.pt(node.position.x, node.position.y);
        let count = list.len() as f64;
        for (i, &s) in list.iter().enumerate() {
            if let Some(m) = markers.get_mut(s) {
                m.push((px + (i as f64 - (count - 1.0) / 2.0) * FAN, py));
            }
        }
    }

    let mut obstacles = Obstacles::default();
    for pts in &lanes {
        for w in pts.windows(2) {
            if !inset {
                obstacles.segs.push((w[0], w[1]));
            } else if let Some(seg) = clip_segment(w[0], w[1], &screen) {
                obstacles.segs.push(seg);
            }
        }
    }
    for m in markers.iter().flatten() {
        obstacles.segs.push((
            (m.0 - MARKER_R, m.1 - MARKER_R),
            (m.0 + MARKER_R, m.1 + MARKER_R),
        ));
    }
    let (geo_top, geo_bottom) = obstacles
        .extent_in(f64::NEG_INFINITY, f64::INFINITY)
        .unwrap_or((0.0, 0.0));

    // Labels: a station with several nodes is labelled at the node whose side of the axis
    // (y = 0 on screen) has the fewest labels nearby.
    let side_of = |m: (f64, f64)| m.1 <= 0.0;
    let mut labels: Vec<Label> = Vec::new();
    let mut order: Vec<usize> = (0..map.stations().len()).collect();
    order.sort_by_key(|&s| markers.get(s).map_or(0, Vec::len));
    for s in order {
        let (Some(st), Some(ms)) = (map.stations().get(s), markers.get(s)) else {
            continue;
        };
        let crowding = |m: (f64, f64)| {
            labels
                .iter()
                .filter(|l| l.above == side_of(m) && (l.anchor.0 - m.0).abs() < 80.0)
                .count()
        };
        let Some(&anchor) = ms.iter().min_by_key(|&&m| crowding(m)) else {
            continue;
        };
        labels.push(Label {
            station: s,
            text: label_text(st),
            anchor,
            above: side_of(anchor),
            colour: kind_colour(st.kind),
        });
    }
    let placed = place_labels(&labels, &obstacles, spec.soft, spec.hard);
    let x_min = placed.iter().map(|p| p.rect.x0).fold(0.0, f64::min);
    let x_max = placed.iter().map(|p| p.rect.x1).fold(avail, f64::max);
    let label_top = placed.iter().map(|p| p.rect.y0).fold(geo_top, f64::min);
    let label_bottom = placed.iter().map(|p| p.rect.y1).fold(geo_bottom, f64::max);
    let top = label_top - 26.0;
    let axis = label_bottom + 22.0;

    // Zoomed areas.
    for &(a, b) in proj.zoomed.iter().filter(|_| !inset) {
        let (xa, xb) = (proj.x.map(a), proj.x.map(b));
        let _ = writeln!(
            body,
            r#"<rect class="zoomed" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{ZOOM_FILL}" opacity="0.6"/>"#,
            xa - 6.0,
            top + 14.0,
            xb - xa + 12.0,
            axis - top - 14.0
        );
    }

    // Chainage grid and axis.
    let ticks = chainage_ticks(&proj.x, window);
    for &(_, px) in &ticks {
        let _ = writeln!(
            body,
            r##"<line x1="{px:.1}" y1="{:.1}" x2="{px:.1}" y2="{axis:.1}" stroke="#d8dde3" stroke-width="0.6"/>"##,
            top + 14.0
        );
    }

    // The drawing proper, clipped to the window in an inset.
    if inset {
        let _ = writeln!(
            body,
            r#"<clipPath id="{}"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"/></clipPath><g clip-path="url(#{})">"#,
            clip_id(window),
            screen.x0,
            screen.y0,
            screen.x1 - screen.x0,
            screen.y1 - screen.y0,
            clip_id(window)
        );
    }

    // Border.
    if let Some((a, b)) = map.border() {
        let (pa, pb) = (proj.pt(a.x, a.y), proj.pt(b.x, b.y));
        border_line(&mut body, pa, pb, (top + 14.0, axis), (0.0, avail));
    }

    // Lanes, then arrows on top.
    let speeds = SpeedClasses::of(map);
    for (lane, pts) in map.lanes().iter().zip(&lanes) {
        let (colour, width, dash) = if lane.two_way {
            (TWO_WAY_COLOUR, 3.0, r#" stroke-dasharray="7 3""#)
        } else {
            (speeds.colour(lane.speed_limit), 1.8, "")
        };
        let _ = writeln!(
            body,
            r#"<polyline class="{class}lane" data-id="{}" points="{}" fill="none" stroke="{colour}" stroke-width="{width}" stroke-linejoin="round"{dash}><title>{} ({:.0} m, {:.1} m/s{})</title></polyline>"#,
            esc(&lane.id),
            polyline_attr(pts),
            esc(&lane.id),
            lane.length,
            lane.speed_limit,
            if lane.two_way { ", two-way" } else { "" }
        );
    }
    for (lane, pts) in map.lanes().iter().zip(&lanes) {
        let (p, d) = along(pts, 0.5);
        if inset && !screen_contains(&screen, p) {
            continue;
        }
        if lane.two_way {
            let off = 6.0;
            arrow(
                &mut body,
                (p.0 + d.0 * off, p.1 + d.1 * off),
                d,
                TWO_WAY_COLOUR,
                10.0,
                class,
            );
            arrow(
                &mut body,
                (p.0 - d.0 * off, p.1 - d.1 * off),
                (-d.0, -d.1),
                TWO_WAY_COLOUR,
                10.0,
                class,
            );
        } else {
            arrow(
                &mut body,
                p,
                d,
                speeds.colour(lane.speed_limit),
                10.0,
                class,
            );
        }
    }

    // Plain nodes.
    for (n, node) in map.nodes().iter().enumerate() {
        if at_node.contains_key(&(n as u32)) || !shown(node.position.x, node.position.y) {
            continue;
        }
        let (px, py) = proj.pt(node.position.x, node.position.y);
        let _ = writeln!(
            body,
            r##"<circle cx="{px:.1}" cy="{py:.1}" r="2" fill="#ffffff" stroke="{LANE_COLOUR}" stroke-width="1"><title>{}</title></circle>"##,
            esc(&node.id)
        );
    }

    // Stations: connectors between the nodes of one station (the shortest tree joining
    // them, so that a yard's bays read as one group without a web of lines), then markers.
    for (st, ms) in map.stations().iter().zip(&markers) {
        for (a, b) in spanning_tree(ms) {
            let _ = writeln!(
                body,
                r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-width="1" stroke-dasharray="2 2" opacity="0.8"/>"#,
                a.0,
                a.1,
                b.0,
                b.1,
                kind_colour(st.kind)
            );
        }
    }
    for (st, ms) in map.stations().iter().zip(&markers) {
        for m in ms {
            let _ = writeln!(
                body,
                r##"<circle class="{class}station" cx="{:.1}" cy="{:.1}" r="{MARKER_R}" fill="{}" stroke="#ffffff" stroke-width="1.2"><title>{} ({}, capacity {})</title></circle>"##,
                m.0,
                m.1,
                kind_colour(st.kind),
                esc(&st.id),
                st.kind.as_str(),
                st.capacity
            );
        }
    }

    if inset {
        body.push_str("</g>\n");
    }
    // Areas shown again in insets.
    for &(w, letter) in spec.tags {
        let (xa, ya) = proj.pt(w.x0, w.y1);
        let (xb, yb) = proj.pt(w.x1, w.y0);
        let _ = writeln!(
            body,
            r##"<rect class="inset-outline" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="#6b7b8c" stroke-width="1" stroke-dasharray="4 3"/><circle cx="{:.1}" cy="{:.1}" r="8" fill="#6b7b8c"/><text class="inset-tag" x="{:.1}" y="{:.1}" font-size="11" font-weight="bold" text-anchor="middle" fill="#ffffff">{letter}</text>"##,
            xa.min(xb) - 4.0,
            ya.min(yb) - 4.0,
            (xb - xa).abs() + 8.0,
            (yb - ya).abs() + 8.0,
            (xa + xb) / 2.0,
            axis - 11.0,
            (xa + xb) / 2.0,
            axis - 7.0
        );
    }

    // Labels.
    for p in &placed {
        let ((sx, sy), (ex, ey)) = p.leader;
        let _ = writeln!(
            body,
            r##"<line class="{class}leader" x1="{sx:.1}" y1="{sy:.1}" x2="{ex:.1}" y2="{ey:.1}" stroke="#8a96a3" stroke-width="0.8"/>"##
        );
        let r = p.rect;
        let name = map
            .stations()
            .get(p.label.station)
            .map_or(String::new(), |s| {
                format!("{} — {}", s.name, kind_name(s.kind))
            });
        let _ = writeln!(
            body,
            r##"<g><title>{}</title><rect class="{class}label-box" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="2" fill="#ffffff" stroke="{}" stroke-width="1"/><text class="{class}station-label" x="{:.1}" y="{:.1}" font-size="{FONT}" text-anchor="middle" fill="#1a1a1a">{}</text></g>"##,
            esc(&name),
            r.x0,
            r.y0,
            r.x1 - r.x0,
            r.y1 - r.y0,
            p.label.colour,
            (r.x0 + r.x1) / 2.0,
            r.y1 - 4.0,
            esc(&p.label.text)
        );
    }

    // Border label, at the top end of the line.
    if let Some((a, b)) = map.border().filter(|_| !inset) {
        let (pa, pb) = (proj.pt(a.x, a.y), proj.pt(b.x, b.y));
        if let Some(x) = x_at(pa, pb, top + 14.0) {
            let _ = writeln!(
                body,
                r#"<text class="border-label" x="{:.1}" y="{:.1}" font-size="12" font-weight="bold" text-anchor="middle" fill="{BORDER_COLOUR}">border</text>"#,
                x.clamp(0.0, avail),
                top + 10.0
            );
        }
    }

    // Axis: line, ticks, breaks, piece scale bars.
    let _ = writeln!(
        body,
        r##"<line x1="0" y1="{axis:.1}" x2="{avail:.1}" y2="{axis:.1}" stroke="#4a5560" stroke-width="1"/>"##
    );
    for &(x, px) in &ticks {
        let _ = writeln!(
            body,
            r##"<line x1="{px:.1}" y1="{axis:.1}" x2="{px:.1}" y2="{:.1}" stroke="#4a5560" stroke-width="1"/><text class="chainage" x="{px:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#4a5560">{}</text>"##,
            axis + 5.0,
            axis + 16.0,
            format_chainage(x)
        );
    }
    let pieces = proj.x.pieces();
    for w in pieces.windows(2) {
        let px = proj.x.map(w[0].1);
        let _ = writeln!(
            body,
            r##"<path class="scale-break" d="M{:.1},{:.1} L{:.1},{:.1} M{:.1},{:.1} L{:.1},{:.1}" stroke="#4a5560" stroke-width="1.2"/>"##,
            px - 5.0,
            axis + 5.0,
            px - 1.0,
            axis - 5.0,
            px + 1.0,
            axis + 5.0,
            px + 5.0,
            axis - 5.0
        );
    }
    let bars_y = axis + 36.0;
    for &(a, b, s) in &pieces {
        let (pa, pb) = (proj.x.map(a), proj.x.map(b));
        if pb - pa < 110.0 {
            continue;
        }
        let metres = nice_length(0.4 * (pb - pa) / s);
        let x0 = (pa + pb) / 2.0 - metres * s / 2.0;
        scale_bar(&mut body, x0, bars_y, metres, s);
    }
    let mut bottom = bars_y + 20.0;
    if !inset {
        let _ = writeln!(
            body,
            r##"<text x="0" y="{:.1}" font-size="10" fill="#4a5560">chainage (km+m) along +x{}</text>"##,
            bottom + 2.0,
            if pieces.len() > 1 {
                "; each piece of constant scale has its own scale bar, // marks a change of scale"
            } else {
                ""
            }
        );
    } else {
        bottom -= 14.0;
    }
    Panel {
        body,
        top,
        bottom: bottom + 6.0,
        strip_bottom: axis,
        x_min,
        x_max,
    }
}

/// The edges of the shortest tree joining `points` (Prim's algorithm; a station has a few
/// nodes).
fn spanning_tree(points: &[(f64, f64)]) -> Vec<Leader> {
    let dist = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).hypot(a.1 - b.1);
    let mut edges = Vec::new();
    let Some(&first) = points.first() else {
        return edges;
    };
    let mut joined = vec![first];
    let mut rest: Vec<(f64, f64)> = points.iter().skip(1).copied().collect();
    while !rest.is_empty() {
        let mut best: Option<(f64, usize, (f64, f64))> = None;
        for (i, &p) in rest.iter().enumerate() {
            for &q in &joined {
                let d = dist(p, q);
                if best.as_ref().is_none_or(|b| d < b.0) {
                    best = Some((d, i, q));
                }
            }
        }
        let Some((_, i, q)) = best else {
            break;
        };
        let p = rest.swap_remove(i);
        edges.push((q, p));
        joined.push(p);
    }
    edges
}

/// Whether `p` lies in `r`.
fn screen_contains(r: &Rect, p: (f64, f64)) -> bool {
    (r.x0..=r.x1).contains(&p.0) && (r.y0..=r.y1).contains(&p.1)
}

/// An id for the clip path of an inset, from its window.
fn clip_id(w: Extent) -> String {
    format!("clip-{:.0}-{:.0}", w.x0 * 10.0, w.x1 * 10.0).replace('-', "m")
}

/// The x where the line through `a` and `b` reaches height `y`.
fn x_at(a: (f64, f64), b: (f64, f64), y: f64) -> Option<f64> {
    if (b.1 - a.1).abs() < 1e-9 {
        return None;
    }
    Some(a.0 + (y - a.1) * (b.0 - a.0) / (b.1 - a.1))
}

/// Draws the border as the line through `a` and `b`, clipped to the band `ys` (or `xs` when
/// it runs along x), dash-dotted as on maps.
fn border_line(out: &mut String, a: (f64, f64), b: (f64, f64), ys: (f64, f64), xs: (f64, f64)) {
    let (p, q) = if (b.1 - a.1).abs() >= (b.0 - a.0).abs() * 0.2 {
        match (x_at(a, b, ys.0), x_at(a, b, ys.1)) {
            (Some(x0), Some(x1)) => ((x0, ys.0), (x1, ys.1)),
            _ => (a, b),
        }
    } else {
        let y_at = |x: f64| {
            if (b.0 - a.0).abs() < 1e-9 {
                a.1
            } else {
                a.1 + (x - a.0) * (b.1 - a.1) / (b.0 - a.0)
            }
        };
        ((xs.0, y_at(xs.0)), (xs.1, y_at(xs.1)))
    };
    let _ = writeln!(
        out,
        r#"<line class="border" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{BORDER_COLOUR}" stroke-width="2" stroke-dasharray="12 4 2 4"/>"#,
        p.0, p.1, q.0, q.1
    );
}

/// Chainage ticks: in each piece of constant scale, every multiple of the smallest round
/// step at least [`TICK_SPACING`] px long; where pieces meet, the coarser tick wins.
fn chainage_ticks(x: &XAxis, ext: Extent) -> Vec<(f64, f64)> {
    const STEPS: [f64; 15] = [
        5.0,
        10.0,
        20.0,
        50.0,
        100.0,
        200.0,
        500.0,
        1000.0,
        2000.0,
        5000.0,
        10_000.0,
        20_000.0,
        50_000.0,
        100_000.0,
        1_000_000.0,
    ];
    // (chainage, coarseness = the largest step it is a multiple of)
    let mut candidates: Vec<(f64, f64)> = Vec::new();
    for (a, b, scale) in x.pieces() {
        let (a, b) = (a.max(ext.x0), b.min(ext.x1));
        let Some(&step) = STEPS.iter().find(|&&st| st * scale >= TICK_SPACING) else {
            continue;
        };
        let mut m = (a / step).ceil() * step;
        while m <= b + 1e-6 {
            let coarse = STEPS
                .iter()
                .rev()
                .find(|&&st| (m / st - (m / st).round()).abs() < 1e-9)
                .copied()
                .unwrap_or(step);
            candidates.push((m, coarse));
            m += step;
        }
    }
    candidates.sort_by(|p, q| q.1.total_cmp(&p.1).then(p.0.total_cmp(&q.0)));
    let mut ticks: Vec<(f64, f64)> = Vec::new();
    for (m, _) in candidates {
        let px = x.map(m);
        if ticks
            .iter()
            .all(|&(_, p)| (p - px).abs() >= TICK_SPACING * 0.8)
        {
            ticks.push((m, px));
        }
    }
    ticks.sort_by(|a, b| a.0.total_cmp(&b.0));
    ticks
}

/// A scale bar of `metres` at `scale` px/m, starting at (`x0`, `y`).
fn scale_bar(out: &mut String, x0: f64, y: f64, metres: f64, scale: f64) {
    let x1 = x0 + metres * scale;
    let _ = writeln!(
        out,
        r##"<g class="scale-bar" data-metres="{metres}" data-px-per-metre="{scale:.6}"><line class="scale-bar" x1="{x0:.2}" y1="{y:.1}" x2="{x1:.2}" y2="{y:.1}" stroke="#1a1a1a" stroke-width="2"/><line x1="{x0:.2}" y1="{:.1}" x2="{x0:.2}" y2="{:.1}" stroke="#1a1a1a" stroke-width="1.5"/><line x1="{x1:.2}" y1="{:.1}" x2="{x1:.2}" y2="{:.1}" stroke="#1a1a1a" stroke-width="1.5"/><text class="scale-label" x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#1a1a1a">{}</text></g>"##,
        y - 4.0,
        y + 4.0,
        y - 4.0,
        y + 4.0,
        (x0 + x1) / 2.0,
        y + 14.0,
        format_length(metres)
    );
}

/// The overview strip: true scale, no labels but the border, scale bar and north arrow.
/// Returns the panel and the map from x (metres) to its local x (px).
fn overview_panel(map: &SiteMap, ext: Extent, avail: f64, zoomed: &[(f64, f64)]) -> (Panel, XAxis) {
    let mut body = String::new();
    let y_span = (ext.y1 - ext.y0).max(1.0);
    let s = (avail / (ext.x1 - ext.x0)).min(180.0 / y_span);
    let ox = (avail - (ext.x1 - ext.x0) * s) / 2.0;
    let ymid = (ext.y0 + ext.y1) / 2.0;
    let px = |x: f64, y: f64| (ox + (x - ext.x0) * s, -(y - ymid) * s);
    let half = (y_span * s / 2.0).max(10.0);
    for &(a, b) in zoomed {
        let (xa, xb) = (px(a, 0.0).0, px(b, 0.0).0);
        let _ = writeln!(
            body,
            r#"<rect class="zoomed" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{ZOOM_FILL}"/>"#,
            xa - 2.0,
            -half - 6.0,
            xb - xa + 4.0,
            2.0 * half + 12.0
        );
    }
    if let Some((a, b)) = map.border() {
        let (pa, pb) = (px(a.x, a.y), px(b.x, b.y));
        border_line(&mut body, pa, pb, (-half - 10.0, half + 10.0), (0.0, avail));
        if let Some(x) = x_at(pa, pb, -half - 10.0) {
            let _ = writeln!(
                body,
                r#"<text class="border-label" x="{:.1}" y="{:.1}" font-size="11" font-weight="bold" text-anchor="middle" fill="{BORDER_COLOUR}">border</text>"#,
                x.clamp(0.0, avail),
                -half - 13.0
            );
        }
    }
    let speeds = SpeedClasses::of(map);
    for lane in map.lanes() {
        let pts: Vec<(f64, f64)> = lane.polyline.iter().map(|p| px(p.x, p.y)).collect();
        let colour = if lane.two_way {
            TWO_WAY_COLOUR
        } else {
            speeds.colour(lane.speed_limit)
        };
        let _ = writeln!(
            body,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="1.2" stroke-linejoin="round"/>"#,
            polyline_attr(&pts)
        );
    }
    for st in map.stations() {
        for n in &st.nodes {
            if let Some(node) = map.nodes().get(n.0 as usize) {
                let (x, y) = px(node.position.x, node.position.y);
                let _ = writeln!(
                    body,
                    r#"<circle cx="{x:.1}" cy="{y:.1}" r="2.2" fill="{}"/>"#,
                    kind_colour(st.kind)
                );
            }
        }
    }
    let bar_y = half + 24.0;
    let metres = nice_length(0.2 * avail / s);
    let _ = writeln!(
        body,
        r##"<g class="overview" data-px-per-metre="{s:.6}"></g>"##
    );
    scale_bar(&mut body, ox, bar_y, metres, s);
    north_arrow(&mut body, map, (ox + (ext.x1 - ext.x0) * s - 14.0, bar_y));
    (
        Panel {
            body,
            top: -half - 28.0,
            bottom: bar_y + 20.0,
            strip_bottom: half + 6.0,
            x_min: 0.0,
            x_max: avail,
        },
        XAxis::linear(ext.x0, ext.x1, ox, ox + (ext.x1 - ext.x0) * s),
    )
}

/// A north arrow at `at`, from the bearing of the map's +x axis.
fn north_arrow(out: &mut String, map: &SiteMap, at: (f64, f64)) {
    let bearing = map.geo().bearing_deg;
    if !bearing.is_finite() {
        return;
    }
    // North is `bearing` degrees counter-clockwise from +x; screen y points down.
    let t = bearing.to_radians();
    let d = (t.cos(), -t.sin());
    let (l, c) = (12.0, at);
    let tip = (c.0 + d.0 * l, c.1 + d.1 * l);
    let tail = (c.0 - d.0 * l * 0.6, c.1 - d.1 * l * 0.6);
    let _ = writeln!(
        out,
        r##"<g class="north"><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#1a1a1a" stroke-width="1.5"/><path d="M{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} Z" fill="#1a1a1a"/><text x="{:.1}" y="{:.1}" font-size="11" font-weight="bold" text-anchor="middle" fill="#1a1a1a">N</text></g>"##,
        tail.0,
        tail.1,
        tip.0,
        tip.1,
        tip.0 + d.0 * 4.0,
        tip.1 + d.1 * 4.0,
        tip.0 - d.1 * 4.0 - d.0 * 4.0,
        tip.1 + d.0 * 4.0 - d.1 * 4.0,
        tip.0 + d.1 * 4.0 - d.0 * 4.0,
        tip.1 - d.0 * 4.0 - d.1 * 4.0,
        c.0 - 14.0,
        c.1 + 4.0
    );
}

/// The speed limits of the one-way lanes, as at most four classes with their colours.
#[derive(Debug, Clone)]
struct SpeedClasses {
    /// Distinct speed limits in m/s (to 0.1 m/s), fastest first; the last class also holds
    /// every slower limit when `merged`.
    limits: Vec<f64>,
    merged: bool,
}

impl SpeedClasses {
    fn of(map: &SiteMap) -> SpeedClasses {
        let mut limits: Vec<f64> = map
            .lanes()
            .iter()
            .filter(|l| !l.two_way && l.speed_limit.is_finite())
            .map(|l| (l.speed_limit * 10.0).round() / 10.0)
            .collect();
        limits.sort_by(|a, b| b.total_cmp(a));
        limits.dedup();
        let merged = limits.len() > SPEED_COLOURS.len();
        limits.truncate(SPEED_COLOURS.len());
        SpeedClasses { limits, merged }
    }

    /// The colour of a one-way lane with this speed limit.
    fn colour(&self, speed: f64) -> &'static str {
        let speed = (speed * 10.0).round() / 10.0;
        let i = self
            .limits
            .iter()
            .position(|&l| speed >= l - 1e-9)
            .unwrap_or(self.limits.len().saturating_sub(1));
        SPEED_COLOURS.get(i).copied().unwrap_or(LANE_COLOUR)
    }
}

/// The legend: one entry per station kind present, then the lane and border symbols.
/// Returns the SVG and its height.
fn legend(map: &SiteMap, avail: f64) -> (String, f64) {
    let mut counts: BTreeMap<StationKind, usize> = BTreeMap::new();
    for st in map.stations() {
        *counts.entry(st.kind).or_default() += 1;
    }
    let mut items: Vec<(String, String)> = Vec::new();
    for kind in StationKind::ALL {
        if let Some(n) = counts.get(&kind) {
            let text = format!("{} ({n})", kind_name(kind));
            items.push((
                format!(
                    r##"<circle cx="6" cy="-4" r="{MARKER_R}" fill="{}" stroke="#ffffff"/>"##,
                    kind_colour(kind)
                ),
                text,
            ));
        }
    }
    let speeds = SpeedClasses::of(map);
    let classes = speeds.limits.len();
    for (i, &limit) in speeds.limits.iter().enumerate() {
        let colour = SPEED_COLOURS.get(i).copied().unwrap_or(LANE_COLOUR);
        let mut symbol = format!(
            r#"<line x1="0" y1="-4" x2="22" y2="-4" stroke="{colour}" stroke-width="1.8"/>"#
        );
        let mut a = String::new();
        arrow(&mut a, (11.0, -4.0), (1.0, 0.0), colour, 9.0, "legend-");
        symbol.push_str(&a);
        let km_h = format!("{:.0} km/h", limit * 3.6);
        let text = match (classes, i + 1 == classes && speeds.merged) {
            (1, _) => format!("one-way lane, {km_h}"),
            (_, true) => format!("one-way lane, ≤ {km_h}"),
            _ => format!("one-way lane, {km_h}"),
        };
        items.push((symbol, text));
    }
    if map.lanes().iter().any(|l| l.two_way) {
        let mut two = format!(
            r#"<line x1="0" y1="-4" x2="22" y2="-4" stroke="{TWO_WAY_COLOUR}" stroke-width="3" stroke-dasharray="7 3"/>"#
        );
        let mut a = String::new();
        arrow(
            &mut a,
            (16.0, -4.0),
            (1.0, 0.0),
            TWO_WAY_COLOUR,
            8.0,
            "legend-",
        );
        arrow(
            &mut a,
            (6.0, -4.0),
            (-1.0, 0.0),
            TWO_WAY_COLOUR,
            8.0,
            "legend-",
        );
        two.push_str(&a);
        items.push((two, "two-way lane (head-on)".into()));
    }
    if map.border().is_some() {
        items.push((
            format!(
                r#"<line x1="0" y1="-4" x2="22" y2="-4" stroke="{BORDER_COLOUR}" stroke-width="2" stroke-dasharray="12 4 2 4"/>"#
            ),
            "border".into(),
        ));
    }
    let mut out = String::from("<g class=\"legend\">\n");
    let (mut x, mut y) = (0.0, 0.0);
    for (symbol, text) in items {
        let w = 30.0 + text_width(&text, 12.0) + 18.0;
        if x > 0.0 && x + w > avail {
            x = 0.0;
            y += 20.0;
        }
        let _ = writeln!(
            out,
            r##"<g transform="translate({x:.1},{y:.1})">{symbol}<text x="28" y="0" font-size="12" fill="#1a1a1a">{}</text></g>"##,
            esc(&text)
        );
        x += w;
    }
    out.push_str("</g>\n");
    (out, y + 20.0)
}

/// Draws `map` as a stand-alone SVG document (see the module documentation for the view).
pub fn render_svg(map: &SiteMap, options: &RenderOptions) -> String {
    let width = if options.width.is_finite() {
        options.width.clamp(MIN_WIDTH, MAX_WIDTH)
    } else {
        1800.0
    };
    let lane_gap = if options.lane_gap.is_finite() {
        options.lane_gap.clamp(1.0, 500.0)
    } else {
        40.0
    };
    let avail = width - 2.0 * MARGIN;
    let ext = extent(map);
    let proj = match options.view {
        View::Schematic => schematic_projection(map, ext, avail, lane_gap),
        View::TrueScale => true_projection(map, ext, avail),
    };

    let mut body = String::new();
    let mut underlay = String::new();
    let two_way = map.lanes().iter().filter(|l| l.two_way).count();
    let mut y = text_block(
        &mut body,
        map.name(),
        (MARGIN, 34.0),
        avail,
        22.0,
        r##"class="title" font-weight="bold" fill="#1a1a1a""##,
    );
    let summary = format!(
        "{} nodes · {} lanes ({} two-way), {:.2} km of lane · {} stations · x from {:.0} to {:.0} m",
        map.nodes().len(),
        map.lanes().len(),
        two_way,
        map.total_lane_length() / 1000.0,
        map.stations().len(),
        ext.x0,
        ext.x1
    );
    y = text_block(
        &mut body,
        &summary,
        (MARGIN, y - 6.0),
        avail,
        12.0,
        r##"fill="#4a5560""##,
    );
    y -= 4.0;
    let (legend_svg, legend_h) = legend(map, avail);
    let _ = writeln!(
        body,
        r#"<g transform="translate({MARGIN},{:.1})">{legend_svg}</g>"#,
        y + 14.0
    );
    y += legend_h + 16.0;

    let windows = inset_windows(map, ext);
    let tags: Vec<(Extent, char)> = windows.iter().copied().zip('A'..='Z').collect();
    let main = draw_panel(
        map,
        &PanelSpec {
            proj: &proj,
            avail,
            window: ext,
            inset: false,
            soft: (-MARGIN + 4.0, avail + MARGIN - 4.0),
            hard: (-MARGIN - OUTSIDE, avail + MARGIN + OUTSIDE),
            tags: &tags,
        },
    );
    match options.view {
        View::Schematic => {
            let (overview, ox) = overview_panel(map, ext, avail, &proj.zoomed);
            let s = ox.scale(0);
            let _ = writeln!(
                body,
                r##"<text class="panel-title" x="{MARGIN}" y="{:.1}" font-size="14" font-weight="bold" fill="#1a1a1a">Overview — true scale (1 px = {:.1} m)</text>"##,
                y + 14.0,
                1.0 / s
            );
            y += 20.0;
            let oy = y - overview.top;
            let strip_bottom = oy + overview.strip_bottom;
            y = oy + overview.bottom + 46.0;
            let _ = writeln!(
                body,
                r##"<text class="panel-title" x="{MARGIN}" y="{y:.1}" font-size="14" font-weight="bold" fill="#1a1a1a">Schematic — not to scale</text>"##,
            );
            let how = format!(
                "lanes 3.75 m apart drawn {lane_gap:.0} px apart{}",
                scale_summary(&proj)
            );
            y = text_block(
                &mut body,
                &how,
                (MARGIN, y + 17.0),
                avail,
                12.0,
                r##"fill="#4a5560""##,
            );
            y -= 6.0;
            let my = y - main.top;
            // Funnels from the overview's shaded areas to the schematic's, under both.
            let mut funnels = String::new();
            for &(a, b) in &proj.zoomed {
                let _ = writeln!(
                    funnels,
                    r#"<path class="funnel" d="M{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} Z" fill="{ZOOM_FILL}" opacity="0.7"/>"#,
                    MARGIN + ox.map(a) - 2.0,
                    strip_bottom,
                    MARGIN + ox.map(b) + 2.0,
                    strip_bottom,
                    MARGIN + proj.x.map(b) + 6.0,
                    y + 14.0,
                    MARGIN + proj.x.map(a) - 6.0,
                    y + 14.0,
                );
            }
            underlay.push_str(&funnels);
            let _ = writeln!(
                body,
                r#"<g transform="translate({MARGIN},{oy:.1})">{}</g>"#,
                overview.body
            );
            let _ = writeln!(
                body,
                r#"<g transform="translate({MARGIN},{my:.1})">{}</g>"#,
                main.body
            );
            y = my + main.bottom;
        }
        View::TrueScale => {
            let _ = writeln!(
                body,
                r##"<text class="panel-title" x="{MARGIN}" y="{:.1}" font-size="14" font-weight="bold" fill="#1a1a1a">True scale (1 px = {:.2} m)</text>"##,
                y + 14.0,
                1.0 / proj.x.scale(0)
            );
            y += 22.0;
            let my = y - main.top;
            let _ = writeln!(
                body,
                r#"<g transform="translate({MARGIN},{my:.1})">{}</g>"#,
                main.body
            );
            y = my + main.bottom;
        }
    }
    y = insets(&mut body, map, &tags, avail, y + 10.0);
    let height = (y + 12.0).ceil();
    // Labels that had to leave the margins widen the view box; the picture keeps the width
    // asked for and scales down a little.
    let vx0 = (MARGIN + main.x_min - 6.0).min(0.0).floor();
    let vx1 = (MARGIN + main.x_max + 6.0).max(width).ceil();
    let shown_height = (height * width / (vx1 - vx0)).ceil();
    let mut svg = String::with_capacity(body.len() + underlay.len() + 512);
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{shown_height:.0}" viewBox="{vx0:.0} 0 {:.0} {height:.0}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif">"#,
        vx1 - vx0
    );
    let _ = writeln!(svg, "<title>{}</title>", esc(map.name()));
    let _ = writeln!(
        svg,
        r##"<rect x="{vx0:.0}" y="0" width="{:.0}" height="{height:.0}" fill="#ffffff"/>"##,
        vx1 - vx0
    );
    svg.push_str(&underlay);
    svg.push_str(&body);
    svg.push_str("</svg>\n");
    svg
}

/// Areas worth an inset at true scale: groups of nodes or lane points more than
/// [`INSET_LATERAL`] m off the corridor axis (yards, spurs: the schematic squeezes them)
/// with a station or at least three nodes, as windows in metres with
/// a margin, left to right, at most 6; none wider than 40 % of the site.
fn inset_windows(map: &SiteMap, ext: Extent) -> Vec<Extent> {
    let c = corridor_axis(map);
    let mut far: Vec<f64> = map
        .nodes()
        .iter()
        .map(|n| (n.position.x, n.position.y))
        .chain(
            map.lanes()
                .iter()
                .flat_map(|l| l.polyline.iter().map(|p| (p.x, p.y))),
        )
        .filter(|&(x, y)| (y - c).abs() > INSET_LATERAL && x.is_finite())
        .map(|(x, _)| x)
        .collect();
    far.sort_by(f64::total_cmp);
    let mut groups: Vec<(f64, f64)> = Vec::new();
    for x in far {
        match groups.last_mut() {
            Some(g) if x - g.1 <= 150.0 => g.1 = x,
            _ => groups.push((x, x)),
        }
    }
    let mut windows: Vec<Extent> = Vec::new();
    for (a, b) in groups {
        let (a, b) = (a - 25.0, b + 25.0);
        let inside = |x: f64| (a..=b).contains(&x);
        let nodes = map.nodes().iter().filter(|n| inside(n.position.x)).count();
        let station = map.stations().iter().any(|st| {
            st.nodes.iter().any(|n| {
                map.nodes()
                    .get(n.0 as usize)
                    .is_some_and(|nd| inside(nd.position.x))
            })
        });
        if nodes < 3 && !station {
            continue;
        }
        let ys = map
            .nodes()
            .iter()
            .map(|n| (n.position.x, n.position.y))
            .chain(
                map.lanes()
                    .iter()
                    .flat_map(|l| l.polyline.iter().map(|p| (p.x, p.y))),
            )
            .filter(|&(x, y)| inside(x) && y.is_finite())
            .map(|(_, y)| y);
        let (y0, y1) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
            (lo.min(y), hi.max(y))
        });
        if !(y0.is_finite() && y1.is_finite()) {
            continue;
        }
        let pad = (0.08 * (b - a).max(y1 - y0)).max(8.0);
        let w = Extent {
            x0: a - pad,
            x1: b + pad,
            y0: y0 - pad,
            y1: y1 + pad,
        };
        match windows.last_mut() {
            Some(last) if last.x1 >= w.x0 => {
                last.x1 = last.x1.max(w.x1);
                last.y0 = last.y0.min(w.y0);
                last.y1 = last.y1.max(w.y1);
            }
            _ => windows.push(w),
        }
    }
    // An inset as wide as much of the site would repeat the main panel at a similar scale.
    let span = ext.x1 - ext.x0;
    windows.retain(|w| w.x1 - w.x0 <= 0.4 * span);
    windows.truncate(6);
    windows
}

/// The usual prefix (before the first `-`) of the ids of the stations inside `w`: `VY`.
fn area_name(map: &SiteMap, w: Extent) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for st in map.stations() {
        let inside = st.nodes.iter().any(|n| {
            map.nodes()
                .get(n.0 as usize)
                .is_some_and(|nd| w.contains(nd.position.x, nd.position.y))
        });
        if inside {
            let prefix = st.id.split('-').next().unwrap_or(&st.id);
            *counts.entry(prefix).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(_, n)| n)
        .map(|(p, _)| p.to_string())
}

/// Draws the insets (true scale, in rows of up to three) from `y`; returns the y below them.
fn insets(body: &mut String, map: &SiteMap, tags: &[(Extent, char)], avail: f64, y: f64) -> f64 {
    const GAP: f64 = 28.0;
    let mut y = y;
    for row in tags.chunks(3) {
        let n = row.len() as f64;
        let slot = ((avail - GAP * (n - 1.0)) / n).min(avail / 2.0);
        let mut row_bottom = y;
        for (i, &(w, letter)) in row.iter().enumerate() {
            let (xspan, yspan) = (w.x1 - w.x0, (w.y1 - w.y0).max(1.0));
            let s = ((slot - 40.0) / xspan)
                .min(INSET_HEIGHT / yspan)
                .clamp(0.05, 8.0);
            let dw = xspan * s;
            let proj = Projection {
                x: XAxis::linear(w.x0, w.x1, 0.0, dw),
                y: YAxis::Linear {
                    c: (w.y0 + w.y1) / 2.0,
                    s,
                },
                zoomed: Vec::new(),
            };
            let spare = (slot - dw) / 2.0;
            let panel = draw_panel(
                map,
                &PanelSpec {
                    proj: &proj,
                    avail: dw,
                    window: w,
                    inset: true,
                    soft: (-spare + 4.0, dw + spare - 4.0),
                    hard: (-spare + 2.0, dw + spare - 2.0),
                    tags: &[],
                },
            );
            let x = MARGIN + i as f64 * (slot + GAP);
            let mut title = format!("{letter}");
            if let Some(name) = area_name(map, w) {
                title += &format!(" — {name}");
            }
            title += &format!(
                ": x = {:.0} … {:.0} m, true scale 1 px = {:.2} m",
                w.x0,
                w.x1,
                1.0 / s
            );
            let after = text_block(
                body,
                &title,
                (x, y + 14.0),
                slot,
                13.0,
                r##"class="inset-title" font-weight="bold" fill="#1a1a1a""##,
            );
            let py = after - panel.top;
            let _ = writeln!(
                body,
                r#"<g class="inset" transform="translate({:.1},{py:.1})">{}</g>"#,
                x + spare,
                panel.body
            );
            row_bottom = row_bottom.max(py + panel.bottom);
        }
        y = row_bottom + 16.0;
    }
    y
}

/// Writes `text` as lines of `<text>` no wider than `max_px` (words are not split), the
/// first baseline at `at`; returns the baseline after the last line.
fn text_block(
    out: &mut String,
    text: &str,
    at: (f64, f64),
    max_px: f64,
    font: f64,
    attrs: &str,
) -> f64 {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if text_width(&format!("{line} {word}"), font) <= max_px => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    let mut y = at.1;
    for line in lines {
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{y:.1}" font-size="{font}" {attrs}>{}</text>"#,
            at.0,
            esc(&line)
        );
        y += font * 1.35;
    }
    y
}

/// How the schematic's x axis is scaled, in words: `; open road 1 px = 5.5 m, shaded
/// areas 1 px = 0.8–1.0 m`.
fn scale_summary(proj: &Projection) -> String {
    let zoomed: Vec<f64> = proj
        .zoomed
        .iter()
        .map(|&(a, b)| (proj.x.map(b) - proj.x.map(a)) / (b - a))
        .filter(|s| s.is_finite() && *s > 0.0)
        .collect();
    let in_zoom = |x: f64| proj.zoomed.iter().any(|&(a, b)| x > a && x < b);
    let open = proj
        .x
        .pieces()
        .into_iter()
        .filter(|p| !in_zoom((p.0 + p.1) / 2.0))
        .max_by(|p, q| (p.1 - p.0).total_cmp(&(q.1 - q.0)));
    let mut out = String::new();
    if let (Some(open), false) = (open, zoomed.is_empty()) {
        let _ = write!(out, "; open road 1 px = {:.1} m", 1.0 / open.2);
        let lo = zoomed.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = zoomed.iter().copied().fold(0.0, f64::max);
        if hi - lo > 0.02 * hi {
            let _ = write!(
                out,
                ", shaded areas 1 px = {:.1}–{:.1} m",
                1.0 / hi,
                1.0 / lo
            );
        } else {
            let _ = write!(out, ", shaded areas 1 px = {:.1} m", 1.0 / hi);
        }
    } else {
        let _ = write!(out, "; along x 1 px = {:.1} m", 1.0 / proj.x.scale(0));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const VEHICLE: &str = r#"
[[vehicle]]
id = "igv"
length = 15.6
width = 3.0
max_speed = 6.1
acceleration = 0.5
service_brake = 0.8
emergency_brake = 2.5
min_gap = 5.0
time_gap = 2.0
battery_kwh = 290.0
consumption_empty_kwh_per_km = 2.0
consumption_loaded_kwh_per_km = 3.0
"#;

    /// A 3 km corridor: export lane at y = −1.875, import lane at +1.875, a yard loop at
    /// each end, a two-way charger spur, stations sharing nodes, a border at x = 500.
    fn corridor_toml(name: &str) -> String {
        let mut t = format!(
            "[site]\nname = {name:?}\norigin_lat = 21.97\norigin_lon = 106.70\n\
             speed_limit = 6.1\nborder = [[500.0, -40.0], [500.0, 40.0]]\n"
        );
        let nodes = [
            ("E0", 0.0, -HALF_LANE),
            ("E1", 60.0, -HALF_LANE),
            ("E2", 200.0, -HALF_LANE),
            ("EB", 500.0, -HALF_LANE),
            ("E3", 3000.0, -HALF_LANE),
            ("I3", 3000.0, HALF_LANE),
            ("IB", 500.0, HALF_LANE),
            ("I2", 200.0, HALF_LANE),
            ("I1", 60.0, HALF_LANE),
            ("I0", 0.0, HALF_LANE),
            ("VYB", -80.0, 0.0),
            ("CYB", 3080.0, 0.0),
            ("CC", 3120.0, 0.0),
        ];
        for (id, x, y) in nodes {
            t += &format!("[[node]]\nid = \"{id}\"\nx = {x:?}\ny = {y:?}\n");
        }
        let lanes = [
            ("E0", "E1", ""),
            ("E1", "E2", ""),
            ("E2", "EB", ""),
            ("EB", "E3", ""),
            ("I3", "IB", ""),
            ("IB", "I2", ""),
            ("I2", "I1", ""),
            ("I1", "I0", ""),
            ("I0", "VYB", "polyline = [[0.0, 30.0], [-80.0, 30.0]]"),
            ("VYB", "E0", "polyline = [[-80.0, -30.0], [0.0, -30.0]]"),
            ("E3", "CYB", "polyline = [[3000.0, -30.0], [3080.0, -30.0]]"),
            ("CYB", "I3", "polyline = [[3080.0, 30.0], [3000.0, 30.0]]"),
            ("CYB", "CC", "two_way = true"),
        ];
        for (from, to, extra) in lanes {
            t += &format!("[[lane]]\nfrom = \"{from}\"\nto = \"{to}\"\n{extra}\n");
        }
        let stations = [
            ("B1-E-gate", "gate", "E1", 1),
            ("B1-E-scale", "scale", "E1", 1),
            ("B1-I-gate", "gate", "I1", 1),
            ("VX", "xray", "I2", 1),
            ("CX", "xray", "E2", 1),
            ("BM-E", "border_marker", "EB", 1),
            ("BM-I", "border_marker", "IB", 1),
            ("VY-bays", "yard_bay", "VYB", 4),
            ("VY-crane", "crane", "VYB", 1),
            ("CY-bays", "yard_bay", "CYB", 4),
            ("CC-charger", "charger", "CC", 3),
        ];
        for (id, kind, node, cap) in stations {
            t += &format!(
                "[[station]]\nid = \"{id}\"\nkind = \"{kind}\"\nnodes = [\"{node}\"]\n\
                 capacity = {cap}\nservice = {{ dist = \"fixed\", seconds = 30 }}\n"
            );
        }
        t + VEHICLE
    }

    fn corridor(name: &str) -> SiteMap {
        match SiteMap::from_toml_str(&corridor_toml(name), "corridor.toml") {
            Ok(m) => m,
            Err(e) => panic!("test map: {e}"),
        }
    }

    /// The corridor with `extra` more stations at the gates (x = 60 and 200, both lanes).
    fn busy_corridor(extra: usize) -> SiteMap {
        let mut t = corridor_toml("busy corridor");
        for k in 0..extra {
            let node = ["E1", "I1", "E2", "I2"][k % 4];
            t += &format!(
                "[[station]]\nid = \"extra-station-{k:02}\"\nkind = \"scale\"\n\
                 nodes = [\"{node}\"]\nservice = {{ dist = \"fixed\", seconds = 30 }}\n"
            );
        }
        match SiteMap::from_toml_str(&t, "busy.toml") {
            Ok(m) => m,
            Err(e) => panic!("busy map: {e}"),
        }
    }

    /// A crowded yard: 24 stations on 12 nodes 30 m apart, both sides of one loop.
    fn crowded() -> SiteMap {
        let mut t = String::from(
            "[site]\nname = \"crowded yard\"\norigin_lat = 21.97\norigin_lon = 106.70\n\
             speed_limit = 3.0\n",
        );
        let n = 6;
        for i in 0..n {
            let x = 30.0 * i as f64;
            t += &format!("[[node]]\nid = \"S{i}\"\nx = {x:?}\ny = -20.0\n");
            t += &format!("[[node]]\nid = \"N{i}\"\nx = {x:?}\ny = 20.0\n");
        }
        for i in 0..n - 1 {
            t += &format!("[[lane]]\nfrom = \"S{i}\"\nto = \"S{}\"\n", i + 1);
            t += &format!("[[lane]]\nfrom = \"N{}\"\nto = \"N{i}\"\n", i + 1);
        }
        t += &format!("[[lane]]\nfrom = \"S{}\"\nto = \"N{}\"\n", n - 1, n - 1);
        t += "[[lane]]\nfrom = \"N0\"\nto = \"S0\"\n";
        for i in 0..n {
            for (side, kind) in [("S", "yard_bay"), ("N", "crane")] {
                for k in 0..2 {
                    t += &format!(
                        "[[station]]\nid = \"{side}{i}-{kind}-{k}\"\nkind = \"{kind}\"\n\
                         nodes = [\"{side}{i}\"]\nservice = {{ dist = \"fixed\", seconds = 1 }}\n"
                    );
                }
            }
        }
        match SiteMap::from_toml_str(&(t + VEHICLE), "crowded.toml") {
            Ok(m) => m,
            Err(e) => panic!("crowded map: {e}"),
        }
    }

    /// Both views at the default width.
    fn both_views() -> [RenderOptions; 2] {
        both_views_at(RenderOptions::default().width)
    }

    fn both_views_at(width: f64) -> [RenderOptions; 2] {
        [
            RenderOptions {
                width,
                ..RenderOptions::default()
            },
            RenderOptions {
                width,
                view: View::TrueScale,
                ..RenderOptions::default()
            },
        ]
    }

    /// The test maps and their widths: the crowded yard on the narrowest picture (about
    /// 2 px/m).
    fn maps() -> [(SiteMap, f64); 3] {
        [
            (corridor("corridor"), 1800.0),
            (busy_corridor(20), 1200.0),
            (crowded(), MIN_WIDTH),
        ]
    }

    /// Every opening tag `<name ...>` (not self-closed) is closed in order; no stray `<`.
    fn assert_well_formed(svg: &str) {
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>\n"));
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = svg;
        while let Some(open) = rest.find('<') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('>') else {
                panic!("unclosed tag near {:?}", &after[..after.len().min(60)]);
            };
            let tag = &after[..close];
            assert!(!tag.contains('<'), "'<' inside a tag: {tag:?}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name), "mismatched </{name}>");
            } else if !tag.ends_with('/') {
                let name = tag.split_whitespace().next().unwrap_or("");
                stack.push(name);
            }
            let text = &after[close + 1..];
            let next = text.find('<').unwrap_or(text.len());
            for (i, _) in text[..next].match_indices('&') {
                let entity = &text[i..next.min(i + 7)];
                assert!(
                    ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                        .iter()
                        .any(|e| entity.starts_with(e)),
                    "bare & in text: {entity:?}"
                );
            }
            rest = text;
        }
        assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    }

    /// The start tags of the elements with `class="{class}"`.
    fn tags<'a>(svg: &'a str, element: &str, class: &str) -> Vec<&'a str> {
        let needle = format!("<{element} class=\"{class}\"");
        svg.match_indices(&needle)
            .map(|(i, _)| {
                let t = &svg[i..];
                &t[..t.find('>').unwrap_or(t.len())]
            })
            .collect()
    }

    fn attr(tag: &str, name: &str) -> f64 {
        let needle = format!(" {name}=\"");
        let Some(i) = tag.find(&needle) else {
            panic!("no {name} in {tag}");
        };
        let v = &tag[i + needle.len()..];
        let v = &v[..v.find('"').unwrap_or(v.len())];
        v.parse().unwrap_or_else(|e| panic!("{name}={v:?}: {e}"))
    }

    /// The text content of the elements with `class="{class}"`.
    fn texts(svg: &str, class: &str) -> Vec<String> {
        let needle = format!("class=\"{class}\"");
        svg.match_indices(&needle)
            .map(|(i, _)| {
                let t = &svg[i..];
                let start = t.find('>').map_or(0, |j| j + 1);
                let end = t.find("</").unwrap_or(t.len());
                t[start..end].to_string()
            })
            .collect()
    }

    /// Whether the segment p–q passes through the box (Liang–Barsky).
    fn hit_by(r: &Rect, p: (f64, f64), q: (f64, f64)) -> bool {
        let (dx, dy) = (q.0 - p.0, q.1 - p.1);
        let mut t0: f64 = 0.0;
        let mut t1: f64 = 1.0;
        for (den, num) in [
            (-dx, p.0 - r.x0),
            (dx, r.x1 - p.0),
            (-dy, p.1 - r.y0),
            (dy, r.y1 - p.1),
        ] {
            if den == 0.0 {
                if num < 0.0 {
                    return false;
                }
            } else {
                let t = num / den;
                if den < 0.0 {
                    t0 = t0.max(t);
                } else {
                    t1 = t1.min(t);
                }
            }
        }
        t0 < t1
    }

    fn label_boxes(svg: &str) -> Vec<Rect> {
        tags(svg, "rect", "label-box")
            .into_iter()
            .map(|t| {
                let (x, y) = (attr(t, "x"), attr(t, "y"));
                Rect {
                    x0: x,
                    y0: y,
                    x1: x + attr(t, "width"),
                    y1: y + attr(t, "height"),
                }
            })
            .collect()
    }

    #[test]
    fn svg_is_well_formed() {
        for (map, width) in maps() {
            for options in both_views_at(width) {
                assert_well_formed(&render_svg(&map, &options));
            }
        }
    }

    #[test]
    fn title_is_the_escaped_site_name() {
        let svg = render_svg(&corridor("Hữu Nghị <A&B>"), &RenderOptions::default());
        assert_well_formed(&svg);
        assert_eq!(texts(&svg, "title"), vec!["Hữu Nghị &lt;A&amp;B&gt;"]);
    }

    #[test]
    fn every_station_is_labelled_once() {
        for (map, width) in maps() {
            for options in both_views_at(width) {
                let svg = render_svg(&map, &options);
                let labels = texts(&svg, "station-label");
                assert_eq!(labels.len(), map.stations().len());
                for st in map.stations() {
                    let n = labels
                        .iter()
                        .filter(|l| l.split(' ').next() == Some(st.id.as_str()))
                        .count();
                    assert_eq!(n, 1, "{} in {labels:?}", st.id);
                }
                // Capacities above one are shown.
                if map.name() == "corridor" {
                    assert!(labels.contains(&"CC-charger ×3".to_string()), "{labels:?}");
                }
            }
        }
    }

    #[test]
    fn labels_do_not_overlap() {
        for (map, width) in maps() {
            for options in both_views_at(width) {
                let svg = render_svg(&map, &options);
                let boxes = label_boxes(&svg);
                assert_eq!(boxes.len(), map.stations().len());
                for (i, a) in boxes.iter().enumerate() {
                    for b in &boxes[i + 1..] {
                        assert!(!a.overlaps(b, 0.0), "{a:?} overlaps {b:?}");
                    }
                }
                // No leader crosses another label's box, unless their markers are less than
                // TIE px apart (then no box can hold one without covering the other).
                let leaders: Vec<Leader> = tags(&svg, "line", "leader")
                    .into_iter()
                    .map(|t| {
                        (
                            (attr(t, "x1"), attr(t, "y1")),
                            (attr(t, "x2"), attr(t, "y2")),
                        )
                    })
                    .collect();
                assert_eq!(leaders.len(), boxes.len());
                for (i, l) in leaders.iter().enumerate() {
                    for (j, b) in boxes.iter().enumerate() {
                        let shrunk = Rect {
                            x0: b.x0 + 0.5,
                            y0: b.y0 + 0.5,
                            x1: b.x1 - 0.5,
                            y1: b.y1 - 0.5,
                        };
                        let tied = (l.0.0 - leaders[j].0.0).abs() < TIE;
                        assert!(
                            i == j || tied || !hit_by(&shrunk, l.0, l.1),
                            "{}, {:?}: leader {i} crosses box {j}",
                            map.name(),
                            options.view
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn one_arrow_per_lane_direction() {
        let map = corridor("corridor");
        let directions = map.lanes().len() + map.lanes().iter().filter(|l| l.two_way).count();
        assert_eq!(directions, 14);
        for options in both_views() {
            let svg = render_svg(&map, &options);
            assert_eq!(tags(&svg, "path", "arrow").len(), directions);
        }
    }

    #[test]
    fn two_way_lanes_are_marked() {
        let svg = render_svg(&corridor("corridor"), &RenderOptions::default());
        let two_way: Vec<&str> = tags(&svg, "polyline", "lane")
            .into_iter()
            .filter(|t| t.contains(TWO_WAY_COLOUR))
            .collect();
        assert_eq!(two_way.len(), 1);
        assert!(two_way[0].contains("data-id=\"CYB-CC\""));
        assert!(svg.contains("two-way lane"), "legend entry");
    }

    #[test]
    fn legend_lists_the_kinds_present_with_their_colours() {
        let svg = render_svg(&corridor("corridor"), &RenderOptions::default());
        let legend = &svg[svg.find("<g class=\"legend\">").unwrap_or(0)..];
        let legend = &legend[..legend.find("</g>\n</g>").unwrap_or(legend.len())];
        for kind in [
            StationKind::Gate,
            StationKind::Scale,
            StationKind::Xray,
            StationKind::YardBay,
            StationKind::Crane,
            StationKind::Charger,
            StationKind::BorderMarker,
        ] {
            assert!(legend.contains(kind_name(kind)), "{kind}");
            assert!(legend.contains(kind_colour(kind)), "{kind}");
        }
        assert!(!legend.contains(kind_name(StationKind::Parking)));
    }

    #[test]
    fn border_is_drawn_and_labelled() {
        let map = corridor("corridor");
        for options in both_views() {
            let svg = render_svg(&map, &options);
            let borders = tags(&svg, "line", "border");
            assert!(!borders.is_empty());
            // The border at x = 500 is vertical.
            for b in borders {
                assert!((attr(b, "x1") - attr(b, "x2")).abs() < 0.05);
            }
            assert!(texts(&svg, "border-label").iter().all(|t| t == "border"));
            assert!(!texts(&svg, "border-label").is_empty());
        }
        // A map without a border draws none and leaves it out of the legend.
        let svg = render_svg(&crowded(), &RenderOptions::default());
        assert!(tags(&svg, "line", "border").is_empty());
        assert!(texts(&svg, "border-label").is_empty());
        assert!(!svg.contains("stroke-dasharray=\"12 4 2 4\""));
    }

    #[test]
    fn scale_bars_match_their_scale() {
        let map = corridor("corridor");
        let avail = RenderOptions::default().width - 2.0 * MARGIN;
        // x from −80 (yard) to 3120 (charger), y from −30 to 30.
        let overview_scale = (avail / 3200.0).min(180.0 / 60.0);
        for options in both_views() {
            let svg = render_svg(&map, &options);
            let bars = tags(&svg, "g", "scale-bar");
            assert!(!bars.is_empty());
            let lines = tags(&svg, "line", "scale-bar");
            let labels = texts(&svg, "scale-label");
            assert_eq!((lines.len(), labels.len()), (bars.len(), bars.len()));
            for ((bar, line), label) in bars.iter().zip(&lines).zip(&labels) {
                let (metres, scale) = (attr(bar, "data-metres"), attr(bar, "data-px-per-metre"));
                let px = attr(line, "x2") - attr(line, "x1");
                assert!((px - metres * scale).abs() < 0.05, "{px} px for {metres} m");
                assert_eq!(label, &format_length(metres));
                assert_eq!(metres, nice_length(metres), "a round length");
            }
            let first = attr(bars[0], "data-px-per-metre");
            match options.view {
                // The overview's bar comes first, at true scale.
                View::Schematic => assert!((first - overview_scale).abs() < 1e-5),
                View::TrueScale => {
                    // One for the panel, one for each inset.
                    assert_eq!(bars.len(), 1 + tags(&svg, "g", "inset").len());
                    assert!((first - avail / 3200.0).abs() < 1e-5);
                }
            }
        }
        // The schematic's bars use the scales of its pieces.
        let ext = extent(&map);
        let proj = schematic_projection(&map, ext, avail, 40.0);
        let pieces = proj.x.pieces();
        let svg = render_svg(&map, &RenderOptions::default());
        let bars = tags(&svg, "g", "scale-bar");
        let insets = tags(&svg, "g", "inset").len();
        for bar in &bars[1..bars.len() - insets] {
            let s = attr(bar, "data-px-per-metre");
            assert!(pieces.iter().any(|p| (p.2 - s).abs() < 1e-5), "{s}");
        }
    }

    #[test]
    fn schematic_spreads_the_two_directions_and_compresses_open_road() {
        let map = corridor("corridor");
        let ext = extent(&map);
        for gap in [20.0, 40.0, 80.0] {
            let proj = schematic_projection(&map, ext, 1720.0, gap);
            let d = proj.y.map(-HALF_LANE) - proj.y.map(HALF_LANE);
            assert!((d - gap).abs() < 1e-6, "{d} vs {gap}");
            // +y (import side) is drawn above.
            assert!(proj.y.map(HALF_LANE) < proj.y.map(-HALF_LANE));
        }
        // Few labels: they fit at a uniform scale along x, so nothing is zoomed.
        let proj = schematic_projection(&map, ext, 1720.0, 40.0);
        assert!((proj.x.map(ext.x0)).abs() < 1e-9);
        assert!((proj.x.map(ext.x1) - 1720.0).abs() < 1e-6);
        assert_eq!(proj.x.pieces().len(), 1);
        assert!(proj.zoomed.is_empty());
        // Crowded gates: the gates area (0..200) is drawn larger than the open road
        // (500..3000), which keeps about OPEN_SHARE of the width.
        let map = busy_corridor(20);
        let proj = schematic_projection(&map, extent(&map), 1720.0, 40.0);
        assert!((proj.x.map(ext.x1) - 1720.0).abs() < 1e-6);
        let near = (proj.x.map(200.0) - proj.x.map(0.0)) / 200.0;
        let far = (proj.x.map(3000.0) - proj.x.map(500.0)) / 2500.0;
        assert!(near > 3.0 * far, "{near} vs {far}");
        assert!(far * 2800.0 >= 0.9 * OPEN_SHARE * 1720.0, "{far}");
        assert!(proj.zoomed.iter().any(|&(a, b)| a <= 0.0 && b >= 200.0));
        let svg = render_svg(&map, &RenderOptions::default());
        assert_well_formed(&svg);
        assert_eq!(tags(&svg, "path", "funnel").len(), proj.zoomed.len());
        assert_eq!(label_boxes(&svg).len(), map.stations().len());
    }

    /// The corridor with an inspection loop off the export lane at x = 1,500..1,700, 40 m to
    /// its right, with a station on it.
    fn corridor_with_loop() -> SiteMap {
        let lane = "[[lane]]\nfrom = \"EB\"\nto = \"E3\"\n";
        let t = corridor_toml("loop corridor").replace(
            lane,
            "[[lane]]\nfrom = \"EB\"\nto = \"J1\"\n[[lane]]\nfrom = \"J1\"\nto = \"J2\"\n\
             [[lane]]\nfrom = \"J2\"\nto = \"E3\"\n\
             [[lane]]\nfrom = \"J1\"\nto = \"CI\"\npolyline = [[1500.0, -40.0]]\n\
             [[lane]]\nfrom = \"CI\"\nto = \"J2\"\npolyline = [[1700.0, -40.0]]\n",
        ) + "[[node]]\nid = \"J1\"\nx = 1500.0\ny = -1.875\n\
              [[node]]\nid = \"J2\"\nx = 1700.0\ny = -1.875\n\
              [[node]]\nid = \"CI\"\nx = 1600.0\ny = -40.0\n\
              [[station]]\nid = \"CI\"\nkind = \"inspection\"\nnodes = [\"CI\"]\n\
              capacity = 6\nservice = { dist = \"fixed\", seconds = 600 }\n";
        match SiteMap::from_toml_str(&t, "loop.toml") {
            Ok(m) => m,
            Err(e) => panic!("loop map: {e}"),
        }
    }

    #[test]
    fn areas_off_the_corridor_get_true_scale_insets() {
        // The crowded yard is off its axis all along: an inset would repeat it.
        let map = crowded();
        assert!(inset_windows(&map, extent(&map)).is_empty());
        let svg = render_svg(&map, &RenderOptions::default());
        assert!(!svg.contains("class=\"inset\""));
        // The corridor: its two yard loops (30 m off the axis) and the inspection loop.
        let map = corridor_with_loop();
        let windows = inset_windows(&map, extent(&map));
        assert_eq!(windows.len(), 3);
        let ci = windows[1];
        assert!(windows[0].x1 < ci.x0 && ci.x1 < windows[2].x0);
        assert!(ci.x0 < 1500.0 && ci.x1 > 1700.0, "{windows:?}");
        assert!(ci.y0 < -40.0 && ci.y1 > -1.875);
        for options in both_views() {
            let svg = render_svg(&map, &options);
            assert_well_formed(&svg);
            assert_eq!(texts(&svg, "inset-tag"), vec!["A", "B", "C"]);
            assert_eq!(tags(&svg, "g", "inset").len(), 3);
            let labels = texts(&svg, "inset-station-label");
            assert!(labels.contains(&"CI ×6".to_string()), "{labels:?}");
            assert!(labels.contains(&"VY-bays ×4".to_string()), "{labels:?}");
            // The main panel still has one arrow per lane direction.
            assert_eq!(tags(&svg, "path", "arrow").len(), 18);
            // Each inset is at true scale and says so; its scale bar agrees.
            let titles = texts(&svg, "inset-title");
            assert!(titles[1].starts_with("B — CI: x = "), "{titles:?}");
            let bars: Vec<f64> = tags(&svg, "g", "scale-bar")
                .into_iter()
                .rev()
                .take(3)
                .map(|t| attr(t, "data-px-per-metre"))
                .collect();
            for (title, scale) in titles.iter().rev().zip(bars) {
                assert!(
                    title.ends_with(&format!("1 px = {:.2} m", 1.0 / scale)),
                    "{title}"
                );
            }
        }
    }

    #[test]
    fn true_scale_has_equal_scales() {
        let map = corridor("corridor");
        let proj = true_projection(&map, extent(&map), 1720.0);
        let sx = proj.x.map(1000.0) - proj.x.map(0.0);
        let sy = proj.y.map(0.0) - proj.y.map(1000.0);
        assert!((sx - sy).abs() < 1e-6);
    }

    #[test]
    fn corridor_axis_is_between_the_two_lanes() {
        assert!(corridor_axis(&corridor("corridor")).abs() < 1e-9);
    }

    #[test]
    fn odd_options_do_not_panic() {
        let map = corridor("corridor");
        for (width, lane_gap) in [(f64::NAN, f64::INFINITY), (1.0, -5.0), (1e9, 0.0)] {
            let svg = render_svg(
                &map,
                &RenderOptions {
                    width,
                    lane_gap,
                    view: View::Schematic,
                },
            );
            assert_well_formed(&svg);
        }
    }

    #[test]
    fn run_writes_the_svg_or_reports_every_problem() {
        let dir = std::env::temp_dir().join(format!("corridor-render-{}", std::process::id()));
        if let Err(e) = std::fs::create_dir_all(&dir) {
            panic!("{e}");
        }
        let good = dir.join("good.toml");
        let bad = dir.join("bad.toml");
        let out = dir.join("out.svg");
        let write = |p: &std::path::Path, s: &str| {
            if let Err(e) = std::fs::write(p, s) {
                panic!("{e}");
            }
        };
        write(&good, &corridor_toml("corridor"));
        // Two problems: an unknown node and a lane shorter than its geometry.
        write(
            &bad,
            &(corridor_toml("corridor").replace(
                "from = \"E0\"\nto = \"E1\"\n",
                "from = \"E0\"\nto = \"EX\"\n",
            ) + "[[lane]]\nfrom = \"E1\"\nto = \"E2\"\nid = \"short\"\nlength = 1.0\n"),
        );
        let args = |map: &std::path::Path| RenderArgs {
            map: map.to_path_buf(),
            output: out.clone(),
            width: 1200.0,
            true_scale: false,
            lane_gap: 40.0,
        };
        assert_eq!(run(&args(&bad)).ok(), Some(ExitCode::FAILURE));
        assert!(!out.exists());
        assert_eq!(run(&args(&good)).ok(), Some(ExitCode::SUCCESS));
        let svg = std::fs::read_to_string(&out).unwrap_or_default();
        assert_well_formed(&svg);
        assert!(svg.contains("width=\"1200\""));
        let mut wide = args(&good);
        wide.width = 10.0;
        assert!(run(&wide).is_err());
        assert!(run(&args(&dir.join("missing.toml"))).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn helpers() {
        assert_eq!(nice_length(4300.0), 2000.0);
        assert_eq!(nice_length(999.0), 500.0);
        assert_eq!(nice_length(150.0), 100.0);
        assert_eq!(nice_length(0.3), 1.0);
        assert_eq!(format_length(500.0), "500 m");
        assert_eq!(format_length(1000.0), "1 km");
        assert_eq!(format_length(2000.0), "2 km");
        assert_eq!(format_chainage(1520.0), "1+520");
        assert_eq!(format_chainage(0.0), "0+000");
        assert_eq!(format_chainage(-150.0), "−0+150");
        assert_eq!(format_chainage(3620.4), "3+620");
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        let tree = spanning_tree(&[(0.0, 0.0), (30.0, 0.0), (10.0, 0.0), (20.0, 0.0)]);
        assert_eq!(tree.len(), 3);
        let length: f64 = tree.iter().map(|(a, b)| (a.0 - b.0).abs()).sum();
        assert_eq!(length, 30.0);
        assert!(spanning_tree(&[]).is_empty());
        let x = XAxis {
            xs: vec![0.0, 100.0, 1000.0, 1100.0],
            ps: vec![0.0, 100.0, 190.0, 290.0],
        };
        assert_eq!(x.map(50.0), 50.0);
        assert_eq!(x.map(550.0), 145.0);
        assert_eq!(x.map(-10.0), -10.0);
        assert_eq!(x.pieces().len(), 3);
        let r = Rect {
            x0: 0.0,
            y0: 0.0,
            x1: 10.0,
            y1: 10.0,
        };
        assert!(hit_by(&r, (-5.0, 5.0), (15.0, 5.0)));
        assert!(!hit_by(&r, (-5.0, 15.0), (15.0, 15.0)));
    }
}
