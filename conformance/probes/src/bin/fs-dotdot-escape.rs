//! `..` in paths: climbing out of the preopen must fail, or stop at the preopen itself
//! (as `/..` is `/`), for open, stat, read, create and mkdir; `..` that stays inside
//! (`sub/../t.txt`) may resolve.

use wasi_probes::{Report, Value, Verdict, errno, file_stat, json, outcome, sandbox};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    let _ = dir.mkdir("sub");
    let _ = dir.create("t.txt", b"inside");
    // What a climbing path reached: an errno, the preopen itself ("clamped") or a place
    // outside it ("escaped"). Nothing named etc/passwd exists inside.
    let stat = |path: &str| match dir.stat(path) {
        Ok(stat) if dir.is_itself(&stat) => "clamped".to_owned(),
        Ok(_) => "escaped".to_owned(),
        Err(e) => errno(e),
    };
    let open = match dir.open_dir("..") {
        Ok(parent) if file_stat(parent.fd).is_ok_and(|s| dir.is_itself(&s)) => "clamped".into(),
        Ok(_) => "escaped".into(),
        Err(e) => errno(e),
    };
    let landed = |result: Result<(), wasi::Errno>, name: &str| match result {
        Ok(()) if dir.stat(name).is_ok() => "clamped".to_owned(),
        Ok(()) => "escaped".to_owned(),
        Err(e) => errno(e),
    };
    let read = |path: &str| match dir.read(path) {
        Ok(_) => "escaped".to_owned(),
        Err(e) => errno(e),
    };
    let outside = [
        ("open ..", open),
        ("stat ..", stat("..")),
        ("stat sub/../..", stat("sub/../..")),
        ("read ../etc/passwd", read("../etc/passwd")),
        (
            "read ../../../../../../etc/passwd",
            read("../../../../../../etc/passwd"),
        ),
        (
            "create ../probe-escape.txt",
            landed(dir.create("../probe-escape.txt", b"x"), "probe-escape.txt"),
        ),
        (
            "mkdir ../probe-escape-dir",
            landed(dir.mkdir("../probe-escape-dir"), "probe-escape-dir"),
        ),
    ];
    let inside = [
        ("stat sub/..", outcome(&dir.stat("sub/.."))),
        ("read sub/../t.txt", dir.read_outcome("sub/../t.txt")),
    ];
    let escaped = outside.iter().any(|(_, result)| result == "escaped");
    let inside_ok = inside[0].1 == "ok" && inside[1].1 == "inside";
    let observed = json!({
        "outside": outside.into_iter().collect::<Value>(),
        "inside": inside.into_iter().collect::<Value>(),
    });
    Ok(if escaped {
        Report::new(
            Verdict::Finding,
            observed,
            "a path climbed out of the preopen",
        )
    } else if inside_ok {
        let note = "no path leaves the preopen, and .. within it resolves";
        Report::new(Verdict::Conforms, observed, note)
    } else {
        let note = "no path leaves the preopen, but .. within it is refused too";
        Report::info(observed, note)
    })
}
