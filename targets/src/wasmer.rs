//! Wasmer, embedded with its default compiler (cranelift): WASI preview 1 commands through
//! `wasmer-wasix`. Wasmer has no component model, so components are `unsupported`.
//! Hardening: memories are capped by [`CappedTunables`], and the metering middleware is
//! Wasmer's fuel, so a runaway guest ends as an `error` cell.

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use conformance::{Availability, CommandJob, CommandRun, Form, Kind, Target};
use wasmer::sys::vm::{
    MemoryError, MemoryStyle, TableStyle, VMMemory, VMMemoryDefinition, VMTable, VMTableDefinition,
};
use wasmer::sys::{BaseTunables, CompilerConfig, Cranelift, EngineBuilder, NativeEngineExt};
use wasmer::{Engine, MemoryType, Module, Pages, Store, TableType, WASM_PAGE_SIZE};
use wasmer_middlewares::Metering;
use wasmer_middlewares::metering::{MeteringPoints, get_remaining_points, set_remaining_points};
use wasmer_wasix::virtual_fs::{self, host_fs::FileSystem};
use wasmer_wasix::{Pipe, WasiEnv, WasiError};

/// The embedded Wasmer's version; `version_matches_the_lock_file` keeps it honest.
const VERSION: &str = "7.3.0";
/// Linear memory a guest may use.
const MEMORY_LIMIT: usize = 512 << 20;
/// Metering points (one per operator) per second of a case's timeout: more than compiled
/// code runs in a second here, so running out is the deadline, not a tighter limit.
const POINTS_PER_SECOND: u64 = 4_000_000_000;

pub struct Wasmer {
    /// Each module with its own engine: a metering middleware serves one module only.
    modules: Mutex<HashMap<PathBuf, (Engine, Module)>>,
    /// wasmer-wasix runs its host side on tokio, even for a synchronous command.
    tokio: tokio::runtime::Runtime,
    /// Why Wasmer cannot run here, found when building the engine.
    broken: Option<String>,
}

impl Wasmer {
    pub fn new() -> Wasmer {
        let (tokio, broken) = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("wasmer-wasix")
            .enable_all()
            .build()
        {
            Ok(tokio) => (tokio, None),
            Err(e) => (
                tokio::runtime::Builder::new_current_thread()
                    .build()
                    .expect("a current-thread runtime needs no resources"),
                Some(format!("starting tokio for wasmer-wasix: {e}")),
            ),
        };
        Wasmer {
            modules: Mutex::default(),
            tokio,
            broken,
        }
    }

    /// A cranelift engine with capped memories and a metering middleware, which counts every
    /// operator; the limit is set per instance.
    fn engine() -> Engine {
        let mut compiler = Cranelift::default();
        compiler.push_middleware(Arc::new(Metering::new(0, |_| 1)));
        let mut engine: Engine = EngineBuilder::new(compiler).into();
        let base = BaseTunables::for_target(engine.target());
        engine.set_tunables(CappedTunables { base });
        engine
    }

    pub(crate) fn module(&self, path: &Path) -> anyhow::Result<(Engine, Module)> {
        let mut modules = self.modules.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(compiled) = modules.get(path) {
            return Ok(compiled.clone());
        }
        let wasm = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let engine = Self::engine();
        let module = Module::new(&engine, &wasm[..])
            .with_context(|| format!("compiling {}", path.display()))?;
        modules.insert(path.to_owned(), (engine.clone(), module.clone()));
        Ok((engine, module))
    }

    fn command(&self, job: &CommandJob) -> anyhow::Result<CommandRun> {
        let (engine, module) = self.module(&job.wasm)?;
        let _tokio = self.tokio.enter();
        let (stdout_guest, mut stdout) = Pipe::channel();
        let (stderr_guest, mut stderr) = Pipe::channel();
        let (program, args) = job.args.split_first().context("argv[0] is missing")?;
        let mut builder = WasiEnv::builder(program)
            .engine(engine.clone())
            .args(args)
            .envs(job.env.iter().cloned())
            .stdout(Box::new(stdout_guest))
            .stderr(Box::new(stderr_guest));
        if let Some(text) = &job.stdin {
            let (mut stdin, stdin_guest) = Pipe::channel();
            std::io::Write::write_all(&mut stdin, text.as_bytes())?;
            stdin.close();
            builder = builder.stdin(Box::new(stdin_guest));
        }
        if !job.dirs.is_empty() {
            // wasmer-wasix's default file system is its own, in memory. Each granted host
            // directory is mounted at its guest path and that path is preopened, so the
            // guest's preopen carries exactly the granted name (`/sandbox`). `map_dir`
            // would not: its alias loses the leading `/` (wasmer-wasix "mounts at `/`"),
            // and a guest looking for `/sandbox` finds only `sandbox`.
            let mounts = virtual_fs::MountFileSystem::new();
            for dir in &job.dirs {
                let host = FileSystem::new(tokio::runtime::Handle::current(), &dir.host)
                    .with_context(|| format!("opening {} for wasmer-wasix", dir.host.display()))?;
                mounts
                    .mount(&dir.guest, Arc::new(host))
                    .with_context(|| format!("mounting {} at {}", dir.host.display(), dir.guest))?;
            }
            builder = builder.fs(Arc::new(mounts) as Arc<dyn virtual_fs::FileSystem + Send + Sync>);
            for dir in &job.dirs {
                builder = builder
                    .preopen_dir(&dir.guest)
                    .with_context(|| format!("preopening {}", dir.guest))?;
            }
        }
        let mut store = Store::new(engine);
        let (instance, env) = builder
            .instantiate(module, &mut store)
            .context("instantiating with wasmer-wasix")?;
        let points = (u128::from(POINTS_PER_SECOND) * job.timeout.as_millis() / 1000).max(1);
        let points = u64::try_from(points).unwrap_or(u64::MAX);
        set_remaining_points(&mut store, &instance, points);
        let result = instance
            .exports
            .get_function("_start")
            .context("the command exports no `_start`")?
            .call(&mut store, &[]);
        let exhausted = matches!(
            get_remaining_points(&mut store, &instance),
            MeteringPoints::Exhausted
        );
        env.on_exit(&mut store, None);
        drop(instance);
        drop(store);
        let mut run = CommandRun {
            stdout: drain(&mut stdout),
            stderr: drain(&mut stderr),
            ..CommandRun::default()
        };
        match result {
            Ok(_) => run.exit = Some(0),
            Err(e) => match e.downcast::<WasiError>() {
                Ok(WasiError::Exit(code)) => run.exit = Some(code.raw()),
                Ok(other) => run.trap = Some(other.to_string()),
                Err(_) if exhausted => {
                    run.trap = Some("metering points exhausted: the case's deadline passed".into())
                }
                Err(e) => run.trap = Some(e.message()),
            },
        }
        Ok(run)
    }
}

/// Everything the guest wrote; the writing ends are gone, so reads end.
fn drain(pipe: &mut Pipe) -> String {
    let mut bytes = Vec::new();
    let mut buf = [0; 64 << 10];
    while let Some(n) = pipe.try_read(&mut buf) {
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&buf[..n]);
    }
    if bytes.is_empty() {
        let _ = pipe.read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Wasmer's own tunables with every memory's maximum lowered to [`MEMORY_LIMIT`]: a guest
/// that wants more sees `memory.grow` fail, as under wasmtime's limiter.
struct CappedTunables {
    base: BaseTunables,
}

impl CappedTunables {
    fn cap(ty: &MemoryType) -> MemoryType {
        let limit = Pages((MEMORY_LIMIT / WASM_PAGE_SIZE) as u32);
        let mut ty = *ty;
        ty.maximum = Some(ty.maximum.map_or(limit, |max| max.min(limit)));
        ty
    }
}

impl wasmer::sys::Tunables for CappedTunables {
    fn memory_style(&self, memory: &MemoryType) -> MemoryStyle {
        self.base.memory_style(&Self::cap(memory))
    }

    fn table_style(&self, table: &TableType) -> TableStyle {
        self.base.table_style(table)
    }

    fn create_host_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
    ) -> Result<VMMemory, MemoryError> {
        self.base.create_host_memory(&Self::cap(ty), style)
    }

    unsafe fn create_vm_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
        vm_definition_location: NonNull<VMMemoryDefinition>,
    ) -> Result<VMMemory, MemoryError> {
        // SAFETY: forwarded unchanged; the caller upholds the contract.
        unsafe {
            self.base
                .create_vm_memory(&Self::cap(ty), style, vm_definition_location)
        }
    }

    fn create_host_table(&self, ty: &TableType, style: &TableStyle) -> Result<VMTable, String> {
        self.base.create_host_table(ty, style)
    }

    unsafe fn create_vm_table(
        &self,
        ty: &TableType,
        style: &TableStyle,
        vm_definition_location: NonNull<VMTableDefinition>,
    ) -> Result<VMTable, String> {
        // SAFETY: forwarded unchanged; the caller upholds the contract.
        unsafe { self.base.create_vm_table(ty, style, vm_definition_location) }
    }
}

impl Target for Wasmer {
    fn id(&self) -> &'static str {
        "wasmer"
    }

    fn kind(&self) -> Kind {
        Kind::Embedded
    }

    fn version(&self) -> String {
        VERSION.to_owned()
    }

    fn settings(&self) -> String {
        format!(
            "cranelift, wasmer-wasix, {} MiB memory cap (tunables), metering {POINTS_PER_SECOND} points per second of deadline",
            MEMORY_LIMIT >> 20
        )
    }

    fn detect(&self) -> Availability {
        match &self.broken {
            None => Availability::Available,
            Some(reason) => Availability::Missing {
                reason: reason.clone(),
                install: "wasmer is built into the harness; this is a bug, please report it".into(),
            },
        }
    }

    fn forms(&self) -> &'static [Form] {
        &[Form::Component, Form::Command]
    }

    fn supports(&self, _: &str, form: Form) -> Result<(), String> {
        crate::command::command_only(self.id(), form)
    }

    fn run_command(&self, job: &CommandJob) -> anyhow::Result<CommandRun> {
        self.command(job)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn version_matches_the_lock_file() {
        crate::testing::assert_locked("wasmer", VERSION);
    }

    fn run(name: &str, wat: &str, timeout: Duration) -> anyhow::Result<serde_json::Value> {
        let job = crate::testing::command_job(name, wat.as_bytes(), timeout);
        Wasmer::new().run_command(&job)?.into_response()
    }

    #[test]
    fn a_guest_that_never_returns_is_stopped_at_its_deadline() {
        let start = Instant::now();
        // wasmer-wasix refuses a module that exports no memory.
        let looping = r#"(module (memory (export "memory") 1)
                                 (func (export "_start") (loop (br 0))))"#;
        let error = run("loop", looping, Duration::from_millis(200)).unwrap_err();
        assert!(format!("{error:#}").contains("deadline"), "{error:#}");
        assert!(start.elapsed() < Duration::from_secs(20));
    }

    #[test]
    fn memory_cannot_grow_past_the_cap() {
        // Traps (unreachable) exactly when growing by the whole cap fails.
        let pages = MEMORY_LIMIT / WASM_PAGE_SIZE;
        let grow = format!(
            r#"(module (memory (export "memory") 1)
                 (func (export "_start")
                   (if (i32.eq (memory.grow (i32.const {pages})) (i32.const -1))
                     (then unreachable))))"#
        );
        let error = run("grow", &grow, Duration::from_secs(5)).unwrap_err();
        assert!(format!("{error:#}").contains("unreachable"), "{error:#}");
    }

    #[test]
    fn memories_are_capped_below_their_own_maximum() {
        let pages = |n| Pages(n);
        let limit = (MEMORY_LIMIT / WASM_PAGE_SIZE) as u32;
        let unbounded = MemoryType::new(pages(17), None, false);
        assert_eq!(CappedTunables::cap(&unbounded).maximum, Some(pages(limit)));
        let small = MemoryType::new(pages(1), Some(pages(2)), false);
        assert_eq!(CappedTunables::cap(&small).maximum, Some(pages(2)));
    }
}
