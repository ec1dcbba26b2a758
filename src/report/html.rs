//! `report.html`: one self-contained page (inline CSS, charts inlined as SVG, no external
//! assets), so it can be mailed or archived as a single file. A sweep whose charts would make
//! the page larger than [`INLINE_BUDGET`] links them from `plots/` instead, so the page stays
//! small enough for a browser.

use std::fmt::Write;
use std::path::Path;

use anyhow::{Context, Result};

use super::{fmt_opt as opt, fmt_steps, Report, Reporter};
use crate::store::files::REPORT_HTML;

pub struct Html;

/// The most SVG inlined into one page; above it charts are linked as PNG.
pub const INLINE_BUDGET: u64 = 16 << 20;

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str =
    "body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px}\
td.n{text-align:right}th{background:#f0f0f0}figure{margin:2em 0}svg,img{max-width:100%;height:auto}\
pre{background:#f6f6f6;padding:1em;overflow-x:auto}\
.partial{background:#fff4e5;border-left:4px solid #e69500;padding:0.5em 1em}";

impl Reporter for Html {
    fn file_name(&self) -> &'static str {
        REPORT_HTML
    }

    fn render(&self, r: &Report, dir: &Path) -> Result<String> {
        let mut out = String::new();
        writeln!(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>initlab report: {}</title><style>{STYLE}</style></head><body>", escape(&r.name))?;
        writeln!(out, "<h1>initlab report: {}</h1>", escape(&r.name))?;
        if !r.description.is_empty() {
            writeln!(out, "<p>{}</p>", escape(&r.description))?;
        }
        if let Some(coverage) = &r.coverage {
            writeln!(
                out,
                "<p class=partial><strong>{}</strong></p>",
                escape(coverage)
            )?;
        }
        writeln!(out, "<p>Target: <code>{}</code>. Steps to target are medians over seeds; a run that never reached the target counts as infinitely slow (∞). IQR: 25th–75th percentile.</p>", escape(&r.target))?;
        writeln!(out, "<h2>Ranking of schemes</h2>")?;
        for s in &r.sections {
            writeln!(out, "<h3>{}</h3>\n<table><tr><th>rank</th><th>scheme</th><th>median steps</th><th>IQR</th><th>converged</th><th>diverged</th><th>median final test acc</th><th>median AUC (train loss)</th></tr>", escape(&s.caption))?;
            for (i, row) in s.ranking.iter().enumerate() {
                writeln!(
                    out,
                    "<tr><td class=n>{}</td><td>{}</td><td class=n>{}</td><td>{}–{}</td><td class=n>{}/{}</td><td class=n>{}/{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
                    i + 1,
                    escape(&row.scheme),
                    fmt_steps(row.median_steps),
                    fmt_steps(row.q25),
                    fmt_steps(row.q75),
                    row.converged,
                    row.runs,
                    row.diverged,
                    row.runs,
                    opt(row.median_test_acc, 3),
                    opt(row.median_auc, 4)
                )?;
            }
            writeln!(out, "</table>")?;
            if let Some(sentence) = s.significance() {
                writeln!(out, "<p>{}</p>", escape(&sentence))?;
            }
        }
        if let Some(p) = r.min_possible_p() {
            writeln!(out, "<p><strong>With this many seeds per scheme the smallest possible p-value is {p:.3}: no difference can be significant at 5%. Use at least 4 seeds per scheme.</strong></p>")?;
        }
        writeln!(out, "<h2>Signal propagation at initialization</h2>\n<p>Ratios of the last to the first hidden layer (median over seeds): act = Var(h<sup>L</sup>)/Var(h<sup>1</sup>), below 1 a vanishing forward signal, above 1 an exploding one; grad = Var(δ<sup>L</sup>)/Var(δ<sup>1</sup>), above 1 a gradient that shrinks towards the input.</p>")?;
        writeln!(
            out,
            "<table><tr><th>group</th><th>scheme</th><th>act</th><th>grad</th></tr>"
        )?;
        for s in &r.sections {
            for p in &s.propagation {
                writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
                    escape(&s.caption),
                    escape(&p.scheme),
                    p.act_ratio,
                    p.grad_ratio
                )?;
            }
        }
        writeln!(out, "</table>\n<h2>Charts</h2>")?;
        let svgs: Vec<&std::path::PathBuf> = r
            .charts
            .iter()
            .filter(|c| c.extension().is_some_and(|e| e == "svg"))
            .collect();
        let inline_bytes: u64 = svgs
            .iter()
            .map(|c| std::fs::metadata(c).map_or(0, |m| m.len()))
            .sum();
        let inline = inline_bytes <= INLINE_BUDGET;
        if !inline {
            writeln!(
                out,
                "<p>The {} charts ({:.0} MB of SVG) are too many to inline; they are linked \
                 from <code>plots/</code> beside this report.</p>",
                svgs.len(),
                inline_bytes as f64 / f64::from(1 << 20)
            )?;
        }
        for chart in svgs {
            let name = chart
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("chart");
            if !inline {
                let png = chart.with_extension("png");
                let rel = png.strip_prefix(dir).unwrap_or(&png);
                writeln!(
                    out,
                    "<figure id=\"{0}\"><a href=\"{1}\"><img src=\"{1}\" alt=\"{0}\" loading=\"lazy\"></a><figcaption>{0}</figcaption></figure>",
                    escape(name),
                    escape(&rel.display().to_string())
                )?;
                continue;
            }
            let svg = std::fs::read_to_string(chart)
                .with_context(|| format!("cannot read {}", chart.display()))?;
            let svg = svg.trim_start_matches(|c| c != '<');
            let svg = if svg.starts_with("<?xml") {
                svg.split_once("?>").map_or(svg, |(_, rest)| rest)
            } else {
                svg
            };
            writeln!(
                out,
                "<figure id=\"{}\">{}<figcaption>{}</figcaption></figure>",
                escape(name),
                svg.trim(),
                escape(name)
            )?;
        }
        writeln!(
            out,
            "<h2>Resolved config</h2>\n<pre>{}</pre>\n</body></html>",
            escape(&r.config_text)
        )?;
        Ok(out)
    }
}
