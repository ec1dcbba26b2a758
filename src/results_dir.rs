//! A results folder and its rules: one writer at a time (an OS file lock that dies with the
//! process, so a crash never leaves it stuck), a manifest that says what made the results, and
//! the only files initlab ever removes or moves are the ones it writes itself.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::output::{write_atomic, CURVES_CSV, HISTOGRAMS_CSV, LAYERS_CSV, RUNS_CSV};
use crate::plot::PLOTS_DIR;

/// The resolved config's file name inside a results folder.
pub const CONFIG_FILE: &str = "config.toml";
/// The manifest's file name.
pub const MANIFEST_FILE: &str = "manifest.toml";
const LOCK_FILE: &str = ".initlab.lock";
/// Every top-level file initlab writes in a results folder.
const WRITTEN: [&str; 8] = [
    RUNS_CSV,
    HISTOGRAMS_CSV,
    LAYERS_CSV,
    CURVES_CSV,
    CONFIG_FILE,
    MANIFEST_FILE,
    "report.md",
    "report.html",
];

/// What made a result set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub initlab_version: String,
    /// The commit initlab was built from, when it was built in a git checkout.
    pub git_commit: String,
    /// UTC time this invocation started (RFC 3339).
    pub started: String,
    /// Runs trained at once.
    pub jobs: usize,
    /// FNV-1a (64-bit) of the resolved config file.
    pub config_hash: String,
    /// `i/n` when this folder holds one shard of the grid.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub shard: String,
}

impl Manifest {
    pub fn new(resolved_config: &str, jobs: usize, shard: String) -> Self {
        Manifest {
            initlab_version: env!("CARGO_PKG_VERSION").to_string(),
            git_commit: option_env!("INITLAB_GIT_COMMIT")
                .unwrap_or_default()
                .to_string(),
            started: utc_now(),
            jobs,
            config_hash: config_hash(resolved_config),
            shard,
        }
    }
}

/// The hash recorded for a resolved config.
pub fn config_hash(resolved_config: &str) -> String {
    format!(
        "fnv1a64:{:016x}",
        crate::sweep::fnv1a(resolved_config.as_bytes())
    )
}

/// What to do with a folder that already holds results of another config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Resume when the config is the same; refuse otherwise.
    Resume,
    /// Remove initlab's files first and start over.
    Fresh,
    /// Move initlab's files of another config into `superseded-N/` and start over.
    ForceNew,
}

/// A results folder held for writing.
pub struct ResultsDir {
    pub path: PathBuf,
    _lock: File,
}

impl ResultsDir {
    /// Creates (if needed) and locks `path`, then applies `existing` to what is there.
    pub fn open(path: &Path, resolved_config: &str, existing: Existing) -> Result<Self> {
        std::fs::create_dir_all(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let lock_path = path.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("cannot open {}", lock_path.display()))?;
        if lock.try_lock().is_err() {
            bail!(
                "another initlab is writing to {}; wait for it to finish or choose another --out",
                path.display()
            );
        }
        let dir = ResultsDir {
            path: path.to_path_buf(),
            _lock: lock,
        };
        let saved = dir.saved_config()?;
        match (existing, saved) {
            (Existing::Fresh, _) => dir.remove_written()?,
            (_, None) => {}
            (_, Some(saved)) if saved == resolved_config => {}
            (Existing::ForceNew, Some(_)) => dir.supersede()?,
            (Existing::Resume, Some(_)) => bail!(
                "{} holds results of a different config (config hash {} here, {} now); resume \
                 with the same config, or pass --force-new to set them aside, or choose \
                 another --out",
                path.display(),
                dir.saved_hash().unwrap_or_default(),
                config_hash(resolved_config)
            ),
        }
        Ok(dir)
    }

    /// Checks, before anything is created, that `path` is new or was written by initlab.
    pub fn check_ours(path: &Path) -> Result<()> {
        if path.join(RUNS_CSV).exists() && !path.join(CONFIG_FILE).exists() {
            bail!(
                "{} holds a runs.csv that initlab did not write (no {CONFIG_FILE}); choose \
                 another --out",
                path.display()
            );
        }
        Ok(())
    }

    fn saved_config(&self) -> Result<Option<String>> {
        let saved = self.path.join(CONFIG_FILE);
        if !saved.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&saved)
            .with_context(|| format!("cannot read {}", saved.display()))?;
        Ok(Some(text))
    }

    fn saved_hash(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.path.join(MANIFEST_FILE)).ok()?;
        toml::from_str::<Manifest>(&text)
            .ok()
            .map(|m| m.config_hash)
    }

    /// Writes the resolved config and the manifest.
    pub fn write_header(&self, resolved_config: &str, manifest: &Manifest) -> Result<()> {
        write_atomic(&self.path.join(CONFIG_FILE), resolved_config.as_bytes())?;
        let text = toml::to_string(manifest).context("cannot serialize the manifest")?;
        write_atomic(&self.path.join(MANIFEST_FILE), text.as_bytes())
    }

    /// The files initlab wrote here (top level and charts).
    fn written_files(&self) -> Result<Vec<PathBuf>> {
        let mut files: Vec<PathBuf> = WRITTEN
            .iter()
            .map(|f| self.path.join(f))
            .filter(|p| p.exists())
            .collect();
        let plots = self.path.join(PLOTS_DIR);
        if plots.is_dir() {
            for entry in std::fs::read_dir(&plots)? {
                let p = entry?.path();
                if crate::plot::is_chart_file(&p) {
                    files.push(p);
                }
            }
        }
        Ok(files)
    }

    /// `--fresh`: removes initlab's own files (never the folder or anything else in it).
    fn remove_written(&self) -> Result<()> {
        for file in self.written_files()? {
            std::fs::remove_file(&file)
                .with_context(|| format!("cannot remove {}", file.display()))?;
        }
        // The charts folder goes only when nothing else is in it.
        let _ = std::fs::remove_dir(self.path.join(PLOTS_DIR));
        Ok(())
    }

    /// `--force-new`: moves initlab's files into the first free `superseded-N/`.
    fn supersede(&self) -> Result<()> {
        let target = (1..)
            .map(|n| self.path.join(format!("superseded-{n}")))
            .find(|p| !p.exists())
            .expect("some superseded-N is free");
        std::fs::create_dir(&target)?;
        for file in self.written_files()? {
            let relative = file.strip_prefix(&self.path).expect("inside the folder");
            let destination = target.join(relative);
            if let Some(parent) = destination.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::rename(&file, &destination)
                .with_context(|| format!("cannot move {}", file.display()))?;
        }
        let _ = std::fs::remove_dir(self.path.join(PLOTS_DIR));
        eprintln!(
            "initlab: the results of the previous config in {} were moved to {}",
            self.path.display(),
            target.display()
        );
        Ok(())
    }
}

/// The current UTC time as RFC 3339, e.g. `2026-11-29T05:55:00Z`.
pub fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_until_the_first_lets_go() {
        let tmp = tempfile::tempdir().unwrap();
        let first = ResultsDir::open(tmp.path(), "x = 1\n", Existing::Resume).unwrap();
        let second = ResultsDir::open(tmp.path(), "x = 1\n", Existing::Resume);
        assert!(second
            .err()
            .unwrap()
            .to_string()
            .contains("another initlab is writing"));
        drop(first);
        assert!(ResultsDir::open(tmp.path(), "x = 1\n", Existing::Resume).is_ok());
    }

    #[test]
    fn fresh_removes_only_initlab_files() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
        std::fs::create_dir(tmp.path().join(PLOTS_DIR)).unwrap();
        std::fs::write(tmp.path().join(PLOTS_DIR).join("act_var_init.png"), "chart").unwrap();
        std::fs::write(tmp.path().join(PLOTS_DIR).join("my_figure.png"), "mine").unwrap();
        std::fs::write(tmp.path().join(RUNS_CSV), "run_id\n").unwrap();
        std::fs::write(tmp.path().join(CONFIG_FILE), "old").unwrap();
        drop(ResultsDir::open(tmp.path(), "new", Existing::Fresh).unwrap());
        assert!(tmp.path().join("notes.txt").exists());
        assert!(tmp.path().join(PLOTS_DIR).join("my_figure.png").exists());
        assert!(!tmp.path().join(PLOTS_DIR).join("act_var_init.png").exists());
        assert!(!tmp.path().join(RUNS_CSV).exists() && !tmp.path().join(CONFIG_FILE).exists());
    }

    #[test]
    fn timestamps_are_rfc3339() {
        let t = utc_now();
        assert_eq!(t.len(), 20);
        assert!(t.starts_with("20") && t.ends_with('Z') && t.as_bytes()[10] == b'T');
    }
}
