//! wasmtime, embedded: components through `InstancePre` with a fresh `Store` per case, and
//! commands through WASI preview 1. Compiled code is cached on disk (`.cwasm`), so a second
//! run only deserialises it.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, bail};
use conformance::{Availability, CommandJob, CommandRun, Form, Job, Kind, Target};
use serde_json::Value;
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, Linker as ComponentLinker};
use wasmtime::{Engine, Linker, Module};
use wasmtime_host::{CommandHost, Host, MEMORY_LIMIT, Preset, TICK};
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

use crate::Settings;

/// The embedded wasmtime's version; `version_matches_the_lock_file` keeps it honest.
pub(crate) const VERSION: &str = "48.0.8";

/// Output a command may write.
const OUTPUT_LIMIT: usize = 16 << 20;

pub struct Wasmtime {
    engine: Engine,
    cache_dir: PathBuf,
    component_linker: ComponentLinker<Host>,
    module_linker: Linker<CommandHost>,
    components: Mutex<HashMap<PathBuf, wasmtime::component::InstancePre<Host>>>,
    modules: Mutex<HashMap<PathBuf, wasmtime::InstancePre<CommandHost>>>,
    /// Why the engine could not be set up, if it could not.
    broken: Option<String>,
}

impl Wasmtime {
    pub fn new(settings: &Settings) -> Wasmtime {
        let (engine, broken) = match Preset::Plain.engine() {
            Ok(engine) => (engine, None),
            Err(e) => (
                Engine::default(),
                Some(format!("engine setup failed: {e:#}")),
            ),
        };
        let linked = wasmtime_host::component_linker(&engine)
            .and_then(|c| Ok((c, wasmtime_host::command_linker(&engine)?)));
        let (component_linker, module_linker, broken) = match linked {
            Ok((c, m)) => (c, m, broken),
            Err(e) => (
                ComponentLinker::new(&engine),
                Linker::new(&engine),
                broken.or(Some(format!("linking WASI failed: {e:#}"))),
            ),
        };
        Wasmtime {
            engine,
            cache_dir: settings.cache_dir.join("wasmtime"),
            component_linker,
            module_linker,
            components: Mutex::default(),
            modules: Mutex::default(),
            broken,
        }
    }

    /// Where the compiled form of `wasm` lives: keyed by its content, the wasmtime
    /// version and the engine's compatibility hash (target, flags).
    fn cache_path(&self, wasm: &[u8], kind: &str) -> PathBuf {
        let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
        self.engine
            .precompile_compatibility_hash()
            .hash(&mut engine_hash);
        let mut digest = Sha256::new();
        digest.update(wasm);
        digest.update(engine_hash.finish().to_le_bytes());
        let digest = digest.finalize();
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        self.cache_dir.join(format!("{kind}-{VERSION}-{hex}.cwasm"))
    }

    /// Loads compiled code from the cache, or compiles and caches it.
    fn load<T>(
        &self,
        wasm_path: &Path,
        kind: &str,
        compile: impl Fn(&[u8]) -> wasmtime::Result<T>,
        serialize: impl Fn(&T) -> wasmtime::Result<Vec<u8>>,
        deserialize: impl Fn(&Path) -> wasmtime::Result<T>,
    ) -> anyhow::Result<T> {
        let wasm =
            std::fs::read(wasm_path).with_context(|| format!("reading {}", wasm_path.display()))?;
        let cached = self.cache_path(&wasm, kind);
        let name = wasm_path.file_name().unwrap_or_default().to_string_lossy();
        if cached.exists() {
            match deserialize(&cached) {
                Ok(loaded) => {
                    eprintln!("wasmtime: {name}: reusing compiled {}", cached.display());
                    return Ok(loaded);
                }
                Err(e) => eprintln!("wasmtime: {name}: cached code unusable ({e}); recompiling"),
            }
        }
        let start = Instant::now();
        let compiled = compile(&wasm)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("compiling {}", wasm_path.display()))?;
        eprintln!(
            "wasmtime: {name}: compiled in {:.2} s",
            start.elapsed().as_secs_f64()
        );
        std::fs::create_dir_all(&self.cache_dir)?;
        let partial = cached.with_extension("partial");
        std::fs::write(&partial, serialize(&compiled)?)?;
        std::fs::rename(&partial, &cached)?;
        Ok(compiled)
    }

    fn component(&self, path: &Path) -> anyhow::Result<wasmtime::component::InstancePre<Host>> {
        let mut components = self.components.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(pre) = components.get(path) {
            return Ok(pre.clone());
        }
        let component = self.load(
            path,
            "component",
            |wasm| Component::new(&self.engine, wasm),
            Component::serialize,
            // SAFETY: the file was written by `Component::serialize` of this wasmtime
            // version and engine configuration (both are in its name) and is not modified
            // while loaded; wasmtime checks the header and refuses a mismatch.
            |cached| unsafe { Component::deserialize_file(&self.engine, cached) },
        )?;
        let pre = self.component_linker.instantiate_pre(&component)?;
        components.insert(path.to_owned(), pre.clone());
        Ok(pre)
    }

    fn module(&self, path: &Path) -> anyhow::Result<wasmtime::InstancePre<CommandHost>> {
        let mut modules = self.modules.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(pre) = modules.get(path) {
            return Ok(pre.clone());
        }
        let module = self.load(
            path,
            "module",
            |wasm| Module::new(&self.engine, wasm),
            Module::serialize,
            // SAFETY: as for components above.
            |cached| unsafe { Module::deserialize_file(&self.engine, cached) },
        )?;
        let pre = self.module_linker.instantiate_pre(&module)?;
        modules.insert(path.to_owned(), pre.clone());
        Ok(pre)
    }

    fn run_component(&self, job: &Job, wasm: &Path) -> anyhow::Result<Value> {
        let pre = self.component(wasm)?;
        // Nothing is granted: no preopens, no environment, no arguments, no network.
        let mut store = wasmtime_host::store(&self.engine, Host::default(), job.timeout);
        wasmtime_host::serve_service(&job.service, &mut store, &pre, &job.request)
    }

    fn command(&self, job: &CommandJob) -> anyhow::Result<CommandRun> {
        let pre = self.module(&job.wasm)?;
        let stdout = MemoryOutputPipe::new(OUTPUT_LIMIT);
        let stderr = MemoryOutputPipe::new(OUTPUT_LIMIT);
        let mut wasi = WasiCtxBuilder::new();
        wasi.stdout(stdout.clone())
            .stderr(stderr.clone())
            .args(&job.args)
            .envs(&job.env);
        if let Some(stdin) = &job.stdin {
            wasi.stdin(MemoryInputPipe::new(stdin.clone().into_bytes()));
        }
        for dir in &job.dirs {
            wasi.preopened_dir(&dir.host, &dir.guest, FsPerms::ReadWrite)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("preopening {}", dir.host.display()))?;
        }
        let state = CommandHost::new(wasi.build_p1());
        let mut store = wasmtime_host::store(&self.engine, state, job.timeout);
        let result = pre
            .instantiate(&mut store)
            .and_then(|instance| instance.get_typed_func::<(), ()>(&mut store, "_start"))
            .and_then(|start| start.call(&mut store, ()));
        let text = |pipe: &MemoryOutputPipe| String::from_utf8_lossy(&pipe.contents()).into_owned();
        let mut run = CommandRun {
            stdout: text(&stdout),
            stderr: text(&stderr),
            ..CommandRun::default()
        };
        match result {
            Ok(()) => run.exit = Some(0),
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(I32Exit(code)) => run.exit = Some(*code),
                None => run.trap = Some(format!("{e:#}")),
            },
        }
        Ok(run)
    }
}

impl Target for Wasmtime {
    fn id(&self) -> &'static str {
        "wasmtime"
    }

    fn kind(&self) -> Kind {
        Kind::Embedded
    }

    fn version(&self) -> String {
        VERSION.to_owned()
    }

    fn settings(&self) -> String {
        format!(
            "cranelift, {} MiB memory cap, epoch deadline every {} ms",
            MEMORY_LIMIT >> 20,
            TICK.as_millis()
        )
    }

    fn detect(&self) -> Availability {
        match &self.broken {
            None => Availability::Available,
            Some(reason) => Availability::Missing {
                reason: reason.clone(),
                install: "wasmtime is built into the harness; this is a bug, please report it"
                    .into(),
            },
        }
    }

    fn forms(&self) -> &'static [Form] {
        &[Form::Component, Form::Command]
    }

    fn supports(&self, service: &str, form: Form) -> Result<(), String> {
        match form {
            Form::Command => Ok(()),
            Form::Component if wasmtime_host::binds(service) => Ok(()),
            form => Err(format!("no wasmtime binding for the {service} {form} yet")),
        }
    }

    fn run(&self, job: &Job) -> anyhow::Result<Value> {
        let wasm = job.artifact.as_deref().context("no artifact to run")?;
        match job.form {
            Form::Component => self.run_component(job, wasm),
            form => bail!("wasmtime does not run the {form} form"),
        }
    }

    fn run_command(&self, job: &CommandJob) -> anyhow::Result<CommandRun> {
        self.command(job)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use conformance::Target;

    use super::Wasmtime;

    /// A core module exporting `_start` with the given body (no locals), encoded by hand so
    /// the tests need no `wat` feature.
    fn command_with_body(body: &[u8]) -> Vec<u8> {
        let mut code = vec![0x00]; // no locals
        code.extend_from_slice(body);
        code.push(0x0b); // end
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend_from_slice(&[0x01, 0x04, 0x01, 0x60, 0x00, 0x00]); // type: () -> ()
        wasm.extend_from_slice(&[0x03, 0x02, 0x01, 0x00]); // one function of type 0
        wasm.extend_from_slice(&[0x07, 0x0a, 0x01, 0x06]); // export section, "_start"
        wasm.extend_from_slice(b"_start");
        wasm.extend_from_slice(&[0x00, 0x00]);
        let size = code.len() as u8;
        wasm.extend_from_slice(&[0x0a, size + 2, 0x01, size]);
        wasm.extend_from_slice(&code);
        wasm
    }

    fn run_command(
        name: &str,
        wasm: &[u8],
        timeout: Duration,
    ) -> anyhow::Result<serde_json::Value> {
        let job = crate::testing::command_job(name, wasm, timeout);
        let dir = crate::testing::scratch(name);
        let wasmtime = Wasmtime::new(&crate::Settings {
            cache_dir: dir.join("cache"),
            drivers_dir: dir.join("drivers"),
            tools_dir: dir.join("tools"),
            platforms_dir: dir.join("platforms"),
            wasmedge_child: None,
        });
        wasmtime.run_command(&job)?.into_response()
    }

    #[test]
    fn a_guest_that_never_returns_is_stopped_at_its_deadline() {
        let start = Instant::now();
        let looping = command_with_body(&[0x03, 0x40, 0x0c, 0x00, 0x0b]); // loop br 0 end
        let error = run_command("loop", &looping, Duration::from_millis(200)).unwrap_err();
        assert!(format!("{error:#}").contains("interrupt"), "{error:#}");
        assert!(start.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_trap_is_an_error_not_a_response() {
        let trapping = command_with_body(&[0x00]); // unreachable
        let error = run_command("trap", &trapping, Duration::from_secs(5)).unwrap_err();
        assert!(format!("{error:#}").contains("trap"), "{error:#}");
    }

    #[test]
    fn silence_is_an_error_not_a_response() {
        let silent = command_with_body(&[]);
        let error = run_command("silent", &silent, Duration::from_secs(5)).unwrap_err();
        assert!(
            format!("{error:#}").contains("stdout is not one JSON response"),
            "{error:#}"
        );
    }

    #[test]
    fn version_matches_the_lock_file() {
        crate::testing::assert_locked("wasmtime", super::VERSION);
    }
}
