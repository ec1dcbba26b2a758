//! The claims' files in a results folder: `claims.toml` (the experiment's `[[claim]]` tables,
//! kept apart from the `config.toml` that identifies the runs) and `claims.csv` (the verdicts).

use std::path::Path;

use anyhow::{Context, Result};

use super::ClaimResult;
use crate::config::claim::{Claim, Claims};
use crate::store::files::{CLAIMS_CSV, CLAIMS_FILE};
use crate::store::tables::write_atomic;

/// The claims saved in a results folder (none when it has no `claims.toml`).
pub fn read_claims(dir: &Path) -> Result<Vec<Claim>> {
    let path = dir.join(CLAIMS_FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let claims: Claims =
        toml::from_str(&text).with_context(|| format!("{} does not parse", path.display()))?;
    for (i, c) in claims.claim.iter().enumerate() {
        c.validate().map_err(|m| {
            anyhow::anyhow!("{}: claim {} (`{}`): {m}", path.display(), i + 1, c.name)
        })?;
    }
    Ok(claims.claim)
}

/// Removes a file of initlab's that no longer has anything to say.
fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// Saves the claims into a results folder (removing an old `claims.toml` when there are none).
pub fn write_claims(dir: &Path, claims: &[Claim]) -> Result<()> {
    let path = dir.join(CLAIMS_FILE);
    if claims.is_empty() {
        return remove_if_present(&path);
    }
    let text = toml::to_string(&Claims {
        claim: claims.to_vec(),
    })
    .context("cannot serialize the claims")?;
    write_atomic(&path, text.as_bytes())
}

/// Writes `claims.csv` (removing an old one when there are no claims).
pub fn write_results(dir: &Path, results: &[ClaimResult]) -> Result<()> {
    let path = dir.join(CLAIMS_CSV);
    if results.is_empty() {
        return remove_if_present(&path);
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    for r in results {
        writer.serialize(r)?;
    }
    let bytes = writer.into_inner().context("cannot write claims.csv")?;
    write_atomic(&path, &bytes)
}

/// The verdicts `claims.csv` holds (none when there is no such file).
pub fn read_results(dir: &Path) -> Result<Vec<ClaimResult>> {
    let path = dir.join(CLAIMS_CSV);
    if !path.exists() {
        return Ok(Vec::new());
    }
    crate::store::tables::read_table(&path)
}
