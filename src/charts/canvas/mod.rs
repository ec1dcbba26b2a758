//! Drawing: a figure is a title over a grid of panels (line charts, heatmaps, density maps)
//! beside one key for the whole figure (legend entries and a colour bar, outside every
//! plotting area), rendered to SVG and to PNG at twice the size (print resolution) by the
//! same code. Sizes grow with the number of panels; fonts, strokes and margins scale with the
//! output through [`Px`].

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

mod axis;
mod heat;
mod key;
mod lines;
mod palette;

pub use axis::{number, Axis, Scale};
pub use palette::{viridis, Marker, CATEGORICAL, MARKERS};

use heat::{draw_density, draw_heat};
use key::{draw_key, Key};
use lines::draw_lines;

/// One panel's size in SVG pixels.
const PANEL: (f64, f64) = (520.0, 390.0);
const TITLE_HEIGHT: f64 = 46.0;
/// PNG pixels per SVG pixel (print resolution: a 520-pixel panel becomes 1040 pixels, 300 dpi
/// at 3.5 inches)...
const PNG_SCALE: f64 = 2.0;
/// ...unless the PNG would pass this many pixels (a figure of many panels, which no paper
/// prints whole): then less, but never below the SVG's size. It bounds the memory of drawing
/// one figure (3 bytes a pixel, about 24 MB).
const PNG_MAX_PIXELS: f64 = 8e6;

/// Lengths in SVG pixels, scaled to the output.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Px(f64);

impl Px {
    pub fn i(self, v: f64) -> i32 {
        (v * self.0).round() as i32
    }
    pub fn u(self, v: f64) -> u32 {
        (v * self.0).round().max(1.0) as u32
    }
    pub fn f(self, v: f64) -> f64 {
        v * self.0
    }
    /// The sans-serif font at `size` SVG pixels.
    pub fn font(self, size: f64) -> FontDesc<'static> {
        ("sans-serif", size * self.0).into_font()
    }
}

/// What a line stands for, which decides how it is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A measurement per scheme: solid, thick, with the scheme's markers; in the legend.
    Measured,
    /// A prediction: dashed, darker, drawn on top of the measurements; one legend entry
    /// (its label) for all.
    Theory,
    /// One of many ordered lines (a layer): thin, coloured by the figure's colour bar, no
    /// legend entry.
    Ordered,
}

/// One line of a line panel.
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub color: RGBColor,
    pub points: Vec<(f64, f64)>,
    /// (x, low, high): a shaded band, e.g. the range over seeds.
    pub band: Vec<(f64, f64, f64)>,
    pub role: Role,
    pub marker: Option<Marker>,
}

/// A line chart.
#[derive(Debug, Clone)]
pub struct LinePanel {
    pub caption: String,
    pub x_label: String,
    pub y_label: String,
    /// `Linear` or `Integer` (layers, steps).
    pub x_scale: Scale,
    /// `Linear` or `Log`.
    pub y_scale: Scale,
    /// Fixed y range (e.g. [0, 1] for fractions); otherwise fitted to the data.
    pub y_range: Option<(f64, f64)>,
    pub series: Vec<Series>,
}

/// What a heatmap cell holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A value, coloured on the panel's colour scale, with its text.
    Value(f64, String),
    NotConverged(String),
    Diverged(String),
    Empty,
}

/// A curve over a heatmap, in cell units (column `i` spans `[i, i + 1]`); where it leaves the
/// grid at the top it is drawn dotted along the top edge.
#[derive(Debug, Clone)]
pub struct Overlay {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// A grid of cells on categorical axes, `rows` from bottom to top.
#[derive(Debug, Clone)]
pub struct HeatPanel {
    pub caption: String,
    pub x_label: String,
    pub y_label: String,
    pub columns: Vec<String>,
    pub rows: Vec<String>,
    /// `cells[row][column]`.
    pub cells: Vec<Vec<Cell>>,
    /// The colour scale (the figure's colour bar).
    pub scale: Axis,
    pub overlay: Option<Overlay>,
}

/// One bin of a density map.
#[derive(Debug, Clone, PartialEq)]
pub struct DensityBin {
    pub row: usize,
    pub lo: f64,
    pub hi: f64,
    /// The value the colour scale shows (e.g. the fraction of the row's entries).
    pub value: f64,
}

/// Rows of bins on a shared numeric x axis (a histogram per layer), coloured on a scale, with
/// an optional column apart for a point mass (ReLU's exact zeros).
#[derive(Debug, Clone)]
pub struct DensityPanel {
    pub caption: String,
    pub x_label: String,
    pub y_label: String,
    /// Row labels, bottom to top (shown at most every few rows).
    pub rows: Vec<String>,
    pub bins: Vec<DensityBin>,
    /// The point mass's name and per row its value on the colour scale.
    pub point_mass: Option<(String, Vec<(usize, f64)>)>,
    pub scale: Axis,
}

#[derive(Debug, Clone)]
pub enum Panel {
    Lines(LinePanel),
    Heat(HeatPanel),
    Density(DensityPanel),
}

/// A colour bar: what the colours of the figure's ordered lines or cells mean.
#[derive(Debug, Clone)]
pub struct ColorBar {
    pub label: String,
    pub scale: Axis,
}

/// A titled grid of panels with one key.
#[derive(Debug, Clone)]
pub struct Figure {
    /// File name without extension.
    pub stem: String,
    pub title: String,
    pub panels: Vec<Panel>,
    pub color_bar: Option<ColorBar>,
}

impl Figure {
    /// Writes `dir/stem.svg` and `dir/stem.png` (twice the SVG's pixel size, or less for a
    /// very large figure).
    pub fn render(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let key = Key::of(self);
        let svg = dir.join(format!("{}.svg", self.stem));
        {
            let px = Px(1.0);
            let root = SVGBackend::new(&svg, self.size(&key, px)).into_drawing_area();
            self.draw(&root, &key, px)?;
            root.present()
                .map_err(|e| anyhow!("cannot write {}: {e}", svg.display()))?;
        }
        let png = dir.join(format!("{}.png", self.stem));
        {
            let (w, h) = self.size(&key, Px(1.0));
            let fit = (PNG_MAX_PIXELS / (f64::from(w) * f64::from(h))).sqrt();
            let px = Px(PNG_SCALE.min(fit).max(1.0));
            let root = BitMapBackend::new(&png, self.size(&key, px)).into_drawing_area();
            self.draw(&root, &key, px)?;
            root.present()
                .map_err(|e| anyhow!("cannot write {}: {e}", png.display()))?;
        }
        Ok(vec![png, svg])
    }

    /// The panels' columns and rows.
    fn grid(&self) -> (u32, u32) {
        let n = self.panels.len().max(1);
        let cols = ((n as f64).sqrt().ceil() as u32).clamp(1, 4);
        (cols, (n as u32).div_ceil(cols))
    }

    fn size(&self, key: &Key, px: Px) -> (u32, u32) {
        let (cols, rows) = self.grid();
        (
            px.u(PANEL.0 * f64::from(cols) + key.width()),
            px.u(PANEL.1 * f64::from(rows) + TITLE_HEIGHT),
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        key: &Key,
        px: Px,
    ) -> Result<()> {
        let err =
            |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing {} failed: {e}", self.stem);
        root.fill(&WHITE).map_err(err)?;
        let (title_area, body) = root.split_vertically(px.u(TITLE_HEIGHT));
        // Long titles over narrow figures get a smaller font rather than being cut off.
        let width = f64::from(title_area.dim_in_pixel().0) / px.0;
        let size = (1.9 * width / self.title.chars().count().max(1) as f64).clamp(11.0, 20.0);
        let (w, h) = title_area.dim_in_pixel();
        title_area
            .draw_text(
                &self.title,
                &px.font(size)
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
                (w as i32 / 2, h as i32 / 2),
            )
            .map_err(err)?;
        let (panels, key_area) = body.split_horizontally(body.dim_in_pixel().0 - px.u(key.width()));
        let (cols, rows) = self.grid();
        let areas = panels.split_evenly((rows as usize, cols as usize));
        for (panel, area) in self.panels.iter().zip(areas) {
            match panel {
                Panel::Lines(p) => draw_lines(&area, p, px).map_err(err)?,
                Panel::Heat(p) => draw_heat(&area, p, px).map_err(err)?,
                Panel::Density(p) => draw_density(&area, p, px).map_err(err)?,
            }
        }
        draw_key(&key_area, key, self.color_bar.as_ref(), px).map_err(err)?;
        Ok(())
    }
}

pub(crate) type DrawResult<DB> =
    Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;
