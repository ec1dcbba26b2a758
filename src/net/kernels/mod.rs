//! Fast CPU kernels for the three element-wise costs that dominate a small MLP step in candle
//! 0.11, as candle custom ops (so autograd, the optimizer and every other op stay candle's):
//!
//! - [`tanh`]: candle's CPU `tanh` calls glibc's scalar `tanhf` (through `expm1f`, 15–19 ns an
//!   element, about half of a (5, 64) step). [`tanh_f32`] is the rational minimax
//!   approximation Eigen uses (degree 13/6 on `[-7.905, 7.905]`), branch-free so that the loop
//!   vectorizes; below `|x| < 4e-4` it returns `x`, which is what `tanh` rounds to in f32, so
//!   vanishing signals keep their full relative precision (unlike `2·σ(2x) − 1`, which
//!   flushes `tanh(1e-8)` to 0). Its backward is one fused pass `g·(1 − y²)`.
//! - [`leaky_relu`] (ReLU at slope 0): candle's ReLU backward builds a mask with three ops
//!   (4.4 ns an element, against 1.8 for the whole tanh), and candle-nn's leaky ReLU is built
//!   from `maximum` and `minimum` whose backward costs 90 ns an element. Here the forward is
//!   one select and the backward one fused pass `g·φ'(z)` with φ'(z) = 1 for `z > 0` and the
//!   slope otherwise, so φ'(0) is the slope (0 for ReLU), as in PyTorch — candle's own ReLU
//!   takes 1 at 0, which disagrees with the saturation rule `z <= 0`.
//! - [`bias_add`]: `z + b` broadcast over the rows. candle's backward of `broadcast_add` sums
//!   the gradient over dimension 0 with a strided scalar loop (11% of a (5, 64) step); here
//!   the column sum runs row by row over contiguous memory.
//!
//! The residual stream's sum has its own fused op ([`residual`]), and so has an LSTM step's
//! element-wise work ([`lstm`]); a recurrent network's whole pass through time is one op
//! ([`recurrent`]), with [`exp_f32`] and [`sigmoid_f32`] for its gates. The element-wise
//! loops run in the widest vector registers the CPU has (`widest_simd!`).
//!
//! All of them fall back to candle's own ops for tensors that are not contiguous f32 on the CPU (a
//! CUDA device, say), so they change speed, never results beyond f32 rounding.

/// `fn name(args) -> R { body }`, compiled three times (for AVX-512, for AVX2 and for the
/// baseline x86-64) and dispatched on the CPU's features at run time, so that the loops in
/// `body` vectorize as wide as the CPU allows. Every path gives the same bits: the bodies use
/// plain IEEE operations (Rust never fuses a multiply and an add by itself), whose results do
/// not depend on the vector width.
macro_rules! widest_simd {
    (
        $(#[$attr:meta])*
        $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block
    ) => {
        $(#[$attr])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn generic($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                fn avx512($($arg: $ty),*) $(-> $ret)? {
                    generic($($arg),*)
                }
                #[target_feature(enable = "avx2")]
                fn avx2($($arg: $ty),*) $(-> $ret)? {
                    generic($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU supports AVX-512F, checked just above.
                    return unsafe { avx512($($arg),*) };
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU supports AVX2, checked just above.
                    return unsafe { avx2($($arg),*) };
                }
            }
            generic($($arg),*)
        }
    };
}

mod gemm;
mod lstm;
mod recurrent;
mod residual;

pub use lstm::{lstm_cell, lstm_state};
pub use recurrent::{recurrent_sequence, FusedCell};
pub use residual::bias_add_skip;

use candle_core::{CpuStorage, CustomOp1, CustomOp2, CustomOp3, Layout, Result, Shape, Tensor};

/// Eigen's `generic_fast_tanh_float` coefficients (numerator odd, denominator even).
const CLAMP: f32 = 7.905_311;
const TINY: f32 = 4e-4;
const ALPHA: [f32; 7] = [
    4.893_524_6e-3,
    6.372_619_3e-4,
    1.485_722_4e-5,
    5.122_297e-8,
    -8.604_672e-11,
    2.000_188e-13,
    -2.760_768_5e-16,
];
const BETA: [f32; 4] = [4.893_525e-3, 2.268_434_6e-3, 1.185_347_1e-4, 1.198_258_4e-6];

/// tanh in f32 within a few ulp (checked against f64 in the tests), vectorizable.
#[inline(always)]
pub fn tanh_f32(a: f32) -> f32 {
    let x = a.clamp(-CLAMP, CLAMP);
    let x2 = x * x;
    // Plain multiply-adds (never fused), so every machine rounds alike.
    let mut p = ALPHA[6];
    for &c in ALPHA[..6].iter().rev() {
        p = p * x2 + c;
    }
    let p = p * x;
    let mut q = BETA[3];
    for &c in BETA[..3].iter().rev() {
        q = q * x2 + c;
    }
    let t = (p / q).clamp(-1.0, 1.0);
    if a.abs() < TINY {
        a
    } else {
        t
    }
}

/// Cephes' `expf` (range reduction by powers of 2, degree-6 polynomial on `|r| ≤ ln2/2`),
/// branch-free so that loops over it vectorize: within 2 ulp of `exp` (checked against f64 in
/// the tests) for `x` in `[−87.3, 88]`, clamped outside (so at least 2^−126, at most e^88),
/// NaN for NaN.
#[inline(always)]
pub fn exp_f32(a: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split in two, so that `x − n·ln 2` is exact for the `n` that occur.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    const P: [f32; 6] = [
        1.987_569_1e-4,
        1.398_199_9e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        1.666_666_5e-1,
        0.5, // Cephes: 5.0000001201e-1, which is 0.5 in f32
    ];
    let x = a.clamp(-87.336_54, 88.0);
    // n = round(x·log₂e) by the 1.5·2²³ trick: `t`'s low mantissa bits hold n itself, so
    // neither n nor 2^n needs a float-to-integer conversion (scalar code with range checks),
    // and the loop vectorizes on any x86-64.
    const ROUND: f32 = 12_582_912.0;
    let t = x * LOG2E + ROUND;
    let n = t - ROUND;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let mut p = P[0];
    for &c in &P[1..] {
        p = p * r + c;
    }
    let e = (p * (r * r) + r) + 1.0;
    // 2^n from its bits (n in [−126, 127] after the clamp): exponent field n + 127.
    let n_bits = t.to_bits().wrapping_sub(ROUND.to_bits());
    let scale = f32::from_bits(n_bits.wrapping_add(127) << 23);
    e * scale
}

/// The logistic sigmoid `1 / (1 + e^{−x})` from [`exp_f32`], vectorizable: for large negative
/// `x` it keeps its full relative precision (`σ(−20) ≈ 2.1e-9`, not 0), so a closed gate's
/// small gradient survives.
#[inline(always)]
pub fn sigmoid_f32(x: f32) -> f32 {
    1.0 / (1.0 + exp_f32(-x))
}

widest_simd! {
    /// `y[i] = tanh_f32(x[i])`, in the widest vector registers the CPU has. An explicit loop
    /// (not `collect`, whose body would be compiled outside the wide functions).
    fn tanh_slice(x: &[f32]) -> Vec<f32> {
        let mut y = vec![0f32; x.len()];
        for (y, &x) in y.iter_mut().zip(x) {
            *y = tanh_f32(x);
        }
        y
    }
}

/// `φ = tanh` on a tensor, with the fast kernel on contiguous f32 CPU tensors.
pub fn tanh(z: &Tensor) -> Result<Tensor> {
    if fast(z) {
        z.apply_op1(Tanh)
    } else {
        z.tanh()
    }
}

/// `z` for `z > 0`, `slope·z` otherwise: ReLU at slope 0, leaky ReLU otherwise.
pub fn leaky_relu(z: &Tensor, slope: f64) -> Result<Tensor> {
    if fast(z) {
        z.apply_op1(Rectifier {
            slope: slope as f32,
        })
    } else if slope == 0.0 {
        z.relu()
    } else {
        candle_nn::ops::leaky_relu(z, slope)
    }
}

/// `z + b + tap` for a zero-valued probe variable `tap` of `z`'s shape, whose gradient is then
/// `∂L/∂z` (see `net::probe`). The tap must be zero: on the fast path its value is not read.
pub fn bias_add_tap(z: &Tensor, b: &Tensor, tap: &Tensor) -> Result<Tensor> {
    if fast(z) && fast(b) && z.rank() == 2 && b.dims() == [z.dim(1)?] && tap.dims() == z.dims() {
        z.apply_op3(b, tap, BiasAddTap)
    } else {
        z.broadcast_add(b)? + tap
    }
}

/// `z + b` with `z` of shape `[rows, n]` and `b` of shape `[n]`.
pub fn bias_add(z: &Tensor, b: &Tensor) -> Result<Tensor> {
    if fast(z) && fast(b) && z.rank() == 2 && b.dims() == [z.dim(1)?] {
        z.apply_op2(b, BiasAdd)
    } else {
        z.broadcast_add(b)
    }
}

/// Whether `t` is a contiguous f32 CPU tensor, the only kind the fast kernels handle.
pub(crate) fn fast(t: &Tensor) -> bool {
    t.device().is_cpu() && t.dtype() == candle_core::DType::F32 && t.is_contiguous()
}

/// The contiguous f32 data of a storage, or an error naming the op.
pub(crate) fn contiguous_f32<'a>(s: &'a CpuStorage, l: &Layout, op: &str) -> Result<&'a [f32]> {
    match (s, l.contiguous_offsets()) {
        (CpuStorage::F32(v), Some((start, end))) => Ok(&v[start..end]),
        _ => candle_core::bail!("{op}: needs a contiguous f32 tensor"),
    }
}

/// `f(a_i, b_i)` over two contiguous f32 tensors of the same shape (a gradient and what its
/// derivative is read from), shaped like `a`.
fn zip_map(
    op: &str,
    (s1, l1): (&CpuStorage, &Layout),
    (s2, l2): (&CpuStorage, &Layout),
    f: impl Fn(f32, f32) -> f32,
) -> Result<(CpuStorage, Shape)> {
    let a = contiguous_f32(s1, l1, op)?;
    let b = contiguous_f32(s2, l2, op)?;
    if a.len() != b.len() {
        candle_core::bail!("{op}: shapes differ");
    }
    let out: Vec<f32> = a.iter().zip(b).map(|(&a, &b)| f(a, b)).collect();
    Ok((CpuStorage::F32(out), l1.shape().clone()))
}

struct Tanh;

impl CustomOp1 for Tanh {
    fn name(&self) -> &'static str {
        "fast-tanh"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = contiguous_f32(s, l, self.name())?;
        Ok((CpuStorage::F32(tanh_slice(x)), l.shape().clone()))
    }

    fn bwd(&self, _arg: &Tensor, res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let grad = grad_res.contiguous()?;
        Ok(Some(grad.apply_op2_no_bwd(&res.contiguous()?, &TanhGrad)?))
    }
}

struct Rectifier {
    slope: f32,
}

impl CustomOp1 for Rectifier {
    fn name(&self) -> &'static str {
        "fast-leaky-relu"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = contiguous_f32(s, l, self.name())?;
        let slope = self.slope;
        // `+ 0.0` turns ReLU's −0.0 for negative inputs into 0.0.
        let y: Vec<f32> = x
            .iter()
            .map(|&v| if v > 0.0 { v } else { v * slope + 0.0 })
            .collect();
        Ok((CpuStorage::F32(y), l.shape().clone()))
    }

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let grad = grad_res.contiguous()?;
        Ok(Some(grad.apply_op2_no_bwd(
            &arg.contiguous()?,
            &RectifierGrad { slope: self.slope },
        )?))
    }
}

/// `g·φ'(z)` for the gradient `g` of `y = max(z, slope·z)`.
struct RectifierGrad {
    slope: f32,
}

impl CustomOp2 for RectifierGrad {
    fn name(&self) -> &'static str {
        "fast-leaky-relu-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let slope = self.slope;
        zip_map(self.name(), (s1, l1), (s2, l2), |g, z| {
            if z > 0.0 {
                g
            } else {
                g * slope
            }
        })
    }
}

/// `g·(1 − y²)` for the gradient `g` of `y = tanh(z)`.
struct TanhGrad;

impl CustomOp2 for TanhGrad {
    fn name(&self) -> &'static str {
        "fast-tanh-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        zip_map(self.name(), (s1, l1), (s2, l2), |g, y| g * (1.0 - y * y))
    }
}

struct BiasAdd;

impl CustomOp2 for BiasAdd {
    fn name(&self) -> &'static str {
        "bias-add"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        add_rows(self.name(), (s1, l1), (s2, l2))
    }

    fn bwd(
        &self,
        _z: &Tensor,
        _b: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let (grad, grad_b) = bias_grads(grad_res)?;
        Ok((Some(grad), Some(grad_b)))
    }
}

/// `z + b` row by row, in one pass, shaped like `z`.
fn add_rows(
    op: &str,
    (s1, l1): (&CpuStorage, &Layout),
    (s2, l2): (&CpuStorage, &Layout),
) -> Result<(CpuStorage, Shape)> {
    let z = contiguous_f32(s1, l1, op)?;
    let b = contiguous_f32(s2, l2, op)?;
    let mut out = Vec::with_capacity(z.len());
    if !b.is_empty() {
        for row in z.chunks_exact(b.len()) {
            out.extend(row.iter().zip(b).map(|(&z, &b)| z + b));
        }
    }
    Ok((CpuStorage::F32(out), l1.shape().clone()))
}

/// The gradients of `z + b` from that of the result: `∂L/∂z` itself and its column sum.
pub(super) fn bias_grads(grad_res: &Tensor) -> Result<(Tensor, Tensor)> {
    let grad = grad_res.contiguous()?;
    let grad_b = grad.apply_op1_no_bwd(&ColumnSum)?;
    Ok((grad, grad_b))
}

/// `z + b + e` where `e` is a zero-valued probe variable: the sum is `z + b` (the probe is not
/// read), and the backward pass hands the probe the gradient of the result, `∂L/∂z`, without
/// the extra addition and copy that `+ e` as a candle op would cost.
struct BiasAddTap;

impl CustomOp3 for BiasAddTap {
    fn name(&self) -> &'static str {
        "bias-add-tap"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        _s3: &CpuStorage,
        _l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        add_rows(self.name(), (s1, l1), (s2, l2))
    }

    fn bwd(
        &self,
        _z: &Tensor,
        _b: &Tensor,
        _tap: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (grad, grad_b) = bias_grads(grad_res)?;
        Ok((Some(grad.clone()), Some(grad_b), Some(grad)))
    }
}

/// Sums a `[rows, n]` tensor over its rows, giving `[n]`.
struct ColumnSum;

impl CustomOp1 for ColumnSum {
    fn name(&self) -> &'static str {
        "column-sum"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let g = contiguous_f32(s, l, self.name())?;
        let (_, n) = l.shape().dims2()?;
        let mut sum = vec![0f32; n];
        if n > 0 {
            for row in g.chunks_exact(n) {
                for (s, &v) in sum.iter_mut().zip(row) {
                    *s += v;
                }
            }
        }
        Ok((CpuStorage::F32(sum), Shape::from(n)))
    }
}

#[cfg(test)]
mod tests;
