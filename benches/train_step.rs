//! Training-step throughput, a hand-rolled harness (`cargo bench --bench train_step`): steps/s
//! of one run, single-threaded, at the sizes of issue 8 — (depth, width) = (5, 64), (10, 256),
//! (20, 256), (5, 1024); batch 128, 64 inputs, 10 classes, tanh, SGD — with statistics never,
//! every 10 steps, and every step. Medians of 9 timed repetitions after a warm-up; compare
//! ratios measured back to back, since this shared machine drifts ±20–40% between passes.

use std::time::Instant;

use initlab::config::ExperimentConfig;
use initlab::sweep::expand;
use initlab::train::{run, Fixed};

fn config(depth: usize, width: usize, steps: usize, probe_every: usize) -> ExperimentConfig {
    let text = format!(
        r#"
        name = "bench"
        inits = ["lecun_normal"]
        activations = ["tanh"]
        depths = [{depth}]
        widths = [{width}]
        seeds = [0]
        lrs = [0.01]
        [train]
        steps = {steps}
        batch_size = 128
        probe_every = {probe_every}
        eval_every = 1000000
        probe_size = 512
        [dataset]
        kind = "gaussian_mixture"
        classes = 10
        dim = 64
        samples = 4096
        "#
    );
    toml::from_str(&text).expect("the bench config parses")
}

/// Median seconds of `reps` runs of a config.
fn median_seconds(c: &ExperimentConfig, reps: usize) -> f64 {
    let data = c.datasets[0].build().expect("synthetic data");
    let fixed = Fixed::new(&data, c.train.probe_size, 0).expect("probe batch");
    let spec = &expand(c)[0];
    run(spec, &data, &fixed, &|_| {});
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            run(spec, &data, &fixed, &|_| {});
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Steps/s of the training loop alone: the time of `steps` steps minus that of one step, so
/// the fixed costs of a run (drawing the weights, the probes at step 0 and after the last
/// step, the test evaluations) cancel.
fn steps_per_second(
    depth: usize,
    width: usize,
    steps: usize,
    probe_every: usize,
    reps: usize,
) -> f64 {
    let long = median_seconds(&config(depth, width, steps, probe_every), reps);
    let short = median_seconds(&config(depth, width, 1, 1), reps);
    (steps - 1) as f64 / (long - short)
}

fn main() {
    std::env::set_var("RAYON_NUM_THREADS", "1");
    std::env::set_var("CANDLE_NUM_THREADS", "1");
    let quick = std::env::args().any(|a| a == "--quick");
    let reps = if quick { 3 } else { 9 };
    println!(
        "{:>6} {:>6} {:>12} {:>14} {:>14} {:>10} {:>10}",
        "depth", "width", "steps/s", "probe/10 s/s", "probe/1 s/s", "cost/10", "cost/1"
    );
    for (depth, width, steps) in [(5, 64, 400), (10, 256, 100), (20, 256, 60), (5, 1024, 30)] {
        // Statistics at step 0 and after the last step are always taken; `steps` as the
        // interval adds none in between.
        let plain = steps_per_second(depth, width, steps, steps, reps);
        let every10 = steps_per_second(depth, width, steps, 10, reps);
        let every1 = steps_per_second(depth, width, steps, 1, reps);
        println!(
            "{depth:>6} {width:>6} {plain:>12.1} {every10:>14.1} {every1:>14.1} {:>9.1}% {:>9.1}%",
            100.0 * (plain / every10 - 1.0),
            100.0 * (plain / every1 - 1.0)
        );
    }
}
