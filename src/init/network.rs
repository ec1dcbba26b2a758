//! The initialization of a whole network ([`NetworkInit`]): which scheme draws each layer
//! (the hidden layers', the read-out's and the input layer's) and the biases' scheme.

use super::{BiasScheme, InitScheme};

/// The initialization of a whole network: the hidden layers' scheme (a recurrent network's
/// recurrent weights), the read-out's and the input layer's (the same unless given), and the
/// biases.
#[derive(Clone, PartialEq)]
pub struct NetworkInit {
    pub hidden: InitScheme,
    pub output: Option<InitScheme>,
    /// The first layer's scheme (a recurrent network's input weights `W_ih`).
    pub input: Option<InitScheme>,
    pub bias: BiasScheme,
}

/// Run ids hash this form (`config::grid::run_id`): `input`, added after ids were first
/// written, shows only when it is set, so that existing results keep their ids.
impl std::fmt::Debug for NetworkInit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("NetworkInit");
        d.field("hidden", &self.hidden);
        d.field("output", &self.output);
        d.field("bias", &self.bias);
        if let Some(input) = &self.input {
            d.field("input", input);
        }
        d.finish()
    }
}

impl NetworkInit {
    /// A network initialized by one scheme throughout, with these biases.
    pub fn uniform(hidden: InitScheme, bias: BiasScheme) -> Self {
        NetworkInit {
            hidden,
            output: None,
            input: None,
            bias,
        }
    }

    /// The scheme of layer `l` (0-based) of a network of `layers` affine layers: the read-out's
    /// for the last, the input layer's for the first, the hidden layers' otherwise.
    pub fn scheme(&self, l: usize, layers: usize) -> &InitScheme {
        match (&self.output, &self.input) {
            (Some(output), _) if l + 1 == layers => output,
            (_, Some(input)) if l == 0 => input,
            _ => &self.hidden,
        }
    }

    /// The input layer's scheme.
    pub fn input_scheme(&self) -> &InitScheme {
        self.input.as_ref().unwrap_or(&self.hidden)
    }

    /// The read-out's scheme.
    pub fn output_scheme(&self) -> &InitScheme {
        self.output.as_ref().unwrap_or(&self.hidden)
    }
}
