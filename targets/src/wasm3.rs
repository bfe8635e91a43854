//! wasm3, the embedded C interpreter: WASI preview 1 commands, each in a child process
//! (`child.rs`). wasm3's WASI (`m3_LinkWASI`) reads and writes the real process's stdio
//! and opens paths on the host, so a guest must not run inside the harness; a child also
//! turns a crash of the C code into one `error` cell. wasm3 has no component model, so
//! components are `unsupported`.
//!
//! In the child ([`run_here`]), before anything is loaded:
//! - the address space is capped with `setrlimit(RLIMIT_AS)` at its size at start-up plus
//!   [`MEMORY_LIMIT`], the stacks and [`SLACK`]: wasm3 has no memory cap of its own
//!   (`M3Runtime::memoryLimit` clamps the allocation but still reports the grown page count,
//!   so the guest would trap on memory it was told it has), whereas a failed `realloc` under
//!   the rlimit makes `memory.grow` return -1;
//! - the working directory is the empty directory `child.rs` gives every case. wasm3
//!   preopens `./` as fd 3 and resolves guest paths with `openat` on it without checking
//!   `..`, so the empty directory is a courtesy, not a sandbox (our services open no files);
//!   its `environ_get` returns no variables.
//!
//! The guest runs on a thread with a [`NATIVE_STACK`] native stack (wasm3 calls nest on the
//! C stack) and a [`STACK_BYTES`] wasm3 value stack. The deadline is the parent's: it kills
//! the child.
//!
//! The `wasm3` crate (0.3.1, the newest on crates.io) bundles wasm3 0.4.7 (2020), which
//! predates what Rust's wasm32 targets now emit by default: reference-types' LEB-encoded
//! `call_indirect` table index, bulk memory, and (where the services use it) SIMD. So
//! every service's command fails to compile or parse here; `conformance/expectations.json`
//! says exactly how. Compiling a SIMD opcode can even crash it (SIGSEGV: the `0xfd` prefix
//! indexes past its opcode table), another reason each guest runs in a child
//! (`tests/wasm_child.rs` checks that such a crash stays there).
//!
//! The safe API of the `wasm3` crate neither passes WASI arguments nor exposes the
//! exit code of `proc_exit`, so the child drives the C API through its re-exported
//! `wasm3_sys`: `m3_CallWithArgs` sets the WASI argv, and `proc_exit` leaves its code in
//! `M3Runtime::exit_code`.

use std::ffi::{CStr, CString};
use std::ptr;

use conformance::{Availability, CommandJob, CommandRun, Form, Kind, Target};
use wasm3::wasm3_sys as ffi;

use wasm_child::{Guest, Outcome};

use crate::child;

/// The `wasm3` crate's version; `version_matches_the_lock_file` keeps it honest.
const VERSION: &str = "0.3.1";
/// Linear memory a guest may use, as on the other embedded targets. wasm3 cannot cap it, so
/// the child caps its whole address space at what it has mapped when it starts (the harness
/// binary and its libraries, about 240 MiB) plus this, the stacks and [`SLACK`]: a guest gets
/// about this much, give or take the slack.
const MEMORY_LIMIT: u64 = 512 << 20;
/// Address space beyond linear memory and the stacks: wasm3's compiled code, the module, the
/// C library's allocations.
const SLACK: u64 = 64 << 20;
/// wasm3's value stack, in bytes: 1 Mi slots of 4 bytes (the crate's `use-32bit-slots`).
/// wasm3's own command-line runner defaults to 64 KiB; real Rust guests (deep serde and
/// jsonschema recursion, functions with hundreds of locals) need more.
const STACK_BYTES: u32 = 4 << 20;
/// The native stack of the thread that runs the guest.
const NATIVE_STACK: usize = 64 << 20;

pub struct Wasm3;

/// The C library's version (`M3_VERSION`), e.g. `0.4.7`.
fn library_version() -> String {
    CStr::from_bytes_until_nul(ffi::M3_VERSION)
        .map(|v| v.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "?".into())
}

/// Runs a command module in this process: the child's side (see `child.rs`). wasm3 cannot
/// name preopens: it preopens `./`, the working directory the parent gives (the job's first
/// preopened directory).
pub(crate) fn run_here(guest: &Guest<'_>) -> Outcome {
    let extra = MEMORY_LIMIT + SLACK + NATIVE_STACK as u64 + u64::from(STACK_BYTES);
    if let Err(e) = wasm_child::cap_address_space(extra) {
        return Outcome::Unrunnable(format!("setrlimit(RLIMIT_AS): {e}"));
    }
    run_module(guest.wasm, guest.args)
}

/// Runs the module on a thread of its own with a [`NATIVE_STACK`] stack.
fn run_module(wasm: &[u8], args: &[String]) -> Outcome {
    let Ok(args) = args
        .iter()
        .map(|a| CString::new(a.as_str()))
        .collect::<Result<Vec<_>, _>>()
    else {
        return Outcome::Unrunnable("an argument contains a NUL byte".into());
    };
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("wasm3-guest".into())
            .stack_size(NATIVE_STACK)
            // SAFETY: see `run_guest`.
            .spawn_scoped(scope, || unsafe { run_guest(wasm, &args) })
            .map_err(|e| format!("starting the guest thread: {e}"))
            .and_then(|thread| {
                thread
                    .join()
                    .map_err(|_| "the guest thread panicked".into())
            })
            .unwrap_or_else(Outcome::Unrunnable)
    })
}

/// Parses, loads, links and starts the module with wasm3's C API.
///
/// # Safety
///
/// Calls into wasm3. `wasm` and `args` outlive every use (wasm3 keeps pointers to the module
/// bytes and the argv until the runtime is freed, which is before returning). The guest's
/// WASI is this process's stdio and filesystem, so this runs in a child (the tests run
/// guests that do no I/O); the error paths leak the runtime, which the child's exit frees.
unsafe fn run_guest(wasm: &[u8], args: &[CString]) -> Outcome {
    // SAFETY (whole body): every call follows wasm3.h; every pointer passed is either one
    // wasm3 returned and checked for null, or one to live Rust data as described above.
    unsafe {
        let environment = ffi::m3_NewEnvironment();
        if environment.is_null() {
            return Outcome::Unrunnable("m3_NewEnvironment failed".into());
        }
        let runtime = ffi::m3_NewRuntime(environment, STACK_BYTES, ptr::null_mut());
        if runtime.is_null() {
            return Outcome::Unrunnable("m3_NewRuntime failed".into());
        }
        let Ok(length) = u32::try_from(wasm.len()) else {
            return Outcome::Unrunnable("the module is larger than 4 GiB".into());
        };
        let mut module = ptr::null_mut();
        let result = ffi::m3_ParseModule(environment, &mut module, wasm.as_ptr(), length);
        if !result.is_null() {
            return Outcome::Unrunnable(format!("parsing: {}", error(runtime, result)));
        }
        let result = ffi::m3_LoadModule(runtime, module);
        if !result.is_null() {
            return Outcome::Unrunnable(format!("loading: {}", error(runtime, result)));
        }
        let result = ffi::m3_LinkWASI(module);
        if !result.is_null() {
            return Outcome::Unrunnable(format!("linking WASI: {}", error(runtime, result)));
        }
        let mut start = ptr::null_mut();
        let result = ffi::m3_FindFunction(&mut start, runtime, c"_start".as_ptr());
        if !result.is_null() {
            return Outcome::Unrunnable(format!("compiling _start: {}", error(runtime, result)));
        }
        let argv: Vec<*const std::ffi::c_char> = args.iter().map(|a| a.as_ptr()).collect();
        let result = ffi::m3_CallWithArgs(start, argv.len() as u32, argv.as_ptr());
        let outcome = if result.is_null() {
            Outcome::Exit(0)
        } else if result == ffi::m3Err_trapExit {
            Outcome::Exit((*runtime).exit_code)
        } else {
            let message = error(runtime, result);
            if message.starts_with("[trap]") {
                Outcome::Trap(message)
            } else {
                // Not a trap: wasm3 compiles each function on its first call, so a
                // function it cannot compile fails the call that reaches it.
                Outcome::Unrunnable(format!(
                    "compiling a function on its first call from _start: {message}"
                ))
            }
        };
        ffi::m3_FreeRuntime(runtime);
        ffi::m3_FreeEnvironment(environment);
        outcome
    }
}

/// wasm3's message for `result`, with the details it recorded (the failing function, the
/// position in the module or the C source) when it has them.
///
/// # Safety
///
/// `runtime` is a live wasm3 runtime and `result` an `M3Result` it returned.
unsafe fn error(runtime: ffi::IM3Runtime, result: ffi::M3Result) -> String {
    let text = |p: *const std::ffi::c_char| {
        if p.is_null() {
            String::new()
        } else {
            // SAFETY: wasm3's messages and names are NUL-terminated static or runtime-owned
            // strings.
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        }
    };
    let mut message = text(result);
    // SAFETY: an all-zero M3ErrorInfo is valid (null pointers, zero line), and
    // m3_GetErrorInfo overwrites it from the runtime.
    let mut info: ffi::M3ErrorInfo = unsafe { std::mem::zeroed() };
    unsafe { ffi::m3_GetErrorInfo(runtime, &mut info) };
    if info.result == result {
        let detail = text(info.message);
        if !detail.is_empty() {
            message.push_str(&format!(" ({detail})"));
        }
        if !info.function.is_null() && !info.module.is_null() {
            // SAFETY: wasm3 recorded a function of a module loaded in this runtime.
            let (function, module) = unsafe { (&*info.function, &*info.module) };
            let index = (info.function as usize).wrapping_sub(module.functions as usize)
                / std::mem::size_of::<ffi::M3Function>();
            message.push_str(&format!(" in function {index}"));
            let name = text(function.name);
            if !name.is_empty() {
                message.push_str(&format!(" `{name}`"));
            }
        }
    }
    message
}

impl Target for Wasm3 {
    fn id(&self) -> &'static str {
        "wasm3"
    }

    fn kind(&self) -> Kind {
        Kind::Embedded
    }

    fn version(&self) -> String {
        format!("{} (crate {VERSION})", library_version())
    }

    fn settings(&self) -> String {
        format!(
            "interpreter in a child process per case, about {} MiB memory cap (RLIMIT_AS on \
             the child: its start-up size + {} MiB; wasm3 has no memory cap), {} MiB value \
             stack (1 Mi 32-bit slots), {} MiB native stack, empty working directory, killed \
             at the deadline",
            MEMORY_LIMIT >> 20,
            (MEMORY_LIMIT + SLACK + NATIVE_STACK as u64 + u64::from(STACK_BYTES)) >> 20,
            STACK_BYTES >> 20,
            NATIVE_STACK >> 20
        )
    }

    fn detect(&self) -> Availability {
        Availability::Available
    }

    fn forms(&self) -> &'static [Form] {
        &[Form::Component, Form::Command]
    }

    fn supports(&self, _: &str, form: Form) -> Result<(), String> {
        crate::command::command_only(self.id(), form)
    }

    fn run_command(&self, job: &CommandJob) -> anyhow::Result<CommandRun> {
        child::run("wasm3", job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_matches_the_lock_file() {
        crate::testing::assert_locked("wasm3", VERSION);
        assert!(library_version().starts_with("0."), "{}", library_version());
    }

    /// A module importing `wasi_snapshot_preview1.proc_exit` and exporting `_start` with
    /// the given body (no locals), encoded by hand so the tests need no `wat`.
    fn command_with_body(body: &[u8]) -> Vec<u8> {
        let mut code = vec![0x00]; // no locals
        code.extend_from_slice(body);
        code.push(0x0b); // end
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        // types: 0 = () -> (), 1 = (i32) -> ()
        wasm.extend_from_slice(&[0x01, 0x08, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x00]);
        let import = b"\x16wasi_snapshot_preview1\x09proc_exit\x00\x01";
        wasm.extend_from_slice(&[0x02, import.len() as u8 + 1, 0x01]);
        wasm.extend_from_slice(import);
        wasm.extend_from_slice(&[0x03, 0x02, 0x01, 0x00]); // function 1 has type 0
        wasm.extend_from_slice(&[0x07, 0x0a, 0x01, 0x06]); // export section, "_start"
        wasm.extend_from_slice(b"_start");
        wasm.extend_from_slice(&[0x00, 0x01]);
        let size = code.len() as u8;
        wasm.extend_from_slice(&[0x0a, size + 2, 0x01, size]);
        wasm.extend_from_slice(&code);
        wasm
    }

    /// In-process, as the child runs it but without the rlimit, which would stay on the
    /// test process (these guests touch no stdio). One at a time: `m3_LinkWASI` writes
    /// wasm3's global preopen table.
    fn run_serially(wasm: &[u8]) -> Outcome {
        static WASM3: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one = WASM3.lock().unwrap_or_else(|e| e.into_inner());
        run_module(wasm, &["probe".into()])
    }

    fn run(body: &[u8]) -> Outcome {
        run_serially(&command_with_body(body))
    }

    #[test]
    fn returning_from_start_is_exit_0() {
        assert_eq!(run(&[]), Outcome::Exit(0));
    }

    #[test]
    fn proc_exit_gives_its_code() {
        // i32.const 7; call 0 (proc_exit)
        assert_eq!(run(&[0x41, 0x07, 0x10, 0x00]), Outcome::Exit(7));
    }

    #[test]
    fn a_trap_is_wasm3s_message() {
        // unreachable
        let Outcome::Trap(message) = run(&[0x00]) else {
            panic!("no trap")
        };
        assert!(message.contains("unreachable"), "{message}");
    }

    #[test]
    fn a_module_that_does_not_parse_is_unrunnable() {
        assert!(matches!(
            run_serially(b"\0asm\x01\0\0\0\x0a"),
            Outcome::Unrunnable(_)
        ));
    }
}
