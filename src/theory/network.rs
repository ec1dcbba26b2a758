//! Mean-field predictions for the exact network of a run: layer by layer at its own widths
//! and schemes, starting from each probe example's measured input second moment. With
//! `v_l = Var(W^l)`, `n_l` units, biases of mean `μ_l` and variance `s_l²`, and, for one
//! input `x`, `m^l(x) = E[(h^l)²]`:
//!
//! - `q^l(x) = v_l·n_{l−1}·m^{l−1}(x) + s_l²` (the forward pass; `m^0(x) = ‖x‖²/n_0` is
//!   measured per example);
//! - `m^l(x) = E[φ(z)²]` for `z ~ N(μ_l, q^l(x))`;
//! - `Var(δ^l) = v_{l+1}·n_{l+1}·Var(δ^{l+1})·E[φ'(z^l)²]` (the backward pass, from the
//!   measured gradient variance at the output layer).
//!
//! Each input follows its own trajectory, exactly so at infinite width (Poole et al. 2016,
//! eq. 3; here in [`INPUT_BINS`] groups of similar inputs); the statistics of a layer pool
//! the probe examples, as `layers.csv` does: `pre_var`
//! is the mean of `q^l(x)`, `act_var` the mean of `m^l(x)` less the square of the mean of
//! `E[φ(z)]`, and the backward multipliers are averaged over the examples' trajectories.
//! Iterating one trajectory from the mean `m^0` instead would miss the spread of the inputs'
//! lengths: for tanh on the digits it overstates `Var(h^1)` by 11% (Jensen's inequality).
//!
//! Schemes whose weights are not zero-mean and independent (constant, identity, LSUV, a
//! shifted normal or uniform) have no prediction.

use super::{derivative_moment, moments};
use crate::activation::Activation;
use crate::init::NetworkInit;

/// The predicted statistics of one layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    pub pre_var: f64,
    pub act_var: f64,
    /// `None` for the output layer, where the backward pass starts from the measurement.
    pub grad_var: Option<f64>,
    /// The mean correlation of pairs of inputs ([`super::correlation::predict_correlation`]);
    /// `None` where it has
    /// no prediction.
    pub corr: Option<f64>,
}

/// The inputs' second moments are followed in this many groups of equal size (sorted, each
/// represented by its mean): the trajectories are smooth in `m^0`, so 32 groups agree with
/// one trajectory per example to a few 1e-4 (2e-4 tested on a wide uniform spread; the
/// worst-layer error of `lecun_vs_normal` moved by 3e-4) at
/// 1/16 of the cost for 512 examples (one trajectory per example took 145 ms for a depth-30
/// tanh network, measured).
const INPUT_BINS: usize = 32;

/// `(m^0, weight)` pairs standing for the inputs: the sorted values cut into `bins` groups of
/// (nearly) equal size, each at its mean with its share of the examples as weight.
fn representatives(input_m2: &[f64], bins: usize) -> Vec<(f64, f64)> {
    let mut sorted = input_m2.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    (0..bins.min(n))
        .map(|b| {
            let group = &sorted[b * n / bins.min(n)..(b + 1) * n / bins.min(n)];
            let mean = group.iter().sum::<f64>() / group.len() as f64;
            (mean, group.len() as f64 / n as f64)
        })
        .collect()
}

/// Predictions for every layer of a network of `sizes` (`[input, hidden…, outputs]`), given
/// each input's mean second moment per feature (`‖x‖²/n_0`, one per probe example) and the
/// output layer's measured per-example gradient variance; `None` when a layer's scheme has no
/// mean-field description.
pub fn predict(
    sizes: &[usize],
    activation: Activation,
    init: &NetworkInit,
    input_m2: &[f64],
    output_grad_var: f64,
) -> Option<Vec<Prediction>> {
    let layers = sizes.len() - 1;
    let follows = |l: usize| {
        if l + 1 == layers {
            Activation::Linear
        } else {
            activation
        }
    };
    // Per layer, v_l·fan_in (the forward gain), v_l·fan_out (the backward gain) and the bias
    // moments.
    let (mut forward, mut backward, mut biases) = (Vec::new(), Vec::new(), Vec::new());
    for l in 0..layers {
        let (fan_in, fan_out) = (sizes[l], sizes[l + 1]);
        let scheme = init.scheme(l, layers);
        let v = scheme.zero_mean_variance(fan_in, fan_out, follows(l))?;
        forward.push(v * fan_in as f64);
        backward.push(v * fan_out as f64);
        biases.push(init.bias.moments(scheme, fan_in));
    }
    let inputs = representatives(input_m2, INPUT_BINS);
    // Pooled over the examples: Σ q^l(x), Σ E[φ(z)], Σ E[φ(z)²], and the backward multiplier
    // of each layer, Σ Π_{k>l} v_k·fan_out_k·E[φ'(z^{k−1})²].
    let mut sum_q = vec![0.0; layers];
    let mut sum_m1 = vec![0.0; layers];
    let mut sum_m2 = vec![0.0; layers];
    let mut sum_chain = vec![0.0; layers];
    let mut q = vec![0.0; layers];
    for &(m0, weight) in &inputs {
        let mut m2 = m0;
        for l in 0..layers {
            let (mu, s2) = biases[l];
            q[l] = forward[l] * m2 + s2;
            let (m1, next_m2) = moments(follows(l), mu, q[l]);
            sum_q[l] += weight * q[l];
            sum_m1[l] += weight * m1;
            sum_m2[l] += weight * next_m2;
            m2 = next_m2;
        }
        let mut chain = 1.0;
        for l in (0..layers - 1).rev() {
            chain *= backward[l + 1] * derivative_moment(activation, biases[l].0, q[l]);
            sum_chain[l] += weight * chain;
        }
    }
    Some(
        (0..layers)
            .map(|l| {
                let mean_m1 = sum_m1[l];
                Prediction {
                    pre_var: sum_q[l],
                    act_var: sum_m2[l] - mean_m1 * mean_m1,
                    grad_var: (l + 1 < layers).then(|| output_grad_var * sum_chain[l]),
                    corr: None,
                }
            })
            .collect(),
    )
}

/// The probe inputs as the theory starts from them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProbeInputs {
    /// Per probe example, the mean of its squared features `‖x‖²/n_0`.
    pub m2: Vec<f64>,
    /// The pairs whose pre-activations `corr` compares.
    pub pairs: Vec<InputPair>,
}

/// Two probe inputs `a` and `b`: `‖x_a‖²/n_0`, `‖x_b‖²/n_0` and `x_a·x_b/n_0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InputPair {
    pub m_a: f64,
    pub m_b: f64,
    pub dot: f64,
}

impl ProbeInputs {
    /// From the probe batch's rows; the pairs are those of the first `pair_examples` rows.
    pub fn of(rows: &[Vec<f32>], pair_examples: usize) -> Self {
        let mean_product = |a: &[f32], b: &[f32]| {
            a.iter()
                .zip(b)
                .map(|(&u, &v)| f64::from(u) * f64::from(v))
                .sum::<f64>()
                / a.len().max(1) as f64
        };
        let m2: Vec<f64> = rows.iter().map(|x| mean_product(x, x)).collect();
        let first = rows.len().min(pair_examples);
        let mut pairs = Vec::with_capacity(first * first.saturating_sub(1) / 2);
        for a in 0..first {
            for b in a + 1..first {
                pairs.push(InputPair {
                    m_a: m2[a],
                    m_b: m2[b],
                    dot: mean_product(&rows[a], &rows[b]),
                });
            }
        }
        ProbeInputs { m2, pairs }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::init::{BiasScheme, InitScheme};

    /// A network's initialization: `hidden` weights for every layer, `bias` biases.
    pub(crate) fn init(hidden: InitScheme, bias: BiasScheme) -> NetworkInit {
        NetworkInit {
            input: None,
            hidden,
            output: None,
            bias,
        }
    }

    #[test]
    fn he_keeps_relu_networks_at_the_input_scale() {
        let he = InitScheme::HeNormal {
            mode: crate::init::FanMode::FanIn,
            negative_slope: 0.0,
        };
        let p = predict(
            &[100, 100, 100, 100, 10],
            Activation::Relu,
            &init(he, BiasScheme::Zeros {}),
            &[1.0],
            1.0,
        )
        .unwrap();
        // Layer 1 sees the raw input (m² = 1): Var(z¹) = 2; later layers see E[relu²] = 1.
        assert!((p[0].pre_var - 2.0).abs() < 1e-12);
        assert!((p[1].pre_var - 2.0).abs() < 1e-12);
        // Backward: each hidden layer multiplies by v·n·E[φ'²] = (2/100)·100·½ = 1, except
        // the read-out (He with the linear gain rule is still 2/fan_in): 2·10/100·½·1 = 0.1.
        let g = |l: usize| p[l].grad_var.unwrap();
        assert!((g(2) - 2.0 / 100.0 * 10.0 * 0.5).abs() < 1e-12);
        assert!((g(1) / g(2) - 1.0).abs() < 1e-12 && (g(0) / g(1) - 1.0).abs() < 1e-12);
        assert!(p[3].grad_var.is_none());
    }

    #[test]
    fn linear_lecun_preserves_and_constant_bias_shifts_the_mean() {
        let p = predict(
            &[50, 50, 50, 5],
            Activation::Linear,
            &init(InitScheme::LecunNormal {}, BiasScheme::Zeros {}),
            &[1.3],
            1.0,
        )
        .unwrap();
        assert!(p.iter().all(|p| (p.pre_var - 1.3).abs() < 1e-12));
        let p = predict(
            &[50, 50, 5],
            Activation::Relu,
            &init(
                InitScheme::LecunNormal {},
                BiasScheme::Constant { value: 0.1 },
            ),
            &[1.0],
            1.0,
        )
        .unwrap();
        assert!(
            (p[0].pre_var - 1.0).abs() < 1e-12,
            "a constant bias adds no variance"
        );
        assert!(predict(
            &[5, 5, 2],
            Activation::Tanh,
            &init(InitScheme::Identity { gain: 1.0 }, BiasScheme::Zeros {}),
            &[1.0],
            1.0
        )
        .is_none());
    }

    /// Each input follows its own trajectory and the layer statistics pool them: for tanh
    /// with zero bias (E[φ(z)] = 0) the pooled variance of two inputs is the mean of theirs,
    /// and differs from one trajectory started at their mean second moment.
    #[test]
    fn inputs_of_different_lengths_are_pooled_not_averaged_first() {
        let lecun = || init(InitScheme::LecunNormal {}, BiasScheme::Zeros {});
        let sizes = [64, 64, 64, 64, 10];
        let p = |m2: &[f64]| predict(&sizes, Activation::Tanh, &lecun(), m2, 1.0).unwrap();
        let (short, long, both, mean) = (p(&[0.2]), p(&[1.8]), p(&[0.2, 1.8]), p(&[1.0]));
        for l in 0..3 {
            let pooled = (short[l].act_var + long[l].act_var) / 2.0;
            assert!((both[l].act_var - pooled).abs() < 1e-12, "layer {l}");
            assert!((both[l].pre_var - (short[l].pre_var + long[l].pre_var) / 2.0).abs() < 1e-12);
            // E[tanh²] is concave in q: the mean input overstates the pooled variance.
            assert!(mean[l].act_var > both[l].act_var * 1.01, "layer {l}");
        }
    }

    /// 32 groups of inputs stand for 512 within 2e-4 of one trajectory per input.
    #[test]
    fn grouped_inputs_agree_with_one_trajectory_each() {
        let lecun = init(InitScheme::LecunNormal {}, BiasScheme::Zeros {});
        let mut sizes = vec![64];
        sizes.extend([256; 30]);
        sizes.push(10);
        let m2: Vec<f64> = (0..512)
            .map(|i| 0.2 + 2.0 * ((i * 7919) % 512) as f64 / 512.0)
            .collect();
        let exact = |m2: &[f64]| {
            let each: Vec<Vec<Prediction>> = m2
                .iter()
                .map(|&m| predict(&sizes, Activation::Tanh, &lecun, &[m], 1.0).unwrap())
                .collect();
            (0..31)
                .map(|l| each.iter().map(|p| p[l].act_var).sum::<f64>() / m2.len() as f64)
                .collect::<Vec<f64>>()
        };
        let grouped = predict(&sizes, Activation::Tanh, &lecun, &m2, 1.0).unwrap();
        for (l, e) in exact(&m2).iter().enumerate() {
            let g = grouped[l].act_var;
            assert!((g / e - 1.0).abs() < 2e-4, "layer {}: {g} vs {e}", l + 1);
        }
    }
}
