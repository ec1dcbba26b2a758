//! Layer-sequential unit-variance initialization (Mishkin & Matas 2015, arXiv:1511.06422),
//! through the network seam: it needs only a site's pre-activation and its weight.
//!
//! Starting from orthogonal weights, for each LSUV layer in order: forward the batch, compute
//! the variance of the layer's pre-activation `z^l`, and while `|Var(z^l) − 1| >= tol` and
//! fewer than `max_iter` rescalings were made, set `W^l ← W^l/√Var(z^l)`. Layers below are
//! already rescaled when a layer is measured, as in the reference code.

use candle_core::{Result as CandleResult, Tensor};

use super::ProbedNet;
use crate::init::{InitScheme, NetworkInit};
use crate::net::moments::mean_var;

/// Rescales the weights of the sites of `net` whose scheme is LSUV, on the batch `x`; returns
/// the number of rescalings of each such site, in site order.
pub fn apply<N: ProbedNet + ?Sized>(
    net: &N,
    init: &NetworkInit,
    x: &Tensor,
) -> CandleResult<Vec<usize>> {
    let mut iterations = Vec::new();
    for s in 0..net.sites().len() {
        let InitScheme::Lsuv { tol, max_iter, .. } = *net.site_scheme(s, init) else {
            continue;
        };
        let Some(weight) = net.site_weight(s) else {
            continue;
        };
        let mut done = 0;
        loop {
            let z = net.pre_activation(x, s)?;
            let (_, var) = mean_var(&z.flatten_all()?.to_vec1::<f32>()?);
            if (var - 1.0).abs() < tol || done == max_iter || !(var.is_finite() && var > 0.0) {
                break;
            }
            weight.set(&(weight.as_tensor() / var.sqrt())?)?;
            done += 1;
        }
        iterations.push(done);
    }
    Ok(iterations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::init::BiasScheme;
    use crate::net::mlp::Mlp;
    use crate::rng::{stream, Purpose};
    use candle_core::Device;
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn every_lsuv_layer_ends_within_tol_of_unit_variance() {
        let device = Device::Cpu;
        // Inputs of variance 9 and a constant bias, so one rescaling per layer is not enough.
        let mut rng = stream(3, Purpose::Data);
        let x: Vec<f32> = (0..128 * 20)
            .map(|_| 3.0 * Distribution::<f32>::sample(&StandardNormal, &mut rng))
            .collect();
        let x = Tensor::from_vec(x, (128, 20), &device).unwrap();
        for activation in [Activation::Tanh, Activation::Relu] {
            let tol = 0.05;
            let init = NetworkInit {
                input: None,
                hidden: InitScheme::Lsuv {
                    tol,
                    max_iter: 10,
                    batch: 128,
                },
                output: Some(InitScheme::Zeros {}),
                bias: BiasScheme::Constant { value: 0.5 },
            };
            let sizes = [20, 64, 64, 64, 5];
            let model = Mlp::init(&sizes, activation, &init, 7, &device).unwrap();
            let iterations = apply(&model, &init, &x).unwrap();
            assert_eq!(
                iterations.len(),
                3,
                "the zero read-out is not an LSUV layer"
            );
            assert!(iterations.iter().all(|&i| i <= 10), "{iterations:?}");
            assert!(
                iterations[0] >= 1,
                "inputs of variance 9 need rescaling: {iterations:?}"
            );
            for l in 0..3 {
                let z = model.pre_activation(&x, l).unwrap();
                let (_, var) = mean_var(&z.flatten_all().unwrap().to_vec1::<f32>().unwrap());
                assert!(
                    (var - 1.0).abs() < tol,
                    "{activation} layer {}: Var(z) = {var}",
                    l + 1
                );
            }
        }
    }
}
