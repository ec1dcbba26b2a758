//! How alike the units of a layer are: the statistic that shows symmetry breaking, the first
//! point of any account of initialization (Goodfellow, Bengio & Courville 2016, §8.4: units
//! with the same incoming weights compute the same function and receive the same gradient, so
//! `zeros` and `constant` weights keep them identical forever, and only a random draw tells
//! them apart).
//!
//! A unit's *activation vector* is its column `h_{·j}` of the probe batch's activations
//! (`[examples, units]`, row-major). Two statistics of a layer:
//! - `unit_similarity`: the mean over ordered pairs of distinct units `j ≠ k` of the cosine
//!   similarity of their activation vectors; two all-zero vectors count as identical (1), a
//!   zero vector and a non-zero one as unrelated (0). It is computed in `O(examples·units)`
//!   from the sum of the normalized vectors: `Σ_{j≠k} cos = ‖Σ_j ĥ_j‖² − m` over the `m`
//!   non-zero units.
//! - `distinct_units`: the number of different activation vectors, two units being the same
//!   when their vectors differ by at most [`SAME_UNIT`] times the layer's largest `|h|` in
//!   every example (so float rounding of identical computations does not count as broken
//!   symmetry). Units are sorted by a fixed ±1 projection of their vectors and only units with
//!   nearby projections are compared in full: `O(examples·units + units·log units)` for a
//!   random layer.

/// Two units are the same when their activation vectors differ by at most this fraction of
/// the layer's largest `|h|` in every example.
pub const SAME_UNIT: f64 = 1e-5;

/// `(unit_similarity, distinct_units)` of a layer's activations `h` (`[examples, units]`);
/// compiled for AVX2 where the CPU has it (the same operations in the same order).
pub fn unit_symmetry(h: &[f32], units: usize) -> (f64, usize) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { unit_symmetry_avx2(h, units) };
    }
    unit_symmetry_here(h, units)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn unit_symmetry_avx2(h: &[f32], units: usize) -> (f64, usize) {
    unit_symmetry_here(h, units)
}

#[inline(always)]
fn unit_symmetry_here(h: &[f32], units: usize) -> (f64, usize) {
    if units == 0 || h.is_empty() {
        return (f64::NAN, 0);
    }
    let examples = h.len() / units;
    let mut norm2 = vec![0f64; units];
    for row in h.chunks_exact(units) {
        for (n, &v) in norm2.iter_mut().zip(row) {
            *n += f64::from(v) * f64::from(v);
        }
    }
    let inv: Vec<f64> = norm2
        .iter()
        .map(|&n| if n > 0.0 { 1.0 / n.sqrt() } else { 0.0 })
        .collect();
    let nonzero = norm2.iter().filter(|&&n| n > 0.0).count() as f64;
    let zero = units as f64 - nonzero;
    let mut sum_norm2 = 0.0;
    for row in h.chunks_exact(units) {
        let s = lane_dot(row, &inv);
        sum_norm2 += s * s;
    }
    let similarity = if units < 2 {
        1.0
    } else {
        let pairs = (units * (units - 1)) as f64;
        // Rounding can push the mean a hair outside [-1, 1].
        (((sum_norm2 - nonzero) + zero * (zero - 1.0)) / pairs).clamp(-1.0, 1.0)
    };
    (similarity, distinct_units(h, units, examples))
}

/// `Σ v_j·w_j` in f64 over eight interleaved partial sums (a fixed order, and independent
/// chains rather than one that waits on every addition).
#[inline(always)]
fn lane_dot(v: &[f32], w: &[f64]) -> f64 {
    const LANES: usize = 8;
    let mut lanes = [0f64; LANES];
    let (vc, wc) = (v.chunks_exact(LANES), w.chunks_exact(LANES));
    let rest: f64 = vc
        .remainder()
        .iter()
        .zip(wc.remainder())
        .map(|(&a, &b)| f64::from(a) * b)
        .sum();
    for (a, b) in vc.zip(wc) {
        for i in 0..LANES {
            lanes[i] += f64::from(a[i]) * b[i];
        }
    }
    lanes.iter().sum::<f64>() + rest
}

/// The number of different activation vectors (see the module's header).
#[inline(always)]
fn distinct_units(h: &[f32], units: usize, examples: usize) -> usize {
    // The largest |h|, over eight interleaved maxima (NaN ignored, as by `f32::max`).
    let mut lanes = [0f32; 8];
    let chunks = h.chunks_exact(8);
    let rest = chunks.remainder().iter().fold(0f32, |m, v| m.max(v.abs()));
    for chunk in chunks {
        for (m, v) in lanes.iter_mut().zip(chunk) {
            *m = m.max(v.abs());
        }
    }
    let scale = f64::from(lanes.iter().fold(rest, |m, &v| m.max(v)));
    if !scale.is_finite() {
        return units;
    }
    let tolerance = SAME_UNIT * scale;
    // A fixed ±1 pattern over the examples: identical units have projections within
    // `examples · tolerance` of each other.
    let sign = |e: usize| {
        if (e * 2_654_435_761) & 0x100 == 0 {
            1.0
        } else {
            -1.0
        }
    };
    let mut projection = vec![0f64; units];
    for (e, row) in h.chunks_exact(units).enumerate() {
        for (p, &v) in projection.iter_mut().zip(row) {
            *p += sign(e) * f64::from(v);
        }
    }
    let mut order: Vec<usize> = (0..units).collect();
    order.sort_by(|&a, &b| projection[a].total_cmp(&projection[b]).then(a.cmp(&b)));
    let window = examples as f64 * tolerance;
    let same = |a: usize, b: usize| {
        h.chunks_exact(units)
            .all(|row| (f64::from(row[a]) - f64::from(row[b])).abs() <= tolerance)
    };
    // Representatives of the classes found so far, in projection order.
    let mut representatives: Vec<usize> = Vec::new();
    for &unit in &order {
        let close = representatives
            .iter()
            .rev()
            .take_while(|&&r| projection[unit] - projection[r] <= window)
            .any(|&r| same(unit, r));
        if !close {
            representatives.push(unit);
        }
    }
    representatives.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 3 examples × 3 units by hand: units 0 and 2 are the same vector (1, 2, 2), unit 1 is
    /// (2, 0, 0); cos(u0, u1) = 2/(3·2) = 1/3, cos(u0, u2) = 1.
    #[test]
    fn similarity_and_distinct_units_by_hand() {
        let h = [1.0, 2.0, 1.0, 2.0, 0.0, 2.0, 2.0, 0.0, 2.0];
        let (similarity, distinct) = unit_symmetry(&h, 3);
        let expected = 2.0 * (1.0 / 3.0 + 1.0 + 1.0 / 3.0) / 6.0;
        assert!((similarity - expected).abs() < 1e-12, "{similarity}");
        assert_eq!(distinct, 2);
    }

    #[test]
    fn the_avx2_build_gives_the_same_bits() {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            let h: Vec<f32> = (0..37 * 53)
                .map(|i| (((i * 7919) % 4001) as f32 / 500.0 - 4.0).tanh())
                .collect();
            // SAFETY: the CPU supports AVX2, checked above.
            let fast = unsafe { unit_symmetry_avx2(&h, 53) };
            let plain = unit_symmetry_here(&h, 53);
            assert_eq!(fast.0.to_bits(), plain.0.to_bits());
            assert_eq!(fast.1, plain.1);
        }
    }

    #[test]
    fn identical_units_are_one_even_when_all_zero() {
        assert_eq!(unit_symmetry(&[0.0; 12], 4), (1.0, 1));
        let (similarity, distinct) = unit_symmetry(&[0.3, 0.3, -0.1, -0.1], 2);
        assert!((similarity - 1.0).abs() < 1e-12);
        assert_eq!(distinct, 1);
        // A zero unit beside a non-zero one: unrelated.
        let (similarity, distinct) = unit_symmetry(&[0.0, 1.0, 0.0, 2.0], 2);
        assert!(
            similarity.abs() < 1e-12 && distinct == 2,
            "{similarity}, {distinct}"
        );
    }

    /// Rounding-level differences do not break symmetry; a real difference does, wherever
    /// the units fall in projection order.
    #[test]
    fn the_tolerance_is_relative_to_the_layer() {
        let h = [
            1.0,
            1.0 + 1e-7,
            1e-3,
            1e-3,
            1.0,
            1.0 + 1e-7,
            1e-3,
            1e-3 + 1e-8,
        ];
        assert_eq!(unit_symmetry(&h, 4).1, 2);
        let mut random: Vec<f32> = (0..64 * 32)
            .map(|i| ((i * 7919 % 1013) as f32 / 1013.0) - 0.5)
            .collect();
        assert_eq!(unit_symmetry(&random, 32).1, 32);
        // Copy unit 5 into units 9 and 30.
        for row in random.chunks_exact_mut(32) {
            row[9] = row[5];
            row[30] = row[5];
        }
        assert_eq!(unit_symmetry(&random, 32).1, 30);
    }
}
