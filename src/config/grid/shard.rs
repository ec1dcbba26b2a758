//! Shards: deterministic parts of the grid, for clusters (`--shard i/n`, SLURM arrays).

use std::fmt;
use std::str::FromStr;

use anyhow::{bail, Context, Result};

use crate::config::spec::RunSpec;

/// One of `count` deterministic parts of the grid: the runs whose grid index is `index`
/// modulo `count` (so every shard gets a mix of cheap and expensive runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub fn contains(&self, spec: &RunSpec) -> bool {
        self.contains_index(spec.index)
    }

    /// Whether the grid point with index `index` is in this shard.
    pub fn contains_index(&self, index: usize) -> bool {
        index % self.count == self.index
    }

    /// The shard of a SLURM array task, when `SLURM_ARRAY_TASK_ID` is set: with
    /// `INITLAB_SHARDS=n`, shard `task id` of `n` (what `scripts/slurm_array.sh` uses, so a
    /// resubmitted single task keeps its shard); otherwise derived from the array itself,
    /// `(id − SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP` of `SLURM_ARRAY_TASK_COUNT`. An
    /// array of one task is refused there: it is usually one task of a larger split
    /// resubmitted, and would train the whole grid.
    pub fn from_slurm() -> Result<Option<Shard>> {
        let var = |name: &str| std::env::var(name).ok();
        let Some(id) = var("SLURM_ARRAY_TASK_ID") else {
            return Ok(None);
        };
        let parse = |name: &str, v: &str| -> Result<usize> {
            v.trim()
                .parse()
                .with_context(|| format!("{name}=`{v}` is not a number"))
        };
        let id = parse("SLURM_ARRAY_TASK_ID", &id)?;
        if let Some(n) = var("INITLAB_SHARDS") {
            let count = parse("INITLAB_SHARDS", &n)?;
            if count == 0 || id >= count {
                bail!(
                    "SLURM array task {id} is not a shard of INITLAB_SHARDS={count} (0..{count})"
                );
            }
            return Ok(Some(Shard { index: id, count }));
        }
        let get = |name: &str, default: &str| parse(name, &var(name).unwrap_or(default.into()));
        let count = get("SLURM_ARRAY_TASK_COUNT", "0")?;
        let min = get("SLURM_ARRAY_TASK_MIN", "0")?;
        let step = get("SLURM_ARRAY_TASK_STEP", "1")?.max(1);
        if count <= 1 {
            bail!(
                "SLURM array task {id} is the only task of its array: set INITLAB_SHARDS to the \
                 number of shards of the experiment (or pass --shard i/n), or initlab would \
                 train the whole grid"
            );
        }
        if id < min || (id - min) % step != 0 || (id - min) / step >= count {
            bail!(
                "SLURM array task {id} is not in the array {min}..{} step {step}; pass --shard \
                 i/n or set INITLAB_SHARDS",
                min + step * (count - 1)
            );
        }
        Ok(Some(Shard {
            index: (id - min) / step,
            count,
        }))
    }
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("--shard `{s}`: expected i/n, e.g. 0/4"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("--shard `{s}`: `{i}` is not a number"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("--shard `{s}`: `{n}` is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!("--shard `{s}`: needs 0 <= i < n"));
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}
