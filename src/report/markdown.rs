//! `report.md`: tables in GitHub-flavoured Markdown, charts linked as PNG.

use std::fmt::Write;
use std::path::Path;

use anyhow::Result;

use super::{fmt_opt as opt, fmt_steps, Report, Reporter};
use crate::store::files::REPORT_MD;

pub struct Markdown;

impl Reporter for Markdown {
    fn file_name(&self) -> &'static str {
        REPORT_MD
    }

    fn render(&self, r: &Report, dir: &Path) -> Result<String> {
        let mut out = String::new();
        writeln!(out, "# initlab report: {}\n", r.name)?;
        if !r.description.is_empty() {
            writeln!(out, "{}\n", r.description)?;
        }
        if let Some(coverage) = &r.coverage {
            writeln!(out, "> **{coverage}**\n")?;
        }
        writeln!(out, "Target: `{}`. Steps to target are medians over seeds; a run that never reached the target counts as infinitely slow (∞). IQR: 25th–75th percentile.\n", r.target)?;
        writeln!(out, "## Ranking of schemes\n")?;
        for s in &r.sections {
            writeln!(out, "### {}\n", s.caption)?;
            writeln!(out, "| rank | scheme | median steps | IQR | converged | diverged | median final test acc | median AUC (train loss) |")?;
            writeln!(out, "|---:|---|---:|---|---:|---:|---:|---:|")?;
            for (i, row) in s.ranking.iter().enumerate() {
                writeln!(
                    out,
                    "| {} | {} | {} | {}–{} | {}/{} | {}/{} | {} | {} |",
                    i + 1,
                    row.scheme,
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
            writeln!(out)?;
            if let Some(sentence) = s.significance() {
                writeln!(out, "{sentence}\n")?;
            }
        }
        if let Some(p) = r.min_possible_p() {
            writeln!(out, "> With this many seeds per scheme the smallest possible p-value is {p:.3}: no difference can be significant at 5%. Use at least 4 seeds per scheme.\n")?;
        }
        writeln!(out, "## Signal propagation at initialization\n")?;
        writeln!(out, "Ratios of the last to the first hidden layer (median over seeds): `act` = Var(h^L)/Var(h^1), below 1 a vanishing forward signal, above 1 an exploding one; `grad` = Var(δ^L)/Var(δ^1), above 1 a gradient that shrinks towards the input.\n")?;
        writeln!(out, "| group | scheme | act | grad |")?;
        writeln!(out, "|---|---|---:|---:|")?;
        for s in &r.sections {
            for p in &s.propagation {
                writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    s.caption, p.scheme, p.act_ratio, p.grad_ratio
                )?;
            }
        }
        writeln!(out, "\n## Charts\n")?;
        for chart in r
            .charts
            .iter()
            .filter(|c| c.extension().is_some_and(|e| e == "png"))
        {
            let rel = chart.strip_prefix(dir).unwrap_or(chart);
            let name = chart
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("chart");
            writeln!(out, "![{name}]({})\n", rel.display())?;
        }
        writeln!(out, "## Resolved config\n\n```toml\n{}```", r.config_text)?;
        Ok(out)
    }
}
