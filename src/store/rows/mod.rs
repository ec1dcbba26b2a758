//! The rows of the five result tables, as flat serde structs (the CSV contract; later columns
//! may be added, never renamed), and the record one run produces. `layers.csv`'s row, the
//! widest, has its own file (`layer.rs`).

mod layer;

pub use layer::LayerRow;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::Width;

/// How a run ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// The smoothed training loss reached the target.
    Converged,
    /// All steps ran without reaching the target.
    NotConverged,
    /// A non-finite loss or statistic stopped the run.
    Diverged,
    /// An error stopped the run; `message` says which.
    #[default]
    Failed,
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RunStatus::Converged => "converged",
            RunStatus::NotConverged => "not_converged",
            RunStatus::Diverged => "diverged",
            RunStatus::Failed => "failed",
        })
    }
}

/// One row of `runs.csv`: a run's parameters and outcome.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunRow {
    /// Stable id derived from every parameter of the run.
    pub run_id: String,
    pub init: String,
    pub activation: String,
    /// Hidden layers of an MLP, blocks of a residual network (see `architecture`).
    pub depth: usize,
    /// Units per hidden layer: a number, or a profile's label (`32x4+64x8`).
    #[serde(with = "crate::config::width::label")]
    pub width: Width,
    pub seed: u64,
    pub dataset: String,
    pub optimizer: String,
    pub lr: f64,
    pub batch_size: usize,
    /// Steps configured.
    pub steps: usize,
    pub status: RunStatus,
    /// First step whose smoothed training loss is at or below the target; empty if never.
    pub steps_to_target: Option<usize>,
    /// Training loss averaged over the last `smooth` steps; empty if the run diverged.
    pub final_train_loss: Option<f64>,
    /// Mean training loss over all steps; empty if the run diverged.
    pub auc_train_loss: Option<f64>,
    /// Wall-clock seconds of the run (the one column that varies between identical runs).
    pub wall_seconds: f64,
    /// Updates actually performed (fewer than `steps` when the run stopped early).
    pub steps_done: usize,
    /// The loss the target is compared with (absolute, after resolving a fraction).
    pub target_loss: Option<f64>,
    /// Why a run diverged or failed; empty otherwise.
    pub message: String,
    /// The bias scheme.
    pub bias: String,
    /// The read-out layer's scheme when it differs from `init`; empty otherwise.
    pub output_init: String,
    /// The input layer's scheme (a recurrent network's `W_ih`) when it differs from `init`;
    /// empty otherwise.
    pub input_init: String,
    /// LSUV rescalings per LSUV layer, `;`-separated in layer order; empty without LSUV.
    pub lsuv_iters: String,
    /// Test loss after the last step (empty if the run stopped early).
    pub final_test_loss: Option<f64>,
    /// Test accuracy after the last step (classification; empty if the run stopped early).
    pub final_test_acc: Option<f64>,
    /// Best test accuracy over the evaluation steps.
    pub best_test_acc: Option<f64>,
    /// Rows this run wrote to `layers.csv`: resume counts them to tell a complete run from
    /// one whose rows were lost (empty in folders of initlab versions before the check).
    #[serde(default)]
    pub layer_rows: Option<usize>,
    /// Rows this run wrote to `curves.csv`.
    #[serde(default)]
    pub curve_rows: Option<usize>,
    /// Rows this run wrote to `histograms.csv`.
    #[serde(default)]
    pub histogram_rows: Option<usize>,
    /// The probe batch's loss at initialization less its loss after the first update
    /// (GradInit's objective, Zhu et al. 2021): how much the very first step helps; empty
    /// when either is not a finite number.
    #[serde(default)]
    pub first_step_drop: Option<f64>,
    /// The Jacobian of the hidden stack at initialization (see `net::spectra`): the mean of
    /// its squared singular values, pooled over the first probe examples.
    #[serde(default)]
    pub jac_s2_mean: Option<f64>,
    /// The variance of the squared singular values at initialization.
    #[serde(default)]
    pub jac_s2_var: Option<f64>,
    /// The smallest singular value at initialization.
    #[serde(default)]
    pub jac_s_min: Option<f64>,
    /// The largest singular value at initialization.
    #[serde(default)]
    pub jac_s_max: Option<f64>,
    /// The fraction of singular values below 1e-3 of their root mean square, at
    /// initialization.
    #[serde(default)]
    pub jac_near_zero: Option<f64>,
    /// Free probability's prediction of `jac_s2_mean` (see `theory::jacobian`).
    #[serde(default)]
    pub jac_s2_mean_theory: Option<f64>,
    /// Free probability's prediction of `jac_s2_var`.
    #[serde(default)]
    pub jac_s2_var_theory: Option<f64>,
    /// `jac_s2_mean` after the last step.
    #[serde(default)]
    pub jac_s2_mean_final: Option<f64>,
    /// `jac_s2_var` after the last step.
    #[serde(default)]
    pub jac_s2_var_final: Option<f64>,
    /// `jac_s_min` after the last step.
    #[serde(default)]
    pub jac_s_min_final: Option<f64>,
    /// `jac_s_max` after the last step.
    #[serde(default)]
    pub jac_s_max_final: Option<f64>,
    /// Rows this run wrote to `spectra.csv`.
    #[serde(default)]
    pub spectrum_rows: Option<usize>,
    /// MetaInit's gradient quotient at initialization on the probe batch (`run::quotient`):
    /// 0 for a loss that is locally linear along its gradient, larger the more the curvature
    /// along it differs from none; empty when the gradient is zero.
    #[serde(default)]
    pub gradient_quotient: Option<f64>,
    /// How weights and learning rates scale with width (`net::parameterization`); results
    /// written before the column existed are `standard`.
    #[serde(default = "standard")]
    pub parameterization: String,
    /// The correlation depth scale measured at initialization: the decay of `|c^l − c*|`
    /// over the hidden layers (`run::depth_scale`); empty when fewer than three layers decay
    /// measurably, or where `xi_c_theory` is empty.
    #[serde(default)]
    pub xi_c_measured: Option<f64>,
    /// The layers the measured depth scale rests on.
    #[serde(default)]
    pub xi_c_layers: Option<usize>,
    /// Mean-field theory's `ξ_c` for the run's scheme and width (Schoenholz et al. 2017);
    /// empty for width profiles and schemes without a mean-field description.
    #[serde(default)]
    pub xi_c_theory: Option<f64>,
    /// The network (`net::architecture`): `mlp`, whose `depth` counts hidden layers, or
    /// `residual`, whose `depth` counts blocks; results written before the column existed
    /// are `mlp`.
    #[serde(default = "mlp")]
    pub architecture: String,
    /// How a residual network's branches start (`none` for an MLP).
    #[serde(default = "no_branch")]
    pub branch: String,
    /// Updates whose gradients `[train] clip_grad_norm` scaled down; empty without clipping.
    #[serde(default)]
    pub clipped_steps: Option<usize>,
}

fn standard() -> String {
    crate::net::parameterization::Parameterization::default().to_string()
}
fn mlp() -> String {
    crate::net::architecture::Architecture::default().to_string()
}
fn no_branch() -> String {
    crate::init::Branch::default().to_string()
}

impl RunRow {
    /// What charts and the report compare within a group: the weight scheme, with the branch
    /// scheme where there is one (`he_normal + fixup`).
    pub fn scheme(&self) -> String {
        if self.branch.is_empty() || self.branch == no_branch() {
            self.init.clone()
        } else {
            format!("{} + {}", self.init, self.branch)
        }
    }
}

/// One row of `curves.csv`: the training loss of the batch at one step, and the test loss and
/// accuracy at evaluation steps.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CurveRow {
    pub run_id: String,
    /// Updates performed before this row's measurements (0-based).
    pub step: usize,
    /// Mean loss of the step's training batch, before the update (empty in the row after the
    /// last update, which holds only the final evaluation).
    pub train_loss: Option<f64>,
    /// Mean loss over the test split (evaluation steps only).
    pub test_loss: Option<f64>,
    /// Accuracy on the test split (classification, evaluation steps only).
    pub test_acc: Option<f64>,
}

/// One row of `histograms.csv`: one bin of the histogram of a layer's activations `h^l` on
/// the probe batch, at initialization and after the last step.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HistogramRow {
    pub run_id: String,
    pub step: usize,
    pub layer: usize,
    /// 0-based bin index.
    pub bin: usize,
    /// The bin is `[lo, hi)` (the last one includes `hi`).
    pub lo: f64,
    pub hi: f64,
    /// Probe entries (examples × units) in the bin.
    pub count: u64,
}

/// One row of `spectra.csv`: one non-empty bin of the density of the singular values of the
/// hidden stack's Jacobian (pooled over the first probe examples; see `net::spectra`), at
/// initialization and after the last step.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpectrumRow {
    pub run_id: String,
    pub step: usize,
    /// 0-based bin index: bin 0 holds the values below the first edge, the last one those
    /// above the last edge.
    pub bin: usize,
    /// The bin is `[lo, hi)` in singular value.
    pub lo: f64,
    pub hi: f64,
    /// Singular values in the bin.
    pub count: u64,
}

/// Everything one run produces.
#[derive(Debug, Clone)]
pub struct RunRecord {
    pub run: RunRow,
    pub layers: Vec<LayerRow>,
    pub curve: Vec<CurveRow>,
    pub histograms: Vec<HistogramRow>,
    pub spectra: Vec<SpectrumRow>,
}

impl RunRecord {
    /// A run's record, its `runs.csv` row stamped with the number of rows of every other table.
    pub fn new(
        mut run: RunRow,
        layers: Vec<LayerRow>,
        curve: Vec<CurveRow>,
        histograms: Vec<HistogramRow>,
        spectra: Vec<SpectrumRow>,
    ) -> Self {
        run.layer_rows = Some(layers.len());
        run.curve_rows = Some(curve.len());
        run.histogram_rows = Some(histograms.len());
        run.spectrum_rows = Some(spectra.len());
        RunRecord {
            run,
            layers,
            curve,
            histograms,
            spectra,
        }
    }
}
