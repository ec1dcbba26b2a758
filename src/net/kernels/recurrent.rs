//! A single-layer recurrent network's whole pass through time as one op, forward and backward
//! (back-propagation through time by hand, as cuDNN's and PyTorch's fused RNN kernels do), for
//! the passes that keep no per-step statistics: training steps between probes and test
//! evaluations. Built from candle's ops, each time step is a dozen graph nodes whose backward
//! allocates, pads and accumulates small tensors one by one; the LSTM then ran at about 9
//! GFLOP/s, a seventh to a fifth of PyTorch's `nn.LSTM` on one thread. Here:
//!
//! - forward, step by step: `pre_t = (h_{t−1}·W_hh + xw_t) + b` (one gemm into a reused
//!   buffer, the sums in the order of the per-step ops), then the cell's element-wise work in
//!   one pass over the batch, which adds the terms as it reads them; the LSTM keeps its
//!   activated gates, `c_t` and `tanh(c_t)` for the backward (PyTorch's "workspace"), in a
//!   buffer reused from one step to the next;
//! - backward, step by step from `T`: `∂L/∂pre_t` from `∂L/∂h_t` (the output's gradient plus
//!   what came back from step `t + 1`), and `∂L/∂h_{t−1} = ∂L/∂pre_t·W_hhᵀ`; then `∂L/∂W_hh =
//!   Σ_t h_{t−1}ᵀ·∂L/∂pre_t` as one gemm over all steps and `∂L/∂b` as one column sum.
//!
//! The input term `xw = x·W_ih` comes in as one tensor `[T, B, G]` (one matmul for every step
//! outside), and its gradient goes out as one tensor, so the input weights cost two large
//! matmuls. The element-wise formulas are those of the per-step ops ([`super::lstm`],
//! [`super::tanh`], [`super::leaky_relu`]), with the same f32 functions; a traced pass (which
//! taps every `h_t` and `c_t`) still steps through time with candle's ops, and the tests hold
//! the two to each other. Speed: docs/performance.md#recurrent-networks.

use std::sync::OnceLock;

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Storage, Tensor};

use super::gemm::matmul;
use super::{contiguous_f32, fast, sigmoid_f32, tanh_f32};

/// The cells with a fused sequence: the Elman cell with tanh or ReLU (whose derivative is read
/// from `h`), and the LSTM with tanh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FusedCell {
    ElmanTanh,
    ElmanRelu,
    LstmTanh,
}

impl FusedCell {
    /// Pre-activations per hidden unit.
    pub(super) fn gates(self) -> usize {
        match self {
            FusedCell::ElmanTanh | FusedCell::ElmanRelu => 1,
            FusedCell::LstmTanh => 4,
        }
    }

    /// The f32 values a pass through the op holds per example and time step, for a network of
    /// `hidden` units: the input term (`G·H`), the state (`H`) and the LSTM's saved values.
    pub fn floats_per_step(self, hidden: usize) -> usize {
        let saved = match self {
            FusedCell::LstmTanh => LSTM_SAVED,
            FusedCell::ElmanTanh | FusedCell::ElmanRelu => 0,
        };
        (self.gates() + 1 + saved) * hidden
    }
}

/// Floats the LSTM keeps per hidden unit and example for its backward: the four activated
/// gates, `c_t` and `tanh(c_t)`.
const LSTM_SAVED: usize = 6;

/// Every hidden state `h_1 … h_T` (`[T, B, H]`) of a single-layer network of `cell` from the
/// input terms `xw` (`[T, B, G·H]`, `x_t·W_ih` without the bias), the recurrent weights `w_hh`
/// (`[H, G·H]`) and the bias `b` (`[G·H]`), from `h_0 = c_0 = 0`; differentiable in all three.
/// `None` for tensors the op does not handle (not contiguous f32 on the CPU): the caller then
/// steps through time with candle's ops.
pub fn recurrent_sequence(
    cell: FusedCell,
    xw: &Tensor,
    w_hh: &Tensor,
    b: &Tensor,
) -> Result<Option<Tensor>> {
    if !(fast(xw) && fast(w_hh) && fast(b)) {
        return Ok(None);
    }
    let (_, _, g) = xw.dims3()?;
    let (hidden, g_w) = w_hh.dims2()?;
    if g != g_w || g != cell.gates() * hidden || b.dims() != [g] {
        candle_core::bail!(
            "recurrent sequence: inputs {:?}, recurrent weights {:?} and bias {:?} do not fit a \
             {cell:?} cell",
            xw.dims(),
            w_hh.dims(),
            b.dims()
        );
    }
    let op = Sequence {
        cell,
        hidden,
        saved: OnceLock::new(),
    };
    xw.apply_op3(w_hh, b, op).map(Some)
}

struct Sequence {
    cell: FusedCell,
    hidden: usize,
    /// The LSTM's per-step values for the backward (`[T, B, LSTM_SAVED·H]`), written once by
    /// the forward.
    saved: OnceLock<Vec<f32>>,
}

impl CustomOp3 for Sequence {
    fn name(&self) -> &'static str {
        "recurrent-sequence"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let op = self.name();
        let (xw, w, b) = (
            contiguous_f32(s1, l1, op)?,
            contiguous_f32(s2, l2, op)?,
            contiguous_f32(s3, l3, op)?,
        );
        let (steps, batch, g) = l1.shape().dims3()?;
        let h = self.hidden;
        let mut hs = vec![0f32; steps * batch * h];
        let mut saved = match self.cell {
            FusedCell::LstmTanh => saved_buffer(steps * batch * LSTM_SAVED * h),
            _ => Vec::new(),
        };
        let mut pre = vec![0f32; batch * g];
        let zero_cell = vec![0f32; batch * h];
        for t in 0..steps {
            let xw_t = &xw[t * batch * g..(t + 1) * batch * g];
            let (done, rest) = hs.split_at_mut(t * batch * h);
            if t > 0 {
                // `pre` = h_{t−1}·W_hh (zero at the first step); the element-wise passes below
                // add the input term and the bias, `(h·W + xw) + b`.
                let h_prev = &done[(t - 1) * batch * h..];
                matmul(&mut pre, false, (batch, g, h), (h_prev, h, 1), (w, g, 1));
            }
            let h_t = &mut rest[..batch * h];
            let rows = || pre.chunks_exact(g).zip(xw_t.chunks_exact(g));
            match self.cell {
                FusedCell::ElmanTanh => {
                    for ((p, x), out) in rows().zip(h_t.chunks_exact_mut(h)) {
                        for (((h, &p), &x), &b) in out.iter_mut().zip(p).zip(x).zip(b) {
                            *h = tanh_f32((p + x) + b);
                        }
                    }
                }
                FusedCell::ElmanRelu => {
                    // As `leaky_relu` at slope 0: NaN stays NaN, −0.0 becomes 0.0.
                    for ((p, x), out) in rows().zip(h_t.chunks_exact_mut(h)) {
                        for (((h, &p), &x), &b) in out.iter_mut().zip(p).zip(x).zip(b) {
                            let z = (p + x) + b;
                            *h = if z > 0.0 { z } else { z * 0.0 + 0.0 };
                        }
                    }
                }
                FusedCell::LstmTanh => {
                    let width = batch * LSTM_SAVED * h;
                    let (before, now) = saved.split_at_mut(t * width);
                    let c_prev = if t > 0 {
                        CellsOf::Saved(&before[(t - 1) * width..])
                    } else {
                        CellsOf::Zero(&zero_cell)
                    };
                    let terms = Terms {
                        hw: &pre,
                        xw: xw_t,
                        b,
                    };
                    lstm_forward(terms, c_prev, &mut now[..width], h_t, h);
                }
            }
        }
        if self.cell == FusedCell::LstmTanh {
            // A forward runs once per op; should it run again, the values are the same.
            let _ = self.saved.set(saved);
        }
        Ok((CpuStorage::F32(hs), Shape::from((steps, batch, h))))
    }

    fn bwd(
        &self,
        xw: &Tensor,
        w_hh: &Tensor,
        b: &Tensor,
        res: &Tensor,
        grad_res: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (steps, batch, g) = xw.dims3()?;
        let h = self.hidden;
        let grad_res = grad_res.contiguous()?;
        let (w_guard, w_layout) = w_hh.storage_and_layout();
        let (hs_guard, hs_layout) = res.storage_and_layout();
        let (g_guard, g_layout) = grad_res.storage_and_layout();
        let (w, hs, grad) = (
            cpu_f32(&w_guard, w_layout)?,
            cpu_f32(&hs_guard, hs_layout)?,
            cpu_f32(&g_guard, g_layout)?,
        );
        let saved = match self.cell {
            FusedCell::LstmTanh => Some(
                self.saved
                    .get()
                    .ok_or_else(|| candle_core::Error::Msg("no saved forward".into()))?,
            ),
            _ => None,
        };
        let mut d_pre = vec![0f32; steps * batch * g];
        let mut dh_next = vec![0f32; batch * h];
        let mut dc_next = vec![0f32; batch * h];
        let zero_cell = vec![0f32; batch * h];
        for t in (0..steps).rev() {
            let d_pre_t = &mut d_pre[t * batch * g..(t + 1) * batch * g];
            let grad_t = &grad[t * batch * h..(t + 1) * batch * h];
            let h_t = &hs[t * batch * h..(t + 1) * batch * h];
            match (self.cell, saved) {
                (FusedCell::ElmanTanh, _) => {
                    for ((d, (&gr, &dn)), &y) in
                        d_pre_t.iter_mut().zip(grad_t.iter().zip(&dh_next)).zip(h_t)
                    {
                        *d = (gr + dn) * (1.0 - y * y);
                    }
                }
                (FusedCell::ElmanRelu, _) => {
                    for ((d, (&gr, &dn)), &y) in
                        d_pre_t.iter_mut().zip(grad_t.iter().zip(&dh_next)).zip(h_t)
                    {
                        *d = if y > 0.0 { gr + dn } else { 0.0 };
                    }
                }
                (FusedCell::LstmTanh, Some(saved)) => {
                    let width = batch * LSTM_SAVED * h;
                    let c_prev = if t > 0 {
                        CellsOf::Saved(&saved[(t - 1) * width..])
                    } else {
                        CellsOf::Zero(&zero_cell)
                    };
                    let now = &saved[t * width..(t + 1) * width];
                    lstm_backward(now, c_prev, grad_t, &dh_next, &mut dc_next, d_pre_t, h);
                }
                (FusedCell::LstmTanh, None) => {
                    unreachable!("the LSTM's saved values are read above")
                }
            }
            if t > 0 {
                // ∂L/∂h_{t−1} = ∂L/∂pre_t · W_hhᵀ (W_hh read through its transposed strides).
                matmul(
                    &mut dh_next,
                    false,
                    (batch, h, g),
                    (d_pre_t, g, 1),
                    (w, 1, g),
                );
            }
        }
        // ∂L/∂W_hh = Σ_{t ≥ 2} h_{t−1}ᵀ · ∂L/∂pre_t: the states h_1 … h_{T−1} as one
        // [(T−1)·B, H] matrix, read transposed, against ∂L/∂pre_2 … ∂L/∂pre_T.
        let mut d_w = vec![0f32; h * g];
        let rows = steps.saturating_sub(1) * batch;
        matmul(
            &mut d_w,
            false,
            (h, g, rows),
            (hs, 1, h),
            (&d_pre[batch * g..], g, 1),
        );
        let mut d_b = vec![0f32; g];
        if g > 0 {
            for row in d_pre.chunks_exact(g) {
                for (s, &v) in d_b.iter_mut().zip(row) {
                    *s += v;
                }
            }
        }
        drop((w_guard, hs_guard, g_guard));
        let dev = xw.device();
        Ok((
            Some(Tensor::from_vec(d_pre, xw.shape(), dev)?),
            Some(Tensor::from_vec(d_w, w_hh.shape(), dev)?),
            Some(Tensor::from_vec(d_b, b.shape(), dev)?),
        ))
    }
}

impl Drop for Sequence {
    fn drop(&mut self) {
        if let Some(saved) = self.saved.take() {
            SPARE.with(|spare| *spare.borrow_mut() = saved);
        }
    }
}

thread_local! {
    /// The saved values of the last LSTM sequence dropped on this thread, for the next one to
    /// write over: a training step's are as large as the step's before (megabytes), and
    /// reusing them skips a zero fill that a profile put at 3–4% of a step.
    static SPARE: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A buffer of `len` floats for a forward's saved values, every one of which the forward
/// overwrites: this thread's spare when it fits (a spare more than twice as large, say a test
/// evaluation's, is freed rather than kept), fresh zeros otherwise.
fn saved_buffer(len: usize) -> Vec<f32> {
    let mut buffer = SPARE.with(|spare| std::mem::take(&mut *spare.borrow_mut()));
    if buffer.capacity() > 2 * len {
        buffer = Vec::new();
    }
    buffer.resize(len, 0.0);
    buffer
}

/// The previous cell states `c_{t−1}` of every example: inside the saved values of step `t − 1`
/// (stride `LSTM_SAVED·H` per example), or zeros at the first step.
#[derive(Clone, Copy)]
enum CellsOf<'a> {
    Saved(&'a [f32]),
    Zero(&'a [f32]),
}

impl<'a> CellsOf<'a> {
    /// Example `r`'s `c_{t−1}` (`H` values).
    #[inline(always)]
    fn row(self, r: usize, h: usize) -> &'a [f32] {
        match self {
            CellsOf::Saved(s) => &s[r * LSTM_SAVED * h + 4 * h..][..h],
            CellsOf::Zero(z) => &z[r * h..][..h],
        }
    }
}

/// A step's three pre-activation terms, `[B, G]`, `[B, G]` and `[G]`: summed as `(hw + xw) + b`.
#[derive(Clone, Copy)]
struct Terms<'a> {
    hw: &'a [f32],
    xw: &'a [f32],
    b: &'a [f32],
}

widest_simd! {
    /// One LSTM step's element-wise work for every example: gates, `c_t = σ(f)⊙c_{t−1} +
    /// σ(i)⊙tanh(g)`, `tanh(c_t)`, `h_t = σ(o)⊙tanh(c_t)`; the saved values go to `saved`
    /// (`[B, LSTM_SAVED·H]`), the state to `h_t`.
    fn lstm_forward(terms: Terms, c_prev: CellsOf, saved: &mut [f32], h_t: &mut [f32], h: usize) {
        let b = terms.b;
        let rows = terms
            .hw
            .chunks_exact(4 * h)
            .zip(terms.xw.chunks_exact(4 * h))
            .zip(saved.chunks_exact_mut(LSTM_SAVED * h))
            .zip(h_t.chunks_exact_mut(h));
        for (r, (((hw, xw), s), out)) in rows.enumerate() {
            let cp = c_prev.row(r, h);
            let gate = |k: usize| {
                let range = k * h..(k + 1) * h;
                (&hw[range.clone()], &xw[range.clone()], &b[range])
            };
            let (gates, rest) = s.split_at_mut(4 * h);
            let (c, tc) = rest.split_at_mut(h);
            // σ on the gates i, f, o; tanh on the candidate g.
            let (gates_if, gates_go) = gates.split_at_mut(2 * h);
            let (gate_g, gate_o) = gates_go.split_at_mut(h);
            let (gate_i, gate_f) = gates_if.split_at_mut(h);
            for (k, out) in [(0, gate_i), (1, gate_f), (3, gate_o)] {
                let (hw, xw, b) = gate(k);
                for (((a, &p), &x), &b) in out.iter_mut().zip(hw).zip(xw).zip(b) {
                    *a = sigmoid_f32((p + x) + b);
                }
            }
            let (hw, xw, b) = gate(2);
            for (((a, &p), &x), &b) in gate_g.iter_mut().zip(hw).zip(xw).zip(b) {
                *a = tanh_f32((p + x) + b);
            }
            let (i, rest) = gates.split_at(h);
            let (f, rest) = rest.split_at(h);
            let (cand, o) = rest.split_at(h);
            for u in 0..h {
                c[u] = f[u] * cp[u] + i[u] * cand[u];
                tc[u] = tanh_f32(c[u]);
                out[u] = o[u] * tc[u];
            }
        }
    }
}

widest_simd! {
    /// One LSTM step back: from `∂L/∂h_t` (the output's `grad_t` plus `dh_next` from step `t + 1`)
    /// and `∂L/∂c_t`'s part from step `t + 1` (`dc_next`, replaced by `∂L/∂c_{t−1}`'s), the gate
    /// pre-activations' gradient `d_pre` (`[B, 4H]`). The formulas of [`super::lstm`].
    fn lstm_backward(
        saved: &[f32],
        c_prev: CellsOf,
        grad_t: &[f32],
        dh_next: &[f32],
        dc_next: &mut [f32],
        d_pre: &mut [f32],
        h: usize,
    ) {
        let rows = saved
            .chunks_exact(LSTM_SAVED * h)
            .zip(d_pre.chunks_exact_mut(4 * h))
            .zip(dc_next.chunks_exact_mut(h))
            .zip(grad_t.chunks_exact(h).zip(dh_next.chunks_exact(h)));
        for (r, (((s, dp), dcn), (gr, dhn))) in rows.enumerate() {
            let cp = c_prev.row(r, h);
            let (i, rest) = s.split_at(h);
            let (f, rest) = rest.split_at(h);
            let (cand, rest) = rest.split_at(h);
            let (o, rest) = rest.split_at(h);
            let (_c, tc) = rest.split_at(h);
            let (di, rest) = dp.split_at_mut(h);
            let (df, rest) = rest.split_at_mut(h);
            let (dg, d_o) = rest.split_at_mut(h);
            for u in 0..h {
                let dh = gr[u] + dhn[u];
                let (o, t) = (o[u], tc[u]);
                d_o[u] = dh * t * o * (1.0 - o);
                let dc = dcn[u] + dh * o * (1.0 - t * t);
                let (i, f, g) = (i[u], f[u], cand[u]);
                di[u] = dc * g * i * (1.0 - i);
                df[u] = dc * cp[u] * f * (1.0 - f);
                dg[u] = dc * i * (1.0 - g * g);
                dcn[u] = dc * f;
            }
        }
    }
}

/// The contiguous f32 values of a CPU storage.
fn cpu_f32<'a>(storage: &'a Storage, layout: &Layout) -> Result<&'a [f32]> {
    match storage {
        Storage::Cpu(s) => contiguous_f32(s, layout, "recurrent-sequence backward"),
        _ => candle_core::bail!("recurrent-sequence backward: needs CPU tensors"),
    }
}
