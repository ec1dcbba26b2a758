//! The shape of a dataset as the memory budget needs it, known from the config alone: how
//! many examples, features and outputs a source holds, and the bytes they take in memory.

use crate::data::{DataSource, DatasetConfig};

/// What a dataset source holds: examples (training and test together), features and outputs,
/// known from the config alone (a file source's shape from its documented or first-line size).
#[derive(Debug, Clone, Copy)]
pub struct DataShape {
    pub examples: u64,
    /// Examples of the test split, evaluated in one forward pass.
    pub test: u64,
    pub features: u64,
    pub outputs: u64,
    /// Features per time step, for sequence datasets.
    pub step: Option<u64>,
}

impl DataShape {
    pub fn of(dataset: &DatasetConfig) -> Self {
        let prep = &dataset.prep;
        let shape = |examples: usize, features: usize, outputs: usize| DataShape {
            examples: examples as u64,
            test: (examples as f64 * prep.test_fraction).ceil() as u64,
            features: features as u64,
            outputs: outputs as u64,
            step: dataset.step().map(|s| s as u64),
        };
        let mut shape = match &dataset.source {
            DataSource::GaussianMixture {
                classes,
                dim,
                samples,
                ..
            } => shape(*samples, *dim, *classes),
            DataSource::Teacher {
                dim,
                outputs,
                samples,
                ..
            } => shape(*samples, *dim, *outputs),
            DataSource::Adding { length, samples } => {
                shape(*samples, crate::data::ADDING_STEP * length, 1)
            }
            DataSource::Copy { samples, .. } => {
                let copy = dataset
                    .copy_task()
                    .expect("a copy table describes a copy task");
                // Its labels, one per step, ride along with the features.
                let steps = copy.steps();
                shape(*samples, (copy.step() + 1) * steps, copy.classes() * steps)
            }
            DataSource::Shapeset { samples } => shape(*samples, 32 * 32, 9),
            DataSource::Digits {} => shape(1_797, 64, 10),
            DataSource::Mnist { .. } => DataShape {
                test: 10_000,
                ..shape(70_000, 28 * 28, 10)
            },
            DataSource::Cifar10 { .. } => DataShape {
                test: 10_000,
                ..shape(60_000, 3 * 32 * 32, 10)
            },
            DataSource::Csv { path, classes, .. } => {
                // One f32 per field where the text takes a few bytes: the file's size bounds it.
                let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
                shape((bytes / 2) as usize, 1, classes.unwrap_or(10))
            }
        };
        if let Some(max) = prep.max_test {
            shape.test = shape.test.min(max as u64);
        }
        shape
    }

    /// The dataset in memory: the examples as f32 (twice: as read and after the split and
    /// scaling), targets, and the probe batch and test split as tensors.
    pub fn bytes(&self, probe_size: usize) -> u64 {
        let values = self.examples.saturating_mul(self.features + 1);
        let probe = (probe_size as u64).saturating_mul(self.features + 1);
        values
            .saturating_mul(4 * 3)
            .saturating_add(probe.saturating_mul(4))
    }
}
