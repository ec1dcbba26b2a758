//! The one list of the file names of a results folder. Every other module names these files
//! through the constants here; [`WRITTEN`] is what `--fresh` and `--force-new` may remove or
//! move (with the charts, which the chart registry recognises: [`ChartFiles`]).

use std::path::Path;

pub const RUNS_CSV: &str = "runs.csv";
pub const LAYERS_CSV: &str = "layers.csv";
pub const CURVES_CSV: &str = "curves.csv";
pub const HISTOGRAMS_CSV: &str = "histograms.csv";
pub const SPECTRA_CSV: &str = "spectra.csv";
/// The resolved config.
pub const CONFIG_FILE: &str = "config.toml";
/// What made the results (`store::folder::Manifest`).
pub const MANIFEST_FILE: &str = "manifest.toml";
/// The experiment's claims (`config::claim::Claims`), apart from the config that identifies
/// the runs.
pub const CLAIMS_FILE: &str = "claims.toml";
/// The verdict of every claim (`claims::ClaimResult`).
pub const CLAIMS_CSV: &str = "claims.csv";
pub const REPORT_MD: &str = "report.md";
pub const REPORT_HTML: &str = "report.html";
/// The folder that holds the charts.
pub const PLOTS_DIR: &str = "plots";
/// The writer's lock.
pub const LOCK_FILE: &str = ".initlab.lock";
/// Where `--force-new` gathers the old results before they become `superseded-N/`.
pub const STAGING_DIR: &str = ".initlab-superseding";

/// Every top-level file initlab writes in a results folder.
pub const WRITTEN: [&str; 11] = [
    RUNS_CSV,
    HISTOGRAMS_CSV,
    SPECTRA_CSV,
    LAYERS_CSV,
    CURVES_CSV,
    CONFIG_FILE,
    CLAIMS_FILE,
    CLAIMS_CSV,
    MANIFEST_FILE,
    REPORT_MD,
    REPORT_HTML,
];

/// Whether a file in [`PLOTS_DIR`] is a chart initlab draws. The chart registry owns the
/// answer (`charts::is_chart_file`); the store is handed it, so that it never depends on the
/// charts drawn from it.
pub type ChartFiles = fn(&Path) -> bool;
