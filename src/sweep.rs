//! The sweep: grid expansion into [`RunSpec`]s with stable run ids, and the parallel runner.
//!
//! Parallelism is across runs: each run trains single-threaded (candle's kernels are told to
//! use one thread by `RAYON_NUM_THREADS=1`, set in `main` before any thread exists) on a rayon
//! pool of `jobs` threads, so the cores are never oversubscribed. Results are bit-identical
//! whatever `jobs` is, and the CSVs are rewritten in grid order at the end.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::config::ExperimentConfig;
use crate::data::Dataset;
use crate::init::NetworkInit;
use crate::output::RecordSink;
use crate::progress::sweep_bar;
use crate::records::RunStatus;
use crate::train::{run, Fixed, RunSpec};

/// Every run of the grid, in grid order: activation, depth, width, optimizer, learning rate,
/// scheme, bias, seed (the last varies fastest).
pub fn expand(config: &ExperimentConfig) -> Vec<RunSpec> {
    let dataset = config.dataset.to_string();
    let mut specs = Vec::with_capacity(config.grid_size());
    for &activation in &config.activations {
        for &depth in &config.depths {
            for &width in &config.widths {
                for optimizer in &config.optimizers {
                    for &lr in &config.lrs {
                        for init in &config.inits {
                            for bias in &config.biases {
                                for &seed in &config.seeds {
                                    let mut spec = RunSpec {
                                        index: specs.len(),
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
                                        dataset: dataset.clone(),
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
    specs
}

/// A readable, stable id: the main parameters, then a hash of everything that determines the
/// run (scheme parameters, optimizer, learning rate, dataset and training protocol).
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
        config.dataset,
        config.train
    );
    let name: String = spec
        .init
        .hidden
        .to_string()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{}-{}-d{}-w{}-s{}-{:08x}",
        name.trim_end_matches('_'),
        spec.activation
            .to_string()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            })
            .collect::<String>()
            .trim_end_matches('_'),
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

/// How a sweep ended.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepSummary {
    pub skipped: usize,
    pub converged: usize,
    pub not_converged: usize,
    pub diverged: usize,
    pub failed: usize,
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

/// Runs every spec not in `done` on `jobs` threads, handing each record to `sink` as soon as
/// it finishes.
pub fn run_all(
    specs: &[RunSpec],
    done: &HashSet<String>,
    data: &Dataset,
    fixed: &Fixed,
    jobs: usize,
    quiet: bool,
    sink: &mut (dyn RecordSink + Send),
) -> Result<SweepSummary> {
    let todo: Vec<&RunSpec> = specs.iter().filter(|s| !done.contains(&s.run_id)).collect();
    let summary = Mutex::new(SweepSummary {
        skipped: specs.len() - todo.len(),
        ..SweepSummary::default()
    });
    let bar = sweep_bar(todo.len() as u64, quiet);
    let sink = Mutex::new(sink);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .context("cannot start the thread pool")?;
    pool.install(|| {
        todo.par_iter().try_for_each(|spec| -> Result<()> {
            let record = run(spec, data, fixed);
            sink.lock()
                .expect("a writer panicked")
                .append(&record)
                .with_context(|| format!("cannot save run {}", spec.run_id))?;
            let mut s = summary.lock().expect("a writer panicked");
            s.count(record.run.status);
            bar.set_message(s.describe());
            bar.inc(1);
            Ok(())
        })
    })?;
    bar.finish_and_clear();
    Ok(summary.into_inner().expect("a writer panicked"))
}

/// Run id → grid position, the order of the final CSVs.
pub fn grid_order(specs: &[RunSpec]) -> HashMap<String, usize> {
    specs.iter().map(|s| (s.run_id.clone(), s.index)).collect()
}
