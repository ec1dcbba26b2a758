//! Building a run's [`Dataset`] from its `[dataset]` table: generate or load the source's
//! examples, split them into training and test, cap each split and scale both with the
//! training split's statistics.

use super::config::{DataSource, DatasetConfig, TeacherTask};
use super::preprocess::{amplify, cap, scale, split};
use super::synthetic::{adding_problem, copy_task, gaussian_mixture, teacher, Teacher};
use super::{digits, files, shapeset, DataError, Dataset, Examples, Targets, Task};

impl DatasetConfig {
    /// Generates or loads the examples, splits, caps and scales them.
    pub fn build(&self) -> Result<Dataset, DataError> {
        let seed = self.prep.seed;
        let pool = |e: Examples| split(&e, self.prep.test_fraction, seed);
        let (train, test) = match &self.source {
            DataSource::GaussianMixture {
                classes,
                dim,
                separation,
                samples,
            } => pool(gaussian_mixture(
                *classes,
                *dim,
                *separation,
                *samples,
                seed,
            )),
            DataSource::Teacher {
                task,
                dim,
                outputs,
                depth,
                width,
                activation,
                noise,
                samples,
            } => {
                let t = Teacher {
                    dim: *dim,
                    outputs: *outputs,
                    depth: *depth,
                    width: *width,
                    activation: *activation,
                    noise: *noise,
                };
                pool(teacher(
                    &t,
                    *samples,
                    *task == TeacherTask::Regression,
                    seed,
                ))
            }
            DataSource::Adding { length, samples } => pool(adding_problem(*length, *samples, seed)),
            DataSource::Copy { samples, .. } => {
                let task = self
                    .copy_task()
                    .expect("a copy table describes a copy task");
                pool(copy_task(&task, *samples, seed))
            }
            DataSource::Shapeset { samples } => pool(shapeset(*samples, seed)),
            DataSource::Digits {} => pool(digits::digits()?),
            DataSource::Mnist { dir } => files::mnist(dir)?,
            DataSource::Cifar10 { dir } => files::cifar10(dir)?,
            DataSource::Csv {
                path,
                label_column,
                header,
                task,
                classes,
            } => pool(files::read_csv(
                path,
                *header,
                *label_column,
                *task == TeacherTask::Regression,
                *classes,
            )?),
        };
        let mut train = cap(train, self.prep.max_train);
        let mut test = cap(test, self.prep.max_test);
        if train.n == 0 || test.n == 0 {
            return Err(DataError::Invalid(format!(
                "{self}: needs training and test examples, has {} and {}",
                train.n, test.n
            )));
        }
        let step = self.step();
        if let Some(step) = step.filter(|step| !train.dim.is_multiple_of(*step)) {
            return Err(DataError::Invalid(format!(
                "{self}: step = {step} does not divide the {} features into time steps",
                train.dim
            )));
        }
        scale(&mut train, &mut test, self.prep.scaling);
        amplify(&mut train, &mut test, self.prep.input_scale);
        let task = self.task(&train, &test);
        Ok(Dataset {
            name: self.to_string(),
            task,
            train,
            test,
            step,
        })
    }

    fn task(&self, train: &Examples, test: &Examples) -> Task {
        if let Some(copy) = self.copy_task() {
            return Task::SequenceLabels {
                classes: copy.classes(),
                positions: copy.steps(),
            };
        }
        let fixed = match &self.source {
            DataSource::GaussianMixture { classes, .. } => Some(*classes),
            DataSource::Teacher {
                task: TeacherTask::Classification,
                outputs,
                ..
            } => Some(*outputs),
            DataSource::Shapeset { .. } => Some(shapeset::SHAPESET_CLASSES.len()),
            DataSource::Digits {} | DataSource::Mnist { .. } | DataSource::Cifar10 { .. } => {
                Some(10)
            }
            DataSource::Csv { classes, .. } => *classes,
            DataSource::Teacher { .. } | DataSource::Adding { .. } | DataSource::Copy { .. } => {
                None
            }
        };
        match (&train.y, &test.y) {
            (Targets::Labels(a), Targets::Labels(b)) => {
                let seen = a.iter().chain(b).max().map_or(0, |&m| m as usize + 1);
                Task::Classification {
                    classes: fixed.unwrap_or(seen).max(seen),
                }
            }
            (Targets::Values(v), _) => Task::Regression {
                outputs: v.len() / train.n.max(1),
            },
            (Targets::Labels(_), Targets::Values(_)) => unreachable!("splits of one source"),
        }
    }
}
