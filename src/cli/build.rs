//! `quire build SPEC -o OUT`: the spec compiled, every target (or those asked for) built
//! through the backends' table of targets, the output folder replaced whole.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::output;
use super::spec::{compile, known_audiences, load, read, record_version, report, summary, version_lock};
use super::{EXIT_USAGE, EditionArg, Failure, Format, Outcome, PaperEditionArg, usage};

/// The web form's edition and the paper editions that `--edition` (and the older
/// `--paper-edition`) ask for; both web editions at once is a usage error.
pub(super) fn split_editions(
    edition: &[EditionArg],
    paper_edition: &[PaperEditionArg],
) -> Result<(quire::backend::html::Edition, Vec<&'static str>), Failure> {
    let pilot = edition.contains(&EditionArg::Pilot);
    if pilot && edition.contains(&EditionArg::Production) {
        return Err(usage(
            "`--edition production` and `--edition pilot` ask for two web forms; \
             choose one (build twice, into two output folders, for both)",
        ));
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
pub(super) struct Target(quire::backend::target::Target);

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

#[allow(clippy::too_many_arguments)]
pub(super) fn build(
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
) -> Outcome {
    // A build that typesets allocates as typst's caches like best (src/allocator.rs).
    if targets.is_empty() || targets.contains(&Target(quire::backend::target::Target::Pdf)) {
        crate::allocator::typesetting();
    }
    let name = spec.display().to_string();
    let text = read(spec)?;
    // Quire replaces its output folder whole: never one holding anything it did not write.
    if let Err(output::Refusal(why)) = output::check(out, &[spec]) {
        return Err(usage(format!("{why}\nnothing was written")));
    }
    // Rosters are built when every target asked for carries them (docs/design/rosters.md);
    // `quire check`, and a build of every target, still stop at `roster-not-built`.
    let rosters = !targets.is_empty() && targets.iter().all(|t| t.0.info().rosters);
    let mut compiled = compile(&name, text, allow_missing_translations, rosters);
    version_lock(spec, &mut compiled);
    report(&compiled, Format::Human, color);
    let Some(mut model) = compiled.model else {
        eprintln!("{}", summary(&name, &compiled.diagnostics));
        eprintln!("nothing was written; `{}` is unchanged", out.display());
        return Err(Failure::Reported);
    };
    if !audiences.is_empty() {
        known_audiences(&model, audiences)?;
        model.instruments.retain(|i| audiences.contains(&i.audience));
    }
    // The earlier version, for the changed editions.
    let since = match changed_since {
        None => None,
        Some(old) => match load(old, color) {
            Ok(old) => Some(quire::diff::diff(&old, &model)),
            Err(failure) => {
                failure.say();
                eprintln!("nothing was written; `{}` is unchanged", out.display());
                return Err(Failure::Status(EXIT_USAGE));
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
        Err(e) => {
            return Err(usage(format!(
                "{e}\nnothing was written; `{}` is unchanged",
                out.display()
            )));
        }
    };
    // One line per thing lost, naming every output it is lost from (the XLSForm is the
    // XForm's rows: what one cannot express, neither can the other).
    let mut said: Vec<(&quire::backend::Warning, Vec<&str>)> = Vec::new();
    for w in &built.warnings {
        match said
            .iter_mut()
            .find(|(s, _)| s.item == w.item && s.line == w.line && s.message == w.message)
        {
            Some((_, targets)) => targets.push(w.target),
            None => said.push((w, vec![w.target])),
        }
    }
    for (w, targets) in said {
        let place = w.line.map(|l| format!("{name}:{l}: ")).unwrap_or_default();
        let outputs = match targets.as_slice() {
            [one] => format!("the {one} output"),
            [rest @ .., last] => format!("the {} and {last} outputs", rest.join(", ")),
            [] => String::new(),
        };
        eprintln!("warning: {place}`{}` in {outputs}: {}", w.item, w.message);
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
            Ok(())
        }
        Err(e) => Err(usage(format!(
            "cannot write `{}`: {e}; the previous output is unchanged",
            out.display()
        ))),
    }
}
