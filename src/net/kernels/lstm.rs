//! An LSTM step's element-wise work as two fused ops, from the gate pre-activations
//! `pre = [i f g o]` (`[batch, 4H]`, PyTorch's gate order) with tanh as the cell nonlinearity:
//!
//! - [`lstm_cell`]: `c_t = σ(f)⊙c_{t−1} + σ(i)⊙tanh(g)`;
//! - [`lstm_state`]: `h_t = σ(o)⊙tanh(c_t)`.
//!
//! Built from candle's ops, a step slices the four gates out of `pre` (whose backward pads each
//! slice's gradient back to `[batch, 4H]`) and chains ten element-wise ops; here each half is
//! one pass forward and one backward, which writes the gradient of all four gates at once. The
//! cell's state between the two (`c_t`) stays a tensor of its own, so a probe can tap it. Other
//! devices, dtypes and layouts fall back to the composed ops (the reference the tests compare
//! with). Their loops run in the widest vector registers the CPU has (`widest_simd!`). A
//! traced pass (statistics) runs through them; training steps between probes run the whole
//! sequence as one op ([`super::recurrent`]). What they cost is in
//! docs/performance.md#recurrent-networks.

use candle_core::{CpuStorage, CustomOp2, Layout, Result, Shape, Tensor};

use super::{contiguous_f32, fast, sigmoid_f32 as sigmoid, tanh_f32};

/// `σ(f)⊙c_prev + σ(i)⊙tanh(g)` for gate pre-activations `pre` `[batch, 4H]` and the previous
/// cell `c_prev` `[batch, H]`.
pub fn lstm_cell(pre: &Tensor, c_prev: &Tensor) -> Result<Tensor> {
    if fast(pre) && fast(c_prev) && shapes_fit(pre, c_prev)? {
        pre.apply_op2(c_prev, LstmHalf(Half::Cell))
    } else {
        let h = c_prev.dim(1)?;
        let gate = |k: usize| pre.narrow(1, k * h, h);
        let (i, f) = (
            candle_nn::ops::sigmoid(&gate(0)?)?,
            candle_nn::ops::sigmoid(&gate(1)?)?,
        );
        f.mul(c_prev)?
            .add(&i.mul(&super::tanh(&gate(2)?.contiguous()?)?)?)
    }
}

/// `σ(o)⊙tanh(c)` for gate pre-activations `pre` `[batch, 4H]` and the cell `c` `[batch, H]`.
pub fn lstm_state(pre: &Tensor, c: &Tensor) -> Result<Tensor> {
    if fast(pre) && fast(c) && shapes_fit(pre, c)? {
        pre.apply_op2(c, LstmHalf(Half::State))
    } else {
        let h = c.dim(1)?;
        candle_nn::ops::sigmoid(&pre.narrow(1, 3 * h, h)?)?.mul(&super::tanh(c)?)
    }
}

fn shapes_fit(pre: &Tensor, c: &Tensor) -> Result<bool> {
    Ok(pre.rank() == 2
        && c.rank() == 2
        && pre.dim(0)? == c.dim(0)?
        && pre.dim(1)? == 4 * c.dim(1)?)
}

/// The contiguous f32 values of a CPU tensor.
fn values(t: &Tensor) -> Result<Vec<f32>> {
    t.flatten_all()?.to_vec1::<f32>()
}

/// The gate pre-activations of one example, `[i f g o]`, as four slices of `h`.
#[inline(always)]
fn gates(p: &[f32], h: usize) -> (&[f32], &[f32], &[f32], &[f32]) {
    let (i, rest) = p.split_at(h);
    let (f, rest) = rest.split_at(h);
    let (g, o) = rest.split_at(h);
    (i, f, g, &o[..h])
}

widest_simd! {
    /// `c = σ(f)⊙c_prev + σ(i)⊙tanh(g)`, example by example.
    fn cell_forward(pre: &[f32], c_prev: &[f32], out: &mut [f32], h: usize) {
        let rows = pre.chunks_exact(4 * h).zip(c_prev.chunks_exact(h));
        for ((p, cp), out) in rows.zip(out.chunks_exact_mut(h)) {
            let (i, f, g, _) = gates(p, h);
            for ((((out, &i), &f), &g), &cp) in out.iter_mut().zip(i).zip(f).zip(g).zip(cp) {
                let (i, f, g) = (sigmoid(i), sigmoid(f), tanh_f32(g));
                *out = f * cp + i * g;
            }
        }
    }
}

widest_simd! {
    /// The gradients of [`cell_forward`] from `∂L/∂c` (`gc`): `d_pre` (i, f, g; o untouched)
    /// and `∂L/∂c_prev`.
    fn cell_backward(
        pre: &[f32],
        c_prev: &[f32],
        gc: &[f32],
        d_pre: &mut [f32],
        d_prev: &mut [f32],
        h: usize,
    ) {
        let rows = pre.chunks_exact(4 * h).zip(c_prev.chunks_exact(h)).zip(gc.chunks_exact(h));
        let grads = d_pre.chunks_exact_mut(4 * h).zip(d_prev.chunks_exact_mut(h));
        for (((p, cp), gc), (dp, d_prev)) in rows.zip(grads) {
            let (i, f, g, _) = gates(p, h);
            let (di, rest) = dp.split_at_mut(h);
            let (df, rest) = rest.split_at_mut(h);
            let dg = &mut rest[..h];
            for u in 0..h {
                let (i, f, g) = (sigmoid(i[u]), sigmoid(f[u]), tanh_f32(g[u]));
                let (gc, cp) = (gc[u], cp[u]);
                di[u] = gc * g * i * (1.0 - i);
                df[u] = gc * cp * f * (1.0 - f);
                dg[u] = gc * i * (1.0 - g * g);
                d_prev[u] = gc * f;
            }
        }
    }
}

widest_simd! {
    /// `h = σ(o)⊙tanh(c)`, example by example.
    fn state_forward(pre: &[f32], c: &[f32], out: &mut [f32], h: usize) {
        let rows = pre.chunks_exact(4 * h).zip(c.chunks_exact(h));
        for ((p, c), out) in rows.zip(out.chunks_exact_mut(h)) {
            let (_, _, _, o) = gates(p, h);
            for ((out, &o), &c) in out.iter_mut().zip(o).zip(c) {
                *out = sigmoid(o) * tanh_f32(c);
            }
        }
    }
}

widest_simd! {
    /// The gradients of [`state_forward`] from `∂L/∂h` (`gh`): `d_pre` (o only) and `∂L/∂c`.
    fn state_backward(
        pre: &[f32],
        c: &[f32],
        gh: &[f32],
        d_pre: &mut [f32],
        d_c: &mut [f32],
        h: usize,
    ) {
        let rows = pre.chunks_exact(4 * h).zip(c.chunks_exact(h)).zip(gh.chunks_exact(h));
        let grads = d_pre.chunks_exact_mut(4 * h).zip(d_c.chunks_exact_mut(h));
        for (((p, c), gh), (dp, d_c)) in rows.zip(grads) {
            let (_, _, _, o) = gates(p, h);
            let d_o = &mut dp[3 * h..4 * h];
            for u in 0..h {
                let (o, t) = (sigmoid(o[u]), tanh_f32(c[u]));
                let gh = gh[u];
                d_o[u] = gh * t * o * (1.0 - o);
                d_c[u] = gh * o * (1.0 - t * t);
            }
        }
    }
}

/// Which half of the step an op computes: the cell (`c_prev` in, `c` out) or the state (`c`
/// in, `h` out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Half {
    Cell,
    State,
}

/// A half of the LSTM step as a candle op of `pre` and an `[batch, H]` tensor (`c_prev` for
/// the cell, `c` for the state).
struct LstmHalf(Half);

impl CustomOp2 for LstmHalf {
    fn name(&self) -> &'static str {
        match self.0 {
            Half::Cell => "lstm-cell",
            Half::State => "lstm-state",
        }
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (pre, cells) = (
            contiguous_f32(s1, l1, self.name())?,
            contiguous_f32(s2, l2, self.name())?,
        );
        let h = l2.dims()[1];
        let mut out = vec![0f32; cells.len()];
        match self.0 {
            Half::Cell => cell_forward(pre, cells, &mut out, h),
            Half::State => state_forward(pre, cells, &mut out, h),
        }
        Ok((CpuStorage::F32(out), l2.shape().clone()))
    }

    fn bwd(
        &self,
        pre: &Tensor,
        cells: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let h = cells.dim(1)?;
        let (p, c, g) = (values(pre)?, values(cells)?, values(grad_res)?);
        let mut d_pre = vec![0f32; p.len()];
        let mut d_cells = vec![0f32; c.len()];
        match self.0 {
            Half::Cell => cell_backward(&p, &c, &g, &mut d_pre, &mut d_cells, h),
            Half::State => state_backward(&p, &c, &g, &mut d_pre, &mut d_cells, h),
        }
        Ok((
            Some(Tensor::from_vec(d_pre, pre.shape(), pre.device())?),
            Some(Tensor::from_vec(d_cells, cells.shape(), cells.device())?),
        ))
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Var};

    use super::*;

    /// The fused ops against the composed ones (their fallback): values and every gradient.
    #[test]
    fn fused_steps_match_the_composed_ops() {
        let dev = Device::Cpu;
        let pre = Var::from_tensor(&Tensor::randn(0f32, 1.5, (3, 20), &dev).unwrap()).unwrap();
        let c_prev = Var::from_tensor(&Tensor::randn(0f32, 1.0, (3, 5), &dev).unwrap()).unwrap();
        let w = Tensor::randn(0f32, 1.0, (3, 5), &dev).unwrap();
        let run = |fused: bool| {
            let (p, cp) = (pre.as_tensor(), c_prev.as_tensor());
            // A strided copy of `pre` takes the composed path.
            let p = if fused {
                p.clone()
            } else {
                p.t().unwrap().contiguous().unwrap().t().unwrap()
            };
            let c = lstm_cell(&p, cp).unwrap();
            let h = lstm_state(&p, &c).unwrap();
            let loss = (h.mul(&w).unwrap().sum_all().unwrap()
                + c.mul(&w).unwrap().sqr().unwrap().sum_all().unwrap())
            .unwrap();
            let grads = loss.backward().unwrap();
            let g = |v: &Var| values(grads.get(v.as_tensor()).unwrap()).unwrap();
            (values(&h).unwrap(), g(&pre), g(&c_prev))
        };
        let (fused, composed) = (run(true), run(false));
        for (a, b) in [
            (&fused.0, &composed.0),
            (&fused.1, &composed.1),
            (&fused.2, &composed.2),
        ] {
            for (x, y) in a.iter().zip(b.iter()) {
                assert!((x - y).abs() < 1e-5, "{x} vs {y}");
            }
        }
        assert!(fused.1.iter().any(|&g| g != 0.0));
    }
}
