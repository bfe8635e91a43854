//! Spin: the adapter (`adapters/spin`, a spin-sdk 7 `wasi:http@0.3.0` component) on a
//! wasi:http host the harness embeds — wasmtime with wasmtime-wasi-http's WASI 0.3 (p3)
//! support — since no Spin runtime is installable here. The column's name says so. Like
//! Spin, the host gives each request a fresh instance, answers `spin:variables` from the
//! deployment (the variable `deployment`), and denies outbound HTTP. Before serving, it
//! checks that the component imports nothing a Spin host would not provide.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use conformance::Availability;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use wasmtime::Engine;
use wasmtime::component::{Accessor, Component, HasData, Linker};
use wasmtime_host::{Host, Limited, Limits, MEMORY_LIMIT, Preset};
use wasmtime_wasi::{WasiCtxView, WasiView};
use wasmtime_wasi_http::p3::bindings::{Service, ServicePre};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use crate::Settings;
use crate::platform::{Launched, Platform};

/// How long one request may run in the guest.
const DEADLINE: Duration = Duration::from_secs(20);

/// What a Spin host provides a component (Spin 4 with WASI 0.3): WASI 0.2 and 0.3, and
/// Spin's own interfaces. An import outside these would not link on Spin.
const SPIN_PROVIDES: [&str; 11] = [
    "wasi:cli/",
    "wasi:clocks/",
    "wasi:random/",
    "wasi:io/",
    "wasi:filesystem/",
    "wasi:sockets/",
    "wasi:http/",
    "wasi:config/",
    "wasi:keyvalue/",
    "spin:",
    "fermyon:spin/",
];

mod bindings {
    // spin:variables as spin-sdk 7 imports it.
    wasmtime::component::bindgen!({
        inline: "
            package spin:variables@3.0.0;
            interface variables {
                get: async func(name: string) -> result<string, error>;
                variant error { invalid-name(string), undefined(string), provider(string), other(string) }
            }
            world host { import variables; }
        ",
    });
}
use bindings::spin::variables::variables;

pub(crate) struct Spin {
    wasm: PathBuf,
}

impl Spin {
    pub(crate) fn new(settings: &Settings) -> Spin {
        Spin {
            wasm: settings
                .platforms_dir
                .join("spin-wasmtime")
                .join("spin_adapter.wasm"),
        }
    }
}

impl Platform for Spin {
    fn id(&self) -> &'static str {
        "spin-wasmtime"
    }

    fn version(&self) -> String {
        format!(
            "wasmtime-wasi-http {} (p3), spin-sdk 7.0.0",
            crate::wasmtime::VERSION
        )
    }

    fn settings(&self) -> String {
        format!(
            "no Spin runtime: the harness's wasi:http@0.3.0 host; an instance per request, \
             {} MiB memory cap, {} s deadline, outbound HTTP denied; imports checked against \
             what Spin provides",
            MEMORY_LIMIT >> 20,
            DEADLINE.as_secs()
        )
    }

    fn detect(&self) -> Availability {
        if self.wasm.is_file() {
            Availability::Available
        } else {
            Availability::Missing {
                reason: format!("{} is not built", self.wasm.display()),
                install: "cargo xtask test-all-runtimes (builds the adapter)".into(),
            }
        }
    }

    fn launch(&self, deployment: &str, port: u16, _dir: &Path) -> anyhow::Result<Launched> {
        let wasm = std::fs::read(&self.wasm)
            .with_context(|| format!("reading {}", self.wasm.display()))?;
        check_imports(&wasm)?;
        // The harness's plain engine, with the component model's async for WASI 0.3.
        let mut config = Preset::Plain.config();
        config.wasm_component_model_async(true);
        let engine = wasmtime_host::engine(&config)?;
        let component = Component::new(&engine, &wasm)?;
        let mut linker = Linker::<State>::new(&engine);
        // Rust's std on wasm32-wasip2 imports WASI 0.2; spin-sdk's wasi:http is 0.3.
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi::p3::add_to_linker(&mut linker)?;
        wasmtime_wasi_http::p3::add_to_linker(&mut linker)?;
        variables::add_to_linker::<_, Variables>(&mut linker, |s: &mut State| &*s.variables)?;
        let pre = ServicePre::new(linker.instantiate_pre(&component)?)?;
        let variables = Arc::new(HashMap::from([(
            service_http::DEPLOYMENT_KEY.to_owned(),
            deployment.to_owned(),
        )]));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("spin-host")
            .enable_all()
            .build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind(("127.0.0.1", port)))?;
        runtime.spawn(crate::platform::serve_http(listener, move |request| {
            let (engine, pre, variables) = (engine.clone(), pre.clone(), variables.clone());
            async move {
                handle(&engine, &pre, variables, request)
                    .await
                    .unwrap_or_else(|e| {
                        // What Spin answers when the component fails: a 500, not a response
                        // of the service's own.
                        hyper::Response::builder()
                            .status(500)
                            .body(Full::new(Bytes::from(format!("{e:#}"))))
                            .unwrap_or_default()
                    })
            }
        }));
        Ok(Launched {
            process: None,
            keep: Some(Box::new(Server(Some(runtime)))),
        })
    }
}

/// The host's runtime; dropping it stops the server.
struct Server(Option<tokio::runtime::Runtime>);

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// Refuses a component that imports what Spin does not provide.
fn check_imports(wasm: &[u8]) -> anyhow::Result<()> {
    let mut unknown = Vec::new();
    let mut depth = 0i32;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload? {
            wasmparser::Payload::ModuleSection { .. }
            | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth -= 1,
            // The outer component's imports: what the host must provide.
            wasmparser::Payload::ComponentImportSection(imports) if depth == 0 => {
                for import in imports {
                    let name = import?.name.name;
                    if !SPIN_PROVIDES.iter().any(|p| name.starts_with(p)) {
                        unknown.push(name.to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    if !unknown.is_empty() {
        bail!(
            "the component imports what a Spin host does not provide: {}",
            unknown.join(", ")
        );
    }
    Ok(())
}

/// One request on a fresh instance: `wasi:http/handler.handle`, its body collected inside
/// the store's event loop (the guest writes it from a task of its own).
async fn handle(
    engine: &Engine,
    pre: &ServicePre<State>,
    variables: Arc<HashMap<String, String>>,
    request: hyper::Request<hyper::body::Incoming>,
) -> anyhow::Result<hyper::Response<Full<Bytes>>> {
    let (mut parts, body) = request.into_parts();
    let body = body.collect().await?.to_bytes();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    parts.uri = format!("http://127.0.0.1{path}").parse()?;
    parts.headers.remove(http::header::HOST);
    let request = http::Request::from_parts(parts, Full::new(body));
    let state = State {
        host: Host::default(),
        http: WasiHttpCtx::new(),
        hooks: NoOutbound,
        variables,
    };
    let mut store = wasmtime_host::store(engine, state, DEADLINE);
    let service: Service = pre.instantiate_async(&mut store).await?;
    let (request, request_io) =
        wasmtime_wasi_http::p3::Request::from_http(&mut store.data_mut().hooks, request);
    let (parts, body) = store
        .run_concurrent(async |store| {
            let response = async {
                let response = match service.handle(store, request).await? {
                    Ok(response) => response,
                    Err(code) => bail!("the component answered with error-code {code:?}"),
                };
                let response = store.with(|s| response.into_http(s, async { Ok(()) }))?;
                let (parts, body) = response.into_parts();
                let body = body.collect().await.context("reading the response body")?;
                Ok((parts, body.to_bytes()))
            };
            let request_io = async { request_io.await.context("sending the request body") };
            let (response, ()) = tokio::try_join!(response, request_io)?;
            anyhow::Ok(response)
        })
        .await??;
    Ok(hyper::Response::from_parts(parts, Full::new(body)))
}

/// The layer's component state (nothing granted) with wasi:http and `spin:variables` on
/// its resource table.
struct State {
    host: Host,
    http: WasiHttpCtx,
    hooks: NoOutbound,
    variables: Arc<HashMap<String, String>>,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        self.host.ctx()
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: self.host.table(),
            hooks: &mut self.hooks,
        }
    }
}

impl Limited for State {
    fn limits(&mut self) -> &mut Limits {
        self.host.limits()
    }
}

/// Outbound HTTP is denied, as the harness grants guests nothing.
struct NoOutbound;

type SendFuture = Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>;

impl WasiHttpHooks for NoOutbound {
    fn send_request(
        &mut self,
        _request: http::Request<wasmtime_wasi_http::WasiBody>,
        _options: Option<wasmtime_wasi_http::RequestOptions>,
        _done: SendFuture,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (http::Response<wasmtime_wasi_http::WasiBody>, SendFuture),
                    wasmtime_wasi_http::Error,
                >,
            > + Send,
    > {
        Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) })
    }
}

/// `spin:variables`, answered from the deployment's variables.
struct Variables;

impl HasData for Variables {
    type Data<'a> = &'a HashMap<String, String>;
}

impl variables::Host for &HashMap<String, String> {}

impl<T> variables::HostWithStore<T> for Variables {
    async fn get(store: &Accessor<T, Self>, name: String) -> Result<String, variables::Error> {
        store.with(|mut view| {
            view.get()
                .get(&name)
                .cloned()
                .ok_or(variables::Error::Undefined(name))
        })
    }
}
