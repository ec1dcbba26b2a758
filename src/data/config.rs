//! The `[dataset]` table of a config: a source (`kind` and its parameters) and preprocessing
//! options shared by every source (`scaling`, `test_fraction`, `max_train`, `max_test`,
//! `seed`), read together from one table, checked for unknown keys and validated. Building the
//! examples from it is `build.rs`.

use std::fmt;
use std::path::PathBuf;

use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::activation::Activation;

/// Where the examples come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DataSource {
    /// Isotropic Gaussian clusters (see `synthetic::gaussian_mixture`).
    GaussianMixture {
        #[serde(default = "crate::defaults::classes")]
        classes: usize,
        #[serde(default = "crate::defaults::dim")]
        dim: usize,
        #[serde(default = "crate::defaults::separation")]
        separation: f64,
        #[serde(default = "crate::defaults::samples")]
        samples: usize,
    },
    /// Labels or targets from a random teacher MLP on Gaussian inputs.
    Teacher {
        #[serde(default)]
        task: TeacherTask,
        #[serde(default = "crate::defaults::dim")]
        dim: usize,
        /// Classes (classification) or targets per example (regression).
        #[serde(default = "crate::defaults::classes")]
        outputs: usize,
        #[serde(default = "crate::defaults::teacher_depth")]
        depth: usize,
        #[serde(default = "crate::defaults::teacher_width")]
        width: usize,
        #[serde(default = "crate::defaults::teacher_activation")]
        activation: Activation,
        /// Standard deviation of the noise added to regression targets.
        #[serde(default)]
        noise: f64,
        #[serde(default = "crate::defaults::samples")]
        samples: usize,
    },
    /// The adding problem, a sequence regression task (see `synthetic::adding_problem`).
    Adding {
        #[serde(default = "crate::defaults::adding_length")]
        length: usize,
        #[serde(default = "crate::defaults::samples")]
        samples: usize,
    },
    /// The copy task, sequence labels (see `synthetic::copy_task`).
    Copy {
        #[serde(default = "crate::defaults::copy_length")]
        length: usize,
        #[serde(default = "crate::defaults::copy_alphabet")]
        alphabet: usize,
        #[serde(default = "crate::defaults::copy_symbols")]
        symbols: usize,
        #[serde(default = "crate::defaults::samples")]
        samples: usize,
    },
    /// Glorot & Bengio's Shapeset-3×2 (32×32, 9 classes).
    Shapeset {
        #[serde(default = "crate::defaults::shapeset_samples")]
        samples: usize,
    },
    /// The bundled UCI digits (1,797 8×8 images, 10 classes).
    Digits {},
    /// MNIST or Fashion-MNIST IDX files (raw or .gz) in `dir`.
    Mnist { dir: PathBuf },
    /// CIFAR-10 binary batches (`data_batch_*.bin`, `test_batch.bin`) in `dir`.
    Cifar10 { dir: PathBuf },
    /// A CSV file: a label (or target) column and numeric features.
    Csv {
        path: PathBuf,
        #[serde(default)]
        label_column: usize,
        #[serde(default = "crate::defaults::csv_header")]
        header: bool,
        #[serde(default)]
        task: TeacherTask,
        /// Number of classes (default: the largest label + 1).
        classes: Option<usize>,
    },
}

/// Classification or regression, for sources that offer both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeacherTask {
    #[default]
    Classification,
    Regression,
}

/// How features are scaled, always with statistics of the training split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scaling {
    /// Mean 0 and variance 1 per feature.
    #[default]
    Standardize,
    /// Each feature's training range mapped to [0, 1].
    UnitInterval,
    /// The raw values.
    None,
}

/// Options shared by every source.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preprocess {
    #[serde(default)]
    pub scaling: Scaling,
    /// Every feature is multiplied by this after `scaling` (1: unchanged), e.g. to start a
    /// network's signal on a mean-field fixed point.
    #[serde(
        default = "crate::defaults::input_scale",
        skip_serializing_if = "crate::defaults::is_input_scale"
    )]
    pub input_scale: f64,
    /// Fraction held out for test by sources without a test split.
    #[serde(default = "crate::defaults::test_fraction")]
    pub test_fraction: f64,
    /// Keep at most this many training examples.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_train: Option<usize>,
    /// Keep at most this many test examples.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_test: Option<usize>,
    /// Seed of synthetic data, of the split and of the probe batch.
    #[serde(default)]
    pub seed: u64,
    /// The dataset's label in CSVs and charts (default: derived from the source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Features per time step when a recurrent network reads each example as a sequence
    /// (`features / step` steps, row-major: the digits with `step = 8` are read row by row);
    /// the adding problem has its own (2: a value and a marker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
}

/// Run ids hash this form (`config::grid::run_id`): a field added after ids were first written
/// shows only when it is set, so that the runs of existing results folders keep their ids.
impl fmt::Debug for Preprocess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Preprocess");
        d.field("scaling", &self.scaling);
        d.field("test_fraction", &self.test_fraction);
        d.field("max_train", &self.max_train);
        d.field("max_test", &self.max_test);
        d.field("seed", &self.seed);
        d.field("name", &self.name);
        if !crate::defaults::is_input_scale(&self.input_scale) {
            d.field("input_scale", &self.input_scale);
        }
        if let Some(step) = self.step {
            d.field("step", &step);
        }
        d.finish()
    }
}

impl Preprocess {
    const KEYS: [&'static str; 8] = [
        "step",
        "scaling",
        "input_scale",
        "test_fraction",
        "max_train",
        "max_test",
        "seed",
        "name",
    ];
}

impl Default for Preprocess {
    fn default() -> Self {
        Preprocess {
            scaling: Scaling::default(),
            input_scale: crate::defaults::INPUT_SCALE,
            test_fraction: crate::defaults::TEST_FRACTION,
            max_train: None,
            max_test: None,
            seed: 0,
            name: None,
            step: None,
        }
    }
}

/// The `[dataset]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetConfig {
    pub source: DataSource,
    pub prep: Preprocess,
}

impl<'de> Deserialize<'de> for DatasetConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut table = toml::Table::deserialize(deserializer)?;
        let mut prep = toml::Table::new();
        for key in Preprocess::KEYS {
            if let Some(value) = table.remove(key) {
                prep.insert(key.to_string(), value);
            }
        }
        let source =
            DataSource::deserialize(toml::Value::Table(table)).map_err(D::Error::custom)?;
        let prep = Preprocess::deserialize(toml::Value::Table(prep)).map_err(D::Error::custom)?;
        Ok(DatasetConfig { source, prep })
    }
}

impl Serialize for DatasetConfig {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut table = toml::Table::try_from(&self.source).map_err(S::Error::custom)?;
        table.extend(toml::Table::try_from(&self.prep).map_err(S::Error::custom)?);
        table.serialize(serializer)
    }
}

impl fmt::Display for DatasetConfig {
    /// A short name for CSV files and charts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(name) = &self.prep.name {
            return write!(f, "{name}");
        }
        match &self.source {
            DataSource::GaussianMixture { classes, dim, .. } => {
                write!(f, "gaussian_mixture({classes}x{dim})")
            }
            DataSource::Teacher {
                task, dim, outputs, ..
            } => {
                let task = match task {
                    TeacherTask::Classification => "classification",
                    TeacherTask::Regression => "regression",
                };
                write!(f, "teacher({task};{dim}->{outputs})")
            }
            DataSource::Adding { length, .. } => write!(f, "adding({length})"),
            DataSource::Copy {
                length,
                alphabet,
                symbols,
                ..
            } => {
                let defaults = (
                    crate::defaults::COPY_ALPHABET,
                    crate::defaults::COPY_SYMBOLS,
                );
                if (*alphabet, *symbols) == defaults {
                    write!(f, "copy({length})")
                } else {
                    write!(f, "copy({length};{symbols}of{alphabet})")
                }
            }
            DataSource::Shapeset { .. } => write!(f, "shapeset"),
            DataSource::Digits {} => write!(f, "digits"),
            DataSource::Mnist { dir } => write!(f, "mnist({})", dir.display()),
            DataSource::Cifar10 { dir } => write!(f, "cifar10({})", dir.display()),
            DataSource::Csv { path, .. } => write!(f, "csv({})", path.display()),
        }?;
        if self.prep.input_scale != crate::defaults::INPUT_SCALE {
            write!(f, "*{}", self.prep.input_scale)?;
        }
        match (&self.source, self.prep.step) {
            (DataSource::Adding { .. } | DataSource::Copy { .. }, _) | (_, None) => Ok(()),
            (_, Some(step)) => write!(f, "/step{step}"),
        }
    }
}

impl DatasetConfig {
    /// The seed of the data, its split and the probe batch.
    pub fn seed(&self) -> u64 {
        self.prep.seed
    }

    /// Features per time step of the examples read as sequences (a recurrent network's
    /// input), `None` for a dataset that is not one.
    pub fn step(&self) -> Option<usize> {
        match self.source {
            DataSource::Adding { .. } => Some(super::synthetic::ADDING_STEP),
            DataSource::Copy { .. } => self.copy_task().map(|c| c.step()),
            _ => self.prep.step,
        }
    }

    /// The copy task this table describes, if it is one.
    pub fn copy_task(&self) -> Option<super::synthetic::CopyTask> {
        match self.source {
            DataSource::Copy {
                length,
                alphabet,
                symbols,
                ..
            } => Some(super::synthetic::CopyTask {
                length,
                alphabet,
                symbols,
            }),
            _ => None,
        }
    }

    /// Checks the parameters before anything is loaded or written.
    pub fn validate(&self) -> Result<(), String> {
        let p = &self.prep;
        match (&self.source, p.step) {
            (_, Some(0)) => return Err("dataset.step must be at least 1, got 0".into()),
            (DataSource::Adding { .. }, Some(step)) if step != super::synthetic::ADDING_STEP => {
                return Err(format!(
                    "dataset.step: the adding problem has {} features per step (a value and a \
                     marker), got {step}; leave step out",
                    super::synthetic::ADDING_STEP
                ))
            }
            (DataSource::Copy { .. }, Some(step)) if Some(step) != self.step() => {
                return Err(format!(
                    "dataset.step: the copy task has alphabet + 2 = {} features per step (a \
                     one-hot code of blank, the symbols and the delimiter), got {step}; leave \
                     step out",
                    self.step().unwrap_or(0)
                ))
            }
            _ => {}
        }
        if !(p.test_fraction > 0.0 && p.test_fraction < 1.0) {
            return Err(format!(
                "dataset.test_fraction must be in (0, 1), got {}",
                p.test_fraction
            ));
        }
        if !(p.input_scale.is_finite() && p.input_scale > 0.0) {
            return Err(format!(
                "dataset.input_scale must be a finite number > 0, got {}",
                p.input_scale
            ));
        }
        if p.max_train == Some(0) || p.max_test == Some(0) {
            return Err("dataset.max_train and max_test must be at least 1".into());
        }
        let at_least = |key: &str, value: usize, min: usize| {
            if value < min {
                Err(format!("dataset.{key} must be at least {min}, got {value}"))
            } else {
                Ok(())
            }
        };
        match &self.source {
            DataSource::GaussianMixture {
                classes,
                dim,
                separation,
                samples,
            } => {
                at_least("classes", *classes, 2)?;
                at_least("dim", *dim, 1)?;
                at_least("samples", *samples, 2 * classes)?;
                if !(separation.is_finite() && *separation >= 0.0) {
                    return Err("dataset.separation must be a finite number >= 0".into());
                }
            }
            DataSource::Teacher {
                task,
                dim,
                outputs,
                width,
                noise,
                samples,
                ..
            } => {
                at_least("dim", *dim, 1)?;
                at_least("width", *width, 1)?;
                at_least("samples", *samples, 4)?;
                let min_outputs = if *task == TeacherTask::Classification {
                    2
                } else {
                    1
                };
                at_least("outputs", *outputs, min_outputs)?;
                if !(noise.is_finite() && *noise >= 0.0) {
                    return Err("dataset.noise must be a finite number >= 0".into());
                }
            }
            DataSource::Adding { length, samples } => {
                at_least("length", *length, 2)?;
                at_least("samples", *samples, 4)?;
            }
            DataSource::Copy {
                length,
                alphabet,
                symbols,
                samples,
            } => {
                at_least("length", *length, 1)?;
                at_least("alphabet", *alphabet, 2)?;
                at_least("symbols", *symbols, 1)?;
                at_least("samples", *samples, 4)?;
            }
            DataSource::Shapeset { samples } => at_least("samples", *samples, 18)?,
            DataSource::Csv { classes, task, .. } => {
                if let Some(k) = classes {
                    at_least("classes", *k, 2)?;
                }
                if *task == TeacherTask::Regression && classes.is_some() {
                    return Err("dataset.classes is for classification, not regression".into());
                }
            }
            DataSource::Digits {} | DataSource::Mnist { .. } | DataSource::Cifar10 { .. } => {}
        }
        Ok(())
    }
}

/// `initlab list datasets`: every source, its options and defaults.
pub const DATASET_KINDS: &str = "\
gaussian_mixture  classes=10, dim=32, separation=3, samples=2048
                  isotropic unit-variance clusters; centres ~ N(0, separation^2/(2 dim) I),
                  so two centres are `separation` apart in expectation; balanced classes
teacher           task=classification|regression, dim=32, outputs=10, depth=2, width=64,
                  activation=tanh, noise=0, samples=2048
                  x ~ N(0, I) through a random MLP (LeCun normal times the activation's gain);
                  label = argmax of the outputs, or targets = outputs + noise N(0,1)
adding            length=100 (a list, e.g. [50, 100, 200], makes one dataset per length), samples=2048
                  the adding problem (a sequence regression task): per step a value U(0,1) and
                  a marker, 1 at one step of each half; target = the sum of the two marked
                  values (baseline MSE 1/6); rows [u_0, m_0, u_1, m_1, ...]; scaling = \"none\"
                  keeps the task as defined
copy              length=100 (a list makes one dataset per length), alphabet=8, symbols=10,
                  samples=2048
                  the copy task (sequence labels): `symbols` symbols out of `alphabet`, then
                  length - 1 blanks, a delimiter and `symbols` blanks, one-hot (alphabet + 2
                  features a step); the target at every step is blank but for the last
                  `symbols`, which repeat the symbols shown (baseline cross-entropy
                  symbols ln(alphabet) / (length + 2 symbols)); scaling = \"none\" keeps the
                  one-hot codes
shapeset          samples=4500
                  Glorot & Bengio's Shapeset-3x2: 32x32 grey images of one or two shapes
                  (triangle, parallelogram, ellipse); 9 classes = which shapes are present
digits            (no options) the bundled UCI handwritten digits: 1,797 8x8 images, 10 classes
mnist             dir (required): train-images-idx3-ubyte, train-labels-idx1-ubyte,
                  t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, raw or .gz (Fashion-MNIST too)
cifar10           dir (required): data_batch_*.bin for training, test_batch.bin for test
csv               path (required), label_column=0, header=true, task=classification|regression,
                  classes (default: largest label + 1); every other column a numeric feature

Options for every source:
  scaling=standardize|unit_interval|none   with the training split's statistics
  test_fraction=0.2                         held out (seeded) where the source has no test split
  max_train, max_test                       keep at most this many examples of each split
  seed=0                                    synthetic data, the split and the probe batch
  name                                      the label in CSVs and charts (default from the source)
  step                                      features per time step when a recurrent network reads
                                            the examples as sequences (digits: step = 8 reads the
                                            rows, 8 steps of 8 pixels); the adding problem has 2,
                                            the copy task alphabet + 2
";
