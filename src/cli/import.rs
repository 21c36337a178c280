//! `quire import xlsform FORM.xlsx -o SPEC`: an XLSForm brought over as a spec that checks
//! clean ([`quire::backend::read::xlsform`]), what did not carry over listed by row.

use std::path::Path;

use super::output::write_output;
use super::{Outcome, usage};

pub(super) fn import_xlsform(form: &Path, out: &Path) -> Outcome {
    let bytes = match quire::input::read(form, quire::input::Kind::Workbook) {
        Ok(b) => b,
        Err(e) => return Err(usage(e)),
    };
    let source = form
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match quire::backend::read::xlsform::import(&bytes, &source) {
        Err(e) => Err(usage(format!("{}: {e}", form.display()))),
        Ok((yaml, report)) => {
            write_output(out, yaml.as_bytes(), &[form])?;
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
            Ok(())
        }
    }
}
