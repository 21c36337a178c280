//! Quire's integration tests, built as one binary. See tests/README.md.

mod analysis;
mod browser;
mod cli;
mod datatools;
mod diff;
mod differential;
mod eligibility;
mod examples;
mod hostile;
mod includes;
mod ir;
mod lsp;
mod outputs;
mod paper;
mod platforms;
mod robustness;
mod rosters;
mod scores;
mod translations;

use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every spec that must check clean: the examples and the flagship questionnaire.
pub fn clean_specs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["examples", "questionnaires"] {
        collect_yaml(&root().join(dir), &mut out);
    }
    out.sort();
    out
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_yaml(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

/// The official reference schemas (DDI Codebook, Frictionless), vendored in tests/schemas.
pub fn reference_schemas() -> PathBuf {
    root().join("tests/schemas")
}

/// Runs an independent tool in `dir`: whether it succeeded, and everything it printed.
pub fn run<S: AsRef<std::ffi::OsStr>>(dir: &Path, program: &str, args: &[S]) -> (bool, String) {
    let out = std::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed (scripts/test installs it): {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The flagship (CONCORD) compiled; a test fails if it does not compile clean.
pub fn flagship() -> quire::model::Questionnaire {
    let path = root().join("questionnaires/concord/concord.yaml");
    let text = std::fs::read_to_string(&path).expect("flagship readable");
    let compiled = quire::compile("concord.yaml", &text);
    assert!(
        !compiled.has_errors(),
        "{}",
        quire::backend::diagnostics::render_short(&compiled.diagnostics, &compiled.sources)
    );
    compiled.model.expect("model")
}

/// A spec with rosters under `tests/rosters/`, compiled: it checks clean but for the
/// checker's `roster-not-built` (the web form does not carry rosters yet), so its rosters
/// are handed on in the model.
pub fn roster_model(spec: &str) -> quire::model::Questionnaire {
    let text = std::fs::read_to_string(root().join(spec)).unwrap();
    let options = quire::Options {
        unbuilt_rosters: true,
        ..quire::backend::compile_options()
    };
    quire::compile_with(spec, &text, &options)
        .model
        .expect("the roster spec checks clean")
}

/// A small deterministic random source for generated test data (xorshift).
pub struct Rng(pub u64);

impl Rng {
    /// The next number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// One audience's questions, in order.
pub fn questions<'m>(model: &'m quire::model::Questionnaire, audience: &str) -> Vec<&'m quire::model::Question> {
    model
        .instrument(audience)
        .map(|i| i.sections.as_slice())
        .unwrap_or_default()
        .iter()
        .flat_map(|s| &s.items)
        .filter_map(|i| match i {
            quire::model::Item::Question(q) => Some(q),
            _ => None,
        })
        .collect()
}
