//! `loss`: the training loss (running mean over `smooth` steps), median over seeds with a
//! min–max band, log y, one panel per group.

use super::{Family, Part, Stem};
use crate::charts::canvas::{Figure, LinePanel, Panel, Scale};
use crate::charts::common::{per_scheme, running_mean};
use crate::store::results::ResultSet;

pub const FAMILY: Family = Family {
    stems: &[
    Stem {
        name: "loss",
        part: Part::Training,
        reading: "The training loss, smoothed: lower and earlier is faster; a flat line at log(classes) is a network that never started learning.",
    },
],
    draw: |rs| vec![loss_curves(rs)],
};

fn loss_curves(rs: &ResultSet) -> Figure {
    let window = rs.config.train.smooth;
    let panels = rs
        .groups()
        .into_iter()
        .map(|(group, runs)| {
            let series = per_scheme(rs, &runs, |run| {
                let losses: Vec<(usize, f64)> = rs
                    .curves_of(&run.run_id)
                    .iter()
                    .filter_map(|c| c.train_loss.map(|l| (c.step, l)))
                    .collect();
                running_mean(&losses, window)
                    .into_iter()
                    .map(|(s, l)| (s as i64, l))
                    .collect()
            });
            Panel::Lines(LinePanel {
                caption: rs.caption(&group),
                x_label: "step".into(),
                x_scale: Scale::Linear,
                y_label: "training loss".into(),
                y_scale: Scale::Log,
                y_range: None,
                series,
            })
        })
        .collect();
    Figure {
        stem: "loss".into(),
        title: format!(
            "Training loss (running mean over {window} steps; median over seeds, band: min–max)"
        ),
        panels,
        color_bar: None,
    }
}
