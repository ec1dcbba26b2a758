//! The statistics claims and the report share: the least-squares slope of a line through
//! points, and the Mann–Whitney U test (Wilcoxon rank-sum; Mann & Whitney 1947), two-sided or one-sided:
//! exact by enumerating every split of the pooled sample when it has at most 20 values
//! (mid-ranks for ties, so ties and censored values, written as +∞, are handled exactly), else
//! the normal approximation with the tie correction and a continuity correction of ½ (as
//! SciPy's `mannwhitneyu(method="asymptotic")`).
/// The least-squares slope of `y` against `x` (NaN for fewer than two distinct `x`).
pub fn least_squares_slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let (sxy, sxx) = points.iter().fold((0.0, 0.0), |(sxy, sxx), (x, y)| {
        (sxy + (x - mx) * (y - my), sxx + (x - mx) * (x - mx))
    });
    sxy / sxx
}

/// Mid-ranks (1-based) of `values`.
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut r = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let mid = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            r[k] = mid;
        }
        i = j + 1;
    }
    r
}

/// The alternative hypothesis of a test of samples `a` against `b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alternative {
    /// `a` and `b` differ in location.
    TwoSided,
    /// `a` is stochastically smaller than `b`.
    Less,
    /// `a` is stochastically larger than `b`.
    Greater,
}

/// `U` of the first sample and the two-sided p-value.
pub fn mann_whitney(a: &[f64], b: &[f64]) -> (f64, f64) {
    mann_whitney_test(a, b, Alternative::TwoSided)
}

/// `U` of the first sample and the p-value for `alternative`.
pub fn mann_whitney_test(a: &[f64], b: &[f64], alternative: Alternative) -> (f64, f64) {
    let (n1, n2) = (a.len(), b.len());
    if n1 == 0 || n2 == 0 {
        return (f64::NAN, 1.0);
    }
    let pooled: Vec<f64> = a.iter().chain(b).copied().collect();
    let r = ranks(&pooled);
    let u_of = |members: &[usize]| {
        members.iter().map(|&i| r[i]).sum::<f64>() - (n1 * (n1 + 1)) as f64 / 2.0
    };
    let u = u_of(&(0..n1).collect::<Vec<_>>());
    let mean = (n1 * n2) as f64 / 2.0;
    let n = n1 + n2;
    if n <= 20 {
        // A split is as extreme as the observed one within rounding of the mid-ranks.
        let extreme = |v: f64| match alternative {
            Alternative::TwoSided => (v - mean).abs() >= (u - mean).abs() - 1e-9,
            Alternative::Less => v <= u + 1e-9,
            Alternative::Greater => v >= u - 1e-9,
        };
        let (mut hits, mut total) = (0u64, 0u64);
        let mut members: Vec<usize> = (0..n1).collect();
        loop {
            total += 1;
            if extreme(u_of(&members)) {
                hits += 1;
            }
            // Next combination of n1 out of n, in lexicographic order.
            let Some(i) = (0..n1).rev().find(|&i| members[i] < n - n1 + i) else {
                break;
            };
            members[i] += 1;
            for k in i + 1..n1 {
                members[k] = members[k - 1] + 1;
            }
        }
        return (u, hits as f64 / total as f64);
    }
    let mut counts = std::collections::HashMap::new();
    for v in &pooled {
        *counts.entry(v.to_bits()).or_insert(0usize) += 1;
    }
    let ties: f64 = counts.values().map(|&t| (t * t * t - t) as f64).sum();
    let var = (n1 * n2) as f64 / 12.0 * ((n + 1) as f64 - ties / (n * (n - 1)) as f64);
    if var <= 0.0 {
        return (u, 1.0);
    }
    let sd = var.sqrt();
    let cdf = crate::activation::std_normal_cdf;
    let p = match alternative {
        Alternative::TwoSided => {
            let z = ((u - mean).abs() - 0.5).max(0.0) / sd;
            2.0 * (1.0 - cdf(z))
        }
        Alternative::Less => cdf((u - mean + 0.5) / sd),
        Alternative::Greater => 1.0 - cdf((u - mean - 0.5) / sd),
    };
    (u, p.min(1.0))
}

/// The smallest p-value a one-sided test of `n1` against `n2` values can reach (complete
/// separation: one split of the `C(n1 + n2, n1)`); 0 when either sample is large enough that
/// the bound does not matter (more than 20 values in all).
pub fn min_one_sided_p(n1: usize, n2: usize) -> f64 {
    if n1 == 0 || n2 == 0 {
        return 1.0;
    }
    if n1 + n2 > 20 {
        return 0.0;
    }
    let splits = (1..=n1).fold(1.0, |c, k| c * (n2 + k) as f64 / k as f64);
    1.0 / splits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_p_values_match_hand_counts() {
        // Complete separation of 3 vs 3: 2 of the C(6,3) = 20 splits are as extreme.
        let (u, p) = mann_whitney(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]);
        assert_eq!(u, 0.0);
        assert!((p - 0.1).abs() < 1e-12);
        // 2 vs 2 can never reach 5%: the smallest p is 2/6.
        let (_, p) = mann_whitney(&[1.0, 2.0], &[3.0, 4.0]);
        assert!((p - 1.0 / 3.0).abs() < 1e-12);
        // Identical samples: p = 1.
        assert_eq!(mann_whitney(&[1.0, 1.0], &[1.0, 1.0]).1, 1.0);
        // Censored values (+inf) tie with each other.
        let (_, p) = mann_whitney(&[1.0, 2.0, 3.0, 4.0], &[f64::INFINITY; 4]);
        assert!((p - 2.0 / 70.0).abs() < 1e-12);
    }

    #[test]
    fn the_normal_approximation_agrees_with_scipy() {
        // scipy.stats.mannwhitneyu(range(0, 12), range(6, 18), method="asymptotic")
        // (SciPy 1.17.1): U = 18.0, p = 0.0019823713592535333.
        let a: Vec<f64> = (0..12).map(f64::from).collect();
        let b: Vec<f64> = (6..18).map(f64::from).collect();
        let (u, p) = mann_whitney(&a, &b);
        assert_eq!(u, 18.0);
        assert!((p - 0.001_982_371_359_253_533_3).abs() < 1e-12, "p = {p}");
        // One-sided halves of it, with the continuity correction toward the mean.
        let (_, less) = mann_whitney_test(&a, &b, Alternative::Less);
        assert!((less - p / 2.0).abs() < 1e-12, "p = {less}");
        let (_, greater) = mann_whitney_test(&a, &b, Alternative::Greater);
        assert!(greater > 0.99, "p = {greater}");
    }

    #[test]
    fn one_sided_exact_p_values_match_hand_counts() {
        // 3 below 3: 1 of the 20 splits is as extreme in that direction.
        let (_, p) = mann_whitney_test(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0], Alternative::Less);
        assert!((p - 0.05).abs() < 1e-12);
        let (_, p) = mann_whitney_test(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0], Alternative::Greater);
        assert!((p - 1.0).abs() < 1e-12);
        // 4 finite against 4 censored: 1/70.
        let (_, p) = mann_whitney_test(
            &[1.0, 2.0, 3.0, 4.0],
            &[f64::INFINITY; 4],
            Alternative::Less,
        );
        assert!((p - 1.0 / 70.0).abs() < 1e-12);
        assert!((min_one_sided_p(3, 3) - 0.05).abs() < 1e-12);
        assert!((min_one_sided_p(2, 2) - 1.0 / 6.0).abs() < 1e-12);
    }
}
