//! `loss`: the training loss (running mean over `smooth` steps), median over seeds with a
//! min–max band, log y, one panel per group.

use super::Family;
use crate::charts::canvas::{Figure, LinePanel, Panel};
use crate::charts::common::{per_scheme, running_mean};
use crate::store::results::ResultSet;

pub const FAMILY: Family = Family {
    stems: &["loss"],
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
                integer_x: false,
                y_label: "training loss, log scale".into(),
                log_y: true,
                y_range: None,
                series,
            })
        })
        .collect();
    Figure {
        stem: "loss".into(),
        title: format!(
            "Training loss (running mean over {window} steps; median over seeds, band: min-max)"
        ),
        panels,
    }
}
