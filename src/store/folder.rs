//! A results folder and its rules: one writer at a time (an OS file lock that dies with the
//! process, so a crash never leaves it stuck), a manifest that says what made the results, and
//! the only files initlab ever removes or moves are the ones it writes itself.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::config::grid::fnv1a;
use crate::net::device::DeviceChoice;
use crate::store::files::{
    ChartFiles, CONFIG_FILE, LOCK_FILE, MANIFEST_FILE, PLOTS_DIR, STAGING_DIR, WRITTEN,
};
use crate::store::tables::write_atomic;

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
    /// Where the runs were trained (`cpu` in manifests written before it was recorded). A
    /// GPU's float32 sums differ from the CPU's, so one result set keeps to one device.
    #[serde(default)]
    pub device: DeviceChoice,
    /// FNV-1a (64-bit) of the resolved config file.
    pub config_hash: String,
    /// `i/n` when this folder holds one shard of the grid.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub shard: String,
    /// The folders `initlab merge` combined into this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<String>,
    /// Set by `initlab merge --partial` when runs of the grid were missing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
}

impl Manifest {
    pub fn new(resolved_config: &str, jobs: usize, device: DeviceChoice, shard: String) -> Self {
        Manifest {
            initlab_version: env!("CARGO_PKG_VERSION").to_string(),
            git_commit: option_env!("INITLAB_GIT_COMMIT")
                .unwrap_or_default()
                .to_string(),
            started: crate::store::timestamp::utc_now(),
            jobs,
            device,
            config_hash: config_hash(resolved_config),
            shard,
            inputs: Vec::new(),
            partial: false,
        }
    }

    /// The manifest of `dir`, or `None` when it has none (a new or emptied folder).
    pub fn read_if_present(dir: &Path) -> Result<Option<Self>> {
        if dir.join(MANIFEST_FILE).exists() {
            Self::read(dir).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The manifest of the results folder `dir`.
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        toml::from_str(&text).with_context(|| {
            format!(
                "{} is not a manifest initlab wrote ({} is not initlab's results folder?)",
                path.display(),
                dir.display()
            )
        })
    }
}

/// The hash recorded for a resolved config.
pub fn config_hash(resolved_config: &str) -> String {
    format!("fnv1a64:{:016x}", fnv1a(resolved_config.as_bytes()))
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
    /// Which files of `plots/` are initlab's charts.
    is_chart: ChartFiles,
    _lock: File,
}

impl ResultsDir {
    /// Creates (if needed) and locks `path`, then applies `existing` to what is there; the
    /// charts it may remove or move are those `is_chart` recognises.
    pub fn open(
        path: &Path,
        resolved_config: &str,
        existing: Existing,
        is_chart: ChartFiles,
    ) -> Result<Self> {
        Self::check_ours(path, is_chart)?;
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
            is_chart,
            _lock: lock,
        };
        if dir.path.join(STAGING_DIR).exists() {
            dir.supersede()?;
        }
        let saved = dir.saved_config()?;
        match (existing, saved) {
            (Existing::Fresh, _) => dir.remove_written()?,
            (_, None) => {}
            (_, Some(saved)) if saved == resolved_config => {}
            (Existing::ForceNew, Some(_)) => dir.supersede()?,
            (Existing::Resume, Some(saved)) => bail!(
                "{} holds results of a different config (config hash {} here, {} now); resume \
                 with the same config, or pass --force-new to set them aside, or choose \
                 another --out",
                path.display(),
                config_hash(&saved),
                config_hash(resolved_config)
            ),
        }
        Ok(dir)
    }

    /// Checks, before anything is created or trained, that `path` is new, holds none of the
    /// files initlab writes, or is initlab's: its `manifest.toml` says so. A folder holding a
    /// `runs.csv`, `report.md`, a chart... that initlab did not write is refused, so those
    /// files are never appended to, replaced or removed.
    pub fn check_ours(path: &Path, is_chart: ChartFiles) -> Result<()> {
        if !path.exists() || path.join(STAGING_DIR).exists() {
            return Ok(());
        }
        if !path.is_dir() {
            bail!(
                "{} is a file, not a results folder; choose another --out",
                path.display()
            );
        }
        if path.join(MANIFEST_FILE).exists() {
            Manifest::read(path)?;
            return Ok(());
        }
        let foreign = written_files(path, is_chart)?;
        if !foreign.is_empty() {
            let names: Vec<String> = foreign
                .iter()
                .map(|f| f.strip_prefix(path).unwrap_or(f).display().to_string())
                .collect();
            bail!(
                "{} holds {} that initlab did not write (there is no {MANIFEST_FILE}); initlab \
                 neither writes over nor removes them. Choose another --out, or move those \
                 files away",
                path.display(),
                names.join(", ")
            );
        }
        Ok(())
    }

    /// Whether another initlab holds the lock of the results folder `path` now.
    pub fn is_being_written(path: &Path) -> Result<bool> {
        let lock_path = path.join(LOCK_FILE);
        let lock = match OpenOptions::new().write(true).open(&lock_path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot open {}", lock_path.display()))
            }
        };
        Ok(lock.try_lock().is_err())
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

    /// Writes the manifest, then the resolved config (so a folder with a config always has
    /// the manifest that marks it as initlab's).
    pub fn write_header(&self, resolved_config: &str, manifest: &Manifest) -> Result<()> {
        let text = toml::to_string(manifest).context("cannot serialize the manifest")?;
        write_atomic(&self.path.join(MANIFEST_FILE), text.as_bytes())?;
        write_atomic(&self.path.join(CONFIG_FILE), resolved_config.as_bytes())
    }

    /// `--fresh`: removes initlab's own files (never the folder or anything else in it).
    fn remove_written(&self) -> Result<()> {
        for file in written_files(&self.path, self.is_chart)? {
            std::fs::remove_file(&file)
                .with_context(|| format!("cannot remove {}", file.display()))?;
        }
        // The charts folder goes only when nothing else is in it.
        let _ = std::fs::remove_dir(self.path.join(PLOTS_DIR));
        Ok(())
    }

    /// `--force-new`: moves initlab's files into the first free `superseded-N/` as one
    /// rename: they are gathered in a staging folder first (the manifest last, so the folder
    /// stays recognisably initlab's), and a staging folder left by a kill is completed by the
    /// next `open`, so the old results never end up split.
    fn supersede(&self) -> Result<()> {
        let staging = self.path.join(STAGING_DIR);
        std::fs::create_dir_all(&staging)
            .with_context(|| format!("cannot create {}", staging.display()))?;
        let mut files = written_files(&self.path, self.is_chart)?;
        files.sort_by_key(|f| f.ends_with(MANIFEST_FILE));
        for file in files {
            let relative = file.strip_prefix(&self.path).expect("inside the folder");
            let destination = staging.join(relative);
            if let Some(parent) = destination.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::rename(&file, &destination)
                .with_context(|| format!("cannot move {}", file.display()))?;
        }
        let _ = std::fs::remove_dir(self.path.join(PLOTS_DIR));
        let target = (1..)
            .map(|n| self.path.join(format!("superseded-{n}")))
            .find(|p| !p.exists())
            .expect("some superseded-N is free");
        std::fs::rename(&staging, &target).with_context(|| {
            format!("cannot move {} to {}", staging.display(), target.display())
        })?;
        eprintln!(
            "initlab: the results of the previous config in {} were moved to {}",
            self.path.display(),
            target.display()
        );
        Ok(())
    }
}

/// The files initlab writes that exist in the folder `dir` (top level and charts).
fn written_files(dir: &Path, is_chart: ChartFiles) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = WRITTEN
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.exists())
        .collect();
    let plots = dir.join(PLOTS_DIR);
    if plots.is_dir() {
        for entry in
            std::fs::read_dir(&plots).with_context(|| format!("cannot read {}", plots.display()))?
        {
            let p = entry?.path();
            if is_chart(&p) {
                files.push(p);
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::files::RUNS_CSV;

    /// The registry's answer, for these tests: one chart name.
    fn chart(path: &Path) -> bool {
        path.file_name().is_some_and(|n| n == "act_var_init.png")
    }

    #[test]
    fn a_second_writer_is_refused_until_the_first_lets_go() {
        let tmp = tempfile::tempdir().unwrap();
        let first = ResultsDir::open(tmp.path(), "x = 1\n", Existing::Resume, chart).unwrap();
        let second = ResultsDir::open(tmp.path(), "x = 1\n", Existing::Resume, chart);
        assert!(second
            .err()
            .unwrap()
            .to_string()
            .contains("another initlab is writing"));
        drop(first);
        assert!(ResultsDir::open(tmp.path(), "x = 1\n", Existing::Resume, chart).is_ok());
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

        // Without initlab's manifest these are the user's files: refused, all left alone.
        let refused = ResultsDir::open(tmp.path(), "new", Existing::Fresh, chart)
            .err()
            .unwrap();
        let message = refused.to_string();
        for name in [
            "runs.csv",
            "config.toml",
            "plots/act_var_init.png",
            "no manifest.toml",
        ] {
            assert!(message.contains(name), "{message}");
        }
        assert!(tmp.path().join(RUNS_CSV).exists() && tmp.path().join(CONFIG_FILE).exists());

        let manifest =
            toml::to_string(&Manifest::new("old", 1, DeviceChoice::Cpu, String::new())).unwrap();
        std::fs::write(tmp.path().join(MANIFEST_FILE), manifest).unwrap();
        drop(ResultsDir::open(tmp.path(), "new", Existing::Fresh, chart).unwrap());
        assert!(tmp.path().join("notes.txt").exists());
        assert!(tmp.path().join(PLOTS_DIR).join("my_figure.png").exists());
        assert!(!tmp.path().join(PLOTS_DIR).join("act_var_init.png").exists());
        assert!(!tmp.path().join(RUNS_CSV).exists() && !tmp.path().join(CONFIG_FILE).exists());
        assert!(!tmp.path().join(MANIFEST_FILE).exists());
    }

    #[test]
    fn a_supersede_cut_short_is_completed_into_one_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let manifest =
            toml::to_string(&Manifest::new("old", 1, DeviceChoice::Cpu, String::new())).unwrap();
        std::fs::write(tmp.path().join(MANIFEST_FILE), manifest).unwrap();
        std::fs::write(tmp.path().join(CONFIG_FILE), "old").unwrap();
        std::fs::write(tmp.path().join(RUNS_CSV), "run_id\n").unwrap();
        // A kill after the first rename: runs.csv staged, the rest still in place.
        std::fs::create_dir(tmp.path().join(STAGING_DIR)).unwrap();
        std::fs::rename(
            tmp.path().join(RUNS_CSV),
            tmp.path().join(STAGING_DIR).join(RUNS_CSV),
        )
        .unwrap();
        drop(ResultsDir::open(tmp.path(), "new", Existing::ForceNew, chart).unwrap());
        let old = tmp.path().join("superseded-1");
        for name in [RUNS_CSV, CONFIG_FILE, MANIFEST_FILE] {
            assert!(old.join(name).exists(), "{name} is not in superseded-1");
        }
        assert!(!tmp.path().join("superseded-2").exists());
        assert!(!tmp.path().join(STAGING_DIR).exists());
    }
}
