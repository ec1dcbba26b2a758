//! What a run records at its probe steps: every site's statistics (and histograms at the
//! first and last probe), the mean-field predictions at step 0, how far the update after a
//! probe moved each layer, and the test evaluations. [`super::train`] calls these from its
//! loop.

use candle_core::{Result as CandleResult, Tensor};

use super::fixed::Fixed;
use super::spectra::record_spectra;
use super::train::{Measured, Stop};
use crate::config::spec::RunSpec;
use crate::data::Task;
use crate::net::metrics::{mean_var, LayerStats};
use crate::net::probe::Probe;
use crate::net::{ProbedNet, Site};
use crate::store::rows::{HistogramRow, LayerRow};
use crate::theory::network::ProbeInputs;

/// Every site's weights, copied (the optimizers update them in place): four bytes per weight,
/// on the run's device, which the memory budget counts.
pub(super) fn site_weights(model: &dyn ProbedNet) -> CandleResult<Vec<Tensor>> {
    (0..model.sites().len())
        .map(|s| model.site_weight(s).as_tensor().copy())
        .collect()
}

/// Fills `update_ratio` of the rows probed at `step`: `‖W_{t+1} − W_t‖_F / ‖W_t‖_F` per site.
/// The difference is taken in f32 on the run's device, the sums of squares in f64, one layer
/// at a time.
pub(super) fn record_update(
    model: &dyn ProbedNet,
    before: &[Tensor],
    step: usize,
    m: &mut Measured,
) -> CandleResult<()> {
    // ‖x‖² = n·(Var(x) + mean(x)²), from the vectorized sums of `mean_var`.
    let sum_squares = |t: &Tensor| -> CandleResult<f64> {
        let values = t.flatten_all()?.to_vec1::<f32>()?;
        let (mean, var) = mean_var(&values);
        Ok(if values.is_empty() {
            0.0
        } else {
            values.len() as f64 * (var + mean * mean)
        })
    };
    let sites = before.len();
    let rows = m.layers.len();
    for row in m.layers[rows.saturating_sub(sites)..]
        .iter_mut()
        .filter(|r| r.step == step)
    {
        let old = &before[row.layer - 1];
        let new = model.site_weight(row.layer - 1).as_tensor();
        let norm = sum_squares(old)?.sqrt();
        let change = sum_squares(&(new - old)?)?.sqrt();
        row.update_ratio = (norm > 0.0).then(|| change / norm);
    }
    Ok(())
}

/// Appends one row per probe site; non-finite statistics mean divergence.
pub(super) fn record_layers(
    spec: &RunSpec,
    sites: &[Site],
    step: usize,
    stats: &[LayerStats],
    m: &mut Measured,
) -> Result<(), Stop> {
    for (i, (site, s)) in sites.iter().zip(stats).enumerate() {
        m.layers
            .push(LayerRow::new(&spec.run_id, step, i + 1, site.kind, s));
    }
    if stats.iter().any(|s| !s.is_finite()) {
        return Err(Stop::Diverged(format!(
            "non-finite layer statistics at step {step}"
        )));
    }
    Ok(())
}

/// Fills the step-0 rows' mean-field predictions, where the network says theory is exact.
pub(super) fn add_theory(
    spec: &RunSpec,
    model: &dyn ProbedNet,
    inputs: &ProbeInputs,
    first: &Probe,
    rows: &mut [LayerRow],
) {
    let Some(output) = first.layers.last() else {
        return;
    };
    let Some(predictions) = model.theory(&spec.init, inputs, output.grad_var) else {
        return;
    };
    for (row, p) in rows.iter_mut().filter(|r| r.step == 0).zip(predictions) {
        row.pre_var_theory = Some(p.pre_var);
        row.act_var_theory = Some(p.act_var);
        row.grad_var_theory = p.grad_var;
        row.corr_theory = p.corr;
    }
}

/// Probes the model and appends one row per layer (and evaluates on the test split when it is
/// also an evaluation step); non-finite statistics mean divergence.
pub(super) fn measure(
    spec: &RunSpec,
    model: &dyn ProbedNet,
    fixed: &Fixed,
    task: Task,
    step: usize,
    m: &mut Measured,
) -> Result<Probe, Stop> {
    let measured = model.probe(&fixed.probe_x, &fixed.probe_y, task)?;
    if spec.record.histograms.at(step, spec.train.steps) {
        for (i, h) in measured.histograms.iter().enumerate() {
            m.histograms.extend(
                h.bins()
                    .enumerate()
                    .map(|(bin, (lo, hi, count))| HistogramRow {
                        run_id: spec.run_id.clone(),
                        step,
                        layer: i + 1,
                        bin,
                        lo,
                        hi,
                        count,
                    }),
            );
        }
    }
    record_layers(spec, model.sites(), step, &measured.layers, m)?;
    record_spectra(spec, model, fixed, step, m)?;
    if !measured.loss.is_finite() {
        return Err(Stop::Diverged(format!(
            "non-finite probe loss at step {step}"
        )));
    }
    if step.is_multiple_of(spec.train.eval_every) || step == spec.train.steps {
        evaluate(model, fixed, task, step, m)?;
    }
    Ok(measured)
}

/// Measures the test loss and accuracy.
pub(super) fn evaluate(
    model: &dyn ProbedNet,
    fixed: &Fixed,
    task: Task,
    step: usize,
    m: &mut Measured,
) -> Result<(), Stop> {
    let (loss, acc) = model.evaluate(&fixed.test_x, &fixed.test_y, task)?;
    if !loss.is_finite() {
        return Err(Stop::Diverged(format!(
            "non-finite test loss at step {step}"
        )));
    }
    m.evals.push((step, loss, acc));
    Ok(())
}
