//! Training-step throughput, a hand-rolled harness (`cargo bench --bench train_step`): steps/s
//! of one run, single-threaded, at the sizes of issue 8 — (depth, width) = (5, 64), (10, 256),
//! (20, 256), (5, 1024); batch 128, the bundled digits (64 inputs, 10 classes), tanh, LeCun
//! normal weights, SGD at 0.01 — with per-layer statistics never, every 10 steps and every step
//! (on the training batch, the default). Medians of timed repetitions after a warm-up; compare
//! ratios measured back to back, since this shared machine drifts ±20–40% between passes.
//!
//! `-- --quick` takes 3 repetitions instead of 9. `-- --size 5x64 --probe-every 10 --steps 400
//! --reps 9` prints one number, the steps/s of that setting: what
//! `scripts/bench_vs_pytorch.py` calls, back to back with PyTorch.

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
        [dataset]
        kind = "digits"
        "#
    );
    toml::from_str(&text).expect("the bench config parses")
}

/// Median seconds of `reps` runs of a config.
fn median_seconds(c: &ExperimentConfig, reps: usize) -> f64 {
    let data = c.datasets[0].build().expect("bundled data");
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
/// the fixed costs of a run (drawing the weights, the fixed-batch probes at step 0 and after
/// the last step, the test evaluations) cancel.
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

/// The value after `--name` on the command line.
fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn number(name: &str, default: usize) -> usize {
    arg(name).map_or(default, |v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name} wants a number, got {v}"))
    })
}

fn main() {
    std::env::set_var("RAYON_NUM_THREADS", "1");
    std::env::set_var("CANDLE_NUM_THREADS", "1");
    let quick = std::env::args().any(|a| a == "--quick");
    let reps = number("--reps", if quick { 3 } else { 9 });
    if let Some(size) = arg("--size") {
        let (d, w) = size
            .split_once('x')
            .and_then(|(d, w)| Some((d.parse().ok()?, w.parse().ok()?)))
            .expect("--size wants DEPTHxWIDTH, e.g. 5x64");
        let steps = number("--steps", 100);
        let every = number("--probe-every", steps);
        println!("{:.3}", steps_per_second(d, w, steps, every, reps));
        return;
    }
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
