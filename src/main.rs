//! The `quire` command: hands arguments to [`cli`] and turns its outcome into an exit code.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(cli::run())
}

/// See Cargo.toml: the command's allocator, for speed on large specs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
