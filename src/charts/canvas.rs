//! Drawing: a figure is a title over a grid of panels, each a line chart (with optional
//! min–max bands and dashed series, linear or log y) or a heatmap, rendered to PNG and SVG
//! with the same code.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const PANEL: (u32, u32) = (560, 420);
const TITLE_HEIGHT: u32 = 50;

/// Colour-blind-safe categorical colours (Tableau 10), for schemes.
pub const CATEGORICAL: [RGBColor; 10] = [
    RGBColor(78, 121, 167),
    RGBColor(242, 142, 43),
    RGBColor(225, 87, 89),
    RGBColor(118, 183, 178),
    RGBColor(89, 161, 79),
    RGBColor(237, 201, 72),
    RGBColor(176, 122, 161),
    RGBColor(255, 157, 167),
    RGBColor(156, 117, 95),
    RGBColor(186, 176, 172),
];

/// Viridis at `t` in [0, 1] (dark purple to yellow), for ordered series such as layers.
pub fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = t.clamp(0.0, 1.0) * 4.0;
    let i = (t.floor() as usize).min(3);
    let f = t - i as f64;
    let mix = |a: f64, b: f64| (a + f * (b - a)).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// One line of a line panel.
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub color: RGBColor,
    pub points: Vec<(f64, f64)>,
    /// (x, low, high): a shaded band, e.g. the range over seeds.
    pub band: Vec<(f64, f64, f64)>,
    pub dashed: bool,
}

/// A line chart.
#[derive(Debug, Clone)]
pub struct LinePanel {
    pub caption: String,
    pub x_label: String,
    pub y_label: String,
    pub log_y: bool,
    /// Fixed y range (e.g. [0, 1] for fractions); otherwise fitted to the data.
    pub y_range: Option<(f64, f64)>,
    /// Label only whole numbers on the x axis (layers).
    pub integer_x: bool,
    pub series: Vec<Series>,
}

/// What a heatmap cell holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A value, coloured on the panel's scale, with its text.
    Value(f64, String),
    NotConverged(String),
    Diverged(String),
    Empty,
}

/// A grid of cells, `rows` from bottom to top.
#[derive(Debug, Clone)]
pub struct HeatPanel {
    pub caption: String,
    pub x_label: String,
    pub y_label: String,
    pub columns: Vec<String>,
    pub rows: Vec<String>,
    /// `cells[row][column]`.
    pub cells: Vec<Vec<Cell>>,
    /// The colour scale's range (low = dark = fast).
    pub scale: (f64, f64),
}

/// A phase diagram: coloured rectangles on numeric axes (value in [0, 1]) with a curve on top.
#[derive(Debug, Clone)]
pub struct PhasePanel {
    pub caption: String,
    pub x_label: String,
    pub y_label: String,
    /// (x0, x1, y0, y1, value in [0, 1], text).
    pub cells: Vec<(f64, f64, f64, f64, f64, String)>,
    pub curve_label: String,
    pub curve: Vec<(f64, f64)>,
}

#[derive(Debug, Clone)]
pub enum Panel {
    Lines(LinePanel),
    Heat(HeatPanel),
    Phase(PhasePanel),
}

/// A titled grid of panels.
#[derive(Debug, Clone)]
pub struct Figure {
    /// File name without extension.
    pub stem: String,
    pub title: String,
    pub panels: Vec<Panel>,
}

impl Figure {
    /// Writes `dir/stem.png` and `dir/stem.svg`.
    pub fn render(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let (cols, rows) = grid(self.panels.len());
        let size = (PANEL.0 * cols, PANEL.1 * rows + TITLE_HEIGHT);
        let png = dir.join(format!("{}.png", self.stem));
        {
            let root = BitMapBackend::new(&png, size).into_drawing_area();
            self.draw(&root)?;
            root.present()
                .map_err(|e| anyhow!("cannot write {}: {e}", png.display()))?;
        }
        let svg = dir.join(format!("{}.svg", self.stem));
        {
            let root = SVGBackend::new(&svg, size).into_drawing_area();
            self.draw(&root)?;
            root.present()
                .map_err(|e| anyhow!("cannot write {}: {e}", svg.display()))?;
        }
        Ok(vec![png, svg])
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let err =
            |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing {} failed: {e}", self.stem);
        root.fill(&WHITE).map_err(err)?;
        let (title_area, body) = root.split_vertically(TITLE_HEIGHT);
        // Long titles over narrow figures get a smaller font rather than being cut off.
        let width = f64::from(title_area.dim_in_pixel().0);
        let size = (1.9 * width / self.title.chars().count().max(1) as f64).clamp(12.0, 22.0);
        title_area
            .titled(&self.title, ("sans-serif", size))
            .map_err(err)?;
        let (cols, rows) = grid(self.panels.len());
        let areas = body.split_evenly((rows as usize, cols as usize));
        for (panel, area) in self.panels.iter().zip(areas) {
            match panel {
                Panel::Lines(p) => draw_lines(&area, p).map_err(err)?,
                Panel::Heat(p) => draw_heat(&area, p).map_err(err)?,
                Panel::Phase(p) => draw_phase(&area, p).map_err(err)?,
            }
        }
        Ok(())
    }
}

fn grid(n: usize) -> (u32, u32) {
    let cols = (n as f64).sqrt().ceil().max(1.0) as u32;
    let rows = (n as u32).div_ceil(cols).max(1);
    (cols, rows)
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn fits(v: f64, log: bool) -> bool {
    v.is_finite() && (!log || v > 0.0)
}

fn draw_lines<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, p: &LinePanel) -> DrawResult<DB> {
    let xs = p.series.iter().flat_map(|s| s.points.iter().map(|q| q.0));
    let (x_lo, x_hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let ys = p.series.iter().flat_map(|s| {
        s.points
            .iter()
            .map(|q| q.1)
            .chain(s.band.iter().flat_map(|b| [b.1, b.2]))
    });
    let (y_lo, y_hi) = ys
        .filter(|&v| fits(v, p.log_y))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
            (a.min(y), b.max(y))
        });
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(&p.caption, ("sans-serif", 17))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(70);
    if !(x_lo.is_finite() && y_lo.is_finite()) {
        let mut chart = builder.build_cartesian_2d(0.0..1.0, 0.0..1.0)?;
        chart
            .configure_mesh()
            .x_desc(p.x_label.as_str())
            .y_desc(p.y_label.as_str())
            .draw()?;
        let zeros = p
            .series
            .iter()
            .flat_map(|s| s.points.iter())
            .any(|q| q.1 == 0.0);
        let note = match (p.log_y, zeros) {
            (true, true) => "every value is 0 (zero variance): nothing to draw on a log axis",
            (true, false) => "no positive values to draw on a log axis",
            _ => "no values",
        };
        area.draw_text(note, &("sans-serif", 15).into_text_style(area), (80, 200))?;
        return Ok(());
    }
    let pad = if x_hi > x_lo {
        0.03 * (x_hi - x_lo)
    } else {
        0.5
    };
    let x_range = (x_lo - pad)..(x_hi + pad);
    let x_text = |v: &f64| {
        if !p.integer_x {
            trim(*v)
        } else if (v - v.round()).abs() < 1e-9 {
            format!("{}", v.round())
        } else {
            String::new()
        }
    };
    let x_count = if p.integer_x {
        ((x_hi - x_lo).round() as usize + 1).min(12)
    } else {
        8
    };
    if p.log_y {
        let (lo, hi) = p.y_range.unwrap_or((y_lo / 2.0, y_hi * 2.0));
        let corner = quietest_corner(p, (x_lo - pad, x_hi + pad), (lo.ln(), hi.ln()), f64::ln);
        let mut chart = builder.build_cartesian_2d(x_range, (lo..hi).log_scale())?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(BLACK.mix(0.12))
            .x_desc(p.x_label.as_str())
            .y_desc(p.y_label.as_str())
            .x_labels(x_count)
            .x_label_formatter(&x_text)
            .y_labels(12)
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .draw()?;
        for s in &p.series {
            draw_series(&mut chart, s, true, |v| v.max(lo))?;
        }
        legend(&mut chart, corner)?;
    } else {
        let span = (y_hi - y_lo).max(1e-12);
        let (lo, hi) = p
            .y_range
            .unwrap_or((y_lo - 0.05 * span, y_hi + 0.05 * span));
        let corner = quietest_corner(p, (x_lo - pad, x_hi + pad), (lo, hi), |v| v);
        let mut chart = builder.build_cartesian_2d(x_range, lo..hi)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(BLACK.mix(0.12))
            .x_desc(p.x_label.as_str())
            .y_desc(p.y_label.as_str())
            .x_labels(x_count)
            .x_label_formatter(&x_text)
            .y_label_formatter(&|v| trim(*v))
            .draw()?;
        for s in &p.series {
            draw_series(&mut chart, s, false, |v| v)?;
        }
        legend(&mut chart, corner)?;
    }
    Ok(())
}

/// The corner of the plot with the fewest data points, where the legend hides least.
fn quietest_corner(
    p: &LinePanel,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    map: impl Fn(f64) -> f64,
) -> SeriesLabelPosition {
    let mut counts = [0usize; 4];
    for (x, y) in p.series.iter().flat_map(|s| s.points.iter()) {
        if !fits(*y, p.log_y) {
            continue;
        }
        let fx = (x - x0) / (x1 - x0);
        let fy = (map(*y) - y0) / (y1 - y0);
        let right = fx > 0.55;
        let upper = fy > 0.5;
        let near_x = if right { fx > 0.5 } else { fx < 0.5 };
        if near_x {
            counts[usize::from(upper) * 2 + usize::from(right)] += 1;
        }
    }
    let positions = [
        SeriesLabelPosition::LowerLeft,
        SeriesLabelPosition::LowerRight,
        SeriesLabelPosition::UpperLeft,
        SeriesLabelPosition::UpperRight,
    ];
    let best = [3, 2, 1, 0]
        .into_iter()
        .min_by_key(|&i| counts[i])
        .unwrap_or(3);
    positions[best].clone()
}

/// A tick label without trailing zeros.
fn trim(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e5 || v.abs() < 1e-3) {
        format!("{v:.0e}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn draw_series<'a, DB, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, Y>>,
    s: &Series,
    log: bool,
    floor: impl Fn(f64) -> f64,
) -> DrawResult<DB>
where
    DB: DrawingBackend + 'a,
    Y: Ranged<ValueType = f64>,
{
    let color = s.color;
    if !s.band.is_empty() {
        let band: Vec<&(f64, f64, f64)> = s.band.iter().filter(|b| fits(b.2, log)).collect();
        let mut outline: Vec<(f64, f64)> = band.iter().map(|b| (b.0, floor(b.1))).collect();
        outline.extend(band.iter().rev().map(|b| (b.0, b.2)));
        if outline.len() >= 4 {
            chart.draw_series(std::iter::once(Polygon::new(
                outline,
                color.mix(0.18).filled(),
            )))?;
        }
    }
    let points: Vec<(f64, f64)> = s
        .points
        .iter()
        .copied()
        .filter(|q| fits(q.1, log))
        .collect();
    let style = color.stroke_width(2);
    // On a log axis an exact 0 (a zero-variance layer: zero or constant weights) cannot be
    // drawn; it is marked at the axis floor by a hollow triangle (△) and named in the legend, so
    // the series never silently vanishes.
    let zeros: Vec<(f64, f64)> = if log {
        s.points
            .iter()
            .filter(|q| q.1 == 0.0)
            .map(|q| (q.0, floor(0.0)))
            .collect()
    } else {
        Vec::new()
    };
    let label = match (zeros.len(), s.points.len()) {
        (0, _) => s.label.clone(),
        _ if s.label.is_empty() => String::new(),
        (z, n) if z == n => format!("{} (0 everywhere: △ at the axis floor)", s.label),
        (z, n) => format!("{} (0 at {z} of {n}: △ at the axis floor)", s.label),
    };
    chart.draw_series(
        zeros
            .iter()
            .map(|&q| TriangleMarker::new(q, 5, color.stroke_width(2))),
    )?;
    // A series without a label (e.g. a theory line explained in the title) stays out of the
    // legend.
    if s.dashed {
        let drawn = chart.draw_series(DashedLineSeries::new(points.clone(), 6, 4, style))?;
        if !label.is_empty() {
            drawn.label(label).legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new([(0, 0), (7, 0)], style)
                    + PathElement::new([(12, 0), (19, 0)], style)
            });
        }
    } else {
        let drawn = chart.draw_series(LineSeries::new(points.clone(), style))?;
        if !label.is_empty() {
            drawn
                .label(label)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
        }
    }
    if s.dashed {
        // Dashed lines carry no point markers.
    } else if points.len() <= 30 {
        chart.draw_series(points.iter().map(|&q| Circle::new(q, 3, color.filled())))?;
    }
    Ok(())
}

fn legend<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    corner: SeriesLabelPosition,
) -> DrawResult<DB> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .position(corner)
        .draw()
}

fn draw_phase<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, p: &PhasePanel) -> DrawResult<DB> {
    let bounds = p.cells.iter().fold(
        (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ),
        |(a, b, c, d), cell| (a.min(cell.0), b.max(cell.1), c.min(cell.2), d.max(cell.3)),
    );
    let (x0, x1, y0, y1) = if bounds.0.is_finite() {
        bounds
    } else {
        (0.0, 1.0, 0.0, 1.0)
    };
    let mut chart = ChartBuilder::on(area)
        .caption(&p.caption, ("sans-serif", 17))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(p.x_label.as_str())
        .y_desc(p.y_label.as_str())
        .x_label_formatter(&|v| trim(*v))
        .y_label_formatter(&|v| trim(*v))
        .draw()?;
    for (a, b, c, d, value, text) in &p.cells {
        let fill = viridis(*value);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(*a, *c), (*b, *d)],
            fill.filled(),
        )))?;
        let ink = if *value > 0.6 { BLACK } else { WHITE };
        let style = ("sans-serif", 11)
            .into_font()
            .color(&ink)
            .pos(Pos::new(HPos::Center, VPos::Center));
        chart.draw_series(std::iter::once(Text::new(
            text.clone(),
            ((a + b) / 2.0, (c + d) / 2.0),
            style,
        )))?;
    }
    let inside: Vec<(f64, f64)> = p
        .curve
        .iter()
        .copied()
        .filter(|&(x, y)| x >= x0 && x <= x1 && y.is_finite())
        .map(|(x, y)| (x, y.min(y1 * 2.0)))
        .collect();
    let style = RED.stroke_width(3);
    chart
        .draw_series(LineSeries::new(inside, style))?
        .label(p.curve_label.as_str())
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

fn draw_heat<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, p: &HeatPanel) -> DrawResult<DB> {
    let (nx, ny) = (p.columns.len() as f64, p.rows.len() as f64);
    let mut chart = ChartBuilder::on(area)
        .caption(&p.caption, ("sans-serif", 17))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..nx, 0.0..ny)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc(p.x_label.as_str())
        .y_desc(p.y_label.as_str())
        .draw()?;
    // Tick labels at the cell centres, drawn on the panel in pixels.
    let base = area.get_base_pixel();
    let tick = ("sans-serif", 13).into_font().color(&BLACK);
    for (i, label) in p.columns.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        let style = tick.clone().pos(Pos::new(HPos::Center, VPos::Top));
        area.draw_text(label, &style, (x - base.0, y - base.1 + 6))?;
    }
    for (j, label) in p.rows.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, j as f64 + 0.5));
        let style = tick.clone().pos(Pos::new(HPos::Right, VPos::Center));
        area.draw_text(label, &style, (x - base.0 - 6, y - base.1))?;
    }
    let (lo, hi) = p.scale;
    for (j, row) in p.cells.iter().enumerate() {
        for (i, cell) in row.iter().enumerate() {
            let (x, y) = (i as f64, j as f64);
            let (fill, text, ink) = match cell {
                Cell::Value(v, t) => {
                    let f = if hi > lo {
                        ((v.ln() - lo.ln()) / (hi.ln() - lo.ln())).clamp(0.0, 1.0)
                    } else {
                        0.5
                    };
                    (viridis(f), t.clone(), if f > 0.6 { BLACK } else { WHITE })
                }
                Cell::NotConverged(t) => (RGBColor(215, 215, 215), t.clone(), BLACK),
                Cell::Diverged(t) => (RGBColor(120, 20, 20), t.clone(), WHITE),
                Cell::Empty => (WHITE, String::new(), BLACK),
            };
            let corners = [(x, y), (x + 1.0, y + 1.0)];
            chart.draw_series(std::iter::once(Rectangle::new(corners, fill.filled())))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                corners,
                WHITE.stroke_width(2),
            )))?;
            let style = ("sans-serif", 15)
                .into_font()
                .color(&ink)
                .pos(Pos::new(HPos::Center, VPos::Center));
            chart.draw_series(std::iter::once(Text::new(text, (x + 0.5, y + 0.5), style)))?;
        }
    }
    Ok(())
}
