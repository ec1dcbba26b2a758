//! Sweeps through the real binary: interruption and resume, shards and merge, overrides,
//! exclusions, the lock, and starting over.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{cell, initlab, read_csv, run_quiet, stderr, train_no_plot, write_config, TINY};

/// A sweep long enough to interrupt: 24 runs of 400 steps.
fn long_config() -> String {
    TINY.replace("seeds = [0, 1]", "seeds = [0, 1, 2, 3, 4, 5]")
        .replace("steps = 30", "steps = 400")
}

fn run_ids(dir: &Path) -> Vec<String> {
    let (header, rows) = read_csv(&dir.join("runs.csv"));
    rows.iter()
        .map(|r| cell(&header, r, "run_id").to_string())
        .collect()
}

/// The five tables with the wall-clock column blanked.
fn tables(dir: &Path) -> Vec<Vec<Vec<String>>> {
    [
        "runs.csv",
        "layers.csv",
        "curves.csv",
        "histograms.csv",
        "spectra.csv",
    ]
    .iter()
    .map(|t| {
        let (header, mut rows) = read_csv(&dir.join(t));
        if let Some(wall) = header.iter().position(|h| h == "wall_seconds") {
            rows.iter_mut().for_each(|r| r[wall].clear());
        }
        rows
    })
    .collect()
}

#[test]
fn a_killed_sweep_resumes_with_every_run_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "long.toml", &long_config());
    let out = tmp.path().join("res");
    let args = [
        "run",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-j",
        "2",
        "--quiet",
        "--no-plot",
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_initlab"))
        .args(args)
        .current_dir(tmp.path())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it (SIGKILL) once some, but not all, runs are in runs.csv.
    let start = Instant::now();
    loop {
        let done = std::fs::read_to_string(out.join("runs.csv"))
            .map_or(0, |t| t.lines().count().saturating_sub(1));
        if done >= 3 || start.elapsed() > Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = run_ids(&out).len();
    assert!(
        partial > 0 && partial < 24,
        "killed after {partial} of 24 runs"
    );

    let output = initlab(tmp.path(), &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let ids = run_ids(&out);
    assert_eq!(ids.len(), 24);
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        24,
        "each run once"
    );
    let (lh, layers) = read_csv(&out.join("layers.csv"));
    let (ch, curves) = read_csv(&out.join("curves.csv"));
    // 400 steps, probes every 10: 41 probes x 4 layers; 401 curve rows per run.
    assert_eq!(layers.len(), 24 * 41 * 4);
    assert_eq!(curves.len(), 24 * 401);
    let in_runs: HashSet<&String> = ids.iter().collect();
    assert!(layers
        .iter()
        .all(|r| in_runs.contains(&cell(&lh, r, "run_id").to_string())));
    assert!(curves
        .iter()
        .all(|r| in_runs.contains(&cell(&ch, r, "run_id").to_string())));

    // The resumed result equals an uninterrupted sweep.
    let clean = tmp.path().join("clean");
    let output = run_quiet(
        tmp.path(),
        config.to_str().unwrap(),
        clean.to_str().unwrap(),
        &["--no-plot"],
    );
    assert!(output.status.success());
    assert!(
        tables(&out) == tables(&clean),
        "resumed and uninterrupted CSVs differ"
    );
}

#[test]
fn shards_merged_equal_the_unsharded_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "tiny.toml", TINY);
    let config = config.to_str().unwrap();
    let whole = tmp.path().join("whole");
    let output = run_quiet(tmp.path(), config, whole.to_str().unwrap(), &["--no-plot"]);
    assert!(output.status.success());
    for i in 0..3 {
        let shard = format!("{i}/3");
        let output = initlab(
            tmp.path(),
            &["run", config, "--shard", &shard, "--quiet", "--no-plot"],
        );
        assert!(output.status.success(), "{}", stderr(&output));
        let dir = tmp.path().join(format!("results/tiny/shard-{i}-of-3"));
        let manifest = std::fs::read_to_string(dir.join("manifest.toml")).unwrap();
        assert!(manifest.contains(&format!("shard = \"{i}/3\"")));
        assert!(!run_ids(&dir).is_empty());
    }
    let shards: Vec<String> = (0..3)
        .map(|i| format!("results/tiny/shard-{i}-of-3"))
        .collect();
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(String::as_str));
    args.push("--no-plot");
    let output = initlab(tmp.path(), &args);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        tables(&tmp.path().join("results/tiny")) == tables(&whole),
        "merged differs from unsharded"
    );
    // Merging again (or a shard twice) keeps each run once.
    let mut again = args.clone();
    again.insert(1, shards[0].as_str());
    let output = initlab(tmp.path(), &again);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(run_ids(&tmp.path().join("results/tiny")).len(), 8);

    // A shard of another config is refused.
    let other = write_config(
        tmp.path(),
        "other.toml",
        &TINY.replace("steps = 30", "steps = 20"),
    );
    let output = run_quiet(tmp.path(), other.to_str().unwrap(), "other", &["--no-plot"]);
    assert!(output.status.success());
    let output = initlab(
        tmp.path(),
        &["merge", &shards[0], "other", "--out", "mixed"],
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("different configs"),
        "{}",
        stderr(&output)
    );
}

/// The manifest records the device, and one result set keeps to one device: resuming a folder
/// with finished runs on another device, or merging shards trained on different devices, is
/// refused before anything is written. (CI has no GPU, so a GPU-trained folder is made by
/// rewriting a CPU folder's manifest, which is all the check reads.)
#[test]
fn a_result_set_keeps_to_one_device() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "tiny.toml", TINY);
    let config = config.to_str().unwrap();
    let mut shards = Vec::new();
    for i in 0..2 {
        let out = format!("shard-{i}");
        let shard = format!("{i}/2");
        let output = run_quiet(tmp.path(), config, &out, &["--shard", &shard, "--no-plot"]);
        assert!(output.status.success(), "{}", stderr(&output));
        shards.push(tmp.path().join(out));
    }
    let manifest = shards[1].join("manifest.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("device = \"cpu\""), "{text}");
    let gpu = text.replace("device = \"cpu\"", "device = \"cuda\"");
    std::fs::write(&manifest, &gpu).unwrap();

    let snapshot = || -> Vec<Vec<u8>> {
        ["runs.csv", "layers.csv", "curves.csv", "manifest.toml"]
            .iter()
            .map(|f| std::fs::read(shards[1].join(f)).unwrap())
            .collect()
    };
    let before = snapshot();
    let resumed = run_quiet(
        tmp.path(),
        config,
        shards[1].to_str().unwrap(),
        &["--shard", "1/2", "--no-plot"],
    );
    assert!(!resumed.status.success());
    let err = stderr(&resumed);
    assert!(
        err.contains(
            "runs trained with --device cuda; resuming with --device cpu would mix devices"
        ),
        "{err}"
    );
    assert!(before == snapshot(), "a refused resume changed the folder");

    let merge = || {
        initlab(
            tmp.path(),
            &[
                "merge",
                "shard-0",
                "shard-1",
                "--out",
                "merged",
                "--no-plot",
            ],
        )
    };
    let merged = merge();
    assert!(!merged.status.success());
    let err = stderr(&merged);
    assert!(
        err.contains("shard-0 was trained with --device cpu and shard-1 with --device cuda"),
        "{err}"
    );
    assert!(!tmp.path().join("merged").exists());

    // With its manifest as it was, the shards merge, and the merged manifest says cpu.
    std::fs::write(&manifest, &text).unwrap();
    let merged = merge();
    assert!(merged.status.success(), "{}", stderr(&merged));
    let merged_manifest = std::fs::read_to_string(tmp.path().join("merged/manifest.toml")).unwrap();
    assert!(
        merged_manifest.contains("device = \"cpu\""),
        "{merged_manifest}"
    );
}

#[test]
fn slurm_variables_pick_the_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "tiny.toml", TINY);
    let dry_run = |vars: &[(&str, &str)]| {
        let output = Command::new(env!("CARGO_BIN_EXE_initlab"))
            .args(["run", config.to_str().unwrap(), "--dry-run"])
            .envs(vars.iter().copied())
            .current_dir(tmp.path())
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr(&output),
        )
    };
    let task = |id, min, count, step| {
        [
            ("SLURM_ARRAY_TASK_ID", id),
            ("SLURM_ARRAY_TASK_MIN", min),
            ("SLURM_ARRAY_TASK_COUNT", count),
            ("SLURM_ARRAY_TASK_STEP", step),
        ]
    };
    // --array=1-4: task 2 is shard 1 of 4 (grid indices 1 and 5).
    let (text, _) = dry_run(&task("2", "1", "4", "1"));
    assert!(text.contains("8 runs, 2 in this shard"), "{text}");
    // --array=0-6:2: task 6 is shard 3 of 4.
    let (text, _) = dry_run(&task("6", "0", "4", "2"));
    assert!(text.contains("8 runs, 2 in this shard"), "{text}");
    // One task resubmitted on its own (--array=1) would train the whole grid: refused...
    let (_, error) = dry_run(&task("1", "1", "1", "1"));
    assert!(error.contains("only task of its array"), "{error}");
    // ...unless the shard count is explicit: task 2 of INITLAB_SHARDS=3 (indices 2 and 5).
    let mut explicit = task("2", "2", "1", "1").to_vec();
    explicit.push(("INITLAB_SHARDS", "3"));
    let (text, _) = dry_run(&explicit);
    assert!(text.contains("8 runs, 2 in this shard"), "{text}");
}

#[test]
fn dry_run_overrides_and_exclusions() {
    let tmp = tempfile::tempdir().unwrap();
    let text = TINY.replace(
        "[train]",
        "exclude = [{ init = \"orthogonal\", activation = \"relu\" }, { seed = 1, depth = 3 }]\n\n[train]",
    );
    let config = write_config(tmp.path(), "ex.toml", &text);
    let output = initlab(
        tmp.path(),
        &[
            "run",
            config.to_str().unwrap(),
            "--dry-run",
            "--set",
            "depths=[3, 5]",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let listing = String::from_utf8(output.stdout).unwrap();
    // 2 inits x 2 activations x 2 depths x 2 seeds = 16; orthogonal+relu removes 4, and
    // (seed 1, depth 3) removes 3 more that are left.
    assert!(
        listing.starts_with("tiny: 16 grid points, 7 excluded, 9 runs"),
        "{listing}"
    );
    assert!(!listing.contains("init=orthogonal(gain=1.2) bias=default activation=relu"));
    assert!(
        !tmp.path().join("results").exists(),
        "a dry run writes nothing"
    );

    // Overrides reach the resolved config; a bad override names itself.
    let out = tmp.path().join("res");
    let args = [
        "run",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--no-plot",
        "--set",
        "train.steps=12",
        "--set",
        "seeds=[1, 7]",
    ];
    let output = initlab(tmp.path(), &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let resolved = std::fs::read_to_string(out.join("config.toml")).unwrap();
    assert!(
        resolved.contains("steps = 12") && resolved.contains("seeds = [1, 7]"),
        "{resolved}"
    );
    let manifest = std::fs::read_to_string(out.join("manifest.toml")).unwrap();
    for key in [
        "initlab_version",
        "git_commit",
        "started",
        "jobs",
        "config_hash = \"fnv1a64:",
    ] {
        assert!(manifest.contains(key), "manifest lacks {key}: {manifest}");
    }
    let output = initlab(
        tmp.path(),
        &[
            "run",
            config.to_str().unwrap(),
            "--dry-run",
            "--set",
            "train.stepz=3",
        ],
    );
    assert!(
        stderr(&output).contains("unknown field `stepz`"),
        "{}",
        stderr(&output)
    );
    let output = initlab(
        tmp.path(),
        &[
            "run",
            config.to_str().unwrap(),
            "--dry-run",
            "--set",
            "depths",
        ],
    );
    assert!(
        stderr(&output).contains("expected key=value"),
        "{}",
        stderr(&output)
    );
    let bad = write_config(
        tmp.path(),
        "bad.toml",
        &TINY.replace("[train]", "exclude = [{ colour = 1 }]\n[train]"),
    );
    let output = initlab(tmp.path(), &["run", bad.to_str().unwrap(), "--dry-run"]);
    assert!(
        stderr(&output).contains("unknown key `colour`"),
        "{}",
        stderr(&output)
    );
    // Exclusions that cannot match, or that leave nothing, are refused.
    for (exclude, expected) in [
        (
            "exclude = [{ init = \"he_normall\" }]",
            "exclude entry 1: init = \"he_normall\" matches no value of `inits`",
        ),
        (
            "exclude = [{ width = \"16\" }]",
            "exclude entry 1: width = \"16\" matches no value of `widths`",
        ),
        (
            "exclude = [{ activation = \"tanh\" }, { activation = \"relu\" }]",
            "exclude leaves out every run of the grid",
        ),
    ] {
        let bad = write_config(
            tmp.path(),
            "bad.toml",
            &TINY.replace("[train]", &format!("{exclude}\n[train]")),
        );
        let output = initlab(tmp.path(), &["run", bad.to_str().unwrap(), "--dry-run"]);
        assert!(!output.status.success(), "{exclude}");
        assert!(stderr(&output).contains(expected), "{}", stderr(&output));
    }
}

#[test]
fn a_second_run_on_the_same_folder_is_refused_while_the_first_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "long.toml", &long_config());
    let out = tmp.path().join("res");
    let args = [
        "run",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-j",
        "1",
        "--quiet",
        "--no-plot",
    ];
    let mut first = Command::new(env!("CARGO_BIN_EXE_initlab"))
        .args(args)
        .current_dir(tmp.path())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !out.join("manifest.toml").exists() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = initlab(tmp.path(), &args);
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(!second.status.success());
    assert!(
        stderr(&second).contains("another initlab is writing"),
        "{}",
        stderr(&second)
    );
    // The killed process leaves no stuck lock.
    let third = initlab(
        tmp.path(),
        &[
            "run",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--dry-run",
        ],
    );
    assert!(third.status.success());
    let resumed = initlab(
        tmp.path(),
        &[&args[..], &["--set", "train.steps=400"]].concat(),
    );
    assert!(resumed.status.success(), "{}", stderr(&resumed));
}

#[test]
fn fresh_and_force_new_never_touch_other_files() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "tiny.toml", TINY);
    let out = tmp.path().join("res");
    let base = [
        "run",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    assert!(initlab(tmp.path(), &base).status.success());
    std::fs::write(out.join("my_notes.md"), "keep me").unwrap();

    // A different config is refused, then set aside with --force-new.
    let changed = [&base[..], &["--set", "train.steps=20"]].concat();
    let refused = initlab(tmp.path(), &changed);
    assert!(!refused.status.success() && stderr(&refused).contains("--force-new"));
    let forced = initlab(tmp.path(), &[&changed[..], &["--force-new"]].concat());
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(out.join("superseded-1/runs.csv").exists());
    assert!(out.join("superseded-1/plots/act_var_init.png").exists());
    let (h, rows) = read_csv(&out.join("runs.csv"));
    assert!(rows.iter().all(|r| cell(&h, r, "steps") == "20"));

    // --fresh removes initlab's files and starts over; the user's file stays.
    let fresh = initlab(tmp.path(), &[&base[..], &["--fresh"]].concat());
    assert!(fresh.status.success(), "{}", stderr(&fresh));
    let (h, rows) = read_csv(&out.join("runs.csv"));
    assert!(rows.iter().all(|r| cell(&h, r, "steps") == "30") && rows.len() == 8);
    assert_eq!(
        std::fs::read_to_string(out.join("my_notes.md")).unwrap(),
        "keep me"
    );
    assert!(out.join("superseded-1/runs.csv").exists());

    // A folder whose runs.csv initlab did not write is refused, even with --fresh.
    let foreign = tmp.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("runs.csv"), "precious").unwrap();
    let output = initlab(
        tmp.path(),
        &[
            "run",
            config.to_str().unwrap(),
            "--out",
            foreign.to_str().unwrap(),
            "--fresh",
        ],
    );
    assert!(!output.status.success());
    assert_eq!(
        std::fs::read_to_string(foreign.join("runs.csv")).unwrap(),
        "precious"
    );
}

#[test]
fn several_datasets_are_a_grid_axis() {
    let tmp = tempfile::tempdir().unwrap();
    let head = &TINY[..TINY.find("[dataset]").unwrap()];
    let text = format!(
        "{head}[[dataset]]\nkind = \"gaussian_mixture\"\nclasses = 3\ndim = 8\nsamples = 300\nname = \"blobs\"\n\n\
         [[dataset]]\nkind = \"teacher\"\noutputs = 3\ndim = 8\nsamples = 300\nname = \"teacher3\"\n"
    )
    .replace("[train]", "exclude = [{ dataset = \"teacher3\", activation = \"relu\" }]\n\n[train]");
    let out = train_no_plot(tmp.path(), "two.toml", &text);
    let (h, rows) = read_csv(&out.join("runs.csv"));
    let count = |name: &str| {
        rows.iter()
            .filter(|r| cell(&h, r, "dataset") == name)
            .count()
    };
    assert_eq!((count("blobs"), count("teacher3")), (8, 4));
    assert!(rows
        .iter()
        .all(|r| !(cell(&h, r, "dataset") == "teacher3" && cell(&h, r, "activation") == "relu")));
    let resolved = std::fs::read_to_string(out.join("config.toml")).unwrap();
    assert_eq!(resolved.matches("[[dataset]]").count(), 2, "{resolved}");
    // Two datasets with the same label are refused.
    let same = text.replace("name = \"teacher3\"", "name = \"blobs\"");
    let config = write_config(tmp.path(), "same.toml", &same);
    let output = initlab(tmp.path(), &["run", config.to_str().unwrap(), "--dry-run"]);
    assert!(
        stderr(&output).contains("dataset lists `blobs` more than once"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn width_profiles_pair_with_their_depth() {
    let tmp = tempfile::tempdir().unwrap();
    let text = TINY
        .replace("depths = [3]", "depths = [2, 3]")
        .replace("widths = [16]", "widths = [16, [8, 24, 8], \"32x2\"]")
        .replace("seeds = [0, 1]", "seeds = { first = 5, count = 2 }")
        .replace(
            "[train]",
            "exclude = [{ width = \"8+24+8\", init = \"lecun_normal\" }]\n\n[train]",
        )
        .replace("[dataset]", "[record]\nhistograms = \"none\"\n\n[dataset]");
    let out = train_no_plot(tmp.path(), "profiles.toml", &text);
    let (h, rows) = read_csv(&out.join("runs.csv"));
    let mut shapes: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            let c = |k: &str| cell(&h, r, k).to_string();
            (c("depth"), c("width"), c("seed"))
        })
        .collect();
    shapes.sort();
    shapes.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    // Uniform 16 at both depths; each profile only at the depth of its length.
    let pairs: Vec<(&str, &str)> = shapes
        .iter()
        .map(|(d, w, _)| (d.as_str(), w.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [("2", "16"), ("2", "32x2"), ("3", "16"), ("3", "8+24+8")]
    );
    // 2 schemes x 2 activations x 2 seeds per pair, less lecun_normal on the 8+24+8 profile.
    assert_eq!(rows.len(), 4 * 8 - 4);
    assert!(rows
        .iter()
        .all(|r| ["5", "6"].contains(&cell(&h, r, "seed"))));
    let profile = rows
        .iter()
        .find(|r| cell(&h, r, "width") == "8+24+8")
        .unwrap();
    assert!(cell(&h, profile, "run_id").contains("-d3-w8_24_8-s"));
    // Each hidden layer has its own units: the ReLU runs' distinct units never exceed them.
    let (lh, layers) = read_csv(&out.join("layers.csv"));
    let id = cell(&h, profile, "run_id");
    for row in layers.iter().filter(|r| cell(&lh, r, "run_id") == id) {
        let units = [8, 24, 8, 3][cell(&lh, row, "layer").parse::<usize>().unwrap() - 1];
        assert!(cell(&lh, row, "distinct_units").parse::<usize>().unwrap() <= units);
    }
    assert!(layers
        .iter()
        .any(|r| cell(&lh, r, "run_id") == id && cell(&lh, r, "distinct_units") == "24"));
    // `[record] histograms = "none"`: the header alone.
    let (_, hist) = read_csv(&out.join("histograms.csv"));
    assert!(hist.is_empty());
    let resolved = std::fs::read_to_string(out.join("config.toml")).unwrap();
    assert!(resolved.contains("histograms = \"none\""), "{resolved}");

    // A profile needs its depth; a depth needs a width that fits it; a seed run is bounded.
    for (from, to, expected) in [
        (
            "depths = [2, 3]",
            "depths = [2]",
            "widths entry 2: the profile 8+24+8 has 3 hidden layers, and `depths` has no 3",
        ),
        (
            "{ width = \"8+24+8\"",
            "{ width = \"8+24+9\"",
            "exclude entry 1: width = \"8+24+9\" matches no value of `widths`",
        ),
        (
            "widths = [16, [8, 24, 8], \"32x2\"]",
            "widths = [16, [8, 0]]",
            "entry 2: a width must be a number of units (at least 1)",
        ),
        (
            "seeds = { first = 5, count = 2 }",
            "seeds = { count = 100000000 }",
            "seeds: count = 100000000 is more than 10000000 seeds",
        ),
        (
            "seeds = { first = 5, count = 2 }",
            "seeds = { first = 5 }",
            "seeds must be a list of whole numbers >= 0, or { first = 0, count = 100 }",
        ),
    ] {
        let bad = write_config(tmp.path(), "bad.toml", &text.replace(from, to));
        let output = initlab(tmp.path(), &["run", bad.to_str().unwrap(), "--dry-run"]);
        assert!(!output.status.success(), "{to}");
        assert!(
            stderr(&output).contains(expected),
            "{to}: {}",
            stderr(&output)
        );
    }
    let no_fit = text
        .replace("depths = [2, 3]", "depths = [3, 4]")
        .replace(
            "widths = [16, [8, 24, 8], \"32x2\"]",
            "widths = [[8, 24, 8]]",
        )
        .replace(
            "exclude = [{ width = \"8+24+8\", init = \"lecun_normal\" }]\n",
            "",
        );
    let bad = write_config(tmp.path(), "bad.toml", &no_fit);
    let output = initlab(tmp.path(), &["run", bad.to_str().unwrap(), "--dry-run"]);
    assert!(
        stderr(&output).contains("depths: no entry of `widths` fits depth 4"),
        "{}",
        stderr(&output)
    );
}
