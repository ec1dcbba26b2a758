//! Whole sweeps and memory (`cargo bench --bench sweep`), through the `initlab` binary as a
//! user runs it:
//!
//! - `experiments/quick.toml` and `experiments/bench_sweep.toml` end to end with `--jobs 1`
//!   and `--jobs 2`, back to back, and the speed-up (training only: `--no-plot`);
//! - the peak resident memory of each, from the run summary;
//! - one run of 10,000 steps at (5, 64) with statistics every 10 steps for each optimizer, its
//!   resident memory sampled every 1,000 steps: it should stay flat (no graph or log kept by
//!   accident; momentum and Adam buffers once kept every step's graph alive).
//!
//! `-- --quick` skips the 160-run sweep.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use initlab::config::grid::expand;
use initlab::config::ExperimentConfig;
use initlab::run::fixed::Fixed;
use initlab::run::resources::current_rss;
use initlab::run::train::run;

/// Seconds and the summary line of `initlab run config --jobs jobs`, from scratch.
fn sweep(config: &str, jobs: usize) -> (f64, String) {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("sweep-{jobs}"));
    let start = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_initlab"))
        .args(["run", config, "--no-plot", "--fresh", "--jobs"])
        .arg(jobs.to_string())
        .arg("--out")
        .arg(&out)
        .output()
        .expect("initlab runs");
    let seconds = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{config}: {stderr}");
    let summary = stderr
        .lines()
        .rfind(|l| l.contains(" runs ("))
        .unwrap_or_default()
        .to_string();
    (seconds, summary)
}

fn memory(optimizer: &str) {
    let text = format!(
        r#"
        name = "memory"
        inits = ["lecun_normal"]
        activations = ["tanh"]
        depths = [5]
        widths = [64]
        seeds = [0]
        lrs = [0.001]
        optimizers = ["{optimizer}"]
        [train]
        steps = 10000
        batch_size = 128
        probe_every = 10
        eval_every = 1000
        [dataset]
        kind = "digits"
    "#
    );
    let c: ExperimentConfig = toml::from_str(&text).expect("the config parses");
    let data = c.datasets[0].build().expect("bundled data");
    let fixed = Fixed::new(&data, c.train.probe_size, 0).expect("probe batch");
    let samples = std::cell::RefCell::new(Vec::new());
    run(&expand(&c)[0], &data, &fixed, &|step| {
        if step % 1000 == 0 {
            samples
                .borrow_mut()
                .push((step, current_rss().unwrap_or(0)));
        }
    });
    let line: Vec<String> = samples
        .into_inner()
        .iter()
        .map(|&(_, b)| format!("{:.1}", b as f64 / f64::from(1 << 20)))
        .collect();
    println!("  {optimizer:<9} MB at steps 1k..10k: {}", line.join(" "));
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let mut configs = vec!["experiments/quick.toml"];
    if !quick {
        configs.push("experiments/bench_sweep.toml");
    }
    for config in configs {
        let (one, summary_one) = sweep(config, 1);
        let (two, summary_two) = sweep(config, 2);
        println!("{config}:");
        println!("  --jobs 1: {one:>7.1} s   {summary_one}");
        println!("  --jobs 2: {two:>7.1} s   {summary_two}");
        println!("  speed-up: {:.2}x", one / two);
    }
    std::env::set_var("RAYON_NUM_THREADS", "1");
    std::env::set_var("CANDLE_NUM_THREADS", "1");
    println!("\nresident memory over one 10,000-step run at (5, 64), statistics every 10 steps:");
    for optimizer in ["sgd", "momentum", "adam"] {
        memory(optimizer);
    }
}
