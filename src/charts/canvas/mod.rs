//! Drawing: a figure is a title over a grid of panels, each a line chart (with optional
//! min–max bands and dashed series, linear or log y) or a heatmap, rendered to PNG and SVG
//! with the same code.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

mod heat;
mod lines;

use heat::{draw_heat, draw_phase};
use lines::draw_lines;

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

pub(crate) type DrawResult<DB> =
    Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;
