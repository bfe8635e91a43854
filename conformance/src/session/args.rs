//! The command-line options of a run's ending, declared once for the two commands that end a
//! run through [`finish`](super::finish): the harness (`harness run`) and `cargo xtask matrix
//! merge`. Each flattens both structs into its own options (`#[command(flatten)]`); the doc
//! comments are the options' help in both. Options that only make sense for one of them
//! (the harness's `--shard`, `--wasm`, ...) stay in that command.
//!
//! Behind the crate's `clap` feature, so the conformance model itself needs no command line.

use std::path::{Path, PathBuf};

use super::{Committed, Finish, finish, parse_forms};
use crate::expectations::Expectations;
use crate::matrix::Matrix;
use crate::report::baseline;
use crate::report::diff::Scope;

/// What part of the matrix a run covers: `--runtime`, `--service`, `--form`, `--case`.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ScopeArgs {
    /// The runtimes the run covers (comma-separated ids, e.g. `native,wasmtime`). Default:
    /// all.
    #[arg(long, value_delimiter = ',')]
    pub runtime: Vec<String>,
    /// The services the run covers (comma-separated, e.g. `token`; the WASI probes are
    /// `probe`). Default: all.
    #[arg(long, value_delimiter = ',')]
    pub service: Vec<String>,
    /// The forms the run covers (comma-separated: native, component, command, http).
    /// Default: all.
    #[arg(long, value_delimiter = ',')]
    pub form: Vec<String>,
    /// Only cases whose id contains this text.
    #[arg(long)]
    pub case: Option<String>,
}

impl ScopeArgs {
    /// The [`Scope`] these options give: what `--diff` compares (cells outside it are not
    /// compared). Fails on a form name that is not one.
    pub fn scope(&self) -> anyhow::Result<Scope> {
        Ok(Scope {
            runtimes: self.runtime.clone(),
            services: self.service.clone(),
            forms: parse_forms(&self.form)?,
            case: self.case.clone(),
        })
    }
}

/// The run against the committed files: `--diff`, `--update`, and the files they use
/// (`--baseline`, `--compatibility`, `--costs`).
#[derive(clap::Args, Clone, Debug)]
pub struct CommittedArgs {
    /// Compare this run with a baseline matrix.json and list what changed: cells whose
    /// status changed, runtimes added, removed or at another version, cases added or
    /// removed. Fails the run on a regression: a cell that passed and no longer does, a cell
    /// that newly fails or errs, or a cell that is gone. Without a value: the baseline as
    /// committed at git HEAD. Runtimes not available in the run and cells outside its
    /// selection (--runtime, --service, --form, --case) are not compared.
    #[arg(long, value_name = "MATRIX_JSON", num_args = 0..=1)]
    pub diff: Option<Option<PathBuf>>,
    /// Also rewrite the committed files from this run: the baseline matrix (`--baseline`),
    /// COMPATIBILITY.md (`--compatibility`), where what changed since the baseline it
    /// replaces becomes a dated entry in the changelog, and the shard costs (`--costs`).
    #[arg(long)]
    pub update: bool,
    /// The committed baseline: what `--update` rewrites and `--diff` compares with by
    /// default (matrix.json without timings, one cell per line).
    #[arg(long, default_value = baseline::PATH)]
    pub baseline: PathBuf,
    /// The COMPATIBILITY.md that `--update` rewrites.
    #[arg(long, default_value = "COMPATIBILITY.md")]
    pub compatibility: PathBuf,
    /// Measured milliseconds per block (runtime/form/service/group), which the harness's
    /// --shard balances by; `--update` rewrites it from the run.
    #[arg(long, default_value = crate::shard::COSTS)]
    pub costs: PathBuf,
}

impl CommittedArgs {
    /// The committed files `--diff` and `--update` use.
    pub fn committed(&self) -> Committed {
        Committed {
            baseline: self.baseline.clone(),
            compatibility: self.compatibility.clone(),
            costs: self.costs.clone(),
        }
    }

    /// Ends a run as these options ask: [`finish`] with the reports in `out`, the cells
    /// judged by `expectations`, and `scope` as the part of the matrix the run covered.
    pub fn finish(
        &self,
        matrix: &Matrix,
        out: &Path,
        expectations: &Expectations,
        scope: &Scope,
    ) -> anyhow::Result<bool> {
        finish(
            matrix,
            &Finish {
                out,
                expectations,
                diff: self.diff.clone(),
                update: self.update,
                committed: &self.committed(),
                scope,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::target::Form;

    /// A command that flattens both, as the harness and `matrix merge` do.
    #[derive(Parser, Debug)]
    struct Cli {
        #[command(flatten)]
        scope: ScopeArgs,
        #[command(flatten)]
        committed: CommittedArgs,
    }

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(["cmd"].iter().chain(args)).unwrap()
    }

    #[test]
    fn the_scope_is_what_the_filters_say() {
        let cli = parse(&[
            "--runtime",
            "native,wasmtime",
            "--form",
            "command",
            "--form",
            "http",
            "--case",
            "expired",
        ]);
        let scope = cli.scope.scope().unwrap();
        assert_eq!(scope.runtimes, ["native", "wasmtime"]);
        assert!(scope.services.is_empty());
        assert_eq!(scope.forms, [Form::Command, Form::Http]);
        assert_eq!(scope.case.as_deref(), Some("expired"));
        assert!(!scope.is_all());
        assert!(parse(&[]).scope.scope().unwrap().is_all());
        let err = parse(&["--form", "module"]).scope.scope().unwrap_err();
        assert!(err.to_string().contains("unknown form `module`"), "{err}");
    }

    #[test]
    fn diff_takes_an_optional_matrix_and_the_files_have_their_defaults() {
        let cli = parse(&[]);
        assert_eq!(cli.committed.diff, None);
        assert!(!cli.committed.update);
        let committed = cli.committed.committed();
        assert_eq!(committed.baseline, Path::new(baseline::PATH));
        assert_eq!(committed.compatibility, Path::new("COMPATIBILITY.md"));
        assert_eq!(committed.costs, Path::new(crate::shard::COSTS));
        assert_eq!(parse(&["--diff"]).committed.diff, Some(None));
        let cli = parse(&["--diff", "old.json", "--update", "--costs", "c.json"]);
        assert_eq!(cli.committed.diff, Some(Some(PathBuf::from("old.json"))));
        assert!(cli.committed.update);
        assert_eq!(cli.committed.committed().costs, Path::new("c.json"));
    }

    #[test]
    fn the_options_are_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
