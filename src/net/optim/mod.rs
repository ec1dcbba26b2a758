//! Optimizers over candle variables, with PyTorch's update rules.
//!
//! - SGD: `w ← w − η·g`.
//! - SGD with momentum (PyTorch form): `v ← μ·v + g`, `w ← w − η·v`; Nesterov:
//!   `w ← w − η·(g + μ·v)`.
//! - Adam (Kingma & Ba 2015): `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
//!   `w ← w − η·m̂/(√v̂ + ε)` with bias-corrected `m̂ = m/(1−β₁ᵗ)`, `v̂ = v/(1−β₂ᵗ)`.
//!
//! Each variable's rate may carry its own factor (a parameterization's, see
//! [`crate::net::parameterization`]).
//!
//! On the CPU the rules run as fused in-place passes (`inplace.rs`); elsewhere as candle's
//! tensor ops, which give the same numbers. Gradients may be clipped to a global norm first
//! (`clip.rs`, `[train] clip_grad_norm`).

mod clip;
mod inplace;

use std::fmt;

use candle_core::backprop::GradStore;
use candle_core::{Result as CandleResult, Tensor, Var};
use serde::{Deserialize, Serialize};

pub use clip::clip_grad_norm;
pub use inplace::UpdateSize;
use inplace::{step2, step3, update2, Rule2, Rule3};

use crate::defaults::{BETA1, BETA2, EPS};

/// An optimizer and its hyper-parameters (the learning rate is a grid axis of its own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OptimizerConfig {
    Sgd {},
    Momentum {
        #[serde(default = "crate::defaults::momentum")]
        momentum: f64,
        #[serde(default)]
        nesterov: bool,
    },
    Adam {
        #[serde(default = "crate::defaults::beta1")]
        beta1: f64,
        #[serde(default = "crate::defaults::beta2")]
        beta2: f64,
        #[serde(default = "crate::defaults::eps")]
        eps: f64,
    },
}

impl OptimizerConfig {
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            OptimizerConfig::Sgd {} => Ok(()),
            OptimizerConfig::Momentum { momentum, .. } if (0.0..1.0).contains(&momentum) => Ok(()),
            OptimizerConfig::Momentum { .. } => Err("optimizer momentum must be in [0, 1)".into()),
            OptimizerConfig::Adam { beta1, beta2, eps }
                if (0.0..1.0).contains(&beta1) && (0.0..1.0).contains(&beta2) && eps > 0.0 =>
            {
                Ok(())
            }
            OptimizerConfig::Adam { .. } => {
                Err("adam needs beta1 and beta2 in [0, 1) and eps > 0".into())
            }
        }
    }
}

impl fmt::Display for OptimizerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            OptimizerConfig::Sgd {} => write!(f, "sgd"),
            OptimizerConfig::Momentum {
                momentum,
                nesterov: false,
            } => write!(f, "momentum({momentum})"),
            OptimizerConfig::Momentum {
                momentum,
                nesterov: true,
            } => write!(f, "nesterov({momentum})"),
            OptimizerConfig::Adam { beta1, beta2, eps }
                if beta1 == BETA1 && beta2 == BETA2 && eps == EPS =>
            {
                write!(f, "adam")
            }
            OptimizerConfig::Adam { beta1, beta2, eps } => write!(f, "adam({beta1};{beta2};{eps})"),
        }
    }
}

/// An optimizer bound to its variables, with its per-variable state.
pub struct Optimizer {
    config: OptimizerConfig,
    lr: f64,
    vars: Vec<Var>,
    /// Each variable's factor on `lr` (the parameterization's; 1 under `standard`).
    lr_scales: Vec<f64>,
    /// Momentum buffers or Adam's first moments.
    first: Vec<Option<Tensor>>,
    /// Adam's second moments.
    second: Vec<Option<Tensor>>,
    step: i32,
    path: Path,
}

/// How updates are computed: fused in place where [`inplace::applies`], or with candle's
/// tensor ops everywhere (the reference the fused rules are tested against).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    InPlace,
    #[cfg_attr(not(test), allow(dead_code))]
    TensorOps,
}

impl Optimizer {
    pub fn new(config: OptimizerConfig, lr: f64, vars: Vec<Var>) -> Self {
        let n = vars.len();
        Optimizer {
            config,
            lr,
            vars,
            lr_scales: vec![1.0; n],
            first: vec![None; n],
            second: vec![None; n],
            step: 0,
            path: Path::InPlace,
        }
    }

    /// Scales each variable's learning rate by its factor (in [`Optimizer::new`]'s order).
    pub fn with_lr_scales(mut self, scales: Vec<f64>) -> Self {
        debug_assert_eq!(scales.len(), self.vars.len());
        self.lr_scales = scales;
        self
    }

    /// The learning rate of variable `i`.
    fn lr_of(&self, i: usize) -> f64 {
        self.lr * self.lr_scales[i]
    }

    /// Applies one update from the gradients of a backward pass.
    pub fn step(&mut self, grads: &GradStore) -> CandleResult<()> {
        self.step_measured(grads, &[]).map(|_| ())
    }

    /// Applies one update and measures the step of each variable `measure` marks (in
    /// [`Optimizer::new`]'s order; a shorter slice marks none of the rest): its size, or `None`
    /// for a variable not marked or without a gradient.
    pub fn step_measured(
        &mut self,
        grads: &GradStore,
        measure: &[bool],
    ) -> CandleResult<Vec<Option<UpdateSize>>> {
        self.step += 1;
        let mut sizes = vec![None; self.vars.len()];
        for (i, size) in sizes.iter_mut().enumerate() {
            let var = self.vars[i].clone();
            let Some(g) = grads.get(var.as_tensor()) else {
                continue;
            };
            let measured = measure.get(i).copied().unwrap_or(false);
            // candle's gradient of a weight is `h^T·δ` with `h` a node of the forward graph, so
            // it still refers to the whole graph of this step; a momentum or Adam buffer built
            // from it would chain every step's graph to the next and memory would grow without
            // bound. Detached, the state holds only numbers.
            let g = &g.detach();
            *size = if self.path == Path::InPlace && inplace::applies(&[var.as_tensor(), g]) {
                self.update_in_place(i, var.as_tensor(), g, measured)?
            } else {
                self.update_with_tensor_ops(i, &var, g, measured)?
            };
        }
        Ok(sizes)
    }

    /// The update as fused in-place passes over the weights and the state buffers; the pass
    /// that writes the weights measures the step when asked.
    fn update_in_place(
        &mut self,
        i: usize,
        w: &Tensor,
        g: &Tensor,
        measure: bool,
    ) -> CandleResult<Option<UpdateSize>> {
        let lr = self.lr_of(i) as f32;
        match self.config {
            OptimizerConfig::Sgd {} => step2(w, g, Rule2::Descend { lr }, measure),
            OptimizerConfig::Momentum { momentum, nesterov } => {
                let v = state(&mut self.first[i], g)?;
                let momentum = momentum as f32;
                update2(v, g, Rule2::Accumulate { momentum })?;
                if nesterov {
                    step3(w, g, v, Rule3::Nesterov { lr, momentum }, measure)
                } else {
                    step2(w, v, Rule2::Descend { lr }, measure)
                }
            }
            OptimizerConfig::Adam { beta1, beta2, eps } => {
                let m = state(&mut self.first[i], g)?;
                let v = state(&mut self.second[i], g)?;
                let (keep, take) = (beta1 as f32, (1.0 - beta1) as f32);
                update2(m, g, Rule2::Average { keep, take })?;
                let (keep, take) = (beta2 as f32, (1.0 - beta2) as f32);
                update2(v, g, Rule2::AverageSquare { keep, take })?;
                let adam = Rule3::Adam {
                    lr,
                    inv_c1: (1.0 / (1.0 - beta1.powi(self.step))) as f32,
                    inv_c2: (1.0 / (1.0 - beta2.powi(self.step))) as f32,
                    eps: eps as f32,
                };
                step3(w, m, v, adam, measure)
            }
        }
    }

    /// The update written with candle's tensor ops, for any device and dtype; measuring the
    /// step takes a copy of the weights before it.
    fn update_with_tensor_ops(
        &mut self,
        i: usize,
        var: &Var,
        g: &Tensor,
        measure: bool,
    ) -> CandleResult<Option<UpdateSize>> {
        let before = if measure {
            Some(var.as_tensor().copy()?)
        } else {
            None
        };
        let update = match self.config {
            OptimizerConfig::Sgd {} => g.clone(),
            OptimizerConfig::Momentum { momentum, nesterov } => {
                let v = match &self.first[i] {
                    Some(v) => ((v * momentum)? + g)?,
                    None => g.clone(),
                };
                let update = if nesterov {
                    (g + (&v * momentum)?)?
                } else {
                    v.clone()
                };
                self.first[i] = Some(v);
                update
            }
            OptimizerConfig::Adam { beta1, beta2, eps } => {
                let m = match &self.first[i] {
                    Some(m) => ((m * beta1)? + (g * (1.0 - beta1))?)?,
                    None => (g * (1.0 - beta1))?,
                };
                let v = match &self.second[i] {
                    Some(v) => ((v * beta2)? + (g.sqr()? * (1.0 - beta2))?)?,
                    None => (g.sqr()? * (1.0 - beta2))?,
                };
                let m_hat = (&m / (1.0 - beta1.powi(self.step)))?;
                let v_hat = (&v / (1.0 - beta2.powi(self.step)))?;
                let update = (m_hat / (v_hat.sqrt()? + eps)?)?;
                self.first[i] = Some(m);
                self.second[i] = Some(v);
                update
            }
        };
        var.set(&(var.as_tensor() - (update * self.lr_of(i))?)?)?;
        let Some(before) = before else {
            return Ok(None);
        };
        let old = before.flatten_all()?.to_vec1::<f32>()?;
        let new = var.as_tensor().flatten_all()?.to_vec1::<f32>()?;
        Ok(Some(UpdateSize::of(&old, &new)))
    }
}

/// A state buffer, zeros the first time (so the first momentum or moment is exactly `g` or
/// `(1−β)·g`, as with the tensor ops).
fn state<'a>(slot: &'a mut Option<Tensor>, like: &Tensor) -> CandleResult<&'a Tensor> {
    let buffer = match slot.take() {
        Some(buffer) => buffer,
        None => like.zeros_like()?,
    };
    Ok(slot.insert(buffer))
}

#[cfg(test)]
mod tests;
