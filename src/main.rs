//! The `quire` command: hands arguments to [`cli`] and turns its outcome into an exit code.

mod allocator;
mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(cli::run())
}

#[global_allocator]
static GLOBAL: allocator::Allocator = allocator::Allocator;
