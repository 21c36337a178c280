//! Quire's core: one reviewed questionnaire specification in, the resolved model every
//! instrument and analysis artefact is made from out, with the evaluator, the data contract
//! and the data tools. Data in, data out: no backend, no renderer, no network, no PDF
//! engine (what people read, from diagnostics to tables, is written by `quire-backends`).
//!
//! # Pipeline
//!
//! 1. [`source`]: spec files and byte spans, with line:column for messages.
//! 2. [`yaml::parse`]: YAML text → spanned node tree, under resource limits.
//! 3. [`spec::read`]: node tree → [`spec::Spec`], the spec as written; every shape error reported.
//! 4. [`expr::parse`]: expression text → syntax tree (`grammar/expr.pest` in this crate).
//! 5. [`check::check`]: spec → [`model::Questionnaire`], the resolved model: audiences expanded,
//!    choices resolved, expressions type-checked, texts resolved per audience; then
//!    [`routing`] works out the routing once ([`routing::next_targets`], then
//!    [`routing::analyse_with`]): universes (conditions and the screening rules before each
//!    question) and where each answer that skips questions leads.
//! 6. Backends (the `quire-backends` crate, its targets listed in `target.rs`) read only the
//!    model and return their files and warnings, or an error; [`eval`] gives expressions
//!    their one meaning, and [`model::Questionnaire::route`] follows the skip logic for a
//!    respondent.
//!
//! 7. The data tools read and write response records by the data contract ([`data`]):
//!    [`data::simulate`] makes routed responses, [`data::records`] reads data files back
//!    into answers, [`data::verify`] checks them with the same routing and encoder,
//!    [`data::tabulate`] makes the study's tables and [`diff`] compares two versions; each
//!    returns data, which `quire-backends` writes out (`tables`, `data_check`, `changes`).
//!
//! 8. [`ide`]: what an editor asks of a spec being written (completions, hovers,
//!    definitions), from the spanned tree, the spec's key tables and the last good model;
//!    the language server (`quire lsp`) only speaks the protocol.
//!
//! Diagnostics are collected as plain data ([`diagnostic::Diagnostic`]) by every stage and
//! rendered only at the edge, by `quire_backends::diagnostics` (miette, one line each, or
//! JSON).

/// The hash map of the compiler's own indexes: foldhash, randomly seeded per process, in
/// place of std's SipHash (which is built to resist hostile keys on a network; a spec's
/// identifiers are not that, and hashing them was a tenth of `quire check`).
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
/// The set counterpart of [`FastMap`].
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

pub mod check;
pub mod data;
pub mod diagnostic;
pub mod diff;
pub mod escape;
pub mod eval;
pub mod expr;
pub mod ide;
pub mod include;
pub mod input;
pub mod lock;
pub mod model;
pub mod pattern;
pub mod reach;
pub mod routing;
pub mod source;
pub mod spec;
pub mod translate;
pub mod ui;
pub mod words;
pub mod written;
pub mod yaml;

use diagnostic::Diagnostics;
use source::{Source, Sources};

/// Why a tool could not do what it was asked, in the user's terms: a file it cannot read, a
/// data file that is not records, a translation that does not fit, an export it cannot map.
/// (A mistake in a spec is a [`diagnostic::Diagnostic`], with its place; this is for the
/// rest, which has none.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong and, where there is one, the way out.
    pub message: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<String> for Error {
    fn from(message: String) -> Error {
        Error { message }
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Error {
        Error {
            message: message.to_string(),
        }
    }
}

impl From<Error> for String {
    fn from(e: Error) -> String {
        e.message
    }
}

/// The outcome of compiling one spec: the model (when there were no errors) and every diagnostic.
#[derive(Debug)]
pub struct Compiled {
    /// The resolved model, when the spec has no errors.
    pub model: Option<model::Questionnaire>,
    /// Every error and warning, in order of place.
    pub diagnostics: Vec<diagnostic::Diagnostic>,
    /// The files read, for rendering the diagnostics.
    pub sources: Sources,
}

impl Compiled {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

/// Parses, validates and resolves one spec.
pub fn compile(name: &str, text: &str) -> Compiled {
    compile_with(name, text, &Options::default())
}

/// What a compile may be told beyond the spec.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Whether paper can print a character (the PDF backend's fonts); texts with one it
    /// cannot print are warned about at their place.
    pub printable: Option<spec::Printable>,
    /// How `include:` and `translations:` read other files ([`include::read_file`] for
    /// the file system); without one, an include is an error.
    pub includes: Option<include::Loader>,
    /// A missing translation is a warning (the source text stands in), not an error.
    pub allow_missing_translations: bool,
    /// Rosters are handed on in the model although no output carries them yet: for the
    /// tests of the stages that build them ([`check::check_staged`]).
    pub unbuilt_rosters: bool,
}

/// A spec as written, its includes and translation files read, not checked: for tools that
/// work on its texts (`quire translations`).
pub struct Read {
    /// The spec as written, when it could be read.
    pub spec: Option<spec::Spec>,
    /// The files read.
    pub sources: Sources,
    /// The translation files read.
    pub catalogs: translate::Catalogs,
    /// What reading found wrong.
    pub diagnostics: Vec<diagnostic::Diagnostic>,
}

/// Reads a spec without checking it ([`Read`]).
pub fn read(name: &str, text: &str, options: &Options) -> Read {
    let mut sources = Sources::new();
    let id = sources.add(Source::new(name, text));
    let mut diags = Diagnostics::new();
    let mut catalogs = translate::Catalogs::new();
    let spec = match yaml::parse(sources.get(id), id) {
        Err(d) => {
            diags.push(*d);
            None
        }
        Ok(root) => {
            let fragments = include::load(&root, id, &mut sources, options.includes, &mut diags);
            let spec = spec::read_with(&root, &sources, &fragments, &mut diags, options.printable);
            if let Some(spec) = &spec {
                catalogs = translate::load(spec, id, &mut sources, options.includes, &mut diags);
            }
            spec
        }
    };
    Read {
        spec,
        sources,
        catalogs,
        diagnostics: diags.into_sorted(),
    }
}

/// [`compile`], with options. The text is kept as the source the diagnostics quote: a
/// `String` handed over is kept without a copy.
pub fn compile_with(name: &str, text: impl Into<String>, options: &Options) -> Compiled {
    let mut sources = Sources::new();
    let id = sources.add(Source::new(name, text));
    let mut diags = Diagnostics::new();
    let model = match yaml::parse(sources.get(id), id) {
        Err(d) => {
            diags.push(*d);
            None
        }
        Ok(root) => {
            let fragments = include::load(&root, id, &mut sources, options.includes, &mut diags);
            let spec = spec::read_with(&root, &sources, &fragments, &mut diags, options.printable);
            // The spec owns what it read: the YAML trees go before the model is built, and
            // the model reuses their memory. A large spec's tree is freed on a thread of its
            // own, while this one goes on with the checks.
            let trees = (fragments, root);
            if sources.get(id).text.len() >= yaml::SPLIT_FROM {
                // Where no thread can be had, the trees are dropped with the closure, at once.
                let _ = std::thread::Builder::new().spawn(move || drop(trees));
            } else {
                drop(trees);
            }
            match spec {
                Some(spec) => {
                    let catalogs = translate::load(&spec, id, &mut sources, options.includes, &mut diags);
                    check::check_staged(
                        &spec,
                        &sources,
                        &catalogs,
                        options.allow_missing_translations,
                        options.unbuilt_rosters,
                        &mut diags,
                    )
                }
                None => None,
            }
        }
    };
    let failed = diags.has_errors();
    Compiled {
        model: if failed { None } else { model },
        diagnostics: diags.into_sorted(),
        sources,
    }
}
