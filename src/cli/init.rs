//! `quire init NAME`: a new spec to start from (the minimal example), never over a file.

use std::path::PathBuf;

use super::{Outcome, usage};

const INIT_TEMPLATE: &str = include_str!("../../examples/minimal.quire.yaml");

pub(super) fn init(name: &str) -> Outcome {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(usage(format!(
            "`{name}` is not a valid survey id: use a letter first, then letters, digits or `_`"
        )));
    }
    let path = PathBuf::from(format!("{name}.quire.yaml"));
    if path.exists() {
        return Err(usage(format!(
            "`{}` already exists; not overwriting it",
            path.display()
        )));
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
            Ok(())
        }
        Err(e) => Err(usage(format!("cannot write `{}`: {e}", path.display()))),
    }
}
