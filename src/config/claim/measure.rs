//! What one run says about a claim, as the config states it: a `runs.csv` column, or a
//! `layers.csv` statistic at a probe step, made one number by a `form` (see
//! `crate::claims::measure` for how each is computed).

use std::fmt;

use serde::{Deserialize, Serialize};

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
    /// The updates a run made before it diverged (`steps_done`); +∞ for a run that did not.
    StepsToDivergence,
    /// 1 when the run neither converged nor diverged (all steps ran, target not reached).
    NotConverged,
    /// The probe loss's drop over the first update.
    FirstStepDrop,
    /// The Jacobian's spectrum at initialization and after the last step (see `runs.csv`).
    JacS2Mean,
    JacS2Var,
    JacSMin,
    JacSMax,
    JacNearZero,
    JacS2MeanTheory,
    JacS2VarTheory,
    JacS2MeanFinal,
    JacS2VarFinal,
    JacSMinFinal,
    JacSMaxFinal,
    GradientQuotient,
    /// The correlation depth scale measured at initialization, and theory's.
    XiCMeasured,
    XiCTheory,
}

impl RunMetric {
    /// The prediction of this column, where `runs.csv` carries one.
    pub fn theory(self) -> Option<RunMetric> {
        match self {
            RunMetric::JacS2Mean => Some(RunMetric::JacS2MeanTheory),
            RunMetric::JacS2Var => Some(RunMetric::JacS2VarTheory),
            RunMetric::XiCMeasured => Some(RunMetric::XiCTheory),
            _ => None,
        }
    }
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
    Corr,
    CorrSameClass,
    CorrDiffClass,
    CorrTheory,
    RelGrad,
    UpdateRatio,
    SpectralNorm,
    StableRank,
    MpDistance,
    ActQ0000,
    ActQ0668,
    ActQ1587,
    ActQ3085,
    ActQ5000,
    ActQ6915,
    ActQ8413,
    ActQ9332,
    ActQ10000,
    PreAbsMean,
    ActAbsMean,
}

impl LayerStat {
    /// The mean-field prediction of this statistic, where `layers.csv` carries one.
    pub fn theory(self) -> Option<LayerStat> {
        match self {
            LayerStat::PreVar => Some(LayerStat::PreVarTheory),
            LayerStat::ActVar => Some(LayerStat::ActVarTheory),
            LayerStat::GradVar => Some(LayerStat::GradVarTheory),
            LayerStat::Corr => Some(LayerStat::CorrTheory),
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
    /// The statistic at `layer` at `step` less the same at initialization (step 0): how far
    /// training has moved it.
    ChangeFromInit,
    /// `stat(layers[1]) / stat(layers[0])`.
    Ratio,
    /// `log₂` of the ratio.
    Log2Ratio,
    /// `log₁₀` of the ratio.
    Log10Ratio,
    /// `½·log₁₀` of the ratio: for a variance, the decades by which the scale (standard
    /// deviation) changes, e.g. how far a gradient vanishes through time.
    Log10StdRatio,
    /// Over the layers from `layers[0]` to `layers[1]` (every hidden layer by default).
    Mean,
    Min,
    Max,
    /// The layer (1-based) where the statistic is smallest / largest.
    Argmin,
    Argmax,
    /// The least-squares slope of `log₂ stat` against the layer index.
    SlopeLog2,
    /// The largest `|stat / theory − 1|` over the layers (`pre_var`, `act_var`, `grad_var`,
    /// `corr`); for a `run` column with a prediction (`jac_s2_mean`, `jac_s2_var`),
    /// `|column / theory − 1|`.
    RelErrorTheory,
}

impl Form {
    /// Whether the form needs two layers `layers = [a, b]`.
    pub fn is_ratio(self) -> bool {
        matches!(
            self,
            Form::Ratio | Form::Log2Ratio | Form::Log10Ratio | Form::Log10StdRatio
        )
    }
}

impl Measure {
    pub(super) fn validate(&self) -> Result<(), String> {
        match (self.run, self.stat) {
            (Some(metric), None) => {
                if self.layer.is_some() || self.layers.is_some() {
                    return Err(
                        "measure: `layer` and `layers` belong to a `stat`, not a `run` column"
                            .into(),
                    );
                }
                match self.form {
                    Form::Value => {}
                    Form::RelErrorTheory if metric.theory().is_some() => {}
                    Form::RelErrorTheory => {
                        return Err(
                            "measure: form = \"rel_error_theory\" on a `run` column needs one \
                             with a theory column (jac_s2_mean, jac_s2_var, xi_c_measured)"
                                .into(),
                        )
                    }
                    _ => {
                        return Err("measure: a `run` column takes form = \"value\" or \
                             \"rel_error_theory\" only"
                            .into())
                    }
                }
                if self.step != StepAt::default() {
                    return Err("measure: `step` belongs to a `stat`, not a `run` column".into());
                }
                Ok(())
            }
            (None, Some(stat)) => {
                match (self.form, self.layer, self.layers) {
                    (Form::Value | Form::ChangeFromInit, Some(_), None) => {}
                    (Form::Value | Form::ChangeFromInit, _, _) => {
                        return Err(
                            "measure: form = \"value\" and \"change_from_init\" need one `layer`"
                                .into(),
                        )
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
                         (pre_var, act_var, grad_var, corr)"
                            .into(),
                    );
                }
                Ok(())
            }
            _ => Err("measure names one `run` column or one layer `stat`".into()),
        }
    }
}
