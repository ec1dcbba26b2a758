//! Tests of `kernels`: the fast tanh, exp and sigmoid against f64, the rectifiers by hand, and
//! every fused op's values and gradients against candle's own ops (the whole-sequence op
//! against stepping through time).

use super::*;
use candle_core::{Device, Var};

/// Relative error in ulp-sized units against f64's tanh over 1e-30..20, both signs.
#[test]
fn tanh_is_accurate_to_a_few_ulp_everywhere() {
    let mut worst = 0f64;
    let mut x = 1e-30f64;
    while x < 20.0 {
        for v in [x, -x] {
            let got = f64::from(tanh_f32(v as f32));
            let want = (f64::from(v as f32)).tanh();
            worst = worst.max(((got - want) / want).abs());
        }
        x *= 1.001;
    }
    // f32's ulp is 2^-23 ≈ 1.2e-7 relative; the approximation stays within ~3 of them.
    assert!(worst < 4e-7, "worst relative error {worst:e}");
    assert_eq!(tanh_f32(0.0), 0.0);
    assert_eq!(tanh_f32(1e-8), 1e-8);
    assert_eq!(tanh_f32(100.0), 1.0);
    assert_eq!(tanh_f32(-100.0), -1.0);
    assert!(tanh_f32(f32::NAN).is_nan());
}

/// The vectorizable exp and sigmoid against f64 over their whole range.
#[test]
fn exp_and_sigmoid_are_accurate_to_a_few_ulp() {
    let (mut worst_exp, mut worst_sigmoid) = (0f64, 0f64);
    let mut x = -87.0f32;
    while x < 88.0 {
        let v = f64::from(x);
        worst_exp = worst_exp.max((f64::from(exp_f32(x)) / v.exp() - 1.0).abs());
        let sigmoid = 1.0 / (1.0 + (-v).exp());
        worst_sigmoid = worst_sigmoid.max((f64::from(sigmoid_f32(x)) / sigmoid - 1.0).abs());
        x += 0.001_7;
    }
    assert!(worst_exp < 3e-7, "exp: worst relative error {worst_exp:e}");
    assert!(
        worst_sigmoid < 4e-7,
        "sigmoid: worst relative error {worst_sigmoid:e}"
    );
    assert_eq!(exp_f32(0.0), 1.0);
    assert!(exp_f32(-1000.0) > 0.0 && exp_f32(1000.0).is_finite());
    assert!(exp_f32(f32::NAN).is_nan() && sigmoid_f32(f32::NAN).is_nan());
    // A closed gate keeps its relative precision.
    assert!((f64::from(sigmoid_f32(-20.0)) / (-20f64).exp() - 1.0).abs() < 1e-6);
}

/// Values and gradients of the rectifiers by hand, including the kink (φ'(0) = slope).
#[test]
fn rectifiers_by_hand() -> Result<()> {
    let z = Var::new(&[-2.0f32, -0.5, 0.0, 0.5, 3.0], &Device::Cpu)?;
    for (slope, values, grads) in [
        (0.0, [0.0, 0.0, 0.0, 0.5, 3.0], [0.0, 0.0, 0.0, 1.0, 1.0]),
        (0.2, [-0.4, -0.1, 0.0, 0.5, 3.0], [0.2, 0.2, 0.2, 1.0, 1.0]),
    ] {
        let y = leaky_relu(z.as_tensor(), slope)?;
        let g = y.sum_all()?.backward()?;
        let g = g.get(z.as_tensor()).expect("a gradient").to_vec1::<f32>()?;
        let y = y.to_vec1::<f32>()?;
        for i in 0..5 {
            assert!((y[i] - values[i]).abs() < 1e-7, "slope {slope}: {y:?}");
            assert!((g[i] - grads[i]).abs() < 1e-7, "slope {slope}: {g:?}");
        }
        assert!(y[..3].iter().all(|v| v.is_sign_positive() || *v < 0.0));
    }
    Ok(())
}

#[test]
fn fast_ops_match_candle_values_and_gradients() -> Result<()> {
    let dev = Device::Cpu;
    let z0: Vec<f32> = (0..60).map(|i| (i as f32 - 30.0) * 0.173).collect();
    let b0: Vec<f32> = (0..6).map(|i| i as f32 * 0.3 - 0.7).collect();
    let weights = Tensor::from_vec(
        (0..60)
            .map(|i| ((i * 7) % 11) as f32 - 5.0)
            .collect::<Vec<_>>(),
        (10, 6),
        &dev,
    )?;
    let eval = |fast: bool| -> Result<(Vec<f32>, Vec<f32>, Vec<f32>)> {
        let z = Var::from_tensor(&Tensor::from_vec(z0.clone(), (10, 6), &dev)?)?;
        let b = Var::from_tensor(&Tensor::from_vec(b0.clone(), 6, &dev)?)?;
        let y = if fast {
            tanh(&bias_add(z.as_tensor(), b.as_tensor())?)?
        } else {
            z.as_tensor().broadcast_add(b.as_tensor())?.tanh()?
        };
        let loss = (&y * &weights)?.sum_all()?;
        let grads = loss.backward()?;
        let flat = |t: &Tensor| t.flatten_all()?.to_vec1::<f32>();
        Ok((
            flat(&y)?,
            flat(grads.get(z.as_tensor()).expect("z grad"))?,
            flat(grads.get(b.as_tensor()).expect("b grad"))?,
        ))
    };
    let (fast, slow) = (eval(true)?, eval(false)?);
    // With a probe variable: the same values, and the probe's gradient is z's.
    let z = Var::from_tensor(&Tensor::from_vec(z0.clone(), (10, 6), &dev)?)?;
    let b = Var::from_tensor(&Tensor::from_vec(b0.clone(), 6, &dev)?)?;
    let tap = Var::zeros((10, 6), candle_core::DType::F32, &dev)?;
    let y = tanh(&bias_add_tap(
        z.as_tensor(),
        b.as_tensor(),
        tap.as_tensor(),
    )?)?;
    let grads = (&y * &weights)?.sum_all()?.backward()?;
    let tapped = (
        y.flatten_all()?.to_vec1::<f32>()?,
        grads
            .get(tap.as_tensor())
            .expect("tap grad")
            .flatten_all()?
            .to_vec1::<f32>()?,
        grads.get(b.as_tensor()).expect("b grad").to_vec1::<f32>()?,
    );
    for (a, b) in [
        (&fast.0, &slow.0),
        (&fast.1, &slow.1),
        (&fast.2, &slow.2),
        (&tapped.0, &slow.0),
        (&tapped.1, &slow.1),
        (&tapped.2, &slow.2),
    ] {
        for (x, y) in a.iter().zip(b.iter()) {
            assert!((x - y).abs() <= 1e-5 * (1.0 + y.abs()), "{x} vs {y}");
        }
    }
    Ok(())
}

/// The fused sequence against the same network stepped through time with candle's ops (and
/// the per-step fused LSTM ops): every state, and the gradients of all three inputs, for a
/// loss that reads every state.
#[test]
fn fused_sequences_match_stepping_through_time() {
    let dev = Device::Cpu;
    let (steps, batch, h) = (4, 3, 5);
    for cell in [
        FusedCell::ElmanTanh,
        FusedCell::ElmanRelu,
        FusedCell::LstmTanh,
    ] {
        let g = cell.gates() * h;
        let randn = |shape: &[usize], std: f64| {
            Var::from_tensor(&Tensor::randn(0f32, std as f32, shape, &dev).unwrap()).unwrap()
        };
        let xw = randn(&[steps, batch, g], 1.0);
        let w = randn(&[h, g], 0.6);
        let b = randn(&[g], 0.5);
        let readout = Tensor::randn(0f32, 1.0, (steps, batch, h), &dev).unwrap();
        let stepped = || -> Vec<Tensor> {
            let (mut hs, mut state, mut c) = (Vec::new(), None::<Tensor>, None::<Tensor>);
            for t in 0..steps {
                let x = xw.as_tensor().get(t).unwrap();
                let pre = match &state {
                    Some(s) => x.add(&s.matmul(w.as_tensor()).unwrap()).unwrap(),
                    None => x,
                };
                let pre = bias_add(&pre, b.as_tensor()).unwrap();
                let next = match cell {
                    FusedCell::ElmanTanh => tanh(&pre).unwrap(),
                    FusedCell::ElmanRelu => leaky_relu(&pre, 0.0).unwrap(),
                    FusedCell::LstmTanh => {
                        let zero = Tensor::zeros((batch, h), candle_core::DType::F32, &dev);
                        let cp = c.clone().unwrap_or_else(|| zero.unwrap());
                        let cell = lstm_cell(&pre, &cp).unwrap();
                        let out = lstm_state(&pre, &cell).unwrap();
                        c = Some(cell);
                        out
                    }
                };
                hs.push(next.clone());
                state = Some(next);
            }
            hs
        };
        let fused = recurrent_sequence(cell, xw.as_tensor(), w.as_tensor(), b.as_tensor())
            .unwrap()
            .expect("contiguous f32 CPU tensors take the fused path");
        let reference = Tensor::stack(&stepped(), 0).unwrap();
        let loss = |hs: &Tensor| hs.mul(&readout).unwrap().sqr().unwrap().sum_all().unwrap();
        let (gf, gr) = (
            loss(&fused).backward().unwrap(),
            loss(&reference).backward().unwrap(),
        );
        let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let close = |a: Vec<f32>, b: Vec<f32>, what: &str| {
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(&b) {
                assert!(
                    (x - y).abs() <= 2e-5 * (1.0 + y.abs()),
                    "{cell:?} {what}: {x} vs {y}"
                );
            }
            assert!(b.iter().any(|&v| v != 0.0), "{cell:?} {what}: all zero");
        };
        close(flat(&fused), flat(&reference), "states");
        for (v, what) in [(&xw, "∂L/∂xw"), (&w, "∂L/∂W_hh"), (&b, "∂L/∂b")] {
            let got = flat(gf.get(v.as_tensor()).unwrap());
            close(got, flat(gr.get(v.as_tensor()).unwrap()), what);
        }
    }
}

/// A non-contiguous input falls back (the caller steps through time).
#[test]
fn strided_inputs_are_left_to_the_caller() {
    let dev = Device::Cpu;
    let xw = Tensor::zeros((2, 3, 4), candle_core::DType::F32, &dev).unwrap();
    let strided = xw.transpose(0, 1).unwrap();
    let w = Tensor::zeros((4, 4), candle_core::DType::F32, &dev).unwrap();
    let b = Tensor::zeros(4, candle_core::DType::F32, &dev).unwrap();
    let got = recurrent_sequence(FusedCell::ElmanTanh, &strided, &w, &b).unwrap();
    assert!(got.is_none());
}

/// The slice matmul by hand: a plain product, one read through transposed strides, and one
/// accumulated into what `dst` held.
#[test]
fn slice_matmul_by_hand() {
    let a = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2×3
    let b = [7.0f32, 8.0, 9.0, 10.0, 11.0, 12.0]; // 3×2
    let mut dst = [0f32; 4];
    super::gemm::matmul(&mut dst, false, (2, 2, 3), (&a, 3, 1), (&b, 2, 1));
    assert_eq!(dst, [58.0, 64.0, 139.0, 154.0]);
    // bᵀ stored row-major as 2×3 and read as 3×2 through its strides.
    let bt = [7.0f32, 9.0, 11.0, 8.0, 10.0, 12.0];
    let mut again = [1f32; 4];
    super::gemm::matmul(&mut again, true, (2, 2, 3), (&a, 3, 1), (&bt, 1, 3));
    assert_eq!(again, [59.0, 65.0, 140.0, 155.0]);
}
