//! The command line, declared with clap; `main.rs` turns it into calls of the library.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use initlab::run::budget::Bytes;
use initlab::run::device::DeviceChoice;

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
    /// Train every run of an experiment's grid; write runs.csv, layers.csv, curves.csv, the
    /// resolved config, a manifest, the charts and the reports. Re-running resumes.
    Run {
        /// The experiment config (TOML), e.g. experiments/quick.toml.
        config: PathBuf,
        /// Override a config field, e.g. --set train.steps=100 --set 'depths=[2,4]'.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        overrides: Vec<String>,
        /// Results folder [default: results/<name>, or results/<name>/shard-i-of-n].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Runs trained in parallel, each on one thread [default: the number of cores].
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Where the networks train: the CPU, or the first CUDA GPU (needs a build with
        /// `--features cuda`).
        #[arg(long, value_enum, default_value_t = DeviceChoice::Cpu)]
        device: DeviceChoice,
        /// Only this part of the grid, e.g. 0/4 [default: from SLURM_ARRAY_TASK_ID and
        /// SLURM_ARRAY_TASK_COUNT when set].
        #[arg(long)]
        shard: Option<String>,
        /// Print the grid size, the memory estimate and the first runs; train nothing.
        #[arg(long)]
        dry_run: bool,
        /// The memory the sweep may use, e.g. 8G or 512M [default: the memory available on
        /// this machine]. A grid whose largest runs (--jobs at once) would not fit is refused
        /// before anything is written.
        #[arg(long, value_name = "SIZE")]
        max_memory: Option<Bytes>,
        /// Start over: remove the files initlab wrote in the results folder (nothing else).
        #[arg(long, conflicts_with = "force_new")]
        fresh: bool,
        /// When the folder holds results of a different config, move them to superseded-N/
        /// and start over instead of refusing.
        #[arg(long)]
        force_new: bool,
        /// Stop at the first run that fails.
        #[arg(long)]
        fail_fast: bool,
        /// No progress bars and no summary.
        #[arg(long, short)]
        quiet: bool,
        /// Skip the charts and reports.
        #[arg(long)]
        no_plot: bool,
    },
    /// Combine the results folders of an experiment's shards into one.
    Merge {
        /// Shard folders written by `initlab run --shard`.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// The merged folder [default: results/<name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Merge even when runs of the grid are missing (the manifest and the report say so);
        /// without it such a merge is refused and writes nothing.
        #[arg(long)]
        partial: bool,
        /// Skip the charts.
        #[arg(long)]
        no_plot: bool,
    },
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
    /// Mean-field predictions for an activation and (σ_w², σ_b²) or a scheme: q*, χ₁, the depth
    /// scales, the phase and the trainable depth 6·ξ_c; or the critical σ_w² for a σ_b².
    Theory {
        /// The activation, e.g. tanh, relu, leaky_relu(0.2).
        #[arg(long)]
        activation: String,
        /// Weight variance times fan-in.
        #[arg(long, conflicts_with = "scheme")]
        sigma_w2: Option<f64>,
        /// Bias variance.
        #[arg(long, default_value_t = 0.0)]
        sigma_b2: f64,
        /// A weight scheme instead of σ_w² (a name, or a TOML table such as
        /// '{ scheme = "orthogonal", gain = 1.2 }'), on square layers of --width units.
        #[arg(long)]
        scheme: Option<String>,
        /// Layer width for --scheme.
        #[arg(long, default_value_t = 256)]
        width: usize,
        /// Print the critical σ_w² (χ₁ = 1) for --sigma-b2.
        #[arg(long, conflicts_with_all = ["sigma_w2", "scheme"])]
        critical: bool,
    },
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
}
