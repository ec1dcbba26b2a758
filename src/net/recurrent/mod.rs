//! Single-layer recurrent networks on the [`ProbedNet`] seam: each example, a row of
//! `steps·input` features, is read as `steps` time steps of `input` features, and a linear
//! read-out of the last hidden state `h_T` predicts the target (for sequence labels, the same
//! read-out of each of the last `positions` states predicts that step's label). Time plays
//! the role of depth: the gradient reaching `h_1` has gone through `T − 1` recurrent steps, as
//! the gradient reaching an MLP's first layer goes through its layers.
//!
//! A pass that keeps nothing per step (training between probes, test evaluation) runs the
//! whole sequence as one op where the cell has one ([`super::kernels::recurrent_sequence`]:
//! the Elman cell with tanh or ReLU, the LSTM with tanh); a traced pass steps through time with
//! candle's ops, tapping every state.
//!
//! - Elman (1990): `h_t = φ(x_t·W_ih + h_{t−1}·W_hh + b)`, `h_0 = 0`.
//! - LSTM (Hochreiter & Schmidhuber 1997; the forget gate of Gers, Schmidhuber & Cummins
//!   2000), with gates side by side in PyTorch's order:
//!   `[i f g o] = x_t·W_ih + h_{t−1}·W_hh + b`, `c_t = σ(f)⊙c_{t−1} + σ(i)⊙φ(g)`,
//!   `h_t = σ(o)⊙φ(c_t)`, `h_0 = c_0 = 0`; φ is the `activations` axis (tanh as usual).
//!
//! Probe sites, in order: for each step `t = 1..T`, the LSTM's cell `c_t` (a `cell` site: `z =
//! c_t`, `h = φ(c_t)`, the forget gate's mean beside it) and then the hidden state `h_t` (a
//! `state` site: `z` the Elman pre-activation or the LSTM's `h_t`, `h = h_t`); then the
//! read-out. Unlike the feed-forward networks' sites, the probe tap of a state or cell site
//! sits on the state itself, so its `grad_var` is that of `∂loss/∂h_t` (`∂loss/∂c_t`), the
//! total gradient through every later step: the quantity whose decay over time is the
//! vanishing gradient (Bengio, Simard & Frasconi 1994; Pascanu, Mikolov & Bengio 2013).
//!
//! Weights: the first step's state site reports the input weights `W_ih` (the only weights
//! its pre-activation sees), the last step's the recurrent weights `W_hh` (shared by every
//! step: reported once), the read-out its own. Mean-field theory and the Jacobian spectrum are
//! not computed for recurrent networks. Drawing the parameters is [`draw`].

mod draw;

pub use draw::{draw, RecurrentParams, FORGET_GATE, INPUT_GATE};

use candle_core::{DType, Device, Result as CandleResult, Tensor, Var};
use faer::Mat;

use super::activation::ActivationForward;
use super::architecture::{Architecture, ForgetBias};
use super::kernels::{bias_add, lstm_cell, lstm_state, recurrent_sequence, FusedCell};
use super::mlp::Dense;
use super::parameterization::{Dim, VarDims};
use super::pass::{self, Extras, Pass};
use super::probe::Trace;
use super::{ProbedNet, Site, SiteKind};
use crate::activation::Activation;
use crate::init::{InitScheme, NetworkInit};
use crate::theory::jacobian::JacobianMoments;
use crate::theory::network::{Prediction, ProbeInputs};

/// The recurrent cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellKind {
    Elman,
    Lstm { forget_bias: Option<ForgetBias> },
}

impl CellKind {
    /// The cell of a recurrent architecture; `None` for the others.
    pub fn of(architecture: Architecture) -> Option<Self> {
        match architecture {
            Architecture::Rnn {} => Some(CellKind::Elman),
            Architecture::Lstm { forget_bias } => Some(CellKind::Lstm { forget_bias }),
            Architecture::Mlp {} | Architecture::Residual { .. } => None,
        }
    }

    /// The whole-sequence op for this cell with the nonlinearity `activation`, where there is
    /// one (the Elman cell with tanh or ReLU, the LSTM with tanh).
    pub fn fused(self, activation: Activation) -> Option<FusedCell> {
        match (self, activation) {
            (CellKind::Elman, Activation::Tanh) => Some(FusedCell::ElmanTanh),
            (CellKind::Elman, Activation::Relu) => Some(FusedCell::ElmanRelu),
            (CellKind::Lstm { .. }, Activation::Tanh) => Some(FusedCell::LstmTanh),
            _ => None,
        }
    }

    /// Pre-activations per hidden unit: 1, or the LSTM's four gates.
    pub fn gates(self) -> usize {
        match self {
            CellKind::Elman => 1,
            CellKind::Lstm { .. } => 4,
        }
    }
}

/// The shape of a recurrent network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecurrentShape {
    /// Features per time step.
    pub input: usize,
    pub steps: usize,
    pub hidden: usize,
    /// Outputs per predicted position.
    pub outputs: usize,
    /// The last time steps read out: 1 (the last state) for a label or target per example,
    /// more for sequence labels (the copy task: every step).
    pub positions: usize,
}

/// A single-layer recurrent network (see the module header).
pub struct RecurrentNet {
    shape: RecurrentShape,
    cell: CellKind,
    activation: Activation,
    w_ih: Var,
    w_hh: Var,
    b: Var,
    readout: Dense,
    sites: Vec<Site>,
}

impl RecurrentNet {
    /// A network of `shape` and `cell` initialized by `init` from `seed`.
    pub fn init(
        shape: RecurrentShape,
        cell: CellKind,
        activation: Activation,
        init: &NetworkInit,
        seed: u64,
        device: &Device,
    ) -> CandleResult<Self> {
        let params = draw(shape, cell, activation, init, seed);
        Self::from_params(shape, cell, activation, &params, device)
    }

    /// Builds the network from explicit parameters.
    pub fn from_params(
        shape: RecurrentShape,
        cell: CellKind,
        activation: Activation,
        p: &RecurrentParams,
        device: &Device,
    ) -> CandleResult<Self> {
        let RecurrentShape {
            input,
            steps,
            hidden,
            outputs,
            ..
        } = shape;
        let g = cell.gates() * hidden;
        let var =
            |v: &[f32], shape: &[usize]| Var::from_tensor(&Tensor::from_slice(v, shape, device)?);
        let mut sites = Vec::with_capacity(2 * steps + 1);
        for t in 1..=steps {
            let site = |kind, activation| Site {
                kind,
                width: hidden,
                activation,
                block: None,
                time: Some(t),
            };
            match cell {
                CellKind::Elman => sites.push(site(SiteKind::State, activation)),
                CellKind::Lstm { .. } => {
                    sites.push(site(SiteKind::Cell, activation));
                    sites.push(site(SiteKind::State, Activation::Linear));
                }
            }
        }
        let logits = outputs * shape.positions;
        sites.push(Site::plain(SiteKind::Output, logits, Activation::Linear));
        Ok(RecurrentNet {
            shape,
            cell,
            activation,
            w_ih: var(&p.w_ih, &[input, g])?,
            w_hh: var(&p.w_hh, &[hidden, g])?,
            b: var(&p.b, &[g])?,
            readout: Dense {
                w: var(&p.w_out, &[hidden, outputs])?,
                b: var(&p.b_out, &[outputs])?,
            },
            sites,
        })
    }

    /// The sites per time step.
    fn sites_per_step(&self) -> usize {
        match self.cell {
            CellKind::Elman => 1,
            CellKind::Lstm { .. } => 2,
        }
    }

    /// One pass of `x` (`[batch, steps·input]`), keeping what `pass` asks for; the logits, or
    /// `None` where it stopped.
    fn run(&self, x: &Tensor, pass: &mut Pass) -> CandleResult<Option<Tensor>> {
        let RecurrentShape {
            input,
            steps,
            hidden,
            ..
        } = self.shape;
        let (batch, features) = x.dims2()?;
        if features != steps * input {
            return Err(candle_core::Error::Msg(format!(
                "a recurrent network of {steps} steps of {input} features got {features} features"
            )));
        }
        // Time-major inputs [T, B, D]: step t is a contiguous slice. The input is not a
        // variable, so slicing it costs the backward pass nothing; each step's input term is
        // its own small matmul (slicing one [T, B, G·H] product instead would make every step's
        // backward write a gradient of the whole product).
        let xs = x
            .reshape((batch, steps, input))?
            .transpose(0, 1)?
            .contiguous()?;
        let (w_ih, w_hh, b) = (
            self.w_ih.as_tensor(),
            self.w_hh.as_tensor(),
            self.b.as_tensor(),
        );
        // A pass that keeps nothing per step runs the whole sequence as one op.
        if let (Pass::Plain, Some(cell)) = (&*pass, self.cell.fused(self.activation)) {
            let g = self.cell.gates() * hidden;
            let xw = xs
                .reshape((steps * batch, input))?
                .matmul(w_ih)?
                .reshape((steps, batch, g))?;
            if let Some(states) = recurrent_sequence(cell, &xw, w_hh, b)? {
                let p = self.shape.positions;
                let logits = match p {
                    1 => self.readout.affine(&states.get(steps - 1)?)?,
                    _ => self.read_out(&states.narrow(0, steps - p, p)?.transpose(0, 1)?)?,
                };
                return Ok(Some(logits));
            }
        }
        let first_read = steps - self.shape.positions;
        let mut read = Vec::with_capacity(self.shape.positions);
        let mut h: Option<Tensor> = None;
        let mut c: Option<Tensor> = None;
        let mut index = 0;
        for t in 0..steps {
            let input_term = xs.get(t)?.matmul(w_ih)?;
            let pre = match &h {
                Some(h) => bias_add(&input_term.add(&h.matmul(w_hh)?)?, b)?,
                None => bias_add(&input_term, b)?,
            };
            match self.cell {
                CellKind::Elman => {
                    let (state, tap) = pass.tapped(self.activation.forward(&pre)?)?;
                    if !pass.keep(index, tap, pre, state.clone(), Extras::default()) {
                        return Ok(None);
                    }
                    if t >= first_read {
                        read.push(state.clone());
                    }
                    h = Some(state);
                }
                CellKind::Lstm { .. } => {
                    let forget = match pass {
                        Pass::Trace(_) => {
                            Some(candle_nn::ops::sigmoid(&pre.narrow(1, hidden, hidden)?)?)
                        }
                        _ => None,
                    };
                    let fused = self.activation == Activation::Tanh;
                    let cell = if fused {
                        let c_prev = match &c {
                            Some(c) => c.clone(),
                            None => Tensor::zeros((batch, hidden), DType::F32, x.device())?,
                        };
                        lstm_cell(&pre, &c_prev)?
                    } else {
                        self.composed_cell(&pre, c.as_ref())?
                    };
                    let (cell, tap) = pass.tapped(cell)?;
                    // φ(c_t) as a tensor of its own: what a trace keeps as the cell's `h`, and
                    // the composed step's factor (the fused step computes it inside).
                    let shown = match (fused, &*pass) {
                        (true, Pass::Plain) => None,
                        _ => Some(self.activation.forward(&cell)?),
                    };
                    let extras = Extras {
                        skip: None,
                        forget_gate: forget,
                    };
                    let kept = shown.clone().unwrap_or_else(|| cell.clone());
                    if !pass.keep(index, tap, cell.clone(), kept, extras) {
                        return Ok(None);
                    }
                    index += 1;
                    let state = match shown {
                        Some(shown) if !fused => {
                            let output_gate = pre.narrow(1, 3 * hidden, hidden)?;
                            candle_nn::ops::sigmoid(&output_gate)?.mul(&shown)?
                        }
                        _ => lstm_state(&pre, &cell)?,
                    };
                    let (state, tap) = pass.tapped(state)?;
                    if !pass.keep(index, tap, state.clone(), state.clone(), Extras::default()) {
                        return Ok(None);
                    }
                    if t >= first_read {
                        read.push(state.clone());
                    }
                    c = Some(cell);
                    h = Some(state);
                }
            }
            index += 1;
        }
        let last = h.expect("a sequence has at least one step");
        let logits = match read.len() {
            1 => self.readout.affine(&last)?,
            _ => self.read_out(&Tensor::stack(&read, 1)?)?,
        };
        let (logits, tap) = pass.tapped(logits)?;
        if !pass.keep(
            index,
            tap,
            logits.clone(),
            logits.clone(),
            Extras::default(),
        ) {
            return Ok(None);
        }
        Ok(Some(logits))
    }

    /// The read-out at several positions: states `[B, P, H]` to logits `[B, P·outputs]`,
    /// position by position.
    fn read_out(&self, states: &Tensor) -> CandleResult<Tensor> {
        let (batch, positions, hidden) = states.dims3()?;
        let logits = self
            .readout
            .affine(&states.contiguous()?.reshape((batch * positions, hidden))?)?;
        logits.reshape((batch, positions * self.shape.outputs))
    }

    /// `c_t = σ(f)⊙c_{t−1} + σ(i)⊙φ(g)` from candle's ops, for a cell nonlinearity φ other
    /// than tanh (tanh's step is one fused op, [`lstm_cell`]).
    fn composed_cell(&self, pre: &Tensor, c: Option<&Tensor>) -> CandleResult<Tensor> {
        let hidden = self.shape.hidden;
        let gate = |k: usize| pre.narrow(1, k * hidden, hidden);
        let input_gate = candle_nn::ops::sigmoid(&gate(0)?)?;
        let written = input_gate.mul(&self.activation.forward(&gate(2)?.contiguous()?)?)?;
        match c {
            Some(c) => candle_nn::ops::sigmoid(&gate(1)?)?.mul(c)?.add(&written),
            None => Ok(written),
        }
    }

    /// The weight site `site` reports on: the input weights at the first step's state, the
    /// recurrent weights at the last step's, the read-out's at the read-out.
    fn weight_of(&self, site: usize) -> Option<Weight> {
        let per_step = self.sites_per_step();
        if site == self.shape.steps * per_step {
            return Some(Weight::Readout);
        }
        let state_site = (site + 1).is_multiple_of(per_step);
        match (state_site, site / per_step + 1) {
            (true, 1) => Some(Weight::Input),
            (true, t) if t == self.shape.steps => Some(Weight::Recurrent),
            _ => None,
        }
    }
}

/// A weight matrix of a recurrent network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Weight {
    Input,
    Recurrent,
    Readout,
}

impl ProbedNet for RecurrentNet {
    fn sites(&self) -> &[Site] {
        &self.sites
    }

    fn vars(&self) -> Vec<Var> {
        vec![
            self.w_ih.clone(),
            self.w_hh.clone(),
            self.b.clone(),
            self.readout.w.clone(),
            self.readout.b.clone(),
        ]
    }

    fn var_dims(&self) -> Vec<VarDims> {
        let s = self.shape;
        let g = Dim::Width(self.cell.gates() * s.hidden);
        let (input, hidden, outputs) = (
            Dim::Fixed(s.input),
            Dim::Width(s.hidden),
            Dim::Fixed(s.outputs),
        );
        vec![
            VarDims::weight(input, g),
            VarDims::weight(hidden, g),
            VarDims::bias(g),
            VarDims::weight(hidden, outputs),
            VarDims::bias(outputs),
        ]
    }

    fn forward(&self, x: &Tensor) -> CandleResult<Tensor> {
        pass::forward(|p| self.run(x, p))
    }

    fn trace(&self, x: &Tensor) -> CandleResult<Trace> {
        pass::trace(self.sites.len(), |p| self.run(x, p))
    }

    fn site_weight(&self, site: usize) -> Option<&Var> {
        Some(match self.weight_of(site)? {
            Weight::Input => &self.w_ih,
            Weight::Recurrent => &self.w_hh,
            Weight::Readout => &self.readout.w,
        })
    }

    fn site_scheme<'a>(&self, site: usize, init: &'a NetworkInit) -> &'a InitScheme {
        match self.weight_of(site) {
            Some(Weight::Input) => init.input_scheme(),
            Some(Weight::Readout) => init.output_scheme(),
            Some(Weight::Recurrent) | None => &init.hidden,
        }
    }

    fn pre_activation(&self, x: &Tensor, site: usize) -> CandleResult<Tensor> {
        pass::pre_activation(site, |p| self.run(x, p))
    }

    fn theory(
        &self,
        _init: &NetworkInit,
        _inputs: &ProbeInputs,
        _output_grad_var: f64,
    ) -> Option<Vec<Prediction>> {
        None
    }

    fn jacobian(&self, _trace: &Trace, _example: usize) -> CandleResult<Option<Mat<f64>>> {
        Ok(None)
    }

    fn jacobian_theory(&self, _init: &NetworkInit, _input_m2: &[f64]) -> Option<JacobianMoments> {
        None
    }
}

#[cfg(test)]
mod tests;
