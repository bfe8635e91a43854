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
//!   response out; each service only says how its WIT types convert ([`World`]: [`Token`],
//!   [`Validator`], [`Thumbnailer`]).

mod config;
mod engine;
mod guest;
mod host;
mod thumbnail;
mod token;

use serde_json::Value;
use wasmtime::Store;
use wasmtime::component::InstancePre;

pub use config::Validator;
pub use engine::{MEMORY_LIMIT, Preset, TICK, deadline_ticks, engine, start_epoch_ticker};
pub use guest::{Guest, Request, World, serve};
pub use host::{CommandHost, Host, Limited, Limits, command_linker, component_linker, store};
pub use thumbnail::Thumbnailer;
pub use token::Token;

/// [`serve`] for the service named `service` (`token`, `config`, `thumbnail`).
pub fn serve_service(
    service: &str,
    store: &mut Store<Host>,
    pre: &InstancePre<Host>,
    request: &Value,
) -> anyhow::Result<Value> {
    match service {
        "token" => serve::<Token>(store, pre, request),
        "config" => serve::<Validator>(store, pre, request),
        "thumbnail" => serve::<Thumbnailer>(store, pre, request),
        other => anyhow::bail!("no component binding for service `{other}`"),
    }
}
