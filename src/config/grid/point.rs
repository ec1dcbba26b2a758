//! A grid point as `exclude` and claims see it: the labels of the named axes, the numbers of
//! the numeric ones, and the rules by which an `exclude` entry (or a claim's `where`) matches
//! it.

use crate::config::Width;

/// The coordinates of a run (or of a partial combination) as `exclude` sees them: labels of
/// the named axes, numbers of the numeric ones.
#[derive(Debug, Default, Clone, Copy)]
pub struct GridPoint<'a> {
    pub init: Option<&'a str>,
    pub activation: Option<&'a str>,
    pub architecture: Option<&'a str>,
    pub branch: Option<&'a str>,
    pub depth: Option<usize>,
    pub width: Option<&'a Width>,
    pub parameterization: Option<&'a str>,
    pub seed: Option<u64>,
    pub lr: Option<f64>,
    pub optimizer: Option<&'a str>,
    pub bias: Option<&'a str>,
    pub dataset: Option<&'a str>,
}

/// A label matches a name given in `exclude` when it is the same, or when the name is the
/// label's scheme name without parameters (`"normal"` matches `normal(0.01)`).
fn label_matches(label: &str, value: &toml::Value) -> bool {
    value
        .as_str()
        .is_some_and(|v| v == label || label.split('(').next() == Some(v))
}

fn number_matches(n: f64, value: &toml::Value) -> bool {
    match value {
        toml::Value::Integer(i) => *i as f64 == n,
        toml::Value::Float(f) => *f == n,
        _ => false,
    }
}

impl GridPoint<'_> {
    /// Whether `entry` names only coordinates of this point, each with this point's value.
    pub fn matches(&self, entry: &toml::Table) -> bool {
        entry
            .iter()
            .all(|(key, value)| self.matches_key(key, value))
    }

    pub(super) fn matches_key(&self, key: &str, value: &toml::Value) -> bool {
        let label = |l: Option<&str>| l.is_some_and(|l| label_matches(l, value));
        match key {
            "init" => label(self.init),
            "activation" => label(self.activation),
            "architecture" => label(self.architecture),
            "branch" => label(self.branch),
            "optimizer" => label(self.optimizer),
            "bias" => label(self.bias),
            "dataset" => label(self.dataset),
            "parameterization" => label(self.parameterization),
            "depth" => self.depth.is_some_and(|d| number_matches(d as f64, value)),
            "width" => self.width.is_some_and(|w| w.matches(value)),
            "seed" => self.seed.is_some_and(|s| number_matches(s as f64, value)),
            "lr" => self.lr.is_some_and(|lr| number_matches(lr, value)),
            _ => false,
        }
    }
}
