//! `fuzz`: runs one target of [`fuzz::TARGETS`].
//!
//! ```text
//! fuzz <target>                       under afl-fuzz (a `cargo afl build --features afl` build)
//! fuzz run <target> <file|dir>...     replay inputs (any build; a crash reproduces here)
//! fuzz seeds <target> <dir>           write the target's generated seed corpus
//! fuzz list                           the targets
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: fuzz <target> | fuzz run <target> <file|dir>... | fuzz seeds <target> <dir> | fuzz list";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["list"] => {
            for target in fuzz::TARGETS {
                println!("{:<18} {}", target.name, target.about);
            }
            ExitCode::SUCCESS
        }
        ["seeds", name, dir] => {
            let target = find(name);
            match fuzz::write_seeds(target, Path::new(dir)) {
                Ok(n) => {
                    println!("{n}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("fuzz: writing seeds into {dir}: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        ["run", name, paths @ ..] if !paths.is_empty() => replay(find(name), paths),
        [name] => fuzz_loop(find(name)),
        _ => {
            eprintln!("{USAGE}");
            ExitCode::FAILURE
        }
    }
}

fn find(name: &str) -> &'static fuzz::Target {
    fuzz::target(name).unwrap_or_else(|| {
        let names: Vec<&str> = fuzz::TARGETS.iter().map(|t| t.name).collect();
        eprintln!("fuzz: no target `{name}` (targets: {})", names.join(", "));
        std::process::exit(2)
    })
}

/// Runs each file (a directory: each file in it, sorted), naming it first, so the last
/// name printed is the input that crashed.
fn replay(target: &fuzz::Target, paths: &[&str]) -> ExitCode {
    let mut files: Vec<PathBuf> = Vec::new();
    for path in paths {
        let path = Path::new(path);
        if path.is_dir() {
            let mut inside: Vec<PathBuf> = match std::fs::read_dir(path) {
                Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(e) => {
                    eprintln!("fuzz: reading {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            };
            inside.retain(|p| p.is_file());
            inside.sort();
            files.extend(inside);
        } else {
            files.push(path.to_owned());
        }
    }
    for file in &files {
        let data = match std::fs::read(file) {
            Ok(data) => data,
            Err(e) => {
                eprintln!("fuzz: reading {}: {e}", file.display());
                return ExitCode::FAILURE;
            }
        };
        eprintln!("fuzz: {} {}", target.name, file.display());
        let started = std::time::Instant::now();
        fuzz::run_one(target, &data);
        eprintln!(
            "fuzz: ok in {:.1} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    eprintln!("fuzz: {} inputs, no failure", files.len());
    ExitCode::SUCCESS
}

#[cfg(feature = "afl")]
fn fuzz_loop(target: &'static fuzz::Target) -> ExitCode {
    afl::fuzz(true, |data| fuzz::run_one(target, data));
    ExitCode::SUCCESS
}

#[cfg(not(feature = "afl"))]
fn fuzz_loop(target: &'static fuzz::Target) -> ExitCode {
    eprintln!(
        "fuzz: this build has no AFL++ loop; `cargo xtask fuzz --target {}` builds one \
         (cargo afl build --features afl), or replay inputs with `fuzz run {} <file|dir>`",
        target.name, target.name
    );
    ExitCode::FAILURE
}
