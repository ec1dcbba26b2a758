//! The `initlab` binary: parse the command line, call the library, print errors.

mod cli;

use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Parser;

use cli::{Cli, Command, ListWhat};
use initlab::commands::merge::merge;
use initlab::commands::run::{run_experiment, RunReport};

fn main() -> ExitCode {
    // One level of parallelism, chosen on purpose: runs in parallel on initlab's own pool,
    // candle's kernels single-threaded. Must happen before any thread exists, as must the
    // allocator setting that keeps training's tensors in the heap (only training wants it:
    // charts drawn on several threads would keep every thread's freed buffers).
    std::env::set_var("RAYON_NUM_THREADS", "1");
    std::env::set_var("CANDLE_NUM_THREADS", "1");
    let cli = Cli::parse();
    if matches!(cli.command, Command::Run(_)) {
        initlab::run::resources::keep_freed_memory();
    }
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(args) => {
            let quiet = args.quiet;
            let report = run_experiment(&args.try_into()?)?;
            match &report {
                RunReport::DryRun(_) => print!("{report}"),
                RunReport::Done { summary, .. } => {
                    if !quiet {
                        eprint!("{report}");
                    }
                    if let Some((run_id, message)) = &summary.stopped_at {
                        bail!(
                            "stopped at the first failure (--fail-fast): run {run_id}: {message}"
                        );
                    }
                    if summary.failed > 0 {
                        bail!(
                            "{} runs failed; see the message column of runs.csv",
                            summary.failed
                        );
                    }
                }
            }
        }
        Command::Merge(args) => {
            let merged = merge(&(&args).into())?;
            eprintln!("{merged}");
            if !args.no_plot {
                initlab::charts::plot_all(&merged.out)?;
                initlab::report::write_reports(&merged.out)?;
            }
        }
        Command::List { what } => match what {
            ListWhat::Schemes => print!("{}", initlab::init::render_catalogue()),
            ListWhat::Activations => print!("{}", initlab::activation::render_catalogue()),
            ListWhat::Datasets => print!("{}", initlab::data::DATASET_KINDS),
            ListWhat::Parameterizations => {
                print!("{}", initlab::net::parameterization::PARAMETERIZATION_KINDS)
            }
            ListWhat::Architectures => {
                print!("{}", initlab::net::architecture::ARCHITECTURE_KINDS)
            }
        },
        Command::Check(args) => {
            let results = initlab::commands::check::check(&(&args).into())?;
            print!("{}", initlab::claims::render(&results));
            println!("{}", initlab::claims::tally(&results));
            if !initlab::commands::check::passed(&results, args.strict) {
                bail!(
                    "{} claims do not pass{}",
                    args.dir.display(),
                    if args.strict {
                        " (--strict: undecided counts)"
                    } else {
                        ""
                    }
                );
            }
        }
        Command::Theory(args) => print!("{}", initlab::theory::cli::describe(&args.into())?),
        Command::Report { dir } => {
            for file in initlab::report::write_reports(&dir)? {
                println!("{}", file.display());
            }
        }
        Command::Plot { dir } => {
            for chart in initlab::charts::plot_all(&dir)? {
                println!("{}", chart.display());
            }
        }
    }
    Ok(())
}
