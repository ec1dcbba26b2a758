//! The residual MLP without normalization: an input projection `x_0 = x·W_in + b_in` to the
//! width, `blocks` residual blocks `x_b = x_{b−1} + α_b·B_b(x_{b−1})` of `m` affine layers each,
//! and a linear read-out of the last stream. In the `pre` ordering (He et al. 2016) the branch
//! is `B(x) = φ(… φ(φ(x)·W_1 + b_1) …)·W_m + b_m` and the stream stays a plain sum; in the
//! `post` ordering (He et al. 2015; Fixup) the branch is `φ(… φ(x·W_1 + b_1) …)·W_m + b_m`
//! and the stream is `φ` of the sum, the input projection included. What the branch scheme
//! does at initialization (`α`, zeroed and rescaled layers) is
//! [`crate::init::Branch::start`].
//!
//! Probe sites, in order: the input projection (a `stream` site of block 0); then for each
//! block its `m` branch layers (`branch` sites, the last one linear: its `z` is the branch's
//! output before `α`) and the stream after it (a `stream` site whose `z` is the sum and whose
//! `skip` is the stream before it); and the read-out. Weights are drawn as for an MLP of
//! `1 + blocks·m` hidden layers (the same streams of the seed, layer by layer in this order).
//! Mean-field theory is exact for the `pre` ordering ([`crate::theory::residual`]).

use candle_core::{Device, Result as CandleResult, Tensor, Var};
use faer::Mat;

use super::activation::ActivationForward;
use super::architecture::{BlockOrder, ResidualShape};
use super::kernels::bias_add_skip;
use super::mlp::Dense;
use super::parameterization::{Dim, VarDims};
use super::pass::{self, Pass};
use super::probe::Trace;
use super::{ProbedNet, Site, SiteKind};
use crate::activation::Activation;
use crate::init::{Branch, NetworkInit};
use crate::theory::jacobian::JacobianMoments;
use crate::theory::network::{Prediction, ProbeInputs};
use crate::theory::residual::predict_residual;

/// The shape of a residual MLP.
pub type Shape = ResidualShape;

/// The residual gain of a block: the constant 1, or a trained scalar.
enum Gain {
    One,
    Learned(Var),
}

struct Block {
    layers: Vec<Dense>,
    gain: Gain,
}

/// What a site of the network is.
#[derive(Debug, Clone, Copy)]
enum Role {
    Projection,
    BranchLayer { block: usize, layer: usize },
    Stream,
    Readout,
}

/// A residual MLP (see the module header).
pub struct ResidualMlp {
    shape: Shape,
    activation: Activation,
    branch: Branch,
    projection: Dense,
    blocks: Vec<Block>,
    readout: Dense,
    sites: Vec<Site>,
    roles: Vec<Role>,
}

impl ResidualMlp {
    /// A network of `shape` initialized by `init` and the branch scheme `branch` from `seed`.
    pub fn init(
        shape: Shape,
        activation: Activation,
        init: &NetworkInit,
        branch: Branch,
        seed: u64,
        device: &Device,
    ) -> CandleResult<Self> {
        let params = init.draw(&shape.flat_sizes(), activation, seed);
        Self::from_params(shape, &params, activation, branch, device)
    }

    /// Builds the network from explicit row-major weights and biases, one pair per layer of
    /// [`Shape::flat_sizes`], as drawn; the branch scheme is applied here.
    pub fn from_params(
        shape: Shape,
        params: &[(Vec<f32>, Vec<f32>)],
        activation: Activation,
        branch: Branch,
        device: &Device,
    ) -> CandleResult<Self> {
        let start = branch.start(shape.blocks, shape.layers);
        let sizes = shape.flat_sizes();
        let dense = |l: usize, scale: f64| -> CandleResult<Dense> {
            let (w, b) = &params[l];
            let w: Vec<f32> = w.iter().map(|&v| (f64::from(v) * scale) as f32).collect();
            // A zeroed layer starts at zero outright, its bias too.
            let b: Vec<f32> = b
                .iter()
                .map(|&v| if scale == 0.0 { 0.0 } else { v })
                .collect();
            Ok(Dense {
                w: Var::from_tensor(&Tensor::from_slice(&w, (sizes[l], sizes[l + 1]), device)?)?,
                b: Var::from_tensor(&Tensor::from_slice(&b, sizes[l + 1], device)?)?,
            })
        };
        let stream_activation = match shape.order {
            BlockOrder::Pre => Activation::Linear,
            BlockOrder::Post => activation,
        };
        let block_site = |kind, activation, block| Site {
            kind,
            width: shape.width,
            activation,
            block: Some(block),
            time: None,
        };
        let mut sites = vec![block_site(SiteKind::Stream, stream_activation, 0)];
        let mut roles = vec![Role::Projection];
        let projection = dense(0, 1.0)?;
        let mut blocks = Vec::with_capacity(shape.blocks);
        for b in 0..shape.blocks {
            let mut layers = Vec::with_capacity(shape.layers);
            for k in 0..shape.layers {
                let last = k + 1 == shape.layers;
                let scale = if last {
                    start.last_scale
                } else {
                    start.inner_scale
                };
                layers.push(dense(1 + b * shape.layers + k, scale)?);
                let site_activation = if last { Activation::Linear } else { activation };
                sites.push(block_site(SiteKind::Branch, site_activation, b + 1));
                roles.push(Role::BranchLayer { block: b, layer: k });
            }
            sites.push(block_site(SiteKind::Stream, stream_activation, b + 1));
            roles.push(Role::Stream);
            let gain = if start.learned {
                Gain::Learned(Var::from_tensor(&Tensor::from_slice(
                    &[start.alpha as f32],
                    1,
                    device,
                )?)?)
            } else {
                Gain::One
            };
            blocks.push(Block { layers, gain });
        }
        let readout = dense(sizes.len() - 2, start.readout_scale)?;
        sites.push(Site::plain(
            SiteKind::Output,
            shape.outputs,
            Activation::Linear,
        ));
        roles.push(Role::Readout);
        Ok(ResidualMlp {
            shape,
            activation,
            branch,
            projection,
            blocks,
            readout,
            sites,
            roles,
        })
    }

    /// One pass of `x`, keeping what `pass` asks for; the logits, or `None` where it stopped.
    fn run(&self, x: &Tensor, pass: &mut Pass) -> CandleResult<Option<Tensor>> {
        let stream_activation = self.sites[0].activation;
        let mut index = 0;
        let Some(mut stream) =
            pass.site(index, self.projection.affine(x)?, stream_activation, None)?
        else {
            return Ok(None);
        };
        for block in &self.blocks {
            let mut h = match self.shape.order {
                BlockOrder::Pre => self.activation.forward(&stream)?,
                BlockOrder::Post => stream.clone(),
            };
            // Untraced with α = 1, the last layer's bias add and the stream's sum are one op
            // (the same bits, fewer ops); traced, the branch's output is a site of its own.
            let fused = matches!(pass, Pass::Plain) && matches!(block.gain, Gain::One);
            let (last, inner) = block
                .layers
                .split_last()
                .expect("a block has at least one layer");
            for layer in inner {
                index += 1;
                let activation = self.sites[index].activation;
                let Some(next) = pass.site(index, layer.affine(&h)?, activation, None)? else {
                    return Ok(None);
                };
                h = next;
            }
            index += 1;
            let sum = if fused {
                index += 1;
                bias_add_skip(&h.matmul(last.w.as_tensor())?, last.b.as_tensor(), &stream)?
            } else {
                let Some(out) = pass.site(index, last.affine(&h)?, Activation::Linear, None)?
                else {
                    return Ok(None);
                };
                let added = match &block.gain {
                    Gain::One => out,
                    Gain::Learned(alpha) => out.broadcast_mul(alpha.as_tensor())?,
                };
                index += 1;
                stream.add(&added)?
            };
            let Some(next) = pass.site(index, sum, stream_activation, Some(&stream))? else {
                return Ok(None);
            };
            stream = next;
        }
        index += 1;
        pass.site(
            index,
            self.readout.affine(&stream)?,
            Activation::Linear,
            None,
        )
    }
}

impl ProbedNet for ResidualMlp {
    fn sites(&self) -> &[Site] {
        &self.sites
    }

    fn vars(&self) -> Vec<Var> {
        let pair = |d: &Dense| [d.w.clone(), d.b.clone()];
        let mut vars: Vec<Var> = pair(&self.projection).into();
        for block in &self.blocks {
            vars.extend(block.layers.iter().flat_map(pair));
            if let Gain::Learned(alpha) = &block.gain {
                vars.push(alpha.clone());
            }
        }
        vars.extend(pair(&self.readout));
        vars
    }

    fn var_dims(&self) -> Vec<VarDims> {
        let s = self.shape;
        let (input, width, outputs) = (
            Dim::Fixed(s.input),
            Dim::Width(s.width),
            Dim::Fixed(s.outputs),
        );
        let mut dims = vec![VarDims::weight(input, width), VarDims::bias(width)];
        for block in &self.blocks {
            for _ in &block.layers {
                dims.extend([VarDims::weight(width, width), VarDims::bias(width)]);
            }
            if let Gain::Learned(_) = block.gain {
                // A scalar: no dimension grows; it keeps its rate like a bias.
                dims.push(VarDims::bias(Dim::Fixed(1)));
            }
        }
        dims.extend([VarDims::weight(width, outputs), VarDims::bias(outputs)]);
        dims
    }

    fn forward(&self, x: &Tensor) -> CandleResult<Tensor> {
        pass::forward(|p| self.run(x, p))
    }

    fn trace(&self, x: &Tensor) -> CandleResult<Trace> {
        pass::trace(self.sites.len(), |p| self.run(x, p))
    }

    fn site_weight(&self, site: usize) -> Option<&Var> {
        match self.roles[site] {
            Role::Projection => Some(&self.projection.w),
            Role::BranchLayer { block, layer } => Some(&self.blocks[block].layers[layer].w),
            Role::Stream => None,
            Role::Readout => Some(&self.readout.w),
        }
    }

    fn site_weight_scale(&self, site: usize) -> f64 {
        let start = self.branch.start(self.shape.blocks, self.shape.layers);
        match self.roles[site] {
            Role::Projection | Role::Stream => 1.0,
            Role::BranchLayer { layer, .. } if layer + 1 == self.shape.layers => start.last_scale,
            Role::BranchLayer { .. } => start.inner_scale,
            Role::Readout => start.readout_scale,
        }
    }

    fn pre_activation(&self, x: &Tensor, site: usize) -> CandleResult<Tensor> {
        pass::pre_activation(site, |p| self.run(x, p))
    }

    fn theory(
        &self,
        init: &NetworkInit,
        inputs: &ProbeInputs,
        output_grad_var: f64,
    ) -> Option<Vec<Prediction>> {
        // The `post` ordering's stream is φ of a sum, not Gaussian: no prediction.
        if self.shape.order != BlockOrder::Pre {
            return None;
        }
        predict_residual(
            &self.shape.flat_sizes(),
            self.shape.layers,
            self.activation,
            init,
            self.branch,
            &inputs.m2,
            output_grad_var,
        )
    }

    fn jacobian(&self, _trace: &Trace, _example: usize) -> CandleResult<Option<Mat<f64>>> {
        // The hidden stack's Jacobian is an MLP's product of layers; a residual network's is
        // a product of (I + α·J_B) per block, which initlab does not compute yet.
        Ok(None)
    }

    fn jacobian_theory(&self, _init: &NetworkInit, _input_m2: &[f64]) -> Option<JacobianMoments> {
        None
    }
}

#[cfg(test)]
mod tests;
