//! Spectra: the singular values of the input–output Jacobian of the hidden stack (dynamical
//! isometry, Saxe et al. 2013; Pennington, Schoenholz & Ganguli 2017, "Resurrecting the
//! sigmoid in deep learning through dynamical isometry") and of each weight matrix (how far
//! training has moved a layer from the Marchenko–Pastur law it was drawn from; Martin &
//! Mahoney 2021, "Implicit self-regularization in deep neural networks").
//!
//! **The Jacobian.** For one input, `J = ∂h^D/∂h^1 = D_D·W_Dᵀ ⋯ D_2·W_2ᵀ`, with
//! `D_l = diag φ'(z^l)`: the map from the first hidden layer's activation to the last hidden
//! layer's, through the `D − 1` layers that lie between hidden layers (the square ones at a
//! uniform width; the first layer, from the input's own dimension, and the read-out are not
//! part of it). A network describes its own Jacobian ([`super::ProbedNet::jacobian`]); the
//! spectrum of a run pools the singular values of the first [`JACOBIAN_EXAMPLES`] probe
//! examples' Jacobians, and [`SpectrumSummary`] reduces them to the squared singular values'
//! (the eigenvalues of `JJᵀ`) mean and variance, the smallest and largest singular value and
//! the fraction near zero.
//!
//! **The weights.** Per layer `W` (`fan_in × fan_out`), with singular values `s_i`: the
//! spectral norm `s_max`, the stable rank `Σ s_i² / s_max²` (between 1 and `min(fan_in,
//! fan_out)`), and, for schemes that draw i.i.d. entries of variance `v`, the Kolmogorov–Smirnov
//! distance between the empirical distribution of the `p = min(fan_in, fan_out)` eigenvalues
//! `s_i²` and the Marchenko–Pastur law of ratio `γ = p / max(fan_in, fan_out)` and scale
//! `v·max(fan_in, fan_out)` (Marchenko & Pastur 1967): `O(1/p)` at initialization.
//!
//! Everything is computed in f64 on the host with faer, sequentially (a sweep's runs are
//! already parallel).

use faer::linalg::matmul::matmul;
use std::sync::OnceLock;

use faer::{Accum, Mat, Par, Side};

use crate::theory::quadrature::gauss_legendre;

/// How many probe examples' Jacobians a run's spectrum pools (the first ones of the fixed
/// probe batch): `4 × width` singular values.
pub const JACOBIAN_EXAMPLES: usize = 4;

/// A singular value counts as near zero below this fraction of the root mean square singular
/// value.
pub const NEAR_ZERO: f64 = 1e-3;

/// One layer of a Jacobian chain: its weights `[fan_in, fan_out]` row-major, and `φ'` of its
/// pre-activation for the example, one value per output unit.
pub struct ChainLayer<'a> {
    pub weight: &'a [f32],
    pub fan_in: usize,
    pub fan_out: usize,
    pub derivative: &'a [f64],
}

/// `Jᵀ = W_a·D_a·W_{a+1}·D_{a+1} ⋯`, accumulated one layer at a time (the transpose of
/// `J = ⋯ D_{a+1}W_{a+1}ᵀ·D_aW_aᵀ`, which has the same singular values), so that a caller
/// holds one layer's weights at a time.
#[derive(Default)]
pub struct JacobianChain {
    product: Option<Mat<f64>>,
}

impl JacobianChain {
    /// Multiplies the next layer in.
    pub fn push(&mut self, layer: &ChainLayer<'_>) {
        // W·D: column j of W scaled by φ'(z_j).
        let wd = Mat::from_fn(layer.fan_in, layer.fan_out, |i, j| {
            f64::from(layer.weight[i * layer.fan_out + j]) * layer.derivative[j]
        });
        self.product = Some(match self.product.take() {
            None => wd,
            Some(p) => {
                let mut next = Mat::zeros(p.nrows(), layer.fan_out);
                matmul(&mut next, Accum::Replace, &p, &wd, 1.0, Par::Seq);
                next
            }
        });
    }

    /// `Jᵀ`; `None` for no layer.
    pub fn finish(self) -> Option<Mat<f64>> {
        self.product
    }
}

/// The singular values of `m`, largest first; `None` if the decomposition fails (a non-finite
/// entry).
pub fn singular_values(m: &Mat<f64>) -> Option<Vec<f64>> {
    if m.nrows() == 0 || m.ncols() == 0 {
        return Some(Vec::new());
    }
    let finite = (0..m.ncols()).all(|j| (0..m.nrows()).all(|i| m[(i, j)].is_finite()));
    if !finite {
        return None;
    }
    m.singular_values().ok()
}

/// The summary of a spectrum of singular values `s` (pooled over examples).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpectrumSummary {
    /// The mean of `s²` (the eigenvalues of `JJᵀ`).
    pub s2_mean: f64,
    /// The population variance of `s²`.
    pub s2_var: f64,
    pub s_min: f64,
    pub s_max: f64,
    /// The fraction of singular values below [`NEAR_ZERO`] times the root mean square.
    pub near_zero: f64,
}

impl SpectrumSummary {
    /// `None` for no value.
    pub fn of(s: &[f64]) -> Option<Self> {
        if s.is_empty() {
            return None;
        }
        let n = s.len() as f64;
        let s2_mean = s.iter().map(|v| v * v).sum::<f64>() / n;
        let s2_var = s.iter().map(|v| (v * v - s2_mean).powi(2)).sum::<f64>() / n;
        let floor = NEAR_ZERO * s2_mean.sqrt();
        Some(SpectrumSummary {
            s2_mean,
            s2_var,
            s_min: s.iter().copied().fold(f64::INFINITY, f64::min),
            s_max: s.iter().copied().fold(0.0, f64::max),
            near_zero: s.iter().filter(|&&v| v < floor).count() as f64 / n,
        })
    }
}

/// What a weight matrix's singular values say about it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WeightSpectrum {
    /// The largest singular value.
    pub spectral_norm: Option<f64>,
    /// `‖W‖_F² / ‖W‖_2²`; `None` when `W = 0`.
    pub stable_rank: Option<f64>,
    /// The Kolmogorov–Smirnov distance from the Marchenko–Pastur law of the scheme's
    /// variance; `None` for schemes whose entries are not i.i.d.
    pub mp_distance: Option<f64>,
}

impl WeightSpectrum {
    /// Of a row-major `[fan_in, fan_out]` matrix whose entries were drawn i.i.d. with variance
    /// `drawn` (`None` for other schemes). The squared singular values are the eigenvalues of
    /// the smaller Gram matrix (`WᵀW` or `WWᵀ`), half the cost of a singular value
    /// decomposition and as accurate for these three numbers (all of which the largest values
    /// dominate).
    pub fn of(weight: &[f32], fan_in: usize, fan_out: usize, drawn: Option<f64>) -> Self {
        let Some(s2) = squared_singular_values(weight, fan_in, fan_out) else {
            return WeightSpectrum::default();
        };
        let top = s2.iter().copied().fold(0.0, f64::max);
        let frobenius2: f64 = s2.iter().sum();
        let big = fan_in.max(fan_out) as f64;
        let mp_distance = drawn.filter(|v| *v > 0.0).map(|v| {
            let ratio = s2.len() as f64 / big;
            let scaled: Vec<f64> = s2.iter().map(|x| x / (v * big)).collect();
            ks_distance_mp(&scaled, ratio)
        });
        WeightSpectrum {
            spectral_norm: Some(top.sqrt()),
            stable_rank: (top > 0.0).then(|| frobenius2 / top),
            mp_distance,
        }
    }
}

/// The eigenvalues of the smaller Gram matrix of a row-major `[rows, cols]` matrix (the
/// squared singular values, clamped at 0 against rounding); `None` for a non-finite entry.
fn squared_singular_values(values: &[f32], rows: usize, cols: usize) -> Option<Vec<f64>> {
    if values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let m = Mat::from_fn(rows, cols, |i, j| f64::from(values[i * cols + j]));
    let p = rows.min(cols);
    if p == 0 {
        return Some(Vec::new());
    }
    let mut gram = Mat::zeros(p, p);
    if cols <= rows {
        matmul(&mut gram, Accum::Replace, m.transpose(), &m, 1.0, Par::Seq);
    } else {
        matmul(&mut gram, Accum::Replace, &m, m.transpose(), 1.0, Par::Seq);
    }
    let eigenvalues = gram.self_adjoint_eigenvalues(Side::Lower).ok()?;
    Some(eigenvalues.into_iter().map(|e| e.max(0.0)).collect())
}

/// The Marchenko–Pastur distribution function of ratio `γ ∈ (0, 1]` and unit scale (the
/// eigenvalues of `XXᵀ/N` for a `p × N` matrix `X` of unit-variance entries, `γ = p/N`):
/// density `√((b−y)(y−a)) / (2πγy)` on `[a, b] = [(1−√γ)², (1+√γ)²]`. With `y = m − r·cos θ`
/// (`m = 1 + γ`, `r = 2√γ`) the integrand `r²·sin²θ / (2πγ·y)` is smooth, and Gauss–Legendre
/// integrates it from 0 to `θ(y)`.
pub fn marchenko_pastur_cdf(y: f64, ratio: f64) -> f64 {
    let (m, r) = (1.0 + ratio, 2.0 * ratio.sqrt());
    if y <= m - r {
        return 0.0;
    }
    if y >= m + r {
        return 1.0;
    }
    let top = ((m - y) / r).clamp(-1.0, 1.0).acos();
    static RULE: OnceLock<(Vec<f64>, Vec<f64>)> = OnceLock::new();
    let (x, w) = RULE.get_or_init(|| gauss_legendre(48));
    let half = top / 2.0;
    x.iter()
        .zip(w)
        .map(|(&x, &w)| {
            let theta = half * (x + 1.0);
            let s = theta.sin();
            w * half * r * r * s * s / (2.0 * std::f64::consts::PI * ratio * (m - r * theta.cos()))
        })
        .sum::<f64>()
        .clamp(0.0, 1.0)
}

/// The Kolmogorov–Smirnov distance between the empirical distribution of `values` and the
/// Marchenko–Pastur law of ratio `ratio`.
pub fn ks_distance_mp(values: &[f64], ratio: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &y)| {
            let f = marchenko_pastur_cdf(y, ratio);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max)
}

/// The bins of a spectrum's density: [`BINS_PER_DECADE`] per decade of `s` from
/// `10^LOWEST_DECADE` to `10^HIGHEST_DECADE`, plus one bin below (from 0) and one above (to
/// +∞).
pub const BINS_PER_DECADE: i32 = 10;
pub const LOWEST_DECADE: i32 = -8;
pub const HIGHEST_DECADE: i32 = 4;

/// `(bin, lo, hi, count)` of the non-empty bins of the singular values `s`.
pub fn spectrum_bins(s: &[f64]) -> Vec<(usize, f64, f64, u64)> {
    let inner = (HIGHEST_DECADE - LOWEST_DECADE) * BINS_PER_DECADE;
    let edge =
        |k: i32| 10f64.powf(f64::from(LOWEST_DECADE) + f64::from(k) / f64::from(BINS_PER_DECADE));
    let mut counts = vec![0u64; inner as usize + 2];
    for &v in s {
        let bin = if v < edge(0) {
            0
        } else {
            let k = ((v.log10() - f64::from(LOWEST_DECADE)) * f64::from(BINS_PER_DECADE)).floor();
            (k as i64 + 1).clamp(1, i64::from(inner) + 1) as usize
        };
        counts[bin] += 1;
    }
    counts
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .map(|(bin, &c)| {
            let k = bin as i32;
            let lo = if bin == 0 { 0.0 } else { edge(k - 1) };
            let hi = if k == inner + 1 {
                f64::INFINITY
            } else {
                edge(k)
            };
            (bin, lo, hi, c)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marchenko_pastur_integrates_to_one_with_its_mean_at_one() {
        for ratio in [1.0, 0.5, 0.1] {
            let (a, b) = (
                (1.0 - f64::sqrt(ratio)).powi(2),
                (1.0 + f64::sqrt(ratio)).powi(2),
            );
            assert!((marchenko_pastur_cdf(b - 1e-12, ratio) - 1.0).abs() < 1e-9);
            assert_eq!(marchenko_pastur_cdf(a, ratio), 0.0);
            // The mean, ∫(1 − F) over [0, b], is 1 and the second moment 1 + γ.
            let n = 20_000;
            let h = b / n as f64;
            let (mut mean, mut second) = (0.0, 0.0);
            for i in 0..n {
                let y = (i as f64 + 0.5) * h;
                let tail = 1.0 - marchenko_pastur_cdf(y, ratio);
                mean += tail * h;
                second += 2.0 * y * tail * h;
            }
            assert!((mean - 1.0).abs() < 1e-6, "γ = {ratio}: mean {mean}");
            assert!(
                (second - (1.0 + ratio)).abs() < 1e-6,
                "γ = {ratio}: {second}"
            );
        }
    }

    #[test]
    fn the_square_case_agrees_with_a_direct_integration() {
        // γ = 1: the density √((4 − y)y)/(2πy) on [0, 4], integrated by the midpoint rule.
        let density = |y: f64| ((4.0 - y) * y).sqrt() / (2.0 * std::f64::consts::PI * y);
        let n = 200_000;
        let h = 1.0 / n as f64;
        let direct: f64 = (0..n).map(|i| density((i as f64 + 0.5) * h) * h).sum();
        assert!((marchenko_pastur_cdf(1.0, 1.0) - direct).abs() < 1e-3);
    }

    #[test]
    fn spectrum_summary_by_hand() {
        let s = [2.0, 1.0, 1e-5, 1.0];
        let sum = SpectrumSummary::of(&s).unwrap();
        let mean = (4.0 + 1.0 + 1e-10 + 1.0) / 4.0;
        assert!((sum.s2_mean - mean).abs() < 1e-12);
        let var = ((4.0 - mean) * (4.0f64 - mean)
            + 2.0 * (1.0 - mean) * (1.0 - mean)
            + (1e-10 - mean) * (1e-10 - mean))
            / 4.0;
        assert!((sum.s2_var - var).abs() < 1e-12);
        assert_eq!((sum.s_min, sum.s_max, sum.near_zero), (1e-5, 2.0, 0.25));
    }

    #[test]
    fn chain_of_diagonal_layers_multiplies() {
        // 2 units: W_1 = diag(2, 3), φ' = (1, 0.5); W_2 = [[0, 1], [1, 0]], φ' = (1, 1).
        let w1 = [2.0f32, 0.0, 0.0, 3.0];
        let w2 = [0.0f32, 1.0, 1.0, 0.0];
        let mut chain = JacobianChain::default();
        chain.push(&ChainLayer {
            weight: &w1,
            fan_in: 2,
            fan_out: 2,
            derivative: &[1.0, 0.5],
        });
        chain.push(&ChainLayer {
            weight: &w2,
            fan_in: 2,
            fan_out: 2,
            derivative: &[1.0, 1.0],
        });
        let jt = chain.finish().unwrap();
        // Jᵀ = W1·D1·W2 = [[0, 2], [1.5, 0]].
        assert_eq!(
            (jt[(0, 0)], jt[(0, 1)], jt[(1, 0)], jt[(1, 1)]),
            (0.0, 2.0, 1.5, 0.0)
        );
        assert_eq!(singular_values(&jt).unwrap(), vec![2.0, 1.5]);
    }

    #[test]
    fn weight_spectrum_of_a_diagonal_matrix() {
        let w = [3.0f32, 0.0, 0.0, 0.0, 1.0, 0.0];
        let ws = WeightSpectrum::of(&w, 2, 3, None);
        assert_eq!(ws.spectral_norm, Some(3.0));
        assert!((ws.stable_rank.unwrap() - 10.0 / 9.0).abs() < 1e-12);
        assert_eq!(ws.mp_distance, None);
        let zero = WeightSpectrum::of(&[0.0; 4], 2, 2, Some(1.0));
        assert_eq!((zero.spectral_norm, zero.stable_rank), (Some(0.0), None));
    }

    #[test]
    fn bins_cover_every_value_once() {
        let s = [0.0, 1e-9, 1.0, 1.05, 3.0, 1e5];
        let bins = spectrum_bins(&s);
        assert_eq!(bins.iter().map(|b| b.3).sum::<u64>(), 6);
        for &v in &s {
            assert!(bins.iter().any(|&(_, lo, hi, _)| lo <= v && v < hi), "{v}");
        }
        assert_eq!(bins[0], (0, 0.0, 1e-8, 2));
    }
}
