//! Drawing a recurrent network's parameters from a [`NetworkInit`] and a seed: each gate's
//! input weights `W_ih` from the input layer's scheme (`input_init`), its recurrent weights
//! `W_hh` from the hidden scheme (`inits`: `identity`, `orthogonal`, `critical`, `standard` =
//! PyTorch's U(±1/√H)), its bias from the bias scheme with `W_hh`'s fans (so `standard`'s
//! default bias is PyTorch's U(±1/√H)), and the read-out from the read-out's scheme. Every
//! gate is drawn as its own `[·, H]` matrix from its own stream (an orthogonal or identity
//! `W_hh` is orthogonal or the identity per gate), then laid side by side in the gate order
//! i, f, g, o (PyTorch's). One bias vector per gate: frameworks with two (`b_ih + b_hh`) draw
//! twice the variance, and a forget bias added to both counts twice.
//!
//! An LSTM's forget bias ([`ForgetBias`]) then replaces the forget gate's drawn bias: a
//! constant, or chrono initialization (Tallec & Ollivier 2018, "Can recurrent neural networks
//! warp time?", eq. 16): `b_f = log U(1, T_max − 1)` per unit and `b_i = −b_f`.

use rand::Rng;

use super::{CellKind, RecurrentShape};
use crate::activation::Activation;
use crate::init::NetworkInit;
use crate::net::architecture::ForgetBias;
use crate::rng::{stream, Purpose};

/// A recurrent network's parameters, row-major: `w_ih` `[input, gates·hidden]`, `w_hh`
/// `[hidden, gates·hidden]`, `b` `[gates·hidden]`, `w_out` `[hidden, outputs]`, `b_out`
/// `[outputs]`; the gates side by side in the order i, f, g, o.
#[derive(Debug, Clone, PartialEq)]
pub struct RecurrentParams {
    pub w_ih: Vec<f32>,
    pub w_hh: Vec<f32>,
    pub b: Vec<f32>,
    pub w_out: Vec<f32>,
    pub b_out: Vec<f32>,
}

/// Lays `[rows, hidden]` matrices side by side into one `[rows, gates·hidden]`.
fn side_by_side(blocks: &[Vec<f32>], rows: usize, hidden: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(rows * hidden * blocks.len());
    for r in 0..rows {
        for block in blocks {
            out.extend_from_slice(&block[r * hidden..(r + 1) * hidden]);
        }
    }
    out
}

/// The LSTM's forget gate's position among the gates i, f, g, o.
pub const FORGET_GATE: usize = 1;
/// The input gate's.
pub const INPUT_GATE: usize = 0;

/// Draws the parameters of a network of `shape` and `cell` from `seed`. Streams: gate `k`'s
/// `W_ih` from `Weights(1 + k)`, its `W_hh` and bias from `Weights`/`Biases(1 + G + k)`
/// (`G` gates), the read-out from `Weights`/`Biases(1 + 2G)`; an Elman network (one gate)
/// thus draws like a two-layer MLP.
pub fn draw(
    shape: RecurrentShape,
    cell: CellKind,
    activation: Activation,
    init: &NetworkInit,
    seed: u64,
) -> RecurrentParams {
    let RecurrentShape {
        input,
        hidden,
        outputs,
        ..
    } = shape;
    let gates = cell.gates();
    let mut w_ih = Vec::with_capacity(gates);
    let mut w_hh = Vec::with_capacity(gates);
    let mut b = Vec::with_capacity(gates);
    for k in 0..gates {
        let mut rng = stream(seed, Purpose::Weights(1 + k));
        w_ih.push(
            init.input_scheme()
                .weights(input, hidden, activation, &mut rng),
        );
        let l = 1 + gates + k;
        w_hh.push(init.hidden.weights(
            hidden,
            hidden,
            activation,
            &mut stream(seed, Purpose::Weights(l)),
        ));
        b.push(init.bias.draw(
            &init.hidden,
            hidden,
            hidden,
            &mut stream(seed, Purpose::Biases(l)),
        ));
    }
    if let CellKind::Lstm {
        forget_bias: Some(forget_bias),
    } = cell
    {
        match forget_bias {
            ForgetBias::Constant(v) => b[FORGET_GATE] = vec![v as f32; hidden],
            ForgetBias::Chrono(t_max) => {
                let t_max = t_max.unwrap_or(shape.steps) as f64;
                let mut rng = stream(seed, Purpose::Biases(1 + gates + FORGET_GATE));
                let forget: Vec<f64> = (0..hidden)
                    .map(|_| (1.0 + (t_max - 2.0).max(0.0) * rng.random::<f64>()).ln())
                    .collect();
                b[INPUT_GATE] = forget.iter().map(|&v| -v as f32).collect();
                b[FORGET_GATE] = forget.iter().map(|&v| v as f32).collect();
            }
        }
    }
    let out = 1 + 2 * gates;
    let readout = init.output_scheme();
    RecurrentParams {
        w_ih: side_by_side(&w_ih, input, hidden),
        w_hh: side_by_side(&w_hh, hidden, hidden),
        b: b.concat(),
        w_out: readout.weights(
            hidden,
            outputs,
            Activation::Linear,
            &mut stream(seed, Purpose::Weights(out)),
        ),
        b_out: init.bias.draw(
            readout,
            hidden,
            outputs,
            &mut stream(seed, Purpose::Biases(out)),
        ),
    }
}
