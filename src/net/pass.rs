//! One forward pass, three ways, for networks that write their pass once as a function of a
//! [`Pass`] (the residual and the recurrent networks): plainly (the logits), traced (every probe
//! site with its tap, see [`super::probe`]), or up to one site's pre-activation (what LSUV
//! measures). The network calls [`Pass::site`] (a tap on the pre-activation, then φ) or
//! [`Pass::tapped`] and [`Pass::keep`] (a tap where it chooses, e.g. on a recurrent state) at
//! each site, in site order, and stops where they say so.

use candle_core::{Result as CandleResult, Tensor, Var};

use super::activation::ActivationForward;
use super::probe::{tap, Trace, TracedSite};
use crate::activation::Activation;

/// What a pass keeps of the sites it goes through.
pub enum Pass {
    /// Nothing: the logits only.
    Plain,
    /// Every site, with a probe tap.
    Trace(Vec<TracedSite>),
    /// The `z` of one site (0-based), where the pass stops.
    Until(usize, Option<Tensor>),
}

/// What a site keeps beside its `z` and `h` (see [`TracedSite`]).
#[derive(Default)]
pub struct Extras {
    pub skip: Option<Tensor>,
    pub forget_gate: Option<Tensor>,
}

impl Pass {
    /// `value` with a zero probe tap added when tracing, and the tap.
    pub fn tapped(&self, value: Tensor) -> CandleResult<(Tensor, Option<Var>)> {
        match self {
            Pass::Trace(_) => {
                let (examples, units) = value.dims2()?;
                let tap = tap(examples, units, &value)?;
                Ok((value.add(tap.as_tensor())?, Some(tap)))
            }
            _ => Ok((value, None)),
        }
    }

    /// Keeps site `index` (its tap from [`Pass::tapped`], `z`, `h` and `extras`); `false`
    /// where the pass stops.
    pub fn keep(
        &mut self,
        index: usize,
        tap: Option<Var>,
        z: Tensor,
        h: Tensor,
        extras: Extras,
    ) -> bool {
        match self {
            Pass::Plain => true,
            Pass::Trace(sites) => {
                sites.push(TracedSite {
                    tap: tap.expect("a traced pass taps every site"),
                    z,
                    h,
                    skip: extras.skip,
                    forget_gate: extras.forget_gate,
                });
                true
            }
            Pass::Until(site, out) if *site == index => {
                *out = Some(z);
                false
            }
            Pass::Until(..) => true,
        }
    }

    /// A site whose tap sits on its pre-activation `z`: returns `φ(z)`, or `None` where the
    /// pass stops; `skip` is the residual stream before a block.
    pub fn site(
        &mut self,
        index: usize,
        z: Tensor,
        activation: Activation,
        skip: Option<&Tensor>,
    ) -> CandleResult<Option<Tensor>> {
        if let Pass::Until(site, out) = self {
            if *site == index {
                *out = Some(z);
                return Ok(None);
            }
        }
        let (z, tap) = self.tapped(z)?;
        let h = activation.forward(&z)?;
        let extras = Extras {
            skip: skip.cloned(),
            forget_gate: None,
        };
        Ok(self.keep(index, tap, z, h.clone(), extras).then_some(h))
    }
}

/// The logits of a plain pass.
pub fn forward(
    run: impl FnOnce(&mut Pass) -> CandleResult<Option<Tensor>>,
) -> CandleResult<Tensor> {
    Ok(run(&mut Pass::Plain)?.expect("a plain pass runs to the end"))
}

/// A traced pass over `sites` sites.
pub fn trace(
    sites: usize,
    run: impl FnOnce(&mut Pass) -> CandleResult<Option<Tensor>>,
) -> CandleResult<Trace> {
    let mut pass = Pass::Trace(Vec::with_capacity(sites));
    let logits = run(&mut pass)?.expect("a traced pass runs to the end");
    let Pass::Trace(sites) = pass else {
        unreachable!("the pass stays a trace")
    };
    Ok(Trace { sites, logits })
}

/// The pre-activation of site `site` (0-based).
pub fn pre_activation(
    site: usize,
    run: impl FnOnce(&mut Pass) -> CandleResult<Option<Tensor>>,
) -> CandleResult<Tensor> {
    let mut pass = Pass::Until(site, None);
    run(&mut pass)?;
    match pass {
        Pass::Until(_, Some(z)) => Ok(z),
        _ => Err(candle_core::Error::Msg(format!("no site {site}"))),
    }
}
