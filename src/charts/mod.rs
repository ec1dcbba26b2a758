//! Charts, drawn from a results folder's CSVs and saved config alone (no retraining), as PNG
//! and SVG into `DIR/plots/`. The families are registered in
//! [`families::FAMILIES`], one file each; what they share is in `common`.

mod canvas;
mod common;
pub mod families;

pub use canvas::{number, Cell, Figure, HeatPanel, LinePanel, Panel, Series};

use std::path::{Path, PathBuf};
use std::sync::Once;

use anyhow::{Context, Result};
use plotters::style::FontStyle;
use rayon::prelude::*;

use families::{drawn_by, FAMILIES};

use crate::store::files::PLOTS_DIR;
use crate::store::results::ResultSet;

/// Whether `path` is a chart initlab draws (so `--fresh` may remove it): a PNG or SVG whose
/// stem a registered family draws.
pub fn is_chart_file(path: &Path) -> bool {
    let ext_ok = path.extension().is_some_and(|e| e == "png" || e == "svg");
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    ext_ok && FAMILIES.iter().any(|f| drawn_by(f, stem))
}

/// Registers the embedded DejaVu Sans font (plotters' `ab_glyph` backend has no system fonts).
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TTF shipped by the `dejavu` crate; failing here is a build bug.
        plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
            .unwrap_or_else(|_| panic!("the embedded DejaVu Sans font is invalid"));
    });
}

/// Renders every chart of `dir` into `dir/plots/`, returning the files written. Families are
/// built and figures rendered in parallel on every core (a pool of its own: the process-wide
/// one is kept to a thread for candle's kernels).
pub fn plot_all(dir: &Path) -> Result<Vec<PathBuf>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    rayon::ThreadPoolBuilder::new()
        .num_threads(cores)
        .build()
        .context("cannot start the thread pool for the charts")?
        .install(|| plot_all_here(dir))
}

fn plot_all_here(dir: &Path) -> Result<Vec<PathBuf>> {
    register_fonts();
    let results = ResultSet::load(dir)?;
    if let Some(coverage) = results.coverage() {
        eprintln!("initlab: {}: {coverage}", dir.display());
    }
    let out = dir.join(PLOTS_DIR);
    std::fs::create_dir_all(&out)?;
    let figures = families::all_figures(&results);
    results.check_reads()?;
    // Figures are independent: render them on every core, keeping their order.
    let rendered: Vec<Vec<PathBuf>> = figures
        .par_iter()
        .map(|figure| {
            debug_assert!(
                FAMILIES.iter().any(|f| drawn_by(f, &figure.stem)),
                "figure `{}` has no registered stem",
                figure.stem
            );
            figure.render(&out)
        })
        .collect::<Result<_>>()?;
    Ok(rendered.into_iter().flatten().collect())
}
