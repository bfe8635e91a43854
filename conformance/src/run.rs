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

use crate::matrix::{Cell, Matrix, RuntimeInfo, SCHEMA, Status};
use crate::outcome;
use crate::target::{Availability, Form, Job, Target};
use crate::vectors::Group;

/// The built `.wasm` per service and form, as `cargo xtask` writes it to
/// `target/conformance/artifacts.json`: `{"token": {"component": "/abs/path.wasm", ...}}`.
#[derive(Clone, Debug, Default)]
pub struct Artifacts(pub BTreeMap<String, BTreeMap<Form, PathBuf>>);

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
    pub targets: Vec<Arc<dyn Target>>,
    /// Forms to run; empty means all.
    pub forms: Vec<Form>,
    pub artifacts: Artifacts,
    pub timeout: Duration,
}

/// Runs the plan, reporting progress on stderr.
pub fn run(plan: &Plan) -> Matrix {
    let mut runtimes = Vec::new();
    let mut cells = Vec::new();
    let cases: usize = plan.groups.iter().map(|g| g.cases.len()).sum();
    for target in &plan.targets {
        let availability = target.detect();
        let forms: Vec<Form> = target
            .forms()
            .iter()
            .copied()
            .filter(|f| plan.forms.is_empty() || plan.forms.contains(f))
            .collect();
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
        for form in forms {
            let mut progress = Progress::new(format!("{}/{}", target.id(), form), cases);
            for group in &plan.groups {
                for case in &group.cases {
                    let cell = run_cell(plan, target, group, case, form);
                    progress.tick(cell.status);
                    cells.push(cell);
                }
            }
            progress.finish();
        }
    }
    Matrix {
        schema: SCHEMA,
        generated: rfc3339(SystemTime::now()),
        commit: String::new(),
        runtimes,
        cells,
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
    if form != Form::Native && artifact.is_none() {
        cell.status = Status::Error;
        cell.detail = format!("no {form} artifact was built for {}", group.service);
        return cell;
    }
    let job = Job {
        service: group.service.clone(),
        form,
        artifact,
        request: group.request(case),
        timeout: plan.timeout,
    };
    let start = Instant::now();
    let result = run_with_deadline(target.clone(), job, plan.timeout + Duration::from_secs(2));
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

/// Host stack for each cell's thread.
const CELL_STACK: usize = 64 << 20;

fn run_with_deadline(target: Arc<dyn Target>, job: Job, wait: Duration) -> Result<Value, String> {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(format!("cell-{}", target.id()))
        // Interpreters and WASI layers recurse deeply on the host stack; an overflow here
        // would abort the whole harness, so give cells far more than the 2 MiB default.
        .stack_size(CELL_STACK)
        .spawn(move || {
            let _ = tx.send(target.run(&job).map_err(|e| format!("{e:#}")));
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
            &[Form::Native]
        }
        fn supports(&self, service: &str, _: Form) -> Result<(), String> {
            if service == "other" {
                Err("not here".into())
            } else {
                Ok(())
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
            targets: vec![Arc::new(Fake)],
            forms: vec![],
            artifacts: Artifacts::default(),
            timeout: Duration::from_millis(100),
        };
        let matrix = run(&plan);
        let statuses: Vec<(&str, Status)> = matrix
            .cells
            .iter()
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
}
