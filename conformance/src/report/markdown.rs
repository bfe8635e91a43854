//! `matrix.md`: the runtimes, the summary, the WASI behaviour section (submodule `wasi`) and
//! every service cell that did not pass. Its pieces are shared with COMPATIBILITY.md
//! ([`super::compatibility`]).

pub(super) mod wasi;

use std::fmt::Write as _;

use super::runtimes::RuntimeRow;
use super::summary::summary;
use crate::expectations::Expectations;
use crate::matrix::{Cell, Matrix, Status};

/// `matrix.md`: runtimes, the summary, and every cell that did not pass.
pub fn render(matrix: &Matrix, expectations: &Expectations) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "# Conformance matrix\n\nGenerated {}.\n",
        matrix.generated
    )
    .unwrap();
    tables(matrix, expectations, &mut out);
    writeln!(out, "\n## Cells that did not pass\n").unwrap();
    problems(matrix, &mut out, expectations);
    out
}

/// The sections `matrix.md` and COMPATIBILITY.md both open with: the runtimes, the summary
/// and the WASI behaviour.
pub(super) fn tables(matrix: &Matrix, expectations: &Expectations, out: &mut String) {
    writeln!(out, "## Runtimes\n").unwrap();
    runtimes(matrix, out);
    writeln!(out, "\n## Summary\n").unwrap();
    summary_table(matrix, out);
    wasi::section(matrix, expectations, out);
}

/// The runtimes table: kind, version, forms, availability, settings.
fn runtimes(matrix: &Matrix, out: &mut String) {
    writeln!(
        out,
        "| runtime | kind | version | forms | available | settings |"
    )
    .unwrap();
    writeln!(out, "|---|---|---|---|---|---|").unwrap();
    for r in matrix.runtimes.iter().map(RuntimeRow::of) {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            r.id,
            r.kind,
            escape(r.version),
            r.forms,
            escape(&r.availability),
            escape(r.settings)
        )
        .unwrap();
    }
}

/// The summary: per `service/group` row and runtime/form column, a mark and the tally.
fn summary_table(matrix: &Matrix, out: &mut String) {
    let (columns, rows) = summary(matrix);
    let header: Vec<String> = columns
        .iter()
        .map(|c| format!("{} {}", c.runtime, c.form))
        .collect();
    writeln!(out, "| service/group | {} |", header.join(" | ")).unwrap();
    writeln!(out, "|---|{}", "---|".repeat(columns.len())).unwrap();
    for (name, tallies) in &rows {
        let cells: Vec<String> = tallies
            .iter()
            .map(|t| match t.total() {
                0 => "–".to_owned(),
                _ if t.findings > 0 => format!("🟥 {}", t.text()),
                n if t.get(Status::Pass) == n => format!("✅ {}", t.text()),
                _ if t.get(Status::Unsupported) == t.total() => "⚪ unsupported".to_owned(),
                _ => format!("❌ {}", t.text()),
            })
            .collect();
        writeln!(out, "| {name} | {} |", cells.join(" | ")).unwrap();
    }
}

/// Service cells that did not pass, one row each (probe cells are listed in the WASI
/// behaviour section).
fn problems(matrix: &Matrix, out: &mut String, expectations: &Expectations) {
    let cells: Vec<&Cell> = matrix
        .cells
        .iter()
        .filter(|c| c.status != Status::Pass && !c.is_probe())
        .collect();
    probes_elsewhere(matrix, out);
    if cells.is_empty() {
        writeln!(out, "{}", all_passed(matrix)).unwrap();
        return;
    }
    writeln!(out, "| cell | status | detail | known difference |").unwrap();
    writeln!(out, "|---|---|---|---|").unwrap();
    for cell in cells {
        let known = expectations
            .explain(cell)
            .map(|e| e.reason.as_str())
            .unwrap_or("**unexpected**");
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            escape(&cell.label()),
            cell.status.name(),
            escape(&cell.detail),
            escape(known)
        )
        .unwrap();
    }
}

/// What a list of cells that did not pass says when it is empty.
pub(super) fn all_passed(matrix: &Matrix) -> &'static str {
    if matrix.cells.iter().any(Cell::is_probe) {
        "Every service cell that ran passed."
    } else {
        "Every cell that ran passed."
    }
}

/// Before a list of cells that did not pass: where the probe cells are, if any ran.
pub(super) fn probes_elsewhere(matrix: &Matrix, out: &mut String) {
    if matrix.cells.iter().any(Cell::is_probe) {
        writeln!(
            out,
            "Service cells only: WASI probe cells are under WASI behaviour, those that did \
             not pass in its last table.\n"
        )
        .unwrap();
    }
}

/// `text` inside a Markdown table cell: `|` escaped, newlines as `<br>`.
pub(super) fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', "<br>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::PROBE_SERVICE;
    use crate::report::{compatibility, terminal};
    use crate::test_support::section;

    #[test]
    fn matrix_md_shows_wasi_behaviour_per_group_and_lists_probe_problems_once() {
        let (matrix, expectations) = crate::test_support::sample();
        let md = render(&matrix, &expectations);
        let wasi = section(&md, "## WASI behaviour");
        for line in [
            "🟥 **Deny by default failed: 1 security finding** (wasmer: deny-read-host-file).",
            "### clocks",
            "| probe | what it tests | wasmtime | wasmer | node |",
            "| `clock-realtime-res` | Resolution clock_res_get reports (ns). | ℹ️ `1` | ℹ️ `1000` \
             | ⚠️ error: driver crashed: SIGSEGV |",
            "| `fs-readdir-cookies` | fd_readdir cookies resume \\| in order. | ✅ `stable` \
             | ❌ ``{\"entries\":[\"a\",\"b\",\"c\\|d\",\"e`f\"],\"errno…`` | ⚪ unsupported |",
            "| `exit-42` | proc_exit(42): the host sees exit code 42. | ✅ `{\"exit\":42}` \
             | ❌ `{\"exit\":1}` | – |",
            "| `deny-env-secret` | The host's HOST_SECRET is not visible. \
             | ✅ `{\"HOST_SECRET\":null}` | ✅ `{\"HOST_SECRET\":null}` | ✅ `{\"HOST_SECRET\":null}` |",
            "### Probe cells that did not pass",
            "| `deny-read-host-file` | wasmer | 🟥 **security finding** | fail \
             | a guest reaches only what the host granted: no preopen, no host file | **unexpected** |",
            "| `fs-readdir-cookies` | wasmer | ❌ violates | fail \
             | a cookie from fd_readdir must resume after that entry \
             | wasmer's cookies are indexes into a re-read directory |",
            "| `clock-realtime-res` | node | ⚠️ error | error | driver crashed: SIGSEGV | **unexpected** |",
        ] {
            assert!(wasi.contains(&line), "{line}\nnot in\n{}", wasi.join("\n"));
        }
        let finding = wasi
            .iter()
            .find(|l| l.starts_with("| `deny-read-host-file` | Reading"))
            .unwrap();
        assert!(
            finding
                .contains(" | 🟥 **finding** `{\"preopens\":[\"/\"],\"std_read\":{\"/etc/pas…` | "),
            "{finding}"
        );
        // The legend says what a finding is.
        assert!(
            wasi.iter()
                .any(|l| l.contains("🟥 security finding: deny by default failed"))
        );
        // Groups in the manifest's order; a probe that never ran has no row.
        let groups: Vec<&&str> = wasi.iter().filter(|l| l.starts_with("### ")).collect();
        assert_eq!(
            groups,
            [
                &"### clocks",
                &"### filesystem",
                &"### exit",
                &"### deny-by-default",
                &"### misc",
                &"### Probe cells that did not pass"
            ]
        );
        assert!(!md.contains("never-ran"));
        // The section sits between the summary and the service cells that did not pass, and
        // the latter has no probe cell.
        let (summary, wasi_at, problems) = (
            md.find("## Summary").unwrap(),
            md.find("## WASI behaviour").unwrap(),
            md.find("## Cells that did not pass").unwrap(),
        );
        assert!(summary < wasi_at && wasi_at < problems);
        let problems = section(&md, "## Cells that did not pass");
        assert!(
            problems
                .iter()
                .any(|l| l.contains("wasmtime/command token/keys a"))
        );
        assert!(
            !problems.iter().any(|l| l.contains("probe/")),
            "{problems:?}"
        );
        // The summary has probe rows; a column with a finding is red.
        assert!(md.contains("| probe/deny-by-default | – | ✅ 2/2 | 🟥 1/2 (1 fail) | ✅ 2/2 |"));
        assert!(md.contains("| probe/clocks | – | ✅ 2/2 | ✅ 2/2 | ❌ 1/2 (1 error) |"));
    }

    #[test]
    fn deny_refused_everywhere_reads_so() {
        let (mut matrix, expectations) = crate::test_support::sample();
        for cell in matrix
            .cells
            .iter_mut()
            .filter(|c| c.case == "deny-read-host-file")
        {
            cell.status = Status::Pass;
            cell.verdict = Some("conforms".into());
        }
        let md = render(&matrix, &expectations);
        assert!(
            md.contains(
                "\n**Deny by default: refused everywhere** (2 probes on 3 runtimes; no security \
                 finding).\n"
            ),
            "{md}"
        );
        assert_eq!(md.matches("🟥").count(), 1, "only the legend's: {md}");
        assert!(!terminal::render(&matrix).contains("SECURITY"));
    }

    #[test]
    fn without_probes_the_reports_are_as_before() {
        let (matrix, expectations) = crate::test_support::sample();
        let matrix = Matrix {
            cells: matrix.cells.into_iter().filter(|c| !c.is_probe()).collect(),
            probes: Vec::new(),
            ..matrix
        };
        let expectations = Expectations {
            expectations: expectations
                .expectations
                .into_iter()
                .filter(|e| e.service != PROBE_SERVICE)
                .collect(),
        };
        for md in [
            render(&matrix, &expectations),
            compatibility::render(&matrix, &expectations),
        ] {
            assert!(!md.contains("WASI"), "{md}");
            assert!(!md.contains("probe"), "{md}");
        }
        let passing = Matrix {
            cells: matrix
                .cells
                .iter()
                .filter(|c| c.status == Status::Pass)
                .cloned()
                .collect(),
            ..matrix.clone()
        };
        assert!(render(&passing, &expectations).contains("\nEvery cell that ran passed.\n"));
    }
}
