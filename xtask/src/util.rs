//! Helpers every command uses: where things are (the workspace, cargo's target directory),
//! running programs (echoed, timed, failing loudly) and a few small file and text tools.
//! Each exists once here; the commands' modules do not keep copies of their own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail, ensure};
use serde_json::Value;

/// The workspace root (xtask's parent directory); `main` makes it the working directory.
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

/// The cargo that runs xtask (`CARGO`), so a toolchain override applies to every build.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// What `cargo metadata` says: package versions and the target directory.
pub struct Metadata {
    pub versions: BTreeMap<String, String>,
    pub target: PathBuf,
}

impl Metadata {
    pub fn load() -> anyhow::Result<Metadata> {
        let output = cargo()
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .output()
            .context("running cargo metadata")?;
        if !output.status.success() {
            bail!(
                "cargo metadata failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let metadata: Value = serde_json::from_slice(&output.stdout)?;
        let versions = metadata["packages"]
            .as_array()
            .context("cargo metadata has no packages")?
            .iter()
            .filter_map(|p| {
                Some((
                    p["name"].as_str()?.to_owned(),
                    p["version"].as_str()?.to_owned(),
                ))
            })
            .collect();
        let target = metadata["target_directory"]
            .as_str()
            .context("cargo metadata has no target_directory")?
            .into();
        Ok(Metadata { versions, target })
    }
}

/// Cargo's target directory, wherever CARGO_TARGET_DIR or config puts it.
pub fn target_dir() -> anyhow::Result<PathBuf> {
    Ok(Metadata::load()?.target)
}

/// Runs a command, echoing it, and fails if it fails.
pub fn run_cmd(mut cmd: Command) -> anyhow::Result<()> {
    eprintln!("$ {}", shown(&cmd));
    let started = std::time::Instant::now();
    let status = cmd
        .status()
        .with_context(|| format!("starting `{}`", shown(&cmd)))?;
    let took = started.elapsed().as_secs_f64();
    if !status.success() {
        bail!("`{}` failed ({status}) after {took:.1} s", shown(&cmd));
    }
    // Every phase says how long it took (a newcomer's first run is long).
    if took >= 1.0 {
        eprintln!("  (done in {took:.1} s)");
    }
    Ok(())
}

/// A command line as `run_cmd` echoes it.
pub fn shown(cmd: &Command) -> String {
    let mut text = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Whether `tool` is on PATH.
pub fn on_path(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// What `rustc <args>` prints, trimmed (`RUSTC` if set, as cargo would use it).
pub fn rustc(args: &[&str]) -> anyhow::Result<String> {
    let shown = format!("rustc {}", args.join(" "));
    let output = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .args(args)
        .output()
        .with_context(|| format!("running {shown}"))?;
    ensure!(output.status.success(), "{shown} failed");
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}

/// `git rev-parse --short HEAD`, `-dirty` when tracked files differ from it (as the
/// harness writes in matrix.json), or `unknown` outside git.
pub fn git_commit() -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let Some(commit) = git(&["rev-parse", "--short", "HEAD"]) else {
        return "unknown".to_owned();
    };
    match git(&["status", "--porcelain", "--untracked-files=no"]) {
        Some(status) if status.is_empty() => commit,
        _ => format!("{commit}-dirty"),
    }
}

/// Lowercase hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Copies a directory tree (files and directories; a symlink is copied as what it points to).
pub fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("listing {}", from.display()))? {
        let entry = entry?;
        let (source, dest) = (entry.path(), to.join(entry.file_name()));
        if source.is_dir() {
            copy_dir(&source, &dest)?;
        } else {
            std::fs::copy(&source, &dest)
                .with_context(|| format!("copying {} to {}", source.display(), dest.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_two_lowercase_digits_per_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn copy_dir_copies_nested_files_and_empty_directories() {
        let dir = std::env::temp_dir().join(format!("xtask-copy-dir-{}", std::process::id()));
        let from = dir.join("from");
        std::fs::create_dir_all(from.join("a/b")).unwrap();
        std::fs::create_dir_all(from.join("empty")).unwrap();
        std::fs::write(from.join("top.txt"), "top").unwrap();
        std::fs::write(from.join("a/b/deep.txt"), "deep").unwrap();
        let to = dir.join("to");
        copy_dir(&from, &to).unwrap();
        assert_eq!(std::fs::read_to_string(to.join("top.txt")).unwrap(), "top");
        assert_eq!(
            std::fs::read_to_string(to.join("a/b/deep.txt")).unwrap(),
            "deep"
        );
        assert!(to.join("empty").is_dir());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
