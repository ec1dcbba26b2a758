//! `initlab run`: config → run specs → records → CSV → charts, in that one direction.
//!
//! A results folder holds the resolved config (`config.toml`) and a manifest. Running the same
//! experiment again into the same folder resumes it: complete runs (a `runs.csv` row and, in
//! every other table, the number of rows that row records; see [`crate::store::ledger`]) are skipped,
//! and runs with missing rows are trained again. A different config is refused unless `--force-new` sets the old results
//! aside, so results are never mixed or overwritten.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};

use crate::bytes::Bytes;
use crate::charts::{is_chart_file, plot_all};
use crate::claims::ClaimResult;
use crate::config::grid::grid_order;
use crate::config::grid::Grid;
use crate::config::grid::Shard;
use crate::config::ExperimentConfig;
use crate::net::device::DeviceChoice;
use crate::run::budget::{available_memory, GridEstimate};
use crate::run::fixed::Fixed;
use crate::run::resources::peak_rss;
use crate::run::sweep::{describe_grid, run_all, RunnerOptions, SweepSummary};
use crate::store::files::{CLAIMS_CSV, PLOTS_DIR, REPORT_HTML};
use crate::store::folder::{Existing, Manifest, ResultsDir};
use crate::store::ledger::Ledger;
use crate::store::results::ResultSet;
use crate::store::tables::CsvResults;

/// What `initlab run` was asked to do.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub config: PathBuf,
    /// `--set key=value` overrides, in order.
    pub overrides: Vec<String>,
    pub out: Option<PathBuf>,
    pub jobs: usize,
    pub quiet: bool,
    pub plot: bool,
    pub dry_run: bool,
    pub existing: Existing,
    pub fail_fast: bool,
    pub shard: Option<Shard>,
    pub device: DeviceChoice,
    /// The memory the grid may use [default: what the machine has available].
    pub max_memory: Option<Bytes>,
}

/// What a finished `initlab run` reports.
#[derive(Debug, Clone)]
pub enum RunReport {
    /// `--dry-run`: the grid, described.
    DryRun(String),
    Done {
        out: PathBuf,
        total: usize,
        summary: SweepSummary,
        charts: Vec<PathBuf>,
        /// The verdicts of the experiment's claims.
        claims: Vec<ClaimResult>,
        /// Wall-clock seconds of the whole command.
        seconds: f64,
        /// The process's peak resident memory, where the platform reports it.
        peak_memory: Option<u64>,
    },
}

impl fmt::Display for RunReport {
    /// `--dry-run`'s description, or the summary of a finished run.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunReport::DryRun(text) => f.write_str(text),
            RunReport::Done {
                out,
                total,
                summary,
                charts,
                claims,
                seconds,
                peak_memory,
            } => {
                let memory = peak_memory
                    .map(|b| format!(", peak memory {} MB", b / (1 << 20)))
                    .unwrap_or_default();
                writeln!(
                    f,
                    "initlab: {total} runs: {} already done, {} trained now ({}) -> {} \
                     ({seconds:.1} s{memory})",
                    summary.skipped,
                    summary.trained(),
                    summary.describe(),
                    out.display(),
                )?;
                if !charts.is_empty() {
                    writeln!(
                        f,
                        "initlab: {} charts in {}, report in {}",
                        charts.len(),
                        out.join(PLOTS_DIR).display(),
                        out.join(REPORT_HTML).display()
                    )?;
                }
                if !claims.is_empty() {
                    writeln!(
                        f,
                        "initlab: claims: {} ({})",
                        crate::claims::tally(claims),
                        out.join(CLAIMS_CSV).display()
                    )?;
                    f.write_str(&crate::claims::render(claims))?;
                }
                Ok(())
            }
        }
    }
}

/// The default results folder: `results/<name>/`, or `results/<name>/shard-i-of-n/`.
pub fn default_out(config: &ExperimentConfig, shard: Option<Shard>) -> PathBuf {
    let base = Path::new("results").join(&config.name);
    match shard {
        Some(s) => base.join(format!("shard-{}-of-{}", s.index, s.count)),
        None => base,
    }
}

/// Loads and validates the config and the data (writing nothing when either is bad), then
/// trains every run of this shard not already in the results folder.
pub fn run_experiment(options: &RunOptions) -> Result<RunReport> {
    let started = Instant::now();
    let config = ExperimentConfig::load(&options.config, &options.overrides)?;
    let path = options.config.display();
    let grid = Grid::new(&config);
    grid.check_exclusions()
        .map_err(|m| anyhow!("config `{path}`: {m}"))?;
    if !config.exclude.is_empty() && grid.points().next().is_none() {
        bail!("config `{path}`: exclude leaves out every run of the grid");
    }
    config
        .check_claims()
        .map_err(|m| anyhow!("config `{path}`: {m}"))?;
    let estimate = GridEstimate::of(&grid, options.shard, options.jobs);
    if options.dry_run {
        return Ok(RunReport::DryRun(describe_grid(
            &grid,
            options.shard,
            20,
            &estimate,
        )));
    }
    let limit = match options.max_memory {
        Some(limit) => Some((limit, "given by --max-memory")),
        None => available_memory().map(|m| (m, "available on this machine")),
    };
    if let Some((limit, source)) = limit {
        estimate
            .check(limit, source)
            .map_err(|m| anyhow!("config `{path}`: {m}"))?;
    }
    let all = grid.specs();
    let specs: Vec<_> = all
        .iter()
        .filter(|s| options.shard.is_none_or(|shard| shard.contains(s)))
        .cloned()
        .collect();
    let out = options
        .out
        .clone()
        .unwrap_or_else(|| default_out(&config, options.shard));
    ResultsDir::check_ours(&out, is_chart_file)?;
    let resolved = toml::to_string(&config).context("cannot serialize the resolved config")?;
    let device = options.device.open()?;
    let data = config
        .datasets
        .iter()
        .map(|d| -> Result<_> {
            let data = d.build()?;
            config
                .check_data(&data)
                .map_err(|m| anyhow!("config `{path}`: {m}"))?;
            let fixed = Fixed::on(&device, &data, config.train.probe_size, d.seed())
                .context("cannot build the probe batch")?;
            Ok((data, fixed))
        })
        .collect::<Result<Vec<_>>>()?;

    let dir = ResultsDir::open(&out, &resolved, options.existing, is_chart_file)?;
    let previous = Manifest::read_if_present(&out)?;
    let order = grid_order(&all);
    let rank = |id: &str| order.get(id).copied().unwrap_or(usize::MAX);
    let known = |id: &str| order.contains_key(id);
    // Checked before anything is written: a foreign or damaged table stops here untouched.
    let ledger = Ledger::scan(&out, &known)?;
    // One result set keeps to one device: a GPU's float32 sums differ from the CPU's.
    if let Some(previous) = previous.filter(|m| m.device != options.device) {
        let done = ledger.complete().len();
        if done > 0 {
            bail!(
                "{} holds {done} runs trained with --device {}; resuming with --device {} would \
                 mix devices in one result set (a GPU's float32 sums differ from the CPU's, \
                 docs/gpu.md). Resume with --device {}, or pass --force-new to set them aside, \
                 or choose another --out",
                out.display(),
                previous.device,
                options.device,
                previous.device
            );
        }
    }
    let shard = options.shard.map(|s| s.to_string()).unwrap_or_default();
    let manifest = Manifest::new(&resolved, options.jobs, options.device, shard);
    dir.write_header(&resolved, &manifest)?;
    crate::claims::write_claims(&out, &config.claims)?;
    if !options.quiet {
        eprintln!("initlab: {} runs -> {}", specs.len(), out.display());
        for (d, _) in &data {
            eprintln!("initlab: {}", d.describe());
        }
    }
    if let Some(note) = ledger.describe_damage() {
        eprintln!("initlab: {note}; those runs are trained again");
    }
    if !ledger.is_canonical(&rank) {
        ledger.rewrite(&rank)?;
    }
    let done = ledger.complete().clone();
    drop(ledger);
    let mut sink = CsvResults::open(&out)?;
    let runner = RunnerOptions {
        jobs: options.jobs,
        quiet: options.quiet,
        fail_fast: options.fail_fast,
    };
    let resumable = |e: anyhow::Error| {
        anyhow!(
            "{e:#}. The runs finished so far are kept in {}: once the problem (a full disk?) is \
             solved, run the same command again to resume",
            out.display()
        )
    };
    let summary = run_all(&specs, &done, &data, runner, &mut sink).map_err(resumable)?;
    drop(sink);
    // The tables were canonical before the sweep; only new runs can have changed that.
    if summary.trained() > 0 {
        let ledger = Ledger::scan(&out, &known)?;
        if !ledger.is_canonical(&rank) {
            ledger.rewrite(&rank).map_err(resumable)?;
        }
    }
    let charts = if options.plot {
        let charts = plot_all(&out)?;
        crate::report::write_reports(&out)?;
        charts
    } else {
        Vec::new()
    };
    // The report checked them already; without it, they are checked here.
    let claims = if config.claims.is_empty() {
        // A claims.csv of claims since removed from the config would mislead.
        crate::claims::write_results(&out, &[])?;
        Vec::new()
    } else if options.plot {
        crate::claims::read_results(&out)?
    } else {
        crate::claims::check_folder(&out, &ResultSet::load(&out)?)?
    };
    Ok(RunReport::Done {
        out,
        total: specs.len(),
        summary,
        charts,
        claims,
        seconds: started.elapsed().as_secs_f64(),
        peak_memory: peak_rss(),
    })
}
