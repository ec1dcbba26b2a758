//! The ranking against a fixture with known numbers.

use super::*;

fn run(scheme: &str, seed: u64, steps: Option<usize>, status: RunStatus, auc: f64) -> RunRow {
    RunRow {
        run_id: format!("{scheme}-{seed}"),
        init: scheme.into(),
        activation: "tanh".into(),
        depth: 3,
        width: 8,
        seed,
        status,
        steps_to_target: steps,
        auc_train_loss: Some(auc),
        final_test_acc: steps.map(|_| 0.9),
        ..RunRow::default()
    }
}

#[test]
fn ranking_orders_by_median_steps_with_iqr_and_counts() {
    use RunStatus::*;
    let rows = vec![
        // slow: 100, 120, 140, 160 → median 130, IQR 115–145
        run("slow", 0, Some(100), Converged, 1.0),
        run("slow", 1, Some(160), Converged, 1.0),
        run("slow", 2, Some(120), Converged, 1.0),
        run("slow", 3, Some(140), Converged, 1.0),
        // fast: 10, 20, 30, never → median 25, IQR 17.5–52.5 (∞ sorts last: q75 = 30 + .25·∞ = ∞)
        run("fast", 0, Some(10), Converged, 0.5),
        run("fast", 1, Some(20), Converged, 0.5),
        run("fast", 2, Some(30), Converged, 0.5),
        run("fast", 3, None, Diverged, 0.5),
        // never: ∞ everywhere
        run("never", 0, None, NotConverged, 2.0),
        run("never", 1, None, NotConverged, 2.0),
        run("never", 2, None, Diverged, 2.0),
        run("never", 3, None, NotConverged, 2.0),
    ];
    let refs: Vec<&RunRow> = rows.iter().collect();
    let schemes: Vec<String> = ["slow", "never", "fast"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let ranked = ranking(&refs, &schemes);
    let order: Vec<&str> = ranked.iter().map(|r| r.scheme.as_str()).collect();
    assert_eq!(order, ["fast", "slow", "never"]);
    assert_eq!((ranked[0].median_steps, ranked[0].q25), (25.0, 17.5));
    assert!(ranked[0].q75.is_infinite());
    assert_eq!(
        (ranked[0].converged, ranked[0].diverged, ranked[0].runs),
        (3, 1, 4)
    );
    assert_eq!(
        (ranked[1].median_steps, ranked[1].q25, ranked[1].q75),
        (130.0, 115.0, 145.0)
    );
    assert!(ranked[2].median_steps.is_infinite());
    assert_eq!(ranked[2].diverged, 1);
    assert_eq!(ranked[0].median_test_acc, Some(0.9));
    assert_eq!(fmt_steps(17.5), "17.5");
    assert_eq!(fmt_steps(f64::INFINITY), "∞");
}

#[test]
fn the_html_escapes_text() {
    assert_eq!(
        html::escape("a<b & \"c\">"),
        "a&lt;b &amp; &quot;c&quot;&gt;"
    );
}

#[test]
fn zero_variance_is_a_finding_and_non_finite_is_named() {
    use super::Ratio;
    assert_eq!(
        Ratio::median(&[(0.0, 0.0), (0.0, 0.0), (1.0, 2.0)]),
        Some(Ratio::ZeroVariance)
    );
    assert_eq!(Ratio::ZeroVariance.to_string(), "0 (zero variance)");
    assert_eq!(
        Ratio::median(&[(1.0, 2.0), (2.0, 2.0), (0.0, 0.0)]),
        Some(Ratio::Value(1.5))
    );
    assert_eq!(
        Ratio::Value(f64::NAN).to_string(),
        "NaN (non-finite values)"
    );
    assert_eq!(Ratio::median(&[]), None);
}

#[test]
fn charts_too_large_to_inline_are_linked() {
    let dir = tempfile::tempdir().unwrap();
    let plots = dir.path().join("plots");
    std::fs::create_dir(&plots).unwrap();
    let report = |charts: Vec<PathBuf>| Report {
        name: "big".into(),
        description: String::new(),
        config_text: String::new(),
        target: String::new(),
        coverage: None,
        sections: Vec::new(),
        charts,
    };
    let small = plots.join("loss.svg");
    std::fs::write(&small, "<svg><text>loss</text></svg>").unwrap();
    let page = Html
        .render(&report(vec![small.clone()]), dir.path())
        .unwrap();
    assert!(page.contains("<svg><text>loss</text></svg>"));

    // Past the budget every chart is linked as PNG, relative to the report.
    let big = plots.join("act_var_init.svg");
    let filler = "x".repeat(html::INLINE_BUDGET as usize);
    std::fs::write(&big, format!("<svg>{filler}</svg>")).unwrap();
    let page = Html.render(&report(vec![big, small]), dir.path()).unwrap();
    assert!(page.len() < 1 << 20, "{} bytes", page.len());
    assert!(
        page.contains("<img src=\"plots/act_var_init.png\""),
        "{page}"
    );
    assert!(page.contains("<img src=\"plots/loss.png\""));
    assert!(page.contains("too many to inline"));
}

#[test]
fn both_formats_render_the_one_document() {
    let dir = tempfile::tempdir().unwrap();
    let report = Report {
        name: "doc".into(),
        description: "a <test>".into(),
        config_text: "x = 1\n".into(),
        target: "loss <= 0.5".into(),
        coverage: Some("3 of 4 runs".into()),
        sections: vec![Section {
            caption: "tanh, depth 3".into(),
            ranking: vec![RankRow {
                scheme: "he_normal".into(),
                runs: 2,
                converged: 1,
                diverged: 0,
                median_steps: 12.0,
                q25: 10.0,
                q75: f64::INFINITY,
                median_test_acc: Some(0.91234),
                median_auc: None,
                steps: vec![10.0, f64::INFINITY],
            }],
            propagation: vec![Propagation {
                scheme: "he_normal".into(),
                act_ratio: Ratio::ZeroVariance,
                grad_ratio: Ratio::Value(2.0),
            }],
            comparisons: Vec::new(),
        }],
        charts: Vec::new(),
    };
    let md = Markdown.render(&report, dir.path()).unwrap();
    let html = Html.render(&report, dir.path()).unwrap();
    assert!(md.starts_with("# initlab report: doc\n\na <test>\n\n> **3 of 4 runs**\n\n"));
    assert!(md.contains("Target: `loss <= 0.5`."));
    assert!(md.contains("| 1 | he_normal | 12 | 10–∞ | 1/2 | 0/2 | 0.912 | — |\n"));
    assert!(md.contains("|---:|---|---:|---|---:|---:|---:|---:|\n"));
    assert!(md.contains("`act` = Var(h^L)/Var(h^1)"));
    assert!(md.contains("| tanh, depth 3 | he_normal | 0 (zero variance) | 2.000e0 |\n"));
    assert!(md.ends_with("## Resolved config\n\n```toml\nx = 1\n```\n"));
    assert!(html.contains("<title>initlab report: doc</title>"));
    assert!(html.contains("<p>a &lt;test&gt;</p>"));
    assert!(html.contains("<p class=partial><strong>3 of 4 runs</strong></p>"));
    assert!(html.contains("Target: <code>loss &lt;= 0.5</code>."));
    assert!(
        html.contains("<tr><td class=n>1</td><td>he_normal</td><td class=n>12</td><td>10–∞</td>")
    );
    assert!(html.contains("<code>act</code> = Var(h<sup>L</sup>)/Var(h<sup>1</sup>)"));
    assert!(html.ends_with("<pre>x = 1\n</pre>\n</body></html>\n"));
}
