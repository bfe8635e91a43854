//! `fuzz`: runs one target of [`fuzz::TARGETS`].
//!
//! ```text
//! fuzz <target>                       under afl-fuzz (a `cargo afl build --features afl` build)
//! fuzz run <target> <file|dir>...     replay inputs (any build; a crash reproduces here)
//! fuzz seeds <target> <dir>           write the target's generated seed corpus
//! fuzz requests <target> [<file|dir>...]
//!                                     the inputs (default: the target's seeds) as service
//!                                     requests, one JSON line each (`fuzz::requests`)
//! fuzz list                           the targets
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: fuzz <target> | fuzz run <target> <file|dir>... | fuzz seeds <target> <dir> | fuzz requests <target> [<file|dir>...] | fuzz list";

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
        ["requests", name, paths @ ..] => requests(find(name), paths),
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
    let files = match files(paths) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("fuzz: {e}");
            return ExitCode::FAILURE;
        }
    };
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

/// The files of `paths`: each file, and each file in each directory (sorted).
fn files(paths: &[&str]) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = Vec::new();
    for path in paths {
        let path = Path::new(path);
        if path.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| format!("reading {}: {e}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            inside.retain(|p| p.is_file());
            inside.sort();
            files.extend(inside);
        } else {
            files.push(path.to_owned());
        }
    }
    Ok(files)
}

/// `fuzz requests`: each input (the target's seeds when no path is given) that is a request
/// of a service, as one JSON line on stdout: `{"origin", "service", "request"}`.
fn requests(target: &fuzz::Target, paths: &[&str]) -> ExitCode {
    if fuzz::requests::service_of(target.name).is_none() {
        eprintln!(
            "fuzz: the inputs of `{}` are not service requests",
            target.name
        );
        return ExitCode::FAILURE;
    }
    let inputs: Vec<(String, Vec<u8>)> = if paths.is_empty() {
        (target.seeds)()
            .into_iter()
            .map(|(name, data)| (format!("seed:{}/{name}", target.name), data))
            .collect()
    } else {
        let files = match files(paths) {
            Ok(files) => files,
            Err(e) => {
                eprintln!("fuzz: {e}");
                return ExitCode::FAILURE;
            }
        };
        let mut inputs = Vec::new();
        for file in files {
            match std::fs::read(&file) {
                Ok(data) => inputs.push((file.display().to_string(), data)),
                Err(e) => {
                    eprintln!("fuzz: reading {}: {e}", file.display());
                    return ExitCode::FAILURE;
                }
            }
        }
        inputs
    };
    let mut out = std::io::stdout().lock();
    let (mut written, total) = (0, inputs.len());
    for (origin, data) in inputs {
        if let Some(request) = fuzz::requests::request(target.name, &data) {
            if writeln!(out, "{}", fuzz::requests::line(&origin, &request)).is_err() {
                return ExitCode::FAILURE;
            }
            written += 1;
        }
    }
    eprintln!(
        "fuzz: {}: {written} of {total} inputs are requests",
        target.name
    );
    ExitCode::SUCCESS
}
