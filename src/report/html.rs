//! `report.html`: the document as one self-contained page (inline CSS, charts inlined as SVG,
//! no external assets), so it can be mailed or archived as a single file. Charts span the
//! window's width (wider than the text) so that multi-panel figures keep readable text, and
//! each links to its SVG file, which the browser zooms without loss. A sweep whose charts would
//! make the page larger than [`INLINE_BUDGET`] links them from `plots/` instead (PNG), so the
//! page stays small.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::document::{Align, Block, Span};
use super::{ChartRef, Report, Reporter};
use crate::store::files::REPORT_HTML;

pub struct Html;

/// The most SVG inlined into one page; above it charts are linked as PNG.
pub const INLINE_BUDGET: u64 = 4 << 20;

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
td.n{text-align:right}th{background:#f0f0f0}\
figure{margin:2em 0;width:min(calc(100vw - 2em),1800px);position:relative;left:50%;transform:translateX(-50%)}\
figure svg,figure img{width:100%;height:auto;display:block}figcaption{max-width:1200px;margin:0.5em auto;color:#444}\
pre{background:#f6f6f6;padding:1em;overflow-x:auto}\
.partial{background:#fff4e5;border-left:4px solid #e69500;padding:0.5em 1em}\
td.pass,td.fail,td.undecided{font-weight:bold}td.pass{color:#1a7f37;background:#e6f4ea}\
td.fail{color:#b42318;background:#fdecea}td.undecided{color:#8a5a00;background:#fff4e5}";

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

/// Whether the charts' SVG fits in [`INLINE_BUDGET`].
fn fits_inline(charts: &[ChartRef]) -> bool {
    let bytes: u64 = charts
        .iter()
        .filter_map(|c| c.svg.as_ref())
        .map(|svg| std::fs::metadata(svg).map_or(0, |m| m.len()))
        .sum();
    bytes <= INLINE_BUDGET
}

/// The charts, SVG inlined (or linked as PNG when `inline` is false), each captioned with its
/// name and, the first time its kind appears, how to read it.
fn charts(out: &mut String, charts: &[ChartRef], dir: &Path, inline: bool) -> Result<()> {
    let mut read: Vec<&str> = Vec::new();
    for chart in charts {
        let rel = |p: &PathBuf| escape(&p.strip_prefix(dir).unwrap_or(p).display().to_string());
        let name = escape(&chart.name);
        let mut caption = format!("<code>{name}</code>");
        if !read.contains(&chart.reading) {
            read.push(chart.reading);
            let _ = write!(caption, ": {}", escape(chart.reading));
        }
        let picture = match (&chart.svg, &chart.png) {
            (Some(svg), _) if inline => {
                let text = std::fs::read_to_string(svg)
                    .with_context(|| format!("cannot read {}", svg.display()))?;
                let text = text.trim_start_matches(|c| c != '<');
                let text = if text.starts_with("<?xml") {
                    text.split_once("?>").map_or(text, |(_, rest)| rest)
                } else {
                    text
                };
                let _ = write!(caption, " (<a href=\"{}\">open the SVG</a>)", rel(svg));
                text.trim().to_string()
            }
            (_, Some(png)) => format!(
                "<a href=\"{0}\"><img src=\"{0}\" alt=\"{name}\" loading=\"lazy\"></a>",
                rel(png)
            ),
            _ => continue,
        };
        writeln!(
            out,
            "<figure id=\"{name}\">{picture}<figcaption>{caption}</figcaption></figure>"
        )?;
    }
    Ok(())
}

fn block(out: &mut String, b: &Block, dir: &Path, inline: bool) -> Result<()> {
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
                        Align::Verdict => {
                            let class = match cell.as_str() {
                                "PASS" => "pass",
                                "FAIL" => "fail",
                                _ => "undecided",
                            };
                            write!(out, "<td class={class}>{}</td>", escape(cell))?
                        }
                    }
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</table>\n");
        }
        Block::Charts(list) => charts(out, list, dir, inline)?,
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
        let inline = fits_inline(&r.charts);
        if !inline {
            writeln!(
                out,
                "<p class=partial>The {} charts are too large to inline; they are linked from \
                 <code>plots/</code> beside this report.</p>",
                r.charts.len()
            )?;
        }
        for b in &doc.blocks {
            block(&mut out, b, dir, inline)?;
        }
        writeln!(out, "</body></html>")?;
        Ok(out)
    }
}
