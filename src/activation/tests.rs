//! Tests of `activation`: derivatives against finite differences, the saturation thresholds
//! against their definition and REFERENCE.md, gains against PyTorch, names parsed and printed.

use super::*;

#[test]
fn derivative_matches_finite_differences() {
    for act in Activation::ALL {
        for &z in &[-3.1, -1.2, -0.3, 0.4, 1.3, 2.7] {
            let h = 1e-6;
            let fd = (act.value(z + h) - act.value(z - h)) / (2.0 * h);
            assert!(
                (fd - act.derivative(z)).abs() < 1e-6,
                "{act} at {z}: fd {fd} vs {}",
                act.derivative(z)
            );
        }
    }
}

#[test]
fn max_abs_derivative_bounds_the_derivative() {
    for act in Activation::ALL {
        let max = act.max_abs_derivative();
        let sampled = (-4000..=4000)
            .map(|i| act.derivative(f64::from(i) * 1e-3).abs())
            .fold(0.0, f64::max);
        assert!(sampled <= max + 1e-12, "{act}: {sampled} > {max}");
        assert!(
            sampled >= max - 1e-3,
            "{act}: sampled max {sampled} far below {max}"
        );
    }
}

#[test]
fn saturation_thresholds_match_the_reference() {
    // tanh: |h| > 0.975 (exactly sqrt(0.95) = 0.97468)
    let t = Activation::Tanh;
    assert!(t.is_saturated(0.976_f64.atanh()));
    assert!(!t.is_saturated(0.974_f64.atanh()));
    // sigmoid: h < 0.0127 or h > 0.9873
    let s = Activation::Sigmoid;
    let logit = |p: f64| (p / (1.0 - p)).ln();
    assert!(s.is_saturated(logit(0.0126)) && s.is_saturated(logit(0.9874)));
    assert!(!s.is_saturated(logit(0.0128)) && !s.is_saturated(logit(0.9872)));
    // ReLU: z <= 0
    assert!(Activation::Relu.is_saturated(0.0) && Activation::Relu.is_saturated(-1e-9));
    assert!(!Activation::Relu.is_saturated(1e-9));
    assert!(!Activation::Linear.is_saturated(1e9));
}

#[test]
fn the_gelu_saturation_rule_in_words_matches_the_derivative() {
    let g = Activation::Gelu;
    for (z, saturated) in [
        (-2.3, true),
        (-2.25, false),
        (-0.91, false),
        (-0.89, true),
        (-0.64, true),
        (-0.62, false),
    ] {
        assert_eq!(g.is_saturated(z), saturated, "z = {z}");
    }
}

#[test]
fn the_fast_saturation_test_agrees_with_the_definition() {
    let acts = Activation::ALL.into_iter().chain([
        Activation::LeakyRelu { slope: 0.2 },
        Activation::Elu { alpha: 0.5 },
        Activation::Elu { alpha: 3.0 },
    ]);
    for act in acts {
        let fast = act.saturation_test();
        for i in -20_000..=20_000 {
            let z = f64::from(i) * 5e-4 + 1e-7;
            assert_eq!(fast.saturated(z), act.is_saturated(z), "{act} at z = {z}");
        }
        assert_eq!(fast.saturated(0.0), act.is_saturated(0.0), "{act} at 0");
    }
}

#[test]
fn gains_follow_pytorch() {
    assert_eq!(Activation::Tanh.gain(), 5.0 / 3.0);
    assert_eq!(Activation::Relu.gain(), SQRT_2);
    let leaky = Activation::LeakyRelu { slope: 0.2 }.gain();
    assert!((leaky - (2.0_f64 / 1.04).sqrt()).abs() < 1e-15);
    assert_eq!(Activation::Selu.gain(), 0.75);
}

#[test]
fn parses_and_prints() {
    assert_eq!("tanh".parse::<Activation>().unwrap(), Activation::Tanh);
    assert_eq!(
        "leaky_relu(0.2)".parse::<Activation>().unwrap(),
        Activation::LeakyRelu { slope: 0.2 }
    );
    for act in Activation::ALL {
        assert_eq!(act.to_string().parse::<Activation>().unwrap(), act);
    }
    assert!("swish"
        .parse::<Activation>()
        .unwrap_err()
        .contains("unknown activation"));
    assert!("tanh(2)".parse::<Activation>().is_err());
    assert!("elu(x)".parse::<Activation>().is_err());
}
