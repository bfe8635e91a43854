//! `wc-dir <dir>`: walks a directory (preopened by the host), sorted by name, and prints
//! each file's path relative to it with its number of lines, each subdirectory with a
//! trailing `/`, then the totals.

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir] = args.as_slice() else {
        eprintln!("usage: wc-dir <dir>");
        std::process::exit(2);
    };
    let mut totals = Totals::default();
    if let Err(e) = walk(Path::new(dir), "", &mut totals) {
        eprintln!("wc-dir: {e}");
        std::process::exit(1);
    }
    println!(
        "files: {}, directories: {}, lines: {}",
        totals.files, totals.dirs, totals.lines
    );
}

#[derive(Default)]
struct Totals {
    files: usize,
    dirs: usize,
    lines: usize,
}

fn walk(dir: &Path, prefix: &str, totals: &mut Totals) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("listing {}: {e}", dir.display()))?;
    let mut entries = entries
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("listing {}: {e}", dir.display()))?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        let kind = entry
            .file_type()
            .map_err(|e| format!("type of {name}: {e}"))?;
        if kind.is_dir() {
            println!("{name}/");
            totals.dirs += 1;
            walk(&entry.path(), &format!("{name}/"), totals)?;
        } else {
            let text = std::fs::read_to_string(entry.path())
                .map_err(|e| format!("reading {name}: {e}"))?;
            let lines = text.lines().count();
            println!("{name}: {lines}");
            totals.files += 1;
            totals.lines += lines;
        }
    }
    Ok(())
}
