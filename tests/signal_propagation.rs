//! Signal propagation at initialization, measured by the probe against the theory:
//! - a deep linear network with LeCun init keeps the input variance at every layer
//!   (Var(z^{l+1}) = fan_in · (1/fan_in) · E[h²]);
//! - a ReLU network with Xavier init on square layers halves it per layer
//!   (Var(W) = 2/(n+n) = 1/n and E[relu(z)²] = Var(z)/2; He et al. 2015).

use candle_core::Device;
use initlab::activation::Activation;
use initlab::data::DatasetConfig;
use initlab::init::{BiasScheme, InitScheme, NetworkInit};
use initlab::net::mlp::Mlp;
use initlab::net::moments::mean_var;
use initlab::net::ProbedNet;
use initlab::run::fixed::Fixed;

const WIDTH: usize = 512;

fn probe_at_init(act: Activation, scheme: InitScheme, depth: usize, seed: u64) -> (f64, Vec<f64>) {
    let data: DatasetConfig = toml::from_str(&format!(
        "kind = \"gaussian_mixture\"\nclasses = 10\ndim = {WIDTH}\nsamples = 2048\nseed = 5"
    ))
    .unwrap();
    let data = data.build().unwrap();
    let fixed = Fixed::new(&data, 1024, 5).unwrap();
    let (_, input_var) = mean_var(
        &fixed
            .probe_x
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap(),
    );
    let mut sizes = vec![WIDTH; depth + 1];
    sizes.push(10);
    let init = NetworkInit {
        input: None,
        hidden: scheme,
        output: None,
        bias: BiasScheme::Zeros {},
    };
    let mlp = Mlp::init(&sizes, act, &init, seed, &Device::Cpu).unwrap();
    let measured = mlp
        .probe(&fixed.probe_x, &fixed.probe_y, data.task)
        .unwrap();
    let act_var = measured.layers[..depth].iter().map(|s| s.act_var).collect();
    (input_var, act_var)
}

#[test]
fn lecun_keeps_a_deep_linear_network_at_the_input_variance() {
    for seed in 0..4 {
        let (input_var, act_var) =
            probe_at_init(Activation::Linear, InitScheme::LecunNormal {}, 10, seed);
        assert!(
            (input_var - 1.0).abs() < 0.05,
            "standardized input variance {input_var}"
        );
        for (l, v) in act_var.iter().enumerate() {
            assert!(
                (v / input_var - 1.0).abs() < 0.10,
                "seed {seed}, layer {}: act_var {v:.4} vs input {input_var:.4}",
                l + 1
            );
        }
    }
}

#[test]
fn xavier_halves_the_relu_variance_per_layer() {
    for seed in 0..4 {
        let (_, act_var) = probe_at_init(
            Activation::Relu,
            InitScheme::XavierUniform { gain: 1.0 },
            8,
            seed,
        );
        for l in 1..act_var.len() {
            let ratio = act_var[l] / act_var[l - 1];
            assert!(
                (0.4..0.6).contains(&ratio),
                "seed {seed}, layer {}: act_var ratio {ratio:.3}, expected ≈ 0.5",
                l + 1
            );
        }
        let overall = act_var[7] / act_var[0];
        assert!(
            (0.5f64.powi(7) * 0.6..0.5f64.powi(7) * 1.6).contains(&overall),
            "seed {seed}: 7 layers shrink by {overall:.5}, expected ≈ 2^-7"
        );
    }
}

#[test]
fn he_keeps_the_relu_variance() {
    let he = InitScheme::HeNormal {
        mode: initlab::init::FanMode::FanIn,
        negative_slope: 0.0,
    };
    let (_, act_var) = probe_at_init(Activation::Relu, he, 8, 0);
    let overall = act_var[7] / act_var[0];
    assert!(
        (0.6..1.6).contains(&overall),
        "He: 7 layers scale by {overall:.3}, expected ≈ 1"
    );
}

/// Mean-field theory against measurement: act_var per hidden layer at initialization, averaged
/// over 16 seeds, within 5% of the prediction for the exact network (width 512, depth 5). At
/// finite width each layer's variance gain fluctuates by about √(2/n) per seed (more for ReLU,
/// whose representations of different inputs align), so one seed alone can miss by 10–20%.
#[test]
fn the_mean_field_prediction_matches_the_measured_variances() {
    use initlab::theory::network::predict;
    let width = 512;
    let depth = 5;
    let data: DatasetConfig = toml::from_str(&format!(
        "kind = \"gaussian_mixture\"\nclasses = 10\ndim = {width}\nsamples = 2048\nseed = 5"
    ))
    .unwrap();
    let data = data.build().unwrap();
    let fixed = Fixed::new(&data, 512, 5).unwrap();
    let he = InitScheme::HeNormal {
        mode: initlab::init::FanMode::FanIn,
        negative_slope: 0.0,
    };
    let critical = InitScheme::Critical {
        sigma_w2: 1.761,
        sigma_b2: 0.05,
    };
    let schemes = [
        InitScheme::LecunNormal {},
        InitScheme::XavierUniform { gain: 1.0 },
        he,
        critical,
    ];
    let mut sizes = vec![width; depth + 1];
    sizes.push(10);
    for act in [Activation::Linear, Activation::Tanh, Activation::Relu] {
        for scheme in &schemes {
            if act == Activation::Linear
                && matches!(
                    scheme,
                    InitScheme::HeNormal { .. } | InitScheme::Critical { .. }
                )
            {
                continue; // σ_w² ≥ 1 without a bound: the variance grows geometrically.
            }
            let init = NetworkInit {
                input: None,
                hidden: scheme.clone(),
                output: None,
                bias: BiasScheme::Default {},
            };
            let seeds = 16;
            let mut measured = vec![0.0; depth];
            let mut predicted = vec![0.0; depth];
            for seed in 0..seeds {
                let mlp = Mlp::init(&sizes, act, &init, seed, &Device::Cpu).unwrap();
                let probe = mlp
                    .probe(&fixed.probe_x, &fixed.probe_y, data.task)
                    .unwrap();
                let output_grad = probe.layers[depth].grad_var;
                let p = predict(&sizes, act, &init, &fixed.inputs.m2, output_grad).unwrap();
                for l in 0..depth {
                    measured[l] += probe.layers[l].act_var / seeds as f64;
                    predicted[l] += p[l].act_var / seeds as f64;
                }
            }
            for l in 0..depth {
                let ratio = measured[l] / predicted[l];
                assert!(
                    (ratio - 1.0).abs() < 0.05,
                    "{act} {scheme} layer {}: measured {:.4e}, predicted {:.4e}",
                    l + 1,
                    measured[l],
                    predicted[l]
                );
            }
        }
    }
}

/// The correlation of pairs of inputs, measured (`corr`, all pairs of the first 64 probe
/// examples) against the mean-field correlation map (Poole et al. 2016) iterated from each
/// pair's inputs, in ordered, critical and chaotic tanh networks and in ReLU: within 0.03 at
/// every hidden layer of a width-512 network, averaged over 4 seeds. The digits are
/// standardized (their pairs start near c = 0); the inputs here are a Gaussian mixture, whose
/// pairs start spread between about −0.2 and 0.5.
#[test]
fn the_correlation_map_matches_the_measured_correlations() {
    let (width, depth) = (512, 12);
    let data: DatasetConfig = toml::from_str(&format!(
        "kind = \"gaussian_mixture\"\nclasses = 4\ndim = {width}\nsamples = 512\nseed = 5"
    ))
    .unwrap();
    let data = data.build().unwrap();
    let fixed = Fixed::new(&data, 64, 5).unwrap();
    let mut sizes = vec![width; depth + 1];
    sizes.push(4);
    let critical = |sigma_w2| InitScheme::Critical {
        sigma_w2,
        sigma_b2: 0.05,
    };
    for (act, scheme) in [
        (Activation::Tanh, critical(1.0)),
        (Activation::Tanh, critical(1.761)),
        (Activation::Tanh, critical(4.0)),
        (Activation::Relu, critical(2.0)),
    ] {
        let init = NetworkInit {
            input: None,
            hidden: scheme.clone(),
            output: None,
            bias: BiasScheme::Default {},
        };
        let seeds = 4;
        let mut measured = vec![0.0; depth];
        for seed in 0..seeds {
            let mlp = Mlp::init(&sizes, act, &init, seed, &Device::Cpu).unwrap();
            let probe = mlp
                .probe(&fixed.probe_x, &fixed.probe_y, data.task)
                .unwrap();
            for (m, layer) in measured.iter_mut().zip(&probe.layers) {
                *m += layer.correlations.all.unwrap() / seeds as f64;
            }
        }
        let mlp = Mlp::init(&sizes, act, &init, 0, &Device::Cpu).unwrap();
        let predicted = mlp.theory(&init, &fixed.inputs, 1.0).unwrap();
        for l in 0..depth {
            let p = predicted[l].corr.unwrap();
            assert!(
                (measured[l] - p).abs() < 0.03,
                "{act} {scheme} layer {}: measured {:.4}, predicted {p:.4}",
                l + 1,
                measured[l]
            );
        }
        // The pairs really start apart and move: the test is not of a constant.
        let first = predicted[0].corr.unwrap();
        let last = predicted[depth - 1].corr.unwrap();
        assert!(
            (last - first).abs() > 0.05,
            "{act} {scheme}: {first} -> {last}"
        );
    }
}
