//! `harness-wasmedge`: the WasmEdge child. It links libwasmedge, so it is a program of its
//! own: the harness never links the library and asks this program first
//! (`harness-wasmedge --version`), so a missing library costs the WasmEdge column only.
//!
//! It speaks the child protocol (`wasm-child`'s crate docs) and runs one WASI preview 1
//! command on WasmEdge's interpreter (the SDK's default `RunMode::Interpreter`; no AOT
//! compiler is linked without the SDK's `aot` feature) with WasmEdge's own C++ WASI module:
//! - the library's logging is off: it logs through spdlog to the process's stdout, which
//!   here is the guest's ("Memory grow page failed", "[error] execution failed" on traps);
//! - linear memory is capped at [`MEMORY_LIMIT`] (`max_memory_pages`), so `memory.grow`
//!   beyond it returns -1, as on the other targets;
//! - the address space is capped (`RLIMIT_AS`) at its size at start-up plus one linear
//!   memory's reservation ([`MEMORY_RESERVATION`]) and [`SLACK`]: the interpreter has no
//!   call-depth limit, and a runaway recursion grew a child past 3 GB in 9 s; under the cap
//!   its stack allocation fails and the child aborts, which the parent reports as a trap;
//! - the WASI module gets the job's arguments, its environment (the child's, but the
//!   loader's path) and its preopens as `<guest>:<host>` (WasmEdge names the preopen after
//!   the guest path, as it reports it to the guest);
//! - the exit code is the WASI module's: WasmEdge's C API counts `proc_exit` as success
//!   (`Terminated`), so `run_func` may return `Ok` after it;
//! - the deadline is the parent's, which kills the child. (The SDK's
//!   `run_func_with_timeout` interrupts with a timer signal and `siglongjmp` out of the C++
//!   frames; killing the child is cleaner and is what every case gets anyway.)

use std::collections::HashMap;
use std::ffi::OsString;
use std::process::ExitCode;

use wasm_child::{Guest, Outcome};
use wasmedge_sdk::config::{CommonConfigOptions, ConfigBuilder, RuntimeConfigOptions};
use wasmedge_sdk::error::{CoreCommonError, CoreError, WasmEdgeError};
use wasmedge_sdk::utils::CoreVersion;
use wasmedge_sdk::vm::SyncInst;
use wasmedge_sdk::wasi::WasiModule;
use wasmedge_sdk::{LogManager, Module, Store, Vm, WasmValue};

/// Linear memory a guest may use.
const MEMORY_LIMIT: u64 = 512 << 20;
/// The address space WasmEdge reserves (`PROT_NONE`) for each linear memory on 64-bit Linux
/// (`Allocator::allocate`: 12 GiB, of which the memory itself is committed as it grows).
const MEMORY_RESERVATION: u64 = 12 << 30;
/// Address space beyond that: the interpreter's stacks, the loaded and validated module,
/// the C++ library's allocations.
const SLACK: u64 = 768 << 20;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args.first().is_some_and(|a| a == "--version") {
        // What the harness checks before using this child: that it starts (the library is
        // found) and speaks its protocol.
        println!(
            "{}",
            serde_json::json!({
                "protocol": wasm_child::PROTOCOL,
                "wasmedge": CoreVersion::version_string(),
                "memory_limit": MEMORY_LIMIT,
                "address_space_extra": MEMORY_RESERVATION + SLACK,
            })
        );
        return ExitCode::SUCCESS;
    }
    LogManager::log_off();
    wasm_child::serve(run, &args)
}

fn run(guest: &Guest<'_>) -> Outcome {
    if let Err(e) = wasm_child::cap_address_space(MEMORY_RESERVATION + SLACK) {
        return Outcome::Unrunnable(format!("setrlimit(RLIMIT_AS): {e}"));
    }
    let failed = |what: &str, e: Box<WasmEdgeError>| Outcome::Unrunnable(format!("{what}: {e}"));
    let config = match ConfigBuilder::new(CommonConfigOptions::default())
        .with_runtime_config(
            RuntimeConfigOptions::default().max_memory_pages((MEMORY_LIMIT >> 16) as u32),
        )
        .build()
    {
        Ok(config) => config,
        Err(e) => return failed("configuring", e),
    };
    let args: Vec<&str> = guest.args.iter().map(String::as_str).collect();
    let env: Vec<String> = std::env::vars()
        .filter(|(name, _)| name != "LD_LIBRARY_PATH")
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    let env: Vec<&str> = env.iter().map(String::as_str).collect();
    let preopens: Vec<String> = guest
        .dirs
        .iter()
        .map(|(guest_path, host)| format!("{guest_path}:{}", host.display()))
        .collect();
    let preopens: Vec<&str> = preopens.iter().map(String::as_str).collect();
    let mut wasi = match WasiModule::create(Some(args), Some(env), Some(preopens)) {
        Ok(wasi) => wasi,
        Err(e) => return failed("creating the WASI module", e),
    };
    let result = {
        let mut instances: HashMap<String, &mut dyn SyncInst> = HashMap::new();
        instances.insert(wasi.name().to_owned(), wasi.as_mut());
        let store = match Store::new(Some(&config), instances) {
            Ok(store) => store,
            Err(e) => return failed("creating the store", e),
        };
        let mut vm = Vm::new(store);
        let module = match Module::from_bytes(Some(&config), guest.wasm) {
            Ok(module) => module,
            Err(e) => return failed("loading", e),
        };
        if let Err(e) = vm.register_module(None, module) {
            return failed("instantiating", e);
        }
        vm.run_func(None, "_start", Vec::<WasmValue>::new())
    };
    match result {
        // Returning from `_start` and `proc_exit` (`Terminated`) both leave the code in the
        // WASI module (0 when the guest returned).
        Ok(_) => Outcome::Exit(wasi.exit_code() as i32),
        Err(e)
            if matches!(
                *e,
                WasmEdgeError::Core(CoreError::Common(CoreCommonError::Terminated))
            ) =>
        {
            Outcome::Exit(wasi.exit_code() as i32)
        }
        Err(e) => Outcome::Trap(e.to_string()),
    }
}
