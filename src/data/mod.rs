//! Datasets: where examples come from ([`DatasetConfig`]), and what a run trains on
//! ([`Dataset`]): a training and a test split of row-major `f32` features with class labels
//! or regression targets, preprocessed with statistics of the training split alone.
//!
//! Sources: synthetic sets generated from a seed (`gaussian_mixture`, `teacher`, `shapeset`),
//! the bundled UCI digits (`digits`), and files a user points at (`mnist` IDX, `cifar10`
//! binary batches, `csv`).

mod build;
mod config;
mod digits;
mod files;
mod preprocess;
mod shapeset;
mod synthetic;

use std::path::PathBuf;

use candle_core::{Device, Result as CandleResult, Tensor};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use thiserror::Error;

use crate::rng::{stream, Purpose};

pub use config::{DataSource, DatasetConfig, Preprocess, Scaling, TeacherTask, DATASET_KINDS};
pub use files::{read_cifar10_batch, read_csv, read_idx};
pub use shapeset::{shapeset, SHAPESET_CLASSES};
pub use synthetic::{CopyTask, ADDING_STEP};

/// A dataset that cannot be read or is malformed.
#[derive(Debug, Error)]
pub enum DataError {
    #[error("cannot read data file `{path}`: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("data file `{path}`: {problem}")]
    Format { path: PathBuf, problem: String },
    #[error("dataset: {0}")]
    Invalid(String),
}

/// What the network predicts, which decides the loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// Softmax cross-entropy over `classes` labels.
    Classification { classes: usize },
    /// Mean squared error over `outputs` targets.
    Regression { outputs: usize },
    /// A label out of `classes` at each of an example's last `positions` time steps (the copy
    /// task): softmax cross-entropy per position, an example's loss the mean over its
    /// positions, accuracy the fraction of positions right.
    SequenceLabels { classes: usize, positions: usize },
}

impl Task {
    /// The width of the network's output layer: for sequence labels, `classes` logits per
    /// position side by side (`[p₁ logits, p₂ logits, …]`).
    pub fn outputs(&self) -> usize {
        match *self {
            Task::Classification { classes } => classes,
            Task::Regression { outputs } => outputs,
            Task::SequenceLabels { classes, positions } => classes * positions,
        }
    }

    /// The time steps a prediction is read from, counted from the end: 1 but for sequence
    /// labels.
    pub fn positions(&self) -> usize {
        match *self {
            Task::SequenceLabels { positions, .. } => positions,
            Task::Classification { .. } | Task::Regression { .. } => 1,
        }
    }
}

/// The targets of a split: labels (one per example, or one per position of each example for
/// [`Task::SequenceLabels`], example by example), or `outputs` values per example.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    Labels(Vec<u32>),
    Values(Vec<f32>),
}

/// A set of examples: features row-major `[n, dim]` and their targets.
#[derive(Debug, Clone, PartialEq)]
pub struct Examples {
    pub n: usize,
    pub dim: usize,
    pub x: Vec<f32>,
    pub y: Targets,
}

impl Examples {
    /// The examples at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Examples {
        let mut x = Vec::with_capacity(indices.len() * self.dim);
        for &i in indices {
            x.extend_from_slice(&self.x[i * self.dim..(i + 1) * self.dim]);
        }
        fn rows<T: Copy>(v: &[T], n: usize, indices: &[usize]) -> Vec<T> {
            let k = v.len() / n.max(1);
            let mut out = Vec::with_capacity(indices.len() * k);
            for &i in indices {
                out.extend_from_slice(&v[i * k..(i + 1) * k]);
            }
            out
        }
        let y = match &self.y {
            Targets::Labels(l) => Targets::Labels(rows(l, self.n, indices)),
            Targets::Values(v) => Targets::Values(rows(v, self.n, indices)),
        };
        Examples {
            n: indices.len(),
            dim: self.dim,
            x,
            y,
        }
    }

    /// The examples at `indices` as an `[len, dim]` tensor and a target tensor (`[len]` u32
    /// labels, `[len, positions]` for sequence labels, or `[len, outputs]` f32 values).
    /// Called once per training step: the rows are copied once, straight into the tensors.
    pub fn batch(&self, indices: &[usize], device: &Device) -> CandleResult<(Tensor, Tensor)> {
        let Examples { x, y, .. } = self.select(indices);
        let n = indices.len();
        let x = Tensor::from_vec(x, (n, self.dim), device)?;
        let y = match y {
            Targets::Labels(l) if l.len() > n => {
                let k = l.len() / n.max(1);
                Tensor::from_vec(l, (n, k), device)?
            }
            Targets::Labels(l) => Tensor::from_vec(l, n, device)?,
            Targets::Values(v) => {
                let k = v.len() / n.max(1);
                Tensor::from_vec(v, (n, k), device)?
            }
        };
        Ok((x, y))
    }

    /// Every example as tensors.
    pub fn all(&self, device: &Device) -> CandleResult<(Tensor, Tensor)> {
        self.batch(&(0..self.n).collect::<Vec<_>>(), device)
    }
}

/// A dataset ready for training: preprocessed training and test splits.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: String,
    pub task: Task,
    pub train: Examples,
    pub test: Examples,
    /// Features per time step where the examples are sequences (`[dataset] step`, the adding
    /// problem's 2); `None` otherwise.
    pub step: Option<usize>,
}

impl Dataset {
    /// Input features.
    pub fn dim(&self) -> usize {
        self.train.dim
    }

    /// The sequence shape of the examples, `(steps, features per step)`, where they are
    /// sequences.
    pub fn sequence(&self) -> Option<(usize, usize)> {
        self.step.map(|step| (self.dim() / step, step))
    }

    /// The fixed probe batch: the first `size` training examples (at most all of them) of a
    /// permutation drawn from the dataset seed alone, so that every run on this dataset is
    /// probed on the same examples.
    pub fn probe_indices(&self, size: usize, seed: u64) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.train.n).collect();
        idx.shuffle(&mut stream(seed, Purpose::Probe));
        idx.truncate(size.min(self.train.n));
        idx
    }

    /// One line: shape, splits and class balance.
    pub fn describe(&self) -> String {
        let task = match self.task {
            Task::Classification { classes } | Task::SequenceLabels { classes, .. } => {
                let balance = |e: &Examples| match &e.y {
                    Targets::Labels(l) => {
                        let mut counts = vec![0usize; classes];
                        for &c in l {
                            counts[c as usize] += 1;
                        }
                        counts
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("/")
                    }
                    Targets::Values(_) => String::new(),
                };
                let per = match self.task {
                    Task::SequenceLabels { positions, .. } => {
                        format!(" at each of {positions} positions")
                    }
                    _ => String::new(),
                };
                format!(
                    "{classes} classes{per}, train balance {}, test balance {}",
                    balance(&self.train),
                    balance(&self.test)
                )
            }
            Task::Regression { outputs } => format!("regression, {outputs} outputs"),
        };
        format!(
            "{}: {} train / {} test examples, {} features, {task}",
            self.name,
            self.train.n,
            self.test.n,
            self.dim()
        )
    }
}

/// Draws training batches: successive slices of a seeded permutation, reshuffled when fewer
/// than `batch_size` examples remain, so every batch is full.
pub struct BatchSampler {
    order: Vec<usize>,
    cursor: usize,
    batch_size: usize,
    rng: ChaCha8Rng,
}

impl BatchSampler {
    pub fn new(n: usize, batch_size: usize, seed: u64) -> Self {
        let mut rng = stream(seed, Purpose::Batches);
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut rng);
        BatchSampler {
            order,
            cursor: 0,
            batch_size: batch_size.min(n),
            rng,
        }
    }

    pub fn next_batch(&mut self) -> &[usize] {
        if self.cursor + self.batch_size > self.order.len() {
            self.order.shuffle(&mut self.rng);
            self.cursor = 0;
        }
        let batch = &self.order[self.cursor..self.cursor + self.batch_size];
        self.cursor += self.batch_size;
        batch
    }
}

#[cfg(test)]
mod tests;
