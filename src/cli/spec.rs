//! The spec a command names: read under its limit, compiled with this build's options,
//! its diagnostics reported, and the version lock beside it checked and kept.

use std::path::{Path, PathBuf};

use quire::backend::diagnostics;
use quire::diagnostic::{self, Diagnostic};
use quire::model::Questionnaire;

use super::{Failure, Format, options, usage};

/// Reads a spec (regular files only, under the spec limit).
pub(super) fn read(path: &Path) -> Result<String, Failure> {
    quire::input::read_text(path, quire::input::Kind::Spec).map_err(usage)
}

pub(super) fn report(compiled: &quire::Compiled, format: Format, color: bool) {
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
pub(super) fn lock_path(spec: &Path) -> PathBuf {
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
pub(super) fn version_lock(spec: &Path, compiled: &mut quire::Compiled) {
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
pub(super) fn record_version(spec: &Path, model: &Questionnaire) {
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

pub(super) fn summary(name: &str, diags: &[Diagnostic]) -> String {
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

/// Compiles a spec; with `unbuilt_rosters`, its rosters are handed on in the model (a build
/// whose every target carries them).
pub(super) fn compile(
    name: &str,
    text: String,
    allow_missing_translations: bool,
    unbuilt_rosters: bool,
) -> quire::Compiled {
    let options = quire::Options {
        allow_missing_translations,
        unbuilt_rosters,
        ..options()
    };
    quire::compile_with(name, text, &options)
}

/// Reads and compiles a spec for the data tools; on failure, why (the spec's errors reported).
pub(super) fn load(spec: &Path, color: bool) -> Result<Questionnaire, Failure> {
    load_with(spec, color, options())
}

/// [`load`] for the data tools, which carry rosters (one table per unit) before the
/// instruments do: a spec's rosters are handed on in its model.
pub(super) fn load_for_data(spec: &Path, color: bool) -> Result<Questionnaire, Failure> {
    load_with(
        spec,
        color,
        quire::Options {
            unbuilt_rosters: true,
            ..options()
        },
    )
}

fn load_with(spec: &Path, color: bool, options: quire::Options) -> Result<Questionnaire, Failure> {
    let name = spec.display().to_string();
    let text = read(spec)?;
    let compiled = quire::compile_with(&name, &text, &options);
    if compiled.has_errors() {
        report(&compiled, Format::Human, color);
        eprintln!("{}", summary(&name, &compiled.diagnostics));
        return Err(Failure::Reported);
    }
    compiled.model.ok_or(Failure::Reported)
}

pub(super) fn known_audiences(model: &Questionnaire, audiences: &[String]) -> Result<(), Failure> {
    let known: Vec<&str> = model.audiences.iter().map(|a| a.id.as_str()).collect();
    for a in audiences {
        if !known.contains(&a.as_str()) {
            let hint = diagnostic::did_you_mean(a, known.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(usage(format!(
                "no audience `{a}`{hint}; audiences: {}",
                known.join(", ")
            )));
        }
    }
    Ok(())
}
