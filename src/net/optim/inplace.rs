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
//!
//! A rule that writes the weights can also measure the step it takes, in the same pass
//! ([`UpdateSize`]): what `update_ratio` reports, without a copy of the weights.

use std::cell::Cell;

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

/// The size of one update of a tensor: `Σ (w_new − w_old)²` (the difference in f32, as the
/// tensors hold it) and `Σ w_old²`, summed in f64.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct UpdateSize {
    pub change2: f64,
    pub before2: f64,
}

impl UpdateSize {
    /// The step from `old` to `new`, entry by entry, summed as the fused rules sum it.
    pub fn of(old: &[f32], new: &[f32]) -> Self {
        let mut lanes = [UpdateSize::default(); 8];
        for (k, (&o, &n)) in old.iter().zip(new).enumerate() {
            lanes[k & 7].add(o, n);
        }
        lanes
            .iter()
            .fold(UpdateSize::default(), |total, lane| UpdateSize {
                change2: total.change2 + lane.change2,
                before2: total.before2 + lane.before2,
            })
    }

    /// `‖w_new − w_old‖ / ‖w_old‖`; `None` when `w_old = 0`.
    pub fn ratio(&self) -> Option<f64> {
        (self.before2 > 0.0).then(|| (self.change2 / self.before2).sqrt())
    }

    /// Adds the step of one entry from `old` to `new`.
    #[inline(always)]
    fn add(&mut self, old: f32, new: f32) {
        let change = f64::from(new - old);
        self.change2 += change * change;
        self.before2 += f64::from(old) * f64::from(old);
    }
}

/// A rule, and where it leaves the size of its step when asked to measure it.
struct Measured<R> {
    rule: R,
    size: Option<Cell<UpdateSize>>,
}

impl<R> Measured<R> {
    fn new(rule: R, measure: bool) -> Self {
        Measured {
            rule,
            size: measure.then(|| Cell::new(UpdateSize::default())),
        }
    }

    fn size(&self) -> Option<UpdateSize> {
        self.size.as_ref().map(Cell::get)
    }
}

/// `dst[i] ← f(dst[i], src[i])`, measuring the step into `size` when given (a second loop,
/// so that the plain update stays as tight as before).
fn apply<S: Copy>(
    dst: &mut [f32],
    src: impl Iterator<Item = S>,
    f: impl Fn(f32, S) -> f32,
    size: Option<&Cell<UpdateSize>>,
) {
    let pairs = dst.iter_mut().zip(src);
    match size {
        None => pairs.for_each(|(w, s)| *w = f(*w, s)),
        Some(cell) => {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2, checked just above.
                cell.set(unsafe { measured_avx2(pairs, &f) });
                return;
            }
            cell.set(measured(pairs, &f));
        }
    }
}

/// The update with the size of its step, over eight interleaved partial sums: independent
/// chains, not one that waits on every addition (a fixed order, so the same bits every time).
#[inline(always)]
fn measured<'a, S>(
    pairs: impl Iterator<Item = (&'a mut f32, S)>,
    f: &impl Fn(f32, S) -> f32,
) -> UpdateSize {
    let mut lanes = [UpdateSize::default(); 8];
    let mut pairs = pairs;
    // Entry k goes to lane k mod 8; the inner loop has a fixed trip count, so each lane stays
    // in registers.
    'entries: loop {
        for lane in lanes.iter_mut() {
            let Some((w, s)) = pairs.next() else {
                break 'entries;
            };
            let old = *w;
            *w = f(old, s);
            lane.add(old, *w);
        }
    }
    lanes
        .iter()
        .fold(UpdateSize::default(), |total, lane| UpdateSize {
            change2: total.change2 + lane.change2,
            before2: total.before2 + lane.before2,
        })
}

/// [`measured`] compiled for AVX2: the same operations in the same order.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn measured_avx2<'a, S>(
    pairs: impl Iterator<Item = (&'a mut f32, S)>,
    f: &impl Fn(f32, S) -> f32,
) -> UpdateSize {
    measured(pairs, f)
}

/// Applies `rule` to `dst` in place.
pub fn update2(dst: &Tensor, src: &Tensor, rule: Rule2) -> Result<()> {
    dst.inplace_op2(src, &Measured::new(rule, false))
}

/// Applies `rule` to `dst` in place and, when `measure`, returns the size of its step.
pub fn step2(dst: &Tensor, src: &Tensor, rule: Rule2, measure: bool) -> Result<Option<UpdateSize>> {
    let op = Measured::new(rule, measure);
    dst.inplace_op2(src, &op)?;
    Ok(op.size())
}

/// Applies `rule` to `dst` in place and, when `measure`, returns the size of its step.
pub fn step3(
    dst: &Tensor,
    a: &Tensor,
    b: &Tensor,
    rule: Rule3,
    measure: bool,
) -> Result<Option<UpdateSize>> {
    let op = Measured::new(rule, measure);
    dst.inplace_op3(a, b, &op)?;
    Ok(op.size())
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

impl InplaceOp2 for Measured<Rule2> {
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
        let (src, size) = (src.iter().copied(), self.size.as_ref());
        match self.rule {
            Rule2::Descend { lr } => apply(dst, src, |w, g| w - lr * g, size),
            Rule2::Accumulate { momentum } => apply(dst, src, |v, g| momentum * v + g, size),
            Rule2::Average { keep, take } => apply(dst, src, |m, g| keep * m + take * g, size),
            Rule2::AverageSquare { keep, take } => {
                apply(dst, src, |v, g| keep * v + take * (g * g), size)
            }
        }
        Ok(())
    }
}

impl InplaceOp3 for Measured<Rule3> {
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
        let (ab, size) = (a.iter().copied().zip(b.iter().copied()), self.size.as_ref());
        match self.rule {
            Rule3::Nesterov { lr, momentum } => {
                apply(dst, ab, |w, (g, v)| w - lr * (g + momentum * v), size)
            }
            Rule3::Adam {
                lr,
                inv_c1,
                inv_c2,
                eps,
            } => apply(
                dst,
                ab,
                |w, (m, v)| w - lr * ((m * inv_c1) / ((v * inv_c2).sqrt() + eps)),
                size,
            ),
        }
        Ok(())
    }
}
