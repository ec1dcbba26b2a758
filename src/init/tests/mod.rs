//! Seeded statistical tests of the weight and bias schemes: every scheme's sample statistics
//! against its formula (here), the structured schemes' shapes (`structured`), and how schemes
//! are named, parsed and refused (`parsing`).

use super::*;
use crate::activation::Activation;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

mod parsing;
mod structured;

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn mean_var(w: &[f32]) -> (f64, f64) {
    let n = w.len() as f64;
    let mean = w.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    let var = w
        .iter()
        .map(|&x| (f64::from(x) - mean).powi(2))
        .sum::<f64>()
        / n;
    (mean, var)
}

/// Sample variance of n i.i.d. draws has relative standard error about sqrt(2/n) (Gaussian)
/// or less (uniform); 256·512 draws give ≈ 0.4%, so 3% is a wide, still sharp, tolerance.
fn check_variance(scheme: InitScheme, fan_in: usize, fan_out: usize, expected_var: f64) {
    let w = scheme.weights(fan_in, fan_out, Activation::Tanh, &mut rng(7));
    assert_eq!(w.len(), fan_in * fan_out);
    let (mean, var) = mean_var(&w);
    assert!(
        (var / expected_var - 1.0).abs() < 0.03,
        "{scheme} [{fan_in}x{fan_out}]: variance {var:.6e}, expected {expected_var:.6e}"
    );
    assert!(
        mean.abs() < 4.0 * (expected_var / w.len() as f64).sqrt(),
        "{scheme}: mean {mean:.3e} not ≈ 0"
    );
    assert!(
        (scheme.variance(fan_in, fan_out, Activation::Linear) / expected_var - 1.0).abs() < 1e-12,
        "{scheme}: variance() disagrees with the formula"
    );
}

#[test]
fn variance_scaling_schemes_match_their_formulas() {
    let (fi, fo) = (256, 512);
    let (fin, fout) = (fi as f64, fo as f64);
    check_variance(InitScheme::LecunNormal {}, fi, fo, 1.0 / fin);
    check_variance(InitScheme::LecunUniform {}, fi, fo, 1.0 / fin);
    check_variance(InitScheme::Standard {}, fi, fo, 1.0 / (3.0 * fin));
    check_variance(
        InitScheme::XavierNormal { gain: 1.0 },
        fi,
        fo,
        2.0 / (fin + fout),
    );
    let g = 5.0 / 3.0;
    check_variance(
        InitScheme::XavierUniform { gain: g },
        fi,
        fo,
        g * g * 2.0 / (fin + fout),
    );
    let he = |mode, negative_slope| InitScheme::HeNormal {
        mode,
        negative_slope,
    };
    check_variance(he(FanMode::FanIn, 0.0), fi, fo, 2.0 / fin);
    check_variance(he(FanMode::FanOut, 0.0), fi, fo, 2.0 / fout);
    check_variance(he(FanMode::FanIn, 0.2), fi, fo, 2.0 / (1.04 * fin));
    let he_u = InitScheme::HeUniform {
        mode: FanMode::FanIn,
        negative_slope: 0.0,
    };
    check_variance(he_u, fi, fo, 2.0 / fin);
    check_variance(
        InitScheme::Normal {
            mean: 0.0,
            std: 0.01,
        },
        fi,
        fo,
        1e-4,
    );
}

#[test]
fn uniform_schemes_respect_their_bounds() {
    let (fi, fo) = (100, 300);
    let xavier =
        InitScheme::XavierUniform { gain: 1.0 }.weights(fi, fo, Activation::Tanh, &mut rng(1));
    let bound = (6.0 / (fi + fo) as f64).sqrt() as f32;
    assert!(xavier.iter().all(|w| w.abs() <= bound));
    assert!(xavier.iter().any(|w| w.abs() > 0.99 * bound));
    let standard = InitScheme::Standard {}.weights(fi, fo, Activation::Tanh, &mut rng(1));
    let bound = 1.0 / (fi as f32).sqrt();
    assert!(standard.iter().all(|w| w.abs() <= bound * (1.0 + 1e-6)));
    let u = InitScheme::Uniform {
        low: 0.5,
        high: 0.7,
    }
    .weights(fi, fo, Activation::Tanh, &mut rng(1));
    assert!(u.iter().all(|&w| (0.5..=0.7).contains(&w)));
}

#[test]
fn constant_schemes_are_constant() {
    assert!(InitScheme::Zeros {}
        .weights(3, 4, Activation::Tanh, &mut rng(0))
        .iter()
        .all(|&w| w == 0.0));
    let c = InitScheme::Constant { value: 0.25 }.weights(3, 4, Activation::Tanh, &mut rng(0));
    assert!(c.iter().all(|&w| w == 0.25));
}

#[test]
fn draws_are_reproducible_and_seed_dependent() {
    let s = InitScheme::HeNormal {
        mode: FanMode::FanIn,
        negative_slope: 0.0,
    };
    assert_eq!(
        s.weights(10, 20, Activation::Tanh, &mut rng(5)),
        s.weights(10, 20, Activation::Tanh, &mut rng(5))
    );
    assert_ne!(
        s.weights(10, 20, Activation::Tanh, &mut rng(5)),
        s.weights(10, 20, Activation::Tanh, &mut rng(6))
    );
}

/// 512 × 1024 draws: the sample variance of i.i.d. Gaussians has relative standard error
/// √(2/n) ≈ 0.2%, so 1.5% is a 7σ tolerance that still catches any wrong constant.
fn check_large(
    scheme: InitScheme,
    activation: Activation,
    expected_mean: f64,
    expected_var: f64,
) -> Vec<f32> {
    let (fi, fo) = (512, 1024);
    let w = scheme.weights(fi, fo, activation, &mut rng(21));
    let (mean, var) = mean_var(&w);
    assert!(
        (var / expected_var - 1.0).abs() < 0.015,
        "{scheme}: expected variance {expected_var:.6e}, got {var:.6e}"
    );
    let se = (expected_var / w.len() as f64).sqrt();
    assert!(
        (mean - expected_mean).abs() < 5.0 * se,
        "{scheme}: expected mean {expected_mean:.3e}, got {mean:.3e}"
    );
    w
}

#[test]
fn every_random_scheme_matches_its_formula_on_a_large_matrix() {
    let (fi, fo) = (512.0, 1024.0);
    let a = Activation::Tanh;
    check_large(
        InitScheme::Normal {
            mean: 0.3,
            std: 0.05,
        },
        a,
        0.3,
        0.0025,
    );
    let u = check_large(
        InitScheme::Uniform {
            low: -0.2,
            high: 0.6,
        },
        a,
        0.2,
        0.64 / 12.0,
    );
    assert!(u.iter().all(|&w| (-0.2..=0.6).contains(&w)));
    check_large(InitScheme::Standard {}, a, 0.0, 1.0 / (3.0 * fi));
    check_large(InitScheme::LecunNormal {}, a, 0.0, 1.0 / fi);
    check_large(InitScheme::LecunUniform {}, a, 0.0, 1.0 / fi);
    check_large(
        InitScheme::XavierNormal { gain: 2.0 },
        a,
        0.0,
        4.0 * 2.0 / (fi + fo),
    );
    check_large(
        InitScheme::XavierUniform { gain: 1.0 },
        a,
        0.0,
        2.0 / (fi + fo),
    );
    for (mode, fan) in [(FanMode::FanIn, fi), (FanMode::FanOut, fo)] {
        for slope in [0.0, 0.1] {
            let expected = 2.0 / ((1.0 + slope * slope) * fan);
            let normal = InitScheme::HeNormal {
                mode,
                negative_slope: slope,
            };
            check_large(normal, a, 0.0, expected);
            let uniform = InitScheme::HeUniform {
                mode,
                negative_slope: slope,
            };
            check_large(uniform, a, 0.0, expected);
        }
    }
    for (mode, n) in [
        (ScalingMode::FanIn, fi),
        (ScalingMode::FanOut, fo),
        (ScalingMode::FanAvg, (fi + fo) / 2.0),
    ] {
        for distribution in [
            ScalingDistribution::Normal,
            ScalingDistribution::Uniform,
            ScalingDistribution::TruncatedNormal,
        ] {
            let s = InitScheme::VarianceScaling {
                scale: 2.0,
                mode,
                distribution,
            };
            check_large(s, a, 0.0, 2.0 / n);
        }
    }
    check_large(
        InitScheme::Critical {
            sigma_w2: 1.76,
            sigma_b2: 0.05,
        },
        a,
        0.0,
        1.76 / fi,
    );
    check_large(InitScheme::Orthogonal { gain: 1.5 }, a, 0.0, 2.25 / fo);
    let relu_gain = std::f64::consts::SQRT_2 * (1.2 / (fi - 2.4)).exp();
    check_large(
        InitScheme::RandomWalk {},
        Activation::Relu,
        0.0,
        relu_gain * relu_gain / fi,
    );
    let linear_gain = (1.0 / (2.0 * fi)).exp();
    check_large(
        InitScheme::RandomWalk {},
        Activation::Linear,
        0.0,
        linear_gain * linear_gain / fi,
    );
}
