//! The instrumented MLP: `depth` hidden layers `h^l = φ(h^{l-1}·W^l + b^l)` of `width` units
//! and a linear read-out `h^L·W^{L+1} + b^{L+1}`, trained with softmax cross-entropy
//! (classification) or the mean squared error (regression).
//!
//! [`Mlp::trace`] runs a batch through the network with a zero-valued probe variable
//! `e^l` added to every pre-activation. The value is unchanged, and since candle's backward
//! pass keeps gradients only of variables, `∂L/∂e^l = ∂L/∂z^l` is how the back-propagated
//! gradient of a hidden layer is read out. With `L` the batch mean of the per-example losses,
//! `∂loss_i/∂z^l_i = P·∂L/∂z^l_i` for a probe batch of `P` examples.

use candle_core::backprop::GradStore;
use candle_core::{
    CpuStorage, DType, Device, Result as CandleResult, Storage, StorageRef, Tensor, Var,
};

use super::activation::ActivationForward;
use crate::activation::Activation;
use crate::data::Task;
use crate::init::NetworkInit;
use crate::net::kernels::{bias_add, bias_add_tap};
use crate::net::metrics::{layer_stats, Histogram, LayerStats, LayerValues};

/// The per-example losses averaged over the batch: cross-entropy of the softmax of `logits`
/// against labels, or the squared error averaged over outputs (so `loss_i` is example `i`'s own
/// loss and the batch loss is their mean in both cases).
pub fn task_loss(logits: &Tensor, y: &Tensor, task: Task) -> CandleResult<Tensor> {
    match task {
        Task::Classification { .. } => candle_nn::loss::cross_entropy(logits, y),
        Task::Regression { .. } => candle_nn::loss::mse(logits, y),
    }
}

/// One affine layer; `w` is `[fan_in, fan_out]`, `b` is `[fan_out]`.
pub struct Dense {
    pub w: Var,
    pub b: Var,
}

impl Dense {
    /// `h·W + b`.
    pub fn affine(&self, h: &Tensor) -> CandleResult<Tensor> {
        bias_add(&h.matmul(self.w.as_tensor())?, self.b.as_tensor())
    }
}

/// A forward pass kept for [`Mlp::statistics`]: the probe variables, and every layer's
/// pre-activation and activation.
pub struct Trace {
    taps: Vec<Var>,
    zs: Vec<Tensor>,
    hs: Vec<Tensor>,
    /// The network's output.
    pub logits: Tensor,
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

/// A multi-layer perceptron whose hidden layers share one activation.
pub struct Mlp {
    pub layers: Vec<Dense>,
    pub activation: Activation,
}

/// What one probe measures.
#[derive(Debug, Clone)]
pub struct Probe {
    /// Mean loss over the probe batch.
    pub loss: f64,
    /// Statistics of layers `1..=depth+1` (the last one is the linear read-out).
    pub layers: Vec<LayerStats>,
    /// Histograms of each layer's activations `h^l`.
    pub histograms: Vec<Histogram>,
}

impl Mlp {
    /// Layer sizes `[input, width × depth, outputs]` initialized by `init` from `seed`.
    pub fn init(
        sizes: &[usize],
        activation: Activation,
        init: &NetworkInit,
        seed: u64,
        device: &Device,
    ) -> CandleResult<Self> {
        Self::from_params(
            sizes,
            &init.draw(sizes, activation, seed),
            activation,
            device,
        )
    }

    /// Builds the network from explicit row-major weights and biases, one pair per layer.
    pub fn from_params(
        sizes: &[usize],
        params: &[(Vec<f32>, Vec<f32>)],
        activation: Activation,
        device: &Device,
    ) -> CandleResult<Self> {
        let layers = sizes
            .windows(2)
            .zip(params)
            .map(|(fans, (w, b))| {
                Ok(Dense {
                    w: Var::from_tensor(&Tensor::from_slice(w, (fans[0], fans[1]), device)?)?,
                    b: Var::from_tensor(&Tensor::from_slice(b, fans[1], device)?)?,
                })
            })
            .collect::<CandleResult<Vec<_>>>()?;
        Ok(Mlp { layers, activation })
    }

    /// Every trainable variable, weights and biases layer by layer.
    pub fn vars(&self) -> Vec<Var> {
        self.layers
            .iter()
            .flat_map(|l| [l.w.clone(), l.b.clone()])
            .collect()
    }

    /// The logits of a batch `x` of shape `[batch, input]`.
    pub fn forward(&self, x: &Tensor) -> CandleResult<Tensor> {
        let last = self.layers.len() - 1;
        let mut h = x.clone();
        for (l, layer) in self.layers.iter().enumerate() {
            let z = layer.affine(&h)?;
            h = if l == last {
                z
            } else {
                self.activation.forward(&z)?
            };
        }
        Ok(h)
    }

    /// The pre-activation `z` of layer `l` (0-based) for the batch `x`.
    pub fn pre_activation(&self, x: &Tensor, l: usize) -> CandleResult<Tensor> {
        let mut h = x.clone();
        for layer in &self.layers[..l] {
            let z = layer.affine(&h)?;
            h = self.activation.forward(&z)?;
        }
        let layer = &self.layers[l];
        layer.affine(&h)
    }

    /// The mean loss of a batch: softmax cross-entropy against `u32` labels, or the mean
    /// squared error against `[batch, outputs]` targets.
    pub fn loss(&self, x: &Tensor, y: &Tensor, task: Task) -> CandleResult<Tensor> {
        task_loss(&self.forward(x)?, y, task)
    }

    /// Mean loss and (for classification) accuracy on `(x, y)`, e.g. the test split.
    pub fn evaluate(&self, x: &Tensor, y: &Tensor, task: Task) -> CandleResult<(f64, Option<f64>)> {
        let logits = self.forward(x)?;
        let loss = f64::from(task_loss(&logits, y, task)?.to_scalar::<f32>()?);
        let accuracy = match task {
            Task::Classification { .. } => {
                let hits = logits.argmax(1)?.eq(y)?.to_dtype(DType::F32)?.mean_all()?;
                Some(f64::from(hits.to_scalar::<f32>()?))
            }
            Task::Regression { .. } => None,
        };
        Ok((loss, accuracy))
    }

    /// Runs `x` forward with a zero-valued probe variable added to every pre-activation,
    /// keeping what [`Mlp::statistics`] reads after the backward pass.
    pub fn trace(&self, x: &Tensor) -> CandleResult<Trace> {
        let examples = x.dim(0)?;
        let last = self.layers.len() - 1;
        let mut taps = Vec::with_capacity(self.layers.len());
        let mut zs = Vec::with_capacity(self.layers.len());
        let mut hs = Vec::with_capacity(self.layers.len());
        let mut h = x.clone();
        for (l, layer) in self.layers.iter().enumerate() {
            let tap = Var::zeros((examples, layer.w.dim(1)?), DType::F32, x.device())?;
            let z = bias_add_tap(
                &h.matmul(layer.w.as_tensor())?,
                layer.b.as_tensor(),
                tap.as_tensor(),
            )?;
            h = if l == last {
                z.clone()
            } else {
                self.activation.forward(&z)?
            };
            taps.push(tap);
            zs.push(z);
            hs.push(h.clone());
        }
        Ok(Trace {
            taps,
            zs,
            hs,
            logits: h,
        })
    }

    /// Every layer's statistics from a traced forward pass and the gradients of its mean loss
    /// (taken before any update, so the weights are those the pass used), with histograms of
    /// the activations when asked.
    pub fn statistics(
        &self,
        trace: &Trace,
        grads: &GradStore,
        histograms: bool,
    ) -> CandleResult<(Vec<LayerStats>, Vec<Histogram>)> {
        let last = self.layers.len() - 1;
        let missing = |what: &str| candle_core::Error::Msg(format!("no gradient for {what}"));
        let mut layers = Vec::with_capacity(self.layers.len());
        let mut hists = Vec::new();
        for (l, layer) in self.layers.iter().enumerate() {
            let delta = grads
                .get(trace.taps[l].as_tensor())
                .ok_or_else(|| missing("a probe tap"))?;
            let weight_grad = grads
                .get(layer.w.as_tensor())
                .ok_or_else(|| missing("a weight"))?;
            let activation = if l == last {
                Activation::Linear
            } else {
                self.activation
            };
            let h = Values::of(&trace.hs[l])?;
            if histograms {
                hists.push(Histogram::of(h.as_slice(), activation.bounds()));
            }
            layers.push(layer_stats(
                &LayerValues {
                    units: layer.w.dim(1)?,
                    z: Values::of(&trace.zs[l])?.as_slice(),
                    h: h.as_slice(),
                    delta: Values::of(delta)?.as_slice(),
                    weight_grad: Values::of(weight_grad)?.as_slice(),
                    weight: Values::of(layer.w.as_tensor())?.as_slice(),
                },
                activation,
            ));
        }
        Ok((layers, hists))
    }

    /// Measures every layer's statistics (and histograms) on the probe batch `(x, labels)`.
    pub fn probe(&self, x: &Tensor, y: &Tensor, task: Task) -> CandleResult<Probe> {
        let trace = self.trace(x)?;
        let loss = task_loss(&trace.logits, y, task)?;
        let (layers, histograms) = self.statistics(&trace, &loss.backward()?, true)?;
        Ok(Probe {
            loss: f64::from(loss.to_scalar::<f32>()?),
            layers,
            histograms,
        })
    }
}
