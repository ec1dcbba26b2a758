//! Optimizers over candle variables, with PyTorch's update rules.
//!
//! - SGD: `w ← w − η·g`.
//! - SGD with momentum (PyTorch form): `v ← μ·v + g`, `w ← w − η·v`; Nesterov:
//!   `w ← w − η·(g + μ·v)`.
//! - Adam (Kingma & Ba 2015): `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
//!   `w ← w − η·m̂/(√v̂ + ε)` with bias-corrected `m̂ = m/(1−β₁ᵗ)`, `v̂ = v/(1−β₂ᵗ)`.

use std::fmt;

use candle_core::backprop::GradStore;
use candle_core::{Result as CandleResult, Tensor, Var};
use serde::{Deserialize, Serialize};

/// An optimizer and its hyper-parameters (the learning rate is a grid axis of its own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OptimizerConfig {
    Sgd {},
    Momentum {
        #[serde(default = "default_momentum")]
        momentum: f64,
        #[serde(default)]
        nesterov: bool,
    },
    Adam {
        #[serde(default = "default_beta1")]
        beta1: f64,
        #[serde(default = "default_beta2")]
        beta2: f64,
        #[serde(default = "default_eps")]
        eps: f64,
    },
}

fn default_momentum() -> f64 {
    0.9
}
fn default_beta1() -> f64 {
    0.9
}
fn default_beta2() -> f64 {
    0.999
}
fn default_eps() -> f64 {
    1e-8
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
                if beta1 == default_beta1() && beta2 == default_beta2() && eps == default_eps() =>
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
    /// Momentum buffers or Adam's first moments.
    first: Vec<Option<Tensor>>,
    /// Adam's second moments.
    second: Vec<Option<Tensor>>,
    step: i32,
}

impl Optimizer {
    pub fn new(config: OptimizerConfig, lr: f64, vars: Vec<Var>) -> Self {
        let n = vars.len();
        Optimizer {
            config,
            lr,
            vars,
            first: vec![None; n],
            second: vec![None; n],
            step: 0,
        }
    }

    /// Applies one update from the gradients of a backward pass.
    pub fn step(&mut self, grads: &GradStore) -> CandleResult<()> {
        self.step += 1;
        for (i, var) in self.vars.iter().enumerate() {
            let Some(g) = grads.get(var.as_tensor()) else {
                continue;
            };
            // candle's gradient of a weight is `h^T·δ` with `h` a node of the forward graph, so
            // it still refers to the whole graph of this step; a momentum or Adam buffer built
            // from it would chain every step's graph to the next and memory would grow without
            // bound. Detached, the state holds only numbers.
            let g = &g.detach();
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
            var.set(&(var.as_tensor() - (update * self.lr)?)?)?;
        }
        Ok(())
    }
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
