//! Line panels: measured lines per scheme (solid, with the scheme's markers, staggered so
//! that coinciding lines show every marker), min–max bands, predictions dashed on top, many
//! ordered lines (layers) thin, on axes from [`Axis`]; exact zeros on a log axis are marked
//! at its floor so that a series never silently vanishes.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::key::ZERO_MARKER;
use super::palette::darker;
use super::{Axis, DrawResult, LinePanel, Px, Role, Scale, Series};

/// At most this many markers on one line.
const MARKERS_PER_LINE: usize = 10;

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

pub(super) fn draw_lines<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &LinePanel,
    px: Px,
) -> DrawResult<DB> {
    let range = |scale: Scale, values: &mut dyn Iterator<Item = f64>| {
        values
            .filter(|&v| scale.holds(v))
            .fold(None, |acc: Option<(f64, f64)>, v| {
                Some(acc.map_or((v, v), |(a, b)| (a.min(v), b.max(v))))
            })
    };
    let xs = range(
        p.x_scale,
        &mut p.series.iter().flat_map(|s| s.points.iter().map(|q| q.0)),
    );
    let ys = range(
        p.y_scale,
        &mut p.series.iter().flat_map(|s| {
            s.points
                .iter()
                .map(|q| q.1)
                .chain(s.band.iter().flat_map(|b| [b.1, b.2]))
        }),
    );
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(&p.caption, px.font(15.0))
        .margin(px.u(8.0))
        .x_label_area_size(px.u(40.0))
        .y_label_area_size(px.u(64.0));
    let (Some((x_lo, x_hi)), Some((y_lo, y_hi))) = (xs, ys) else {
        return empty(area, builder, p, px);
    };
    let x = Axis::padded(p.x_scale, x_lo, x_hi);
    let y = match p.y_range {
        Some((lo, hi)) => Axis::new(p.y_scale, lo, hi),
        None => Axis::padded(p.y_scale, y_lo, y_hi),
    };
    let floor = y.lo();
    let mut chart = builder.build_cartesian_2d(x, y)?;
    mesh(&mut chart, p, px)?;
    for s in &p.series {
        band(&mut chart, s, floor)?;
    }
    // Ordered lines first, measurements over them, predictions on top.
    for role in [Role::Ordered, Role::Measured, Role::Theory] {
        let drawn: Vec<&Series> = p.series.iter().filter(|s| s.role == role).collect();
        for (i, s) in drawn.iter().enumerate() {
            line(&mut chart, s, px, (i, drawn.len()))?;
        }
    }
    if p.y_scale == Scale::Log {
        for s in &p.series {
            let zeros = s.points.iter().filter(|q| q.1 == 0.0);
            chart.draw_series(zeros.map(|q| {
                EmptyElement::at((q.0, floor))
                    + Polygon::new(ZERO_MARKER.outline(px.f(4.5)), s.color.filled())
            }))?;
        }
    }
    Ok(())
}

fn mesh<DB: DrawingBackend>(chart: &mut Chart<'_, DB>, p: &LinePanel, px: Px) -> DrawResult<DB> {
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.1))
        .axis_style(BLACK.stroke_width(px.u(1.0)))
        .x_desc(p.x_label.as_str())
        .y_desc(p.y_label.as_str())
        .x_labels(12)
        .y_labels(12)
        .label_style(px.font(12.0))
        .axis_desc_style(px.font(13.0))
        .set_all_tick_mark_size(px.u(4.0))
        .draw()
}

/// A panel with nothing to draw: its axes and a sentence saying why.
fn empty<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    mut builder: ChartBuilder<'_, '_, DB>,
    p: &LinePanel,
    px: Px,
) -> DrawResult<DB> {
    let mut chart = builder.build_cartesian_2d(
        Axis::new(Scale::Linear, 0.0, 1.0),
        Axis::new(Scale::Linear, 0.0, 1.0),
    )?;
    mesh(&mut chart, p, px)?;
    let zeros = p
        .series
        .iter()
        .flat_map(|s| s.points.iter())
        .any(|q| q.1 == 0.0);
    let note = match (p.y_scale, zeros) {
        (Scale::Log, true) => "every value is 0 (zero variance): nothing to draw on a log axis",
        (Scale::Log, false) => "no positive values to draw on a log axis",
        _ => "no values",
    };
    let (w, h) = area.dim_in_pixel();
    let style = px
        .font(13.0)
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw_text(note, &style, (w as i32 / 2, h as i32 / 2))
}

/// The shaded min–max band of a series (its low end clamped to the floor of a log axis).
fn band<DB: DrawingBackend>(chart: &mut Chart<'_, DB>, s: &Series, floor: f64) -> DrawResult<DB> {
    let y = chart.as_coord_spec().y_spec().clone();
    let band: Vec<&(f64, f64, f64)> = s.band.iter().filter(|b| y.holds(b.2)).collect();
    let mut outline: Vec<(f64, f64)> = band
        .iter()
        .map(|b| (b.0, if y.holds(b.1) { b.1 } else { floor }))
        .collect();
    outline.extend(band.iter().rev().map(|b| (b.0, b.2)));
    if outline.len() >= 4 {
        chart.draw_series(std::iter::once(Polygon::new(
            outline,
            s.color.mix(0.16).filled(),
        )))?;
    }
    Ok(())
}

/// One line, drawn as its role says; `(i, n)`: it is the `i`-th of `n` lines of its role, which
/// staggers its markers against the others'.
fn line<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    s: &Series,
    px: Px,
    (i, n): (usize, usize),
) -> DrawResult<DB> {
    let y = chart.as_coord_spec().y_spec().clone();
    let points: Vec<(f64, f64)> = s.points.iter().copied().filter(|q| y.holds(q.1)).collect();
    match s.role {
        Role::Ordered => {
            let width = if n > 40 { 1.0 } else { 1.5 };
            // An ordered line carries a marker only where it has a lone point to show.
            if let Some(marker) = s.marker {
                chart.draw_series(points.iter().map(|&q| {
                    EmptyElement::at(q) + Polygon::new(marker.outline(px.f(3.0)), s.color.filled())
                }))?;
            }
            chart.draw_series(LineSeries::new(points, s.color.stroke_width(px.u(width))))?;
        }
        Role::Measured => {
            let style = s.color.mix(0.9).stroke_width(px.u(2.2));
            chart.draw_series(LineSeries::new(points.clone(), style))?;
            if let Some(marker) = s.marker {
                let stride = points.len().div_ceil(MARKERS_PER_LINE).max(1);
                let start = if stride > 1 { i * stride / n.max(1) } else { 0 };
                chart.draw_series(points.iter().skip(start).step_by(stride).map(|&q| {
                    EmptyElement::at(q) + Polygon::new(marker.outline(px.f(4.0)), s.color.filled())
                }))?;
            }
        }
        Role::Theory => {
            let style = darker(s.color, 0.45).stroke_width(px.u(1.6));
            chart.draw_series(DashedLineSeries::new(points, px.u(6.0), px.u(4.0), style))?;
        }
    }
    Ok(())
}
