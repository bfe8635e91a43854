//! The services' components on wasmtime, as the HTTP surface's backend: the engine and one
//! `InstancePre` per service made once at init, a fresh `Store` (so a fresh instance) per call.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use serde::Serialize;
use serde::de::DeserializeOwned;
use service_http::{Backend, BackendError, Service, json};
use wasmtime::component::{Component, InstancePre, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// The epoch tick: the granularity of the per-event deadline.
const TICK: Duration = Duration::from_millis(10);
/// Linear memory one call may use.
const MEMORY_LIMIT: usize = 512 << 20;

pub struct Components {
    engine: Engine,
    pres: Vec<(Service, InstancePre<State>)>,
}

pub struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

fn engine() -> anyhow::Result<Engine> {
    let mut config = Config::new();
    config.epoch_interruption(true);
    Ok(Engine::new(&config)?)
}

/// Compiles a component ahead of time for [`Components::load`] (same binary, same engine).
pub fn precompile(wasm: &Path, out: &Path) -> anyhow::Result<()> {
    let wasm = std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let compiled = engine()?.precompile_component(&wasm)?;
    std::fs::write(out, compiled).with_context(|| format!("writing {}", out.display()))
}

impl Components {
    /// Loads `<root>/<service>.cwasm` for each service.
    pub fn load(root: &Path) -> anyhow::Result<Components> {
        let engine = engine()?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        let mut pres = Vec::new();
        for service in Service::ALL {
            let path = root.join(format!("{}.cwasm", service.name()));
            // SAFETY: the file is part of this function's package, written by `precompile`
            // of this same binary; wasmtime checks its header and refuses a mismatch.
            let component = unsafe { Component::deserialize_file(&engine, &path) }
                .map_err(anyhow::Error::from)
                .with_context(|| format!("loading {}", path.display()))?;
            pres.push((service, linker.instantiate_pre(&component)?));
        }
        wasmtime_host::start_epoch_ticker(&engine, TICK);
        Ok(Components { engine, pres })
    }

    /// A backend for one event that must be answered by `deadline` (milliseconds since the
    /// epoch, from the Runtime API).
    pub fn session(&self, deadline: Option<u64>) -> Session<'_> {
        Session {
            components: self,
            deadline,
        }
    }
}

pub struct Session<'a> {
    components: &'a Components,
    deadline: Option<u64>,
}

impl Session<'_> {
    fn call<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        service: Service,
        request: &Req,
    ) -> Result<Resp, BackendError> {
        let failed = |e: anyhow::Error| BackendError(format!("{}: {e:#}", service.name()));
        let pre = self
            .components
            .pres
            .iter()
            .find(|(s, _)| *s == service)
            .map(|(_, pre)| pre)
            .ok_or_else(|| BackendError(format!("no {} component", service.name())))?;
        let state = State {
            wasi: WasiCtxBuilder::new().build(),
            table: ResourceTable::new(),
            limits: StoreLimitsBuilder::new()
                .memory_size(MEMORY_LIMIT)
                .trap_on_grow_failure(false)
                .build(),
        };
        let mut store = Store::new(&self.components.engine, state);
        store.limiter(|s| &mut s.limits);
        let left = self
            .deadline
            .map(|deadline| deadline.saturating_sub(wall_clock_millis()))
            .unwrap_or(30_000);
        store.set_epoch_deadline((left / TICK.as_millis() as u64).max(1));
        let request = serde_json::to_value(request).map_err(|e| failed(e.into()))?;
        let response = wasmtime_host::serve_service(service.name(), &mut store, pre, &request)
            .map_err(failed)?;
        serde_json::from_value(response).map_err(|e| failed(e.into()))
    }
}

impl Backend for Session<'_> {
    fn token(
        &mut self,
        request: &json::token::Request,
    ) -> Result<json::token::Response, BackendError> {
        self.call(Service::Token, request)
    }

    fn config(
        &mut self,
        request: &json::config::Request,
    ) -> Result<json::config::Response, BackendError> {
        self.call(Service::Config, request)
    }

    fn thumbnail(
        &mut self,
        request: &json::thumbnail::Request,
    ) -> Result<json::thumbnail::Response, BackendError> {
        self.call(Service::Thumbnail, request)
    }
}

fn wall_clock_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
