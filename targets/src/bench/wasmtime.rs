//! wasmtime as a serverless host would run it (and as the Lambda adapter will): the pooling
//! instance allocator, copy-on-write memory images, code compiled ahead of time (`.cwasm`)
//! and loaded with `deserialize_file`, `InstancePre` so instantiation does no linking, a
//! fresh `Store` per instance, and the same epoch deadline and memory cap as the harness.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;
use wasmtime::component::{Component, InstancePre, Linker as ComponentLinker};
use wasmtime::{Engine, Linker, Module, Store};
use wasmtime_host::{CommandHost, Guest, Host, MEMORY_LIMIT, Preset, TICK, World};
use wasmtime_wasi::I32Exit;
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};

use super::native::Reference;
use super::stats::{Budget, Summary, micros, summarize};

/// Instances the pool holds at once (the throughput run uses one per thread).
const POOL_INSTANCES: u32 = 16;
/// The deadline every store gets (60,000 ticks): far beyond any workload, but armed, as a
/// host's would be (its checks are part of the cost).
const DEADLINE: Duration = Duration::from_secs(600);
/// Output a command may write.
const OUTPUT_LIMIT: usize = 64 << 20;

/// The wasmtime settings, in words, for bench.json.
pub fn settings() -> String {
    format!(
        "cranelift (default opt level), pooling instance allocator ({POOL_INSTANCES} \
         component instances), copy-on-write memory images, InstancePre, .cwasm loaded with \
         deserialize_file, fresh Store per instance, epoch deadline armed ({} ms ticks), \
         {} MiB memory cap",
        TICK.as_millis(),
        MEMORY_LIMIT >> 20
    )
}

pub struct Wasmtime {
    pub engine: Engine,
    components: ComponentLinker<Host>,
    modules: Linker<CommandHost>,
    /// Where the compiled artifacts (`.cwasm`) are written.
    cwasm_dir: PathBuf,
}

/// An artifact compiled and written as `.cwasm`.
pub struct Compiled {
    pub size_bytes: usize,
    /// Milliseconds from `.wasm` bytes in memory to compiled code.
    pub compile_ms: f64,
    pub cwasm: PathBuf,
    pub cwasm_bytes: usize,
    /// `deserialize_file` of the `.cwasm`, in milliseconds.
    pub load: Summary,
}

/// A component ready to instantiate.
pub struct LoadedComponent {
    pub compiled: Compiled,
    pub pre: InstancePre<Host>,
}

/// A command ready to instantiate.
pub struct LoadedModule {
    pub compiled: Compiled,
    pub pre: wasmtime::InstancePre<CommandHost>,
}

/// One workload on the component.
pub struct ComponentRun {
    /// A fresh `Store` (WASI context, limiter, deadline) and instantiation from `InstancePre`.
    pub instantiate: Summary,
    /// Of that, the fresh `Store` with its WASI context alone.
    pub store: Summary,
    /// The resource's `create` on the fresh instance.
    pub create: Summary,
    /// `create` again on a warm instance: without what a fresh instance initialises on
    /// first use (lazy statics, the allocator's first growth).
    pub create_warm: Summary,
    /// The first request on it.
    pub first_call: Summary,
    /// instantiate + create + first call: an instance's cold path, artifact already loaded.
    pub response: Summary,
    /// Dropping the store: the instance's slot goes back to the pool.
    pub teardown: Summary,
    /// From the `.cwasm` file to the first response: deserialize_file, InstancePre,
    /// instantiate, create, call.
    pub cold_start: Summary,
    /// Requests on one created instance, after warm-up.
    pub warm: Summary,
    /// The native reference's warm calls, each timed right before one of those.
    pub native: Summary,
    /// The instance's linear memory after the warm calls.
    pub peak_memory: usize,
    pub response_json: Value,
}

/// One workload on the command: every run is a whole request on a fresh instance.
pub struct CommandRun {
    pub instantiate: Summary,
    /// The first run after loading.
    pub first_call: f64,
    /// Later runs: instantiate, `_start` (read the JSON request, create, call, write the
    /// response).
    pub warm: Summary,
    /// The native reference's whole requests (JSON text to JSON text), each timed right
    /// before one of those.
    pub native: Summary,
    pub peak_memory: usize,
    pub response_json: Value,
}

impl Wasmtime {
    pub fn new(cwasm_dir: &Path) -> anyhow::Result<Wasmtime> {
        let engine = Preset::Pooled {
            instances: POOL_INSTANCES,
        }
        .engine()
        .context("creating the pooling engine")?;
        let components = wasmtime_host::component_linker(&engine)?;
        let modules = wasmtime_host::command_linker(&engine)?;
        std::fs::create_dir_all(cwasm_dir)?;
        Ok(Wasmtime {
            engine,
            components,
            modules,
            cwasm_dir: cwasm_dir.to_owned(),
        })
    }

    fn component_store(&self) -> Store<Host> {
        // Nothing granted, as in the harness.
        wasmtime_host::store(&self.engine, Host::default(), DEADLINE)
    }

    /// Compiles `wasm` (timed), writes its `.cwasm` and times loading it `load` times.
    fn compile<T>(
        &self,
        wasm: &Path,
        name: &str,
        load: Budget,
        compile: impl Fn(&[u8]) -> wasmtime::Result<T>,
        serialize: impl Fn(&T) -> wasmtime::Result<Vec<u8>>,
        deserialize: impl Fn(&Path) -> wasmtime::Result<T>,
    ) -> anyhow::Result<(Compiled, T)> {
        let bytes = std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
        let start = Instant::now();
        let compiled = compile(&bytes)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("compiling {}", wasm.display()))?;
        let compile_ms = micros(start) / 1e3;
        let cwasm = self.cwasm_dir.join(format!("{name}.cwasm"));
        let serialized = serialize(&compiled)?;
        std::fs::write(&cwasm, &serialized)?;
        let load = load.run(|| {
            let start = Instant::now();
            let loaded = deserialize(&cwasm)?;
            let took = micros(start) / 1e3;
            drop(loaded);
            Ok(took)
        })?;
        let loaded = deserialize(&cwasm)?;
        Ok((
            Compiled {
                size_bytes: bytes.len(),
                compile_ms,
                cwasm,
                cwasm_bytes: serialized.len(),
                load,
            },
            loaded,
        ))
    }

    pub fn load_component(
        &self,
        wasm: &Path,
        name: &str,
        load: Budget,
    ) -> anyhow::Result<LoadedComponent> {
        let (compiled, component) = self.compile(
            wasm,
            name,
            load,
            |bytes| Component::new(&self.engine, bytes),
            Component::serialize,
            // SAFETY: the file was just written by `Component::serialize` with this engine
            // and is not modified while loaded.
            |path| unsafe { Component::deserialize_file(&self.engine, path) },
        )?;
        let pre = self.components.instantiate_pre(&component)?;
        Ok(LoadedComponent { compiled, pre })
    }

    pub fn load_module(
        &self,
        wasm: &Path,
        name: &str,
        load: Budget,
    ) -> anyhow::Result<LoadedModule> {
        let (compiled, module) = self.compile(
            wasm,
            name,
            load,
            |bytes| Module::new(&self.engine, bytes),
            Module::serialize,
            // SAFETY: as for components.
            |path| unsafe { Module::deserialize_file(&self.engine, path) },
        )?;
        let pre = self.modules.instantiate_pre(&module)?;
        Ok(LoadedModule { compiled, pre })
    }

    /// Measures `request` on the component: `cold` bounds the fresh instances, `warm` the
    /// warm calls, each after a call of `reference`.
    pub fn component<W: World>(
        &self,
        loaded: &LoadedComponent,
        request: &Value,
        reference: &mut dyn Reference,
        cold: Budget,
        warm: Budget,
    ) -> anyhow::Result<ComponentRun> {
        let request = Guest::<W>::request(request)?;
        let pre = Guest::<W>::pre(loaded.pre.clone())?;
        let created = |guest: &mut Guest<W>, store: &mut Store<Host>| {
            guest
                .create(store, &request)?
                .map_err(|refusal| anyhow::anyhow!("the component refused the config: {refusal}"))
        };
        // Fresh instances: each phase timed on its own.
        let (mut instantiate, mut create, mut first, mut teardown) =
            (vec![], vec![], vec![], vec![]);
        let mut stores = vec![];
        let response = cold.run(|| {
            let start = Instant::now();
            let mut store = self.component_store();
            stores.push(micros(start));
            let mut guest = Guest::<W>::instantiate(&mut store, &pre)?;
            let t_instantiate = micros(start);
            let start = Instant::now();
            created(&mut guest, &mut store)?;
            let t_create = micros(start);
            let start = Instant::now();
            let output = guest.call(&mut store, &request)?;
            let t_first = micros(start);
            drop(output);
            let start = Instant::now();
            drop(guest);
            drop(store);
            teardown.push(micros(start));
            instantiate.push(t_instantiate);
            create.push(t_create);
            first.push(t_first);
            Ok(t_instantiate + t_create + t_first)
        })?;
        // From the file: what a freshly started host pays for its first response.
        let cold_start = cold.run(|| {
            let start = Instant::now();
            // SAFETY: written by `Component::serialize` with this engine (see `compile`).
            let component =
                unsafe { Component::deserialize_file(&self.engine, &loaded.compiled.cwasm) }?;
            let pre = Guest::<W>::pre(self.components.instantiate_pre(&component)?)?;
            let mut store = self.component_store();
            let mut guest = Guest::<W>::instantiate(&mut store, &pre)?;
            created(&mut guest, &mut store)?;
            let output = guest.call(&mut store, &request)?;
            let took = micros(start);
            drop(output);
            Ok(took)
        })?;
        // One instance, warm.
        let mut store = self.component_store();
        let mut guest = Guest::<W>::instantiate(&mut store, &pre)?;
        created(&mut guest, &mut store)?;
        let response_json = Guest::<W>::response(guest.call(&mut store, &request)?)?;
        let create_warm = cold.run(|| {
            let start = Instant::now();
            created(&mut guest, &mut store)?;
            Ok(micros(start))
        })?;
        let mut native = Vec::new();
        let warm = warm.run(|| {
            native.push(reference.call()?);
            let start = Instant::now();
            let output = guest.call(&mut store, &request)?;
            let took = micros(start);
            drop(output);
            Ok(took)
        })?;
        let peak_memory = store.data().peak_memory();
        Ok(ComponentRun {
            instantiate: summarize(&instantiate),
            store: summarize(&stores),
            create: summarize(&create),
            create_warm,
            first_call: summarize(&first),
            response,
            teardown: summarize(&teardown),
            cold_start,
            warm,
            native: summarize(&native[warm_up(&native, &warm)..]),
            peak_memory,
            response_json,
        })
    }

    /// One run of the command on a fresh instance: (instantiate µs, whole run µs, stdout,
    /// linear memory at exit).
    fn command_run(
        &self,
        pre: &wasmtime::InstancePre<CommandHost>,
        argv0: &str,
        stdin: Vec<u8>,
    ) -> anyhow::Result<(f64, f64, String, usize)> {
        let start = Instant::now();
        let stdout = MemoryOutputPipe::new(OUTPUT_LIMIT);
        let stderr = MemoryOutputPipe::new(OUTPUT_LIMIT);
        let wasi = WasiCtxBuilder::new()
            .stdin(MemoryInputPipe::new(stdin))
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .arg(argv0)
            .build_p1();
        let mut store = wasmtime_host::store(&self.engine, CommandHost::new(wasi), DEADLINE);
        let instance = pre.instantiate(&mut store)?;
        let t_instantiate = micros(start);
        let result = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .and_then(|f| f.call(&mut store, ()));
        let took = micros(start);
        match result {
            Ok(()) => {}
            Err(e) if matches!(e.downcast_ref::<I32Exit>(), Some(I32Exit(0))) => {}
            Err(e) => bail!(
                "the command failed: {e:#}; stderr: {}",
                String::from_utf8_lossy(&stderr.contents())
            ),
        }
        let peak = store.data().peak_memory();
        drop(store);
        Ok((
            t_instantiate,
            took,
            String::from_utf8_lossy(&stdout.contents()).into_owned(),
            peak,
        ))
    }

    /// Measures `request` on the command; every run is a fresh instance, after a whole
    /// request on `reference`.
    pub fn command(
        &self,
        loaded: &LoadedModule,
        service: &str,
        request: &Value,
        reference: &mut dyn Reference,
        warm: Budget,
    ) -> anyhow::Result<CommandRun> {
        let argv0 = format!("{service}-command");
        let text = request.to_string().into_bytes();
        let (_, first_call, stdout, peak_memory) =
            self.command_run(&loaded.pre, &argv0, text.clone())?;
        let response_json: Value = serde_json::from_str(&stdout)
            .with_context(|| format!("the command's stdout is not JSON: {stdout:?}"))?;
        let (mut instantiate, mut native) = (Vec::new(), Vec::new());
        let warm = warm.run(|| {
            native.push(reference.serve()?);
            let stdin = text.clone();
            let (t_instantiate, took, _, _) = self.command_run(&loaded.pre, &argv0, stdin)?;
            instantiate.push(t_instantiate);
            Ok(took)
        })?;
        let skip = warm_up(&native, &warm);
        Ok(CommandRun {
            instantiate: summarize(&instantiate[skip..]),
            first_call,
            warm,
            native: summarize(&native[skip..]),
            peak_memory,
            response_json,
        })
    }

    /// Requests per second on `threads` threads, each with its own instances from the pool:
    /// `fresh`, a new instance (instantiate, create, call, drop) per request; otherwise one
    /// created instance per thread, called again and again.
    pub fn throughput<W: World>(
        &self,
        loaded: &LoadedComponent,
        request: &Value,
        threads: usize,
        seconds: f64,
        fresh: bool,
    ) -> anyhow::Result<f64> {
        let request = Guest::<W>::request(request)?;
        let pre = Guest::<W>::pre(loaded.pre.clone())?;
        let (request, pre) = (&request, &pre);
        let open = move || -> anyhow::Result<(Store<Host>, Guest<W>)> {
            let mut store = self.component_store();
            let mut guest = Guest::<W>::instantiate(&mut store, pre)?;
            guest
                .create(&mut store, request)?
                .map_err(|refusal| anyhow::anyhow!("refused: {refusal}"))?;
            Ok((store, guest))
        };
        super::count_in_parallel(threads, seconds, || {
            let mut instance = Some(open()?);
            Ok(move || {
                if fresh {
                    instance = None;
                    instance = Some(open()?);
                }
                let (store, guest) = instance.as_mut().context("no instance")?;
                // The response is not looked at: the run counts calls.
                drop(guest.call(store, request)?);
                Ok(())
            })
        })
    }
}

/// How many of `side`'s samples, taken on every run of a budget, were taken during its
/// warm-up: `timed` has the timed runs only.
pub fn warm_up(side: &[f64], timed: &Summary) -> usize {
    side.len() - timed.samples
}
