//! `junit.xml`: the matrix in the JUnit XML format CI systems display natively.
//!
//! One `<testsuite>` per runtime (its version, kind, forms and settings as properties) and
//! one `<testcase>` per cell: `classname` is `<form>.<service>.<group>`, `name` the case.
//! A testcase is judged as the harness judges the run ([`Expectations::verdict`]), so the
//! XML fails exactly when the run does:
//!
//! - `pass` → a plain testcase;
//! - `unsupported`, or a difference `conformance/expectations.json` explains → `<skipped>`
//!   with the reason (and a known difference's diff in `<system-out>`);
//! - an unexpected `fail` → `<failure>` whose body is the diff; an unexpected `error` →
//!   `<error>` with what went wrong; a stale expectation (the cell now passes, or differs in
//!   another way) → `<failure>` saying so.
//!
//! A WASI probe cell's body also holds what the probe observed, and a security finding (a
//! deny-by-default probe reached something never granted) says `security finding` at the
//! start of its message, whatever the outcome.
//!
//! A runtime that is not available has no cells: its suite holds one skipped testcase,
//! `(not available)`, with the reason and how to install it, so CI shows the column too.

use std::fmt::Write as _;

use super::{escape_attr as attr, escape_text as text};
use crate::expectations::{Expectations, Verdict};
use crate::matrix::wasi::Mark;
use crate::matrix::{Cell, Matrix, Status};

/// What one testcase says beyond passing.
enum Outcome {
    Passed,
    Skipped { message: String, output: String },
    Failure { message: String, body: String },
    Error { message: String, body: String },
}

/// What the message of a probe cell's outcome starts with: the security finding, if it is
/// one.
const FINDING: &str =
    "security finding (deny by default failed: the guest reached something never granted)";

fn outcome(cell: &Cell, expectations: &Expectations) -> Outcome {
    let finding = cell.is_probe() && Mark::of(cell) == Mark::Finding;
    let mut outcome = judged(cell, expectations);
    if let Some(observed) = &cell.observed {
        let observed = observed.to_string();
        match &mut outcome {
            Outcome::Passed => {}
            Outcome::Skipped { output: text, .. }
            | Outcome::Failure { body: text, .. }
            | Outcome::Error { body: text, .. } => {
                // Unless the detail already quotes it.
                if !text.contains(&observed) {
                    if !text.is_empty() {
                        text.push('\n');
                    }
                    text.push_str("observed: ");
                    text.push_str(&observed);
                }
            }
        }
    }
    if finding {
        match &mut outcome {
            Outcome::Passed => {}
            Outcome::Skipped { message, .. }
            | Outcome::Failure { message, .. }
            | Outcome::Error { message, .. } => {
                if !message.to_lowercase().contains("security finding") {
                    *message = format!("{FINDING}: {message}");
                }
            }
        }
    }
    outcome
}

/// The outcome as [`Expectations::verdict`] judges the cell.
fn judged(cell: &Cell, expectations: &Expectations) -> Outcome {
    let first_line = |s: &str| s.lines().next().unwrap_or("").to_owned();
    match expectations.verdict(cell) {
        Verdict::Pass => Outcome::Passed,
        Verdict::Unsupported => Outcome::Skipped {
            message: format!("unsupported: {}", cell.detail),
            output: String::new(),
        },
        Verdict::Known(e) => Outcome::Skipped {
            message: format!("known difference ({}): {}", e.status.name(), e.reason),
            output: cell.detail.clone(),
        },
        Verdict::Unexpected(problem) => match cell.status {
            Status::Error => Outcome::Error {
                message: first_line(&cell.detail),
                body: cell.detail.clone(),
            },
            Status::Fail => Outcome::Failure {
                message: first_line(&cell.detail),
                body: cell.detail.clone(),
            },
            // A pass or unsupported cell that an entry says should differ: the entry is
            // stale, and the problem says which.
            Status::Pass | Status::Unsupported => Outcome::Failure {
                message: problem.clone(),
                body: problem,
            },
        },
    }
}

#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
    seconds: f64,
}

impl Counts {
    fn add(&mut self, outcome: &Outcome, seconds: f64) {
        self.tests += 1;
        self.seconds += seconds;
        match outcome {
            Outcome::Passed => {}
            Outcome::Skipped { .. } => self.skipped += 1,
            Outcome::Failure { .. } => self.failures += 1,
            Outcome::Error { .. } => self.errors += 1,
        }
    }

    fn merge(&mut self, other: &Counts) {
        self.tests += other.tests;
        self.failures += other.failures;
        self.errors += other.errors;
        self.skipped += other.skipped;
        self.seconds += other.seconds;
    }

    fn attributes(&self) -> String {
        format!(
            r#"tests="{}" failures="{}" errors="{}" skipped="{}" time="{:.3}""#,
            self.tests, self.failures, self.errors, self.skipped, self.seconds
        )
    }
}

/// The whole `junit.xml`.
pub fn render(matrix: &Matrix, expectations: &Expectations) -> String {
    let mut total = Counts::default();
    let mut suites = String::new();
    for runtime in &matrix.runtimes {
        let mut counts = Counts::default();
        let mut cases = String::new();
        if !runtime.available {
            let outcome = Outcome::Skipped {
                message: format!("not available: {}", runtime.reason),
                output: String::new(),
            };
            counts.add(&outcome, 0.0);
            testcase(&mut cases, &runtime.id, "(not available)", 0.0, &outcome);
        }
        for cell in matrix.cells.iter().filter(|c| c.runtime == runtime.id) {
            let outcome = outcome(cell, expectations);
            let seconds = cell.millis / 1e3;
            counts.add(&outcome, seconds);
            let classname = format!("{}.{}.{}", cell.form, cell.service, cell.group);
            testcase(&mut cases, &classname, &cell.case, seconds, &outcome);
        }
        total.merge(&counts);
        let forms: Vec<&str> = runtime.forms.iter().map(|f| f.name()).collect();
        let kind = serde_json::to_value(runtime.kind).unwrap();
        let mut properties = vec![
            ("version", runtime.version.as_str()),
            ("kind", kind.as_str().unwrap_or("")),
            ("available", if runtime.available { "yes" } else { "no" }),
        ];
        let forms = forms.join(",");
        properties.push(("forms", &forms));
        if !runtime.settings.is_empty() {
            properties.push(("settings", &runtime.settings));
        }
        if !runtime.reason.is_empty() {
            properties.push(("reason", &runtime.reason));
        }
        properties.push(("commit", &matrix.commit));
        writeln!(
            suites,
            r#"  <testsuite name="{}" {} timestamp="{}">"#,
            attr(&runtime.id),
            counts.attributes(),
            attr(&matrix.generated)
        )
        .unwrap();
        suites.push_str("    <properties>\n");
        for (name, value) in properties {
            writeln!(
                suites,
                r#"      <property name="{name}" value="{}"/>"#,
                attr(value)
            )
            .unwrap();
        }
        suites.push_str("    </properties>\n");
        suites.push_str(&cases);
        suites.push_str("  </testsuite>\n");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuites name=\"conformance\" {}>\n{suites}</testsuites>\n",
        total.attributes()
    )
}

fn testcase(out: &mut String, classname: &str, name: &str, seconds: f64, outcome: &Outcome) {
    let open = format!(
        r#"    <testcase classname="{}" name="{}" time="{seconds:.3}""#,
        attr(classname),
        attr(name)
    );
    match outcome {
        Outcome::Passed => writeln!(out, "{open}/>").unwrap(),
        Outcome::Skipped { message, output } => {
            writeln!(out, "{open}>").unwrap();
            writeln!(out, r#"      <skipped message="{}"/>"#, attr(message)).unwrap();
            if !output.is_empty() {
                writeln!(out, "      <system-out>{}</system-out>", text(output)).unwrap();
            }
            writeln!(out, "    </testcase>").unwrap();
        }
        Outcome::Failure { message, body } | Outcome::Error { message, body } => {
            let element = if matches!(outcome, Outcome::Failure { .. }) {
                "failure"
            } else {
                "error"
            };
            writeln!(out, "{open}>").unwrap();
            writeln!(
                out,
                r#"      <{element} message="{}" type="{element}">{}</{element}>"#,
                attr(message),
                text(body)
            )
            .unwrap();
            writeln!(out, "    </testcase>").unwrap();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expectations::Expectation;
    use crate::matrix::RuntimeInfo;
    use crate::target::{Form, Kind};

    fn runtime(id: &str, available: bool) -> RuntimeInfo {
        RuntimeInfo {
            id: id.into(),
            version: "1.2 <beta>".into(),
            kind: Kind::Embedded,
            available,
            reason: if available {
                String::new()
            } else {
                "not found; to install: apt-get install it".into()
            },
            forms: vec![Form::Command],
            settings: String::new(),
        }
    }

    fn cell(runtime: &str, case: &str, status: Status, detail: &str) -> Cell {
        Cell {
            detail: detail.into(),
            millis: 250.0,
            ..Cell::new(runtime, Form::Command, ["token", "g", case], status)
        }
    }

    fn sample() -> (Matrix, Expectations) {
        let matrix = Matrix {
            schema: 1,
            generated: "2026-11-22T02:38:55Z".into(),
            commit: "abc1234".into(),
            probes: Vec::new(),
            runtimes: vec![
                runtime("rt", true),
                runtime("other", true),
                runtime("absent", false),
            ],
            cells: vec![
                cell("rt", "ok", Status::Pass, ""),
                cell(
                    "rt",
                    "wrong",
                    Status::Fail,
                    "/ok/a: expected 1, observed 2\n/ok/b: <missing> & more",
                ),
                cell("rt", "trap", Status::Error, "trap: unreachable"),
                cell("rt", "known", Status::Error, "V128_LOAD"),
                cell("rt", "fixed", Status::Pass, ""),
                cell("other", "ok", Status::Pass, ""),
                cell("other", "cannot", Status::Unsupported, "no component model"),
            ],
        };
        let expect = |case: &str| Expectation {
            verdict: None,
            runtime: "rt".into(),
            form: "command".into(),
            service: "token".into(),
            case: case.into(),
            status: Status::Error,
            reason: "no SIMD".into(),
        };
        let expectations = Expectations {
            expectations: vec![expect("known"), expect("fixed")],
        };
        (matrix, expectations)
    }

    /// The text of each `<tag ...>` opening in `xml`, in order.
    fn openings<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
        xml.match_indices(&format!("<{tag} "))
            .map(|(i, _)| &xml[i..i + xml[i..].find('>').unwrap()])
            .collect()
    }

    #[test]
    fn one_suite_per_runtime_one_case_per_cell_with_counts() {
        let (matrix, expectations) = sample();
        let xml = render(&matrix, &expectations);
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
        let suites = openings(&xml, "testsuite");
        assert_eq!(suites.len(), 3, "{xml}");
        assert!(
            suites[0].contains(
                r#"name="rt" tests="5" failures="2" errors="1" skipped="1" time="1.250""#
            ),
            "{}",
            suites[0]
        );
        assert!(
            suites[1].contains(r#"name="other" tests="2" failures="0" errors="0" skipped="1""#)
        );
        assert!(
            suites[2].contains(r#"name="absent" tests="1" failures="0" errors="0" skipped="1""#)
        );
        assert!(
            openings(&xml, "testsuites")[0]
                .contains(r#"tests="8" failures="2" errors="1" skipped="3""#)
        );
        // One testcase per cell, plus the one saying `absent` is not available.
        assert_eq!(openings(&xml, "testcase").len(), matrix.cells.len() + 1);
        assert!(
            xml.contains(r#"<testcase classname="command.token.g" name="wrong" time="0.250">"#)
        );
        assert!(xml.contains(r#"<property name="version" value="1.2 &lt;beta&gt;"/>"#));
        assert!(xml.contains(r#"<property name="commit" value="abc1234"/>"#));
    }

    #[test]
    fn failures_hold_the_diff_and_skips_the_reason() {
        let (matrix, expectations) = sample();
        let xml = render(&matrix, &expectations);
        assert!(
            xml.contains(
                "<failure message=\"/ok/a: expected 1, observed 2\" type=\"failure\">\
                 /ok/a: expected 1, observed 2\n/ok/b: &lt;missing&gt; &amp; more</failure>"
            ),
            "{xml}"
        );
        assert!(xml.contains(
            r#"<error message="trap: unreachable" type="error">trap: unreachable</error>"#
        ));
        assert!(xml.contains(r#"<skipped message="known difference (error): no SIMD"/>"#));
        assert!(xml.contains("<system-out>V128_LOAD</system-out>"));
        assert!(xml.contains(r#"<skipped message="unsupported: no component model"/>"#));
        assert!(xml.contains(
            r#"<skipped message="not available: not found; to install: apt-get install it"/>"#
        ));
        // The stale entry fails, saying what to do.
        let stale = &xml[xml.find(r#"name="fixed""#).unwrap()..];
        assert!(stale.contains("<failure message=\"rt/command token/g fixed: passes, but"));
        assert!(stale.contains("remove the entry"));
    }

    #[test]
    fn a_security_finding_says_so_and_probe_cases_show_the_observation() {
        let (matrix, expectations) = crate::test_support::sample();
        let xml = render(&matrix, &expectations);
        let case = |runtime: &str, name: &str| {
            let suite = &xml[xml
                .find(&format!(r#"<testsuite name="{runtime}""#))
                .unwrap()..];
            let at = suite.find(&format!(r#" name="{name}""#)).unwrap();
            let end = at + suite[at..].find("</testcase>").unwrap();
            suite[at..end].to_owned()
        };
        let finding = case("wasmer", "deny-read-host-file");
        assert!(
            finding.contains(
                r#"<failure message="security finding (deny by default failed: the guest reached something never granted): a guest reaches only what the host granted: no preopen, no host file" type="failure">"#
            ),
            "{finding}"
        );
        assert!(
            finding.contains(
                r#"observed: {&quot;preopens&quot;:[&quot;/&quot;],&quot;std_read&quot;:{&quot;/etc/passwd&quot;:&quot;ok&quot;}}</failure>"#
            ),
            "{finding}"
        );
        assert!(xml.contains(
            r#"<testcase classname="command.probe.deny-by-default" name="deny-read-host-file""#
        ));
        // A violation is an ordinary failure; a known one is skipped with its observation.
        let violation = case("wasmer", "exit-42");
        assert!(
            violation.contains(
                r#"<failure message="expected exit code 42, observed 1" type="failure">"#
            ),
            "{violation}"
        );
        let known = case("wasmer", "fs-readdir-cookies");
        assert!(
            known.contains(r#"<skipped message="known difference (fail): wasmer&#39;s"#),
            "{known}"
        );
        assert!(known.contains("observed: {&quot;entries&quot;:"), "{known}");
        assert!(!xml.replace(&finding, "").contains("security finding"));
        // Explained, a finding is skipped as the run judges it, but still says what it is.
        let explained = Expectations {
            expectations: vec![crate::expectations::Expectation {
                verdict: Some("finding".into()),
                runtime: "wasmer".into(),
                form: "command".into(),
                service: "probe".into(),
                case: "deny-read-host-file".into(),
                status: Status::Fail,
                reason: "tracked upstream".into(),
            }],
        };
        let xml = render(&matrix, &explained);
        assert!(xml.contains(r#"<skipped message="security finding (deny by default failed: the guest reached something never granted): known difference (fail): tracked upstream"/>"#), "{xml}");

        // A detail that already says so (as `probes::Probe::judge` writes it) and already
        // quotes the observation is not said twice.
        let mut matrix = matrix;
        let cell = matrix
            .cells
            .iter_mut()
            .find(|c| c.verdict.as_deref() == Some("finding"))
            .unwrap();
        cell.detail = format!(
            "SECURITY FINDING (deny by default failed): no host file; observed {}",
            cell.observed.as_ref().unwrap()
        );
        let xml = render(&matrix, &expectations);
        assert!(xml.contains(r#"<failure message="SECURITY FINDING (deny by default failed): no host file; observed {&quot;preopens&quot;"#), "{xml}");
        let wasmer = xml.find(r#"<testsuite name="wasmer""#).unwrap();
        let at = wasmer
            + xml[wasmer..]
                .find(r#"name="deny-read-host-file" time"#)
                .unwrap();
        let end = at + xml[at..].find("</testcase>").unwrap();
        let finding = &xml[at..end];
        let said = |text: &str| finding.matches(text).count();
        assert_eq!(said("SECURITY FINDING"), 2, "message and body: {finding}");
        assert_eq!(said("security finding"), 0, "{finding}");
        assert_eq!(said("observed {"), 2, "{finding}");
        assert_eq!(said("observed: "), 0, "{finding}");
    }

    #[test]
    fn the_xml_is_balanced() {
        let (matrix, expectations) = sample();
        let xml = render(&matrix, &expectations);
        for tag in [
            "testsuites",
            "testsuite",
            "testcase",
            "properties",
            "failure",
            "error",
        ] {
            let opened = openings(&xml, tag)
                .iter()
                .filter(|o| !o.ends_with('/'))
                .count()
                + xml.matches(&format!("<{tag}>")).count();
            assert_eq!(opened, xml.matches(&format!("</{tag}>")).count(), "<{tag}>");
        }
        assert!(!xml.contains('\u{0}'));
    }
}
