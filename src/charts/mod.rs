//! Charts, drawn from a results folder's CSVs and saved config alone (no retraining), as PNG
//! and SVG into `DIR/plots/`. The families are listed in [`families`].

mod canvas;
pub mod families;

pub use canvas::{Cell, Figure, HeatPanel, LinePanel, Panel, PhasePanel, Series};

use std::path::{Path, PathBuf};
use std::sync::Once;

use anyhow::Result;
use plotters::style::FontStyle;

use crate::store::results::ResultSet;

/// The folder, inside a results folder, that holds the charts.
pub const PLOTS_DIR: &str = "plots";

/// The names (before any facet suffix) of the charts initlab draws.
const CHART_STEMS: [&str; 13] = [
    "act_var_init",
    "grad_var_init",
    "saturation_init",
    "loss",
    "test_acc",
    "act_var_train",
    "grad_var_train",
    "saturation_train",
    "hist_init",
    "hist_final",
    "steps_heatmap",
    "theory_act_var",
    "phase_diagram",
];

/// Whether `path` is a chart initlab draws (so `--fresh` may remove it).
pub fn is_chart_file(path: &Path) -> bool {
    let ext_ok = path.extension().is_some_and(|e| e == "png" || e == "svg");
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    ext_ok
        && CHART_STEMS
            .iter()
            .any(|c| stem == *c || stem.starts_with(&format!("{c}__")))
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

/// Renders every chart of `dir` into `dir/plots/`, returning the files written.
pub fn plot_all(dir: &Path) -> Result<Vec<PathBuf>> {
    register_fonts();
    let results = ResultSet::load(dir)?;
    if let Some(coverage) = results.coverage() {
        eprintln!("initlab: {}: {coverage}", dir.display());
    }
    let out = dir.join(PLOTS_DIR);
    std::fs::create_dir_all(&out)?;
    let figures = families::all_figures(&results);
    results.check_reads()?;
    let mut files = Vec::new();
    for figure in figures {
        files.extend(figure.render(&out)?);
    }
    Ok(files)
}
