//! How a run ends, whoever ran it: the reports written, the cells judged against the
//! expectations, the comparison with a baseline (`--diff`), the committed files rewritten
//! (`--update`), and the closing summary. The harness ends every run with [`finish`], and
//! `cargo xtask matrix merge` ends a merged sharded run with it too, so both judge, compare,
//! record and count the same way. Their shared options (`--runtime`, ..., `--diff`,
//! `--update`, the committed files) are [`ScopeArgs`] and [`CommittedArgs`], with the crate's
//! `clap` feature.

#[cfg(feature = "clap")]
mod args;

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::expectations::Expectations;
use crate::matrix::{Matrix, PROBE_SERVICE, ProbeInfo, Status};
use crate::probes::Manifest;
use crate::report::diff::{Scope, diff};
use crate::report::{self, baseline, changelog};
use crate::run::CommandCase;
use crate::target::Form;
use crate::vectors::Group;

#[cfg(feature = "clap")]
pub use args::{CommittedArgs, ScopeArgs};

/// What a run asks for: the vectors and probes (or a user's modules) and the filters on them.
#[derive(Clone, Debug)]
pub struct Selection<'a> {
    /// Directory of vector files (`<service>/<group>.json`).
    pub vectors: &'a Path,
    /// The WASI probes' manifest.
    pub probes: &'a Path,
    /// Where the built probes are (`<id>.wasm`).
    pub probe_wasm: &'a Path,
    /// Bring your own wasm: this module or directory of modules instead of the vectors and
    /// probes, and the spec for a single module.
    pub wasm: Option<&'a Path>,
    pub spec: Option<&'a Path>,
    /// Only these services (`probe` for the WASI probes); empty: all.
    pub services: &'a [String],
    /// Only cases whose id contains this text.
    pub case: Option<&'a str>,
}

/// The cases a [`Selection`] found.
#[derive(Default)]
pub struct Selected {
    pub groups: Vec<Group>,
    pub commands: Vec<CommandCase>,
    pub probes: Vec<ProbeInfo>,
}

impl Selection<'_> {
    /// Loads the vector groups, WASI commands and probes the selection asks for.
    pub fn load(&self) -> anyhow::Result<Selected> {
        let matches = |id: &str| self.case.is_none_or(|c| id.contains(c));
        if let Some(wasm) = self.wasm {
            let mut commands = crate::byo::cases(wasm, self.spec)?;
            commands.retain(|c| matches(&c.case));
            return Ok(Selected {
                commands,
                ..Selected::default()
            });
        }
        let wanted =
            |service: &str| self.services.is_empty() || self.services.iter().any(|s| s == service);
        let mut groups = crate::vectors::load_dir(self.vectors)?;
        for service in self.services {
            anyhow::ensure!(
                service == PROBE_SERVICE || groups.iter().any(|g| &g.service == service),
                "no vectors for service `{service}` (the WASI probes are `{PROBE_SERVICE}`)"
            );
        }
        groups.retain(|g| wanted(&g.service));
        let (mut commands, mut probes) = (Vec::new(), Vec::new());
        if wanted(PROBE_SERVICE) {
            let manifest = Manifest::load(self.probes)?;
            // Absolute: some runtimes run the guest in another working directory.
            let dir = std::path::absolute(self.probe_wasm)?;
            crate::probes::check_built(&manifest, &dir)?;
            commands = manifest.cases(&dir)?;
            probes = manifest.infos();
        }
        if self.case.is_some() {
            for group in &mut groups {
                group.cases.retain(|c| matches(&c.id));
            }
            groups.retain(|g| !g.cases.is_empty());
            commands.retain(|c| matches(&c.case));
            probes.retain(|p| matches(&p.id));
        }
        Ok(Selected {
            groups,
            commands,
            probes,
        })
    }

    /// The expectations file when none is given: the project's, or with `--wasm` the
    /// `expectations.json` beside the module(s).
    pub fn default_expectations(&self) -> PathBuf {
        match self.wasm {
            Some(wasm) if wasm.is_dir() => wasm.join("expectations.json"),
            Some(wasm) => wasm.with_file_name("expectations.json"),
            None => PathBuf::from("conformance/expectations.json"),
        }
    }
}

/// Form names as given on a command line (`native`, `component`, `command`, `http`).
pub fn parse_forms(names: &[String]) -> anyhow::Result<Vec<Form>> {
    names
        .iter()
        .map(|name| {
            Form::parse(name).with_context(|| {
                format!("unknown form `{name}`; known: native, component, command, http")
            })
        })
        .collect()
}

/// The committed files a run is compared with and `--update` rewrites.
#[derive(Clone, Debug)]
pub struct Committed {
    /// The baseline matrix (`conformance/matrix.json`): what `--diff` compares with by
    /// default and `--update` rewrites.
    pub baseline: PathBuf,
    /// COMPATIBILITY.md, rewritten by `--update` with a changelog entry.
    pub compatibility: PathBuf,
    /// The measured costs per block that `--shard` balances by.
    pub costs: PathBuf,
}

/// What to do with a finished run's matrix.
#[derive(Clone, Debug)]
pub struct Finish<'a> {
    /// Where the reports go.
    pub out: &'a Path,
    pub expectations: &'a Expectations,
    /// `--diff`: `Some(None)` compares with the baseline committed at git HEAD,
    /// `Some(Some(path))` with that matrix.json.
    pub diff: Option<Option<PathBuf>>,
    /// `--update`: rewrite the committed files from this run.
    pub update: bool,
    pub committed: &'a Committed,
    /// What the run covered: cells outside it are not compared.
    pub scope: &'a Scope,
}

/// The counts of the closing line CI systems read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    pub cells: usize,
    pub passed: usize,
    /// Cells that are not as expected (and stale explanations): they fail the run.
    pub unexpected: usize,
    /// Everything else: unsupported cells and explained differences.
    pub skipped: usize,
}

impl Summary {
    pub fn of(matrix: &Matrix, unexpected: usize) -> Summary {
        let cells = matrix.cells.len();
        let passed = matrix
            .cells
            .iter()
            .filter(|c| c.status == Status::Pass)
            .count();
        Summary {
            cells,
            passed,
            unexpected,
            skipped: cells - passed - unexpected.min(cells - passed),
        }
    }

    /// The plain closing line: unexpected cells fail, expected differences and unsupported
    /// cells are skipped.
    pub fn line(&self) -> String {
        format!(
            "conformance: {} passed, {} failed, {} skipped",
            self.passed, self.unexpected, self.skipped
        )
    }
}

/// Writes the reports, prints the terminal matrix, compares and records as asked, judges
/// every cell and prints the summary. `Ok(true)` when every cell is as expected and nothing
/// regressed against the baseline.
pub fn finish(matrix: &Matrix, finish: &Finish<'_>) -> anyhow::Result<bool> {
    let written = report::write_all(matrix, finish.expectations, finish.out)?;
    println!("\n{}", report::terminal::render(matrix));
    println!("wrote {}", written.list());
    let regressions = match &finish.diff {
        Some(against) => compare(
            matrix,
            against.as_deref(),
            &finish.committed.baseline,
            finish.scope,
        )?,
        None => 0,
    };
    if finish.update {
        update(finish.committed, matrix, finish.expectations, finish.scope)?;
    }
    let problems = finish.expectations.judge(&matrix.cells);
    let summary = Summary::of(matrix, problems.len());
    if problems.is_empty() {
        println!("every cell is as expected ({} cells)", summary.cells);
    } else {
        println!("\n{} unexpected cells:", problems.len());
        for problem in problems.iter().take(50) {
            println!("  {problem}");
        }
        if problems.len() > 50 {
            println!(
                "  ... and {} more in {}",
                problems.len() - 50,
                written.markdown.display()
            );
        }
    }
    println!("{}", summary.line());
    if regressions > 0 {
        println!(
            "\n{regressions} regressions against the baseline (listed above); if intended, \
             record them with `--update` and commit {}",
            finish.committed.baseline.display()
        );
    }
    Ok(problems.is_empty() && regressions == 0)
}

/// `--diff`: prints what changed against `against` (or the baseline committed at HEAD) and
/// returns the number of regressions. No committed baseline yet is not an error.
pub fn compare(
    matrix: &Matrix,
    against: Option<&Path>,
    committed: &Path,
    scope: &Scope,
) -> anyhow::Result<usize> {
    let found = match against {
        Some(path) => Some((baseline::load(path)?, path.display().to_string())),
        None => baseline::load_committed(committed)?,
    };
    let Some((base, source)) = found else {
        println!(
            "\n--diff: no baseline to compare with: {} is not committed yet (`--update` \
             writes it); nothing compared",
            committed.display()
        );
        return Ok(0);
    };
    let changes = diff(&base, matrix, scope);
    print!("\n{}", changes.report(&base, &source));
    Ok(changes.regressions())
}

/// `--update`: rewrites COMPATIBILITY.md (with a changelog entry for what changed since the
/// baseline it replaces), the baseline and the shard costs.
pub fn update(
    committed: &Committed,
    matrix: &Matrix,
    expectations: &Expectations,
    scope: &Scope,
) -> anyhow::Result<()> {
    let previous = if committed.baseline.exists() {
        baseline::load(&committed.baseline)
            .inspect_err(|e| {
                eprintln!("warning: no changelog entry: the old baseline is unreadable: {e:#}")
            })
            .ok()
    } else {
        None
    };
    // The whole baseline file is replaced, so the entry compares all of it.
    let entry = previous
        .as_ref()
        .and_then(|p| changelog::entry(&matrix.generated, &diff(p, matrix, &Scope::all())));
    let old = std::fs::read_to_string(&committed.compatibility).unwrap_or_default();
    let entries = changelog::prepend(entry, changelog::read(&old));
    let text = report::compatibility::render(matrix, expectations) + &changelog::section(&entries);
    std::fs::write(&committed.compatibility, text)
        .with_context(|| format!("writing {}", committed.compatibility.display()))?;
    std::fs::write(&committed.baseline, baseline::to_json(matrix))
        .with_context(|| format!("writing {}", committed.baseline.display()))?;
    let costs = crate::shard::measured(matrix);
    std::fs::write(&committed.costs, crate::shard::costs_json(&costs))
        .with_context(|| format!("writing {}", committed.costs.display()))?;
    println!(
        "rewrote {}, {} and {}",
        committed.compatibility.display(),
        committed.baseline.display(),
        committed.costs.display()
    );
    if !scope.is_all() {
        println!(
            "note: this run was a selection (--runtime, --service, --form or --case): both \
             now record only what it ran"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::Cell;
    use crate::target::Form;

    #[test]
    fn skipped_is_what_neither_passed_nor_failed() {
        let statuses = [
            Status::Pass,
            Status::Pass,
            Status::Unsupported,
            Status::Fail,
            Status::Error,
        ];
        let matrix = Matrix {
            schema: 1,
            generated: "2026-12-05T00:00:00Z".into(),
            commit: "abc1234".into(),
            runtimes: Vec::new(),
            cells: statuses
                .into_iter()
                .map(|s| Cell::new("native", Form::Native, ["token", "g", "c"], s))
                .collect(),
            probes: Vec::new(),
        };
        // One of the two failures is explained, so one is unexpected.
        let summary = Summary::of(&matrix, 1);
        assert_eq!(
            summary,
            Summary {
                cells: 5,
                passed: 2,
                unexpected: 1,
                skipped: 2
            }
        );
        assert_eq!(summary.line(), "conformance: 2 passed, 1 failed, 2 skipped");
    }
}
