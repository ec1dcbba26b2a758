//! The plain MLP: `depth` hidden layers `h^l = φ(h^{l-1}·W^l + b^l)` of `width` units and a
//! linear read-out `h^L·W^{L+1} + b^{L+1}`. Its probe sites are the hidden layers and the
//! read-out, in order; mean-field theory predicts every one of them ([`crate::theory::network`]).

use candle_core::{Device, Result as CandleResult, Tensor, Var};
use faer::Mat;

use super::activation::ActivationForward;
use super::kernels::{bias_add, bias_add_tap};
use super::parameterization::{Dim, VarDims};
use super::probe::{tap, Trace, TracedSite};
use super::spectra::{ChainLayer, JacobianChain};
use super::{ProbedNet, Site, SiteKind};
use crate::activation::Activation;
use crate::init::NetworkInit;
use crate::theory::correlation::predict_correlation;
use crate::theory::jacobian::{predict_jacobian, JacobianMoments};
use crate::theory::network::{predict, Prediction, ProbeInputs};

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

/// A multi-layer perceptron whose hidden layers share one activation.
pub struct Mlp {
    pub layers: Vec<Dense>,
    pub activation: Activation,
    /// Layer sizes `[input, width × depth, outputs]`.
    sizes: Vec<usize>,
    sites: Vec<Site>,
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
        let last = sizes.len() - 2;
        let sites = sizes[1..]
            .iter()
            .enumerate()
            .map(|(l, &width)| {
                if l == last {
                    Site::plain(SiteKind::Output, width, Activation::Linear)
                } else {
                    Site::plain(SiteKind::Hidden, width, activation)
                }
            })
            .collect();
        Ok(Mlp {
            layers,
            activation,
            sizes: sizes.to_vec(),
            sites,
        })
    }

    /// φ after layer `l` (0-based): the hidden activation, or none after the read-out.
    fn after(&self, l: usize, z: Tensor) -> CandleResult<Tensor> {
        if l + 1 == self.layers.len() {
            Ok(z)
        } else {
            self.activation.forward(&z)
        }
    }
}

impl ProbedNet for Mlp {
    fn sites(&self) -> &[Site] {
        &self.sites
    }

    fn vars(&self) -> Vec<Var> {
        self.layers
            .iter()
            .flat_map(|l| [l.w.clone(), l.b.clone()])
            .collect()
    }

    fn var_dims(&self) -> Vec<VarDims> {
        // The input and the outputs are fixed by the data; the hidden widths grow.
        let last = self.sizes.len() - 1;
        let dim = |i: usize| {
            if i == 0 || i == last {
                Dim::Fixed(self.sizes[i])
            } else {
                Dim::Width(self.sizes[i])
            }
        };
        (0..last)
            .flat_map(|l| {
                [
                    VarDims::weight(dim(l), dim(l + 1)),
                    VarDims::bias(dim(l + 1)),
                ]
            })
            .collect()
    }

    fn forward(&self, x: &Tensor) -> CandleResult<Tensor> {
        let mut h = x.clone();
        for (l, layer) in self.layers.iter().enumerate() {
            h = self.after(l, layer.affine(&h)?)?;
        }
        Ok(h)
    }

    fn trace(&self, x: &Tensor) -> CandleResult<Trace> {
        let examples = x.dim(0)?;
        let mut sites = Vec::with_capacity(self.layers.len());
        let mut h = x.clone();
        for (l, layer) in self.layers.iter().enumerate() {
            let tap = tap(examples, layer.w.dim(1)?, x)?;
            let z = bias_add_tap(
                &h.matmul(layer.w.as_tensor())?,
                layer.b.as_tensor(),
                tap.as_tensor(),
            )?;
            h = self.after(l, z.clone())?;
            sites.push(TracedSite {
                tap,
                z,
                h: h.clone(),
                skip: None,
                forget_gate: None,
            });
        }
        Ok(Trace { sites, logits: h })
    }

    fn site_weight(&self, site: usize) -> Option<&Var> {
        Some(&self.layers[site].w)
    }

    fn pre_activation(&self, x: &Tensor, site: usize) -> CandleResult<Tensor> {
        let mut h = x.clone();
        for layer in &self.layers[..site] {
            h = self.activation.forward(&layer.affine(&h)?)?;
        }
        self.layers[site].affine(&h)
    }

    fn jacobian(&self, trace: &Trace, example: usize) -> CandleResult<Option<Mat<f64>>> {
        // The hidden layers after the first: sites 1..depth (0-based), the read-out excluded;
        // one layer's weights copied at a time. Each example copies them again: building every
        // example's chain at once would copy them once but hold one running product per
        // example, and the memory budget counts one (the decompositions dominate the time).
        let mut chain = JacobianChain::default();
        for l in 1..self.layers.len() - 1 {
            let weight = self.layers[l]
                .w
                .as_tensor()
                .flatten_all()?
                .to_vec1::<f32>()?;
            let z = trace.sites[l].z.get(example)?.to_vec1::<f32>()?;
            let derivative: Vec<f64> = z
                .iter()
                .map(|&v| self.activation.derivative(f64::from(v)))
                .collect();
            chain.push(&ChainLayer {
                weight: &weight,
                fan_in: self.sizes[l],
                fan_out: self.sizes[l + 1],
                derivative: &derivative,
            });
        }
        Ok(chain.finish())
    }

    fn jacobian_theory(&self, init: &NetworkInit, input_m2: &[f64]) -> Option<JacobianMoments> {
        predict_jacobian(&self.sizes, self.activation, init, input_m2)
    }

    fn theory(
        &self,
        init: &NetworkInit,
        inputs: &ProbeInputs,
        output_grad_var: f64,
    ) -> Option<Vec<Prediction>> {
        let mut predictions = predict(
            &self.sizes,
            self.activation,
            init,
            &inputs.m2,
            output_grad_var,
        )?;
        if let Some(corr) = predict_correlation(&self.sizes, self.activation, init, &inputs.pairs) {
            for (p, c) in predictions.iter_mut().zip(corr) {
                p.corr = c;
            }
        }
        Some(predictions)
    }
}
