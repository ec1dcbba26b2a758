//! `[train] clip_grad_norm` through the real binary: a threshold below every gradient's norm
//! clips every update (and changes training), one above them clips none (and trains exactly
//! as without it), runs without the key keep their ids and leave the column empty, and a bad
//! threshold is refused by key.

mod common;

use common::{cell, read_csv, run_quiet, stderr, train_no_plot, write_config, TINY};

fn with_clip(clip: Option<&str>) -> String {
    let tiny = TINY.replace("seeds = [0, 1]", "seeds = [0]");
    match clip {
        Some(c) => tiny.replace("smooth = 5", &format!("smooth = 5\nclip_grad_norm = {c}")),
        None => tiny,
    }
}

/// `runs.csv` and `curves.csv` of a grid, each row without its run id, clipped steps and
/// wall-clock time.
fn tables(text: &str) -> (Vec<Vec<String>>, Vec<String>, Vec<Vec<String>>) {
    let dir = tempfile::tempdir().unwrap();
    let out = train_no_plot(dir.path(), "clip.toml", text);
    let (rh, runs) = read_csv(&out.join("runs.csv"));
    let clipped = runs
        .iter()
        .map(|r| cell(&rh, r, "clipped_steps").to_string())
        .collect();
    let keep = |h: &[String], rows: &[Vec<String>]| -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| {
                h.iter()
                    .zip(r)
                    .filter(|(h, _)| {
                        !["run_id", "clipped_steps", "wall_seconds"].contains(&h.as_str())
                    })
                    .map(|(_, v)| v.clone())
                    .collect()
            })
            .collect()
    };
    let (ch, curves) = read_csv(&out.join("curves.csv"));
    (keep(&rh, &runs), clipped, keep(&ch, &curves))
}

#[test]
fn clipping_scales_only_the_updates_above_the_threshold() {
    let (plain_runs, plain_clipped, plain_curves) = tables(&with_clip(None));
    assert!(plain_clipped.iter().all(String::is_empty));
    // A threshold far above every gradient's norm: nothing clipped, the same training.
    let (runs, clipped, curves) = tables(&with_clip(Some("1e9")));
    assert!(clipped.iter().all(|c| c == "0"), "{clipped:?}");
    assert_eq!((runs, curves), (plain_runs.clone(), plain_curves.clone()));
    // A threshold below every gradient's norm: all 30 updates clipped, other losses.
    let (_, clipped, curves) = tables(&with_clip(Some("1e-4")));
    assert!(clipped.iter().all(|c| c == "30"), "{clipped:?}");
    assert_ne!(curves, plain_curves);
}

#[test]
fn a_bad_threshold_is_refused_by_key() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["0", "-1", "nan"] {
        let path = write_config(dir.path(), "bad.toml", &with_clip(Some(bad)));
        let output = run_quiet(dir.path(), &path, dir.path().join("out"), &["--dry-run"]);
        let err = stderr(&output);
        assert!(
            !output.status.success()
                && err.contains("bad.toml")
                && err.contains("train.clip_grad_norm"),
            "{bad}: {err}"
        );
    }
}
