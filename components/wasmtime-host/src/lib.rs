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

/// One request on a fresh instance of a service's component: [`serve`] for its world.
pub type Serve = fn(&mut Store<Host>, &InstancePre<Host>, &Value) -> anyhow::Result<Value>;

/// The services this crate has bindings for, by their registry name
/// (`service_http::Spec::name`).
const BINDINGS: [(&str, Serve); 3] = [
    ("token", serve::<Token>),
    ("config", serve::<Validator>),
    ("thumbnail", serve::<Thumbnailer>),
];

/// Whether `service`'s component can be called here (the harness's `supports`).
pub fn binds(service: &str) -> bool {
    BINDINGS.iter().any(|(name, _)| *name == service)
}

/// [`serve`] for the service named `service`.
pub fn serve_service(
    service: &str,
    store: &mut Store<Host>,
    pre: &InstancePre<Host>,
    request: &Value,
) -> anyhow::Result<Value> {
    let Some((_, serve)) = BINDINGS.iter().find(|(name, _)| *name == service) else {
        anyhow::bail!("no component binding for service `{service}`");
    };
    serve(store, pre, request)
}

#[cfg(test)]
mod tests {
    /// A registered service without a binding would be `unsupported` on every wasmtime host.
    #[test]
    fn every_registered_service_has_a_binding() {
        for name in service_http::Spec::names() {
            assert!(super::binds(name), "no wasmtime binding for `{name}`");
        }
        assert!(!super::binds("nonesuch"));
    }
}
