//! Per-layer statistics on the probe batch, exactly as REFERENCE.md defines them (the contract
//! of `layers.csv`). Inputs are plain slices pulled from the network, reduced here in f64.
//!
//! For layer `l` with pre-activation `z^l`, activation `h^l = φ(z^l)` over `P` probe examples
//! and `n_l` units:
//! - `pre_mean`, `pre_var`: mean and variance of the `P·n_l` entries of `z^l`;
//! - `act_mean`, `act_var`: the same for `h^l`;
//! - `pre_abs_mean`, `act_abs_mean`: the means of `|z^l|` and `|h^l|`, the "l1" of μP's
//!   coordinate check (microsoft/mup's `get_coord_data` records it for every module's output:
//!   a linear layer's is `z^l`, an activation's `h^l`);
//! - `saturation`: fraction of entries with `|φ'(z)| < 0.05·max|φ'|`;
//! - `dead_frac`: fraction of units saturated for every probe example;
//! - `grad_var`: variance of the per-example gradients `δ^l_i = ∂loss_i/∂z^l_i`;
//! - `grad_zero`: whether every entry of `δ^l` is exactly 0 (a gradient that underflowed, or
//!   a layer cut off by a zero layer above it): `grad_var` is then 0, never −inf or NaN;
//! - `wgrad_var`: variance of the entries of `∂L/∂W^l`, `L` the mean loss over the batch;
//! - `weight_var`: variance of the entries of `W^l`;
//! - `rel_grad`: `‖∂L/∂W^l‖_F / ‖W^l‖_F`, how large a step the gradient asks of the layer
//!   relative to its weights (none when `W^l = 0`);
//! - `unit_similarity`, `distinct_units`: how alike the units' activation vectors over the
//!   probe batch are (see [`crate::net::symmetry`]);
//! - `corr`, `corr_*_class`: how alike pairs of examples are (see [`crate::net::correlation`]);
//! - `act_q*`: nine quantiles of the entries of `h^l` (see [`crate::net::quantiles`]).
//!
//! Variances are population variances (divided by the count, not count − 1).

use crate::activation::{Activation, SaturationTest};
use crate::net::correlation::{pair_correlations, Correlations};
use crate::net::moments::mean_var;
use crate::net::quantiles::quantiles;
use crate::net::symmetry::unit_symmetry;

/// The statistics of one layer at one probe step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerStats {
    pub pre_mean: f64,
    pub pre_var: f64,
    pub act_mean: f64,
    pub act_var: f64,
    pub pre_abs_mean: f64,
    pub act_abs_mean: f64,
    pub saturation: f64,
    pub dead_frac: f64,
    pub grad_var: f64,
    /// `None` for a site without a weight (the residual stream after a block).
    pub wgrad_var: Option<f64>,
    pub weight_var: Option<f64>,
    /// `‖∂L/∂W‖_F / ‖W‖_F`; `None` when the weights are all zero.
    pub rel_grad: Option<f64>,
    /// Mean pairwise cosine similarity of the units' activation vectors.
    pub unit_similarity: f64,
    /// Units with different activation vectors (1: every unit the same).
    pub distinct_units: usize,
    /// Mean pairwise cosine similarity of the examples' pre-activations.
    pub correlations: Correlations,
    /// Quantiles of the activations at TensorBoard's nine levels; `None` if one is not finite.
    pub act_quantiles: Option<[f64; 9]>,
    /// For the residual stream after a block, the variance the branch added over the
    /// stream's before it (set by `probe::statistics`, which has both).
    pub branch_ratio: Option<f64>,
    /// Whether every back-propagated gradient entry is exactly 0.
    pub grad_zero: bool,
    /// For an LSTM's cell, the mean of the forget gate `f_t` over the probe entries (set by
    /// `probe::statistics`).
    pub forget_gate: Option<f64>,
}

impl LayerStats {
    /// Whether every statistic is a finite number.
    pub fn is_finite(&self) -> bool {
        [
            self.pre_mean,
            self.pre_var,
            self.act_mean,
            self.act_var,
            self.pre_abs_mean,
            self.act_abs_mean,
            self.saturation,
            self.dead_frac,
            self.grad_var,
            self.wgrad_var.unwrap_or(0.0),
            self.weight_var.unwrap_or(0.0),
        ]
        .iter()
        .all(|v| v.is_finite())
    }
}

/// The raw values of one layer on the probe batch, each row-major `[examples, units]` except
/// the weights and their gradient (`[fan_in, units]`).
pub struct LayerValues<'a> {
    pub units: usize,
    pub z: &'a [f32],
    pub h: &'a [f32],
    /// The gradients of the mean loss `∂L/∂z^l_i`; times `examples` they are the per-example
    /// gradients `∂loss_i/∂z^l_i` (the scaling is applied to the variance, not to a copy).
    pub delta: &'a [f32],
    /// The site's weight and its gradient; empty for a site without a weight.
    pub weight_grad: &'a [f32],
    pub weight: &'a [f32],
    /// The examples' classes (classification), splitting the correlations by class.
    pub labels: Option<&'a [u32]>,
}

/// Entries of `z` (`[examples, units]`, row-major) for which `saturated` holds, and units
/// for which it holds in every row.
#[inline(always)]
fn count_saturated(z: &[f32], units: usize, saturated: impl Fn(f64) -> bool) -> (usize, usize) {
    let mut entries = 0;
    let mut always = vec![true; units];
    let mut rows = 0;
    for row in z.chunks_exact(units.max(1)) {
        rows += 1;
        for (a, &v) in always.iter_mut().zip(row) {
            let s = saturated(f64::from(v));
            entries += usize::from(s);
            *a &= s;
        }
    }
    let dead = if rows == 0 {
        0
    } else {
        always.iter().filter(|&&d| d).count()
    };
    (entries, dead)
}

/// The mean of the absolute values (0 for none), summed in f64 over sixteen interleaved
/// partial sums (a fixed order, and independent chains that vectorize).
#[inline(always)]
fn abs_mean(values: &[f32]) -> f64 {
    const LANES: usize = 16;
    let mut lanes = [0f64; LANES];
    let chunks = values.chunks_exact(LANES);
    let rest: f64 = chunks.remainder().iter().map(|v| f64::from(v.abs())).sum();
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane += f64::from(v.abs());
        }
    }
    (lanes.iter().sum::<f64>() + rest) / values.len().max(1) as f64
}

/// Computes a layer's statistics; `activation` is the layer's φ (linear for the output layer).
///
/// Where the CPU has AVX2 the same code runs compiled for it (the passes below are written in
/// independent lanes, which it then fills 256 bits at a time): the same operations in the same
/// order, so the same bits, at about half the time (`cargo bench --bench components`).
pub fn layer_stats(v: &LayerValues<'_>, activation: Activation) -> LayerStats {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { layer_stats_avx2(v, activation) };
    }
    layer_stats_here(v, activation)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn layer_stats_avx2(v: &LayerValues<'_>, activation: Activation) -> LayerStats {
    layer_stats_here(v, activation)
}

#[inline(always)]
fn layer_stats_here(v: &LayerValues<'_>, activation: Activation) -> LayerStats {
    let (pre_mean, pre_var) = mean_var(v.z);
    let (act_mean, act_var) = mean_var(v.h);
    let examples = v.z.len() / v.units.max(1);
    let (_, grad_var) = mean_var(v.delta);
    let grad_var = grad_var * (examples * examples) as f64;
    let (wgrad_mean, wgrad_var) = mean_var(v.weight_grad);
    let (weight_mean, weight_var) = mean_var(v.weight);
    // ‖x‖² = n·(Var(x) + mean(x)²), from the sums already taken.
    let norm = |x: &[f32], mean: f64, var: f64| (x.len() as f64 * (var + mean * mean)).sqrt();
    let weight_norm = norm(v.weight, weight_mean, weight_var);
    let rel_grad =
        (weight_norm > 0.0).then(|| norm(v.weight_grad, wgrad_mean, wgrad_var) / weight_norm);
    let has_weight = !v.weight.is_empty();

    let units = v.units;
    let (unit_similarity, distinct_units) = unit_symmetry(v.h, units);
    // One monomorphic loop per rule, rather than a match per entry.
    let (saturated_entries, dead_units) = match activation.saturation_test() {
        SaturationTest::Never => (0, 0),
        SaturationTest::AbsAbove(t) => count_saturated(v.z, units, |z| z.abs() > t),
        SaturationTest::AtMost(t) => count_saturated(v.z, units, |z| z <= t),
        SaturationTest::Below(t) => count_saturated(v.z, units, |z| z < t),
        test @ SaturationTest::Exact(_) => count_saturated(v.z, units, |z| test.saturated(z)),
    };
    LayerStats {
        pre_mean,
        pre_var,
        act_mean,
        act_var,
        pre_abs_mean: abs_mean(v.z),
        act_abs_mean: abs_mean(v.h),
        saturation: saturated_entries as f64 / v.z.len().max(1) as f64,
        dead_frac: dead_units as f64 / units.max(1) as f64,
        grad_var,
        wgrad_var: has_weight.then_some(wgrad_var),
        weight_var: has_weight.then_some(weight_var),
        rel_grad,
        unit_similarity,
        distinct_units,
        correlations: pair_correlations(v.z, units, v.labels),
        act_quantiles: quantiles(v.h),
        branch_ratio: None,
        grad_zero: v.delta.iter().all(|&d| d == 0.0),
        forget_gate: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_avx2_build_gives_the_same_bits() {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            let (rows, units) = (37, 53);
            let entries = |seed: usize| -> Vec<f32> {
                (0..rows * units)
                    .map(|i| (((i * 7919 + seed * 104_729) % 4001) as f32 / 500.0 - 4.0).tanh())
                    .collect()
            };
            let (z, h, delta, w, wg) = (entries(1), entries(2), entries(3), entries(4), entries(5));
            let labels: Vec<u32> = (0..rows as u32).map(|i| i % 3).collect();
            let values = LayerValues {
                units,
                z: &z,
                h: &h,
                delta: &delta,
                weight_grad: &wg,
                weight: &w,
                labels: Some(&labels),
            };
            for activation in [Activation::Tanh, Activation::Relu, Activation::Linear] {
                // SAFETY: the CPU supports AVX2, checked above.
                let fast = unsafe { layer_stats_avx2(&values, activation) };
                let plain = layer_stats_here(&values, activation);
                assert_eq!(format!("{fast:?}"), format!("{plain:?}"), "{activation}");
            }
        }
    }

    #[test]
    fn saturation_and_dead_units_by_hand() {
        // 3 examples x 2 units of ReLU pre-activations: unit 0 is <= 0 everywhere (dead),
        // unit 1 is negative once: 4 of 6 entries saturated.
        let z = [-1.0, 2.0, 0.0, -0.5, -3.0, 1.0];
        let h: Vec<f32> = z.iter().map(|v: &f32| v.max(0.0)).collect();
        let s = layer_stats(
            &LayerValues {
                units: 2,
                z: &z,
                h: &h,
                delta: &[0.0; 6],
                weight_grad: &[0.0; 4],
                weight: &[1.0, -1.0, 1.0, -1.0],
                labels: None,
            },
            Activation::Relu,
        );
        assert_eq!(s.saturation, 4.0 / 6.0);
        assert_eq!(s.dead_frac, 0.5);
        assert_eq!(s.weight_var, Some(1.0));
        assert_eq!(s.rel_grad, Some(0.0));
        let lin = layer_stats(
            &LayerValues {
                units: 2,
                z: &z,
                h: &z,
                delta: &[0.0; 6],
                weight_grad: &[3.0, 0.0, 0.0, 4.0],
                weight: &[0.0; 4],
                labels: None,
            },
            Activation::Linear,
        );
        assert_eq!((lin.saturation, lin.dead_frac), (0.0, 0.0));
        assert_eq!(lin.rel_grad, None, "zero weights have no relative gradient");
        let scaled = layer_stats(
            &LayerValues {
                weight_grad: &[3.0, 0.0, 0.0, 4.0],
                weight: &[1.0, 1.0, 1.0, 1.0],
                ..LayerValues {
                    units: 2,
                    z: &z,
                    h: &z,
                    delta: &[0.0; 6],
                    weight_grad: &[],
                    weight: &[],
                    labels: None,
                }
            },
            Activation::Linear,
        );
        assert_eq!(
            scaled.rel_grad,
            Some(5.0 / 2.0),
            "‖(3, 0, 0, 4)‖ / ‖(1, 1, 1, 1)‖"
        );
    }
}
