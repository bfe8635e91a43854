//! Every runtime and platform the harness can run vectors on. One file per target, one line
//! per target in [`all`]: that is all it takes to add a column.

use std::path::PathBuf;
use std::sync::Arc;

use conformance::Target;

pub use bench::{Args as BenchArgs, main as bench_main};
pub use child::serve as serve_child;
pub use differential::{Args as DifferentialArgs, differential_main};

mod bench;
mod chicory;
mod child;
mod cloudflare;
mod command;
mod differential;
mod external;
mod fastly;
mod jco;
mod lambda;
mod native;
mod node;
mod platform;
mod spin;
#[cfg(test)]
mod testing;
mod wasm3;
mod wasmedge;
mod wasmer;
mod wasmi;
mod wasmtime;
mod wazero;

/// What targets share.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Where compiled artifacts are kept between runs.
    pub cache_dir: PathBuf,
    /// Where `cargo xtask setup` puts the built driver programs.
    pub drivers_dir: PathBuf,
    /// Where `cargo xtask setup` installs the platforms' local runtimes (workerd, Viceroy).
    pub tools_dir: PathBuf,
    /// Where `cargo xtask build` puts each platform's build (`<id>/`), and where a run keeps
    /// the platform's generated config and log (`<id>/run/`).
    pub platforms_dir: PathBuf,
    /// The WasmEdge child program (`harness-wasmedge`), when the run was built with it.
    pub wasmedge_child: Option<PathBuf>,
}

/// Every target, in column order: the reference first.
pub fn all(settings: &Settings) -> Vec<Arc<dyn Target>> {
    vec![
        Arc::new(native::Native),
        Arc::new(wasmtime::Wasmtime::new(settings)),
        Arc::new(wasmer::Wasmer::new()),
        Arc::new(wasmi::Wasmi::new()),
        Arc::new(wasm3::Wasm3),
        Arc::new(wasmedge::WasmEdge::new(settings.wasmedge_child.clone())),
        Arc::new(node::target()),
        Arc::new(jco::target(settings)),
        Arc::new(wazero::target(settings)),
        Arc::new(chicory::target(settings)),
        platform(cloudflare::Cloudflare::new(settings), settings),
        platform(fastly::Fastly::new(settings), settings),
        platform(spin::Spin::new(settings), settings),
        platform(lambda::Lambda::new(settings), settings),
    ]
}

fn platform(platform: impl platform::Platform, settings: &Settings) -> Arc<dyn Target> {
    Arc::new(platform::PlatformTarget::new(platform, settings))
}

/// `harness --list`: one line per target: id, version, forms, and whether it is available
/// here (with the reason and how to install it when not).
pub fn list(targets: &[Arc<dyn Target>]) -> String {
    let mut out = String::new();
    for target in targets {
        let forms: Vec<&str> = target.forms().iter().map(|f| f.name()).collect();
        let availability = match target.detect() {
            conformance::Availability::Available => "available".to_owned(),
            conformance::Availability::Missing { reason, install } => {
                format!("not available: {reason}; to install: {install}")
            }
        };
        out += &format!(
            "{:<12} {:<16} {:<20} {availability}\n",
            target.id(),
            target.version(),
            forms.join(",")
        );
    }
    out
}
