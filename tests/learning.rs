//! A real learning check: an MLP trained through `train::run` on the bundled digits must reach
//! a test accuracy above 90% (a broken gradient, optimizer, loss or data pipeline cannot).

use initlab::config::grid::expand;
use initlab::config::ExperimentConfig;
use initlab::run::fixed::Fixed;
use initlab::run::train::run;
use initlab::store::rows::RunStatus;

#[test]
fn an_mlp_learns_the_bundled_digits() {
    let config: ExperimentConfig = toml::from_str(
        r#"
        name = "learning"
        inits = ["he_normal"]
        activations = ["relu"]
        depths = [2]
        widths = [64]
        seeds = [0]
        lrs = [0.05]
        optimizers = ["momentum"]
        [train]
        steps = 600
        batch_size = 32
        probe_every = 200
        eval_every = 100
        target = { test_acc = 0.9 }
        [dataset]
        kind = "digits"
        "#,
    )
    .unwrap();
    config.validate().unwrap();
    let data = config.datasets[0].build().unwrap();
    let fixed = Fixed::new(&data, config.train.probe_size, config.datasets[0].seed()).unwrap();
    let specs = expand(&config);
    let record = run(&specs[0], &data, &fixed, &|_| {});
    let r = &record.run;
    let acc = r
        .final_test_acc
        .expect("classification runs report accuracy");
    assert!(
        acc > 0.9,
        "test accuracy {acc:.3} after {} steps",
        r.steps_done
    );
    assert_eq!(r.status, RunStatus::Converged);
    assert!(r.steps_to_target.is_some_and(|s| s % 100 == 0 && s <= 600));
    assert!(
        r.final_train_loss.unwrap() < 0.3,
        "{:?}",
        r.final_train_loss
    );
}

#[test]
fn a_regression_teacher_is_learned_with_the_squared_error() {
    let config: ExperimentConfig = toml::from_str(
        r#"
        name = "regression"
        inits = ["lecun_normal"]
        activations = ["tanh"]
        depths = [2]
        widths = [64]
        seeds = [0]
        lrs = [0.002]
        optimizers = ["adam"]
        [train]
        steps = 800
        batch_size = 64
        probe_every = 400
        target = { loss_fraction = 0.2 }
        [dataset]
        kind = "teacher"
        task = "regression"
        dim = 8
        outputs = 2
        samples = 2000
        scaling = "none"
        "#,
    )
    .unwrap();
    config.validate().unwrap();
    let data = config.datasets[0].build().unwrap();
    let fixed = Fixed::new(&data, 512, 0).unwrap();
    let record = run(&expand(&config)[0], &data, &fixed, &|_| {});
    let r = &record.run;
    assert_eq!(r.status, RunStatus::Converged, "{r:?}");
    assert!(r.final_test_acc.is_none(), "no accuracy for regression");
    let initial = record.curve[0].test_loss.unwrap();
    let last = r.final_test_loss.unwrap();
    assert!(last < 0.2 * initial, "test MSE {initial:.4} -> {last:.4}");
}

#[test]
fn an_mlp_beats_the_adding_problems_baseline_at_ten_steps() {
    // Flattened, the adding problem at T = 10 is an easy regression for an MLP: the test MSE
    // must fall well below 1/6, what predicting the mean scores.
    let config: ExperimentConfig = toml::from_str(
        r#"
        name = "adding"
        inits = ["he_normal"]
        activations = ["relu"]
        depths = [2]
        widths = [64]
        seeds = [0]
        lrs = [0.01]
        optimizers = ["adam"]
        [train]
        steps = 400
        batch_size = 64
        probe_every = 200
        target = { loss = 0.01 }
        [dataset]
        kind = "adding"
        length = 10
        samples = 4000
        scaling = "none"
        "#,
    )
    .unwrap();
    config.validate().unwrap();
    let data = config.datasets[0].build().unwrap();
    let fixed = Fixed::new(&data, 512, 0).unwrap();
    let record = run(&expand(&config)[0], &data, &fixed, &|_| {});
    let r = &record.run;
    let last = r.final_test_loss.unwrap();
    assert!(
        last < 1.0 / 6.0 / 10.0,
        "test MSE {last:.4} against the baseline 1/6"
    );
}
