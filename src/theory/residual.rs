//! Mean-field predictions for the residual MLP of the `pre` ordering at initialization
//! (`net::residual`), site by site, in the manner of [`super::network`]: each probe input
//! follows its own trajectory, and a site's statistics pool them.
//!
//! With zero-mean, independent weights the stream stays Gaussian with a mean `μ_x` (from the
//! biases' means) and a variance `v_x` per unit, and a block adds a branch output that is
//! uncorrelated with it (its last layer's weights are zero-mean and independent of the
//! stream):
//!
//! - the branch: `h_0 = φ(x)`, `z_k = h_{k−1}·W_k + b_k` with `q_k = v_k·n·E[h_{k−1}²] + s_k²`,
//!   `h_k = φ(z_k)` (`z_m` linear);
//! - the stream: `μ_x ← μ_x + α·μ_m`, `v_x ← v_x + α²·q_m`.
//!
//! So with He weights (`v = 2/n`), ReLU, zero biases and α = 1, each block doubles the
//! stream's variance (`E[relu(x)²] = v_x/2`, `q_1 = v_x`, `q_2 = v_x`): log₂ growth of 1 per
//! block; a branch that starts silent (a zero last layer, α = 0) leaves it unchanged. This is
//! the signal-propagation argument of Fixup (Zhang, Dauphin & Ma 2019, §2) and of ReZero
//! (Bachlechner et al. 2020, §3) made exact for these networks.
//!
//! Backward, from the measured gradient variance at the read-out, with `χ(z) = E[φ'(z)²]`:
//! `Var(δ_{x_{b−1}}) = Var(δ_{x_b})·(1 + α²·Π_k v_k·n·χ(z_{k−1}))`, the product along the
//! branch (`z_0 = x_{b−1}`), and inside the branch `Var(δ_{z_m}) = α²·Var(δ_{x_b})`,
//! `Var(δ_{z_k}) = v_{k+1}·n·χ(z_k)·Var(δ_{z_{k+1}})`.
//!
//! The `post` ordering puts `φ` on the sum, whose stream is then not Gaussian: the network
//! asks for no prediction.

use super::{derivative_moment, moments};
use crate::activation::Activation;
use crate::init::Branch;
use crate::init::NetworkInit;
use crate::theory::network::Prediction;

/// The moments of one affine layer at initialization: `v·fan_in` (forward gain), `v·fan_out`
/// (backward gain) and the bias's mean and variance.
#[derive(Debug, Clone, Copy)]
struct Layer {
    forward: f64,
    backward: f64,
    mu: f64,
    s2: f64,
}

/// Per site, for one input: the pre-activation's mean and variance and the activation's
/// first two moments, then the gradient multiplier.
#[derive(Debug, Clone, Copy, Default)]
struct SiteMoments {
    mean: f64,
    q: f64,
    m1: f64,
    m2: f64,
    chain: f64,
}

/// The predictions for every site of a `pre`-ordered residual MLP in its site order, from its
/// affine layers' sizes `sizes` (`[input, width × (1 + blocks·m), outputs]`: the input
/// projection, the branch layers block by block, the read-out) and `m` layers per branch;
/// `None` for schemes without a mean-field description.
pub fn predict_residual(
    sizes: &[usize],
    m: usize,
    activation: Activation,
    init: &NetworkInit,
    branch: Branch,
    input_m2: &[f64],
    output_grad_var: f64,
) -> Option<Vec<Prediction>> {
    let count = sizes.len() - 1;
    if input_m2.is_empty() || m == 0 || count < 2 || !(count - 2).is_multiple_of(m) {
        return None;
    }
    let blocks = (count - 2) / m;
    let start = branch.start(blocks, m);
    // Layer l of the flat list: its scale from the branch scheme and what follows it.
    let scale_of = |l: usize| {
        if l == 0 {
            1.0
        } else if l + 1 == count {
            start.readout_scale
        } else if (l - 1) % m + 1 == m {
            start.last_scale
        } else {
            start.inner_scale
        }
    };
    let mut layers = Vec::with_capacity(count);
    for l in 0..count {
        let (fan_in, fan_out) = (sizes[l], sizes[l + 1]);
        let scheme = init.scheme(l, count);
        let following = if l == 0 || l + 1 == count || (l - 1) % m + 1 == m {
            Activation::Linear
        } else {
            activation
        };
        let scale = scale_of(l);
        let v = scheme.zero_mean_variance(fan_in, fan_out, following)? * scale * scale;
        let (mu, s2) = if scale == 0.0 {
            (0.0, 0.0)
        } else {
            init.bias.moments(scheme, fan_in)
        };
        layers.push(Layer {
            forward: v * fan_in as f64,
            backward: v * fan_out as f64,
            mu,
            s2,
        });
    }
    let alpha2 = start.alpha * start.alpha;
    let sites = 1 + blocks * (m + 1) + 1;
    let mut pooled = vec![SiteMoments::default(); sites];
    let n = input_m2.len() as f64;
    for &m0 in input_m2 {
        let mut at = vec![SiteMoments::default(); sites];
        // The projection: the stream at block 0.
        let p = layers[0];
        let (mut mean_x, mut var_x) = (p.mu, p.forward * m0 + p.s2);
        at[0] = stream_site(mean_x, var_x);
        for b in 0..blocks {
            let base = 1 + b * (m + 1);
            let (_, mut m2) = moments(activation, mean_x, var_x);
            for k in 0..m {
                let layer = layers[1 + b * m + k];
                let q = layer.forward * m2 + layer.s2;
                let following = if k + 1 == m {
                    Activation::Linear
                } else {
                    activation
                };
                let (m1, next) = moments(following, layer.mu, q);
                at[base + k] = SiteMoments {
                    mean: layer.mu,
                    q,
                    m1,
                    m2: next,
                    chain: 0.0,
                };
                m2 = next;
            }
            let last = at[base + m - 1];
            mean_x += start.alpha * last.mean;
            var_x += alpha2 * last.q;
            at[base + m] = stream_site(mean_x, var_x);
        }
        let readout = layers[count - 1];
        let stream_m2 = var_x + mean_x * mean_x;
        let q_out = readout.forward * stream_m2 + readout.s2;
        at[sites - 1] = SiteMoments {
            mean: readout.mu,
            q: q_out,
            m1: readout.mu,
            m2: q_out + readout.mu * readout.mu,
            chain: 1.0,
        };
        // Backward: the stream after the last block, then block by block.
        let mut g = readout.backward;
        for b in (0..blocks).rev() {
            let base = 1 + b * (m + 1);
            at[base + m].chain = g;
            let mut inner = alpha2 * g;
            for k in (0..m).rev() {
                at[base + k].chain = inner;
                let layer = layers[1 + b * m + k];
                // What the layer's input was: φ of the previous branch site, or of the stream.
                let (mu, q) = if k == 0 {
                    let before = at[base - 1];
                    (before.mean, before.q)
                } else {
                    (at[base + k - 1].mean, at[base + k - 1].q)
                };
                inner *= layer.backward * derivative_moment(activation, mu, q);
            }
            g += inner;
        }
        at[0].chain = g;
        for (total, site) in pooled.iter_mut().zip(&at) {
            total.q += site.q / n;
            total.m1 += site.m1 / n;
            total.m2 += site.m2 / n;
            total.chain += site.chain / n;
        }
    }
    Some(
        pooled
            .iter()
            .enumerate()
            .map(|(s, p)| Prediction {
                pre_var: p.q,
                act_var: p.m2 - p.m1 * p.m1,
                grad_var: (s + 1 < sites).then_some(output_grad_var * p.chain),
                corr: None,
            })
            .collect(),
    )
}

/// A stream site of the `pre` ordering: `h = z`, Gaussian of this mean and variance.
fn stream_site(mean: f64, var: f64) -> SiteMoments {
    SiteMoments {
        mean,
        q: var,
        m1: mean,
        m2: var + mean * mean,
        chain: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::{BiasScheme, FanMode, InitScheme};

    fn he() -> NetworkInit {
        NetworkInit {
            input: None,
            hidden: InitScheme::HeNormal {
                mode: FanMode::FanIn,
                negative_slope: 0.0,
            },
            output: None,
            bias: BiasScheme::Zeros {},
        }
    }

    /// 16 inputs, `blocks` blocks of two layers of width 100, 10 outputs.
    fn shape(blocks: usize) -> Vec<usize> {
        let mut sizes = vec![16];
        sizes.extend(std::iter::repeat_n(100, 1 + 2 * blocks));
        sizes.push(10);
        sizes
    }

    fn streams(p: &[Prediction], blocks: usize) -> Vec<f64> {
        (0..=blocks).map(|b| p[b * 3].pre_var).collect()
    }

    #[test]
    fn he_relu_branches_double_the_stream_per_block() {
        let p = predict_residual(
            &shape(5),
            2,
            Activation::Relu,
            &he(),
            Branch::None,
            &[1.0],
            1.0,
        )
        .unwrap();
        // The projection (He, fan_in 16, input m² = 1): Var = 2·1 = 2; then ×2 per block.
        let s = streams(&p, 5);
        for (b, v) in s.iter().enumerate() {
            assert!(
                (v - 2.0 * 2f64.powi(b as i32)).abs() < 1e-9,
                "block {b}: {v}"
            );
        }
        // Inside block 1: z_1 = W_1·relu(x_0): 2·E[relu(x)²] = Var(x_0) = 2.
        assert!((p[1].pre_var - 2.0).abs() < 1e-12);
        assert!((p[2].pre_var - 2.0).abs() < 1e-12);
    }

    #[test]
    fn silent_branches_keep_the_stream_and_gradients_at_the_read_out() {
        for branch in [Branch::ZeroLast, Branch::SkipInit, Branch::ReZero] {
            let p = predict_residual(&shape(4), 2, Activation::Relu, &he(), branch, &[1.0], 3.0)
                .unwrap();
            assert!(streams(&p, 4).iter().all(|&v| (v - 2.0).abs() < 1e-12));
            // The stream's gradient is the read-out's, carried back unchanged.
            let g0 = p[0].grad_var.unwrap();
            let g_last = p[4 * 3].grad_var.unwrap();
            assert!((g0 - g_last).abs() < 1e-12 && g0 > 0.0, "{branch}");
        }
        // Fixup zeroes the read-out too: nothing flows back at initialization.
        let p = predict_residual(
            &shape(4),
            2,
            Activation::Relu,
            &he(),
            Branch::Fixup,
            &[1.0],
            3.0,
        )
        .unwrap();
        assert_eq!(p[0].grad_var, Some(0.0));
    }

    #[test]
    fn backward_grows_like_forward_for_he_relu() {
        // Each block multiplies the gradient's variance by 1 + v·n·½·v·n·½ = 1 + 1·1 = 2.
        let p = predict_residual(
            &shape(3),
            2,
            Activation::Relu,
            &he(),
            Branch::None,
            &[1.0],
            1.0,
        )
        .unwrap();
        let g: Vec<f64> = (0..=3).map(|b| p[b * 3].grad_var.unwrap()).collect();
        for b in 0..3 {
            assert!((g[b] / g[b + 1] - 2.0).abs() < 1e-12);
        }
        // A shape that is not blocks of m layers has no prediction.
        assert!(predict_residual(
            &shape(3),
            4,
            Activation::Relu,
            &he(),
            Branch::None,
            &[1.0],
            1.0
        )
        .is_none());
    }
}
