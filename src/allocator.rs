//! The `quire` command's allocator: mimalloc, and the system's for typesetting.
//!
//! A check allocates many small, short-lived values (the spanned YAML tree, the spec, the
//! model of every audience). With glibc's malloc, page faults and frees were a third of a
//! large spec's check; mimalloc, which backs its arenas with huge pages, makes `quire check`
//! of a 20,000-question spec 1.5 times faster. Typesetting is another pattern: typst keeps
//! large caches, and in huge pages they take a quarter more memory (a 1,000-question PDF
//! passed 300 MB). So a build that typesets uses the system allocator from its start
//! ([`typesetting`]); each block is freed by the allocator that made it, which mimalloc
//! tells apart by address ([`mi_is_in_heap_region`]).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};

use libmimalloc_sys::{mi_is_in_heap_region, mi_malloc, mi_realloc, mi_zalloc};
use mimalloc::MiMalloc;

/// Set once, before typesetting: new blocks come from the system allocator.
static SYSTEM: AtomicBool = AtomicBool::new(false);

/// From now on, new blocks come from the system allocator (see the module's doc).
pub(crate) fn typesetting() {
    SYSTEM.store(true, Ordering::Release);
}

/// `mi_option_purge_delay` in mimalloc.h's `mi_option_e` (the crate names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
/// `mi_option_destroy_on_exit`, likewise.
const MI_OPTION_DESTROY_ON_EXIT: libmimalloc_sys::mi_option_t = 22;
/// `mi_option_show_stats`, likewise.
const MI_OPTION_SHOW_STATS: libmimalloc_sys::mi_option_t = 1;

/// For a command that ends when its work does:
/// - mimalloc keeps the memory it frees instead of handing it back to the system 10 ms later
///   (purging). A check frees as it goes (the YAML tree, each search's tables); purged pages
///   were handed back, then faulted in and zeroed again, and on this machine that system
///   time (0.3–0.4 s) made a 20,000-question check twice as slow in a third to two thirds
///   of runs.
/// - At the process's end, mimalloc does not collect its heaps (which it does for a library
///   that may be unloaded): the system takes the whole address space back at once. That
///   collection took 9 ms at the end of a 20,000-question check. With `MIMALLOC_SHOW_STATS`
///   set, it still runs, and prints its statistics.
///
/// The language server, which runs for hours, keeps purging.
pub(crate) fn one_shot() {
    // SAFETY: options of mimalloc's, read when it next considers purging and at the
    // process's end (a value above 1 makes its exit hook return at once).
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
        if !libmimalloc_sys::mi_option_is_enabled(MI_OPTION_SHOW_STATS) {
            libmimalloc_sys::mi_option_set(MI_OPTION_DESTROY_ON_EXIT, 2);
        }
    }
}

pub(crate) struct Allocator;

/// mimalloc's blocks all start on a word boundary (its size classes are multiples of a word,
/// its pages aligned), so a block aligned to at most that takes its plain entry points; the
/// aligned ones cost three times as much per call.
const WORD: usize = std::mem::size_of::<usize>();

fn mimalloc_owns(ptr: *mut u8) -> bool {
    // Until the switch, every block is mimalloc's (the switch is never undone, and a block
    // of the system allocator is made after it): no lookup then.
    // SAFETY: a lookup of an address in mimalloc's region maps; it reads no memory at `ptr`.
    !SYSTEM.load(Ordering::Acquire) || unsafe { mi_is_in_heap_region(ptr.cast()) }
}

// SAFETY: every call is handed to one of two allocators that uphold GlobalAlloc's contract;
// a block is resized and freed by the allocator that made it (mimalloc's blocks lie in its
// own regions, which no block of the system allocator does).
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if SYSTEM.load(Ordering::Acquire) {
            unsafe { System.alloc(layout) }
        } else if layout.align() <= WORD {
            unsafe { mi_malloc(layout.size()).cast() }
        } else {
            unsafe { MiMalloc.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if SYSTEM.load(Ordering::Acquire) {
            unsafe { System.alloc_zeroed(layout) }
        } else if layout.align() <= WORD {
            unsafe { mi_zalloc(layout.size()).cast() }
        } else {
            unsafe { MiMalloc.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if mimalloc_owns(ptr) {
            unsafe { MiMalloc.dealloc(ptr, layout) }
        } else {
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !mimalloc_owns(ptr) {
            unsafe { System.realloc(ptr, layout, new_size) }
        } else if layout.align() <= WORD {
            unsafe { mi_realloc(ptr.cast(), new_size).cast() }
        } else {
            unsafe { MiMalloc.realloc(ptr, layout, new_size) }
        }
    }
}
