//! The optimizers against hand-computed updates, their state free of graphs, the fused
//! in-place rules against candle's tensor ops, and each variable's own rate.

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
/// in-place rules and once with candle's tensor ops: the weights must agree bit for bit, and
/// the steps measured as they are taken must equal those of copies before and after.
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
            let w1 = Var::new(&[[0.3f32, -0.2], [0.1, 0.7], [-0.5, 0.4]], &Device::Cpu).unwrap();
            let w2 = Var::new(&[[1.1f32], [-0.6]], &Device::Cpu).unwrap();
            let mut opt = Optimizer::new(config.clone(), 0.05, vec![w1.clone(), w2.clone()]);
            opt.path = path;
            let values = |w: &Var| w.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let mut sizes = Vec::new();
            for step in 0..5 {
                let h = x.matmul(w1.as_tensor()).unwrap().tanh().unwrap();
                let loss = h
                    .matmul(w2.as_tensor())
                    .unwrap()
                    .sqr()
                    .unwrap()
                    .sum_all()
                    .unwrap();
                let grads = loss.backward().unwrap();
                // Every other step measures w1's update (w2 never): against copies taken
                // before and after, entry by entry.
                if step % 2 == 0 {
                    let before = values(&w1);
                    let measured = opt.step_measured(&grads, &[true]).unwrap();
                    assert_eq!(measured[1], None, "w2 is not measured");
                    let expected = UpdateSize::of(&before, &values(&w1));
                    assert_eq!(measured[0], Some(expected), "{config} {path:?}");
                    sizes.push(expected);
                } else {
                    opt.step(&grads).unwrap();
                }
            }
            ([w1, w2].map(|w| values(&w)), sizes)
        };
        let (fused, fused_sizes) = run(Path::InPlace);
        let (reference, reference_sizes) = run(Path::TensorOps);
        assert_eq!(fused, reference, "{config}");
        assert_eq!(fused_sizes, reference_sizes, "{config}");
        assert!(fused_sizes
            .iter()
            .all(|s| s.change2 > 0.0 && s.ratio().is_some()));
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
