//! The structured schemes: orthogonal (exact and Haar-distributed), identity, ZerO, sparse, random
//! walk and the two truncated normals, each against its defining property.

use super::*;

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
fn zer_o_is_the_identity_or_a_scaled_hadamard_matrix() {
    // Square and shrinking layers: the partial identity.
    for (fi, fo) in [(4, 4), (5, 3)] {
        let w = InitScheme::ZerO {}.weights(fi, fo, Activation::Relu, &mut rng(0));
        assert_eq!(
            w,
            InitScheme::Identity { gain: 1.0 }.weights(fi, fo, Activation::Relu, &mut rng(0))
        );
    }
    // 2 → 4: m = 2, c = 2^(−1/2), the first two rows of H_2 = [[1,1,1,1],[1,−1,1,−1],…].
    let c = 2f64.powf(-0.5) as f32;
    let w = InitScheme::ZerO {}.weights(2, 4, Activation::Relu, &mut rng(0));
    assert_eq!(w, [c, c, c, c, c, -c, c, -c]);
    // 16 → 64: the rows are orthogonal with squared norm c²·2^m = 2 (Algorithm 1's scale).
    let (fi, fo) = (16, 64);
    let w = InitScheme::ZerO {}.weights(fi, fo, Activation::Relu, &mut rng(0));
    let g = gram(&w, fi, fo, false);
    for a in 0..fi {
        for b in 0..fi {
            let expected = if a == b { 2.0 } else { 0.0 };
            assert!(
                (g[a * fi + b] - expected).abs() < 1e-5,
                "({a},{b}) {}",
                g[a * fi + b]
            );
        }
    }
    // Deterministic: the same whatever the seed.
    assert_eq!(
        w,
        InitScheme::ZerO {}.weights(fi, fo, Activation::Relu, &mut rng(9))
    );
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
