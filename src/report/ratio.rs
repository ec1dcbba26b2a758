//! The ratio the signal-propagation table and sentence report: a last over a first variance
//! at initialization, the median over seeds, with "both zero" kept as a finding of its own.

use crate::charts::number;
use crate::store::results::quantile;

/// The ratio of two layers' variances, median over seeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ratio {
    Value(f64),
    /// Both layers have variance exactly 0 in most seeds (zero or constant weights): 0/0 is
    /// no number, but it is a finding, not a missing value.
    ZeroVariance,
}

impl Ratio {
    /// The median over seeds of `last / first` for each seed's `(first, last)` variances.
    pub fn median(pairs: &[(f64, f64)]) -> Option<Self> {
        let zero = pairs.iter().filter(|(f, l)| *f == 0.0 && *l == 0.0).count();
        if pairs.is_empty() {
            return None;
        }
        if 2 * zero > pairs.len() {
            return Some(Ratio::ZeroVariance);
        }
        let ratios: Vec<f64> = pairs
            .iter()
            .filter(|(f, l)| !(*f == 0.0 && *l == 0.0))
            .map(|(f, l)| l / f)
            .collect();
        quantile(&ratios, 0.5).map(Ratio::Value)
    }
}

impl std::fmt::Display for Ratio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ratio::ZeroVariance => f.write_str("0 (zero variance)"),
            Ratio::Value(v) if v.is_nan() => f.write_str("NaN (non-finite values)"),
            Ratio::Value(v) => f.write_str(&number(*v)),
        }
    }
}
