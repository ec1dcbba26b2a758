//! The instrumented MLP: `depth` hidden layers `h^l = φ(h^{l-1}·W^l + b^l)` of `width` units
//! and a linear read-out `h^L·W^{L+1} + b^{L+1}`, trained with softmax cross-entropy
//! (classification) or the mean squared error (regression).
//!
//! [`Mlp::probe`] runs the probe batch through the network with a zero-valued probe variable
//! `e^l` added to every pre-activation. The value is unchanged, and since candle's backward
//! pass keeps gradients only of variables, `∂L/∂e^l = ∂L/∂z^l` is how the back-propagated
//! gradient of a hidden layer is read out. With `L` the batch mean of the per-example losses,
//! `∂loss_i/∂z^l_i = P·∂L/∂z^l_i` for a probe batch of `P` examples.

use candle_core::{DType, Device, Result as CandleResult, Tensor, Var};

use crate::activation::Activation;
use crate::data::Task;
use crate::init::NetworkInit;
use crate::metrics::{layer_stats, Histogram, LayerStats, LayerValues};

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
            let z = h
                .matmul(layer.w.as_tensor())?
                .broadcast_add(layer.b.as_tensor())?;
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
            let z = h
                .matmul(layer.w.as_tensor())?
                .broadcast_add(layer.b.as_tensor())?;
            h = self.activation.forward(&z)?;
        }
        let layer = &self.layers[l];
        h.matmul(layer.w.as_tensor())?
            .broadcast_add(layer.b.as_tensor())
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

    /// Measures every layer's statistics on the probe batch `(x, labels)`.
    pub fn probe(&self, x: &Tensor, y: &Tensor, task: Task) -> CandleResult<Probe> {
        let examples = x.dim(0)?;
        let last = self.layers.len() - 1;
        let mut taps = Vec::with_capacity(self.layers.len());
        let mut zs = Vec::with_capacity(self.layers.len());
        let mut hs = Vec::with_capacity(self.layers.len());
        let mut h = x.clone();
        for (l, layer) in self.layers.iter().enumerate() {
            let tap = Var::zeros((examples, layer.w.dim(1)?), DType::F32, x.device())?;
            let z = (h
                .matmul(layer.w.as_tensor())?
                .broadcast_add(layer.b.as_tensor())?
                + tap.as_tensor())?;
            h = if l == last {
                z.clone()
            } else {
                self.activation.forward(&z)?
            };
            taps.push(tap);
            zs.push(z);
            hs.push(h.clone());
        }
        let loss = task_loss(&h, y, task)?;
        let grads = loss.backward()?;
        let to_vec = |t: &Tensor| t.flatten_all()?.to_vec1::<f32>();
        let missing = |what: &str| candle_core::Error::Msg(format!("no gradient for {what}"));
        let mut layers = Vec::with_capacity(self.layers.len());
        let mut histograms = Vec::with_capacity(self.layers.len());
        for (l, layer) in self.layers.iter().enumerate() {
            let delta = grads
                .get(taps[l].as_tensor())
                .ok_or_else(|| missing("a probe tap"))?;
            let delta = to_vec(&(delta * examples as f64)?)?;
            let weight_grad = grads
                .get(layer.w.as_tensor())
                .ok_or_else(|| missing("a weight"))?;
            let activation = if l == last {
                Activation::Linear
            } else {
                self.activation
            };
            let h = to_vec(&hs[l])?;
            histograms.push(Histogram::of(&h, activation.bounds()));
            layers.push(layer_stats(
                &LayerValues {
                    units: layer.w.dim(1)?,
                    z: &to_vec(&zs[l])?,
                    h: &h,
                    delta: &delta,
                    weight_grad: &to_vec(weight_grad)?,
                    weight: &to_vec(layer.w.as_tensor())?,
                },
                activation,
            ));
        }
        Ok(Probe {
            loss: f64::from(loss.to_scalar::<f32>()?),
            layers,
            histograms,
        })
    }
}
