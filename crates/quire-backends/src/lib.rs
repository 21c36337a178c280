//! The model in, output files out: one module per backend, each a function of the model
//! (`quire_core::model::Questionnaire`) only.

pub mod codebook;
pub mod html;
pub mod ir;
pub mod paper;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod redcap;
pub mod schema;
pub mod xform;
pub mod xlsform;

/// One output file: its path relative to the output directory, and its bytes.
pub type File = (String, Vec<u8>);

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
        let esc = |s: &str| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#x27;")
        };
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
    }
}
