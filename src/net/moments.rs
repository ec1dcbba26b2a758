//! Mean and variance of a slice of f32 values, in f64, in one vectorized pass: what every
//! variance of `layers.csv` (and LSUV's) is computed with.

/// Mean and population variance, accumulated in f64 in one pass over the values shifted by
/// the first one (so the sums of squares do not cancel when the mean is large against the
/// spread: the shifted mean is of the order of the standard deviation).
pub fn mean_var(values: &[f32]) -> (f64, f64) {
    let Some(&first) = values.first() else {
        return (f64::NAN, f64::NAN);
    };
    let n = values.len() as f64;
    let shift = f64::from(first);
    let (sum, squares) = shifted_sums(values, shift);
    let mean = sum / n;
    let var = squares / n - mean * mean;
    // Rounding can leave a tiny negative variance. Non-finite values give NaN, which must stay
    // NaN: `f64::max(NaN, 0.0)` is 0, which would report an overflowed layer as a silent one.
    (shift + mean, if var < 0.0 { 0.0 } else { var })
}

/// `(Σ(v − shift), Σ(v − shift)²)` in f64 over sixteen interleaved partial sums: a fixed
/// order, so every run gives the same bits, and independent chains that vectorize (in AVX2
/// registers where the CPU has them: four vectors of four lanes per sum, enough to hide the
/// latency of the additions).
fn shifted_sums(values: &[f32], shift: f64) -> (f64, f64) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { avx2(values, shift) };
    }
    generic(values, shift)
}

/// The interleaved partial sums of [`shifted_sums`].
const LANES: usize = 16;
#[inline(always)]
fn finish(sum: &[f64; LANES], squares: &[f64; LANES], rest: &[f32], shift: f64) -> (f64, f64) {
    let (mut s, mut q) = (sum.iter().sum::<f64>(), squares.iter().sum::<f64>());
    for &v in rest {
        let d = f64::from(v) - shift;
        s += d;
        q += d * d;
    }
    (s, q)
}
#[inline(always)]
fn generic(values: &[f32], shift: f64) -> (f64, f64) {
    let (mut sum, mut squares) = ([0f64; LANES], [0f64; LANES]);
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for i in 0..LANES {
            let d = f64::from(chunk[i]) - shift;
            sum[i] += d;
            squares[i] += d * d;
        }
    }
    finish(&sum, &squares, rest, shift)
}
/// `generic` written out in AVX2 intrinsics (the compiler does not vectorize the
/// widening), adding the same lanes in the same order, so the result is bit for bit the
/// same.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn avx2(values: &[f32], shift: f64) -> (f64, f64) {
    use std::arch::x86_64::*;
    let by = _mm256_set1_pd(shift);
    let mut s = [_mm256_setzero_pd(); 4];
    let mut q = [_mm256_setzero_pd(); 4];
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for k in 0..4 {
            // SAFETY: `chunk` holds 16 f32s, so 4k..4k+4 is in bounds; the load is
            // unaligned.
            let v = unsafe { _mm_loadu_ps(chunk.as_ptr().add(4 * k)) };
            let d = _mm256_sub_pd(_mm256_cvtps_pd(v), by);
            s[k] = _mm256_add_pd(s[k], d);
            q[k] = _mm256_add_pd(q[k], _mm256_mul_pd(d, d));
        }
    }
    let lanes = |v: [__m256d; 4]| {
        let mut out = [0f64; LANES];
        for (k, v) in v.into_iter().enumerate() {
            // SAFETY: `out` has room for four vectors of 4 f64s.
            unsafe { _mm256_storeu_pd(out.as_mut_ptr().add(4 * k), v) };
        }
        out
    };
    finish(&lanes(s), &lanes(q), rest, shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_var_is_the_population_variance() {
        let (m, v) = mean_var(&[1.0, 2.0, 3.0, 6.0]);
        assert_eq!(m, 3.0);
        assert_eq!(v, (4.0 + 1.0 + 0.0 + 9.0) / 4.0);
    }

    /// The one-pass, shifted, vectorized sums against a plain two-pass computation, on values
    /// with a mean far from zero and a length that leaves a remainder after the 16 lanes.
    #[test]
    fn mean_var_matches_two_passes() {
        let values: Vec<f32> = (0..1003)
            .map(|i| 1000.0 + ((i * 7919) % 1009) as f32 * 0.01)
            .collect();
        let n = values.len() as f64;
        let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let var = values
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / n;
        let (m, v) = mean_var(&values);
        assert!((m - mean).abs() < 1e-12 * mean, "{m} vs {mean}");
        assert!((v - var).abs() < 1e-9 * var, "{v} vs {var}");
        assert_eq!(mean_var(&[2.5; 9]), (2.5, 0.0));
    }

    #[test]
    fn the_avx2_sums_give_the_same_bits() {
        let values: Vec<f32> = (0..1003)
            .map(|i| ((i * 7919) % 1009) as f32 * 0.37 - 150.0)
            .collect();
        let plain = generic(&values, 1.5);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            assert_eq!(unsafe { avx2(&values, 1.5) }, plain);
        }
    }

    #[test]
    fn non_finite_values_give_nan_never_zero_variance() {
        for values in [
            vec![1.0, f32::INFINITY, 2.0],
            vec![f32::INFINITY; 4],
            vec![f32::NEG_INFINITY, f32::INFINITY],
            vec![0.5, f32::NAN],
        ] {
            let (_, var) = mean_var(&values);
            assert!(var.is_nan(), "{values:?}: variance {var}");
        }
    }
}
