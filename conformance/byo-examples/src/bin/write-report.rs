//! `write-report <dir>`: creates `report.txt` in a directory (preopened by the host, and
//! expected not to hold one yet), appends a second line to it, reads it back and prints it
//! with its size, then lists the directory.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir] = args.as_slice() else {
        eprintln!("usage: write-report <dir>");
        std::process::exit(2);
    };
    if let Err(e) = report(Path::new(dir)) {
        eprintln!("write-report: {e}");
        std::process::exit(1);
    }
}

fn report(dir: &Path) -> Result<(), String> {
    let path = dir.join("report.txt");
    let shown = path.display();
    // `create_new`: a second run on the same directory fails instead of overwriting.
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| format!("creating {shown}: {e}"))?;
    file.write_all(b"first line\n")
        .map_err(|e| format!("writing {shown}: {e}"))?;
    drop(file);
    let mut file = OpenOptions::new()
        .append(true)
        .open(&path)
        .map_err(|e| format!("opening {shown} to append: {e}"))?;
    file.write_all(b"appended line\n")
        .map_err(|e| format!("appending to {shown}: {e}"))?;
    drop(file);

    let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {shown}: {e}"))?;
    let size = std::fs::metadata(&path)
        .map_err(|e| format!("size of {shown}: {e}"))?
        .len();
    print!("{text}");
    println!("{size} bytes");

    let mut names = std::fs::read_dir(dir)
        .and_then(|entries| {
            entries
                .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(|e| format!("listing {}: {e}", dir.display()))?;
    names.sort();
    println!("{}: {}", dir.display(), names.join(" "));
    Ok(())
}
