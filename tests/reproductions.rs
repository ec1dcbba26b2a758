//! The classic results of `experiments/reproduce/`, each run at a reduced size through the
//! real binary (seconds, not minutes) with its own claims, asserting every claim's verdict:
//! a test of the science, not of timing. A twin keeps what its claims speak about (depths and
//! widths the closed forms name, the learning rates the claims compare) and cuts seeds and
//! steps where the claims allow it; where a claim's verdict at full size is an honest FAIL
//! (docs/reproductions.md says why), the twin asserts that FAIL too.

mod common;

use std::path::Path;

use common::{initlab, stderr};

/// Runs `experiments/reproduce/NAME.toml` with `overrides` and asserts the verdict of each of
/// its claims, in order.
fn reproduce(name: &str, overrides: &[&str], verdicts: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let config = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("experiments/reproduce")
        .join(format!("{name}.toml"));
    let out = tmp.path().join(name);
    let mut args = vec![
        "run".to_string(),
        config.display().to_string(),
        "--out".into(),
        out.display().to_string(),
        "--quiet".into(),
        "--no-plot".into(),
    ];
    for o in overrides {
        args.extend(["--set".to_string(), o.to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = initlab(tmp.path(), &args);
    assert!(run.status.success(), "{name}: {}", stderr(&run));
    let check = initlab(tmp.path(), &["check", out.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&check.stdout).into_owned();
    let found: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| ["PASS", "FAIL", "UNDECIDED"].contains(w))
        .collect();
    assert_eq!(found, verdicts, "{name}:\n{text}");
    let failed = verdicts.contains(&"FAIL");
    assert_eq!(
        check.status.success(),
        !failed,
        "{name}: check's exit status"
    );
}

#[test]
fn symmetry() {
    reproduce("symmetry", &["seeds=[0, 1]"], &["PASS"; 7]);
}

#[test]
fn glorot_gradients() {
    reproduce("glorot_gradients", &[], &["PASS"; 9]);
}

#[test]
fn glorot_saturation() {
    reproduce("glorot_saturation", &["seeds=[0, 1, 2]"], &["PASS"; 4]);
}

#[test]
fn he_init() {
    reproduce("he_init", &[], &["PASS"; 5]);
}

#[test]
fn lecun_vs_normal() {
    reproduce(
        "lecun_vs_normal",
        &["seeds=[0, 1, 2, 3, 4]", "train.steps=100"],
        &["PASS"; 6],
    );
}

#[test]
fn relu_bias() {
    reproduce("relu_bias", &[], &["PASS", "FAIL", "FAIL", "FAIL"]);
}

#[test]
fn identity() {
    reproduce("identity", &["seeds=[0, 1, 2, 3, 4]"], &["PASS"; 3]);
}

#[test]
fn phase_diagram() {
    // Six cells: sigma_w^2 1.0 (ordered), 1.75 (near critical) and 3.0 (chaotic) at depths
    // 10 and 100. Beyond 6 xi_c: (1.0, 100) and (3.0, 100); within 2 xi_c: both depths at
    // 1.75 and (3.0, 10). Only 1.75 trains at both depths: the argmax claims locate it.
    reproduce(
        "phase_diagram",
        &[
            "inits=[{ scheme = \"critical\", sigma_w2 = 1.0, sigma_b2 = 0.05 }, \
             { scheme = \"critical\", sigma_w2 = 1.75, sigma_b2 = 0.05 }, \
             { scheme = \"critical\", sigma_w2 = 3.0, sigma_b2 = 0.05 }]",
            "depths=[10, 100]",
        ],
        &["PASS"; 4],
    );
}

#[test]
fn saxe() {
    // Two of the four rates keep each depth's best: lecun_normal diverges at 0.03 at depth 32.
    reproduce(
        "saxe",
        &["seeds=[0]", "lrs=[0.003, 0.03]"],
        &["FAIL", "PASS", "PASS"],
    );
}

#[test]
fn he_stall() {
    // Width 64 instead of 256: the 29 layers, the rates and the 500 steps are the claims'.
    reproduce("he_stall", &["widths=[64]"], &["PASS"; 3]);
}

#[test]
fn lsuv() {
    reproduce(
        "lsuv",
        &["seeds=[0, 1, 2, 3, 4]", "train.steps=300"],
        &["PASS"; 4],
    );
}

#[test]
fn hanin_rolnick() {
    // 300 networks per width profile instead of 1,000: the spreads' tolerances (Var within 20%,
    // equal beta within 15%) and the means' 0.2 still hold at this many.
    reproduce("hanin_rolnick", &["seeds={ count = 300 }"], &["PASS"; 12]);
}

#[test]
fn isometry() {
    // The full width (the closed forms are large-N limits: at width 200 the ReLU claims fail)
    // and all ten seeds (ReLU Gaussian's variance has a heavy tail); one training step.
    reproduce("isometry", &["train.steps=1"], &["PASS"; 12]);
}

#[test]
fn coord_check() {
    // Widths 64 to 1,024 and three seeds: the slopes are those of the full check to within a
    // few hundredths (standard: 0.88 to 0.97; μP: within 0.05 of flat).
    reproduce(
        "coord_check",
        &["widths=[64, 128, 256, 512, 1024]", "seeds=[0, 1, 2]"],
        &["PASS"; 9],
    );
}

#[test]
fn depth_scale() {
    // Width 256 and three seeds: the ordered phase's scales within 1% and 8% of theory; in the
    // chaotic phase the decay meets the noise floor within a few layers, as at width 1,024.
    reproduce(
        "depth_scale",
        &["widths=[256]", "seeds=[0, 1, 2]"],
        &["PASS", "PASS", "UNDECIDED", "FAIL"],
    );
}

#[test]
fn residual() {
    // Both depths (the claims name 32 and 100 blocks), width 128 (at 64 a ReZero run at 100
    // blocks diverges) and all ten seeds (the speed comparison needs them); 60 steps, past the
    // slowest run's target (52), so every verdict is the full run's: at 100 blocks ReZero is
    // not faster than Fixup.
    reproduce(
        "residual",
        &["train.steps=60"],
        &[
            "PASS", "PASS", "PASS", "PASS", "PASS", "PASS", "PASS", "PASS", "PASS", "PASS", "PASS",
            "PASS", "FAIL",
        ],
    );
}

#[test]
fn irnn() {
    // T = 100 and H = 64 (the claims name them) and the full 3,000 steps (the training claims
    // are about where the losses end), on three seeds of the five and without the orthogonal
    // tanh network (no claim names it): the mean decay at init and the median final losses
    // keep their verdicts (measured: -0.15 and -22.0 decades, 0.008 and 0.170).
    reproduce(
        "irnn",
        &[
            "seeds=[0, 1, 2]",
            "inits=[\"identity\", \"standard\"]",
            "exclude=[{ init = \"identity\", activation = \"tanh\" }, { init = \"standard\", activation = \"relu\" }]",
        ],
        &["PASS", "PASS", "PASS", "PASS"],
    );
}

#[test]
fn lstm_forget_bias() {
    // The claims at initialization at full size (T = 100, five seeds); the training claim
    // (chrono against b_f = 1 over 3,000 steps of ten LSTMs, about 20 minutes on 2 cores) is
    // beyond a test: after one step no run has reached the target, so it is undecided here.
    reproduce(
        "lstm_forget_bias",
        &["train.steps=1"],
        &["PASS", "PASS", "PASS", "UNDECIDED"],
    );
}
