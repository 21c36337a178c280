//! The `quire` command: hands arguments to [`cli`] and turns its outcome into an exit code.

#[cfg(feature = "mimalloc")]
mod allocator;
/// Without the `mimalloc` feature: the system's allocator, with nothing to switch.
#[cfg(not(feature = "mimalloc"))]
mod allocator {
    pub(crate) fn typesetting() {}
    pub(crate) fn one_shot() {}
}
mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(cli::run())
}

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: allocator::Allocator = allocator::Allocator;
