//! The ranking against a fixture with known numbers.

use super::*;

fn run(scheme: &str, seed: u64, steps: Option<usize>, status: RunStatus, auc: f64) -> RunRow {
    RunRow {
        run_id: format!("{scheme}-{seed}"),
        init: scheme.into(),
        activation: "tanh".into(),
        depth: 3,
        width: crate::config::Width::Uniform(8),
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
    let report = |files: Vec<PathBuf>| Report {
        name: "big".into(),
        description: String::new(),
        config_text: String::new(),
        target: String::new(),
        coverage: None,
        sections: Vec::new(),
        effects: Vec::new(),
        charts: chart_refs(&files),
        claims: Vec::new(),
        coordinates: Vec::new(),
    };
    let small = plots.join("loss.svg");
    std::fs::write(&small, "<svg><text>loss</text></svg>").unwrap();
    let page = Html
        .render(
            &report(vec![small.clone(), small.with_extension("png")]),
            dir.path(),
        )
        .unwrap();
    assert!(page.contains("<svg><text>loss</text></svg>"));
    assert!(page.contains("<a href=\"plots/loss.svg\">open the SVG</a>"));

    // Past the budget every chart is linked as PNG, relative to the report, and charts come
    // in reading order (initialization before training) whatever order the files had.
    let big = plots.join("act_var_init.svg");
    let filler = "x".repeat(html::INLINE_BUDGET as usize);
    std::fs::write(&big, format!("<svg>{filler}</svg>")).unwrap();
    let files = vec![
        small.clone(),
        small.with_extension("png"),
        big.clone(),
        big.with_extension("png"),
    ];
    let page = Html.render(&report(files), dir.path()).unwrap();
    assert!(page.len() < 1 << 20, "{} bytes", page.len());
    let first = page
        .find("<img src=\"plots/act_var_init.png\"")
        .expect(&page);
    let second = page.find("<img src=\"plots/loss.png\"").unwrap();
    assert!(first < second);
    assert!(page.contains("too large to inline"));
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
            depth_sites: "hidden-layer",
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
                act_theory: None,
                grad_theory: Some(Ratio::Value(2.5)),
            }],
            comparisons: Vec::new(),
        }],
        effects: Vec::new(),
        charts: Vec::new(),
        claims: Vec::new(),
        coordinates: Vec::new(),
    };
    let md = Markdown.render(&report, dir.path()).unwrap();
    let html = Html.render(&report, dir.path()).unwrap();
    assert!(md.starts_with("# initlab report: doc\n\na <test>\n\n> **3 of 4 runs**\n\n"));
    assert!(md.contains("Target: `loss <= 0.5`."));
    assert!(md.contains("| 1 | he_normal | 12 | 10–∞ | 1/2 | 0/2 | 0.912 | — |\n"));
    assert!(md.contains("|---:|---|---:|---|---:|---:|---:|---:|\n"));
    assert!(md.contains("`act` = Var(h^L)/Var(h^1)"));
    assert!(md.contains("| tanh, depth 3 | he_normal | 0 (zero variance) | — | 2 | 2.5 |\n"));
    assert!(md.contains(
        "**tanh, depth 3.** Fastest: **he_normal** (median 12 steps; 1 of 2 runs reached the \
         target)."
    ));
    assert!(md.contains("At initialization the activations had zero variance under he_normal."));
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

fn row(scheme: &str, steps: &[f64], converged: usize, diverged: usize) -> RankRow {
    let median = quantile(steps, 0.5).unwrap();
    RankRow {
        scheme: scheme.into(),
        runs: steps.len(),
        converged,
        diverged,
        median_steps: median,
        q25: quantile(steps, 0.25).unwrap(),
        q75: quantile(steps, 0.75).unwrap(),
        median_test_acc: None,
        median_auc: None,
        steps: steps.to_vec(),
    }
}

#[test]
fn the_summary_names_the_fastest_the_failed_and_the_vanishing_and_ranks_only_finishers() {
    let inf = f64::INFINITY;
    let props = |scheme: &str, act: f64, theory: f64| Propagation {
        scheme: scheme.into(),
        act_ratio: Ratio::Value(act),
        grad_ratio: Ratio::Value(1.0),
        act_theory: Some(Ratio::Value(theory)),
        grad_theory: None,
    };
    let section = Section {
        depth_sites: "hidden-layer",
        caption: "relu, depth 10".into(),
        ranking: vec![
            row("fast", &[10.0, 11.0, 12.0, 13.0], 4, 0),
            row("slow", &[20.0, 21.0, 22.0, 23.0], 4, 0),
            row("stuck", &[inf, inf, inf, 30.0], 1, 0),
            row("blown", &[inf, inf, inf, inf], 0, 3),
        ],
        propagation: vec![
            props("fast", 0.9, 1.0),
            props("stuck", 4.4e-5, 4.1e-5),
            props("blown", 250.0, 300.0),
        ],
        comparisons: vec![Comparison {
            best: "fast".into(),
            other: "slow".into(),
            p_value: crate::stats::mann_whitney(
                &[10.0, 11.0, 12.0, 13.0],
                &[20.0, 21.0, 22.0, 23.0],
            )
            .1,
        }],
    };
    let report = Report {
        name: "s".into(),
        description: String::new(),
        config_text: String::new(),
        target: "loss <= 0.5".into(),
        coverage: None,
        sections: vec![section],
        effects: Vec::new(),
        charts: Vec::new(),
        claims: Vec::new(),
        coordinates: Vec::new(),
    };
    let dir = tempfile::tempdir().unwrap();
    let md = Markdown.render(&report, dir.path()).unwrap();
    // 4 against 4 completely separated: exact p = 2 / C(8, 4) = 2/70.
    assert!(
        md.contains(
            "**relu, depth 10.** Fastest: **fast** (median 11.5 steps; 4 of 4 runs reached the \
             target), ahead of slow (21.5 steps; p = 0.0286 (significant)). Did not reach the \
             target: stuck (1 of 4 runs reached it). Diverged: blown (3 of 4 runs). At \
             initialization the forward signal vanished (last/first hidden-layer variance below \
             0.01) under stuck (measured 4.4·10⁻⁵, theory 4.1·10⁻⁵); it exploded (above 100) \
             under blown (measured 250, theory 300)."
        ),
        "{md}"
    );
    // Only the schemes that reached the target are ranked.
    assert!(md.contains("| 2 | slow | 21.5 |"));
    assert!(md.contains("| — | stuck | not reached |"));
    assert!(md.contains("| — | blown | not reached |"));
    assert!(!md.contains("smallest possible p-value"));
}
