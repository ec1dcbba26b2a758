//! `act_bands_train__G`: the distribution of the last hidden layer's activations over training,
//! drawn as TensorBoard's distribution view draws a tensor: nested bands between the quantiles
//! of `layers.csv` (minimum–maximum, 6.68–93.32 %, 15.87–84.13 % and 30.85–69.15 %, the
//! normal distribution's ±∞, ±1.5σ, ±σ and ±σ/2) darkening towards the median line, one panel
//! per scheme (its first seed), one figure per group.

use super::{Family, Part, Stem};
use crate::charts::canvas::{Figure, LinePanel, Panel, Role, Scale, Series};
use crate::charts::common::{scheme_style, slug};
use crate::store::results::ResultSet;

pub const FAMILY: Family = Family {
    stems: &[Stem {
        name: "act_bands_train",
        part: Part::Training,
        reading: "The distribution of the last hidden layer's activations over training, as TensorBoard draws it: the median line inside nested bands (30.85–69.15 %, 15.87–84.13 %, 6.68–93.32 % and minimum–maximum of the entries), darker towards the middle. Bands that pinch to a line are a vanishing layer; bands pressed against ±1 (tanh) a saturated one; a lower edge stuck at 0 (ReLU) with the median on it, dead units.",
    }],
    draw,
};

fn draw(rs: &ResultSet) -> Vec<Figure> {
    let mut figures = Vec::new();
    for (group, runs) in rs.groups() {
        let mut panels = Vec::new();
        for scheme in rs.schemes() {
            let Some(run) = runs.iter().find(|r| r.scheme() == *scheme) else {
                continue;
            };
            let rows = rs.layers_of(&run.run_id);
            // The last site along depth: the last hidden layer, or the last block's stream.
            let Some(last) = rows
                .iter()
                .filter(|r| r.depth_index().is_some())
                .max_by_key(|r| r.depth_index())
                .map(|r| r.layer)
            else {
                continue;
            };
            let quantiles: Vec<(f64, [f64; 9])> = rows
                .iter()
                .filter(|r| r.layer == last)
                .filter_map(|r| Some((r.step as f64, r.act_quantiles()?)))
                .collect();
            if quantiles.is_empty() {
                continue;
            }
            let (color, _) = scheme_style(rs, &scheme);
            // Outermost band first; the innermost carries the median line and the label.
            let series = (0..4)
                .map(|b| Series {
                    label: if b == 3 {
                        scheme.clone()
                    } else {
                        String::new()
                    },
                    color,
                    points: if b == 3 {
                        quantiles.iter().map(|(x, q)| (*x, q[4])).collect()
                    } else {
                        Vec::new()
                    },
                    band: quantiles
                        .iter()
                        .map(|(x, q)| (*x, q[b], q[8 - b]))
                        .collect(),
                    role: Role::Measured,
                    marker: None,
                })
                .collect();
            panels.push(Panel::Lines(LinePanel {
                caption: format!("{scheme}, seed {}, layer {last}", run.seed),
                x_label: "step".into(),
                x_scale: Scale::Integer,
                y_label: "activation hˡ".into(),
                y_scale: Scale::Linear,
                y_range: None,
                series,
            }));
        }
        if panels.is_empty() {
            continue;
        }
        let caption = rs.caption(&group);
        figures.push(Figure {
            stem: format!("act_bands_train__{}", slug(&caption)),
            title: format!(
                "Activations of the last hidden layer over training (median; bands between quantiles, darker inside): {caption}"
            ),
            panels,
            color_bar: None,
        });
    }
    figures
}
