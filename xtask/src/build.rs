//! `cargo xtask build`: every service in every wasm form, `wasm-opt -Oz` over each, and the
//! artifact manifests everything else reads.
//!
//! `<target>/conformance/artifacts.json` lists the optimised artifacts (what the harness
//! runs, `bench` measures and `dist` ships); `artifacts.raw.json` beside it the same as
//! cargo built them. Both are [`Artifacts`], the harness's own type, so the file has one
//! reader and one writer: `{"<service>": {"command": "<path>", "component": "<path>"}}`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
pub use conformance::run::Artifacts;
use conformance::target::Form;

use crate::setup::WASM_TARGETS;
use crate::util::{cargo, run_cmd, target_dir};
use crate::{dist, wasm_opt};

/// A guest crate to build: one service's crate for one wasm form.
#[derive(Clone, Copy, Debug)]
struct Guest {
    service: &'static str,
    form: Form,
    package: &'static str,
    triple: &'static str,
}

/// Every registered service's guest crates: the component for `wasm32-wasip2`, the command
/// for `wasm32-wasip1`.
fn guests() -> impl Iterator<Item = Guest> {
    service_http::SPECS.iter().flat_map(|spec| {
        [
            (Form::Component, spec.crates.component, "wasm32-wasip2"),
            (Form::Command, spec.crates.command, "wasm32-wasip1"),
        ]
        .map(|(form, package, triple)| Guest {
            service: spec.name,
            form,
            package,
            triple,
        })
    })
}

/// Cargo profile for guest artifacts (see the workspace Cargo.toml).
pub const GUEST_PROFILE: &str = "wasm";
/// The target the WASI probes (`conformance/probes`) are built for.
pub const PROBES_TARGET: &str = "wasm32-wasip1";

/// The guest packages built for `triple` (for `ci`'s wasm lints).
pub fn guest_packages(triple: &str) -> impl Iterator<Item = &'static str> + '_ {
    guests()
        .filter(move |g| g.triple == triple)
        .map(|g| g.package)
}

/// What [`build`] made.
pub struct Built {
    /// `<target>/conformance/artifacts.json`: the artifacts to run, test, measure and ship,
    /// after `wasm-opt -Oz`.
    pub manifest: PathBuf,
    /// What it lists.
    pub artifacts: Artifacts,
    /// `artifacts.raw.json` beside it: the same artifacts as cargo built them.
    pub raw_manifest: PathBuf,
    /// `wasm-opt --version`; `None` when there was no binaryen and nothing was optimised.
    pub binaryen: Option<String>,
}

/// Builds every guest, runs `wasm-opt -Oz` over the service artifacts and writes the
/// artifact manifests the harness reads.
pub fn build() -> anyhow::Result<Built> {
    let target = target_dir()?;
    let mut raw = Artifacts::default();
    for triple in WASM_TARGETS
        .into_iter()
        .filter(|t| guests().any(|g| g.triple == *t))
    {
        let mut cmd = cargo();
        cmd.args(["build", "--profile", GUEST_PROFILE, "--target", triple]);
        // Path-independent artifacts, so `dist` bundles are reproducible (see dist.rs).
        cmd.args(dist::remap_config(triple, Path::new("."), &target));
        for package in guest_packages(triple) {
            cmd.args(["--package", package]);
        }
        if triple == PROBES_TARGET {
            // The WASI probes: one `<id>.wasm` per probe, beside the commands.
            cmd.args(["--package", "wasi-probes"]);
        }
        run_cmd(cmd)?;
    }
    for Guest {
        service,
        form,
        package,
        triple,
    } in guests()
    {
        let file = format!(
            "{}.wasm",
            if form == Form::Component {
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
        raw.0
            .entry(service.to_owned())
            .or_default()
            .insert(form, path);
    }
    let wasm_opt = wasm_opt::WasmOpt::install(&target)?;
    let optimized = match &wasm_opt {
        Some(wasm_opt) => optimize(wasm_opt, &raw, &target.join("conformance").join("wasm-opt"))?,
        None => raw.clone(),
    };
    let dir = target.join("conformance");
    std::fs::create_dir_all(&dir)?;
    let manifest = dir.join("artifacts.json");
    write(&manifest, &optimized)?;
    let raw_manifest = dir.join("artifacts.raw.json");
    write(&raw_manifest, &raw)?;
    Ok(Built {
        manifest,
        artifacts: optimized,
        raw_manifest,
        binaryen: wasm_opt.map(|w| w.version),
    })
}

/// Writes an artifact manifest as [`Artifacts::load`] reads it: pretty JSON, keys sorted by
/// name (forms by their names too, not by [`Form`]'s order), a trailing newline.
pub fn write(path: &Path, artifacts: &Artifacts) -> anyhow::Result<()> {
    let named: BTreeMap<&str, BTreeMap<&str, &Path>> = artifacts
        .0
        .iter()
        .map(|(service, forms)| {
            let forms = forms
                .iter()
                .map(|(form, path)| (form.name(), path.as_path()))
                .collect();
            (service.as_str(), forms)
        })
        .collect();
    std::fs::write(path, serde_json::to_string_pretty(&named)? + "\n")
        .with_context(|| format!("writing {}", path.display()))
}

/// `wasm-opt -Oz` of every artifact in `raw` into `out` (same file names), all at once:
/// binaryen runs single-threaded on Node, and a cold build has six artifacts to optimise.
fn optimize(
    wasm_opt: &wasm_opt::WasmOpt,
    raw: &Artifacts,
    out: &Path,
) -> anyhow::Result<Artifacts> {
    std::fs::create_dir_all(out)?;
    let started = std::time::Instant::now();
    let jobs: Vec<(&str, Form, &PathBuf)> = raw
        .0
        .iter()
        .flat_map(|(service, forms)| {
            forms
                .iter()
                .map(move |(form, path)| (service.as_str(), *form, path))
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
    let mut optimized = Artifacts::default();
    for ((service, form, _), result) in jobs.into_iter().zip(results) {
        optimized
            .0
            .entry(service.to_owned())
            .or_default()
            .insert(form, result?);
    }
    eprintln!(
        "build: wasm-opt -Oz ({}) in {:.1} s",
        wasm_opt.version,
        started.elapsed().as_secs_f64()
    );
    Ok(optimized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_keeps_its_format_and_reads_back() {
        let mut artifacts = Artifacts::default();
        for service in ["token", "config"] {
            for form in [Form::Component, Form::Command] {
                let path = PathBuf::from(format!("/t/{service}-{}.wasm", form.name()));
                artifacts
                    .0
                    .entry(service.to_owned())
                    .or_default()
                    .insert(form, path);
            }
        }
        let path =
            std::env::temp_dir().join(format!("xtask-artifacts-{}.json", std::process::id()));
        write(&path, &artifacts).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        // The layout `build` has always written (and the harness and CI logs show): services
        // and forms in name order, two-space indents, a trailing newline.
        assert_eq!(
            text,
            "{\n  \"config\": {\n    \"command\": \"/t/config-command.wasm\",\n    \
             \"component\": \"/t/config-component.wasm\"\n  },\n  \"token\": {\n    \
             \"command\": \"/t/token-command.wasm\",\n    \
             \"component\": \"/t/token-component.wasm\"\n  }\n}\n"
        );
        let read = Artifacts::load(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(read.0, artifacts.0);
        assert_eq!(
            read.get("token", Form::Command),
            Some(Path::new("/t/token-command.wasm"))
        );
    }
}
