//! Command-line arguments in, files and an exit code out; the only place that touches the file system.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

mod output;

use quire::diagnostic::{self, Diagnostic};
use quire::model::Questionnaire;

/// Exit codes: 0 clean (warnings allowed), 1 errors in a spec, 2 usage or I/O errors.
const EXIT_OK: u8 = 0;
const EXIT_SPEC: u8 = 1;
const EXIT_USAGE: u8 = 2;

/// Quire compiles a questionnaire specification (YAML) into web forms, paper
/// questionnaires and codebooks, checking it thoroughly on the way.
#[derive(Parser)]
#[command(name = "quire", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// When to colour diagnostics [default: auto, which honours NO_COLOR and pipes]
    #[arg(long, value_enum, global = true, default_value_t = Color::Auto)]
    color: Color,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Check specs and report every problem at once.
    ///
    /// Exit status: 0 when clean (warnings allowed), 1 when a spec has errors,
    /// 2 when a file cannot be read.
    Check {
        /// Spec files (`*.quire.yaml` or `*.yaml`).
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Treat warnings as errors.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Compile a spec into output files.
    ///
    /// The build is atomic: files are written to a temporary directory that replaces
    /// the output directory only when everything succeeded, so a failed build never
    /// leaves partial output nor destroys the previous one. The output directory must be
    /// new, empty, or one Quire wrote (it holds a `.quire-output` manifest and nothing
    /// else): Quire never deletes a file it did not write.
    Build {
        /// The spec file.
        spec: PathBuf,
        /// Output directory (replaced as a whole): new, empty, or written by Quire before.
        #[arg(short, long, default_value = "out")]
        out: PathBuf,
        /// What to produce; repeat, or separate with commas, for several [default: all].
        #[arg(long, value_enum, value_delimiter = ',')]
        target: Vec<Target>,
        /// Only these audiences; repeat for several [default: all].
        #[arg(long)]
        audience: Vec<String>,
        /// `pilot` adds a feedback box after each section of the web form.
        #[arg(long, value_enum, default_value_t = EditionArg::Production)]
        edition: EditionArg,
        /// Paper size of the paper questionnaires.
        #[arg(long, value_enum, default_value_t = PaperArg::A4)]
        paper: PaperArg,
    },
    /// Create a small, commented spec to start from.
    Init {
        /// Survey id; the file written is `<NAME>.quire.yaml`.
        name: String,
    },
    /// Print the JSON Schema of the spec format, for editor completion.
    ///
    /// Point yaml-language-server at it with a first line such as
    /// `# yaml-language-server: $schema=quire.schema.json`.
    SpecSchema,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Snippets with labels and help.
    Human,
    /// One line per problem: `file:line:col: severity[code]: message`.
    Short,
    /// A JSON array, for editors and CI.
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PaperArg {
    A4,
    Letter,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EditionArg {
    Production,
    Pilot,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Target {
    /// The resolved model as JSON (`quire.ir.json`), for other tools.
    Ir,
    /// The codebook: Markdown, HTML, CSV, DDI-Codebook 2.5 XML and JSON.
    Codebook,
    /// Analysis schemas: Frictionless Data Package, JSON Schema, Stata, SPSS, R and SQL.
    Schema,
    /// Web forms: one self-contained `<audience>/form.html` per audience.
    Html,
    /// Paper questionnaires as Typst markup: self-completion, interviewer and think-aloud editions.
    Paper,
    /// The paper questionnaires typeset as tagged PDFs.
    Pdf,
}

impl Target {
    const ALL: [Target; 6] = [
        Target::Ir,
        Target::Codebook,
        Target::Schema,
        Target::Html,
        Target::Paper,
        Target::Pdf,
    ];
}

pub fn run() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal(),
    };
    match cli.command {
        Command::Check {
            specs,
            format,
            deny_warnings,
        } => check(&specs, format, deny_warnings, color),
        Command::Build {
            spec,
            out,
            target,
            audience,
            edition,
            paper,
        } => {
            let paper = match paper {
                PaperArg::A4 => quire::backend::paper::Paper::A4,
                PaperArg::Letter => quire::backend::paper::Paper::Letter,
            };
            build(&spec, &out, &target, &audience, edition, paper, color)
        }
        Command::Init { name } => init(&name),
        Command::SpecSchema => {
            println!(
                "{}",
                serde_json::to_string_pretty(&quire::spec::json_schema()).unwrap_or_default()
            );
            EXIT_OK
        }
    }
}

fn usage_error(message: &str) -> u8 {
    eprintln!("error: {message}");
    EXIT_USAGE
}

fn read(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        // Say where: an editor can jump to the line, and the byte tells the encoding.
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = bytes[..at].iter().rposition(|b| *b == b'\n').map(|p| p + 1).unwrap_or(0);
        let column = String::from_utf8_lossy(&bytes[line_start..at]).chars().count() + 1;
        format!(
            "`{}` is not UTF-8 text: byte 0x{:02X} at {}:{line}:{column}; save the file as UTF-8 (e.g. in your editor's \"Save with encoding\")",
            path.display(),
            bytes[at],
            path.display()
        )
    })
}

fn report(compiled: &quire::Compiled, format: Format, color: bool) {
    let diags: &[Diagnostic] = &compiled.diagnostics;
    match format {
        Format::Human => {
            if !diags.is_empty() {
                eprint!("{}", diagnostic::render(diags, &compiled.sources, color));
            }
        }
        Format::Short => eprint!("{}", diagnostic::render_short(diags, &compiled.sources)),
        Format::Json => {}
    }
}

fn summary(name: &str, diags: &[Diagnostic]) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => format!("{name}: ok"),
        (0, w) => format!("{name}: ok, {}", plural(w, "warning")),
        (e, 0) => format!("{name}: {}", plural(e, "error")),
        (e, w) => format!("{name}: {}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

fn check(specs: &[PathBuf], format: Format, deny_warnings: bool, color: bool) -> u8 {
    let mut worst = EXIT_OK;
    let mut json = Vec::new();
    for path in specs {
        let name = path.display().to_string();
        let text = match read(path) {
            Ok(t) => t,
            Err(e) => {
                worst = worst.max(usage_error(&e));
                continue;
            }
        };
        let compiled = quire::compile(&name, &text);
        report(&compiled, format, color);
        if format == Format::Json {
            if let serde_json::Value::Array(items) = diagnostic::to_json(&compiled.diagnostics, &compiled.sources) {
                json.extend(items);
            }
        } else {
            eprintln!("{}", summary(&name, &compiled.diagnostics));
        }
        let failed = compiled.has_errors() || (deny_warnings && !compiled.diagnostics.is_empty());
        if failed {
            worst = worst.max(EXIT_SPEC);
        }
    }
    if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
    }
    worst
}

fn build(
    spec: &Path,
    out: &Path,
    targets: &[Target],
    audiences: &[String],
    edition: EditionArg,
    paper: quire::backend::paper::Paper,
    color: bool,
) -> u8 {
    let name = spec.display().to_string();
    let text = match read(spec) {
        Ok(t) => t,
        Err(e) => return usage_error(&e),
    };
    // Quire replaces its output folder whole: never one holding anything it did not write.
    if let Err(output::Refusal(why)) = output::check(out, &[spec]) {
        return usage_error(&format!("{why}\nnothing was written"));
    }
    let compiled = quire::compile(&name, &text);
    report(&compiled, Format::Human, color);
    let Some(mut model) = compiled.model else {
        eprintln!("{}", summary(&name, &compiled.diagnostics));
        eprintln!("nothing was written; `{}` is unchanged", out.display());
        return EXIT_SPEC;
    };
    if !audiences.is_empty() {
        let known: Vec<&str> = model.audiences.iter().map(|a| a.id.as_str()).collect();
        for a in audiences {
            if !known.contains(&a.as_str()) {
                let hint = diagnostic::did_you_mean(a, known.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return usage_error(&format!("no audience `{a}`{hint}; audiences: {}", known.join(", ")));
            }
        }
        model.instruments.retain(|i| audiences.contains(&i.audience));
    }
    let targets: Vec<Target> = if targets.is_empty() {
        Target::ALL.to_vec()
    } else {
        targets.to_vec()
    };
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for t in targets {
        match t {
            Target::Ir => files.push(("quire.ir.json".into(), ir_json(&model))),
            Target::Codebook => files.extend(
                quire::backend::codebook::render(&model)
                    .into_iter()
                    .map(|(p, b)| (PathBuf::from("codebook").join(p), b)),
            ),
            Target::Schema => files.extend(
                quire::backend::schema::render(&model)
                    .into_iter()
                    .map(|(p, b)| (PathBuf::from("schema").join(p), b)),
            ),
            Target::Html => {
                let edition = match edition {
                    EditionArg::Production => quire::backend::html::Edition::Production,
                    EditionArg::Pilot => quire::backend::html::Edition::Pilot,
                };
                files.extend(
                    quire::backend::html::render(&model, edition)
                        .into_iter()
                        .map(|(p, b)| (PathBuf::from("html").join(p), b)),
                )
            }
            Target::Paper => files.extend(
                quire::backend::paper::render(&model, paper)
                    .into_iter()
                    .map(|(p, b)| (PathBuf::from("paper").join(p), b)),
            ),
            Target::Pdf => match pdfs(&model, paper) {
                Ok(pdfs) => files.extend(pdfs),
                Err(e) => return usage_error(&e),
            },
        }
    }
    match output::write(out, &files) {
        Ok(()) => {
            eprintln!("{}", summary(&name, &compiled.diagnostics));
            eprintln!(
                "wrote {} file{} to {}",
                files.len(),
                if files.len() == 1 { "" } else { "s" },
                out.display()
            );
            EXIT_OK
        }
        Err(e) => usage_error(&format!(
            "cannot write `{}`: {e}; the previous output is unchanged",
            out.display()
        )),
    }
}

/// Every paper document typeset, `pdf/<audience>-<edition>.pdf`.
#[cfg(feature = "pdf")]
fn pdfs(model: &Questionnaire, paper: quire::backend::paper::Paper) -> Result<Vec<(PathBuf, Vec<u8>)>, String> {
    quire::backend::paper::render(model, paper)
        .into_iter()
        .map(|(name, typ)| {
            let markup = String::from_utf8(typ).map_err(|e| e.to_string())?;
            let bytes = quire::backend::pdf::pdf(&markup).map_err(|e| format!("typesetting {name} failed: {e}"))?;
            Ok((PathBuf::from("pdf").join(name.replace(".typ", ".pdf")), bytes))
        })
        .collect()
}

#[cfg(not(feature = "pdf"))]
fn pdfs(_: &Questionnaire, _: quire::backend::paper::Paper) -> Result<Vec<(PathBuf, Vec<u8>)>, String> {
    Err(
        "this quire was built without PDF support (cargo feature `pdf`); build `--target paper` and typeset with typst"
            .into(),
    )
}

fn ir_json(model: &Questionnaire) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(model).unwrap_or_default();
    v.push(b'\n');
    v
}

const INIT_TEMPLATE: &str = include_str!("../examples/minimal.quire.yaml");

fn init(name: &str) -> u8 {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return usage_error(&format!(
            "`{name}` is not a valid survey id: use a letter first, then letters, digits or `_`"
        ));
    }
    let path = PathBuf::from(format!("{name}.quire.yaml"));
    if path.exists() {
        return usage_error(&format!("`{}` already exists; not overwriting it", path.display()));
    }
    let text = INIT_TEMPLATE.replacen("id: minimal", &format!("id: {name}"), 1);
    match std::fs::write(&path, text) {
        Ok(()) => {
            eprintln!("created {}", path.display());
            eprintln!(
                "next: quire check {} && quire build {} -o out",
                path.display(),
                path.display()
            );
            EXIT_OK
        }
        Err(e) => usage_error(&format!("cannot write `{}`: {e}", path.display())),
    }
}
