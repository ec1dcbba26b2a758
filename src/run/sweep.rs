//! The sweep: the parallel runner over the runs of the grid ([`crate::config::grid`]), and `--dry-run`.
//!
//! Parallelism is across runs: each run trains single-threaded (candle's kernels are told to
//! use one thread by `RAYON_NUM_THREADS=1`, set in `main` before any thread exists) on a rayon
//! pool of `jobs` threads, so the cores are never oversubscribed. A run's randomness comes from
//! its own `seed` (the grid axis) alone, never from the worker or the order, so results are
//! bit-identical whatever `jobs` is; the CSVs are rewritten in grid order at the end.

use std::collections::HashSet;
use std::sync::Mutex;

use anyhow::{Context, Result};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::bytes::Bytes;
use crate::config::grid::{Grid, Shard};
use crate::config::spec::RunSpec;
use crate::data::Dataset;
use crate::run::budget::GridEstimate;
use crate::run::fixed::Fixed;
use crate::run::progress::sweep_bar;
use crate::run::train::run;
use crate::store::rows::RunStatus;
use crate::store::tables::RecordSink;

/// How a sweep ended.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepSummary {
    pub skipped: usize,
    pub converged: usize,
    pub not_converged: usize,
    pub diverged: usize,
    pub failed: usize,
    /// The first failure when `--fail-fast` stopped the sweep: (run id, message).
    pub stopped_at: Option<(String, String)>,
}

impl SweepSummary {
    fn count(&mut self, status: RunStatus) {
        match status {
            RunStatus::Converged => self.converged += 1,
            RunStatus::NotConverged => self.not_converged += 1,
            RunStatus::Diverged => self.diverged += 1,
            RunStatus::Failed => self.failed += 1,
        }
    }

    /// Runs trained by this invocation.
    pub fn trained(&self) -> usize {
        self.converged + self.not_converged + self.diverged + self.failed
    }

    pub fn describe(&self) -> String {
        format!(
            "{} converged, {} not converged, {} diverged, {} failed",
            self.converged, self.not_converged, self.diverged, self.failed
        )
    }
}

/// How the runner behaves.
#[derive(Debug, Clone, Copy)]
pub struct RunnerOptions {
    pub jobs: usize,
    pub quiet: bool,
    pub fail_fast: bool,
}

/// Runs every spec not in `done` on `jobs` threads, handing each record to `sink` as soon as
/// it finishes.
pub fn run_all(
    specs: &[RunSpec],
    done: &HashSet<String>,
    data: &[(Dataset, Fixed)],
    options: RunnerOptions,
    sink: &mut (dyn RecordSink + Send),
) -> Result<SweepSummary> {
    let todo: Vec<&RunSpec> = specs.iter().filter(|s| !done.contains(&s.run_id)).collect();
    let summary = Mutex::new(SweepSummary {
        skipped: specs.len() - todo.len(),
        ..SweepSummary::default()
    });
    let bars = MultiProgress::new();
    let bar = bars.add(sweep_bar(todo.len() as u64, options.quiet));
    let run_style =
        ProgressStyle::with_template("  {prefix} step {pos}/{len}").expect("the template is valid");
    let sink = Mutex::new(sink);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.max(1))
        .build()
        .context("cannot start the thread pool")?;
    let result = pool.install(|| {
        todo.par_iter().try_for_each(|spec| -> Result<(), Stop> {
            let line = if options.quiet {
                ProgressBar::hidden()
            } else {
                let line = bars.add(ProgressBar::new(spec.train.steps as u64));
                line.set_style(run_style.clone());
                line.set_prefix(format!(
                    "{} {} depth {} width {} seed {}",
                    spec.init.hidden, spec.activation, spec.depth, spec.width, spec.seed
                ));
                line
            };
            let (data, fixed) = &data[spec.dataset_index];
            let record = run(spec, data, fixed, &|step| line.set_position(step as u64));
            line.finish_and_clear();
            bars.remove(&line);
            sink.lock()
                .expect("a writer panicked")
                .append(&record)
                .with_context(|| format!("cannot save run {}", spec.run_id))
                .map_err(Stop::Error)?;
            let mut s = summary.lock().expect("a writer panicked");
            s.count(record.run.status);
            bar.set_message(s.describe());
            bar.inc(1);
            if options.fail_fast && record.run.status == RunStatus::Failed {
                s.stopped_at = Some((record.run.run_id.clone(), record.run.message.clone()));
                return Err(Stop::FailFast);
            }
            Ok(())
        })
    });
    bar.finish_and_clear();
    match result {
        Ok(()) | Err(Stop::FailFast) => Ok(summary.into_inner().expect("a writer panicked")),
        Err(Stop::Error(e)) => Err(e),
    }
}

/// Why the runner stopped early.
enum Stop {
    FailFast,
    Error(anyhow::Error),
}

/// `--dry-run`: the grid size, this shard's part of it, the memory estimate and the first
/// `shown` runs, from one lazy walk of the grid (a grid of millions of runs answers at once).
pub fn describe_grid(
    grid: &Grid,
    shard: Option<Shard>,
    shown: usize,
    estimate: &GridEstimate,
) -> String {
    let runs = grid.count(None);
    let selected = shard.map_or(runs, |_| grid.count(shard));
    let first: Vec<RunSpec> = grid
        .points()
        .filter(|p| shard.is_none_or(|s| s.contains_index(p.index)))
        .take(shown)
        .map(|p| grid.spec(&p))
        .collect();
    let mut out = format!(
        "{}: {} grid points, {} excluded, {runs} runs",
        grid.config.name,
        grid.size(),
        grid.size() - runs,
    );
    if selected < runs {
        out.push_str(&format!(", {selected} in this shard"));
    }
    out.push('\n');
    out.push_str(&format!(
        "estimated peak memory: {} ({} runs at once",
        estimate.peak, estimate.parallel
    ));
    if let Some((id, _, run)) = &estimate.largest {
        out.push_str(&format!("; the largest, {id}, {}", Bytes(run.total())));
    }
    out.push_str(")\n");
    for spec in &first {
        out.push_str(&format!(
            "  {:<44} init={} bias={} activation={} depth={} width={} seed={} optimizer={} lr={}\n",
            spec.run_id,
            spec.init.hidden,
            spec.init.bias,
            spec.activation,
            spec.depth,
            spec.width,
            spec.seed,
            spec.optimizer,
            spec.lr
        ));
    }
    if selected > shown {
        out.push_str(&format!("  ... and {} more\n", selected - shown));
    }
    out
}
