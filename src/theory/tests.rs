//! Closed forms, known values from the papers, and Monte Carlo checks of the quadrature.

use super::*;

#[test]
fn the_length_map_has_its_closed_forms() {
    for q in [0.3, 1.0, 2.5] {
        let lin = length_map(Activation::Linear, 1.3, 0.2, q);
        assert!((lin - (1.3 * q + 0.2)).abs() < 1e-12);
        let relu = length_map(Activation::Relu, 2.2, 0.0, q);
        assert!((relu - 1.1 * q).abs() < 1e-12);
    }
    let relu = MeanField::new(Activation::Relu, 1.6, 0.0);
    assert!((relu.chi1 - 0.8).abs() < 1e-12, "χ₁ = σ_w²/2 for ReLU");
    // tanh with σ_b² = 0 is critical at σ_w² = 1.
    let w = critical_sigma_w2(Activation::Tanh, 0.0).unwrap();
    assert!((w - 1.0).abs() < 1e-3, "critical σ_w² = {w}");
}

#[test]
fn a_network_s_mean_field_reads_its_scheme_and_biases() {
    use crate::init::{BiasScheme, InitScheme, NetworkInit};
    let init = |hidden: InitScheme, bias: BiasScheme| NetworkInit {
        input: None,
        hidden,
        output: None,
        bias,
    };
    let critical = InitScheme::Critical {
        sigma_w2: 1.5,
        sigma_b2: 0.05,
    };
    let mf = MeanField::of_network(
        &init(critical.clone(), BiasScheme::Default {}),
        Activation::Tanh,
        300,
    )
    .unwrap();
    assert_eq!(mf, MeanField::new(Activation::Tanh, 1.5, 0.05));
    // LeCun: σ_w² = 1 at any width, zero biases.
    let lecun = MeanField::of_network(
        &init(InitScheme::LecunNormal {}, BiasScheme::Default {}),
        Activation::Tanh,
        64,
    )
    .unwrap();
    assert!((lecun.sigma_w2 - 1.0).abs() < 1e-12 && lecun.sigma_b2 == 0.0);
    // A bias with a non-zero mean has no mean field.
    let shifted = init(critical, BiasScheme::Constant { value: 0.1 });
    assert_eq!(MeanField::of_network(&shifted, Activation::Tanh, 300), None);
}

#[test]
fn known_values_of_schoenholz_et_al() {
    let w = critical_sigma_w2(Activation::Tanh, 0.05).unwrap();
    assert!((w - 1.761).abs() < 2e-3, "critical σ_w² = {w}");
    let at = MeanField::new(Activation::Tanh, w, 0.05);
    assert!(
        (at.q_star.unwrap() - 0.570).abs() < 5e-3,
        "q* = {:?}",
        at.q_star
    );
    assert_eq!(at.phase, Phase::Critical);
    let mf = MeanField::new(Activation::Tanh, 1.5, 0.05);
    assert!((mf.chi1 - 0.939).abs() < 2e-3, "χ₁ = {}", mf.chi1);
    assert!((mf.xi_c - 15.8).abs() < 0.3, "ξ_c = {}", mf.xi_c);
    assert_eq!(mf.phase, Phase::Ordered);
    let chaotic = MeanField::new(Activation::Tanh, 3.0, 0.05);
    assert_eq!(chaotic.phase, Phase::Chaotic);
    assert!(chaotic.c_star < 1.0 && chaotic.xi_c.is_finite());
    // The critical line at q* = 0.570 passes through the same point.
    let (w2, b2) = critical_line_at(Activation::Tanh, at.q_star.unwrap());
    assert!(
        (w2 - w).abs() < 1e-6 && (b2 - 0.05).abs() < 1e-6,
        "({w2}, {b2})"
    );
}

/// The `i`-th point of the van der Corput sequence in `base`.
fn radical_inverse(mut i: u64, base: u64) -> f64 {
    let (mut f, mut r) = (1.0, 0.0);
    while i > 0 {
        f /= base as f64;
        r += f * (i % base) as f64;
        i /= base;
    }
    r
}

/// Standard normals from a Halton sequence (quasi-Monte Carlo: error ~ 1/n rather than
/// 1/√n, so a million points check the quadrature to 1e-3 without luck).
fn normals(n: u64, base: u64) -> Vec<f64> {
    (1..=n)
        .map(|i| {
            std::f64::consts::SQRT_2
                * statrs::function::erf::erf_inv(2.0 * radical_inverse(i, base) - 1.0)
        })
        .collect()
}

#[test]
fn the_quadrature_matches_monte_carlo() {
    let n = 1 << 20;
    let z = normals(n, 2);
    let z2 = normals(n, 3);
    let mean = |v: &mut dyn Iterator<Item = f64>| v.sum::<f64>() / n as f64;
    for act in Activation::ALL {
        for (mu, q) in [(0.0, 0.7), (0.3, 2.0)] {
            let (m1, m2) = moments(act, mu, q);
            let d2 = derivative_moment(act, mu, q);
            let s = q.sqrt();
            let mc1 = mean(&mut z.iter().map(|&z| act.value(mu + s * z)));
            let mc2 = mean(&mut z.iter().map(|&z| act.value(mu + s * z).powi(2)));
            let mcd = mean(&mut z.iter().map(|&z| act.derivative(mu + s * z).powi(2)));
            for (what, quad, mc) in [("E[φ]", m1, mc1), ("E[φ²]", m2, mc2), ("E[φ'²]", d2, mcd)]
            {
                assert!(
                    (quad - mc).abs() < 1e-3 * mc.abs().max(1.0),
                    "{act} μ={mu} q={q} {what}: {quad} vs {mc}"
                );
            }
        }
    }
    // The 2-D correlation moments.
    for act in [
        Activation::Tanh,
        Activation::Relu,
        Activation::LeakyRelu { slope: 0.2 },
        Activation::Gelu,
    ] {
        let (q, c) = (0.8, 0.6);
        let (phi, dphi) = cross_moments(act, q, c);
        let s = q.sqrt();
        let t = (1.0 - c * c).sqrt();
        let pairs = || {
            z.iter()
                .zip(&z2)
                .map(|(&a, &b)| (s * a, s * (c * a + t * b)))
        };
        let mc_phi = mean(&mut pairs().map(|(u1, u2)| act.value(u1) * act.value(u2)));
        let mc_dphi = mean(&mut pairs().map(|(u1, u2)| act.derivative(u1) * act.derivative(u2)));
        assert!((phi - mc_phi).abs() < 1e-3, "{act}: {phi} vs {mc_phi}");
        assert!((dphi - mc_dphi).abs() < 1e-3, "{act}: {dphi} vs {mc_dphi}");
    }
}

#[test]
fn the_correlation_moment_is_the_cross_moment() {
    for act in [
        Activation::Tanh,
        Activation::Sigmoid,
        Activation::Linear,
        Activation::Relu,
    ] {
        for q in [0.05, 0.5, 1.0, 3.0] {
            for c in [-0.9, 0.0, 0.3, 0.8, 0.99, 1.0] {
                let alone = correlation_moment(act, q, c);
                let fine = cross_moments(act, q, c).0;
                assert!(
                    (alone - fine).abs() < 1e-12 * fine.abs().max(1.0),
                    "{act} q {q} c {c}: {alone} vs {fine}"
                );
            }
        }
    }
}
