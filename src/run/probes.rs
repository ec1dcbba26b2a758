//! What a run records at its probe steps: every site's statistics (and histograms at the
//! first and last probe), the mean-field predictions at step 0, how far the update after a
//! probe moved each layer, and the test evaluations. [`super::train`] calls these from its
//! loop.

use super::fixed::Fixed;
use super::spectra::record_spectra;
use super::train::{Measured, Stop};
use crate::config::spec::RunSpec;
use crate::data::Task;
use crate::net::metrics::LayerStats;
use crate::net::optim::UpdateSize;
use crate::net::probe::Probe;
use crate::net::{ProbedNet, Site};
use crate::store::rows::{HistogramRow, LayerRow};
use crate::theory::network::ProbeInputs;

/// The position in [`ProbedNet::vars`] of each site's weight, whose update `update_ratio`
/// measures (`None` for a site without one).
pub(super) fn site_vars(model: &dyn ProbedNet) -> Vec<Option<usize>> {
    let vars = model.vars();
    (0..model.sites().len())
        .map(|s| {
            let id = model.site_weight(s)?.as_tensor().id();
            Some(
                vars.iter()
                    .position(|v| v.as_tensor().id() == id)
                    .expect("a site's weight is one of the network's variables"),
            )
        })
        .collect()
}

/// Which variables the optimizer measures the step of: the sites' weights.
pub(super) fn measure_mask(vars: usize, site_vars: &[Option<usize>]) -> Vec<bool> {
    let mut mask = vec![false; vars];
    for &v in site_vars.iter().flatten() {
        mask[v] = true;
    }
    mask
}

/// Fills `update_ratio` of the rows probed at `step`, `‖W_{t+1} − W_t‖_F / ‖W_t‖_F` per site,
/// from the sizes the optimizer measured as it stepped (`sizes` in the variables' order).
pub(super) fn record_update(
    sizes: &[Option<UpdateSize>],
    site_vars: &[Option<usize>],
    step: usize,
    m: &mut Measured,
) {
    let sites = site_vars.len();
    let rows = m.layers.len();
    for row in m.layers[rows.saturating_sub(sites)..]
        .iter_mut()
        .filter(|r| r.step == step)
    {
        row.update_ratio = site_vars[row.layer - 1]
            .and_then(|v| sizes[v])
            .and_then(|s| s.ratio());
    }
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
            .push(LayerRow::new(&spec.run_id, step, i + 1, site, s));
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
