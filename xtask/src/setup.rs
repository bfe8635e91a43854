//! `cargo xtask setup`: what the harness and the other commands need on this machine.
//!
//! libclang (the harness's wasm3 bindings), Chromium (the test of matrix.html), make and a
//! C compiler (AFL++ for `fuzz`), the wasm targets, the driver programs of the external
//! runtimes whose toolchain is present, OpenSSL's headers (worker-build), and then the
//! platforms' tools ([`platforms::setup`]). Every step is idempotent; a missing toolchain is
//! reported, not fatal, where only one column needs it.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

use crate::util::{on_path, run_cmd, target_dir};
use crate::{fuzz, platforms};

/// The wasm targets the guest forms build for; `rust-toolchain.toml` lists the same.
pub const WASM_TARGETS: [&str; 3] = ["wasm32-wasip1", "wasm32-wasip2", "wasm32-unknown-unknown"];

/// `cargo xtask setup`: the host's tools, then the platforms' tools.
pub fn setup() -> anyhow::Result<()> {
    setup_host()?;
    platforms::setup(&tools_dir()?, None)
}

/// Where `setup` installs the platforms' tools.
pub fn tools_dir() -> anyhow::Result<PathBuf> {
    Ok(target_dir()?.join("conformance").join("tools"))
}

/// Everything `setup` does but the platforms' tools (which compile for many minutes).
pub fn setup_host() -> anyhow::Result<()> {
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

/// What [`apt_install`] could do about a Debian package.
pub enum Apt {
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
pub fn apt_install(package: &str, needed: &str) -> anyhow::Result<Apt> {
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
pub fn npm_install(source: &Path, dir: &Path) -> anyhow::Result<()> {
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

/// Installs the wasm targets with rustup when some are missing.
pub fn wasm_targets() -> anyhow::Result<()> {
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
