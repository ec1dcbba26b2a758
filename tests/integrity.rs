//! Results are never lost, hidden or misreported: resume checks every table against the row
//! counts in `runs.csv`, damaged or foreign tables are refused with their file and line, merge
//! compares what it found with the grid, and initlab never writes over files it did not write.

mod common;

use std::path::{Path, PathBuf};

use common::{initlab, run_quiet, stderr, write_config, TINY};

const TABLES: [&str; 5] = [
    "runs.csv",
    "layers.csv",
    "curves.csv",
    "histograms.csv",
    "spectra.csv",
];

/// The five tables as text, the wall-clock column of `runs.csv` blanked.
fn tables(dir: &Path) -> Vec<String> {
    TABLES
        .iter()
        .map(|t| {
            let text = std::fs::read_to_string(dir.join(t)).unwrap();
            if *t != "runs.csv" {
                return text;
            }
            let mut lines = text.lines();
            let header: Vec<&str> = lines.next().unwrap().split(',').collect();
            let wall = header.iter().position(|h| *h == "wall_seconds").unwrap();
            let mut out = header.join(",") + "\n";
            for line in lines {
                let mut cells: Vec<&str> = line.split(',').collect();
                cells[wall] = "";
                out += &(cells.join(",") + "\n");
            }
            out
        })
        .collect()
}

/// A quiet run without charts.
fn run(cwd: &Path, config: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    run_quiet(cwd, config, out, &[&["--no-plot"], extra].concat())
}

/// A finished tiny sweep in `dir/res`: (config, results folder, its tables).
fn finished(dir: &Path) -> (PathBuf, PathBuf, Vec<String>) {
    let config = write_config(dir, "tiny.toml", TINY);
    let out = dir.join("res");
    let output = run(dir, &config, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let t = tables(&out);
    (config, out, t)
}

#[test]
fn runs_whose_rows_were_lost_are_trained_again_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let (config, out, original) = finished(tmp.path());

    // A deleted table, a table cut mid-row, and a table with some runs' rows deleted.
    std::fs::remove_file(out.join("layers.csv")).unwrap();
    let output = run(tmp.path(), &config, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("layers.csv is missing (8 runs)")
            && stderr(&output).contains("trained again"),
        "{}",
        stderr(&output)
    );
    assert_eq!(tables(&out), original, "after a deleted layers.csv");

    let curves = std::fs::read(out.join("curves.csv")).unwrap();
    std::fs::write(out.join("curves.csv"), &curves[..curves.len() * 2 / 3]).unwrap();
    let output = run(tmp.path(), &config, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("curves.csv does not hold all the rows of"),
        "{}",
        stderr(&output)
    );
    assert_eq!(tables(&out), original, "after a truncated curves.csv");

    let text = std::fs::read_to_string(out.join("histograms.csv")).unwrap();
    let first_run = text.lines().nth(1).unwrap().split(',').next().unwrap();
    let kept: String = text
        .lines()
        .filter(|l| !l.starts_with(first_run))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(out.join("histograms.csv"), kept).unwrap();
    // Drawing refuses a folder with missing rows, naming the table and the run.
    let plot = initlab(tmp.path(), &["plot", out.to_str().unwrap()]);
    assert!(!plot.status.success());
    assert!(
        stderr(&plot).contains("histograms.csv does not hold all the rows of 1 runs")
            && stderr(&plot).contains(first_run),
        "{}",
        stderr(&plot)
    );
    let output = run(tmp.path(), &config, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(tables(&out), original, "after deleted histogram rows");

    // Nothing to do: the tables are left as they are.
    let output = run(tmp.path(), &config, &out, &[]);
    assert!(output.status.success() && stderr(&output).is_empty());
    assert_eq!(tables(&out), original);
}

#[test]
fn damaged_or_foreign_tables_are_refused_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let (config, out, original) = finished(tmp.path());
    let layers = out.join("layers.csv");
    let text = std::fs::read_to_string(&layers).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let manifest = std::fs::read_to_string(out.join("manifest.toml")).unwrap();

    let cases: [(&str, String, &str); 4] = [
        (
            "garbage in the middle",
            [&lines[..5], &["<<<<<<< HEAD"], &lines[5..]]
                .concat()
                .join("\n")
                + "\n",
            "layers.csv: line 6: 1 fields where the header has",
        ),
        (
            "a missing column",
            text.replacen("pre_mean,", "", 1),
            "layers.csv: line 1: column `pre_mean` is missing",
        ),
        (
            "a run of another experiment",
            text.clone() + &lines[1].replacen("lecun_normal", "xavier_normal", 1) + "\n",
            "is not a run of this experiment's grid",
        ),
        (
            "a foreign header",
            "a,b,c\n1,2,3\n".to_string(),
            "layers.csv: line 1: column `run_id` is missing",
        ),
    ];
    for (what, damaged, expected) in cases {
        std::fs::write(&layers, &damaged).unwrap();
        for args in [vec!["run"], vec!["plot"]] {
            let output = if args[0] == "run" {
                run(tmp.path(), &config, &out, &[])
            } else {
                initlab(tmp.path(), &["plot", out.to_str().unwrap()])
            };
            assert!(!output.status.success(), "{what}: {args:?} succeeded");
            assert!(
                stderr(&output).contains(expected),
                "{what}: {args:?}: {}",
                stderr(&output)
            );
            assert!(!stderr(&output).contains("panicked"));
            assert_eq!(
                std::fs::read_to_string(&layers).unwrap(),
                damaged,
                "{what}: the file was changed"
            );
            assert_eq!(
                std::fs::read_to_string(out.join("manifest.toml")).unwrap(),
                manifest,
                "{what}: a refused run rewrote the manifest"
            );
        }
    }
    std::fs::write(&layers, &text).unwrap();
    assert!(run(tmp.path(), &config, &out, &[]).status.success());
    assert_eq!(tables(&out), original);
}

#[test]
fn merge_refuses_an_incomplete_grid_unless_partial() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "tiny.toml", TINY);
    let whole = tmp.path().join("whole");
    assert!(run(tmp.path(), &config, &whole, &[]).status.success());
    let shard = |i: usize| tmp.path().join(format!("s{i}"));
    for i in 0..3 {
        let output = run(
            tmp.path(),
            &config,
            &shard(i),
            &["--shard", &format!("{i}/3")],
        );
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let merged = tmp.path().join("merged");
    let merge = |inputs: &[usize], extra: &[&str]| {
        let dirs: Vec<String> = inputs
            .iter()
            .map(|&i| shard(i).to_str().unwrap().to_string())
            .collect();
        let mut args = vec!["merge"];
        args.extend(dirs.iter().map(String::as_str));
        args.extend(["--out", merged.to_str().unwrap(), "--no-plot"]);
        args.extend(extra);
        initlab(tmp.path(), &args)
    };

    // Shard 2 of 0..3 holds runs 2 and 5 of the 8.
    let output = merge(&[0, 1], &[]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("6 of 8 runs; missing: shard 2/3 (not among the inputs; 2 runs: ")
            && stderr(&output).contains("--partial"),
        "{}",
        stderr(&output)
    );
    assert!(!merged.exists(), "a refused merge writes nothing");

    // A shard that lost rows counts as incomplete.
    std::fs::remove_file(shard(2).join("curves.csv")).unwrap();
    let output = merge(&[0, 1, 2], &[]);
    assert!(
        !output.status.success() && stderr(&output).contains("s2 is incomplete"),
        "{}",
        stderr(&output)
    );

    // A shard still being written (its lock held) is refused.
    assert!(run(tmp.path(), &config, &shard(2), &["--shard", "2/3"])
        .status
        .success());
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(shard(2).join(".initlab.lock"))
        .unwrap();
    lock.lock().unwrap();
    let output = merge(&[0, 1, 2], &[]);
    assert!(
        !output.status.success() && stderr(&output).contains("still being written"),
        "{}",
        stderr(&output)
    );
    lock.unlock().unwrap();

    // --partial merges what there is and says so, in the manifest and the report.
    let output = merge(&[0, 1], &["--partial"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("6 of 8 runs"),
        "{}",
        stderr(&output)
    );
    let manifest = std::fs::read_to_string(merged.join("manifest.toml")).unwrap();
    assert!(manifest.contains("partial = true"), "{manifest}");
    assert!(
        manifest.contains("s0") && manifest.contains("s1"),
        "{manifest}"
    );
    let report = initlab(tmp.path(), &["report", merged.to_str().unwrap()]);
    assert!(report.status.success(), "{}", stderr(&report));
    let md = std::fs::read_to_string(merged.join("report.md")).unwrap();
    assert!(
        md.contains("Partial results: 6 of 8 runs of the grid are here"),
        "{md}"
    );

    // Completing it with the last shard gives the unsharded bytes.
    let output = merge(&[0, 1, 2], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(tables(&merged), tables(&whole));
    let manifest = std::fs::read_to_string(merged.join("manifest.toml")).unwrap();
    assert!(!manifest.contains("partial"), "{manifest}");
}

#[test]
fn folders_initlab_did_not_write_are_never_touched() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write_config(tmp.path(), "tiny.toml", TINY);

    // A user's folder holding files with initlab's names, and no manifest.
    let mine = tmp.path().join("mine");
    std::fs::create_dir_all(mine.join("plots")).unwrap();
    let files = [
        "report.md",
        "config.toml",
        "layers.csv",
        "curves.csv",
        "plots/loss.png",
    ];
    for f in files {
        std::fs::write(mine.join(f), format!("my own {f}")).unwrap();
    }
    for extra in [&[][..], &["--fresh"], &["--force-new"]] {
        let output = run(tmp.path(), &config, &mine, extra);
        assert!(!output.status.success(), "{extra:?} succeeded");
        for f in files {
            assert!(
                stderr(&output).contains(f),
                "{extra:?}: {}",
                stderr(&output)
            );
            assert_eq!(
                std::fs::read_to_string(mine.join(f)).unwrap(),
                format!("my own {f}"),
                "{extra:?} touched {f}"
            );
        }
    }

    // The refusal of a different config names two different hashes.
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let (config, out, _) = finished(&other);
    let output = run(tmp.path(), &config, &out, &["--set", "train.steps=20"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    let hashes: Vec<&str> = message
        .split("fnv1a64:")
        .skip(1)
        .map(|h| &h[..16])
        .collect();
    assert_eq!(hashes.len(), 2, "{message}");
    assert_ne!(hashes[0], hashes[1], "{message}");
}

#[test]
fn zero_variance_layers_are_shown_and_named_never_hidden() {
    let tmp = tempfile::tempdir().unwrap();
    let text = TINY
        .replace(
            r#"inits = ["lecun_normal", { scheme = "orthogonal", gain = 1.2 }]"#,
            r#"inits = ["lecun_normal", "zeros"]"#,
        )
        .replace("seeds = [0, 1]", "seeds = [0]");
    let config = write_config(tmp.path(), "zeros.toml", &text);
    let out = tmp.path().join("res");
    let output = run_quiet(tmp.path(), &config, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let chart = std::fs::read_to_string(out.join("plots/act_var_init.svg")).unwrap();
    // The scheme keeps its legend entry, and the key says what its markers on the floor mean.
    assert!(
        chart.contains("zeros") && chart.contains("exactly 0 (at the floor)"),
        "the zero-variance series is not named in the legend"
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains(
            "| zeros | 0 (zero variance) | 0 (zero variance) | 0 (zero variance) | 0 (zero variance) |"
        ),
        "{report}"
    );
    assert!(!report.contains("NaN"), "{report}");
}

#[test]
fn a_full_disk_names_the_file_and_the_folder_resumes_elsewhere() {
    // A small filesystem: a tmpfs mounted for the test, which needs root (CI has it); where
    // mounting is not allowed the test says so and checks nothing.
    let tmp = tempfile::tempdir().unwrap();
    let small = tmp.path().join("small");
    std::fs::create_dir(&small).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=300k", "tmpfs"])
        .arg(&small)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: mounting a small tmpfs needs root");
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(small.clone());

    let config = write_config(
        tmp.path(),
        "long.toml",
        &TINY.replace("steps = 30", "steps = 300"),
    );
    let full = small.join("res");
    let output = run(tmp.path(), &config, &full, &[]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("No space left on device")
            && message.contains(&full.display().to_string())
            && message.contains(".csv")
            && message.contains("run the same command again to resume"),
        "{message}"
    );
    assert!(!message.contains("panicked"), "{message}");

    // The folder, moved to a disk with room, resumes to the uninterrupted bytes.
    let moved = tmp.path().join("moved");
    std::fs::create_dir(&moved).unwrap();
    for entry in std::fs::read_dir(&full).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), moved.join(entry.file_name())).unwrap();
    }
    let output = run(tmp.path(), &config, &moved, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let clean = tmp.path().join("clean");
    assert!(run(tmp.path(), &config, &clean, &[]).status.success());
    assert_eq!(tables(&moved), tables(&clean));
}
