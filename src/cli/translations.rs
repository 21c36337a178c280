//! `quire translations export|import`: a language's texts out as a gettext PO file for
//! translators, and a translated PO file checked and taken back in.

use std::path::Path;

use quire::backend::diagnostics;

use super::output::write_output;
use super::spec::read;
use super::{Failure, Outcome, TranslationsAction, options, usage};

pub(super) fn translations(action: TranslationsAction) -> Outcome {
    let (spec, language, po, out) = match &action {
        TranslationsAction::Export { spec, to, out } => (spec, Some(to.clone()), None, out.clone()),
        TranslationsAction::Import { spec, po, to, out } => (spec, to.clone(), Some(po), out.clone()),
    };
    let name = spec.display().to_string();
    let text = read(spec)?;
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
        return Err(Failure::Reported);
    }
    match po {
        None => {
            let language = language.unwrap_or_default();
            match quire::translate::export(&read_spec, &language) {
                Err(e) => Err(usage(e)),
                Ok(po) => match out {
                    None => {
                        print!("{po}");
                        Ok(())
                    }
                    Some(path) => match write_output(&path, po.as_bytes(), &[spec.as_path()]) {
                        Ok(()) => {
                            eprintln!("wrote {}", path.display());
                            Ok(())
                        }
                        Err(failure) => Err(failure),
                    },
                },
            }
        }
        Some(po_path) => {
            let po_text = match quire::input::read_text(po_path, quire::input::Kind::Translations) {
                Ok(t) => t,
                Err(e) => return Err(usage(e)),
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
                return Err(usage("the PO file names no `Language`; give it with `--to`"));
            };
            let imported = match quire::translate::import(&read_spec, &language, &po_text) {
                Ok(i) => i,
                Err(e) => return Err(usage(format!("{}: {e}", po_path.display()))),
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
                return Err(Failure::Reported);
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
                return Err(usage(format!(
                    "the spec names no file for `{language}`: add `translations: {{ {language}: translations/{language}.po }}` to it, or give `--out`"
                )));
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
                    Ok(())
                }
                Err(failure) => Err(failure),
            }
        }
    }
}
