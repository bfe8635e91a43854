//! `cargo xtask`: the project's automation, in Rust so it runs wherever cargo does.
//!
//! It stays light (no wasmtime): the harness is the `harness` binary of the `targets`
//! crate, which `test-all-runtimes` builds and runs after building the guest artifacts.

mod fixtures;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};
use serde_json::{Value, json};

const HELP: &str = "\
cargo xtask <command> [options]

Commands:
  setup                 Install what the harness needs: the wasm targets, and the driver
                        programs of external runtimes whose toolchain is present (wazero
                        needs Go, chicory Java 17 and Maven, jco Node.js and npm).
                        Idempotent.
  build                 Build every service in every wasm form and write
                        <target>/conformance/artifacts.json.
  test-all-runtimes [harness options]
                        setup + build, then run every vector on every runtime and write
                        <target>/conformance/matrix.{json,md}. Options go to the harness:
                        --runtime, --service, --form, --case, --timeout, --update (rewrite
                        COMPATIBILITY.md), --list. `cargo xtask test-all-runtimes --help`
                        explains them all.
  fixtures [--check]    Regenerate the deterministic fixtures (keys, tokens, vectors) into
                        conformance/; --check only verifies the checked-in ones are identical.
  ci                    What CI runs: fmt check, clippy (warnings denied, host and wasm
                        targets), fixtures --check, unit tests, then test-all-runtimes.

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
const GUEST_PROFILE: &str = "wasm";

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
        "test-all-runtimes" => test_all_runtimes(rest),
        "fixtures" => match rest {
            [] => write_fixtures(&root),
            [flag] if flag == "--check" => check_fixtures(&root),
            _ => bail!("usage: cargo xtask fixtures [--check]"),
        },
        "ci" => ci(),
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

/// Runs a command, echoing it, and fails if it fails.
fn run_cmd(mut cmd: Command) -> anyhow::Result<()> {
    eprintln!("$ {}", shown(&cmd));
    let status = cmd
        .status()
        .with_context(|| format!("starting `{}`", shown(&cmd)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", shown(&cmd));
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
    wasm_targets()?;
    drivers()
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
    for file in ["driver.mjs", "package.json"] {
        std::fs::copy(source.join(file), dir.join(file))?;
    }
    for entry in std::fs::read_dir(source.join("services"))? {
        let path = entry?.path();
        std::fs::copy(
            &path,
            dir.join("services")
                .join(path.file_name().context("file name")?),
        )?;
    }
    let lock = std::fs::read(source.join("package-lock.json"))?;
    let installed = dir.join("node_modules").join(".installed-lock.json");
    if std::fs::read(&installed).ok().as_deref() == Some(&lock[..]) {
        return Ok(());
    }
    std::fs::write(dir.join("package-lock.json"), &lock)?;
    let mut npm = Command::new("npm");
    // `npm ci` refuses this lock file: some optional platform packages jco lists are not
    // published. `npm install` with the lock file in place installs its exact versions.
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
fn target_dir() -> anyhow::Result<PathBuf> {
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

/// Builds every guest and writes the artifact manifest the harness reads.
fn build() -> anyhow::Result<PathBuf> {
    let target = target_dir()?;
    let mut manifest: BTreeMap<&str, BTreeMap<&str, PathBuf>> = BTreeMap::new();
    for triple in WASM_TARGETS
        .into_iter()
        .filter(|t| GUESTS.iter().any(|g| g.3 == *t))
    {
        let mut cmd = cargo();
        cmd.args(["build", "--profile", GUEST_PROFILE, "--target", triple]);
        for (_, _, package, _) in GUESTS.iter().filter(|g| g.3 == triple) {
            cmd.args(["--package", package]);
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
        manifest.entry(service).or_default().insert(form, path);
    }
    let dir = target.join("conformance");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("artifacts.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&json!(manifest))? + "\n",
    )?;
    Ok(path)
}

/// The harness binary, built and ready for its arguments. It is built with `--workspace`
/// selected, as `cargo test --workspace` builds: cargo unifies the features of host
/// dependencies (proc-macros) per selection, and with only `-p targets` selected the guests'
/// wit-bindgen no longer turns on `indexmap/default`, so wasmtime's macros — and wasmtime —
/// would be compiled a second time (about ten minutes on a cold two-core machine).
fn harness() -> anyhow::Result<Command> {
    let mut build = cargo();
    build.args(["build", "--quiet", "--workspace", "--bin", "harness"]);
    run_cmd(build)?;
    let binary = target_dir()?
        .join("debug")
        .join(format!("harness{}", std::env::consts::EXE_SUFFIX));
    Ok(Command::new(binary))
}

fn test_all_runtimes(harness_args: &[String]) -> anyhow::Result<()> {
    if harness_args.iter().any(|a| a == "--help" || a == "-h") {
        let mut cmd = harness()?;
        cmd.arg("--help");
        return run_cmd(cmd);
    }
    setup()?;
    let artifacts = build()?;
    let out = artifacts
        .parent()
        .context("artifacts.json has a directory")?;
    let mut cmd = harness()?;
    cmd.arg("--artifacts")
        .arg(&artifacts)
        .arg("--out")
        .arg(out)
        .arg("--cache")
        .arg(out.join("cache"))
        .arg("--drivers")
        .arg(out.join("drivers"))
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

    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    run_cmd(clippy)?;
    for triple in ["wasm32-wasip1", "wasm32-wasip2"] {
        let mut clippy = cargo();
        clippy.args(["clippy", "--target", triple]);
        for (_, _, package, _) in GUESTS.iter().filter(|g| g.3 == triple) {
            clippy.args(["--package", package]);
        }
        clippy.args(["--", "-D", "warnings"]);
        run_cmd(clippy)?;
    }

    check_fixtures(&project_root())?;
    test_all_runtimes(&[])?;

    // Unit and integration tests last, so the run ends with cargo's test summary.
    // (`--all-targets` leaves out doc-tests: this workspace has none.)
    let mut test = cargo();
    test.args(["test", "--workspace", "--all-targets"]);
    run_cmd(test)
}
