//! Quire compiles one reviewed questionnaire specification into every instrument and
//! analysis artefact a study needs.
//!
//! # Crates
//!
//! The pipeline is written down in `quire_core`'s crate documentation; its stages are
//! crates of their own:
//!
//! 1. `quire-core`: spec text → spanned spec → the resolved model with its routing analysed
//!    once; the evaluator; the data contract and the data tools. Re-exported here whole.
//! 2. `quire-backends`: the model → web forms, paper (Typst, and PDF behind the `pdf`
//!    feature), codebooks and analysis schemas. Here as [`backend`].
//! 3. This crate: the `quire` command (`src/cli.rs` and a file per command in `src/cli/`,
//!    the only place that touches files).
//! 4. `quire-serve`: the collection server, built on the first two.

pub use quire_backends as backend;
pub use quire_core::*;

#[doc(hidden)]
pub mod fuzzing;
pub mod lsp;

/// Parses, validates and resolves one spec; with the `pdf` feature, warns at every text
/// the embedded fonts cannot print.
pub fn compile(name: &str, text: &str) -> Compiled {
    quire_core::compile_with(name, text, &options())
}

/// The compile options this build knows: the PDF fonts' coverage, when it has them.
pub fn options() -> Options {
    backend::compile_options()
}
