//! What the platform columns share. A platform (Cloudflare on workerd, Fastly on Viceroy,
//! Spin on the harness's wasi:http host, Lambda behind the harness's Runtime-API emulator)
//! says how to launch its local runtime serving a deployment on a port ([`Platform`]);
//! [`PlatformTarget`] does the rest: it makes the deployment from the run's vector groups
//! (one tenant per group), starts the runtime once per run, waits for `GET /healthz`, turns
//! each case into an HTTP request with `service_http::client`, relaunches the runtime if it
//! died (the crash costs the cell that was running, not the run), and stops it at the end.
//!
//! Child processes write their output to `<platforms>/<id>/run/<id>.log`, which stays for
//! reading after the run. They are spawned by one long-lived thread with a parent-death
//! signal, so they die with the harness even when it is killed or interrupted.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use conformance::vectors::Group;
use conformance::{Availability, Form, Job, Kind, Target};
use http_body_util::Full;
use hyper::body::Bytes;
use serde_json::Value;
use service_http::Service;

use crate::Settings;

/// One platform's local runtime.
pub(crate) trait Platform: Send + Sync + 'static {
    fn id(&self) -> &'static str;
    fn version(&self) -> String;
    fn detect(&self) -> Availability;
    fn settings(&self) -> String;
    /// Starts serving `deployment` (the deployment's JSON) on `127.0.0.1:port`. `dir` is
    /// this run's directory for the platform's files (generated config, logs).
    fn launch(&self, deployment: &str, port: u16, dir: &Path) -> anyhow::Result<Launched>;
    /// How long the runtime may take from launch to answering `/healthz`.
    fn startup(&self) -> Duration {
        Duration::from_secs(60)
    }
}

/// What [`Platform::launch`] started.
#[derive(Default)]
pub(crate) struct Launched {
    /// A process to run; [`PlatformTarget`] spawns, watches and stops it.
    pub process: Option<Command>,
    /// What must live while the platform serves (a server in the harness); dropped to stop.
    pub keep: Option<Box<dyn Send>>,
}

pub(crate) struct PlatformTarget<P> {
    platform: P,
    run_dir: PathBuf,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    deployment: Option<String>,
    running: Option<Running>,
    /// How often the runtime was found dead and relaunched.
    relaunches: u32,
}

struct Running {
    port: u16,
    child: Option<Child>,
    _keep: Option<Box<dyn Send>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl<P: Platform> PlatformTarget<P> {
    pub(crate) fn new(platform: P, settings: &Settings) -> PlatformTarget<P> {
        let run_dir = settings.platforms_dir.join(platform.id()).join("run");
        PlatformTarget {
            platform,
            run_dir,
            state: Mutex::default(),
        }
    }

    fn log(&self) -> PathBuf {
        self.run_dir.join(format!("{}.log", self.platform.id()))
    }

    /// The last lines the runtime wrote, for error messages.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.log()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(12)..].join("\n  ");
        if tail.is_empty() {
            format!("(nothing in {})", self.log().display())
        } else {
            format!("last lines of {}:\n  {tail}", self.log().display())
        }
    }

    fn launch(&self, deployment: &str) -> anyhow::Result<Running> {
        std::fs::create_dir_all(&self.run_dir)
            .with_context(|| format!("creating {}", self.run_dir.display()))?;
        let port = free_port()?;
        let launched = self.platform.launch(deployment, port, &self.run_dir)?;
        let mut running = Running {
            port,
            child: None,
            _keep: launched.keep,
        };
        if let Some(mut command) = launched.process {
            let log = std::fs::File::create(self.log())?;
            command
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log);
            let program = command.get_program().to_string_lossy().into_owned();
            running.child = Some(spawn(command).with_context(|| format!("starting {program}"))?);
        }
        let deadline = Instant::now() + self.platform.startup();
        loop {
            if let Some(status) = exited(&mut running) {
                bail!("it exited ({status}) while starting; {}", self.log_tail());
            }
            let health = http::Request::get("/healthz").body(Vec::new())?;
            if let Ok(response) = send(port, health, Duration::from_secs(2))
                && response.status() == 200
            {
                return Ok(running);
            }
            if Instant::now() > deadline {
                bail!(
                    "no answer from 127.0.0.1:{port}/healthz within {} s; {}",
                    self.platform.startup().as_secs(),
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// How the child ended, if it has.
fn exited(running: &mut Running) -> Option<std::process::ExitStatus> {
    running.child.as_mut()?.try_wait().ok().flatten()
}

impl<P: Platform> Target for PlatformTarget<P> {
    fn id(&self) -> &'static str {
        self.platform.id()
    }

    fn kind(&self) -> Kind {
        Kind::Platform
    }

    fn version(&self) -> String {
        self.platform.version()
    }

    fn detect(&self) -> Availability {
        self.platform.detect()
    }

    fn settings(&self) -> String {
        self.platform.settings()
    }

    fn forms(&self) -> &'static [Form] {
        &[Form::Http]
    }

    fn supports(&self, service: &str, _form: Form) -> Result<(), String> {
        Service::parse(service)
            .map(|_| ())
            .ok_or_else(|| format!("the HTTP surface has no `{service}` service"))
    }

    fn start(&self, _form: Form, groups: &[&Group]) -> anyhow::Result<()> {
        let configs: Vec<(Service, &str, &Value)> = groups
            .iter()
            .filter_map(|g| Some((Service::parse(&g.service)?, g.group.as_str(), &g.config)))
            .collect();
        let deployment = service_http::client::deployment(configs).to_string();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.running = None;
        state.running = Some(self.launch(&deployment)?);
        state.deployment = Some(deployment);
        Ok(())
    }

    fn stop(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.running = None;
    }

    fn run(&self, job: &Job) -> anyhow::Result<Value> {
        let service = Service::parse(&job.service).context("not a service of the HTTP surface")?;
        let request = service_http::client::request(service, &job.group, &job.request)
            .map_err(|why| anyhow::anyhow!("this case has no HTTP form: {why}"))?;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let deployment = state
            .deployment
            .clone()
            .context("the platform was not started")?;
        let dead = match &mut state.running {
            None => Some("it is not running".to_owned()),
            Some(running) => exited(running).map(|status| format!("it had exited ({status})")),
        };
        if let Some(why) = dead {
            // A crash costs the cell that caused it, not the rest of the run.
            state.relaunches += 1;
            eprintln!("{}: {why}; relaunching", self.platform.id());
            state.running = None;
            state.running = Some(
                self.launch(&deployment)
                    .with_context(|| format!("relaunching after {why}"))?,
            );
        }
        let running = state.running.as_mut().context("not running")?;
        let port = running.port;
        match send(port, request, job.timeout) {
            Ok(response) => service_http::client::observe(service, response)
                .map_err(|e| anyhow::anyhow!("the response breaks the HTTP contract: {e}")),
            Err(error) => {
                // Give a dying process a moment, so the error says it died.
                std::thread::sleep(Duration::from_millis(200));
                match exited(running) {
                    Some(status) => bail!(
                        "{} exited ({status}) during the request: {error:#}; {}",
                        self.platform.id(),
                        self.log_tail()
                    ),
                    None => Err(error),
                }
            }
        }
    }
}

/// What `program --version` prints (first line), or why it printed nothing.
pub(crate) fn tool_version(program: &Path) -> String {
    match Command::new(program).arg("--version").output() {
        Ok(output) if output.status.success() => String::from_utf8_lossy(&output.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned(),
        Ok(output) => format!(
            "unknown ({} --version: {})",
            program.display(),
            output.status
        ),
        Err(_) => "not installed".to_owned(),
    }
}

/// Serves HTTP/1.1 on `listener`, each request answered by `handle`, until the tokio runtime
/// it runs on is shut down (the harness's own servers: the Lambda emulator, the Spin host).
pub(crate) async fn serve_http<F, Fut>(listener: tokio::net::TcpListener, handle: F)
where
    F: Fn(hyper::Request<hyper::body::Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = hyper::Response<Full<Bytes>>> + Send + 'static,
{
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of descriptors, say: try again shortly rather than spin.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let handle = handle.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let response = handle(request);
                async move { Ok::<_, std::convert::Infallible>(response.await) }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
    }
}

/// A port nobody listens on now (the platform binds it right after).
pub(crate) fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Sends `request` (its URI is a path and query) to `127.0.0.1:port`.
pub(crate) fn send(
    port: u16,
    request: service_http::Request,
    timeout: Duration,
) -> anyhow::Result<service_http::Response> {
    let (mut parts, body) = request.into_parts();
    let url = format!("http://127.0.0.1:{port}{}", parts.uri);
    parts.uri = url.parse().with_context(|| format!("not a URL: {url}"))?;
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .new_agent();
    let method = parts.method.clone();
    let response = agent
        .run(http::Request::from_parts(parts, body))
        .with_context(|| format!("{method} {url}"))?;
    let (parts, mut body) = response.into_parts();
    let body = body
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .context("reading the response body")?;
    Ok(http::Response::from_parts(parts, body))
}

/// Spawns `command` from one thread that lives as long as the harness, with a parent-death
/// signal: the kernel kills the child when that thread (so the harness) ends, however it ends.
fn spawn(mut command: Command) -> std::io::Result<Child> {
    type Spawn = (Command, mpsc::Sender<std::io::Result<Child>>);
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<Spawn>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Spawn>();
        let _ = std::thread::Builder::new()
            .name("platform-spawner".into())
            .spawn(move || {
                for (mut command, reply) in rx {
                    let _ = reply.send(command.spawn());
                }
            });
        Mutex::new(tx)
    });
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: `prctl` is async-signal-safe and touches no memory of the parent.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let (reply, answer) = mpsc::channel();
    spawner
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .send((command, reply))
        .map_err(|_| std::io::Error::other("the spawner thread is gone"))?;
    answer
        .recv()
        .map_err(|_| std::io::Error::other("the spawner thread is gone"))?
}
