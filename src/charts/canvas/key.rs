//! A figure's key, drawn in a strip right of its panels so that it never covers data: one
//! legend entry per labelled scheme (colour, marker), one for the theory lines, one for
//! values drawn at a log axis' floor, swatches for the special heatmap cells, and the colour
//! bar of ordered lines or cells.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::palette::{viridis, Marker, DIVERGED, NOT_CONVERGED, OVERLAY};
use super::{Cell, ColorBar, DrawResult, Figure, Panel, Px, Role, Scale};

/// How an entry looks.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Swatch {
    Line {
        color: RGBColor,
        dashed: bool,
        marker: Option<Marker>,
    },
    Patch(RGBColor),
    Marker(RGBColor, Marker),
}

/// The legend entries of a figure, and whether it has a colour bar.
#[derive(Debug, Clone)]
pub(super) struct Key {
    entries: Vec<(Vec<String>, Swatch)>,
    bar: bool,
}

/// Legend text wraps at this many characters.
const WRAP: usize = 28;
const LINE: f64 = 17.0;
const FONT: f64 = 12.5;
const SWATCH: f64 = 30.0;
const BAR_WIDTH: f64 = 16.0;

/// The marker drawn at a log axis' floor for exact zeros.
pub(super) const ZERO_MARKER: Marker = Marker::InvertedTriangle;

impl Key {
    pub fn of(figure: &Figure) -> Key {
        let mut entries: Vec<(String, Swatch)> = Vec::new();
        let mut add = |label: &str, swatch: Swatch| {
            if !label.is_empty() && !entries.iter().any(|(l, _)| l == label) {
                entries.push((label.to_string(), swatch));
            }
        };
        let mut zeros = false;
        for panel in &figure.panels {
            match panel {
                Panel::Lines(p) => {
                    for s in &p.series {
                        // Every role's zeros are marked at the floor, layers' too.
                        zeros |= p.y_scale == Scale::Log && s.points.iter().any(|q| q.1 == 0.0);
                        let swatch = match s.role {
                            Role::Measured => Swatch::Line {
                                color: s.color,
                                dashed: false,
                                marker: s.marker,
                            },
                            Role::Theory => Swatch::Line {
                                color: RGBColor(60, 60, 60),
                                dashed: true,
                                marker: None,
                            },
                            Role::Ordered => continue,
                        };
                        add(&s.label, swatch);
                    }
                }
                Panel::Heat(p) => {
                    let has = |f: fn(&Cell) -> bool| p.cells.iter().flatten().any(f);
                    if has(|c| matches!(c, Cell::NotConverged(_))) {
                        add("never reached the target", Swatch::Patch(NOT_CONVERGED));
                    }
                    if has(|c| matches!(c, Cell::Diverged(_))) {
                        add("diverged", Swatch::Patch(DIVERGED));
                    }
                    if let Some(o) = &p.overlay {
                        add(
                            &o.label,
                            Swatch::Line {
                                color: OVERLAY,
                                dashed: false,
                                marker: None,
                            },
                        );
                    }
                }
                Panel::Density(_) => {}
            }
        }
        if zeros {
            add(
                "exactly 0 (at the floor)",
                Swatch::Marker(RGBColor(60, 60, 60), ZERO_MARKER),
            );
        }
        // Schemes first, in the order they appear; the other entries after them.
        let is_scheme = |s: &Swatch| {
            matches!(
                s,
                Swatch::Line {
                    marker: Some(_),
                    ..
                }
            )
        };
        let (schemes, others): (Vec<_>, Vec<_>) =
            entries.into_iter().partition(|(_, s)| is_scheme(s));
        Key {
            entries: schemes
                .into_iter()
                .chain(others)
                .map(|(l, s)| (wrap(&l, WRAP), s))
                .collect(),
            bar: figure.color_bar.is_some(),
        }
    }

    /// The strip's width in SVG pixels (0 when there is nothing to show).
    pub fn width(&self) -> f64 {
        if self.entries.is_empty() && !self.bar {
            return 0.0;
        }
        let longest = self
            .entries
            .iter()
            .flat_map(|(lines, _)| lines.iter().map(|l| l.chars().count()))
            .max()
            .unwrap_or(0);
        (SWATCH + 26.0 + 7.3 * longest as f64).clamp(if self.bar { 130.0 } else { 90.0 }, 280.0)
    }
}

/// `text` broken into lines of at most `width` characters at spaces; a longer word (a scheme
/// with its parameters) is broken after a `;` or `(`, or else at `width`.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        let mut pieces = split_word(word, width).into_iter();
        let first = pieces.next().unwrap_or_default();
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + first.chars().count() <= width => {
                line.push(' ');
                line.push_str(&first);
            }
            _ => lines.push(first),
        }
        // The rest of a broken word each start a line.
        lines.extend(pieces);
    }
    lines
}

/// `word` in pieces of at most `width` characters, each ending after its last `;` or `(`, or
/// cut at `width` where it has none.
fn split_word(word: &str, width: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest: Vec<char> = word.chars().collect();
    while rest.len() > width {
        let cut = rest[..width]
            .iter()
            .rposition(|&c| c == ';' || c == '(')
            .map_or(width, |i| i + 1);
        pieces.push(rest[..cut].iter().collect());
        rest = rest[cut..].to_vec();
    }
    pieces.push(rest.into_iter().collect());
    pieces
}

pub(super) fn draw_key<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    key: &Key,
    bar: Option<&ColorBar>,
    px: Px,
) -> DrawResult<DB> {
    if key.width() == 0.0 {
        return Ok(());
    }
    let text = px
        .font(FONT)
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let mut y = 24.0;
    for (lines, swatch) in &key.entries {
        let mid = px.i(y);
        let x0 = px.i(8.0);
        match swatch {
            Swatch::Line {
                color,
                dashed,
                marker,
            } => {
                let style = color.stroke_width(px.u(2.2));
                if *dashed {
                    for (a, b) in [(0.0, 8.0), (12.0, 20.0), (24.0, SWATCH)] {
                        area.draw(&PathElement::new(
                            [(x0 + px.i(a), mid), (x0 + px.i(b), mid)],
                            style,
                        ))?;
                    }
                } else {
                    area.draw(&PathElement::new(
                        [(x0, mid), (x0 + px.i(SWATCH), mid)],
                        style,
                    ))?;
                }
                if let Some(m) = marker {
                    area.draw(
                        &(EmptyElement::at((x0 + px.i(SWATCH / 2.0), mid))
                            + Polygon::new(m.outline(px.f(4.0)), color.filled())),
                    )?;
                }
            }
            Swatch::Patch(color) => {
                area.draw(&Rectangle::new(
                    [(x0, mid - px.i(6.0)), (x0 + px.i(SWATCH), mid + px.i(6.0))],
                    color.filled(),
                ))?;
            }
            Swatch::Marker(color, m) => {
                area.draw(
                    &(EmptyElement::at((x0 + px.i(SWATCH / 2.0), mid))
                        + Polygon::new(m.outline(px.f(4.5)), color.filled())),
                )?;
            }
        }
        for (i, line) in lines.iter().enumerate() {
            area.draw_text(
                line,
                &text,
                (x0 + px.i(SWATCH + 8.0), mid + px.i(LINE * i as f64)),
            )?;
        }
        y += LINE * lines.len() as f64 + 6.0;
    }
    if let Some(bar) = bar {
        draw_bar(area, bar, y + 10.0, px)?;
    }
    Ok(())
}

/// A vertical colour bar from `top` (SVG pixels) down, ticks labelled on its right.
fn draw_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    bar: &ColorBar,
    top: f64,
    px: Px,
) -> DrawResult<DB> {
    let left = 10.0;
    let title = px
        .font(FONT)
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Top));
    let lines = wrap(&bar.label, WRAP - 4);
    for (i, line) in lines.iter().enumerate() {
        area.draw_text(line, &title, (px.i(left), px.i(top + LINE * i as f64)))?;
    }
    let top = top + LINE * lines.len() as f64 + 6.0;
    let available = f64::from(area.dim_in_pixel().1) / px.f(1.0) - top - 24.0;
    let height = available.clamp(40.0, 240.0);
    let steps = 96;
    let ordered = bar.scale.scale == Scale::Integer;
    for i in 0..steps {
        // Top = the scale's high end.
        let t1 = 1.0 - i as f64 / steps as f64;
        let t0 = 1.0 - (i + 1) as f64 / steps as f64;
        let y0 = top + height * i as f64 / steps as f64;
        let y1 = top + height * (i + 1) as f64 / steps as f64;
        area.draw(&Rectangle::new(
            [
                (px.i(left), px.i(y0)),
                (px.i(left + BAR_WIDTH), px.i(y1) + i32::from(!ordered)),
            ],
            viridis((t0 + t1) / 2.0).filled(),
        ))?;
    }
    area.draw(&Rectangle::new(
        [
            (px.i(left), px.i(top)),
            (px.i(left + BAR_WIDTH), px.i(top + height)),
        ],
        BLACK.stroke_width(px.u(0.8)),
    ))?;
    let tick = px
        .font(FONT - 1.0)
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for &v in bar.scale.ticks() {
        let f = bar.scale.fraction(v);
        if !(-1e-9..=1.0 + 1e-9).contains(&f) {
            continue;
        }
        let y = px.i(top + height * (1.0 - f));
        area.draw(&PathElement::new(
            [
                (px.i(left + BAR_WIDTH), y),
                (px.i(left + BAR_WIDTH + 4.0), y),
            ],
            BLACK.stroke_width(px.u(1.0)),
        ))?;
        area.draw_text(
            &bar.scale.label(v),
            &tick,
            (px.i(left + BAR_WIDTH + 7.0), y),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn legend_text_wraps_at_spaces() {
        assert_eq!(
            wrap("6 xi_c, the mean-field trainable depth", 20),
            ["6 xi_c, the", "mean-field trainable", "depth"]
        );
        assert_eq!(wrap("he_normal", 20), ["he_normal"]);
        // A scheme with its parameters has no spaces: it breaks after `;` or `(`.
        assert_eq!(
            wrap("variance_scaling(2;fan_avg;truncated_normal)", 20),
            ["variance_scaling(2;", "fan_avg;", "truncated_normal)"]
        );
        assert_eq!(
            wrap("abcdefghijklmnopqrstuvwxyz", 10),
            ["abcdefghij", "klmnopqrst", "uvwxyz"]
        );
    }
}
