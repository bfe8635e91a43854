//! The platform builds the harness's platform columns run: each adapter built with its
//! platform's toolchain and packed the way the platform deploys it, into
//! `<target>/conformance/platforms/<column>/`. A platform whose tools are missing is skipped
//! with a line saying so; its column then says what is missing.

use std::path::Path;

use anyhow::Context;

use crate::run_cmd;

/// Packs every platform that can be packed here. `artifacts` is the guest manifest
/// (`artifacts.json`), `bin` the directory of the host binaries just built with the harness.
pub fn package(artifacts: &Path, bin: &Path, platforms: &Path) -> anyhow::Result<()> {
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(artifacts).with_context(|| format!("reading {}", artifacts.display()))?,
    )?;
    lambda(
        &manifest,
        bin,
        &platforms.join("lambda-emulator").join("package"),
    )
}

/// Lambda: `bootstrap` (built with the harness, so it shares its wasmtime) and each
/// service's component precompiled by it, as a provided.al2023 function's package holds them.
fn lambda(manifest: &serde_json::Value, bin: &Path, package: &Path) -> anyhow::Result<()> {
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
    for service in ["token", "config", "thumbnail"] {
        let wasm = manifest[service]["component"]
            .as_str()
            .with_context(|| format!("no {service} component in the artifact manifest"))?;
        let cwasm = package.join(format!("{service}.cwasm"));
        if new_binary || changed(Path::new(wasm), &cwasm)? {
            let mut precompile = std::process::Command::new(&bootstrap);
            precompile.arg("precompile").arg(wasm).arg(&cwasm);
            run_cmd(precompile).with_context(|| format!("precompiling {wasm}"))?;
        }
    }
    Ok(())
}
