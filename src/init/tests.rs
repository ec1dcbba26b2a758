//! Seeded statistical tests: every scheme's sample statistics against its formula.

use super::*;
use crate::activation::Activation;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

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

fn gram(w: &[f32], fan_in: usize, fan_out: usize, over_columns: bool) -> Vec<f64> {
    // WᵀW (over_columns) or WWᵀ.
    let k = if over_columns { fan_out } else { fan_in };
    let mut g = vec![0.0; k * k];
    for a in 0..k {
        for b in 0..k {
            g[a * k + b] = if over_columns {
                (0..fan_in)
                    .map(|i| f64::from(w[i * fan_out + a]) * f64::from(w[i * fan_out + b]))
                    .sum()
            } else {
                (0..fan_out)
                    .map(|j| f64::from(w[a * fan_out + j]) * f64::from(w[b * fan_out + j]))
                    .sum()
            };
        }
    }
    g
}

#[test]
fn orthogonal_is_orthogonal_for_every_shape() {
    for &(fi, fo) in &[(64, 64), (80, 30), (30, 80)] {
        let gain = 1.3;
        let w = InitScheme::Orthogonal { gain }.weights(fi, fo, Activation::Tanh, &mut rng(3));
        let over_columns = fi >= fo;
        let k = fi.min(fo);
        let g = gram(&w, fi, fo, over_columns);
        for a in 0..k {
            for b in 0..k {
                let expected = if a == b { gain * gain } else { 0.0 };
                assert!(
                    (g[a * k + b] - expected).abs() < 1e-5,
                    "[{fi}x{fo}] gram[{a},{b}] = {}",
                    g[a * k + b]
                );
            }
        }
    }
}

#[test]
fn orthogonal_is_haar_distributed() {
    // Under the Haar measure on O(n), E[W_11] = 0 and E[W_11²] = 1/n. Without the sign
    // correction, QR from Householder reflections gives a diagonal biased towards one sign.
    let n = 8;
    let draws = 4000;
    let mut r = rng(11);
    let (mut s1, mut s2) = (0.0, 0.0);
    for _ in 0..draws {
        let w = orthogonal(n, n, 1.0, &mut r);
        s1 += w[0];
        s2 += w[0] * w[0];
    }
    let mean = s1 / draws as f64;
    let second = s2 / draws as f64;
    // sd of W_11 is 1/sqrt(8) ≈ 0.354; sd of its mean over 4000 draws ≈ 0.0056.
    assert!(mean.abs() < 0.025, "E[W_11] = {mean}");
    assert!(
        (second - 1.0 / n as f64).abs() < 0.01,
        "E[W_11²] = {second}"
    );
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

#[test]
fn parses_names_and_tables() {
    let parse = |s: &str| -> Result<InitScheme, toml::de::Error> { toml::from_str(s) };
    assert_eq!(
        parse("scheme = \"he_normal\"").unwrap(),
        InitScheme::HeNormal {
            mode: FanMode::FanIn,
            negative_slope: 0.0
        }
    );
    assert_eq!(
        parse("scheme = \"glorot_uniform\"").unwrap(),
        InitScheme::XavierUniform { gain: 1.0 }
    );
    assert_eq!(
        parse("scheme = \"torch_default\"").unwrap(),
        InitScheme::Standard {}
    );
    assert_eq!(
        parse("scheme = \"normal\"\nstd = 0.01").unwrap(),
        InitScheme::Normal {
            mean: 0.0,
            std: 0.01
        }
    );
    assert!(parse("scheme = \"normal\"")
        .unwrap_err()
        .to_string()
        .contains("std"));
    assert!(parse("scheme = \"bogus\"")
        .unwrap_err()
        .to_string()
        .contains("bogus"));
    assert!(parse("scheme = \"orthogonal\"\ngian = 2.0").is_err());
    // Schemes without parameters refuse parameters too.
    let e = parse("scheme = \"lecun_normal\"\ngain = 2.0").unwrap_err();
    assert!(e.to_string().contains("unknown field `gain`"), "{e}");
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

#[test]
fn random_walk_gains_follow_sussillo_and_abbott() {
    // ReLU: √2·e^{1.2/(max(N,6) − 2.4)}; small N uses max(N, 6) = 6.
    assert!(
        (random_walk_gain(Activation::Relu, 4) - 2f64.sqrt() * (1.2f64 / 3.6).exp()).abs() < 1e-15
    );
    assert!((random_walk_gain(Activation::Linear, 100) - (0.005f64).exp()).abs() < 1e-15);
    // The variance the draw, the theory and the charts share uses the following activation's
    // gain: ReLU's is larger than the linear one.
    let relu = InitScheme::RandomWalk {}.variance(100, 100, Activation::Relu);
    let relu_gain = 2f64.sqrt() * (1.2f64 / 97.6).exp();
    assert!(
        (relu - relu_gain * relu_gain / 100.0).abs() < 1e-15,
        "{relu}"
    );
    let linear = InitScheme::RandomWalk {}.variance(100, 100, Activation::Linear);
    assert!((linear - (0.01f64).exp() / 100.0).abs() < 1e-15, "{linear}");
    assert!(InitScheme::RandomWalk {}
        .validate_with(Activation::Tanh)
        .is_err());
    assert!(InitScheme::RandomWalk {}
        .validate_with(Activation::Relu)
        .is_ok());
}

#[test]
fn keras_truncated_normal_corrects_the_std_and_cuts_at_two_sigma() {
    let s = InitScheme::VarianceScaling {
        scale: 1.0,
        mode: ScalingMode::FanIn,
        distribution: ScalingDistribution::TruncatedNormal,
    };
    let w = check_large(s, Activation::Tanh, 0.0, 1.0 / 512.0);
    let pre = (1.0f64 / 512.0).sqrt() / truncated::TRUNCATED_STD_AT_2;
    assert!(w.iter().all(|&v| f64::from(v).abs() <= 2.0 * pre + 1e-7));
    assert!(
        w.iter().any(|&v| f64::from(v).abs() > 1.95 * pre),
        "the tails reach 2σ"
    );
}

#[test]
fn torch_trunc_normal_stays_inside_absolute_bounds() {
    // Asymmetric bounds exercise the moments of the truncated distribution.
    let (mean, std, a, b) = (0.1, 0.5, -0.2, 0.9);
    let (m, v) = truncated::truncated_moments(mean, std, a, b);
    let s = InitScheme::TruncNormal { mean, std, a, b };
    let w = check_large(s.clone(), Activation::Tanh, m, v);
    assert!(w.iter().all(|&x| (a as f32..=b as f32).contains(&x)));
    assert!((s.variance(3, 3, Activation::Linear) - v).abs() < 1e-15);
    // The standard case: N(0,1) on [-2, 2] has sd 0.8796.
    let (_, v) = truncated::truncated_moments(0.0, 1.0, -2.0, 2.0);
    assert!((v.sqrt() - truncated::TRUNCATED_STD_AT_2).abs() < 1e-9);
}

#[test]
fn identity_is_the_partial_identity() {
    for (fi, fo) in [(4, 4), (3, 5), (5, 3)] {
        let w = InitScheme::Identity { gain: 0.5 }.weights(fi, fo, Activation::Relu, &mut rng(0));
        for i in 0..fi {
            for j in 0..fo {
                let expected = if i == j { 0.5 } else { 0.0 };
                assert_eq!(w[i * fo + j], expected, "[{fi}x{fo}] ({i},{j})");
            }
        }
    }
}

#[test]
fn sparse_gives_each_unit_exactly_k_incoming_weights() {
    let (fi, fo) = (512, 1024);
    let w = InitScheme::Sparse { k: 15, std: 1.0 }.weights(fi, fo, Activation::Tanh, &mut rng(2));
    for j in 0..fo {
        let nonzero = (0..fi).filter(|&i| w[i * fo + j] != 0.0).count();
        assert_eq!(nonzero, 15, "unit {j}");
    }
    let nonzero: Vec<f32> = w.iter().copied().filter(|&v| v != 0.0).collect();
    let (mean, var) = mean_var(&nonzero);
    assert!(
        (var - 1.0).abs() < 0.05 && mean.abs() < 0.03,
        "non-zero weights ~ N(0,1): {mean} {var}"
    );
    let expected = InitScheme::Sparse { k: 15, std: 1.0 }.variance(fi, fo, Activation::Tanh);
    assert!((mean_var(&w).1 / expected - 1.0).abs() < 0.05);
    // Fewer inputs than k: every incoming weight is non-zero.
    let w = InitScheme::Sparse { k: 15, std: 1.0 }.weights(6, 4, Activation::Tanh, &mut rng(2));
    assert!(w.iter().all(|&v| v != 0.0));
}

#[test]
fn orthogonal_seeds_differ() {
    let o = InitScheme::Orthogonal { gain: 1.0 };
    assert_ne!(
        o.weights(32, 32, Activation::Tanh, &mut rng(1)),
        o.weights(32, 32, Activation::Tanh, &mut rng(2))
    );
}

#[test]
fn bias_schemes_follow_their_rules() {
    let init = |hidden: InitScheme, bias: BiasScheme| NetworkInit {
        hidden,
        output: None,
        bias,
    };
    let sizes = [400, 300, 10];
    // `standard` with the default bias: PyTorch's U(±1/√fan_in).
    let params =
        init(InitScheme::Standard {}, BiasScheme::Default {}).draw(&sizes, Activation::Relu, 0);
    let b = &params[0].1;
    let bound = 1.0 / 20.0;
    assert!(b.iter().all(|&v| v.abs() <= bound) && b.iter().any(|&v| v.abs() > 0.9 * bound));
    // `critical` with the default bias: N(0, σ_b²).
    let critical = InitScheme::Critical {
        sigma_w2: 2.0,
        sigma_b2: 0.25,
    };
    let params = init(critical, BiasScheme::Default {}).draw(&[400, 4000, 10], Activation::Tanh, 0);
    let (_, v) = mean_var(&params[0].1);
    assert!((v / 0.25 - 1.0).abs() < 0.1, "bias variance {v}");
    // Other schemes' default bias is zero; constant and normal are explicit.
    let params =
        init(InitScheme::LecunNormal {}, BiasScheme::Default {}).draw(&sizes, Activation::Relu, 0);
    assert!(params.iter().all(|(_, b)| b.iter().all(|&v| v == 0.0)));
    let params = init(
        InitScheme::LecunNormal {},
        BiasScheme::Constant { value: 0.1 },
    )
    .draw(&sizes, Activation::Relu, 0);
    assert!(params[0].1.iter().all(|&v| v == 0.1));
    let params = init(
        InitScheme::LecunNormal {},
        BiasScheme::Normal {
            mean: 0.0,
            std: 0.5,
        },
    )
    .draw(&[400, 4000, 10], Activation::Relu, 0);
    assert!((mean_var(&params[0].1).1 / 0.25 - 1.0).abs() < 0.1);
}

#[test]
fn the_read_out_may_take_its_own_scheme() {
    let init = NetworkInit {
        hidden: InitScheme::LecunNormal {},
        output: Some(InitScheme::Zeros {}),
        bias: BiasScheme::Zeros {},
    };
    let params = init.draw(&[8, 16, 16, 3], Activation::Tanh, 1);
    assert!(params[2].0.iter().all(|&w| w == 0.0));
    assert!(params[1].0.iter().any(|&w| w != 0.0));
    // Adding a layer does not change the draws of the others.
    let deeper = init.draw(&[8, 16, 16, 16, 3], Activation::Tanh, 1);
    assert_eq!(params[0], deeper[0]);
    assert_eq!(params[1], deeper[1]);
}

#[test]
fn bad_parameters_name_the_scheme_and_the_parameter() {
    let cases = [
        (
            InitScheme::Normal {
                mean: 0.0,
                std: -1.0,
            },
            "std",
        ),
        (InitScheme::XavierUniform { gain: 0.0 }, "gain"),
        (InitScheme::Orthogonal { gain: -1.0 }, "gain"),
        (
            InitScheme::Sparse { k: 0, std: 1.0 },
            "k must be at least 1",
        ),
        (
            InitScheme::Uniform {
                low: 1.0,
                high: 1.0,
            },
            "low",
        ),
        (
            InitScheme::TruncNormal {
                mean: 0.0,
                std: 1.0,
                a: 2.0,
                b: -2.0,
            },
            "a (2) must be below b",
        ),
        (
            InitScheme::VarianceScaling {
                scale: 0.0,
                mode: ScalingMode::FanIn,
                distribution: ScalingDistribution::Normal,
            },
            "scale",
        ),
        (
            InitScheme::Critical {
                sigma_w2: -1.0,
                sigma_b2: 0.0,
            },
            "sigma_w2",
        ),
        (
            InitScheme::Lsuv {
                tol: 0.1,
                max_iter: 0,
                batch: 256,
            },
            "max_iter",
        ),
    ];
    for (scheme, param) in cases {
        let message = scheme.validate().expect_err(&scheme.to_string());
        let name = scheme.to_string();
        let name = name.split('(').next().unwrap();
        assert!(
            message.contains(name) && message.contains(param),
            "{message}"
        );
    }
}

#[test]
fn every_catalogue_name_parses() {
    for name in InitScheme::NAMES {
        let required = match name {
            "constant" => "\nvalue = 0.5",
            "uniform" => "\nlow = -1.0\nhigh = 1.0",
            "normal" => "\nstd = 0.1",
            "critical" => "\nsigma_w2 = 1.5",
            _ => "",
        };
        let scheme: InitScheme = toml::from_str(&format!("scheme = \"{name}\"{required}"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        scheme.validate().unwrap();
        assert!(
            scheme.to_string().starts_with(name),
            "{scheme} is labelled after {name}"
        );
    }
}
