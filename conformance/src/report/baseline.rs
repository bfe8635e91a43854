//! The committed baseline, `conformance/matrix.json`: the matrix of the last
//! `cargo xtask test-all-runtimes --update`, which `--diff` compares a run with and whose
//! changes `--update` writes into COMPATIBILITY.md's changelog.
//!
//! It is `matrix.json` without the timings (`millis`), which change on every run, with
//! details (and strings in a probe's `observed`, such as a trap message) cut to 100
//! characters and one runtime, cell and probe per line, object keys sorted at every depth:
//! regenerating it changes only the lines of cells whose status, detail or observation
//! changed, so `git diff` reads as a list of changed cells.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use serde_json::Value;

use crate::git::{self, Committed};
use crate::matrix::Matrix;

/// Where the baseline lives, relative to the workspace root.
pub const PATH: &str = "conformance/matrix.json";

/// Top-level fields in the order they are written; any others follow, sorted.
const ORDER: [&str; 5] = ["schema", "generated", "commit", "runtimes", "cells"];

/// The baseline's text for `matrix`.
pub fn to_json(matrix: &Matrix) -> String {
    let mut value = serde_json::to_value(matrix).expect("a matrix serialises");
    let object = value.as_object_mut().expect("a matrix is an object");
    if let Some(Value::Array(cells)) = object.get_mut("cells") {
        for cell in cells {
            if let Some(cell) = cell.as_object_mut() {
                cell.remove("millis");
                // The diff never reads details; a short one keeps `git diff` readable
                // without committing every trap message in full.
                if let Some(Value::String(detail)) = cell.get_mut("detail") {
                    shorten(detail);
                }
                if let Some(observed) = cell.get_mut("observed") {
                    shorten_strings(observed);
                }
            }
        }
    }
    let mut keys: Vec<&String> = object.keys().collect();
    keys.sort_by_key(|k| (ORDER.iter().position(|o| o == k).unwrap_or(ORDER.len()), *k));
    let mut out = String::from("{\n");
    for (i, key) in keys.iter().enumerate() {
        let comma = if i + 1 < keys.len() { "," } else { "" };
        let name = serde_json::to_string(key).unwrap();
        match &object[*key] {
            Value::Array(items) if !items.is_empty() => {
                writeln!(out, "  {name}: [").unwrap();
                for (j, item) in items.iter().enumerate() {
                    let sep = if j + 1 < items.len() { "," } else { "" };
                    writeln!(out, "    {}{sep}", sorted(item)).unwrap();
                }
                writeln!(out, "  ]{comma}").unwrap();
            }
            other => writeln!(out, "  {name}: {other}{comma}").unwrap(),
        }
    }
    out.push_str("}\n");
    out
}

/// Longest detail the baseline keeps, in characters.
const DETAIL_CHARS: usize = 100;

fn shorten(detail: &mut String) {
    if let Some((cut, _)) = detail.char_indices().nth(DETAIL_CHARS) {
        detail.truncate(cut);
        detail.push('…');
    }
}

/// Every string in `value` (keys aside) cut as [`shorten`] cuts a detail.
fn shorten_strings(value: &mut Value) {
    match value {
        Value::String(text) => shorten(text),
        Value::Array(items) => items.iter_mut().for_each(shorten_strings),
        Value::Object(map) => map.values_mut().for_each(shorten_strings),
        _ => {}
    }
}

/// `value` on one line, objects' keys sorted at every depth whatever serde_json's
/// `preserve_order` feature (which some dependency may turn on) does to `Value`'s maps.
fn sorted(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let map: std::collections::BTreeMap<&String, &Value> = map.iter().collect();
            let fields: Vec<String> = map
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::from(k.as_str()), sorted(v)))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(sorted).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

/// Reads a matrix (a run's `matrix.json` or a baseline) from a file.
pub fn load(path: &Path) -> anyhow::Result<Matrix> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// The baseline `--diff` compares with by default: `path` as committed at git `HEAD` (so a
/// local `--update` does not hide what changed since the last commit); outside a git
/// checkout, the file itself. `None` when there is none yet. Also says where it came from.
pub fn load_committed(path: &Path) -> anyhow::Result<Option<(Matrix, String)>> {
    match git::show_head(path) {
        Committed::Found(text) => {
            let matrix = serde_json::from_str(&text)
                .with_context(|| format!("parsing {} at HEAD", path.display()))?;
            Ok(Some((matrix, format!("{} at git HEAD", path.display()))))
        }
        Committed::Missing => Ok(None),
        Committed::NoGit if path.exists() => Ok(Some((load(path)?, path.display().to_string()))),
        Committed::NoGit => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{Cell, RuntimeInfo, Status};
    use crate::target::{Form, Kind};

    #[test]
    fn the_baseline_reads_back_without_timings_one_cell_per_line() {
        let matrix = Matrix {
            schema: 1,
            generated: "2026-11-22T00:00:00Z".into(),
            commit: "abc1234".into(),
            probes: Vec::new(),
            runtimes: vec![RuntimeInfo {
                id: "rt".into(),
                version: "1.0".into(),
                kind: Kind::Embedded,
                available: true,
                reason: String::new(),
                forms: vec![Form::Command],
                settings: String::new(),
            }],
            cells: ["a", "b"]
                .map(|case| Cell {
                    detail: "/ok: expected 1,\nobserved 2".into(),
                    millis: 12.5,
                    ..Cell::new("rt", Form::Command, ["token", "g", case], Status::Fail)
                })
                .into(),
        };
        let text = to_json(&matrix);
        assert!(!text.contains("millis"), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], r#"  "schema": 1,"#);
        assert_eq!(lines[2], r#"  "generated": "2026-11-22T00:00:00Z","#);
        assert_eq!(lines[3], r#"  "commit": "abc1234","#);
        assert_eq!(lines[4], r#"  "runtimes": ["#);
        assert_eq!(
            lines.iter().filter(|l| l.contains(r#""case":"#)).count(),
            2,
            "{text}"
        );
        let back: Matrix = serde_json::from_str(&text).unwrap();
        assert_eq!(back.cells.len(), 2);
        assert_eq!(back.cells[1].detail, matrix.cells[1].detail);
        assert_eq!(back.cells[0].millis, 0.0);
        assert_eq!(back.commit, "abc1234");
    }

    #[test]
    fn probe_cells_and_probes_round_trip_with_any_observation() {
        let (mut matrix, _) = crate::test_support::sample();
        let trap = format!(
            "wasm trap: call stack exhausted\n{}",
            "  0: 0x1 - f\n".repeat(50)
        );
        let stack = Cell {
            case: "stack-depth-1m".into(),
            group: "stack".into(),
            observed: Some(serde_json::json!({"trap": trap, "depth": [1, 2.5, null, true]})),
            verdict: Some("info".into()),
            ..matrix.cells[3].clone()
        };
        matrix.cells.push(stack);
        let text = to_json(&matrix);
        // One line per cell and per probe, the probes after the cells.
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.iter().filter(|l| l.contains(r#""case":"#)).count(),
            matrix.cells.len()
        );
        let probes = lines.iter().position(|l| *l == r#"  "probes": ["#).unwrap();
        assert!(probes > lines.iter().position(|l| *l == r#"  "cells": ["#).unwrap());
        assert_eq!(
            lines[probes + 1],
            r#"    {"description":"Resolution clock_res_get reports (ns).","group":"clocks","id":"clock-realtime-res"},"#
        );
        // Keys are sorted inside observations too.
        let finding = lines
            .iter()
            .find(|l| l.contains(r#""verdict":"finding""#))
            .unwrap();
        assert!(
            finding.contains(r#""observed":{"preopens":["/"],"std_read":{"/etc/passwd":"ok"}},"#),
            "{finding}"
        );
        let back: Matrix = serde_json::from_str(&text).unwrap();
        assert_eq!(back.probes, matrix.probes);
        assert_eq!(back.cells.len(), matrix.cells.len());
        for (read, written) in back
            .cells
            .iter()
            .zip(&matrix.cells)
            .take(matrix.cells.len() - 1)
        {
            assert_eq!(read.observed, written.observed, "{}", written.label());
            assert_eq!(read.verdict, written.verdict, "{}", written.label());
            assert_eq!(read.status, written.status);
        }
        // A long trap message is cut like a detail; the rest of the observation stays.
        let stack = back.cells.last().unwrap();
        let trap = stack.observed.as_ref().unwrap()["trap"].as_str().unwrap();
        assert_eq!(trap.chars().count(), DETAIL_CHARS + 1);
        assert!(trap.starts_with("wasm trap: call stack exhausted\n") && trap.ends_with('…'));
        assert_eq!(
            stack.observed.as_ref().unwrap()["depth"],
            serde_json::json!([1, 2.5, null, true])
        );
        // Service cells still have neither field.
        assert!(
            !lines[lines
                .iter()
                .position(|l| l.contains(r#""service":"token""#))
                .unwrap()]
            .contains("observed")
        );
        // And the baseline is stable: written again, it is the same text.
        assert_eq!(to_json(&back), text);
    }

    #[test]
    fn a_matrix_from_before_the_commit_field_still_reads() {
        let old = r#"{"schema": 1, "generated": "x", "runtimes": [], "cells": []}"#;
        let matrix: Matrix = serde_json::from_str(old).unwrap();
        assert_eq!(matrix.commit, "");
    }
}
