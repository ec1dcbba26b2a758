//! The mean-field correlation map for the exact network of a run: how alike its layers make
//! pairs of inputs (Poole et al. 2016, eq. 5; Schoenholz et al. 2017), predicted from each
//! pair's own inputs, beside the `corr` column of `layers.csv`.

use super::network::InputPair;
use super::{correlation_moment, moments};
use crate::activation::Activation;
use crate::init::NetworkInit;

/// The pairs are followed in this many groups of similar first-layer correlation, each from
/// its mean correlation and the geometric mean of its inputs' second moments: the c-map is a
/// smooth contraction, and each step of a group costs a 2-D quadrature (28 ms for the 2,016
/// pairs of a depth-30 tanh network, measured; ReLU's closed form costs nothing).
const PAIR_BINS: usize = 8;

/// The predicted mean over `pairs` of the cosine similarity of two inputs' pre-activations at
/// every layer of a network of `sizes`: the correlation map of Poole et al. (2016, eq. 5),
/// `q^l_ab = v_l·n_{l−1}·E[φ(u_a)φ(u_b)] + s_l²` with `(u_a, u_b)` Gaussian of the previous
/// layer's variances and correlation, and `c^l = q^l_ab / √(q^l_a·q^l_b)`. Layer 1 is exact per
/// pair (`q^1_ab = v_1·n_0·x_a·x_b/n_0 + s_1²`); deeper, each group of pairs is followed at one
/// variance. `None` when a layer's scheme has no mean-field description or a bias has a
/// non-zero mean (the angle of two vectors then depends on their shared mean too); a layer
/// whose predicted variance is zero (the signal vanished below f64's range) has no angle and
/// no prediction, as the measurement leaves out zero vectors. Pairs with a zero input have no
/// angle and are left out.
pub fn predict_correlation(
    sizes: &[usize],
    activation: Activation,
    init: &NetworkInit,
    pairs: &[InputPair],
) -> Option<Vec<Option<f64>>> {
    let layers = sizes.len() - 1;
    if pairs.is_empty() {
        return None;
    }
    let mut forward = Vec::with_capacity(layers);
    let mut bias_var = Vec::with_capacity(layers);
    for l in 0..layers {
        let (fan_in, fan_out) = (sizes[l], sizes[l + 1]);
        let scheme = init.scheme(l, layers);
        let follows = if l + 1 == layers {
            Activation::Linear
        } else {
            activation
        };
        let v = scheme.zero_mean_variance(fan_in, fan_out, follows)?;
        let (mean, s2) = init.bias.moments(scheme, fan_in);
        if mean != 0.0 {
            return None;
        }
        forward.push(v * fan_in as f64);
        bias_var.push(s2);
    }
    // Layer 1, per pair: (c^1, geometric mean of the two inputs' m^0).
    let mut first: Vec<(f64, f64)> = pairs
        .iter()
        .filter_map(|p| {
            let q_a = forward[0] * p.m_a + bias_var[0];
            let q_b = forward[0] * p.m_b + bias_var[0];
            let q_ab = forward[0] * p.dot + bias_var[0];
            (q_a > 0.0 && q_b > 0.0).then(|| {
                let c = (q_ab / (q_a * q_b).sqrt()).clamp(-1.0, 1.0);
                (c, (p.m_a * p.m_b).sqrt())
            })
        })
        .collect();
    if first.is_empty() {
        return Some(vec![None; layers]);
    }
    first.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut mean_c = vec![0.0; layers];
    // Whether every group still has a signal at the layer.
    let mut defined = vec![true; layers];
    mean_c[0] = first.iter().map(|p| p.0).sum::<f64>() / first.len() as f64;
    let n = first.len();
    let bins = PAIR_BINS.min(n);
    for b in 0..bins {
        let group = &first[b * n / bins..(b + 1) * n / bins];
        let weight = group.len() as f64 / n as f64;
        let mut c = group.iter().map(|p| p.0).sum::<f64>() / group.len() as f64;
        let m0 = group.iter().map(|p| p.1).sum::<f64>() / group.len() as f64;
        let mut q = forward[0] * m0 + bias_var[0];
        for l in 1..layers {
            // φ of layer l − 1 feeds layer l.
            let (_, m2) = moments(activation, 0.0, q);
            let cross = correlation_moment(activation, q, c);
            let next_q = forward[l] * m2 + bias_var[l];
            let next_ab = forward[l] * cross + bias_var[l];
            if !(next_q > 0.0 && next_q.is_finite()) {
                defined[l..].iter_mut().for_each(|d| *d = false);
                break;
            }
            c = (next_ab / next_q).clamp(-1.0, 1.0);
            q = next_q;
            mean_c[l] += weight * c;
        }
    }
    Some(
        mean_c
            .into_iter()
            .zip(defined)
            .map(|(c, d)| d.then_some(c))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::{BiasScheme, InitScheme};
    use crate::theory::network::tests::init;

    #[test]
    fn the_correlation_map_keeps_linear_angles_and_finds_the_chaotic_fixed_point() {
        let pair = |m_a: f64, m_b: f64, dot: f64| InputPair { m_a, m_b, dot };
        // Linear, no bias: every layer keeps each pair's angle; layer 1 is the inputs' cosine.
        let pairs = [pair(1.0, 4.0, 1.0), pair(2.0, 2.0, -1.0)];
        let c = predict_correlation(
            &[20, 20, 20, 20, 3],
            Activation::Linear,
            &init(InitScheme::LecunNormal {}, BiasScheme::Zeros {}),
            &pairs,
        )
        .unwrap();
        let expected = (1.0 / 2.0 + -1.0 / 2.0) / 2.0;
        assert!(
            c.iter().all(|c| (c.unwrap() - expected).abs() < 1e-12),
            "{c:?}"
        );
        // Tanh with σ_b² = 0.05 (Schoenholz et al. 2017, table in REPRODUCTIONS.md): deep in
        // the chaotic phase the pairs settle at c* = 0.165 (σ_w² = 4) and 0.744 (σ_w² = 2),
        // whatever they started from; in the ordered phase (σ_w² = 1) at c* = 1.
        for (sigma_w2, c_star) in [(4.0, 0.165), (2.0, 0.744), (1.0, 1.0)] {
            let mut sizes = vec![50; 400];
            sizes.push(3);
            let critical = InitScheme::Critical {
                sigma_w2,
                sigma_b2: 0.05,
            };
            let c = predict_correlation(
                &sizes,
                Activation::Tanh,
                &init(critical, BiasScheme::Default {}),
                &[
                    pair(1.0, 1.0, 0.9),
                    pair(1.0, 1.0, -0.5),
                    pair(0.5, 2.0, 0.0),
                ],
            )
            .unwrap();
            let deep = c[c.len() - 2].unwrap();
            assert!((deep - c_star).abs() < 2e-3, "sigma_w2 {sigma_w2}: {deep}");
        }
        // A signal that vanishes below f64's range leaves no angle to predict (normal(0.01)
        // under tanh loses a factor 1e-4 per layer), where it used to read as c = 1.
        let mut sizes = vec![50; 200];
        sizes.push(3);
        let c = predict_correlation(
            &sizes,
            Activation::Tanh,
            &init(
                InitScheme::Normal {
                    mean: 0.0,
                    std: 0.01,
                },
                BiasScheme::Zeros {},
            ),
            &pairs,
        )
        .unwrap();
        assert!(
            c[0].is_some() && c[10].is_some() && c[199].is_none(),
            "{c:?}"
        );
        // A bias with a non-zero mean has no prediction.
        assert!(predict_correlation(
            &[5, 5, 2],
            Activation::Tanh,
            &init(
                InitScheme::LecunNormal {},
                BiasScheme::Constant { value: 0.1 }
            ),
            &pairs
        )
        .is_none());
    }
}
