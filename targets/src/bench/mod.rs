//! `harness bench`: the benchmarks of issue #7, run by `cargo xtask bench`. Per service and
//! runtime, in one run: compile, load of the precompiled artifact, instantiate, first call,
//! warm call (p50, p99), the same work natively (the core crates in this process) and the
//! wasm/native ratio, artifact size (raw and after `wasm-opt -Oz`), peak linear memory, and
//! the token verifier's throughput on a pool of instances. Results go to
//! `<out>/bench.json` in the form of `shared/DESIGN.md` (`{"schema": 1, "results": [...]}`);
//! `cargo xtask bench --update` turns them into BENCHMARKS.md. Goals are not checked here.

mod native;
mod others;
mod report;
mod stats;
mod wasmtime;
mod workloads;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use conformance::Form;
use serde_json::{Value, json};

use report::{Key, Report};
use stats::Budget;
use wasmtime_host::{Thumbnailer, Token, Validator};
use workloads::{ImageSize, Workload};

/// Measures every service on every embedded runtime and natively, and writes bench.json.
///
/// A full run takes about ten minutes on two cores; `--quick` (a smoke run: fewer
/// iterations, a 2-megapixel image instead of 12, no Wasmer) takes about two.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Fewer iterations, a 2 MP image instead of 12 MP, no Wasmer: a smoke run, not numbers
    /// to quote.
    #[arg(long)]
    quick: bool,
    /// Where bench.json (and the compiled `.cwasm` artifacts) are written.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
    /// The artifact manifest written by `cargo xtask build`.
    #[arg(long, default_value = "target/conformance/artifacts.json")]
    artifacts: PathBuf,
    /// Directory of vector files: the token and config workloads are cases of them.
    #[arg(long, default_value = "conformance/vectors")]
    vectors: PathBuf,
    /// The manifest of the artifacts as cargo built them, before the build's `wasm-opt -Oz`
    /// (`cargo xtask build` writes it beside the other): their sizes, and in a full run
    /// those components measured too.
    #[arg(long)]
    raw_artifacts: Option<PathBuf>,
    /// binaryen's version, as `wasm-opt --version` gives it, for bench.json.
    #[arg(long)]
    binaryen: Option<String>,
    /// Only these services (comma-separated). Default: all.
    #[arg(long, value_delimiter = ',')]
    service: Vec<String>,
    /// Only these runtimes besides the native reference (comma-separated: wasmtime,
    /// wasmer, wasmi). Default: all (no Wasmer with --quick).
    #[arg(long, value_delimiter = ',')]
    runtime: Vec<String>,
    /// Threads of the throughput run.
    #[arg(long, default_value_t = 2)]
    threads: usize,
}

/// `harness bench ...`: runs the benchmarks and writes bench.json.
pub fn main(args: &Args) -> ExitCode {
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// How long each kind of measurement runs.
#[derive(Clone, Copy, Debug)]
struct Budgets {
    /// Fresh instances (and fresh native services).
    cold: Budget,
    /// Calls on a warm instance, and whole native requests.
    warm: Budget,
    /// Whole command runs on wasmtime.
    command: Budget,
    /// Whole command runs on Wasmer and wasmi.
    other: Budget,
    /// Loading a `.cwasm`.
    load: Budget,
    /// Seconds of each throughput run.
    throughput: f64,
}

impl Budgets {
    fn new(quick: bool) -> Budgets {
        let budget = |warmup, min, max, millis| Budget {
            warmup,
            min,
            max,
            time: Duration::from_millis(millis),
        };
        if quick {
            Budgets {
                cold: budget(0, 5, 200, 300),
                warm: budget(3, 10, 2_000, 300),
                command: budget(1, 3, 200, 300),
                other: budget(0, 2, 50, 300),
                load: budget(0, 3, 20, 200),
                throughput: 0.5,
            }
        } else {
            Budgets {
                cold: budget(0, 20, 1_000, 3_000),
                warm: budget(10, 30, 20_000, 3_000),
                command: budget(2, 10, 1_000, 3_000),
                other: budget(1, 3, 200, 3_000),
                load: budget(0, 10, 100, 1_000),
                throughput: 3.0,
            }
        }
    }
}

fn run(args: &Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let load_before = load_average();
    let budgets = Budgets::new(args.quick);
    let image = if args.quick {
        ImageSize::QUICK
    } else {
        ImageSize::FULL
    };
    let wanted_service = |s: &str| args.service.is_empty() || args.service.iter().any(|w| w == s);
    let wanted_runtime = |r: &str| {
        if args.runtime.is_empty() {
            !(args.quick && r == "wasmer")
        } else {
            args.runtime.iter().any(|w| w == r)
        }
    };
    eprintln!(
        "bench: {} run; generating the workloads ({:.0} MP JPEG)",
        if args.quick { "quick" } else { "full" },
        image.megapixels()
    );
    let mut workloads = workloads::all(&args.vectors, image)?;
    workloads.retain(|w| wanted_service(w.service));
    anyhow::ensure!(!workloads.is_empty(), "no workload selected");
    let services: Vec<&'static str> = service_http::Spec::names()
        .filter(|s| wanted_service(s))
        .collect();
    let artifacts = conformance::run::Artifacts::load(&args.artifacts)?;
    let artifact = |service: &str, form: Form| -> anyhow::Result<PathBuf> {
        artifacts
            .0
            .get(service)
            .and_then(|forms| forms.get(&form))
            .cloned()
            .with_context(|| format!("{} lists no {service} {form}", args.artifacts.display()))
    };
    let mut report = Report::default();

    // The reference.
    let mut natives = BTreeMap::new();
    for workload in &workloads {
        eprintln!("bench: native {}/{}", workload.service, workload.id);
        let native = native::measure(workload, budgets.cold, budgets.warm)?;
        let key = Key::new(workload.service, "native", Form::Native).workload(&workload.id);
        report.summary(&key, "create", &native.create, "us");
        report.first_call(&key, &native.first_call);
        report.summary(&key, "warm", &native.warm, "us");
        report.summary(&key, "serve", &native.serve, "us");
        natives.insert(workload.id.clone(), native);
    }
    let native_of = |w: &Workload| &natives[&w.id];

    // wasmtime, as a serverless host runs it.
    if wanted_runtime("wasmtime") {
        let engine = wasmtime::Wasmtime::new(&args.out.join("cwasm"))?;
        for &service in &services {
            let mine: Vec<&Workload> = workloads.iter().filter(|w| w.service == service).collect();
            eprintln!("bench: wasmtime {service} component: compiling");
            let path = artifact(service, Form::Component)?;
            let loaded =
                engine.load_component(&path, &format!("{service}-component"), budgets.load)?;
            let key = Key::new(service, "wasmtime", Form::Component);
            report.compiled(&key, &loaded.compiled);
            for workload in &mine {
                eprintln!("bench: wasmtime {service} component: {}", workload.id);
                let run = component(&engine, &loaded, workload, budgets)?;
                let native = native_of(workload);
                same_response(&native.response, &run.response_json, "wasmtime component")?;
                let key = key.clone().workload(&workload.id);
                report.summary(&key, "instantiate", &run.instantiate, "us");
                report.summary(&key, "store", &run.store, "us");
                report.summary(&key, "create", &run.create, "us");
                report.summary(&key, "create_warm", &run.create_warm, "us");
                report.first_call(&key, &run.first_call);
                report.summary(&key, "response", &run.response, "us");
                report.summary(&key, "teardown", &run.teardown, "us");
                report.summary(&key, "cold_start", &run.cold_start, "us");
                report.warm(&key, &run.warm, &run.native, NATIVE_CALL);
                report.value(&key, "peak_memory_bytes", run.peak_memory as f64, "bytes");
            }
            eprintln!("bench: wasmtime {service} command: compiling");
            let path = artifact(service, Form::Command)?;
            let loaded = engine.load_module(&path, &format!("{service}-command"), budgets.load)?;
            let key = Key::new(service, "wasmtime", Form::Command);
            report.compiled(&key, &loaded.compiled);
            for workload in &mine {
                eprintln!("bench: wasmtime {service} command: {}", workload.id);
                let mut reference = native::reference(workload)?;
                let run = engine.command(
                    &loaded,
                    service,
                    &workload.request,
                    reference.as_mut(),
                    budgets.command,
                )?;
                let native = native_of(workload);
                same_response(&native.response, &run.response_json, "wasmtime command")?;
                let key = key.clone().workload(&workload.id);
                report.summary(&key, "instantiate", &run.instantiate, "us");
                report
                    .value(&key, "first_call", run.first_call, "us")
                    .samples = Some(1);
                report.warm(&key, &run.warm, &run.native, NATIVE_SERVE);
                report.value(&key, "peak_memory_bytes", run.peak_memory as f64, "bytes");
            }
        }
        // Throughput of a pool of instances, against the same threads natively.
        for workload in workloads.iter().filter(|w| w.service == "token") {
            if args.quick && workload.id != "es256" {
                continue;
            }
            eprintln!(
                "bench: throughput on {} threads: {}",
                args.threads, workload.id
            );
            let path = artifact("token", Form::Component)?;
            let loaded = engine.load_component(&path, "token-component", budgets.load)?;
            for fresh in [true, false] {
                let metric = if fresh {
                    "throughput_fresh_rps"
                } else {
                    "throughput_warm_rps"
                };
                let seconds = budgets.throughput;
                let wasm = engine.throughput::<Token>(
                    &loaded,
                    &workload.request,
                    args.threads,
                    seconds,
                    fresh,
                )?;
                let native = native::throughput(workload, args.threads, seconds, fresh)?;
                let key = Key::new("token", "wasmtime", Form::Component).workload(&workload.id);
                let note = format!("{} threads", args.threads);
                report.value(&key, metric, wasm, "req/s").note = Some(note.clone());
                let key = Key::new("token", "native", Form::Native).workload(&workload.id);
                report.value(&key, metric, native, "req/s").note = Some(note);
            }
        }
    }

    // Wasmer and wasmi: commands, as the harness runs them.
    let others = others::Other::all();
    for other in &others {
        let id = other.target().id();
        if !wanted_runtime(id) {
            continue;
        }
        for &service in &services {
            let path = artifact(service, Form::Command)?;
            eprintln!("bench: {id} {service} command: compiling");
            let key = Key::new(service, id, Form::Command);
            let compile = other.compile(&path)?;
            report.value(&key, "compile", compile, "ms").samples = Some(1);
            for workload in workloads.iter().filter(|w| w.service == service) {
                eprintln!("bench: {id} {service} command: {}", workload.id);
                let mut reference = native::reference(workload)?;
                let runs = other.runs(
                    &path,
                    service,
                    &workload.request,
                    reference.as_mut(),
                    budgets.other,
                )?;
                let native = native_of(workload);
                same_response(&native.response, &runs.response_json, id)?;
                let key = key.clone().workload(&workload.id);
                report
                    .value(&key, "first_call", runs.first_call, "us")
                    .samples = Some(1);
                report.warm(&key, &runs.warm, &runs.native, NATIVE_SERVE);
            }
        }
    }

    // Sizes: as cargo built them, and after the build's wasm-opt -Oz (what every other
    // measurement here runs).
    let raw = match &args.raw_artifacts {
        Some(path) => Some(conformance::run::Artifacts::load(path)?),
        None => None,
    };
    let raw_artifact = |service: &str, form: Form| -> Option<PathBuf> {
        let path = raw.as_ref()?.get(service, form)?.to_owned();
        // The same file: the build had no binaryen and shipped the artifacts unoptimised.
        (artifact(service, form).ok()? != path).then_some(path)
    };
    let mut skipped: Vec<Value> = Vec::new();
    for &service in &services {
        for form in [Form::Component, Form::Command] {
            let key = Key::new(service, "wasm", form);
            let built = std::fs::metadata(artifact(service, form)?)?.len() as f64;
            match raw_artifact(service, form) {
                Some(path) => {
                    let size = std::fs::metadata(&path)?.len() as f64;
                    report.value(&key, "size_bytes", size, "bytes");
                    report.value(&key, "size_wasm_opt_bytes", built, "bytes");
                }
                None => {
                    report.value(&key, "size_bytes", built, "bytes");
                    skipped.push(json!({
                        "service": service, "form": form.name(), "metric": "size_wasm_opt_bytes",
                        "reason": "the build ran no wasm-opt (binaryen needs npm)",
                    }));
                }
            }
        }
    }
    if !args.quick {
        let engine = wasmtime::Wasmtime::new(&args.out.join("cwasm"))?;
        for &service in &services {
            // The component as cargo built it, measured like the optimised one: what does
            // -Oz gain or cost besides size?
            let Some(path) = raw_artifact(service, Form::Component) else {
                continue;
            };
            eprintln!("bench: wasmtime {service} component before wasm-opt");
            let name = format!("{service}-component-before-wasm-opt");
            let loaded = engine.load_component(&path, &name, budgets.load)?;
            let key = Key::new(service, "wasmtime", Form::Component)
                .build(conformance::bench::BEFORE_WASM_OPT);
            report.compiled(&key, &loaded.compiled);
            for workload in workloads.iter().filter(|w| w.service == service) {
                let run = component(&engine, &loaded, workload, budgets)?;
                let native = native_of(workload);
                same_response(
                    &native.response,
                    &run.response_json,
                    "component before wasm-opt",
                )?;
                let key = key.clone().workload(&workload.id);
                report.summary(&key, "instantiate", &run.instantiate, "us");
                report.summary(&key, "cold_start", &run.cold_start, "us");
                report.warm(&key, &run.warm, &run.native, NATIVE_CALL);
                report.value(&key, "peak_memory_bytes", run.peak_memory as f64, "bytes");
            }
        }
    }

    let seconds = started.elapsed().as_secs_f64();
    let file = json!({
        "schema": 1,
        "generated": conformance::run::rfc3339(std::time::SystemTime::now()),
        "commit": conformance::git::head_commit(std::path::Path::new(".")),
        "mode": if args.quick { "quick" } else { "full" },
        "seconds": (seconds * 10.0).round() / 10.0,
        "machine": machine(load_before),
        "versions": versions(&others, args.binaryen.clone()),
        "settings": {
            "wasmtime": wasmtime::settings(),
            "native": "the core crates in the harness process, opt-level 3 (dev profile \
                       override in the workspace Cargo.toml)",
            "wasm": "guests built with the `wasm` profile: opt-level s, LTO, one codegen \
                     unit, panic=abort, stripped; no global simd128 target feature (some \
                     dependencies enable it per function); then `wasm-opt -Oz` on every \
                     core module, as `cargo xtask build` ships them",
            "wasmer": "cranelift, metering middleware (the harness's deadline), memory cap",
            "wasmi": "interpreter, fuel metering (the harness's deadline), memory cap",
            "threads": args.threads,
        },
        "workloads": workloads.iter().map(|w| json!({
            "service": w.service, "workload": w.id, "description": w.description,
        })).collect::<Vec<_>>(),
        "results": report.entries(),
        "skipped": skipped,
    });
    std::fs::create_dir_all(&args.out)?;
    let path = args.out.join("bench.json");
    std::fs::write(&path, serde_json::to_string_pretty(&file)? + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    println!("{}", report.terminal());
    println!("wrote {} ({seconds:.0} s)", path.display());
    Ok(())
}

/// What a component's warm call is compared with: the same call on the created service.
const NATIVE_CALL: &str = "native warm call, interleaved with the wasm calls";
/// What a command run is compared with: the whole request, JSON text in, JSON text out.
const NATIVE_SERVE: &str = "native whole request (JSON in, create, call, JSON out), \
    interleaved with the runs";

/// One workload on a component, with the service's bindings.
fn component(
    engine: &wasmtime::Wasmtime,
    loaded: &wasmtime::LoadedComponent,
    workload: &Workload,
    budgets: Budgets,
) -> anyhow::Result<wasmtime::ComponentRun> {
    let (request, cold, warm) = (&workload.request, budgets.cold, budgets.warm);
    let mut reference = native::reference(workload)?;
    let native = reference.as_mut();
    match workload.service {
        "token" => engine.component::<Token>(loaded, request, native, cold, warm),
        "config" => engine.component::<Validator>(loaded, request, native, cold, warm),
        "thumbnail" => engine.component::<Thumbnailer>(loaded, request, native, cold, warm),
        other => anyhow::bail!("no component binding for `{other}`"),
    }
}

/// A measurement counts only if the runtime answered what the reference did.
fn same_response(native: &Value, wasm: &Value, runtime: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        native.get("ok").is_some() && native.get("ok") == wasm.get("ok"),
        "{runtime} answered differently from the native reference:\n  native: {}\n  {runtime}: {}",
        abbreviate(native),
        abbreviate(wasm)
    );
    Ok(())
}

fn abbreviate(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(300) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text,
    }
}

/// Runs `open` on each of `threads` threads to get its request function, then calls it until
/// `seconds` have passed; the requests per second of all threads together.
pub(crate) fn count_in_parallel<S, F>(threads: usize, seconds: f64, open: S) -> anyhow::Result<f64>
where
    S: Fn() -> anyhow::Result<F> + Sync,
    F: FnMut() -> anyhow::Result<()>,
{
    let barrier = std::sync::Barrier::new(threads);
    let duration = Duration::from_secs_f64(seconds);
    let rates = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<f64> {
                    let request = open();
                    barrier.wait();
                    let mut request = request?;
                    let start = Instant::now();
                    let mut count = 0u64;
                    while start.elapsed() < duration {
                        request()?;
                        count += 1;
                    }
                    Ok(count as f64 / start.elapsed().as_secs_f64())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| anyhow::bail!("a thread panicked"))
            })
            .collect::<anyhow::Result<Vec<f64>>>()
    })?;
    Ok(rates.iter().sum())
}

fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut numbers = text.split_whitespace().map(|n| n.parse().ok());
    Some([numbers.next()??, numbers.next()??, numbers.next()??])
}

/// The machine, from /proc: what BENCHMARKS.md says the numbers were measured on.
fn machine(load_before: Option<[f64; 3]>) -> Value {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let field = |name: &str| {
        cpuinfo.lines().find_map(|l| {
            let (key, value) = l.split_once(':')?;
            (key.trim() == name).then(|| value.trim().to_owned())
        })
    };
    let memory = read("/proc/meminfo").lines().find_map(|l| {
        let kib = l.strip_prefix("MemTotal:")?.trim().strip_suffix("kB")?;
        kib.trim().parse::<u64>().ok().map(|k| k * 1024)
    });
    let os = read("/etc/os-release").lines().find_map(|l| {
        l.strip_prefix("PRETTY_NAME=")
            .map(|v| v.trim_matches('"').to_owned())
    });
    json!({
        "cpu": field("model name"),
        "cpu_mhz": field("cpu MHz"),
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "memory_bytes": memory,
        "os": os,
        "kernel": read("/proc/sys/kernel/osrelease").trim(),
        "arch": std::env::consts::ARCH,
        "load_average_before": load_before,
        "load_average_after": load_average(),
    })
}

fn versions(others: &[others::Other], binaryen: Option<String>) -> Value {
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let version = |id: &str| {
        others
            .iter()
            .map(others::Other::target)
            .find(|t| t.id() == id)
            .map(|t| t.version())
    };
    json!({
        "rustc": rustc,
        "wasmtime": crate::wasmtime::VERSION,
        "wasmer": version("wasmer"),
        "wasmi": version("wasmi"),
        "binaryen": binaryen,
        "harness": env!("CARGO_PKG_VERSION"),
    })
}
