//! The one wasmtime host layer: what every host of the services' wasm on wasmtime shares —
//! the harness's `wasmtime` column, its benchmarks, its Spin host and the Lambda adapter.
//!
//! - [`Preset`]: the engine, plain or pooled (pooling allocator, copy-on-write memory
//!   images), with [`TICK`]'s epoch ticker;
//! - [`Host`] and [`CommandHost`]: a store's state (WASI context, resource table,
//!   [`Limits`] capping memory at [`MEMORY_LIMIT`]), and [`store`], a store with its limits
//!   and deadline;
//! - [`Guest`]: the services' WIT worlds called through wasmtime's typed bindings, a request
//!   in the service's JSON form (the one the command and the native core use) in, the JSON
//!   response out.

mod config;
mod engine;
mod host;
mod thumbnail;
mod token;

use serde_json::Value;
use wasmtime::Store;
use wasmtime::component::InstancePre;

pub use config::Validator;
pub use engine::{MEMORY_LIMIT, Preset, TICK, deadline_ticks, engine, start_epoch_ticker};
pub use host::{CommandHost, Host, Limited, Limits, command_linker, component_linker, store};
pub use thumbnail::Thumbnailer;
pub use token::Token;

/// A service's WIT world, driven in the steps a host takes: instantiate, `create` the
/// resource from the deployment config, call it. [`serve`] takes them all for one request;
/// the harness's benchmarks time each one on its own. The request is converted from its JSON
/// form to the WIT's types once, before any step.
pub trait Guest<T: 'static>: Sized {
    /// The world's bindings over an `InstancePre`: its exports looked up once.
    type Pre: Clone;
    /// A request in the WIT's types.
    type Request;
    /// What the resource's method returns, in the WIT's types.
    type Output;

    fn pre(pre: InstancePre<T>) -> anyhow::Result<Self::Pre>;
    fn request(json: &Value) -> anyhow::Result<Self::Request>;
    fn instantiate(store: &mut Store<T>, pre: &Self::Pre) -> anyhow::Result<Self>;
    /// The resource's `create`; `Ok(Err(response))` when the service refuses the config
    /// (`response` is the refusal in the JSON form).
    fn create(
        &mut self,
        store: &mut Store<T>,
        request: &Self::Request,
    ) -> anyhow::Result<Result<(), Value>>;
    /// The request itself, on the resource `create` made.
    fn call(
        &mut self,
        store: &mut Store<T>,
        request: &Self::Request,
    ) -> anyhow::Result<Self::Output>;
    /// The JSON form of the response.
    fn response(output: Self::Output) -> anyhow::Result<Value>;
}

/// One request on a fresh instance: every step of [`Guest`].
pub fn serve<T: 'static, G: Guest<T>>(
    store: &mut Store<T>,
    pre: &InstancePre<T>,
    request: &Value,
) -> anyhow::Result<Value> {
    let request = G::request(request)?;
    let mut guest = G::instantiate(store, &G::pre(pre.clone())?)?;
    match guest.create(store, &request)? {
        Err(refusal) => Ok(refusal),
        Ok(()) => G::response(guest.call(store, &request)?),
    }
}

/// [`serve`] for the service named `service` (`token`, `config`, `thumbnail`).
pub fn serve_service<T: 'static>(
    service: &str,
    store: &mut Store<T>,
    pre: &InstancePre<T>,
    request: &Value,
) -> anyhow::Result<Value> {
    match service {
        "token" => serve::<T, Token>(store, pre, request),
        "config" => serve::<T, Validator>(store, pre, request),
        "thumbnail" => serve::<T, Thumbnailer>(store, pre, request),
        other => anyhow::bail!("no component binding for service `{other}`"),
    }
}

/// `ErrorCode::NotYetValid` → `not-yet-valid`: the WIT name of a case of a generated enum,
/// from its `Debug` form (bindgen emits no name table).
pub(crate) fn wit_case_name(case: impl std::fmt::Debug) -> String {
    let debug = format!("{case:?}");
    let camel = debug.rsplit("::").next().unwrap_or(&debug);
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}
