//! The networks initlab trains and probes, behind one seam, [`ProbedNet`]: a network describes
//! itself as an ordered list of probe [`Site`]s, gives its trainable variables, runs a batch
//! forward (plainly, or traced with probe taps), and says what mean-field theory predicts for
//! it where that is exact. Everything downstream (the training loop, LSUV, the records, the
//! charts and the report) asks the network through this seam, never "is this an MLP?"; a new
//! architecture is one file here that implements it.
//!
//! Also here: the device the networks live on (CPU or CUDA GPU), the activations on tensors
//! and the fast kernels behind them, the per-site statistics, the data-dependent
//! initialization that needs a forward pass (LSUV), and the optimizers.

pub mod activation;
pub mod architecture;
pub mod correlation;
pub mod device;
pub mod histogram;
pub mod kernels;
pub mod lsuv;
pub mod metrics;
pub mod mlp;
pub mod moments;
pub mod optim;
pub mod parameterization;
pub mod pass;
pub mod probe;
pub mod quantiles;
pub mod recurrent;
pub mod residual;
pub mod spectra;
pub mod symmetry;

use candle_core::{DType, Result as CandleResult, Tensor, Var};
use faer::Mat;
use serde::{Deserialize, Serialize};

use crate::activation::Activation;
use crate::data::Task;
use crate::init::{InitScheme, NetworkInit};
use crate::theory::jacobian::JacobianMoments;
use crate::theory::network::{Prediction, ProbeInputs};
use parameterization::VarDims;
use probe::{labels, statistics, task_loss, Probe, Trace};

/// What a probe site is: the `kind` column of `layers.csv`, from which charts and the report
/// tell hidden layers from the read-out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    /// A hidden layer `z^l`, `h^l`.
    #[default]
    Hidden,
    /// The residual stream after a block (`block` 0: the input projection): `z` is the sum
    /// `x + α·B(x)`, `h` the stream the next block reads.
    Stream,
    /// A layer inside a residual branch.
    Branch,
    /// A recurrent network's hidden state `h_t` at time step `time` (the probe tap sits on
    /// `h_t` itself, so `grad_var` is that of `∂loss/∂h_t`); `z` is the Elman network's
    /// pre-activation, or the LSTM's `h_t` again.
    State,
    /// An LSTM's cell `c_t` at time step `time` (`z = c_t`, `h = φ(c_t)`, the tap on `c_t`).
    Cell,
    /// The linear read-out.
    Output,
}

impl SiteKind {
    /// Whether sites of this kind make up the network's depth profile: the hidden layers of
    /// an MLP, the stream of a residual network, what charts draw against depth.
    pub fn along_depth(self) -> bool {
        matches!(self, SiteKind::Hidden | SiteKind::Stream | SiteKind::State)
    }

    /// How a table names the site of this kind at `layer` (its 1-based site index).
    pub fn site_label(self, layer: usize) -> String {
        match self {
            SiteKind::Hidden => format!("layer {layer}"),
            SiteKind::Stream => format!("stream (site {layer})"),
            SiteKind::Branch => format!("branch layer (site {layer})"),
            SiteKind::State => format!("state h_t (site {layer})"),
            SiteKind::Cell => format!("cell c_t (site {layer})"),
            SiteKind::Output => "read-out".to_string(),
        }
    }
}

/// A place where statistics are taken. Its 1-based position in [`ProbedNet::sites`] is the
/// `layer` column of `layers.csv`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Site {
    pub kind: SiteKind,
    /// Units of the pre-activation.
    pub width: usize,
    /// The map from the site's pre-activation to its activation (linear for the read-out).
    pub activation: Activation,
    /// The residual block the site belongs to (0: the input projection); `None` outside
    /// residual networks.
    pub block: Option<usize>,
    /// The time step (1-based) of a recurrent network's state or cell; `None` elsewhere.
    pub time: Option<usize>,
}

impl Site {
    /// A site outside any residual block.
    pub fn plain(kind: SiteKind, width: usize, activation: Activation) -> Self {
        Site {
            kind,
            width,
            activation,
            block: None,
            time: None,
        }
    }
}

/// A network initlab can initialize, train and probe.
pub trait ProbedNet {
    /// The probe sites, in order.
    fn sites(&self) -> &[Site];
    /// Every trainable variable, in a stable order (the optimizer's).
    fn vars(&self) -> Vec<Var>;
    /// The logits of a batch `x` of shape `[batch, input]`.
    fn forward(&self, x: &Tensor) -> CandleResult<Tensor>;
    /// `x` forward with a zero-valued probe variable added to every site's pre-activation
    /// (see [`probe`]), keeping what [`probe::statistics`] reads after the backward pass.
    fn trace(&self, x: &Tensor) -> CandleResult<Trace>;
    /// The weight matrix a site reports on (`wgrad_var`, `weight_var`), 0-based; `None` for
    /// a site that is a sum rather than a layer (the residual stream after a block).
    fn site_weight(&self, site: usize) -> Option<&Var>;
    /// The factor by which the network multiplied its weight's draw from the scheme at
    /// initialization (a residual branch scheme's; 1 elsewhere), which the weight spectra
    /// compare against the scheme's law.
    fn site_weight_scale(&self, _site: usize) -> f64 {
        1.0
    }
    /// The scheme that drew [`ProbedNet::site_weight`] of site `site` (0-based): by default
    /// the input layer's for the first site, the read-out's for the last, the hidden layers'
    /// between (an MLP's layers, a residual network's projection, branches and read-out).
    fn site_scheme<'a>(&self, site: usize, init: &'a NetworkInit) -> &'a InitScheme {
        init.scheme(site, self.sites().len())
    }
    /// The pre-activation of site `site` (0-based) for the batch `x`: what LSUV measures
    /// before it rescales [`ProbedNet::site_weight`].
    fn pre_activation(&self, x: &Tensor, site: usize) -> CandleResult<Tensor>;
    /// Mean-field predictions per site at initialization by `init`, from the probe inputs
    /// (each one's mean second moment per feature, and the pairs `corr` compares) and the
    /// output site's measured gradient variance; `None` where the theory is not exact for
    /// this network or scheme.
    fn theory(
        &self,
        init: &NetworkInit,
        inputs: &ProbeInputs,
        output_grad_var: f64,
    ) -> Option<Vec<Prediction>>;

    /// How each variable of [`ProbedNet::vars`] scales with the network's width, in the same
    /// order: what a parameterization's learning-rate rules read.
    fn var_dims(&self) -> Vec<VarDims>;

    /// The transposed input–output Jacobian of the hidden stack (see [`spectra`]) of example
    /// `example` of a traced pass, which has the Jacobian's singular values; `None` where the
    /// network has no such stack (fewer than two hidden layers).
    fn jacobian(&self, trace: &Trace, example: usize) -> CandleResult<Option<Mat<f64>>>;
    /// The predicted mean and variance of the Jacobian's squared singular values at
    /// initialization by `init`, for inputs of these mean second moments per feature; `None`
    /// where free probability is not exact for this network or scheme.
    fn jacobian_theory(&self, init: &NetworkInit, input_m2: &[f64]) -> Option<JacobianMoments>;

    /// The mean loss of a batch: softmax cross-entropy against `u32` labels, or the mean
    /// squared error against `[batch, outputs]` targets.
    fn loss(&self, x: &Tensor, y: &Tensor, task: Task) -> CandleResult<Tensor> {
        task_loss(&self.forward(x)?, y, task)
    }

    /// Mean loss and (for classification) accuracy on `(x, y)`, e.g. the test split; for
    /// sequence labels, the fraction of (example, position) pairs right.
    fn evaluate(&self, x: &Tensor, y: &Tensor, task: Task) -> CandleResult<(f64, Option<f64>)> {
        let logits = self.forward(x)?;
        let loss = f64::from(task_loss(&logits, y, task)?.to_scalar::<f32>()?);
        let hits = |logits: &Tensor, y: &Tensor| -> CandleResult<Option<f64>> {
            let hits = logits.argmax(1)?.eq(y)?.to_dtype(DType::F32)?.mean_all()?;
            Ok(Some(f64::from(hits.to_scalar::<f32>()?)))
        };
        let accuracy = match task {
            Task::Classification { .. } => hits(&logits, y)?,
            Task::SequenceLabels { .. } => {
                let (logits, y) = probe::per_position(&logits, y, task)?;
                hits(&logits, &y)?
            }
            Task::Regression { .. } => None,
        };
        Ok((loss, accuracy))
    }

    /// Measures every site's statistics (and histograms) on the probe batch `(x, y)`.
    fn probe(&self, x: &Tensor, y: &Tensor, task: Task) -> CandleResult<Probe> {
        let trace = self.trace(x)?;
        let loss = task_loss(&trace.logits, y, task)?;
        let labels = labels(y, task)?;
        let (layers, histograms) =
            statistics(self, &trace, &loss.backward()?, labels.as_deref(), true)?;
        Ok(Probe {
            loss: f64::from(loss.to_scalar::<f32>()?),
            layers,
            histograms,
        })
    }
}
