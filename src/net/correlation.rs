//! How alike a layer makes two inputs: the other half of mean-field signal propagation (Poole
//! et al. 2016, "Exponential expressivity in deep neural networks through transient chaos",
//! eq. 5; Schoenholz et al. 2017). In the ordered phase every pair of inputs is driven to the
//! same direction (`c^l → 1`), in the chaotic phase to a fixed angle `c* < 1`; how fast they
//! get there is the depth scale `ξ_c` that bounds the trainable depth.
//!
//! For the first [`PAIR_EXAMPLES`] examples of the probe batch and every pair `i < j` of them,
//! `c^l_ij = ⟨z^l_i, z^l_j⟩ / (‖z^l_i‖·‖z^l_j‖)` over the layer's units, the cosine similarity of
//! the two examples' pre-activations. A layer reports the mean over all pairs, and, for
//! classification, over the pairs of the same class and of different classes. Pairs in which
//! one pre-activation is exactly zero have no angle and are left out; a layer with no pair
//! left has no value. `O(PAIR_EXAMPLES²·units)` per layer.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};

/// The probe examples whose pairs are compared: all pairs of the first 64 (2,016 pairs).
pub const PAIR_EXAMPLES: usize = 64;

/// A layer's mean pairwise correlations.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Correlations {
    /// Over every pair.
    pub all: Option<f64>,
    /// Over the pairs of two examples of the same class.
    pub same_class: Option<f64>,
    /// Over the pairs of examples of different classes.
    pub different_class: Option<f64>,
}

/// The mean pairwise cosine similarities of the rows of `z` (`[examples, units]`, row-major),
/// of the first [`PAIR_EXAMPLES`] rows; `labels` (one per example) splits them by class.
pub fn pair_correlations(z: &[f32], units: usize, labels: Option<&[u32]>) -> Correlations {
    if units == 0 {
        return Correlations::default();
    }
    let n = (z.len() / units).min(PAIR_EXAMPLES);
    // The Gram matrix of the rows, `G = Z·Zᵀ`, by faer's matrix multiply: every dot product
    // and squared norm at once, a tenth of the time of pair-by-pair sums. In f32, as the
    // values are (a relative 1e-6 on a cosine, far below what a probe batch can resolve), at
    // half the time of f64; the cosines are formed in f64.
    let rows = MatRef::from_row_major_slice(&z[..n * units], n, units);
    let mut gram = Mat::<f32>::zeros(n, n);
    matmul(
        &mut gram,
        Accum::Replace,
        &rows,
        rows.transpose(),
        1.0f32,
        Par::Seq,
    );
    let norms: Vec<f64> = (0..n).map(|i| f64::from(gram[(i, i)]).sqrt()).collect();
    // (sum, count) over all pairs, same-class pairs and different-class pairs.
    let mut sums = [(0.0, 0usize); 3];
    for i in 0..n {
        for j in i + 1..n {
            if norms[i] == 0.0 || norms[j] == 0.0 {
                continue;
            }
            let c = (f64::from(gram[(i, j)]) / (norms[i] * norms[j])).clamp(-1.0, 1.0);
            sums[0].0 += c;
            sums[0].1 += 1;
            if let Some(labels) = labels {
                let group = if labels[i] == labels[j] { 1 } else { 2 };
                sums[group].0 += c;
                sums[group].1 += 1;
            }
        }
    }
    let mean = |(sum, n): (f64, usize)| (n > 0).then(|| sum / n as f64);
    Correlations {
        all: mean(sums[0]),
        same_class: mean(sums[1]),
        different_class: mean(sums[2]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosines_by_hand() {
        // Three examples of two units: (1, 0), (1, 1), (0, -2).
        // Pairs: (0,1) 1/√2, (0,2) 0, (1,2) -2/(√2·2) = -1/√2.
        let z = [1.0, 0.0, 1.0, 1.0, 0.0, -2.0];
        let c = pair_correlations(&z, 2, Some(&[7, 7, 3]));
        let r = std::f64::consts::FRAC_1_SQRT_2;
        assert!(c.all.unwrap().abs() < 1e-12, "(r + 0 - r) / 3");
        assert!((c.same_class.unwrap() - r).abs() < 1e-12);
        assert!((c.different_class.unwrap() - (0.0 - r) / 2.0).abs() < 1e-12);
        // Without labels, no split; a zero row has no angle and is left out.
        let c = pair_correlations(&[1.0, 0.0, 0.0, 0.0, 2.0, 0.0], 2, None);
        assert_eq!(
            (c.all, c.same_class, c.different_class),
            (Some(1.0), None, None)
        );
        assert_eq!(pair_correlations(&[0.0; 4], 2, None).all, None);
        // Only the first PAIR_EXAMPLES rows count: a 65th row opposite to the rest changes
        // nothing.
        let mut z = vec![1.0f32; PAIR_EXAMPLES];
        z.push(-1.0);
        assert_eq!(pair_correlations(&z, 1, None).all, Some(1.0));
    }
}
