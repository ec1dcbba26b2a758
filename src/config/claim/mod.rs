//! Claims: what an experiment expects its results to show, stated in its config as
//! `[[claim]]` tables and checked by initlab from the CSVs alone (`crate::claims`).
//!
//! A claim names the runs it speaks about (`where`, with the keys of `exclude`), what one run
//! says (`measure`: a `runs.csv` column, or a `layers.csv` statistic at a step, at one layer,
//! as a ratio of two layers, a reduction or a slope over layers), and a rule:
//! - `kind = "value"`: the runs' values combined `across` the runs (median by default) lie in
//!   `expect` (`{ value, tolerance }`, `{ value, rel_tolerance }`, `{ at_most }`,
//!   `{ at_least }` or both bounds);
//! - `kind = "ratio"`: the combined value of the runs `a` over that of the runs `b` lies in
//!   `expect`;
//! - `kind = "less"` / `"greater"`: the values of `a` are stochastically smaller / larger than
//!   those of `b` (one-sided Mann–Whitney U test at level `alpha`, default 0.05);
//! - `kind = "argmax"` / `"argmin"`: the runs are grouped by their value of a factor `over`
//!   (`depth`, `width`, `lr`, or the scheme's `sigma_w2`), each group's values combined
//!   `across` its runs, and the factor's value where that is largest / smallest lies in
//!   `expect` (a tie across the range's edge is undecided). "Trainable depth peaks between
//!   σ_w² = 1.5 and 2.1" is an `argmax` of `converged` over `sigma_w2`.
//! - `kind = "slope"`: the runs are grouped by `over` the same way, and the least-squares
//!   slope of log₂(combined value) against log₂(factor) lies in `expect`: a power law's
//!   exponent. "Under μP, activations after a step do not grow with width" is a `slope` of
//!   `act_abs_mean` over `width` within ±0.1 (Yang et al. 2022's coordinate check).
//!
//! `best_lr` compares each configuration at its own best learning rate of the grid: within
//! every combination of the other axes, only the runs at the learning rate with the best
//! median criterion over seeds are used. `depth_per_xi_c` keeps the runs whose depth over the
//! mean-field correlation depth scale of their scheme lies in a range (Schoenholz et al. 2017).
//!
//! Claims are not part of what identifies a result set: `config.toml` in a results folder
//! holds the grid and protocol, `claims.toml` the claims, so editing a claim and running again
//! re-checks the finished runs without training them again.

mod expect;
mod measure;

use serde::{Deserialize, Serialize};

use crate::config::grid::EXCLUDE_KEYS;
pub use expect::Expect;
pub use measure::{Form, LayerAt, LayerStat, Measure, NamedLayer, NamedStep, RunMetric, StepAt};

/// One claim of an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// What the claim says, in words (the first column of `claims.csv`).
    pub name: String,
    /// Where the claim comes from (a paper and its figure or equation).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    pub kind: ClaimKind,
    /// The runs the claim speaks about (every run when empty).
    #[serde(
        default,
        rename = "where",
        skip_serializing_if = "toml::Table::is_empty"
    )]
    pub subset: toml::Table,
    /// The factor whose extremum `argmax` and `argmin` locate, or along which `slope` fits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over: Option<Factor>,
    /// The first group of a comparison (within `where`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a: Option<toml::Table>,
    /// The second group of a comparison (within `where`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b: Option<toml::Table>,
    pub measure: Measure,
    /// How the runs' values combine into one (`value`, `ratio`, and per level of `over`).
    #[serde(default)]
    pub across: Across,
    /// The range the measured value must lie in (`value`, `ratio`; for `argmax` and `argmin`
    /// the factor's value at the extremum; for `slope` the slope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// The test's level (`less` and `greater`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    /// Use each configuration's best learning rate of the grid, by this criterion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_lr: Option<LrCriterion>,
    /// Keep only the runs whose depth over the mean-field correlation depth scale `ξ_c` of
    /// their scheme (σ_w² = fan_in·Var(W) and σ_b² on square layers of the run's width) lies
    /// in this range: Schoenholz et al. (2017) predict that networks train when depth < 6ξ_c.
    /// Runs whose scheme has no mean-field description are left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth_per_xi_c: Option<Expect>,
}

/// The rule a claim follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    Value,
    Ratio,
    Less,
    Greater,
    Argmax,
    Argmin,
    Slope,
}

/// A factor a claim locates an extremum along: a numeric grid axis, or the weight variance of
/// the runs' scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    Depth,
    /// A uniform width (runs with a width profile have none).
    Width,
    Lr,
    /// σ_w² = fan_in·Var(W) of the scheme on square layers of the run's width (runs whose
    /// scheme is not zero-mean and independent have none).
    SigmaW2,
}

impl Factor {
    pub fn name(self) -> &'static str {
        match self {
            Factor::Depth => "depth",
            Factor::Width => "width",
            Factor::Lr => "lr",
            Factor::SigmaW2 => "sigma_w2",
        }
    }
}

impl ClaimKind {
    /// Whether the claim groups the runs by a factor `over` (an extremum or a slope along it).
    pub fn along_factor(self) -> bool {
        matches!(
            self,
            ClaimKind::Argmax | ClaimKind::Argmin | ClaimKind::Slope
        )
    }

    /// Whether the claim compares two groups `a` and `b`.
    pub fn compares(self) -> bool {
        matches!(
            self,
            ClaimKind::Ratio | ClaimKind::Less | ClaimKind::Greater
        )
    }

    /// Whether the claim is a rank test.
    pub fn is_test(self) -> bool {
        matches!(self, ClaimKind::Less | ClaimKind::Greater)
    }
}

/// How the runs' values combine into one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Across {
    #[default]
    Median,
    Mean,
    Min,
    Max,
    /// The sample standard deviation (n − 1).
    Std,
    /// Every run: the claim holds when each run's value lies in `expect` (`kind = "value"`
    /// only), and the value measured is the worst run's.
    All,
}

/// How the best learning rate of a configuration is chosen: the lowest median over seeds of a
/// `runs.csv` column (a run that diverged, even after reaching the target, and a run that
/// never reached it count as +∞; ties go to the smaller learning rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LrCriterion {
    FinalTrainLoss,
    AucTrainLoss,
    StepsToTarget,
}

impl LrCriterion {
    pub fn metric(self) -> RunMetric {
        match self {
            LrCriterion::FinalTrainLoss => RunMetric::FinalTrainLoss,
            LrCriterion::AucTrainLoss => RunMetric::AucTrainLoss,
            LrCriterion::StepsToTarget => RunMetric::StepsToTarget,
        }
    }
}

/// The claims of a results folder, as `claims.toml` holds them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    #[serde(default)]
    pub claim: Vec<Claim>,
}

fn subset_keys(what: &str, table: &toml::Table) -> Result<(), String> {
    match table.keys().find(|k| !EXCLUDE_KEYS.contains(&k.as_str())) {
        Some(key) => Err(format!(
            "{what}: unknown key `{key}`; known: {}",
            EXCLUDE_KEYS.join(", ")
        )),
        None => Ok(()),
    }
}

impl Claim {
    /// Checks what TOML's types cannot; the message names the claim's fields.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("name must say what the claim is".into());
        }
        subset_keys("where", &self.subset)?;
        match (self.kind.compares(), &self.a, &self.b) {
            (true, Some(a), Some(b)) => {
                subset_keys("a", a)?;
                subset_keys("b", b)?;
            }
            (true, _, _) => {
                return Err(format!(
                    "kind = \"{}\" compares two groups: give both `a` and `b`",
                    self.kind_name()
                ))
            }
            (false, None, None) => {}
            (false, _, _) => {
                return Err(format!(
                    "kind = \"{}\" speaks about one group (`where`): `a` and `b` belong to \
                     \"ratio\", \"less\" and \"greater\"",
                    self.kind_name()
                ))
            }
        }
        match (self.kind.along_factor(), self.over) {
            (true, None) => {
                return Err(format!(
                    "kind = \"{}\" needs `over`, the factor: \"depth\", \"width\", \"lr\" or \
                     \"sigma_w2\"",
                    self.kind_name()
                ))
            }
            (false, Some(_)) => {
                return Err("`over` belongs to \"argmax\", \"argmin\" and \"slope\"".into());
            }
            _ => {}
        }
        if self.kind.is_test() && self.across != Across::Median {
            return Err(format!(
                "`across` belongs to \"value\" and \"ratio\"; kind = \"{}\" ranks every run",
                self.kind_name()
            ));
        }
        match (self.kind.is_test(), &self.expect, self.alpha) {
            (true, None, alpha) => {
                if let Some(alpha) = alpha.filter(|a| !(*a > 0.0 && *a < 1.0)) {
                    return Err(format!("alpha must be in (0, 1), got {alpha}"));
                }
            }
            (true, Some(_), _) => {
                return Err(format!(
                    "kind = \"{}\" is a test at level `alpha`; `expect` belongs to \"value\" and \
                     \"ratio\"",
                    self.kind_name()
                ))
            }
            (false, Some(expect), None) => {
                expect.validate().map_err(|m| format!("expect: {m}"))?;
                if self.kind != ClaimKind::Value && self.across == Across::All {
                    return Err(
                        "across = \"all\" checks every run of one group: use it with kind = \"value\""
                            .into(),
                    );
                }
            }
            (false, None, _) => {
                return Err(format!("kind = \"{}\" needs `expect`", self.kind_name()))
            }
            (false, Some(_), Some(_)) => {
                return Err(format!(
                    "`alpha` belongs to \"less\" and \"greater\", not \"{}\"",
                    self.kind_name()
                ))
            }
        }
        if let Some(region) = &self.depth_per_xi_c {
            region
                .validate()
                .map_err(|m| format!("depth_per_xi_c: {m}"))?;
        }
        self.measure.validate()
    }

    fn kind_name(&self) -> &'static str {
        match self.kind {
            ClaimKind::Value => "value",
            ClaimKind::Ratio => "ratio",
            ClaimKind::Less => "less",
            ClaimKind::Greater => "greater",
            ClaimKind::Argmax => "argmax",
            ClaimKind::Argmin => "argmin",
            ClaimKind::Slope => "slope",
        }
    }

    /// The test's level.
    pub fn alpha(&self) -> f64 {
        self.alpha.unwrap_or(crate::defaults::CLAIM_ALPHA)
    }
}
