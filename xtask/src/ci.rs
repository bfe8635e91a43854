//! `cargo xtask ci`: what CI runs, in the order that keeps a cold two-core run short, and
//! `cargo xtask check-wasmedge`, CI's separate job for the WasmEdge child.

use std::path::PathBuf;
use std::process::Command;

use anyhow::Context;

use crate::build::{build, guest_packages};
use crate::harness::{PassThrough, harness, host_packages, test_all_runtimes};
use crate::setup::{WASM_TARGETS, setup_host, tools_dir};
use crate::util::{cargo, project_root, run_cmd, rustc};
use crate::{bench, byo, differential, dist, fixtures, fuzz, matrix, platforms};

/// Set by `ci`: from then on every host build of this workspace lints as it compiles.
static LINT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Makes the host build `cmd` compile the workspace's own crates with clippy-driver and
/// warnings denied, once `ci` has asked for it: the way `cargo clippy` itself works (a
/// workspace wrapper and its `CLIPPY_ARGS`), but in real builds, so the dependencies are
/// compiled once for the build, the tests and the lints together instead of a second time
/// as clippy's check-only metadata (about a quarter of a cold CI run).
///
/// **Only host builds** (the harness, `bootstrap`, the tests): clippy-driver also changes
/// code generation (it turns MIR optimisations off), so a guest or adapter built under it
/// is not the artifact `build` and `dist` make; those are linted by [`lint_wasm`].
pub fn lint_env(cmd: &mut Command) {
    if let Some(driver) = LINT.get() {
        cmd.env("RUSTC_WORKSPACE_WRAPPER", driver).env(
            "CLIPPY_ARGS",
            "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__",
        );
    }
}

/// `cargo xtask ci`.
pub fn ci() -> anyhow::Result<()> {
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--", "--check"]);
    run_cmd(fmt)?;

    setup_host()?;
    // The platforms' tools compile for many minutes (Viceroy is most of it) and only the
    // platform columns need them: they install in the background while the lint build
    // runs (niced, so that build keeps the cores it can use).
    let tools = tools_dir()?;
    let log = tools.join("install.log");
    let installing = {
        let (tools, log) = (tools.clone(), log.clone());
        std::thread::spawn(move || platforms::setup(&tools, Some(&log)))
    };
    // From here on, every host build of the workspace lints as it compiles (`lint_env`).
    let driver = clippy_driver()?;
    eprintln!(
        "ci: building with {} as the workspace wrapper, warnings denied",
        driver.display()
    );
    LINT.set(driver).ok();
    // Then what test-all-runtimes builds before it needs the tools, while they finish.
    let built = lint_build()
        .and_then(|()| lint_wasm())
        .and_then(|()| fixtures::check(&project_root()))
        .and_then(|()| build().map(drop))
        .and_then(|()| harness(&[]).map(drop))
        // Each fuzz target briefly, while the tools finish: cargo-afl, one instrumented
        // build at opt-level 1 (a third less CPU than 3), 10 s per target, two at a time.
        // About 8 CPU-minutes cold, measured in RELIABILITY.md.
        .and_then(|()| {
            fuzz::main(fuzz::Args {
                targets: Vec::new(),
                seconds: 10,
                jobs: 2,
                opt_level: Some("1".to_owned()),
                list: false,
            })
        });
    if let Err(e) = built {
        eprintln!(
            "ci: the platforms' tools go on installing in the background (log: {}); the \
             next run reuses whatever has finished",
            log.display()
        );
        return Err(e);
    }
    eprintln!(
        "ci: waiting for the platforms' tools (log: {})",
        log.display()
    );
    installing
        .join()
        .map_err(|_| anyhow::anyhow!("installing the platforms' tools panicked"))?
        .context("installing the platforms' tools")?;
    // `--diff`: a change of results must come with its regenerated baseline (`--update`).
    // Only statuses are compared, and runtimes this machine lacks are left out, so the
    // check does not depend on timing or on what is installed.
    test_all_runtimes(&["--diff".to_owned()])?;
    // Native against wasm beyond the vectors: the fuzz seeds, the corpora the fuzz step
    // just grew, and mutated vector requests, 2000 inputs per service (about 20 s).
    differential::main(differential::Args {
        harness: PassThrough {
            rest: vec!["--limit".to_owned(), "2000".to_owned()],
            ..PassThrough::default()
        },
        ..differential::Args::default()
    })?;
    // `--shard` + `matrix merge` for real, on the quick native column.
    matrix::check_round_trip()?;
    // The bring-your-own-wasm mode on its examples: fails on any cell that neither passes
    // nor is explained in their expectations.json.
    byo::examples(&[])?;
    // The benchmarks, as a smoke run: they must run and every runtime must answer as the
    // native reference does; the goals are printed, not asserted.
    bench::main(bench::Args {
        quick: true,
        ..bench::Args::default()
    })?;
    // The release bundles (with this run's matrix rows): byte-identical to a second build
    // from a copy of the sources elsewhere (about 2 minutes once its target directory
    // exists, 5 from empty), then each tried in an empty directory as its README says.
    dist::main(dist::Args {
        check_reproducible: true,
        ..dist::Args::default()
    })?;
    dist::main(dist::Args {
        check_bundle: true,
        ..dist::Args::default()
    })?;

    // Unit and integration tests last, so the run ends with cargo's test summary.
    // (`--all-targets` leaves out doc-tests: this workspace has none.)
    // Built (and linted) by `lint_build` already, so this only runs them.
    let mut test = cargo();
    test.arg("test");
    host_packages(&mut test);
    test.arg("--all-targets");
    lint_env(&mut test);
    run_cmd(test)
}

/// clippy-driver of the toolchain this workspace pins (rust-toolchain.toml lists clippy).
fn clippy_driver() -> anyhow::Result<PathBuf> {
    let sysroot = PathBuf::from(rustc(&["--print", "sysroot"])?);
    let driver = sysroot
        .join("bin")
        .join(format!("clippy-driver{}", std::env::consts::EXE_SUFFIX));
    anyhow::ensure!(
        driver.exists(),
        "{} is missing: `rustup component add clippy` (rust-toolchain.toml asks for it)",
        driver.display()
    );
    Ok(driver)
}

/// The lints of `ci` on the host, as a build (with [`LINT`] set) of every host crate and
/// its tests; `ci`'s later host builds (harness, tests) are this one.
fn lint_build() -> anyhow::Result<()> {
    let mut host = cargo();
    host.arg("test");
    host_packages(&mut host);
    host.args(["--all-targets", "--no-run"]);
    lint_env(&mut host);
    run_cmd(host)
}

/// The lints of what only builds for wasm, with `cargo clippy` for its target (check mode,
/// so the artifacts stay exactly what `build` makes): the guests, the WASI probes, the
/// bring-your-own examples and the wasm adapters.
fn lint_wasm() -> anyhow::Result<()> {
    for triple in WASM_TARGETS {
        let mut clippy = cargo();
        clippy.args(["clippy", "--target", triple]);
        for package in guest_packages(triple) {
            clippy.args(["--package", package]);
        }
        match triple {
            "wasm32-wasip1" => {
                clippy.args(["--package", "wasi-probes", "--package", "byo-examples"]);
                clippy.args(["--package", "fastly-adapter"]);
            }
            "wasm32-wasip2" => {
                clippy.args(["--package", "spin-adapter"]);
            }
            _ => {
                clippy.args(["--package", "cloudflare-adapter"]);
            }
        }
        clippy.args(["--", "-D", "warnings"]);
        run_cmd(clippy)?;
    }
    Ok(())
}

/// Type-checks and lints the WasmEdge child (`wasm-child` with its `wasmedge` feature),
/// which only links with libwasmedge (not installable here): with DOCS_RS set,
/// wasmedge-sys uses its bundled bindings and links nothing. Not part of `ci`: it checks
/// wasmedge-sdk's dependencies on its own; CI runs it as its own job
/// (.github/workflows/matrix.yml).
pub fn check_wasmedge() -> anyhow::Result<()> {
    let mut clippy = cargo();
    clippy
        .args([
            "clippy",
            "-p",
            "wasm-child",
            "--features",
            "wasmedge",
            "--all-targets",
        ])
        .args(["--", "-D", "warnings"])
        .env("DOCS_RS", "1");
    run_cmd(clippy)
}
