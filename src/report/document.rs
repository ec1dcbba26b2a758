//! The report's text, written once: [`Report::document`] turns the numbers into a small
//! document model ([`Block`]s of [`Span`]s), and each format renders that model
//! (`markdown.rs`, `html.rs`). A sentence, a table or a warning exists here only.

use std::path::PathBuf;

use super::{fmt_opt as opt, fmt_steps, Report};

/// Inline text.
#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    Text(String),
    /// A name as it is typed (`code`).
    Code(String),
    Strong(String),
    /// A superscript (an exponent or a layer index: `h^L`).
    Sup(String),
}

/// A column's alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A block of the document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading of level 1–3.
    Heading(u8, String),
    Paragraph(Vec<Span>),
    /// Something the reader must not miss (a partial grid, too few seeds).
    Note(Vec<Span>),
    Table {
        header: Vec<&'static str>,
        align: Vec<Align>,
        rows: Vec<Vec<String>>,
    },
    /// The chart files (PNG and SVG) under `plots/`.
    Charts(Vec<PathBuf>),
    /// Verbatim text in a language (`toml`).
    Code {
        language: &'static str,
        text: String,
    },
}

/// A whole document: its title and blocks.
pub struct Document {
    pub title: String,
    pub blocks: Vec<Block>,
}

fn text(s: impl Into<String>) -> Span {
    Span::Text(s.into())
}

impl Report {
    /// The report as a document.
    pub fn document(&self) -> Document {
        let title = format!("initlab report: {}", self.name);
        let mut blocks = vec![Block::Heading(1, title.clone())];
        if !self.description.is_empty() {
            blocks.push(Block::Paragraph(vec![text(&self.description)]));
        }
        if let Some(coverage) = &self.coverage {
            blocks.push(Block::Note(vec![Span::Strong(coverage.clone())]));
        }
        blocks.push(Block::Paragraph(vec![
            text("Target: "),
            Span::Code(self.target.clone()),
            text(
                ". Steps to target are medians over seeds; a run that never reached the target \
                 counts as infinitely slow (∞). IQR: 25th–75th percentile.",
            ),
        ]));
        blocks.push(Block::Heading(2, "Ranking of schemes".into()));
        for s in &self.sections {
            blocks.push(Block::Heading(3, s.caption.clone()));
            blocks.push(Block::Table {
                header: vec![
                    "rank",
                    "scheme",
                    "median steps",
                    "IQR",
                    "converged",
                    "diverged",
                    "median final test acc",
                    "median AUC (train loss)",
                ],
                align: [
                    Align::Right,
                    Align::Left,
                    Align::Right,
                    Align::Left,
                    Align::Right,
                    Align::Right,
                    Align::Right,
                    Align::Right,
                ]
                .to_vec(),
                rows: s
                    .ranking
                    .iter()
                    .enumerate()
                    .map(|(i, row)| {
                        vec![
                            (i + 1).to_string(),
                            row.scheme.clone(),
                            fmt_steps(row.median_steps),
                            format!("{}–{}", fmt_steps(row.q25), fmt_steps(row.q75)),
                            format!("{}/{}", row.converged, row.runs),
                            format!("{}/{}", row.diverged, row.runs),
                            opt(row.median_test_acc, 3),
                            opt(row.median_auc, 4),
                        ]
                    })
                    .collect(),
            });
            if let Some(sentence) = s.significance() {
                blocks.push(Block::Paragraph(vec![text(sentence)]));
            }
        }
        if let Some(p) = self.min_possible_p() {
            blocks.push(Block::Note(vec![text(format!(
                "With this many seeds per scheme the smallest possible p-value is {p:.3}: no \
                 difference can be significant at 5%. Use at least 4 seeds per scheme."
            ))]));
        }
        blocks.push(Block::Heading(
            2,
            "Signal propagation at initialization".into(),
        ));
        blocks.push(Block::Paragraph(vec![
            text("Ratios of the last to the first hidden layer (median over seeds): "),
            Span::Code("act".into()),
            text(" = Var(h"),
            Span::Sup("L".into()),
            text(")/Var(h"),
            Span::Sup("1".into()),
            text("), below 1 a vanishing forward signal, above 1 an exploding one; "),
            Span::Code("grad".into()),
            text(" = Var(δ"),
            Span::Sup("L".into()),
            text(")/Var(δ"),
            Span::Sup("1".into()),
            text("), above 1 a gradient that shrinks towards the input."),
        ]));
        blocks.push(Block::Table {
            header: vec!["group", "scheme", "act", "grad"],
            align: vec![Align::Left, Align::Left, Align::Right, Align::Right],
            rows: self
                .sections
                .iter()
                .flat_map(|s| {
                    s.propagation.iter().map(|p| {
                        vec![
                            s.caption.clone(),
                            p.scheme.clone(),
                            p.act_ratio.to_string(),
                            p.grad_ratio.to_string(),
                        ]
                    })
                })
                .collect(),
        });
        blocks.push(Block::Heading(2, "Charts".into()));
        blocks.push(Block::Charts(self.charts.clone()));
        blocks.push(Block::Heading(2, "Resolved config".into()));
        blocks.push(Block::Code {
            language: "toml",
            text: self.config_text.clone(),
        });
        Document { title, blocks }
    }
}
