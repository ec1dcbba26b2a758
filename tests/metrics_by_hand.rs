//! The per-layer statistics of a tiny network (2 → 3 → 3 → 3, a batch of 4) against an
//! independent computation: an f64 forward pass written here, per-example gradients by central
//! finite differences of each example's own loss, weight gradients by finite differences of
//! the batch-mean loss.

use candle_core::{Device, Tensor};
use initlab::activation::Activation;
use initlab::data::Task;
use initlab::net::mlp::Mlp;
use initlab::net::ProbedNet;

const SIZES: [usize; 4] = [2, 3, 3, 3];
const X: [[f64; 2]; 4] = [[0.5, -1.0], [1.5, 0.3], [-0.7, 0.8], [0.1, -0.2]];
const LABELS: [usize; 4] = [0, 2, 1, 2];

/// Row-major `[fan_in, fan_out]` weights and biases. Unit 0 of layer 1 has a large bias, so
/// under tanh it is saturated for every example (a dead unit); ReLU units with negative
/// pre-activations saturate too.
fn params() -> Vec<(Vec<f64>, Vec<f64>)> {
    vec![
        (vec![0.4, -0.9, 0.3, 0.2, 0.7, -1.1], vec![4.0, 0.1, -0.2]),
        (
            vec![0.5, -0.3, 0.8, -0.6, 0.9, 0.1, 0.2, -0.4, 0.7],
            vec![0.0, -0.3, 0.2],
        ),
        (
            vec![1.0, -0.5, 0.3, 0.2, 0.6, -0.8, -0.7, 0.4, 0.9],
            vec![0.1, 0.0, -0.1],
        ),
    ]
}

/// A layer's pre-activations and activations for one example.
type Layer = (Vec<f64>, Vec<f64>);

/// Forward pass of one example in f64; `perturb` adds `eps` to `z^l_j`.
/// Returns per-layer (z, h) and the example's cross-entropy.
fn forward(
    act: Activation,
    p: &[(Vec<f64>, Vec<f64>)],
    x: &[f64],
    label: usize,
    perturb: Option<(usize, usize, f64)>,
) -> (Vec<Layer>, f64) {
    let mut h = x.to_vec();
    let mut layers = Vec::new();
    for (l, (w, b)) in p.iter().enumerate() {
        let (fan_in, fan_out) = (SIZES[l], SIZES[l + 1]);
        let mut z: Vec<f64> = (0..fan_out)
            .map(|j| b[j] + (0..fan_in).map(|i| h[i] * w[i * fan_out + j]).sum::<f64>())
            .collect();
        if let Some((pl, pj, eps)) = perturb {
            if pl == l {
                z[pj] += eps;
            }
        }
        let last = l + 1 == p.len();
        let hn: Vec<f64> = if last {
            z.clone()
        } else {
            z.iter().map(|&v| hand_activation(act, v)).collect()
        };
        layers.push((z, hn.clone()));
        h = hn;
    }
    let max = h.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let log_sum = h.iter().map(|v| (v - max).exp()).sum::<f64>().ln() + max;
    (layers, log_sum - h[label])
}

/// The activations written out independently of the library.
fn hand_activation(act: Activation, z: f64) -> f64 {
    match act {
        Activation::Tanh => z.tanh(),
        Activation::Relu => z.max(0.0),
        _ => unreachable!("only tanh and relu are used here"),
    }
}

fn var(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n
}

fn batch_loss(act: Activation, p: &[(Vec<f64>, Vec<f64>)]) -> f64 {
    (0..4)
        .map(|i| forward(act, p, &X[i], LABELS[i], None).1)
        .sum::<f64>()
        / 4.0
}

struct Expected {
    act_var: f64,
    pre_abs_mean: f64,
    act_abs_mean: f64,
    grad_var: f64,
    wgrad_var: f64,
    saturation: f64,
    dead_frac: f64,
    rel_grad: f64,
}

fn expected(act: Activation, layer: usize, saturated: impl Fn(f64, f64) -> bool) -> Expected {
    let p = params();
    let units = SIZES[layer + 1];
    let eps = 1e-6;
    let mut acts = Vec::new();
    let mut pres = Vec::new();
    let mut deltas = Vec::new();
    let mut sat = vec![vec![false; units]; 4];
    for i in 0..4 {
        let (layers, _) = forward(act, &p, &X[i], LABELS[i], None);
        let (z, h) = &layers[layer];
        acts.extend_from_slice(h);
        pres.extend_from_slice(z);
        for j in 0..units {
            sat[i][j] = saturated(z[j], h[j]);
            let up = forward(act, &p, &X[i], LABELS[i], Some((layer, j, eps))).1;
            let down = forward(act, &p, &X[i], LABELS[i], Some((layer, j, -eps))).1;
            deltas.push((up - down) / (2.0 * eps));
        }
    }
    let mut wgrads = Vec::new();
    for k in 0..p[layer].0.len() {
        let mut up = p.clone();
        up[layer].0[k] += eps;
        let mut down = p.clone();
        down[layer].0[k] -= eps;
        wgrads.push((batch_loss(act, &up) - batch_loss(act, &down)) / (2.0 * eps));
    }
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let rel_grad = norm(&wgrads) / norm(&p[layer].0);
    let entries = sat.iter().flatten().filter(|&&s| s).count();
    let dead = (0..units).filter(|&j| (0..4).all(|i| sat[i][j])).count();
    let abs_mean = |v: &[f64]| v.iter().map(|x| x.abs()).sum::<f64>() / v.len() as f64;
    Expected {
        act_var: var(&acts),
        pre_abs_mean: abs_mean(&pres),
        act_abs_mean: abs_mean(&acts),
        grad_var: var(&deltas),
        wgrad_var: var(&wgrads),
        saturation: entries as f64 / (4 * units) as f64,
        dead_frac: dead as f64 / units as f64,
        rel_grad,
    }
}

fn close(what: &str, got: f64, want: f64) {
    let tol = 1e-4 * want.abs().max(1e-3);
    assert!(
        (got - want).abs() <= tol,
        "{what}: library {got:.8e}, by hand {want:.8e}"
    );
}

fn check(act: Activation, saturated: impl Fn(f64, f64) -> bool + Copy) {
    let device = Device::Cpu;
    let f32s = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
    let p32: Vec<(Vec<f32>, Vec<f32>)> = params().iter().map(|(w, b)| (f32s(w), f32s(b))).collect();
    let mlp = Mlp::from_params(&SIZES, &p32, act, &device).unwrap();
    let x = Tensor::from_vec(f32s(&X.concat()), (4, 2), &device).unwrap();
    let y = Tensor::from_vec(
        LABELS.iter().map(|&l| l as u32).collect::<Vec<_>>(),
        4,
        &device,
    )
    .unwrap();
    let probe = mlp
        .probe(&x, &y, Task::Classification { classes: 3 })
        .unwrap();
    close("probe loss", probe.loss, batch_loss(act, &params()));
    let mut any_saturated = false;
    for layer in 0..2 {
        let s = probe.layers[layer];
        let e = expected(act, layer, saturated);
        let at = |m: &str| format!("{act} layer {}: {m}", layer + 1);
        close(&at("act_var"), s.act_var, e.act_var);
        close(&at("pre_abs_mean"), s.pre_abs_mean, e.pre_abs_mean);
        close(&at("act_abs_mean"), s.act_abs_mean, e.act_abs_mean);
        close(&at("grad_var"), s.grad_var, e.grad_var);
        close(&at("wgrad_var"), s.wgrad_var.unwrap(), e.wgrad_var);
        close(&at("rel_grad"), s.rel_grad.unwrap(), e.rel_grad);
        assert_eq!(s.saturation, e.saturation, "{}", at("saturation"));
        assert_eq!(s.dead_frac, e.dead_frac, "{}", at("dead_frac"));
        any_saturated |= e.saturation > 0.0;
    }
    assert!(any_saturated, "the fixture must exercise saturation");
}

#[test]
fn tanh_statistics_match_a_hand_computation() {
    // Saturated: |φ'| = 1 − h² < 0.05.
    check(Activation::Tanh, |_, h| 1.0 - h * h < 0.05);
    // And the fixture's unit 0 of layer 1 is dead under tanh (bias 4 → h > 0.999).
    let p = params();
    for x in X {
        let (layers, _) = forward(Activation::Tanh, &p, &x, 0, None);
        assert!(layers[0].1[0] > 0.975);
    }
}

#[test]
fn relu_statistics_match_a_hand_computation() {
    check(Activation::Relu, |z, _| z <= 0.0);
}

/// `probe_batch = "training"` measures inside the training step what `"fixed"` measures on the
/// probe batch: with a training split of exactly one batch and a probe batch of all of it, both
/// see the same examples at the same parameters (in another order), so every statistic at
/// every step must agree up to f32 summation order, and training itself must not change.
#[test]
fn training_batch_statistics_equal_probe_batch_ones_on_the_same_examples() {
    use initlab::config::grid::expand;
    use initlab::config::{ExperimentConfig, ProbeBatch};
    use initlab::run::fixed::Fixed;
    use initlab::run::train::run;
    let record = |probe_batch: &str, samples: usize| {
        let config: ExperimentConfig = toml::from_str(&format!(
            r#"
            name = "probe"
            inits = ["xavier_normal"]
            activations = ["tanh"]
            depths = [3]
            widths = [16]
            seeds = [0]
            lrs = [0.1]
            [train]
            steps = 12
            batch_size = 64
            probe_every = 4
            probe_size = 64
            probe_batch = "{probe_batch}"
            [dataset]
            kind = "gaussian_mixture"
            samples = {samples}
            test_fraction = 0.2
            "#
        ))
        .unwrap();
        let data = config.datasets[0].build().unwrap();
        let fixed = Fixed::new(&data, 64, config.datasets[0].seed()).unwrap();
        (
            config.train.probe_batch,
            run(&expand(&config)[0], &data, &fixed, &|_| {}),
        )
    };
    let (training_mode, training) = record("training", 80);
    let (fixed_mode, fixed) = record("fixed", 80);
    assert_eq!(
        (training_mode, fixed_mode),
        (ProbeBatch::Training, ProbeBatch::Fixed)
    );
    let steps = |r: &initlab::store::rows::RunRecord| {
        let mut s: Vec<usize> = r.layers.iter().map(|l| l.step).collect();
        s.dedup();
        s
    };
    assert_eq!(steps(&training), vec![0, 4, 8, 12]);
    assert_eq!(steps(&fixed), steps(&training));
    for (a, b) in training.curve.iter().zip(&fixed.curve) {
        assert_eq!(
            a.train_loss, b.train_loss,
            "training must not depend on the probe"
        );
    }
    for (a, b) in training.layers.iter().zip(&fixed.layers) {
        let at = format!("step {} layer {}", a.step, a.layer);
        for (what, x, y) in [
            ("pre_mean", a.pre_mean, b.pre_mean),
            ("pre_var", a.pre_var, b.pre_var),
            ("act_mean", a.act_mean, b.act_mean),
            ("act_var", a.act_var, b.act_var),
            ("grad_var", a.grad_var, b.grad_var),
            ("wgrad_var", a.wgrad_var.unwrap(), b.wgrad_var.unwrap()),
            ("weight_var", a.weight_var.unwrap(), b.weight_var.unwrap()),
        ] {
            assert!(
                (x - y).abs() <= 1e-4 * y.abs().max(1e-6),
                "{at} {what}: {x} vs {y}"
            );
        }
        assert_eq!(
            (a.saturation, a.dead_frac),
            (b.saturation, b.dead_frac),
            "{at}"
        );
    }
}

/// And on a training split larger than a batch, the probes in between see other examples than
/// the fixed probe batch (while step 0 and the last step stay on it).
#[test]
fn training_batch_statistics_come_from_the_training_batch() {
    use initlab::config::grid::expand;
    use initlab::config::ExperimentConfig;
    use initlab::run::fixed::Fixed;
    use initlab::run::train::run;
    let act_var_at = |probe_batch: &str, step: usize| {
        let config: ExperimentConfig = toml::from_str(&format!(
            r#"
            name = "probe"
            inits = ["xavier_normal"]
            activations = ["tanh"]
            depths = [2]
            widths = [16]
            seeds = [0]
            lrs = [0.1]
            [train]
            steps = 8
            batch_size = 16
            probe_every = 4
            probe_size = 64
            probe_batch = "{probe_batch}"
            [dataset]
            kind = "gaussian_mixture"
            samples = 400
            "#
        ))
        .unwrap();
        let data = config.datasets[0].build().unwrap();
        let fixed = Fixed::new(&data, 64, config.datasets[0].seed()).unwrap();
        let r = run(&expand(&config)[0], &data, &fixed, &|_| {});
        r.layers
            .iter()
            .find(|l| l.step == step && l.layer == 1)
            .unwrap()
            .act_var
    };
    assert_eq!(act_var_at("training", 0), act_var_at("fixed", 0));
    assert_eq!(act_var_at("training", 8), act_var_at("fixed", 8));
    assert_ne!(act_var_at("training", 4), act_var_at("fixed", 4));
}

/// `update_ratio` is `‖W_{t+1} − W_t‖_F / ‖W_t‖_F` of the update right after a probe. With
/// plain SGD and `probe_batch = "training"` the probe's gradient is the update's, so at every
/// probe after step 0 it must equal `lr · rel_grad` exactly (up to f32 rounding); at step 0
/// the statistics are of the fixed probe batch and the update of the first training batch, and
/// after the last step there is no update.
#[test]
fn the_update_ratio_of_sgd_is_the_learning_rate_times_the_relative_gradient() {
    let lr = 0.05;
    let (_, _, _, record) = train_first(&format!(
        r#"
        name = "update"
        inits = ["he_normal"]
        activations = ["relu"]
        depths = [3]
        widths = [16]
        seeds = [0]
        lrs = [{lr}]
        [train]
        steps = 12
        batch_size = 32
        probe_every = 4
        probe_size = 64
        probe_batch = "training"
        [dataset]
        kind = "gaussian_mixture"
        samples = 400
        "#
    ));
    let mut checked = 0;
    for row in &record.layers {
        match row.step {
            12 => assert_eq!(row.update_ratio, None, "no update after the last step"),
            0 => assert!(row.update_ratio.unwrap() > 0.0),
            _ => {
                let (ratio, rel) = (row.update_ratio.unwrap(), row.rel_grad.unwrap());
                assert!(
                    (ratio / (lr * rel) - 1.0).abs() < 1e-4,
                    "step {} layer {}: update ratio {ratio}, lr x rel_grad {}",
                    row.step,
                    row.layer,
                    lr * rel
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * 4, "steps 4 and 8, four sites each");
}

/// `first_step_drop` in `runs.csv` is the probe batch's loss before the first update less its
/// loss after it: rebuilt here from the run's own seed, first batch and optimizer, outside the
/// training loop.
#[test]
fn the_first_step_drop_is_the_probe_loss_before_less_after_the_first_update() {
    use initlab::data::BatchSampler;
    use initlab::net::optim::Optimizer;
    let (config, data, fixed, record) = train_first(
        r#"
        name = "drop"
        inits = ["lecun_normal"]
        activations = ["tanh"]
        depths = [2]
        widths = [16]
        seeds = [3]
        lrs = [0.5]
        optimizers = ["momentum"]
        [train]
        steps = 3
        batch_size = 32
        probe_size = 64
        [dataset]
        kind = "gaussian_mixture"
        samples = 300
        "#,
    );
    let spec = &initlab::config::grid::expand(&config)[0];
    let recorded = record.run.first_step_drop.unwrap();

    let device = Device::Cpu;
    let sizes = [data.dim(), 16, 16, data.task.outputs()];
    let mlp = Mlp::init(&sizes, spec.activation, &spec.init, spec.seed, &device).unwrap();
    let probe_loss = |m: &Mlp| {
        f64::from(
            m.loss(&fixed.probe_x, &fixed.probe_y, data.task)
                .unwrap()
                .to_scalar::<f32>()
                .unwrap(),
        )
    };
    let before = probe_loss(&mlp);
    let mut sampler = BatchSampler::new(data.train.n, 32, spec.seed);
    let (x, y) = data.train.batch(sampler.next_batch(), &device).unwrap();
    let grads = mlp.loss(&x, &y, data.task).unwrap().backward().unwrap();
    Optimizer::new(spec.optimizer.clone(), spec.lr, mlp.vars())
        .step(&grads)
        .unwrap();
    let by_hand = before - probe_loss(&mlp);
    assert!(by_hand > 0.01, "the first step must help here: {by_hand}");
    assert!(
        (recorded - by_hand).abs() < 1e-6,
        "recorded {recorded}, by hand {by_hand}"
    );
}

/// The first run of `config` (TOML), trained in-process: its config, data, fixed tensors and
/// record.
fn train_first(
    config: &str,
) -> (
    initlab::config::ExperimentConfig,
    initlab::data::Dataset,
    initlab::run::fixed::Fixed,
    initlab::store::rows::RunRecord,
) {
    let config: initlab::config::ExperimentConfig = toml::from_str(config).unwrap();
    let data = config.datasets[0].build().unwrap();
    let fixed = initlab::run::fixed::Fixed::new(&data, 64, config.datasets[0].seed()).unwrap();
    let spec = &initlab::config::grid::expand(&config)[0];
    let record = initlab::run::train::run(spec, &data, &fixed, &|_| {});
    (config, data, fixed, record)
}
