//! One run = one function: [`run`] trains one network of the grid and returns its
//! [`RunRecord`]. It never panics on a bad run: a non-finite loss or statistic ends the run as
//! `diverged`, an error as `failed`, and the sweep goes on.
//!
//! Step convention: the loss logged at step `t` is that of the `t`-th batch at the parameters
//! after `t` updates (so step 0 is the loss at initialization), and a probe or an evaluation at
//! step `t` measures the parameters after `t` updates. Probes happen at step 0, every
//! `probe_every` steps and after the last update; test evaluations likewise with `eval_every`.
//! Step 0 and the last step are probed on the fixed probe batch; the probes in between on the
//! training batch of that step, inside its own passes (`probe_batch = "training"`, the
//! default), or on the fixed probe batch again (`"fixed"`).

use std::time::Instant;

use super::build::build;
use super::depth_scale::measured_depth_scale;
use super::fixed::Fixed;
use super::probes::{
    add_theory, evaluate, measure, measure_mask, record_layers, record_update, site_vars,
};
use super::quotient::gradient_quotient;
use super::spectra::{record_spectra, JacobianRecord};
use crate::config::spec::RunSpec;
use crate::config::{ProbeBatch, Target};
use crate::data::{BatchSampler, Dataset};
use crate::net::lsuv;
use crate::net::optim::{clip_grad_norm, Optimizer};
use crate::net::probe::{labels, statistics, task_loss};
use crate::rng::{stream, Purpose};
use crate::store::rows::{
    CurveRow, HistogramRow, LayerRow, RunRecord, RunRow, RunStatus, SpectrumRow,
};
use crate::theory::MeanField;

/// Why training stopped early.
pub(super) enum Stop {
    Diverged(String),
    Failed(String),
}

impl From<candle_core::Error> for Stop {
    fn from(e: candle_core::Error) -> Self {
        Stop::Failed(e.to_string())
    }
}

/// What the training loop fills in as it goes, so that a run stopped early keeps what it
/// measured.
#[derive(Default)]
pub(super) struct Measured {
    pub(super) layers: Vec<LayerRow>,
    pub(super) histograms: Vec<HistogramRow>,
    pub(super) losses: Vec<f64>,
    /// (step, test loss, test accuracy).
    pub(super) evals: Vec<(usize, f64, Option<f64>)>,
    pub(super) initial_loss: Option<f64>,
    /// The probe batch's loss after the first update.
    pub(super) loss_after_first: Option<f64>,
    pub(super) lsuv_iters: Vec<usize>,
    pub(super) spectra: Vec<SpectrumRow>,
    pub(super) jacobian: JacobianRecord,
    pub(super) gradient_quotient: Option<f64>,
    /// Updates whose gradients `[train] clip_grad_norm` scaled down.
    pub(super) clipped_steps: usize,
}

/// Trains `spec` on `data`, probing and evaluating on `fixed`; `on_step` hears each step.
pub fn run(spec: &RunSpec, data: &Dataset, fixed: &Fixed, on_step: &dyn Fn(usize)) -> RunRecord {
    let start = Instant::now();
    let mut m = Measured::default();
    let outcome = train(spec, data, fixed, &mut m, on_step);

    let t = &spec.train;
    let target_loss = match t.target {
        Target::Loss(v) => Some(v),
        Target::LossFraction(f) => m.initial_loss.map(|l| f * l),
        Target::TestAcc(_) => None,
    };
    let steps_to_target = match t.target {
        Target::TestAcc(acc) => m
            .evals
            .iter()
            .find(|(_, _, a)| a.is_some_and(|a| a >= acc))
            .map(|&(step, _, _)| step),
        _ => target_loss.and_then(|target| steps_to_target(&m.losses, t.smooth, target)),
    };
    let (status, message) = match outcome {
        Ok(()) if steps_to_target.is_some() => (RunStatus::Converged, String::new()),
        Ok(()) => (RunStatus::NotConverged, String::new()),
        Err(Stop::Diverged(m)) => (RunStatus::Diverged, m),
        Err(Stop::Failed(m)) => (RunStatus::Failed, m),
    };
    let finished = matches!(status, RunStatus::Converged | RunStatus::NotConverged);
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let losses = &m.losses;
    let tail = &losses[losses.len().saturating_sub(t.smooth)..];
    let jac = &m.jacobian;
    let last_eval = m
        .evals
        .last()
        .filter(|(step, _, _)| finished && *step == t.steps);
    let mut run = RunRow {
        run_id: spec.run_id.clone(),
        init: spec.init.hidden.to_string(),
        activation: spec.activation.to_string(),
        depth: spec.depth,
        width: spec.width.clone(),
        seed: spec.seed,
        dataset: spec.dataset.clone(),
        optimizer: spec.optimizer.to_string(),
        lr: spec.lr,
        batch_size: t.batch_size,
        steps: t.steps,
        status,
        steps_to_target,
        final_train_loss: (finished && !tail.is_empty()).then(|| mean(tail)),
        auc_train_loss: (finished && !losses.is_empty()).then(|| mean(losses)),
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
        input_init: spec
            .init
            .input
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        lsuv_iters: m
            .lsuv_iters
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(";"),
        final_test_loss: last_eval.map(|e| e.1),
        final_test_acc: last_eval.and_then(|e| e.2),
        best_test_acc: m.evals.iter().filter_map(|e| e.2).reduce(f64::max),
        first_step_drop: m
            .initial_loss
            .zip(m.loss_after_first)
            .map(|(before, after)| before - after)
            .filter(|d| d.is_finite()),
        layer_rows: None,
        curve_rows: None,
        histogram_rows: None,
        jac_s2_mean: jac.init.map(|s| s.s2_mean),
        jac_s2_var: jac.init.map(|s| s.s2_var),
        jac_s_min: jac.init.map(|s| s.s_min),
        jac_s_max: jac.init.map(|s| s.s_max),
        jac_near_zero: jac.init.map(|s| s.near_zero),
        jac_s2_mean_theory: jac.theory.map(|t| t.s2_mean),
        jac_s2_var_theory: jac.theory.map(|t| t.s2_var),
        jac_s2_mean_final: jac.last.map(|s| s.s2_mean),
        jac_s2_var_final: jac.last.map(|s| s.s2_var),
        jac_s_min_final: jac.last.map(|s| s.s_min),
        jac_s_max_final: jac.last.map(|s| s.s_max),
        spectrum_rows: None,
        gradient_quotient: m.gradient_quotient,
        parameterization: spec.parameterization.to_string(),
        architecture: spec.architecture.to_string(),
        branch: spec.branch.to_string(),
        xi_c_measured: None,
        xi_c_layers: None,
        xi_c_theory: None,
        clipped_steps: spec.train.clip_grad_norm.map(|_| m.clipped_steps),
    };
    // Where the length map has no fixed point (q grows without bound) there is no c* to
    // decay to, and MeanField's ξ_c is no depth scale. It is the depth scale of a chain of
    // layers: a residual network's stream has none of its own here.
    let chain = !spec.architecture.residual();
    let mean_field = spec.width.uniform().filter(|_| chain).and_then(|width| {
        MeanField::of_network(&spec.init, spec.activation, width)
            .filter(|mf| mf.q_star.is_some() && mf.xi_c > 0.0)
            .map(|mf| (mf, width))
    });
    let depth_scale = mean_field
        .as_ref()
        .and_then(|(mf, width)| measured_depth_scale(&m.layers, mf, *width));
    run.xi_c_measured = depth_scale.map(|f| f.xi_c);
    run.xi_c_layers = depth_scale.map(|f| f.layers);
    run.xi_c_theory = mean_field.map(|(mf, _)| mf.xi_c).filter(|x| x.is_finite());
    let curve = curve_rows(&spec.run_id, losses, &m.evals);
    RunRecord::new(run, m.layers, curve, m.histograms, m.spectra)
}

/// One row per training step, joined with the evaluations (one more row after the last
/// update when the final evaluation happened).
fn curve_rows(run_id: &str, losses: &[f64], evals: &[(usize, f64, Option<f64>)]) -> Vec<CurveRow> {
    let last = evals.last().map_or(0, |e| e.0 + 1).max(losses.len());
    let mut evals = evals.iter().peekable();
    (0..last)
        .map(|step| {
            let mut row = CurveRow {
                run_id: run_id.to_string(),
                step,
                train_loss: losses.get(step).copied(),
                test_loss: None,
                test_acc: None,
            };
            if let Some(&&(s, loss, acc)) = evals.peek() {
                if s == step {
                    row.test_loss = Some(loss);
                    row.test_acc = acc;
                    evals.next();
                }
            }
            row
        })
        .collect()
}

/// The training loop.
fn train(
    spec: &RunSpec,
    data: &Dataset,
    fixed: &Fixed,
    m: &mut Measured,
    on_step: &dyn Fn(usize),
) -> Result<(), Stop> {
    let device = fixed.probe_x.device().clone();
    let task = data.task;
    let model = build(spec, data, &device)?;
    let model = model.as_ref();
    let init_batch_size = (0..model.sites().len())
        .filter_map(|s| model.site_scheme(s, &spec.init).data_batch())
        .max();
    if let Some(size) = init_batch_size {
        let (x, _) = data
            .train
            .batch(&init_batch(data.train.n, size, spec.seed), &device)?;
        m.lsuv_iters = lsuv::apply(model, &spec.init, &x)?;
    }
    let lr_scales = model
        .var_dims()
        .into_iter()
        .map(|dims| spec.parameterization.lr_scale(dims, &spec.optimizer))
        .collect();
    let mut optimizer =
        Optimizer::new(spec.optimizer.clone(), spec.lr, model.vars()).with_lr_scales(lr_scales);
    let vars = model.vars();
    let weights = site_vars(model);
    let mask = measure_mask(vars.len(), &weights);
    let mut sampler = BatchSampler::new(data.train.n, spec.train.batch_size, spec.seed);

    let first = measure(spec, model, fixed, task, 0, m)?;
    m.initial_loss = Some(first.loss);
    m.gradient_quotient = gradient_quotient(model, &fixed.probe_x, &fixed.probe_y, task)?;
    add_theory(spec, model, &fixed.inputs, &first, &mut m.layers);
    let t = &spec.train;
    let on_batch = t.probe_batch == ProbeBatch::Training;
    for step in 0..t.steps {
        let (x, y) = data.train.batch(sampler.next_batch(), &device)?;
        // Statistics of this very step, measured inside its own passes (step 0 was measured
        // on the fixed probe batch above).
        let probe_here = on_batch && step > 0 && step.is_multiple_of(t.probe_every);
        let (loss, grads) = if probe_here {
            let trace = model.trace(&x)?;
            let loss = task_loss(&trace.logits, &y, task)?;
            let grads = loss.backward()?;
            let labels = labels(&y, task)?;
            let (stats, _) = statistics(model, &trace, &grads, labels.as_deref(), false)?;
            record_layers(spec, model.sites(), step, &stats, m)?;
            record_spectra(spec, model, fixed, step, m)?;
            (loss, grads)
        } else {
            let loss = model.loss(&x, &y, task)?;
            let grads = loss.backward()?;
            (loss, grads)
        };
        let value = f64::from(loss.to_scalar::<f32>()?);
        if !value.is_finite() {
            return Err(Stop::Diverged(format!(
                "non-finite training loss at step {step}"
            )));
        }
        m.losses.push(value);
        let mut grads = grads;
        if let Some(max_norm) = t.clip_grad_norm {
            let (_, clipped) = clip_grad_norm(&vars, &mut grads, max_norm)?;
            m.clipped_steps += usize::from(clipped);
        }
        // The update right after a probe is measured as the optimizer takes it.
        let probed = step == 0 || step.is_multiple_of(t.probe_every);
        if probed {
            let sizes = optimizer.step_measured(&grads, &mask)?;
            record_update(&sizes, &weights, step, m);
        } else {
            optimizer.step(&grads)?;
        }
        if step == 0 {
            let after = model.loss(&fixed.probe_x, &fixed.probe_y, task)?;
            m.loss_after_first = Some(f64::from(after.to_scalar::<f32>()?));
        }
        let done = step + 1;
        on_step(done);
        if done == t.steps || (!on_batch && done.is_multiple_of(t.probe_every)) {
            measure(spec, model, fixed, task, done, m)?;
        } else if done.is_multiple_of(t.eval_every) {
            evaluate(model, fixed, task, done, m)?;
        }
    }
    Ok(())
}

/// The batch a data-dependent initialization measures: `size` distinct training examples (at
/// most all of them) from the run's own stream.
fn init_batch(n: usize, size: usize, seed: u64) -> Vec<usize> {
    rand::seq::index::sample(&mut stream(seed, Purpose::InitBatch), n, size.min(n)).into_vec()
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
    use super::{curve_rows, steps_to_target};

    #[test]
    fn steps_to_target_uses_the_running_mean() {
        let losses = [4.0, 3.0, 1.0, 1.0, 1.0, 0.0];
        // Running means over 2 steps: 4, 3.5, 2, 1, 1, 0.5.
        assert_eq!(steps_to_target(&losses, 2, 1.0), Some(3));
        assert_eq!(steps_to_target(&losses, 2, 0.5), Some(5));
        assert_eq!(steps_to_target(&losses, 2, 0.4), None);
        assert_eq!(steps_to_target(&losses, 1, 1.0), Some(2));
    }

    #[test]
    fn curves_join_losses_and_evaluations() {
        let rows = curve_rows(
            "r",
            &[3.0, 2.0, 1.0],
            &[(0, 2.5, Some(0.1)), (2, 1.5, None), (3, 0.5, Some(0.9))],
        );
        assert_eq!(rows.len(), 4);
        assert_eq!(
            (rows[0].train_loss, rows[0].test_loss, rows[0].test_acc),
            (Some(3.0), Some(2.5), Some(0.1))
        );
        assert_eq!((rows[1].test_loss, rows[2].test_loss), (None, Some(1.5)));
        assert_eq!((rows[3].train_loss, rows[3].test_acc), (None, Some(0.9)));
    }
}
