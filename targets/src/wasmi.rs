//! wasmi, the embedded interpreter: WASI preview 1 commands through `wasmi_wasi`. wasmi has
//! no component model, so components are `unsupported`. Fuel bounds a runaway guest.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use conformance::{Availability, CommandJob, CommandRun, Form, Kind, Target};
use wasmi::{Config, Engine, Linker, Module, Store, StoreLimits, StoreLimitsBuilder, TrapCode};
use wasmi_wasi::wasi_common::pipe::{ReadPipe, WritePipe};
use wasmi_wasi::wasi_common::sync::{Dir, ambient_authority};
use wasmi_wasi::{WasiCtx, WasiCtxBuilder};

/// The embedded wasmi's version; `version_matches_the_lock_file` keeps it honest.
const VERSION: &str = "2.0.0";
/// Linear memory a guest may use.
const MEMORY_LIMIT: usize = 512 << 20;
/// Fuel per second of a case's timeout: about what wasmi burns per second, so running out
/// of fuel is the interpreter's own deadline.
const FUEL_PER_SECOND: u64 = 2_000_000_000;

pub struct Wasmi {
    engine: Engine,
    modules: Mutex<HashMap<PathBuf, Module>>,
}

struct State {
    wasi: WasiCtx,
    limits: StoreLimits,
}

impl Wasmi {
    pub fn new() -> Wasmi {
        let mut config = Config::default();
        config.consume_fuel(true);
        Wasmi {
            engine: Engine::new(&config),
            modules: Mutex::default(),
        }
    }

    pub(crate) fn module(&self, path: &Path) -> anyhow::Result<Module> {
        let mut modules = self.modules.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(module) = modules.get(path) {
            return Ok(module.clone());
        }
        let wasm = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let module = Module::new(&self.engine, &wasm[..])
            .with_context(|| format!("compiling {}", path.display()))?;
        modules.insert(path.to_owned(), module.clone());
        Ok(module)
    }

    fn command(&self, job: &CommandJob) -> anyhow::Result<CommandRun> {
        let module = self.module(&job.wasm)?;
        let stdout = WritePipe::new_in_memory();
        let stderr = WritePipe::new_in_memory();
        let mut wasi = WasiCtxBuilder::new();
        wasi.stdout(Box::new(stdout.clone()))
            .stderr(Box::new(stderr.clone()))
            .args(&job.args)?
            .envs(&job.env)?;
        if let Some(stdin) = &job.stdin {
            wasi.stdin(Box::new(ReadPipe::from(stdin.as_bytes().to_vec())));
        }
        for dir in &job.dirs {
            let host = Dir::open_ambient_dir(&dir.host, ambient_authority())
                .with_context(|| format!("opening {}", dir.host.display()))?;
            wasi.preopened_dir(host, &dir.guest)?;
        }
        let wasi = wasi.build();
        let limits = StoreLimitsBuilder::new().memory_size(MEMORY_LIMIT).build();
        let mut store = Store::new(&self.engine, State { wasi, limits });
        store.limiter(|s| &mut s.limits);
        let fuel = u128::from(FUEL_PER_SECOND) * job.timeout.as_millis() / 1000;
        store.set_fuel(u64::try_from(fuel).unwrap_or(u64::MAX).max(1))?;
        let mut linker = Linker::new(&self.engine);
        wasmi_wasi::add_to_linker(&mut linker, |s: &mut State| &mut s.wasi)?;
        let result = linker
            .instantiate_and_start(&mut store, &module)
            .and_then(|instance| instance.get_typed_func::<(), ()>(&store, "_start"))
            .and_then(|start| start.call(&mut store, ()));
        drop(store);
        let mut run = CommandRun {
            stdout: contents(stdout),
            stderr: contents(stderr),
            ..CommandRun::default()
        };
        match result {
            Ok(()) => run.exit = Some(0),
            Err(e) => match (e.i32_exit_status(), e.as_trap_code()) {
                (Some(code), _) => run.exit = Some(code),
                (None, Some(TrapCode::OutOfFuel)) => {
                    run.trap = Some("out of fuel: the case's deadline passed".into())
                }
                (None, _) => run.trap = Some(e.to_string()),
            },
        }
        Ok(run)
    }
}

fn contents(pipe: WritePipe<std::io::Cursor<Vec<u8>>>) -> String {
    match pipe.try_into_inner() {
        Ok(cursor) => String::from_utf8_lossy(&cursor.into_inner()).into_owned(),
        Err(_) => String::new(),
    }
}

impl Target for Wasmi {
    fn id(&self) -> &'static str {
        "wasmi"
    }

    fn kind(&self) -> Kind {
        Kind::Embedded
    }

    fn version(&self) -> String {
        VERSION.to_owned()
    }

    fn settings(&self) -> String {
        format!(
            "interpreter, {} MiB memory cap, fuel {FUEL_PER_SECOND} per second of deadline",
            MEMORY_LIMIT >> 20
        )
    }

    fn detect(&self) -> Availability {
        Availability::Available
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
    #[test]
    fn version_matches_the_lock_file() {
        crate::testing::assert_locked("wasmi", super::VERSION);
    }
}
