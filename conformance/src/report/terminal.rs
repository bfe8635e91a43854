//! The plain-text table printed at the end of a run: the summary (per `service/group` row
//! and runtime/form column, how many cells passed), the runtimes that were not available,
//! and a line naming any security finding.

use std::fmt::Write as _;

use super::summary::summary;
use crate::matrix::Matrix;
use crate::matrix::wasi::Deny;

/// The table printed at the end of a run.
pub fn render(matrix: &Matrix) -> String {
    let (columns, rows) = summary(matrix);
    let mut table: Vec<Vec<String>> = Vec::new();
    let mut header = vec!["service/group".to_owned()];
    header.extend(columns.iter().map(|c| format!("{}/{}", c.runtime, c.form)));
    table.push(header);
    for (name, tallies) in &rows {
        let mut line = vec![name.clone()];
        line.extend(tallies.iter().map(|t| {
            if t.total() == 0 {
                "-".to_owned()
            } else {
                t.text()
            }
        }));
        table.push(line);
    }
    let widths: Vec<usize> = (0..table[0].len())
        .map(|i| {
            table
                .iter()
                .map(|row| row[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (n, row) in table.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(text, w)| format!("{text:<w$}"))
            .collect();
        writeln!(out, "{}", cells.join("  ").trim_end()).unwrap();
        if n == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            writeln!(out, "{}", rule.join("  ")).unwrap();
        }
    }
    for runtime in matrix.runtimes.iter().filter(|r| !r.available) {
        writeln!(out, "{}: not available: {}", runtime.id, runtime.reason).unwrap();
    }
    let deny = Deny::of(matrix);
    if deny.count() > 0 {
        writeln!(
            out,
            "SECURITY FINDINGS (deny by default failed: the guest reached something never \
             granted): {}",
            deny.findings_text()
        )
        .unwrap();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_has_probe_rows_and_a_security_line() {
        let (matrix, _) = crate::test_support::sample();
        let out = render(&matrix);
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("probe/deny-by-default ")),
            "{out}"
        );
        assert!(lines.iter().any(|l| l.starts_with("token/keys ")), "{out}");
        assert_eq!(
            *lines.last().unwrap(),
            "SECURITY FINDINGS (deny by default failed: the guest reached something never \
             granted): wasmer: deny-read-host-file"
        );
        assert!(
            !out.contains("clock-realtime-res"),
            "no probe table in the terminal"
        );
    }
}
