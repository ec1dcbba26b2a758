//! Cell panels: the steps-to-target heatmap (depth × width, grey = not converged, dark red =
//! diverged) and the phase diagram (median accuracy over (σ_w², depth) with a curve on top).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::lines::{legend, trim};
use super::{viridis, Cell, DrawResult, HeatPanel, PhasePanel};

pub(super) fn draw_phase<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &PhasePanel,
) -> DrawResult<DB> {
    let bounds = p.cells.iter().fold(
        (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ),
        |(a, b, c, d), cell| (a.min(cell.0), b.max(cell.1), c.min(cell.2), d.max(cell.3)),
    );
    let (x0, x1, y0, y1) = if bounds.0.is_finite() {
        bounds
    } else {
        (0.0, 1.0, 0.0, 1.0)
    };
    let mut chart = ChartBuilder::on(area)
        .caption(&p.caption, ("sans-serif", 17))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(p.x_label.as_str())
        .y_desc(p.y_label.as_str())
        .x_label_formatter(&|v| trim(*v))
        .y_label_formatter(&|v| trim(*v))
        .draw()?;
    for (a, b, c, d, value, text) in &p.cells {
        let fill = viridis(*value);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(*a, *c), (*b, *d)],
            fill.filled(),
        )))?;
        let ink = if *value > 0.6 { BLACK } else { WHITE };
        let style = ("sans-serif", 11)
            .into_font()
            .color(&ink)
            .pos(Pos::new(HPos::Center, VPos::Center));
        chart.draw_series(std::iter::once(Text::new(
            text.clone(),
            ((a + b) / 2.0, (c + d) / 2.0),
            style,
        )))?;
    }
    let inside: Vec<(f64, f64)> = p
        .curve
        .iter()
        .copied()
        .filter(|&(x, y)| x >= x0 && x <= x1 && y.is_finite())
        .map(|(x, y)| (x, y.min(y1 * 2.0)))
        .collect();
    let style = RED.stroke_width(3);
    chart
        .draw_series(LineSeries::new(inside, style))?
        .label(p.curve_label.as_str())
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

pub(super) fn draw_heat<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &HeatPanel,
) -> DrawResult<DB> {
    let (nx, ny) = (p.columns.len() as f64, p.rows.len() as f64);
    let mut chart = ChartBuilder::on(area)
        .caption(&p.caption, ("sans-serif", 17))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..nx, 0.0..ny)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc(p.x_label.as_str())
        .y_desc(p.y_label.as_str())
        .draw()?;
    // Tick labels at the cell centres, drawn on the panel in pixels.
    let base = area.get_base_pixel();
    let tick = ("sans-serif", 13).into_font().color(&BLACK);
    for (i, label) in p.columns.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        let style = tick.clone().pos(Pos::new(HPos::Center, VPos::Top));
        area.draw_text(label, &style, (x - base.0, y - base.1 + 6))?;
    }
    for (j, label) in p.rows.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, j as f64 + 0.5));
        let style = tick.clone().pos(Pos::new(HPos::Right, VPos::Center));
        area.draw_text(label, &style, (x - base.0 - 6, y - base.1))?;
    }
    let (lo, hi) = p.scale;
    for (j, row) in p.cells.iter().enumerate() {
        for (i, cell) in row.iter().enumerate() {
            let (x, y) = (i as f64, j as f64);
            let (fill, text, ink) = match cell {
                Cell::Value(v, t) => {
                    let f = if hi > lo {
                        ((v.ln() - lo.ln()) / (hi.ln() - lo.ln())).clamp(0.0, 1.0)
                    } else {
                        0.5
                    };
                    (viridis(f), t.clone(), if f > 0.6 { BLACK } else { WHITE })
                }
                Cell::NotConverged(t) => (RGBColor(215, 215, 215), t.clone(), BLACK),
                Cell::Diverged(t) => (RGBColor(120, 20, 20), t.clone(), WHITE),
                Cell::Empty => (WHITE, String::new(), BLACK),
            };
            let corners = [(x, y), (x + 1.0, y + 1.0)];
            chart.draw_series(std::iter::once(Rectangle::new(corners, fill.filled())))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                corners,
                WHITE.stroke_width(2),
            )))?;
            let style = ("sans-serif", 15)
                .into_font()
                .color(&ink)
                .pos(Pos::new(HPos::Center, VPos::Center));
            chart.draw_series(std::iter::once(Text::new(text, (x + 0.5, y + 0.5), style)))?;
        }
    }
    Ok(())
}
