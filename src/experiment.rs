//! `initlab run`: config → run specs → records → CSV → charts, in that one direction.
//!
//! A results folder holds the resolved config (`config.toml`) it was made with. Running the
//! same experiment again into the same folder resumes it: completed runs (those with a
//! `runs.csv` row) are skipped. A different config is refused, so results are never mixed or
//! overwritten.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::config::ExperimentConfig;
use crate::output::{completed_run_ids, write_atomic, CsvResults};
use crate::plot::plot_all;
use crate::sweep::{expand, grid_order, run_all, SweepSummary};
use crate::train::Fixed;

/// The resolved config's file name inside a results folder.
pub const CONFIG_FILE: &str = "config.toml";

/// What `initlab run` was asked to do.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub config: PathBuf,
    pub out: Option<PathBuf>,
    pub jobs: usize,
    pub quiet: bool,
    pub plot: bool,
}

/// What a finished `initlab run` reports.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub out: PathBuf,
    pub total: usize,
    pub summary: SweepSummary,
    pub charts: Vec<PathBuf>,
}

/// Loads and validates the config (writing nothing when it is invalid), then trains every run
/// not already in the results folder.
pub fn run_experiment(options: &RunOptions) -> Result<RunReport> {
    let config = ExperimentConfig::load(&options.config)?;
    let out = options
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(&config.name));
    let resolved = toml::to_string(&config).context("cannot serialize the resolved config")?;
    check_results_folder(&out, &resolved)?;

    let specs = expand(&config);
    let data = config.dataset.build()?;
    let fixed = Fixed::new(&data, config.train.probe_size, config.dataset.seed())
        .context("cannot build the probe batch")?;
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    write_atomic(&out.join(CONFIG_FILE), resolved.as_bytes())?;
    if !options.quiet {
        eprintln!("initlab: {} runs -> {}", specs.len(), out.display());
        eprintln!("initlab: {}", data.describe());
    }

    let done = completed_run_ids(&out)?;
    let mut sink = CsvResults::open(&out)?;
    let summary = run_all(
        &specs,
        &done,
        &data,
        &fixed,
        options.jobs,
        options.quiet,
        &mut sink,
    )?;
    sink.canonicalize(&grid_order(&specs))?;
    let charts = if options.plot {
        plot_all(&out)?
    } else {
        Vec::new()
    };
    Ok(RunReport {
        out,
        total: specs.len(),
        summary,
        charts,
    })
}

/// A results folder may be new, or hold results of this very config (then it resumes).
fn check_results_folder(out: &Path, resolved: &str) -> Result<()> {
    let saved = out.join(CONFIG_FILE);
    if saved.exists() {
        let previous = std::fs::read_to_string(&saved)
            .with_context(|| format!("cannot read {}", saved.display()))?;
        if previous != resolved {
            bail!(
                "{} holds results of a different config; choose another --out, or remove the \
                 folder to start over",
                out.display()
            );
        }
    } else if out.join(crate::output::RUNS_CSV).exists() {
        bail!(
            "{} holds a runs.csv but no {CONFIG_FILE}; choose another --out",
            out.display()
        );
    }
    Ok(())
}
