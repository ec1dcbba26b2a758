//! The residual stream's sum as one fused op: `x + (z + b)`, the stream `x` plus the last
//! branch layer's `z = h·W` and its bias, in one pass instead of candle's bias add and then
//! its add (whose backward costs an extra accumulation into `x`'s gradient). The sum is
//! computed in the same order as the two ops, `(z + b) + x`, so it gives their bits; the
//! backward hands `∂L/∂sum` to `z` and `x` and its column sum to `b`. A residual block then
//! costs the operations of two MLP layers (`cargo bench --bench train_step -- --residual`).

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor};

use super::{bias_grads, contiguous_f32, fast};

/// `x + (z + b)` for `z`, `x` of shape `[rows, n]` and `b` of shape `[n]`.
pub fn bias_add_skip(z: &Tensor, b: &Tensor, x: &Tensor) -> Result<Tensor> {
    if fast(z)
        && fast(b)
        && fast(x)
        && z.rank() == 2
        && b.dims() == [z.dim(1)?]
        && x.dims() == z.dims()
    {
        z.apply_op3(b, x, BiasAddSkip)
    } else {
        x + z.broadcast_add(b)?
    }
}

struct BiasAddSkip;

impl CustomOp3 for BiasAddSkip {
    fn name(&self) -> &'static str {
        "bias-add-skip"
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
        let (z, b, x) = (
            contiguous_f32(s1, l1, op)?,
            contiguous_f32(s2, l2, op)?,
            contiguous_f32(s3, l3, op)?,
        );
        let mut out = Vec::with_capacity(z.len());
        if !b.is_empty() {
            for (row, skip) in z.chunks_exact(b.len()).zip(x.chunks_exact(b.len())) {
                out.extend(
                    row.iter()
                        .zip(b)
                        .zip(skip)
                        .map(|((&z, &b), &x)| (z + b) + x),
                );
            }
        }
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }

    fn bwd(
        &self,
        _z: &Tensor,
        _b: &Tensor,
        _x: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (grad, grad_b) = bias_grads(grad_res)?;
        Ok((Some(grad.clone()), Some(grad_b), Some(grad)))
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Var};

    use super::*;

    #[test]
    fn the_fused_sum_gives_the_two_ops_bits_and_gradients() {
        let dev = Device::Cpu;
        let z = Var::from_tensor(&Tensor::randn(0f32, 1.0, (5, 7), &dev).unwrap()).unwrap();
        let b = Var::from_tensor(&Tensor::randn(0f32, 1.0, 7, &dev).unwrap()).unwrap();
        let x = Var::from_tensor(&Tensor::randn(0f32, 3.0, (5, 7), &dev).unwrap()).unwrap();
        let w = Tensor::randn(0f32, 1.0, (5, 7), &dev).unwrap();
        let fused = bias_add_skip(z.as_tensor(), b.as_tensor(), x.as_tensor()).unwrap();
        let plain = x
            .as_tensor()
            .add(&z.as_tensor().broadcast_add(b.as_tensor()).unwrap())
            .unwrap();
        let bits = |t: &Tensor| -> Vec<u32> {
            t.flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap()
                .iter()
                .map(|v| v.to_bits())
                .collect()
        };
        assert_eq!(bits(&fused), bits(&plain));
        let gf = (fused * &w).unwrap().sum_all().unwrap().backward().unwrap();
        let gp = (plain * &w).unwrap().sum_all().unwrap().backward().unwrap();
        for v in [&z, &b, &x] {
            let (a, c) = (
                gf.get(v.as_tensor()).unwrap(),
                gp.get(v.as_tensor()).unwrap(),
            );
            let diff = (a - c).unwrap().abs().unwrap().max_all().unwrap();
            assert!(diff.to_scalar::<f32>().unwrap() < 1e-5);
        }
    }
}
