//! `initlab check`: the verdicts of an experiment's claims on a results folder, from the CSVs
//! alone, without writing anything. The claims are the folder's own (`claims.toml`, saved by
//! `initlab run`) or, with `--claims FILE`, the `[[claim]]` tables of another file (an edited
//! experiment config), so a claim can be tried on finished results before it is committed.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::claims::{evaluate, read_claims, ClaimResult, Verdict};
use crate::config::claim::Claims;
use crate::store::results::ResultSet;

/// What `initlab check` was asked to do.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub dir: PathBuf,
    /// A TOML file whose `[[claim]]` tables replace the folder's claims.
    pub claims: Option<PathBuf>,
}

/// The claims of a TOML file: its `[[claim]]` tables, validated (other keys are ignored, so an
/// experiment config can be given).
pub fn claims_of_file(path: &Path) -> Result<Claims> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read claims file `{}`", path.display()))?;
    let mut table: toml::Table = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("`{}` is not valid TOML: {e}", path.display()))?;
    let Some(claim) = table.remove("claim") else {
        bail!("`{}` has no [[claim]] tables", path.display());
    };
    let mut only = toml::Table::new();
    only.insert("claim".into(), claim);
    let claims = Claims::deserialize(toml::Value::Table(only))
        .map_err(|e| anyhow::anyhow!("`{}`: {e}", path.display()))?;
    for (i, c) in claims.claim.iter().enumerate() {
        c.validate().map_err(|m| {
            anyhow::anyhow!("`{}`: claim {} (`{}`): {m}", path.display(), i + 1, c.name)
        })?;
    }
    Ok(claims)
}

/// Every claim's verdict on the folder.
pub fn check(options: &CheckOptions) -> Result<Vec<ClaimResult>> {
    let claims = match &options.claims {
        Some(file) => claims_of_file(file)?.claim,
        None => read_claims(&options.dir)?,
    };
    if claims.is_empty() {
        bail!(
            "{} has no claims: add [[claim]] tables to the experiment's config and run it \
             again (finished runs are not trained again), or give them with --claims FILE",
            options.dir.display()
        );
    }
    let rs = ResultSet::load(&options.dir)?;
    let results = evaluate(&claims, &rs);
    rs.check_reads()?;
    Ok(results)
}

/// Whether the verdicts let `check` succeed: no claim failed, and with `strict` none is
/// undecided either.
pub fn passed(results: &[ClaimResult], strict: bool) -> bool {
    results
        .iter()
        .all(|r| r.verdict == Verdict::Pass || (!strict && r.verdict == Verdict::Undecided))
}
