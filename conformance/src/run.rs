//! Runs every selected case on every selected target and collects the cells.
//!
//! Each cell runs on its own thread and the runner waits at most the cell's timeout (plus
//! a grace period): a hanging or panicking target costs that cell, never the run.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use serde_json::Value;

use crate::command::{CommandJob, CommandRun, Preopen, TempDir};
use crate::matrix::{Cell, Matrix, ProbeInfo, RuntimeInfo, SCHEMA, Status};
use crate::outcome;
use crate::shard::{self, Costs, Shard};
use crate::target::{Availability, Form, Job, Target};
use crate::vectors::Group;

/// The built `.wasm` per service and form, as `cargo xtask` writes it to
/// `target/conformance/artifacts.json`: `{"token": {"component": "/abs/path.wasm", ...}}`.
#[derive(Clone, Debug, Default)]
pub struct Artifacts(pub BTreeMap<String, BTreeMap<Form, PathBuf>>);

impl Plan {
    /// The forms `target` has columns for in this plan.
    fn forms_of(&self, target: &dyn Target) -> Vec<Form> {
        target
            .forms()
            .iter()
            .copied()
            .filter(|f| self.forms.is_empty() || self.forms.contains(f))
            .collect()
    }
}

/// Every block of the plan (see [`shard`]) and its number of cells, whether or not its
/// runtime is available here: every shard must compute the same split.
fn blocks(plan: &Plan) -> Vec<(String, usize)> {
    let mut blocks: BTreeMap<String, usize> = BTreeMap::new();
    for target in &plan.targets {
        for form in plan.forms_of(target.as_ref()) {
            for group in &plan.groups {
                let name = shard::block(target.id(), form.name(), &group.service, &group.group);
                *blocks.entry(name).or_default() += group.cases.len();
            }
            if form == Form::Command {
                for case in &plan.commands {
                    let name = shard::block(target.id(), form.name(), &case.service, &case.group);
                    *blocks.entry(name).or_default() += 1;
                }
            }
        }
    }
    blocks.into_iter().collect()
}

impl Artifacts {
    pub fn load(path: &Path) -> anyhow::Result<Artifacts> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "reading {} (run through `cargo xtask test-all-runtimes`, which builds it)",
                path.display()
            )
        })?;
        let map: BTreeMap<String, BTreeMap<Form, PathBuf>> =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        Ok(Artifacts(map))
    }

    pub fn get(&self, service: &str, form: Form) -> Option<&Path> {
        self.0.get(service)?.get(&form).map(PathBuf::as_path)
    }
}

pub struct Plan {
    pub groups: Vec<Group>,
    /// WASI commands judged by their own rules (probes, bring-your-own modules), run on
    /// every target with the command form.
    pub commands: Vec<CommandCase>,
    /// The probes among `commands`, described for the matrix.
    pub probes: Vec<ProbeInfo>,
    pub targets: Vec<Arc<dyn Target>>,
    /// Forms to run; empty means all.
    pub forms: Vec<Form>,
    pub artifacts: Artifacts,
    pub timeout: Duration,
    /// Run only this shard's blocks, split by these measured costs.
    pub shard: Option<(Shard, Costs)>,
}

/// A WASI command case: a module, what the host grants it, and how its run is judged.
pub struct CommandCase {
    pub service: String,
    pub group: String,
    pub case: String,
    pub wasm: PathBuf,
    /// argv, argv\[0\] first.
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub stdin: Option<String>,
    /// Directories preopened for each run, each a fresh copy (or a fresh empty directory).
    pub dirs: Vec<DirGrant>,
    pub judge: Box<dyn Fn(&CommandRun) -> Judged + Send + Sync>,
}

/// A directory a command case is granted: a fresh copy of `copy_of` (or a fresh empty
/// directory) per run, preopened at `guest`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirGrant {
    pub copy_of: Option<PathBuf>,
    pub guest: String,
}

/// How a command case's run is judged: the cell's fields.
#[derive(Clone, Debug, PartialEq)]
pub struct Judged {
    pub status: Status,
    pub detail: String,
    pub observed: Option<Value>,
    pub verdict: Option<String>,
}

/// Runs the plan, reporting progress on stderr.
pub fn run(plan: &Plan) -> Matrix {
    let mut runtimes = Vec::new();
    let mut cells = Vec::new();
    let mine = plan.shard.as_ref().map(|(shard, costs)| {
        (
            shard.index,
            shard::assign(&blocks(plan), costs, shard.count),
        )
    });
    let ours = |runtime: &str, form: Form, service: &str, group: &str| match &mine {
        None => true,
        Some((index, split)) => {
            split.get(&shard::block(runtime, form.name(), service, group)) == Some(index)
        }
    };
    for target in &plan.targets {
        let availability = target.detect();
        let forms = plan.forms_of(target.as_ref());
        let (available, reason) = match availability {
            Availability::Available => (true, String::new()),
            Availability::Missing { reason, install } => {
                (false, format!("{reason}; to install: {install}"))
            }
        };
        runtimes.push(RuntimeInfo {
            id: target.id().to_owned(),
            version: target.version(),
            kind: target.kind(),
            available,
            reason: reason.clone(),
            forms: forms.clone(),
            settings: target.settings(),
        });
        if !available {
            eprintln!("{:<24} not available: {reason}", target.id());
            continue;
        }
        let id = target.id();
        for form in forms {
            let groups: Vec<&Group> = plan
                .groups
                .iter()
                .filter(|g| ours(id, form, &g.service, &g.group))
                .collect();
            let cases: usize = groups.iter().map(|g| g.cases.len()).sum();
            if cases > 0 {
                let started = target.start(form, &groups).map_err(|e| format!("{e:#}"));
                let mut progress = Progress::new(format!("{id}/{form}"), cases);
                for group in groups {
                    for case in &group.cases {
                        let cell = match &started {
                            Ok(()) => run_cell(plan, target, group, case, form),
                            Err(why) => not_started(target.id(), group, case, form, why),
                        };
                        progress.tick(cell.status);
                        cells.push(cell);
                    }
                }
                progress.finish();
            }
            let commands: Vec<&CommandCase> = plan
                .commands
                .iter()
                .filter(|c| form == Form::Command && ours(id, form, &c.service, &c.group))
                .collect();
            if !commands.is_empty() {
                let services: std::collections::BTreeSet<&str> =
                    commands.iter().map(|c| c.service.as_str()).collect();
                let label = services.into_iter().collect::<Vec<_>>().join("+");
                let mut progress = Progress::new(format!("{id}/{label}"), commands.len());
                for case in commands {
                    let cell = run_command_cell(plan, target, case);
                    progress.tick(cell.status);
                    cells.push(cell);
                }
                progress.finish();
            }
        }
        target.stop();
    }
    Matrix {
        schema: SCHEMA,
        generated: rfc3339(SystemTime::now()),
        commit: String::new(),
        runtimes,
        cells,
        probes: plan.probes.clone(),
    }
}

/// A cell of a target that could not start (see [`Target::start`]).
fn not_started(
    runtime: &str,
    group: &Group,
    case: &crate::vectors::Case,
    form: Form,
    why: &str,
) -> Cell {
    Cell {
        service: group.service.clone(),
        group: group.group.clone(),
        case: case.id.clone(),
        runtime: runtime.to_owned(),
        form,
        status: Status::Error,
        detail: format!("{runtime} did not start: {why}"),
        millis: 0.0,
        observed: None,
        verdict: None,
    }
}

fn run_cell(
    plan: &Plan,
    target: &Arc<dyn Target>,
    group: &Group,
    case: &crate::vectors::Case,
    form: Form,
) -> Cell {
    let mut cell = Cell {
        service: group.service.clone(),
        group: group.group.clone(),
        case: case.id.clone(),
        runtime: target.id().to_owned(),
        form,
        status: Status::Pass,
        detail: String::new(),
        millis: 0.0,
        observed: None,
        verdict: None,
    };
    if let Err(reason) = target.supports(&group.service, form) {
        cell.status = Status::Unsupported;
        cell.detail = reason;
        return cell;
    }
    let artifact = plan
        .artifacts
        .get(&group.service, form)
        .map(Path::to_path_buf);
    // A platform serves its own build of every service (see `Target::start`).
    if !matches!(form, Form::Native | Form::Http) && artifact.is_none() {
        cell.status = Status::Error;
        cell.detail = format!("no {form} artifact was built for {}", group.service);
        return cell;
    }
    let job = Job {
        service: group.service.clone(),
        group: group.group.clone(),
        form,
        artifact,
        request: group.request(case),
        timeout: plan.timeout,
    };
    let start = Instant::now();
    let target = target.clone();
    let result = run_with_deadline(target.id(), plan.timeout + GRACE, move || {
        match (&job.form, &job.artifact) {
            // The service command form is a WASI command like any other.
            (Form::Command, Some(wasm)) => target
                .run_command(&CommandJob::for_service(&job, wasm.clone()))?
                .into_response(),
            _ => target.run(&job),
        }
    });
    cell.millis = start.elapsed().as_secs_f64() * 1e3;
    match result {
        Ok(response) => {
            if let Some(diff) = outcome::diff(&case.expect, &response) {
                cell.status = Status::Fail;
                cell.detail = diff;
            }
        }
        Err(error) => {
            cell.status = Status::Error;
            cell.detail = error;
        }
    }
    cell
}

/// One command case on one target: fresh directories, the run, the case's judgement.
fn run_command_cell(plan: &Plan, target: &Arc<dyn Target>, case: &CommandCase) -> Cell {
    let mut cell = Cell {
        service: case.service.clone(),
        group: case.group.clone(),
        case: case.case.clone(),
        runtime: target.id().to_owned(),
        form: Form::Command,
        status: Status::Pass,
        detail: String::new(),
        millis: 0.0,
        observed: None,
        verdict: None,
    };
    if let Err(reason) = target.supports(&case.service, Form::Command) {
        cell.status = Status::Unsupported;
        cell.detail = reason;
        return cell;
    }
    let scratch = match Scratch::new(target.id(), &case.dirs) {
        Ok(scratch) => scratch,
        Err(e) => {
            cell.status = Status::Error;
            cell.detail = format!("preparing the case's directories: {e:#}");
            return cell;
        }
    };
    let job = CommandJob {
        wasm: case.wasm.clone(),
        args: case.args.clone(),
        env: case.env.clone(),
        stdin: case.stdin.clone(),
        dirs: scratch.preopens.clone(),
        timeout: plan.timeout,
    };
    let start = Instant::now();
    let runner = target.clone();
    let result = run_with_deadline(target.id(), plan.timeout + GRACE, move || {
        runner.run_command(&job)
    });
    cell.millis = start.elapsed().as_secs_f64() * 1e3;
    match result {
        Ok(run) => {
            let judged = (case.judge)(&run);
            cell.status = judged.status;
            cell.detail = judged.detail;
            cell.observed = judged.observed;
            cell.verdict = judged.verdict;
        }
        Err(error) => {
            cell.status = Status::Error;
            cell.detail = error;
        }
    }
    cell
}

/// A command cell's directories: fresh copies (or fresh empty directories) under one
/// temporary directory, removed when dropped, whatever the guest left there.
struct Scratch {
    /// Holds the directories; removes them when the cell is done.
    _root: Option<TempDir>,
    preopens: Vec<Preopen>,
}

impl Scratch {
    fn new(runtime: &str, dirs: &[DirGrant]) -> anyhow::Result<Scratch> {
        if dirs.is_empty() {
            return Ok(Scratch {
                _root: None,
                preopens: Vec::new(),
            });
        }
        let root = TempDir::new(&format!("harness-cell-{runtime}"))?;
        let mut preopens = Vec::new();
        for (i, dir) in dirs.iter().enumerate() {
            // Each preopen alone in a directory of its own: nothing beside it to reach.
            let host = root.path().join(i.to_string()).join("dir");
            std::fs::create_dir_all(&host)
                .with_context(|| format!("creating {}", host.display()))?;
            if let Some(source) = &dir.copy_of {
                copy_tree(source, &host)?;
            }
            preopens.push(Preopen {
                host,
                guest: dir.guest.clone(),
            });
        }
        Ok(Scratch {
            _root: Some(root),
            preopens,
        })
    }
}

/// Copies the tree at `from` into the existing directory `to`; symlinks are copied as
/// symlinks, never followed.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            std::fs::create_dir(&target)?;
            copy_tree(&source, &target)?;
        } else if kind.is_symlink() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(std::fs::read_link(&source)?, &target)?;
            #[cfg(not(unix))]
            anyhow::bail!("cannot copy the symlink {} here", source.display());
        } else {
            std::fs::copy(&source, &target)
                .with_context(|| format!("copying {}", source.display()))?;
        }
    }
    Ok(())
}

/// Host stack for each cell's thread.
const CELL_STACK: usize = 64 << 20;
/// How long past a cell's timeout the runner waits for the target to answer.
const GRACE: Duration = Duration::from_secs(2);

/// Runs `work` on a thread of its own and waits at most `wait` for it: a hanging or
/// panicking target costs the cell, never the run.
fn run_with_deadline<T: Send + 'static>(
    name: &str,
    wait: Duration,
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(format!("cell-{name}"))
        // Interpreters and WASI layers recurse deeply on the host stack; an overflow here
        // would abort the whole harness, so give cells far more than the 2 MiB default.
        .stack_size(CELL_STACK)
        .spawn(move || {
            let _ = tx.send(work().map_err(|e| format!("{e:#}")));
        });
    if let Err(e) = spawned {
        return Err(format!("could not start the cell's thread: {e}"));
    }
    match rx.recv_timeout(wait) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
            "timeout: no answer after {:.1} s",
            wait.as_secs_f64()
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err("the target panicked".to_owned()),
    }
}

/// A one-line progress display per column: redrawn in place on a terminal, printed once
/// when done otherwise (so CI logs stay readable).
struct Progress {
    label: String,
    total: usize,
    done: usize,
    not_passed: usize,
    start: Instant,
    live: bool,
}

impl Progress {
    fn new(label: String, total: usize) -> Progress {
        let live = std::io::stderr().is_terminal();
        let progress = Progress {
            label,
            total,
            done: 0,
            not_passed: 0,
            start: Instant::now(),
            live,
        };
        progress.draw();
        progress
    }

    fn tick(&mut self, status: Status) {
        self.done += 1;
        if status != Status::Pass {
            self.not_passed += 1;
        }
        self.draw();
    }

    fn draw(&self) {
        if self.live {
            eprint!(
                "\r{:<24} {:>4}/{:<4} not passed: {}",
                self.label, self.done, self.total, self.not_passed
            );
            let _ = std::io::stderr().flush();
        }
    }

    fn finish(&self) {
        if self.live {
            eprint!("\r");
        }
        eprintln!(
            "{:<24} {:>4}/{:<4} not passed: {:<4} {:.2} s",
            self.label,
            self.done,
            self.total,
            self.not_passed,
            self.start.elapsed().as_secs_f64()
        );
    }
}

/// RFC 3339 in UTC, to the second.
pub fn rfc3339(time: SystemTime) -> String {
    let secs = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        let at = |secs| rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(at(4_102_444_799), "2099-12-31T23:59:59Z");
    }
}

#[cfg(test)]
mod runner_tests {
    use std::sync::Arc;

    use serde_json::{Value, json};

    use super::*;
    use crate::target::Kind;
    use crate::vectors::{Case, Group};

    /// A target whose behaviour is chosen by the case's `input.do`.
    struct Fake;

    impl Target for Fake {
        fn id(&self) -> &'static str {
            "fake"
        }
        fn kind(&self) -> Kind {
            Kind::Embedded
        }
        fn version(&self) -> String {
            "1".into()
        }
        fn detect(&self) -> Availability {
            Availability::Available
        }
        fn forms(&self) -> &'static [Form] {
            &[Form::Native, Form::Command]
        }
        fn supports(&self, service: &str, _: Form) -> Result<(), String> {
            if service == "other" {
                Err("not here".into())
            } else {
                Ok(())
            }
        }
        fn run_command(&self, job: &CommandJob) -> anyhow::Result<CommandRun> {
            // Reports what it was granted: the preopens' contents, argv and stdin.
            let mut seen = Vec::new();
            for dir in &job.dirs {
                let mut names: Vec<String> = std::fs::read_dir(&dir.host)?
                    .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
                    .collect::<Result<_, _>>()?;
                names.sort();
                seen.push(format!("{}={}", dir.guest, names.join(",")));
                std::fs::write(dir.host.join("written"), "x")?;
            }
            match job.args[1].as_str() {
                "hang" => loop {
                    std::thread::sleep(Duration::from_secs(60));
                },
                "die" => anyhow::bail!("the driver exited"),
                _ => Ok(CommandRun {
                    exit: Some(0),
                    trap: None,
                    stdout: format!("{} {}", seen.join(" "), job.stdin.as_deref().unwrap_or("-")),
                    stderr: String::new(),
                }),
            }
        }
        fn run(&self, job: &Job) -> anyhow::Result<Value> {
            match job.request["do"].as_str() {
                Some("answer") => Ok(json!({"ok": 1})),
                Some("wrong") => Ok(json!({"ok": 2})),
                Some("hang") => loop {
                    std::thread::sleep(Duration::from_secs(60));
                },
                Some("panic") => panic!("the target fell over"),
                _ => anyhow::bail!("trap: unreachable"),
            }
        }
    }

    fn group(service: &str, cases: &[&str]) -> Group {
        Group {
            service: service.into(),
            group: "g".into(),
            description: String::new(),
            config: json!({}),
            cases: cases
                .iter()
                .map(|what| Case {
                    id: (*what).into(),
                    description: String::new(),
                    input: json!({"do": what}).as_object().unwrap().clone(),
                    expect: json!({"ok": 1}),
                })
                .collect(),
        }
    }

    #[test]
    fn every_outcome_becomes_its_own_cell_and_the_run_goes_on() {
        let plan = Plan {
            groups: vec![
                group("svc", &["answer", "wrong", "hang", "panic", "trap"]),
                group("other", &["answer"]),
            ],
            commands: vec![],
            probes: vec![],
            targets: vec![Arc::new(Fake)],
            forms: vec![],
            artifacts: Artifacts::default(),
            timeout: Duration::from_millis(100),
            shard: None,
        };
        let matrix = run(&plan);
        let statuses: Vec<(&str, Status)> = matrix
            .cells
            .iter()
            .filter(|c| c.form == Form::Native)
            .map(|c| (c.case.as_str(), c.status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("answer", Status::Pass),
                ("wrong", Status::Fail),
                ("hang", Status::Error),
                ("panic", Status::Error),
                ("trap", Status::Error),
                ("answer", Status::Unsupported),
            ]
        );
        let detail = |case: &str| &matrix.cells.iter().find(|c| c.case == case).unwrap().detail;
        assert_eq!(detail("wrong"), "/ok: expected 1, observed 2");
        assert!(detail("hang").starts_with("timeout"), "{}", detail("hang"));
        assert_eq!(detail("panic"), "the target panicked");
        assert_eq!(detail("trap"), "trap: unreachable");
    }

    fn command(case: &str, dirs: Vec<DirGrant>) -> CommandCase {
        CommandCase {
            service: "probe".into(),
            group: "g".into(),
            case: case.into(),
            wasm: PathBuf::from("/nowhere.wasm"),
            args: vec!["argv0".into(), case.into()],
            env: vec![],
            stdin: Some("in".into()),
            dirs,
            judge: Box::new(|run| Judged {
                status: Status::Pass,
                detail: String::new(),
                observed: Some(json!(run.stdout)),
                verdict: Some("info".into()),
            }),
        }
    }

    #[test]
    fn command_cases_get_fresh_directories_and_their_own_judgement() {
        let source = std::env::temp_dir().join(format!("runner-src-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&source);
        std::fs::create_dir_all(source.join("sub")).unwrap();
        std::fs::write(source.join("file"), "data").unwrap();
        let dirs = vec![
            DirGrant {
                copy_of: Some(source.clone()),
                guest: "data".into(),
            },
            DirGrant {
                copy_of: None,
                guest: "/sandbox".into(),
            },
        ];
        let plan = Plan {
            groups: vec![],
            commands: vec![
                command("ok", dirs.clone()),
                command("again", dirs),
                command("hang", vec![]),
                command("die", vec![]),
            ],
            probes: vec![],
            targets: vec![Arc::new(Fake)],
            forms: vec![Form::Command],
            artifacts: Artifacts::default(),
            timeout: Duration::from_millis(100),
            shard: None,
        };
        let matrix = run(&plan);
        let cells: Vec<(&str, Status, Option<&Value>)> = matrix
            .cells
            .iter()
            .map(|c| (c.case.as_str(), c.status, c.observed.as_ref()))
            .collect();
        // Each run sees a fresh copy: the file the first run wrote is not there for the second.
        let seen = json!("data=file,sub /sandbox= in");
        assert_eq!(
            cells,
            [
                ("ok", Status::Pass, Some(&seen)),
                ("again", Status::Pass, Some(&seen)),
                ("hang", Status::Error, None),
                ("die", Status::Error, None),
            ]
        );
        assert!(
            !source.join("written").exists(),
            "the original is untouched"
        );
        let _ = std::fs::remove_dir_all(&source);
    }

    #[test]
    fn merging_every_shard_gives_the_unsharded_matrix() {
        let plan = |shard: Option<Shard>| Plan {
            groups: ["a", "b", "c", "d", "e"]
                .iter()
                .map(|g| Group {
                    group: (*g).into(),
                    ..group("svc", &["answer", "wrong", "trap"])
                })
                .collect(),
            commands: vec![command("ok", vec![]), command("again", vec![])],
            probes: vec![],
            targets: vec![Arc::new(Fake)],
            forms: vec![],
            artifacts: Artifacts::default(),
            timeout: Duration::from_millis(100),
            shard: shard.map(|s| (s, [("fake/native/svc/a".to_owned(), 900.0)].into())),
        };
        let rows = |matrix: &Matrix| {
            let mut rows: Vec<String> = matrix
                .cells
                .iter()
                .map(|c| {
                    format!(
                        "{} {} {} {:?}",
                        c.label(),
                        c.status.name(),
                        c.detail,
                        c.observed
                    )
                })
                .collect();
            rows.sort();
            rows
        };
        let whole = run(&plan(None));
        let shards: Vec<Matrix> = (1..=3)
            .map(|index| run(&plan(Some(Shard { index, count: 3 }))))
            .collect();
        assert!(
            shards.iter().all(|m| !m.cells.is_empty()),
            "every shard has work"
        );
        assert!(shards.iter().all(|m| m.cells.len() < whole.cells.len()));
        let merged = crate::shard::merge(shards).unwrap();
        assert_eq!(rows(&merged), rows(&whole));
        assert_eq!(merged.runtimes.len(), whole.runtimes.len());
    }
}
