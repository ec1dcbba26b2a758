//! Random orthogonal matrices (Saxe, McClelland & Ganguli 2013), drawn as PyTorch's
//! `orthogonal_` does: a Gaussian matrix `A` of shape `(max, min)`, its thin QR decomposition
//! `A = QR`, each column of `Q` multiplied by `sign(R_kk)` (without it `Q` is not
//! Haar-distributed; Mezzadri 2007), transposed when the layer is wider than tall, times `gain`.
//!
//! The QR is a plain Householder decomposition in f64, column-major so that every inner loop
//! walks contiguous memory.

use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// A `[fan_in, fan_out]` row-major matrix with orthonormal rows or columns (whichever are
/// fewer), times `gain`.
pub fn orthogonal(fan_in: usize, fan_out: usize, gain: f64, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let (rows, cols) = (fan_in.max(fan_out), fan_in.min(fan_out));
    // Column-major (rows x cols) Gaussian matrix.
    let a: Vec<f64> = (0..rows * cols)
        .map(|_| StandardNormal.sample(rng))
        .collect();
    let (q, r_diag) = householder_qr(a, rows, cols);
    let mut w = vec![0.0; fan_in * fan_out];
    for j in 0..cols {
        let sign = if r_diag[j] < 0.0 { -1.0 } else { 1.0 };
        for i in 0..rows {
            let v = gain * sign * q[j * rows + i];
            // Q is (rows x cols); W is (fan_in x fan_out) = Q or Qᵀ.
            if fan_in >= fan_out {
                w[i * fan_out + j] = v;
            } else {
                w[j * fan_out + i] = v;
            }
        }
    }
    w
}

/// Thin QR of a column-major `m x n` matrix (`m >= n`): returns `Q` (column-major `m x n`,
/// orthonormal columns) and the diagonal of `R`.
pub fn householder_qr(mut a: Vec<f64>, m: usize, n: usize) -> (Vec<f64>, Vec<f64>) {
    assert!(m >= n && a.len() == m * n, "householder_qr needs m >= n");
    let mut vs: Vec<Vec<f64>> = Vec::with_capacity(n);
    let mut r_diag = Vec::with_capacity(n);
    for k in 0..n {
        let col = &a[k * m + k..(k + 1) * m];
        let norm = col.iter().map(|x| x * x).sum::<f64>().sqrt();
        let alpha = if col[0] > 0.0 { -norm } else { norm };
        let mut v = col.to_vec();
        v[0] -= alpha;
        let v_norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if v_norm > 0.0 {
            v.iter_mut().for_each(|x| *x /= v_norm);
        }
        // Apply H = I - 2vvᵀ to the trailing columns.
        for j in k..n {
            let c = &mut a[j * m + k..(j + 1) * m];
            let dot: f64 = v.iter().zip(c.iter()).map(|(x, y)| x * y).sum();
            c.iter_mut().zip(&v).for_each(|(y, x)| *y -= 2.0 * dot * x);
        }
        r_diag.push(a[k * m + k]);
        vs.push(v);
    }
    // Q = H_1 … H_n applied to the first n columns of the identity.
    let mut q = vec![0.0; m * n];
    for j in 0..n {
        q[j * m + j] = 1.0;
    }
    for k in (0..n).rev() {
        let v = &vs[k];
        for j in 0..n {
            let c = &mut q[j * m + k..(j + 1) * m];
            let dot: f64 = v.iter().zip(c.iter()).map(|(x, y)| x * y).sum();
            if dot != 0.0 {
                c.iter_mut().zip(v).for_each(|(y, x)| *y -= 2.0 * dot * x);
            }
        }
    }
    (q, r_diag)
}
