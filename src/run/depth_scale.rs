//! The correlation depth scale a run measures at initialization: how many layers it takes the
//! correlation of pairs of inputs to forget where it started (Schoenholz et al. 2017, eq. 9:
//! `|c^l − c*| ~ e^{−l/ξ_c}`), fitted to the `layers.csv` rows of step 0, beside mean-field
//! theory's `ξ_c` for the run's scheme.
//!
//! The fit: `d_l = |c^l − c*|` per hidden layer, `c*` the mean-field fixed point (1 in the
//! ordered phase); a least-squares line through `ln d_l` against `l` over the layers from the
//! first (after layer 1) where `d_l ≤ 0.2`, where the map is close to linear, to the last
//! before `d_l` falls under the noise floor. The floor is `1/√width` in the chaotic phase,
//! where a finite layer's mean correlation fluctuates around `c*` by about that much, and
//! `10⁻⁵` in the ordered phase, where `1 − c` shrinks with its own fluctuations. The pairs are
//! those of the same class where the data has labels (inputs that start alike, far from `c*`
//! in the chaotic phase, so the decay is long enough to measure), all pairs otherwise.
//! Measured on tanh networks of depth 80 (σ_b² = 0.05, same-class `c⁰ ≈ 0.6`): within 1% of
//! theory at σ_w² = 1 and within 13% at 1.5, for widths 256 and 1,024; in the chaotic phase,
//! where the decay meets the floor within a few layers, single runs scatter by tens of per
//! cent (docs/theory.md#the-measured-depth-scale).

use crate::net::SiteKind;
use crate::stats::least_squares_slope;
use crate::store::rows::LayerRow;
use crate::theory::MeanField;

/// Distances from `c*` at most this are fitted: the correlation map is near its linear
/// regime.
const LINEAR_REGIME: f64 = 0.2;
/// The smallest distance from `c* = 1` the fit trusts (f32 activations).
const PRECISION_FLOOR: f64 = 1e-5;
/// The fewest layers a fit rests on.
const MIN_LAYERS: usize = 3;

/// A measured depth scale and the layers it rests on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DepthScaleFit {
    pub xi_c: f64,
    pub layers: usize,
}

/// Fits `ξ_c` to `corr[l − 1] = c^l` (hidden layers `1..`) of a network of `width` units whose
/// correlation map has its fixed point at `c_star`; `None` with fewer than three layers in the
/// window, or when the distance does not decay.
pub fn fit_depth_scale(corr: &[f64], c_star: f64, width: usize) -> Option<DepthScaleFit> {
    let floor = if c_star < 1.0 {
        (1.0 / (width as f64).sqrt()).max(PRECISION_FLOOR)
    } else {
        PRECISION_FLOOR
    };
    let points: Vec<(f64, f64)> = corr
        .iter()
        .enumerate()
        .map(|(i, c)| ((i + 1) as f64, (c - c_star).abs()))
        .skip(1)
        .skip_while(|(_, d)| *d > LINEAR_REGIME || d.is_nan())
        .take_while(|(_, d)| *d >= floor)
        .map(|(l, d)| (l, d.ln()))
        .collect();
    if points.len() < MIN_LAYERS {
        return None;
    }
    let slope = least_squares_slope(&points);
    (slope < 0.0).then(|| DepthScaleFit {
        xi_c: -1.0 / slope,
        layers: points.len(),
    })
}

/// A run's measured `ξ_c` from its step-0 rows, where the mean field `mf` of its scheme exists;
/// the same-class correlations where every hidden row has them, else all pairs'.
pub fn measured_depth_scale(
    rows: &[LayerRow],
    mf: &MeanField,
    width: usize,
) -> Option<DepthScaleFit> {
    let hidden: Vec<&LayerRow> = rows
        .iter()
        .filter(|r| r.step == 0 && r.kind == SiteKind::Hidden)
        .collect();
    let series = |pick: fn(&LayerRow) -> Option<f64>| -> Option<Vec<f64>> {
        hidden.iter().map(|r| pick(r)).collect()
    };
    let corr = series(|r| r.corr_same_class).or_else(|| series(|r| r.corr))?;
    fit_depth_scale(&corr, mf.c_star, width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exact_exponential_gives_its_scale_back() {
        // Ordered: c^l = 1 − 0.5·e^{−l/4}; the window starts where 1 − c ≤ 0.2.
        let corr: Vec<f64> = (1..=40)
            .map(|l| 1.0 - 0.5 * (-(l as f64) / 4.0).exp())
            .collect();
        let fit = fit_depth_scale(&corr, 1.0, 256).unwrap();
        assert!((fit.xi_c - 4.0).abs() < 1e-9, "{fit:?}");
        // Layers 4..=40 have 1 − c in [1e-5, 0.2]: 0.5·e^{−4/4} = 0.18 ≤ 0.2 < 0.5·e^{−3/4}.
        let last = (1..=40)
            .filter(|&l| 0.5 * (-(l as f64) / 4.0).exp() >= 1e-5)
            .max()
            .unwrap();
        assert_eq!(fit.layers, last - 3);
    }

    #[test]
    fn the_chaotic_floor_stops_the_fit_and_flat_curves_have_none() {
        // c* = 0.4, d_l = 0.15·e^{−l/10}: at width 400 the floor is 0.05, reached after
        // l = 10·ln 3 ≈ 11, so the fit rests on layers 2..=10.
        let corr: Vec<f64> = (1..=60)
            .map(|l| 0.4 + 0.15 * (-(l as f64) / 10.0).exp())
            .collect();
        let fit = fit_depth_scale(&corr, 0.4, 400).unwrap();
        assert!((fit.xi_c - 10.0).abs() < 1e-9);
        assert_eq!(fit.layers, 9);
        // Already on the fixed point: nothing to fit.
        assert_eq!(fit_depth_scale(&[0.4; 30], 0.4, 400), None);
        // Growing away from c*: no decay, no scale.
        let growing: Vec<f64> = (1..=30).map(|l| 1.0 - 1e-4 * l as f64).collect();
        assert_eq!(fit_depth_scale(&growing, 1.0, 400), None);
    }
}
