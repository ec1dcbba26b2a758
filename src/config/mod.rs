//! The experiment config: one TOML file in `experiments/` naming a grid of runs. Every field is
//! typed, unknown keys are rejected, and [`ExperimentConfig::load`] validates everything before
//! anything is trained or written.
//!
//! Grid axes are lists: `inits`, `activations`, `depths`, `widths`, `seeds`, `lrs` and
//! `optimizers`; every combination is one run. See README.md for the full schema.

use std::collections::HashSet;
use std::fmt::{self, Display};
use std::path::{Path, PathBuf};

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use thiserror::Error;

use crate::activation::Activation;
use crate::config::grid::{GridPoint, EXCLUDE_KEYS};
use crate::data::DatasetConfig;

pub mod grid;
pub mod overrides;
pub mod spec;
use crate::init::{BiasScheme, InitScheme};
use crate::net::optim::OptimizerConfig;

/// A problem with an experiment config, reported before anything is written.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config `{path}`: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("config `{path}` is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config `{path}`: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// A whole experiment: a dataset, a grid of network and training choices, and the training
/// protocol shared by every run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentConfig {
    /// Names the results folder `results/<name>/`: letters, digits, `-`, `_` and `.`.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Weight initialization schemes: names (`"he_normal"`) or tables
    /// (`{ scheme = "normal", std = 0.01 }`).
    #[serde(deserialize_with = "names_or_tables::<_, _, SchemeTag>")]
    pub inits: Vec<InitScheme>,
    /// Bias schemes: `"default"` (the weight scheme's own rule, zero for most), `"zeros"`,
    /// `{ scheme = "constant", value = 0.1 }`, `{ scheme = "normal", std = 0.1 }`.
    #[serde(
        default = "default_biases",
        deserialize_with = "names_or_tables::<_, _, SchemeTag>"
    )]
    pub biases: Vec<BiasScheme>,
    /// The read-out layer's scheme, when it differs from the hidden layers' (e.g. `"zeros"`).
    #[serde(
        default,
        deserialize_with = "name_or_table::<_, _, SchemeTag>",
        skip_serializing_if = "Option::is_none"
    )]
    pub output_init: Option<InitScheme>,
    /// Hidden-layer activations (`"tanh"`, `"leaky_relu(0.2)"`).
    pub activations: Vec<Activation>,
    /// Numbers of hidden layers.
    #[serde(deserialize_with = "counts::<_, Depth>")]
    pub depths: Vec<usize>,
    /// Units per hidden layer.
    #[serde(deserialize_with = "counts::<_, Width>")]
    pub widths: Vec<usize>,
    /// Seeds of the weights and of the batch order.
    pub seeds: Vec<u64>,
    /// Learning rates.
    pub lrs: Vec<f64>,
    /// Optimizers: `"sgd"`, `"momentum"`, `"adam"` or tables (`{ kind = "momentum",
    /// momentum = 0.95 }`).
    #[serde(
        default = "default_optimizers",
        deserialize_with = "names_or_tables::<_, _, OptimizerTag>"
    )]
    pub optimizers: Vec<OptimizerConfig>,
    /// Combinations left out of the grid: each entry names some of `init`, `activation`,
    /// `depth`, `width`, `seed`, `lr`, `optimizer`, `bias`, `dataset`, and every run matching all of them
    /// is skipped, e.g. `exclude = [{ init = "random_walk", activation = "tanh" }]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<toml::Table>,
    pub train: TrainConfig,
    /// One `[dataset]` table, or several `[[dataset]]` tables (a grid axis).
    #[serde(
        rename = "dataset",
        deserialize_with = "one_or_many",
        serialize_with = "serialize_one_or_many"
    )]
    pub datasets: Vec<DatasetConfig>,
}

/// A table, or an array of tables.
fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<DatasetConfig>, D::Error> {
    match toml::Value::deserialize(deserializer)? {
        toml::Value::Array(values) => values
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                DatasetConfig::deserialize(v)
                    .map_err(|e| D::Error::custom(format!("dataset {}: {e}", i + 1)))
            })
            .collect(),
        value => DatasetConfig::deserialize(value)
            .map(|d| vec![d])
            .map_err(D::Error::custom),
    }
}

fn serialize_one_or_many<S: serde::Serializer>(
    datasets: &[DatasetConfig],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match datasets {
        [one] => one.serialize(serializer),
        many => many.serialize(serializer),
    }
}

/// The training and measuring protocol shared by every run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Number of parameter updates.
    pub steps: usize,
    #[serde(default = "crate::defaults::batch_size")]
    pub batch_size: usize,
    /// Statistics are taken at step 0, every `probe_every` steps and after the last step.
    #[serde(default = "crate::defaults::probe_every")]
    pub probe_every: usize,
    /// Examples in the fixed probe batch (at most the dataset's size).
    #[serde(default = "crate::defaults::probe_size")]
    pub probe_size: usize,
    /// Which examples the statistics between the first and the last step are taken on.
    #[serde(default)]
    pub probe_batch: ProbeBatch,
    /// When a run counts as converged.
    #[serde(default)]
    pub target: Target,
    /// Test loss and accuracy are measured at step 0, every `eval_every` steps and after the
    /// last step.
    #[serde(default = "crate::defaults::probe_every")]
    pub eval_every: usize,
    /// Steps averaged for the smoothed training loss.
    #[serde(default = "crate::defaults::smooth")]
    pub smooth: usize,
}

/// The examples of the statistics taken during training. Step 0 and the last step always use
/// the fixed probe batch (the same examples for every run on a dataset, with histograms).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeBatch {
    /// The training batch of that step, measured inside its own forward and backward pass:
    /// almost free, and what hooks in a PyTorch notebook measure. Step `t`'s statistics are
    /// those of the `t`-th batch at the parameters after `t` updates, like its logged loss.
    #[default]
    Training,
    /// The fixed probe batch every time: the same examples at every step, so the curves move
    /// only with the weights, for one extra forward and backward pass of `probe_size`
    /// examples per probe (four training steps' worth at the default sizes).
    Fixed,
}

/// The convergence target, compared with the training loss averaged over the last `smooth`
/// steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    /// An absolute loss: `target = { loss = 0.3 }`.
    Loss(f64),
    /// A fraction of the initial loss (the probe batch's loss at step 0):
    /// `target = { loss_fraction = 0.1 }`.
    LossFraction(f64),
    /// A test accuracy, reached at an evaluation step: `target = { test_acc = 0.9 }`.
    TestAcc(f64),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Loss(v) => write!(f, "smoothed training loss <= {v}"),
            Target::LossFraction(v) => {
                write!(f, "smoothed training loss <= {v} x the initial loss")
            }
            Target::TestAcc(v) => write!(f, "test accuracy >= {v}"),
        }
    }
}

impl Default for Target {
    fn default() -> Self {
        Target::LossFraction(0.1)
    }
}

fn default_biases() -> Vec<BiasScheme> {
    vec![BiasScheme::Default {}]
}
fn default_optimizers() -> Vec<OptimizerConfig> {
    vec![OptimizerConfig::Sgd {}]
}

/// The key that names the variant of a tagged table.
trait Tag {
    const KEY: &'static str;
}
struct SchemeTag;
impl Tag for SchemeTag {
    const KEY: &'static str = "scheme";
}
struct OptimizerTag;
impl Tag for OptimizerTag {
    const KEY: &'static str = "kind";
}

/// What a count of a grid axis counts, for its error message.
trait Counted {
    const RULE: &'static str;
}
struct Depth;
impl Counted for Depth {
    const RULE: &'static str = "a depth must be at least 1 hidden layer";
}
struct Width;
impl Counted for Width {
    const RULE: &'static str = "a width must be at least 1 unit";
}

/// A list of whole numbers of at least 1, with a message that says so (serde's own would read
/// "invalid value: integer `-3`, expected usize").
fn counts<'de, D: Deserializer<'de>, C: Counted>(deserializer: D) -> Result<Vec<usize>, D::Error> {
    Vec::<toml::Value>::deserialize(deserializer)?
        .into_iter()
        .map(|v| match v {
            toml::Value::Integer(n) if n >= 1 => usize::try_from(n).map_err(D::Error::custom),
            other => Err(D::Error::custom(format!("{}, got {other}", C::RULE))),
        })
        .collect()
}

/// A single name or tagged table (see [`names_or_tables`]).
fn name_or_table<'de, D, V, T>(deserializer: D) -> Result<Option<V>, D::Error>
where
    D: Deserializer<'de>,
    V: DeserializeOwned,
    T: Tag,
{
    let value = toml::Value::deserialize(deserializer)?;
    V::deserialize(tagged::<T>(value).map_err(D::Error::custom)?)
        .map(Some)
        .map_err(D::Error::custom)
}

/// A bare name becomes the table `{ KEY = name }`; a list is refused (serde would otherwise
/// read `["zeros"]` as the tag of a one-element sequence).
fn tagged<T: Tag>(value: toml::Value) -> Result<toml::Value, String> {
    match value {
        toml::Value::String(name) => {
            let mut table = toml::Table::new();
            table.insert(T::KEY.to_string(), toml::Value::String(name));
            Ok(toml::Value::Table(table))
        }
        toml::Value::Array(_) => Err(format!(
            "expected a name or a table with `{}`, not a list",
            T::KEY
        )),
        other => Ok(other),
    }
}

/// A list whose entries are a bare name (`"he_normal"`) or a table tagged by `T::KEY`: a name
/// is read as the table `{ KEY = name }`.
fn names_or_tables<'de, D, V, T>(deserializer: D) -> Result<Vec<V>, D::Error>
where
    D: Deserializer<'de>,
    V: DeserializeOwned,
    T: Tag,
{
    let values = Vec::<toml::Value>::deserialize(deserializer)?;
    values
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            tagged::<T>(value)
                .and_then(|v| V::deserialize(v).map_err(|e| e.to_string()))
                .map_err(|e| D::Error::custom(format!("entry {}: {e}", i + 1)))
        })
        .collect()
}

impl ExperimentConfig {
    /// Reads, parses and validates a config file, with `--set key=value` overrides applied.
    pub fn load(path: &Path, overrides: &[String]) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        let parse_error = |message: String| ConfigError::Parse {
            path: path.to_path_buf(),
            message: message.trim_end().to_string(),
        };
        let config: ExperimentConfig = if overrides.is_empty() {
            toml::from_str(&text).map_err(|e| parse_error(e.to_string()))?
        } else {
            let mut table: toml::Table =
                toml::from_str(&text).map_err(|e| parse_error(e.to_string()))?;
            for o in overrides {
                crate::config::overrides::apply(&mut table, o).map_err(|message| {
                    ConfigError::Invalid {
                        path: path.to_path_buf(),
                        message,
                    }
                })?;
            }
            ExperimentConfig::deserialize(toml::Value::Table(table))
                .map_err(|e| parse_error(format!("after --set overrides: {e}")))?
        };
        config.validate().map_err(|message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(config)
    }

    /// Checks the sizes that only the loaded data can confirm: every batch the protocol takes
    /// from the training split fits in it (nothing is silently cut to size), and a
    /// classification dataset has at least two classes.
    pub fn check_data(&self, data: &crate::data::Dataset) -> Result<(), String> {
        let n = data.train.n;
        let t = &self.train;
        let lsuv = self
            .inits
            .iter()
            .filter_map(|s| s.data_batch().map(|b| (s, b)));
        let batches = [
            ("train.batch_size", t.batch_size),
            ("train.probe_size", t.probe_size),
        ]
        .into_iter()
        .map(|(k, b)| (k.to_string(), b))
        .chain(lsuv.map(|(s, b)| (format!("the `batch` of init `{s}`"), b)));
        for (key, batch) in batches {
            if batch > n {
                return Err(format!(
                    "{key} = {batch} is more than the {n} training examples of {}; lower it, or \
                     give the dataset more examples",
                    data.name
                ));
            }
        }
        if let crate::data::Targets::Labels(labels) = &data.train.y {
            let first = labels.first().copied();
            if labels.iter().all(|&l| Some(l) == first) {
                return Err(format!(
                    "{}: every training example has label {}; classification needs at least \
                     two classes",
                    data.name,
                    first.unwrap_or(0)
                ));
            }
        }
        Ok(())
    }

    /// Checks every value that TOML's types cannot: ranges, empty or repeated grid axes.
    pub fn validate(&self) -> Result<(), String> {
        let name_ok = !self.name.is_empty()
            && !self.name.starts_with('.')
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !name_ok {
            return Err(format!(
                "name `{}` must be non-empty and use only letters, digits, `-`, `_` and `.` \
                 (it names the results folder)",
                self.name
            ));
        }
        axis("inits", &self.inits)?;
        axis("biases", &self.biases)?;
        axis("activations", &self.activations)?;
        axis("depths", &self.depths)?;
        axis("widths", &self.widths)?;
        axis("seeds", &self.seeds)?;
        axis("lrs", &self.lrs)?;
        axis("optimizers", &self.optimizers)?;
        for scheme in self.inits.iter().chain(&self.output_init) {
            scheme.validate()?;
        }
        for (i, entry) in self.exclude.iter().enumerate() {
            if entry.is_empty() {
                return Err(format!("exclude entry {} names nothing", i + 1));
            }
            if let Some(key) = entry.keys().find(|k| !EXCLUDE_KEYS.contains(&k.as_str())) {
                return Err(format!(
                    "exclude entry {}: unknown key `{key}`; known: {}",
                    i + 1,
                    EXCLUDE_KEYS.join(", ")
                ));
            }
        }
        for scheme in &self.inits {
            for &activation in &self.activations {
                let (init, act) = (scheme.to_string(), activation.to_string());
                let pair = GridPoint {
                    init: Some(&init),
                    activation: Some(&act),
                    ..GridPoint::default()
                };
                if !self.exclude.iter().any(|e| pair.matches(e)) {
                    scheme.validate_with(activation).map_err(|m| {
                        format!("{m}; leave the pair out with exclude = [{{ init = \"{scheme}\", activation = \"{activation}\" }}]")
                    })?;
                }
            }
        }
        for bias in &self.biases {
            bias.validate()?;
        }
        for optimizer in &self.optimizers {
            optimizer.validate()?;
        }
        if let Some(lr) = self.lrs.iter().find(|lr| !(lr.is_finite() && **lr > 0.0)) {
            return Err(format!(
                "lrs: a learning rate must be a finite number > 0, got {lr}"
            ));
        }
        let t = &self.train;
        for (key, value) in [
            ("steps", t.steps),
            ("batch_size", t.batch_size),
            ("probe_every", t.probe_every),
            ("probe_size", t.probe_size),
            ("eval_every", t.eval_every),
            ("smooth", t.smooth),
        ] {
            if value == 0 {
                return Err(format!("train.{key} must be at least 1"));
            }
        }
        match t.target {
            Target::Loss(v) if !(v.is_finite() && v >= 0.0) => {
                return Err(format!(
                    "train.target.loss must be a finite number >= 0, got {v}"
                ))
            }
            Target::LossFraction(v) if !(v.is_finite() && v > 0.0) => {
                return Err(format!(
                    "train.target.loss_fraction must be a finite number > 0, got {v}"
                ))
            }
            Target::TestAcc(v) if !(0.0..=1.0).contains(&v) => {
                return Err(format!("train.target.test_acc must be in [0, 1], got {v}"))
            }
            _ => {}
        }
        axis("dataset", &self.datasets)?;
        for dataset in &self.datasets {
            dataset.validate()?;
        }
        Ok(())
    }
}

/// A grid axis must be non-empty and free of repeats (a repeat would run twice under one id).
fn axis<T: Display>(key: &str, values: &[T]) -> Result<(), String> {
    if values.is_empty() {
        return Err(format!("{key} must list at least one value"));
    }
    let mut seen = HashSet::new();
    for v in values {
        let label = v.to_string();
        if !seen.insert(label.clone()) {
            return Err(format!("{key} lists `{label}` more than once"));
        }
    }
    Ok(())
}
