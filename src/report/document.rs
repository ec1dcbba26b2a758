//! The report's text, written once: [`Report::document`] turns the numbers into a small
//! document model ([`Block`]s of [`Span`]s), and each format renders that model
//! (`markdown.rs`, `html.rs`). A sentence, a table or a warning exists here only.

use super::summary::summary;
use super::{fmt_opt as opt, fmt_steps, ChartRef, Ratio, Report, Section, STATE_SITES};
use crate::charts::families::Part;
use crate::charts::number;

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
    /// Left, and coloured by the verdict it holds where the format has colour (HTML: PASS
    /// green, FAIL red, UNDECIDED amber).
    Verdict,
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
    /// Charts, each with how to read it (said once per chart kind).
    Charts(Vec<ChartRef>),
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

pub(super) fn text(s: impl Into<String>) -> Span {
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
        self.claims_table(&mut blocks);
        let testable = match self.min_possible_p() {
            Some(p) => {
                blocks.push(Block::Note(vec![text(format!(
                    "With {} seeds per scheme no difference can be significant: the smallest \
                     possible p-value is {}. Rankings below are descriptive; use at least 4 seeds \
                     per scheme to test them.",
                    self.seeds_per_scheme(),
                    number(p)
                ))]));
                false
            }
            None => true,
        };
        blocks.push(Block::Paragraph(vec![
            text("Target: "),
            Span::Code(self.target.clone()),
            text(
                ". Steps to target are medians over seeds; a run that never reached the target \
                 counts as infinitely slow (∞). IQR: 25th–75th percentile.",
            ),
        ]));
        blocks.push(Block::Heading(2, "Summary".into()));
        for s in &self.sections {
            blocks.push(Block::Paragraph(summary(s, testable)));
        }
        self.effects_table(&mut blocks);
        blocks.push(Block::Heading(2, "Ranking of schemes".into()));
        for s in &self.sections {
            blocks.push(Block::Heading(3, s.caption.clone()));
            blocks.push(ranking_table(s));
            if testable {
                if let Some(sentence) = s.significance() {
                    blocks.push(Block::Paragraph(vec![text(sentence)]));
                }
            }
        }
        self.propagation_table(&mut blocks);
        self.coordinates_table(&mut blocks);
        blocks.push(Block::Heading(2, "Charts".into()));
        for (part, heading) in [
            (Part::Initialization, "At initialization"),
            (Part::Training, "During training"),
            (Part::Outcome, "Outcomes"),
        ] {
            let charts: Vec<ChartRef> = self
                .charts
                .iter()
                .filter(|c| c.part == part)
                .cloned()
                .collect();
            if !charts.is_empty() {
                blocks.push(Block::Heading(3, heading.into()));
                blocks.push(Block::Charts(charts));
            }
        }
        blocks.push(Block::Heading(2, "Resolved config".into()));
        blocks.push(Block::Code {
            language: "toml",
            text: self.config_text.clone(),
        });
        Document { title, blocks }
    }

    /// The verdict of every claim, first: what the experiment expected, and whether it held.
    fn claims_table(&self, blocks: &mut Vec<Block>) {
        if self.claims.is_empty() {
            return;
        }
        blocks.push(Block::Heading(2, "Claims".into()));
        blocks.push(Block::Paragraph(vec![
            text(format!(
                "What this experiment expects, checked from the CSVs ({}; every figure in ",
                crate::claims::tally(&self.claims)
            )),
            Span::Code("claims.csv".into()),
            text("). UNDECIDED means the results cannot settle the claim; the reason is given."),
        ]));
        let opt = |v: Option<f64>| v.map_or("—".into(), crate::claims::short);
        blocks.push(Block::Table {
            header: vec!["verdict", "claim", "measured", "expected", "p", "runs"],
            align: vec![
                Align::Verdict,
                Align::Left,
                Align::Right,
                Align::Left,
                Align::Right,
                Align::Right,
            ],
            rows: self
                .claims
                .iter()
                .map(|c| {
                    vec![
                        c.verdict.to_string(),
                        c.claim.clone(),
                        opt(c.measured),
                        c.expected.clone(),
                        opt(c.p_value),
                        c.runs.to_string(),
                    ]
                })
                .collect(),
        });
        for c in &self.claims {
            let mut spans = vec![
                Span::Strong(c.claim.clone()),
                text(format!(": {}", c.measure)),
            ];
            if !c.best_lrs.is_empty() {
                spans.push(text(format!("; best learning rate {}", c.best_lrs)));
            }
            if !c.source.is_empty() {
                spans.push(text(format!(" ({})", c.source)));
            }
            if !c.reason.is_empty() {
                spans.push(text(format!(". Undecided: {}", c.reason)));
            }
            spans.push(text("."));
            blocks.push(Block::Paragraph(spans));
        }
    }

    fn effects_table(&self, blocks: &mut Vec<Block>) {
        if self.effects.is_empty() {
            return;
        }
        blocks.push(Block::Heading(2, "What mattered".into()));
        blocks.push(Block::Paragraph(vec![text(
            "The share of the variation across all runs that each factor explains on its own \
             (η², one-way; steps to target as ranks, so runs that never reached it count as the \
             slowest). On a full grid the shares add up to at most 1; the rest is interactions \
             and seed-to-seed noise.",
        )]));
        blocks.push(Block::Table {
            header: vec![
                "factor",
                "levels",
                "η² steps to target",
                "η² final test accuracy",
            ],
            align: vec![Align::Left, Align::Right, Align::Right, Align::Right],
            rows: self
                .effects
                .iter()
                .map(|e| {
                    vec![
                        e.factor.to_string(),
                        e.levels.to_string(),
                        format!("{:.2}", e.steps),
                        e.accuracy.map_or("—".into(), |a| format!("{a:.2}")),
                    ]
                })
                .collect(),
        });
    }

    fn coordinates_table(&self, blocks: &mut Vec<Block>) {
        if self.coordinates.is_empty() {
            return;
        }
        blocks.push(Block::Heading(2, "Coordinate check".into()));
        blocks.push(Block::Paragraph(vec![text(
            "How each layer's mean |z| grows with width (Yang et al. 2022): the least-squares \
             slope of log₂ mean |z| against log₂ width, over the widths' medians over seeds, at \
             initialization (t = 1) and after one and two updates. About 0 (|slope| < 0.1) is \
             flat, as under μP; a slope near 1 grows like width, as the standard \
             parameterization's updates do with Adam. The chart is coord_check.",
        )]));
        // Three decimals, without a sign on what rounds to zero.
        let slope = |s: Option<f64>| {
            s.map_or("—".into(), |s| {
                format!("{:.3}", if s.abs() < 5e-4 { 0.0 } else { s })
            })
        };
        blocks.push(Block::Table {
            header: vec!["group", "scheme", "layer", "t = 1", "t = 2", "t = 3"],
            align: vec![
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
            ],
            rows: self
                .coordinates
                .iter()
                .map(|r| {
                    vec![
                        r.group.clone(),
                        r.scheme.clone(),
                        r.site.clone(),
                        slope(r.slopes[0]),
                        slope(r.slopes[1]),
                        slope(r.slopes[2]),
                    ]
                })
                .collect(),
        });
    }

    fn propagation_table(&self, blocks: &mut Vec<Block>) {
        blocks.push(Block::Heading(
            2,
            "Signal propagation at initialization".into(),
        ));
        let recurrent = self.sections.iter().any(|s| s.depth_sites == STATE_SITES);
        blocks.push(Block::Paragraph(vec![
            text(if recurrent {
                "Ratios of the last to the first hidden layer (of a residual network, of the stream after the last block to the input projection; of a recurrent network, of the hidden state at the last time step to the first; median over seeds), measured and as mean-field theory predicts for the same networks: "
            } else {
                "Ratios of the last to the first hidden layer (of a residual network, of the stream after the last block to the input projection; median over seeds), measured and as mean-field theory predicts for the same networks: "
            }),
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
            text("), above 1 a gradient that shrinks towards the input. — : theory does not describe the scheme."),
        ]));
        let theory = |r: Option<Ratio>| r.map_or("—".into(), |r| r.to_string());
        blocks.push(Block::Table {
            header: vec![
                "group",
                "scheme",
                "act",
                "act, theory",
                "grad",
                "grad, theory",
            ],
            align: vec![
                Align::Left,
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
            ],
            rows: self
                .sections
                .iter()
                .flat_map(|s| {
                    s.propagation.iter().map(move |p| {
                        vec![
                            s.caption.clone(),
                            p.scheme.clone(),
                            p.act_ratio.to_string(),
                            theory(p.act_theory),
                            p.grad_ratio.to_string(),
                            theory(p.grad_theory),
                        ]
                    })
                })
                .collect(),
        });
    }
}

/// A section's ranking: the schemes that reached the target ranked, then those that did not,
/// unranked.
fn ranking_table(s: &Section) -> Block {
    let reached = s.reached().len();
    Block::Table {
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
                    if i < reached {
                        (i + 1).to_string()
                    } else {
                        "—".into()
                    },
                    row.scheme.clone(),
                    if i < reached {
                        fmt_steps(row.median_steps)
                    } else {
                        "not reached".into()
                    },
                    format!("{}–{}", fmt_steps(row.q25), fmt_steps(row.q75)),
                    format!("{}/{}", row.converged, row.runs),
                    format!("{}/{}", row.diverged, row.runs),
                    opt(row.median_test_acc),
                    opt(row.median_auc),
                ]
            })
            .collect(),
    }
}
