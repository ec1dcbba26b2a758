//! The `parameterizations` axis through the real binary: it multiplies the grid without
//! changing the ids of the `standard` runs, records itself per run, zero-initializes μP's
//! read-out, and at μP's base width trains exactly like the standard parameterization with a
//! zero read-out (every multiplier is 1 there), while at other widths it does not.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{cell, read_csv, train_no_plot, TINY};

/// Trains `text` in a fresh folder `dir/sub`.
fn train(dir: &Path, sub: &str, text: &str) -> PathBuf {
    let here = dir.join(sub);
    std::fs::create_dir_all(&here).unwrap();
    train_no_plot(&here, &format!("{sub}.toml"), text)
}

/// A tiny classification grid at one width, with `extra` config lines.
fn config(name: &str, width: usize, extra: &str) -> String {
    TINY.replace("name = \"tiny\"", &format!("name = \"{name}\""))
        .replace(
            "inits = [\"lecun_normal\", { scheme = \"orthogonal\", gain = 1.2 }]",
            "inits = [\"lecun_normal\"]",
        )
        .replace(
            "activations = [\"tanh\", \"relu\"]",
            "activations = [\"tanh\"]",
        )
        .replace("widths = [16]", &format!("widths = [{width}]\n{extra}"))
        .replace("optimizers = [\"sgd\"]", "optimizers = [\"sgd\", \"adam\"]")
        .replace("steps = 30", "steps = 12")
}

/// `layers.csv` rows keyed by (init, optimizer, seed, step, layer), every column but the run
/// id and the parameterization's.
fn layers_by_key(dir: &Path) -> BTreeMap<String, Vec<String>> {
    let (rh, runs) = read_csv(&dir.join("runs.csv"));
    let key_of: BTreeMap<String, String> = runs
        .iter()
        .map(|r| {
            (
                cell(&rh, r, "run_id").to_string(),
                format!("{}|{}", cell(&rh, r, "optimizer"), cell(&rh, r, "seed")),
            )
        })
        .collect();
    let (lh, rows) = read_csv(&dir.join("layers.csv"));
    rows.iter()
        .map(|r| {
            let key = format!(
                "{}|{}|{}",
                key_of[cell(&lh, r, "run_id")],
                cell(&lh, r, "step"),
                cell(&lh, r, "layer")
            );
            (key, r[1..].to_vec())
        })
        .collect()
}

#[test]
fn the_axis_keeps_standard_ids_and_records_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = train(tmp.path(), "a", &config("p", 16, ""));
    let both = train(
        tmp.path(),
        "b",
        &config(
            "p",
            16,
            "parameterizations = [\"standard\", \"ntk\", { kind = \"mup\", base_width = 8 }]",
        ),
    );
    let (h, plain_runs) = read_csv(&plain.join("runs.csv"));
    let (hb, runs) = read_csv(&both.join("runs.csv"));
    assert_eq!(runs.len(), 3 * plain_runs.len());
    let ids = |rows: &[Vec<String>], header: &[String], p: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| cell(header, r, "parameterization") == p)
            .map(|r| cell(header, r, "run_id").to_string())
            .collect()
    };
    assert_eq!(
        ids(&runs, &hb, "standard"),
        ids(&plain_runs, &h, "standard")
    );
    for r in &runs {
        let expected_readout = match cell(&hb, r, "parameterization") {
            "mup(8)" => "zeros",
            "standard" | "ntk" => "",
            other => panic!("unexpected parameterization {other}"),
        };
        assert_eq!(cell(&hb, r, "output_init"), expected_readout);
    }
}

#[test]
fn mup_at_its_base_width_is_standard_with_a_zero_read_out() {
    let tmp = tempfile::tempdir().unwrap();
    let zero = "output_init = \"zeros\"";
    let standard = train(tmp.path(), "s", &config("s", 16, zero));
    let at_base = train(
        tmp.path(),
        "m",
        &config(
            "m",
            16,
            "parameterizations = [{ kind = \"mup\", base_width = 16 }]",
        ),
    );
    let elsewhere = train(
        tmp.path(),
        "e",
        &config(
            "e",
            16,
            "parameterizations = [{ kind = \"mup\", base_width = 4 }]",
        ),
    );
    let s = layers_by_key(&standard);
    assert_eq!(s, layers_by_key(&at_base));
    // Away from the base width the rates differ, and so do the statistics after a step.
    assert_ne!(s, layers_by_key(&elsewhere));
}

#[test]
fn the_report_tabulates_the_coordinate_check_slopes_of_layers_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let text = config(
        "c",
        8,
        "parameterizations = [\"standard\", \"mup\"]\noutput_init = \"zeros\"",
    )
    .replace("widths = [8]", "widths = [8, 16, 32]")
    .replace(
        "optimizers = [\"sgd\", \"adam\"]",
        "optimizers = [\"adam\"]",
    )
    .replace("steps = 12", "steps = 2")
    .replace(
        "probe_every = 10",
        "probe_every = 1\nprobe_batch = \"fixed\"",
    );
    let dir = tmp.path().join("c");
    std::fs::create_dir_all(&dir).unwrap();
    let config = common::write_config(&dir, "c.toml", &text);
    let out = dir.join("res");
    let run = common::run_quiet(&dir, &config, &out, &[]);
    assert!(run.status.success(), "{}", common::stderr(&run));
    // By hand from the CSVs: the read-out's mean |z| after one step (standard), median over
    // the seeds per width, and the least-squares slope of log2 of it over log2 width.
    let (rh, runs) = read_csv(&out.join("runs.csv"));
    let (lh, rows) = read_csv(&out.join("layers.csv"));
    let mut per_width: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
    for r in &runs {
        if cell(&rh, r, "parameterization") != "standard" {
            continue;
        }
        let id = cell(&rh, r, "run_id");
        let width: usize = cell(&rh, r, "width").parse().unwrap();
        for l in rows.iter().filter(|l| cell(&lh, l, "run_id") == id) {
            if cell(&lh, l, "step") == "1" && cell(&lh, l, "kind") == "output" {
                per_width
                    .entry(width)
                    .or_default()
                    .push(cell(&lh, l, "pre_abs_mean").parse().unwrap());
            }
        }
    }
    let points: Vec<(f64, f64)> = per_width
        .iter()
        .map(|(w, v)| {
            let mut v = v.clone();
            v.sort_by(f64::total_cmp);
            let median = if v.len() % 2 == 1 {
                v[v.len() / 2]
            } else {
                (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
            };
            ((*w as f64).log2(), median.log2())
        })
        .collect();
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let slope = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>()
        / points.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>();
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## Coordinate check"), "{report}");
    let line = report
        .lines()
        .find(|l| l.contains("standard") && l.contains("read-out"))
        .expect("a row for the standard read-out");
    // | group | scheme | layer | t = 1 | t = 2 | t = 3 |: the read-out starts at zero (no
    // slope at t = 1).
    let cells: Vec<&str> = line.split('|').map(str::trim).collect();
    assert_eq!(cells[4], "—", "{line}");
    assert_eq!(cells[5], format!("{slope:.3}"), "{line}");
    assert!(slope > 0.3, "Adam's first step grows with width: {slope}");
}
