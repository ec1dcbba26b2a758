//! MetaInit's gradient quotient at initialization (Dauphin & Schoenholz 2019, "MetaInit:
//! Initializing learning by learning to initialize", eq. 1): how far the loss is from locally
//! quadratic-with-identity-curvature along the gradient, the quantity MetaInit minimizes. With
//! `g = ∇L(θ)`, `H` the Hessian, `s = sign(g)` and `ε = 10⁻⁵`, over the `N` parameters,
//!
//! `GQ = (1/N)·Σ_i |(Hg)_i + ε·s_i| / |g_i + ε·s_i|`
//!
//! (the reference code's `|(g − Hg)/(g + ε·s) − 1|`). candle has no second derivatives, so `Hg`
//! is a central finite difference of gradients along `g`:
//! `(∇L(θ + h·g) − ∇L(θ − h·g)) / (2h)` with `h·‖g‖ = 10⁻³·‖θ‖` (exact for a quadratic loss
//! up to rounding), on the fixed probe batch; the parameters are restored exactly afterwards.

use candle_core::{Result as CandleResult, Tensor};

use crate::data::Task;
use crate::net::ProbedNet;

/// The safeguard of the quotient's denominator, as in the reference implementation.
pub const EPSILON: f64 = 1e-5;
/// The finite difference's step along `g`, relative to the parameters' norm.
const RELATIVE_STEP: f64 = 1e-3;

/// The gradient quotient of `model` on `(x, y)`; `None` when the gradient is zero or a value is
/// not finite.
pub fn gradient_quotient(
    model: &dyn ProbedNet,
    x: &Tensor,
    y: &Tensor,
    task: Task,
) -> CandleResult<Option<f64>> {
    let vars = model.vars();
    let flat = |t: &Tensor| -> CandleResult<Vec<f32>> { t.flatten_all()?.to_vec1::<f32>() };
    let gradients = |model: &dyn ProbedNet| -> CandleResult<Vec<Vec<f32>>> {
        let grads = model.loss(x, y, task)?.backward()?;
        vars.iter()
            .map(|v| match grads.get(v.as_tensor()) {
                Some(g) => flat(g),
                None => Ok(vec![0.0; v.as_tensor().elem_count()]),
            })
            .collect()
    };
    let theta: Vec<Tensor> = vars
        .iter()
        .map(|v| v.as_tensor().copy())
        .collect::<CandleResult<_>>()?;
    let g = gradients(model)?;
    let norm = |vs: &[Vec<f32>]| {
        vs.iter()
            .flatten()
            .map(|&v| f64::from(v) * f64::from(v))
            .sum::<f64>()
            .sqrt()
    };
    let theta_values: Vec<Vec<f32>> = theta.iter().map(flat).collect::<CandleResult<_>>()?;
    let (g_norm, theta_norm) = (norm(&g), norm(&theta_values));
    if !(g_norm > 0.0 && g_norm.is_finite() && theta_norm.is_finite()) {
        return Ok(None);
    }
    let h = RELATIVE_STEP * theta_norm.max(1.0) / g_norm;
    // θ ± h·g, one variable at a time, and the gradient there.
    let shifted = |sign: f64| -> CandleResult<Vec<Vec<f32>>> {
        for ((v, t), gv) in vars.iter().zip(&theta).zip(&g) {
            let step = Tensor::from_slice(gv, t.shape(), t.device())?;
            v.set(&(t + step.affine(sign * h, 0.0)?)?)?;
        }
        gradients(model)
    };
    let (up, down) = (shifted(1.0)?, shifted(-1.0)?);
    for (v, t) in vars.iter().zip(&theta) {
        v.set(t)?;
    }
    let (mut sum, mut count) = (0.0, 0usize);
    for ((g, up), down) in g.iter().zip(&up).zip(&down) {
        for ((&gi, &u), &d) in g.iter().zip(up).zip(down) {
            let gi = f64::from(gi);
            let hg = (f64::from(u) - f64::from(d)) / (2.0 * h);
            let s = if gi >= 0.0 { EPSILON } else { -EPSILON };
            sum += (hg + s).abs() / (gi + s).abs();
            count += 1;
        }
    }
    let gq = sum / count as f64;
    Ok(gq.is_finite().then_some(gq))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::net::mlp::Mlp;
    use candle_core::Device;

    /// A linear regression `ŷ = xW + b` under the mean squared error is quadratic, so the finite
    /// difference is its exact Hessian-vector product: with `R = XW + 1bᵀ − Y` over `n`
    /// examples and `k` outputs, `∇_W = (2/nk)·XᵀR`, `∇_b = (2/nk)·Σ_rows R`, and `H` applied to
    /// `(V_W, V_b)` is the same with `R` replaced by `XV_W + 1V_bᵀ`.
    #[test]
    fn the_quotient_of_a_linear_regression_by_hand() {
        let (n, d, k) = (5usize, 3usize, 2usize);
        let xs: Vec<f64> = (0..n * d)
            .map(|i| ((i * 7) % 11) as f64 / 5.0 - 1.0)
            .collect();
        let ys: Vec<f64> = (0..n * k)
            .map(|i| ((i * 5) % 7) as f64 / 3.0 - 1.0)
            .collect();
        let w: Vec<f64> = (0..d * k)
            .map(|i| ((i * 3) % 5) as f64 / 4.0 - 0.5)
            .collect();
        let b = [0.1, -0.2];
        let f32s = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
        let model = Mlp::from_params(
            &[d, k],
            &[(f32s(&w), f32s(&b))],
            Activation::Linear,
            &Device::Cpu,
        )
        .unwrap();
        let x = Tensor::from_slice(&f32s(&xs), (n, d), &Device::Cpu).unwrap();
        let y = Tensor::from_slice(&f32s(&ys), (n, k), &Device::Cpu).unwrap();
        let gq = gradient_quotient(&model, &x, &y, Task::Regression { outputs: k })
            .unwrap()
            .unwrap();

        // The gradient and Hg by hand, in f64.
        let scale = 2.0 / (n * k) as f64;
        let apply = |vw: &[f64], vb: &[f64], minus_y: bool| -> (Vec<f64>, Vec<f64>) {
            let mut r = vec![0.0; n * k];
            for i in 0..n {
                for j in 0..k {
                    let mut v: f64 = (0..d).map(|a| xs[i * d + a] * vw[a * k + j]).sum();
                    v += vb[j];
                    if minus_y {
                        v -= ys[i * k + j];
                    }
                    r[i * k + j] = v;
                }
            }
            let gw = (0..d * k)
                .map(|ak| {
                    let (a, j) = (ak / k, ak % k);
                    scale * (0..n).map(|i| xs[i * d + a] * r[i * k + j]).sum::<f64>()
                })
                .collect();
            let gb = (0..k)
                .map(|j| scale * (0..n).map(|i| r[i * k + j]).sum::<f64>())
                .collect();
            (gw, gb)
        };
        let (gw, gb) = apply(&w, &b, true);
        let (hw, hb) = apply(&gw, &gb, false);
        let g: Vec<f64> = gw.iter().chain(&gb).copied().collect();
        let hg: Vec<f64> = hw.iter().chain(&hb).copied().collect();
        let expected = g
            .iter()
            .zip(&hg)
            .map(|(&g, &hg)| {
                let s = if g >= 0.0 { EPSILON } else { -EPSILON };
                (hg + s).abs() / (g + s).abs()
            })
            .sum::<f64>()
            / g.len() as f64;
        assert!(
            (gq / expected - 1.0).abs() < 1e-3,
            "{gq} vs {expected} by hand"
        );
        // The parameters are restored exactly.
        let w_after = model.layers[0].w.as_tensor().flatten_all().unwrap();
        assert_eq!(w_after.to_vec1::<f32>().unwrap(), f32s(&w));
    }
}
