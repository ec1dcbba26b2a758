//! The `initlab` binary: parse the command line, call the library, print errors.

mod cli;

use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Parser;

use cli::{Cli, Command, ListWhat};
use initlab::experiment::{run_experiment, RunOptions};

fn main() -> ExitCode {
    // One level of parallelism, chosen on purpose: runs in parallel on initlab's own pool,
    // candle's kernels single-threaded. Must happen before any thread exists.
    std::env::set_var("RAYON_NUM_THREADS", "1");
    std::env::set_var("CANDLE_NUM_THREADS", "1");
    match dispatch(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run {
            config,
            out,
            jobs,
            quiet,
            no_plot,
        } => {
            let jobs = jobs.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
            });
            let report = run_experiment(&RunOptions {
                config,
                out,
                jobs,
                quiet,
                plot: !no_plot,
            })?;
            if !quiet {
                let s = &report.summary;
                eprintln!(
                    "initlab: {} runs ({} already done): {} -> {}",
                    report.total,
                    s.skipped,
                    s.describe(),
                    report.out.display()
                );
                for chart in &report.charts {
                    eprintln!("  chart {}", chart.display());
                }
            }
            if report.summary.failed > 0 {
                bail!(
                    "{} runs failed; see the message column of runs.csv",
                    report.summary.failed
                );
            }
            Ok(())
        }
        Command::List { what } => {
            match what {
                ListWhat::Schemes => print!("{}", initlab::init::render_catalogue()),
                ListWhat::Activations => print!("{}", initlab::activation::render_catalogue()),
                ListWhat::Datasets => print!("{}", initlab::data::DATASET_KINDS),
            }
            Ok(())
        }
        Command::Plot { dir } => {
            for chart in initlab::plot::plot_all(&dir)? {
                println!("{}", chart.display());
            }
            Ok(())
        }
    }
}
