//! The version lock: which content each questionnaire version was built from, kept beside
//! the spec (`<spec>.quire.lock`, committed with it) so that two questionnaires are never
//! collected under one version number, across edits and machines.

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostic;
use crate::model::Questionnaire;

/// Version → content hash, as recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lock {
    /// The content hash of each version.
    pub versions: BTreeMap<String, String>,
}

const HEADER: &str = "# Quire records here the content hash each version of this questionnaire was built\n# from, so that two questionnaires are never collected under one version. Commit it\n# with the spec. One line per version: VERSION HASH.\n";

impl Lock {
    /// Reads a lock file; lines that are not `VERSION HASH` are ignored.
    pub fn parse(text: &str) -> Lock {
        let versions = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.rsplit_once(char::is_whitespace))
            .map(|(v, h)| (v.trim().to_string(), h.to_string()))
            .collect();
        Lock { versions }
    }

    /// The lock file's text: its header, then one line per version.
    pub fn render(&self) -> String {
        let mut s = HEADER.to_string();
        for (v, h) in &self.versions {
            s.push_str(&format!("{v} {h}\n"));
        }
        s
    }

    /// Records the model's version, when the lock does not know it yet; true if it changed.
    pub fn record(&mut self, model: &Questionnaire) -> bool {
        if self.versions.contains_key(&model.survey.version) {
            return false;
        }
        self.versions
            .insert(model.survey.version.clone(), model.content_hash.clone());
        true
    }

    /// A warning at `survey.version` when this version was built from other content.
    pub fn check(&self, model: &Questionnaire, lock_name: &str) -> Option<Diagnostic> {
        let v = &model.survey.version;
        let recorded = self.versions.get(v).filter(|h| **h != model.content_hash)?;
        let d = Diagnostic::warning(
            "version-reused",
            format!(
                "version `{v}` was built from other content (hash {recorded}); this is {}",
                model.content_hash
            ),
        )
        .help(format!(
            "records collected with the two could not be told apart by `spec_version`: give this questionnaire a new `survey.version` (`{lock_name}` records each version's hash; remove its line for `{v}` only if that version was never fielded)"
        ));
        Some(match model.survey.version_span {
            Some(span) => d.at(span, "the same version as before"),
            None => d,
        })
    }
}
