//! The block algebra against a hand computation on a tiny network, the exact identity of
//! silent branches at initialization, and the branch schemes' starts.

use candle_core::{Device, Tensor};

use super::*;
use crate::init::{BiasScheme, FanMode, InitScheme};

/// `h·W + b` in f64 for one example, `W` row-major `[fan_in, fan_out]`.
fn affine(h: &[f64], w: &[f32], b: &[f32]) -> Vec<f64> {
    let fan_out = b.len();
    (0..fan_out)
        .map(|j| {
            h.iter()
                .enumerate()
                .map(|(i, &v)| v * f64::from(w[i * fan_out + j]))
                .sum::<f64>()
                + f64::from(b[j])
        })
        .collect()
}

fn relu(v: &[f64]) -> Vec<f64> {
    v.iter().map(|&x| x.max(0.0)).collect()
}

fn add(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

/// Two blocks of two layers, 2 inputs, width 2, one output: every weight written out.
fn params() -> Vec<(Vec<f32>, Vec<f32>)> {
    vec![
        (vec![0.5, -1.0, 0.25, 0.5], vec![0.1, -0.2]),
        (vec![1.0, 0.5, -0.5, 2.0], vec![0.0, 0.1]),
        (vec![0.5, 0.0, -1.0, 1.0], vec![0.2, 0.0]),
        (vec![-1.0, 1.5, 0.5, 0.25], vec![0.0, 0.3]),
        (vec![2.0, -0.5, 1.0, 1.0], vec![-0.1, 0.0]),
        (vec![1.0, -2.0], vec![0.5]),
    ]
}

fn shape(order: BlockOrder) -> ResidualShape {
    ResidualShape {
        input: 2,
        width: 2,
        outputs: 1,
        blocks: 2,
        layers: 2,
        order,
    }
}

fn net(order: BlockOrder, branch: Branch) -> ResidualMlp {
    ResidualMlp::from_params(
        shape(order),
        &params(),
        Activation::Relu,
        branch,
        &Device::Cpu,
    )
    .unwrap()
}

const X: [f32; 2] = [1.0, -2.0];

fn logits(net: &ResidualMlp) -> Vec<f32> {
    let x = Tensor::from_slice(&X, (1, 2), &Device::Cpu).unwrap();
    net.forward(&x)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap()
}

#[test]
fn a_pre_activation_network_computes_its_blocks_by_hand() {
    let p = params();
    let x: Vec<f64> = X.iter().map(|&v| f64::from(v)).collect();
    // x0 = x·W_in + b_in = [1·0.5 − 2·0.25 + 0.1, 1·(−1) − 2·0.5 − 0.2] = [0.1, −2.2].
    let x0 = affine(&x, &p[0].0, &p[0].1);
    assert!((x0[0] - 0.1).abs() < 1e-7 && (x0[1] + 2.2).abs() < 1e-7);
    // Block 1: relu(x0) = [0.1, 0]; z1 = [0.1, 0.05 + 0.1]; z2 = relu(z1)·W + b.
    let z1 = affine(&relu(&x0), &p[1].0, &p[1].1);
    assert!((z1[0] - 0.1).abs() < 1e-7 && (z1[1] - 0.15).abs() < 1e-7);
    let x1 = add(&x0, &affine(&relu(&z1), &p[2].0, &p[2].1));
    let x2 = add(
        &x1,
        &affine(
            &relu(&affine(&relu(&x1), &p[3].0, &p[3].1)),
            &p[4].0,
            &p[4].1,
        ),
    );
    let out = affine(&x2, &p[5].0, &p[5].1);
    let got = logits(&net(BlockOrder::Pre, Branch::None));
    assert!(
        (f64::from(got[0]) - out[0]).abs() < 1e-5,
        "{got:?} vs {out:?}"
    );

    // The traced pass: sites projection, 2 branch layers, stream, 2 branch layers, stream,
    // read-out; the stream's z is the sum and its skip the stream before.
    let n = net(BlockOrder::Pre, Branch::None);
    let kinds: Vec<SiteKind> = n.sites().iter().map(|s| s.kind).collect();
    use SiteKind::{Branch as B, Output as O, Stream as S};
    assert_eq!(kinds, [S, B, B, S, B, B, S, O]);
    let blocks: Vec<Option<usize>> = n.sites().iter().map(|s| s.block).collect();
    assert_eq!(
        blocks,
        [
            Some(0),
            Some(1),
            Some(1),
            Some(1),
            Some(2),
            Some(2),
            Some(2),
            None
        ]
    );
    let trace = n
        .trace(&Tensor::from_slice(&X, (1, 2), &Device::Cpu).unwrap())
        .unwrap();
    let row = |s: usize| -> Vec<f64> {
        let v: Vec<f32> = trace.sites[s].z.flatten_all().unwrap().to_vec1().unwrap();
        v.into_iter().map(f64::from).collect()
    };
    for (got, want) in [(row(0), &x0), (row(1), &z1), (row(3), &x1), (row(6), &x2)] {
        assert!(got.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-5));
    }
    let skip: Vec<f32> = trace.sites[6]
        .skip
        .as_ref()
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap();
    assert!(skip
        .iter()
        .zip(&x1)
        .all(|(&a, b)| (f64::from(a) - b).abs() < 1e-5));
    assert!(trace.sites[1].skip.is_none());
    // Weights: the stream sites after a block have none.
    assert!(n.site_weight(3).is_none() && n.site_weight(6).is_none());
    assert!(n.site_weight(0).is_some() && n.site_weight(7).is_some());
    assert_eq!(n.vars().len(), n.var_dims().len());
}

#[test]
fn a_post_activation_network_puts_the_activation_on_the_sum() {
    let p = params();
    let x: Vec<f64> = X.iter().map(|&v| f64::from(v)).collect();
    let x0 = relu(&affine(&x, &p[0].0, &p[0].1));
    let branch = |h: &[f64], l: usize| {
        affine(
            &relu(&affine(h, &p[l].0, &p[l].1)),
            &p[l + 1].0,
            &p[l + 1].1,
        )
    };
    let x1 = relu(&add(&x0, &branch(&x0, 1)));
    let x2 = relu(&add(&x1, &branch(&x1, 3)));
    let out = affine(&x2, &p[5].0, &p[5].1);
    let got = logits(&net(BlockOrder::Post, Branch::None));
    assert!(
        (f64::from(got[0]) - out[0]).abs() < 1e-5,
        "{got:?} vs {out:?}"
    );
}

#[test]
fn silent_branches_start_as_the_identity_exactly() {
    let p = params();
    let x: Vec<f64> = X.iter().map(|&v| f64::from(v)).collect();
    let x0 = affine(&x, &p[0].0, &p[0].1);
    for order in [BlockOrder::Pre, BlockOrder::Post] {
        for branch in [
            Branch::ZeroLast,
            Branch::SkipInit,
            Branch::ReZero,
            Branch::Fixup,
        ] {
            let n = net(order, branch);
            let trace = n
                .trace(&Tensor::from_slice(&X, (1, 2), &Device::Cpu).unwrap())
                .unwrap();
            // Every stream site holds the projection's activation, bit for bit.
            let h = |s: usize| -> Vec<f32> {
                trace.sites[s].h.flatten_all().unwrap().to_vec1().unwrap()
            };
            assert_eq!(h(3), h(0), "{order} {branch}");
            assert_eq!(h(6), h(0), "{order} {branch}");
            let projected: Vec<f64> = match order {
                BlockOrder::Pre => x0.clone(),
                BlockOrder::Post => relu(&x0),
            };
            let readout = match branch {
                // Fixup zeroes the read-out as well (its rule 1).
                Branch::Fixup => vec![0.0],
                _ => affine(&projected, &p[5].0, &p[5].1),
            };
            let got = logits(&n);
            assert!(
                (f64::from(got[0]) - readout[0]).abs() < 1e-6,
                "{order} {branch}"
            );
        }
    }
}

#[test]
fn fixup_scales_inner_layers_and_learns_a_multiplier_from_one() {
    let n = net(BlockOrder::Pre, Branch::Fixup);
    let p = params();
    // Two blocks of two layers: the inner layers × 2^(−1/2), the last layers and read-out 0.
    let w = |s: usize| -> Vec<f32> {
        n.site_weight(s)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap()
    };
    let c = 2f64.powf(-0.5);
    let scaled: Vec<f32> = p[1].0.iter().map(|&v| (f64::from(v) * c) as f32).collect();
    assert_eq!(w(1), scaled);
    assert!(w(2).iter().chain(&w(5)).chain(&w(7)).all(|&v| v == 0.0));
    assert_eq!(n.site_weight_scale(1), c);
    assert_eq!(n.site_weight_scale(2), 0.0);
    // The variables: 2 per layer (6 layers) and one multiplier per block, after its layers.
    assert_eq!(n.vars().len(), 6 * 2 + 2);
    let alpha: Vec<f32> = n.vars()[6].flatten_all().unwrap().to_vec1().unwrap();
    assert_eq!(alpha, [1.0]);
    // ReZero's residual weights start at 0; `none` has none to learn.
    let rezero = net(BlockOrder::Pre, Branch::ReZero);
    let alpha: Vec<f32> = rezero.vars()[6].flatten_all().unwrap().to_vec1().unwrap();
    assert_eq!(alpha, [0.0]);
    assert_eq!(net(BlockOrder::Pre, Branch::None).vars().len(), 6 * 2);
}

#[test]
fn a_drawn_network_matches_its_theory_at_width() {
    // He ReLU, 6 blocks at width 512: the stream's variance doubles per block (theory), and
    // the measured stream follows within the finite-width spread.
    let init = NetworkInit {
        input: None,
        hidden: InitScheme::HeNormal {
            mode: FanMode::FanIn,
            negative_slope: 0.0,
        },
        output: None,
        bias: BiasScheme::Zeros {},
    };
    let shape = ResidualShape {
        input: 32,
        width: 512,
        outputs: 4,
        blocks: 6,
        layers: 2,
        order: BlockOrder::Pre,
    };
    let n = ResidualMlp::init(
        shape,
        Activation::Relu,
        &init,
        Branch::None,
        3,
        &Device::Cpu,
    )
    .unwrap();
    let x = Tensor::randn(0f32, 1.0, (256, 32), &Device::Cpu).unwrap();
    let trace = n.trace(&x).unwrap();
    let var = |s: usize| {
        let v: Vec<f32> = trace.sites[s].z.flatten_all().unwrap().to_vec1().unwrap();
        crate::net::moments::mean_var(&v).1
    };
    let growth = (var(6 * 3) / var(0)).log2();
    assert!(
        (growth - 6.0).abs() < 0.6,
        "log2 growth over 6 blocks: {growth}"
    );
}

#[test]
fn the_plain_pass_gives_the_traced_pass_bits() {
    // The untraced pass fuses the stream's sum where α = 1; the traced one adds zero taps:
    // the logits agree exactly, for every branch scheme and both orderings.
    let x = Tensor::randn(0f32, 1.0, (9, 2), &Device::Cpu).unwrap();
    for order in [BlockOrder::Pre, BlockOrder::Post] {
        for branch in [
            Branch::None,
            Branch::ZeroLast,
            Branch::Fixup,
            Branch::ReZero,
        ] {
            let n = net(order, branch);
            let plain: Vec<f32> = n
                .forward(&x)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1()
                .unwrap();
            let traced: Vec<f32> = n
                .trace(&x)
                .unwrap()
                .logits
                .flatten_all()
                .unwrap()
                .to_vec1()
                .unwrap();
            assert_eq!(plain, traced, "{order} {branch}");
        }
    }
}
