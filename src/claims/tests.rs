use super::measure::{layer_value, run_value};
use super::select::best_lr;
use super::*;
use crate::config::claim::{Expect, Form, LayerAt, LayerStat, LrCriterion, Measure, RunMetric};
use crate::net::SiteKind;
use crate::store::rows::{LayerRow, RunStatus};

/// A run of depth 3 probed at steps 0 and 10: act_var 1, 0.5, 0.25 at step 0 (halving per
/// layer), the theory predicting 1, 0.5, 0.2; the read-out is layer 4.
fn rows() -> Vec<LayerRow> {
    let mut rows = Vec::new();
    for step in [0, 10] {
        for (layer, (var, theory)) in [(1.0, 1.0), (0.5, 0.5), (0.25, 0.2), (3.0, 3.0)]
            .into_iter()
            .enumerate()
        {
            rows.push(LayerRow {
                run_id: "r".into(),
                step,
                layer: layer + 1,
                act_var: var * if step == 0 { 1.0 } else { 2.0 },
                act_var_theory: (step == 0).then_some(theory),
                kind: if layer == 3 {
                    SiteKind::Output
                } else {
                    SiteKind::Hidden
                },
                ..LayerRow::default()
            });
        }
    }
    rows
}

fn run(status: RunStatus) -> RunRow {
    RunRow {
        run_id: "r".into(),
        depth: 3,
        status,
        ..RunRow::default()
    }
}

fn stat(form: Form) -> Measure {
    Measure {
        run: None,
        stat: Some(LayerStat::ActVar),
        step: Default::default(),
        layer: None,
        layers: None,
        form,
    }
}

#[test]
fn layer_measures_by_hand() {
    let (r, rows) = (run(RunStatus::Converged), rows());
    let value = |m: &Measure| layer_value(&r, &rows, m);
    let ratio = Measure {
        layers: Some([LayerAt::Index(1), LayerAt::Index(3)]),
        ..stat(Form::Log2Ratio)
    };
    assert_eq!(value(&ratio), Ok(-2.0));
    // The default layers of a ratio and of a reduction are the hidden ones, not the read-out.
    assert_eq!(value(&stat(Form::Max)), Ok(1.0));
    assert_eq!(value(&stat(Form::Argmin)), Ok(3.0));
    assert_eq!(value(&stat(Form::SlopeLog2)), Ok(-1.0));
    assert_eq!(value(&stat(Form::Mean)), Ok(1.75 / 3.0));
    // |0.25/0.2 - 1| = 0.25 is the worst layer.
    let worst = value(&stat(Form::RelErrorTheory)).unwrap();
    assert!((worst - 0.25).abs() < 1e-12);
    let last = Measure {
        step: crate::config::claim::StepAt::Named(crate::config::claim::NamedStep::Last),
        layer: Some(LayerAt::Named(crate::config::claim::NamedLayer::Output)),
        ..stat(Form::Value)
    };
    assert_eq!(value(&last), Ok(6.0));
}

#[test]
fn what_a_run_cannot_say_is_a_reason_never_a_number() {
    let (r, rows) = (run(RunStatus::Converged), rows());
    let at = |step| Measure {
        step: crate::config::claim::StepAt::Step(step),
        layer: Some(LayerAt::Index(1)),
        ..stat(Form::Value)
    };
    let e = layer_value(&r, &rows, &at(5)).unwrap_err();
    assert!(e.contains("no probe at step 5 (probed: 0, 10)"), "{e}");
    // The theory columns are empty after step 0.
    let theory = Measure {
        step: crate::config::claim::StepAt::Step(10),
        ..stat(Form::RelErrorTheory)
    };
    let e = layer_value(&r, &rows, &theory).unwrap_err();
    assert!(e.contains("act_var_theory is empty at layer 1"), "{e}");
    let deep = Measure {
        layer: Some(LayerAt::Index(9)),
        ..stat(Form::Value)
    };
    assert!(layer_value(&r, &rows, &deep).is_err());
    let mut zero = rows.clone();
    zero.iter_mut().for_each(|l| l.act_var = 0.0);
    let e = layer_value(&r, &zero, &stat(Form::Ratio)).unwrap_err();
    assert!(e.contains("0/0"), "{e}");
    let failed = RunRow {
        message: "out of memory".into(),
        ..run(RunStatus::Failed)
    };
    let e = run_value(&failed, RunMetric::FinalTrainLoss).unwrap_err();
    assert!(e.contains("failed: out of memory"), "{e}");
}

#[test]
fn run_metrics_count_unreached_and_diverged_runs_as_documented() {
    let diverged = RunRow {
        steps_done: 37,
        ..run(RunStatus::Diverged)
    };
    assert_eq!(
        run_value(&diverged, RunMetric::StepsToTarget),
        Ok(f64::INFINITY)
    );
    assert_eq!(
        run_value(&diverged, RunMetric::FinalTrainLoss),
        Ok(f64::INFINITY)
    );
    assert_eq!(run_value(&diverged, RunMetric::FinalTestAcc), Ok(0.0));
    assert_eq!(run_value(&diverged, RunMetric::Diverged), Ok(1.0));
    assert_eq!(run_value(&diverged, RunMetric::StepsToDivergence), Ok(37.0));
    assert_eq!(run_value(&diverged, RunMetric::Converged), Ok(0.0));
    let plain = run(RunStatus::NotConverged);
    assert!(run_value(&plain, RunMetric::FinalTrainLoss).is_err());
    assert_eq!(run_value(&plain, RunMetric::NotConverged), Ok(1.0));
    assert_eq!(
        run_value(&plain, RunMetric::StepsToDivergence),
        Ok(f64::INFINITY)
    );
}

#[test]
fn each_configuration_gets_its_own_best_learning_rate() {
    let row = |init: &str, lr: f64, seed: u64, loss: Option<f64>| RunRow {
        run_id: format!("{init}-{lr}-{seed}"),
        init: init.into(),
        lr,
        seed,
        final_train_loss: loss,
        status: if loss.is_some() {
            RunStatus::NotConverged
        } else {
            RunStatus::Diverged
        },
        ..RunRow::default()
    };
    let runs = [
        row("he", 0.01, 0, Some(0.5)),
        row("he", 0.01, 1, Some(0.7)),
        // He diverges at the larger rate in one seed: its median is +∞.
        row("he", 0.1, 0, Some(0.1)),
        row("he", 0.1, 1, None),
        row("xavier", 0.01, 0, Some(2.3)),
        row("xavier", 0.01, 1, Some(2.3)),
        row("xavier", 0.1, 0, Some(1.0)),
        row("xavier", 0.1, 1, Some(1.2)),
    ];
    let refs: Vec<&RunRow> = runs.iter().collect();
    let (kept, choices) = best_lr(&refs, LrCriterion::FinalTrainLoss).unwrap();
    let ids: Vec<&str> = kept.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(
        ids,
        ["he-0.01-0", "he-0.01-1", "xavier-0.1-0", "xavier-0.1-1"]
    );
    assert_eq!(
        choices,
        [
            "init he: 0.01 (median 0.600)",
            "init xavier: 0.1 (median 1.10)"
        ]
    );
    // A rate at which a run diverged after reaching the target loses to a slower stable one.
    let reached = |lr: f64, seed: u64, steps: usize, status: RunStatus| RunRow {
        run_id: format!("he-{lr}-{seed}"),
        init: "he".into(),
        lr,
        seed,
        steps_to_target: Some(steps),
        status,
        ..RunRow::default()
    };
    let fast = [
        reached(0.1, 0, 20, RunStatus::Diverged),
        reached(0.1, 1, 20, RunStatus::Converged),
        reached(0.01, 0, 50, RunStatus::Converged),
        reached(0.01, 1, 60, RunStatus::Converged),
    ];
    let refs: Vec<&RunRow> = fast.iter().collect();
    let (kept, choices) = best_lr(&refs, LrCriterion::StepsToTarget).unwrap();
    assert_eq!(kept[0].lr, 0.01);
    assert_eq!(choices, ["0.01 (median 55)"]);
    // A tie goes to the smaller rate.
    let tie = [row("he", 0.1, 0, Some(1.0)), row("he", 0.01, 0, Some(1.0))];
    let refs: Vec<&RunRow> = tie.iter().collect();
    let (kept, _) = best_lr(&refs, LrCriterion::FinalTrainLoss).unwrap();
    assert_eq!(kept[0].lr, 0.01);
    // Parameterizations are configurations of their own: μP keeps its larger rate.
    let parameterized = |p: &str, lr: f64, loss: f64| RunRow {
        run_id: format!("{p}-{lr}"),
        parameterization: p.into(),
        ..row("he", lr, 0, Some(loss))
    };
    let both = [
        parameterized("standard", 0.01, 0.5),
        parameterized("standard", 0.1, 0.9),
        parameterized("mup", 0.01, 0.8),
        parameterized("mup", 0.1, 0.4),
    ];
    let refs: Vec<&RunRow> = both.iter().collect();
    let (kept, _) = best_lr(&refs, LrCriterion::FinalTrainLoss).unwrap();
    let mut ids: Vec<&str> = kept.iter().map(|r| r.run_id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["mup-0.1", "standard-0.01"]);
}

#[test]
fn combining_and_expecting() {
    let v = [1.0, 2.0, 3.0, 10.0];
    assert_eq!(combine(&v, Across::Median), Ok(2.5));
    assert_eq!(combine(&v, Across::Mean), Ok(4.0));
    assert_eq!(combine(&v, Across::Max), Ok(10.0));
    // Sample standard deviation: sum of squares 9 + 4 + 1 + 36 = 50 over 3.
    assert!((combine(&v, Across::Std).unwrap() - (50.0f64 / 3.0).sqrt()).abs() < 1e-12);
    assert!(combine(&[1.0], Across::Std).is_err());
    let e = |value, tolerance, rel, lo, hi| Expect {
        value,
        tolerance,
        rel_tolerance: rel,
        at_least: lo,
        at_most: hi,
    };
    let abs = e(Some(-29.0), Some(0.5), None, None, None);
    assert!(abs.holds(-29.5) && !abs.holds(-29.6) && !abs.holds(f64::NAN));
    assert_eq!(abs.to_string(), "-29 ± 0.5");
    let rel = e(Some(-2.0), None, Some(0.1), None, None);
    assert!(rel.holds(-2.2) && !rel.holds(-2.3));
    assert_eq!(rel.to_string(), "-2 ± 10%");
    assert_eq!(
        e(None, None, None, Some(0.9), Some(1.1)).to_string(),
        "in [0.9, 1.1]"
    );
    assert!(e(None, None, None, None, Some(0.02)).holds(f64::NEG_INFINITY));
}

#[test]
fn change_from_init_subtracts_the_value_at_step_0() {
    let run = run(RunStatus::Converged);
    let row = |step: usize, v: f64| LayerRow {
        run_id: run.run_id.clone(),
        step,
        layer: 1,
        pre_abs_mean: Some(v),
        ..LayerRow::default()
    };
    let rows = [row(0, 0.5), row(1, 0.75), row(2, 1.5)];
    let m: Measure =
        toml::from_str("stat = \"pre_abs_mean\"\nlayer = 1\nstep = 2\nform = \"change_from_init\"")
            .unwrap();
    assert_eq!(layer_value(&run, &rows, &m), Ok(1.0));
    let no_layer: Result<Claim, _> = toml::from_str(
        "name = \"c\"\nkind = \"value\"\nexpect = { at_least = 0 }\n\
         measure = { stat = \"pre_abs_mean\", form = \"change_from_init\" }",
    );
    let err = no_layer.unwrap().validate().unwrap_err();
    assert!(err.contains("need one `layer`"), "{err}");
}

#[test]
fn the_new_stat_names_are_the_column_names() {
    for (name, stat) in [
        ("act_q0668", LayerStat::ActQ0668),
        ("act_q10000", LayerStat::ActQ10000),
        ("mp_distance", LayerStat::MpDistance),
        ("act_abs_mean", LayerStat::ActAbsMean),
        ("pre_abs_mean", LayerStat::PreAbsMean),
        ("stable_rank", LayerStat::StableRank),
    ] {
        let parsed: LayerStat = toml::Value::String(name.into()).try_into().unwrap();
        assert_eq!(parsed, stat, "{name}");
    }
    for (name, metric) in [
        ("jac_s2_var", RunMetric::JacS2Var),
        ("jac_s_min", RunMetric::JacSMin),
        ("jac_s2_mean_final", RunMetric::JacS2MeanFinal),
        ("jac_s2_var_theory", RunMetric::JacS2VarTheory),
        ("gradient_quotient", RunMetric::GradientQuotient),
        ("xi_c_measured", RunMetric::XiCMeasured),
        ("xi_c_theory", RunMetric::XiCTheory),
    ] {
        let parsed: RunMetric = toml::Value::String(name.into()).try_into().unwrap();
        assert_eq!(parsed, metric, "{name}");
        let header = String::from_utf8(crate::store::tables::Table::Runs.header()).unwrap();
        assert!(header.split([',', '\n']).any(|c| c == name), "{name}");
    }
    let header = crate::store::tables::Table::Layers.header();
    let header = String::from_utf8(header).unwrap();
    for name in [
        "act_q0668",
        "act_q10000",
        "mp_distance",
        "stable_rank",
        "pre_abs_mean",
        "act_abs_mean",
    ] {
        assert!(header.split([',', '\n']).any(|c| c == name), "{name}");
    }
}

#[test]
fn a_run_column_against_its_prediction() {
    let r = RunRow {
        jac_s2_var: Some(11.0),
        jac_s2_var_theory: Some(10.0),
        ..run(RunStatus::Converged)
    };
    let e = super::measure::run_rel_error(&r, RunMetric::JacS2Var).unwrap();
    assert!((e - 0.1).abs() < 1e-12);
    // No theory column for it, or an empty one: no number.
    assert!(super::measure::run_rel_error(&r, RunMetric::FinalTrainLoss).is_err());
    assert!(super::measure::run_rel_error(&r, RunMetric::JacS2Mean).is_err());
}
