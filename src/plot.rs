//! Charts, drawn from a results folder's CSVs alone (no retraining), as PNG and SVG.
//!
//! The first chart is the picture of vanishing and exploding signals: the activation variance
//! `act_var` of every hidden layer at initialization (step 0), one line per scheme (the mean
//! over seeds), on a log axis, with one panel per (activation, depth, width).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Once;

use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::output::{read_table, LAYERS_CSV, RUNS_CSV};
use crate::records::{LayerKind, LayerRow, RunRow};

/// The folder, inside a results folder, that holds the charts.
pub const PLOTS_DIR: &str = "plots";

/// The names (before any facet suffix) of the charts initlab draws.
const CHART_STEMS: [&str; 1] = ["act_var_init"];

/// Whether `path` is a chart initlab draws (so `--fresh` may remove it).
pub fn is_chart_file(path: &Path) -> bool {
    let ext_ok = path.extension().is_some_and(|e| e == "png" || e == "svg");
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    ext_ok
        && CHART_STEMS
            .iter()
            .any(|c| stem == *c || stem.starts_with(&format!("{c}__")))
}

const PANEL: (u32, u32) = (560, 420);
const TITLE_HEIGHT: u32 = 50;

/// Colour-blind-safe categorical colours (Tableau 10).
const COLORS: [RGBColor; 10] = [
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

/// Registers the embedded DejaVu Sans font (plotters' `ab_glyph` backend has no system fonts).
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TTF shipped by the `dejavu` crate; failing here is a build bug.
        plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
            .unwrap_or_else(|_| panic!("the embedded DejaVu Sans font is invalid"));
    });
}

/// A panel: (activation, depth, width).
type PanelKey = (String, usize, usize);
/// A scheme's values per layer, over seeds.
type SchemeValues = (String, BTreeMap<usize, Vec<f64>>);

/// One panel's lines: scheme → points (layer, value), in the order schemes first appear.
type Lines = Vec<(String, Vec<(i32, f64)>)>;

/// Renders every chart of `dir` into `dir/plots/`, returning the files written.
pub fn plot_all(dir: &Path) -> Result<Vec<PathBuf>> {
    register_fonts();
    let runs: Vec<RunRow> = read_table(&dir.join(RUNS_CSV))?;
    let layers: Vec<LayerRow> = read_table(&dir.join(LAYERS_CSV))?;
    let out = dir.join(PLOTS_DIR);
    std::fs::create_dir_all(&out)?;
    let panels = act_var_at_init(&runs, &layers);
    let title = "Activation variance at initialization (mean over seeds)";
    let mut files = Vec::new();
    let (cols, rows) = grid(panels.len());
    let size = (PANEL.0 * cols, PANEL.1 * rows + TITLE_HEIGHT);
    let png = out.join("act_var_init.png");
    {
        let root = BitMapBackend::new(&png, size).into_drawing_area();
        draw_panels(
            &root,
            title,
            "hidden layer l",
            "Var(h^l), log scale",
            &panels,
        )?;
        root.present()
            .map_err(|e| anyhow!("cannot write {}: {e}", png.display()))?;
    }
    files.push(png);
    let svg = out.join("act_var_init.svg");
    {
        let root = SVGBackend::new(&svg, size).into_drawing_area();
        draw_panels(
            &root,
            title,
            "hidden layer l",
            "Var(h^l), log scale",
            &panels,
        )?;
        root.present()
            .map_err(|e| anyhow!("cannot write {}: {e}", svg.display()))?;
    }
    files.push(svg);
    Ok(files)
}

/// Panel title → lines of mean `act_var` per hidden layer at step 0.
pub fn act_var_at_init(runs: &[RunRow], layers: &[LayerRow]) -> Vec<(String, Lines)> {
    let by_id: BTreeMap<&str, &RunRow> = runs.iter().map(|r| (r.run_id.as_str(), r)).collect();
    // (activation, depth, width) in first-seen order → scheme in first-seen order → layer → values
    let mut panels: Vec<(PanelKey, Vec<SchemeValues>)> = Vec::new();
    for run in runs {
        let key = (run.activation.clone(), run.depth, run.width);
        let panel = match panels.iter().position(|(k, _)| *k == key) {
            Some(i) => &mut panels[i].1,
            None => {
                panels.push((key, Vec::new()));
                &mut panels.last_mut().expect("just pushed").1
            }
        };
        if !panel.iter().any(|(s, _)| *s == run.init) {
            panel.push((run.init.clone(), BTreeMap::new()));
        }
    }
    for row in layers
        .iter()
        .filter(|r| r.step == 0 && r.kind == LayerKind::Hidden)
    {
        let Some(run) = by_id.get(row.run_id.as_str()) else {
            continue;
        };
        let key = (run.activation.clone(), run.depth, run.width);
        if let Some((_, panel)) = panels.iter_mut().find(|(k, _)| *k == key) {
            if let Some((_, series)) = panel.iter_mut().find(|(s, _)| *s == run.init) {
                series.entry(row.layer).or_default().push(row.act_var);
            }
        }
    }
    panels
        .into_iter()
        .map(|((activation, depth, width), schemes)| {
            let lines = schemes
                .into_iter()
                .map(|(scheme, by_layer)| {
                    let points = by_layer
                        .into_iter()
                        .map(|(l, v)| (l as i32, v.iter().sum::<f64>() / v.len() as f64))
                        .collect();
                    (scheme, points)
                })
                .collect();
            (format!("{activation}, depth {depth}, width {width}"), lines)
        })
        .collect()
}

fn grid(n: usize) -> (u32, u32) {
    let cols = (n as f64).sqrt().ceil().max(1.0) as u32;
    let rows = (n as u32).div_ceil(cols).max(1);
    (cols, rows)
}

fn draw_panels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    y_label: &str,
    panels: &[(String, Lines)],
) -> Result<()> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing failed: {e}");
    root.fill(&WHITE).map_err(err)?;
    let (title_area, body) = root.split_vertically(TITLE_HEIGHT);
    title_area.titled(title, ("sans-serif", 24)).map_err(err)?;
    let (cols, rows) = grid(panels.len());
    let areas = body.split_evenly((rows as usize, cols as usize));
    for ((caption, lines), area) in panels.iter().zip(areas) {
        draw_log_panel(&area, caption, x_label, y_label, lines).map_err(err)?;
    }
    Ok(())
}

fn draw_log_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    x_label: &str,
    y_label: &str,
    lines: &Lines,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let positive = lines
        .iter()
        .flat_map(|(_, p)| p.iter().map(|&(_, v)| v))
        .filter(|v| v.is_finite() && *v > 0.0);
    let (lo, hi) = positive.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let x_max = lines
        .iter()
        .flat_map(|(_, p)| p.iter().map(|&(l, _)| l))
        .max()
        .unwrap_or(1);
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(caption, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(70);
    if !(lo.is_finite() && hi > 0.0) {
        let mut chart = builder.build_cartesian_2d(0..x_max + 1, 0.0..1.0)?;
        chart.configure_mesh().x_desc(x_label).draw()?;
        area.draw_text(
            "no positive values to draw on a log axis",
            &("sans-serif", 15).into_text_style(area),
            (60, 200),
        )?;
        return Ok(());
    }
    let mut chart = builder.build_cartesian_2d(0..x_max + 1, (lo / 2.0..hi * 2.0).log_scale())?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .x_labels((x_max + 2).min(12) as usize)
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .draw()?;
    for (i, (label, points)) in lines.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let finite: Vec<(i32, f64)> = points
            .iter()
            .copied()
            .filter(|(_, v)| v.is_finite() && *v > 0.0)
            .collect();
        chart
            .draw_series(LineSeries::new(finite.clone(), color.stroke_width(2)))?
            .label(label.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
        chart.draw_series(finite.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::LowerLeft)
        .draw()?;
    Ok(())
}
