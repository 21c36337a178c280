//! Command-line arguments in, files and an exit code out; the only place that touches the
//! file system. This file holds the arguments and hands each command to its own file
//! (`cli/build.rs`, `cli/check.rs`, `cli/data.rs`, …); every command ends in an
//! [`Outcome`], and [`run`] alone turns it into the exit code.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

mod build;
mod check;
mod data;
mod diff;
mod import;
mod init;
mod lsp;
mod output;
mod spec;
mod translations;

use build::Target;

/// Exit codes: 0 clean (warnings allowed), 1 errors in a spec, 2 usage or I/O errors.
const EXIT_OK: u8 = 0;
const EXIT_SPEC: u8 = 1;
const EXIT_USAGE: u8 = 2;

/// How a command that did not end cleanly ends: the one path to the exit codes.
#[derive(Debug)]
enum Failure {
    /// A mistake in the command line or with a file it names: said once, by [`run`], as
    /// `error: …` (exit 2).
    Usage(String),
    /// Errors in a spec or data file, already reported where they were found (exit 1).
    Reported,
    /// The command's own result as an exit code, already said (`quire diff`'s 1 and 3, a
    /// server command's).
    Status(u8),
}

/// What every command returns.
type Outcome = Result<(), Failure>;

/// A usage or file problem, said in the user's terms.
fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

impl Failure {
    /// Says what went wrong, if that is not already said.
    fn say(&self) {
        if let Failure::Usage(message) = self {
            eprintln!("error: {message}");
        }
    }

    fn code(&self) -> u8 {
        match self {
            Failure::Usage(_) => EXIT_USAGE,
            Failure::Reported => EXIT_SPEC,
            Failure::Status(code) => *code,
        }
    }
}

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
        /// ODK Central's repeat files (CSV, with `PARENT_KEY` and `KEY`), for a spec with
        /// rosters.
        repeats: Vec<PathBuf>,
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
    /// A questionnaire with rosters: its data (the folder of tables, or nested JSON records)
    /// as one CSV with a row per respondent: each roster's rows side by side,
    /// `person_1_age`, `person_2_age`, … up to the roster's `max_rows`, nested rosters
    /// within (`person_2_birth_1_birth_year`); a row the respondent does not have is not
    /// applicable (-88).
    Widen {
        /// The spec file.
        spec: PathBuf,
        /// The data: the folder of tables, or a file of nested JSON records.
        data: PathBuf,
        /// Output file [default: standard output].
        #[arg(short, long)]
        out: Option<PathBuf>,
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

/// Runs the command line; its exit code.
pub(crate) fn run() -> u8 {
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
    match command(cli.command, color) {
        Ok(()) => EXIT_OK,
        Err(failure) => {
            failure.say();
            failure.code()
        }
    }
}

/// Each command, handed to its file.
fn command(command: Command, color: bool) -> Outcome {
    match command {
        Command::Check {
            specs,
            format,
            deny_warnings,
            allow_missing_translations,
        } => check::check(&specs, format, deny_warnings, allow_missing_translations, color),
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
            let (edition, editions) = build::split_editions(&edition, &paper_edition)?;
            build::build(
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
        } => data::simulate(
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
        } => import::import_xlsform(&form, &out),
        Command::ImportData {
            spec,
            from,
            file,
            repeats,
            audience,
            out,
            raw_csv,
        } => data::import_data(&spec, from, &file, &repeats, audience.as_deref(), &out, raw_csv, color),
        Command::CheckData {
            spec,
            data,
            format,
            min_completion,
            limit,
        } => data::check_data(&spec, &data, format, min_completion, limit, color),
        Command::Widen { spec, data, out } => data::widen(&spec, &data, out.as_deref(), color),
        Command::Tabulate {
            spec,
            data,
            out,
            format,
            by,
            outside_total,
        } => data::tabulate(&spec, &data, out.as_deref(), format, by, &outside_total, color),
        Command::Diff { old, new, format } => diff::diff(&old, &new, format, color),
        Command::Lsp => lsp::run(),
        Command::Translations { action } => translations::translations(action),
        Command::Init { name } => init::init(&name),
        Command::External(args) => external(&args),
        Command::SpecSchema => {
            println!(
                "{}",
                serde_json::to_string_pretty(&quire::spec::json_schema()).unwrap_or_default()
            );
            Ok(())
        }
    }
}

/// `quire serve|export|invite|backup|preview …`: runs `quire-serve` from beside this
/// executable, or from PATH. On Unix it becomes that program (exec), so a signal sent to this
/// process id (a service manager stopping it, `kill PID`) reaches the server itself and no
/// child is left holding the port.
fn external(args: &[String]) -> Outcome {
    let Some(sub) = args.first().map(String::as_str) else {
        return Err(usage("a command is needed; see `quire --help`"));
    };
    if !matches!(sub, "serve" | "export" | "invite" | "backup" | "preview") {
        return Err(usage(format!("no command `{sub}`; see `quire --help`")));
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
        Ok(status) => match status.code().map(|c| c.clamp(0, 255) as u8).unwrap_or(EXIT_USAGE) {
            EXIT_OK => Ok(()),
            code => Err(Failure::Status(code)),
        },
        Err(_) => Err(usage(format!(
            "`quire {sub}` is the collection server, `quire-serve`, which is not installed: build it with `cargo build --release -p quire-serve` (or `cargo install --path crates/quire-serve`)"
        ))),
    }
}
