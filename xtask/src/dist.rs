//! `cargo xtask dist`: one self-sufficient bundle per service.
//!
//! `<target>/dist/<service>-<version>/` holds the component and the command, the WIT
//! package, the service's rows of the conformance matrix, an example request with the
//! response the native reference gives, a runner for Node's `node:wasi`, a wasmtime
//! embedding example, a README (from `dist/README.md.tmpl`) and `SHA256SUMS` over all of it.
//!
//! The bundles are reproducible: the guest build remaps every absolute path (see
//! [`remap_config`]), and nothing else in a bundle depends on the machine, the time or the
//! target directory. `--check-reproducible` builds them a second time from a copy of the
//! sources at another path, with another target directory and cargo home, and compares the
//! two byte for byte; `--check-bundle` copies each bundle into an empty directory and runs the
//! steps of its README there.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use conformance::target::Form;

use service_http::Spec;

use crate::build::{Artifacts, GUEST_PROFILE, build};
use crate::util::{Metadata, copy_dir, git_commit, hex, on_path, run_cmd, rustc};

/// The bundle README; `{{name}}` placeholders are filled by [`render`].
const README: &str = include_str!("dist/README.md.tmpl");
/// The `node:wasi` runner shipped in every bundle (service-independent).
const RUNNER: &str = include_str!("dist/run.mjs");
/// The wasmtime embedding example: its Cargo.toml, and main.rs = the common part + the
/// service's binding.
const EMBED_CARGO: &str = include_str!("dist/embed/Cargo.toml.tmpl");
const EMBED_MAIN: &str = include_str!("dist/embed/main.rs.tmpl");

/// What a bundle says about its service beyond the registry's entry: the service's part of
/// the wasmtime embedding example (bindings and `fn serve`), the dependencies it needs beyond
/// the common ones, and the Cloudflare snippet's call (`body`, the JSON form, in; a
/// `Response` out) — files in the service's own folder, `components/<name>/dist/`.
struct Service {
    spec: &'static Spec,
    /// `embed.rs`: a template, rendered after `dist/embed/main.rs.tmpl`.
    embed: String,
    /// `embed-deps.toml` (optional): lines for embed/Cargo.toml's `[dependencies]`.
    embed_deps: String,
    /// `call.js`.
    js_call: String,
}

impl Service {
    /// Every registered service's bundle material, from the sources at `root`.
    fn all(root: &Path) -> anyhow::Result<Vec<Service>> {
        let load = |spec| Service::load(root, spec);
        service_http::SPECS.iter().map(load).collect()
    }

    fn load(root: &Path, spec: &'static Spec) -> anyhow::Result<Service> {
        let dir = root.join("components").join(spec.name).join("dist");
        let read = |file: &str| {
            let path = dir.join(file);
            std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
        };
        let embed_deps = if dir.join("embed-deps.toml").exists() {
            let text = read("embed-deps.toml")?;
            text.lines().map(|line| format!("\n{line}")).collect()
        } else {
            String::new()
        };
        let js_call = read("call.js")?;
        Ok(Service {
            spec,
            embed: read("embed.rs")?,
            embed_deps,
            js_call: js_call.strip_suffix('\n').unwrap_or(&js_call).to_owned(),
        })
    }
}

/// build, then write <target>/dist/<service>-<version>/ per service.
///
/// Each bundle holds the component, the command, the WIT, an example request and response,
/// the service's matrix rows, a README with platform wiring, and SHA256SUMS.
#[derive(clap::Args, Debug, Default)]
pub struct Args {
    /// The matrix whose rows go into the bundles [default: <target>/conformance/matrix.json
    /// if a run of this commit left one, else conformance/matrix.json].
    #[arg(long, value_name = "MATRIX.JSON")]
    pub matrix: Option<PathBuf>,
    /// Where the bundles go [default: <target>/dist].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// dist, then build the bundles again from a copy of the sources at another path (other
    /// target dir and cargo home path) and fail unless both are byte-identical. The second
    /// target dir is kept between runs.
    #[arg(long, conflicts_with_all = ["check_bundle", "embed"])]
    pub check_reproducible: bool,
    /// With --check-reproducible (implied): start its second target dir empty (a full second
    /// build).
    #[arg(long, conflicts_with_all = ["check_bundle", "embed"])]
    pub full: bool,
    /// dist, then copy each bundle into an empty directory and run its README's steps there
    /// (sha256sum -c, the example through node:wasi, the wasmtime CLI if installed).
    #[arg(long)]
    pub check_bundle: bool,
    /// With --check-bundle (implied): also build and run the wasmtime embedding example
    /// (downloads wasmtime; many minutes).
    #[arg(long)]
    pub embed: bool,
    /// With --check-bundle: only these services' bundles (token, config, thumbnail).
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Build from this copy of the sources instead of the project root (the second build
    /// of --check-reproducible).
    #[arg(long, hide = true)]
    pub source: Option<PathBuf>,
    /// The commit the bundles say they were built from [default: git's] (the second build
    /// of --check-reproducible).
    #[arg(long, hide = true)]
    pub commit: Option<String>,
}

/// `cargo xtask dist ...`.
pub fn main(args: Args) -> anyhow::Result<()> {
    for service in &args.services {
        ensure!(
            Spec::named(service).is_some(),
            "unknown service `{service}`"
        );
    }
    if args.check_bundle || args.embed {
        check_bundle(&args, args.embed)
    } else if args.check_reproducible || args.full {
        check_reproducible(&args, args.full)
    } else {
        dist(&args).map(|_| ())
    }
}

/// What `dist` wrote.
struct Written {
    out: PathBuf,
    /// Each bundle's directory name.
    bundles: Vec<String>,
    /// The matrix the rows came from, as read, and which kind it is.
    matrix_bytes: Vec<u8>,
    matrix_from: MatrixFrom,
    commit: String,
}

/// Builds every guest (with [`build`], so exactly what the harness tests) and writes one
/// bundle per service.
fn dist(options: &Args) -> anyhow::Result<Written> {
    if let Some(source) = &options.source {
        std::env::set_current_dir(source)
            .with_context(|| format!("entering {}", source.display()))?;
    }
    if std::env::var_os("RUSTFLAGS").is_some()
        || std::env::var_os("CARGO_ENCODED_RUSTFLAGS").is_some()
    {
        eprintln!(
            "dist: warning: RUSTFLAGS is set and replaces the path remapping of the guest \
             build: the artifacts may embed this machine's paths and not be reproducible"
        );
    }
    let started = Instant::now();
    let built = build()?;
    let wasm_opt = match &built.binaryen {
        Some(version) => format!("then `wasm-opt -Oz` on every core module ({version})"),
        None => "not run through `wasm-opt` (binaryen was not installed on the build \
                 machine)"
            .to_owned(),
    };
    let metadata = Metadata::load()?;
    let out = options
        .out
        .clone()
        .unwrap_or_else(|| metadata.target.join("dist"));
    let commit = match &options.commit {
        Some(commit) => commit.clone(),
        None => git_commit(),
    };
    let matrix_path = options
        .matrix
        .clone()
        .unwrap_or_else(|| matrix_source(&metadata.target, &commit));
    let matrix_bytes = std::fs::read(&matrix_path)
        .with_context(|| format!("reading {}", matrix_path.display()))?;
    let matrix: Value = serde_json::from_slice(&matrix_bytes)
        .with_context(|| format!("parsing {}", matrix_path.display()))?;
    let matrix_from = if absolute(&matrix_path) == absolute(Path::new(BASELINE)) {
        MatrixFrom::Baseline
    } else {
        MatrixFrom::Run
    };
    let rustc = rustc(&["--version"])?;
    let mut bundles = Vec::new();
    for service in &Service::all(Path::new("."))? {
        let version = bundle_version(&metadata, service.spec.name)?;
        let name = format!("{}-{version}", service.spec.name);
        let dir = out.join(&name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("removing the old {}", dir.display()))?;
        }
        let files = bundle(
            service,
            &Inputs {
                version: &version,
                artifacts: &built.artifacts,
                matrix: &matrix,
                matrix_from,
                commit: &commit,
                rustc: &rustc,
                wasm_opt: &wasm_opt,
            },
        )
        .with_context(|| format!("making the {name} bundle"))?;
        for (path, contents) in &files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().context("a file has a directory")?)?;
            std::fs::write(&path, contents)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        let size: usize = files.values().map(Vec::len).sum();
        eprintln!(
            "dist: wrote {} ({} files, {} KiB)",
            dir.display(),
            files.len(),
            size.div_ceil(1024)
        );
        bundles.push(name);
    }
    eprintln!(
        "dist: {} bundles in {:.0?} (rows from {})",
        bundles.len(),
        started.elapsed(),
        matrix_path.display()
    );
    Ok(Written {
        out,
        bundles,
        matrix_bytes,
        matrix_from,
        commit,
    })
}

/// The matrix rows come from the last `test-all-runtimes` run
/// (`<target>/conformance/matrix.json`) when it measured this very commit, so the rows are
/// what these artifacts did; else from the committed baseline. Either way the README says
/// which, with its commit and date. (A run's rows also depend on the machine: its date and
/// which runtimes it had. Bundles made from the baseline depend on the commit alone.)
fn matrix_source(target: &Path, commit: &str) -> PathBuf {
    let run = target.join("conformance").join("matrix.json");
    let run_commit = std::fs::read(&run)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|matrix| matrix["commit"].as_str().map(str::to_owned));
    if run_commit.as_deref() == Some(commit) {
        run
    } else {
        if let Some(other) = run_commit {
            eprintln!(
                "dist: {} measured commit {other}, not {commit}: the bundles get the rows of \
                 the committed baseline",
                run.display()
            );
        }
        PathBuf::from(BASELINE)
    }
}

/// The committed baseline matrix, relative to the sources.
const BASELINE: &str = "conformance/matrix.json";

#[derive(Clone, Copy)]
enum MatrixFrom {
    Run,
    Baseline,
}

/// Everything a bundle is made from besides the sources.
struct Inputs<'a> {
    version: &'a str,
    /// What `build` made (artifacts.json).
    artifacts: &'a Artifacts,
    matrix: &'a Value,
    matrix_from: MatrixFrom,
    commit: &'a str,
    rustc: &'a str,
    /// How the build's `wasm-opt` step went, for the README.
    wasm_opt: &'a str,
}

/// One bundle's files by relative path, `SHA256SUMS` included.
fn bundle(service: &Service, inputs: &Inputs<'_>) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let name = service.spec.name;
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for form in [Form::Component, Form::Command] {
        let path = inputs
            .artifacts
            .get(name, form)
            .with_context(|| format!("artifacts.json has no {name} {form}"))?;
        let wasm = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        files.insert(format!("{name}-{form}.wasm"), wasm);
    }
    let wit_dir = Path::new("wit").join(name);
    for path in files_under(&wit_dir)? {
        let relative = path.strip_prefix(&wit_dir)?;
        files.insert(
            format!("wit/{}", slash_path(relative)?),
            std::fs::read(&path)?,
        );
    }
    let wit_text = String::from_utf8(
        files
            .get(&format!("wit/{name}.wit"))
            .with_context(|| format!("no wit/{name}/{name}.wit"))?
            .clone(),
    )?;
    let wit_version = wit_package_version(&wit_text, name)?;

    let (request, response) = example(service)?;
    files.insert("example/request.json".into(), pretty(&request)?);
    files.insert("example/response.json".into(), pretty(&response)?);
    let (matrix, summary) = matrix_rows(name, inputs)?;
    files.insert("matrix.json".into(), matrix.into_bytes());
    files.insert("run.mjs".into(), RUNNER.as_bytes().to_vec());

    let vars = vars(service, inputs, &wit_version, &summary);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let embed_main = render(EMBED_MAIN, &vars)? + "\n" + &render(&service.embed, &vars)?;
    files.insert(
        "embed/Cargo.toml".into(),
        render(EMBED_CARGO, &vars)?.into(),
    );
    files.insert("embed/src/main.rs".into(), embed_main.clone().into_bytes());

    // The README shows the embedding example in full and lists every other file.
    let mut readme_vars = vars.clone();
    let listing = listing(&files);
    let embed_cargo = render(EMBED_CARGO, &vars)?;
    readme_vars.extend([
        ("files", listing.as_str()),
        ("embed_cargo", embed_cargo.as_str()),
        ("embed_main", embed_main.as_str()),
    ]);
    files.insert(
        "README.md".into(),
        render(README, &readme_vars)?.into_bytes(),
    );

    let mut sums = String::new();
    for (path, contents) in &files {
        sums.push_str(&format!("{}  {path}\n", hex(&Sha256::digest(contents))));
    }
    files.insert("SHA256SUMS".into(), sums.into_bytes());
    Ok(files)
}

/// The README's and the embedding example's placeholders.
fn vars(
    service: &Service,
    inputs: &Inputs<'_>,
    wit_version: &str,
    summary: &str,
) -> Vec<(&'static str, String)> {
    let spec = service.spec;
    let matrix = inputs.matrix;
    let text = |key: &str| matrix[key].as_str().unwrap_or("unknown").to_owned();
    let matrix_source = match inputs.matrix_from {
        MatrixFrom::Run => format!(
            "the last `cargo xtask test-all-runtimes` run on the build machine, of commit \
             `{}` at {}",
            text("commit"),
            text("generated")
        ),
        MatrixFrom::Baseline => format!(
            "the project's committed baseline (`conformance/matrix.json`), measured at commit \
             `{}` at {}",
            text("commit"),
            text("generated")
        ),
    };
    vec![
        ("service", spec.name.to_owned()),
        ("title", spec.title.to_owned()),
        ("version", inputs.version.to_owned()),
        ("wit_version", wit_version.to_owned()),
        ("world", spec.wit.world.to_owned()),
        ("world_type", spec.wit.world_type.to_owned()),
        ("interface", spec.wit.interface.to_owned()),
        ("resource_type", spec.wit.resource_type.to_owned()),
        (
            "accessor",
            format!("portable_{}_{}", spec.name, spec.wit.interface),
        ),
        ("example_group", spec.example.0.to_owned()),
        ("example_case", spec.example.1.to_owned()),
        ("commit", inputs.commit.to_owned()),
        ("rustc", inputs.rustc.to_owned()),
        ("profile", GUEST_PROFILE.to_owned()),
        ("wasm_opt", inputs.wasm_opt.to_owned()),
        ("matrix_source", matrix_source),
        ("matrix_summary", summary.to_owned()),
        ("embed_deps", service.embed_deps.to_owned()),
        ("js_call", service.js_call.to_owned()),
    ]
}

/// The example: the request every form receives for one vector case, written as the native
/// core reads it back (every default explicit), and the response the native reference gives.
fn example(service: &Service) -> anyhow::Result<(Value, Value)> {
    let spec = service.spec;
    let (group, case) = spec.example;
    let path = Path::new("conformance/vectors")
        .join(spec.name)
        .join(format!("{group}.json"));
    let vectors: Value = serde_json::from_slice(
        &std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?,
    )?;
    let input = vectors["cases"]
        .as_array()
        .and_then(|cases| cases.iter().find(|c| c["id"] == case))
        .with_context(|| format!("{} has no case {case}", path.display()))?["input"]
        .clone();
    let mut request = input
        .as_object()
        .context("a case's input is an object")?
        .clone();
    request.insert("config".into(), vectors["config"].clone());
    let request = spec
        .canonical(&Value::Object(request))
        .map_err(anyhow::Error::msg)?;
    let clock_read = std::cell::Cell::new(false);
    let response = spec
        .serve(&request, &|| {
            clock_read.set(true);
            0
        })
        .map_err(anyhow::Error::msg)?;
    ensure!(
        !clock_read.get(),
        "the example's response would depend on the clock: its request must carry its own \
         time (`now`)"
    );
    ensure!(
        response.get("ok").is_some(),
        "the example should show a served request, not {response}"
    );
    Ok((request, response))
}

/// The service's rows of the matrix (`cells` of the service, without timings, and the
/// `runtimes` table), one entry per line as in the committed baseline; and a Markdown
/// summary per runtime and form.
fn matrix_rows(service: &str, inputs: &Inputs<'_>) -> anyhow::Result<(String, String)> {
    let matrix = inputs.matrix;
    let cells: Vec<Value> = matrix["cells"]
        .as_array()
        .context("the matrix has no cells")?
        .iter()
        .filter(|cell| cell["service"] == service)
        .map(|cell| {
            let mut cell = cell.clone();
            if let Some(cell) = cell.as_object_mut() {
                cell.remove("millis");
            }
            cell
        })
        .collect();
    let runtimes = matrix["runtimes"]
        .as_array()
        .context("the matrix has no runtimes")?;
    let source = match inputs.matrix_from {
        MatrixFrom::Run => "run",
        MatrixFrom::Baseline => "baseline",
    };
    let mut text = String::from("{\n");
    text.push_str(&format!("  \"schema\": {},\n", matrix["schema"]));
    text.push_str(&format!("  \"service\": {},\n", json!(service)));
    text.push_str(&format!("  \"source\": {},\n", json!(source)));
    text.push_str(&format!("  \"generated\": {},\n", matrix["generated"]));
    text.push_str(&format!("  \"commit\": {},\n", matrix["commit"]));
    for (key, rows) in [("runtimes", runtimes), ("cells", &cells)] {
        text.push_str(&format!("  \"{key}\": [\n"));
        for (i, row) in rows.iter().enumerate() {
            let comma = if i + 1 < rows.len() { "," } else { "" };
            text.push_str(&format!("    {row}{comma}\n"));
        }
        let comma = if key == "runtimes" { "," } else { "" };
        text.push_str(&format!("  ]{comma}\n"));
    }
    text.push_str("}\n");

    // Counts per (runtime, form), in the matrix's runtime order.
    let mut counts: BTreeMap<(usize, String), BTreeMap<String, usize>> = BTreeMap::new();
    for cell in &cells {
        let runtime = cell["runtime"].as_str().unwrap_or("?");
        let order = runtimes
            .iter()
            .position(|r| r["id"] == runtime)
            .unwrap_or(usize::MAX);
        let key = (
            order,
            format!("{runtime} | {}", cell["form"].as_str().unwrap_or("?")),
        );
        *counts
            .entry(key)
            .or_default()
            .entry(cell["status"].as_str().unwrap_or("?").to_owned())
            .or_default() += 1;
    }
    let mut summary = String::from(
        "| runtime | form | pass | fail | error | unsupported |\n|---|---|---|---|---|---|\n",
    );
    for ((_, key), statuses) in &counts {
        let n = |s: &str| statuses.get(s).copied().unwrap_or(0);
        summary.push_str(&format!(
            "| {key} | {} | {} | {} | {} |\n",
            n("pass"),
            n("fail"),
            n("error"),
            n("unsupported")
        ));
    }
    let missing: Vec<&str> = runtimes
        .iter()
        .filter(|r| r["available"] == false)
        .filter_map(|r| r["id"].as_str())
        .collect();
    if !missing.is_empty() {
        summary.push_str(&format!(
            "\nNot measured (not available where the matrix was made): {}.\n",
            missing.join(", ")
        ));
    }
    Ok((text, summary))
}

/// The README's file table: path, size and what it is.
fn listing(files: &BTreeMap<String, Vec<u8>>) -> String {
    let what = |path: &str| -> &str {
        if path.ends_with("-component.wasm") {
            "the component (WASI 0.2, `wasm32-wasip2`), exporting the WIT world"
        } else if path.ends_with("-command.wasm") {
            "the command (WASI preview 1, `wasm32-wasip1`): JSON request on stdin, response on stdout"
        } else if path.starts_with("wit/") {
            "the WIT package: the contract, with every error code documented"
        } else if path == "example/request.json" {
            "an example request (the JSON form; every default explicit)"
        } else if path == "example/response.json" {
            "the response the native reference gives to it"
        } else if path == "matrix.json" {
            "this service's rows of the conformance matrix"
        } else if path == "run.mjs" {
            "runs the command on Node's built-in `node:wasi` (Node 20+)"
        } else if path.starts_with("embed/") {
            "the wasmtime embedding example below, as a crate"
        } else {
            ""
        }
    };
    let mut text = String::from("| file | bytes | what |\n|---|---:|---|\n");
    for (path, contents) in files {
        text.push_str(&format!(
            "| [`{path}`]({path}) | {} | {} |\n",
            contents.len(),
            what(path)
        ));
    }
    text.push_str(
        "| `README.md` | | this file |\n| `SHA256SUMS` | | the SHA-256 of every other file |",
    );
    text
}

/// Fills `{{name}}` placeholders; fails on one it has no value for.
fn render(template: &str, vars: &[(&str, &str)]) -> anyhow::Result<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .context("a template has `{{` without `}}`")?;
        let key = &after[..end];
        let value = vars
            .iter()
            .find(|(k, _)| *k == key)
            .with_context(|| format!("no value for the template placeholder `{{{{{key}}}}}`"))?
            .1;
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `package portable:<service>@<version>;` in the WIT.
fn wit_package_version(wit: &str, service: &str) -> anyhow::Result<String> {
    let prefix = format!("package portable:{service}@");
    wit.lines()
        .find_map(|line| line.trim().strip_prefix(&prefix))
        .and_then(|rest| rest.strip_suffix(';'))
        .map(str::to_owned)
        .with_context(|| format!("no `{prefix}<version>;` in the WIT"))
}

/// A bundle's version: its component crate's (the workspace version). The command crate
/// must agree; the WIT package's own version is separate (it versions the contract).
fn bundle_version(metadata: &Metadata, service: &str) -> anyhow::Result<String> {
    let get = |package: &str| {
        metadata
            .versions
            .get(package)
            .cloned()
            .with_context(|| format!("cargo metadata has no package {package}"))
    };
    let component = get(&format!("{service}-component"))?;
    let command = get(&format!("{service}-command"))?;
    ensure!(
        component == command,
        "{service}-component is {component} but {service}-command is {command}: one \
         bundle holds both, so they must have one version"
    );
    Ok(component)
}

/// Every file under `dir`, sorted.
fn files_under(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files.extend(files_under(&path)?);
        } else {
            files.push(path);
        }
    }
    Ok(files)
}

/// A relative path with `/` separators, as SHA256SUMS and the README write it.
fn slash_path(path: &Path) -> anyhow::Result<String> {
    let parts: Option<Vec<&str>> = path.components().map(|c| c.as_os_str().to_str()).collect();
    Ok(parts.context("a non-UTF-8 path")?.join("/"))
}

fn pretty(value: &Value) -> anyhow::Result<Vec<u8>> {
    Ok((serde_json::to_string_pretty(value)? + "\n").into_bytes())
}

// ---------------------------------------------------------------------------------------
// --check-reproducible

/// Builds the bundles here, then again from a copy of the sources at another path with
/// another target directory and another cargo home path, and compares them byte for byte.
///
/// The second target directory (`<target>/dist-check/target`) is kept between runs, so
/// only the workspace's own crates (whose copied sources are always new) and the final LTO
/// links are rebuilt: each run recompiles the service code, while the dependencies are
/// compiled from scratch only the first time. `--full` empties it first.
fn check_reproducible(options: &Args, full: bool) -> anyhow::Result<()> {
    let first = dist(options)?;
    let root = std::env::current_dir()?;
    let check = Metadata::load()?.target.join("dist-check");
    let source = check.join("src");
    let target = check.join("target");
    let home = check.join("cargo-home");
    let out = check.join("dist");
    for dir in [&source, &out, &home] {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
    }
    if full && target.exists() {
        std::fs::remove_dir_all(&target)?;
    }
    let copied = copy_sources(&root, &source)?;
    eprintln!("dist: copied {copied} source files to {}", source.display());
    cargo_home_alias(&home)?;

    let started = Instant::now();
    let mut second = Command::new(std::env::current_exe()?);
    second
        .arg("dist")
        .arg("--source")
        .arg(&source)
        .arg("--out")
        .arg(&out)
        .arg("--commit")
        .arg(&first.commit)
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_HOME", &home);
    if let MatrixFrom::Run = first.matrix_from {
        // The same rows, as the first build read them (a harness run may rewrite the file
        // meanwhile); without `--matrix` the copy's committed baseline is used, as here.
        let rows = check.join("matrix.json");
        std::fs::write(&rows, &first.matrix_bytes)?;
        second.arg("--matrix").arg(rows);
    }
    run_cmd(second).context("the second build")?;
    let elapsed = started.elapsed();

    let mut differences = Vec::new();
    for bundle in &first.bundles {
        compare_dirs(
            &first.out.join(bundle),
            &out.join(bundle),
            Path::new(bundle),
            &mut differences,
        )?;
    }
    if !differences.is_empty() {
        bail!(
            "the bundles are not reproducible: the second build (from {}, target {}) differs:\n  {}",
            source.display(),
            target.display(),
            differences.join("\n  ")
        );
    }
    eprintln!(
        "dist: reproducible: {} bundles byte-identical to a second build from {} (that build \
         took {elapsed:.0?})",
        first.bundles.len(),
        source.display()
    );
    Ok(())
}

/// Copies the sources as git sees them (tracked and untracked-but-not-ignored files, as they
/// are in the work tree), without `.git`.
fn copy_sources(root: &Path, to: &Path) -> anyhow::Result<usize> {
    let output = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .context("running git ls-files (the reproducibility check copies a git work tree)")?;
    ensure!(output.status.success(), "git ls-files failed");
    let mut copied = 0;
    for name in output.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = std::str::from_utf8(name)?;
        let from = root.join(name);
        if !from.is_file() {
            continue; // deleted in the work tree
        }
        let dest = to.join(name);
        std::fs::create_dir_all(dest.parent().context("a file has a directory")?)?;
        std::fs::copy(&from, &dest).with_context(|| format!("copying {name}"))?;
        copied += 1;
    }
    Ok(copied)
}

/// A cargo home at another path that shares this one's downloads: `registry` and `git`
/// are symlinks, config files are copied. Cargo then passes rustc the dependencies' sources
/// under the new path, as on a machine whose user has another home directory.
fn cargo_home_alias(home: &Path) -> anyhow::Result<()> {
    let real = cargo_home();
    std::fs::create_dir_all(home)?;
    for dir in ["registry", "git"] {
        if real.join(dir).exists() {
            symlink_dir(&real.join(dir), &home.join(dir))?;
        }
    }
    for file in ["config.toml", "config"] {
        if real.join(file).is_file() {
            std::fs::copy(real.join(file), home.join(file))?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn symlink_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::os::unix::fs::symlink(from, to)
        .with_context(|| format!("linking {} to {}", to.display(), from.display()))
}

#[cfg(windows)]
fn symlink_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::os::windows::fs::symlink_dir(from, to)
        .with_context(|| format!("linking {} to {}", to.display(), from.display()))
}

/// Lists what differs between two bundle directories.
fn compare_dirs(
    a: &Path,
    b: &Path,
    label: &Path,
    differences: &mut Vec<String>,
) -> anyhow::Result<()> {
    let list = |dir: &Path| -> anyhow::Result<BTreeMap<String, PathBuf>> {
        files_under(dir)?
            .into_iter()
            .map(|p| Ok((slash_path(p.strip_prefix(dir)?)?, p)))
            .collect()
    };
    let (first, second) = (list(a)?, list(b)?);
    for (name, path) in &first {
        let shown = label.join(name).display().to_string();
        let Some(other) = second.get(name) else {
            differences.push(format!("{shown}: only in the first build"));
            continue;
        };
        let (x, y) = (std::fs::read(path)?, std::fs::read(other)?);
        if x != y {
            let at = x
                .iter()
                .zip(&y)
                .position(|(p, q)| p != q)
                .unwrap_or(x.len().min(y.len()));
            differences.push(format!(
                "{shown}: {} vs {} bytes, first difference at byte {at}{}",
                x.len(),
                y.len(),
                first_line_difference(&x, &y)
            ));
        }
    }
    for name in second.keys().filter(|n| !first.contains_key(*n)) {
        differences.push(format!(
            "{}: only in the second build",
            label.join(name).display()
        ));
    }
    Ok(())
}

/// For text files, the first differing line of each.
fn first_line_difference(a: &[u8], b: &[u8]) -> String {
    let (Ok(a), Ok(b)) = (std::str::from_utf8(a), std::str::from_utf8(b)) else {
        return String::new();
    };
    a.lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| format!(" (line {}: `{x}` vs `{y}`)", i + 1))
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// --check-bundle

/// Tries each bundle as a new user would: copies it alone into an empty directory and runs
/// its README's "Try it" commands there (the first `sh` block after that heading, and the
/// wasmtime CLI block when `wasmtime` is installed); checks every relative link of the
/// README resolves inside the bundle. With `embed`, also builds and runs the wasmtime
/// embedding example (downloads and compiles wasmtime: many minutes; not part of ci).
fn check_bundle(options: &Args, embed: bool) -> anyhow::Result<()> {
    let written = dist(options)?;
    // One target directory for every bundle's embedding example: wasmtime is built once.
    let embed_target = embed.then(|| {
        written
            .out
            .with_file_name("dist-check")
            .join("embed-target")
    });
    let scratch = std::env::temp_dir().join(format!("xtask-dist-check-{}", std::process::id()));
    let result = (|| {
        for bundle in &written.bundles {
            let service = bundle.rsplit_once('-').map_or(bundle.as_str(), |(s, _)| s);
            if !options.services.is_empty() && !options.services.iter().any(|s| s == service) {
                continue;
            }
            let dir = scratch.join(bundle);
            copy_dir(&written.out.join(bundle), &dir)?;
            try_bundle(&dir, embed_target.as_deref())
                .with_context(|| format!("trying {bundle} as its README says"))?;
            eprintln!("dist: {bundle}: its README's steps work in an empty directory");
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn try_bundle(dir: &Path, embed_target: Option<&Path>) -> anyhow::Result<()> {
    let readme = std::fs::read_to_string(dir.join("README.md"))?;
    for link in relative_links(&readme) {
        ensure!(
            dir.join(&link).exists(),
            "the README links to `{link}`, which is not in the bundle"
        );
    }
    let try_it = code_block_after(&readme, "## Try it", "sh")
        .context("the README has no ```sh block under `## Try it`")?;
    if on_path("node") {
        run_script(dir, &try_it, None)?;
    } else {
        eprintln!(
            "dist: warning: node not found: only `sha256sum -c` of the README's steps was \
             run (install Node.js 20+ to try the rest)"
        );
        let mut check = Command::new("sha256sum");
        check.args(["-c", "--quiet", "SHA256SUMS"]).current_dir(dir);
        run_cmd(check)?;
    }
    if on_path("wasmtime") {
        let block = code_block_after(&readme, "### With the wasmtime CLI", "sh")
            .context("the README has no wasmtime CLI block")?;
        run_script(dir, &block, None)?;
    }
    if let Some(target) = embed_target {
        let block = code_block_after(&readme, "### Run the example", "sh")
            .context("the README has no block to run the embedding example")?;
        let output = dir.join("embed-response.json");
        run_script(
            dir,
            &format!("({}) > {}", block.trim_end(), output.display()),
            Some(target),
        )?;
        let expected: Value =
            serde_json::from_slice(&std::fs::read(dir.join("example/response.json"))?)?;
        let actual: Value = serde_json::from_slice(&std::fs::read(&output)?)
            .context("the embedding example did not print one JSON value")?;
        ensure!(
            actual == expected,
            "the embedding example answered {actual}, not example/response.json"
        );
    }
    Ok(())
}

/// Runs a README block with `sh -e` in `dir`, echoing each command; cargo builds in
/// `target` when given.
fn run_script(dir: &Path, script: &str, target: Option<&Path>) -> anyhow::Result<()> {
    let mut sh = Command::new("sh");
    sh.args(["-exc", script]).current_dir(dir);
    if let Some(target) = target {
        sh.env("CARGO_TARGET_DIR", target);
    }
    let status = sh.status().context("starting sh")?;
    ensure!(
        status.success(),
        "the README's commands failed ({status}):\n{script}"
    );
    Ok(())
}

/// The body of the first fenced block of `language` after the line `heading`.
fn code_block_after(markdown: &str, heading: &str, language: &str) -> Option<String> {
    let start = markdown.lines().position(|l| l.trim_end() == heading)?;
    let mut lines = markdown.lines().skip(start + 1);
    let fence = format!("```{language}");
    lines.by_ref().find(|l| l.trim_end() == fence)?;
    let body: Vec<&str> = lines.take_while(|l| l.trim_end() != "```").collect();
    Some(body.join("\n") + "\n")
}

/// Targets of Markdown links that are relative paths (no scheme, no anchor).
fn relative_links(markdown: &str) -> Vec<String> {
    let mut links = Vec::new();
    let mut rest = markdown;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = &rest[..end];
        if !target.contains("://") && !target.starts_with('#') && !target.starts_with("mailto:") {
            links.push(target.split('#').next().unwrap_or(target).to_owned());
        }
    }
    links
}

// ---------------------------------------------------------------------------------------
// Path independence of the guest build

/// Cargo `--config` arguments that make a guest build independent of where the sources,
/// the cargo home and the target directory are: every absolute path rustc would embed (in
/// panic locations, `file!()`) is remapped to a fixed stand-in. They are `target.<triple>`
/// rustflags, which apply only to artifacts for that (wasm) target and never to the host's
/// build scripts and proc-macros, nor to any host build; cargo leaves `--remap-path-prefix`
/// out of its metadata hash, so two trees' builds get the same symbol hashes. (Cargo's
/// `trim-paths` would do this, but it is unstable in Rust 1.95; `RUSTFLAGS`, if set,
/// overrides these.)
pub(crate) fn remap_config(triple: &str, root: &Path, target: &Path) -> Vec<String> {
    let mut prefixes: Vec<(PathBuf, &str)> = Vec::new();
    let mut add = |from: PathBuf, to: &'static str| {
        if let Ok(canonical) = from.canonicalize()
            && canonical != from
        {
            prefixes.push((canonical, to));
        }
        prefixes.push((from, to));
    };
    add(cargo_home(), "/cargo");
    // Workspace members are compiled with relative paths already; this catches the rest.
    add(absolute(root), "");
    add(absolute(target), "/target");
    // rustc applies the last matching prefix: the longest (most specific) goes last.
    prefixes.sort_by_key(|(from, _)| from.as_os_str().len());
    let flags: Vec<String> = prefixes
        .iter()
        .map(|(from, to)| json!(format!("--remap-path-prefix={}={to}", from.display())).to_string())
        .collect();
    vec![
        "--config".to_owned(),
        format!("target.{triple}.rustflags=[{}]", flags.join(", ")),
    ]
}

/// `CARGO_HOME`, or cargo's default `~/.cargo`.
fn cargo_home() -> PathBuf {
    match std::env::var_os("CARGO_HOME") {
        Some(home) => absolute(Path::new(&home)),
        None => std::env::home_dir().unwrap_or_default().join(".cargo"),
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_fills_and_refuses_unknown_placeholders() {
        let vars = [("a", "1"), ("b", "two")];
        assert_eq!(render("x{{a}}y{{b}}", &vars).unwrap(), "x1ytwo");
        assert!(render("{{c}}", &vars).is_err());
        assert_eq!(
            render("{ \"json\": {} }", &vars).unwrap(),
            "{ \"json\": {} }"
        );
    }

    #[test]
    fn finds_the_try_it_block() {
        let md = "# x\n## Try it\n\ntext\n\n```sh\na\nb\n```\n```sh\nc\n```\n";
        assert_eq!(code_block_after(md, "## Try it", "sh").unwrap(), "a\nb\n");
        assert_eq!(
            relative_links("[a](x/y.wit) [b](https://e.org) [c](#top) [d](z.md#s)"),
            ["x/y.wit", "z.md"]
        );
    }

    /// Every service's templates render: no placeholder without a value.
    #[test]
    fn templates_render_for_every_service() {
        for service in &Service::all(&crate::util::project_root()).unwrap() {
            let inputs = Inputs {
                version: "0.0.0",
                artifacts: &Artifacts::default(),
                matrix: &json!({"schema": 1, "runtimes": [], "cells": []}),
                matrix_from: MatrixFrom::Baseline,
                commit: "abc",
                rustc: "rustc",
                wasm_opt: "then wasm-opt",
            };
            let vars = vars(service, &inputs, "0.0.0", "");
            let mut vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
            vars.extend([("files", ""), ("embed_cargo", ""), ("embed_main", "")]);
            for template in [README, EMBED_CARGO, EMBED_MAIN, &service.embed] {
                render(template, &vars).unwrap();
            }
        }
    }
}
