//! `quire diff OLD NEW`: what changed between two versions of a spec, and how much it
//! matters for data (the exit code: 0 none, 1 compatible or cosmetic, 3 breaking).

use std::path::Path;

use super::spec::load;
use super::{DiffFormat, EXIT_USAGE, Failure, Outcome};

pub(super) fn diff(old: &Path, new: &Path, format: DiffFormat, color: bool) -> Outcome {
    let (a, b) = match (load(old, color), load(new, color)) {
        (Ok(a), Ok(b)) => (a, b),
        // Both are reported; a spec that cannot be compared is a usage error here.
        (a, b) => {
            for failure in [a.err(), b.err()].into_iter().flatten() {
                failure.say();
            }
            return Err(Failure::Status(EXIT_USAGE));
        }
    };
    let d = quire::diff::diff(&a, &b);
    match format {
        DiffFormat::Human => print!("{}", quire::backend::changes::human(&d)),
        DiffFormat::Md => print!("{}", quire::backend::changes::markdown(&d)),
        DiffFormat::Json => println!("{}", serde_json::to_string_pretty(&d).unwrap_or_default()),
    }
    match d.worst() {
        None => Ok(()),
        Some(quire::diff::Impact::Breaking) => Err(Failure::Status(3)),
        Some(_) => Err(Failure::Status(1)),
    }
}
