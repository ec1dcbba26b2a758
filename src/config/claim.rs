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
//!   those of `b` (one-sided Mann–Whitney U test at level `alpha`, default 0.05).
//!
//! `best_lr` compares each configuration at its own best learning rate of the grid: within
//! every combination of the other axes, only the runs at the learning rate with the best
//! median criterion over seeds are used. `depth_per_xi_c` keeps the runs whose depth over the
//! mean-field correlation depth scale of their scheme lies in a range (Schoenholz et al. 2017).
//!
//! Claims are not part of what identifies a result set: `config.toml` in a results folder
//! holds the grid and protocol, `claims.toml` the claims, so editing a claim and running again
//! re-checks the finished runs without training them again.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::grid::EXCLUDE_KEYS;

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
    /// The first group of a comparison (within `where`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a: Option<toml::Table>,
    /// The second group of a comparison (within `where`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b: Option<toml::Table>,
    pub measure: Measure,
    /// How the runs' values combine into one (`value` and `ratio`).
    #[serde(default)]
    pub across: Across,
    /// The range the measured value must lie in (`value` and `ratio`).
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
}

impl ClaimKind {
    /// Whether the claim compares two groups `a` and `b`.
    pub fn compares(self) -> bool {
        !matches!(self, ClaimKind::Value)
    }

    /// Whether the claim is a rank test.
    pub fn is_test(self) -> bool {
        matches!(self, ClaimKind::Less | ClaimKind::Greater)
    }
}

/// What one run says: a `runs.csv` column, or a `layers.csv` statistic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunMetric>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat: Option<LayerStat>,
    /// The probe step (`0`, the default, is initialization; `"last"` the last probe).
    #[serde(default)]
    pub step: StepAt,
    /// The layer of `form = "value"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerAt>,
    /// Two layers: the two of a ratio, or the first and last of a reduction over layers
    /// (every hidden layer by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers: Option<[LayerAt; 2]>,
    #[serde(default)]
    pub form: Form,
}

/// A column of `runs.csv` as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunMetric {
    /// Steps to target; a run that never reached it counts as +∞.
    StepsToTarget,
    /// +∞ for a run that diverged.
    FinalTrainLoss,
    /// +∞ for a run that diverged.
    AucTrainLoss,
    /// +∞ for a run that diverged.
    FinalTestLoss,
    /// 0 for a run that diverged.
    FinalTestAcc,
    BestTestAcc,
    /// 1 when the run reached the target, else 0 (`across = "mean"` is the fraction).
    Converged,
    /// 1 when the run diverged, else 0.
    Diverged,
    /// 1 when the run neither converged nor diverged (all steps ran, target not reached).
    NotConverged,
}

/// A column of `layers.csv` as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerStat {
    PreMean,
    PreVar,
    ActMean,
    ActVar,
    Saturation,
    DeadFrac,
    GradVar,
    WgradVar,
    WeightVar,
    UnitSimilarity,
    DistinctUnits,
    PreVarTheory,
    ActVarTheory,
    GradVarTheory,
}

impl LayerStat {
    /// The mean-field prediction of this statistic, where `layers.csv` carries one.
    pub fn theory(self) -> Option<LayerStat> {
        match self {
            LayerStat::PreVar => Some(LayerStat::PreVarTheory),
            LayerStat::ActVar => Some(LayerStat::ActVarTheory),
            LayerStat::GradVar => Some(LayerStat::GradVarTheory),
            _ => None,
        }
    }
}

/// A probe step: a number of updates, or the run's last probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StepAt {
    Step(usize),
    Named(NamedStep),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NamedStep {
    Last,
}

impl Default for StepAt {
    fn default() -> Self {
        StepAt::Step(0)
    }
}

impl fmt::Display for StepAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepAt::Step(s) => write!(f, "step {s}"),
            StepAt::Named(NamedStep::Last) => f.write_str("the last probe"),
        }
    }
}

/// A layer: its 1-based index, the first or last hidden layer, or the read-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LayerAt {
    Index(usize),
    Named(NamedLayer),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NamedLayer {
    First,
    Last,
    Output,
}

impl fmt::Display for LayerAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayerAt::Index(i) => write!(f, "layer {i}"),
            LayerAt::Named(NamedLayer::First) => f.write_str("the first hidden layer"),
            LayerAt::Named(NamedLayer::Last) => f.write_str("the last hidden layer"),
            LayerAt::Named(NamedLayer::Output) => f.write_str("the read-out"),
        }
    }
}

/// How a `layers.csv` statistic becomes one number per run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// The statistic at `layer`.
    #[default]
    Value,
    /// `stat(layers[1]) / stat(layers[0])`.
    Ratio,
    /// `log₂` of the ratio.
    Log2Ratio,
    /// `log₁₀` of the ratio.
    Log10Ratio,
    /// Over the layers from `layers[0]` to `layers[1]` (every hidden layer by default).
    Mean,
    Min,
    Max,
    /// The layer (1-based) where the statistic is smallest / largest.
    Argmin,
    Argmax,
    /// The least-squares slope of `log₂ stat` against the layer index.
    SlopeLog2,
    /// The largest `|stat / theory − 1|` over the layers (`pre_var`, `act_var`, `grad_var`).
    RelErrorTheory,
}

impl Form {
    /// Whether the form needs two layers `layers = [a, b]`.
    pub fn is_ratio(self) -> bool {
        matches!(self, Form::Ratio | Form::Log2Ratio | Form::Log10Ratio)
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

/// The range a measured value must lie in.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Absolute: `|measured − value| ≤ tolerance`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// Relative: `|measured − value| ≤ rel_tolerance·|value|`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rel_tolerance: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
}

impl Expect {
    /// The closed interval `[lo, hi]` the value must lie in.
    pub fn interval(&self) -> (f64, f64) {
        match (self.value, self.tolerance, self.rel_tolerance) {
            (Some(v), Some(t), _) => (v - t, v + t),
            (Some(v), None, Some(r)) => (v - r * v.abs(), v + r * v.abs()),
            _ => (
                self.at_least.unwrap_or(f64::NEG_INFINITY),
                self.at_most.unwrap_or(f64::INFINITY),
            ),
        }
    }

    /// Whether `x` lies in the range (a NaN never does).
    pub fn holds(&self, x: f64) -> bool {
        let (lo, hi) = self.interval();
        x >= lo && x <= hi
    }

    fn validate(&self) -> Result<(), String> {
        let finite = |k: &str, v: Option<f64>| match v {
            Some(v) if !v.is_finite() => Err(format!("{k} must be a finite number")),
            _ => Ok(()),
        };
        finite("value", self.value)?;
        finite("tolerance", self.tolerance)?;
        finite("rel_tolerance", self.rel_tolerance)?;
        finite("at_least", self.at_least)?;
        finite("at_most", self.at_most)?;
        let bounds = self.at_least.is_some() || self.at_most.is_some();
        match (self.value, self.tolerance, self.rel_tolerance) {
            (Some(_), Some(t), None) | (Some(_), None, Some(t)) if !bounds => {
                if t < 0.0 {
                    return Err("a tolerance must be >= 0".into());
                }
            }
            (None, None, None) if bounds => {
                if let (Some(lo), Some(hi)) = (self.at_least, self.at_most) {
                    if lo > hi {
                        return Err(format!("at_least {lo} is above at_most {hi}"));
                    }
                }
            }
            _ => {
                return Err(
                    "a range is { value, tolerance }, { value, rel_tolerance }, \
                            { at_least }, { at_most } or { at_least, at_most }"
                        .into(),
                )
            }
        }
        Ok(())
    }
}

impl fmt::Display for Expect {
    /// `-29 ± 0.5`, `1 ± 15%`, `≤ 0.02`, `≥ 0.2`, `in [0.9, 1.1]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The numbers as the config wrote them.
        let n = |v: f64| v.to_string();
        match (self.value, self.tolerance, self.rel_tolerance) {
            (Some(v), Some(t), _) => write!(f, "{} ± {}", n(v), n(t)),
            (Some(v), None, Some(r)) => write!(f, "{} ± {}%", n(v), n(100.0 * r)),
            _ => match (self.at_least, self.at_most) {
                (Some(lo), Some(hi)) => write!(f, "in [{}, {}]", n(lo), n(hi)),
                (Some(lo), None) => write!(f, "≥ {}", n(lo)),
                (None, Some(hi)) => write!(f, "≤ {}", n(hi)),
                (None, None) => f.write_str("anything"),
            },
        }
    }
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
                return Err(
                    "kind = \"value\" speaks about one group (`where`): `a` and `b` belong to \
                     \"ratio\", \"less\" and \"greater\""
                        .into(),
                )
            }
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
                if self.kind == ClaimKind::Ratio && self.across == Across::All {
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
        }
    }

    /// The test's level.
    pub fn alpha(&self) -> f64 {
        self.alpha.unwrap_or(crate::defaults::CLAIM_ALPHA)
    }
}

impl Measure {
    fn validate(&self) -> Result<(), String> {
        match (self.run, self.stat) {
            (Some(_), None) => {
                if self.layer.is_some() || self.layers.is_some() || self.form != Form::Value {
                    return Err(
                        "measure: `layer`, `layers` and `form` belong to a `stat`, not a `run` \
                         column"
                            .into(),
                    );
                }
                if self.step != StepAt::default() {
                    return Err("measure: `step` belongs to a `stat`, not a `run` column".into());
                }
                Ok(())
            }
            (None, Some(stat)) => {
                match (self.form, self.layer, self.layers) {
                    (Form::Value, Some(_), None) => {}
                    (Form::Value, _, _) => {
                        return Err("measure: form = \"value\" needs one `layer`".into())
                    }
                    (form, _, None) if form.is_ratio() => {
                        return Err("measure: a ratio needs `layers = [a, b]` (b over a)".into())
                    }
                    (_, Some(_), _) => {
                        return Err(
                            "measure: `layer` belongs to form = \"value\"; reductions take \
                             `layers = [first, last]`"
                                .into(),
                        )
                    }
                    _ => {}
                }
                if self.form == Form::RelErrorTheory && stat.theory().is_none() {
                    return Err(
                        "measure: form = \"rel_error_theory\" needs a stat with a theory column \
                         (pre_var, act_var, grad_var)"
                            .into(),
                    );
                }
                Ok(())
            }
            _ => Err("measure names one `run` column or one layer `stat`".into()),
        }
    }
}
