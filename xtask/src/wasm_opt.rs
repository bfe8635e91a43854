//! The build's last step: `wasm-opt -Oz` (binaryen, installed from npm with a pinned lock
//! file) over every service artifact, so what the harness runs, the benchmarks measure and
//! `dist` ships is the optimised `.wasm`. binaryen reads core modules only, so a component is
//! taken apart: each of its core modules is optimised and put back in its place, the rest of
//! the component byte for byte. Results are cached by content: an unchanged guest costs
//! nothing, a changed one a few seconds (the config validator about half a minute: binaryen
//! is itself wasm, on Node).

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

/// The pinned binaryen (package.json and package-lock.json beside it).
const BINARYEN_DIR: &str = "xtask/tools/binaryen";

/// The features the Rust wasm targets emit by default, and SIMD, which some dependencies
/// use in functions of their own (`#[target_feature(enable = "simd128")]`): binaryen must
/// accept them all.
const FEATURES: [&str; 7] = [
    "--enable-simd",
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-multivalue",
    "--enable-reference-types",
];

/// The component binary's preamble: magic, version 0x0d, layer 1.
const COMPONENT_HEADER: [u8; 8] = *b"\0asm\x0d\x00\x01\x00";
/// A core module's: magic, version 1.
const MODULE_HEADER: [u8; 8] = *b"\0asm\x01\x00\x00\x00";
/// A component's core-module section.
const CORE_MODULE_SECTION: u8 = 1;

/// Reads an unsigned LEB128 u32 at `*at`, moving past it.
pub fn read_leb(bytes: &[u8], at: &mut usize) -> anyhow::Result<u32> {
    let mut value: u64 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(*at).context("LEB128 runs past the end")?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return u32::try_from(value).context("LEB128 over u32");
        }
    }
    bail!("LEB128 longer than 5 bytes")
}

pub fn write_leb(mut value: u32, out: &mut Vec<u8>) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// One top-level section of a component: its id, the whole section (id and size
/// included) and its contents.
struct Section {
    id: u8,
    whole: Range<usize>,
    contents: Range<usize>,
}

/// The top-level sections of `component`, in order; the one walk of its layout that
/// [`core_modules`] and [`replace_modules`] share.
fn sections(component: &[u8]) -> anyhow::Result<Vec<Section>> {
    anyhow::ensure!(
        component.starts_with(&COMPONENT_HEADER),
        "not a component (preamble)"
    );
    let mut at = COMPONENT_HEADER.len();
    let mut sections = Vec::new();
    while at < component.len() {
        let start = at;
        let id = component[at];
        at += 1;
        let size = read_leb(component, &mut at)? as usize;
        let end = at.checked_add(size).filter(|&e| e <= component.len());
        let end = end.context("a section runs past the end")?;
        sections.push(Section {
            id,
            whole: start..end,
            contents: at..end,
        });
        at = end;
    }
    Ok(sections)
}

/// The byte ranges of the core modules directly inside `component` (top-level sections).
pub fn core_modules(component: &[u8]) -> anyhow::Result<Vec<Range<usize>>> {
    let mut modules = Vec::new();
    for section in sections(component)? {
        if section.id == CORE_MODULE_SECTION {
            anyhow::ensure!(
                component[section.contents.clone()].starts_with(&MODULE_HEADER),
                "a core-module section without a module"
            );
            modules.push(section.contents);
        }
    }
    Ok(modules)
}

/// `component` with its core modules (in order) replaced by `modules`.
pub fn replace_modules(component: &[u8], modules: &[Vec<u8>]) -> anyhow::Result<Vec<u8>> {
    anyhow::ensure!(
        core_modules(component)?.len() == modules.len(),
        "one module per core module"
    );
    let mut out = COMPONENT_HEADER.to_vec();
    let mut modules = modules.iter();
    for section in sections(component)? {
        if section.id == CORE_MODULE_SECTION
            && let Some(module) = modules.next()
        {
            out.push(CORE_MODULE_SECTION);
            write_leb(u32::try_from(module.len())?, &mut out);
            out.extend_from_slice(module);
        } else {
            out.extend_from_slice(&component[section.whole]);
        }
    }
    Ok(out)
}

/// binaryen's `wasm-opt`, run through Node from the npm package.
#[derive(Debug)]
pub struct WasmOpt {
    pub program: PathBuf,
    /// `wasm-opt --version`, e.g. `wasm-opt version 132 (version_132)`.
    pub version: String,
    /// Optimised modules by content, so a second run reuses them.
    cache: PathBuf,
}

impl WasmOpt {
    /// Installs binaryen from npm into `<target>/conformance/tools/binaryen` (again only
    /// when the pinned lock file changed) with its cache in `<target>/conformance/wasm-opt`.
    /// `None`, with a warning, without npm: the build then ships its artifacts unoptimised.
    pub fn install(target: &Path) -> anyhow::Result<Option<WasmOpt>> {
        if !crate::util::on_path("npm") {
            eprintln!(
                "build: warning: npm not found, so no wasm-opt: the artifacts stay as cargo \
                 built them (install Node.js 20+ with npm)"
            );
            return Ok(None);
        }
        let conformance = target.join("conformance");
        let dir = conformance.join("tools").join("binaryen");
        crate::setup::npm_install(Path::new(BINARYEN_DIR), &dir)
            .context("installing binaryen from npm")?;
        let program = dir
            .join("node_modules")
            .join("binaryen")
            .join("bin")
            .join("wasm-opt");
        anyhow::ensure!(
            program.exists(),
            "the binaryen package has no {}",
            program.display()
        );
        WasmOpt::new(&program, &conformance.join("wasm-opt").join("cache")).map(Some)
    }

    pub fn new(program: &Path, cache: &Path) -> anyhow::Result<WasmOpt> {
        let output = Command::new(program)
            .arg("--version")
            .output()
            .with_context(|| format!("running {}", program.display()))?;
        anyhow::ensure!(
            output.status.success(),
            "{} --version failed",
            program.display()
        );
        let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        std::fs::create_dir_all(cache)?;
        Ok(WasmOpt {
            program: program.to_owned(),
            version,
            cache: cache.to_owned(),
        })
    }

    /// `wasm-opt -Oz` of one core module.
    fn module(&self, module: &[u8]) -> anyhow::Result<Vec<u8>> {
        let mut digest = Sha256::new();
        digest.update(module);
        digest.update(self.version.as_bytes());
        digest.update(FEATURES.concat().as_bytes());
        let hex = crate::util::hex(&digest.finalize()[..12]);
        let cached = self.cache.join(format!("{hex}.wasm"));
        if let Ok(bytes) = std::fs::read(&cached) {
            return Ok(bytes);
        }
        // Two components can hold the same small module (the WASI adapter's shims), and
        // they are optimised on threads of their own: each run gets its own scratch names.
        static RUN: AtomicU64 = AtomicU64::new(0);
        let run = format!(
            "{}-{}",
            std::process::id(),
            RUN.fetch_add(1, Ordering::Relaxed)
        );
        let input = self.cache.join(format!("{hex}.{run}.in.wasm"));
        let partial = self.cache.join(format!("{hex}.{run}.partial.wasm"));
        std::fs::write(&input, module)?;
        let output = Command::new(&self.program)
            .arg("-Oz")
            .args(FEATURES)
            .arg(&input)
            .arg("-o")
            .arg(&partial)
            .output()
            .with_context(|| format!("running {}", self.program.display()))?;
        let _ = std::fs::remove_file(&input);
        if !output.status.success() {
            let _ = std::fs::remove_file(&partial);
            // Its error can quote a whole function: the first lines say what is wrong.
            let stderr = String::from_utf8_lossy(&output.stderr);
            let head: Vec<&str> = stderr.lines().take(3).collect();
            bail!("wasm-opt failed: {}", head.join(" / "));
        }
        std::fs::rename(&partial, &cached)?;
        Ok(std::fs::read(&cached)?)
    }

    /// The artifact (a component or a core module) after `wasm-opt -Oz`. Many at once may
    /// run on separate threads: each module's cache entry is written by a rename.
    pub fn optimize(&self, wasm: &[u8]) -> anyhow::Result<Vec<u8>> {
        if wasm.starts_with(&MODULE_HEADER) {
            return self.module(wasm);
        }
        let modules = core_modules(wasm)?
            .into_iter()
            .map(|range| self.module(&wasm[range]))
            .collect::<anyhow::Result<Vec<_>>>()?;
        replace_modules(wasm, &modules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_round_trips() {
        for value in [0, 1, 127, 128, 300, 16_384, u32::MAX] {
            let mut bytes = Vec::new();
            write_leb(value, &mut bytes);
            let mut at = 0;
            assert_eq!(read_leb(&bytes, &mut at).unwrap(), value);
            assert_eq!(at, bytes.len());
        }
        let mut at = 0;
        assert!(
            read_leb(&[0x80, 0x80], &mut at).is_err(),
            "runs past the end"
        );
    }

    /// A component of a custom section, a core module, another section and a second
    /// module, as sections go.
    fn component(modules: &[&[u8]]) -> Vec<u8> {
        let mut out = COMPONENT_HEADER.to_vec();
        out.extend_from_slice(&[0, 3, 1, b'x', 9]); // custom section "x"
        for module in modules {
            out.push(CORE_MODULE_SECTION);
            write_leb(module.len() as u32, &mut out);
            out.extend_from_slice(module);
            out.extend_from_slice(&[7, 2, 0xaa, 0xbb]); // a type section, opaque here
        }
        out
    }

    fn module(body: &[u8]) -> Vec<u8> {
        let mut module = MODULE_HEADER.to_vec();
        module.extend_from_slice(body);
        module
    }

    #[test]
    fn core_modules_are_found_and_replaced_in_place() {
        let (a, b) = (module(&[1; 200]), module(&[2; 3]));
        let whole = component(&[&a, &b]);
        let ranges = core_modules(&whole).unwrap();
        assert_eq!(ranges.len(), 2);
        assert_eq!(&whole[ranges[0].clone()], &a[..]);
        assert_eq!(&whole[ranges[1].clone()], &b[..]);

        let (small, large) = (module(&[3; 1]), module(&[4; 300]));
        let replaced = replace_modules(&whole, &[small.clone(), large.clone()]).unwrap();
        assert_eq!(replaced, component(&[&small, &large]));
        assert!(replace_modules(&whole, &[small]).is_err());
        assert!(core_modules(&a).is_err(), "a module is not a component");
    }
}
