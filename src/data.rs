//! Datasets: examples as a row-major `f32` matrix with classification labels, generated from a
//! seed, standardized with the training statistics, and cut into batches.

use candle_core::{Device, Result as CandleResult, Tensor};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::rng::{stream, Purpose};

/// Which dataset a run trains on, and its parameters (the `[dataset]` table of a config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DatasetConfig {
    /// `classes` isotropic Gaussian clusters in `dim` dimensions: class centres
    /// `μ_c ~ N(0, separation²/(2·dim) · I)`, so that two centres lie `separation` apart in
    /// expectation, measured in units of the within-class standard deviation (1).
    GaussianMixture {
        #[serde(default = "default_classes")]
        classes: usize,
        #[serde(default = "default_dim")]
        dim: usize,
        #[serde(default = "default_separation")]
        separation: f64,
        #[serde(default = "default_samples")]
        samples: usize,
        #[serde(default)]
        seed: u64,
    },
}

fn default_classes() -> usize {
    10
}
fn default_dim() -> usize {
    32
}
fn default_separation() -> f64 {
    3.0
}
fn default_samples() -> usize {
    2048
}

impl DatasetConfig {
    /// A short name for CSV files and charts.
    pub fn label(&self) -> String {
        match self {
            DatasetConfig::GaussianMixture { classes, dim, .. } => {
                format!("gaussian_mixture({classes}x{dim})")
            }
        }
    }

    /// Checks the parameters before anything is generated or written.
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            DatasetConfig::GaussianMixture {
                classes,
                dim,
                separation,
                samples,
                ..
            } => {
                if classes < 2 {
                    return Err("dataset.classes must be at least 2".into());
                }
                if dim == 0 {
                    return Err("dataset.dim must be at least 1".into());
                }
                if !(separation.is_finite() && separation >= 0.0) {
                    return Err("dataset.separation must be a finite number >= 0".into());
                }
                if samples < classes {
                    return Err(format!(
                        "dataset.samples ({samples}) must be at least the number of classes ({classes})"
                    ));
                }
                Ok(())
            }
        }
    }

    /// Generates (or loads) the dataset, standardized with its own statistics.
    pub fn build(&self) -> Dataset {
        let mut data = match *self {
            DatasetConfig::GaussianMixture {
                classes,
                dim,
                separation,
                samples,
                seed,
            } => gaussian_mixture(classes, dim, separation, samples, seed),
        };
        data.name = self.label();
        data.standardize();
        data
    }
}

/// A classification dataset held in memory.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: String,
    /// Number of examples.
    pub n: usize,
    /// Number of input features.
    pub dim: usize,
    /// Features, row-major `[n, dim]`.
    pub x: Vec<f32>,
    /// Class labels in `0..classes`.
    pub labels: Vec<u32>,
    pub classes: usize,
}

impl Dataset {
    /// Standardizes every feature to mean 0 and variance 1 (features with zero variance are
    /// only centred).
    pub fn standardize(&mut self) {
        let (n, d) = (self.n, self.dim);
        for j in 0..d {
            let mean = (0..n).map(|i| f64::from(self.x[i * d + j])).sum::<f64>() / n as f64;
            let var = (0..n)
                .map(|i| (f64::from(self.x[i * d + j]) - mean).powi(2))
                .sum::<f64>()
                / n as f64;
            let scale = if var > 0.0 { 1.0 / var.sqrt() } else { 1.0 };
            for i in 0..n {
                let v = &mut self.x[i * d + j];
                *v = ((f64::from(*v) - mean) * scale) as f32;
            }
        }
    }

    /// The examples at `indices` as an `[len, dim]` tensor and a `[len]` label tensor.
    pub fn batch(&self, indices: &[usize], device: &Device) -> CandleResult<(Tensor, Tensor)> {
        let mut xs = Vec::with_capacity(indices.len() * self.dim);
        let mut ys = Vec::with_capacity(indices.len());
        for &i in indices {
            xs.extend_from_slice(&self.x[i * self.dim..(i + 1) * self.dim]);
            ys.push(self.labels[i]);
        }
        let x = Tensor::from_vec(xs, (indices.len(), self.dim), device)?;
        let y = Tensor::from_vec(ys, indices.len(), device)?;
        Ok((x, y))
    }

    /// The fixed probe batch: the first `size` examples (at most all of them) of a permutation
    /// drawn from the dataset seed alone, so that every run on this dataset is probed on the
    /// same examples.
    pub fn probe_indices(&self, size: usize, seed: u64) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.n).collect();
        idx.shuffle(&mut stream(seed, Purpose::Probe));
        idx.truncate(size.min(self.n));
        idx
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

fn gaussian_mixture(classes: usize, dim: usize, separation: f64, n: usize, seed: u64) -> Dataset {
    let mut rng = stream(seed, Purpose::Data);
    let centre_std = separation / (2.0 * dim as f64).sqrt();
    let centres: Vec<f64> = (0..classes * dim)
        .map(|_| centre_std * Distribution::<f64>::sample(&StandardNormal, &mut rng))
        .collect();
    let mut labels: Vec<u32> = (0..n).map(|i| (i % classes) as u32).collect();
    labels.shuffle(&mut rng);
    let mut x = Vec::with_capacity(n * dim);
    for &c in &labels {
        for j in 0..dim {
            let noise: f64 = StandardNormal.sample(&mut rng);
            x.push((centres[c as usize * dim + j] + noise) as f32);
        }
    }
    Dataset {
        name: String::new(),
        n,
        dim,
        x,
        labels,
        classes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mixture() -> DatasetConfig {
        DatasetConfig::GaussianMixture {
            classes: 4,
            dim: 8,
            separation: 3.0,
            samples: 400,
            seed: 3,
        }
    }

    #[test]
    fn gaussian_mixture_is_balanced_standardized_and_reproducible() {
        let d = mixture().build();
        assert_eq!((d.n, d.dim, d.classes, d.x.len()), (400, 8, 4, 3200));
        for c in 0..4 {
            assert_eq!(d.labels.iter().filter(|&&l| l == c).count(), 100);
        }
        for j in 0..8 {
            let col: Vec<f64> = (0..400).map(|i| f64::from(d.x[i * 8 + j])).collect();
            let mean = col.iter().sum::<f64>() / 400.0;
            let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 400.0;
            assert!(
                mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-4,
                "feature {j}: {mean} {var}"
            );
        }
        assert_eq!(d.x, mixture().build().x);
    }

    #[test]
    fn sampler_yields_full_batches_covering_each_epoch() {
        let mut s = BatchSampler::new(10, 4, 1);
        let mut seen: Vec<usize> = s.next_batch().to_vec();
        seen.extend_from_slice(s.next_batch());
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 8, "two batches of an epoch share no example");
        assert_eq!(
            s.next_batch().len(),
            4,
            "the short tail is skipped, not returned"
        );
    }
}
