//! The command line, declared with clap; `main.rs` turns it into calls of the library.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

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
    /// resolved config and the charts.
    Run {
        /// The experiment config (TOML), e.g. experiments/quick.toml.
        config: PathBuf,
        /// Results folder [default: results/<name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Runs trained in parallel, each on one thread [default: the number of cores].
        #[arg(long, short)]
        jobs: Option<usize>,
        /// No progress bar and no summary.
        #[arg(long, short)]
        quiet: bool,
        /// Skip the charts.
        #[arg(long)]
        no_plot: bool,
    },
    /// Describe what a config can name.
    List {
        #[arg(value_enum)]
        what: ListWhat,
    },
    /// Render the charts of a results folder from its CSVs alone, into DIR/plots/.
    Plot {
        /// A results folder written by `initlab run`.
        dir: PathBuf,
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
