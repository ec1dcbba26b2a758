//! `report.md`: the document in GitHub-flavoured Markdown, charts linked as PNG.

use std::fmt::Write;
use std::path::Path;

use anyhow::Result;

use super::document::{Align, Block, Span};
use super::{Report, Reporter};
use crate::store::files::REPORT_MD;

pub struct Markdown;

fn spans(out: &mut String, spans: &[Span]) {
    for s in spans {
        match s {
            Span::Text(t) => out.push_str(t),
            Span::Code(t) => {
                let _ = write!(out, "`{t}`");
            }
            Span::Strong(t) => {
                let _ = write!(out, "**{t}**");
            }
            Span::Sup(t) => {
                let _ = write!(out, "^{t}");
            }
        }
    }
}

/// One block, each line ending in a newline (empty when there is nothing to show).
fn block(b: &Block, dir: &Path) -> Result<String> {
    let mut out = String::new();
    match b {
        Block::Heading(level, title) => {
            writeln!(out, "{} {title}", "#".repeat(usize::from(*level)))?;
        }
        Block::Paragraph(s) => {
            spans(&mut out, s);
            out.push('\n');
        }
        Block::Note(s) => {
            out.push_str("> ");
            spans(&mut out, s);
            out.push('\n');
        }
        Block::Table {
            header,
            align,
            rows,
        } => {
            writeln!(out, "| {} |", header.join(" | "))?;
            let rules: Vec<&str> = align
                .iter()
                .map(|a| match a {
                    Align::Left | Align::Verdict => "---",
                    Align::Right => "---:",
                })
                .collect();
            writeln!(out, "|{}|", rules.join("|"))?;
            for row in rows {
                writeln!(out, "| {} |", row.join(" | "))?;
            }
        }
        Block::Charts(charts) => {
            // Each chart with its name and, the first time its kind appears, how to read it.
            let mut read: Vec<&str> = Vec::new();
            for chart in charts {
                let Some(png) = &chart.png else { continue };
                let rel = png.strip_prefix(dir).unwrap_or(png);
                writeln!(out, "![{0}]({1})\n", chart.name, rel.display())?;
                if read.contains(&chart.reading) {
                    writeln!(out, "`{}`\n", chart.name)?;
                } else {
                    read.push(chart.reading);
                    writeln!(out, "`{}`: {}\n", chart.name, chart.reading)?;
                }
            }
        }
        Block::Code { language, text } => writeln!(out, "```{language}\n{text}```")?,
    }
    Ok(out)
}

impl Reporter for Markdown {
    fn file_name(&self) -> &'static str {
        REPORT_MD
    }

    /// Blocks separated by one blank line.
    fn render(&self, r: &Report, dir: &Path) -> Result<String> {
        let doc = r.document();
        let mut parts = Vec::new();
        for b in &doc.blocks {
            let text = block(b, dir)?;
            if !text.is_empty() {
                parts.push(text);
            }
        }
        Ok(parts.join("\n"))
    }
}
