//! "No unbounded allocation", checked: the fuzz binary's and the tests' allocator counts live
//! heap bytes. An allocation that would take the process past [`HARD_CAP`] fails (Rust then
//! aborts with "memory allocation of N bytes failed", which AFL++ records as a crash), and
//! [`Budget`] lets a target assert that one call stayed within what its limits promise.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// No input may make the process hold more than this. The targets' limits are a few MiB;
/// a request that gets near this has escaped them.
pub const HARD_CAP: usize = 1 << 30;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The counting allocator ([`System`] underneath).
#[derive(Debug)]
pub struct Counting;

#[global_allocator]
static GLOBAL: Counting = Counting;

impl Counting {
    fn grow(size: usize) -> bool {
        let before = LIVE.fetch_add(size, Ordering::Relaxed);
        let now = before.saturating_add(size);
        if now > HARD_CAP {
            LIVE.fetch_sub(size, Ordering::Relaxed);
            return false;
        }
        PEAK.fetch_max(now, Ordering::Relaxed);
        true
    }

    fn shrink(size: usize) {
        LIVE.fetch_sub(size, Ordering::Relaxed);
    }
}

// SAFETY: every call forwards to `System` with the caller's layout; the counters only
// decide whether to forward an allocation at all (refusing is returning null, as allowed).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !Counting::grow(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's contract for `alloc` is `System.alloc`'s.
        let ptr = unsafe { System.alloc(layout) };
        if ptr.is_null() {
            Counting::shrink(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !Counting::grow(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if ptr.is_null() {
            Counting::shrink(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with this layout (every allocation goes there).
        unsafe { System.dealloc(ptr, layout) };
        Counting::shrink(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = layout.size();
        if new_size > old && !Counting::grow(new_size - old) {
            return std::ptr::null_mut();
        }
        // SAFETY: as for `dealloc`; `new_size` is the caller's, checked by its contract.
        let ptr = unsafe { System.realloc(ptr, layout, new_size) };
        if ptr.is_null() {
            if new_size > old {
                Counting::shrink(new_size - old);
            }
        } else if new_size < old {
            Counting::shrink(old - new_size);
        }
        ptr
    }
}

/// Live heap bytes now.
pub fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// A check that the code run between [`Budget::start`] and [`Budget::check`] never held more
/// than `bytes` beyond what was live at the start. Process-wide counters: meaningful only
/// when nothing else allocates meanwhile (the fuzzer runs one input at a time; the tests
/// that use it hold [`SERIAL`]).
#[derive(Debug)]
pub struct Budget {
    base: usize,
    bytes: usize,
}

/// Held by tests that measure a [`Budget`], so no other test's allocations count.
pub static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Budget {
    pub fn start(bytes: usize) -> Budget {
        let base = live();
        PEAK.store(base, Ordering::Relaxed);
        Budget { base, bytes }
    }

    /// The most held beyond the start so far.
    pub fn used(&self) -> usize {
        PEAK.load(Ordering::Relaxed).saturating_sub(self.base)
    }

    /// Panics (a crash, to the fuzzer) when the peak went past the budget.
    pub fn check(&self, what: &str) {
        let used = self.used();
        assert!(
            used <= self.bytes,
            "{what}: held {used} heap bytes at its peak; its limits allow {}",
            self.bytes
        );
    }
}
