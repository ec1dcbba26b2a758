//! End-to-end tests of the real binary: outputs, determinism, resume, and bad input.

mod common;

use std::collections::HashMap;

use common::{cell, initlab, read_csv, run_quiet, stderr, train_no_plot, write_config, TINY};

const RUNS_COLUMNS: [&str; 16] = [
    "run_id",
    "init",
    "activation",
    "depth",
    "width",
    "seed",
    "dataset",
    "optimizer",
    "lr",
    "batch_size",
    "steps",
    "status",
    "steps_to_target",
    "final_train_loss",
    "auc_train_loss",
    "wall_seconds",
];
const LAYERS_COLUMNS: [&str; 12] = [
    "run_id",
    "step",
    "layer",
    "pre_mean",
    "pre_var",
    "act_mean",
    "act_var",
    "saturation",
    "dead_frac",
    "grad_var",
    "wgrad_var",
    "weight_var",
];
const CURVES_COLUMNS: [&str; 3] = ["run_id", "step", "train_loss"];

fn starts_with(header: &[String], expected: &[&str]) {
    assert!(
        header.len() >= expected.len() && header.iter().zip(expected).all(|(h, e)| h == e),
        "header {header:?} does not start with {expected:?}"
    );
}

#[test]
fn a_tiny_experiment_writes_the_three_tables_and_the_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "tiny.toml", TINY);
    let out = tmp.path().join("res");
    let output = run_quiet(
        tmp.path(),
        config.to_str().unwrap(),
        out.to_str().unwrap(),
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));

    let (runs_header, runs) = read_csv(&out.join("runs.csv"));
    starts_with(&runs_header, &RUNS_COLUMNS);
    assert_eq!(runs.len(), 2 * 2 * 2, "one row per grid point");
    let ids: Vec<&str> = runs
        .iter()
        .map(|r| cell(&runs_header, r, "run_id"))
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "run ids are unique");
    for run in &runs {
        let status = cell(&runs_header, run, "status");
        assert!(
            ["converged", "not_converged"].contains(&status),
            "status {status}"
        );
        for column in ["final_train_loss", "auc_train_loss", "lr"] {
            let v: f64 = cell(&runs_header, run, column).parse().unwrap();
            assert!(v.is_finite(), "{column} = {v}");
        }
    }

    // Probes at steps 0, 10, 20, 30; 3 hidden layers + the output layer.
    let (layers_header, layers) = read_csv(&out.join("layers.csv"));
    starts_with(&layers_header, &LAYERS_COLUMNS);
    assert_eq!(layers.len(), runs.len() * 4 * 4);
    for row in &layers {
        for column in &LAYERS_COLUMNS[3..] {
            let v: f64 = cell(&layers_header, row, column).parse().unwrap();
            assert!(v.is_finite(), "{column} = {v}");
        }
    }
    let mut per_run: HashMap<&str, usize> = HashMap::new();
    for row in &layers {
        *per_run
            .entry(cell(&layers_header, row, "run_id"))
            .or_default() += 1;
    }
    assert!(ids.iter().all(|id| per_run.get(id) == Some(&16)));

    let (curves_header, curves) = read_csv(&out.join("curves.csv"));
    starts_with(&curves_header, &CURVES_COLUMNS);
    // One row per step with its training loss, plus the final evaluation after step 30; the
    // test split is evaluated at step 0 and after the last step (eval_every defaults to 50).
    assert_eq!(curves.len(), runs.len() * 31, "one loss per step");
    for row in &curves {
        let step: usize = cell(&curves_header, row, "step").parse().unwrap();
        let train_loss = cell(&curves_header, row, "train_loss");
        assert_eq!(
            train_loss.is_empty(),
            step == 30,
            "train_loss at step {step}"
        );
        let test_acc = cell(&curves_header, row, "test_acc");
        if step == 0 || step == 30 {
            let acc: f64 = test_acc.parse().unwrap();
            assert!((0.0..=1.0).contains(&acc));
        } else {
            assert_eq!(test_acc, "");
        }
    }
    for run in &runs {
        for column in ["final_test_loss", "final_test_acc", "best_test_acc"] {
            let v: f64 = cell(&runs_header, run, column).parse().unwrap();
            assert!(v.is_finite(), "{column}");
        }
    }

    let resolved = std::fs::read_to_string(out.join("config.toml")).unwrap();
    assert!(resolved.contains("name = \"tiny\""));

    let png = std::fs::read(out.join("plots/act_var_init.png")).unwrap();
    assert!(
        png.len() > 10_000 && png.starts_with(b"\x89PNG"),
        "a real PNG"
    );
    let svg = std::fs::read_to_string(out.join("plots/act_var_init.svg")).unwrap();
    for text in [
        "Activation variance at initialization",
        "hidden layer l",
        "Var(hˡ)",
        "mean-field theory",
        "lecun_normal",
        "orthogonal(gain=1.2)",
        "tanh, depth 3, width 16",
        "relu, depth 3, width 16",
    ] {
        assert!(svg.contains(text), "the SVG lacks `{text}`");
    }
}

#[test]
fn the_csvs_do_not_depend_on_the_number_of_threads_and_a_rerun_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "tiny.toml", TINY);
    let config = config.to_str().unwrap();
    let one = tmp.path().join("one");
    let two = tmp.path().join("two");
    for (dir, jobs) in [(&one, "1"), (&two, "2")] {
        let args = [
            "run",
            config,
            "--out",
            dir.to_str().unwrap(),
            "-j",
            jobs,
            "--quiet",
            "--no-plot",
        ];
        let output = initlab(tmp.path(), &args);
        assert!(output.status.success(), "{}", stderr(&output));
    }
    for table in ["layers.csv", "curves.csv", "histograms.csv", "spectra.csv"] {
        let a = std::fs::read(one.join(table)).unwrap();
        let b = std::fs::read(two.join(table)).unwrap();
        assert!(a == b, "{table} differs between 1 and 2 threads");
    }
    let without_wall_clock = |dir: &std::path::Path| {
        let (header, rows) = read_csv(&dir.join("runs.csv"));
        let wall = header.iter().position(|h| h == "wall_seconds").unwrap();
        rows.into_iter()
            .map(|mut r| {
                r.remove(wall);
                r
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(without_wall_clock(&one), without_wall_clock(&two));

    // The same command again finds every run complete and changes nothing.
    let before = std::fs::read(one.join("curves.csv")).unwrap();
    let runs_before = std::fs::read(one.join("runs.csv")).unwrap();
    let output = initlab(
        tmp.path(),
        &["run", config, "--out", one.to_str().unwrap(), "--no-plot"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("8 runs: 8 already done, 0 trained now"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read(one.join("curves.csv")).unwrap(), before);
    assert_eq!(std::fs::read(one.join("runs.csv")).unwrap(), runs_before);
}

#[test]
fn a_diverging_run_is_recorded_and_the_sweep_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let text = TINY
        .replace(
            r#"inits = ["lecun_normal", { scheme = "orthogonal", gain = 1.2 }]"#,
            r#"inits = ["lecun_normal", { scheme = "normal", std = 10.0 }]"#,
        )
        .replace(
            r#"activations = ["tanh", "relu"]"#,
            r#"activations = ["relu"]"#,
        )
        .replace("lrs = [0.1]", "lrs = [1.0]");
    let config = write_config(tmp.path(), "div.toml", &text);
    let out = tmp.path().join("res");
    let output = run_quiet(
        tmp.path(),
        config.to_str().unwrap(),
        out.to_str().unwrap(),
        &[],
    );
    assert!(
        output.status.success(),
        "divergence is a result, not an error: {}",
        stderr(&output)
    );
    let (header, runs) = read_csv(&out.join("runs.csv"));
    assert_eq!(runs.len(), 4);
    for run in &runs {
        let status = cell(&header, run, "status");
        if cell(&header, run, "init") == "lecun_normal" {
            assert_ne!(status, "diverged");
        } else {
            assert_eq!(status, "diverged");
            assert!(cell(&header, run, "message").contains("non-finite"));
            assert_eq!(cell(&header, run, "final_train_loss"), "");
        }
    }
}

/// Each bad config exits non-zero, names the problem, and writes nothing.
#[test]
fn bad_configs_are_refused_with_a_clear_message_and_write_nothing() {
    let cases = [
        (
            TINY.replace("widths = [16]", "widths = [16]\nwidht = 3"),
            "unknown field `widht`",
        ),
        (
            TINY.replace("\"lecun_normal\"", "\"lecun_gaussian\""),
            "lecun_gaussian",
        ),
        (
            TINY.replace("depths = [3]", "depths = [0, 3]"),
            "depth must be at least 1",
        ),
        (
            TINY.replace("seeds = [0, 1]", "seeds = [0, 1"),
            "TOML parse error",
        ),
        (TINY.replace("lrs = [0.1]", "lrs = [-0.1]"), "learning rate"),
        (
            TINY.replace("\"tanh\"", "\"swish\""),
            "unknown activation `swish`",
        ),
        (
            TINY.replace("probe_every = 10", "probe_every = 0"),
            "probe_every",
        ),
        (
            TINY.replace("classes = 3", "classes = 3\ncolour = 1"),
            "unknown field `colour`",
        ),
        (
            TINY.replace("depths = [3]", "depths = [-3]"),
            "a depth must be at least 1 hidden layer, got -3",
        ),
        (
            TINY.replace("\"relu\"", "\"elu(-0.5)\""),
            "ELU's alpha must be >= 0",
        ),
        (
            TINY.replace("[train]", "output_init = [\"zeros\"]\n[train]"),
            "not a list",
        ),
        (
            TINY.replace(
                "[train]",
                "parameterizations = [\"mup\"]\noutput_init = \"lecun_normal\"\n[train]",
            ),
            "`mup` starts the read-out at zero, and output_init = \"lecun_normal\"",
        ),
        (
            TINY.replace("[train]", "parameterizations = [\"mu_p\"]\n[train]"),
            "unknown variant `mu_p`",
        ),
        (
            TINY.replace(
                "[train]",
                "parameterizations = [{ kind = \"mup\", base_width = 0 }]\n[train]",
            ),
            "base_width must be at least 1",
        ),
        // Nothing is silently cut to the size of the data (240 training examples).
        (
            TINY.replace("batch_size = 16", "batch_size = 500"),
            "train.batch_size = 500 is more than the 240 training examples",
        ),
        (
            TINY.replace("probe_size = 64", "probe_size = 241"),
            "train.probe_size = 241 is more than the 240 training examples",
        ),
        (
            TINY.replace("\"lecun_normal\"", "{ scheme = \"lsuv\", batch = 300 }"),
            "= 300 is more than the 240 training examples",
        ),
    ];
    for (text, expected) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let config = write_config(tmp.path(), "bad.toml", &text);
        let out = tmp.path().join("res");
        let output = initlab(
            tmp.path(),
            &[
                "run",
                config.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
        );
        let message = stderr(&output);
        assert!(
            !output.status.success(),
            "accepted a config expecting `{expected}`"
        );
        assert!(
            message.contains(expected),
            "expected `{expected}` in: {message}"
        );
        assert!(
            message.contains("bad.toml"),
            "the message names the file: {message}"
        );
        assert!(!message.contains("panicked"), "{message}");
        assert!(!out.exists(), "a refused config wrote {}", out.display());
        assert!(!tmp.path().join("results").exists());
    }
    let tmp = tempfile::tempdir().unwrap();
    let output = initlab(tmp.path(), &["run", "missing.toml"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("cannot read config `missing.toml`"));
    assert_eq!(
        stderr(&output).matches("os error").count(),
        1,
        "the OS error is said once: {}",
        stderr(&output)
    );

    // Bad command lines: malformed TOML in --set, no workers.
    let config = write_config(tmp.path(), "tiny.toml", TINY);
    for (args, expected) in [
        (
            vec!["--set", "depths=[3,"],
            "--set `depths=[3,`: the value is not valid TOML",
        ),
        (vec!["-j", "0"], "--jobs must be at least 1"),
    ] {
        let mut all = vec!["run", config.to_str().unwrap(), "--dry-run"];
        all.extend(args);
        let output = initlab(tmp.path(), &all);
        assert!(!output.status.success(), "{all:?}");
        assert!(stderr(&output).contains(expected), "{}", stderr(&output));
    }

    // A classification dataset with one class.
    std::fs::write(
        tmp.path().join("one.csv"),
        "0,1.5\n0,2.5\n0,0.5\n0,1.0\n0,3.0\n",
    )
    .unwrap();
    let text = TINY[..TINY.find("[dataset]").unwrap()]
        .replace("batch_size = 16", "batch_size = 2")
        .replace("probe_size = 64", "probe_size = 2")
        + "[dataset]\nkind = \"csv\"\npath = \"one.csv\"\nheader = false\n";
    let config = write_config(tmp.path(), "one.toml", &text);
    let output = initlab(tmp.path(), &["run", config.to_str().unwrap()]);
    assert!(
        !output.status.success()
            && stderr(&output).contains("one.toml")
            && stderr(&output).contains("classification needs at least two classes"),
        "{}",
        stderr(&output)
    );
    assert!(!tmp.path().join("results").exists());
}

/// `--device cuda` where it cannot work says why, exits non-zero and writes nothing: in a build
/// without the `cuda` feature (CI), and in a CUDA build on a machine without an NVIDIA driver
/// or without the CUDA libraries (scripts/check_cuda_build.sh runs this test so). Where there
/// is a GPU, the runs train on it.
#[test]
fn device_cuda_is_refused_cleanly_where_it_cannot_run() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "tiny.toml", TINY);
    let out = tmp.path().join("res");
    let output = run_quiet(
        tmp.path(),
        &config,
        &out,
        &["--device", "cuda", "--no-plot"],
    );
    let err = stderr(&output);
    if cfg!(feature = "cuda") && output.status.success() {
        let (_, rows) = read_csv(&out.join("runs.csv"));
        assert!(!rows.is_empty(), "a GPU run wrote no runs");
        return;
    }
    let expected: &[&str] = if cfg!(feature = "cuda") {
        &[
            "--device cuda: no NVIDIA driver found (libcuda.so.1)",
            "--device cuda: the NVIDIA driver is here, but libcu",
        ]
    } else {
        &["--device cuda: this initlab was built without CUDA; rebuild it with `cargo build --release --features cuda`"]
    };
    assert!(!output.status.success(), "{err}");
    assert!(expected.iter().any(|e| err.contains(e)), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        !out.exists(),
        "a refused --device cuda created {}",
        out.display()
    );
}

#[test]
fn a_different_config_never_overwrites_existing_results() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "tiny.toml", TINY);
    let out = tmp.path().join("res");
    let out_arg = out.to_str().unwrap();
    let first = run_quiet(
        tmp.path(),
        config.to_str().unwrap(),
        out_arg,
        &["--no-plot"],
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let before = std::fs::read(out.join("runs.csv")).unwrap();
    let changed = write_config(
        tmp.path(),
        "changed.toml",
        &TINY.replace("steps = 30", "steps = 40"),
    );
    let second = run_quiet(tmp.path(), changed.to_str().unwrap(), out_arg, &[]);
    assert!(!second.status.success());
    assert!(
        stderr(&second).contains("different config"),
        "{}",
        stderr(&second)
    );
    assert_eq!(std::fs::read(out.join("runs.csv")).unwrap(), before);
}

#[test]
fn plot_redraws_the_charts_from_the_csvs_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "tiny.toml", TINY);
    let out = tmp.path().join("res");
    let out_arg = out.to_str().unwrap();
    let run = run_quiet(
        tmp.path(),
        config.to_str().unwrap(),
        out_arg,
        &["--no-plot"],
    );
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(!out.join("plots").exists());
    std::fs::remove_file(&config).unwrap();
    let plot = initlab(tmp.path(), &["plot", out_arg]);
    assert!(plot.status.success(), "{}", stderr(&plot));
    assert!(out.join("plots/act_var_init.svg").exists());
    let missing = initlab(tmp.path(), &["plot", "nowhere"]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("nowhere"));
}

#[test]
fn list_schemes_names_every_scheme_with_its_rule_and_source() {
    let tmp = tempfile::tempdir().unwrap();
    let output = initlab(tmp.path(), &["list", "schemes"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for name in initlab::init::InitScheme::NAMES {
        assert!(
            text.lines().any(|l| l.starts_with(name)),
            "{name} is not listed"
        );
    }
    for fact in [
        "Mishkin & Matas 2015",
        "Martens 2010",
        "fan_avg",
        "torch_default",
    ] {
        assert!(text.contains(fact), "the catalogue lacks `{fact}`");
    }
    let output = initlab(tmp.path(), &["list", "activations"]);
    assert!(String::from_utf8(output.stdout)
        .unwrap()
        .contains("leaky_relu(0.01)"));
}

#[test]
fn lsuv_bias_and_read_out_schemes_are_recorded_per_run() {
    let tmp = tempfile::tempdir().unwrap();
    let text = TINY
        .replace(
            r#"inits = ["lecun_normal", { scheme = "orthogonal", gain = 1.2 }]"#,
            r#"inits = ["lsuv", { scheme = "sparse", k = 4 }]
biases = ["default", { scheme = "constant", value = 0.1 }]
output_init = "zeros""#,
        )
        .replace(
            r#"activations = ["tanh", "relu"]"#,
            r#"activations = ["relu"]"#,
        )
        .replace("seeds = [0, 1]", "seeds = [0]")
        // LSUV's default batch of 256 must fit in the training split.
        .replace("samples = 300", "samples = 400");
    let out = train_no_plot(tmp.path(), "lsuv.toml", &text);
    let (header, runs) = read_csv(&out.join("runs.csv"));
    assert_eq!(runs.len(), 4);
    for run in &runs {
        assert_eq!(cell(&header, run, "output_init"), "zeros");
        let iters = cell(&header, run, "lsuv_iters");
        if cell(&header, run, "init") == "lsuv" {
            // One count per hidden layer (the zero read-out is not LSUV), each in 0..=10.
            let counts: Vec<usize> = iters.split(';').map(|c| c.parse().unwrap()).collect();
            assert_eq!(counts.len(), 3, "{iters}");
            assert!(counts.iter().all(|&c| c <= 10));
        } else {
            assert_eq!(iters, "");
        }
    }
    let biases: Vec<&str> = runs.iter().map(|r| cell(&header, r, "bias")).collect();
    assert_eq!(
        biases,
        ["default", "constant(0.1)", "default", "constant(0.1)"]
    );

    // At step 0 the LSUV layers have unit pre-activation variance on their batch; the probe
    // batch is another sample of the same data, so within a looser band.
    let (lh, layers) = read_csv(&out.join("layers.csv"));
    let lsuv_ids: Vec<&str> = runs
        .iter()
        .filter(|r| cell(&header, r, "init") == "lsuv")
        .map(|r| cell(&header, r, "run_id"))
        .collect();
    for row in &layers {
        let hidden = cell(&lh, row, "kind") == "hidden";
        if lsuv_ids.contains(&cell(&lh, row, "run_id")) && cell(&lh, row, "step") == "0" && hidden {
            let v: f64 = cell(&lh, row, "pre_var").parse().unwrap();
            assert!((0.6..1.4).contains(&v), "pre_var {v} at init under LSUV");
        }
    }
}

#[test]
fn bad_scheme_parameters_are_config_errors() {
    for (scheme, expected) in [
        (
            r#"{ scheme = "normal", std = -0.1 }"#,
            "std must be a finite number >= 0",
        ),
        (
            r#"{ scheme = "orthogonal", gain = 0.0 }"#,
            "gain must be a finite number > 0",
        ),
        (r#"{ scheme = "sparse", k = 0 }"#, "k must be at least 1"),
        (
            r#"{ scheme = "uniform", low = 1.0, high = 0.5 }"#,
            "low (1) must be below high (0.5)",
        ),
        (
            r#""random_walk""#,
            "random_walk` is defined for linear and relu networks",
        ),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let text = TINY.replace(
            r#"inits = ["lecun_normal", { scheme = "orthogonal", gain = 1.2 }]"#,
            &format!("inits = [{scheme}]"),
        );
        let config = write_config(tmp.path(), "bad.toml", &text);
        let output = initlab(
            tmp.path(),
            &["run", config.to_str().unwrap(), "--out", "res"],
        );
        assert!(!output.status.success());
        assert!(stderr(&output).contains(expected), "{}", stderr(&output));
        assert!(!tmp.path().join("res").exists());
    }
}

#[test]
fn an_unreadable_data_file_is_a_clear_error_that_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dataset = "[dataset]\nkind = \"csv\"\npath = \"data.csv\"\n";
    let text = TINY[..TINY.find("[dataset]").unwrap()].to_string() + dataset;
    let config = write_config(tmp.path(), "csv.toml", &text);
    let output = initlab(
        tmp.path(),
        &["run", config.to_str().unwrap(), "--out", "res"],
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("cannot read data file `data.csv`")
            && stderr(&output).matches("os error").count() == 1,
        "{}",
        stderr(&output)
    );
    assert!(!tmp.path().join("res").exists());
    std::fs::write(tmp.path().join("data.csv"), "label,x\n0,1.5\n1,oops\n").unwrap();
    let output = initlab(
        tmp.path(),
        &["run", config.to_str().unwrap(), "--out", "res"],
    );
    assert!(
        stderr(&output).contains("line 3, column 2: `oops` is not a finite number"),
        "{}",
        stderr(&output)
    );
    assert!(!tmp.path().join("res").exists());
}

#[test]
fn theory_prints_the_critical_point_and_the_phase() {
    let tmp = tempfile::tempdir().unwrap();
    let out = |args: &[&str]| {
        let o = initlab(tmp.path(), args);
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    let critical = out(&[
        "theory",
        "--activation",
        "tanh",
        "--sigma-b2",
        "0.05",
        "--critical",
    ]);
    assert!(critical.contains("critical sigma_w2 = 1.761"), "{critical}");
    assert!(critical.contains("q*               = 0.570"), "{critical}");
    let ordered = out(&[
        "theory",
        "--activation",
        "tanh",
        "--sigma-w2",
        "1.5",
        "--sigma-b2",
        "0.05",
    ]);
    for line in [
        "chi_1            = 0.938",
        "xi_c             = 15.7",
        "phase            = ordered",
        "trainable depth  ~ 94.",
    ] {
        assert!(ordered.contains(line), "`{line}` in {ordered}");
    }
    let chaotic = out(&[
        "theory",
        "--activation",
        "tanh",
        "--scheme",
        "{ scheme = \"critical\", sigma_w2 = 3.0, sigma_b2 = 0.05 }",
    ]);
    assert!(chaotic.contains("phase            = chaotic"), "{chaotic}");
    let he = out(&["theory", "--activation", "relu", "--scheme", "he_normal"]);
    assert!(
        he.contains("chi_1            = 1.0000") && he.contains("critical"),
        "{he}"
    );
    let bad = initlab(
        tmp.path(),
        &["theory", "--activation", "tanh", "--scheme", "identity"],
    );
    assert!(!bad.status.success() && stderr(&bad).contains("no mean-field description"));
}
