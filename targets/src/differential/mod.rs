//! `harness differential`: the same request on the native core and on every wasm form on
//! wasmtime, and the responses compared byte for byte: the project's central promise,
//! checked on inputs beyond the vectors.
//!
//! Inputs, per service, taken in turn from three pools until `--limit` (or the time budget)
//! is reached: the fuzz targets' generated seeds, the AFL++ corpora (both as service requests
//! made by `fuzz requests`, JSON lines given with `--requests`), and the vectors' requests
//! mutated with a seeded generator ([`mutate`]). A request is run like a vector case without
//! an `expect`: the native core's response is the reference. What is compared:
//!
//! - **command**: its raw stdout against the native response as the command writes it (the
//!   JSON text and a newline), with exit code 0 and nothing on stderr;
//! - **component**: the response the host reads through the WIT, in its JSON form,
//!   serialised, against the native response serialised.
//!
//! Every difference is written to `<out>/differences/<n>/` (the request as a `--requests`
//! line, both responses, what differed) and fails the run, unless `--known` explains it.

mod mutate;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use conformance::command::{CommandJob, CommandRun};
use conformance::run::Artifacts;
use conformance::{Form, Job, Target};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::native::Native;
use crate::wasmtime::Wasmtime;

/// `harness differential`'s options.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Request files: JSON lines `{"origin", "service", "request"}` (what `fuzz requests`
    /// writes, and each difference's `input.jsonl`). Lines whose origin starts with `seed:`
    /// are the seeds pool, others the corpus pool.
    #[arg(long, value_name = "FILE")]
    requests: Vec<PathBuf>,
    /// Only these services (comma-separated). Default: every service with inputs.
    #[arg(long, value_delimiter = ',')]
    service: Vec<String>,
    /// The wasm forms to compare with native (comma-separated: component, command).
    #[arg(long, value_delimiter = ',', default_value = "component,command")]
    form: Vec<String>,
    /// Inputs per service, at most (seeds, corpus and mutations in turn).
    #[arg(long, default_value_t = 250)]
    limit: usize,
    /// Wall-time budget for the whole run in seconds, shared equally by the services; a
    /// service stops taking inputs when its share is spent. 0: no budget.
    #[arg(long, default_value_t = 0)]
    seconds: u64,
    /// No mutated vector requests: only the `--requests` inputs.
    #[arg(long)]
    no_mutations: bool,
    /// The mutations' seed: the same seed makes the same requests.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Directory of vector files, whose requests are mutated.
    #[arg(long, default_value = "conformance/vectors")]
    vectors: PathBuf,
    /// The artifact manifest written by `cargo xtask build`.
    #[arg(long, default_value = "target/conformance/artifacts.json")]
    artifacts: PathBuf,
    /// Where wasmtime keeps compiled artifacts between runs.
    #[arg(long, default_value = "target/conformance/cache")]
    cache: PathBuf,
    /// Seconds one request may take on one form.
    #[arg(long, default_value_t = 20)]
    timeout: u64,
    /// Explained differences (JSON: `[{"service", "form", "contains", "why"}]`): a
    /// difference whose request's JSON text contains `contains` is reported, not failed.
    #[arg(long, default_value = "conformance/differential-known.json")]
    known: PathBuf,
    /// Where report.json and the differences' reproducers are written.
    #[arg(long, default_value = "target/differential")]
    out: PathBuf,
}

/// `harness differential ...`: 0 when every response matched (or was explained), 1 on a
/// difference, 2 when the run could not be made.
pub fn differential_main(args: &Args) -> ExitCode {
    let args = args.clone();
    // Guests and the cores recurse deeply on some inputs: the work gets a thread with the
    // stack the conformance runner gives each cell.
    let worker = std::thread::Builder::new()
        .name("differential".into())
        .stack_size(64 << 20)
        .spawn(move || run(&args));
    let result = match worker {
        Ok(handle) => handle
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the differential run panicked"))),
        Err(e) => Err(anyhow::anyhow!("starting the differential run: {e}")),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("differential: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// One input: where it came from and the request.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Input {
    origin: String,
    service: String,
    request: Value,
}

/// An explained difference.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Known {
    service: String,
    form: Form,
    /// Text the request's JSON contains.
    contains: String,
    why: String,
}

/// Counts of one service on one form.
#[derive(Clone, Debug, Default, Serialize)]
struct Tally {
    inputs: usize,
    identical: usize,
    different: usize,
    explained: usize,
    millis: f64,
}

/// The inputs run for one service, by pool.
#[derive(Clone, Debug, Default, Serialize)]
struct Pools {
    seeds: usize,
    corpus: usize,
    mutations: usize,
    /// Requests skipped because an earlier input was the same request.
    duplicates: usize,
    /// Requests the native core could not read (never sent to the wasm forms).
    unreadable: usize,
    native_millis: f64,
    /// The native responses: `ok`, or `err:<code>`: what the inputs reached.
    outcomes: BTreeMap<String, usize>,
}

#[derive(Debug, Serialize)]
struct Difference {
    service: String,
    form: Form,
    origin: String,
    /// What differed, in a line.
    what: String,
    /// Why it is expected, when `--known` explains it.
    explained: Option<String>,
    dir: PathBuf,
}

fn run(args: &Args) -> anyhow::Result<bool> {
    let started = Instant::now();
    let forms = args
        .form
        .iter()
        .map(|name| match Form::parse(name) {
            Some(form @ (Form::Component | Form::Command)) => Ok(form),
            _ => bail!("--form: `{name}` is not a wasm form on wasmtime (component, command)"),
        })
        .collect::<anyhow::Result<Vec<Form>>>()?;
    let artifacts = Artifacts::load(&args.artifacts)?;
    let known: Vec<Known> = match std::fs::read_to_string(&args.known) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("parsing {}", args.known.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", args.known.display())),
    };

    // The pools, per service.
    let mut pools: BTreeMap<String, [VecDeque<Input>; 2]> = BTreeMap::new();
    for file in &args.requests {
        for input in read_requests(file)? {
            let pool = usize::from(!input.origin.starts_with("seed:"));
            pools.entry(input.service.clone()).or_default()[pool].push_back(input);
        }
    }
    let groups = if args.no_mutations {
        Vec::new()
    } else {
        conformance::vectors::load_dir(&args.vectors)?
    };
    let mut services: BTreeSet<String> = pools.keys().cloned().collect();
    services.extend(groups.iter().map(|g| g.service.clone()));
    if !args.service.is_empty() {
        for service in &args.service {
            anyhow::ensure!(
                services.contains(service),
                "no inputs for service `{service}`"
            );
        }
        services.retain(|s| args.service.contains(s));
    }
    anyhow::ensure!(
        !services.is_empty(),
        "no inputs: give --requests or --vectors"
    );

    let settings = crate::Settings {
        cache_dir: args.cache.clone(),
        drivers_dir: args.cache.join("unused"),
        tools_dir: args.cache.join("unused"),
        platforms_dir: args.cache.join("unused"),
        wasmedge_child: None,
    };
    let wasmtime = Wasmtime::new(&settings);
    if let conformance::Availability::Missing { reason, .. } = wasmtime.detect() {
        bail!("wasmtime is not usable: {reason}");
    }
    let differences_dir = args.out.join("differences");
    let _ = std::fs::remove_dir_all(&differences_dir);
    std::fs::create_dir_all(&differences_dir)
        .with_context(|| format!("creating {}", differences_dir.display()))?;

    let timeout = Duration::from_secs(args.timeout);
    let share = (args.seconds > 0)
        .then(|| Duration::from_secs(args.seconds).div_f64(services.len() as f64));
    let mut tallies: BTreeMap<(String, Form), Tally> = BTreeMap::new();
    let mut pool_counts: BTreeMap<String, Pools> = BTreeMap::new();
    let mut differences: Vec<Difference> = Vec::new();
    let mut service_seconds: BTreeMap<String, f64> = BTreeMap::new();
    for service in &services {
        let wasm: Vec<(Form, PathBuf)> = forms
            .iter()
            .map(|&form| {
                artifacts
                    .get(service, form)
                    .map(|p| (form, p.to_path_buf()))
                    .with_context(|| format!("no {form} artifact was built for {service}"))
            })
            .collect::<anyhow::Result<_>>()?;
        let [mut seeds, mut corpus] = pools.remove(service).unwrap_or_default();
        let mut mutator = mutate::Mutator::new(service, &groups, args.seed);
        let counts = pool_counts.entry(service.clone()).or_default();
        let mut seen: BTreeSet<[u8; 32]> = BTreeSet::new();
        let mut progress = Progress::new(service);
        let service_start = Instant::now();
        let mut turn = 0usize;
        let mut ran = 0usize;
        let mut failed_mutations = 0usize;
        while ran < args.limit {
            if share.is_some_and(|share| service_start.elapsed() >= share) {
                eprintln!(
                    "differential: {service}: time budget spent after {ran} inputs ({:.0} s)",
                    service_start.elapsed().as_secs_f64()
                );
                break;
            }
            // Seeds, corpus, mutations in turn; an empty pool gives its turn away.
            let input = (0..3).find_map(|i| {
                let pool = (turn + i) % 3;
                let input = match pool {
                    0 => seeds.pop_front(),
                    1 => corpus.pop_front(),
                    _ => mutator.as_mut().and_then(|m| {
                        let request = m.next_request();
                        if request.is_none() {
                            failed_mutations += 1;
                        }
                        request.map(|request| Input {
                            origin: format!("mutation:{}", args.seed),
                            service: service.clone(),
                            request,
                        })
                    }),
                };
                input.map(|input| (pool, input))
            });
            turn += 1;
            let Some((pool, input)) = input else { break };
            anyhow::ensure!(
                failed_mutations < 1000,
                "{service}: the vectors' requests do not parse as requests"
            );
            let text = serde_json::to_string(&input.request)?;
            if !seen.insert(digest(text.as_bytes())) {
                counts.duplicates += 1;
                continue;
            }
            match pool {
                0 => counts.seeds += 1,
                1 => counts.corpus += 1,
                _ => counts.mutations += 1,
            }
            ran += 1;
            let job = |form: Form, artifact: Option<PathBuf>| Job {
                service: service.clone(),
                group: "differential".into(),
                form,
                artifact,
                request: input.request.clone(),
                timeout,
            };
            let native_start = Instant::now();
            let native = Native.run(&job(Form::Native, None));
            counts.native_millis += native_start.elapsed().as_secs_f64() * 1e3;
            let native = match native {
                Ok(response) => {
                    let outcome = match response["err"]["code"].as_str() {
                        Some(code) => format!("err:{code}"),
                        None => "ok".to_owned(),
                    };
                    *counts.outcomes.entry(outcome).or_default() += 1;
                    response.to_string()
                }
                Err(e) => {
                    counts.unreadable += 1;
                    eprintln!(
                        "differential: {service}: {}: not a request: {e:#}",
                        input.origin
                    );
                    continue;
                }
            };
            for (form, wasm) in &wasm {
                let tally = tallies.entry((service.clone(), *form)).or_default();
                tally.inputs += 1;
                let form_start = Instant::now();
                let observed = match form {
                    Form::Command => command(&wasmtime, &job(*form, Some(wasm.clone())), wasm),
                    _ => component(&wasmtime, &job(*form, Some(wasm.clone()))),
                };
                tally.millis += form_start.elapsed().as_secs_f64() * 1e3;
                let Some(what) = compare(*form, &native, &observed) else {
                    tally.identical += 1;
                    continue;
                };
                tally.different += 1;
                let explained = known
                    .iter()
                    .find(|k| {
                        k.service == *service && k.form == *form && text.contains(&k.contains)
                    })
                    .map(|k| k.why.clone());
                if explained.is_some() {
                    tally.explained += 1;
                }
                let dir =
                    differences_dir.join(format!("{:04}-{service}-{form}", differences.len()));
                write_reproducer(
                    &dir,
                    &input,
                    &native,
                    &observed,
                    &what,
                    explained.as_deref(),
                )?;
                eprintln!(
                    "differential: {service}/{form}: DIFFERENT ({what}); {} written to {}",
                    input.origin,
                    dir.display()
                );
                differences.push(Difference {
                    service: service.clone(),
                    form: *form,
                    origin: input.origin.clone(),
                    what,
                    explained,
                    dir,
                });
            }
            progress.tick(ran, args.limit, differences.len());
        }
        progress.finish(ran, differences.len());
        service_seconds.insert(service.clone(), service_start.elapsed().as_secs_f64());
    }

    let unexplained = differences.iter().filter(|d| d.explained.is_none()).count();
    let wall = started.elapsed().as_secs_f64();
    let report = json!({
        "seed": args.seed,
        "limit": args.limit,
        "seconds_budget": args.seconds,
        "wall_seconds": wall,
        "wasmtime": crate::wasmtime::VERSION,
        "inputs": pool_counts,
        "service_seconds": service_seconds,
        "forms": tallies
            .iter()
            .map(|((service, form), tally)| json!({"service": service, "form": form, "tally": tally}))
            .collect::<Vec<_>>(),
        "differences": differences,
        "unexplained": unexplained,
    });
    let report_path = args.out.join("report.json");
    std::fs::write(&report_path, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("writing {}", report_path.display()))?;

    println!("\n| service | form | inputs | identical | different | explained | ms/input |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for ((service, form), tally) in &tallies {
        println!(
            "| {service} | {form} | {} | {} | {} | {} | {:.1} |",
            tally.inputs,
            tally.identical,
            tally.different,
            tally.explained,
            tally.millis / tally.inputs.max(1) as f64
        );
    }
    println!(
        "\n| service | seeds | corpus | mutations | duplicates skipped | unreadable | native ms/input | seconds |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (service, counts) in &pool_counts {
        let inputs = counts.seeds + counts.corpus + counts.mutations;
        println!(
            "| {service} | {} | {} | {} | {} | {} | {:.2} | {:.1} |",
            counts.seeds,
            counts.corpus,
            counts.mutations,
            counts.duplicates,
            counts.unreadable,
            counts.native_millis / inputs.max(1) as f64,
            service_seconds.get(service).copied().unwrap_or(0.0)
        );
    }
    for (service, counts) in &pool_counts {
        let outcomes: Vec<String> = counts
            .outcomes
            .iter()
            .map(|(outcome, n)| format!("{outcome} {n}"))
            .collect();
        println!("{service} native outcomes: {}", outcomes.join(", "));
    }
    let unreadable: usize = pool_counts.values().map(|c| c.unreadable).sum();
    println!(
        "\ndifferential: {} differences ({unexplained} unexplained), {unreadable} unreadable \
         inputs, {wall:.1} s; wrote {}",
        differences.len(),
        report_path.display()
    );
    // An input the native core cannot read is a broken generator or corpus mapping: the
    // run would silently check less than it says.
    Ok(unexplained == 0 && unreadable == 0)
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).into()
}

/// What a wasm form answered: its raw output, or why there is none.
#[derive(Debug)]
enum Observed {
    /// The command's run: stdout as written, exit, trap, stderr.
    Command(CommandRun),
    /// The component's response, serialised.
    Component(String),
    /// The runtime or guest failed (trap, deadline, bad output).
    Failed(String),
}

fn component(wasmtime: &Wasmtime, job: &Job) -> Observed {
    match wasmtime.run(job) {
        Ok(response) => Observed::Component(response.to_string()),
        Err(e) => Observed::Failed(format!("{e:#}")),
    }
}

fn command(wasmtime: &Wasmtime, job: &Job, wasm: &Path) -> Observed {
    match wasmtime.run_command(&CommandJob::for_service(job, wasm.to_path_buf())) {
        Ok(run) => Observed::Command(run),
        Err(e) => Observed::Failed(format!("{e:#}")),
    }
}

/// `None` when `observed` is byte for byte what native answered; else what differs.
fn compare(form: Form, native: &str, observed: &Observed) -> Option<String> {
    match observed {
        Observed::Failed(error) => Some(format!("{form} failed: {}", first_line(error))),
        Observed::Component(response) => {
            (response != native).then(|| first_difference(native, response))
        }
        Observed::Command(run) => {
            if let Some(trap) = &run.trap {
                return Some(format!("trapped: {}", first_line(trap)));
            }
            if run.exit != Some(0) {
                return Some(format!(
                    "{}; stderr: {}",
                    run.ending(),
                    first_line(&run.stderr)
                ));
            }
            let expected = format!("{native}\n");
            if run.stdout != expected {
                return Some(first_difference(&expected, &run.stdout));
            }
            (!run.stderr.is_empty()).then(|| format!("stderr: {}", first_line(&run.stderr)))
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Where two texts part: the byte offset and a little of each from there.
fn first_difference(expected: &str, observed: &str) -> String {
    let at = expected
        .bytes()
        .zip(observed.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(observed.len()));
    let around = |text: &str| {
        let start = floor_char_boundary(text, at.saturating_sub(20));
        let end = floor_char_boundary(text, (at + 40).min(text.len()));
        format!("{:?}", &text[start..end])
    };
    format!(
        "differs at byte {at} of {} (native) and {}: native {}, wasm {}",
        expected.len(),
        observed.len(),
        around(expected),
        around(observed)
    )
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A difference's directory: the input as a `--requests` line, the native response, what
/// the form answered, and a README saying what differed and how to run it again.
fn write_reproducer(
    dir: &Path,
    input: &Input,
    native: &str,
    observed: &Observed,
    what: &str,
    explained: Option<&str>,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(
        dir.join("input.jsonl"),
        serde_json::to_string(input)? + "\n",
    )?;
    std::fs::write(dir.join("native.json"), format!("{native}\n"))?;
    match observed {
        Observed::Component(response) => {
            std::fs::write(dir.join("wasm.json"), format!("{response}\n"))?
        }
        Observed::Command(run) => {
            std::fs::write(dir.join("wasm.stdout"), &run.stdout)?;
            std::fs::write(dir.join("wasm.stderr"), &run.stderr)?;
            std::fs::write(dir.join("wasm.ending"), run.ending() + "\n")?;
        }
        Observed::Failed(error) => std::fs::write(dir.join("wasm.error"), format!("{error}\n"))?,
    }
    let readme = format!(
        "service: {}\norigin: {}\ndifference: {what}\n{}\nrun again (wasm and native):\n  \
         cargo xtask differential --requests {} --no-mutations\n",
        input.service,
        input.origin,
        explained
            .map(|why| format!("explained: {why}\n"))
            .unwrap_or_default(),
        dir.join("input.jsonl").display()
    );
    std::fs::write(dir.join("README"), readme)?;
    Ok(())
}

fn read_requests(path: &Path) -> anyhow::Result<Vec<Input>> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut inputs = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let input: Input = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: not a request line", path.display(), i + 1))?;
        inputs.push(input);
    }
    Ok(inputs)
}

/// Progress on stderr: redrawn in place on a terminal, a line every ten seconds otherwise.
struct Progress {
    service: String,
    start: Instant,
    last: Instant,
    live: bool,
}

impl Progress {
    fn new(service: &str) -> Progress {
        Progress {
            service: service.to_owned(),
            start: Instant::now(),
            last: Instant::now(),
            live: std::io::stderr().is_terminal(),
        }
    }

    fn tick(&mut self, done: usize, limit: usize, differences: usize) {
        let every = if self.live { 0.2 } else { 10.0 };
        if self.last.elapsed().as_secs_f64() < every {
            return;
        }
        self.last = Instant::now();
        let line = format!(
            "differential: {:<10} {done:>6}/{limit} inputs, {differences} differences, {:.0} s",
            self.service,
            self.start.elapsed().as_secs_f64()
        );
        if self.live {
            eprint!("\r{line}");
            let _ = std::io::stderr().flush();
        } else {
            eprintln!("{line}");
        }
    }

    fn finish(&self, done: usize, differences: usize) {
        if self.live {
            eprint!("\r");
        }
        eprintln!(
            "differential: {:<10} {done:>6} inputs, {differences} differences so far, {:.1} s",
            self.service,
            self.start.elapsed().as_secs_f64()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stdout: &str, exit: Option<i32>, stderr: &str) -> Observed {
        Observed::Command(CommandRun {
            exit,
            trap: None,
            stdout: stdout.into(),
            stderr: stderr.into(),
        })
    }

    #[test]
    fn only_the_same_bytes_are_identical() {
        let native = r#"{"ok":{"a":1}}"#;
        assert_eq!(
            compare(
                Form::Command,
                native,
                &run("{\"ok\":{\"a\":1}}\n", Some(0), "")
            ),
            None
        );
        assert_eq!(
            compare(Form::Component, native, &Observed::Component(native.into())),
            None
        );
        // The same JSON value, written otherwise, is a difference.
        for other in [
            "{\"ok\": {\"a\":1}}\n",
            "{\"ok\":{\"a\":1}}",
            "{\"ok\":{\"a\":1.0}}\n",
        ] {
            assert!(
                compare(Form::Command, native, &run(other, Some(0), "")).is_some(),
                "{other}"
            );
        }
        assert!(
            compare(
                Form::Command,
                native,
                &run("{\"ok\":{\"a\":1}}\n", Some(0), "warning")
            )
            .is_some()
        );
        assert!(
            compare(Form::Command, native, &run("", Some(2), "bad"))
                .unwrap()
                .starts_with("exit 2")
        );
        assert!(
            compare(
                Form::Component,
                native,
                &Observed::Failed("trap: oob".into())
            )
            .is_some()
        );
        let what = compare(
            Form::Component,
            native,
            &Observed::Component(r#"{"ok":{"a":2}}"#.into()),
        )
        .unwrap();
        assert!(what.starts_with("differs at byte 11"), "{what}");
    }

    #[test]
    fn first_difference_respects_characters() {
        let what = first_difference("ééééééééééééééééééééééééééa", "ééééééééééééééééééééééééééb");
        assert!(what.contains("byte 52"), "{what}");
    }
}
