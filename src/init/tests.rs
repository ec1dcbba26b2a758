//! Seeded statistical tests: every scheme's sample statistics against its formula.

use super::*;
use rand::SeedableRng;

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
    let w = scheme.weights(fan_in, fan_out, &mut rng(7));
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
        (scheme.variance(fan_in, fan_out) / expected_var - 1.0).abs() < 1e-12,
        "{scheme}: variance() disagrees with the formula"
    );
}

#[test]
fn variance_scaling_schemes_match_their_formulas() {
    let (fi, fo) = (256, 512);
    let (fin, fout) = (fi as f64, fo as f64);
    check_variance(InitScheme::LecunNormal, fi, fo, 1.0 / fin);
    check_variance(InitScheme::LecunUniform, fi, fo, 1.0 / fin);
    check_variance(InitScheme::Standard, fi, fo, 1.0 / (3.0 * fin));
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
    let xavier = InitScheme::XavierUniform { gain: 1.0 }.weights(fi, fo, &mut rng(1));
    let bound = (6.0 / (fi + fo) as f64).sqrt() as f32;
    assert!(xavier.iter().all(|w| w.abs() <= bound));
    assert!(xavier.iter().any(|w| w.abs() > 0.99 * bound));
    let standard = InitScheme::Standard.weights(fi, fo, &mut rng(1));
    let bound = 1.0 / (fi as f32).sqrt();
    assert!(standard.iter().all(|w| w.abs() <= bound * (1.0 + 1e-6)));
    let u = InitScheme::Uniform {
        low: 0.5,
        high: 0.7,
    }
    .weights(fi, fo, &mut rng(1));
    assert!(u.iter().all(|&w| (0.5..=0.7).contains(&w)));
}

#[test]
fn constant_schemes_are_constant() {
    assert!(InitScheme::Zeros
        .weights(3, 4, &mut rng(0))
        .iter()
        .all(|&w| w == 0.0));
    let c = InitScheme::Constant { value: 0.25 }.weights(3, 4, &mut rng(0));
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
        let w = InitScheme::Orthogonal { gain }.weights(fi, fo, &mut rng(3));
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
        s.weights(10, 20, &mut rng(5)),
        s.weights(10, 20, &mut rng(5))
    );
    assert_ne!(
        s.weights(10, 20, &mut rng(5)),
        s.weights(10, 20, &mut rng(6))
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
        InitScheme::Standard
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
}
