//! The sweep: grid expansion into [`RunSpec`]s with stable run ids, shards, and the parallel
//! runner.
//!
//! Parallelism is across runs: each run trains single-threaded (candle's kernels are told to
//! use one thread by `RAYON_NUM_THREADS=1`, set in `main` before any thread exists) on a rayon
//! pool of `jobs` threads, so the cores are never oversubscribed. A run's randomness comes from
//! its own `seed` (the grid axis) alone, never from the worker or the order, so results are
//! bit-identical whatever `jobs` is; the CSVs are rewritten in grid order at the end.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

use anyhow::{bail, Context, Result};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::config::{ExperimentConfig, GridPoint};
use crate::data::Dataset;
use crate::init::NetworkInit;
use crate::output::RecordSink;
use crate::progress::sweep_bar;
use crate::records::RunStatus;
use crate::train::{run, Fixed, RunSpec};

/// Every run of the grid not left out by `exclude`, in grid order: dataset, activation, depth, width,
/// optimizer, learning rate, scheme, bias, seed (the last varies fastest). `index` counts all
/// grid points, excluded ones too, so it does not change when `exclude` does.
pub fn expand(config: &ExperimentConfig) -> Vec<RunSpec> {
    let mut specs = Vec::with_capacity(config.grid_size());
    let mut index = 0;
    for (dataset_index, dataset) in config.datasets.iter().enumerate() {
        for &activation in &config.activations {
            for &depth in &config.depths {
                for &width in &config.widths {
                    for optimizer in &config.optimizers {
                        for &lr in &config.lrs {
                            for init in &config.inits {
                                for bias in &config.biases {
                                    for &seed in &config.seeds {
                                        index += 1;
                                        let point = GridPoint {
                                            init: Some(init),
                                            activation: Some(activation),
                                            depth: Some(depth),
                                            width: Some(width),
                                            seed: Some(seed),
                                            lr: Some(lr),
                                            optimizer: Some(optimizer),
                                            bias: Some(bias),
                                            dataset: Some(dataset),
                                        };
                                        if config.exclude.iter().any(|e| point.matches(e)) {
                                            continue;
                                        }
                                        let mut spec = RunSpec {
                                            index: index - 1,
                                            run_id: String::new(),
                                            init: NetworkInit {
                                                hidden: init.clone(),
                                                output: config.output_init.clone(),
                                                bias: bias.clone(),
                                            },
                                            activation,
                                            depth,
                                            width,
                                            seed,
                                            optimizer: optimizer.clone(),
                                            lr,
                                            dataset: dataset.to_string(),
                                            dataset_index,
                                            train: config.train.clone(),
                                        };
                                        spec.run_id = run_id(&spec, config);
                                        specs.push(spec);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    specs
}

/// Letters, digits and `_`; anything else becomes `_`.
fn slug(label: &str) -> String {
    let s: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    s.trim_end_matches('_').to_string()
}

/// A readable, stable id: the main parameters, then a hash of everything that determines the
/// run (scheme parameters, bias, read-out, optimizer, learning rate, dataset and protocol).
pub fn run_id(spec: &RunSpec, config: &ExperimentConfig) -> String {
    let canonical = format!(
        "{:?}|{}|{}|{}|{}|{:?}|{:?}|{:?}|{:?}",
        spec.init,
        spec.activation,
        spec.depth,
        spec.width,
        spec.seed,
        spec.optimizer,
        spec.lr,
        config.datasets[spec.dataset_index],
        config.train
    );
    format!(
        "{}-{}-d{}-w{}-s{}-{:08x}",
        slug(&spec.init.hidden.to_string()),
        slug(&spec.activation.to_string()),
        spec.depth,
        spec.width,
        spec.seed,
        fnv1a(canonical.as_bytes()) as u32
    )
}

/// FNV-1a, 64 bits: a hash that, unlike std's, is the same in every Rust version.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// One of `count` deterministic parts of the grid: the runs whose grid index is `index`
/// modulo `count` (so every shard gets a mix of cheap and expensive runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub fn contains(&self, spec: &RunSpec) -> bool {
        spec.index % self.count == self.index
    }

    /// The shard of a SLURM array task (`SLURM_ARRAY_TASK_ID` from `SLURM_ARRAY_TASK_MIN`,
    /// default 0, out of `SLURM_ARRAY_TASK_COUNT`), when those variables are set.
    pub fn from_slurm() -> Result<Option<Shard>> {
        let var = |name: &str| std::env::var(name).ok();
        let (Some(id), Some(count)) = (var("SLURM_ARRAY_TASK_ID"), var("SLURM_ARRAY_TASK_COUNT"))
        else {
            return Ok(None);
        };
        let min = var("SLURM_ARRAY_TASK_MIN").unwrap_or_else(|| "0".into());
        let parse = |name: &str, v: &str| -> Result<usize> {
            v.trim()
                .parse()
                .with_context(|| format!("{name}=`{v}` is not a number"))
        };
        let (id, count, min) = (
            parse("SLURM_ARRAY_TASK_ID", &id)?,
            parse("SLURM_ARRAY_TASK_COUNT", &count)?,
            parse("SLURM_ARRAY_TASK_MIN", &min)?,
        );
        if id < min || id - min >= count {
            bail!(
                "SLURM array task {id} is outside {min}..{} (use a contiguous --array)",
                min + count
            );
        }
        Ok(Some(Shard {
            index: id - min,
            count,
        }))
    }
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("--shard `{s}`: expected i/n, e.g. 0/4"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("--shard `{s}`: `{i}` is not a number"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("--shard `{s}`: `{n}` is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!("--shard `{s}`: needs 0 <= i < n"));
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

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

/// Run id → grid position, the order of the final CSVs.
pub fn grid_order(specs: &[RunSpec]) -> HashMap<String, usize> {
    specs.iter().map(|s| (s.run_id.clone(), s.index)).collect()
}

/// `--dry-run`: the grid size and the first `shown` runs of `selected` (this shard's part of
/// `all`, the runs left after `exclude`).
pub fn describe_grid(
    config: &ExperimentConfig,
    all: &[RunSpec],
    selected: &[RunSpec],
    shown: usize,
) -> String {
    let mut out = format!(
        "{}: {} grid points, {} excluded, {} runs",
        config.name,
        config.grid_size(),
        config.grid_size() - all.len(),
        all.len()
    );
    if selected.len() < all.len() {
        out.push_str(&format!(", {} in this shard", selected.len()));
    }
    out.push('\n');
    for spec in selected.iter().take(shown) {
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
    if selected.len() > shown {
        out.push_str(&format!("  ... and {} more\n", selected.len() - shown));
    }
    out
}
