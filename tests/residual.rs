//! Residual networks through the real binary: the `architectures` and `branches` axes
//! multiply the grid (a branch scheme pairs only with residual networks), every run records
//! what it trained and its sites, silent branches start with the stream exactly where the
//! input projection put it, SkipInit and ReZero are the same network, and bad combinations
//! are refused with the file, the key and the problem.

mod common;

use std::path::Path;

use common::{cell, initlab, read_csv, run_quiet, stderr, train_no_plot, write_config, TINY};

/// TINY on ReLU with He weights, with `extra` lines after the widths.
fn config(extra: &str) -> String {
    TINY.replace(
        "inits = [\"lecun_normal\", { scheme = \"orthogonal\", gain = 1.2 }]",
        "inits = [\"he_normal\"]",
    )
    .replace(
        "activations = [\"tanh\", \"relu\"]",
        "activations = [\"relu\"]",
    )
    .replace("widths = [16]", &format!("widths = [16]\n{extra}"))
    .replace("steps = 30", "steps = 12")
}

/// The rows of a results folder's table, each with the named columns removed.
fn rows_without(dir: &Path, table: &str, drop: &[&str]) -> Vec<Vec<String>> {
    let (header, rows) = read_csv(&dir.join(table));
    rows.iter()
        .map(|r| {
            header
                .iter()
                .zip(r)
                .filter(|(h, _)| !drop.contains(&h.as_str()))
                .map(|(_, v)| v.clone())
                .collect()
        })
        .collect()
}

#[test]
fn the_axes_multiply_the_grid_and_every_run_records_its_network() {
    let dir = tempfile::tempdir().unwrap();
    let out = train_no_plot(
        dir.path(),
        "res.toml",
        &config(
            "architectures = [\"mlp\", \"residual\"]\nbranches = [\"none\", \"fixup\", \"rezero\"]",
        ),
    );
    let (rh, runs) = read_csv(&out.join("runs.csv"));
    // mlp pairs only with `none`: (1 + 3) networks × 2 seeds.
    assert_eq!(runs.len(), 8);
    let pairs: Vec<(String, String)> = runs
        .iter()
        .map(|r| {
            (
                cell(&rh, r, "architecture").to_string(),
                cell(&rh, r, "branch").to_string(),
            )
        })
        .collect();
    assert_eq!(pairs.iter().filter(|(a, _)| a == "mlp").count(), 2);
    assert!(pairs.iter().all(|(a, b)| a == "residual" || b == "none"));
    // A residual run of 3 blocks of 2 layers probes 1 + 3·3 sites and the read-out.
    let residual = runs
        .iter()
        .find(|r| cell(&rh, r, "branch") == "rezero")
        .unwrap();
    let id = cell(&rh, residual, "run_id");
    assert!(id.starts_with("he_normal_rezero-relu-b3-w16-s"), "{id}");
    let (lh, layers) = read_csv(&out.join("layers.csv"));
    let at_init: Vec<&Vec<String>> = layers
        .iter()
        .filter(|l| cell(&lh, l, "run_id") == id && cell(&lh, l, "step") == "0")
        .collect();
    let kinds: Vec<&str> = at_init.iter().map(|l| cell(&lh, l, "kind")).collect();
    assert_eq!(
        kinds,
        [
            "stream", "branch", "branch", "stream", "branch", "branch", "stream", "branch",
            "branch", "stream", "output"
        ]
    );
    // ReZero's branches start silent: every stream site holds the projection, bit for bit,
    // and adds nothing (branch_ratio 0); the stream sites after a block have no weight.
    let streams: Vec<&&Vec<String>> = at_init
        .iter()
        .filter(|l| cell(&lh, l, "kind") == "stream")
        .collect();
    for s in &streams {
        assert_eq!(cell(&lh, s, "pre_var"), cell(&lh, streams[0], "pre_var"));
        assert_eq!(
            cell(&lh, s, "pre_var_theory"),
            cell(&lh, streams[0], "pre_var_theory")
        );
    }
    for s in &streams[1..] {
        assert_eq!(cell(&lh, s, "branch_ratio").parse::<f64>(), Ok(0.0));
        assert_eq!(cell(&lh, s, "weight_var"), "");
    }
    let blocks: Vec<&str> = streams.iter().map(|l| cell(&lh, l, "block")).collect();
    assert_eq!(blocks, ["0", "1", "2", "3"]);
    // Without a branch scheme He ReLU doubles the stream per block at initialization: the
    // theory column says so exactly (the measurement follows it at width, see
    // `net::residual`'s tests; at width 16 it scatters by a factor of 2).
    let none = runs
        .iter()
        .find(|r| cell(&rh, r, "architecture") == "residual" && cell(&rh, r, "branch") == "none")
        .unwrap();
    let none_id = cell(&rh, none, "run_id");
    let stream_var = |column: &str| -> Vec<f64> {
        layers
            .iter()
            .filter(|l| {
                cell(&lh, l, "run_id") == none_id
                    && cell(&lh, l, "step") == "0"
                    && cell(&lh, l, "kind") == "stream"
            })
            .map(|l| cell(&lh, l, column).parse().unwrap())
            .collect()
    };
    let theory = stream_var("pre_var_theory");
    for b in 1..theory.len() {
        assert!((theory[b] / theory[b - 1] - 2.0).abs() < 1e-9, "{theory:?}");
    }
}

#[test]
fn skipinit_and_rezero_train_the_same_network() {
    let dir = tempfile::tempdir().unwrap();
    let out = train_no_plot(
        dir.path(),
        "same.toml",
        &config("architectures = [\"residual\"]\nbranches = [\"skipinit\", \"rezero\"]"),
    );
    for table in ["runs.csv", "layers.csv", "curves.csv"] {
        let rows = rows_without(&out, table, &["run_id", "branch", "wall_seconds"]);
        // Grid order: both seeds of skipinit, then both of rezero.
        let half = rows.len() / 2;
        assert!(half > 0);
        assert_eq!(rows[..half], rows[half..], "{table}");
    }
}

#[test]
fn bad_architecture_configs_are_refused_by_key() {
    let dir = tempfile::tempdir().unwrap();
    for (extra, expect) in [
        (
            "branches = [\"fixup\"]",
            "branches: `fixup` starts residual branches, and `architectures` has no residual",
        ),
        (
            "architectures = [{ kind = \"residual\", layers = 0 }]",
            "architectures: residual: layers (per branch) must be at least 1",
        ),
        (
            "architectures = [\"residual\"]\nbranches = [\"fixup\", \"fixup\"]",
            "branches lists `fixup` more than once",
        ),
        ("architectures = [\"resnet\"]", "architectures"),
        ("branches = [\"fixup_v2\"]", "branches"),
    ] {
        let path = write_config(dir.path(), "bad.toml", &config(extra));
        let output = run_quiet(dir.path(), &path, dir.path().join("out"), &["--dry-run"]);
        assert!(!output.status.success(), "{extra}");
        let err = stderr(&output);
        assert!(
            err.contains("bad.toml") && err.contains(expect),
            "{extra}: {err}"
        );
    }
    // A width profile has no single stream width.
    let text =
        config("architectures = [\"residual\"]").replace("widths = [16]", "widths = [[16, 8, 16]]");
    let path = write_config(dir.path(), "bad.toml", &text);
    let output = run_quiet(dir.path(), &path, dir.path().join("out"), &["--dry-run"]);
    let err = stderr(&output);
    assert!(
        !output.status.success() && err.contains("single width"),
        "{err}"
    );
}

#[test]
fn the_catalogue_lists_architectures_and_branch_schemes() {
    let dir = tempfile::tempdir().unwrap();
    let output = initlab(dir.path(), &["list", "architectures"]);
    let text = String::from_utf8_lossy(&output.stdout);
    for name in [
        "mlp",
        "residual",
        "zero_last",
        "fixup",
        "skipinit",
        "rezero",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    let output = initlab(dir.path(), &["list", "schemes"]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("zer_o"));
}

#[test]
fn the_chain_depth_scale_is_left_to_the_mlp() {
    // Mean-field ξ_c is the depth scale of a chain of layers: an MLP of tanh LeCun layers has
    // one (runs.csv xi_c_theory), a residual network of the same layers writes none.
    let dir = tempfile::tempdir().unwrap();
    let text = TINY
        .replace(
            "inits = [\"lecun_normal\", { scheme = \"orthogonal\", gain = 1.2 }]",
            "inits = [\"lecun_normal\"]\narchitectures = [\"mlp\", \"residual\"]",
        )
        .replace(
            "activations = [\"tanh\", \"relu\"]",
            "activations = [\"tanh\"]",
        )
        .replace("steps = 30", "steps = 2");
    let out = train_no_plot(dir.path(), "xi.toml", &text);
    let (rh, runs) = read_csv(&out.join("runs.csv"));
    for r in &runs {
        let xi = cell(&rh, r, "xi_c_theory");
        match cell(&rh, r, "architecture") {
            "mlp" => assert!(xi.parse::<f64>().is_ok_and(|x| x > 0.0), "{xi}"),
            _ => assert_eq!(xi, ""),
        }
    }
}
