//! Claims end to end: verdicts on the committed fixture (tests/fixtures/small) checked against
//! the CSVs by hand, `initlab check`'s exit codes, claims saved apart from the config so that
//! editing one re-checks finished runs without training them, and bad claims refused before
//! anything is written.

mod common;

use std::path::Path;

use common::{cell, copy_fixture, initlab, read_csv, run_quiet, stderr, write_config, TINY};

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// log₂(act_var₂ / act_var₁) at step 0 of one run of the fixture, from `layers.csv` directly.
fn log2_ratio_by_hand(dir: &Path, run_prefix: &str) -> f64 {
    let (header, rows) = read_csv(&dir.join("layers.csv"));
    let var = |layer: &str| -> f64 {
        let row = rows
            .iter()
            .find(|r| {
                cell(&header, r, "run_id").starts_with(run_prefix)
                    && cell(&header, r, "step") == "0"
                    && cell(&header, r, "layer") == layer
            })
            .unwrap();
        cell(&header, row, "act_var").parse().unwrap()
    };
    (var("2") / var("1")).log2()
}

#[test]
fn verdicts_on_the_fixture_match_the_csvs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("small");
    copy_fixture(&dir);
    let hand = log2_ratio_by_hand(&dir, "lecun_normal-relu-d2-w8-s0-");
    let claims = format!(
        r#"
[[claim]]
name = "LeCun converges in every run"
kind = "value"
where = {{ init = "lecun_normal" }}
measure = {{ run = "converged" }}
across = "mean"
expect = {{ at_least = 1 }}

[[claim]]
name = "normal(10) diverges in most runs"
kind = "value"
where = {{ init = "normal(10)", depth = 3 }}
measure = {{ run = "diverged" }}
across = "mean"
expect = {{ at_least = 0.8 }}

[[claim]]
name = "LeCun reaches the target before normal(0.01)"
kind = "less"
a = {{ init = "lecun_normal" }}
b = {{ init = "normal(0.01)" }}
measure = {{ run = "steps_to_target" }}

[[claim]]
name = "two seeds cannot decide"
kind = "less"
where = {{ depth = 2, width = 8 }}
a = {{ init = "lecun_normal" }}
b = {{ init = "normal(0.01)" }}
measure = {{ run = "steps_to_target" }}

[[claim]]
name = "every LeCun run reaches the target within 8 steps"
kind = "value"
where = {{ init = "lecun_normal" }}
measure = {{ run = "steps_to_target" }}
across = "all"
expect = {{ at_most = 8 }}

[[claim]]
name = "the forward signal of one run"
kind = "value"
where = {{ init = "lecun_normal", depth = 2, width = 8, seed = 0 }}
measure = {{ stat = "act_var", form = "log2_ratio", layers = [1, 2] }}
expect = {{ value = {hand}, tolerance = 1e-9 }}
"#
    );
    let file = write_config(tmp.path(), "claims.toml", &claims);
    let out = initlab(
        tmp.path(),
        &[
            "check",
            dir.to_str().unwrap(),
            "--claims",
            file.to_str().unwrap(),
        ],
    );
    let text = stdout(&out);
    // normal(10) at depth 3: 2 of 4 runs diverged, 0.5 < 0.8: a failure, so exit 1. (A bare
    // "normal" would name normal(0.01) too, as in `exclude`.)
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with(
            "PASS       LeCun converges in every run: measured 1, expected ≥ 1 (8 runs)"
        ),
        "{text}"
    );
    assert!(
        lines[1].starts_with("FAIL       normal(10) diverges in most runs: measured 0.500"),
        "{text}"
    );
    // 8 finite against 8 never-reached runs: exactly 1 split in C(16, 8) = 12870.
    assert!(
        lines[2]
            .starts_with("PASS       LeCun reaches the target before normal(0.01): measured 6,"),
        "{text}"
    );
    assert!(lines[2].contains("p = 7.77e-5"), "{text}");
    assert!(
        lines[3].starts_with("UNDECIDED  two seeds cannot decide"),
        "{text}"
    );
    assert!(
        lines[4].contains("with 2 and 2 runs the smallest one-sided p-value is 0.167"),
        "{text}"
    );
    // Steps 6, 8, 5, 6, 5, 9, 6, 8: the run at 9 is the one that fails.
    assert!(
        lines[5].starts_with(
            "FAIL       every LeCun run reaches the target within 8 steps: measured 9,"
        ),
        "{text}"
    );
    assert!(
        lines[6].starts_with("PASS       the forward signal of one run"),
        "{text}"
    );
    assert_eq!(lines.last(), Some(&"3 PASS, 2 FAIL, 1 UNDECIDED"));
    // check writes nothing.
    assert!(!dir.join("claims.csv").exists());
}

/// Claims travel with a run into `claims.toml` and `claims.csv`; editing them and running
/// again trains nothing and re-checks; a shard's claims about runs it does not hold are
/// undecided, never passed.
#[test]
fn claims_are_checked_by_run_and_editing_them_trains_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let claim = |at_least: f64| {
        format!(
            "{TINY}\n[[claim]]\nname = \"every run ends below its start\"\nkind = \"value\"\n\
             measure = {{ run = \"final_train_loss\" }}\nacross = \"max\"\n\
             expect = {{ at_most = {at_least} }}\n"
        )
    };
    let config = write_config(tmp.path(), "tiny.toml", &claim(10.0));
    let out = tmp.path().join("out");
    let first = run_quiet(tmp.path(), &config, &out, &["--no-plot"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let (header, rows) = read_csv(&out.join("claims.csv"));
    assert_eq!(
        header,
        [
            "claim", "verdict", "measured", "expected", "p_value", "runs", "measure", "best_lrs",
            "reason", "source"
        ]
    );
    assert_eq!(cell(&header, &rows[0], "verdict"), "PASS");
    assert_eq!(cell(&header, &rows[0], "runs"), "8");
    let config_before = std::fs::read(out.join("config.toml")).unwrap();
    let runs_before = std::fs::read(out.join("runs.csv")).unwrap();
    // A stricter bound: the same runs, now a failure; nothing trained again.
    write_config(tmp.path(), "tiny.toml", &claim(1e-6));
    let again = initlab(
        tmp.path(),
        &[
            "run",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-plot",
        ],
    );
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("8 already done, 0 trained now"),
        "{}",
        stderr(&again)
    );
    assert!(
        stderr(&again).contains("claims: 0 PASS, 1 FAIL, 0 UNDECIDED"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        std::fs::read(out.join("config.toml")).unwrap(),
        config_before
    );
    assert_eq!(std::fs::read(out.join("runs.csv")).unwrap(), runs_before);
    let (header, rows) = read_csv(&out.join("claims.csv"));
    assert_eq!(cell(&header, &rows[0], "verdict"), "FAIL");
    let check = initlab(tmp.path(), &["check", out.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(1));
    // Half the grid: the claim speaks about runs this shard does not hold.
    let shard = tmp.path().join("shard");
    write_config(tmp.path(), "tiny.toml", &claim(10.0));
    let part = run_quiet(
        tmp.path(),
        &config,
        &shard,
        &["--no-plot", "--shard", "0/2"],
    );
    assert!(part.status.success(), "{}", stderr(&part));
    let (header, rows) = read_csv(&shard.join("claims.csv"));
    assert_eq!(cell(&header, &rows[0], "verdict"), "UNDECIDED");
    assert_eq!(
        cell(&header, &rows[0], "reason"),
        "4 of the 8 runs it speaks about are not in the results yet"
    );
    let check = initlab(tmp.path(), &["check", shard.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    let strict = initlab(tmp.path(), &["check", shard.to_str().unwrap(), "--strict"]);
    assert_eq!(strict.status.code(), Some(1));
    // Merged with the other half, the claim is decided again.
    let other = tmp.path().join("other");
    let part = run_quiet(
        tmp.path(),
        &config,
        &other,
        &["--no-plot", "--shard", "1/2"],
    );
    assert!(part.status.success(), "{}", stderr(&part));
    let merged = tmp.path().join("merged");
    let merge = initlab(
        tmp.path(),
        &[
            "merge",
            shard.to_str().unwrap(),
            other.to_str().unwrap(),
            "--out",
            merged.to_str().unwrap(),
        ],
    );
    assert!(merge.status.success(), "{}", stderr(&merge));
    let (header, rows) = read_csv(&merged.join("claims.csv"));
    assert_eq!(cell(&header, &rows[0], "verdict"), "PASS");
    assert!(std::fs::read_to_string(merged.join("report.md"))
        .unwrap()
        .contains("## Claims"));
    // The HTML report colours the verdict.
    assert!(std::fs::read_to_string(merged.join("report.html"))
        .unwrap()
        .contains("<td class=pass>PASS</td>"));
}

#[test]
fn bad_claims_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "where = { scheme = \"he_normal\" }\nmeasure = { run = \"converged\" }\nexpect = { at_least = 1 }",
            "claim 1 (`c`): where: unknown key `scheme`",
        ),
        (
            "where = { init = \"he_normal\" }\nmeasure = { run = \"converged\" }\nexpect = { at_least = 1 }",
            "claim 1 (`c`): `where` matches no run of the grid",
        ),
        (
            "measure = { run = \"converged\" }",
            "claim 1 (`c`): kind = \"value\" needs `expect`",
        ),
        (
            "measure = { stat = \"act_var\", form = \"log2_ratio\" }\nexpect = { value = 0, tolerance = 1 }",
            "a ratio needs `layers = [a, b]`",
        ),
        (
            "measure = { run = \"converged\" }\nexpect = { value = 1, at_most = 2 }",
            "expect: a range is { value, tolerance }",
        ),
        (
            "measure = { run = \"converged\", step = 3 }\nexpect = { at_most = 1 }",
            "`step` belongs to a `stat`",
        ),
        (
            "measure = { run = \"final_train_loss\", form = \"rel_error_theory\" }\nexpect = { at_most = 1 }",
            "on a `run` column needs one with a theory column (jac_s2_mean, jac_s2_var, xi_c_measured)",
        ),
        (
            "measure = { run = \"jac_s2_var\", form = \"mean\" }\nexpect = { at_most = 1 }",
            "a `run` column takes form = \"value\" or \"rel_error_theory\" only",
        ),
    ];
    for (body, message) in cases {
        let text = format!("{TINY}\n[[claim]]\nname = \"c\"\nkind = \"value\"\n{body}\n");
        let config = write_config(tmp.path(), "bad.toml", &text);
        let out = tmp.path().join("never");
        let result = run_quiet(tmp.path(), &config, &out, &[]);
        assert!(!result.status.success());
        let err = stderr(&result);
        assert!(
            err.contains("bad.toml") && err.contains(message),
            "{message}: {err}"
        );
        assert!(!out.exists(), "{message}: wrote {}", out.display());
    }
    let less = format!(
        "{TINY}\n[[claim]]\nname = \"c\"\nkind = \"less\"\na = {{ init = \"lecun_normal\" }}\n\
         measure = {{ run = \"steps_to_target\" }}\n"
    );
    let config = write_config(tmp.path(), "bad.toml", &less);
    let err = stderr(&run_quiet(
        tmp.path(),
        &config,
        tmp.path().join("never"),
        &[],
    ));
    assert!(
        err.contains("compares two groups: give both `a` and `b`"),
        "{err}"
    );
}
