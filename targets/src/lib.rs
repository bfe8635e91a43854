//! Every runtime and platform the harness can run vectors on. One file per target, one line
//! per target in [`all`]: that is all it takes to add a column.

use std::path::PathBuf;
use std::sync::Arc;

use conformance::Target;

mod native;
mod wasmtime;

/// What targets share: where to keep compiled artifacts between runs.
#[derive(Clone, Debug)]
pub struct Settings {
    pub cache_dir: PathBuf,
}

/// Every target, in column order: the reference first.
pub fn all(settings: &Settings) -> Vec<Arc<dyn Target>> {
    vec![
        Arc::new(native::Native),
        Arc::new(wasmtime::Wasmtime::new(settings)),
    ]
}
