//! The `[record]` table: what a run writes beyond its statistics and curves. It does not change
//! what a run trains or measures, so it is not part of a run's id.

use serde::{Deserialize, Serialize};

/// What each run records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordConfig {
    /// When activation histograms go to `histograms.csv`.
    #[serde(default)]
    pub histograms: HistogramsAt,
    /// When the Jacobian's and the weights' singular values are computed.
    #[serde(default)]
    pub spectra: SpectraAt,
}

impl RecordConfig {
    pub fn is_default(&self) -> bool {
        *self == RecordConfig::default()
    }
}

/// When a run writes its activation histograms (41 rows per layer and probe).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistogramsAt {
    /// At initialization and after the last step (the `hist_init` and `hist_final` charts).
    #[default]
    InitAndFinal,
    /// Never: for sweeps of thousands of initializations, whose histograms would be most of
    /// the results folder.
    None,
}

impl HistogramsAt {
    /// Whether the probe at `step` of a run of `steps` steps records histograms.
    pub fn at(self, step: usize, steps: usize) -> bool {
        match self {
            HistogramsAt::InitAndFinal => step == 0 || step == steps,
            HistogramsAt::None => false,
        }
    }
}

/// When a run computes spectra: the Jacobian's singular values (`spectra.csv`, and their
/// summary in `runs.csv`) and each layer's weight spectrum (`layers.csv`). They cost a singular
/// value decomposition per layer and per Jacobian example (a tenth of a second at width 256).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpectraAt {
    /// At initialization and after the last step.
    #[default]
    InitAndFinal,
    /// At every probe (spectra over training).
    EveryProbe,
    /// Never.
    None,
}

impl SpectraAt {
    /// Whether the probe at `step` of a run of `steps` steps computes spectra.
    pub fn at(self, step: usize, steps: usize) -> bool {
        match self {
            SpectraAt::InitAndFinal => step == 0 || step == steps,
            SpectraAt::EveryProbe => true,
            SpectraAt::None => false,
        }
    }
}
