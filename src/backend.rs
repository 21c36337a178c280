//! The model in, output files out: one module per backend, each a function of the model only.

pub mod codebook;
pub mod html;
pub mod paper;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod schema;

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
    env
}

/// Escapes text for Markdown so that it reads literally.
pub fn markdown_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Neutralises spreadsheet formulas in a CSV text cell (`=`, `+`, `-`, `@`, tab, CR).
pub fn csv_safe(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}
