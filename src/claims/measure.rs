//! What one run says about a claim: a `runs.csv` column or a `layers.csv` statistic reduced to
//! one number, or the reason it cannot say (a failed run, a step never probed, a layer the
//! network does not have, a theory column left empty), which makes the claim undecided.

use crate::config::claim::{
    Form, LayerAt, LayerStat, Measure, NamedLayer, NamedStep, RunMetric, StepAt,
};
use crate::net::SiteKind;
use crate::stats::least_squares_slope;
use crate::store::rows::{LayerRow, RunRow, RunStatus};

/// A `runs.csv` column of `run` as a number (see [`RunMetric`] for the conventions).
pub fn run_value(run: &RunRow, metric: RunMetric) -> Result<f64, String> {
    let diverged = run.status == RunStatus::Diverged;
    if run.status == RunStatus::Failed {
        return Err(format!("run {} failed: {}", run.run_id, run.message));
    }
    let loss = |v: Option<f64>, column: &str| match v {
        Some(v) => Ok(v),
        None if diverged => Ok(f64::INFINITY),
        None => Err(format!("run {} has no {column}", run.run_id)),
    };
    let indicator = |b: bool| if b { 1.0 } else { 0.0 };
    match metric {
        RunMetric::StepsToTarget => Ok(run.steps_to_target.map_or(f64::INFINITY, |s| s as f64)),
        RunMetric::FinalTrainLoss => loss(run.final_train_loss, "final_train_loss"),
        RunMetric::AucTrainLoss => loss(run.auc_train_loss, "auc_train_loss"),
        RunMetric::FinalTestLoss => loss(run.final_test_loss, "final_test_loss"),
        RunMetric::FinalTestAcc => match run.final_test_acc {
            Some(v) => Ok(v),
            None if diverged => Ok(0.0),
            None => Err(format!("run {} has no final_test_acc", run.run_id)),
        },
        RunMetric::BestTestAcc => run
            .best_test_acc
            .ok_or_else(|| format!("run {} has no best_test_acc", run.run_id)),
        RunMetric::Converged => Ok(indicator(run.status == RunStatus::Converged)),
        RunMetric::Diverged => Ok(indicator(diverged)),
        RunMetric::StepsToDivergence => Ok(if diverged {
            run.steps_done as f64
        } else {
            f64::INFINITY
        }),
        RunMetric::NotConverged => Ok(indicator(run.status == RunStatus::NotConverged)),
        RunMetric::FirstStepDrop => present(run.first_step_drop, metric),
        RunMetric::JacS2Mean => present(run.jac_s2_mean, metric),
        RunMetric::JacS2Var => present(run.jac_s2_var, metric),
        RunMetric::JacSMin => present(run.jac_s_min, metric),
        RunMetric::JacSMax => present(run.jac_s_max, metric),
        RunMetric::JacNearZero => present(run.jac_near_zero, metric),
        RunMetric::JacS2MeanTheory => present(run.jac_s2_mean_theory, metric),
        RunMetric::JacS2VarTheory => present(run.jac_s2_var_theory, metric),
        RunMetric::JacS2MeanFinal => present(run.jac_s2_mean_final, metric),
        RunMetric::JacS2VarFinal => present(run.jac_s2_var_final, metric),
        RunMetric::JacSMinFinal => present(run.jac_s_min_final, metric),
        RunMetric::JacSMaxFinal => present(run.jac_s_max_final, metric),
        RunMetric::GradientQuotient => present(run.gradient_quotient, metric),
        RunMetric::XiCMeasured => present(run.xi_c_measured, metric),
        RunMetric::XiCTheory => present(run.xi_c_theory, metric),
    }
}

/// `|column / theory − 1|` of a run column with a prediction.
pub fn run_rel_error(run: &RunRow, metric: RunMetric) -> Result<f64, String> {
    let theory = metric
        .theory()
        .ok_or_else(|| format!("{} has no theory column", run_metric_name(metric)))?;
    let (value, predicted) = (run_value(run, metric)?, run_value(run, theory)?);
    if predicted == 0.0 {
        return Err(format!(
            "run {}: {} is 0",
            run.run_id,
            run_metric_name(theory)
        ));
    }
    Ok((value / predicted - 1.0).abs())
}

/// The value of an optional column, or why the run has none.
fn present(v: Option<f64>, metric: RunMetric) -> Result<f64, String> {
    v.ok_or_else(|| format!("{} is empty", run_metric_name(metric)))
}

fn run_metric_name(metric: RunMetric) -> String {
    // The column name, as serde writes it.
    toml::Value::try_from(metric)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A statistic of one `layers.csv` row.
pub fn stat_value(row: &LayerRow, stat: LayerStat) -> Option<f64> {
    Some(match stat {
        LayerStat::PreMean => row.pre_mean,
        LayerStat::PreVar => row.pre_var,
        LayerStat::ActMean => row.act_mean,
        LayerStat::ActVar => row.act_var,
        LayerStat::Saturation => row.saturation,
        LayerStat::DeadFrac => row.dead_frac,
        LayerStat::GradVar => row.grad_var,
        LayerStat::WgradVar => row.wgrad_var?,
        LayerStat::WeightVar => row.weight_var?,
        LayerStat::UnitSimilarity => row.unit_similarity,
        LayerStat::DistinctUnits => row.distinct_units as f64,
        LayerStat::PreVarTheory => row.pre_var_theory?,
        LayerStat::ActVarTheory => row.act_var_theory?,
        LayerStat::GradVarTheory => row.grad_var_theory?,
        LayerStat::Corr => row.corr?,
        LayerStat::CorrSameClass => row.corr_same_class?,
        LayerStat::CorrDiffClass => row.corr_diff_class?,
        LayerStat::CorrTheory => row.corr_theory?,
        LayerStat::RelGrad => row.rel_grad?,
        LayerStat::UpdateRatio => row.update_ratio?,
        LayerStat::SpectralNorm => row.spectral_norm?,
        LayerStat::StableRank => row.stable_rank?,
        LayerStat::MpDistance => row.mp_distance?,
        LayerStat::ActQ0000 => row.act_q0000?,
        LayerStat::ActQ0668 => row.act_q0668?,
        LayerStat::ActQ1587 => row.act_q1587?,
        LayerStat::ActQ3085 => row.act_q3085?,
        LayerStat::ActQ5000 => row.act_q5000?,
        LayerStat::ActQ6915 => row.act_q6915?,
        LayerStat::ActQ8413 => row.act_q8413?,
        LayerStat::ActQ9332 => row.act_q9332?,
        LayerStat::ActQ10000 => row.act_q10000?,
        LayerStat::PreAbsMean => row.pre_abs_mean?,
        LayerStat::ActAbsMean => row.act_abs_mean?,
    })
}

fn stat_name(stat: LayerStat) -> String {
    // The column name, as serde writes it.
    toml::Value::try_from(stat)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// One run's value of a layer statistic measure; `rows` are the run's `layers.csv` rows.
pub fn layer_value(run: &RunRow, rows: &[LayerRow], m: &Measure) -> Result<f64, String> {
    let Some(stat) = m.stat else {
        return Err("the measure names no stat".into());
    };
    if m.form == Form::ChangeFromInit {
        let at = |step: StepAt| {
            layer_value(
                run,
                rows,
                &Measure {
                    step,
                    form: Form::Value,
                    ..m.clone()
                },
            )
        };
        return Ok(at(m.step)? - at(StepAt::Step(0))?);
    }
    let id = &run.run_id;
    let step = match m.step {
        StepAt::Step(s) => s,
        StepAt::Named(NamedStep::Last) => rows
            .iter()
            .map(|r| r.step)
            .max()
            .ok_or_else(|| format!("run {id} has no layers.csv rows"))?,
    };
    let at: Vec<&LayerRow> = rows.iter().filter(|r| r.step == step).collect();
    if at.is_empty() {
        let mut probed: Vec<usize> = rows.iter().map(|r| r.step).collect();
        probed.dedup();
        return Err(format!(
            "run {id} has no probe at step {step} (probed: {})",
            probed
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let hidden: Vec<&LayerRow> = at
        .iter()
        .copied()
        .filter(|r| r.kind.along_depth())
        .collect();
    let index = |layer: LayerAt| -> Result<usize, String> {
        let found = match layer {
            LayerAt::Index(i) => at.iter().find(|r| r.layer == i).map(|r| r.layer),
            LayerAt::Named(NamedLayer::First) => hidden.first().map(|r| r.layer),
            LayerAt::Named(NamedLayer::Last) => hidden.last().map(|r| r.layer),
            LayerAt::Named(NamedLayer::Output) => at
                .iter()
                .find(|r| r.kind == SiteKind::Output)
                .map(|r| r.layer),
        };
        found.ok_or_else(|| format!("run {id} has no {layer} (depth {})", run.depth))
    };
    let value = |layer: usize| -> Result<f64, String> {
        let row = at
            .iter()
            .find(|r| r.layer == layer)
            .ok_or_else(|| format!("run {id} has no layer {layer}"))?;
        stat_value(row, stat)
            .ok_or_else(|| format!("run {id}: {} is empty at layer {layer}", stat_name(stat)))
    };
    if m.form == Form::Value {
        let layer = m.layer.unwrap_or(LayerAt::Named(NamedLayer::Last));
        return value(index(layer)?);
    }
    if m.form.is_ratio() {
        let [from, to] = m.layers.unwrap_or([
            LayerAt::Named(NamedLayer::First),
            LayerAt::Named(NamedLayer::Last),
        ]);
        let (a, b) = (value(index(from)?)?, value(index(to)?)?);
        if a == 0.0 && b == 0.0 {
            return Err(format!(
                "run {id}: {} is 0 at both layers (0/0)",
                stat_name(stat)
            ));
        }
        let ratio = b / a;
        if m.form != Form::Ratio && (a == 0.0 || b == 0.0) {
            // A statistic that underflowed to exactly 0 (`grad_zero`) has no logarithm: the
            // run says so rather than ±inf.
            let layer = if a == 0.0 { from } else { to };
            return Err(format!(
                "run {id}: {} is exactly 0 at {layer} (underflow), so its logarithm is undefined",
                stat_name(stat)
            ));
        }
        return Ok(match m.form {
            Form::Log2Ratio => ratio.log2(),
            Form::Log10Ratio => ratio.log10(),
            Form::Log10StdRatio => 0.5 * ratio.log10(),
            _ => ratio,
        });
    }
    // A reduction over a range of layers: every hidden layer unless `layers` says otherwise.
    let range: Vec<usize> = match m.layers {
        Some([from, to]) => {
            let (from, to) = (index(from)?, index(to)?);
            at.iter()
                .map(|r| r.layer)
                .filter(|l| (from..=to).contains(l))
                .collect()
        }
        None => hidden.iter().map(|r| r.layer).collect(),
    };
    if range.is_empty() {
        return Err(format!("run {id}: no layers in the range"));
    }
    let values: Vec<(usize, f64)> = range
        .iter()
        .map(|&l| value(l).map(|v| (l, v)))
        .collect::<Result<_, _>>()?;
    let pick = |better: fn(f64, f64) -> bool| {
        values
            .iter()
            .copied()
            .reduce(|best, x| if better(x.1, best.1) { x } else { best })
            .map(|(l, v)| (l as f64, v))
            .unwrap_or((f64::NAN, f64::NAN))
    };
    Ok(match m.form {
        Form::Mean => values.iter().map(|(_, v)| v).sum::<f64>() / values.len() as f64,
        Form::Min => pick(|x, best| x < best).1,
        Form::Max => pick(|x, best| x > best).1,
        Form::Argmin => pick(|x, best| x < best).0,
        Form::Argmax => pick(|x, best| x > best).0,
        Form::SlopeLog2 => {
            if values.len() < 2 {
                return Err(format!("run {id}: a slope needs two layers"));
            }
            if let Some((l, v)) = values.iter().find(|(_, v)| *v <= 0.0) {
                return Err(format!(
                    "run {id}: {} is {v} at layer {l}, which has no logarithm",
                    stat_name(stat)
                ));
            }
            let points: Vec<(f64, f64)> =
                values.iter().map(|&(l, v)| (l as f64, v.log2())).collect();
            least_squares_slope(&points)
        }
        Form::RelErrorTheory => {
            let theory = stat
                .theory()
                .expect("validated: the stat has a theory column");
            let mut worst = 0f64;
            for &(l, v) in &values {
                let t = value_of(&at, l, theory).ok_or_else(|| {
                    format!(
                        "run {id}: {} is empty at layer {l} (no theory for this scheme, or not \
                         at step 0)",
                        stat_name(theory)
                    )
                })?;
                worst = worst.max((v / t - 1.0).abs());
            }
            worst
        }
        Form::Value
        | Form::ChangeFromInit
        | Form::Ratio
        | Form::Log2Ratio
        | Form::Log10Ratio
        | Form::Log10StdRatio => {
            unreachable!("handled above")
        }
    })
}

fn value_of(at: &[&LayerRow], layer: usize, stat: LayerStat) -> Option<f64> {
    at.iter()
        .find(|r| r.layer == layer)
        .and_then(|r| stat_value(r, stat))
}

/// The measure in words, for `claims.csv` and the report.
pub fn describe(m: &Measure) -> String {
    if let Some(metric) = m.run {
        let name = run_metric_name(metric);
        return match m.form {
            Form::RelErrorTheory => format!("|{name}/theory - 1|"),
            _ => name,
        };
    }
    let stat = m.stat.map(stat_name).unwrap_or_default();
    let [from, to] = m.layers.unwrap_or([
        LayerAt::Named(NamedLayer::First),
        LayerAt::Named(NamedLayer::Last),
    ]);
    let short = |l: LayerAt| match l {
        LayerAt::Index(i) => i.to_string(),
        LayerAt::Named(NamedLayer::First) => "first".into(),
        LayerAt::Named(NamedLayer::Last) => "last".into(),
        LayerAt::Named(NamedLayer::Output) => "output".into(),
    };
    let layers = if m.layers.is_some() {
        format!("layers {}..{}", short(from), short(to))
    } else {
        "hidden layers".into()
    };
    let what = match m.form {
        Form::Value => format!(
            "{stat} at {}",
            m.layer.unwrap_or(LayerAt::Named(NamedLayer::Last))
        ),
        Form::ChangeFromInit => format!(
            "change of {stat} since step 0 at {}",
            m.layer.unwrap_or(LayerAt::Named(NamedLayer::Last))
        ),
        Form::Ratio => format!("{stat}[{}] / {stat}[{}]", short(to), short(from)),
        Form::Log2Ratio => format!("log2({stat}[{}] / {stat}[{}])", short(to), short(from)),
        Form::Log10Ratio => format!("log10({stat}[{}] / {stat}[{}])", short(to), short(from)),
        Form::Log10StdRatio => format!(
            "log10 sqrt({stat}[{}] / {stat}[{}])",
            short(to),
            short(from)
        ),
        Form::Mean => format!("mean {stat} over {layers}"),
        Form::Min => format!("min {stat} over {layers}"),
        Form::Max => format!("max {stat} over {layers}"),
        Form::Argmin => format!("layer of min {stat} over {layers}"),
        Form::Argmax => format!("layer of max {stat} over {layers}"),
        Form::SlopeLog2 => format!("slope of log2 {stat} over {layers}"),
        Form::RelErrorTheory => format!("max |{stat}/theory - 1| over {layers}"),
    };
    format!("{what}, {}", m.step)
}
