//! The `[train]` table: steps, batches, when to probe and evaluate, and the target a run
//! must reach to count as converged.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The training and measuring protocol shared by every run.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
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
    /// Clip every update's gradients to this global L2 norm (`net::optim::clip_grad_norm`,
    /// PyTorch's `clip_grad_norm_`); no clipping when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip_grad_norm: Option<f64>,
}

/// As derived, with `clip_grad_norm` shown only when set: run ids hash this text, so the runs
/// of configs without clipping keep the ids they had before the key existed.
impl fmt::Debug for TrainConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("TrainConfig");
        d.field("steps", &self.steps)
            .field("batch_size", &self.batch_size)
            .field("probe_every", &self.probe_every)
            .field("probe_size", &self.probe_size)
            .field("probe_batch", &self.probe_batch)
            .field("target", &self.target)
            .field("eval_every", &self.eval_every)
            .field("smooth", &self.smooth);
        if let Some(clip) = &self.clip_grad_norm {
            d.field("clip_grad_norm", clip);
        }
        d.finish()
    }
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
