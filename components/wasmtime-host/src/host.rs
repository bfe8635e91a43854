//! What a store holds: the WASI context a guest gets (nothing granted unless the host
//! grants it), the resource table, and the memory limits; and the store and linkers made
//! from them.

use std::time::Duration;

use wasmtime::component::ResourceTable;
use wasmtime::{Engine, ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::engine::{MEMORY_LIMIT, deadline_ticks};

/// The store's resource limiter: each linear memory capped at [`MEMORY_LIMIT`] (a grow
/// beyond it fails in the guest, `memory.grow` returns -1, it does not trap), and the sum of
/// every linear memory's size recorded, which is the peak since memories never shrink.
#[derive(Debug)]
pub struct Limits {
    cap: StoreLimits,
    bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            cap: StoreLimitsBuilder::new()
                .memory_size(MEMORY_LIMIT)
                .trap_on_grow_failure(false)
                .build(),
            bytes: 0,
        }
    }
}

impl Limits {
    /// The guest's linear memory so far, in bytes.
    pub fn peak(&self) -> usize {
        self.bytes
    }
}

impl ResourceLimiter for Limits {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.cap.memory_growing(current, desired, maximum)?;
        if allowed {
            self.bytes = self.bytes - current.min(self.bytes) + desired;
        }
        Ok(allowed)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.cap.memory_grow_failed(error)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.cap.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.cap.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.cap.instances()
    }

    fn tables(&self) -> usize {
        self.cap.tables()
    }

    fn memories(&self) -> usize {
        self.cap.memories()
    }
}

/// A store's state that has [`Limits`]: what [`store`] installs as its limiter.
pub trait Limited: Send + 'static {
    fn limits(&mut self) -> &mut Limits;
}

/// A component's store state: a WASI 0.2 context, its resource table and [`Limits`].
pub struct Host {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: Limits,
}

impl Default for Host {
    /// Nothing granted: no preopens, no environment, no arguments, no network.
    fn default() -> Host {
        Host {
            wasi: WasiCtxBuilder::new().build(),
            table: ResourceTable::new(),
            limits: Limits::default(),
        }
    }
}

impl Host {
    /// The resource table, for a host that adds interfaces of its own over the same
    /// resources (Spin's wasi:http).
    pub fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }

    /// The guest's linear memory so far, in bytes ([`Limits::peak`]).
    pub fn peak_memory(&self) -> usize {
        self.limits.peak()
    }
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl Limited for Host {
    fn limits(&mut self) -> &mut Limits {
        &mut self.limits
    }
}

/// A WASI preview 1 command's store state: the context the host built (what the job
/// grants) and [`Limits`].
pub struct CommandHost {
    wasi: WasiP1Ctx,
    limits: Limits,
}

impl CommandHost {
    pub fn new(wasi: WasiP1Ctx) -> CommandHost {
        CommandHost {
            wasi,
            limits: Limits::default(),
        }
    }

    /// The guest's linear memory so far, in bytes ([`Limits::peak`]).
    pub fn peak_memory(&self) -> usize {
        self.limits.peak()
    }
}

impl Limited for CommandHost {
    fn limits(&mut self) -> &mut Limits {
        &mut self.limits
    }
}

/// A fresh store for `state`: its [`Limits`] installed and an epoch deadline `deadline`
/// from now (in whole ticks, at least one), which traps.
pub fn store<T: Limited>(engine: &Engine, state: T, deadline: Duration) -> Store<T> {
    let mut store = Store::new(engine, state);
    store.limiter(|s| s.limits());
    store.set_epoch_deadline(deadline_ticks(deadline));
    store.epoch_deadline_trap();
    store
}

/// A linker for components: WASI 0.2, synchronous.
pub fn component_linker(engine: &Engine) -> anyhow::Result<wasmtime::component::Linker<Host>> {
    let mut linker = wasmtime::component::Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    Ok(linker)
}

/// A linker for WASI preview 1 commands, synchronous.
pub fn command_linker(engine: &Engine) -> anyhow::Result<wasmtime::Linker<CommandHost>> {
    let mut linker = wasmtime::Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s: &mut CommandHost| &mut s.wasi)?;
    Ok(linker)
}

#[cfg(test)]
mod tests {
    use wasmtime::ResourceLimiter;

    use super::{Limits, MEMORY_LIMIT};

    #[test]
    fn memories_are_capped_and_their_sum_recorded() {
        let mut limits = Limits::default();
        assert!(limits.memory_growing(0, 1 << 16, None).unwrap());
        assert!(limits.memory_growing(0, 2 << 16, None).unwrap());
        assert!(limits.memory_growing(1 << 16, 4 << 16, None).unwrap());
        assert_eq!(limits.peak(), 6 << 16);
        // Refused, not a trap; the refused size is not counted.
        assert!(
            !limits
                .memory_growing(4 << 16, MEMORY_LIMIT + 1, None)
                .unwrap()
        );
        assert_eq!(limits.peak(), 6 << 16);
    }
}
