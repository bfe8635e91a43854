//! Shared by every WASI probe (`src/bin/<id>.rs`): the report a probe prints, names for
//! errnos and file types, and small wrappers over the raw preview 1 calls.
//!
//! A probe is `fn main() { wasi_probes::run(env!("CARGO_BIN_NAME"), probe) }` plus a
//! `probe` function returning a [`Report`] (or `Result<Report, Report>`, so that `?` can
//! return a setup failure such as a missing preopen). [`run`] prints exactly one line on
//! stdout, `{"probe", "observed", "verdict", "note"}`, and exits 0, or with the report's
//! exit code. Built for any other target, a probe only says that it is not a WASI program:
//! the probe function is never called there, so no WASI import is linked.

use std::io::Write;

pub use serde_json::{Value, json};
pub use wasi::{Errno, Fd, Filestat, Filetype};

/// How the observation compares with the WASI preview 1 specification (the witx docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The spec decides and the runtime does what it says.
    Conforms,
    /// The spec decides and the runtime does something else.
    Violates,
    /// Deny by default failed: the guest reached something nobody granted (security).
    Finding,
    /// The spec leaves it open; the observation is the point.
    Info,
    /// The probe could not test anything: the host did not grant what the manifest says
    /// (e.g. no preopen under the `PROBE_DIR` name). Never a pass: the harness judges it an
    /// `error` naming the missing grant.
    Setup,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Conforms => "conforms",
            Verdict::Violates => "violates",
            Verdict::Finding => "finding",
            Verdict::Info => "info",
            Verdict::Setup => "setup",
        }
    }

    /// `Conforms` when the spec's requirement holds, else `Violates`.
    pub fn spec(holds: bool) -> Verdict {
        if holds {
            Verdict::Conforms
        } else {
            Verdict::Violates
        }
    }

    /// `Conforms` when every attempt was denied, else `Finding`.
    pub fn denied(all_denied: bool) -> Verdict {
        if all_denied {
            Verdict::Conforms
        } else {
            Verdict::Finding
        }
    }
}

/// What a probe prints: the observed value, the verdict and one sentence saying what the
/// spec says (or why there is no verdict).
#[derive(Debug)]
pub struct Report {
    pub observed: Value,
    pub verdict: Verdict,
    pub note: String,
    /// Exit with this code (`proc_exit`) after printing; `None` exits 0.
    pub exit: Option<u32>,
}

impl Report {
    pub fn new(verdict: Verdict, observed: Value, note: impl Into<String>) -> Report {
        Report {
            observed,
            verdict,
            note: note.into(),
            exit: None,
        }
    }

    pub fn info(observed: Value, note: impl Into<String>) -> Report {
        Report::new(Verdict::Info, observed, note)
    }

    /// The probe could not set up its test: `missing` names the grant it did not find, and
    /// `observed` (an object) adds what it saw instead. The line's `observed` always has a
    /// `setup` member, which is how the harness knows nothing was tested.
    pub fn setup(missing: &str, mut observed: Value, note: impl Into<String>) -> Report {
        if !observed.is_object() {
            observed = json!({});
        }
        observed["setup"] = Value::from(missing);
        Report::new(Verdict::Setup, observed, note)
    }

    /// Exit with `code` after printing the line.
    pub fn exit_with(mut self, code: u32) -> Report {
        self.exit = Some(code);
        self
    }

    /// The probe's one line (without the newline), keys in the contract's order. (Inside
    /// `observed`, serde_json sorts keys, which keeps the line stable.)
    pub fn line(&self, probe: &str) -> String {
        format!(
            r#"{{"probe":{},"observed":{},"verdict":"{}","note":{}}}"#,
            Value::from(probe),
            self.observed,
            self.verdict.as_str(),
            Value::from(self.note.as_str()),
        )
    }
}

impl From<Result<Report, Report>> for Report {
    fn from(result: Result<Report, Report>) -> Report {
        result.unwrap_or_else(|report| report)
    }
}

/// Runs the probe and prints its report as one line on stdout (one write), then exits.
pub fn run<R: Into<Report>>(id: &str, probe: impl FnOnce() -> R) {
    #[cfg(target_os = "wasi")]
    {
        let report = probe().into();
        emit(id, &report);
        if let Some(code) = report.exit {
            // SAFETY: proc_exit takes a plain integer and does not return.
            unsafe { wasi::proc_exit(code) }
        }
    }
    #[cfg(not(target_os = "wasi"))]
    {
        let _ = probe;
        let note = "not a WASI program here: build with --target wasm32-wasip1";
        emit(id, &Report::info(Value::Null, note));
        std::process::exit(2)
    }
}

fn emit(id: &str, report: &Report) {
    let mut line = report.line(id);
    line.push('\n');
    let mut stdout = std::io::stdout().lock();
    // Nothing useful can be done when stdout is gone: the host sees no line.
    let _ = stdout.write_all(line.as_bytes());
    let _ = stdout.flush();
}

// --- names ----------------------------------------------------------------------------

/// WASI preview 1 errno names, by code (`errno::notcapable` is 76).
const ERRNO_NAMES: [&str; 77] = [
    "SUCCESS",
    "2BIG",
    "ACCES",
    "ADDRINUSE",
    "ADDRNOTAVAIL",
    "AFNOSUPPORT",
    "AGAIN",
    "ALREADY",
    "BADF",
    "BADMSG",
    "BUSY",
    "CANCELED",
    "CHILD",
    "CONNABORTED",
    "CONNREFUSED",
    "CONNRESET",
    "DEADLK",
    "DESTADDRREQ",
    "DOM",
    "DQUOT",
    "EXIST",
    "FAULT",
    "FBIG",
    "HOSTUNREACH",
    "IDRM",
    "ILSEQ",
    "INPROGRESS",
    "INTR",
    "INVAL",
    "IO",
    "ISCONN",
    "ISDIR",
    "LOOP",
    "MFILE",
    "MLINK",
    "MSGSIZE",
    "MULTIHOP",
    "NAMETOOLONG",
    "NETDOWN",
    "NETRESET",
    "NETUNREACH",
    "NFILE",
    "NOBUFS",
    "NODEV",
    "NOENT",
    "NOEXEC",
    "NOLCK",
    "NOLINK",
    "NOMEM",
    "NOMSG",
    "NOPROTOOPT",
    "NOSPC",
    "NOSYS",
    "NOTCONN",
    "NOTDIR",
    "NOTEMPTY",
    "NOTRECOVERABLE",
    "NOTSOCK",
    "NOTSUP",
    "NOTTY",
    "NXIO",
    "OVERFLOW",
    "OWNERDEAD",
    "PERM",
    "PIPE",
    "PROTO",
    "PROTONOSUPPORT",
    "PROTOTYPE",
    "RANGE",
    "ROFS",
    "SPIPE",
    "SRCH",
    "STALE",
    "TIMEDOUT",
    "TXTBSY",
    "XDEV",
    "NOTCAPABLE",
];

/// `"ENOENT"`, `"ENOTCAPABLE"`, ... for an errno code; `"errno-<n>"` for a code preview 1
/// does not define. (The `wasi` crate's own `name()` must not see unknown codes.)
pub fn errno_name(code: u16) -> String {
    match ERRNO_NAMES.get(usize::from(code)) {
        Some(name) => format!("E{name}"),
        None => format!("errno-{code}"),
    }
}

pub fn errno(e: Errno) -> String {
    errno_name(e.raw())
}

/// `"ok"` or the errno name: the usual observation of one call.
pub fn outcome<T>(result: &Result<T, Errno>) -> Value {
    match result {
        Ok(_) => "ok".into(),
        Err(e) => errno(*e).into(),
    }
}

/// An error from std: its errno name when it carries one (wasi-libc's errno values are
/// preview 1's), else its kind (e.g. `"Unsupported"` for what std refuses by itself).
pub fn io_error(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => u16::try_from(code).map_or_else(|_| format!("errno-{code}"), errno_name),
        None => format!("{:?}", e.kind()),
    }
}

/// `"ok"` or [`io_error`].
pub fn io_outcome<T>(result: &std::io::Result<T>) -> Value {
    match result {
        Ok(_) => "ok".into(),
        Err(e) => io_error(e).into(),
    }
}

pub fn filetype_name(filetype: Filetype) -> String {
    filetype_raw_name(filetype.raw())
}

/// The name of a `filetype` value as stored in a `dirent` (or `"filetype-<n>"`).
pub fn filetype_raw_name(raw: u8) -> String {
    const NAMES: [&str; 8] = [
        "unknown",
        "block_device",
        "character_device",
        "directory",
        "regular_file",
        "socket_dgram",
        "socket_stream",
        "symbolic_link",
    ];
    match NAMES.get(usize::from(raw)) {
        Some(name) => (*name).to_owned(),
        None => format!("filetype-{raw}"),
    }
}

pub fn is_socket(filetype: Filetype) -> bool {
    filetype == wasi::FILETYPE_SOCKET_STREAM || filetype == wasi::FILETYPE_SOCKET_DGRAM
}

// --- wasm intrinsics --------------------------------------------------------------------

/// Current size of the default memory, in 64 KiB pages.
pub fn memory_pages() -> usize {
    #[cfg(target_arch = "wasm32")]
    return core::arch::wasm32::memory_size(0);
    #[cfg(not(target_arch = "wasm32"))]
    unimplemented!("wasm32 only")
}

/// `memory.grow` by `delta` pages: the previous size, or `None` when it failed (-1).
pub fn memory_grow(delta: usize) -> Option<usize> {
    #[cfg(target_arch = "wasm32")]
    return Some(core::arch::wasm32::memory_grow(0, delta)).filter(|&old| old != usize::MAX);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = delta;
        unimplemented!("wasm32 only")
    }
}

/// The `unreachable` instruction.
pub fn trap() -> ! {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    std::process::abort()
}

// --- plain calls -------------------------------------------------------------------------

/// The time of `clock`.
pub fn clock_time(clock: wasi::Clockid) -> Result<u64, Errno> {
    // SAFETY: no pointers cross; the wrapper owns its result slot.
    unsafe { wasi::clock_time_get(clock, 1) }
}

pub fn clock_res(clock: wasi::Clockid) -> Result<u64, Errno> {
    // SAFETY: as above.
    unsafe { wasi::clock_res_get(clock) }
}

/// `random_get` into `buf`.
pub fn random(buf: &mut [u8]) -> Result<(), Errno> {
    // SAFETY: the pointer and length describe `buf`.
    unsafe { wasi::random_get(buf.as_mut_ptr(), buf.len()) }
}

pub fn fdstat(fd: Fd) -> Result<wasi::Fdstat, Errno> {
    // SAFETY: the wrapper owns its result slot.
    unsafe { wasi::fd_fdstat_get(fd) }
}

pub fn file_stat(fd: Fd) -> Result<Filestat, Errno> {
    // SAFETY: the wrapper owns its result slot.
    unsafe { wasi::fd_filestat_get(fd) }
}

pub fn close(fd: Fd) -> Result<(), Errno> {
    // SAFETY: closing a descriptor touches no guest memory.
    unsafe { wasi::fd_close(fd) }
}

/// One `fd_write` of `data` (may be short).
pub fn write_once(fd: Fd, data: &[u8]) -> Result<usize, Errno> {
    let iov = wasi::Ciovec {
        buf: data.as_ptr(),
        buf_len: data.len(),
    };
    // SAFETY: the iovec describes `data`, alive for the call.
    unsafe { wasi::fd_write(fd, &[iov]) }
}

/// `fd_write` until all of `data` is written.
pub fn write_all(fd: Fd, mut data: &[u8]) -> Result<(), Errno> {
    while !data.is_empty() {
        match write_once(fd, data)? {
            0 => return Err(wasi::ERRNO_IO),
            n => data = &data[n..],
        }
    }
    Ok(())
}

/// One `fd_read` into `buf`.
pub fn read_once(fd: Fd, buf: &mut [u8]) -> Result<usize, Errno> {
    let iov = wasi::Iovec {
        buf: buf.as_mut_ptr(),
        buf_len: buf.len(),
    };
    // SAFETY: the iovec describes `buf`, alive for the call.
    unsafe { wasi::fd_read(fd, &[iov]) }
}

/// `fd_read` until it returns 0.
pub fn read_to_end(fd: Fd) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match read_once(fd, &mut buf)? {
            0 => return Ok(out),
            n => out.extend_from_slice(&buf[..n]),
        }
    }
}

pub fn seek(fd: Fd, offset: i64, whence: wasi::Whence) -> Result<u64, Errno> {
    // SAFETY: the wrapper owns its result slot.
    unsafe { wasi::fd_seek(fd, offset, whence) }
}

pub fn tell(fd: Fd) -> Result<u64, Errno> {
    // SAFETY: as above.
    unsafe { wasi::fd_tell(fd) }
}

pub fn set_fd_flags(fd: Fd, flags: wasi::Fdflags) -> Result<(), Errno> {
    // SAFETY: no pointers cross.
    unsafe { wasi::fd_fdstat_set_flags(fd, flags) }
}

/// The preopened directories, as wasi-libc finds them: descriptors from 3 up to the first
/// that is not one.
pub fn preopens() -> Vec<(Fd, String)> {
    let mut found = Vec::new();
    for fd in 3.. {
        // SAFETY: the wrapper owns its result slot.
        let Ok(prestat) = (unsafe { wasi::fd_prestat_get(fd) }) else {
            break;
        };
        if prestat.tag != wasi::PREOPENTYPE_DIR.raw() {
            continue;
        }
        // SAFETY: the tag says the `dir` variant is the one written.
        let len = unsafe { prestat.u.dir.pr_name_len };
        let mut name = vec![0u8; len];
        // SAFETY: the buffer holds `len` bytes.
        if unsafe { wasi::fd_prestat_dir_name(fd, name.as_mut_ptr(), len) }.is_ok() {
            // Some runtimes count a trailing NUL in the length.
            while name.last() == Some(&0) {
                name.pop();
            }
            found.push((fd, String::from_utf8_lossy(&name).into_owned()));
        }
    }
    found
}

/// Every open descriptor in `range` with its file type (for "what did the host give me").
pub fn open_fds(range: std::ops::RangeInclusive<Fd>) -> Vec<(Fd, Filetype)> {
    range
        .filter_map(|fd| fdstat(fd).ok().map(|stat| (fd, stat.fs_filetype)))
        .collect()
}

// --- shared probe bodies ---------------------------------------------------------------

/// The resolution of `clock` and whether it can be read. The resolution is asked twice,
/// with some work between: a value that changes is no resolution, and is shown as such.
pub fn resolution_report(clock: wasi::Clockid) -> Report {
    let res = clock_res(clock);
    for _ in 0..10_000 {
        std::hint::black_box(clock_time(clock).ok());
    }
    let again = clock_res(clock);
    let time = clock_time(clock);
    let resolution = match res {
        Ok(_) if again != res => json!("varies between calls"),
        Ok(ns) => json!(ns),
        Err(e) => json!(errno(e)),
    };
    let observed = json!({"resolution_ns": resolution, "read": outcome(&time)});
    match res {
        Ok(_) if again != res => Report::info(
            observed,
            "clock_res_get answers differently on each call: it is not reporting a resolution",
        ),
        Ok(0) => Report::new(
            Verdict::Violates,
            observed,
            "clock_res_get must give a non-zero resolution for a supported clock",
        ),
        Ok(_) => Report::info(
            observed,
            "the resolution is the runtime's: the spec only requires it to be non-zero",
        ),
        Err(e) if e == wasi::ERRNO_INVAL => Report::new(
            Verdict::Conforms,
            observed,
            "an unsupported clock, reported with EINVAL as the spec requires",
        ),
        Err(_) => Report::new(
            Verdict::Violates,
            observed,
            "clock_res_get must return EINVAL for an unsupported clock",
        ),
    }
}

/// One `random_get` of `len` bytes: it succeeds, stays in its buffer and looks random
/// (every byte value occurs, no 1/16th of the buffer repeats another).
pub fn random_report(len: usize) -> Report {
    const GUARD: u8 = 0xA5;
    let mut buf = vec![0u8; len + 16];
    buf[len..].fill(GUARD);
    let result = random(&mut buf[..len]);
    let in_bounds = buf[len..].iter().all(|&b| b == GUARD);
    let data = &buf[..len];
    let mut seen = [false; 256];
    for &b in data {
        seen[usize::from(b)] = true;
    }
    let all_values = seen.iter().all(|&s| s);
    let chunks: std::collections::HashSet<&[u8]> = data.chunks(len / 16).collect();
    let chunks_distinct = chunks.len() == 16;
    let observed = json!({
        "bytes": len,
        "result": outcome(&result),
        "in_bounds": in_bounds,
        "all_byte_values": all_values,
        "chunks_distinct": chunks_distinct,
    });
    let holds = result.is_ok() && in_bounds && all_values && chunks_distinct;
    Report::new(
        Verdict::spec(holds),
        observed,
        "random_get writes high-quality random data into exactly the buffer it is given",
    )
}

/// Recursion on the engine's own call stack: each level is a `call_indirect` through a
/// pointer the optimiser cannot see through (no inlining, no tail call, no loop) and with
/// no frame in linear memory, so `depth` levels need `depth` wasm frames.
pub fn recurse(depth: u64) -> u64 {
    static NEXT: fn(u64) -> u64 = recurse;
    if depth == 0 {
        return 1;
    }
    // SAFETY: a plain read of an initialised static; volatile only hides its value.
    let next = unsafe { std::ptr::read_volatile(&NEXT) };
    next(depth - 1).rotate_left(7) ^ depth
}

/// Gives the allocator room before a probe grows memory itself, so that printing the
/// report needs no `memory.grow` even when the runtime's cap has been reached.
fn reserve_heap() {
    let room: Vec<u8> = Vec::with_capacity(1 << 20);
    std::hint::black_box(&room);
}

/// Writes and reads back the last byte of a memory of `pages` pages.
fn last_byte_usable(pages: usize) -> bool {
    let address = pages.wrapping_mul(65536).wrapping_sub(1);
    let byte = std::ptr::with_exposed_provenance_mut::<u8>(address);
    // SAFETY: the byte is inside linear memory (below `pages` pages) and no Rust object
    // lives there: the probe itself grew this memory.
    unsafe {
        byte.write_volatile(0x5A);
        byte.read_volatile() == 0x5A
    }
}

/// `memory.grow` straight to `target` pages (the spec lets a host refuse: -1).
pub fn grow_report(target: usize) -> Report {
    reserve_heap();
    let before = memory_pages();
    let grew = before >= target || memory_grow(target - before).is_some();
    let pages = memory_pages();
    let observed = json!({
        "target_pages": target,
        "grew": grew,
        "pages": pages,
        "last_byte_usable": grew && last_byte_usable(pages),
    });
    Report::info(
        observed,
        "memory.grow may return -1 where the host caps memory; wasm32 allows up to 65536 pages",
    )
}

/// The most pages `memory.grow` reaches (at most 65536, 4 GiB): the host's cap.
pub fn max_pages() -> usize {
    const LIMIT: usize = 65536;
    reserve_heap();
    let mut step = LIMIT;
    while step > 0 {
        let room = LIMIT - memory_pages();
        if room == 0 {
            break;
        }
        if memory_grow(step.min(room)).is_none() {
            step /= 2;
        }
    }
    memory_pages()
}

// --- poll_oneoff ---------------------------------------------------------------------------

/// A clock subscription: `timeout` ns on `clock`, relative unless `flags` says absolute.
pub fn clock_subscription(
    userdata: u64,
    clock: wasi::Clockid,
    timeout: u64,
    flags: wasi::Subclockflags,
) -> wasi::Subscription {
    wasi::Subscription {
        userdata,
        u: wasi::SubscriptionU {
            tag: wasi::EVENTTYPE_CLOCK.raw(),
            u: wasi::SubscriptionUU {
                clock: wasi::SubscriptionClock {
                    id: clock,
                    timeout,
                    precision: 0,
                    flags,
                },
            },
        },
    }
}

/// A subscription for `fd` becoming readable.
pub fn read_subscription(userdata: u64, fd: Fd) -> wasi::Subscription {
    wasi::Subscription {
        userdata,
        u: wasi::SubscriptionU {
            tag: wasi::EVENTTYPE_FD_READ.raw(),
            u: wasi::SubscriptionUU {
                fd_read: wasi::SubscriptionFdReadwrite {
                    file_descriptor: fd,
                },
            },
        },
    }
}

/// One event `poll_oneoff` reported, in plain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollEvent {
    pub userdata: u64,
    /// errno name, `"ESUCCESS"` when none.
    pub error: String,
    /// `"clock"`, `"fd_read"`, `"fd_write"` (or `"type-<n>"`).
    pub kind: String,
    pub nbytes: u64,
}

/// `poll_oneoff` on `subscriptions`: the events it stored.
pub fn poll(subscriptions: &[wasi::Subscription]) -> Result<Vec<PollEvent>, Errno> {
    // SAFETY: the zeroed bytes are a valid `Event` (every field is an integer).
    let mut events: Vec<wasi::Event> =
        vec![unsafe { std::mem::zeroed() }; subscriptions.len().max(1)];
    // SAFETY: `events` holds one event per subscription.
    let n = unsafe {
        wasi::poll_oneoff(
            subscriptions.as_ptr(),
            events.as_mut_ptr(),
            subscriptions.len(),
        )
    }?;
    Ok(events
        .iter()
        .take(n.min(events.len()))
        .map(|event| PollEvent {
            userdata: event.userdata,
            error: errno(event.error),
            kind: match event.type_.raw() {
                0 => "clock".to_owned(),
                1 => "fd_read".to_owned(),
                2 => "fd_write".to_owned(),
                other => format!("type-{other}"),
            },
            nbytes: event.fd_readwrite.nbytes,
        })
        .collect())
}

// --- args and environ, as the raw calls give them --------------------------------------

/// The strings `args_get` or `environ_get` wrote, with what the ABI requires of them.
#[derive(Debug)]
pub struct RawStrings {
    /// Each string, without its NUL.
    pub items: Vec<Vec<u8>>,
    /// The buffer size `*_sizes_get` announced.
    pub buf_size: usize,
    /// Every pointer points into the buffer at a NUL-terminated string.
    pub nul_terminated: bool,
    /// The strings (with their NULs) fill exactly the announced size.
    pub sizes_match: bool,
    /// Nothing was written past the pointer array or the buffer.
    pub in_bounds: bool,
}

pub fn raw_args() -> Result<RawStrings, Errno> {
    // SAFETY: the wrapper owns its result slots.
    let (count, size) = unsafe { wasi::args_sizes_get() }?;
    // SAFETY: `read_raw` passes arrays of the announced sizes.
    read_raw(count, size, |ptrs, buf| unsafe {
        wasi::args_get(ptrs, buf)
    })
}

pub fn raw_environ() -> Result<RawStrings, Errno> {
    // SAFETY: as above.
    let (count, size) = unsafe { wasi::environ_sizes_get() }?;
    // SAFETY: as above.
    read_raw(count, size, |ptrs, buf| unsafe {
        wasi::environ_get(ptrs, buf)
    })
}

fn read_raw(
    count: usize,
    size: usize,
    get: impl FnOnce(*mut *mut u8, *mut u8) -> Result<(), Errno>,
) -> Result<RawStrings, Errno> {
    const GUARD: u8 = 0xA5;
    // One pointer slot and 16 bytes more than announced, to see writes past the end.
    if count == 0 {
        // As wasi-libc does: nothing to get (a runtime may refuse a call with no room).
        let items = Vec::new();
        let (nul_terminated, sizes_match, in_bounds) = (true, size == 0, true);
        return Ok(RawStrings {
            items,
            buf_size: size,
            nul_terminated,
            sizes_match,
            in_bounds,
        });
    }
    let mut pointers = vec![std::ptr::null_mut::<u8>(); count + 1];
    let mut buf = vec![GUARD; size + 16];
    get(pointers.as_mut_ptr(), buf.as_mut_ptr())?;
    let in_bounds = pointers[count].is_null() && buf[size..].iter().all(|&b| b == GUARD);
    let base = buf.as_ptr() as usize;
    let mut nul_terminated = true;
    let mut items = Vec::with_capacity(count);
    for &pointer in &pointers[..count] {
        let start = (pointer as usize).wrapping_sub(base);
        let rest = buf[..size].get(start..).unwrap_or_default();
        match rest.iter().position(|&b| b == 0) {
            Some(end) => items.push(rest[..end].to_vec()),
            None => {
                nul_terminated = false;
                items.push(Vec::new());
            }
        }
    }
    let sizes_match = items.iter().map(|item| item.len() + 1).sum::<usize>() == size;
    Ok(RawStrings {
        items,
        buf_size: size,
        nul_terminated,
        sizes_match,
        in_bounds,
    })
}

/// The arguments after argv[0], as text (lossy), or the errno name.
pub fn args_after_program() -> Result<Vec<String>, Report> {
    let raw = raw_args().map_err(|e| {
        Report::new(
            Verdict::Violates,
            json!({"args_get": errno(e)}),
            "args_get failed",
        )
    })?;
    Ok(raw
        .items
        .iter()
        .skip(1)
        .map(|item| String::from_utf8_lossy(item).into_owned())
        .collect())
}

/// The environment as (name, value) pairs (lossy text), or the errno name.
pub fn environ_pairs() -> Result<Vec<(String, String)>, Report> {
    let raw = raw_environ().map_err(|e| {
        Report::new(
            Verdict::Violates,
            json!({"environ_get": errno(e)}),
            "environ_get failed",
        )
    })?;
    Ok(raw
        .items
        .iter()
        .map(|item| {
            let text = String::from_utf8_lossy(item);
            match text.split_once('=') {
                Some((name, value)) => (name.to_owned(), value.to_owned()),
                None => (text.into_owned(), String::new()),
            }
        })
        .collect())
}

// --- the scratch directory ---------------------------------------------------------------

/// Rights a probe asks for on a file it opens (masked by what the directory passes on).
const FILE_RIGHTS: wasi::Rights = wasi::RIGHTS_FD_READ
    | wasi::RIGHTS_FD_WRITE
    | wasi::RIGHTS_FD_SEEK
    | wasi::RIGHTS_FD_TELL
    | wasi::RIGHTS_FD_FDSTAT_SET_FLAGS
    | wasi::RIGHTS_FD_SYNC
    | wasi::RIGHTS_FD_DATASYNC
    | wasi::RIGHTS_FD_ADVISE
    | wasi::RIGHTS_FD_ALLOCATE
    | wasi::RIGHTS_FD_FILESTAT_GET
    | wasi::RIGHTS_FD_FILESTAT_SET_SIZE
    | wasi::RIGHTS_FD_FILESTAT_SET_TIMES
    | wasi::RIGHTS_POLL_FD_READWRITE;

/// Rights a probe asks for on a directory it opens: everything but writing to it.
const DIR_RIGHTS: wasi::Rights = !(wasi::RIGHTS_FD_WRITE
    | wasi::RIGHTS_FD_DATASYNC
    | wasi::RIGHTS_FD_ALLOCATE
    | wasi::RIGHTS_FD_FILESTAT_SET_SIZE);

/// A directory the probe holds, with its guest path.
#[derive(Debug)]
pub struct Dir {
    pub fd: Fd,
    pub path: String,
    /// The name the runtime gave the preopen (`fd_prestat_dir_name`); `path` unless the
    /// runtime renamed it (see [`sandbox`]).
    pub name: String,
    /// Opened by the probe (closed on drop), not the preopen.
    owned: bool,
}

/// The scratch directory the host preopened, named by `PROBE_DIR`. A missing one is a
/// setup failure ([`Report::setup`]), listing the preopens the guest did see, so the cell
/// shows how the runtime named them.
pub fn sandbox() -> Result<Dir, Report> {
    let note = "the host must preopen a scratch directory and name it in PROBE_DIR";
    let found = preopens();
    let seen =
        || json!({"preopens": found.iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>()});
    let Ok(path) = std::env::var("PROBE_DIR") else {
        return Err(Report::setup("PROBE_DIR is not set", seen(), note));
    };
    let wanted = path.trim_end_matches('/');
    // The name as granted first; failing that, the name as wasi-libc matches an absolute
    // path against the preopens, leading `/` and `./` not counting: WasmEdge names a
    // `/sandbox` grant `sandbox`, and C or Rust programs still reach `/sandbox/x` through
    // it. `fs-preopen` reports the name as the runtime gave it.
    let exact = found
        .iter()
        .find(|(_, name)| name.trim_end_matches('/') == wanted);
    let as_libc = || {
        found
            .iter()
            .find(|(_, name)| libc_prefix(name) == libc_prefix(wanted))
    };
    match exact.or_else(as_libc) {
        Some((fd, name)) => Ok(Dir {
            fd: *fd,
            path,
            name: name.clone(),
            owned: false,
        }),
        None => Err(Report::setup(
            &format!("no preopen named {path} (PROBE_DIR)"),
            seen(),
            note,
        )),
    }
}

/// A preopen name or absolute path as wasi-libc compares them: without leading `/` and
/// `./`, nor trailing `/`.
fn libc_prefix(name: &str) -> &str {
    let mut rest = name.trim_end_matches('/');
    loop {
        rest = match rest {
            r if r.starts_with('/') => &r[1..],
            r if r.starts_with("./") => &r[2..],
            "." => "",
            r => return r,
        };
    }
}

impl Dir {
    fn inheriting(&self) -> wasi::Rights {
        fdstat(self.fd).map_or(!0, |stat| stat.fs_rights_inheriting)
    }

    /// `path_open` with the given flags, following symlinks, asking for `rights` (masked
    /// by what this directory passes on, as wasi-libc does).
    pub fn open_with(
        &self,
        path: &str,
        lookup: wasi::Lookupflags,
        oflags: wasi::Oflags,
        fdflags: wasi::Fdflags,
        rights: wasi::Rights,
    ) -> Result<Fd, Errno> {
        let inheriting = self.inheriting();
        // SAFETY: the path is a valid string for the call; the wrapper owns its result.
        unsafe {
            wasi::path_open(
                self.fd,
                lookup,
                path,
                oflags,
                rights & inheriting,
                inheriting,
                fdflags,
            )
        }
    }

    /// Opens a file for reading and writing.
    pub fn open(
        &self,
        path: &str,
        oflags: wasi::Oflags,
        fdflags: wasi::Fdflags,
    ) -> Result<Fd, Errno> {
        let follow = wasi::LOOKUPFLAGS_SYMLINK_FOLLOW;
        self.open_with(path, follow, oflags, fdflags, FILE_RIGHTS)
    }

    /// Creates (or truncates) `path` for reading and writing: the file a probe works on.
    /// Failing to is itself the observation: a preopen must allow creating files.
    pub fn create_scratch(&self, path: &str) -> Result<Fd, Report> {
        self.open(path, wasi::OFLAGS_CREAT | wasi::OFLAGS_TRUNC, 0)
            .map_err(|e| {
                Report::new(
                    Verdict::Violates,
                    json!({"open": errno(e)}),
                    "creating a file in the preopen failed",
                )
            })
    }

    /// Opens a file for reading only.
    pub fn open_read(&self, path: &str) -> Result<Fd, Errno> {
        let rights = FILE_RIGHTS & !wasi::RIGHTS_FD_WRITE;
        self.open_with(path, wasi::LOOKUPFLAGS_SYMLINK_FOLLOW, 0, 0, rights)
    }

    /// Opens a directory (`oflags::directory`) as a new [`Dir`].
    pub fn open_dir(&self, path: &str) -> Result<Dir, Errno> {
        let follow = wasi::LOOKUPFLAGS_SYMLINK_FOLLOW;
        let fd = self.open_with(path, follow, wasi::OFLAGS_DIRECTORY, 0, DIR_RIGHTS)?;
        let path = format!("{}/{path}", self.path);
        Ok(Dir {
            fd,
            name: path.clone(),
            path,
            owned: true,
        })
    }

    /// Creates (or truncates) `path` with `contents`.
    pub fn create(&self, path: &str, contents: &[u8]) -> Result<(), Errno> {
        let fd = self.open(path, wasi::OFLAGS_CREAT | wasi::OFLAGS_TRUNC, 0)?;
        let written = write_all(fd, contents);
        let _ = close(fd);
        written
    }

    /// The whole contents of `path`.
    pub fn read(&self, path: &str) -> Result<Vec<u8>, Errno> {
        let fd = self.open_read(path)?;
        let contents = read_to_end(fd);
        let _ = close(fd);
        contents
    }

    /// The contents of `path` as text, or the errno name: an observation.
    pub fn read_outcome(&self, path: &str) -> Value {
        match self.read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned().into(),
            Err(e) => errno(e).into(),
        }
    }

    /// `path_filestat_get`, following symlinks.
    pub fn stat(&self, path: &str) -> Result<Filestat, Errno> {
        // SAFETY: the wrapper owns its result slot.
        unsafe { wasi::path_filestat_get(self.fd, wasi::LOOKUPFLAGS_SYMLINK_FOLLOW, path) }
    }

    /// `path_filestat_get` without following a final symlink.
    pub fn lstat(&self, path: &str) -> Result<Filestat, Errno> {
        // SAFETY: as above.
        unsafe { wasi::path_filestat_get(self.fd, 0, path) }
    }

    pub fn mkdir(&self, path: &str) -> Result<(), Errno> {
        // SAFETY: the path is valid for the call.
        unsafe { wasi::path_create_directory(self.fd, path) }
    }

    pub fn rmdir(&self, path: &str) -> Result<(), Errno> {
        // SAFETY: as above.
        unsafe { wasi::path_remove_directory(self.fd, path) }
    }

    pub fn unlink(&self, path: &str) -> Result<(), Errno> {
        // SAFETY: as above.
        unsafe { wasi::path_unlink_file(self.fd, path) }
    }

    pub fn rename(&self, from: &str, to: &str) -> Result<(), Errno> {
        // SAFETY: as above.
        unsafe { wasi::path_rename(self.fd, from, self.fd, to) }
    }

    /// A symlink at `path` whose contents are `target`.
    pub fn symlink(&self, target: &str, path: &str) -> Result<(), Errno> {
        // SAFETY: as above.
        unsafe { wasi::path_symlink(target, self.fd, path) }
    }

    /// A hard link `to` of `from`.
    pub fn link(&self, from: &str, to: &str) -> Result<(), Errno> {
        // SAFETY: as above.
        unsafe { wasi::path_link(self.fd, 0, from, self.fd, to) }
    }

    pub fn readlink(&self, path: &str) -> Result<String, Errno> {
        let mut buf = vec![0u8; 4096];
        // SAFETY: the buffer holds `buf.len()` bytes.
        let n = unsafe { wasi::path_readlink(self.fd, path, buf.as_mut_ptr(), buf.len()) }?;
        buf.truncate(n);
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    /// Whether `stat` describes this directory itself (same device and inode): a `..`
    /// that a runtime clamps at the preopen, as `/..` is `/`, reaches it.
    pub fn is_itself(&self, stat: &Filestat) -> bool {
        file_stat(self.fd).is_ok_and(|own| own.dev == stat.dev && own.ino == stat.ino)
    }

    /// Every entry, read with [`read_dir`] from cookie 0.
    pub fn entries(&self) -> Result<Vec<DirEntry>, Errno> {
        read_dir(self.fd, 4096, wasi::DIRCOOKIE_START)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        if self.owned {
            let _ = close(self.fd);
        }
    }
}

// --- fd_readdir ----------------------------------------------------------------------------

/// One directory entry as `fd_readdir` returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// `d_next`: the cookie that resumes after this entry.
    pub next: u64,
    pub name: String,
    pub filetype: u8,
}

/// Size of `dirent` before its name.
pub const DIRENT_SIZE: usize = 24;

/// The complete entries in one `fd_readdir` buffer (a truncated last entry is left out).
pub fn parse_dirents(buf: &[u8]) -> Vec<DirEntry> {
    let mut entries = Vec::new();
    let mut at = 0;
    while at + DIRENT_SIZE <= buf.len() {
        let head = &buf[at..at + DIRENT_SIZE];
        let next = u64::from_le_bytes(head[0..8].try_into().unwrap());
        let namlen = u32::from_le_bytes(head[16..20].try_into().unwrap()) as usize;
        let filetype = head[20];
        let start = at + DIRENT_SIZE;
        let Some(name) = buf.get(start..start + namlen) else {
            break;
        };
        entries.push(DirEntry {
            next,
            name: String::from_utf8_lossy(name).into_owned(),
            filetype,
        });
        at = start + namlen;
    }
    entries
}

/// One `fd_readdir` call: the bytes it stored.
pub fn readdir_once(fd: Fd, buf: &mut [u8], cookie: u64) -> Result<usize, Errno> {
    // SAFETY: the buffer holds `buf.len()` bytes.
    unsafe { wasi::fd_readdir(fd, buf.as_mut_ptr(), buf.len(), cookie) }
}

/// All entries from `cookie` on, `buf_len` bytes per call, resuming each call at the last
/// complete entry's `d_next` (the buffer grows when one entry does not fit).
pub fn read_dir(fd: Fd, buf_len: usize, mut cookie: u64) -> Result<Vec<DirEntry>, Errno> {
    let mut all = Vec::new();
    let mut buf = vec![0u8; buf_len];
    for _ in 0..10_000 {
        let n = readdir_once(fd, &mut buf, cookie)?;
        let entries = parse_dirents(&buf[..n]);
        let full = n == buf.len();
        match entries.last() {
            Some(last) => cookie = last.next,
            None if full => {
                let bigger = buf.len() * 2;
                buf.resize(bigger, 0);
                continue;
            }
            None => {}
        }
        all.extend(entries);
        if !full {
            return Ok(all);
        }
    }
    Err(wasi::ERRNO_LOOP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_names() {
        assert_eq!(errno_name(0), "ESUCCESS");
        assert_eq!(errno_name(1), "E2BIG");
        assert_eq!(errno_name(44), "ENOENT");
        assert_eq!(errno_name(76), "ENOTCAPABLE");
        assert_eq!(errno_name(77), "errno-77");
        assert_eq!(errno(wasi::ERRNO_NOTCAPABLE), "ENOTCAPABLE");
        assert_eq!(errno(wasi::ERRNO_BADF), "EBADF");
        assert_eq!(errno(wasi::ERRNO_NOTEMPTY), "ENOTEMPTY");
    }

    #[test]
    fn preopen_names_compare_as_wasi_libc_does() {
        for name in [
            "/sandbox",
            "sandbox",
            "./sandbox",
            "//sandbox/",
            "/./sandbox",
        ] {
            assert_eq!(libc_prefix(name), "sandbox", "{name}");
        }
        assert_eq!(libc_prefix("/"), "");
        assert_eq!(libc_prefix("."), "");
        assert_eq!(libc_prefix("/data/inner"), "data/inner");
        assert_ne!(libc_prefix("/sandbox2"), libc_prefix("/sandbox"));
    }

    #[test]
    fn line_shape() {
        let report = Report::new(Verdict::Conforms, json!({"a": 1}), "a note");
        let line: Value = serde_json::from_str(&report.line("some-probe")).unwrap();
        assert_eq!(
            line,
            json!({"probe": "some-probe", "observed": {"a": 1}, "verdict": "conforms",
                   "note": "a note"})
        );
    }

    #[test]
    fn dirents_parse_and_stop_at_a_truncated_entry() {
        let mut buf = Vec::new();
        for (next, name) in [(1u64, "."), (2, ".."), (3, "file")] {
            buf.extend_from_slice(&next.to_le_bytes());
            buf.extend_from_slice(&7u64.to_le_bytes());
            buf.extend_from_slice(&(name.len() as u32).to_le_bytes());
            buf.extend_from_slice(&[4, 0, 0, 0]);
            buf.extend_from_slice(name.as_bytes());
        }
        let all = parse_dirents(&buf);
        let names: Vec<_> = all.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, [".", "..", "file"]);
        assert_eq!(all[2].next, 3);
        assert_eq!(parse_dirents(&buf[..buf.len() - 1]).len(), 2);
    }
}
