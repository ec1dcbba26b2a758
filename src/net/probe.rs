//! Probing a network, whatever its architecture: a traced forward pass adds a zero-valued probe
//! variable `e^s` to the pre-activation of every probe site `s`. The value is unchanged, and
//! since candle's backward pass keeps gradients only of variables, `∂L/∂e^s = ∂L/∂z^s` is how
//! the back-propagated gradient at a site is read out. With `L` the batch mean of the
//! per-example losses, `∂loss_i/∂z^s_i = P·∂L/∂z^s_i` for a probe batch of `P` examples.
//!
//! [`statistics`] turns a traced pass and its gradients into one [`LayerStats`] per site (the
//! definitions are in [`super::metrics`]), the same function for every architecture.

use candle_core::backprop::GradStore;
use candle_core::{CpuStorage, DType, Result as CandleResult, Storage, StorageRef, Tensor, Var};

use super::histogram::Histogram;
use super::metrics::{layer_stats, LayerStats, LayerValues};
use super::moments::mean_var;
use super::ProbedNet;
use crate::data::Task;

/// The per-example losses averaged over the batch: cross-entropy of the softmax of `logits`
/// against labels, the squared error averaged over outputs, or for sequence labels the
/// cross-entropy averaged over positions (so `loss_i` is example `i`'s own loss and the batch
/// loss is their mean in every case).
pub fn task_loss(logits: &Tensor, y: &Tensor, task: Task) -> CandleResult<Tensor> {
    match task {
        Task::Classification { .. } => candle_nn::loss::cross_entropy(logits, y),
        Task::Regression { .. } => candle_nn::loss::mse(logits, y),
        Task::SequenceLabels { .. } => {
            let (logits, y) = per_position(logits, y, task)?;
            candle_nn::loss::cross_entropy(&logits, &y)
        }
    }
}

/// Sequence labels' logits `[B, P·C]` and labels `[B, P]` as `[B·P, C]` and `[B·P]`: one row
/// per (example, position), example by example.
pub fn per_position(logits: &Tensor, y: &Tensor, task: Task) -> CandleResult<(Tensor, Tensor)> {
    let (batch, positions) = (logits.dim(0)?, task.positions());
    let classes = task.outputs() / positions;
    Ok((
        logits.reshape((batch * positions, classes))?,
        y.reshape(batch * positions)?,
    ))
}

/// The class of each example of a batch, for classification (`y` holds `u32` labels); `None`
/// for regression and sequence labels (several per example).
pub fn labels(y: &Tensor, task: Task) -> CandleResult<Option<Vec<u32>>> {
    match task {
        Task::Classification { .. } => Ok(Some(y.to_vec1::<u32>()?)),
        Task::Regression { .. } | Task::SequenceLabels { .. } => Ok(None),
    }
}

/// One probe site of a traced pass: its probe variable, pre-activation and activation.
pub struct TracedSite {
    pub tap: Var,
    pub z: Tensor,
    pub h: Tensor,
    /// For the residual stream after a block, the stream before it: `z − skip` is what the
    /// branch added (`branch_ratio`).
    pub skip: Option<Tensor>,
    /// For an LSTM's cell, the forget gate `f_t` of the step (`forget_gate`).
    pub forget_gate: Option<Tensor>,
}

/// A forward pass kept for [`statistics`]: every site, in the network's site order, and the
/// output.
pub struct Trace {
    pub sites: Vec<TracedSite>,
    pub logits: Tensor,
}

/// A zero-valued probe variable shaped like the pre-activation `[examples, units]`.
pub fn tap(examples: usize, units: usize, x: &Tensor) -> CandleResult<Var> {
    Var::zeros((examples, units), DType::F32, x.device())
}

/// What one probe measures.
#[derive(Debug, Clone)]
pub struct Probe {
    /// Mean loss over the probe batch.
    pub loss: f64,
    /// Statistics of every site, in order (for an MLP: layers `1..=depth+1`, the last one the
    /// linear read-out).
    pub layers: Vec<LayerStats>,
    /// Histograms of each site's activations `h^s`.
    pub histograms: Vec<Histogram>,
}

/// A tensor's values as a slice: borrowed in place from a contiguous f32 CPU tensor (no copy
/// per probe), copied out otherwise.
enum Values<'a> {
    Borrowed(StorageRef<'a>, usize, usize),
    Owned(Vec<f32>),
}

impl<'a> Values<'a> {
    fn of(t: &'a Tensor) -> CandleResult<Self> {
        let (storage, layout) = t.storage_and_layout();
        let borrowable = matches!(&*storage, Storage::Cpu(CpuStorage::F32(_)));
        match layout.contiguous_offsets() {
            Some((start, end)) if borrowable => Ok(Values::Borrowed(storage, start, end)),
            _ => {
                drop(storage);
                Ok(Values::Owned(t.flatten_all()?.to_vec1::<f32>()?))
            }
        }
    }

    fn as_slice(&self) -> &[f32] {
        match self {
            Values::Borrowed(storage, start, end) => match &**storage {
                Storage::Cpu(CpuStorage::F32(v)) => &v[*start..*end],
                _ => unreachable!("only f32 CPU storage is borrowed"),
            },
            Values::Owned(v) => v,
        }
    }
}

/// Every site's statistics from a traced forward pass and the gradients of its mean loss
/// (taken before any update, so the weights are those the pass used), with histograms of the
/// activations when asked; `labels` (classification) split the pairs' correlations by class.
pub fn statistics<N: ProbedNet + ?Sized>(
    net: &N,
    trace: &Trace,
    grads: &GradStore,
    labels: Option<&[u32]>,
    histograms: bool,
) -> CandleResult<(Vec<LayerStats>, Vec<Histogram>)> {
    let missing = |what: &str| candle_core::Error::Msg(format!("no gradient for {what}"));
    let sites = net.sites();
    let mut layers = Vec::with_capacity(sites.len());
    let mut hists = Vec::new();
    for (s, (site, traced)) in sites.iter().zip(&trace.sites).enumerate() {
        let delta = grads
            .get(traced.tap.as_tensor())
            .ok_or_else(|| missing("a probe tap"))?;
        let weight = net.site_weight(s);
        let weight_grad = weight
            .map(|w| grads.get(w.as_tensor()).ok_or_else(|| missing("a weight")))
            .transpose()?;
        let weight_values = weight.map(|w| Values::of(w.as_tensor())).transpose()?;
        let weight_grad_values = weight_grad.map(Values::of).transpose()?;
        let h = Values::of(&traced.h)?;
        if histograms {
            hists.push(Histogram::of(h.as_slice()));
        }
        let mut stats = layer_stats(
            &LayerValues {
                units: site.width,
                z: Values::of(&traced.z)?.as_slice(),
                h: h.as_slice(),
                delta: Values::of(delta)?.as_slice(),
                weight_grad: weight_grad_values.as_ref().map_or(&[], Values::as_slice),
                weight: weight_values.as_ref().map_or(&[], Values::as_slice),
                labels,
            },
            site.activation,
        );
        if let Some(skip) = &traced.skip {
            stats.branch_ratio = Some(branch_ratio(&traced.z, skip)?);
        }
        if let Some(gate) = &traced.forget_gate {
            stats.forget_gate = Some(mean_var(Values::of(gate)?.as_slice()).0);
        }
        layers.push(stats);
    }
    Ok((layers, hists))
}

/// `Var(z − skip)/Var(skip)` over the probe entries: the variance a residual branch added to
/// the stream against the stream's own (0 for a branch that starts silent; infinite when the
/// stream before the block is constant).
fn branch_ratio(z: &Tensor, skip: &Tensor) -> CandleResult<f64> {
    let branch = z.sub(skip)?;
    let (_, added) = mean_var(Values::of(&branch)?.as_slice());
    let (_, before) = mean_var(Values::of(skip)?.as_slice());
    Ok(if added == 0.0 { 0.0 } else { added / before })
}
