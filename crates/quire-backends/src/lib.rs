//! The model in, output files out: one module per backend, each a function of the model
//! (`quire_core::model::Questionnaire`) only, returning its files and what it could not
//! express ([`Outputs`]), or why it could not write them ([`Error`]). [`target`] lists the
//! targets, their folders and their functions in one table, and builds any of them.
//!
//! Beside the targets: [`read`], the readers that mirror them (an XLSForm in, a spec out),
//! and the writers of what the core's tools return as data: [`diagnostics`] (the
//! compiler's messages), [`tables`] (`quire tabulate`), [`data_check`] (`quire
//! check-data`) and [`changes`] (`quire diff`).

pub mod changes;
pub mod codebook;
mod conditions;
pub mod data_check;
pub mod diagnostics;
pub mod html;
pub mod ir;
pub mod paper;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod read;
pub mod redcap;
pub mod schema;
pub mod tables;
pub mod target;
pub mod xform;
pub mod xlsform;

/// One output file: its path relative to the output folder (or to its target's folder,
/// as a backend returns it), and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Where it goes, relative to the output folder (or its target's folder).
    pub path: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}

impl Output {
    /// An output file at `path` holding `bytes`.
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Output {
        Output {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

/// Something of the spec a target cannot express, and what it wrote instead: the build
/// goes on, and the command line prints it with the spec line of the item it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The target's name (`xform`, ...).
    pub target: &'static str,
    /// The item it is about, and its line in the spec when the model has it.
    pub item: String,
    /// The item's line in its spec file, when the model has it.
    pub line: Option<usize>,
    /// What the target cannot express, and what it wrote instead.
    pub message: String,
}

/// A backend's files, and its warnings beside them (typst's `Warned<T>`).
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    /// The files written.
    pub files: Vec<Output>,
    /// What the target could not express of the spec.
    pub warnings: Vec<Warning>,
}

impl From<Vec<Output>> for Outputs {
    fn from(files: Vec<Output>) -> Outputs {
        Outputs {
            files,
            warnings: Vec::new(),
        }
    }
}

/// Why a target could not be written: which target, which file, and what failed (a
/// template's error says where in the template).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The target that failed (`xform`, `pdf`, …).
    pub target: &'static str,
    /// The file it was writing.
    pub file: String,
    /// What failed.
    pub message: String,
}

impl Error {
    /// Why `target` could not write `file`.
    pub fn new(target: &'static str, file: impl Into<String>, message: impl std::fmt::Display) -> Error {
        Error {
            target,
            file: file.into(),
            message: message.to_string(),
        }
    }

    /// A template that failed to load or render, with minijinja's account of where (its
    /// message names the template and the line).
    fn template(target: &'static str, file: impl Into<String>, e: &minijinja::Error) -> Error {
        Error::new(target, file, format!("template error: {e}"))
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write `{}` ({}): {}", self.file, self.target, self.message)
    }
}

impl std::error::Error for Error {}

/// The template environment every backend renders with: HTML auto-escaping for `.html`
/// templates, and block tags that leave no blank lines.
fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    // `{{ ui.page_of | slot(n) }}`: Quire's words with `{0}` filled in, escaped, the argument
    // kept as it is when it is already markup (a resolved text).
    env.add_filter("slot", |template: String, arg: minijinja::Value| -> minijinja::Value {
        let esc = |s: &str| quire_core::escape::markup(s, quire_core::escape::Quotes::Html);
        let filled = if arg.is_safe() {
            arg.to_string()
        } else {
            esc(&arg.to_string())
        };
        minijinja::Value::from_safe_string(esc(&template).replace("{0}", &filled))
    });
    env
}

pub use quire_core::escape::{csv_safe, markdown_escape};

/// The compile options the backends built here support: the PDF fonts' coverage, with `pdf`,
/// so a text paper cannot print is warned about at `check`.
pub fn compile_options() -> quire_core::Options {
    quire_core::Options {
        #[cfg(feature = "pdf")]
        printable: Some(pdf::printable),
        #[cfg(not(feature = "pdf"))]
        printable: None,
        includes: Some(quire_core::include::read_file),
        allow_missing_translations: false,
        // No target carries rosters yet: a spec with one is not handed on to be built.
        unbuilt_rosters: false,
    }
}

impl IntoIterator for Outputs {
    type Item = Output;
    type IntoIter = std::vec::IntoIter<Output>;

    /// The files (the warnings are dropped: read them first).
    fn into_iter(self) -> Self::IntoIter {
        self.files.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A template that fails fails its target, saying which file, which template and where
    /// (never a comment in the output, as before).
    #[test]
    fn a_template_error_names_the_file_the_template_and_the_line() {
        let mut env = environment();
        let broken = env
            .add_template("form.html", "<p>\n{% for x in %}\n</p>")
            .expect_err("the template is broken");
        let e = Error::template("html", "patient/form.html", &broken);
        let said = e.to_string();
        assert!(
            said.starts_with("cannot write `patient/form.html` (html): template error:"),
            "{said}"
        );
        assert!(said.contains("form.html:2"), "{said}");
        let e = env
            .render_str("{{ missing.field }}", ())
            .map_err(|e| Error::template("codebook", "codebook.md", &e))
            .expect_err("an undefined value's field fails");
        assert!(e.to_string().contains("codebook.md"), "{e}");
    }
}
