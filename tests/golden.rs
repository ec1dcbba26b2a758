//! The golden folder: seven tiny grids (`tests/golden/*.toml`) that together cover every scheme
//! and bias family, every activation, every optimizer, every dataset kind that needs no
//! download, both probe batches, the phase diagram, every parameterization, the residual
//! networks with every branch scheme and the recurrent networks with every forget-bias rule. Each is run and drawn, and everything it
//! writes is compared with what the code wrote before it was last reorganised:
//!
//! - `runs.csv`, `layers.csv`, `curves.csv` and `spectra.csv` byte for byte (the
//!   `wall_seconds` column aside), kept as text in `tests/golden/<name>/` so that a difference
//!   shows as a line;
//! - `histograms.csv`, every chart and both reports by length and FNV-1a hash, listed in
//!   `tests/golden/<name>/files.txt`.
//!
//! A refactoring must leave all of it unchanged. A change that is *meant* to move numbers or
//! pixels re-blesses the folder with `INITLAB_BLESS=1 cargo test --release --test golden` and
//! says why in its commit.
//!
//! The numbers depend on the matrix kernels the CPU selects at run time: the folder records
//! whether it was written with AVX-512 (a CPU that has it, and the default `avx512` feature).
//! On a machine that differs, training rounds differently and its trajectories drift apart
//! (by up to 1% in a gradient variance after a few steps, measured), so only what precedes
//! training is compared as numbers: the step-0 rows of `layers.csv`, to 1e-4 (relative; they
//! agree to 1e-5). The other tables are compared in shape (header, rows, run ids), and the
//! hashed files not at all. Bless for a machine without AVX-512 from one with it by building
//! without the feature: `INITLAB_BLESS=1 cargo test --release --no-default-features --test
//! golden`.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::{run_quiet, stderr};

/// Compared as text.
const TEXT_TABLES: [&str; 4] = ["runs.csv", "layers.csv", "curves.csv", "spectra.csv"];
/// The one column that differs between identical runs.
const WALL_CLOCK: &str = "wall_seconds";

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn machine() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    if cfg!(feature = "avx512") && std::arch::is_x86_feature_detected!("avx512f") {
        return "x86_64 avx512f";
    }
    if cfg!(target_arch = "x86_64") {
        "x86_64"
    } else {
        std::env::consts::ARCH
    }
}

/// A CSV with the wall-clock column emptied.
fn without_wall_clock(text: &str) -> String {
    let mut lines = text.lines();
    let Some(header) = lines.next() else {
        return String::new();
    };
    let column = header.split(',').position(|c| c == WALL_CLOCK);
    let mut out = format!("{header}\n");
    for line in lines {
        match column {
            Some(i) => {
                let mut cells: Vec<&str> = line.split(',').collect();
                if i < cells.len() {
                    cells[i] = "";
                }
                out.push_str(&cells.join(","));
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// Every file the run wrote that is compared by hash: `histograms.csv`, the reports and the
/// charts, as `relative path → (length, hash)`.
fn hashed_files(out: &Path) -> BTreeMap<String, (usize, u64)> {
    let mut files = BTreeMap::new();
    let mut add = |path: PathBuf| {
        let bytes = fs::read(&path).unwrap();
        let name = path
            .strip_prefix(out)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        files.insert(name, (bytes.len(), fnv1a(&bytes)));
    };
    for name in ["histograms.csv", "report.md", "report.html"] {
        add(out.join(name));
    }
    for entry in fs::read_dir(out.join("plots")).unwrap() {
        add(entry.unwrap().path());
    }
    files
}

fn render_listing(machine: &str, files: &BTreeMap<String, (usize, u64)>) -> String {
    let mut text = format!("machine {machine}\n");
    for (name, (len, hash)) in files {
        text.push_str(&format!("{hash:016x} {len:>9} {name}\n"));
    }
    text
}

fn parse_listing(text: &str) -> (String, BTreeMap<String, (usize, u64)>) {
    let mut lines = text.lines();
    let machine = lines
        .next()
        .and_then(|l| l.strip_prefix("machine "))
        .expect("files.txt starts with the machine line")
        .to_string();
    let files = lines
        .map(|l| {
            let mut parts = l.split_whitespace();
            let hash = u64::from_str_radix(parts.next().unwrap(), 16).unwrap();
            let len = parts.next().unwrap().parse().unwrap();
            (parts.next().unwrap().to_string(), (len, hash))
        })
        .collect();
    (machine, files)
}

/// Two CSV texts alike on a machine whose kernels differ: the same header and, except for
/// `spectra.csv` (whose non-empty bins may shift), the same rows of the same runs; the rows
/// of `layers.csv` at step 0 equal as numbers to a relative 1e-4.
fn alike_across_machines(table: &str, expected: &str, actual: &str) -> Result<(), String> {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    if e.first() != a.first() {
        return Err("the header differs".into());
    }
    if table == "spectra.csv" {
        return Ok(());
    }
    if e.len() != a.len() {
        return Err(format!("{} lines, expected {}", a.len(), e.len()));
    }
    let step = e[0].split(',').position(|c| c == "step");
    for (n, (le, la)) in e.iter().zip(&a).enumerate().skip(1) {
        let (ce, ca) = (le.split(',').next(), la.split(',').next());
        if ce != ca {
            return Err(format!("line {}: run `{ce:?}` became `{ca:?}`", n + 1));
        }
        let at_init = step.is_some_and(|i| le.split(',').nth(i) == Some("0"));
        if table == "layers.csv" && at_init {
            numerically_equal(le, la).map_err(|e| format!("line {}: {e}", n + 1))?;
        }
    }
    Ok(())
}

/// Two CSV lines equal as numbers to a relative 1e-4.
fn numerically_equal(le: &str, la: &str) -> Result<(), String> {
    for (ce, ca) in le.split(',').zip(la.split(',')) {
        let same = match (ce.parse::<f64>(), ca.parse::<f64>()) {
            (Ok(x), Ok(y)) => (x - y).abs() <= 1e-4 * x.abs().max(y.abs()).max(1e-12),
            _ => ce == ca,
        };
        if !same {
            return Err(format!("`{ce}` became `{ca}`"));
        }
    }
    Ok(())
}

fn first_difference(expected: &str, actual: &str) -> String {
    for (n, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            return format!("line {}:\n  expected {e}\n  actual   {a}", n + 1);
        }
    }
    format!(
        "{} lines, expected {}",
        actual.lines().count(),
        expected.lines().count()
    )
}

/// Runs golden grid `grid` and compares (or, blessing, records) what it writes.
fn check(grid: &str) {
    let bless = std::env::var_os("INITLAB_BLESS").is_some();
    let dir = golden_dir();
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let out = tmp.path().join(grid);
    let config = dir.join(format!("{grid}.toml"));
    let output = run_quiet(&dir, &config, &out, &[]);
    assert!(output.status.success(), "{grid}: {}", stderr(&output));
    let expected_dir = dir.join(grid);
    let files = hashed_files(&out);
    if bless {
        fs::create_dir_all(&expected_dir).unwrap();
        for table in TEXT_TABLES {
            let text = fs::read_to_string(out.join(table)).unwrap();
            fs::write(expected_dir.join(table), without_wall_clock(&text)).unwrap();
        }
        fs::write(
            expected_dir.join("files.txt"),
            render_listing(machine(), &files),
        )
        .unwrap();
        return;
    }
    let (recorded, expected_files) =
        parse_listing(&fs::read_to_string(expected_dir.join("files.txt")).unwrap());
    let same_machine = recorded == machine();
    for table in TEXT_TABLES {
        let expected = fs::read_to_string(expected_dir.join(table)).unwrap();
        let actual = without_wall_clock(&fs::read_to_string(out.join(table)).unwrap());
        if same_machine && expected != actual {
            failures.push(format!(
                "{grid}/{table}: {}",
                first_difference(&expected, &actual)
            ));
        } else if let Err(e) = alike_across_machines(table, &expected, &actual) {
            failures.push(format!("{grid}/{table}: {e}"));
        }
    }
    if !same_machine {
        eprintln!(
            "{grid}: the golden files were written on `{recorded}`, this is `{}`: the step-0 \
             rows compared to 1e-4, the rest in shape, charts and reports not compared",
            machine()
        );
    } else {
        for (name, expected) in &expected_files {
            match files.get(name) {
                None => failures.push(format!("{grid}/{name}: no longer written")),
                Some(actual) if actual != expected => failures.push(format!(
                    "{grid}/{name}: {} bytes, expected {}",
                    actual.0, expected.0
                )),
                Some(_) => {}
            }
        }
        for name in files.keys().filter(|n| !expected_files.contains_key(*n)) {
            failures.push(format!(
                "{grid}/{name}: written but not in the golden folder"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences from tests/golden (bless with INITLAB_BLESS=1 only if meant):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_scheme_and_bias_family() {
    check("schemes");
}

#[test]
fn every_activation_depth_and_width() {
    check("activations");
}

#[test]
fn every_optimizer_and_dataset_kind() {
    check("data");
}

#[test]
fn the_phase_diagram() {
    check("phase");
}

#[test]
fn every_parameterization_over_two_widths() {
    check("width");
}

#[test]
fn residual_networks_with_every_branch_scheme() {
    check("residual");
}

#[test]
fn recurrent_networks_with_every_forget_bias() {
    check("recurrent");
}
