//! What a run records of spectra (see [`crate::net::spectra`]) at the probes its `[record]
//! spectra` setting names: each layer's weight spectrum in its `layers.csv` row, and the
//! singular values of the hidden stack's Jacobian on the first probe examples, as a density in
//! `spectra.csv` and (at initialization and after the last step) a summary in `runs.csv`, with
//! free probability's prediction at initialization.

use candle_core::Result as CandleResult;

use super::fixed::Fixed;
use super::train::Measured;
use crate::config::spec::RunSpec;
use crate::init::WeightLaw;
use crate::net::spectra::{
    singular_values, spectrum_bins, SpectrumSummary, WeightSpectrum, JACOBIAN_EXAMPLES,
};
use crate::net::ProbedNet;
use crate::store::rows::SpectrumRow;
use crate::theory::jacobian::JacobianMoments;

/// The Jacobian spectrum's summaries at initialization and after the last step.
#[derive(Debug, Default)]
pub(super) struct JacobianRecord {
    pub(super) init: Option<SpectrumSummary>,
    pub(super) last: Option<SpectrumSummary>,
    pub(super) theory: Option<JacobianMoments>,
}

/// Computes the spectra of the model as it is at `step`, when the run's settings ask for
/// them there, into the rows of that step (which must already be recorded).
pub(super) fn record_spectra(
    spec: &RunSpec,
    model: &dyn ProbedNet,
    fixed: &Fixed,
    step: usize,
    m: &mut Measured,
) -> CandleResult<()> {
    let steps = spec.train.steps;
    if !spec.record.spectra.at(step, steps) {
        return Ok(());
    }
    let sites = model.sites();
    let rows = m.layers.len();
    for row in m.layers[rows.saturating_sub(sites.len())..]
        .iter_mut()
        .filter(|r| r.step == step)
    {
        let s = row.layer - 1;
        let Some(w) = model.site_weight(s) else {
            continue;
        };
        let w = w.as_tensor();
        let (fan_in, fan_out) = w.dims2()?;
        // The law the layer was drawn from: Marchenko–Pastur's only for i.i.d. entries (and
        // for a branch scheme's rescaled draw, that law rescaled; none for a zeroed one).
        let law = model
            .site_scheme(s, &spec.init)
            .weight_law(fan_in, fan_out, sites[s].activation);
        let scale = model.site_weight_scale(s);
        let drawn = match law {
            WeightLaw::Iid(v) if scale != 0.0 => Some(v * scale * scale),
            WeightLaw::Iid(_) | WeightLaw::Orthogonal { .. } | WeightLaw::Other => None,
        };
        let values = w.flatten_all()?.to_vec1::<f32>()?;
        let ws = WeightSpectrum::of(&values, fan_in, fan_out, drawn);
        row.spectral_norm = ws.spectral_norm;
        row.stable_rank = ws.stable_rank;
        row.mp_distance = ws.mp_distance;
    }

    let examples = JACOBIAN_EXAMPLES.min(fixed.probe_x.dim(0)?);
    let trace = model.trace(&fixed.probe_x.narrow(0, 0, examples)?)?;
    let mut pooled = Vec::new();
    for e in 0..examples {
        let Some(jt) = model.jacobian(&trace, e)? else {
            return Ok(());
        };
        // A non-finite Jacobian (a diverging network) has no spectrum.
        let Some(s) = singular_values(&jt) else {
            return Ok(());
        };
        pooled.extend(s);
    }
    m.spectra.extend(
        spectrum_bins(&pooled)
            .into_iter()
            .map(|(bin, lo, hi, count)| SpectrumRow {
                run_id: spec.run_id.clone(),
                step,
                bin,
                lo,
                hi,
                count,
            }),
    );
    let summary = SpectrumSummary::of(&pooled);
    if step == 0 {
        m.jacobian.init = summary;
        m.jacobian.theory = model.jacobian_theory(&spec.init, &fixed.inputs.m2[..examples]);
    }
    if step == steps {
        m.jacobian.last = summary;
    }
    Ok(())
}
