//! The core's own tests, in one binary that builds without the PDF engine or the server's
//! runtime (`cargo test -p quire-core`): every diagnostic with its rendered message,
//! expressions against the evaluator, and the flagship's routing.

mod diagnostics;
mod expressions;
mod rosters;
mod routing;

use std::path::PathBuf;

/// The repository's root: the specs the tests read are there.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Compiles a spec as the command does (includes read from the file system).
pub fn compile(name: &str, text: &str) -> quire_core::Compiled {
    quire_core::compile_with(name, text, &quire_backends::compile_options())
}

/// The flagship questionnaire, compiled clean.
pub fn flagship() -> quire_core::model::Questionnaire {
    let path = root().join("questionnaires/concord/concord.yaml");
    let text = std::fs::read_to_string(&path).expect("flagship readable");
    let compiled = compile("concord.yaml", &text);
    assert!(
        !compiled.has_errors(),
        "{}",
        quire_backends::diagnostics::render_short(&compiled.diagnostics, &compiled.sources)
    );
    compiled.model.expect("model")
}
