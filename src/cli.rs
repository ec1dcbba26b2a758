//! The command line, declared with clap, and its conversion into the library's typed
//! options; `main.rs` dispatches them.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use initlab::bytes::Bytes;
use initlab::commands::check::CheckOptions;
use initlab::commands::merge::MergeOptions;
use initlab::commands::run::RunOptions;
use initlab::config::grid::Shard;
use initlab::net::device::DeviceChoice;
use initlab::store::folder::Existing;
use initlab::theory::cli::TheoryQuery;

#[derive(Debug, Parser)]
#[command(
    name = "initlab",
    version,
    about = "A laboratory for studying how weight initialization shapes the training of neural networks"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train every run of an experiment's grid; write runs.csv, layers.csv, curves.csv,
    /// histograms.csv, spectra.csv, the resolved config, a manifest, the charts and the reports.
    /// Re-running resumes.
    Run(RunArgs),
    /// Combine the results folders of an experiment's shards into one.
    Merge(MergeArgs),
    /// Render the charts of a results folder from its CSVs alone, into DIR/plots/.
    Plot {
        /// A results folder written by `initlab run`.
        dir: PathBuf,
    },
    /// Write DIR/report.md and a self-contained DIR/report.html (charts inlined) from the
    /// CSVs alone.
    Report {
        /// A results folder written by `initlab run`.
        dir: PathBuf,
    },
    /// Print the verdict of every claim of a results folder (PASS, FAIL or UNDECIDED with the
    /// reason), from the CSVs alone; exit 1 when a claim fails.
    Check(CheckArgs),
    /// Mean-field predictions for an activation and (σ_w², σ_b²) or a scheme: q*, χ₁, the depth
    /// scales, the phase and the trainable depth 6·ξ_c; or the critical σ_w² for a σ_b².
    Theory(TheoryArgs),
    /// Describe what a config can name.
    List {
        #[arg(value_enum)]
        what: ListWhat,
    },
}

/// What `initlab list` describes.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ListWhat {
    /// Weight and bias initialization schemes, with formulas, parameters and sources.
    Schemes,
    /// Activations, with their gains and saturation rule.
    Activations,
    /// Dataset sources and their options.
    Datasets,
    /// How weights and learning rates scale with width (standard, ntk, mup).
    Parameterizations,
    /// Networks (mlp, residual) and the residual branch schemes (fixup, skipinit, rezero...).
    Architectures,
}

/// `initlab run`'s arguments.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The experiment config (TOML), e.g. experiments/quick.toml.
    pub config: PathBuf,
    /// Override a config field, e.g. --set train.steps=100 --set 'depths=[2,4]'.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Results folder [default: results/<name>, or results/<name>/shard-i-of-n].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Runs trained in parallel, each on one thread [default: the number of cores; 1 with
    /// --device cuda].
    #[arg(long, short)]
    pub jobs: Option<usize>,
    /// Where the networks train: the CPU, or the first CUDA GPU (needs a build with
    /// `--features cuda`).
    #[arg(long, value_enum, default_value_t = DeviceChoice::Cpu)]
    pub device: DeviceChoice,
    /// Only this part of the grid, e.g. 0/4 [default: from SLURM_ARRAY_TASK_ID and
    /// SLURM_ARRAY_TASK_COUNT when set].
    #[arg(long)]
    pub shard: Option<String>,
    /// Print the grid size, the memory estimate and the first runs; train nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The memory the sweep may use, e.g. 8G or 512M [default: the memory available on
    /// this machine]. A grid whose largest runs (--jobs at once) would not fit is refused
    /// before anything is written.
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<Bytes>,
    /// Start over: remove the files initlab wrote in the results folder (nothing else).
    #[arg(long, conflicts_with = "force_new")]
    pub fresh: bool,
    /// When the folder holds results of a different config, move them to superseded-N/
    /// and start over instead of refusing.
    #[arg(long)]
    pub force_new: bool,
    /// Stop at the first run that fails.
    #[arg(long)]
    pub fail_fast: bool,
    /// No progress bars and no summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Skip the charts and reports.
    #[arg(long)]
    pub no_plot: bool,
}

/// `initlab merge`'s arguments.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard folders written by `initlab run --shard`.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// The merged folder [default: results/<name>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Merge even when runs of the grid are missing (the manifest and the report say so);
    /// without it such a merge is refused and writes nothing.
    #[arg(long)]
    pub partial: bool,
    /// Skip the charts.
    #[arg(long)]
    pub no_plot: bool,
}

/// `initlab check`'s arguments.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A results folder written by `initlab run`.
    pub dir: PathBuf,
    /// Check the `[[claim]]` tables of this file (e.g. an edited experiment config) instead
    /// of the folder's own claims.
    #[arg(long, value_name = "FILE")]
    pub claims: Option<PathBuf>,
    /// Also exit 1 when a claim is undecided.
    #[arg(long)]
    pub strict: bool,
}

/// `initlab theory`'s arguments.
#[derive(Debug, Args)]
pub struct TheoryArgs {
    /// The activation, e.g. tanh, relu, leaky_relu(0.2).
    #[arg(long)]
    pub activation: String,
    /// Weight variance times fan-in.
    #[arg(long, conflicts_with = "scheme")]
    pub sigma_w2: Option<f64>,
    /// Bias variance.
    #[arg(long, default_value_t = 0.0)]
    pub sigma_b2: f64,
    /// A weight scheme instead of σ_w² (a name, or a TOML table such as
    /// '{ scheme = "orthogonal", gain = 1.2 }'), on square layers of --width units.
    #[arg(long)]
    pub scheme: Option<String>,
    /// Layer width for --scheme.
    #[arg(long, default_value_t = 256)]
    pub width: usize,
    /// Print the critical σ_w² (χ₁ = 1) for --sigma-b2.
    #[arg(long, conflicts_with_all = ["sigma_w2", "scheme"])]
    pub critical: bool,
}

impl TryFrom<RunArgs> for RunOptions {
    type Error = anyhow::Error;

    /// Resolves what the command line leaves to initlab: the shard (from SLURM when not
    /// given), the parallelism (the cores) and what to do with existing results.
    fn try_from(a: RunArgs) -> Result<Self> {
        let shard = match a.shard {
            Some(s) => Some(s.parse::<Shard>().map_err(|e| anyhow!(e))?),
            None => Shard::from_slurm()?,
        };
        if a.jobs == Some(0) {
            bail!("--jobs must be at least 1");
        }
        let jobs = a.jobs.unwrap_or_else(|| a.device.default_jobs());
        let existing = if a.fresh {
            Existing::Fresh
        } else if a.force_new {
            Existing::ForceNew
        } else {
            Existing::Resume
        };
        Ok(RunOptions {
            config: a.config,
            overrides: a.overrides,
            out: a.out,
            jobs,
            quiet: a.quiet,
            plot: !a.no_plot,
            dry_run: a.dry_run,
            existing,
            fail_fast: a.fail_fast,
            shard,
            device: a.device,
            max_memory: a.max_memory,
        })
    }
}

impl From<&MergeArgs> for MergeOptions {
    fn from(a: &MergeArgs) -> Self {
        MergeOptions {
            inputs: a.dirs.clone(),
            out: a.out.clone(),
            partial: a.partial,
        }
    }
}

impl From<&CheckArgs> for CheckOptions {
    fn from(a: &CheckArgs) -> Self {
        CheckOptions {
            dir: a.dir.clone(),
            claims: a.claims.clone(),
        }
    }
}

impl From<TheoryArgs> for TheoryQuery {
    fn from(a: TheoryArgs) -> Self {
        TheoryQuery {
            activation: a.activation,
            sigma_w2: a.sigma_w2,
            sigma_b2: a.sigma_b2,
            scheme: a.scheme,
            width: a.width,
            critical: a.critical,
        }
    }
}
