//! Recurrent networks through the real binary: a grid over cells, forget biases and sequence
//! lengths (a `length` list is a grid axis), rows keyed by time step, the same bytes whatever
//! the number of parallel jobs, the copy task learned label by label, and bad configs refused
//! with the file, the key and the problem before anything is written.

mod common;

use std::path::Path;

use common::{cell, initlab, read_csv, run_quiet, stderr, write_config};

/// A small recurrent grid on the adding problem; `extra` lines go before `[train]`.
fn config(extra: &str) -> String {
    format!(
        r#"
name = "rnn"
inits = ["orthogonal"]
input_init = {{ scheme = "normal", std = 0.1 }}
output_init = "xavier_uniform"
activations = ["tanh"]
architectures = ["rnn", {{ kind = "lstm", forget_bias = 1 }}]
depths = [1]
widths = [8]
seeds = [0, 1]
lrs = [0.01]
optimizers = ["adam"]
{extra}
[train]
steps = 6
batch_size = 16
probe_every = 3
probe_size = 32
probe_batch = "fixed"
eval_every = 3
clip_grad_norm = 1.0

[dataset]
kind = "adding"
length = [4, 9]
samples = 200
scaling = "none"
"#
    )
}

fn train(dir: &Path, text: &str, jobs: &str) -> std::path::PathBuf {
    let path = write_config(dir, "rnn.toml", text);
    let out = dir.join(format!("out{jobs}"));
    let output = run_quiet(dir, &path, &out, &["--no-plot", "--jobs", jobs]);
    assert!(output.status.success(), "{}", stderr(&output));
    out
}

#[test]
fn a_grid_of_cells_and_lengths_records_every_time_step() {
    let dir = tempfile::tempdir().unwrap();
    let out = train(dir.path(), &config(""), "2");
    let (rh, runs) = read_csv(&out.join("runs.csv"));
    // Two lengths × two cells × two seeds.
    assert_eq!(runs.len(), 8);
    let datasets: Vec<&str> = runs.iter().map(|r| cell(&rh, r, "dataset")).collect();
    assert_eq!(datasets.iter().filter(|d| **d == "adding(4)").count(), 4);
    assert_eq!(datasets.iter().filter(|d| **d == "adding(9)").count(), 4);
    let lstm = runs
        .iter()
        .find(|r| {
            cell(&rh, r, "architecture") == "lstm(b_f=1)" && cell(&rh, r, "dataset") == "adding(9)"
        })
        .unwrap();
    let id = cell(&rh, lstm, "run_id");
    assert!(id.starts_with("orthogonal-tanh-lstm_b_f_1-w8-s"), "{id}");
    assert_eq!(cell(&rh, lstm, "input_init"), "normal(0.1)");
    let (lh, layers) = read_csv(&out.join("layers.csv"));
    let at_init: Vec<&Vec<String>> = layers
        .iter()
        .filter(|l| cell(&lh, l, "run_id") == id && cell(&lh, l, "step") == "0")
        .collect();
    // Nine steps of a cell and a state, then the read-out.
    assert_eq!(at_init.len(), 19);
    for (i, l) in at_init[..18].iter().enumerate() {
        let t = (i / 2 + 1).to_string();
        assert_eq!(cell(&lh, l, "time"), t);
        let (kind, gate) = (cell(&lh, l, "kind"), cell(&lh, l, "forget_gate"));
        if i % 2 == 0 {
            assert_eq!(kind, "cell");
            // σ(1) = 0.731 with weights of a tenth: the mean gate is near it.
            let f: f64 = gate.parse().unwrap();
            assert!((f - 0.731).abs() < 0.1, "forget gate {f}");
        } else {
            assert_eq!(kind, "state");
            assert_eq!(gate, "");
        }
        assert_eq!(cell(&lh, l, "grad_zero"), "false");
    }
    // The input weights at the first state, the recurrent weights at the last.
    assert!(!cell(&lh, at_init[1], "weight_var").is_empty());
    assert_eq!(cell(&lh, at_init[3], "weight_var"), "");
    assert!(!cell(&lh, at_init[17], "weight_var").is_empty());
    assert_eq!(cell(&lh, at_init[18], "kind"), "output");
}

#[test]
fn the_same_bytes_with_one_job_or_two() {
    let dir = tempfile::tempdir().unwrap();
    let one = train(dir.path(), &config(""), "1");
    let two = train(dir.path(), &config(""), "2");
    for table in ["layers.csv", "curves.csv"] {
        let a = std::fs::read(one.join(table)).unwrap();
        let b = std::fs::read(two.join(table)).unwrap();
        assert!(a == b, "{table} differs between 1 and 2 jobs");
    }
}

/// The copy task end to end: every step's label is read out at its own step (a misaligned
/// read-out could not learn it), so an Elman RNN, an LSTM and an MLP (which sees the whole
/// sequence at once) all get every symbol of the test split right after 1,500 steps of a
/// short task, far below the memoryless baseline's 3·ln 4 / 8 = 0.52 nats a step.
#[test]
fn the_copy_task_is_learned_position_by_position() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"
name = "copy"
inits = ["orthogonal"]
activations = ["tanh"]
architectures = ["rnn", { kind = "lstm", forget_bias = 1 }, "mlp"]
depths = [1]
widths = [64]
seeds = [0]
lrs = [0.01]
optimizers = ["adam"]

[train]
steps = 1500
batch_size = 64
probe_every = 500
probe_size = 64
clip_grad_norm = 1.0

[dataset]
kind = "copy"
length = 2
alphabet = 4
symbols = 3
samples = 2048
scaling = "none"
"#;
    let out = train(dir.path(), text, "2");
    let (rh, runs) = read_csv(&out.join("runs.csv"));
    assert_eq!(runs.len(), 3);
    for r in &runs {
        let what = cell(&rh, r, "run_id");
        assert_eq!(cell(&rh, r, "dataset"), "copy(2;3of4)");
        let loss: f64 = cell(&rh, r, "final_test_loss").parse().unwrap();
        let accuracy: f64 = cell(&rh, r, "final_test_acc").parse().unwrap();
        assert!(loss < 0.05, "{what}: test loss {loss}");
        assert!(accuracy > 0.99, "{what}: test accuracy {accuracy}");
    }
    // Eight steps of a cell and a state, then the one read-out site, for the LSTM.
    let (lh, layers) = read_csv(&out.join("layers.csv"));
    let lstm_rows = layers
        .iter()
        .filter(|l| cell(&lh, l, "run_id").contains("lstm") && cell(&lh, l, "step") == "0")
        .count();
    assert_eq!(lstm_rows, 17);
}

#[test]
fn bad_recurrent_configs_are_refused_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let digits = |extra: &str| {
        config(extra).replace(
            "kind = \"adding\"\nlength = [4, 9]\nsamples = 200\nscaling = \"none\"",
            "kind = \"digits\"",
        )
    };
    for (text, expect) in [
        (
            digits(""),
            "dataset 1 (`digits`): architecture `rnn` reads each example as a sequence",
        ),
        (
            config("").replace("depths = [1]", "depths = [2]"),
            "depths: architecture `rnn` is one recurrent layer",
        ),
        (
            config("")
                .replace("widths = [8]", "widths = [[8, 8]]\ndepths = [2]")
                .replace("depths = [1]\n", ""),
            "a recurrent network has one hidden state",
        ),
        (
            config("").replace("inits = [\"orthogonal\"]", "inits = [\"lsuv\"]"),
            "inits: `lsuv` rescales layers one by one",
        ),
        (
            config("").replace("forget_bias = 1", "forget_bias = { chrono = 1 }"),
            "T_max must be at least 2",
        ),
        (
            config("").replace("forget_bias = 1", "forget_bias = \"late\""),
            "forget_bias: unknown `late`",
        ),
        (
            config("").replace("scaling = \"none\"", "scaling = \"none\"\nstep = 3"),
            "dataset.step: the adding problem has 2 features per step",
        ),
    ] {
        let path = write_config(dir.path(), "bad.toml", &text);
        let output = run_quiet(dir.path(), &path, dir.path().join("out"), &["--dry-run"]);
        let err = stderr(&output);
        assert!(
            !output.status.success() && err.contains("bad.toml") && err.contains(expect),
            "{expect}: {err}"
        );
    }
    // A step that does not divide the features is found when the data is built, before any
    // run is written.
    let path = write_config(
        dir.path(),
        "bad.toml",
        &digits("").replace("kind = \"digits\"", "kind = \"digits\"\nstep = 7"),
    );
    let out = dir.path().join("never");
    let output = run_quiet(dir.path(), &path, &out, &["--no-plot"]);
    let err = stderr(&output);
    assert!(
        !output.status.success() && err.contains("step = 7 does not divide the 64 features"),
        "{err}"
    );
    assert!(!out.join("runs.csv").exists());
}

#[test]
fn the_catalogue_lists_the_recurrent_networks() {
    let dir = tempfile::tempdir().unwrap();
    let output = initlab(dir.path(), &["list", "architectures"]);
    let text = String::from_utf8_lossy(&output.stdout);
    for name in ["rnn", "lstm", "forget_bias", "chrono", "input_init"] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    let output = initlab(dir.path(), &["list", "datasets"]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("step"));
}
