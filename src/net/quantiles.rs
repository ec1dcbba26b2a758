//! The distribution of a layer's activations in nine numbers: the quantiles TensorBoard's
//! distribution view draws (its `compressed histogram`: 0, 6.68, 15.87, 30.85, 50, 69.15,
//! 84.13, 93.32 and 100 %, the normal distribution's −∞, −1.5σ, −σ, −σ/2, 0, σ/2, σ, 1.5σ and
//! +∞), so that charts can draw bands of the distribution over training from every probe
//! without storing a histogram at each.
//!
//! Quantile `p` of `n` values is the order statistic of rank `round(p·(n − 1))` (0-based; the
//! nearest rank: at the thousands of entries of a probe it differs from an interpolated
//! quantile by less than the gap between two neighbouring values). The extremes are a scan;
//! the seven others are placed by selection (`select_nth_unstable`, O(n)) on one copy of the
//! values (as integers ordered like them): the median first, then each lower level within the part left of the previous one
//! and each upper level within the part right of it, about 3n comparisons in all (a fifth of
//! a layer's other statistics at 128 examples, measured by `cargo bench --bench components`),
//! on a strided sample of [`QUANTILE_SAMPLE`] entries.

/// The seven inner quantiles are of at most this many entries, evenly strided over the
/// layer's (every `⌈n/4096⌉`-th): the standard error of a quantile's level is then below
/// 0.8 percentage points (`√(p(1−p)/4096)`), plenty for bands, at a cost that does not grow
/// with the batch or the width. The extremes are of every entry.
pub const QUANTILE_SAMPLE: usize = 4096;

/// The levels, in basis points, as TensorBoard names them.
pub const BASIS_POINTS: [u32; 9] = [0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000];

/// The quantiles of `values` at [`BASIS_POINTS`]; `None` for no value or a non-finite one.
#[inline]
pub fn quantiles(values: &[f32]) -> Option<[f64; 9]> {
    let (min, max) = finite_extremes(values)?;
    let stride = values.len().div_ceil(QUANTILE_SAMPLE);
    let sample: Vec<f32> = values.iter().step_by(stride).copied().collect();
    let n = sample.len();
    let ranks = BASIS_POINTS.map(|bp| (f64::from(bp) / 10_000.0 * (n - 1) as f64).round() as usize);
    // Integer keys in the order of the values (IEEE 754's total order, as `f32::total_cmp`):
    // selection on them is a third faster than on the floats.
    let mut a: Vec<i32> = sample.iter().map(|&v| key(v)).collect();
    let place = |a: &mut [i32], lo: usize, hi: usize, k: usize| {
        a[lo..hi].select_nth_unstable(k - lo);
    };
    let median = ranks[4];
    place(&mut a, 0, n, median);
    // Everything left of a placed rank is at most its value, everything right at least.
    let mut hi = median;
    for &k in ranks[1..4].iter().rev() {
        if k < hi {
            place(&mut a, 0, hi, k);
            hi = k;
        }
    }
    let mut lo = median + 1;
    for &k in &ranks[5..8] {
        if k >= lo {
            place(&mut a, lo, n, k);
            lo = k + 1;
        }
    }
    let mut out = ranks.map(|k| f64::from(value(a[k])));
    out[0] = f64::from(min);
    out[8] = f64::from(max);
    Some(out)
}

/// The smallest and largest of `values` in one pass over sixteen interleaved lanes; `None`
/// when there is none or one is not finite.
#[inline]
fn finite_extremes(values: &[f32]) -> Option<(f32, f32)> {
    const LANES: usize = 16;
    let (mut lo, mut hi) = ([f32::INFINITY; LANES], [f32::NEG_INFINITY; LANES]);
    let mut finite_lanes = [true; LANES];
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for i in 0..LANES {
            let v = chunk[i];
            lo[i] = if v < lo[i] { v } else { lo[i] };
            hi[i] = if v > hi[i] { v } else { hi[i] };
            finite_lanes[i] &= v.is_finite();
        }
    }
    let mut min = lo.iter().copied().fold(f32::INFINITY, f32::min);
    let mut max = hi.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut finite = finite_lanes.iter().all(|&f| f);
    for &v in rest {
        finite &= v.is_finite();
        min = min.min(v);
        max = max.max(v);
    }
    (finite && !values.is_empty()).then_some((min, max))
}

/// The integer whose order is that of `v` (negative values' magnitude bits flipped).
#[inline]
fn key(v: f32) -> i32 {
    let bits = v.to_bits() as i32;
    bits ^ (((bits >> 31) as u32) >> 1) as i32
}

/// The value of a [`key`].
#[inline]
fn value(k: i32) -> f32 {
    f32::from_bits((k ^ (((k >> 31) as u32) >> 1) as i32) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same ranks from a full sort.
    fn by_sorting(values: &[f32]) -> [f64; 9] {
        let mut sorted = values.to_vec();
        sorted.sort_by(f32::total_cmp);
        let n = sorted.len();
        BASIS_POINTS.map(|bp| {
            f64::from(sorted[(f64::from(bp) / 10_000.0 * (n - 1) as f64).round() as usize])
        })
    }

    #[test]
    fn quantiles_agree_with_a_full_sort() {
        // 0..=4000 shuffled (every entry in the sample): quantile p is 4000·p, rounded.
        let v: Vec<f32> = (0..=4000).map(|i| ((i * 7919) % 4001) as f32).collect();
        let q = quantiles(&v).unwrap();
        for (q, bp) in q.iter().zip(BASIS_POINTS) {
            assert_eq!(*q, (f64::from(bp) * 0.4).round(), "{bp}");
        }
        // Ties, a heavy tail and every small size, against sorting.
        for n in 1..60 {
            let v: Vec<f32> = (0..n)
                .map(|i| (((i * 37) % 11) as f32 - 5.0).powi(3) / 7.0)
                .collect();
            assert_eq!(quantiles(&v).unwrap(), by_sorting(&v), "n = {n}");
        }
    }

    #[test]
    fn a_large_layer_is_sampled_within_a_fraction_of_a_level() {
        // 100,001 values 0..=100,000 shuffled: the strided sample's quantiles within 1% of
        // the range of the exact ones; the extremes exact.
        let v: Vec<f32> = (0..=100_000u64)
            .map(|i| ((i * 7919) % 100_001) as f32)
            .collect();
        let q = quantiles(&v).unwrap();
        assert_eq!((q[0], q[8]), (0.0, 100_000.0));
        for (q, bp) in q.iter().zip(BASIS_POINTS) {
            assert!((q - f64::from(bp) * 10.0).abs() < 1_000.0, "{bp}: {q}");
        }
    }

    #[test]
    fn quantiles_of_four_values_by_hand() {
        // n = 4: ranks round(p·3): 0, 0, 0, 1, 2, 2, 3, 3, 3.
        let q = quantiles(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(q, [1.0, 1.0, 1.0, 2.0, 3.0, 3.0, 4.0, 4.0, 4.0]);
        assert_eq!(quantiles(&[7.0]).unwrap(), [7.0; 9]);
        assert_eq!(quantiles(&[]), None);
        assert_eq!(quantiles(&[1.0, f32::NAN]), None);
    }
}
