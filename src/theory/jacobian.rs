//! The spectrum of the input–output Jacobian at initialization, from free probability
//! (Pennington, Schoenholz & Ganguli 2017, "Resurrecting the sigmoid in deep learning through
//! dynamical isometry", eqs. 8–14). For `J = D_D·W_Dᵀ ⋯ D_2·W_2ᵀ` (the definition of
//! [`crate::net::spectra`]) at infinite width, with `σ_l² = Var(W^l)·N`, and for one input with
//! pre-activation variance `q^l` at layer `l`, `μ₁ = E[φ'(z)²]`, `μ₂ = E[φ'(z)⁴]` (`z ~ N(μ_b,
//! q^l)`):
//!
//! - the mean of the eigenvalues of `JJᵀ` is `m₁ = Π_l σ_l²·μ₁^l` (`χ^{D−1}` on the fixed point);
//! - the S-transforms of the free factors `D_l²` and `W_lW_lᵀ` multiply, so their normalized
//!   variances `m₂/m₁² − 1` add: `σ²_{JJᵀ}/m₁² = Σ_l (μ₂^l/(μ₁^l)² − 1 − s₁)`, with `−s₁ = 1`
//!   for i.i.d. weights (the Marchenko–Pastur law of a square matrix) and `0` for orthogonal
//!   ones. On a fixed point with `m₁ = 1` this is the paper's `L·(μ₂/μ₁² − 1 − s₁)`.
//!
//! Each of the [`crate::net::spectra::JACOBIAN_EXAMPLES`] inputs follows its own `q^l`, and the
//! prediction pools them as the measurement does: the mean of the `m₁`, and the mean of the
//! second moments `m₁²(1 + v)` less the square of that mean. Exact for square hidden layers
//! (a uniform width) whose weights are i.i.d. or orthogonal, with biases of any scheme that
//! mean-field theory describes.

use super::{derivative_moment, derivative_moment4, moments};
use crate::activation::Activation;
use crate::init::{NetworkInit, WeightLaw};

/// The predicted mean and variance of the squared singular values of the Jacobian.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JacobianMoments {
    pub s2_mean: f64,
    pub s2_var: f64,
}

/// For a network of `sizes` (`[input, hidden…, outputs]`) and the inputs' mean second moments
/// per feature (`‖x‖²/n_0`, one per example the spectrum pools); `None` with fewer than two
/// hidden layers, unequal hidden widths, or a layer whose law is neither i.i.d. nor
/// orthogonal.
pub fn predict_jacobian(
    sizes: &[usize],
    activation: Activation,
    init: &NetworkInit,
    input_m2: &[f64],
) -> Option<JacobianMoments> {
    let layers = sizes.len() - 1;
    let hidden = &sizes[1..layers];
    if hidden.len() < 2 || hidden.iter().any(|&n| n != hidden[0]) || input_m2.is_empty() {
        return None;
    }
    // Per hidden layer: the forward gain v·fan_in, the bias moments, and (chain layers) the
    // weights' σ² and −s₁.
    let mut gains = Vec::new();
    let mut biases = Vec::new();
    let mut chain = Vec::new();
    for l in 0..hidden.len() {
        let (fan_in, fan_out) = (sizes[l], sizes[l + 1]);
        let scheme = init.scheme(l, layers);
        let v = scheme.zero_mean_variance(fan_in, fan_out, activation)?;
        gains.push(v * fan_in as f64);
        biases.push(init.bias.moments(scheme, fan_in));
        if l > 0 {
            chain.push(match scheme.weight_law(fan_in, fan_out, activation) {
                WeightLaw::Iid(v) => (v * fan_in as f64, 1.0),
                WeightLaw::Orthogonal { gain } => (gain * gain, 0.0),
                WeightLaw::Other => return None,
            });
        }
    }
    let (mut sum_m1, mut sum_second) = (0.0, 0.0);
    for &m0 in input_m2 {
        let mut m2 = m0;
        let (mut m1, mut spread) = (1.0, 0.0);
        for l in 0..hidden.len() {
            let (mu, s2) = biases[l];
            let q = gains[l] * m2 + s2;
            if l > 0 {
                let (sigma2, free) = chain[l - 1];
                let (mu1, mu2) = (
                    derivative_moment(activation, mu, q),
                    derivative_moment4(activation, mu, q),
                );
                m1 *= sigma2 * mu1;
                if mu1 > 0.0 {
                    spread += mu2 / (mu1 * mu1) - 1.0 + free;
                }
            }
            m2 = moments(activation, mu, q).1;
        }
        sum_m1 += m1;
        sum_second += m1 * m1 * (1.0 + spread);
    }
    let n = input_m2.len() as f64;
    let s2_mean = sum_m1 / n;
    Some(JacobianMoments {
        s2_mean,
        s2_var: (sum_second / n - s2_mean * s2_mean).max(0.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::{BiasScheme, InitScheme};

    fn init(hidden: InitScheme) -> NetworkInit {
        NetworkInit {
            input: None,
            hidden,
            output: None,
            bias: BiasScheme::Zeros {},
        }
    }

    fn sizes(depth: usize) -> Vec<usize> {
        let mut s = vec![400; depth + 1];
        s.push(10);
        s
    }

    #[test]
    fn linear_networks_have_the_free_probability_variance() {
        // Linear: μ₁ = μ₂ = 1, so Gaussian L and orthogonal 0 (Saxe et al. 2013).
        let lecun = predict_jacobian(
            &sizes(11),
            Activation::Linear,
            &init(InitScheme::LecunNormal {}),
            &[1.0],
        )
        .unwrap();
        assert!((lecun.s2_mean - 1.0).abs() < 1e-12);
        assert!((lecun.s2_var - 10.0).abs() < 1e-9);
        let orth = predict_jacobian(
            &sizes(11),
            Activation::Linear,
            &init(InitScheme::Orthogonal { gain: 1.0 }),
            &[1.0],
        )
        .unwrap();
        assert!((orth.s2_mean - 1.0).abs() < 1e-12 && orth.s2_var.abs() < 1e-12);
    }

    #[test]
    fn relu_at_he_is_2l_gaussian_and_l_orthogonal() {
        let he = predict_jacobian(
            &sizes(11),
            Activation::Relu,
            &init(InitScheme::HeNormal {
                mode: Default::default(),
                negative_slope: 0.0,
            }),
            &[1.0, 2.0],
        )
        .unwrap();
        assert!((he.s2_mean - 1.0).abs() < 1e-12);
        assert!((he.s2_var - 20.0).abs() < 1e-9, "{he:?}");
        let orth = predict_jacobian(
            &sizes(11),
            Activation::Relu,
            &init(InitScheme::Orthogonal {
                gain: std::f64::consts::SQRT_2,
            }),
            &[1.0],
        )
        .unwrap();
        assert!((orth.s2_var - 10.0).abs() < 1e-9, "{orth:?}");
    }

    #[test]
    fn tanh_near_q_star_one_64th_is_nearly_isometric_when_orthogonal() {
        // Pennington et al.: σ_w² = 1.0306, σ_b² = 4.6e-6 puts q* at 1/64, where
        // μ₂/μ₁² − 1 = 0.0017: Gaussian 1.0017·L, orthogonal 0.0017·L. The inputs start on
        // the fixed point.
        let (sw2, sb2) = (1.0306, 4.6e-6);
        let q_star = crate::theory::q_star(Activation::Tanh, sw2, sb2).unwrap();
        assert!((q_star - 1.0 / 64.0).abs() < 1e-3, "{q_star}");
        let m0 = (q_star - sb2) / sw2;
        let bias = BiasScheme::Normal {
            mean: 0.0,
            std: sb2.sqrt(),
        };
        let predict = |hidden: InitScheme| {
            let net = NetworkInit {
                input: None,
                hidden,
                output: None,
                bias: bias.clone(),
            };
            predict_jacobian(&sizes(11), Activation::Tanh, &net, &[m0]).unwrap()
        };
        let gauss = predict(InitScheme::Critical {
            sigma_w2: sw2,
            sigma_b2: sb2,
        });
        assert!((gauss.s2_mean - 1.0).abs() < 0.01, "{gauss:?}");
        assert!((gauss.s2_var / 10.0 - 1.0017).abs() < 0.01, "{gauss:?}");
        let orth = predict(InitScheme::Orthogonal { gain: sw2.sqrt() });
        assert!((orth.s2_mean - 1.0).abs() < 0.01, "{orth:?}");
        assert!((orth.s2_var / 10.0 - 0.0017).abs() < 2e-4, "{orth:?}");
    }

    #[test]
    fn no_prediction_for_profiles_or_shallow_networks() {
        let he = init(InitScheme::LecunNormal {});
        assert!(predict_jacobian(&[5, 8, 10], Activation::Tanh, &he, &[1.0]).is_none());
        assert!(predict_jacobian(&[5, 8, 9, 10], Activation::Tanh, &he, &[1.0]).is_none());
    }
}
