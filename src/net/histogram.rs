//! A histogram of one layer's activations on the probe batch, as `histograms.csv` records it
//! at initialization and after the last step.

/// Bins of a histogram of activations.
pub const HISTOGRAM_BINS: usize = 40;

/// A histogram of one layer's activations on the probe batch: the entries that are exactly 0
/// (ReLU's inactive units, which would otherwise fill one bin and flatten the rest) apart,
/// and the other finite entries in `HISTOGRAM_BINS` equal bins over their own `[min, max]`,
/// bounded activations included, so a vanishing tanh layer is still resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub lo: f64,
    pub hi: f64,
    pub counts: Vec<u64>,
    /// Entries exactly 0.
    pub zeros: u64,
}

impl Histogram {
    pub fn of(values: &[f32]) -> Self {
        let rest = values
            .iter()
            .map(|&v| f64::from(v))
            .filter(|v| v.is_finite() && *v != 0.0);
        let zeros = values.iter().filter(|&&v| v == 0.0).count() as u64;
        let (lo, hi) = rest
            .clone()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        let (lo, hi) = if lo.is_finite() && hi > lo {
            (lo, hi)
        } else if lo.is_finite() {
            (lo - 0.5 * lo.abs(), lo + 0.5 * lo.abs())
        } else {
            (-1.0, 1.0)
        };
        let mut counts = vec![0; HISTOGRAM_BINS];
        let width = (hi - lo) / HISTOGRAM_BINS as f64;
        for v in rest {
            let bin = (((v - lo) / width) as usize).min(HISTOGRAM_BINS - 1);
            counts[bin] += 1;
        }
        Histogram {
            lo,
            hi,
            counts,
            zeros,
        }
    }

    /// `(lo, hi, count)` of every bin, then `(0, 0, zeros)`: the exact zeros as a bin of no
    /// width.
    pub fn bins(&self) -> impl Iterator<Item = (f64, f64, u64)> + '_ {
        let width = (self.hi - self.lo) / self.counts.len() as f64;
        self.counts
            .iter()
            .enumerate()
            .map(move |(bin, &count)| {
                (
                    self.lo + bin as f64 * width,
                    self.lo + (bin + 1) as f64 * width,
                    count,
                )
            })
            .chain(std::iter::once((0.0, 0.0, self.zeros)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_count_every_value_once_with_exact_zeros_apart() {
        let h = Histogram::of(&[-1.0, -0.99, 0.0, 0.5, 1.0, f32::NAN]);
        assert_eq!((h.lo, h.hi, h.zeros), (-1.0, 1.0, 1));
        assert_eq!(h.counts.iter().sum::<u64>(), 4);
        assert_eq!((h.counts[0], h.counts[30], h.counts[39]), (2, 1, 1));
        // The bins follow the values' own spread, also for a bounded activation.
        let tiny = Histogram::of(&[2e-6, 4e-6, 3e-6, 0.0, -0.0]);
        assert_eq!(
            (tiny.lo, tiny.hi, tiny.counts[39], tiny.zeros),
            (2e-6f32 as f64, 4e-6f32 as f64, 1, 2)
        );
        let bins: Vec<(f64, f64, u64)> = tiny.bins().collect();
        assert_eq!(bins.len(), HISTOGRAM_BINS + 1);
        assert_eq!(bins[HISTOGRAM_BINS], (0.0, 0.0, 2));
        assert_eq!(bins.iter().map(|b| b.2).sum::<u64>(), 5);
        let constant = Histogram::of(&[0.5; 4]);
        assert_eq!(
            (
                constant.lo,
                constant.hi,
                constant.counts.iter().sum::<u64>()
            ),
            (0.25, 0.75, 4)
        );
        let all_zero = Histogram::of(&[0.0; 4]);
        assert_eq!(
            (all_zero.zeros, all_zero.counts.iter().sum::<u64>()),
            (4, 0)
        );
    }
}
