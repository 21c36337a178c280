//! Diagnostics rendered for the people and tools that read them: as a person reads them
//! (snippet, labels and help, via miette), one line each (`file:line:col: severity[code]:
//! message`, for logs and tests), or as JSON (editors and CI). The compiler collects them
//! as plain data (`quire_core::diagnostic`); only this module knows how they look.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use quire_core::diagnostic::{Diagnostic, Severity};
use quire_core::source::{Sources, Span};
use serde::Serialize;

/// Renders diagnostics as a person reads them: snippet, labels and help, via miette.
pub fn render(diags: &[Diagnostic], sources: &Sources, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for d in diags {
        let shown = Shown::new(d, sources);
        if handler.render_report(&mut out, &shown).is_err() {
            out.push_str(&format!("{}: {}\n", d.code, d.message));
        }
        out.push('\n');
    }
    out
}

/// One line per diagnostic, `file:line:col: severity[code]: message`, for logs and tests.
pub fn render_short(diags: &[Diagnostic], sources: &Sources) -> String {
    let mut out = String::new();
    for d in diags {
        let sev = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match d.span {
            Some(s) => {
                let src = sources.get(s.source);
                let (l, c) = src.line_col(s.start());
                out.push_str(&format!("{}:{l}:{c}: {sev}[{}]: {}\n", src.name, d.code, d.message));
            }
            None => out.push_str(&format!("{sev}[{}]: {}\n", d.code, d.message)),
        }
    }
    out
}

#[derive(Serialize)]
struct JsonLocation {
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    offset: usize,
    length: usize,
}

#[derive(Serialize)]
struct JsonDiagnostic {
    severity: Severity,
    code: &'static str,
    message: String,
    location: Option<JsonLocation>,
    label: Option<String>,
    help: Option<String>,
    related: Vec<JsonRelated>,
}

#[derive(Serialize)]
struct JsonRelated {
    location: JsonLocation,
    label: String,
}

fn json_location(span: Span, sources: &Sources) -> JsonLocation {
    let src = sources.get(span.source);
    let (line, column) = src.line_col(span.start());
    let (end_line, end_column) = src.line_col(span.end());
    JsonLocation {
        file: src.name.clone(),
        line,
        column,
        end_line,
        end_column,
        offset: span.start(),
        length: span.len(),
    }
}

/// Diagnostics as JSON, for editors and CI.
pub fn to_json(diags: &[Diagnostic], sources: &Sources) -> serde_json::Value {
    let list: Vec<JsonDiagnostic> = diags
        .iter()
        .map(|d| JsonDiagnostic {
            severity: d.severity,
            code: d.code,
            message: d.message.clone(),
            location: d.span.map(|s| json_location(s, sources)),
            label: d.label.clone(),
            help: d.help.clone(),
            related: d
                .related
                .iter()
                .map(|(s, l)| JsonRelated {
                    location: json_location(*s, sources),
                    label: l.clone(),
                })
                .collect(),
        })
        .collect();
    serde_json::to_value(list).unwrap_or(serde_json::Value::Null)
}

/// A diagnostic paired with its file, in the shape miette renders.
struct Shown<'a> {
    diag: &'a Diagnostic,
    source: Option<Excerpted>,
    /// The help, with the related places in other files (which a snippet cannot show).
    help: Option<String>,
}

impl<'a> Shown<'a> {
    fn new(diag: &'a Diagnostic, sources: &Sources) -> Self {
        let source = diag.span.map(|s| {
            let src = sources.get(s.source);
            Excerpted(NamedSource::new(src.name.clone(), src.text.clone()), src.name.clone())
        });
        let primary = diag.span.map(|s| s.source);
        let elsewhere: Vec<String> = diag
            .related
            .iter()
            .filter(|(s, _)| Some(s.source) != primary)
            .map(|(s, label)| {
                let src = sources.get(s.source);
                let (l, c) = src.line_col(s.start());
                format!("{label}: {}:{l}:{c}", src.name)
            })
            .collect();
        let help = match (&diag.help, elsewhere.is_empty()) {
            (h, true) => h.clone(),
            (Some(h), false) => Some(format!("{}\n{h}", elsewhere.join("\n"))),
            (None, false) => Some(elsewhere.join("\n")),
        };
        Shown { diag, source, help }
    }
}

/// Lines longer than this are shown as a window around the place, not whole: a diagnostic
/// on a 300 KB line prints a few hundred characters, not the line.
const MAX_SHOWN_LINE: usize = 300;
/// Characters shown either side of the place on such a line.
const WINDOW: usize = 100;

/// A source whose long lines are shown as a window around the span.
struct Excerpted(NamedSource<String>, String);

impl miette::SourceCode for Excerpted {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text = self.0.inner().as_str();
        // Spans from the YAML reader may fall inside a character (text replaced while
        // reading non-UTF-8 input): widen them to whole characters.
        let mut start = span.offset().min(text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (span.offset() + span.len()).clamp(start, text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let line_start = text[..start].rfind('\n').map(|p| p + 1).unwrap_or(0);
        let line_end = text[end..].find('\n').map(|p| end + p).unwrap_or(text.len());
        if line_end - line_start <= MAX_SHOWN_LINE {
            // Context lines too long to show are left out.
            let long = |l: &str| l.len() > MAX_SHOWN_LINE;
            let above = text[..line_start].lines().rev().take(before).any(long);
            let below = text[line_end..].lines().skip(1).take(after).any(long);
            return self
                .0
                .read_span(span, if above { 0 } else { before }, if below { 0 } else { after });
        }
        let mut from = start.saturating_sub(WINDOW).max(line_start);
        while !text.is_char_boundary(from) {
            from -= 1;
        }
        let mut to = (end.max(start + 1) + WINDOW).min(line_end);
        while !text.is_char_boundary(to) {
            to += 1;
        }
        let line = text[..line_start].matches('\n').count();
        let column = text[line_start..from].chars().count();
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.1.clone(),
            &text.as_bytes()[from..to],
            SourceSpan::new(from.into(), to - from),
            line,
            column,
            1,
        )))
    }
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Shown<'_> {}

impl miette::Diagnostic for Shown<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diag.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.diag.span?;
        // A label on a long line is cut to the window shown (see `Excerpted`).
        let len = if span.len() > MAX_SHOWN_LINE {
            WINDOW
        } else {
            span.len()
        };
        let main =
            LabeledSpan::new_primary_with_span(self.diag.label.clone(), SourceSpan::new(span.start().into(), len));
        let others = self
            .diag
            .related
            .iter()
            .filter(move |(s, _)| s.source == span.source)
            .map(|(s, l)| LabeledSpan::new_with_span(Some(l.clone()), SourceSpan::new(s.start().into(), s.len())));
        Some(Box::new(std::iter::once(main).chain(others)))
    }
}
