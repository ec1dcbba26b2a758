//! The library's folders form layers, and data flows one way: a module may use its own folder
//! and the folders below it, never one above. This test reads `src/` and fails on any
//! `crate::` path that points upward, naming the file, the line and the two folders.
//!
//! The layers, lowest first (the README's "Layout" section draws the same list):

use std::fs;
use std::path::{Path, PathBuf};

const LAYERS: [&str; 17] = [
    "rng",        // seeded streams, one per purpose
    "bytes",      // sizes such as 8G
    "activation", // φ as data and scalar maths
    "stats",      // rank tests
    "defaults",   // every default a config may leave out
    "data",       // datasets
    "init",       // schemes as data, their variances and draws
    "theory",     // mean-field maths, no candle
    "net",        // the probed networks, kernels, metrics, LSUV, optimizers
    "config",     // the experiment, its grid and run specs
    "store",      // rows, tables, ledger, results folder, reader
    "claims",     // the experiment's claims, checked from the store alone
    "run",        // resources, sweep, one run -> one record
    "charts",     // chart families, from the store alone
    "report",     // the report, from the store and the charts
    "commands",   // run and merge, end to end
    "cli",        // the command line
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == module)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`None` for `lib.rs` and `main.rs`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib" && name != "main").then(|| name.to_string())
}

/// The top-level modules a line of code names through `crate::`.
fn used_modules(line: &str) -> Vec<String> {
    let mut used = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a::b, c};`
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            used.extend(
                inner
                    .split(',')
                    .map(|p| p.trim().split("::").next().unwrap_or("").trim().to_string()),
            );
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            used.push(name);
        }
    }
    used.retain(|m| !m.is_empty());
    used
}

#[test]
fn no_folder_uses_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        let own = rank(&module).unwrap_or_else(|| {
            panic!(
                "{} is in `{module}`, which tests/layers.rs does not place",
                file.display()
            )
        });
        for (n, line) in fs::read_to_string(file).unwrap().lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for used in used_modules(line) {
                let Some(theirs) = rank(&used) else {
                    violations.push(format!(
                        "{}:{}: `crate::{used}` is not a placed folder",
                        file.display(),
                        n + 1
                    ));
                    continue;
                };
                if theirs > own {
                    violations.push(format!(
                        "{}:{}: `{module}` uses `{used}`, a layer above it",
                        file.strip_prefix(&src).unwrap().display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "upward dependencies:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_path_reader_sees_grouped_imports() {
    assert_eq!(
        used_modules("use crate::{net::mlp::Mlp, store::rows};"),
        ["net", "store"]
    );
    assert_eq!(
        used_modules("let x = crate::charts::is_chart_file(p) && crate::run::x;"),
        ["charts", "run"]
    );
}
