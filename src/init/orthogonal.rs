//! Random orthogonal matrices (Saxe, McClelland & Ganguli 2013), drawn as PyTorch's
//! `orthogonal_` does: a Gaussian matrix `A` of shape `(max, min)`, its thin QR decomposition
//! `A = QR`, each column of `Q` multiplied by `sign(R_kk)` (without it `Q` is not
//! Haar-distributed; Mezzadri 2007), transposed when the layer is wider than tall, times `gain`.
//!
//! The QR is a plain Householder decomposition in f64, column-major so that every inner loop
//! walks contiguous memory, with dot products over interleaved partial sums (1024 × 1024 in
//! 0.65 s; a single running sum took 1.5 s).

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
        let norm = dot(col, col).sqrt();
        let alpha = if col[0] > 0.0 { -norm } else { norm };
        let mut v = col.to_vec();
        v[0] -= alpha;
        let v_norm = dot(&v, &v).sqrt();
        if v_norm > 0.0 {
            v.iter_mut().for_each(|x| *x /= v_norm);
        }
        // Apply H = I - 2vvᵀ to the trailing columns.
        for j in k..n {
            let c = &mut a[j * m + k..(j + 1) * m];
            let dot = dot(&v, c);
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
            let dot = dot(v, c);
            if dot != 0.0 {
                c.iter_mut().zip(v).for_each(|(y, x)| *y -= 2.0 * dot * x);
            }
        }
    }
    (q, r_diag)
}

/// `Σ a_i·b_i` over eight interleaved partial sums: a fixed order (the same bits on every run)
/// whose independent chains the compiler vectorizes; a single running sum would wait on each
/// addition and held the whole QR to about 1 GFLOP/s.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    const LANES: usize = 8;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f64; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f64>() + tail
}
