//! The little the harness asks git: which commit a run measured, and a file as committed at
//! `HEAD` (the baseline matrix `--diff` compares with). Best effort: without git, or outside
//! a checkout, the answers say so instead of failing.

use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// `git rev-parse --short HEAD` of the checkout around `dir`, with `-dirty` appended when
/// tracked files differ from it; `unknown` when that cannot be told.
pub fn head_commit(dir: &Path) -> String {
    let Some(commit) = git(dir, &["rev-parse", "--short", "HEAD"]) else {
        return "unknown".to_owned();
    };
    let commit = commit.trim();
    let dirty = git(dir, &["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|status| !status.trim().is_empty());
    if dirty {
        format!("{commit}-dirty")
    } else {
        commit.to_owned()
    }
}

/// A file as committed at `HEAD`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Committed {
    Found(String),
    /// A git checkout, but `HEAD` has no such file.
    Missing,
    /// Not a git checkout (or no git, or no commit yet).
    NoGit,
}

/// The contents of `path` (relative to the working directory, or absolute) at `HEAD`.
pub fn show_head(path: &Path) -> Committed {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Committed::Missing;
    };
    if git(dir, &["rev-parse", "--verify", "--quiet", "HEAD"]).is_none() {
        return Committed::NoGit;
    }
    match git(dir, &["show", &format!("HEAD:./{name}")]) {
        Some(text) => Committed::Found(text),
        None => Committed::Missing,
    }
}
