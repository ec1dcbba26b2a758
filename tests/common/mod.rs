//! Shared helpers of the integration tests: drive the real `initlab` binary on tiny configs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A tiny but complete experiment: 2 schemes × 2 activations × 1 depth × 2 seeds, 30 steps.
pub const TINY: &str = r#"
name = "tiny"
inits = ["lecun_normal", { scheme = "orthogonal", gain = 1.2 }]
activations = ["tanh", "relu"]
depths = [3]
widths = [16]
seeds = [0, 1]
lrs = [0.1]
optimizers = ["sgd"]

[train]
steps = 30
batch_size = 16
probe_every = 10
probe_size = 64
target = { loss_fraction = 0.9 }
smooth = 5

[dataset]
kind = "gaussian_mixture"
classes = 3
dim = 8
samples = 300
"#;

/// Writes `text` as a config file in `dir`.
pub fn write_config(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the binary with `args` from `cwd`.
pub fn initlab(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_initlab"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the initlab binary runs")
}

/// `initlab run CONFIG --out OUT --quiet EXTRA...` from `cwd`.
pub fn run_quiet(
    cwd: &Path,
    config: impl AsRef<Path>,
    out: impl AsRef<Path>,
    extra: &[&str],
) -> Output {
    let mut args = vec![
        "run",
        config.as_ref().to_str().unwrap(),
        "--out",
        out.as_ref().to_str().unwrap(),
        "--quiet",
    ];
    args.extend(extra);
    initlab(cwd, &args)
}

/// Writes `text` as `dir/name`, trains it into `dir/res` without charts, asserts that it
/// succeeded, and returns the results folder.
pub fn train_no_plot(dir: &Path, name: &str, text: &str) -> PathBuf {
    let config = write_config(dir, name, text);
    let out = dir.join("res");
    let output = run_quiet(dir, &config, &out, &["--no-plot"]);
    assert!(output.status.success(), "{}", stderr(&output));
    out
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A CSV file as its header and rows.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// The value of `column` in `row`.
pub fn cell<'a>(header: &[String], row: &'a [String], column: &str) -> &'a str {
    let i = header
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no column {column}"));
    &row[i]
}

/// Copies the committed fixture `tests/fixtures/small` (a small result set) into `to`.
pub fn copy_fixture(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small"))
            .unwrap()
    {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}
