//! Gradient clipping by global norm (Pascanu, Mikolov & Bengio 2013, "On the difficulty of
//! training recurrent neural networks", Algorithm 1), as PyTorch's `clip_grad_norm_` does it:
//! with `‖g‖` the L2 norm of every variable's gradient taken together, each gradient is
//! multiplied by `max_norm / (‖g‖ + 1e-6)` when that is below 1, so an update keeps its
//! direction and its length is at most about `η·max_norm`.

use candle_core::backprop::GradStore;
use candle_core::{Result as CandleResult, Var};

/// PyTorch's guard against dividing by a zero norm.
const EPS: f64 = 1e-6;

/// Clips the gradients of `vars` in `grads` to the global norm `max_norm`; returns the norm
/// before clipping and whether the gradients were scaled.
pub fn clip_grad_norm(
    vars: &[Var],
    grads: &mut GradStore,
    max_norm: f64,
) -> CandleResult<(f64, bool)> {
    let mut squares = 0.0f64;
    for var in vars {
        if let Some(g) = grads.get(var.as_tensor()) {
            squares += f64::from(g.sqr()?.sum_all()?.to_scalar::<f32>()?);
        }
    }
    let norm = squares.sqrt();
    let scale = max_norm / (norm + EPS);
    if scale.is_nan() || scale >= 1.0 {
        return Ok((norm, false));
    }
    for var in vars {
        if let Some(g) = grads.get(var.as_tensor()) {
            let clipped = (g * scale)?;
            grads.insert(var.as_tensor(), clipped);
        }
    }
    Ok((norm, true))
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Tensor};

    use super::*;

    #[test]
    fn the_global_norm_is_clipped_and_the_direction_kept() {
        let dev = Device::Cpu;
        let a = Var::from_tensor(&Tensor::new(&[1.0f32, 2.0], &dev).unwrap()).unwrap();
        let b = Var::from_tensor(&Tensor::new(&[2.0f32], &dev).unwrap()).unwrap();
        // loss = 3·a₀ + 4·a₁ + 12·b: gradients (3, 4) and (12), global norm 13.
        let w = Tensor::new(&[3.0f32, 4.0], &dev).unwrap();
        let loss = ((a.as_tensor() * &w).unwrap().sum_all().unwrap()
            + (b.as_tensor() * 12.0).unwrap().sum_all().unwrap())
        .unwrap();
        let vars = [a.clone(), b.clone()];
        let mut grads = loss.backward().unwrap();
        let (norm, clipped) = clip_grad_norm(&vars, &mut grads, 1.0).unwrap();
        assert!((norm - 13.0).abs() < 1e-6 && clipped);
        let g = |v: &Var| -> Vec<f32> { grads.get(v.as_tensor()).unwrap().to_vec1().unwrap() };
        let s = 1.0 / (13.0 + EPS);
        let expected = [3.0 * s, 4.0 * s, 12.0 * s];
        let got: Vec<f32> = g(&a).into_iter().chain(g(&b)).collect();
        for (x, e) in got.iter().zip(expected) {
            assert!((f64::from(*x) - e).abs() < 1e-7, "{got:?}");
        }
        // Below the threshold nothing changes.
        let mut grads = loss.backward().unwrap();
        let (norm, clipped) = clip_grad_norm(&vars, &mut grads, 20.0).unwrap();
        assert!((norm - 13.0).abs() < 1e-6 && !clipped);
        assert_eq!(
            grads.get(a.as_tensor()).unwrap().to_vec1::<f32>().unwrap(),
            [3.0, 4.0]
        );
    }
}
