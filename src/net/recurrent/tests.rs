//! A 2-step, 2-unit Elman network and LSTM computed by hand in f64: the logits, every
//! parameter's gradient and the probed `∂L/∂h_t`, `∂L/∂c_t` against central finite
//! differences; the sites and their statistics; the forget-bias rules.

use candle_core::{Device, Tensor};

use super::*;
use crate::data::Task;
use crate::init::{BiasScheme, InitScheme};

const STEPS: usize = 2;
const HIDDEN: usize = 2;
const INPUT: usize = 1;
const BATCH: usize = 3;

/// Three sequences of two steps of one feature.
const X: [f64; BATCH * STEPS] = [0.5, -1.0, 1.5, 0.25, -0.75, 2.0];
/// Regression targets.
const Y: [f64; BATCH] = [0.3, -0.2, 1.1];

fn shape() -> RecurrentShape {
    RecurrentShape {
        input: INPUT,
        steps: STEPS,
        hidden: HIDDEN,
        outputs: 1,
        positions: 1,
    }
}

/// Parameters with distinct, moderate values, `gates` gates wide.
fn params(gates: usize) -> RecurrentParams {
    let g = gates * HIDDEN;
    let wave = |n: usize, phase: f64| -> Vec<f32> {
        (0..n)
            .map(|i| (0.7 * (i as f64 + phase).sin()) as f32)
            .collect()
    };
    RecurrentParams {
        w_ih: wave(INPUT * g, 0.3),
        w_hh: wave(HIDDEN * g, 1.1),
        b: wave(g, 2.3),
        w_out: wave(HIDDEN, 0.9),
        b_out: vec![0.1],
    }
}

/// The parameters as f64 vectors, in [`ProbedNet::vars`] order.
fn flat(p: &RecurrentParams) -> Vec<Vec<f64>> {
    [&p.w_ih, &p.w_hh, &p.b, &p.w_out, &p.b_out]
        .iter()
        .map(|v| v.iter().map(|&x| f64::from(x)).collect())
        .collect()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Perturbations added to the states by the hand forward pass: `[t][unit]` for each example.
#[derive(Clone, Copy)]
enum Nudge {
    None,
    /// `h_t` (t 0-based) of unit `u` of every example, by `eps`.
    State(usize, usize, f64),
    /// `c_t` of unit `u`, by `eps`.
    Cell(usize, usize, f64),
}

/// The batch's mean squared error, computed by hand in f64 for the parameters `v`
/// ([`flat`] order), with one state nudged.
fn hand_loss(lstm: bool, v: &[Vec<f64>], nudge: Nudge) -> (f64, Vec<f64>) {
    let (w_ih, w_hh, b, w_out, b_out) = (&v[0], &v[1], &v[2], &v[3], &v[4]);
    let g = if lstm { 4 * HIDDEN } else { HIDDEN };
    let mut loss = 0.0;
    let mut outputs = Vec::new();
    for e in 0..BATCH {
        let mut h = [0.0; HIDDEN];
        let mut c = [0.0; HIDDEN];
        for t in 0..STEPS {
            let x = X[e * STEPS + t];
            let pre: Vec<f64> = (0..g)
                .map(|j| {
                    x * w_ih[j] + (0..HIDDEN).map(|k| h[k] * w_hh[k * g + j]).sum::<f64>() + b[j]
                })
                .collect();
            for u in 0..HIDDEN {
                if lstm {
                    let (i, f) = (sigmoid(pre[u]), sigmoid(pre[HIDDEN + u]));
                    let (cand, o) = (pre[2 * HIDDEN + u].tanh(), sigmoid(pre[3 * HIDDEN + u]));
                    c[u] = f * c[u] + i * cand;
                    if let Nudge::Cell(nt, nu, eps) = nudge {
                        if nt == t && nu == u {
                            c[u] += eps;
                        }
                    }
                    h[u] = o * c[u].tanh();
                } else {
                    h[u] = pre[u].tanh();
                }
                if let Nudge::State(nt, nu, eps) = nudge {
                    if nt == t && nu == u {
                        h[u] += eps;
                    }
                }
            }
        }
        let out = h[0] * w_out[0] + h[1] * w_out[1] + b_out[0];
        outputs.push(out);
        loss += (out - Y[e]).powi(2) / BATCH as f64;
    }
    (loss, outputs)
}

/// Central differences of the hand loss.
fn difference(f: impl Fn(f64) -> f64) -> f64 {
    let eps = 1e-6;
    (f(eps) - f(-eps)) / (2.0 * eps)
}

fn net(lstm: bool) -> RecurrentNet {
    let cell = if lstm {
        CellKind::Lstm { forget_bias: None }
    } else {
        CellKind::Elman
    };
    RecurrentNet::from_params(
        shape(),
        cell,
        Activation::Tanh,
        &params(cell.gates()),
        &Device::Cpu,
    )
    .unwrap()
}

fn batch() -> (Tensor, Tensor) {
    let x: Vec<f32> = X.iter().map(|&v| v as f32).collect();
    let y: Vec<f32> = Y.iter().map(|&v| v as f32).collect();
    (
        Tensor::from_vec(x, (BATCH, STEPS * INPUT), &Device::Cpu).unwrap(),
        Tensor::from_vec(y, (BATCH, 1), &Device::Cpu).unwrap(),
    )
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 2e-5 + 2e-4 * b.abs(),
        "{what}: candle {a}, by hand {b}"
    );
}

/// The logits, every parameter's gradient and the gradients at the state (and cell) taps
/// against the hand computation.
fn check_against_hand(lstm: bool) {
    let net = net(lstm);
    let (x, y) = batch();
    let v = flat(&params(net.cell.gates()));
    let (loss, outputs) = hand_loss(lstm, &v, Nudge::None);
    let logits = net.forward(&x).unwrap().flatten_all().unwrap();
    for (a, b) in logits.to_vec1::<f32>().unwrap().iter().zip(&outputs) {
        close(f64::from(*a), *b, "logit");
    }
    let task = Task::Regression { outputs: 1 };
    let trace = net.trace(&x).unwrap();
    let candle_loss = crate::net::probe::task_loss(&trace.logits, &y, task).unwrap();
    close(
        f64::from(candle_loss.to_scalar::<f32>().unwrap()),
        loss,
        "loss",
    );
    let grads = candle_loss.backward().unwrap();
    // Every parameter, entry by entry, from the traced pass and from the plain one training
    // takes (the fused LSTM step without its taps).
    let plain = net.loss(&x, &y, task).unwrap().backward().unwrap();
    for (p, var) in net.vars().iter().enumerate() {
        for (pass, grads) in [("traced", &grads), ("plain", &plain)] {
            let g = grads.get(var.as_tensor()).unwrap();
            let g = g.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            for (j, &gj) in g.iter().enumerate() {
                let fd = difference(|eps| {
                    let mut w = v.clone();
                    w[p][j] += eps;
                    hand_loss(lstm, &w, Nudge::None).0
                });
                close(f64::from(gj), fd, &format!("{pass}: ∂L/∂param {p}[{j}]"));
            }
        }
    }
    // The taps: ∂L/∂h_t and ∂L/∂c_t of every unit, summed over the batch (the nudge moves
    // every example's state).
    let per_step = net.sites_per_step();
    for t in 0..STEPS {
        for u in 0..HIDDEN {
            let check = |site: usize, nudge: &dyn Fn(f64) -> Nudge, what: &str| {
                let g = grads.get(trace.sites[site].tap.as_tensor()).unwrap();
                let g = g.to_vec2::<f32>().unwrap();
                let summed: f64 = g.iter().map(|row| f64::from(row[u])).sum();
                let fd = difference(|eps| hand_loss(lstm, &v, nudge(eps)).0);
                close(summed, fd, &format!("{what} at t = {}, unit {u}", t + 1));
            };
            let state = t * per_step + per_step - 1;
            check(state, &|eps| Nudge::State(t, u, eps), "∂L/∂h_t");
            if lstm {
                check(t * per_step, &|eps| Nudge::Cell(t, u, eps), "∂L/∂c_t");
            }
        }
    }
}

#[test]
fn elman_matches_a_hand_computation_and_finite_differences() {
    check_against_hand(false);
}

#[test]
fn lstm_matches_a_hand_computation_and_finite_differences() {
    check_against_hand(true);
}

/// Sequence labels (the copy task's targets): the read-out of every state of the last
/// `positions` steps, position by position, from the plain (fused) and the traced pass alike;
/// the loss is the cross-entropy averaged over examples and positions, by hand.
#[test]
fn sequence_labels_read_out_each_position() {
    const CLASSES: usize = 3;
    for lstm in [false, true] {
        let cell = if lstm {
            CellKind::Lstm { forget_bias: None }
        } else {
            CellKind::Elman
        };
        let shape = RecurrentShape {
            outputs: CLASSES,
            positions: STEPS,
            ..shape()
        };
        let mut p = params(cell.gates());
        p.w_out = (0..HIDDEN * CLASSES)
            .map(|i| (0.8 * (i as f64 + 0.4).cos()) as f32)
            .collect();
        p.b_out = vec![0.1, -0.2, 0.05];
        let net =
            RecurrentNet::from_params(shape, cell, Activation::Tanh, &p, &Device::Cpu).unwrap();
        let (x, _) = batch();
        let labels: [u32; BATCH * STEPS] = [0, 2, 1, 1, 2, 0];
        let y = Tensor::from_vec(labels.to_vec(), (BATCH, STEPS), &Device::Cpu).unwrap();
        let trace = net.trace(&x).unwrap();
        let plain = net.forward(&x).unwrap().to_vec2::<f32>().unwrap();
        let traced = trace.logits.to_vec2::<f32>().unwrap();
        let per_step = net.sites_per_step();
        let mut hand_loss = 0.0;
        for b in 0..BATCH {
            for pos in 0..STEPS {
                // The state of step pos + 1, as the traced pass recorded it.
                let h = trace.sites[pos * per_step + per_step - 1]
                    .h
                    .to_vec2::<f32>()
                    .unwrap();
                let logits: Vec<f64> = (0..CLASSES)
                    .map(|c| {
                        let dot: f64 = (0..HIDDEN)
                            .map(|u| f64::from(h[b][u]) * f64::from(p.w_out[u * CLASSES + c]))
                            .sum();
                        dot + f64::from(p.b_out[c])
                    })
                    .collect();
                for (c, &logit) in logits.iter().enumerate() {
                    let col = pos * CLASSES + c;
                    close(f64::from(plain[b][col]), logit, "plain logit");
                    close(f64::from(traced[b][col]), logit, "traced logit");
                }
                let max = logits.iter().cloned().fold(f64::MIN, f64::max);
                let log_sum = max + logits.iter().map(|l| (l - max).exp()).sum::<f64>().ln();
                hand_loss += log_sum - logits[labels[b * STEPS + pos] as usize];
            }
        }
        hand_loss /= (BATCH * STEPS) as f64;
        let task = Task::SequenceLabels {
            classes: CLASSES,
            positions: STEPS,
        };
        let loss = net.loss(&x, &y, task).unwrap().to_scalar::<f32>().unwrap();
        close(f64::from(loss), hand_loss, "sequence cross-entropy");
        let (eval_loss, accuracy) = net.evaluate(&x, &y, task).unwrap();
        close(eval_loss, hand_loss, "evaluated cross-entropy");
        let accuracy = accuracy.expect("sequence labels have an accuracy");
        let hits = (0..BATCH * STEPS)
            .filter(|&i| {
                let row = &plain[i / STEPS][(i % STEPS) * CLASSES..][..CLASSES];
                let best = (0..CLASSES)
                    .max_by(|&a, &b| row[a].total_cmp(&row[b]))
                    .unwrap();
                best as u32 == labels[i]
            })
            .count();
        let expected = hits as f64 / (BATCH * STEPS) as f64;
        assert!(
            (accuracy - expected).abs() < 1e-6,
            "{accuracy} vs {expected}"
        );
    }
}

#[test]
fn sites_run_along_time_and_report_the_weights_once() {
    let lstm = net(true);
    let kinds: Vec<(SiteKind, Option<usize>)> =
        lstm.sites().iter().map(|s| (s.kind, s.time)).collect();
    assert_eq!(
        kinds,
        [
            (SiteKind::Cell, Some(1)),
            (SiteKind::State, Some(1)),
            (SiteKind::Cell, Some(2)),
            (SiteKind::State, Some(2)),
            (SiteKind::Output, None),
        ]
    );
    let dims = |s: usize| lstm.site_weight(s).map(|w| w.as_tensor().dims().to_vec());
    assert_eq!(dims(0), None);
    assert_eq!(
        dims(1),
        Some(vec![INPUT, 4 * HIDDEN]),
        "W_ih at the first state"
    );
    assert_eq!(dims(2), None);
    assert_eq!(
        dims(3),
        Some(vec![HIDDEN, 4 * HIDDEN]),
        "W_hh at the last state"
    );
    assert_eq!(dims(4), Some(vec![HIDDEN, 1]));
    let elman = net(false);
    assert_eq!(elman.sites().len(), STEPS + 1);
    assert!(elman.site_weight(0).is_some() && elman.site_weight(1).is_some());
    // The first site's pre-activation is x_1·W_ih + b.
    let (x, _) = batch();
    let z = elman
        .pre_activation(&x, 0)
        .unwrap()
        .to_vec2::<f32>()
        .unwrap();
    let p = params(1);
    close(
        f64::from(z[0][1]),
        X[0] * f64::from(p.w_ih[1]) + f64::from(p.b[1]),
        "z at t = 1",
    );
}

#[test]
fn the_forget_gate_mean_is_recorded_per_step() {
    // Zero weights and a forget bias of 2: f_t = σ(2) at every step, for every input.
    let init = NetworkInit::uniform(InitScheme::Zeros {}, BiasScheme::Zeros {});
    let cell = CellKind::Lstm {
        forget_bias: Some(ForgetBias::Constant(2.0)),
    };
    let net = RecurrentNet::init(shape(), cell, Activation::Tanh, &init, 0, &Device::Cpu).unwrap();
    let (x, y) = batch();
    let probe = net.probe(&x, &y, Task::Regression { outputs: 1 }).unwrap();
    let gates: Vec<Option<f64>> = probe.layers.iter().map(|l| l.forget_gate).collect();
    let f = sigmoid(2.0);
    for (site, gate) in gates.iter().enumerate() {
        match net.sites()[site].kind {
            SiteKind::Cell => close(gate.unwrap(), f, "mean forget gate"),
            _ => assert_eq!(*gate, None),
        }
    }
    // Zero recurrent and read-out weights: no gradient reaches the states, exactly.
    assert!(probe.layers[..4]
        .iter()
        .all(|l| l.grad_zero && l.grad_var == 0.0));
    assert!(!probe.layers[4].grad_zero);
}

#[test]
fn forget_biases_follow_their_rules() {
    let init = NetworkInit::uniform(InitScheme::Standard {}, BiasScheme::Default {});
    let shape = RecurrentShape {
        input: 2,
        steps: 100,
        hidden: 64,
        outputs: 1,
        positions: 1,
    };
    let h = shape.hidden;
    let gate = |p: &RecurrentParams, k: usize| p.b[k * h..(k + 1) * h].to_vec();
    let lstm = |forget_bias| CellKind::Lstm { forget_bias };
    let drawn = draw(shape, lstm(None), Activation::Tanh, &init, 5);
    // PyTorch's default: every bias U(±1/√H).
    let bound = 1.0 / (h as f32).sqrt();
    assert!(drawn.b.iter().all(|b| b.abs() <= bound));
    let one = draw(
        shape,
        lstm(Some(ForgetBias::Constant(1.0))),
        Activation::Tanh,
        &init,
        5,
    );
    assert!(gate(&one, FORGET_GATE).iter().all(|&b| b == 1.0));
    // Only the forget gate moves; the weights are the same draw.
    assert_eq!(gate(&one, INPUT_GATE), gate(&drawn, INPUT_GATE));
    assert_eq!(one.w_hh, drawn.w_hh);
    let chrono = draw(
        shape,
        lstm(Some(ForgetBias::Chrono(None))),
        Activation::Tanh,
        &init,
        5,
    );
    let forget = gate(&chrono, FORGET_GATE);
    let max = (99f32).ln();
    assert!(forget.iter().all(|&b| (0.0..=max).contains(&b)));
    assert!(
        forget.iter().any(|&b| b > 0.7 * max),
        "log U(1, 99) reaches near log 99"
    );
    let input: Vec<f32> = forget.iter().map(|b| -b).collect();
    assert_eq!(gate(&chrono, INPUT_GATE), input, "b_i = -b_f");
    let chrono10 = draw(
        shape,
        lstm(Some(ForgetBias::Chrono(Some(10)))),
        Activation::Tanh,
        &init,
        5,
    );
    assert!(gate(&chrono10, FORGET_GATE)
        .iter()
        .all(|&b| b <= (9f32).ln()));
}

#[test]
fn per_gate_orthogonal_and_identity_draws() {
    let shape = RecurrentShape {
        input: 3,
        steps: 5,
        hidden: 4,
        outputs: 1,
        positions: 1,
    };
    let identity = NetworkInit::uniform(InitScheme::Identity { gain: 1.0 }, BiasScheme::Zeros {});
    let p = draw(shape, CellKind::Elman, Activation::Relu, &identity, 0);
    for r in 0..4 {
        for c in 0..4 {
            assert_eq!(p.w_hh[r * 4 + c], if r == c { 1.0 } else { 0.0 });
        }
    }
    let orthogonal =
        NetworkInit::uniform(InitScheme::Orthogonal { gain: 1.0 }, BiasScheme::Zeros {});
    let lstm = CellKind::Lstm { forget_bias: None };
    let p = draw(shape, lstm, Activation::Tanh, &orthogonal, 0);
    // Each gate's 4×4 block of W_hh is orthogonal: its columns have unit norm.
    for k in 0..4 {
        for c in 0..4 {
            let norm: f32 = (0..4).map(|r| p.w_hh[r * 16 + k * 4 + c].powi(2)).sum();
            assert!((norm - 1.0).abs() < 1e-5, "gate {k}, column {c}: {norm}");
        }
    }
}
