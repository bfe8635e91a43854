//! The engine presets and the epoch ticker that turns store deadlines into time limits.

use std::time::Duration;

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// The epoch tick: the granularity of every deadline a store gets ([`crate::store`]).
pub const TICK: Duration = Duration::from_millis(10);

/// Linear memory one memory of a guest may use: the cap of [`crate::Limits`], and the
/// size of a memory slot in the [`Preset::Pooled`] engine.
pub const MEMORY_LIMIT: usize = 512 << 20;

/// How an engine allocates instances. Every preset interrupts guests at epoch deadlines and
/// compiles with cranelift at its default optimisation level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// Instances allocated on demand: the harness's `wasmtime` column, which runs one
    /// module after another and keeps nothing warm.
    Plain,
    /// What a serverless host runs, and what `harness bench` measures: the pooling instance
    /// allocator, with slots for `instances` component instances live at once (each with up
    /// to 8 core instances, 2 memories of [`MEMORY_LIMIT`], 8 tables and a fiber stack),
    /// and linear memories initialised copy-on-write from the compiled image. Each memory
    /// slot reserves address space (4 GiB plus guard pages, `PROT_NONE` until used), not
    /// physical memory; a slot's pages are given back when its instance is dropped.
    Pooled { instances: u32 },
}

impl Preset {
    /// The engine configuration; [`engine`] makes the engine. A host that needs more (Spin's
    /// component-model async) adds it to this `Config`.
    pub fn config(self) -> Config {
        let mut config = Config::new();
        config.epoch_interruption(true);
        if let Preset::Pooled { instances } = self {
            let mut pool = PoolingAllocationConfig::new();
            pool.total_component_instances(instances)
                .total_core_instances(instances * 8)
                .total_memories(instances * 2)
                .total_tables(instances * 8)
                .max_memory_size(MEMORY_LIMIT)
                // Fiber stacks serve only async calls, which no preset makes; the default
                // (1,000 stacks of 2 MiB) would reserve 2 GiB for nothing.
                .total_stacks(instances);
            config
                .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
                .memory_init_cow(true);
        }
        config
    }

    /// The engine of this preset, its epoch ticking.
    pub fn engine(self) -> anyhow::Result<Engine> {
        engine(&self.config())
    }
}

/// The engine of `config` (one of a [`Preset`]'s), with its epoch ticker started.
pub fn engine(config: &Config) -> anyhow::Result<Engine> {
    let engine = Engine::new(config)?;
    start_epoch_ticker(&engine);
    Ok(engine)
}

/// Advances `engine`'s epoch every [`TICK`] until the engine is dropped: what makes an epoch
/// deadline (`Store::set_epoch_deadline`, counted in ticks) a time limit.
pub fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    let _ = std::thread::Builder::new()
        .name("wasmtime-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(TICK);
            }
        });
}

/// `deadline` in epoch ticks, at least one.
pub fn deadline_ticks(deadline: Duration) -> u64 {
    (deadline.as_millis() / TICK.as_millis()).max(1) as u64
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Preset, deadline_ticks};

    #[test]
    fn deadlines_round_down_to_whole_ticks_but_never_to_none() {
        assert_eq!(deadline_ticks(Duration::from_secs(20)), 2_000);
        assert_eq!(deadline_ticks(Duration::from_millis(29)), 2);
        assert_eq!(deadline_ticks(Duration::ZERO), 1);
    }

    #[test]
    fn both_presets_make_an_engine() {
        Preset::Plain.engine().unwrap();
        Preset::Pooled { instances: 1 }.engine().unwrap();
    }
}
