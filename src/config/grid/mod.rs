//! The grid of an experiment: every combination of the config's axes in a fixed order
//! (dataset, activation, architecture, depth, width, parameterization, optimizer, learning
//! rate, scheme, branch scheme, bias, seed; the seed varies fastest), less the combinations
//! an `exclude` entry names, those pairing a width profile with another depth, those pairing
//! a branch scheme with a network without branches and a recurrent network with a depth
//! other than 1, each with a stable run id.
//!
//! The grid is walked lazily, like an odometer: a point is its position on each axis, and each
//! `exclude` entry is compiled once into the positions it matches on each axis it names, so
//! counting or listing the first runs of a ten-million-run grid holds one point at a time
//! (`shard.rs`: its deterministic parts; `run_id.rs`: the stable id of a run; `exclusion.rs`:
//! `exclude` compiled and checked).

mod exclusion;
mod point;
mod run_id;
mod shard;

pub use point::GridPoint;
pub use run_id::{fnv1a, run_id};
pub use shard::Shard;

use std::collections::HashMap;

use exclusion::Exclusion;
use std::fmt::Display;

use crate::config::spec::RunSpec;
use crate::config::ExperimentConfig;
use crate::init::{InitScheme, NetworkInit};

/// The grid's axes.
const AXIS_COUNT: usize = 12;

/// The keys an `exclude` entry may name.
pub const EXCLUDE_KEYS: [&str; AXIS_COUNT] = [
    "init",
    "activation",
    "architecture",
    "branch",
    "depth",
    "width",
    "parameterization",
    "seed",
    "lr",
    "optimizer",
    "bias",
    "dataset",
];

/// A grid point: its index among all combinations (excluded ones too, so it does not change
/// when `exclude` does) and its position on each axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    pub index: usize,
    pub dataset: usize,
    pub activation: usize,
    pub architecture: usize,
    pub depth: usize,
    pub width: usize,
    pub parameterization: usize,
    pub optimizer: usize,
    pub lr: usize,
    pub init: usize,
    pub branch: usize,
    pub bias: usize,
    pub seed: usize,
    /// The same positions in [`AXES`] order.
    pos: [usize; AXIS_COUNT],
}

impl Point {
    /// The point at grid index `index` with positions `pos` in [`AXES`] order.
    fn at(index: usize, pos: [usize; AXIS_COUNT]) -> Self {
        let [dataset, activation, architecture, depth, width, parameterization, optimizer, lr, init, branch, bias, seed] =
            pos;
        Point {
            index,
            dataset,
            activation,
            architecture,
            depth,
            width,
            parameterization,
            optimizer,
            lr,
            init,
            branch,
            bias,
            seed,
            pos,
        }
    }
}

fn labels<T: Display>(values: &[T]) -> Vec<String> {
    values.iter().map(ToString::to_string).collect()
}

/// An experiment's grid, ready to walk.
pub struct Grid<'a> {
    pub config: &'a ExperimentConfig,
    /// Axis lengths, outermost first.
    lens: [usize; AXIS_COUNT],
    init: Vec<String>,
    activation: Vec<String>,
    architecture: Vec<String>,
    branch: Vec<String>,
    parameterization: Vec<String>,
    optimizer: Vec<String>,
    bias: Vec<String>,
    dataset: Vec<String>,
    exclusions: Vec<Exclusion>,
}

impl<'a> Grid<'a> {
    pub fn new(config: &'a ExperimentConfig) -> Self {
        let c = config;
        Grid {
            config,
            lens: [
                c.datasets.len(),
                c.activations.len(),
                c.architectures.len(),
                c.depths.len(),
                c.widths.len(),
                c.parameterizations.len(),
                c.optimizers.len(),
                c.lrs.len(),
                c.inits.len(),
                c.branches.len(),
                c.biases.len(),
                c.seeds.len(),
            ],
            init: labels(&c.inits),
            activation: labels(&c.activations),
            architecture: labels(&c.architectures),
            branch: labels(&c.branches),
            parameterization: labels(&c.parameterizations),
            optimizer: labels(&c.optimizers),
            bias: labels(&c.biases),
            dataset: labels(&c.datasets),
            exclusions: Vec::new(),
        }
        .with_exclusions()
    }

    /// The number of combinations, excluded ones included (saturating).
    pub fn size(&self) -> usize {
        self.lens.iter().fold(1usize, |a, &n| a.saturating_mul(n))
    }

    /// The point with grid index `index`.
    pub fn point(&self, index: usize) -> Point {
        let mut pos = [0usize; AXIS_COUNT];
        let mut rest = index;
        for axis in (0..AXIS_COUNT).rev() {
            pos[axis] = rest % self.lens[axis];
            rest /= self.lens[axis];
        }
        Point::at(index, pos)
    }

    /// What `exclude` sees of a point.
    pub fn coordinates(&self, p: &Point) -> GridPoint<'_> {
        let c = self.config;
        GridPoint {
            init: Some(&self.init[p.init]),
            activation: Some(&self.activation[p.activation]),
            architecture: Some(&self.architecture[p.architecture]),
            branch: Some(&self.branch[p.branch]),
            depth: Some(c.depths[p.depth]),
            width: Some(&c.widths[p.width]),
            parameterization: Some(&self.parameterization[p.parameterization]),
            seed: Some(c.seeds[p.seed]),
            lr: Some(c.lrs[p.lr]),
            optimizer: Some(&self.optimizer[p.optimizer]),
            bias: Some(&self.bias[p.bias]),
            dataset: Some(&self.dataset[p.dataset]),
        }
    }

    /// Whether `exclude` leaves a point out, its width is a profile of another depth, it
    /// pairs a branch scheme with a network without branches, or a recurrent network with a
    /// depth other than 1.
    pub fn excluded(&self, p: &Point) -> bool {
        let c = self.config;
        let architecture = c.architectures[p.architecture];
        !c.widths[p.width].fits(c.depths[p.depth])
            || (c.branches[p.branch].silent() && !architecture.residual())
            || (architecture.recurrent() && c.depths[p.depth] != 1)
            || self.exclusions.iter().any(|e| e.matches(&p.pos))
    }

    /// Whether every combination of the axes is a run (no `exclude`, no width profile, no
    /// branch scheme beside a plain MLP), so counts are arithmetic.
    fn dense(&self) -> bool {
        let c = self.config;
        c.exclude.is_empty()
            && c.widths.iter().all(|w| w.uniform().is_some())
            && (c.architectures.iter().all(|a| !a.recurrent()) || c.depths == [1])
            && (c.architectures.iter().all(|a| a.residual())
                || c.branches.iter().all(|b| !b.silent()))
    }

    /// The points not excluded, in grid order, counted like an odometer (no division per
    /// point).
    pub fn points(&self) -> impl Iterator<Item = Point> + '_ {
        let mut pos = [0usize; AXIS_COUNT];
        let size = self.size();
        (0..size)
            .map(move |index| {
                let point = Point::at(index, pos);
                for axis in (0..AXIS_COUNT).rev() {
                    pos[axis] += 1;
                    if pos[axis] < self.lens[axis] {
                        break;
                    }
                    pos[axis] = 0;
                }
                point
            })
            .filter(|p| !self.excluded(p))
    }

    /// The runs of the grid, or of `shard`. Without `exclude` or profiles this is
    /// arithmetic; with them, one walk of the grid.
    pub fn count(&self, shard: Option<Shard>) -> usize {
        if self.dense() {
            let size = self.size();
            return shard.map_or(size, |s| size.saturating_sub(s.index).div_ceil(s.count));
        }
        self.points()
            .filter(|p| shard.is_none_or(|s| s.contains_index(p.index)))
            .count()
    }

    /// The runs grouped by the axes that shape a network and its memory (dataset,
    /// architecture, depth, width, optimizer, scheme): a representative point of each group
    /// and the group's size (in `shard`). Without `exclude` or profiles every group has the
    /// same size and no run is visited.
    pub fn shape_groups(&self, shard: Option<Shard>) -> Vec<(Point, usize)> {
        const SHAPING: [usize; 6] = [0, 2, 3, 4, 6, 8];
        if self.dense() {
            let groups = SHAPING.iter().fold(1usize, |a, &axis| a * self.lens[axis]);
            let each = self.size() / groups.max(1);
            let each = shard.map_or(each, |s| each.div_ceil(s.count));
            return (0..groups)
                .map(|g| {
                    let mut pos = [0usize; AXIS_COUNT];
                    let mut rest = g;
                    for &axis in SHAPING.iter().rev() {
                        pos[axis] = rest % self.lens[axis];
                        rest /= self.lens[axis];
                    }
                    let index = pos
                        .iter()
                        .zip(self.lens)
                        .fold(0usize, |i, (&p, n)| i * n + p);
                    (Point::at(index, pos), each)
                })
                .collect();
        }
        let mut groups: HashMap<[usize; 6], (Point, usize)> = HashMap::new();
        for p in self.points() {
            if shard.is_some_and(|s| !s.contains_index(p.index)) {
                continue;
            }
            let key = [
                p.dataset,
                p.architecture,
                p.depth,
                p.width,
                p.optimizer,
                p.init,
            ];
            groups.entry(key).or_insert((p, 0)).1 += 1;
        }
        let mut groups: Vec<(Point, usize)> = groups.into_values().collect();
        groups.sort_by_key(|(p, _)| p.index);
        groups
    }

    /// The run of a point.
    pub fn spec(&self, p: &Point) -> RunSpec {
        let c = self.config;
        let mut spec = RunSpec {
            index: p.index,
            run_id: String::new(),
            init: NetworkInit {
                input: c.input_init.clone(),
                hidden: c.inits[p.init].clone(),
                output: if c.parameterizations[p.parameterization].zero_readout() {
                    Some(InitScheme::Zeros {})
                } else {
                    c.output_init.clone()
                },
                bias: c.biases[p.bias].clone(),
            },
            activation: c.activations[p.activation],
            architecture: c.architectures[p.architecture],
            branch: c.branches[p.branch],
            depth: c.depths[p.depth],
            width: c.widths[p.width].clone(),
            parameterization: c.parameterizations[p.parameterization],
            seed: c.seeds[p.seed],
            optimizer: c.optimizers[p.optimizer].clone(),
            lr: c.lrs[p.lr],
            dataset: self.dataset[p.dataset].clone(),
            dataset_index: p.dataset,
            train: c.train.clone(),
            record: c.record,
        };
        spec.run_id = run_id(&spec, c);
        spec
    }

    /// Every run, in grid order.
    pub fn specs(&self) -> Vec<RunSpec> {
        self.points().map(|p| self.spec(&p)).collect()
    }
}

/// The axes in grid order, outermost first: the `exclude` key and the config key of each.
const AXES: [(&str, &str); AXIS_COUNT] = [
    ("dataset", "dataset"),
    ("activation", "activations"),
    ("architecture", "architectures"),
    ("depth", "depths"),
    ("width", "widths"),
    ("parameterization", "parameterizations"),
    ("optimizer", "optimizers"),
    ("lr", "lrs"),
    ("init", "inits"),
    ("branch", "branches"),
    ("bias", "biases"),
    ("seed", "seeds"),
];

/// Run id → grid position, the order of the final CSVs.
pub fn grid_order(specs: &[RunSpec]) -> HashMap<String, usize> {
    specs.iter().map(|s| (s.run_id.clone(), s.index)).collect()
}

/// Every run of the grid not left out by `exclude`, in grid order.
pub fn expand(config: &ExperimentConfig) -> Vec<RunSpec> {
    Grid::new(config).specs()
}
