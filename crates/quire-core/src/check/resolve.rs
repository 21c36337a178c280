//! The checked spec in, the model out: texts resolved per audience (terms, piping),
//! instruments numbered, harmonised variables with their universes.

use std::collections::BTreeMap;

use super::symbols::Declared;
use super::typeck::Typed;
use super::{Cx, DEFAULT_AUDIENCE, Sizes, SymbolKind, Ty, sized};
use crate::FastMap;
use crate::diagnostic::Diagnostic;
use crate::model::{self, Questionnaire, Wording};
use crate::source::Span;
use crate::spec::{self, Item, Sp};
use crate::translate::Catalogs;

/// The key of a resolved text no audience changes, in place of an audience's index.
pub(super) const EVERY_AUDIENCE: usize = usize::MAX - 1;

/// The texts pass's tables: texts resolved per audience, and what had no translation.
pub(super) struct Resolved {
    /// Resolved texts, by spec text and audience.
    pub(super) texts: FastMap<(usize, usize), model::Text>,
    /// Texts with no translation, by language: reported once the model is built.
    pub(super) missing_translations: BTreeMap<String, Vec<Span>>,
    /// Set while a text is resolved when one of its wordings depends on the audience (per
    /// audience, or a template with terms or piped answers): otherwise the resolved text
    /// is the same for every audience, and resolved once.
    pub(super) audience_dependent: bool,
}

/// The third pass at work (this file and `assemble.rs`): the instruments assembled from
/// the declared names and the type-checked conditions, texts resolved for each audience
/// into its own tables, then the variables. What only assembling reads is freed before
/// the variables are made, beside the searches over answers (a large check's peak of
/// memory).
pub(super) struct Build<'c, 'a> {
    pub(super) cx: &'c mut Cx<'a>,
    pub(super) declared: &'c mut Declared<'a>,
    /// The second pass's conditions: read while the model is built, then freed.
    pub(super) typed: Typed,
    pub(super) resolved: Resolved,
    pub(super) catalogs: Option<&'a Catalogs>,
    pub(super) allow_missing_translations: bool,
    /// The roster whose item's texts are being resolved: what its pipes may read.
    pub(super) scope: Option<String>,
}

reads_context!(Build);

impl<'c, 'a> Build<'c, 'a> {
    pub(super) fn new(
        cx: &'c mut Cx<'a>,
        declared: &'c mut Declared<'a>,
        catalogs: &'a Catalogs,
        allow_missing_translations: bool,
        sizes: &Sizes,
    ) -> Self {
        Build {
            cx,
            declared,
            typed: Typed::default(),
            resolved: Resolved {
                // A question's text and its rows' (choice lists' labels are shared).
                texts: sized(sizes.questions + sizes.symbols),
                missing_translations: BTreeMap::new(),
                audience_dependent: false,
            },
            catalogs: Some(catalogs),
            allow_missing_translations,
            scope: None,
        }
    }

    /// The model of the whole questionnaire but its variables (made by [`Build::variables`]
    /// while the routing searches run), and each instrument's spec places of its questions.
    /// `typed` is read here for the last time: it is freed, with the other tables only
    /// assembling reads, before this returns.
    pub(super) fn model(&mut self, typed: Typed) -> (Questionnaire, Vec<Vec<(usize, usize)>>) {
        self.typed = typed;
        let built = self.build();
        self.typed = Typed::default();
        self.declared.question_lists = FastMap::default();
        self.cx.parsed.take();
        built
    }

    /// Frees what only the variables read (the resolved texts, the placements), once they
    /// are made, while the searches may still run.
    pub(super) fn free_texts(&mut self) {
        self.resolved.texts = FastMap::default();
        self.declared.placements = Vec::new();
    }
}

impl<'a> Build<'_, 'a> {
    /// Resolves a text for one audience: its template, terms, and piped answers.
    pub(super) fn text(&mut self, t: &'a spec::Text, audience: &str, position: usize) -> model::Text {
        // A text belongs to one item, so its position is fixed: (text, audience) is the key,
        // or (text, EVERY_AUDIENCE) when no wording of it depends on the audience.
        let text = std::ptr::from_ref(t) as usize;
        if let Some(done) = self.resolved.texts.get(&(text, EVERY_AUDIENCE)) {
            return done.clone();
        }
        let key = (
            text,
            self.declared
                .audience_ids
                .iter()
                .position(|a| a == audience)
                .unwrap_or(usize::MAX),
        );
        if let Some(done) = self.resolved.texts.get(&key) {
            return done.clone();
        }
        let outer = std::mem::replace(&mut self.resolved.audience_dependent, false);
        let done = self.resolve_text(t, audience, position);
        let key = if self.resolved.audience_dependent {
            key
        } else {
            (text, EVERY_AUDIENCE)
        };
        self.resolved.audience_dependent |= outer;
        self.resolved.texts.insert(key, done.clone());
        done
    }

    pub(super) fn resolve_text(&mut self, t: &spec::Text, audience: &str, position: usize) -> model::Text {
        let source = self.declared.languages[0].clone();
        let Some((value, span)) = self.pick(t, &source, audience, true) else {
            return model::Text::literal("");
        };
        let segments = self.segments(&value, span, audience, &source, position);
        let mut translations = std::collections::BTreeMap::new();
        let others: Vec<String> = self.declared.languages.iter().skip(1).cloned().collect();
        for lang in others {
            let segs = match self.pick(t, &lang, audience, false) {
                Some((v, at)) => {
                    let (want, got) = (
                        crate::translate::placeholders(&value),
                        crate::translate::placeholders(&v),
                    );
                    if want != got {
                        let list = |p: &std::collections::BTreeSet<String>| {
                            if p.is_empty() {
                                "none".to_string()
                            } else {
                                p.iter().map(|x| format!("`{x}`")).collect::<Vec<_>>().join(", ")
                            }
                        };
                        self.push_once(
                            Diagnostic::error("translation-placeholders", format!("the `{lang}` translation does not keep this text's placeholders"))
                                .at(at, format!("uses {}", list(&got)))
                                .also(span, format!("the source uses {}", list(&want)))
                                .help("keep every `${question}` of the source text, translating the words around it (and a pipe's fallback after `|`)"),
                        );
                    }
                    self.segments(&v, at, audience, &lang, position)
                }
                None => {
                    let spans = self.resolved.missing_translations.entry(lang.clone()).or_default();
                    if !spans.contains(&span) {
                        spans.push(span);
                    }
                    segments.clone()
                }
            };
            translations.insert(lang, segs.into());
        }
        model::Text {
            segments: segments.into(),
            translations: std::sync::Arc::new(translations),
        }
    }

    /// Quire's own words for the form in each declared language that is not English, from
    /// its PO file; those without a translation are reported (and stay English).
    fn ui_strings(&mut self) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>> {
        let mut out = std::collections::BTreeMap::new();
        if self.spec.languages.is_empty() {
            return out;
        }
        for lang in self.declared.languages.clone() {
            if !crate::ui::needs_translation(&lang) {
                continue;
            }
            let catalog = self.catalogs.and_then(|c| c.get(&lang));
            let mut words = std::collections::BTreeMap::new();
            let mut missing = 0;
            for (key, english) in crate::ui::STRINGS {
                match catalog.and_then(|c| c.messages.get(*english)) {
                    Some((t, at)) => {
                        if crate::ui::slots(t) != crate::ui::slots(english) {
                            self.push_once(
                                Diagnostic::error(
                                    "translation-placeholders",
                                    format!("the `{lang}` translation of “{english}” must keep its {{0}}-style slots"),
                                )
                                .at(*at, "different slots")
                                .help(
                                    "the form fills each `{0}`, `{1}` in (a question number, a count): keep every one",
                                ),
                            );
                        }
                        words.insert(key.to_string(), t.clone());
                    }
                    None => {
                        missing += 1;
                        words.insert(key.to_string(), english.to_string());
                    }
                }
            }
            if missing > 0 {
                let span = self
                    .spec
                    .languages
                    .iter()
                    .find(|l| l.value == lang)
                    .map(|l| l.span)
                    .unwrap_or_default();
                let message = format!(
                    "{missing} of Quire's {} own words for forms and paper (“Continue”, “Tick one box”, …) have no `{lang}` translation",
                    crate::ui::STRINGS.len()
                );
                let help = format!(
                    "translate them in the `{lang}` PO file: `quire translations export SPEC --to {lang}` lists them after the spec's texts"
                );
                self.push(if self.allow_missing_translations {
                    Diagnostic::warning("missing-translation", format!("{message}; they stay in English"))
                        .at(span, "the form's own words")
                        .help(help)
                } else {
                    Diagnostic::error("missing-translation", message)
                        .at(span, "the form's own words")
                        .help(format!("{help}; or build with `--allow-missing-translations`"))
                });
            }
            out.insert(lang, words);
        }
        out
    }

    /// The words of a text in `lang` for `audience`, and where they are written: the
    /// source language as the spec gives it; another language inline or from its PO file.
    /// `report`: diagnose the text's keys (done once, for the source language).
    fn pick(&mut self, t: &spec::Text, lang: &str, audience: &str, report: bool) -> Option<(String, Span)> {
        let source = self.declared.languages[0].clone();
        let catalogs = self.catalogs;
        let catalog = |s: &str| -> Option<(String, Span)> { catalogs?.get(lang)?.messages.get(s).cloned() };
        // The declared languages that passed their checks (a language that is also an
        // audience id is reported once, where it is declared).
        let declared: Vec<String> = if self.spec.languages.is_empty() {
            Vec::new()
        } else {
            self.declared.languages.clone()
        };
        match t {
            spec::Text::One(s) if lang == source => Some((s.value.clone(), s.span)),
            spec::Text::One(s) => catalog(&s.value),
            spec::Text::PerAudience(map) if map.0.iter().any(|(k, _)| declared.contains(&k.value)) => {
                if report {
                    for (k, _) in &map.0 {
                        if !declared.contains(&k.value) {
                            self.push_once(
                                Diagnostic::error("unknown-language", format!("`{}` is not one of the spec's `languages`", k.value))
                                    .at(k.span, "not a declared language")
                                    .suggest(&k.value, declared.iter().map(String::as_str))
                                    .help(format!("this text is keyed by language ({}); per-audience wording goes inside each language", declared.join(", "))),
                            );
                        }
                    }
                }
                match map.0.iter().find(|(k, _)| k.value == lang) {
                    Some((_, v)) => Some((v.value.clone(), v.span)),
                    None if lang == source => {
                        if report {
                            self.missing_source_text(t, &source);
                        }
                        None
                    }
                    None => map
                        .0
                        .iter()
                        .find(|(k, _)| k.value == source)
                        .and_then(|(_, s)| catalog(&s.value)),
                }
            }
            spec::Text::PerAudience(map) => {
                let v = self.per_audience(map, audience, report)?;
                if lang == source {
                    Some((v.value.clone(), v.span))
                } else {
                    catalog(&v.value)
                }
            }
            spec::Text::PerLanguage(map) => {
                if report {
                    for (k, _) in &map.0 {
                        if !declared.contains(&k.value) {
                            let d = Diagnostic::error(
                                "unknown-language",
                                format!("`{}` is not one of the spec's `languages`", k.value),
                            )
                            .at(k.span, "not a declared language")
                            .suggest(&k.value, declared.iter().map(String::as_str));
                            let d = if declared.is_empty() {
                                d.help("declare the questionnaire's languages first: `languages: [en-GB, cy]` at the top of the spec")
                            } else {
                                d.help(format!("languages: {}", declared.join(", ")))
                            };
                            self.push_once(d);
                        }
                    }
                }
                match map.0.iter().find(|(k, _)| k.value == lang) {
                    // The language's own wording, per audience or one for all.
                    Some((_, inner)) => {
                        let inner = inner.clone();
                        let s = self.declared.languages[0].clone();
                        self.pick(&inner, &s, audience, report)
                    }
                    None if lang == source => {
                        if report && !declared.is_empty() {
                            self.missing_source_text(t, &source);
                        }
                        None
                    }
                    None => {
                        let (v, _) = self.pick(t, &source, audience, false)?;
                        catalog(&v)
                    }
                }
            }
        }
    }

    fn missing_source_text(&mut self, t: &spec::Text, source: &str) {
        self.push_once(
            Diagnostic::error(
                "missing-source-text",
                format!("this text has no `{source}` (source language) wording"),
            )
            .at(t.span(), "keyed by language")
            .help(format!(
                "add `{source}: …`: the source language is the first of `languages`"
            )),
        );
    }

    /// One audience's entry of per-audience wording (or `default`).
    fn per_audience<'t>(
        &mut self,
        map: &'t spec::Entries<Sp<String>>,
        audience: &str,
        report: bool,
    ) -> Option<&'t Sp<String>> {
        self.resolved.audience_dependent = true;
        if report {
            for (k, _) in &map.0 {
                if k.value != "default" && !self.declared.audience_ids.contains(&k.value) {
                    let ids = self.declared.audience_ids.clone();
                    let d = Diagnostic::error("unknown-audience", format!("there is no audience `{}`", k.value))
                        .at(k.span, "unknown audience")
                        .suggest(&k.value, ids.iter().map(String::as_str).chain(["default"]))
                        .help(format!(
                            "keys of per-audience text are audience ids ({}) or `default`",
                            ids.join(", ")
                        ));
                    self.push_once(d);
                }
            }
        }
        let found = map
            .0
            .iter()
            .find(|(k, _)| k.value == audience)
            .or_else(|| map.0.iter().find(|(k, _)| k.value == "default"));
        if found.is_none() && report {
            let span = map.0.first().map(|(k, _)| k.span).unwrap_or_default();
            self.push_once(
                Diagnostic::error("missing-wording", format!("no wording for audience `{audience}`"))
                    .at(span, format!("`{audience}` sees this text"))
                    .help(format!("add `{audience}: …` or `default: …`")),
            );
        }
        found.map(|(_, v)| v)
    }

    /// A text's words in one language for one audience: literal runs, terms filled in, and
    /// piped answers.
    fn segments(
        &mut self,
        value: &str,
        span: Span,
        audience: &str,
        lang: &str,
        position: usize,
    ) -> Vec<model::Segment> {
        if !value.contains(['{', '}']) {
            return vec![model::Segment::Literal {
                text: value.to_string(),
            }];
        }
        // Terms and piped answers are the audience's.
        self.resolved.audience_dependent = true;
        let source = self.declared.languages[0].clone();
        let source = source.as_str();
        let catalogs = self.catalogs;
        let terms = self
            .spec
            .audiences
            .0
            .iter()
            .find(|(k, _)| k.value == audience)
            .map(|(_, a)| &a.terms.0);
        // A term's value is translated like any text; without a translation it is missing.
        let mut untranslated_terms: Vec<Span> = Vec::new();
        let mut translated_term = |v: &Sp<String>| -> String {
            if lang == source {
                return v.value.clone();
            }
            match catalogs
                .and_then(|c| c.get(lang))
                .and_then(|c| c.messages.get(&v.value))
            {
                Some((t, _)) => t.clone(),
                None => {
                    untranslated_terms.push(v.span);
                    v.value.clone()
                }
            }
        };
        let mut segments = Vec::new();
        let mut lit = String::new();
        let s = value;
        let raw = self.slice(span);
        let base = raw.find(s).map(|i| span.start() + i);
        let at = |start: usize, end: usize| match base {
            Some(b) => Span::new(span.source, b + start, b + end),
            None => span,
        };
        let mut i = 0;
        while i < s.len() {
            let rest = &s[i..];
            if rest.starts_with("{{") || rest.starts_with("}}") {
                lit.push_str(&rest[..1]);
                i += 2;
            } else if rest.starts_with("${{") {
                // `$` before a literal brace (`${{x}}` reads `${x}`): not a pipe.
                lit.push('$');
                i += 1;
            } else if rest.starts_with("${") || rest.starts_with('{') {
                let open = if rest.starts_with("${") { 2 } else { 1 };
                let Some(close) = rest.find('}') else {
                    self.push_once(
                        Diagnostic::error("text-template", "`{` is not closed")
                            .at(at(i, i + open), "opened here")
                            .help("close it with `}`, or write `{{` for a literal brace"),
                    );
                    lit.push_str(rest);
                    break;
                };
                let inner = &rest[open..close];
                if open == 2 {
                    let (name, fallback) = match inner.split_once('|') {
                        Some((n, f)) => (n.trim(), Some(f.trim().to_string())),
                        None => (inner.trim(), None),
                    };
                    let span = at(i, i + close + 1);
                    if let Some(fallback) = self.pipe(name, span, audience, position, fallback) {
                        if !lit.is_empty() {
                            segments.push(model::Segment::Literal {
                                text: std::mem::take(&mut lit),
                            });
                        }
                        segments.push(model::Segment::Pipe {
                            variable: name.to_string(),
                            fallback,
                        });
                    }
                } else {
                    let name = inner.trim();
                    match terms.and_then(|t| t.iter().find(|(k, _)| k.value == name)) {
                        Some((_, v)) => lit.push_str(&translated_term(v)),
                        None => {
                            let known: Vec<&str> = terms
                                .map(|t| t.iter().map(|(k, _)| k.value.as_str()).collect())
                                .unwrap_or_default();
                            let d = Diagnostic::error(
                                "unknown-term",
                                format!("audience `{audience}` has no term `{name}`"),
                            )
                            .at(at(i, i + close + 1), "unknown term")
                            .suggest(name, known.iter().copied());
                            let d = if d.help.is_some() {
                                d
                            } else if self.declared.symbols.contains_key(name) {
                                d.help(format!("to pipe in the answer to `{name}`, write `${{{name}}}`"))
                            } else {
                                d.help(format!("add `{name}: …` to `terms` of audience `{audience}`, or write `{{{{` for a literal brace"))
                            };
                            self.push_once(d);
                        }
                    }
                }
                i += close + 1;
            } else {
                let ch = rest.chars().next().map(char::len_utf8).unwrap_or(1);
                lit.push_str(&rest[..ch]);
                i += ch;
            }
        }
        if !lit.is_empty() || segments.is_empty() {
            segments.push(model::Segment::Literal { text: lit });
        }
        if !untranslated_terms.is_empty() {
            let spans = self.resolved.missing_translations.entry(lang.to_string()).or_default();
            for span in untranslated_terms {
                if !spans.contains(&span) {
                    spans.push(span);
                }
            }
        }
        segments
    }

    /// `${row}` (the row's number) and `${row.label}` (its label), in a roster's items.
    fn pipe_row(&mut self, name: &str, span: Span, fallback: Option<String>) -> Option<String> {
        let Some(scope) = self.scope.clone() else {
            self.push_once(
                Diagnostic::error(
                    "row-outside-roster",
                    format!("`${{{name}}}` is only known in a roster's items"),
                )
                .at(span, "not in a roster")
                .help("pipe in the row's number or label in the items asked in each row"),
            );
            return None;
        };
        let roster = self.declared.rosters.get(&scope).map(|r| r.spec);
        let labelled =
            roster.is_some_and(|r| r.row_label.is_some() || matches!(r.rows.value, spec::Rows::ForEach { .. }));
        if name == "row.label" && !labelled {
            let mut d = Diagnostic::error("no-row-label", format!("the rows of `{scope}` have no label to show"))
                .at(span, "no label");
            if let Some(r) = roster {
                d = d.also(r.id.span, "this roster");
            }
            self.push_once(d.help("give the roster a `row_label` (the question that names each row, such as a name), or show `${row}`, its number"));
            return None;
        }
        Some(fallback.unwrap_or_else(|| if name == "row" { "this row's number" } else { "this row" }.to_string()))
    }

    pub(super) fn pipe(
        &mut self,
        name: &str,
        span: Span,
        audience: &str,
        position: usize,
        fallback: Option<String>,
    ) -> Option<String> {
        if name == "row" || name == "row.label" {
            return self.pipe_row(name, span, fallback);
        }
        let Some(sym) = self.declared.symbols.get(name).cloned() else {
            let mut names: Vec<&str> = self.declared.symbols.keys().map(String::as_str).collect();
            names.sort_unstable();
            let d = Diagnostic::error("unknown-variable", format!("there is no question `{name}` to pipe in"))
                .at(span, "unknown name")
                .help("pipe in an earlier question by its id: `${id}`")
                .suggest(name, names.iter().copied());
            self.push_once(d);
            return None;
        };
        let earlier = match sym.kind {
            SymbolKind::Derived => self.declared.derived_order(self.cx, name) < position,
            _ => sym.order < position,
        };
        if !earlier {
            self.push_once(
                Diagnostic::error(
                    "forward-reference",
                    format!("`{name}` is asked later, so its answer cannot be shown here"),
                )
                .at(span, "not yet answered")
                .also(sym.span, "asked here")
                .help("pipe in only answers given earlier"),
            );
            return None;
        }
        if !sym.audiences.iter().any(|a| a == audience) {
            self.push_once(
                Diagnostic::error(
                    "audience-mismatch",
                    format!("`{name}` is not asked of `{audience}`, so it cannot be piped into their text"),
                )
                .at(span, format!("never answered by `{audience}`"))
                .help("use per-audience wording without this answer"),
            );
            return None;
        }
        if !self.declared.in_scope(sym.unit.as_deref(), self.scope.as_deref()) {
            let unit = sym.unit.clone().unwrap_or_default();
            self.push_once(
                Diagnostic::error(
                    "field-outside-roster",
                    format!("`{name}` is a field of roster `{unit}`, so this text has no one row's answer to show"),
                )
                .at(span, "outside the roster")
                .also(sym.span, format!("asked in each row of `{unit}`"))
                .help(format!("pipe it in only in the items of `{unit}`")),
            );
            return None;
        }
        if matches!(sym.ty, Ty::Grid | Ty::Multi(_) | Ty::Rows(_)) {
            self.push_once(
                Diagnostic::error("pipe-type", format!("`{name}` has no single answer to show"))
                    .at(span, "grid or multiple choice")
                    .help("pipe in a single-choice, text, number or date answer"),
            );
            return None;
        }

        Some(
            fallback.unwrap_or_else(|| match sym.numbers.get(self.declared.audience_at(audience)) {
                Some(n) => format!("your answer to {n}"),
                None => "your earlier answer".to_string(),
            }),
        )
    }

    /// Texts are resolved once per audience; report each problem once.
    pub(super) fn push_once(&mut self, d: Diagnostic) {
        if !self
            .diags
            .iter()
            .any(|x| x.code == d.code && x.span == d.span && x.message == d.message)
        {
            self.push(d);
        }
    }

    pub(super) fn wording(&mut self, t: &'a spec::Text, audiences: &[String], position: usize) -> Vec<Wording> {
        // Most texts read the same for every audience: room for one wording, naming them all.
        let mut out: Vec<Wording> = Vec::with_capacity(1);
        for a in audiences {
            let text = self.text(t, a, position);
            let same = |w: &&mut Wording| {
                (std::sync::Arc::ptr_eq(&w.text.segments, &text.segments)
                    && std::sync::Arc::ptr_eq(&w.text.translations, &text.translations))
                    || w.text == text
            };
            match out.iter_mut().find(same) {
                Some(w) => w.audiences.push(a.clone()),
                None => out.push(Wording {
                    audiences: {
                        let mut v = Vec::with_capacity(audiences.len());
                        v.push(a.clone());
                        v
                    },
                    text,
                }),
            }
        }
        out
    }

    /// The model of the whole questionnaire but its variables, and each instrument's spec
    /// places of its questions.
    fn build(&mut self) -> (Questionnaire, Vec<Vec<(usize, usize)>>) {
        let all = self.declared.audience_ids.clone();
        let survey = self.survey();
        let audiences = self.audiences_model();
        let choice_lists = self.choice_lists(&all);
        let built = self.instruments(&all);
        let (instruments, origins): (Vec<model::Instrument>, Vec<Vec<(usize, usize)>>) = built.into_iter().unzip();
        let derived = self.derived_model();
        let model = Questionnaire {
            format: model::IR_FORMAT,
            survey,
            audiences,
            choice_lists,
            // Made by `variables`, while the routing searches run.
            variables: Vec::new(),
            derived,
            instruments,
            languages: self.declared.languages.clone(),
            ui: self.ui_strings(),
            content_hash: model::content_hash(&self.sources.iter().map(|(_, s)| s.text.as_str()).collect::<Vec<_>>()),
        };
        (model, origins)
    }

    /// `survey:` as the model has it, with its own checks (the resume window, the id, the
    /// two missing codes).
    fn survey(&mut self) -> model::Survey {
        let spec = self.spec;
        let first = self.declared.audience_ids.first().cloned().unwrap_or_default();
        let survey = model::Survey {
            id: spec.survey.id.value.clone(),
            title: self.text(&spec.survey.title, &first, 0),
            version: spec.survey.version.value.clone(),
            description: spec.survey.description.as_ref().map(|d| self.text(d, &first, 0)),
            // The source language: the first of `languages`, else `survey.language`, else en.
            language: self.declared.languages[0].clone(),
            resume_hours: spec.survey.resume_hours.as_ref().map(|h| h.value),
            missing_codes: self.missing_codes(),
            submit_url: spec.survey.submit_url.as_ref().map(|u| u.value.clone()),
            return_to: spec.survey.return_to.as_ref().map(|t| self.text(t, &first, 0)),
            server: None,
            version_span: Some(spec.survey.version.span),
        };
        if let Some(h) = &spec.survey.resume_hours
            && h.value <= 0.0
        {
            self.push(
                Diagnostic::error("out-of-range", "`resume_hours` must be more than 0").at(h.span, "not positive"),
            );
        }
        self.name(&spec.survey.id, "survey id", false);
        let codes = self.missing_codes();
        if codes.missing == codes.not_applicable
            && let Some(m) = &spec.survey.missing_codes
        {
            let span = m
                .missing
                .as_ref()
                .or(m.not_applicable.as_ref())
                .map(|c| c.span)
                .unwrap_or_default();
            self.push(
                Diagnostic::error(
                    "duplicate-code",
                    "\"missing\" and \"not applicable\" have the same code",
                )
                .at(span, "same code")
                .help("they must differ, so analysts can tell a skipped question from an unanswered one"),
            );
        }
        survey
    }

    /// The audiences as the model has them (one, `respondent`, when the spec declares none).
    fn audiences_model(&self) -> Vec<model::Audience> {
        let spec = self.spec;
        if spec.audiences.0.is_empty() {
            vec![model::Audience {
                id: DEFAULT_AUDIENCE.into(),
                label: "Respondents".into(),
                description: None,
                terms: BTreeMap::new(),
            }]
        } else {
            spec.audiences
                .0
                .iter()
                .map(|(id, a)| model::Audience {
                    id: id.value.clone(),
                    label: a.label.value.clone(),
                    description: a.description.as_ref().map(|d| d.value.clone()),
                    terms: a
                        .terms
                        .0
                        .iter()
                        .map(|(k, v)| (k.value.clone(), v.value.clone()))
                        .collect(),
                })
                .collect()
        }
    }

    /// Every choice list, each option's label worded for the audiences whose questions use
    /// the list (the harmonised labels).
    fn choice_lists(&mut self, all: &[String]) -> Vec<model::ChoiceList> {
        // Which audiences use each list, for the harmonised labels.
        let mut list_audiences: Vec<Vec<String>> = vec![Vec::new(); self.declared.lists.len()];
        for (qid, &l) in &self.declared.question_lists {
            if let Some(sym) = self.declared.symbols.get(qid) {
                for a in &sym.audiences {
                    if !list_audiences[l].contains(a) {
                        list_audiences[l].push(a.clone());
                    }
                }
            }
        }
        for aud in list_audiences.iter_mut() {
            if aud.is_empty() {
                *aud = all.to_vec();
            }
            aud.sort_by_key(|a| all.iter().position(|x| x == a));
        }
        let lists = self.declared.lists.clone();
        lists
            .iter()
            .enumerate()
            .map(|(i, l)| model::ChoiceList {
                id: l.id.clone(),
                ordered: l.ordered,
                options: l
                    .choices
                    .iter()
                    .map(|c| {
                        let offered: Vec<String> = list_audiences[i]
                            .iter()
                            .filter(|a| {
                                c.audiences
                                    .as_ref()
                                    .is_none_or(|only| only.iter().any(|x| &x.value == *a))
                            })
                            .cloned()
                            .collect();
                        model::Choice {
                            code: c.code.value,
                            value: c.value.value.clone(),
                            label: self.wording(&c.label, &offered, 0),
                            audiences: offered,
                            exclusive: c.exclusive.as_ref().is_some_and(|e| e.value),
                            other: c.other.as_ref().is_some_and(|e| e.value),
                            nonsubstantive: c.nonsubstantive.as_ref().map(|n| n.value),
                            score: c.score.as_ref().map(|s| s.value),
                        }
                    })
                    .collect(),
            })
            .collect()
    }

    /// The derived variables as the model has them, with their type-checked rules.
    fn derived_model(&self) -> Vec<model::Derived> {
        let spec = self.spec;
        spec.derived
            .iter()
            .filter_map(|d| {
                let rule = self.typed.derived_rules.get(&d.id.value)?.clone();
                let sym = self.declared.symbols.get(&d.id.value)?;
                Some(model::Derived {
                    id: d.id.value.clone(),
                    label: d.label.value.clone(),
                    description: d.description.as_ref().map(|x| x.value.clone()),
                    audiences: sym.audiences.clone(),
                    rule,
                    value_type: self.typed.derived_types.get(&d.id.value).copied().unwrap_or("number"),
                    provenance: provenance(d.provenance.as_ref()),
                    line: self.line(d.id.span),
                })
            })
            .collect()
    }

    /// The questionnaire's variables, met in the instruments' order: a variable is made
    /// where an audience first asks it, and each later audience adds its number. `origins`
    /// are the spec places of each instrument's questions ([`Build::model`]).
    pub(super) fn variables(
        &mut self,
        instruments: &[model::Instrument],
        origins: &[Vec<(usize, usize)>],
    ) -> Vec<model::Variable> {
        let spec = self.spec;
        let mut variables: Vec<model::Variable> = Vec::with_capacity(self.declared.symbols.len());
        // Keyed by the names in the instruments (which outlive the loop), with room for them
        // all: growing it rehashed every name several times.
        let mut variable_index: crate::FastMap<&str, usize> =
            crate::FastMap::with_capacity_and_hasher(self.declared.symbols.len(), Default::default());
        let flat: Vec<Vec<spec::Placed>> = spec.sections.iter().map(spec::Section::flat).collect();
        for (instrument, origins) in instruments.iter().zip(origins) {
            let audience = &instrument.audience;
            let questions = instrument
                .sections
                .iter()
                .flat_map(|s| model::questions_within(&s.items));
            for ((built, unit), &(si, ii)) in questions.zip(origins) {
                let Some(Item::Question(q)) = flat[si].get(ii).map(|p| p.item) else {
                    continue;
                };
                for name in built.variable_names() {
                    match variable_index.get(name).map(|&i| &mut variables[i]) {
                        Some(v) => {
                            v.numbers.insert(audience.clone(), built.number.clone());
                        }
                        None => {
                            let Some(sym) = self.declared.symbols.get(&q.id.value).cloned() else {
                                continue;
                            };
                            let pos = self.declared.placements[si][ii].1;
                            let wording = self.wording(&q.text, &sym.audiences, pos);
                            let row_label = built.rows.iter().find(|r| r.variable == name).map(|r| r.label.plain());
                            let label = match row_label {
                                Some(r) => format!("{}: {r}", built.label),
                                None => built.label.clone(),
                            };
                            variable_index.insert(name, variables.len());
                            variables.push(model::Variable {
                                name: name.to_string(),
                                question: q.id.value.clone(),
                                kind: q.kind.value,
                                label,
                                section: spec.sections[si].id.value.clone(),
                                audiences: sym.audiences.clone(),
                                numbers: model::ByAudience::first(
                                    sym.audiences.len(),
                                    audience.clone(),
                                    built.number.clone(),
                                ),
                                wording,
                                choice_list: built.choice_list.clone(),
                                // Filled in by the routing analysis.
                                universe: Vec::new(),
                                provenance: provenance(q.provenance.as_ref()),
                                line: built.line,
                                unit: unit.map(str::to_string),
                            });
                        }
                    }
                }
            }
        }
        // Questionnaire order, whichever audience met a variable first (grid rows keep theirs).
        in_order_of(&mut variables, |v| v.line);
        variables
    }
}

/// Sorts variables by line, keeping the order of those on one line (a stable sort). Most
/// questionnaires' variables are met in order; for the others the variables are moved into
/// place along the cycles of their permutation, where a stable sort of the variables
/// themselves would take a buffer of as many again (the largest block of a large check).
fn in_order_of<T>(variables: &mut [T], line: impl Fn(&T) -> usize) {
    if variables.is_sorted_by_key(&line) {
        return;
    }
    let mut order: Vec<(usize, usize)> = variables.iter().enumerate().map(|(i, v)| (line(v), i)).collect();
    order.sort_unstable();
    // Where each place's variable now is.
    let mut from: Vec<usize> = order.into_iter().map(|(_, i)| i).collect();
    for start in 0..from.len() {
        let mut at = start;
        while from[at] != usize::MAX {
            let next = from[at];
            from[at] = usize::MAX;
            if next == start {
                break;
            }
            variables.swap(at, next);
            at = next;
        }
    }
}

fn provenance(p: Option<&spec::Provenance>) -> Option<model::Provenance> {
    p.map(|p| model::Provenance {
        status: p.status.value,
        note: p.note.value.clone(),
    })
}

/// A variable label from question text: the text on one line. Formats with a limit on
/// labels (Stata: 80 characters; SPSS: 250 bytes) cut it themselves (docs/data.md).
pub(super) fn short_label(text: &str) -> String {
    // Most texts are one line already, single-spaced.
    let single = !text.starts_with(' ')
        && !text.ends_with(' ')
        && !text.contains("  ")
        && !text.contains(|c: char| c.is_whitespace() && c != ' ');
    if single {
        return text.to_string();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_sort_by_line_stably_in_place() {
        // Lines as a second audience's questions leave them: in order, then some earlier.
        let lines = [3, 5, 5, 9, 1, 4, 5, 2, 9, 0, 3];
        let mut vars: Vec<(usize, String)> = lines.iter().enumerate().map(|(i, &l)| (l, format!("v{i}"))).collect();
        let mut expected = vars.clone();
        expected.sort_by_key(|(l, _)| *l);
        in_order_of(&mut vars, |v| v.0);
        assert_eq!(vars, expected);
        let mut sorted = expected.clone();
        in_order_of(&mut sorted, |v| v.0);
        assert_eq!(sorted, expected);
    }

    #[test]
    fn labels_are_whole_single_lines() {
        assert_eq!(short_label("Do you  have\na plan?"), "Do you have a plan?");
        assert_eq!(
            short_label(&"word ".repeat(40)).len(),
            199,
            "never cut: formats cut where they must"
        );
    }
}
