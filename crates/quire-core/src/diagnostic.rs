//! Problems found on the way, as plain data with spans; rendered (miette, one line each or
//! JSON) only at the edge, by `quire_backends::diagnostics`.

use serde::Serialize;

use crate::source::Span;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The spec cannot be built until it is put right (exit status 1).
    Error,
    /// Worth a look; the build goes on.
    Warning,
}

/// One problem: what is wrong, where, and how to fix it.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable kebab-case name of the mistake, e.g. `unknown-key`.
    pub code: &'static str,
    /// What is wrong, in the designer's terms.
    pub message: String,
    /// Where (file, byte range), when it has a place.
    pub span: Option<Span>,
    /// What the primary place shows, under the caret.
    pub label: Option<String>,
    /// Other places worth showing, e.g. the first definition of a duplicate.
    pub related: Vec<(Span, String)>,
    /// How to put it right.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error named `code`.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: None,
            label: None,
            related: Vec::new(),
            help: None,
        }
    }

    /// A warning named `code`.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Points it at `span`, labelled (an empty label shows none).
    pub fn at(mut self, span: Span, label: impl Into<String>) -> Self {
        self.span = Some(span);
        let label = label.into();
        self.label = (!label.is_empty()).then_some(label);
        self
    }

    /// Adds another place worth showing.
    pub fn also(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }

    /// Says how to put it right.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds "did you mean `x`?" when a close candidate exists.
    pub fn suggest<'a>(self, word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Self {
        match did_you_mean(word, candidates) {
            Some(s) => self.help(format!("did you mean `{s}`?")),
            None => self,
        }
    }

    /// Whether it is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The collecting sink every stage reports into.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// None yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reports one.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// Whether any is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// How many are errors.
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Each, in the order reported.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Sorted by file and position, so output reads top to bottom.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by_key(|d| {
            let s = d.span.unwrap_or_default();
            (s.source, s.start(), d.severity)
        });
        self.items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    /// In the order they were pushed.
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<T: IntoIterator<Item = Diagnostic>>(&mut self, iter: T) {
        self.items.extend(iter)
    }
}

/// The nearest candidate to `word`, if it is plausibly a misspelling of it.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| {
            let cl = c.to_lowercase();
            let dist = strsim::damerau_levenshtein(&lower, &cl);
            let sim = strsim::jaro_winkler(&lower, &cl);
            (c, dist, sim)
        })
        .filter(|&(c, dist, sim)| {
            let limit = (c.chars().count().max(word.chars().count()) / 3).max(1);
            dist <= limit || sim >= 0.88
        })
        .min_by(|a, b| a.1.cmp(&b.1).then(b.2.total_cmp(&a.2)))
        .map(|(c, _, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let c = ["unsure", "yes", "no"];
        assert_eq!(did_you_mean("unsrue", c), Some("unsure"));
        assert_eq!(did_you_mean("maybe", c), None);
        assert_eq!(did_you_mean("Yes", c), Some("yes"));
        assert_eq!(did_you_mean("ask_fi", ["ask_if", "audiences"]), Some("ask_if"));
    }
}
