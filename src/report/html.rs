//! `report.html`: the document as one self-contained page (inline CSS, charts inlined as SVG, no external
//! assets), so it can be mailed or archived as a single file. A sweep whose charts would make
//! the page larger than [`INLINE_BUDGET`] links them from `plots/` instead, so the page stays
//! small enough for a browser.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::document::{Align, Block, Span};
use super::{Report, Reporter};
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

fn spans(out: &mut String, spans: &[Span]) {
    for s in spans {
        match s {
            Span::Text(t) => out.push_str(&escape(t)),
            Span::Code(t) => {
                let _ = write!(out, "<code>{}</code>", escape(t));
            }
            Span::Strong(t) => {
                let _ = write!(out, "<strong>{}</strong>", escape(t));
            }
            Span::Sup(t) => {
                let _ = write!(out, "<sup>{}</sup>", escape(t));
            }
        }
    }
}

/// The charts: SVG inlined, or every chart linked as PNG when the SVG would make the page
/// larger than [`INLINE_BUDGET`].
fn charts(out: &mut String, charts: &[PathBuf], dir: &Path) -> Result<()> {
    let svgs: Vec<&PathBuf> = charts
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
    Ok(())
}

fn block(out: &mut String, b: &Block, dir: &Path) -> Result<()> {
    match b {
        Block::Heading(level, title) => writeln!(out, "<h{level}>{}</h{level}>", escape(title))?,
        Block::Paragraph(s) => {
            out.push_str("<p>");
            spans(out, s);
            out.push_str("</p>\n");
        }
        Block::Note(s) => {
            out.push_str("<p class=partial>");
            spans(out, s);
            out.push_str("</p>\n");
        }
        Block::Table {
            header,
            align,
            rows,
        } => {
            out.push_str("<table><tr>");
            for h in header {
                write!(out, "<th>{}</th>", escape(h))?;
            }
            out.push_str("</tr>\n");
            for row in rows {
                out.push_str("<tr>");
                for (cell, a) in row.iter().zip(align) {
                    match a {
                        Align::Left => write!(out, "<td>{}</td>", escape(cell))?,
                        Align::Right => write!(out, "<td class=n>{}</td>", escape(cell))?,
                    }
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</table>\n");
        }
        Block::Charts(list) => charts(out, list, dir)?,
        Block::Code { text, .. } => writeln!(out, "<pre>{}</pre>", escape(text))?,
    }
    Ok(())
}

impl Reporter for Html {
    fn file_name(&self) -> &'static str {
        REPORT_HTML
    }

    fn render(&self, r: &Report, dir: &Path) -> Result<String> {
        let doc = r.document();
        let mut out = String::new();
        writeln!(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>", escape(&doc.title))?;
        for b in &doc.blocks {
            block(&mut out, b, dir)?;
        }
        writeln!(out, "</body></html>")?;
        Ok(out)
    }
}
