//! Every chart family and both reports, drawn from a committed fixture (tests/fixtures/small:
//! 3 schemes x depths 2, 3 x widths 8, 16 x 2 seeds of ReLU networks, with converged, not
//! converged and diverged runs), with no training.

mod common;

use std::path::Path;

use common::{copy_fixture, initlab, stderr};

fn svg(dir: &Path, stem: &str) -> String {
    let png = std::fs::read(dir.join(format!("plots/{stem}.png")))
        .unwrap_or_else(|_| panic!("{stem}.png"));
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{stem}.png is not a drawn chart"
    );
    std::fs::read_to_string(dir.join(format!("plots/{stem}.svg")))
        .unwrap_or_else(|_| panic!("{stem}.svg"))
}

fn contains_all(stem: &str, svg: &str, texts: &[&str]) {
    for t in texts {
        assert!(svg.contains(t), "{stem}.svg lacks `{t}`");
    }
}

#[test]
fn every_chart_family_renders_with_titles_axes_and_legends() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("small");
    copy_fixture(&dir);
    let output = initlab(tmp.path(), &["plot", dir.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let schemes = ["lecun_normal", "normal(0.01)", "normal(10)"];
    let group = "relu_depth_3_width_16";

    let s = svg(&dir, "act_var_init");
    contains_all(
        "act_var_init",
        &s,
        &[
            "Activation variance at initialization",
            "hidden layer l",
            "Var(hˡ)",
            "relu, depth 2, width 8",
            "mean-field theory",
            // Log axes are labelled at decades.
            "10⁻",
        ],
    );
    contains_all("act_var_init", &s, &schemes);
    let s = svg(&dir, "grad_var_init");
    contains_all(
        "grad_var_init",
        &s,
        &["gradient variance at initialization", "Var(∂lossᵢ/∂zˡ)"],
    );
    contains_all("grad_var_init", &s, &schemes);
    let s = svg(&dir, "saturation_init");
    contains_all(
        "saturation_init",
        &s,
        &[
            "Saturated entries",
            "fraction of saturated entries",
            "fraction of dead units",
            "relu, depth 3, width 16: dead units",
            "lecun_normal",
        ],
    );
    let s = svg(&dir, "loss");
    contains_all("loss", &s, &["Training loss", "step", "training loss"]);
    contains_all("loss", &s, &schemes);
    let s = svg(&dir, "test_acc");
    contains_all("test_acc", &s, &["Test accuracy", "test accuracy"]);
    for (family, label) in [
        ("act_var_train", "Var(hˡ)"),
        ("grad_var_train", "Var(∂lossᵢ/∂zˡ)"),
        ("saturation_train", "saturated fraction"),
        ("dead_train", "fraction of dead units"),
    ] {
        let stem = format!("{family}__{group}");
        let s = svg(&dir, &stem);
        // Layers are coloured on a colour bar, not listed one legend entry each.
        contains_all(
            &stem,
            &s,
            &["over training", "step", label, "hidden layer l"],
        );
        // plotters writes a text element's content on a line of its own (the charts before the
        // colour bar had one such `layer 1` line per legend).
        assert!(
            !s.contains("\nlayer 1\n"),
            "{stem}: a legend entry per layer"
        );
        contains_all(&stem, &s, &schemes);
    }
    for family in ["hist_init", "hist_final"] {
        let stem = format!("{family}__{group}");
        let s = svg(&dir, &stem);
        contains_all(
            &stem,
            &s,
            &[
                "Activations per layer",
                "activation value h",
                "fraction of the layer",
                "hidden layer l",
                "exact 0",
                "lecun_normal, seed 0",
            ],
        );
    }
    let s = svg(&dir, "steps_heatmap__relu");
    contains_all(
        "steps_heatmap__relu",
        &s,
        &[
            "Median steps to target",
            "depth",
            "width",
            "n/c (0/2)",
            "div (",
            "lecun_normal",
        ],
    );
}

#[test]
fn reports_rank_schemes_and_inline_the_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("small");
    copy_fixture(&dir);
    let output = initlab(tmp.path(), &["report", dir.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    // relu, depth 2, width 8: lecun 6, 8 → median 7, IQR 6.5–7.5; normal(10) 9, never →
    // median and quartiles ∞ (interpolating towards a censored run); the two schemes that
    // never reach the target tie and are ordered by their mean training loss.
    assert!(md.contains("### relu, depth 2, width 8"), "{md}");
    assert!(
        md.contains("| 1 | lecun_normal | 7 | 6.5–7.5 | 2/2 | 0/2 |"),
        "{md}"
    );
    // The two schemes that did not reach the target are listed, not ranked.
    assert!(
        md.contains("| — | normal(0.01) | not reached | ∞–∞ | 0/2 | 0/2 |"),
        "{md}"
    );
    assert!(
        md.contains("| — | normal(10) | not reached | ∞–∞ | 1/2 | 0/2 |"),
        "{md}"
    );
    // The summary opens the report, the seed warning above it.
    let warning = md.find("smallest possible p-value is 0.333").expect(&md);
    let summary = md.find("## Summary").expect(&md);
    let ranking = md.find("## Ranking of schemes").expect(&md);
    assert!(warning < summary && summary < ranking);
    assert!(md.contains(
        "**relu, depth 2, width 8.** Fastest: **lecun_normal** (median 7 steps; 2 of 2 runs \
         reached the target), ahead of normal(0.01) (not reached; too few seeds to test)."
    ));
    assert!(md.contains("![act_var_init](plots/act_var_init.png)"));
    // Charts in reading order, each kind captioned with how to read it.
    let init = md.find("![act_var_init]").unwrap();
    let loss = md.find("![loss]").unwrap();
    let heat = md.find("![steps_heatmap__relu]").unwrap();
    assert!(init < loss && loss < heat);
    assert!(md.contains("`act_var_init`: Var(h^l) per hidden layer"));
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(html.contains("<svg") && html.contains("Activation variance at initialization"));
    assert!(
        !html.contains("<?xml") && !html.contains("src=\"http") && !html.contains("href=\"http"),
        "self-contained"
    );
    assert!(html.contains("normal(0.01)"));
}

/// Every file `plot` draws is recognised by the chart registry, so that `--fresh` removes it
/// and `report` shows it; and every registered family drew something from the golden grids.
#[test]
fn the_chart_registry_recognises_every_chart_drawn() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("small");
    copy_fixture(&dir);
    let output = initlab(tmp.path(), &["plot", dir.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut drawn = 0;
    for entry in std::fs::read_dir(dir.join("plots")).unwrap() {
        let path = entry.unwrap().path();
        assert!(
            initlab::charts::is_chart_file(&path),
            "{} is drawn but not registered",
            path.display()
        );
        drawn += 1;
    }
    assert!(drawn > 0);
    assert!(!initlab::charts::is_chart_file(Path::new(
        "plots/my_figure.png"
    )));
    assert!(!initlab::charts::is_chart_file(Path::new("plots/loss.pdf")));
    assert!(!initlab::charts::is_chart_file(Path::new(
        "plots/lossy.png"
    )));
    assert!(initlab::charts::is_chart_file(Path::new(
        "plots/hist_init__relu.svg"
    )));
    // The golden grids draw every family (tests/golden/*/files.txt lists what they drew).
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut listed = String::new();
    for grid in [
        "schemes",
        "activations",
        "data",
        "phase",
        "width",
        "residual",
        "recurrent",
    ] {
        listed += &std::fs::read_to_string(golden.join(grid).join("files.txt")).unwrap();
    }
    for family in &initlab::charts::families::FAMILIES {
        for stem in family.stems.iter().map(|s| s.name) {
            assert!(
                listed.contains(&format!("plots/{stem}."))
                    || listed.contains(&format!("plots/{stem}__")),
                "no golden grid draws `{stem}`"
            );
        }
    }
}
