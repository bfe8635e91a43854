//! `cargo xtask`: the project's automation, in Rust so it runs wherever cargo does.
//!
//! It stays light (no wasmtime): the harness is the `harness` binary of the `targets`
//! crate, which `test-all-runtimes` builds and runs after building the guest artifacts.

mod bench;
mod byo;
mod differential;
mod dist;
mod fixtures;
mod fuzz;
mod matrix;
mod platforms;
mod wasm_opt;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};
use serde_json::{Value, json};

const HELP: &str = "\
cargo xtask <command> [options]

Commands:
  setup                 Install what the harness needs: libclang to build it (wasm3's
                        bindings; Debian's libclang-dev through apt-get), the wasm targets,
                        and the driver programs of external runtimes whose toolchain is
                        present (wazero needs Go, chicory Java 17 and Maven, jco Node.js
                        and npm); Chromium for the test of matrix.html (Debian's
                        chromium through apt-get); and the platforms' tools: Viceroy,
                        wasm-bindgen-cli and worker-build compiled from crates.io (many
                        minutes of CPU the first time), workerd and esbuild from npm.
                        Idempotent.
  build                 Build every service in every wasm form, run binaryen's wasm-opt
                        -Oz over each (npm, pinned in xtask/tools/binaryen; cached by
                        content; skipped with a warning without npm) and write
                        <target>/conformance/artifacts.json (the optimised artifacts,
                        which everything runs and dist ships) and artifacts.raw.json
                        (as cargo built them).
  test-all-runtimes [harness options]
                        setup + build, then run every vector on every runtime and write
                        <target>/conformance/{matrix.json,matrix.md,matrix.html,junit.xml}.
                        Options go to the harness: --runtime, --service, --form, --case,
                        --timeout, --diff [<matrix.json>] (what changed since a baseline,
                        by default conformance/matrix.json at git HEAD; fails on a
                        regression), --update (rewrite COMPATIBILITY.md and that baseline),
                        --shard K/N (a deterministic, cost-balanced part of the cells),
                        --wasm <file|dir> [--spec <json>] (bring your own module),
                        --list. `cargo xtask test-all-runtimes --help` explains them all.
                        `--features wasmedge` (not passed on) also builds the WasmEdge
                        child, `harness-wasmedge`, which links libwasmedge (installed, and
                        on LD_LIBRARY_PATH at run time), and gives it to the harness.
  byo-examples [harness options]
                        Build conformance/byo-examples (small WASI programs) for
                        wasm32-wasip1, stage its specs with each spec's module beside it in
                        <target>/conformance/byo-examples/ and run them on every runtime:
                        test-all-runtimes --wasm <that directory>, so the matrix is written
                        to <target>/conformance/byo/. Options go on to the harness.
  dist [--matrix <matrix.json>]
                        build, then write <target>/dist/<service>-<version>/ per service:
                        component, command, WIT, example request and response, matrix rows
                        (from <target>/conformance/matrix.json if a run left one, else
                        conformance/matrix.json), a README with platform wiring, SHA256SUMS.
  dist --check-reproducible [--full]
                        dist, then build the bundles again from a copy of the sources at
                        another path (other target dir and cargo home path) and fail unless
                        both are byte-identical. The second target dir is kept between runs;
                        --full starts it empty (a full second build).
  dist --check-bundle [--embed] [<service>...]
                        dist, then copy each bundle into an empty directory and run its
                        README's steps there (sha256sum -c, the example through node:wasi,
                        the wasmtime CLI if installed); --embed also builds and runs the
                        wasmtime embedding example (downloads wasmtime; many minutes).
  matrix merge <matrix.json>... [--out <dir>] [--expectations <file>]
                        Combine the matrix.json of every --shard K/N run into the whole
                        matrix and write all its reports (default <target>/conformance/
                        merged/); fails if a cell is in two shards, the shards measured
                        different commits or runtime versions, or a cell is unexpected.
  bench [--quick] [--update] [harness bench options]
                        setup + build, then measure every service natively, on
                        wasmtime (component and command: compile, load of the .cwasm,
                        instantiate, first call, warm p50/p99, wasm/native ratio, peak
                        memory, token throughput on 2 threads), Wasmer and wasmi
                        (commands), the artifact sizes (as cargo built them, after
                        wasm-opt -Oz), and the components before wasm-opt on wasmtime;
                        writes <target>/bench/bench.json and prints the goals of issue #7
                        beside the measured values (never asserted). About ten minutes;
                        --quick is a smoke run (a 2 MP image, few iterations, no Wasmer)
                        of about two. --update rewrites BENCHMARKS.md and docs/bench/*.svg
                        from the run (--from <bench.json> renders an earlier run instead).
  fixtures [--check]    Regenerate the deterministic fixtures (keys, tokens, vectors) into
                        conformance/; --check only verifies the checked-in ones are identical.
  fuzz [--target <name>]... [--seconds N] [--jobs J]
                        Coverage-guided fuzzing with AFL++ (cargo-afl, installed on first
                        use) of every target of the fuzz crate, N seconds each (default
                        60); fails on any crash or hang, saved under <target>/fuzz/findings.
                        `cargo xtask fuzz --help` says more.
  differential [--service S] [--inputs DIR] [--limit N] [--seconds N]
                        The native core against the component and the command on
                        wasmtime, byte for byte, on fuzz seeds, AFL++ corpora and mutated
                        vector requests; fails on an unexplained difference.
                        `cargo xtask differential --help` says more.
  ci                    What CI runs: fmt check; setup (the platforms' tools in the
                        background); a build of every host crate and test with clippy
                        as the workspace wrapper and warnings denied (the later host
                        builds are that one); clippy for the wasm targets (guests,
                        probes, byo examples, wasm adapters); fixtures
                        --check, every fuzz target for 10 s (fuzz --opt-level 1),
                        test-all-runtimes --diff, a --shard 1/2 + 2/2 merge of
                        the native column, byo-examples, bench --quick (a smoke run;
                        goals not asserted), dist --check-reproducible, dist
                        --check-bundle, then the unit tests.
  check-wasmedge        clippy on the WasmEdge child's code (`wasm-child`, feature
                        `wasmedge`) without libwasmedge. Its own CI job.

<target> is cargo's target directory (CARGO_TARGET_DIR if set, else ./target).
";

/// The wasm targets the guest forms build for; `rust-toolchain.toml` lists the same.
const WASM_TARGETS: [&str; 3] = ["wasm32-wasip1", "wasm32-wasip2", "wasm32-unknown-unknown"];

/// Every service's guest crates: (service, form, package, target triple).
const GUESTS: [(&str, &str, &str, &str); 6] = [
    ("token", "component", "token-component", "wasm32-wasip2"),
    ("token", "command", "token-command", "wasm32-wasip1"),
    ("config", "component", "config-component", "wasm32-wasip2"),
    ("config", "command", "config-command", "wasm32-wasip1"),
    (
        "thumbnail",
        "component",
        "thumbnail-component",
        "wasm32-wasip2",
    ),
    ("thumbnail", "command", "thumbnail-command", "wasm32-wasip1"),
];

/// Cargo profile for guest artifacts (see the workspace Cargo.toml).
pub const GUEST_PROFILE: &str = "wasm";
/// The target the WASI probes (`conformance/probes`) are built for.
const PROBES_TARGET: &str = "wasm32-wasip1";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> anyhow::Result<()> {
    let root = project_root();
    std::env::set_current_dir(&root)?;
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => ("help", &[][..]),
    };
    match command {
        "setup" => setup(),
        "build" => build().map(|_| ()),
        "dist" => dist::main(rest),
        "test-all-runtimes" => test_all_runtimes(rest),
        "byo-examples" => byo::examples(rest),
        "bench" => bench::main(rest),
        "matrix" => matrix::main(rest),
        "fixtures" => match rest {
            [] => write_fixtures(&root),
            [flag] if flag == "--check" => check_fixtures(&root),
            _ => bail!("usage: cargo xtask fixtures [--check]"),
        },
        "fuzz" => fuzz::main(rest),
        "differential" => differential::main(rest),
        "ci" => ci(),
        "check-wasmedge" => check_wasmedge(),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown command `{other}`\n\n{HELP}"),
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

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
fn lint_env(cmd: &mut Command) {
    if let Some(driver) = LINT.get() {
        cmd.env("RUSTC_WORKSPACE_WRAPPER", driver).env(
            "CLIPPY_ARGS",
            "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__",
        );
    }
}

/// The host packages: the workspace without the adapters that only build for wasm. Every
/// host build (the harness, the lints, the tests) selects exactly these, because cargo
/// unifies features per selection: with those adapters in, `proc-macro2` gains
/// `span-locations`, and every proc-macro and most of wasmtime would be built twice.
const WASM_ADAPTERS: [&str; 3] = ["fastly-adapter", "cloudflare-adapter", "spin-adapter"];

fn host_packages(cmd: &mut Command) {
    cmd.arg("--workspace");
    for adapter in WASM_ADAPTERS {
        cmd.args(["--exclude", adapter]);
    }
}

/// Runs a command, echoing it, and fails if it fails.
fn run_cmd(mut cmd: Command) -> anyhow::Result<()> {
    eprintln!("$ {}", shown(&cmd));
    let started = std::time::Instant::now();
    let status = cmd
        .status()
        .with_context(|| format!("starting `{}`", shown(&cmd)))?;
    let took = started.elapsed().as_secs_f64();
    if !status.success() {
        bail!("`{}` failed ({status}) after {took:.1} s", shown(&cmd));
    }
    // Every phase says how long it took (a newcomer's first run is long).
    if took >= 1.0 {
        eprintln!("  (done in {took:.1} s)");
    }
    Ok(())
}

fn shown(cmd: &Command) -> String {
    let mut text = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

fn setup() -> anyhow::Result<()> {
    setup_host()?;
    platforms::setup(&tools_dir()?, None)
}

/// Where `setup` installs the platforms' tools.
fn tools_dir() -> anyhow::Result<PathBuf> {
    Ok(target_dir()?.join("conformance").join("tools"))
}

/// Everything `setup` does but the platforms' tools (which compile for many minutes).
fn setup_host() -> anyhow::Result<()> {
    libclang()?;
    chromium();
    fuzz::setup()?;
    wasm_targets()?;
    drivers()?;
    // worker-build (the cloudflare column's build) links OpenSSL, found by pkg-config.
    for package in ["pkg-config", "libssl-dev"] {
        if !matches!(
            apt_install(package, "worker-build links OpenSSL")?,
            Apt::Installed
        ) {
            eprintln!("setup: could not check for {package}; installing worker-build may fail");
        }
    }
    Ok(())
}

/// Whether `tool` is on PATH.
fn on_path(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// What [`apt_install`] could do about a Debian package.
enum Apt {
    /// It is installed (now, or already was).
    Installed,
    /// No `dpkg-query`: not a Debian-based system.
    NotDebian,
    /// It is missing and apt-get is not available.
    NoAptGet,
    /// It is missing and installing it needs root (no sudo).
    NoRoot,
}

/// Installs a Debian package through apt-get when `dpkg-query` says it is missing (as root,
/// or through sudo). `needed` says what for, in the progress line and in an error. Callers
/// say what to do in the cases it cannot handle.
fn apt_install(package: &str, needed: &str) -> anyhow::Result<Apt> {
    let status = Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output();
    let Ok(status) = status else {
        return Ok(Apt::NotDebian);
    };
    if String::from_utf8_lossy(&status.stdout).contains("install ok installed") {
        return Ok(Apt::Installed);
    }
    if !on_path("apt-get") {
        return Ok(Apt::NoAptGet);
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let apt = || {
        if root {
            let mut apt = Command::new("apt-get");
            apt.env("DEBIAN_FRONTEND", "noninteractive");
            apt
        } else {
            let mut sudo = Command::new("sudo");
            sudo.args(["DEBIAN_FRONTEND=noninteractive", "apt-get"]);
            sudo
        }
    };
    if !root && !on_path("sudo") {
        return Ok(Apt::NoRoot);
    }
    eprintln!("setup: installing {package} ({needed})");
    let mut update = apt();
    update.arg("update");
    let mut install = apt();
    install.args(["install", "-y", "--no-install-recommends", package]);
    run_cmd(update)
        .and_then(|()| run_cmd(install))
        .with_context(|| format!("installing {package}; {needed}"))?;
    Ok(Apt::Installed)
}

/// The harness embeds wasm3, whose bindings bindgen generates at build time from libclang.
/// On Debian and Ubuntu, installs `libclang-dev` when it is missing (as root, or through
/// sudo); elsewhere, says what the build needs.
fn libclang() -> anyhow::Result<()> {
    const PACKAGE: &str = "libclang-dev";
    const NEEDED: &str = "the harness will not build without libclang: its wasm3 target \
        generates bindings with bindgen";
    // Elsewhere bindgen finds the platform's libclang (e.g. Xcode's), or LIBCLANG_PATH says
    // where it is.
    if !cfg!(target_os = "linux") || std::env::var_os("LIBCLANG_PATH").is_some() {
        return Ok(());
    }
    match apt_install(PACKAGE, NEEDED)? {
        Apt::Installed => {}
        Apt::NotDebian => eprintln!(
            "setup: not a Debian-based system, cannot check for libclang; {NEEDED} \
             (install your distribution's libclang development package, e.g. clang-devel, \
             or set LIBCLANG_PATH to the directory of libclang.so)"
        ),
        Apt::NoAptGet => eprintln!(
            "setup: {PACKAGE} is missing and apt-get is not available; {NEEDED} (install \
             libclang, or set LIBCLANG_PATH to the directory of libclang.so)"
        ),
        Apt::NoRoot => eprintln!(
            "setup: {PACKAGE} is missing and installing it needs root (no sudo); {NEEDED} \
             (run `apt-get install -y {PACKAGE}` as root)"
        ),
    }
    Ok(())
}

/// Chromium, in which `conformance/tests/html_in_browser.rs` renders matrix.html: on Debian
/// (and Ubuntu), the `chromium` package when no Chromium is on PATH. The harness does not
/// need it, so what goes wrong here is only reported; that test then fails saying what is
/// missing.
fn chromium() {
    const PACKAGE: &str = "chromium";
    const NEEDED: &str = "the test of matrix.html renders it in headless Chromium";
    const ELSE: &str = "install Chromium or Chrome and set CONFORMANCE_CHROMIUM to its \
        binary, or set CONFORMANCE_NO_BROWSER=1 to skip that test";
    if std::env::var_os("CONFORMANCE_CHROMIUM").is_some()
        || std::env::var_os("CONFORMANCE_NO_BROWSER").is_some_and(|v| v == "1")
        || on_path("chromium")
        || on_path("chromium-browser")
    {
        return;
    }
    let why = match apt_install(PACKAGE, NEEDED) {
        Ok(Apt::Installed) => return,
        Ok(Apt::NotDebian) => "this is not a Debian-based system".to_owned(),
        Ok(Apt::NoAptGet) => "apt-get is not available".to_owned(),
        Ok(Apt::NoRoot) => "installing it needs root (no sudo)".to_owned(),
        Err(e) => format!("{e:#}"),
    };
    eprintln!("setup: warning: Chromium is missing and {why}; {NEEDED} ({ELSE})");
}

/// Builds the driver programs of the external runtimes into <target>/conformance/drivers.
/// A missing toolchain is not an error: that runtime's column says it is not available.
fn drivers() -> anyhow::Result<()> {
    let dir = target_dir()?.join("conformance").join("drivers");
    std::fs::create_dir_all(&dir)?;
    if Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let mut go = Command::new("go");
        go.args(["build", "-C", "targets/drivers/wazero", "-o"])
            .arg(dir.join("wazero-driver"))
            .arg(".")
            // Use the installed Go and exactly the versions in go.sum; never download a toolchain.
            .env("GOTOOLCHAIN", "local")
            .env("GOFLAGS", "-mod=readonly");
        run_cmd(go).context("building the wazero driver")?;
    } else {
        eprintln!("setup: go not found: the wazero column will be unavailable (install Go 1.25+)");
    }
    if Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        jco_driver(&dir.join("jco")).context("installing the jco driver")?;
    } else {
        eprintln!(
            "setup: npm not found: the jco column will be unavailable (install Node.js 20+ with npm)"
        );
    }
    let has = |tool: &str| {
        Command::new(tool)
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if has("java")
        && Command::new("mvn")
            .arg("-v")
            .output()
            .is_ok_and(|o| o.status.success())
    {
        let mut mvn = Command::new("mvn");
        mvn.args([
            "--batch-mode",
            "--quiet",
            "-Dstyle.color=never",
            "-f",
            "targets/drivers/chicory/pom.xml",
            "package",
        ])
        .arg(format!("-DbuildDir={}", dir.join("chicory").display()));
        run_cmd(mvn).context("building the chicory driver")?;
    } else {
        eprintln!(
            "setup: java or mvn not found: the chicory column will be unavailable (install Java 17+ and Maven)"
        );
    }
    Ok(())
}

/// Copies the jco driver next to its node_modules and installs exactly the locked versions
/// (again only when the lock file changed).
fn jco_driver(dir: &Path) -> anyhow::Result<()> {
    let source = Path::new("targets/drivers/jco");
    std::fs::create_dir_all(dir.join("services"))?;
    std::fs::copy(source.join("driver.mjs"), dir.join("driver.mjs"))?;
    for entry in std::fs::read_dir(source.join("services"))? {
        let path = entry?.path();
        std::fs::copy(
            &path,
            dir.join("services")
                .join(path.file_name().context("file name")?),
        )?;
    }
    npm_install(source, dir)
}

/// Installs the npm packages of `source` (its package.json and package-lock.json) into `dir`:
/// exactly the locked versions, again only when the lock file changed. `npm install` with the
/// lock file in place, not `npm ci`, which refuses lock files whose optional packages for
/// other platforms (workerd's, esbuild's) are missing from the lock.
fn npm_install(source: &Path, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let lock = std::fs::read(source.join("package-lock.json"))?;
    let installed = dir.join("node_modules").join(".installed-lock.json");
    if std::fs::read(&installed).ok().as_deref() == Some(&lock[..]) {
        return Ok(());
    }
    std::fs::copy(source.join("package.json"), dir.join("package.json"))?;
    std::fs::write(dir.join("package-lock.json"), &lock)?;
    let mut npm = Command::new("npm");
    npm.args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir);
    run_cmd(npm)?;
    std::fs::write(installed, lock)?;
    Ok(())
}

fn wasm_targets() -> anyhow::Result<()> {
    let Ok(output) = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
    else {
        eprintln!(
            "setup: rustup not found; make sure your toolchain has these targets: {}",
            WASM_TARGETS.join(", ")
        );
        return Ok(());
    };
    let installed = String::from_utf8_lossy(&output.stdout);
    let missing: Vec<&str> = WASM_TARGETS
        .into_iter()
        .filter(|t| !installed.lines().any(|l| l.trim() == *t))
        .collect();
    if missing.is_empty() {
        eprintln!("setup: wasm targets present ({})", WASM_TARGETS.join(", "));
        return Ok(());
    }
    let mut cmd = Command::new("rustup");
    cmd.args(["target", "add"]).args(&missing);
    run_cmd(cmd)
        .context("installing the wasm targets (is the network to the Rust dist server reachable?)")
}

/// Cargo's target directory, wherever CARGO_TARGET_DIR or config puts it.
pub fn target_dir() -> anyhow::Result<PathBuf> {
    let output = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)?;
    let dir = metadata["target_directory"]
        .as_str()
        .context("cargo metadata has no target_directory")?;
    Ok(PathBuf::from(dir))
}

/// The artifacts per service and form, as `artifacts.json` lists them.
type Manifest = BTreeMap<&'static str, BTreeMap<&'static str, PathBuf>>;

/// What [`build`] made.
struct Built {
    /// `<target>/conformance/artifacts.json`: the artifacts to run, test, measure and ship,
    /// after `wasm-opt -Oz`.
    manifest: PathBuf,
    /// `artifacts.raw.json` beside it: the same artifacts as cargo built them.
    raw_manifest: PathBuf,
    /// `wasm-opt --version`; `None` when there was no binaryen and nothing was optimised.
    binaryen: Option<String>,
}

/// Builds every guest, runs `wasm-opt -Oz` over the service artifacts and writes the
/// artifact manifests the harness reads.
fn build() -> anyhow::Result<Built> {
    let target = target_dir()?;
    let mut raw: Manifest = BTreeMap::new();
    for triple in WASM_TARGETS
        .into_iter()
        .filter(|t| GUESTS.iter().any(|g| g.3 == *t))
    {
        let mut cmd = cargo();
        cmd.args(["build", "--profile", GUEST_PROFILE, "--target", triple]);
        // Path-independent artifacts, so `dist` bundles are reproducible (see dist.rs).
        cmd.args(dist::remap_config(triple, Path::new("."), &target));
        for (_, _, package, _) in GUESTS.iter().filter(|g| g.3 == triple) {
            cmd.args(["--package", package]);
        }
        if triple == PROBES_TARGET {
            // The WASI probes: one `<id>.wasm` per probe, beside the commands.
            cmd.args(["--package", "wasi-probes"]);
        }
        run_cmd(cmd)?;
    }
    for (service, form, package, triple) in GUESTS {
        let file = format!(
            "{}.wasm",
            if form == "component" {
                package.replace('-', "_")
            } else {
                package.to_owned()
            }
        );
        let path = target.join(triple).join(GUEST_PROFILE).join(file);
        anyhow::ensure!(
            path.exists(),
            "the build did not produce {}",
            path.display()
        );
        raw.entry(service).or_default().insert(form, path);
    }
    let wasm_opt = wasm_opt::WasmOpt::install(&target)?;
    let optimized = match &wasm_opt {
        Some(wasm_opt) => optimize(wasm_opt, &raw, &target.join("conformance").join("wasm-opt"))?,
        None => raw.clone(),
    };
    let dir = target.join("conformance");
    std::fs::create_dir_all(&dir)?;
    let write = |name: &str, manifest: &Manifest| -> anyhow::Result<PathBuf> {
        let path = dir.join(name);
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&json!(manifest))? + "\n",
        )?;
        Ok(path)
    };
    Ok(Built {
        manifest: write("artifacts.json", &optimized)?,
        raw_manifest: write("artifacts.raw.json", &raw)?,
        binaryen: wasm_opt.map(|w| w.version),
    })
}

/// `wasm-opt -Oz` of every artifact in `raw` into `out` (same file names), all at once:
/// binaryen runs single-threaded on Node, and a cold build has six artifacts to optimise.
fn optimize(wasm_opt: &wasm_opt::WasmOpt, raw: &Manifest, out: &Path) -> anyhow::Result<Manifest> {
    std::fs::create_dir_all(out)?;
    let started = std::time::Instant::now();
    let jobs: Vec<(&'static str, &'static str, &PathBuf)> = raw
        .iter()
        .flat_map(|(service, forms)| {
            forms
                .iter()
                .map(move |(form, path)| (*service, *form, path))
        })
        .collect();
    let results: Vec<anyhow::Result<PathBuf>> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|&(service, form, path)| {
                scope.spawn(move || {
                    let wasm = std::fs::read(path)?;
                    let optimized = wasm_opt
                        .optimize(&wasm)
                        .with_context(|| format!("wasm-opt -Oz of {}", path.display()))?;
                    let file = out.join(path.file_name().context("an artifact without a name")?);
                    if std::fs::read(&file).ok().as_deref() != Some(&optimized[..]) {
                        std::fs::write(&file, &optimized)?;
                    }
                    eprintln!(
                        "build: wasm-opt -Oz: {service} {form} {} -> {} bytes",
                        wasm.len(),
                        optimized.len()
                    );
                    Ok(file)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a wasm-opt thread panicked")))
            })
            .collect()
    });
    let mut optimized: Manifest = BTreeMap::new();
    for ((service, form, _), result) in jobs.into_iter().zip(results) {
        optimized.entry(service).or_default().insert(form, result?);
    }
    eprintln!(
        "build: wasm-opt -Oz ({}) in {:.1} s",
        wasm_opt.version,
        started.elapsed().as_secs_f64()
    );
    Ok(optimized)
}

/// The harness binary, built and ready for its arguments. It is built with the host
/// packages selected ([`host_packages`]), as the tests are: cargo unifies the features of
/// host dependencies (proc-macros) per selection, and with only `-p targets` selected the
/// guests' wit-bindgen no longer turns on `indexmap/default`, so wasmtime's macros — and
/// wasmtime — would be compiled a second time (about ten minutes on a cold two-core machine).
fn harness(features: &[String]) -> anyhow::Result<Command> {
    let mut build = cargo();
    // The Lambda adapter's `bootstrap` embeds the same wasmtime: built in the same
    // invocation, it shares the harness's compiled dependencies.
    // Not `--quiet`: on a cold machine this is the longest phase (wasmtime, wasmer and the
    // other engines: 10–15 minutes on two cores), and cargo's progress is what shows it moves.
    eprintln!(
        "build: the harness and the Lambda bootstrap (the engines compile once: 10-15 minutes \
         on a cold two-core machine, seconds after)"
    );
    build.arg("build");
    host_packages(&mut build);
    build.args(["--bin", "harness", "--bin", "bootstrap"]);
    lint_env(&mut build);
    run_cmd(build)?;
    let binary = target_dir()?
        .join("debug")
        .join(format!("harness{}", std::env::consts::EXE_SUFFIX));
    let mut harness = Command::new(binary);
    for feature in features {
        match feature.as_str() {
            "wasmedge" => harness.arg("--wasmedge-child").arg(wasmedge_child()?),
            other => bail!("no feature `{other}`: the harness run has one, `wasmedge`"),
        };
    }
    Ok(harness)
}

/// Builds the WasmEdge child, `harness-wasmedge`, which links libwasmedge (so the harness
/// does not: a missing library costs that column only). Its own selection (`-p
/// wasm-child`): wasmedge-sdk's features do not change the harness's dependencies.
fn wasmedge_child() -> anyhow::Result<PathBuf> {
    let mut build = cargo();
    build.args(["build", "-p", "wasm-child", "--features", "wasmedge"]);
    build.args(["--bin", "harness-wasmedge"]);
    run_cmd(build)?;
    Ok(target_dir()?
        .join("debug")
        .join(format!("harness-wasmedge{}", std::env::consts::EXE_SUFFIX)))
}

fn test_all_runtimes(args: &[String]) -> anyhow::Result<()> {
    // `--features <f>` is the harness build's (e.g. `wasmedge`); the rest is the harness's.
    let mut features = Vec::new();
    let mut harness_args = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.strip_prefix("--features") {
            Some("") => features.push(args.next().context("--features needs a value")?.clone()),
            Some(value) if value.starts_with('=') => features.push(value[1..].to_owned()),
            _ => harness_args.push(arg.clone()),
        }
    }
    if harness_args.iter().any(|a| a == "--help" || a == "-h") {
        let mut cmd = harness(&features)?;
        cmd.arg("--help");
        return run_cmd(cmd);
    }
    setup()?;
    let artifacts = build()?.manifest;
    let out = artifacts
        .parent()
        .context("artifacts.json has a directory")?;
    let mut cmd = harness(&features)?;
    platforms::package(
        &artifacts,
        &target_dir()?.join("debug"),
        &out.join("platforms"),
        &out.join("tools"),
    )?;
    cmd.arg("--artifacts").arg(&artifacts);
    // Reports go beside the artifacts unless the caller says where (e.g. one per shard).
    if !harness_args
        .iter()
        .any(|a| a == "--out" || a.starts_with("--out="))
    {
        cmd.arg("--out").arg(out);
    }
    cmd.arg("--cache")
        .arg(out.join("cache"))
        .arg("--drivers")
        .arg(out.join("drivers"))
        .arg("--tools")
        .arg(out.join("tools"))
        .arg("--platforms")
        .arg(out.join("platforms"))
        .arg("--probe-wasm")
        .arg(target_dir()?.join(PROBES_TARGET).join(GUEST_PROFILE))
        .args(harness_args);
    run_cmd(cmd)
}

fn write_fixtures(root: &Path) -> anyhow::Result<()> {
    for (path, contents) in fixtures::generate()? {
        let path = root.join(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

fn check_fixtures(root: &Path) -> anyhow::Result<()> {
    let generated = fixtures::generate()?;
    let stale: Vec<String> = generated
        .iter()
        .filter(|(path, contents)| {
            std::fs::read_to_string(root.join(path)).ok().as_deref() != Some(contents)
        })
        .map(|(path, _)| path.display().to_string())
        .collect();
    if !stale.is_empty() {
        bail!(
            "these fixtures differ from what the generator makes: {}\nrun `cargo xtask fixtures` and commit the result",
            stale.join(", ")
        );
    }
    eprintln!(
        "fixtures: {} files identical to a fresh generation",
        generated.len()
    );
    Ok(())
}

fn ci() -> anyhow::Result<()> {
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
        .and_then(|()| check_fixtures(&project_root()))
        .and_then(|()| build().map(drop))
        .and_then(|()| harness(&[]).map(drop))
        // Each fuzz target briefly, while the tools finish: cargo-afl, one instrumented
        // build at opt-level 1 (a third less CPU than 3), 10 s per target, two at a time.
        // About 8 CPU-minutes cold, measured in RELIABILITY.md.
        .and_then(|()| {
            fuzz::main(&["--seconds", "10", "--jobs", "2", "--opt-level", "1"].map(String::from))
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
    // `--shard` + `matrix merge` for real, on the quick native column.
    matrix::check_round_trip()?;
    // The bring-your-own-wasm mode on its examples: fails on any cell that neither passes
    // nor is explained in their expectations.json.
    byo::examples(&[])?;
    // The benchmarks, as a smoke run: they must run and every runtime must answer as the
    // native reference does; the goals are printed, not asserted.
    bench::main(&["--quick".to_owned()])?;
    // The release bundles (with this run's matrix rows): byte-identical to a second build
    // from a copy of the sources elsewhere (about 2 minutes once its target directory
    // exists, 5 from empty), then each tried in an empty directory as its README says.
    dist::main(&["--check-reproducible".to_owned()])?;
    dist::main(&["--check-bundle".to_owned()])?;

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
    let output = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .context("running rustc --print sysroot")?;
    anyhow::ensure!(output.status.success(), "rustc --print sysroot failed");
    let sysroot = PathBuf::from(String::from_utf8(output.stdout)?.trim());
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
        for (_, _, package, _) in GUESTS.iter().filter(|g| g.3 == triple) {
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
fn check_wasmedge() -> anyhow::Result<()> {
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
