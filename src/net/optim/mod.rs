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
//! tensor ops, which give the same numbers.

mod inplace;

use std::fmt;

use candle_core::backprop::GradStore;
use candle_core::{Result as CandleResult, Tensor, Var};
use serde::{Deserialize, Serialize};

use inplace::{update2, update3, Rule2, Rule3};

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
        self.step += 1;
        for i in 0..self.vars.len() {
            let var = self.vars[i].clone();
            let Some(g) = grads.get(var.as_tensor()) else {
                continue;
            };
            // candle's gradient of a weight is `h^T·δ` with `h` a node of the forward graph, so
            // it still refers to the whole graph of this step; a momentum or Adam buffer built
            // from it would chain every step's graph to the next and memory would grow without
            // bound. Detached, the state holds only numbers.
            let g = &g.detach();
            if self.path == Path::InPlace && inplace::applies(&[var.as_tensor(), g]) {
                self.update_in_place(i, var.as_tensor(), g)?;
            } else {
                self.update_with_tensor_ops(i, &var, g)?;
            }
        }
        Ok(())
    }

    /// The update as fused in-place passes over the weights and the state buffers.
    fn update_in_place(&mut self, i: usize, w: &Tensor, g: &Tensor) -> CandleResult<()> {
        let lr = self.lr_of(i) as f32;
        match self.config {
            OptimizerConfig::Sgd {} => update2(w, g, Rule2::Descend { lr }),
            OptimizerConfig::Momentum { momentum, nesterov } => {
                let v = state(&mut self.first[i], g)?;
                let momentum = momentum as f32;
                update2(v, g, Rule2::Accumulate { momentum })?;
                if nesterov {
                    update3(w, g, v, Rule3::Nesterov { lr, momentum })
                } else {
                    update2(w, v, Rule2::Descend { lr })
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
                update3(w, m, v, adam)
            }
        }
    }

    /// The update written with candle's tensor ops, for any device and dtype.
    fn update_with_tensor_ops(&mut self, i: usize, var: &Var, g: &Tensor) -> CandleResult<()> {
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
        var.set(&(var.as_tensor() - (update * self.lr_of(i))?)?)
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
mod tests {
    use super::*;
    use candle_core::Device;

    /// Minimises f(w) = w²/2 (gradient w) for two steps and compares with the update rules
    /// written out by hand.
    fn two_steps(config: OptimizerConfig, lr: f64) -> f32 {
        let w = Var::new(&[1.0f32], &Device::Cpu).unwrap();
        let mut opt = Optimizer::new(config, lr, vec![w.clone()]);
        for _ in 0..2 {
            let loss = (w.as_tensor().sqr().unwrap() * 0.5)
                .unwrap()
                .sum_all()
                .unwrap();
            opt.step(&loss.backward().unwrap()).unwrap();
        }
        w.as_tensor().to_vec1::<f32>().unwrap()[0]
    }

    /// Each variable moves at its own rate: f(a, b) = a²/2 + b²/2 (gradients a and b) from
    /// (1, 1), one step of SGD at 0.1 with factors 1 and 0.25 (a: 1 − 0.1, b: 1 − 0.025), and
    /// of Adam (its first step is lr·sign(g): a: 1 − 0.1, b: 1 − 0.025), on both paths.
    #[test]
    fn each_variable_takes_its_own_rate() {
        for config in [
            OptimizerConfig::Sgd {},
            OptimizerConfig::Adam {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            },
        ] {
            for path in [Path::InPlace, Path::TensorOps] {
                let a = Var::new(&[1.0f32], &Device::Cpu).unwrap();
                let b = Var::new(&[1.0f32], &Device::Cpu).unwrap();
                let mut opt = Optimizer::new(config.clone(), 0.1, vec![a.clone(), b.clone()])
                    .with_lr_scales(vec![1.0, 0.25]);
                opt.path = path;
                let loss = ((a.as_tensor().sqr().unwrap() + b.as_tensor().sqr().unwrap()).unwrap()
                    * 0.5)
                    .unwrap()
                    .sum_all()
                    .unwrap();
                opt.step(&loss.backward().unwrap()).unwrap();
                let value = |v: &Var| v.as_tensor().to_vec1::<f32>().unwrap()[0];
                assert!((value(&a) - 0.9).abs() < 1e-6, "{config} {path:?}");
                assert!((value(&b) - 0.975).abs() < 1e-6, "{config} {path:?}");
            }
        }
    }

    /// The state kept between steps must not hold a computation graph (or memory grows with
    /// every step): after a step through a real graph, no buffer tracks an op.
    #[test]
    fn optimizer_state_holds_no_graph() {
        for config in [
            OptimizerConfig::Momentum {
                momentum: 0.9,
                nesterov: false,
            },
            OptimizerConfig::Adam {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            },
        ] {
            let w = Var::new(&[[1.0f32, 2.0], [3.0, 4.0]], &Device::Cpu).unwrap();
            let x = Tensor::new(&[[0.5f32, -1.0]], &Device::Cpu).unwrap();
            let mut opt = Optimizer::new(config, 0.1, vec![w.clone()]);
            for _ in 0..2 {
                let h = x.matmul(w.as_tensor()).unwrap().tanh().unwrap();
                let loss = h.matmul(w.as_tensor()).unwrap().sum_all().unwrap();
                opt.step(&loss.backward().unwrap()).unwrap();
            }
            for state in opt.first.iter().chain(&opt.second).flatten() {
                assert!(!state.track_op(), "a buffer refers to a graph");
            }
        }
    }

    /// Five steps of every optimizer through a small tanh network, once with the fused
    /// in-place rules and once with candle's tensor ops: the weights must agree bit for bit.
    #[test]
    fn in_place_rules_match_tensor_ops() {
        let configs = [
            OptimizerConfig::Sgd {},
            OptimizerConfig::Momentum {
                momentum: 0.9,
                nesterov: false,
            },
            OptimizerConfig::Momentum {
                momentum: 0.7,
                nesterov: true,
            },
            OptimizerConfig::Adam {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            },
            OptimizerConfig::Adam {
                beta1: 0.5,
                beta2: 0.9,
                eps: 1e-3,
            },
        ];
        let x = Tensor::new(&[[0.5f32, -1.0, 0.25], [2.0, 0.1, -0.3]], &Device::Cpu).unwrap();
        for config in configs {
            let run = |path: Path| {
                let w1 =
                    Var::new(&[[0.3f32, -0.2], [0.1, 0.7], [-0.5, 0.4]], &Device::Cpu).unwrap();
                let w2 = Var::new(&[[1.1f32], [-0.6]], &Device::Cpu).unwrap();
                let mut opt = Optimizer::new(config.clone(), 0.05, vec![w1.clone(), w2.clone()]);
                opt.path = path;
                for _ in 0..5 {
                    let h = x.matmul(w1.as_tensor()).unwrap().tanh().unwrap();
                    let loss = h
                        .matmul(w2.as_tensor())
                        .unwrap()
                        .sqr()
                        .unwrap()
                        .sum_all()
                        .unwrap();
                    opt.step(&loss.backward().unwrap()).unwrap();
                }
                [w1, w2].map(|w| w.flatten_all().unwrap().to_vec1::<f32>().unwrap())
            };
            let fused = run(Path::InPlace);
            let reference = run(Path::TensorOps);
            assert_eq!(fused, reference, "{config}");
            let start = [0.3f32, -0.2, 0.1, 0.7, -0.5, 0.4];
            assert_ne!(fused[0], start, "{config} did not move the weights");
        }
    }

    #[test]
    fn sgd_by_hand() {
        // w1 = 1 - 0.1·1 = 0.9; w2 = 0.9 - 0.1·0.9 = 0.81
        assert!((two_steps(OptimizerConfig::Sgd {}, 0.1) - 0.81).abs() < 1e-6);
    }

    #[test]
    fn momentum_by_hand() {
        // v1 = 1, w1 = 0.9; v2 = 0.9·1 + 0.9 = 1.8, w2 = 0.9 - 0.18 = 0.72
        let m = OptimizerConfig::Momentum {
            momentum: 0.9,
            nesterov: false,
        };
        assert!((two_steps(m, 0.1) - 0.72).abs() < 1e-6);
    }

    #[test]
    fn adam_by_hand() {
        // Step 1: m̂ = g, v̂ = g², update = lr·g/(|g|+eps) ≈ lr: w1 = 0.9.
        // Step 2: g = 0.9, m = 0.09 + 0.09 = 0.18 → m̂ = 0.18/0.19;
        // v = 0.999·0.001 + 0.001·0.81 = 0.001809 → v̂ = 0.001809/0.001999.
        let m_hat: f64 = 0.18 / 0.19;
        let v_hat: f64 = 0.001_809 / (1.0 - 0.999f64.powi(2));
        let expected = 0.9 - 0.1 * m_hat / (v_hat.sqrt() + 1e-8);
        let adam = OptimizerConfig::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        };
        assert!((f64::from(two_steps(adam, 0.1)) - expected).abs() < 1e-5);
    }
}
