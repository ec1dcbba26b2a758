//! Cell panels. A heatmap is a grid on categorical axes (the grid's own values, equally
//! spaced), cells coloured on the figure's colour bar, grey for runs that never reached the
//! target and dark red for diverged ones, with an optional curve on top (the phase diagram's
//! 6·ξ_c). A density map stacks one row of bins per layer on a shared value axis, with a
//! column apart for a point mass (ReLU's exact zeros).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::palette::{viridis, wants_black_text, DIVERGED, NOT_CONVERGED, OVERLAY};
use super::{Axis, Cell, DensityPanel, DrawResult, HeatPanel, Px, Scale};

/// At most this many category labels on an axis (every k-th is labelled).
const MAX_LABELS: usize = 16;

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

fn builder<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    caption: &str,
    px: Px,
) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(area);
    b.caption(caption, px.font(15.0))
        .margin(px.u(8.0))
        .x_label_area_size(px.u(40.0))
        .y_label_area_size(px.u(58.0));
    b
}

/// Axes without ticks (categorical labels are drawn by [`categories`]).
fn bare_mesh<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    (x_desc, y_desc): (&str, &str),
    x_ticks: bool,
    px: Px,
) -> DrawResult<DB> {
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(if x_ticks { 10 } else { 0 })
        .y_labels(0)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(px.font(12.0))
        .axis_desc_style(px.font(13.0))
        .draw()
}

/// Category labels at cell centres: `columns` under the x axis (unless `None`), `rows` left of
/// the y axis, every k-th when there are many.
fn categories<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &Chart<'_, DB>,
    columns: Option<&[String]>,
    rows: &[String],
    px: Px,
) -> DrawResult<DB> {
    let base = area.get_base_pixel();
    let tick = px.font(12.0).color(&BLACK);
    // Every k-th label (k from 1, 2, 5, 10, 20, 25, 50, ...), counted from 1 so that layers
    // read 10, 20, 30; the first is always labelled.
    let every = |n: usize| {
        let raw = n.div_ceil(MAX_LABELS).max(1);
        let mut magnitude = 1;
        loop {
            for m in [1, 2, 5] {
                if m * magnitude >= raw {
                    return m * magnitude;
                }
            }
            magnitude *= 10;
        }
    };
    let labelled = |j: usize, step: usize| j == 0 || (j + 1).is_multiple_of(step);
    if let Some(columns) = columns {
        let step = every(columns.len());
        for (i, label) in columns.iter().enumerate() {
            if !labelled(i, step) {
                continue;
            }
            let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
            let style = tick.clone().pos(Pos::new(HPos::Center, VPos::Top));
            area.draw_text(label, &style, (x - base.0, y - base.1 + px.i(5.0)))?;
        }
    }
    let step = every(rows.len());
    for (j, label) in rows.iter().enumerate() {
        if !labelled(j, step) {
            continue;
        }
        let left = chart.as_coord_spec().x_spec().range().start;
        let (x, y) = chart.backend_coord(&(left, j as f64 + 0.5));
        let style = tick.clone().pos(Pos::new(HPos::Right, VPos::Center));
        area.draw_text(label, &style, (x - base.0 - px.i(5.0), y - base.1))?;
    }
    Ok(())
}

pub(super) fn draw_heat<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &HeatPanel,
    px: Px,
) -> DrawResult<DB> {
    let (nx, ny) = (p.columns.len().max(1) as f64, p.rows.len().max(1) as f64);
    let mut chart = builder(area, &p.caption, px).build_cartesian_2d(
        Axis::new(Scale::Linear, 0.0, nx),
        Axis::new(Scale::Linear, 0.0, ny),
    )?;
    bare_mesh(&mut chart, (&p.x_label, &p.y_label), false, px)?;
    categories(area, &chart, Some(&p.columns), &p.rows, px)?;
    // The text size that fits a cell.
    let (x0, y0) = chart.backend_coord(&(0.0, 0.0));
    let (x1, y1) = chart.backend_coord(&(1.0, 1.0));
    let (cell_w, cell_h) = (f64::from((x1 - x0).abs()), f64::from((y1 - y0).abs()));
    let longest = p
        .cells
        .iter()
        .flatten()
        .map(|c| match c {
            Cell::Value(_, t) | Cell::NotConverged(t) | Cell::Diverged(t) => t.chars().count(),
            Cell::Empty => 0,
        })
        .max()
        .unwrap_or(1)
        .max(1);
    let font = (cell_w / (0.62 * longest as f64))
        .min(cell_h * 0.5)
        .min(px.f(14.0));
    for (j, row) in p.cells.iter().enumerate() {
        for (i, cell) in row.iter().enumerate() {
            let (x, y) = (i as f64, j as f64);
            let (fill, text) = match cell {
                Cell::Value(v, t) => (viridis(p.scale.fraction(*v)), t.as_str()),
                Cell::NotConverged(t) => (NOT_CONVERGED, t.as_str()),
                Cell::Diverged(t) => (DIVERGED, t.as_str()),
                Cell::Empty => (WHITE, ""),
            };
            let corners = [(x, y), (x + 1.0, y + 1.0)];
            chart.draw_series(std::iter::once(Rectangle::new(corners, fill.filled())))?;
            // Cells too small for a border (a hundred time steps) touch.
            if cell_w.min(cell_h) >= px.f(8.0) {
                chart.draw_series(std::iter::once(Rectangle::new(
                    corners,
                    WHITE.stroke_width(px.u(1.5)),
                )))?;
            }
            if font >= px.f(7.0) && !text.is_empty() {
                let ink = if wants_black_text(fill) { BLACK } else { WHITE };
                let style = ("sans-serif", font)
                    .into_font()
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                chart.draw_series(std::iter::once(Text::new(
                    text.to_string(),
                    (x + 0.5, y + 0.5),
                    style,
                )))?;
            }
        }
    }
    if let Some(overlay) = &p.overlay {
        // Inside the grid solid; above its top edge dotted along that edge.
        let solid = OVERLAY.stroke_width(px.u(3.0));
        let clipped = OVERLAY.stroke_width(px.u(2.0));
        let points: Vec<(f64, f64)> = overlay
            .points
            .iter()
            .copied()
            .filter(|&(x, y)| (0.0..=nx).contains(&x) && y.is_finite())
            .collect();
        for pair in points.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let inside = a.1 <= ny && b.1 <= ny;
            let seg = vec![(a.0, a.1.clamp(0.0, ny)), (b.0, b.1.clamp(0.0, ny))];
            if inside {
                chart.draw_series(LineSeries::new(seg, solid))?;
            } else {
                chart.draw_series(DashedLineSeries::new(seg, px.u(3.0), px.u(4.0), clipped))?;
            }
        }
    }
    Ok(())
}

pub(super) fn draw_density<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &DensityPanel,
    px: Px,
) -> DrawResult<DB> {
    let (lo, hi) = p
        .bins
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), bin| {
            (a.min(bin.lo), b.max(bin.hi))
        });
    let (lo, hi) = if lo < hi { (lo, hi) } else { (-1.0, 1.0) };
    let ny = p.rows.len().max(1) as f64;
    let (main, side) = match &p.point_mass {
        Some(_) => area.split_horizontally(area.dim_in_pixel().0 - px.u(64.0)),
        None => area.split_horizontally(area.dim_in_pixel().0),
    };
    let mut chart = builder(&main, &p.caption, px).build_cartesian_2d(
        Axis::new(Scale::Linear, lo, hi),
        Axis::new(Scale::Linear, 0.0, ny),
    )?;
    bare_mesh(&mut chart, (&p.x_label, &p.y_label), true, px)?;
    categories(&main, &chart, None, &p.rows, px)?;
    chart.draw_series(p.bins.iter().filter(|b| b.value > 0.0).map(|b| {
        let y = b.row as f64;
        Rectangle::new(
            [(b.lo, y), (b.hi, y + 1.0)],
            viridis(p.scale.fraction(b.value)).filled(),
        )
    }))?;
    if let Some((name, mass)) = &p.point_mass {
        // The same caption height and x-label area as the main chart, so rows line up.
        let mut strip = ChartBuilder::on(&side)
            .caption(" ", px.font(15.0))
            .margin(px.u(8.0))
            .margin_left(px.u(4.0))
            .x_label_area_size(px.u(40.0))
            .build_cartesian_2d(
                Axis::new(Scale::Linear, 0.0, 1.0),
                Axis::new(Scale::Linear, 0.0, ny),
            )?;
        strip
            .configure_mesh()
            .disable_mesh()
            .x_labels(0)
            .y_labels(0)
            .x_desc(name.as_str())
            .axis_desc_style(px.font(12.0))
            .draw()?;
        strip.draw_series(mass.iter().filter(|m| m.1 > 0.0).map(|&(row, v)| {
            let y = row as f64;
            Rectangle::new(
                [(0.0, y), (1.0, y + 1.0)],
                viridis(p.scale.fraction(v)).filled(),
            )
        }))?;
    }
    Ok(())
}
