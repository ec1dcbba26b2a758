//! `hist_init__G` and `hist_final__G`: activation histograms per layer at initialization
//! and after the last step (the first seed of each scheme).

use super::Family;
use crate::charts::canvas::{viridis, Figure, LinePanel, Panel, Series};
use crate::charts::common::{hidden_at_init, slug};
use crate::store::results::ResultSet;
use crate::store::rows::RunRow;

pub const FAMILY: Family = Family {
    stems: &["hist_init", "hist_final"],
    draw,
};

fn draw(rs: &ResultSet) -> Vec<Figure> {
    let at_init = hidden_at_init(rs);
    let hidden = |run: &RunRow| at_init.get(run.run_id.as_str()).map_or(0, Vec::len);
    let mut figures = Vec::new();
    for (group, runs) in rs.groups() {
        let suffix = slug(&rs.caption(&group));
        let caption = rs.caption(&group);
        for (initial, name) in [(true, "hist_init"), (false, "hist_final")] {
            if let Some(f) = histograms(
                rs,
                &runs,
                &hidden,
                initial,
                &format!("{name}__{suffix}"),
                &caption,
            ) {
                figures.push(f);
            }
        }
    }
    figures
}

fn histograms(
    rs: &ResultSet,
    runs: &[&RunRow],
    hidden: &dyn Fn(&RunRow) -> usize,
    initial: bool,
    stem: &str,
    caption: &str,
) -> Option<Figure> {
    let mut panels = Vec::new();
    for scheme in rs.schemes() {
        let Some(run) = runs.iter().find(|r| r.init == scheme) else {
            continue;
        };
        let step = if initial { 0 } else { run.steps };
        // The hidden probe sites (the read-out's histogram is not drawn).
        let depth = hidden(run);
        let rows: Vec<_> = rs
            .histograms_of(&run.run_id)
            .into_iter()
            .filter(|h| h.step == step && h.layer <= depth)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let total: u64 = rows.iter().filter(|h| h.layer == 1).map(|h| h.count).sum();
        let series = (1..=depth)
            .map(|layer| Series {
                label: format!("layer {layer}"),
                color: viridis(if depth > 1 {
                    (layer - 1) as f64 / (depth - 1) as f64
                } else {
                    0.0
                }),
                points: rows
                    .iter()
                    .filter(|h| h.layer == layer)
                    .map(|h| ((h.lo + h.hi) / 2.0, h.count as f64 / total.max(1) as f64))
                    .collect(),
                band: Vec::new(),
                dashed: false,
            })
            .collect();
        panels.push(Panel::Lines(LinePanel {
            caption: format!("{scheme}, seed {}", run.seed),
            x_label: "activation value h".into(),
            integer_x: false,
            y_label: "fraction of entries per bin".into(),
            log_y: false,
            y_range: None,
            series,
        }));
    }
    (!panels.is_empty()).then(|| Figure {
        stem: stem.into(),
        title: format!(
            "Activation histograms {}: {caption}",
            if initial {
                "at initialization"
            } else {
                "after training"
            }
        ),
        panels,
    })
}
