//! The platform builds the harness's platform columns run: each adapter built with its
//! platform's toolchain and packed the way the platform deploys it, into
//! `<target>/conformance/platforms/<column>/`. A platform whose tools are missing is skipped
//! with a line saying so; its column then says what is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use conformance::target::Form;

use crate::build::{Artifacts, GUEST_PROFILE};
use crate::setup::npm_install;
use crate::util::{cargo, run_cmd, shown, target_dir};

/// Tools installed from crates.io with `cargo install --locked`: (crate, version, binary).
/// The harness asks each binary for its version, so these pins live only here.
pub const CARGO_TOOLS: [(&str, &str, &str); 3] = [
    // Exactly the wasm-bindgen in Cargo.lock (checked in `setup`): worker-build runs it.
    ("wasm-bindgen-cli", "0.2.130", "wasm-bindgen"),
    // Exactly the `worker` crate's version: it checks the pair.
    ("worker-build", "0.8.7", "worker-build"),
    // Fastly's local runtime; last, as the longest (its own wasmtime and cranelift).
    ("viceroy", "0.22.0", "viceroy"),
];
/// The release opt-level the tools are compiled at. Their work here is small (one bindgen
/// pass, one worker bundle, one local server whose guest code cranelift compiles once per
/// run), so optimising them fully would cost more CPU than it ever saves: about half of a
/// cold CI run's tool builds goes away at 1 instead of 3. Part of the install stamp, so a
/// change reinstalls.
const TOOLS_OPT_LEVEL: &str = "1";
/// workerd and esbuild from npm (package.json and package-lock.json here).
const CLOUDFLARE_NPM: &str = "xtask/tools/cloudflare";

/// Where a cargo-installed tool's binary is.
pub fn cargo_tool(tools: &Path, krate: &str) -> PathBuf {
    let (_, _, binary) = CARGO_TOOLS
        .iter()
        .find(|(k, ..)| *k == krate)
        .copied()
        .unwrap_or((krate, "", krate));
    tools.join(krate).join("bin").join(binary)
}

/// Installs the platforms' tools into `tools`, each only when it is missing or at another
/// version: Viceroy, wasm-bindgen-cli and worker-build from crates.io (compiled here: 43 to
/// 46 minutes in the background of a cold `ci`, sharing the two cores), workerd and esbuild
/// from npm. With `log`, it runs in the background of other work: the installs' output goes
/// to that file, they run at a lower priority, and only a line per tool reaches the terminal.
pub fn setup(tools: &Path, log: Option<&Path>) -> anyhow::Result<()> {
    std::fs::create_dir_all(tools)?;
    let locked = locked_version("wasm-bindgen")?;
    for (krate, version, _) in CARGO_TOOLS {
        if krate == "wasm-bindgen-cli" && locked != version {
            bail!(
                "Cargo.lock has wasm-bindgen {locked} but xtask pins wasm-bindgen-cli {version}: \
                 they must be equal (update CARGO_TOOLS in xtask/src/platforms.rs)"
            );
        }
        cargo_install(tools, krate, version, log)?;
    }
    npm_install(Path::new(CLOUDFLARE_NPM), &tools.join("cloudflare"))
}

/// The version of `package` in the workspace's Cargo.lock.
fn locked_version(package: &str) -> anyhow::Result<String> {
    let lock = std::fs::read_to_string("Cargo.lock").context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"") {
            let version = lines.next().unwrap_or_default();
            if let Some(v) = version.strip_prefix("version = \"") {
                return Ok(v.trim_end_matches('"').to_owned());
            }
        }
    }
    bail!("Cargo.lock has no {package}")
}

/// Installs `krate` at `version` into `tools/<krate>` unless that version is there (a
/// stamp file says so); with `log`, in the background of other work (see [`setup`]).
pub fn cargo_install(
    tools: &Path,
    krate: &str,
    version: &str,
    log: Option<&Path>,
) -> anyhow::Result<()> {
    let root = tools.join(krate);
    let stamp = root.join(".installed-version");
    let installed = format!("{version} opt-level={TOOLS_OPT_LEVEL}");
    if std::fs::read_to_string(&stamp).is_ok_and(|v| v == installed)
        && cargo_tool(tools, krate).exists()
    {
        return Ok(());
    }
    let started = std::time::Instant::now();
    eprintln!("setup: installing {krate} {version} from crates.io (compiles it; minutes)");
    let mut install = match log {
        Some(_) => {
            let mut nice = Command::new("nice");
            nice.args(["-n", "10"]).arg(cargo().get_program());
            nice
        }
        None => cargo(),
    };
    install
        .args(["install", "--locked", "--force", "--root"])
        .arg(&root);
    // Its own target directory, so a cold install does not wait on the workspace's lock;
    // removed once installed (gigabytes that nothing reuses).
    let build = tools.join("build").join(krate);
    install.env("CARGO_TARGET_DIR", &build);
    install.env("CARGO_PROFILE_RELEASE_OPT_LEVEL", TOOLS_OPT_LEVEL);
    if krate == "wasm-bindgen-cli" {
        // Its published Cargo.lock pins webpki-roots 1.0.11, which is not on crates.io (the
        // newest is 1.0.10): install from its source with only that line moved back.
        let source = crate_source(tools, krate, version)?;
        let mut update = cargo();
        update
            .args(["update", "-p", "webpki-roots", "--precise", "1.0.10"])
            .current_dir(&source);
        run_cmd(update)?;
        install.arg("--path").arg(&source);
    } else {
        install.args([krate, "--version", &format!("={version}")]);
    }
    match log {
        Some(log) => run_logged(install, log),
        None => run_cmd(install),
    }
    .with_context(|| format!("installing {krate} {version}"))?;
    std::fs::write(stamp, installed)?;
    std::fs::remove_dir_all(&build).ok();
    eprintln!(
        "setup: installed {krate} {version} in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs `cmd` with its output appended to `log`; on failure the error carries the log's end.
fn run_logged(mut cmd: Command, log: &Path) -> anyhow::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("opening {}", log.display()))?;
    writeln!(file, "$ {}", shown(&cmd))?;
    let status = cmd
        .stdout(file.try_clone()?)
        .stderr(file)
        .status()
        .with_context(|| format!("starting `{}`", shown(&cmd)))?;
    if !status.success() {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(30)..].join("\n");
        bail!(
            "`{}` failed ({status}); the end of {}:\n{tail}",
            shown(&cmd),
            log.display()
        );
    }
    Ok(())
}

/// The published source of `krate` `version`, unpacked under `tools/build/`.
fn crate_source(tools: &Path, krate: &str, version: &str) -> anyhow::Result<PathBuf> {
    let dir = tools.join("build");
    std::fs::create_dir_all(&dir)?;
    let archive = dir.join(format!("{krate}-{version}.crate"));
    let mut curl = Command::new("curl");
    curl.args(["--fail", "--silent", "--show-error", "--location", "-o"])
        .arg(&archive)
        .arg(format!(
            "https://static.crates.io/crates/{krate}/{krate}-{version}.crate"
        ));
    run_cmd(curl).context("downloading the crate from crates.io")?;
    let mut tar = Command::new("tar");
    tar.arg("-xzf").arg(&archive).arg("-C").arg(&dir);
    run_cmd(tar)?;
    let source = dir.join(format!("{krate}-{version}"));
    // The default target directory lies inside this workspace, and cargo would take the
    // unpacked crate for one of its members that is not listed: it is a workspace of its own.
    let manifest = source.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    text.push_str("\n[workspace]\n");
    std::fs::write(&manifest, text)?;
    Ok(source)
}

/// Builds and packs every platform that can be built here. `artifacts` are the guests (as
/// `artifacts.json` lists them), `bin` the directory of the host binaries just built with
/// the harness, `tools` where `setup` installed the platforms' tools.
pub fn package(
    artifacts: &Artifacts,
    bin: &Path,
    platforms: &Path,
    tools: &Path,
) -> anyhow::Result<()> {
    lambda(
        artifacts,
        bin,
        &platforms.join("lambda-emulator").join("package"),
    )?;
    wasm_adapter("fastly-adapter", "wasm32-wasip1", &platforms.join("fastly"))?;
    wasm_adapter(
        "spin_adapter",
        "wasm32-wasip2",
        &platforms.join("spin-wasmtime"),
    )?;
    cloudflare(tools, &platforms.join("cloudflare"))
}

/// An adapter built for its wasm target with the guests' profile, as its platform's CLI
/// builds it (`fastly compute build`, `spin build`), copied into `dir`.
fn wasm_adapter(artifact: &str, triple: &str, dir: &Path) -> anyhow::Result<()> {
    let target = target_dir()?;
    let mut build = cargo();
    build.args([
        "build",
        "--quiet",
        "--profile",
        GUEST_PROFILE,
        "--target",
        triple,
    ]);
    // The guests' flags, so the services' dependencies built for them are reused.
    build.args(crate::dist::remap_config(triple, Path::new("."), &target));
    build.args(["-p", &artifact.replace('_', "-")]);
    run_cmd(build)?;
    std::fs::create_dir_all(dir)?;
    let file = format!("{artifact}.wasm");
    let built = target.join(triple).join(GUEST_PROFILE).join(&file);
    std::fs::copy(&built, dir.join(&file))
        .with_context(|| format!("copying {}", built.display()))?;
    Ok(())
}

/// Cloudflare: worker-build (its wasm-bindgen and esbuild the ones `setup` installed, so it
/// downloads nothing) writes `index.js` and `index_bg.wasm` into `<dir>/build`.
fn cloudflare(tools: &Path, dir: &Path) -> anyhow::Result<()> {
    let worker_build = cargo_tool(tools, "worker-build");
    let esbuild = tools.join("cloudflare/node_modules/@esbuild/linux-x64/bin/esbuild");
    if !worker_build.exists() || !esbuild.exists() {
        eprintln!(
            "build: worker-build or esbuild is not installed (cargo xtask setup): the \
             cloudflare column will say so"
        );
        return Ok(());
    }
    let out = std::path::absolute(dir.join("build"))?;
    let mut build = Command::new(worker_build);
    build
        .args(["--profile", GUEST_PROFILE, "--out-dir"])
        .arg(&out)
        .current_dir("adapters/cloudflare")
        .env("WASM_BINDGEN_BIN", cargo_tool(tools, "wasm-bindgen-cli"))
        .env("ESBUILD_BIN", esbuild)
        .env("CARGO_TARGET_DIR", target_dir()?);
    run_cmd(build).context("building the Cloudflare worker with worker-build")
}

/// Lambda: `bootstrap` (built with the harness, so it shares its wasmtime) and each
/// service's component precompiled by it, as a provided.al2023 function's package holds them.
fn lambda(artifacts: &Artifacts, bin: &Path, package: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(package)?;
    let built = bin.join("bootstrap");
    let bootstrap = package.join("bootstrap");
    let changed = |from: &Path, to: &Path| -> anyhow::Result<bool> {
        let modified = |p: &Path| p.metadata().and_then(|m| m.modified());
        Ok(match (modified(from), modified(to)) {
            (Ok(from), Ok(to)) => from > to,
            _ => true,
        })
    };
    let new_binary = changed(&built, &bootstrap)?;
    if new_binary {
        std::fs::copy(&built, &bootstrap)
            .with_context(|| format!("copying {}", built.display()))?;
    }
    for service in service_http::Spec::names() {
        let wasm = artifacts
            .get(service, Form::Component)
            .with_context(|| format!("no {service} component in the artifact manifest"))?;
        let cwasm = package.join(format!("{service}.cwasm"));
        if new_binary || changed(wasm, &cwasm)? {
            let mut precompile = std::process::Command::new(&bootstrap);
            precompile.arg("precompile").arg(wasm).arg(&cwasm);
            run_cmd(precompile).with_context(|| format!("precompiling {}", wasm.display()))?;
        }
    }
    Ok(())
}
