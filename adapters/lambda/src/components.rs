//! The services' components on wasmtime, as the HTTP surface's backend: the engine and one
//! `InstancePre` per service made once at init, a fresh `Store` (so a fresh instance) per call.
//! The engine is the pooled preset `harness bench` measures, so what is measured is what
//! runs here.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use serde::Serialize;
use serde::de::DeserializeOwned;
use service_http::{Backend, BackendError, Service, json};
use wasmtime::Engine;
use wasmtime::component::{Component, InstancePre};
use wasmtime_host::{Host, Preset};

/// Lambda hands an execution environment one event at a time, and each call of an event
/// drops its store before the next: one instance is ever live. The pool still has a slot
/// per service, so each service keeps reusing the slot it used last (the pool prefers a slot
/// last used by the same module) and its copy-on-write memory image stays mapped across
/// events instead of being re-imaged whenever the services alternate. More slots would only
/// reserve more address space (about 4 GiB per memory, never touched). A slot reserves
/// address space, not the function's memory: pages are committed as the guest touches them
/// and given back when its store is dropped, so a small function pays only for what a call
/// uses.
const PRESET: Preset = Preset::Pooled {
    instances: Service::ALL.len() as u32,
};

pub struct Components {
    engine: Engine,
    pres: Vec<(Service, InstancePre<Host>)>,
}

/// Compiles a component ahead of time for [`Components::load`] (same binary, same engine
/// configuration).
pub fn precompile(wasm: &Path, out: &Path) -> anyhow::Result<()> {
    let wasm = std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let compiled = Engine::new(&PRESET.config())?.precompile_component(&wasm)?;
    std::fs::write(out, compiled).with_context(|| format!("writing {}", out.display()))
}

impl Components {
    /// Loads `<root>/<service>.cwasm` for each service.
    pub fn load(root: &Path) -> anyhow::Result<Components> {
        let engine = PRESET.engine()?;
        let linker = wasmtime_host::component_linker(&engine)?;
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
        let left = self
            .deadline
            .map(|deadline| deadline.saturating_sub(wall_clock_millis()))
            .unwrap_or(30_000);
        let mut store = wasmtime_host::store(
            &self.components.engine,
            Host::default(),
            Duration::from_millis(left),
        );
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
