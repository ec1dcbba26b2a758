//! One row of `layers.csv`: a probe site's statistics at one probe step (the column contract;
//! the definitions are in `net::metrics` and docs/results.md).

use serde::{Deserialize, Serialize};

use crate::net::metrics::LayerStats;
use crate::net::{Site, SiteKind};

/// One row of `layers.csv`: one layer's statistics at one probe step (see `net::metrics`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LayerRow {
    pub run_id: String,
    /// Updates performed before the probe (0 = at initialization).
    pub step: usize,
    /// The probe site, 1-based in the network's site order (for an MLP: the layer, `depth + 1`
    /// the read-out).
    pub layer: usize,
    pub pre_mean: f64,
    pub pre_var: f64,
    pub act_mean: f64,
    pub act_var: f64,
    pub saturation: f64,
    pub dead_frac: f64,
    pub grad_var: f64,
    /// Empty for a site without a weight (the residual stream after a block).
    pub wgrad_var: Option<f64>,
    pub weight_var: Option<f64>,
    pub kind: SiteKind,
    /// Mean-field prediction of `pre_var` for this run's network (step 0 only; empty for
    /// schemes without a mean-field description).
    pub pre_var_theory: Option<f64>,
    /// Prediction of `act_var` (step 0 only).
    pub act_var_theory: Option<f64>,
    /// Prediction of `grad_var` from the measured output-layer gradient (step 0, hidden
    /// layers only).
    pub grad_var_theory: Option<f64>,
    /// Mean pairwise cosine similarity of the units' activation vectors over the probe batch
    /// (see `net::symmetry`).
    pub unit_similarity: f64,
    /// Units with different activation vectors over the probe batch (1: symmetry unbroken;
    /// units dead on every probe example are all the same zero vector).
    pub distinct_units: usize,
    /// Mean cosine similarity of pairs of probe examples' pre-activations `z^l` (all pairs of
    /// the first 64; see `net::correlation`); empty when no pair has an angle.
    pub corr: Option<f64>,
    /// The same over pairs of the same class (classification only).
    pub corr_same_class: Option<f64>,
    /// The same over pairs of different classes (classification only).
    pub corr_diff_class: Option<f64>,
    /// Mean-field prediction of `corr` (step 0 only): the c-map iterated from each pair's
    /// inputs (see `theory::correlation`).
    pub corr_theory: Option<f64>,
    /// `‖∂L/∂W‖_F / ‖W‖_F` of the gradient probed; empty when `W = 0`.
    pub rel_grad: Option<f64>,
    /// `‖W_{t+1} − W_t‖_F / ‖W_t‖_F` of the update made right after this probe (by the
    /// optimizer, on that step's training batch); empty after the last step and when `W_t = 0`.
    pub update_ratio: Option<f64>,
    /// The largest singular value of `W` (at the probes that compute spectra: by default at
    /// initialization and after the last step; see `net::spectra`).
    pub spectral_norm: Option<f64>,
    /// `‖W‖_F² / ‖W‖_2²`; empty when `W = 0`.
    pub stable_rank: Option<f64>,
    /// The Kolmogorov–Smirnov distance of `W`'s squared singular values from the
    /// Marchenko–Pastur law of the scheme that drew it (i.i.d. schemes only).
    pub mp_distance: Option<f64>,
    /// Quantiles of `h^l` over the probe entries at TensorBoard's levels, in basis points
    /// (`net::quantiles`): the minimum, 6.68 %, 15.87 %, 30.85 %, the median, 69.15 %,
    /// 84.13 %, 93.32 % and the maximum; empty if an entry is not finite.
    pub act_q0000: Option<f64>,
    pub act_q0668: Option<f64>,
    pub act_q1587: Option<f64>,
    pub act_q3085: Option<f64>,
    pub act_q5000: Option<f64>,
    pub act_q6915: Option<f64>,
    pub act_q8413: Option<f64>,
    pub act_q9332: Option<f64>,
    pub act_q10000: Option<f64>,
    /// `mean|z^l|` over the probe entries: the "l1" of μP's coordinate check (Yang et al.
    /// 2022) for the layer's linear map; empty in results written before the column existed.
    pub pre_abs_mean: Option<f64>,
    /// `mean|h^l|`, the same for the activation.
    pub act_abs_mean: Option<f64>,
    /// The residual block of the site (0: the input projection); empty outside residual
    /// networks.
    #[serde(default)]
    pub block: Option<usize>,
    /// On the stream after a residual block: `Var(x_b − x_{b−1})/Var(x_{b−1})` over the probe
    /// entries, the variance the block's branch added over the stream's before it.
    #[serde(default)]
    pub branch_ratio: Option<f64>,
    /// The time step (1-based) of a recurrent network's state or cell; empty elsewhere.
    #[serde(default)]
    pub time: Option<usize>,
    /// On an LSTM's cell: the mean forget gate `f_t` over the probe entries.
    #[serde(default)]
    pub forget_gate: Option<f64>,
    /// `true` when every back-propagated gradient entry at the site is exactly 0 (underflow
    /// through time, or a layer behind a zero layer): `grad_var` is then 0.
    #[serde(default)]
    pub grad_zero: bool,
}

impl LayerRow {
    pub fn new(run_id: &str, step: usize, layer: usize, site: &Site, s: &LayerStats) -> Self {
        let q = s.act_quantiles;
        LayerRow {
            run_id: run_id.to_string(),
            step,
            layer,
            pre_mean: s.pre_mean,
            pre_var: s.pre_var,
            act_mean: s.act_mean,
            act_var: s.act_var,
            saturation: s.saturation,
            dead_frac: s.dead_frac,
            grad_var: s.grad_var,
            wgrad_var: s.wgrad_var,
            weight_var: s.weight_var,
            kind: site.kind,
            pre_var_theory: None,
            act_var_theory: None,
            grad_var_theory: None,
            unit_similarity: s.unit_similarity,
            distinct_units: s.distinct_units,
            corr: s.correlations.all,
            corr_same_class: s.correlations.same_class,
            corr_diff_class: s.correlations.different_class,
            corr_theory: None,
            rel_grad: s.rel_grad,
            update_ratio: None,
            spectral_norm: None,
            stable_rank: None,
            mp_distance: None,
            act_q0000: q.map(|q| q[0]),
            act_q0668: q.map(|q| q[1]),
            act_q1587: q.map(|q| q[2]),
            act_q3085: q.map(|q| q[3]),
            act_q5000: q.map(|q| q[4]),
            act_q6915: q.map(|q| q[5]),
            act_q8413: q.map(|q| q[6]),
            act_q9332: q.map(|q| q[7]),
            act_q10000: q.map(|q| q[8]),
            pre_abs_mean: Some(s.pre_abs_mean),
            act_abs_mean: Some(s.act_abs_mean),
            block: site.block,
            branch_ratio: s.branch_ratio,
            time: site.time,
            forget_gate: s.forget_gate,
            grad_zero: s.grad_zero,
        }
    }

    /// The site's position along the network's depth: the hidden layer (1-based) of an MLP,
    /// the block of a residual stream site (0: the input projection), the time step of a
    /// recurrent network's state; `None` for the read-out, the layers inside residual branches
    /// and an LSTM's cells.
    pub fn depth_index(&self) -> Option<usize> {
        match self.kind {
            SiteKind::Hidden => Some(self.layer),
            SiteKind::Stream => self.block,
            SiteKind::State => self.time,
            SiteKind::Branch | SiteKind::Cell | SiteKind::Output => None,
        }
    }

    /// The nine activation quantiles, lowest first, when the row has them.
    pub fn act_quantiles(&self) -> Option<[f64; 9]> {
        Some([
            self.act_q0000?,
            self.act_q0668?,
            self.act_q1587?,
            self.act_q3085?,
            self.act_q5000?,
            self.act_q6915?,
            self.act_q8413?,
            self.act_q9332?,
            self.act_q10000?,
        ])
    }
}
