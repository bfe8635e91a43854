//! Symlinks with absolute targets: one to a host file (`/etc/passwd`), one to the guest
//! path of a file in the preopen. Following the first must not reach the host.

use wasi_probes::{Dir, Report, Value, Verdict, errno, json, outcome, sandbox};

fn main() {
    wasi_probes::run(env!("CARGO_BIN_NAME"), probe);
}

/// Creates the link, reads it back, follows it; the last is `true` when following worked.
fn attempt(dir: &Dir, target: &str, link: &str) -> (Value, bool) {
    let create = dir.symlink(target, link);
    let readlink = dir.readlink(link);
    let follow = dir.read(link);
    let observed = json!({
        "create": outcome(&create),
        "readlink": readlink.map_or_else(errno, |t| if t == target { "target".into() } else { t }),
        "follow": outcome(&follow),
    });
    (observed, follow.is_ok())
}

fn probe() -> Result<Report, Report> {
    let dir = sandbox()?;
    let _ = dir.create("t.txt", b"inside");
    let (host, escaped) = attempt(&dir, "/etc/passwd", "to-host");
    let guest_target = format!("{}/t.txt", dir.path.trim_end_matches('/'));
    let (guest, _) = attempt(&dir, &guest_target, "to-guest-path");
    let observed = json!({"host_target": host, "guest_target": guest});
    Ok(Report::new(
        Verdict::denied(!escaped),
        observed,
        "paths resolve inside the preopen: an absolute link target cannot reach the host",
    ))
}
