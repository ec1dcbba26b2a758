//! The optimizers' update rules as in-place candle ops on CPU f32 tensors: each rule is one
//! pass over its operands that writes into the parameter or the state buffer it updates.
//!
//! Written with candle's element-wise ops, `w ← w − η·g` allocates `η·g`, allocates
//! `w − η·g` and copies it into the variable (seven passes over the weights); Adam chains a
//! dozen such ops. At width 1024 that was about a tenth of a training step. Here SGD is one
//! pass (read `w` and `g`, write `w`), momentum two and Adam three. The arithmetic is the
//! tensor-op path's f32 arithmetic in the same order (coefficients rounded from f64 alike), so
//! both give the same numbers (tested in `optim`). Applies only where [`applies`] says so;
//! elsewhere (another device or dtype) the optimizer uses candle's ops.

use candle_core::{CpuStorage, InplaceOp2, InplaceOp3, Layout, Result, Tensor};

use crate::net::kernels::{contiguous_f32, fast};

/// Whether every operand is a contiguous f32 CPU tensor, which is what these ops update.
pub fn applies(tensors: &[&Tensor]) -> bool {
    tensors.iter().all(|t| fast(t))
}

/// A rule `dst ← f(dst, src)` over two tensors of the same shape.
#[derive(Debug, Clone, Copy)]
pub enum Rule2 {
    /// Gradient descent `dst ← dst − η·src`.
    Descend { lr: f32 },
    /// A momentum buffer (PyTorch's form) `dst ← μ·dst + src`.
    Accumulate { momentum: f32 },
    /// Adam's first moment `dst ← β·dst + (1−β)·src`, with `keep = β`, `take = 1−β`.
    Average { keep: f32, take: f32 },
    /// Adam's second moment `dst ← β·dst + (1−β)·src²`, with `keep = β`, `take = 1−β`.
    AverageSquare { keep: f32, take: f32 },
}

/// A rule `dst ← f(dst, a, b)` over three tensors of the same shape.
#[derive(Debug, Clone, Copy)]
pub enum Rule3 {
    /// Nesterov's step `dst ← dst − η·(g + μ·v)` with `a = g`, `b = v`.
    Nesterov { lr: f32, momentum: f32 },
    /// Adam's step `dst ← dst − η·m̂/(√v̂ + ε)`, `m̂ = m/c₁`, `v̂ = v/c₂`, with `a = m`,
    /// `b = v` and the inverse bias corrections `inv_c1 = 1/(1−β₁ᵗ)`, `inv_c2 = 1/(1−β₂ᵗ)`.
    Adam {
        lr: f32,
        inv_c1: f32,
        inv_c2: f32,
        eps: f32,
    },
}

/// Applies `rule` to `dst` in place.
pub fn update2(dst: &Tensor, src: &Tensor, rule: Rule2) -> Result<()> {
    dst.inplace_op2(src, &rule)
}

/// Applies `rule` to `dst` in place.
pub fn update3(dst: &Tensor, a: &Tensor, b: &Tensor, rule: Rule3) -> Result<()> {
    dst.inplace_op3(a, b, &rule)
}

/// The contiguous f32 data of the tensor updated in place.
fn contiguous_f32_mut<'a>(s: &'a mut CpuStorage, l: &Layout, op: &str) -> Result<&'a mut [f32]> {
    match (s, l.contiguous_offsets()) {
        (CpuStorage::F32(v), Some((start, end))) => Ok(&mut v[start..end]),
        _ => candle_core::bail!("{op}: needs a contiguous f32 tensor"),
    }
}

fn same_len(op: &str, dst: &[f32], src: &[f32]) -> Result<()> {
    if dst.len() != src.len() {
        candle_core::bail!("{op}: shapes differ");
    }
    Ok(())
}

impl InplaceOp2 for Rule2 {
    fn name(&self) -> &'static str {
        "optimizer-update"
    }

    fn cpu_fwd(
        &self,
        s1: &mut CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<()> {
        let op = self.name();
        let dst = contiguous_f32_mut(s1, l1, op)?;
        let src = contiguous_f32(s2, l2, op)?;
        same_len(op, dst, src)?;
        let pairs = dst.iter_mut().zip(src);
        match *self {
            Rule2::Descend { lr } => pairs.for_each(|(w, &g)| *w -= lr * g),
            Rule2::Accumulate { momentum } => pairs.for_each(|(v, &g)| *v = momentum * *v + g),
            Rule2::Average { keep, take } => pairs.for_each(|(m, &g)| *m = keep * *m + take * g),
            Rule2::AverageSquare { keep, take } => {
                pairs.for_each(|(v, &g)| *v = keep * *v + take * (g * g))
            }
        }
        Ok(())
    }
}

impl InplaceOp3 for Rule3 {
    fn name(&self) -> &'static str {
        "optimizer-step"
    }

    fn cpu_fwd(
        &self,
        s1: &mut CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<()> {
        let op = self.name();
        let dst = contiguous_f32_mut(s1, l1, op)?;
        let a = contiguous_f32(s2, l2, op)?;
        let b = contiguous_f32(s3, l3, op)?;
        same_len(op, dst, a)?;
        same_len(op, dst, b)?;
        let triples = dst.iter_mut().zip(a.iter().zip(b));
        match *self {
            Rule3::Nesterov { lr, momentum } => {
                triples.for_each(|(w, (&g, &v))| *w -= lr * (g + momentum * v))
            }
            Rule3::Adam {
                lr,
                inv_c1,
                inv_c2,
                eps,
            } => triples.for_each(|(w, (&m, &v))| {
                *w -= lr * ((m * inv_c1) / ((v * inv_c2).sqrt() + eps));
            }),
        }
        Ok(())
    }
}
