//! The spec as written in, the resolved [`Questionnaire`] out; every mistake reported at once.
//!
//! Steps: audiences → choice lists → questions in order (ids, types, numbers per audience) →
//! expressions (parsed, type-checked, no forward references, audiences agree) → derived
//! variables (acyclic) → texts per audience (terms, piping) → instruments → warnings
//! (conditions that never hold, unused lists).

mod assemble;
mod functions;
mod lower;
mod resolve;
mod typeck;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::FastMap;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr;
use crate::model::{self, Condition, Questionnaire};
use crate::source::{Sources, Span};
use crate::spec::{self, ChoiceSource, Item, QuestionType, Sp, Spec};
use crate::translate::Catalogs;

/// The audience used when a spec declares none.
pub const DEFAULT_AUDIENCE: &str = "respondent";
/// Longest variable name Stata, SPSS and R all accept.
pub const MAX_NAME_LEN: usize = 32;
/// Functions the expression language knows, with their argument counts.
pub use crate::expr::{FUNCTIONS, Function};

/// Checks a spec and resolves it into the model. `None` when there were errors.
pub fn check(spec: &Spec, sources: &Sources, diags: &mut Diagnostics) -> Option<Questionnaire> {
    check_with(spec, sources, &Catalogs::new(), false, diags)
}

/// [`check`], with translations read from PO files; `allow_missing` makes a missing
/// translation a warning (the source text stands in) rather than an error.
pub fn check_with(
    spec: &Spec,
    sources: &Sources,
    catalogs: &Catalogs,
    allow_missing: bool,
    diags: &mut Diagnostics,
) -> Option<Questionnaire> {
    let mut c = Checker::new(spec, sources);
    c.catalogs = Some(catalogs);
    c.allow_missing_translations = allow_missing;
    c.audiences();
    c.languages();
    c.named_lists();
    c.questions();
    c.derived();
    c.expressions();
    c.derived_cycles();
    let (mut model, origins) = c.build();
    c.drop_build_tables();
    // Warnings are only worth reading once the errors (which may cause them) are gone.
    let no_errors_yet = !c.diags.has_errors() && !diags.has_errors();
    // The variables, the routing's next-question targets and the never-asked proof read the
    // built instruments and are independent. The variables are made on this thread (they
    // finish with the checker's texts); the two searches over answers run on a second thread
    // and a third, sharing one index per instrument (each question's answers worth trying).
    // The proof starts when there is no error so far; its findings count only if none came
    // after.
    let (variables, targets, never) = std::thread::scope(|s| {
        let built = &model;
        let searches = move || {
            let compared = crate::reach::Compared::of(built);
            let reaches = crate::reach::Reach::all(built, &compared);
            std::thread::scope(|s| {
                let proof = no_errors_yet.then(|| s.spawn(|| crate::reach::never_asked(&reaches)));
                let targets = crate::routing::next_targets(&reaches);
                (
                    targets,
                    proof.map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
                )
            })
        };
        let searching = std::thread::Builder::new().spawn_scoped(s, searches).ok();
        let variables = c.variables(&built.instruments, &origins);
        c.report_missing_translations();
        c.drop_variable_tables();
        let (targets, never) = match searching {
            Some(thread) => thread.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            // Where no thread could be had, the searches run here.
            None => searches(),
        };
        (variables, targets, never)
    });
    model.variables = variables;
    let warn = no_errors_yet && !c.diags.has_errors();
    let never = never.filter(|_| warn);
    crate::routing::analyse_with(&mut model, targets);
    if let Some(never) = never {
        c.never_asked(&model, never);
        c.unused_lists();
    }
    let failed = c.diags.has_errors();
    diags.extend(c.diags.into_sorted());
    (!failed).then_some(model)
}

/// The type of an expression or variable.
#[derive(Debug, Clone, PartialEq)]
enum Ty {
    Bool,
    Number,
    Text,
    Date,
    /// A single-choice answer from the given list.
    Choice(usize),
    /// A multiple-choice answer from the given list.
    Multi(usize),
    Audience,
    /// A grid question as a whole: not a value.
    Grid,
    List(Box<Ty>),
    /// Already reported; stay quiet.
    Error,
}

#[derive(Debug, Clone)]
struct List<'a> {
    id: String,
    span: Span,
    named: bool,
    used: bool,
    choices: &'a [spec::Choice],
    /// Declared `ordered: true`: its substantive options are a scale, in order.
    ordered: bool,
}

#[derive(Debug, Clone)]
enum SymbolKind {
    Question,
    GridRow { grid: String },
    Derived,
}

#[derive(Debug, Clone)]
struct Symbol {
    kind: SymbolKind,
    ty: Ty,
    /// Position in the questionnaire; derived variables sit after what they read.
    order: usize,
    audiences: Vec<String>,
    span: Span,
    /// The line of its question's (or derived variable's) id, in its file.
    line: usize,
    numbers: Numbers,
}

/// An item's audiences and its position in the questionnaire.
type Placement = (Arc<[String]>, usize);

/// A question's numbers ("Q12"), by audience index; 0 where the audience is not asked it.
#[derive(Debug, Clone, Default)]
struct Numbers(Box<[u32]>);

impl Numbers {
    fn get(&self, audience: usize) -> Option<String> {
        match self.0.get(audience) {
            Some(&n) if n > 0 => {
                // Written out by hand: `format!` costs more than the rest of a question's build.
                let mut digits = [0u8; 10];
                let (mut n, mut at) = (n, digits.len());
                while n > 0 {
                    at -= 1;
                    digits[at] = b'0' + (n % 10) as u8;
                    n /= 10;
                }
                let mut out = String::with_capacity(1 + digits.len() - at);
                out.push('Q');
                out.extend(digits[at..].iter().map(|&d| char::from(d)));
                Some(out)
            }
            _ => None,
        }
    }
}

/// Where an expression sits: the YAML scalar it came from and where in the questionnaire.
#[derive(Clone)]
struct Site<'s> {
    text: &'s Sp<String>,
    /// File offset of the expression's first byte when the scalar holds it verbatim.
    base: Option<usize>,
    /// Items before this position may be read.
    position: usize,
    /// The question being validated may read itself.
    itself: Option<&'s str>,
    audiences: Vec<String>,
    what: &'static str,
}

struct Checker<'a> {
    spec: &'a Spec,
    sources: &'a Sources,
    diags: Diagnostics,
    audience_ids: Vec<String>,
    lists: Vec<List<'a>>,
    list_index: FastMap<String, usize>,
    symbols: FastMap<String, Arc<Symbol>>,
    /// Per question id: its list, after choices are resolved.
    question_lists: FastMap<String, usize>,
    /// Per item (by section and index): its audiences and position.
    placements: Vec<Vec<Placement>>,
    section_audiences: Vec<Vec<String>>,
    /// Per item and audience: its own condition.
    conditions: FastMap<(usize, usize, usize), Condition>,
    /// Per section and audience: the section's condition.
    section_conditions: FastMap<(usize, usize), Condition>,
    validations: FastMap<(usize, usize), Vec<Condition>>,
    screens: FastMap<(usize, usize), Condition>,
    derived_rules: FastMap<String, model::DerivedRule>,
    derived_types: FastMap<String, &'static str>,
    /// Resolved texts, by spec text and audience.
    texts: FastMap<(usize, usize), model::Text>,
    /// Inside `any(…)`, `all(…)`, `count_where(…)`, `sum_score(…)`: the grid whose name
    /// stands for each of its rows.
    row_grid: Option<String>,
    /// The questionnaire's languages, the source language first.
    languages: Vec<String>,
    catalogs: Option<&'a Catalogs>,
    allow_missing_translations: bool,
    /// Texts with no translation, by language: reported once the model is built.
    missing_translations: BTreeMap<String, Vec<Span>>,
    /// Set while a text is resolved when one of its wordings depends on the audience (per
    /// audience, or a template with terms or piped answers): otherwise the resolved text
    /// is the same for every audience, and resolved once.
    audience_dependent: bool,
    /// Expressions parsed, by text: a condition written at several places (the same filter
    /// on many questions) is parsed once. Parsing reads the text alone, and positions in
    /// the tree are within the text, so a tree serves every place the text is written.
    parsed: std::cell::RefCell<FastMap<String, Result<crate::expr::Expr, crate::expr::SyntaxError>>>,
}

impl<'a> Checker<'a> {
    fn new(spec: &'a Spec, sources: &'a Sources) -> Self {
        // The largest tables are sized from the spec at the start: grown one insert at a
        // time, they were rehashed (and their memory touched) several times over.
        let (mut questions, mut symbols, mut conditional, mut rules) = (0, spec.derived.len(), 0, 0);
        for item in spec.sections.iter().flat_map(|s| &s.items) {
            let ask_if = match item {
                Item::Question(q) => {
                    questions += 1;
                    symbols += 1 + q.rows.len();
                    rules += q.validate.0.len();
                    &q.ask_if
                }
                Item::Note(n) => &n.ask_if,
                Item::Definitions(d) => &d.ask_if,
                Item::Screen(_) => {
                    rules += 1;
                    &None
                }
            };
            conditional += usize::from(ask_if.is_some());
        }
        let audiences = spec.audiences.0.len().max(1);
        fn sized<K, V>(n: usize) -> FastMap<K, V> {
            FastMap::with_capacity_and_hasher(n, Default::default())
        }
        Checker {
            spec,
            sources,
            diags: Diagnostics::new(),
            audience_ids: Vec::new(),
            lists: Vec::new(),
            list_index: FastMap::default(),
            symbols: sized(symbols),
            question_lists: sized(questions),
            placements: Vec::new(),
            section_audiences: Vec::new(),
            conditions: sized(conditional * audiences),
            section_conditions: FastMap::default(),
            validations: sized(questions),
            screens: FastMap::default(),
            derived_rules: FastMap::default(),
            derived_types: FastMap::default(),
            // A question's text and its rows' (choice lists' labels are shared).
            texts: sized(questions + symbols),
            row_grid: None,
            languages: Vec::new(),
            catalogs: None,
            allow_missing_translations: false,
            missing_translations: BTreeMap::new(),
            audience_dependent: false,
            parsed: std::cell::RefCell::new(sized(conditional + rules)),
        }
    }

    /// [`expr::parse`], once per distinct text.
    fn parse(&self, text: &str) -> Result<crate::expr::Expr, crate::expr::SyntaxError> {
        if let Some(done) = self.parsed.borrow().get(text) {
            return done.clone();
        }
        let done = expr::parse(text);
        self.parsed.borrow_mut().insert(text.to_string(), done.clone());
        done
    }

    /// An audience's place in the spec's list of audiences, which keys what is per audience.
    fn audience_at(&self, audience: &str) -> usize {
        self.audience_ids
            .iter()
            .position(|a| a == audience)
            .unwrap_or(usize::MAX)
    }

    /// The text a span covers, in whichever file it is.
    fn slice(&self, span: Span) -> &'a str {
        self.sources.get(span.source).slice(span)
    }

    /// The 1-based line of a span, in its own file.
    fn line(&self, span: Span) -> usize {
        self.sources.get(span.source).line_col(span.start()).0
    }

    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    // -----------------------------------------------------------------------------------------
    // Audiences and choice lists.

    fn audiences(&mut self) {
        let spec = self.spec;
        for (id, _) in &spec.audiences.0 {
            self.name(id, "audience id", false);
            if self.audience_ids.contains(&id.value) {
                self.push(
                    Diagnostic::error("duplicate-id", format!("audience `{}` is declared twice", id.value))
                        .at(id.span, "second declaration")
                        .help("give each audience its own id"),
                );
            } else {
                self.audience_ids.push(id.value.clone());
            }
        }
        if self.audience_ids.is_empty() {
            self.audience_ids.push(DEFAULT_AUDIENCE.to_string());
        }
    }

    /// Each text without a translation is an error; with `--allow-missing-translations`,
    /// one warning per language says how many stand in the source language.
    fn report_missing_translations(&mut self) {
        let missing = std::mem::take(&mut self.missing_translations);
        for (lang, mut spans) in missing {
            spans.sort_by_key(|s| (s.source, s.start()));
            let help = format!(
                "translate it inline (`{{ {}: …, {lang}: … }}`) or in the `{lang}` PO file: `quire translations export SPEC --to {lang} -o {lang}.po`",
                self.languages[0]
            );
            if self.allow_missing_translations {
                let n = spans.len();
                self.push(
                    Diagnostic::warning(
                        "missing-translation",
                        format!(
                            "{n} text{} no `{lang}` translation; the source text stands in",
                            if n == 1 { " has" } else { "s have" }
                        ),
                    )
                    .at(spans[0], "the first")
                    .help(help),
                );
                continue;
            }
            for span in spans {
                let words: String = self.slice(span).chars().take(60).collect();
                self.push(
                    Diagnostic::error(
                        "missing-translation",
                        format!("no `{lang}` translation of “{}”", words.trim()),
                    )
                    .at(span, format!("needs `{lang}`"))
                    .help(format!("{help}; or build with `--allow-missing-translations`")),
                );
            }
        }
    }

    /// `languages`: tags, no repeats, none an audience id, the source language first.
    fn languages(&mut self) {
        let spec = self.spec;
        let declared = spec.survey.language.as_ref();
        for l in &spec.languages {
            let ok = !l.value.is_empty()
                && l.value
                    .split('-')
                    .all(|p| !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphanumeric()));
            if !ok {
                self.push(
                    Diagnostic::error("invalid-language", format!("`{}` is not a language tag", l.value))
                        .at(l.span, "expected a tag such as `en-GB` or `cy`")
                        .help(
                            "use BCP 47 tags: a language code, optionally with a region, e.g. `en-GB`, `cy`, `pa-IN`",
                        ),
                );
            } else if self.languages.contains(&l.value) {
                self.push(
                    Diagnostic::error("duplicate-id", format!("language `{}` is listed twice", l.value))
                        .at(l.span, "again here")
                        .help("list each language once"),
                );
            } else if self.audience_ids.contains(&l.value) {
                self.push(
                    Diagnostic::error(
                        "language-audience",
                        format!("`{}` is both a language and an audience", l.value),
                    )
                    .at(l.span, "also an audience id")
                    .help("rename the audience: a text's keys must say whether they are languages or audiences"),
                );
            } else {
                self.languages.push(l.value.clone());
            }
        }
        if let (Some(first), Some(lang)) = (spec.languages.first(), declared)
            && first.value != lang.value
        {
            self.push(
                Diagnostic::error(
                    "language-mismatch",
                    format!(
                        "`survey.language` is `{}`, but the first of `languages` (the source language) is `{}`",
                        lang.value, first.value
                    ),
                )
                .at(lang.span, "the source language")
                .also(first.span, "first here")
                .help("list the source language first, or remove `survey.language`"),
            );
        }
        if self.languages.is_empty() {
            self.languages
                .push(declared.map(|l| l.value.clone()).unwrap_or_else(|| "en".into()));
        }
    }

    fn named_lists(&mut self) {
        let spec = self.spec;
        for (id, choices) in &spec.choices.0 {
            self.name(id, "choice list name", false);
            if let Some(&first) = self.list_index.get(&id.value) {
                let first = self.lists[first].span;
                self.push(
                    Diagnostic::error("duplicate-id", format!("choice list `{}` is declared twice", id.value))
                        .at(id.span, "second declaration")
                        .also(first, "first declared here")
                        .help("rename one of them, or keep one list (an included file's lists join the spec's)"),
                );
                continue;
            }
            self.add_list(id.value.clone(), id.span, true, choices);
        }
    }

    fn add_list(&mut self, id: String, span: Span, named: bool, list: &'a spec::ChoiceList) -> usize {
        let choices = list.options();
        if choices.is_empty() {
            self.push(
                Diagnostic::error("empty-choices", format!("choice list `{id}` has no choices"))
                    .at(span, "empty list")
                    .help("add at least two choices, each with `code`, `value` and `label`"),
            );
        }
        let codes = self.missing_codes();
        let mut seen_codes: FastMap<i64, Span> = FastMap::default();
        let mut seen_values: FastMap<&str, Span> = FastMap::default();
        let mut others = 0;
        for c in choices {
            if let Some(first) = seen_codes.insert(c.code.value, c.code.span) {
                self.push(
                    Diagnostic::error(
                        "duplicate-code",
                        format!("code {} is used twice in choice list `{id}`", c.code.value),
                    )
                    .at(c.code.span, "used again here")
                    .also(first, "first used here")
                    .help("codes are stored in the data; give every choice its own code"),
                );
            }
            if let Some(first) = seen_values.insert(&c.value.value, c.value.span) {
                self.push(
                    Diagnostic::error(
                        "duplicate-value",
                        format!("value `{}` is used twice in choice list `{id}`", c.value.value),
                    )
                    .at(c.value.span, "used again here")
                    .also(first, "first used here")
                    .help("values name choices in expressions; give every choice its own value"),
                );
            }
            if c.code.value == codes.not_applicable || c.code.value == codes.missing {
                let which = if c.code.value == codes.missing {
                    "missing"
                } else {
                    "not applicable"
                };
                self.push(
                    Diagnostic::error(
                        "reserved-code",
                        format!("code {} is reserved for \"{which}\"", c.code.value),
                    )
                    .at(c.code.span, "reserved code")
                    .help("use another code, or change `survey.missing_codes`"),
                );
            }
            self.name(&c.value, "choice value", true);
            for a in c.audiences.iter().flatten() {
                if !self.audience_ids.contains(&a.value) {
                    let ids = self.audience_ids.clone();
                    self.push(
                        Diagnostic::error("unknown-audience", format!("there is no audience `{}`", a.value))
                            .at(a.span, "unknown audience")
                            .suggest(&a.value, ids.iter().map(String::as_str)),
                    );
                }
            }
            if c.other.as_ref().is_some_and(|o| o.value) {
                others += 1;
                if others > 1 {
                    self.push(
                        Diagnostic::error(
                            "duplicate-other",
                            format!("choice list `{id}` has more than one `other` choice"),
                        )
                        .at(c.value.span, "second write-in")
                        .help("keep one \"Other, please specify\" per list"),
                    );
                }
            }
        }
        let scored: Vec<&spec::Choice> = choices.iter().filter(|c| c.score.is_some()).collect();
        let unscored: Vec<&spec::Choice> = choices
            .iter()
            .filter(|c| c.score.is_none() && c.nonsubstantive.is_none() && !c.other.as_ref().is_some_and(|o| o.value))
            .collect();
        if !scored.is_empty() && !unscored.is_empty() {
            let names: Vec<String> = unscored.iter().map(|c| format!("`{}`", c.value.value)).collect();
            self.push(
                Diagnostic::warning(
                    "partly-scored",
                    format!(
                        "choice list `{id}` scores some choices but not {}, so a score is missing when {} chosen",
                        names.join(", "),
                        if names.len() == 1 { "it is" } else { "they are" }
                    ),
                )
                .at(unscored[0].value.span, "no `score`")
                .also(scored[0].score.as_ref().map(|s| s.span).unwrap_or(span), "scored here")
                .help("give every substantive choice a `score:` (a declared \"Don't know\" may go without)"),
            );
        }
        if list.ordered() && choices.iter().filter(|c| c.nonsubstantive.is_none()).count() < 2 {
            self.push(
                Diagnostic::warning(
                    "ordered-too-short",
                    format!("choice list `{id}` is `ordered` but has fewer than two substantive choices"),
                )
                .at(span, "nothing to order")
                .help("remove `ordered: true`, or add the scale's choices"),
            );
        }
        let index = self.lists.len();
        self.lists.push(List {
            id: id.clone(),
            span,
            named,
            used: false,
            choices,
            ordered: list.ordered(),
        });
        self.list_index.insert(id, index);
        index
    }

    fn missing_codes(&self) -> model::MissingCodes {
        let m = self.spec.survey.missing_codes.as_ref();
        model::MissingCodes {
            not_applicable: m
                .and_then(|m| m.not_applicable.as_ref())
                .map(|c| c.value)
                .unwrap_or(-88),
            missing: m.and_then(|m| m.missing.as_ref()).map(|c| c.value).unwrap_or(-99),
        }
    }

    /// Checks an identifier; `loose` allows digits first (choice values like `18_24`).
    fn name(&mut self, id: &Sp<String>, what: &str, loose: bool) {
        let s = id.value.as_str();
        if s.is_empty() {
            return; // missing or written empty: reported by the reader
        }
        let first_ok = s
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || (loose && (c.is_ascii_digit() || c == '_')));
        let rest_ok = s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !first_ok || !rest_ok {
            let fixed: String = s
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
                .trim_matches('_')
                .to_string();
            let fixed = if fixed.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || loose) {
                fixed
            } else {
                format!("q_{fixed}")
            };
            let rule = if loose {
                "letters, digits and `_` only"
            } else {
                "a letter first, then letters, digits or `_`"
            };
            self.push(
                Diagnostic::error("invalid-name", format!("`{s}` is not a valid {what}"))
                    .at(id.span, format!("{rule}, so Stata, SPSS and R can use it"))
                    .help(format!("try `{fixed}`")),
            );
        } else if !loose && s.len() > MAX_NAME_LEN {
            self.push(
                Diagnostic::error(
                    "invalid-name",
                    format!("`{s}` is longer than {MAX_NAME_LEN} characters"),
                )
                .at(id.span, format!("{} characters", s.len()))
                .help(format!("Stata allows at most {MAX_NAME_LEN}; shorten the {what}")),
            );
        }
    }

    fn audience_list(&mut self, given: Option<&Vec<Sp<String>>>, within: &[String], within_what: &str) -> Vec<String> {
        let Some(given) = given else {
            return within.to_vec();
        };
        let mut out = Vec::new();
        for a in given {
            if !self.audience_ids.contains(&a.value) {
                let ids = self.audience_ids.clone();
                self.push(
                    Diagnostic::error("unknown-audience", format!("there is no audience `{}`", a.value))
                        .at(a.span, "unknown audience")
                        .suggest(&a.value, ids.iter().map(String::as_str))
                        .help(format!("audiences are: {}", ids.join(", "))),
                );
            } else if !within.contains(&a.value) {
                self.push(
                    Diagnostic::error(
                        "audience-outside-section",
                        format!("audience `{}` is not shown {within_what}", a.value),
                    )
                    .at(a.span, "not in the section's audiences")
                    .help(format!(
                        "add `{}` to the section's `audiences`, or remove it here",
                        a.value
                    )),
                );
            } else if !out.contains(&a.value) {
                out.push(a.value.clone());
            }
        }
        if given.is_empty() {
            self.push(
                Diagnostic::error("empty-audiences", "`audiences` is empty: nobody would see this")
                    .at(self.spec.survey.id.span, "")
                    .help("list at least one audience, or remove `audiences`"),
            );
        }
        out
    }

    // -----------------------------------------------------------------------------------------
    // Questions: ids, types, choices, numbers.

    fn questions(&mut self) {
        let spec = self.spec;
        let all = self.audience_ids.clone();
        let mut position = 0;
        // Per audience index: questions numbered so far.
        let mut counters: Vec<u32> = vec![0; self.audience_ids.len()];
        let mut section_ids: FastMap<&str, Span> = FastMap::default();
        for section in &spec.sections {
            if let Some(first) = section_ids.insert(&section.id.value, section.id.span) {
                self.push(
                    Diagnostic::error(
                        "duplicate-id",
                        format!("section `{}` is declared twice", section.id.value),
                    )
                    .at(section.id.span, "second section with this id")
                    .also(first, "first here"),
                );
            }
            self.name(&section.id, "section id", false);
            let s_aud = self.audience_list(section.audiences.as_ref(), &all, "in this survey");
            self.section_audiences.push(s_aud.clone());
            if section.items.is_empty() {
                self.push(
                    Diagnostic::warning("empty-section", format!("section `{}` has no items", section.id.value))
                        .at(section.id.span, "empty section")
                        .help("add questions or blocks to `items`, or remove the section"),
                );
            }
            let mut places = Vec::new();
            for item in &section.items {
                let given = match item {
                    Item::Question(q) => q.audiences.as_ref(),
                    Item::Note(n) => n.audiences.as_ref(),
                    Item::Definitions(d) => d.audiences.as_ref(),
                    Item::Screen(s) => s.audiences.as_ref(),
                };
                // A block's id names its element in XForms and its row in an XLSForm.
                let block_id = match item {
                    Item::Question(_) => None,
                    Item::Note(n) => n.id.as_ref().map(|i| (i, "note id")),
                    Item::Definitions(d) => d.id.as_ref().map(|i| (i, "definitions id")),
                    Item::Screen(s) => s.id.as_ref().map(|i| (i, "screening rule id")),
                };
                if let Some((id, what)) = block_id {
                    self.name(id, what, false);
                }
                let aud = self.audience_list(given, &s_aud, "in this section");
                places.push((Arc::from(aud.as_slice()), position));
                if let Item::Question(q) = item {
                    let mut numbers = vec![0; self.audience_ids.len()].into_boxed_slice();
                    for a in &aud {
                        let at = self.audience_at(a);
                        if let (Some(n), Some(number)) = (counters.get_mut(at), numbers.get_mut(at)) {
                            *n += 1;
                            *number = *n;
                        }
                    }
                    self.question(q, position, aud, Numbers(numbers));
                }
                position += 1;
            }
            self.placements.push(places);
        }
    }

    fn declare(&mut self, id: &Sp<String>, symbol: Symbol) {
        if let Some(first) = self.symbols.get(&id.value) {
            let first = first.span;
            self.push(
                Diagnostic::error("duplicate-id", format!("`{}` is defined twice", id.value))
                    .at(id.span, "defined again here")
                    .also(first, "first defined here")
                    .help("ids become variable names, so each must be unique; rename one of them"),
            );
            return;
        }
        self.symbols.insert(id.value.clone(), Arc::new(symbol));
    }

    fn question(&mut self, q: &'a spec::Question, position: usize, audiences: Vec<String>, numbers: Numbers) {
        self.name(&q.id, "question id", false);
        if q.incomplete {
            // Already reported by the reader; declared so references to it stay quiet.
            let symbol = Symbol {
                kind: SymbolKind::Question,
                ty: Ty::Error,
                order: position,
                audiences,
                span: q.id.span,
                line: self.line(q.id.span),
                numbers,
            };
            self.declare(&q.id, symbol);
            return;
        }
        let kind = q.kind.value;
        let list = self.question_choices(q);
        if let Some(l) = list {
            self.question_lists.insert(q.id.value.clone(), l);
        }
        self.type_specific(q, list);
        let ty = match (kind, list) {
            (QuestionType::Single, Some(l)) => Ty::Choice(l),
            (QuestionType::Multiple, Some(l)) => Ty::Multi(l),
            (QuestionType::Text | QuestionType::LongText, _) => Ty::Text,
            (QuestionType::Integer | QuestionType::Decimal, _) => Ty::Number,
            (QuestionType::Date, _) => Ty::Date,
            (QuestionType::Grid, _) => Ty::Grid,
            _ => Ty::Error,
        };
        let line = self.line(q.id.span);
        let symbol = |ty, kind, span| Symbol {
            kind,
            ty,
            order: position,
            audiences: audiences.clone(),
            span,
            line,
            numbers: numbers.clone(),
        };
        self.declare(&q.id, symbol(ty, SymbolKind::Question, q.id.span));
        if kind == QuestionType::Grid {
            let mut seen: FastMap<&str, Span> = FastMap::default();
            for row in &q.rows {
                if let Some(first) = seen.insert(&row.id.value, row.id.span) {
                    self.push(
                        Diagnostic::error("duplicate-id", format!("grid row `{}` appears twice", row.id.value))
                            .at(row.id.span, "again here")
                            .also(first, "first here")
                            .help("give each row its own `id`; it becomes part of the row's variable name"),
                    );
                    continue;
                }
                let var = Sp::new(format!("{}_{}", q.id.value, row.id.value), row.id.span);
                self.name(&var, "grid row variable name", false);
                let ty = list.map(Ty::Choice).unwrap_or(Ty::Error);
                self.declare(
                    &var,
                    symbol(
                        ty,
                        SymbolKind::GridRow {
                            grid: q.id.value.clone(),
                        },
                        row.id.span,
                    ),
                );
            }
        }
        // Generated column names must not collide with declared ids.
        if kind == QuestionType::Multiple
            || list.is_some_and(|l| {
                self.lists[l]
                    .choices
                    .iter()
                    .any(|c| c.other.as_ref().is_some_and(|o| o.value))
            })
        {
            let other = format!("{}_other", q.id.value);
            if self.symbols.contains_key(&other) || q.id.value.len() + 6 > MAX_NAME_LEN {
                self.push(
                    Diagnostic::error(
                        "name-collision",
                        format!(
                            "the write-in or option columns of `{}` need names that are taken or too long",
                            q.id.value
                        ),
                    )
                    .at(q.id.span, format!("makes columns like `{other}`"))
                    .help(format!(
                        "shorten `{}` (at most {} characters leaves room for suffixes)",
                        q.id.value,
                        MAX_NAME_LEN - 6
                    )),
                );
            }
        }
    }

    fn question_choices(&mut self, q: &'a spec::Question) -> Option<usize> {
        let kind = q.kind.value;
        match (&q.choices, kind.has_choices()) {
            (None, true) => {
                let lists: Vec<&str> = self.lists.iter().filter(|l| l.named).map(|l| l.id.as_str()).collect();
                let hint = if lists.is_empty() {
                    "add `choices:` with a list of `{code, value, label}`".to_string()
                } else {
                    format!(
                        "add `choices:` naming a list ({}) or listing the choices",
                        lists.join(", ")
                    )
                };
                self.push(
                    Diagnostic::error(
                        "missing-choices",
                        format!("{} question `{}` has no choices", kind.describe(), q.id.value),
                    )
                    .at(q.id.span, "needs `choices`")
                    .help(hint),
                );
                None
            }
            (Some(_), false) => {
                self.push(
                    Diagnostic::error(
                        "irrelevant-key",
                        format!("a {} question does not take `choices`", kind.describe()),
                    )
                    .at(q.kind.span, "this type has no choices")
                    .help("use `type: single` or `type: multiple`, or remove `choices`"),
                );
                None
            }
            (Some(ChoiceSource::Named(name)), true) => match self.list_index.get(&name.value) {
                Some(&i) => {
                    self.lists[i].used = true;
                    Some(i)
                }
                None => {
                    let names: Vec<String> = self.lists.iter().filter(|l| l.named).map(|l| l.id.clone()).collect();
                    self.push(
                        Diagnostic::error("unknown-choices", format!("there is no choice list `{}`", name.value))
                            .at(name.span, "unknown list")
                            .suggest(&name.value, names.iter().map(String::as_str))
                            .help(format!(
                                "declared lists: {}",
                                if names.is_empty() {
                                    "none".into()
                                } else {
                                    names.join(", ")
                                }
                            )),
                    );
                    None
                }
            },
            (Some(ChoiceSource::Inline(choices)), true) => {
                let id = q.id.value.clone();
                if self.list_index.contains_key(&id) {
                    // A named list may share the question's id; keep the inline one distinct.
                    let id = format!("{}__choices", q.id.value);
                    Some(self.add_list(id, q.id.span, false, choices))
                } else {
                    Some(self.add_list(id, q.id.span, false, choices))
                }
            }
            (None, false) => None,
        }
    }

    fn type_specific(&mut self, q: &spec::Question, list: Option<usize>) {
        use QuestionType as T;
        let kind = q.kind.value;
        let irrelevant = |c: &mut Self, key: &str, span: Option<Span>, applies: &str| {
            if let Some(span) = span {
                c.push(
                    Diagnostic::error(
                        "irrelevant-key",
                        format!("`{key}` does not apply to a {} question", kind.describe()),
                    )
                    .at(span, format!("only for {applies}"))
                    .help(format!("remove `{key}`, or change `type`")),
                );
            }
        };
        // The keys only some types take (`spec::Question::TYPE_KEYS`); `choices` and `rows`
        // have messages of their own.
        for (key, _, applies) in spec::Question::TYPE_KEYS {
            if kind.takes(key) {
                continue;
            }
            let span = match key {
                "min_selected" => q.min_selected.as_ref().map(|s| s.span),
                "max_selected" => q.max_selected.as_ref().map(|s| s.span),
                "min" => q.min.as_ref().map(|s| s.span),
                "max" => q.max.as_ref().map(|s| s.span),
                "unit" => q.unit.as_ref().map(text_span),
                "decimals" => q.decimals.as_ref().map(|s| s.span),
                "max_length" => q.max_length.as_ref().map(|s| s.span),
                _ => None,
            };
            irrelevant(self, key, span, applies);
        }
        if kind != T::Grid && !q.rows.is_empty() {
            irrelevant(self, "rows", Some(q.rows[0].id.span), "grid questions");
        }
        if kind == T::Grid && q.rows.is_empty() {
            self.push(
                Diagnostic::error("missing-rows", format!("grid question `{}` has no rows", q.id.value))
                    .at(q.id.span, "needs `rows`")
                    .help("add `rows:` with `{id, label}` for each row answered on the shared scale"),
            );
        }
        if let (Some(min), Some(max)) = (&q.min, &q.max)
            && min.value > max.value
        {
            self.push(
                Diagnostic::error(
                    "min-above-max",
                    format!(
                        "`min` ({}) is greater than `max` ({})",
                        expr::format_number(min.value),
                        expr::format_number(max.value)
                    ),
                )
                .at(min.span, "min")
                .also(max.span, "max")
                .help("swap them, or correct one"),
            );
        }
        if kind == T::Integer {
            for b in [&q.min, &q.max].into_iter().flatten() {
                if b.value.fract() != 0.0 {
                    self.push(
                        Diagnostic::error("wrong-type", "an integer question needs whole-number bounds")
                            .at(b.span, "not a whole number")
                            .help("use `type: decimal` for answers with decimals"),
                    );
                }
            }
        }
        for (key, v) in [
            ("decimals", &q.decimals),
            ("max_length", &q.max_length),
            ("min_selected", &q.min_selected),
            ("max_selected", &q.max_selected),
        ] {
            if let Some(v) = v
                && (v.value < 0 || v.value > 100_000 || (key == "max_length" && v.value == 0))
            {
                self.push(
                    Diagnostic::error("out-of-range", format!("`{key}` must be a positive whole number"))
                        .at(v.span, "out of range"),
                );
            }
        }
        let n_options = list.map(|l| self.lists[l].choices.len() as i64);
        if let (Some(min), Some(max)) = (&q.min_selected, &q.max_selected)
            && min.value > max.value
        {
            self.push(
                Diagnostic::error(
                    "min-above-max",
                    format!(
                        "`min_selected` ({}) is greater than `max_selected` ({})",
                        min.value, max.value
                    ),
                )
                .at(min.span, "min_selected")
                .also(max.span, "max_selected")
                .help("swap them, or correct one"),
            );
        }
        if let Some(n) = n_options {
            for v in [&q.min_selected, &q.max_selected].into_iter().flatten() {
                if v.value > n {
                    self.push(
                        Diagnostic::error(
                            "out-of-range",
                            format!("asks for {} selections but the list has only {n} choices", v.value),
                        )
                        .at(v.span, "more than there are choices"),
                    );
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Derived variables and expressions.

    fn derived(&mut self) {
        let spec = self.spec;
        for d in &spec.derived {
            self.name(&d.id, "derived variable name", false);
            let audiences = self.audience_list(d.audiences.as_ref(), &self.audience_ids.clone(), "in this survey");
            let ty = match (&d.expr, d.cases.is_empty(), &d.choices) {
                (Some(_), true, None) => Ty::Error, // typed once its expression is checked
                (None, false, Some(src)) => match src {
                    ChoiceSource::Named(n) => match self.list_index.get(&n.value) {
                        Some(&i) => {
                            self.lists[i].used = true;
                            Ty::Choice(i)
                        }
                        None => {
                            let names: Vec<String> =
                                self.lists.iter().filter(|l| l.named).map(|l| l.id.clone()).collect();
                            self.push(
                                Diagnostic::error("unknown-choices", format!("there is no choice list `{}`", n.value))
                                    .at(n.span, "unknown list")
                                    .suggest(&n.value, names.iter().map(String::as_str)),
                            );
                            Ty::Error
                        }
                    },
                    ChoiceSource::Inline(choices) => {
                        Ty::Choice(self.add_list(d.id.value.clone(), d.id.span, false, choices))
                    }
                },
                _ => {
                    self.push(
                        Diagnostic::error("derived-rule", format!("derived variable `{}` needs either `expr`, or `cases` with `choices`", d.id.value))
                            .at(d.id.span, "no single rule")
                            .help("write `expr: count(q) >= 2`, or `cases:` (each `when` + `value`) with `choices:` naming the values"),
                    );
                    Ty::Error
                }
            };
            let symbol = Symbol {
                kind: SymbolKind::Derived,
                ty,
                order: usize::MAX,
                audiences,
                span: d.id.span,
                line: self.line(d.id.span),
                numbers: Numbers::default(),
            };
            self.declare(&d.id, symbol);
        }
    }

    fn derived_cycles(&mut self) {
        let spec = self.spec;
        let deps: FastMap<&str, Vec<String>> = spec
            .derived
            .iter()
            .map(|d| {
                let mut refs = Vec::new();
                for t in d.expressions() {
                    if let Ok(e) = self.parse(&t.value) {
                        refs.extend(
                            e.references()
                                .into_iter()
                                .filter(|r| spec.derived.iter().any(|x| x.id.value == *r))
                                .map(str::to_string),
                        );
                    }
                }
                (d.id.value.as_str(), refs)
            })
            .collect();
        let mut reported = BTreeSet::new();
        for d in &spec.derived {
            let mut path = vec![d.id.value.clone()];
            if let Some(cycle) = find_cycle(&deps, &mut path)
                && reported.insert(cycle.iter().cloned().collect::<BTreeSet<_>>())
            {
                self.push(
                    Diagnostic::error(
                        "derived-cycle",
                        format!(
                            "derived variables depend on each other in a circle: {}",
                            cycle.join(" → ")
                        ),
                    )
                    .at(d.id.span, "part of the circle")
                    .help("break the circle: compute at least one of them from answers only"),
                );
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Texts and the model.

    // -----------------------------------------------------------------------------------------
    // Warnings.

    /// Frees the tables only assembling the instruments reads (conditions by place, parsed
    /// expressions), before the searches over answers, which are a large check's peak of
    /// memory. What the variables and the later warnings read stays: the resolved texts, the
    /// placements, the lists, symbols and spec.
    fn drop_build_tables(&mut self) {
        self.conditions = FastMap::default();
        self.section_conditions = FastMap::default();
        self.validations = FastMap::default();
        self.screens = FastMap::default();
        self.question_lists = FastMap::default();
        self.parsed.take();
    }

    /// Frees what only the variables read (the resolved texts, the placements), once they
    /// are made.
    fn drop_variable_tables(&mut self) {
        self.texts = FastMap::default();
        self.placements = Vec::new();
    }

    fn unused_lists(&mut self) {
        let unused: Vec<(String, Span)> = self
            .lists
            .iter()
            .filter(|l| l.named && !l.used)
            .map(|l| (l.id.clone(), l.span))
            .collect();
        for (id, span) in unused {
            self.push(
                Diagnostic::warning("unused-choices", format!("choice list `{id}` is never used"))
                    .at(span, "not used by any question")
                    .help("use it with `choices: …`, or remove it"),
            );
        }
    }

    /// Warns about questions that no answers could ever lead to, per audience.
    /// Warns of what [`crate::reach::never_asked`] proved: questions whose condition no
    /// answers meet, and screening rules that no answers trigger.
    fn never_asked(&mut self, model: &Questionnaire, never: Vec<(usize, usize, usize)>) {
        let mut warned = BTreeSet::new();
        for (i, s, it) in never {
            let instrument = &model.instruments[i];
            let item = &instrument.sections[s].items[it];
            // A screening rule whose condition no answer can meet (`end_if: age < 16`
            // on a question with `min: 16`) never ends the survey: a range or a value
            // is wrong, and the screen screens no one.
            if let model::Item::Screen { id, end_if, .. } = item {
                if warned.insert((id.clone(), instrument.audience.clone())) {
                    // The screen's `end_if` in the spec (screens are not questions).
                    let span = self
                        .spec
                        .sections
                        .iter()
                        .flat_map(|s| &s.items)
                        .find_map(|it| match it {
                            spec::Item::Screen(s) if s.id.as_ref().is_some_and(|i| &i.value == id) => {
                                Some(s.end_if.span)
                            }
                            _ => None,
                        })
                        .unwrap_or_default();
                    self.push(
                        Diagnostic::warning("never-screens", format!("screening rule `{id}` can never end the survey: no answer meets its condition"))
                            .at(span, format!("end_if: {}", end_if.source))
                            .help("check the condition against the questions' ranges (`min`, `max`) and values; a screen that screens no one is a mistake in one of them"),
                    );
                }
                continue;
            }
            let model::Item::Question(q) = item else {
                continue;
            };
            let Some(cond) = &q.condition else { continue };
            if warned.insert((q.id.clone(), instrument.audience.clone())) {
                let span = self.symbols.get(&q.id).map(|s| s.span).unwrap_or_default();
                let who = match model.audiences.as_slice() {
                    [_] => String::new(),
                    all => {
                        let label = all
                            .iter()
                            .find(|a| a.id == instrument.audience)
                            .map(|a| a.label.as_str())
                            .unwrap_or("");
                        format!(" of {} ({label})", instrument.audience)
                    }
                };
                self.push(
                    Diagnostic::warning("never-asked", format!("`{}` is never asked{who}: its condition can never hold", q.id))
                        .at(span, format!("condition: {}", cond.source))
                        .help("no combination of earlier answers makes the condition true; check the values and the `and`/`or`"),
                );
            }
        }
    }
}

fn text_span(t: &spec::Text) -> Span {
    t.span()
}

fn find_cycle(deps: &FastMap<&str, Vec<String>>, path: &mut Vec<String>) -> Option<Vec<String>> {
    let last = path.last()?.clone();
    for next in deps.get(last.as_str()).into_iter().flatten() {
        if let Some(i) = path.iter().position(|p| p == next) {
            let mut cycle = path[i..].to_vec();
            cycle.push(next.clone());
            return Some(cycle);
        }
        if path.len() > 64 {
            return None;
        }
        path.push(next.clone());
        if let Some(c) = find_cycle(deps, path) {
            return Some(c);
        }
        path.pop();
    }
    None
}
