//! The `initlab` binary: parse the command line, call the library, print errors.

mod cli;

use std::process::ExitCode;

use anyhow::{anyhow, bail, Result};
use clap::Parser;

use cli::{Cli, Command, ListWhat};
use initlab::commands::run::{run_experiment, RunOptions, RunReport};
use initlab::config::grid::Shard;
use initlab::store::files::{PLOTS_DIR, REPORT_HTML};
use initlab::store::folder::Existing;

fn main() -> ExitCode {
    // One level of parallelism, chosen on purpose: runs in parallel on initlab's own pool,
    // candle's kernels single-threaded. Must happen before any thread exists.
    initlab::run::resources::keep_freed_memory();
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
            overrides,
            out,
            jobs,
            device,
            shard,
            dry_run,
            max_memory,
            fresh,
            force_new,
            fail_fast,
            quiet,
            no_plot,
        } => {
            let started = std::time::Instant::now();
            let shard = match shard {
                Some(s) => Some(s.parse::<Shard>().map_err(|e| anyhow!(e))?),
                None => Shard::from_slurm()?,
            };
            if jobs == Some(0) {
                bail!("--jobs must be at least 1");
            }
            let jobs = jobs.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
            });
            let existing = if fresh {
                Existing::Fresh
            } else if force_new {
                Existing::ForceNew
            } else {
                Existing::Resume
            };
            let report = run_experiment(&RunOptions {
                config,
                overrides,
                out,
                jobs,
                quiet,
                plot: !no_plot,
                dry_run,
                existing,
                fail_fast,
                shard,
                device,
                max_memory,
            })?;
            let RunReport::Done {
                out,
                total,
                summary,
                charts,
            } = report
            else {
                if let RunReport::DryRun(text) = report {
                    print!("{text}");
                }
                return Ok(());
            };
            if !quiet {
                let memory = initlab::run::resources::peak_rss()
                    .map(|b| format!(", peak memory {} MB", b / (1 << 20)))
                    .unwrap_or_default();
                eprintln!(
                    "initlab: {total} runs: {} already done, {} trained now ({}) -> {} ({:.1} s{memory})",
                    summary.skipped,
                    summary.trained(),
                    summary.describe(),
                    out.display(),
                    started.elapsed().as_secs_f64()
                );
                if !charts.is_empty() {
                    eprintln!(
                        "initlab: {} charts in {}, report in {}",
                        charts.len(),
                        out.join(PLOTS_DIR).display(),
                        out.join(REPORT_HTML).display()
                    );
                }
            }
            if let Some((run_id, message)) = summary.stopped_at {
                bail!("stopped at the first failure (--fail-fast): run {run_id}: {message}");
            }
            if summary.failed > 0 {
                bail!(
                    "{} runs failed; see the message column of runs.csv",
                    summary.failed
                );
            }
            Ok(())
        }
        Command::Merge {
            dirs,
            out,
            partial,
            no_plot,
        } => {
            let inputs = dirs.len();
            let merged =
                initlab::commands::merge::merge(&initlab::commands::merge::MergeOptions {
                    inputs: dirs,
                    out,
                    partial,
                })?;
            eprintln!(
                "initlab: merged {inputs} folders: {} of {} runs -> {}{}",
                merged.runs,
                merged.grid,
                merged.out.display(),
                if merged.runs < merged.grid {
                    " (partial)"
                } else {
                    ""
                }
            );
            if !no_plot {
                initlab::charts::plot_all(&merged.out)?;
                initlab::report::write_reports(&merged.out)?;
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
        Command::Theory {
            activation,
            sigma_w2,
            sigma_b2,
            scheme,
            width,
            critical,
        } => {
            print!(
                "{}",
                initlab::theory::cli::describe(&initlab::theory::cli::TheoryQuery {
                    activation,
                    sigma_w2,
                    sigma_b2,
                    scheme,
                    width,
                    critical,
                })?
            );
            Ok(())
        }
        Command::Report { dir } => {
            for file in initlab::report::write_reports(&dir)? {
                println!("{}", file.display());
            }
            Ok(())
        }
        Command::Plot { dir } => {
            for chart in initlab::charts::plot_all(&dir)? {
                println!("{}", chart.display());
            }
            Ok(())
        }
    }
}
