//! Command-line arguments in, files and an exit code out; the only place that touches the file system.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

mod lsp;
mod output;

use quire::backend::diagnostics;
use quire::diagnostic::{self, Diagnostic};
use quire::model::Questionnaire;

/// Exit codes: 0 clean (warnings allowed), 1 errors in a spec, 2 usage or I/O errors.
const EXIT_OK: u8 = 0;
const EXIT_SPEC: u8 = 1;
const EXIT_USAGE: u8 = 2;

/// `--force`: output files that exist may be replaced though Quire did not write them.
static FORCE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// `--allow-includes-anywhere`.
static INCLUDES_ANYWHERE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The compile options of this build, with the command line's rule for includes.
fn options() -> quire::Options {
    let mut options = quire::options();
    if INCLUDES_ANYWHERE.load(std::sync::atomic::Ordering::Relaxed) {
        options.includes = Some(quire::include::read_file_anywhere);
    }
    options
}

/// Writes an output file the user named, by [`quire::written::write`]'s rule.
fn write_output(path: &Path, bytes: &[u8], inputs: &[&Path]) -> Result<(), u8> {
    let force = FORCE.load(std::sync::atomic::Ordering::Relaxed);
    quire::written::write(path, bytes, inputs, force).map_err(|e| usage_error(&format!("{e}\nnothing was written")))
}

/// Quire compiles a questionnaire specification (YAML) into web forms, paper
/// questionnaires and codebooks, checking it thoroughly on the way.
#[derive(Parser)]
#[command(name = "quire", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// When to colour diagnostics [default: auto, which honours NO_COLOR and pipes]
    #[arg(long, value_enum, global = true, default_value_t = Color::Auto)]
    color: Color,
    /// Replace an output file that exists though Quire did not write it (never an input)
    #[arg(long, global = true)]
    force: bool,
    /// Let `include:` and `translations:` read files outside the spec's project (its git repository, or its folder)
    #[arg(long, global = true)]
    allow_includes_anywhere: bool,
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
enum TranslationsAction {
    /// Write a PO file of every respondent-visible text, for a translator.
    ///
    /// Each message is a source-language text (`msgid`), with where it is written and the
    /// translation already known (inline in the spec, or in its PO file) as `msgstr`.
    Export {
        spec: PathBuf,
        /// The language to translate into (one of the spec's `languages`).
        #[arg(long)]
        to: String,
        /// Where to write the PO file [default: standard output].
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
    /// Check a translated PO file against the spec and put it in place.
    ///
    /// Translations that drop or add a `${…}` pipe are errors (nothing is written);
    /// messages for texts the spec no longer has are reported and left out. Written to the
    /// file the spec's `translations:` names for the language, or `--out`.
    Import {
        spec: PathBuf,
        /// The translated PO file.
        po: PathBuf,
        /// Its language [default: the PO header's `Language`].
        #[arg(long)]
        to: Option<String>,
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ImportWhat {
    /// An XLSForm (.xlsx) as a Quire spec: groups as sections, choices, relevant as
    /// ask_if, constraints as validate, calculates as derived variables, translated from
    /// XPath where the expression is within Quire's language. What does not carry over is
    /// listed with its row and kept in the spec as a comment; the spec checks clean.
    Xlsform {
        form: PathBuf,
        #[arg(short, long)]
        out: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum PlatformArg {
    /// ODK Central, KoboToolbox, SurveyCTO, Ona.
    Odk,
    Redcap,
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
        /// A text without a translation is a warning (the source text stands in), not an error.
        #[arg(long)]
        allow_missing_translations: bool,
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
        /// Which editions: `production` (the default) or `pilot` for the web form (`pilot`
        /// adds a feedback box after each section), and `self-completion`, `interviewer` or
        /// `think-aloud` to build only those paper editions (`paper` and `pdf` targets;
        /// default: all three). Repeat, or separate with commas: `--edition
        /// pilot,think-aloud`.
        #[arg(long, value_enum, value_delimiter = ',')]
        edition: Vec<EditionArg>,
        /// Paper size of the paper questionnaires.
        #[arg(long, value_enum, default_value_t = PaperArg::A4)]
        paper: PaperArg,
        /// An earlier version of the spec: the interviewer and think-aloud editions mark
        /// every question changed since (margin bar, what changed, a list on the cover), and
        /// the codebook gains a "Changes since version …" section.
        #[arg(long, value_name = "OLD")]
        changed_since: Option<PathBuf>,
        /// The paper editions alone, as `--edition` takes them (kept for earlier scripts).
        #[arg(long, value_enum, value_delimiter = ',', hide = true)]
        paper_edition: Vec<PaperEditionArg>,
        /// A text without a translation is a warning (the source text stands in), not an error.
        #[arg(long)]
        allow_missing_translations: bool,
    },
    /// Synthetic responses that honour routing, screening and validation.
    ///
    /// For dry runs of analysis scripts and load tests: realistic item non-response,
    /// "Other" write-ins and non-substantive answers, deterministic for a seed. Writes the
    /// data contract's CSV, or JSON records (one per line) as the web form sends them.
    Simulate {
        /// The spec file.
        spec: PathBuf,
        /// How many responses, spread evenly over the audiences.
        #[arg(short, long, default_value_t = 100)]
        n: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Only these audiences; repeat for several [default: all].
        #[arg(long)]
        audience: Vec<String>,
        /// The chance that a question which is not required is left blank, 0 to 1.
        #[arg(long, default_value_t = 0.1)]
        nonresponse: f64,
        #[arg(long, value_enum, default_value_t = DataFormat::Csv)]
        format: DataFormat,
        /// Output file [default: standard output].
        #[arg(short, long)]
        out: Option<PathBuf>,
        /// Write text answers exactly as given, without the leading `'` that keeps
        /// spreadsheets from running one as a formula (docs/data.md).
        #[arg(long)]
        raw_csv: bool,
    },
    /// Bring an instrument over from another tool.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Turn a collection platform's export into the data contract's records.
    ///
    /// Reads an ODK Central or KoboToolbox CSV export of a Quire XForm (or XLSForm), or a
    /// REDCap records export (raw) of a Quire data dictionary, and writes the records
    /// `check-data` and `tabulate` read, with the routing re-derived by Quire: not
    /// applicable and missing by the routing analysis. Exit status: 0 read, 1 values that
    /// could not be read (listed; the rest is written), 2 usage or file errors.
    ImportData {
        spec: PathBuf,
        /// Where the export comes from.
        #[arg(long, value_enum)]
        from: PlatformArg,
        /// The export (CSV).
        file: PathBuf,
        /// The audience whose form the export is of [default: the only one].
        #[arg(long)]
        audience: Option<String>,
        #[arg(short, long)]
        out: PathBuf,
        /// Write text answers exactly as given, without the leading `'` that keeps
        /// spreadsheets from running one as a formula (docs/data.md).
        #[arg(long)]
        raw_csv: bool,
    },
    /// Check a data file against the spec: codes, routing, validation, derived variables.
    ///
    /// Reads the data contract's CSV or JSON records (one per line, or an array) and
    /// re-derives every record with Quire's own evaluator. Exit status: 0 clean, 1 problems
    /// found, 2 usage or file errors.
    CheckData {
        /// The spec file.
        spec: PathBuf,
        /// The data file (CSV or JSON).
        data: PathBuf,
        #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
        format: ReportFormat,
        /// List responses whose share of asked questions answered is below this (e.g. 0.2).
        #[arg(long)]
        min_completion: Option<f64>,
        /// Problems shown per kind in the human report.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// The study's tables straight from a data file, in the layout of a published table.
    ///
    /// Per audience side by side: each option's number and %, the Total, Not applicable and
    /// Missing, in questionnaire order with each group's wording; derived variables the same
    /// way; numbers as n, mean, SD, median, min and max. Percentages are whole, rounded half
    /// away from zero.
    Tabulate {
        /// The spec file.
        spec: PathBuf,
        /// The data file (CSV or JSON).
        data: PathBuf,
        /// Output folder (`tables.<format>` in it, written as `build` writes) [default: standard output].
        #[arg(short, long)]
        out: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = TableFormat::Md)]
        format: TableFormat,
        /// `audience`: one column group per audience (default); `none`: everyone together.
        #[arg(long, value_enum, default_value_t = By::Audience)]
        by: By,
        /// Non-substantive answers counted outside the Total (comma list of unsure,
        /// dont_know, prefer_not_to_say; `none` for none).
        #[arg(long, value_delimiter = ',', default_value = "prefer_not_to_say")]
        outside_total: Vec<String>,
    },
    /// What changed between two versions of a spec, classed for analysts.
    ///
    /// Per audience: questions added, removed, moved, renumbered; wording; options added,
    /// removed, relabelled, recoded; routing (old and new condition in words); limits and
    /// validation; derived variables; sections and screening rules. Exit status: 0 no
    /// differences, 1 differences, 3 breaking differences, 2 usage, file or spec errors.
    Diff {
        /// The earlier version.
        old: PathBuf,
        /// The later version.
        new: PathBuf,
        /// `md` is a codebook changelog.
        #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
        format: DiffFormat,
    },
    /// Translations for translators: gettext PO files out and back in, checked.
    Translations {
        #[command(subcommand)]
        action: TranslationsAction,
    },
    /// A language server (LSP, over standard input and output) for editors: `check`'s
    /// diagnostics as you type, completion of question ids, values, functions and keys,
    /// hover with a question's text and choices, go to definition.
    Lsp,
    /// Create a small, commented spec to start from.
    Init {
        /// Survey id; the file written is `<NAME>.quire.yaml`.
        name: String,
    },
    /// `quire serve`, `quire export`, `quire invite`, `quire backup` (collecting responses)
    /// and `quire preview` (a live preview while editing) run `quire-serve`
    /// (crates/quire-serve), which keeps the compiler free of a network stack.
    #[command(external_subcommand)]
    External(Vec<String>),
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
enum DataFormat {
    /// The data contract's CSV.
    Csv,
    /// JSON records, one per line, as the web form sends them.
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    Human,
    Json,
    Md,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TableFormat {
    Md,
    Html,
    Csv,
    Xlsx,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum By {
    Audience,
    None,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PaperArg {
    A4,
    Letter,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PaperEditionArg {
    /// The questionnaire respondents fill in (postal copies).
    SelfCompletion,
    /// The interviewer's telephone script.
    Interviewer,
    /// The think-aloud protocol for cognitive interviews.
    ThinkAloud,
}

impl PaperEditionArg {
    fn slug(self) -> &'static str {
        match self {
            PaperEditionArg::SelfCompletion => "self-completion",
            PaperEditionArg::Interviewer => "interviewer",
            PaperEditionArg::ThinkAloud => "think-aloud",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EditionArg {
    /// The web form as respondents get it.
    Production,
    /// The web form with a feedback box after each section, for pilots.
    Pilot,
    /// The questionnaire respondents fill in (postal copies).
    SelfCompletion,
    /// The interviewer's telephone script.
    Interviewer,
    /// The think-aloud protocol for cognitive interviews.
    ThinkAloud,
}

impl EditionArg {
    /// The paper edition this names, if it names one.
    fn paper(self) -> Option<PaperEditionArg> {
        match self {
            EditionArg::Production | EditionArg::Pilot => None,
            EditionArg::SelfCompletion => Some(PaperEditionArg::SelfCompletion),
            EditionArg::Interviewer => Some(PaperEditionArg::Interviewer),
            EditionArg::ThinkAloud => Some(PaperEditionArg::ThinkAloud),
        }
    }
}

/// The web form's edition and the paper editions that `--edition` (and the older
/// `--paper-edition`) ask for; both web editions at once is a usage error.
fn split_editions(
    edition: &[EditionArg],
    paper_edition: &[PaperEditionArg],
) -> Result<(quire::backend::html::Edition, Vec<&'static str>), String> {
    let pilot = edition.contains(&EditionArg::Pilot);
    if pilot && edition.contains(&EditionArg::Production) {
        return Err("`--edition production` and `--edition pilot` ask for two web forms; \
                    choose one (build twice, into two output folders, for both)"
            .to_string());
    }
    let mut papers: Vec<&'static str> = Vec::new();
    for p in edition
        .iter()
        .filter_map(|e| e.paper())
        .chain(paper_edition.iter().copied())
    {
        if !papers.contains(&p.slug()) {
            papers.push(p.slug());
        }
    }
    let web = if pilot {
        quire::backend::html::Edition::Pilot
    } else {
        quire::backend::html::Edition::Production
    };
    Ok((web, papers))
}

/// `--target NAME`: a row of the backends' table of targets (`quire::backend::target`).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Target(quire::backend::target::Target);

impl ValueEnum for Target {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: std::sync::LazyLock<Vec<Target>> =
            std::sync::LazyLock::new(|| quire::backend::target::Target::ALL.iter().map(|t| Target(*t)).collect());
        &ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let info = self.0.info();
        Some(clap::builder::PossibleValue::new(info.name).help(info.about))
    }
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
    FORCE.store(cli.force, std::sync::atomic::Ordering::Relaxed);
    INCLUDES_ANYWHERE.store(cli.allow_includes_anywhere, std::sync::atomic::Ordering::Relaxed);
    if !matches!(cli.command, Command::Lsp) {
        crate::allocator::one_shot();
    }
    match cli.command {
        Command::Check {
            specs,
            format,
            deny_warnings,
            allow_missing_translations,
        } => check(&specs, format, deny_warnings, allow_missing_translations, color),
        Command::Build {
            spec,
            out,
            target,
            audience,
            edition,
            paper,
            changed_since,
            paper_edition,
            allow_missing_translations,
        } => {
            let paper = match paper {
                PaperArg::A4 => quire::backend::paper::Paper::A4,
                PaperArg::Letter => quire::backend::paper::Paper::Letter,
            };
            let (edition, editions) = match split_editions(&edition, &paper_edition) {
                Ok(split) => split,
                Err(message) => return usage_error(&message),
            };
            build(
                &spec,
                &out,
                &target,
                &audience,
                edition,
                paper,
                &editions,
                changed_since.as_deref(),
                allow_missing_translations,
                color,
            )
        }
        Command::Simulate {
            spec,
            n,
            seed,
            audience,
            nonresponse,
            format,
            out,
            raw_csv,
        } => simulate(
            &spec,
            n,
            seed,
            &audience,
            nonresponse,
            format,
            out.as_deref(),
            raw_csv,
            color,
        ),
        Command::Import {
            what: ImportWhat::Xlsform { form, out },
        } => import_xlsform(&form, &out),
        Command::ImportData {
            spec,
            from,
            file,
            audience,
            out,
            raw_csv,
        } => import_data(&spec, from, &file, audience.as_deref(), &out, raw_csv, color),
        Command::CheckData {
            spec,
            data,
            format,
            min_completion,
            limit,
        } => check_data(&spec, &data, format, min_completion, limit, color),
        Command::Tabulate {
            spec,
            data,
            out,
            format,
            by,
            outside_total,
        } => tabulate(&spec, &data, out.as_deref(), format, by, &outside_total, color),
        Command::Diff { old, new, format } => diff(&old, &new, format, color),
        Command::Lsp => lsp::run(),
        Command::Translations { action } => translations(action),
        Command::Init { name } => init(&name),
        Command::External(args) => external(&args),
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

/// Reads a spec (regular files only, under the spec limit).
fn read(path: &Path) -> Result<String, String> {
    quire::input::read_text(path, quire::input::Kind::Spec)
}

fn report(compiled: &quire::Compiled, format: Format, color: bool) {
    let diags: &[Diagnostic] = &compiled.diagnostics;
    match format {
        Format::Human => {
            if !diags.is_empty() {
                eprint!("{}", diagnostics::render(diags, &compiled.sources, color));
            }
        }
        Format::Short => eprint!("{}", diagnostics::render_short(diags, &compiled.sources)),
        Format::Json => {}
    }
}

/// The spec's version lock beside it: `concord.yaml` and `concord.quire.yaml` → `concord.quire.lock`.
fn lock_path(spec: &Path) -> PathBuf {
    let name = spec
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = [".quire.yaml", ".quire.yml", ".yaml", ".yml"]
        .iter()
        .find_map(|x| name.strip_suffix(x))
        .unwrap_or(&name);
    spec.with_file_name(format!("{stem}.quire.lock"))
}

/// Warns when this version was built before from other content (the lock beside the spec).
fn version_lock(spec: &Path, compiled: &mut quire::Compiled) {
    let Some(model) = &compiled.model else { return };
    let path = lock_path(spec);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return;
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(d) = quire::lock::Lock::parse(&text).check(model, &name) {
        compiled.diagnostics.push(d);
    }
}

/// After a build: the lock learns this version's hash, if it did not know the version.
/// A recorded hash is never replaced (that is what the warning is for).
fn record_version(spec: &Path, model: &Questionnaire) {
    let path = lock_path(spec);
    let mut lock = std::fs::read_to_string(&path)
        .map(|t| quire::lock::Lock::parse(&t))
        .unwrap_or_default();
    if !lock.record(model) {
        return;
    }
    let tmp = path.with_extension("lock.quire-tmp");
    if let Err(e) = std::fs::write(&tmp, lock.render()).and_then(|_| std::fs::rename(&tmp, &path)) {
        let _ = std::fs::remove_file(&tmp);
        eprintln!(
            "warning: could not record version {} in `{}`: {e}",
            model.survey.version,
            path.display()
        );
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

fn compile(name: &str, text: String, allow_missing_translations: bool) -> quire::Compiled {
    let options = quire::Options {
        allow_missing_translations,
        ..options()
    };
    quire::compile_with(name, text, &options)
}

fn translations(action: TranslationsAction) -> u8 {
    let (spec, language, po, out) = match &action {
        TranslationsAction::Export { spec, to, out } => (spec, Some(to.clone()), None, out.clone()),
        TranslationsAction::Import { spec, po, to, out } => (spec, to.clone(), Some(po), out.clone()),
    };
    let name = spec.display().to_string();
    let text = match read(spec) {
        Ok(t) => t,
        Err(e) => return usage_error(&e),
    };
    let read_spec = quire::read(&name, &text, &options());
    // The translation file may not exist yet: exporting is how it starts.
    if read_spec
        .diagnostics
        .iter()
        .any(|d| d.is_error() && d.code != "translation-missing")
    {
        eprint!(
            "{}",
            diagnostics::render(&read_spec.diagnostics, &read_spec.sources, false)
        );
        return EXIT_SPEC;
    }
    match po {
        None => {
            let language = language.unwrap_or_default();
            match quire::translate::export(&read_spec, &language) {
                Err(e) => usage_error(&e),
                Ok(po) => match out {
                    None => {
                        print!("{po}");
                        EXIT_OK
                    }
                    Some(path) => match write_output(&path, po.as_bytes(), &[spec.as_path()]) {
                        Ok(()) => {
                            eprintln!("wrote {}", path.display());
                            EXIT_OK
                        }
                        Err(code) => code,
                    },
                },
            }
        }
        Some(po_path) => {
            let po_text = match quire::input::read_text(po_path, quire::input::Kind::Translations) {
                Ok(t) => t,
                Err(e) => return usage_error(&e),
            };
            let header_language = po_text
                .lines()
                .find_map(|l| l.trim().strip_prefix("\"Language:"))
                .map(|l| {
                    l.trim()
                        .trim_end_matches('"')
                        .trim_end_matches("\\n")
                        .trim()
                        .to_string()
                });
            let Some(language) = language.or(header_language) else {
                return usage_error("the PO file names no `Language`; give it with `--to`");
            };
            let imported = match quire::translate::import(&read_spec, &language, &po_text) {
                Ok(i) => i,
                Err(e) => return usage_error(&format!("{}: {e}", po_path.display())),
            };
            for (line, text) in &imported.obsolete {
                eprintln!(
                    "{}:{line}: warning[obsolete-translation]: the spec no longer has “{}”; left out",
                    po_path.display(),
                    text.chars().take(60).collect::<String>()
                );
            }
            for (line, message) in &imported.errors {
                eprintln!(
                    "{}:{line}: error[translation-placeholders]: {message}",
                    po_path.display()
                );
            }
            if !imported.errors.is_empty() {
                eprintln!("nothing was written");
                return EXIT_SPEC;
            }
            let target = out.or_else(|| {
                read_spec.spec.as_ref().and_then(|s| {
                    s.translations
                        .0
                        .iter()
                        .find(|(l, _)| l.value == language)
                        .map(|(_, p)| spec.parent().unwrap_or(Path::new("")).join(&p.value))
                })
            });
            let Some(target) = target else {
                return usage_error(&format!(
                    "the spec names no file for `{language}`: add `translations: {{ {language}: translations/{language}.po }}` to it, or give `--out`"
                ));
            };
            match write_output(&target, imported.po.as_bytes(), &[spec.as_path(), po_path.as_path()]) {
                Ok(()) => {
                    eprintln!(
                        "{language}: {} of {} texts translated; {} obsolete left out; wrote {}",
                        imported.translated,
                        imported.total,
                        imported.obsolete.len(),
                        target.display()
                    );
                    EXIT_OK
                }
                Err(code) => code,
            }
        }
    }
}

fn check(specs: &[PathBuf], format: Format, deny_warnings: bool, allow_missing_translations: bool, color: bool) -> u8 {
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
        let mut compiled = compile(&name, text, allow_missing_translations);
        version_lock(path, &mut compiled);
        report(&compiled, format, color);
        if format == Format::Json {
            if let serde_json::Value::Array(items) = diagnostics::to_json(&compiled.diagnostics, &compiled.sources) {
                json.extend(items);
            }
        } else {
            eprintln!("{}", summary(&name, &compiled.diagnostics));
        }
        let failed = compiled.has_errors() || (deny_warnings && !compiled.diagnostics.is_empty());
        if failed {
            worst = worst.max(EXIT_SPEC);
        }
        // After the last spec the command ends: its model is left for the process's end to
        // reclaim, not freed piece by piece (a tenth of the time of a large spec's check).
        if std::ptr::eq(path, specs.last().unwrap_or(path)) {
            std::mem::forget(compiled);
        }
    }
    if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
    }
    worst
}

#[allow(clippy::too_many_arguments)]
fn build(
    spec: &Path,
    out: &Path,
    targets: &[Target],
    audiences: &[String],
    edition: quire::backend::html::Edition,
    paper: quire::backend::paper::Paper,
    editions: &[&str],
    changed_since: Option<&Path>,
    allow_missing_translations: bool,
    color: bool,
) -> u8 {
    // A build that typesets allocates as typst's caches like best (src/allocator.rs).
    if targets.is_empty() || targets.contains(&Target(quire::backend::target::Target::Pdf)) {
        crate::allocator::typesetting();
    }
    let name = spec.display().to_string();
    let text = match read(spec) {
        Ok(t) => t,
        Err(e) => return usage_error(&e),
    };
    // Quire replaces its output folder whole: never one holding anything it did not write.
    if let Err(output::Refusal(why)) = output::check(out, &[spec]) {
        return usage_error(&format!("{why}\nnothing was written"));
    }
    let mut compiled = compile(&name, text, allow_missing_translations);
    version_lock(spec, &mut compiled);
    report(&compiled, Format::Human, color);
    let Some(mut model) = compiled.model else {
        eprintln!("{}", summary(&name, &compiled.diagnostics));
        eprintln!("nothing was written; `{}` is unchanged", out.display());
        return EXIT_SPEC;
    };
    if !audiences.is_empty() {
        if let Err(code) = known_audiences(&model, audiences) {
            return code;
        }
        model.instruments.retain(|i| audiences.contains(&i.audience));
    }
    // The earlier version, for the changed editions.
    let since = match changed_since {
        None => None,
        Some(old) => match load(old, color) {
            Ok(old) => Some(quire::diff::diff(&old, &model)),
            Err(_) => {
                eprintln!("nothing was written; `{}` is unchanged", out.display());
                return EXIT_USAGE;
            }
        },
    };
    let targets: Vec<quire::backend::target::Target> = if targets.is_empty() {
        quire::backend::target::Target::ALL.to_vec()
    } else {
        targets.iter().map(|t| t.0).collect()
    };
    let opts = quire::backend::target::BuildOptions {
        edition,
        paper,
        editions,
        since: since.as_ref(),
    };
    let built = match quire::backend::target::build(&model, &targets, &opts) {
        Ok(built) => built,
        Err(e) => return usage_error(&format!("{e}\nnothing was written; `{}` is unchanged", out.display())),
    };
    for w in &built.warnings {
        let place = w.line.map(|l| format!("{name}:{l}: ")).unwrap_or_default();
        eprintln!("warning: {place}`{}` in the {} output: {}", w.item, w.target, w.message);
    }
    let files: Vec<(PathBuf, Vec<u8>)> = built
        .files
        .into_iter()
        .map(|f| (PathBuf::from(f.path), f.bytes))
        .collect();
    match output::write(out, &files) {
        Ok(()) => {
            record_version(spec, &model);
            eprintln!("{}", summary(&name, &compiled.diagnostics));
            eprintln!(
                "wrote {} file{} to {}",
                files.len(),
                if files.len() == 1 { "" } else { "s" },
                out.display()
            );
            // The command ends here: freeing the model and the files one by one would only
            // cost time (a tenth of a large build); the process's memory goes back whole.
            std::mem::forget((model, files));
            EXIT_OK
        }
        Err(e) => usage_error(&format!(
            "cannot write `{}`: {e}; the previous output is unchanged",
            out.display()
        )),
    }
}

/// Reads and compiles a spec for the data tools; on failure, the exit code.
fn load(spec: &Path, color: bool) -> Result<Questionnaire, u8> {
    let name = spec.display().to_string();
    let text = read(spec).map_err(|e| usage_error(&e))?;
    let compiled = quire::compile_with(&name, &text, &options());
    if compiled.has_errors() {
        report(&compiled, Format::Human, color);
        eprintln!("{}", summary(&name, &compiled.diagnostics));
        return Err(EXIT_SPEC);
    }
    compiled.model.ok_or(EXIT_SPEC)
}

fn known_audiences(model: &Questionnaire, audiences: &[String]) -> Result<(), u8> {
    let known: Vec<&str> = model.audiences.iter().map(|a| a.id.as_str()).collect();
    for a in audiences {
        if !known.contains(&a.as_str()) {
            let hint = diagnostic::did_you_mean(a, known.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(usage_error(&format!(
                "no audience `{a}`{hint}; audiences: {}",
                known.join(", ")
            )));
        }
    }
    Ok(())
}

/// Writes `bytes` to `out` ([`write_output`]), or to standard output.
fn emit(out: Option<&Path>, bytes: &[u8], inputs: &[&Path]) -> u8 {
    use std::io::Write;
    match out {
        None => {
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(bytes).and_then(|_| stdout.flush()).is_err() {
                return EXIT_USAGE;
            }
            EXIT_OK
        }
        Some(path) => match write_output(path, bytes, inputs) {
            Ok(()) => EXIT_OK,
            Err(code) => code,
        },
    }
}

/// Reads a data file (CSV or JSON records); on failure, the exit code.
fn read_table(data: &Path) -> Result<quire::data::records::Table, u8> {
    let text = quire::input::read_text(data, quire::input::Kind::Data).map_err(|e| usage_error(&e))?;
    quire::data::records::read(&text).map_err(|e| usage_error(&format!("`{}`: {e}", data.display())))
}

#[allow(clippy::too_many_arguments)]
fn simulate(
    spec: &Path,
    n: usize,
    seed: u64,
    audiences: &[String],
    nonresponse: f64,
    format: DataFormat,
    out: Option<&Path>,
    raw_csv: bool,
    color: bool,
) -> u8 {
    let model = match load(spec, color) {
        Ok(m) => m,
        Err(code) => return code,
    };
    if let Err(code) = known_audiences(&model, audiences) {
        return code;
    }
    if !(0.0..=1.0).contains(&nonresponse) {
        return usage_error("--nonresponse is a share from 0 to 1, e.g. 0.1");
    }
    let opts = quire::data::simulate::Options {
        n,
        seed,
        audiences: audiences.to_vec(),
        nonresponse,
    };
    let cols = quire::data::columns(&model);
    let rows = quire::data::simulate::records(&model, &opts);
    let bytes = match format {
        DataFormat::Csv if raw_csv => quire::data::to_csv_raw(&model, &cols, &rows).into_bytes(),
        DataFormat::Csv => quire::data::to_csv(&model, &cols, &rows).into_bytes(),
        DataFormat::Json => quire::data::to_json_lines(&model, &cols, &rows).into_bytes(),
    };
    emit(out, &bytes, &[spec])
}

fn import_xlsform(form: &Path, out: &Path) -> u8 {
    let bytes = match quire::input::read(form, quire::input::Kind::Workbook) {
        Ok(b) => b,
        Err(e) => return usage_error(&e),
    };
    let source = form
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match quire::backend::read::xlsform::import(&bytes, &source) {
        Err(e) => usage_error(&format!("{}: {e}", form.display())),
        Ok((yaml, report)) => {
            if let Err(code) = write_output(out, yaml.as_bytes(), &[form]) {
                return code;
            }
            // A line may be a whole generated condition: say enough to find it.
            let short = |s: &str| -> String {
                if s.chars().count() > 200 {
                    s.chars().take(200).chain(['…']).collect()
                } else {
                    s.to_string()
                }
            };
            for (row, what, why) in &report {
                let (what, why) = (short(what), short(why));
                if *row > 0 {
                    eprintln!("{}: row {row}: {what}: {why}", form.display());
                } else {
                    eprintln!("{}: {what}: {why}", form.display());
                }
            }
            eprintln!(
                "wrote {} ({} thing{} did not carry over; each is a comment marked IMPORT)",
                out.display(),
                report.len(),
                if report.len() == 1 { "" } else { "s" }
            );
            EXIT_OK
        }
    }
}

fn import_data(
    spec: &Path,
    from: PlatformArg,
    file: &Path,
    audience: Option<&str>,
    out: &Path,
    raw_csv: bool,
    color: bool,
) -> u8 {
    let model = match load(spec, color) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let audience = match (audience, model.instruments.as_slice()) {
        (Some(a), _) => a.to_string(),
        (None, [only]) => only.audience.clone(),
        (None, _) => {
            let ids: Vec<&str> = model.instruments.iter().map(|i| i.audience.as_str()).collect();
            return usage_error(&format!(
                "the spec has several audiences: give the export's with --audience ({})",
                ids.join(", ")
            ));
        }
    };
    let text = match quire::input::read_text(file, quire::input::Kind::Data) {
        Ok(t) => t,
        Err(e) => return usage_error(&e),
    };
    let table = match quire::data::records::read_csv(&text) {
        Ok(t) => t,
        Err(e) => return usage_error(&format!("{}: {e}", file.display())),
    };
    let platform = match from {
        PlatformArg::Odk => quire::data::import::Platform::Odk,
        PlatformArg::Redcap => quire::data::import::Platform::Redcap,
    };
    let imported = match quire::data::import::import(&model, &table, platform, &audience) {
        Ok(i) => i,
        Err(e) => return usage_error(&format!("{}: {e}", file.display())),
    };
    for (row, column, why) in &imported.problems {
        eprintln!("{}: row {row}, `{column}`: {why}", file.display());
    }
    let columns = quire::data::columns(&model);
    let csv = if raw_csv {
        quire::data::to_csv_raw(&model, &columns, &imported.rows)
    } else {
        quire::data::to_csv(&model, &columns, &imported.rows)
    };
    if let Err(code) = write_output(out, csv.as_bytes(), &[spec, file]) {
        return code;
    }
    eprintln!(
        "{} records of {audience} written to {}",
        imported.rows.len(),
        out.display()
    );
    if imported.problems.is_empty() {
        EXIT_OK
    } else {
        EXIT_SPEC
    }
}

fn check_data(
    spec: &Path,
    data: &Path,
    format: ReportFormat,
    min_completion: Option<f64>,
    limit: usize,
    color: bool,
) -> u8 {
    let model = match load(spec, color) {
        Ok(m) => m,
        Err(code) => return code,
    };
    if min_completion.is_some_and(|m| !(0.0..=1.0).contains(&m)) {
        return usage_error("--min-completion is a share from 0 to 1, e.g. 0.2");
    }
    let table = match read_table(data) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let report = quire::data::verify::check(&model, &table, &quire::data::verify::Options { min_completion });
    match format {
        ReportFormat::Human => print!(
            "{}",
            quire::backend::data_check::human(&report, &data.display().to_string(), limit)
        ),
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default()),
    }
    if report.is_clean() { EXIT_OK } else { EXIT_SPEC }
}

fn tabulate(
    spec: &Path,
    data: &Path,
    out: Option<&Path>,
    format: TableFormat,
    by: By,
    outside_total: &[String],
    color: bool,
) -> u8 {
    use quire::model::NonSubstantive;
    let mut outside = Vec::new();
    for k in outside_total.iter().filter(|k| k.as_str() != "none") {
        match k.as_str() {
            "unsure" => outside.push(NonSubstantive::Unsure),
            "dont_know" => outside.push(NonSubstantive::DontKnow),
            "prefer_not_to_say" => outside.push(NonSubstantive::PreferNotToSay),
            other => {
                return usage_error(&format!(
                    "--outside-total: `{other}` is not a non-substantive kind; use unsure, dont_know, prefer_not_to_say or none"
                ));
            }
        }
    }
    if let Some(out) = out
        && let Err(output::Refusal(why)) = output::check(out, &[spec, data])
    {
        return usage_error(&format!("{why}\nnothing was written"));
    }
    let model = match load(spec, color) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let table = match read_table(data) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let opts = quire::data::tabulate::Options {
        by_audience: by == By::Audience,
        outside_total: outside,
    };
    let tables = quire::data::tabulate::tabulate(&model, &table, &opts);
    use quire::backend::tables as t;
    let (name, bytes) = match format {
        TableFormat::Md => ("tables.md", t::markdown(&tables).into_bytes()),
        TableFormat::Html => ("tables.html", t::html(&tables).into_bytes()),
        TableFormat::Csv => ("tables.csv", t::csv(&tables).into_bytes()),
        TableFormat::Xlsx => match t::xlsx(&tables) {
            Ok(b) => ("tables.xlsx", b),
            Err(e) => return usage_error(&format!("cannot make the workbook: {}", e.message)),
        },
    };
    match out {
        None if format == TableFormat::Xlsx => usage_error("a workbook is not text: give a folder with -o"),
        None => emit(None, &bytes, &[]),
        Some(dir) => match output::write(dir, &[(PathBuf::from(name), bytes)]) {
            Ok(()) => {
                eprintln!("wrote {}", dir.join(name).display());
                EXIT_OK
            }
            Err(e) => usage_error(&format!("cannot write `{}`: {e}", dir.display())),
        },
    }
}

fn diff(old: &Path, new: &Path, format: DiffFormat, color: bool) -> u8 {
    let (a, b) = match (load(old, color), load(new, color)) {
        (Ok(a), Ok(b)) => (a, b),
        _ => return EXIT_USAGE,
    };
    let d = quire::diff::diff(&a, &b);
    match format {
        DiffFormat::Human => print!("{}", quire::backend::changes::human(&d)),
        DiffFormat::Md => print!("{}", quire::backend::changes::markdown(&d)),
        DiffFormat::Json => println!("{}", serde_json::to_string_pretty(&d).unwrap_or_default()),
    }
    match d.worst() {
        None => EXIT_OK,
        Some(quire::diff::Impact::Breaking) => 3,
        Some(_) => 1,
    }
}

/// `quire serve|export|invite|backup|preview …`: runs `quire-serve` from beside this
/// executable, or from PATH. On Unix it becomes that program (exec), so a signal sent to this
/// process id (a service manager stopping it, `kill PID`) reaches the server itself and no
/// child is left holding the port.
fn external(args: &[String]) -> u8 {
    let Some(sub) = args.first().map(String::as_str) else {
        return usage_error("a command is needed; see `quire --help`");
    };
    if !matches!(sub, "serve" | "export" | "invite" | "backup" | "preview") {
        return usage_error(&format!("no command `{sub}`; see `quire --help`"));
    }
    let name = format!("quire-serve{}", std::env::consts::EXE_SUFFIX);
    let beside = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(&name)));
    let program = beside.filter(|p| p.exists()).unwrap_or_else(|| PathBuf::from(&name));
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Returns only when the program could not be run.
        let _ = std::process::Command::new(&program).args(args).exec();
    }
    match std::process::Command::new(&program).args(args).status() {
        Ok(status) => status.code().map(|c| c.clamp(0, 255) as u8).unwrap_or(EXIT_USAGE),
        Err(_) => usage_error(&format!(
            "`quire {sub}` is the collection server, `quire-serve`, which is not installed: build it with `cargo build --release -p quire-serve` (or `cargo install --path crates/quire-serve`)"
        )),
    }
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
