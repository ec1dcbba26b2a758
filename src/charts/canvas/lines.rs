//! Line panels: one series per scheme or layer, with optional min–max bands, dashed
//! predictions, linear or log y, a legend in the emptiest corner, and series that are zero
//! everywhere drawn as triangles on the floor of a log axis.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{DrawResult, LinePanel, Series};

fn fits(v: f64, log: bool) -> bool {
    v.is_finite() && (!log || v > 0.0)
}

pub(super) fn draw_lines<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &LinePanel,
) -> DrawResult<DB> {
    let xs = p.series.iter().flat_map(|s| s.points.iter().map(|q| q.0));
    let (x_lo, x_hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let ys = p.series.iter().flat_map(|s| {
        s.points
            .iter()
            .map(|q| q.1)
            .chain(s.band.iter().flat_map(|b| [b.1, b.2]))
    });
    let (y_lo, y_hi) = ys
        .filter(|&v| fits(v, p.log_y))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
            (a.min(y), b.max(y))
        });
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(&p.caption, ("sans-serif", 17))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(70);
    if !(x_lo.is_finite() && y_lo.is_finite()) {
        let mut chart = builder.build_cartesian_2d(0.0..1.0, 0.0..1.0)?;
        chart
            .configure_mesh()
            .x_desc(p.x_label.as_str())
            .y_desc(p.y_label.as_str())
            .draw()?;
        let zeros = p
            .series
            .iter()
            .flat_map(|s| s.points.iter())
            .any(|q| q.1 == 0.0);
        let note = match (p.log_y, zeros) {
            (true, true) => "every value is 0 (zero variance): nothing to draw on a log axis",
            (true, false) => "no positive values to draw on a log axis",
            _ => "no values",
        };
        area.draw_text(note, &("sans-serif", 15).into_text_style(area), (80, 200))?;
        return Ok(());
    }
    let pad = if x_hi > x_lo {
        0.03 * (x_hi - x_lo)
    } else {
        0.5
    };
    let x_range = (x_lo - pad)..(x_hi + pad);
    let x_text = |v: &f64| {
        if !p.integer_x {
            trim(*v)
        } else if (v - v.round()).abs() < 1e-9 {
            format!("{}", v.round())
        } else {
            String::new()
        }
    };
    let x_count = if p.integer_x {
        ((x_hi - x_lo).round() as usize + 1).min(12)
    } else {
        8
    };
    if p.log_y {
        let (lo, hi) = p.y_range.unwrap_or((y_lo / 2.0, y_hi * 2.0));
        let corner = quietest_corner(p, (x_lo - pad, x_hi + pad), (lo.ln(), hi.ln()), f64::ln);
        let mut chart = builder.build_cartesian_2d(x_range, (lo..hi).log_scale())?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(BLACK.mix(0.12))
            .x_desc(p.x_label.as_str())
            .y_desc(p.y_label.as_str())
            .x_labels(x_count)
            .x_label_formatter(&x_text)
            .y_labels(12)
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .draw()?;
        for s in &p.series {
            draw_series(&mut chart, s, true, |v| v.max(lo))?;
        }
        legend(&mut chart, corner)?;
    } else {
        let span = (y_hi - y_lo).max(1e-12);
        let (lo, hi) = p
            .y_range
            .unwrap_or((y_lo - 0.05 * span, y_hi + 0.05 * span));
        let corner = quietest_corner(p, (x_lo - pad, x_hi + pad), (lo, hi), |v| v);
        let mut chart = builder.build_cartesian_2d(x_range, lo..hi)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(BLACK.mix(0.12))
            .x_desc(p.x_label.as_str())
            .y_desc(p.y_label.as_str())
            .x_labels(x_count)
            .x_label_formatter(&x_text)
            .y_label_formatter(&|v| trim(*v))
            .draw()?;
        for s in &p.series {
            draw_series(&mut chart, s, false, |v| v)?;
        }
        legend(&mut chart, corner)?;
    }
    Ok(())
}

/// The corner of the plot with the fewest data points, where the legend hides least.
fn quietest_corner(
    p: &LinePanel,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    map: impl Fn(f64) -> f64,
) -> SeriesLabelPosition {
    let mut counts = [0usize; 4];
    for (x, y) in p.series.iter().flat_map(|s| s.points.iter()) {
        if !fits(*y, p.log_y) {
            continue;
        }
        let fx = (x - x0) / (x1 - x0);
        let fy = (map(*y) - y0) / (y1 - y0);
        let right = fx > 0.55;
        let upper = fy > 0.5;
        let near_x = if right { fx > 0.5 } else { fx < 0.5 };
        if near_x {
            counts[usize::from(upper) * 2 + usize::from(right)] += 1;
        }
    }
    let positions = [
        SeriesLabelPosition::LowerLeft,
        SeriesLabelPosition::LowerRight,
        SeriesLabelPosition::UpperLeft,
        SeriesLabelPosition::UpperRight,
    ];
    let best = [3, 2, 1, 0]
        .into_iter()
        .min_by_key(|&i| counts[i])
        .unwrap_or(3);
    positions[best].clone()
}

/// A tick label without trailing zeros.
pub(super) fn trim(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e5 || v.abs() < 1e-3) {
        format!("{v:.0e}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn draw_series<'a, DB, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, Y>>,
    s: &Series,
    log: bool,
    floor: impl Fn(f64) -> f64,
) -> DrawResult<DB>
where
    DB: DrawingBackend + 'a,
    Y: Ranged<ValueType = f64>,
{
    let color = s.color;
    if !s.band.is_empty() {
        let band: Vec<&(f64, f64, f64)> = s.band.iter().filter(|b| fits(b.2, log)).collect();
        let mut outline: Vec<(f64, f64)> = band.iter().map(|b| (b.0, floor(b.1))).collect();
        outline.extend(band.iter().rev().map(|b| (b.0, b.2)));
        if outline.len() >= 4 {
            chart.draw_series(std::iter::once(Polygon::new(
                outline,
                color.mix(0.18).filled(),
            )))?;
        }
    }
    let points: Vec<(f64, f64)> = s
        .points
        .iter()
        .copied()
        .filter(|q| fits(q.1, log))
        .collect();
    let style = color.stroke_width(2);
    // On a log axis an exact 0 (a zero-variance layer: zero or constant weights) cannot be
    // drawn; it is marked at the axis floor by a hollow triangle (△) and named in the legend, so
    // the series never silently vanishes.
    let zeros: Vec<(f64, f64)> = if log {
        s.points
            .iter()
            .filter(|q| q.1 == 0.0)
            .map(|q| (q.0, floor(0.0)))
            .collect()
    } else {
        Vec::new()
    };
    let label = match (zeros.len(), s.points.len()) {
        (0, _) => s.label.clone(),
        _ if s.label.is_empty() => String::new(),
        (z, n) if z == n => format!("{} (0 everywhere: △ at the axis floor)", s.label),
        (z, n) => format!("{} (0 at {z} of {n}: △ at the axis floor)", s.label),
    };
    chart.draw_series(
        zeros
            .iter()
            .map(|&q| TriangleMarker::new(q, 5, color.stroke_width(2))),
    )?;
    // A series without a label (e.g. a theory line explained in the title) stays out of the
    // legend.
    if s.dashed {
        let drawn = chart.draw_series(DashedLineSeries::new(points.clone(), 6, 4, style))?;
        if !label.is_empty() {
            drawn.label(label).legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new([(0, 0), (7, 0)], style)
                    + PathElement::new([(12, 0), (19, 0)], style)
            });
        }
    } else {
        let drawn = chart.draw_series(LineSeries::new(points.clone(), style))?;
        if !label.is_empty() {
            drawn
                .label(label)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
        }
    }
    if s.dashed {
        // Dashed lines carry no point markers.
    } else if points.len() <= 30 {
        chart.draw_series(points.iter().map(|&q| Circle::new(q, 3, color.filled())))?;
    }
    Ok(())
}

pub(super) fn legend<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    corner: SeriesLabelPosition,
) -> DrawResult<DB> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .position(corner)
        .draw()
}
