//! `cargo xtask test-all-runtimes`: builds the harness (the `harness` binary of the `targets`
//! crate, with the Lambda adapter's `bootstrap`) and runs it on what `build` made.
//!
//! xtask stays light (no wasmtime): everything that runs wasm is in the harness, and the
//! options of a run are the harness's own, passed through unchanged. Only `--features` is
//! xtask's: it changes what is built, not what is run.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

use crate::build::{GUEST_PROFILE, PROBES_TARGET, build};
use crate::ci::lint_env;
use crate::platforms;
use crate::setup::setup;
use crate::util::{cargo, run_cmd, target_dir};

/// setup + build, then run every vector on every runtime.
///
/// Writes <target>/conformance/{matrix.json,matrix.md,matrix.html,junit.xml}. Every option but `--features` goes to the harness: --runtime, --service, --form, --case,
/// --timeout, --diff [<matrix.json>] (what changed since a baseline, by default
/// conformance/matrix.json at git HEAD; fails on a regression), --update (rewrite
/// COMPATIBILITY.md and that baseline), --shard K/N (a deterministic, cost-balanced part of
/// the cells), --wasm <file|dir> [--spec <json>] (bring your own module), --list. `--help`
/// prints this, then builds the harness and prints its help, which explains them all.
#[derive(clap::Args, Debug)]
#[command(disable_help_flag = true)]
pub struct Args {
    /// Also build the WasmEdge child, `harness-wasmedge`, which links libwasmedge (installed,
    /// and on LD_LIBRARY_PATH at run time), and give it to the harness. Not passed on; the
    /// one feature is `wasmedge`. May also come among the harness's options.
    #[arg(long, value_name = "FEATURE")]
    pub features: Vec<String>,
    #[command(flatten)]
    pub harness: PassThrough,
}

/// `cargo xtask test-all-runtimes ...`.
pub fn main(args: Args) -> anyhow::Result<()> {
    let mut features = args.features;
    let (help, harness_args) = args
        .harness
        .split(|option| take_feature(option, &mut features))?;
    if help {
        return help_then_harness("test-all-runtimes", None, &features);
    }
    run(&features, harness_args)
}

/// `--help` and the harness's options: what every command that passes options on to the
/// harness (`test-all-runtimes`, `byo-examples`, `bench`, `differential`) flattens into its
/// own. clap takes everything from the first option it does not know on as the harness's,
/// unparsed; [`PassThrough::split`] finds the command's own options among them.
#[derive(clap::Args, Debug, Default)]
pub struct PassThrough {
    /// Print this help, then the harness's (builds the harness first).
    #[arg(short, long)]
    pub help: bool,
    /// Options for the harness, passed on as they are.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "HARNESS OPTIONS"
    )]
    pub rest: Vec<String>,
}

impl PassThrough {
    /// Whether help was asked for (`--help` or `-h`, before or among the harness's options),
    /// and the harness's options, with the command's own taken out by `own` (see
    /// [`own_options`]): they may come after the first harness option, as they always could.
    pub fn split(
        self,
        mut own: impl FnMut(&mut Own<'_>) -> anyhow::Result<bool>,
    ) -> anyhow::Result<(bool, Vec<String>)> {
        let mut help = self.help;
        let harness = own_options(self.rest, |option| {
            if matches!(option.name(), "--help" | "-h") {
                help = true;
                return Ok(true);
            }
            own(option)
        })?;
        Ok((help, harness))
    }
}

/// One option on the command line, offered to a command before the harness gets it.
pub struct Own<'a> {
    name: &'a str,
    /// The value given as `--name=value`.
    inline: Option<&'a str>,
    took_value: bool,
    rest: &'a mut dyn Iterator<Item = String>,
}

impl Own<'_> {
    /// The option's name (`--name`, without any `=value`).
    pub fn name(&self) -> &str {
        self.name
    }

    /// The option's value: what follows `=`, or else the next argument.
    pub fn value(&mut self) -> anyhow::Result<String> {
        self.took_value = true;
        match self.inline {
            Some(value) => Ok(value.to_owned()),
            None => self
                .rest
                .next()
                .with_context(|| format!("{} needs a value", self.name)),
        }
    }
}

/// The arguments `own` leaves to the harness, in their order. `own` is offered each
/// argument: it returns `true` for one of the command's own options (after reading its
/// value with [`Own::value`], if it has one) and `false` for the harness's.
pub fn own_options(
    args: impl IntoIterator<Item = String>,
    mut own: impl FnMut(&mut Own<'_>) -> anyhow::Result<bool>,
) -> anyhow::Result<Vec<String>> {
    let mut harness = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if arg.starts_with("--") => (name, Some(value)),
            _ => (arg.as_str(), None),
        };
        let mut option = Own {
            name,
            inline,
            took_value: false,
            rest: &mut args,
        };
        if !own(&mut option)? {
            harness.push(arg);
        } else if inline.is_some() && !option.took_value {
            bail!("{name} takes no value");
        }
    }
    Ok(harness)
}

/// A command's `--help`: its own help, then the harness's (of the harness subcommand it
/// runs, if any), from the harness built first (with `features`).
pub fn help_then_harness(
    command: &str,
    subcommand: Option<&str>,
    features: &[String],
) -> anyhow::Result<()> {
    crate::print_help(command)?;
    match subcommand {
        Some(subcommand) => println!("\nThe harness's {subcommand} options:\n"),
        None => println!("\nThe harness's options:\n"),
    }
    let mut cmd = harness(features)?;
    cmd.args(subcommand).arg("--help");
    run_cmd(cmd)
}

/// Takes `--features <f>` (or `--features=<f>`) into `features`.
fn take_feature(option: &mut Own<'_>, features: &mut Vec<String>) -> anyhow::Result<bool> {
    if option.name() != "--features" {
        return Ok(false);
    }
    features.push(option.value()?);
    Ok(true)
}

/// `--features <f>` (or `--features=<f>`) anywhere in `args`, and the other arguments.
fn split_features(args: &[String]) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let mut features = Vec::new();
    let rest = own_options(args.iter().cloned(), |option| {
        take_feature(option, &mut features)
    })?;
    Ok((features, rest))
}

/// The host packages: the workspace without the adapters that only build for wasm. Every
/// host build (the harness, the lints, the tests) selects exactly these, because cargo
/// unifies features per selection: with those adapters in, `proc-macro2` gains
/// `span-locations`, and every proc-macro and most of wasmtime would be built twice.
const WASM_ADAPTERS: [&str; 3] = ["fastly-adapter", "cloudflare-adapter", "spin-adapter"];

pub fn host_packages(cmd: &mut Command) {
    cmd.arg("--workspace");
    for adapter in WASM_ADAPTERS {
        cmd.args(["--exclude", adapter]);
    }
}

/// The harness binary, built and ready for its arguments. It is built with the host
/// packages selected ([`host_packages`]), as the tests are: cargo unifies the features of
/// host dependencies (proc-macros) per selection, and with only `-p targets` selected the
/// guests' wit-bindgen no longer turns on `indexmap/default`, so wasmtime's macros — and
/// wasmtime — would be compiled a second time (about ten minutes on a cold two-core machine).
pub fn harness(features: &[String]) -> anyhow::Result<Command> {
    let mut build = cargo();
    // The Lambda adapter's `bootstrap` embeds the same wasmtime: built in the same
    // invocation, it shares the harness's compiled dependencies.
    // Not `--quiet`: on a cold machine this is the longest phase (wasmtime, wasmer and the
    // other engines: 10–15 minutes on two cores), and cargo's progress is what shows it moves.
    eprintln!(
        "build: the harness and the Lambda bootstrap (the engines compile once: 10-15 minutes \
         on a cold two-core machine, seconds after)"
    );
    build.arg("build");
    host_packages(&mut build);
    build.args(["--bin", "harness", "--bin", "bootstrap"]);
    lint_env(&mut build);
    run_cmd(build)?;
    let binary = target_dir()?
        .join("debug")
        .join(format!("harness{}", std::env::consts::EXE_SUFFIX));
    let mut harness = Command::new(binary);
    for feature in features {
        match feature.as_str() {
            "wasmedge" => harness.arg("--wasmedge-child").arg(wasmedge_child()?),
            other => bail!("no feature `{other}`: the harness run has one, `wasmedge`"),
        };
    }
    Ok(harness)
}

/// Builds the WasmEdge child, `harness-wasmedge`, which links libwasmedge (so the harness
/// does not: a missing library costs that column only). Its own selection (`-p
/// wasm-child`): wasmedge-sdk's features do not change the harness's dependencies.
fn wasmedge_child() -> anyhow::Result<PathBuf> {
    let mut build = cargo();
    build.args(["build", "-p", "wasm-child", "--features", "wasmedge"]);
    build.args(["--bin", "harness-wasmedge"]);
    run_cmd(build)?;
    Ok(target_dir()?
        .join("debug")
        .join(format!("harness-wasmedge{}", std::env::consts::EXE_SUFFIX)))
}

/// Setup, build, then the harness on every runtime. `args` are the harness's options, among
/// which `--features <f>` is the harness build's (e.g. `wasmedge`).
pub fn test_all_runtimes(args: &[String]) -> anyhow::Result<()> {
    let (features, harness_args) = split_features(args)?;
    run(&features, harness_args)
}

fn run(features: &[String], harness_args: Vec<String>) -> anyhow::Result<()> {
    setup()?;
    let built = build()?;
    let artifacts = built.manifest;
    let out = artifacts
        .parent()
        .context("artifacts.json has a directory")?;
    let mut cmd = harness(features)?;
    platforms::package(
        &built.artifacts,
        &target_dir()?.join("debug"),
        &out.join("platforms"),
        &out.join("tools"),
    )?;
    cmd.arg("--artifacts").arg(&artifacts);
    // Reports go beside the artifacts unless the caller says where (e.g. one per shard).
    if !harness_args
        .iter()
        .any(|a| a == "--out" || a.starts_with("--out="))
    {
        cmd.arg("--out").arg(out);
    }
    cmd.arg("--cache")
        .arg(out.join("cache"))
        .arg("--drivers")
        .arg(out.join("drivers"))
        .arg("--tools")
        .arg(out.join("tools"))
        .arg("--platforms")
        .arg(out.join("platforms"))
        .arg("--probe-wasm")
        .arg(target_dir()?.join(PROBES_TARGET).join(GUEST_PROFILE))
        .args(harness_args);
    run_cmd(cmd)
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn features_are_taken_out_wherever_they_are() {
        let (features, rest) = split_features(&strings(&[
            "--runtime",
            "native",
            "--features",
            "wasmedge",
            "--features=other",
            "--diff",
        ]))
        .unwrap();
        assert_eq!(features, ["wasmedge", "other"]);
        assert_eq!(rest, ["--runtime", "native", "--diff"]);
        assert!(split_features(&strings(&["--features"])).is_err());
    }

    fn parse(args: &[&str]) -> Args {
        let cli = crate::Cli::try_parse_from(["cargo xtask"].iter().chain(args)).unwrap();
        match cli.command {
            Some(crate::Command::TestAllRuntimes(args)) => args,
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn harness_options_pass_through_unparsed() {
        let args = parse(&["test-all-runtimes", "--runtime", "native", "--diff", "-x"]);
        assert_eq!(args.harness.rest, ["--runtime", "native", "--diff", "-x"]);
        assert!(args.features.is_empty() && !args.harness.help);
        // `--features` first is clap's; after a harness option it is among the rest, where
        // `split` finds it.
        let args = parse(&[
            "test-all-runtimes",
            "--features",
            "wasmedge",
            "--shard",
            "1/2",
        ]);
        assert_eq!(args.features, ["wasmedge"]);
        assert_eq!(args.harness.rest, ["--shard", "1/2"]);
        let args = parse(&["test-all-runtimes", "--list", "--features=wasmedge"]);
        assert_eq!(args.harness.rest, ["--list", "--features=wasmedge"]);
        let mut features = args.features;
        let (help, rest) = args
            .harness
            .split(|option| take_feature(option, &mut features))
            .unwrap();
        assert!(!help);
        assert_eq!(features, ["wasmedge"]);
        assert_eq!(rest, ["--list"]);
    }

    #[test]
    fn help_is_not_clap_s_alone_where_the_harness_has_options() {
        // `--help` first is the flag (xtask's help, then the harness's); after a harness
        // option it reaches the harness's options, where `split` sees it.
        assert!(parse(&["test-all-runtimes", "--help"]).harness.help);
        let args = parse(&["test-all-runtimes", "--runtime", "wasmi", "-h"]);
        assert!(!args.harness.help);
        let (help, rest) = args.harness.split(|_| Ok(false)).unwrap();
        assert!(help);
        assert_eq!(rest, ["--runtime", "wasmi"]);
        for command in ["bench", "byo-examples", "differential"] {
            let parsed = crate::Cli::try_parse_from(["cargo xtask", command, "--quick", "--help"]);
            assert!(parsed.is_ok(), "{command} --help reached clap: {parsed:?}");
        }
        // Commands without harness options keep clap's own help.
        let err = crate::Cli::try_parse_from(["cargo xtask", "dist", "--help"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp);
    }

    #[test]
    fn own_options_are_taken_out_with_their_values_in_either_spelling() {
        let (mut quick, mut from) = (false, Vec::new());
        let rest = own_options(
            strings(&[
                "--limit", "5", "--quick", "--from", "a", "-q", "--from=b", "--seed=3",
            ]),
            |option| {
                match option.name() {
                    "--quick" => quick = true,
                    "--from" => from.push(option.value()?),
                    _ => return Ok(false),
                }
                Ok(true)
            },
        )
        .unwrap();
        assert!(quick);
        assert_eq!(from, ["a", "b"]);
        // The harness's options stay as they were given, in their order.
        assert_eq!(rest, ["--limit", "5", "-q", "--seed=3"]);
        let flag = |option: &mut Own<'_>| Ok(option.name() == "--quick");
        let err = own_options(strings(&["--quick=yes"]), flag).unwrap_err();
        assert_eq!(err.to_string(), "--quick takes no value");
        let valued = |option: &mut Own<'_>| option.value().map(|_| true);
        let err = own_options(strings(&["--from"]), valued).unwrap_err();
        assert_eq!(err.to_string(), "--from needs a value");
    }

    #[test]
    fn the_pass_through_commands_print_their_own_help() {
        for command in ["test-all-runtimes", "byo-examples", "bench", "differential"] {
            crate::print_help(command).unwrap();
        }
        assert!(crate::print_help("no-such-command").is_err());
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        crate::Cli::command().debug_assert();
    }
}
