//! The network of a run: the one place that knows which architecture a run trains (the plain
//! MLP, the residual MLP or a recurrent network of `net::architecture`); everything after it
//! goes through [`ProbedNet`].

use candle_core::{Device, Result as CandleResult};

use crate::config::spec::RunSpec;
use crate::data::Dataset;
use crate::net::architecture::{Architecture, ResidualShape};
use crate::net::mlp::Mlp;
use crate::net::recurrent::{CellKind, RecurrentNet, RecurrentShape};
use crate::net::residual::ResidualMlp;
use crate::net::ProbedNet;

/// The network of `spec`, initialized from its seed: the one place that knows which
/// architecture a run trains; everything after it goes through [`ProbedNet`].
pub(super) fn build(
    spec: &RunSpec,
    data: &Dataset,
    device: &Device,
) -> CandleResult<Box<dyn ProbedNet>> {
    Ok(match spec.architecture {
        Architecture::Mlp {} => {
            let mut sizes = vec![data.dim()];
            sizes.extend(spec.width.layers(spec.depth));
            sizes.push(data.task.outputs());
            Box::new(Mlp::init(
                &sizes,
                spec.activation,
                &spec.init,
                spec.seed,
                device,
            )?)
        }
        Architecture::Residual { layers, order } => {
            let width = spec.width.uniform().ok_or_else(|| {
                candle_core::Error::Msg("a residual network needs a uniform width".into())
            })?;
            let shape = ResidualShape {
                input: data.dim(),
                width,
                outputs: data.task.outputs(),
                blocks: spec.depth,
                layers,
                order,
            };
            Box::new(ResidualMlp::init(
                shape,
                spec.activation,
                &spec.init,
                spec.branch,
                spec.seed,
                device,
            )?)
        }
        Architecture::Rnn {} | Architecture::Lstm { .. } => {
            let missing =
                |what: &str| candle_core::Error::Msg(format!("a recurrent network {what}"));
            let (steps, input) = data
                .sequence()
                .ok_or_else(|| missing("needs a sequence dataset ([dataset] step)"))?;
            let hidden = spec
                .width
                .uniform()
                .ok_or_else(|| missing("needs a uniform width"))?;
            let cell = CellKind::of(spec.architecture).expect("a recurrent architecture");
            let positions = data.task.positions();
            if positions > steps {
                return Err(missing(&format!(
                    "of {steps} steps cannot predict {positions} positions"
                )));
            }
            let shape = RecurrentShape {
                input,
                steps,
                hidden,
                outputs: data.task.outputs() / positions,
                positions,
            };
            Box::new(RecurrentNet::init(
                shape,
                cell,
                spec.activation,
                &spec.init,
                spec.seed,
                device,
            )?)
        }
    })
}
