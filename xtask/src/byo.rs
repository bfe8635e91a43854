//! `cargo xtask byo-examples`: the bring-your-own-wasm mode run on its own examples.
//!
//! `conformance/byo-examples` is a crate of small `wasm32-wasip1` programs (`src/bin/<name>.rs`)
//! and a directory of specs (`specs/<spec>.json`, with their fixture directories and
//! `expectations.json`). The harness pairs a module with its spec by name (`<spec>.wasm`
//! beside `<spec>.json`), so several specs of one program each get a copy of its module: a
//! spec is named after its program, alone or followed by `-<variant>` (`upper.json` and
//! `upper-empty.json` both run `upper`). The staged directory,
//! `<target>/conformance/byo-examples/`, is made afresh on every run and handed to
//! `test-all-runtimes --wasm`.

use std::path::Path;

use anyhow::{Context, bail};

use crate::build::GUEST_PROFILE;
use crate::harness::{PassThrough, help_then_harness, test_all_runtimes};
use crate::setup::wasm_targets;
use crate::util::{cargo, copy_dir, run_cmd, target_dir};

/// The examples' crate, relative to the workspace root.
const CRATE_DIR: &str = "conformance/byo-examples";
const PACKAGE: &str = "byo-examples";
const TRIPLE: &str = "wasm32-wasip1";
/// In a spec directory, the file of known differences rather than a spec.
const EXPECTATIONS: &str = "expectations.json";

/// Build conformance/byo-examples (small WASI programs) and run them on every runtime.
///
/// Builds them for wasm32-wasip1, stages its specs with each spec's module beside it in
/// <target>/conformance/byo-examples/ and runs them on every runtime: test-all-runtimes
/// --wasm <that directory>, so the matrix is written to <target>/conformance/byo/. Options
/// go on to the harness; `--help` prints this, then the harness's help (builds it first).
#[derive(clap::Args, Debug)]
#[command(
    disable_help_flag = true,
    mut_arg("rest", |arg| arg
        .help("Options for the harness (after `--wasm <staged dir>`), passed on as they are"))
)]
pub struct Args {
    // `--help`, and the options for the harness.
    #[command(flatten)]
    pub harness: PassThrough,
}

/// `cargo xtask byo-examples ...`.
pub fn main(args: Args) -> anyhow::Result<()> {
    let (help, harness_args) = args.harness.split(|_| Ok(false))?;
    if help {
        return help_then_harness("byo-examples", None, &[]);
    }
    examples(&harness_args)
}

/// Builds the examples, stages them with their specs and runs them on every runtime.
/// `args` go to the harness after `--wasm <staged dir>` (e.g. `--runtime node`).
pub(crate) fn examples(args: &[String]) -> anyhow::Result<()> {
    let crate_dir = Path::new(CRATE_DIR);
    let programs = programs(&crate_dir.join("src").join("bin"))?;
    // On a fresh clone the target is not installed yet (test-all-runtimes' setup comes later).
    wasm_targets()?;
    let mut build = cargo();
    build.args([
        "build",
        "--profile",
        GUEST_PROFILE,
        "--target",
        TRIPLE,
        "--package",
        PACKAGE,
    ]);
    run_cmd(build)?;

    let target = target_dir()?;
    let modules = target.join(TRIPLE).join(GUEST_PROFILE);
    let staged = target.join("conformance").join("byo-examples");
    let specs = stage(&crate_dir.join("specs"), &modules, &programs, &staged)?;
    eprintln!(
        "byo-examples: staged {specs} specs of {} programs in {}",
        programs.len(),
        staged.display()
    );

    let staged = staged
        .to_str()
        .context("the target directory's path is not UTF-8")?;
    let mut harness_args = vec!["--wasm".to_owned(), staged.to_owned()];
    harness_args.extend(args.iter().cloned());
    test_all_runtimes(&harness_args)
}

/// The programs' names: the crate's `src/bin/<name>.rs`, sorted.
fn programs(bin: &Path) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(bin).with_context(|| format!("listing {}", bin.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "rs")
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
            names.push(stem.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// The program a spec runs: the longest program name that is the spec's name or is followed
/// in it by `-`.
fn program_for<'p>(spec: &str, programs: &'p [String]) -> Option<&'p str> {
    programs
        .iter()
        .filter(|program| {
            spec.strip_prefix(program.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
        })
        .max_by_key(|program| program.len())
        .map(String::as_str)
}

/// Replaces `staged` with a copy of `specs` and puts the module each spec runs beside it as
/// `<spec>.wasm`. Returns how many specs there are. Fails on a spec no program claims and
/// on a program no spec runs.
fn stage(
    specs: &Path,
    modules: &Path,
    programs: &[String],
    staged: &Path,
) -> anyhow::Result<usize> {
    if staged.exists() {
        std::fs::remove_dir_all(staged)
            .with_context(|| format!("removing the old {}", staged.display()))?;
    }
    copy_dir(specs, staged)?;

    let mut names = Vec::new();
    for entry in std::fs::read_dir(specs)? {
        let path = entry?.path();
        if path.is_file()
            && path.extension().is_some_and(|ext| ext == "json")
            && path.file_name().is_some_and(|name| name != EXPECTATIONS)
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
            names.push(stem.to_owned());
        }
    }
    names.sort();
    let mut used = Vec::new();
    for name in &names {
        let Some(program) = program_for(name, programs) else {
            bail!(
                "{}: no program is named after the spec `{name}` (a spec is `<program>.json` \
                 or `<program>-<variant>.json`; programs: {})",
                specs.display(),
                programs.join(", ")
            );
        };
        let module = modules.join(format!("{program}.wasm"));
        let copy = staged.join(format!("{name}.wasm"));
        std::fs::copy(&module, &copy)
            .with_context(|| format!("copying {} to {}", module.display(), copy.display()))?;
        used.push(program);
    }
    let unused: Vec<&str> = programs
        .iter()
        .map(String::as_str)
        .filter(|program| !used.contains(program))
        .collect();
    if !unused.is_empty() {
        bail!(
            "{}: no spec runs {} (add `<program>.json` or `<program>-<variant>.json`)",
            specs.display(),
            unused.join(", ")
        );
    }
    Ok(names.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_run_the_longest_program_their_name_starts_with() {
        let programs: Vec<String> = ["exit", "exit-with", "upper", "wc-dir"]
            .map(str::to_owned)
            .to_vec();
        assert_eq!(program_for("upper", &programs), Some("upper"));
        assert_eq!(program_for("upper-empty", &programs), Some("upper"));
        assert_eq!(program_for("exit-with-42", &programs), Some("exit-with"));
        assert_eq!(program_for("exit-0", &programs), Some("exit"));
        assert_eq!(program_for("uppercase", &programs), None);
        assert_eq!(program_for("wc", &programs), None);
    }

    #[test]
    fn every_example_spec_has_a_program_and_every_program_a_spec() {
        let root = crate::util::project_root();
        let crate_dir = root.join(CRATE_DIR);
        let programs = programs(&crate_dir.join("src").join("bin")).unwrap();
        assert!(!programs.is_empty());
        let dir = std::env::temp_dir().join(format!("xtask-byo-{}", std::process::id()));
        let modules = dir.join("modules");
        std::fs::create_dir_all(&modules).unwrap();
        for program in &programs {
            std::fs::write(modules.join(format!("{program}.wasm")), program).unwrap();
        }
        let staged = dir.join("staged");
        let specs = stage(&crate_dir.join("specs"), &modules, &programs, &staged).unwrap();
        assert!(specs >= programs.len());
        // Each spec has its program's module beside it, and the fixtures came along.
        assert_eq!(
            std::fs::read_to_string(staged.join("upper-empty.wasm")).unwrap(),
            "upper"
        );
        assert!(staged.join("data/nested/deep.txt").is_file());
        assert!(!staged.join("expectations.wasm").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
