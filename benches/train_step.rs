//! Training-step throughput, a hand-rolled harness (`cargo bench --bench train_step`): steps/s
//! of one run, single-threaded, at the sizes of issue 8 — (depth, width) = (5, 64), (10, 256),
//! (20, 256), (5, 1024); batch 128, the bundled digits (64 inputs, 10 classes), tanh, LeCun
//! normal weights, SGD at 0.01 — with per-layer statistics never, every 10 steps and every step
//! (on the training batch, the default). Times are the thread's CPU time, medians of
//! repetitions after a warm-up; compare ratios measured back to back, since this shared machine
//! drifts ±20–40% between passes.
//!
//! `-- --quick` takes 3 repetitions instead of 9. `-- --size 5x64 --steps 400 --reps 9` prints
//! the three steps/s of one size on one line: what `scripts/bench_vs_pytorch.py` calls, back to
//! back with PyTorch.
//!
//! A third table (alone with `-- --recurrent`) gives the recurrent networks' steps/s: the Elman
//! RNN and the LSTM (tanh, PyTorch's default weights) of H = 64 and 128 units over the adding
//! problem of T = 100 steps, batch 64, SGD at 1e-3, without statistics and with them every 10
//! steps (every time step is a probe site). `-- --rnn lstm --hidden 64 --length 100` prints
//! the two of one network on one line, for `scripts/bench_vs_pytorch.py --recurrent`.
//!
//! A second table (alone with `-- --residual`) compares the residual MLP with the plain MLP of
//! the same width and the same number of affine layers (`blocks` blocks of two layers against
//! `2·blocks + 1` hidden layers), ReLU and He weights on both, SGD at 1e-4: affine layers ×
//! steps/s, without statistics and with them every 10 steps. The residual branches start with
//! a zero last layer (`zero_last`: the same operations as `none`), so that the stream keeps
//! its scale: unscaled, it grows 2^blocks and the step's time stops being its operations'
//! (a quick pass measured 0.82 of the MLP's rate at 10 blocks with `none`, and 0.95 or more
//! with `zero_last`).

use initlab::config::grid::expand;
use initlab::config::ExperimentConfig;
use initlab::run::fixed::Fixed;
use initlab::run::resources::thread_cpu_seconds;
use initlab::run::train::run;

fn config(depth: usize, width: usize, steps: usize, probe_every: usize) -> ExperimentConfig {
    config_of(
        depth,
        width,
        steps,
        probe_every,
        "inits = [\"lecun_normal\"]\nactivations = [\"tanh\"]\nlrs = [0.01]",
    )
}

/// The bench config with `network` giving the scheme, activation, rate and architecture.
fn config_of(
    depth: usize,
    width: usize,
    steps: usize,
    probe_every: usize,
    network: &str,
) -> ExperimentConfig {
    let text = format!(
        r#"
        name = "bench"
        {network}
        depths = [{depth}]
        widths = [{width}]
        seeds = [0]
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

/// One prepared run: its data, probe batch and spec.
struct Bench {
    data: initlab::data::Dataset,
    fixed: Fixed,
    spec: initlab::config::spec::RunSpec,
}

impl Bench {
    fn new(c: &ExperimentConfig) -> Self {
        let data = c.datasets[0].build().expect("bundled data");
        let fixed = Fixed::new(&data, c.train.probe_size, 0).expect("probe batch");
        let spec = expand(c).remove(0);
        Bench { data, fixed, spec }
    }

    /// CPU seconds of one run on this thread (not wall-clock time, which on a shared machine
    /// also counts the time other tenants hold the core).
    fn seconds(&self) -> f64 {
        let start = thread_cpu_seconds();
        let record = run(&self.spec, &self.data, &self.fixed, &|_| {});
        let seconds = thread_cpu_seconds() - start;
        assert_eq!(
            record.run.steps_done, self.spec.train.steps,
            "{} stopped early ({}): its time is not a training step's",
            self.spec.run_id, record.run.message
        );
        seconds
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Steps/s of the training loop alone, with statistics never, every 10 steps and every step:
/// the time of `steps` steps minus that of one step, so the fixed costs of a run (drawing the
/// weights, the fixed-batch probes at step 0 and after the last step, the test evaluations)
/// cancel. The four runs are timed in turn within each repetition, so a drift of the machine
/// hits all of them alike; medians over `reps`, after a warm-up round.
fn steps_per_second(depth: usize, width: usize, steps: usize, reps: usize) -> [f64; 3] {
    steps_per_second_of(
        &|steps, every| config(depth, width, steps, every),
        steps,
        reps,
    )
}

/// [`steps_per_second`] of the configs `make(steps, probe_every)`.
fn steps_per_second_of(
    make: &dyn Fn(usize, usize) -> ExperimentConfig,
    steps: usize,
    reps: usize,
) -> [f64; 3] {
    let benches = [
        Bench::new(&make(steps, steps)),
        Bench::new(&make(steps, 10)),
        Bench::new(&make(steps, 1)),
        Bench::new(&make(1, 1)),
    ];
    let mut times = vec![Vec::new(); benches.len()];
    for round in 0..=reps {
        for (b, t) in benches.iter().zip(&mut times) {
            let s = b.seconds();
            if round > 0 {
                t.push(s);
            }
        }
    }
    let short = median(times[3].clone());
    [0, 1, 2].map(|i| (steps - 1) as f64 / (median(times[i].clone()) - short))
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
    if std::env::var_os("INITLAB_MALLOC_DEFAULTS").is_none() {
        initlab::run::resources::keep_freed_memory();
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let reps = number("--reps", if quick { 3 } else { 9 });
    if let Some(size) = arg("--size") {
        let (d, w) = size
            .split_once('x')
            .and_then(|(d, w)| Some((d.parse().ok()?, w.parse().ok()?)))
            .expect("--size wants DEPTHxWIDTH, e.g. 5x64");
        let [plain, every10, every1] = steps_per_second(d, w, number("--steps", 100), reps);
        println!("{plain:.3} {every10:.3} {every1:.3}");
        return;
    }
    if std::env::args().any(|a| a == "--residual") {
        residual_table(reps);
        return;
    }
    if let Some(cell) = arg("--rnn") {
        let (hidden, length) = (number("--hidden", 64), number("--length", 100));
        let [plain, every10, _] = recurrent_steps_per_second(&cell, hidden, length, reps);
        println!("{plain:.3} {every10:.3}");
        return;
    }
    if std::env::args().any(|a| a == "--recurrent") {
        recurrent_table(reps);
        return;
    }
    println!(
        "{:>6} {:>6} {:>12} {:>14} {:>14} {:>10} {:>10}",
        "depth", "width", "steps/s", "probe/10 s/s", "probe/1 s/s", "cost/10", "cost/1"
    );
    for (depth, width, steps) in [(5, 64, 400), (10, 256, 100), (20, 256, 60), (5, 1024, 30)] {
        let [plain, every10, every1] = steps_per_second(depth, width, steps, reps);
        println!(
            "{depth:>6} {width:>6} {plain:>12.1} {every10:>14.1} {every1:>14.1} {:>9.1}% {:>9.1}%",
            100.0 * (plain / every10 - 1.0),
            100.0 * (plain / every1 - 1.0)
        );
    }

    println!();
    residual_table(reps);
    println!();
    recurrent_table(reps);
}

/// The recurrent bench config: `cell` (`rnn` or `lstm`) of `hidden` units over the adding
/// problem of `length` steps.
fn recurrent_config(
    cell: &str,
    hidden: usize,
    length: usize,
    steps: usize,
    probe_every: usize,
) -> ExperimentConfig {
    let text = format!(
        r#"
        name = "bench"
        inits = ["standard"]
        input_init = {{ scheme = "uniform", low = {low}, high = {high} }}
        activations = ["tanh"]
        architectures = ["{cell}"]
        lrs = [0.001]
        depths = [1]
        widths = [{hidden}]
        seeds = [0]
        [train]
        steps = {steps}
        batch_size = 64
        probe_every = {probe_every}
        probe_size = 64
        eval_every = 1000000
        [dataset]
        kind = "adding"
        length = {length}
        samples = 1024
        scaling = "none"
        "#,
        high = 1.0 / (hidden as f64).sqrt(),
        low = -1.0 / (hidden as f64).sqrt(),
    );
    toml::from_str(&text).expect("the recurrent bench config parses")
}

/// [`steps_per_second`] of a recurrent network.
fn recurrent_steps_per_second(cell: &str, hidden: usize, length: usize, reps: usize) -> [f64; 3] {
    let steps = if cell == "lstm" { 60 } else { 200 };
    steps_per_second_of(
        &|s, every| recurrent_config(cell, hidden, length, s, every),
        steps,
        reps,
    )
}

/// Steps/s of the recurrent networks at T = 100.
fn recurrent_table(reps: usize) {
    println!(
        "{:>5} {:>6} {:>6} {:>10} {:>14} {:>9}",
        "cell", "hidden", "T", "steps/s", "probe/10 s/s", "cost/10"
    );
    for cell in ["rnn", "lstm"] {
        for hidden in [64, 128] {
            let [plain, every10, _] = recurrent_steps_per_second(cell, hidden, 100, reps);
            println!(
                "{cell:>5} {hidden:>6} {:>6} {plain:>10.1} {every10:>14.1} {:>8.1}%",
                100,
                100.0 * (plain / every10 - 1.0)
            );
        }
    }
}

/// Affine layers × steps/s of the residual MLP against the plain MLP with as many affine
/// layers, at two widths and two depths.
fn residual_table(reps: usize) {
    println!(
        "{:>6} {:>6} {:>9} {:>14} {:>14} {:>7} {:>14} {:>14} {:>7}",
        "blocks",
        "width",
        "mlp depth",
        "mlp layer-st/s",
        "res layer-st/s",
        "ratio",
        "mlp /10 l-st/s",
        "res /10 l-st/s",
        "ratio"
    );
    let network = |architecture: &str| {
        format!(
            "inits = [\"he_normal\"]\nactivations = [\"relu\"]\nlrs = [1e-4]\n\
             architectures = [{architecture}]"
        )
    };
    for (blocks, width, steps) in [(5, 64, 200), (5, 256, 60), (10, 256, 40)] {
        let depth = 2 * blocks + 1;
        let layers = (depth + 1) as f64;
        let [mlp, mlp10, _] = steps_per_second_of(
            &|s, every| config_of(depth, width, s, every, &network("\"mlp\"")),
            steps,
            reps,
        );
        let [res, res10, _] = steps_per_second_of(
            &|s, every| {
                config_of(
                    blocks,
                    width,
                    s,
                    every,
                    &format!("{}\nbranches = [\"zero_last\"]", network("\"residual\"")),
                )
            },
            steps,
            reps,
        );
        println!(
            "{blocks:>6} {width:>6} {depth:>9} {:>14.0} {:>14.0} {:>7.3} {:>14.0} {:>14.0} {:>7.3}",
            mlp * layers,
            res * layers,
            res / mlp,
            mlp10 * layers,
            res10 * layers,
            res10 / mlp10
        );
    }
}
