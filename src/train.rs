//! One run = one function: [`run`] trains one network of the grid and returns its
//! [`RunRecord`]. It never panics on a bad run: a non-finite loss or statistic ends the run as
//! `diverged`, an error as `failed`, and the sweep goes on.
//!
//! Step convention: the loss logged at step `t` is that of the `t`-th batch at the parameters
//! after `t` updates (so step 0 is the loss at initialization), and a probe at step `t` measures
//! the parameters after `t` updates. Probes happen at step 0, every `probe_every` steps and
//! after the last update.

use std::time::Instant;

use candle_core::{Device, Result as CandleResult, Tensor};

use crate::activation::Activation;
use crate::config::{Target, TrainConfig};
use crate::data::{BatchSampler, Dataset};
use crate::init::{lsuv, NetworkInit};
use crate::model::{Mlp, Probe};
use crate::optim::{Optimizer, OptimizerConfig};
use crate::records::{CurveRow, LayerKind, LayerRow, RunRecord, RunRow, RunStatus};
use crate::rng::{stream, Purpose};

/// One point of the grid, with everything needed to train it.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// Position in the grid: the order of rows in the final CSVs.
    pub index: usize,
    pub run_id: String,
    pub init: NetworkInit,
    pub activation: Activation,
    pub depth: usize,
    pub width: usize,
    pub seed: u64,
    pub optimizer: OptimizerConfig,
    pub lr: f64,
    pub dataset: String,
    pub train: TrainConfig,
}

/// The fixed probe batch, shared by every run on a dataset.
pub struct ProbeBatch {
    pub x: Tensor,
    pub labels: Tensor,
}

impl ProbeBatch {
    pub fn new(data: &Dataset, size: usize, seed: u64) -> CandleResult<Self> {
        let (x, labels) = data.batch(&data.probe_indices(size, seed), &Device::Cpu)?;
        Ok(ProbeBatch { x, labels })
    }
}

/// Why training stopped early.
enum Stop {
    Diverged(String),
    Failed(String),
}

impl From<candle_core::Error> for Stop {
    fn from(e: candle_core::Error) -> Self {
        Stop::Failed(e.to_string())
    }
}

/// Trains `spec` on `data` and measures it on `probe`.
pub fn run(spec: &RunSpec, data: &Dataset, probe: &ProbeBatch) -> RunRecord {
    let start = Instant::now();
    let mut layers = Vec::new();
    let mut losses = Vec::with_capacity(spec.train.steps);
    let mut initial_loss = None;
    let mut lsuv_iters = Vec::new();
    let outcome = train(
        spec,
        data,
        probe,
        &mut Measured {
            layers: &mut layers,
            losses: &mut losses,
            initial_loss: &mut initial_loss,
            lsuv_iters: &mut lsuv_iters,
        },
    );

    let t = &spec.train;
    let target_loss = match t.target {
        Target::Loss(v) => Some(v),
        Target::LossFraction(f) => initial_loss.map(|l| f * l),
    };
    let steps_to_target = target_loss.and_then(|target| steps_to_target(&losses, t.smooth, target));
    let (status, message) = match outcome {
        Ok(()) if steps_to_target.is_some() => (RunStatus::Converged, String::new()),
        Ok(()) => (RunStatus::NotConverged, String::new()),
        Err(Stop::Diverged(m)) => (RunStatus::Diverged, m),
        Err(Stop::Failed(m)) => (RunStatus::Failed, m),
    };
    let finished = matches!(status, RunStatus::Converged | RunStatus::NotConverged);
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let tail = &losses[losses.len().saturating_sub(t.smooth)..];
    let run = RunRow {
        run_id: spec.run_id.clone(),
        init: spec.init.hidden.to_string(),
        activation: spec.activation.to_string(),
        depth: spec.depth,
        width: spec.width,
        seed: spec.seed,
        dataset: spec.dataset.clone(),
        optimizer: spec.optimizer.to_string(),
        lr: spec.lr,
        batch_size: t.batch_size,
        steps: t.steps,
        status,
        steps_to_target,
        final_train_loss: (finished && !tail.is_empty()).then(|| mean(tail)),
        auc_train_loss: (finished && !losses.is_empty()).then(|| mean(&losses)),
        wall_seconds: start.elapsed().as_secs_f64(),
        steps_done: losses.len(),
        target_loss,
        message,
        bias: spec.init.bias.to_string(),
        output_init: spec
            .init
            .output
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        lsuv_iters: lsuv_iters
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(";"),
    };
    let curve = losses
        .iter()
        .enumerate()
        .map(|(step, &train_loss)| CurveRow {
            run_id: spec.run_id.clone(),
            step,
            train_loss,
        })
        .collect();
    RunRecord { run, layers, curve }
}

/// What the training loop fills in as it goes, so that a run stopped early keeps what it
/// measured.
struct Measured<'a> {
    layers: &'a mut Vec<LayerRow>,
    losses: &'a mut Vec<f64>,
    initial_loss: &'a mut Option<f64>,
    lsuv_iters: &'a mut Vec<usize>,
}

/// The training loop.
fn train(
    spec: &RunSpec,
    data: &Dataset,
    probe: &ProbeBatch,
    m: &mut Measured<'_>,
) -> Result<(), Stop> {
    let device = Device::Cpu;
    let mut sizes = vec![data.dim];
    sizes.extend(std::iter::repeat_n(spec.width, spec.depth));
    sizes.push(data.classes);
    let model = Mlp::init(&sizes, spec.activation, &spec.init, spec.seed, &device)?;
    let layers = sizes.len() - 1;
    let init_batch_size = (0..layers)
        .filter_map(|l| spec.init.scheme(l, layers).data_batch())
        .max();
    if let Some(size) = init_batch_size {
        let (x, _) = data.batch(&init_batch(data.n, size, spec.seed), &device)?;
        *m.lsuv_iters = lsuv::apply(&model, &spec.init, &x)?;
    }
    let mut optimizer = Optimizer::new(spec.optimizer.clone(), spec.lr, model.vars());
    let mut sampler = BatchSampler::new(data.n, spec.train.batch_size, spec.seed);

    let first = measure(spec, &model, probe, 0, m.layers)?;
    *m.initial_loss = Some(first.loss);
    for step in 0..spec.train.steps {
        let (x, y) = data.batch(sampler.next_batch(), &device)?;
        let loss = model.loss(&x, &y)?;
        let value = f64::from(loss.to_scalar::<f32>()?);
        if !value.is_finite() {
            return Err(Stop::Diverged(format!(
                "non-finite training loss at step {step}"
            )));
        }
        m.losses.push(value);
        optimizer.step(&loss.backward()?)?;
        let done = step + 1;
        if done % spec.train.probe_every == 0 || done == spec.train.steps {
            measure(spec, &model, probe, done, m.layers)?;
        }
    }
    Ok(())
}

/// The batch a data-dependent initialization measures: `size` distinct training examples (at
/// most all of them) from the run's own stream.
fn init_batch(n: usize, size: usize, seed: u64) -> Vec<usize> {
    rand::seq::index::sample(&mut stream(seed, Purpose::InitBatch), n, size.min(n)).into_vec()
}

/// Probes the model and appends one row per layer; non-finite statistics mean divergence.
fn measure(
    spec: &RunSpec,
    model: &Mlp,
    probe: &ProbeBatch,
    step: usize,
    layers: &mut Vec<LayerRow>,
) -> Result<Probe, Stop> {
    let measured = model.probe(&probe.x, &probe.labels)?;
    let output = measured.layers.len();
    for (i, stats) in measured.layers.iter().enumerate() {
        let kind = if i + 1 == output {
            LayerKind::Output
        } else {
            LayerKind::Hidden
        };
        layers.push(LayerRow::new(&spec.run_id, step, i + 1, kind, stats));
    }
    if !measured.loss.is_finite() || measured.layers.iter().any(|s| !s.is_finite()) {
        return Err(Stop::Diverged(format!(
            "non-finite probe statistics at step {step}"
        )));
    }
    Ok(measured)
}

/// The first step at which the training loss averaged over the last `smooth` steps (fewer at
/// the start) is at or below `target`.
pub fn steps_to_target(losses: &[f64], smooth: usize, target: f64) -> Option<usize> {
    let mut window_sum = 0.0;
    for (t, &loss) in losses.iter().enumerate() {
        window_sum += loss;
        if t >= smooth {
            window_sum -= losses[t - smooth];
        }
        let window = (t + 1).min(smooth);
        if window_sum / window as f64 <= target {
            return Some(t);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::steps_to_target;

    #[test]
    fn steps_to_target_uses_the_running_mean() {
        let losses = [4.0, 3.0, 1.0, 1.0, 1.0, 0.0];
        // Running means over 2 steps: 4, 3.5, 2, 1, 1, 0.5.
        assert_eq!(steps_to_target(&losses, 2, 1.0), Some(3));
        assert_eq!(steps_to_target(&losses, 2, 0.5), Some(5));
        assert_eq!(steps_to_target(&losses, 2, 0.4), None);
        assert_eq!(steps_to_target(&losses, 1, 1.0), Some(2));
    }
}
