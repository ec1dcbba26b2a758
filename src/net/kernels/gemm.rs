//! A matrix product into a slice, for kernels that run their own loops (the recurrent
//! sequence op's per-step products): gemm, the crate behind candle's CPU matmul, called the
//! way candle calls it, on candle's thread count, with strides so that a transposed operand
//! needs no copy.

/// `dst = [dst +] a·b` for `dst` `m×n` (row-major, contiguous), `a` `m×k` and `b` `k×n`, each
/// given as (values, row stride, column stride): gemm, the kernel behind candle's CPU matmul,
/// on candle's thread count.
pub(super) fn matmul(
    dst: &mut [f32],
    accumulate: bool,
    (m, n, k): (usize, usize, usize),
    a: (&[f32], usize, usize),
    b: (&[f32], usize, usize),
) {
    let extent = |rows: usize, cols: usize, (_, rs, cs): (&[f32], usize, usize)| {
        if rows == 0 || cols == 0 {
            0
        } else {
            (rows - 1) * rs + (cols - 1) * cs + 1
        }
    };
    assert!(dst.len() == m * n, "matmul: the destination is not {m}×{n}");
    assert!(
        a.0.len() >= extent(m, k, a),
        "matmul: the left factor is short"
    );
    assert!(
        b.0.len() >= extent(k, n, b),
        "matmul: the right factor is short"
    );
    let threads = candle_core::utils::get_num_threads();
    let parallelism = if threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: the asserts above keep every element gemm reads or writes inside its slice.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.0.as_ptr(),
            a.2 as isize,
            a.1 as isize,
            b.0.as_ptr(),
            b.2 as isize,
            b.1 as isize,
            if accumulate { 1.0 } else { 0.0 },
            1.0,
            false,
            false,
            false,
            parallelism,
        )
    }
}
