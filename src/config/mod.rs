//! The experiment config: one TOML file in `experiments/` naming a grid of runs. Every field is
//! typed, unknown keys are rejected, and [`ExperimentConfig::load`] validates everything before
//! anything is trained or written.
//!
//! Grid axes are lists: `inits`, `activations`, `architectures`, `branches`, `depths`, `widths`,
//! `parameterizations`,
//! `seeds`, `lrs` and `optimizers`; every combination is one run. See README.md for the full schema.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::activation::Activation;
use crate::config::grid::{GridPoint, EXCLUDE_KEYS};
use crate::data::DatasetConfig;
use checks::axis;
use claim::Claim;

mod checks;
pub mod claim;
mod fields;
pub mod grid;
pub mod overrides;
pub mod record;
pub mod spec;
mod train;
pub mod width;

use crate::init::Branch;
use crate::init::{BiasScheme, InitScheme};
use crate::net::architecture::Architecture;
use crate::net::optim::OptimizerConfig;
use crate::net::parameterization::Parameterization;
use fields::{
    counts, name_or_table, names_or_tables, one_or_many, seeds, serialize_one_or_many, widths,
    Depth, OptimizerTag, SchemeTag,
};
pub use record::{HistogramsAt, RecordConfig};
pub use train::{ProbeBatch, Target, TrainConfig};
pub use width::Width;

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
    /// The input layer's scheme, when it differs from the hidden layers' (a recurrent
    /// network's input weights: `{ scheme = "normal", std = 0.001 }` for the IRNN).
    #[serde(
        default,
        deserialize_with = "name_or_table::<_, _, SchemeTag>",
        skip_serializing_if = "Option::is_none"
    )]
    pub input_init: Option<InitScheme>,
    /// Hidden-layer activations (`"tanh"`, `"leaky_relu(0.2)"`).
    pub activations: Vec<Activation>,
    /// Numbers of hidden layers.
    #[serde(deserialize_with = "counts::<_, Depth>")]
    pub depths: Vec<usize>,
    /// Units per hidden layer: a number, or a list with one per hidden layer (a profile,
    /// which pairs only with the depth of its length).
    #[serde(deserialize_with = "widths")]
    pub widths: Vec<Width>,
    /// Seeds of the weights and of the batch order: a list, or `{ first, count }`.
    #[serde(deserialize_with = "seeds")]
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
    /// How weights and learning rates scale with width: `"standard"`, `"ntk"`, `"mup"` or
    /// `{ kind = "mup", base_width = 128 }` (see [`crate::net::parameterization`]).
    #[serde(
        default = "default_parameterizations",
        deserialize_with = "names_or_tables::<_, _, OptimizerTag>",
        skip_serializing_if = "standard_only"
    )]
    pub parameterizations: Vec<Parameterization>,
    /// Which networks: `"mlp"` (the default), `"residual"` or
    /// `{ kind = "residual", layers = 3, order = "post" }` (see
    /// [`crate::net::architecture`]). `depths` counts hidden layers of an MLP, blocks of a
    /// residual network.
    #[serde(
        default = "default_architectures",
        deserialize_with = "names_or_tables::<_, _, OptimizerTag>",
        skip_serializing_if = "mlp_only"
    )]
    pub architectures: Vec<Architecture>,
    /// How residual branches start: `"none"` (the default), `"zero_last"`, `"fixup"`,
    /// `"skipinit"`, `"rezero"`. A grid pairs a scheme other than `none` only with residual
    /// architectures.
    #[serde(default = "default_branches", skip_serializing_if = "no_branch_only")]
    pub branches: Vec<Branch>,
    /// Combinations left out of the grid: each entry names some of `init`, `activation`,
    /// `architecture`, `branch`, `depth`, `width`, `parameterization`, `seed`, `lr`,
    /// `optimizer`, `bias`, `dataset`, and every run matching all of them
    /// is skipped, e.g. `exclude = [{ init = "random_walk", activation = "tanh" }]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<toml::Table>,
    pub train: TrainConfig,
    /// What runs write beyond statistics and curves (`[record]`).
    #[serde(default, skip_serializing_if = "RecordConfig::is_default")]
    pub record: RecordConfig,
    /// One `[dataset]` table, or several `[[dataset]]` tables (a grid axis).
    #[serde(
        rename = "dataset",
        deserialize_with = "one_or_many",
        serialize_with = "serialize_one_or_many"
    )]
    pub datasets: Vec<DatasetConfig>,
    /// What the experiment expects its results to show (`[[claim]]` tables; see
    /// [`claim`]). Not part of the resolved `config.toml`: a results folder keeps them in
    /// `claims.toml`, so changing a claim never makes finished runs look foreign.
    #[serde(default, rename = "claim", skip_serializing)]
    pub claims: Vec<Claim>,
}

fn default_biases() -> Vec<BiasScheme> {
    vec![BiasScheme::Default {}]
}
fn default_optimizers() -> Vec<OptimizerConfig> {
    vec![OptimizerConfig::Sgd {}]
}
fn default_architectures() -> Vec<Architecture> {
    vec![Architecture::default()]
}
fn mlp_only(values: &[Architecture]) -> bool {
    values == default_architectures().as_slice()
}
fn default_branches() -> Vec<Branch> {
    vec![Branch::default()]
}
fn no_branch_only(values: &[Branch]) -> bool {
    values == default_branches().as_slice()
}
fn default_parameterizations() -> Vec<Parameterization> {
    vec![Parameterization::default()]
}
/// The default axis is left out of the resolved config, so that results written before the
/// axis existed keep theirs.
fn standard_only(values: &[Parameterization]) -> bool {
    values == default_parameterizations().as_slice()
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
        self.check_profiles()?;
        axis("seeds", &self.seeds)?;
        axis("lrs", &self.lrs)?;
        axis("optimizers", &self.optimizers)?;
        axis("parameterizations", &self.parameterizations)?;
        axis("architectures", &self.architectures)?;
        axis("branches", &self.branches)?;
        self.check_architectures()?;
        for p in &self.parameterizations {
            p.validate()
                .map_err(|m| format!("parameterizations: {m}"))?;
        }
        if let (Some(p), Some(output)) = (
            self.parameterizations.iter().find(|p| p.zero_readout()),
            self.output_init
                .as_ref()
                .filter(|o| **o != InitScheme::Zeros {}),
        ) {
            return Err(format!(
                "parameterizations: `{p}` starts the read-out at zero, and output_init = \
                 \"{output}\" asks for another scheme; remove output_init or set it to \"zeros\""
            ));
        }
        for scheme in self
            .inits
            .iter()
            .chain(&self.output_init)
            .chain(&self.input_init)
        {
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
        if let Some(c) = t.clip_grad_norm.filter(|c| !(c.is_finite() && *c > 0.0)) {
            return Err(format!(
                "train.clip_grad_norm must be a finite number > 0, got {c}"
            ));
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
        let mut names = HashSet::new();
        for (i, claim) in self.claims.iter().enumerate() {
            let which = format!("claim {} (`{}`)", i + 1, claim.name);
            claim.validate().map_err(|m| format!("{which}: {m}"))?;
            if !names.insert(claim.name.as_str()) {
                return Err(format!("{which}: another claim has the same name"));
            }
        }
        Ok(())
    }
}
