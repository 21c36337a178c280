//! The spec as written in, the resolved [`Questionnaire`] out; every mistake reported at once.
//!
//! Steps: audiences → choice lists → questions in order (ids, types, numbers per audience) →
//! expressions (parsed, type-checked, no forward references, audiences agree) → derived
//! variables (acyclic) → texts per audience (terms, piping) → instruments → warnings
//! (conditions that never hold, unused lists).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
use crate::expr::{self, BinOp, Expr, ExprKind};
use crate::model::{self, Condition, Questionnaire, Wording};
use crate::source::{Source, Span};
use crate::spec::{self, ChoiceSource, Item, QuestionType, Sp, Spec};

/// The audience used when a spec declares none.
pub const DEFAULT_AUDIENCE: &str = "respondent";
/// Longest variable name Stata, SPSS and R all accept.
pub const MAX_NAME_LEN: usize = 32;
/// Functions the expression language knows, with their argument counts.
pub const FUNCTIONS: [(&str, usize); 3] = [("answered", 1), ("selected", 2), ("count", 1)];

/// Checks a spec and resolves it into the model. `None` when there were errors.
pub fn check(spec: &Spec, source: &Source, diags: &mut Diagnostics) -> Option<Questionnaire> {
    let mut c = Checker::new(spec, source);
    c.audiences();
    c.named_lists();
    c.questions();
    c.derived();
    c.expressions();
    c.derived_cycles();
    let model = c.build();
    // Warnings are only worth reading once the errors (which may cause them) are gone.
    if !c.diags.has_errors() && !diags.has_errors() {
        c.never_asked(&model);
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
    numbers: BTreeMap<String, String>,
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
    source: &'a Source,
    diags: Diagnostics,
    audience_ids: Vec<String>,
    lists: Vec<List<'a>>,
    list_index: HashMap<String, usize>,
    symbols: HashMap<String, Rc<Symbol>>,
    /// Per question id: its list, after choices are resolved.
    question_lists: HashMap<String, usize>,
    /// Per item (by section and index): its audiences and position.
    placements: Vec<Vec<(Vec<String>, usize)>>,
    section_audiences: Vec<Vec<String>>,
    /// Per item and audience: its own condition.
    conditions: HashMap<(usize, usize, String), Condition>,
    /// Per section and audience: the section's condition.
    section_conditions: HashMap<(usize, String), Condition>,
    validations: HashMap<(usize, usize), Vec<Condition>>,
    screens: HashMap<(usize, usize), Condition>,
    derived_rules: HashMap<String, model::DerivedRule>,
    derived_types: HashMap<String, &'static str>,
    /// Resolved texts, by spec text and audience.
    texts: HashMap<(usize, usize), model::Text>,
}

impl<'a> Checker<'a> {
    fn new(spec: &'a Spec, source: &'a Source) -> Self {
        Checker {
            spec,
            source,
            diags: Diagnostics::new(),
            audience_ids: Vec::new(),
            lists: Vec::new(),
            list_index: HashMap::new(),
            symbols: HashMap::new(),
            question_lists: HashMap::new(),
            placements: Vec::new(),
            section_audiences: Vec::new(),
            conditions: HashMap::new(),
            section_conditions: HashMap::new(),
            validations: HashMap::new(),
            screens: HashMap::new(),
            derived_rules: HashMap::new(),
            derived_types: HashMap::new(),
            texts: HashMap::new(),
        }
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

    fn named_lists(&mut self) {
        let spec = self.spec;
        for (id, choices) in &spec.choices.0 {
            self.name(id, "choice list name", false);
            if self.list_index.contains_key(&id.value) {
                self.push(
                    Diagnostic::error("duplicate-id", format!("choice list `{}` is declared twice", id.value))
                        .at(id.span, "second declaration"),
                );
                continue;
            }
            self.add_list(id.value.clone(), id.span, true, choices);
        }
    }

    fn add_list(&mut self, id: String, span: Span, named: bool, choices: &'a [spec::Choice]) -> usize {
        if choices.is_empty() {
            self.push(
                Diagnostic::error("empty-choices", format!("choice list `{id}` has no choices"))
                    .at(span, "empty list")
                    .help("add at least two choices, each with `code`, `value` and `label`"),
            );
        }
        let codes = self.missing_codes();
        let mut seen_codes: HashMap<i64, Span> = HashMap::new();
        let mut seen_values: HashMap<&str, Span> = HashMap::new();
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
        let index = self.lists.len();
        self.lists.push(List {
            id: id.clone(),
            span,
            named,
            used: false,
            choices,
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
            return; // a missing id, already reported
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
        let mut counters: HashMap<String, usize> = HashMap::new();
        let mut section_ids: HashMap<&str, Span> = HashMap::new();
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
                let aud = self.audience_list(given, &s_aud, "in this section");
                places.push((aud.clone(), position));
                if let Item::Question(q) = item {
                    let mut numbers = BTreeMap::new();
                    for a in &aud {
                        let n = counters.entry(a.clone()).or_insert(0);
                        *n += 1;
                        numbers.insert(a.clone(), format!("Q{n}"));
                    }
                    self.question(q, position, aud, numbers);
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
        self.symbols.insert(id.value.clone(), Rc::new(symbol));
    }

    fn question(
        &mut self,
        q: &'a spec::Question,
        position: usize,
        audiences: Vec<String>,
        numbers: BTreeMap<String, String>,
    ) {
        self.name(&q.id, "question id", false);
        if q.incomplete {
            // Already reported by the reader; declared so references to it stay quiet.
            let symbol = Symbol {
                kind: SymbolKind::Question,
                ty: Ty::Error,
                order: position,
                audiences,
                span: q.id.span,
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
        let symbol = |ty, kind, span| Symbol {
            kind,
            ty,
            order: position,
            audiences: audiences.clone(),
            span,
            numbers: numbers.clone(),
        };
        self.declare(&q.id, symbol(ty, SymbolKind::Question, q.id.span));
        if kind == QuestionType::Grid {
            let mut seen: HashMap<&str, Span> = HashMap::new();
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
        if kind != T::Multiple {
            irrelevant(
                self,
                "min_selected",
                q.min_selected.as_ref().map(|s| s.span),
                "multiple-choice questions",
            );
            irrelevant(
                self,
                "max_selected",
                q.max_selected.as_ref().map(|s| s.span),
                "multiple-choice questions",
            );
        }
        if !matches!(kind, T::Integer | T::Decimal) {
            irrelevant(
                self,
                "min",
                q.min.as_ref().map(|s| s.span),
                "integer and decimal questions",
            );
            irrelevant(
                self,
                "max",
                q.max.as_ref().map(|s| s.span),
                "integer and decimal questions",
            );
            irrelevant(
                self,
                "unit",
                q.unit.as_ref().map(text_span),
                "integer and decimal questions",
            );
        }
        if kind != T::Decimal {
            irrelevant(
                self,
                "decimals",
                q.decimals.as_ref().map(|s| s.span),
                "decimal questions",
            );
        }
        if !matches!(kind, T::Text | T::LongText) {
            irrelevant(
                self,
                "max_length",
                q.max_length.as_ref().map(|s| s.span),
                "text questions",
            );
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
                numbers: BTreeMap::new(),
            };
            self.declare(&d.id, symbol);
        }
    }

    fn site<'s>(&self, text: &'s Sp<String>, position: usize, audiences: &[String], what: &'static str) -> Site<'s> {
        let raw = self.source.slice(text.span);
        let base = raw.find(text.value.as_str()).map(|i| text.span.start + i);
        Site {
            text,
            base,
            position,
            itself: None,
            audiences: audiences.to_vec(),
            what,
        }
    }

    fn span_in(&self, site: &Site, (s, e): (usize, usize)) -> Span {
        match site.base {
            Some(base) => Span::new(site.text.span.source, base + s, base + e),
            None => site.text.span,
        }
    }

    /// Parses and type-checks a condition; `None` after reporting when it is unusable.
    fn condition(&mut self, site: &Site, want: Option<Ty>) -> Option<Condition> {
        let parsed = match expr::parse(&site.text.value) {
            Ok(e) => e,
            Err(err) => {
                let span = self.span_in(site, err.span);
                let mut d = Diagnostic::error(
                    "expression-syntax",
                    format!("cannot read this {}: {}", site.what, err.message),
                )
                .at(span, "here");
                if let Some(h) = err.help {
                    d = d.help(h);
                }
                self.push(d);
                return None;
            }
        };
        let errors_before = self.diags.error_count();
        let ty = self.ty(&parsed, site);
        if let Some(want) = want
            && ty != want
            && ty != Ty::Error
            && self.diags.error_count() == errors_before
        {
            let span = self.span_in(site, parsed.span);
            let mut d = Diagnostic::error(
                "not-a-condition",
                format!(
                    "this {} must be true or false, but it is {}",
                    site.what,
                    self.describe(&ty)
                ),
            )
            .at(span, "not a condition");
            d = match ty {
                Ty::Choice(l) => {
                    let v = self.lists[l]
                        .choices
                        .first()
                        .map(|c| c.value.value.clone())
                        .unwrap_or_default();
                    d.help(format!("compare the answer with a value, e.g. `{} == '{v}'`", parsed))
                }
                Ty::Multi(l) => {
                    let v = self.lists[l]
                        .choices
                        .first()
                        .map(|c| c.value.value.clone())
                        .unwrap_or_default();
                    d.help(format!(
                        "test a choice, e.g. `selected({parsed}, '{v}')`, or use `answered({parsed})`"
                    ))
                }
                _ => d.help(format!("compare it, e.g. `{parsed} > 0`, or use `answered(…)`")),
            };
            self.push(d);
        }
        (self.diags.error_count() == errors_before).then(|| Condition::new(parsed))
    }

    /// Checks a condition that may differ per audience; returns it for each audience it covers.
    fn conditions_for(
        &mut self,
        given: &spec::Text,
        audiences: &[String],
        position: usize,
        what: &'static str,
    ) -> Vec<(String, Condition)> {
        let groups: Vec<(&Sp<String>, Vec<String>)> = match given {
            spec::Text::One(s) => vec![(s, audiences.to_vec())],
            spec::Text::PerAudience(map) => {
                let explicit: Vec<&str> = map
                    .0
                    .iter()
                    .map(|(k, _)| k.value.as_str())
                    .filter(|k| *k != "default")
                    .collect();
                let mut groups = Vec::new();
                for (k, v) in &map.0 {
                    if k.value == "default" {
                        let rest: Vec<String> = audiences
                            .iter()
                            .filter(|a| !explicit.contains(&a.as_str()))
                            .cloned()
                            .collect();
                        groups.push((v, rest));
                    } else if audiences.contains(&k.value) {
                        groups.push((v, vec![k.value.clone()]));
                    } else {
                        let ids = self.audience_ids.clone();
                        let d = if ids.contains(&k.value) {
                            Diagnostic::error(
                                "audience-mismatch",
                                format!(
                                    "audience `{}` does not see this item, so it needs no condition",
                                    k.value
                                ),
                            )
                            .at(k.span, "not shown to this audience")
                            .help(format!("this item is shown to: {}", audiences.join(", ")))
                        } else {
                            Diagnostic::error("unknown-audience", format!("there is no audience `{}`", k.value))
                                .at(k.span, "unknown audience")
                                .suggest(&k.value, ids.iter().map(String::as_str).chain(["default"]))
                        };
                        self.push(d);
                    }
                }
                let covered: Vec<&String> = groups.iter().flat_map(|(_, a)| a).collect();
                let uncovered: Vec<String> = audiences.iter().filter(|a| !covered.contains(a)).cloned().collect();
                if !uncovered.is_empty() {
                    let span = map.0.first().map(|(k, _)| k.span).unwrap_or_default();
                    self.push(
                        Diagnostic::error(
                            "missing-condition",
                            format!(
                                "no condition for audience{} {}",
                                if uncovered.len() == 1 { "" } else { "s" },
                                uncovered.join(", ")
                            ),
                        )
                        .at(span, "per-audience conditions")
                        .help(format!(
                            "add `{}: …` (write `true` to always ask) or `default: …`",
                            uncovered[0]
                        )),
                    );
                }
                groups
            }
        };
        let mut out = Vec::new();
        for (text, group) in groups {
            if group.is_empty() {
                continue;
            }
            let site = self.site(text, position, &group, what);
            if let Some(c) = self.condition(&site, Some(Ty::Bool)) {
                out.extend(group.into_iter().map(|a| (a, c.clone())));
            }
        }
        out
    }

    fn describe(&self, ty: &Ty) -> String {
        match ty {
            Ty::Bool => "true/false".into(),
            Ty::Number => "a number".into(),
            Ty::Text => "text".into(),
            Ty::Date => "a date".into(),
            Ty::Choice(l) => format!("a choice from `{}`", self.lists[*l].id),
            Ty::Multi(l) => format!("a multiple choice from `{}`", self.lists[*l].id),
            Ty::Audience => "an audience".into(),
            Ty::Grid => "a grid".into(),
            Ty::List(t) => format!("a list of {}", self.describe(t)),
            Ty::Error => "unknown".into(),
        }
    }

    fn ty(&mut self, e: &Expr, site: &Site) -> Ty {
        match &e.kind {
            ExprKind::Number { .. } => Ty::Number,
            ExprKind::String { .. } => Ty::Text,
            ExprKind::Bool { .. } => Ty::Bool,
            ExprKind::List { items } => {
                let tys: Vec<Ty> = items.iter().map(|i| self.ty(i, site)).collect();
                Ty::List(Box::new(tys.into_iter().find(|t| *t != Ty::Error).unwrap_or(Ty::Error)))
            }
            ExprKind::Var { name } => self.var(name, e.span, site),
            ExprKind::Not { operand } => {
                let t = self.ty(operand, site);
                self.want_bool(operand, &t, site, "`not`");
                Ty::Bool
            }
            ExprKind::Neg { operand } => {
                let t = self.ty(operand, site);
                self.want_number(operand, &t, site, "`-`");
                Ty::Number
            }
            ExprKind::Binary { op, left, right } => {
                let (lt, rt) = (self.ty(left, site), self.ty(right, site));
                match op {
                    BinOp::And | BinOp::Or => {
                        let what = format!("`{}`", op.symbol());
                        self.want_bool(left, &lt, site, &what);
                        self.want_bool(right, &rt, site, &what);
                        Ty::Bool
                    }
                    BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                        let what = format!("`{}`", op.symbol());
                        self.want_number(left, &lt, site, &what);
                        self.want_number(right, &rt, site, &what);
                        Ty::Number
                    }
                    BinOp::Eq | BinOp::Ne => {
                        self.comparable(*op, left, &lt, right, &rt, site);
                        Ty::Bool
                    }
                    BinOp::In | BinOp::NotIn => {
                        self.membership(*op, left, &lt, right, site);
                        Ty::Bool
                    }
                    BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                        self.ordered(*op, left, &lt, right, &rt, site);
                        Ty::Bool
                    }
                }
            }
            ExprKind::Call { function, args } => self.call(function, args, e, site),
        }
    }

    fn var(&mut self, name: &str, span: (usize, usize), site: &Site) -> Ty {
        if name == "audience" {
            return Ty::Audience;
        }
        let file_span = self.span_in(site, span);
        let Some(sym) = self.symbols.get(name).cloned() else {
            let mut names: Vec<&str> = self.symbols.keys().map(String::as_str).collect();
            names.sort_unstable();
            let d = Diagnostic::error(
                "unknown-variable",
                format!("there is no question or derived variable `{name}`"),
            )
            .at(file_span, "unknown name");
            let d = match did_you_mean(name, names.iter().copied()) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None if name.contains('-') => d.help("names use `_`, not `-`"),
                None => d.help("refer to a question by its `id`; text values need quotes, e.g. 'yes'"),
            };
            self.push(d);
            return Ty::Error;
        };
        let visible = match sym.kind {
            SymbolKind::Derived => self.derived_order(name) < site.position,
            _ => {
                sym.order < site.position
                    || site.itself == Some(name)
                    || matches!(&sym.kind, SymbolKind::GridRow { grid } if site.itself == Some(grid.as_str()))
            }
        };
        if !visible {
            let (msg, help) = match sym.kind {
                SymbolKind::Derived => (
                    format!("derived variable `{name}` reads answers given later, so it is not known here"),
                    "use it only after every question it reads".to_string(),
                ),
                _ if sym.order == site.position => (
                    format!(
                        "`{name}` is this question itself, so its answer is not known when deciding whether to ask it"
                    ),
                    "a condition can only read earlier questions; to check the answer use `validate`".to_string(),
                ),
                _ => {
                    let num = site
                        .audiences
                        .first()
                        .and_then(|a| sym.numbers.get(a))
                        .cloned()
                        .unwrap_or_default();
                    (
                        format!(
                            "`{name}` is asked later{}, so its answer is not known here",
                            if num.is_empty() {
                                String::new()
                            } else {
                                format!(" ({num})")
                            }
                        ),
                        "a condition can only read questions that come before it; move the question, or the condition"
                            .to_string(),
                    )
                }
            };
            self.push(
                Diagnostic::error("forward-reference", msg)
                    .at(file_span, "not yet asked")
                    .also(sym.span, "asked here")
                    .help(help),
            );
            return Ty::Error;
        }
        let missing: Vec<&String> = site.audiences.iter().filter(|a| !sym.audiences.contains(a)).collect();
        if !missing.is_empty() {
            let who = missing.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
            self.push(
                Diagnostic::error(
                    "audience-mismatch",
                    format!("`{name}` is not asked of {who}, but this {} applies to them", site.what),
                )
                .at(file_span, format!("never answered by {who}"))
                .also(sym.span, "defined here")
                .help(format!(
                    "limit this item with `audiences: [{}]`, or ask `{name}` of {who} too",
                    sym.audiences.join(", ")
                )),
            );
            return Ty::Error;
        }
        if sym.ty == Ty::Grid {
            let rows: Vec<&str> = self
                .symbols
                .iter()
                .filter(|(_, s)| matches!(&s.kind, SymbolKind::GridRow { grid } if grid == name))
                .map(|(n, _)| n.as_str())
                .collect();
            let example = rows.iter().min().copied().unwrap_or("…");
            self.push(
                Diagnostic::error(
                    "grid-reference",
                    format!("`{name}` is a grid; a condition must name one of its rows"),
                )
                .at(file_span, "a whole grid has no single answer")
                .help(format!("use a row variable such as `{example}`")),
            );
            return Ty::Error;
        }
        sym.ty.clone()
    }

    /// Position after which a derived variable may be read: after every question it reads.
    fn derived_order(&self, name: &str) -> usize {
        let mut seen = BTreeSet::new();
        self.derived_order_inner(name, &mut seen)
    }

    fn derived_order_inner(&self, name: &str, seen: &mut BTreeSet<String>) -> usize {
        if !seen.insert(name.to_string()) {
            return 0;
        }
        let Some(d) = self.spec.derived.iter().find(|d| d.id.value == name) else {
            return self.symbols.get(name).map(|s| s.order).unwrap_or(0);
        };
        let texts = d.expr.iter().chain(d.cases.iter().map(|c| &c.when));
        let mut max = 0;
        for t in texts {
            if let Ok(e) = expr::parse(&t.value) {
                for r in e.references() {
                    let o = match self.symbols.get(r) {
                        Some(s) if matches!(s.kind, SymbolKind::Derived) => self.derived_order_inner(r, seen),
                        Some(s) => s.order,
                        None => 0,
                    };
                    max = max.max(o);
                }
            }
        }
        max
    }

    fn want_bool(&mut self, e: &Expr, t: &Ty, site: &Site, op: &str) {
        if matches!(t, Ty::Bool | Ty::Error) {
            return;
        }
        let span = self.span_in(site, e.span);
        let d = Diagnostic::error(
            "type-mismatch",
            format!("{op} needs true/false, but `{e}` is {}", self.describe(t)),
        )
        .at(span, "not true/false");
        let d = match t {
            Ty::Choice(l) => {
                let v = self.lists[*l]
                    .choices
                    .first()
                    .map(|c| c.value.value.clone())
                    .unwrap_or_default();
                d.help(format!("compare the answer, e.g. `{e} == '{v}'`"))
            }
            Ty::Multi(l) => {
                let v = self.lists[*l]
                    .choices
                    .first()
                    .map(|c| c.value.value.clone())
                    .unwrap_or_default();
                d.help(format!("test a choice, e.g. `selected({e}, '{v}')`"))
            }
            _ => d.help(format!("compare it, e.g. `answered({e})`")),
        };
        self.push(d);
    }

    fn want_number(&mut self, e: &Expr, t: &Ty, site: &Site, op: &str) {
        if matches!(t, Ty::Number | Ty::Error) {
            return;
        }
        let span = self.span_in(site, e.span);
        let d = Diagnostic::error(
            "type-mismatch",
            format!("{op} needs a number, but `{e}` is {}", self.describe(t)),
        )
        .at(span, "not a number");
        let d = match t {
            Ty::Multi(_) => d.help(format!("to count the ticked choices use `count({e})`")),
            Ty::Choice(_) => d.help("choices are compared by value (`q == 'yes'`), not used in arithmetic"),
            _ => d.help("arithmetic and ordering work on integer and decimal questions and numbers"),
        };
        self.push(d);
    }

    /// Checks one side of `==`/`!=`/`in` against a literal the other side's type must accept.
    fn literal_fits(&mut self, ty: &Ty, var: &Expr, lit: &Expr, site: &Site) -> bool {
        let span = self.span_in(site, lit.span);
        match (ty, &lit.kind) {
            (Ty::Error, _) => true,
            (Ty::Choice(l), ExprKind::String { value }) => {
                let list = &self.lists[*l];
                if list.choices.iter().any(|c| c.value.value == *value) {
                    return true;
                }
                let values: Vec<String> = list.choices.iter().map(|c| c.value.value.clone()).collect();
                let by_label = list
                    .choices
                    .iter()
                    .find(|c| label_matches(&c.label, value))
                    .map(|c| c.value.value.clone());
                let d = Diagnostic::error("unknown-value", format!("`{var}` has no choice `{value}`"))
                    .at(span, format!("not a value of `{}`", list.id));
                let d = match did_you_mean(value, values.iter().map(String::as_str))
                    .map(str::to_string)
                    .or(by_label)
                {
                    Some(s) => d.help(format!("did you mean `{s}`? Values: {}", values.join(", "))),
                    None => d.help(format!("values of `{}`: {}", list.id, values.join(", "))),
                };
                self.push(d);
                false
            }
            (Ty::Choice(l), ExprKind::Number { value }) => {
                let list = &self.lists[*l];
                let named = list
                    .choices
                    .iter()
                    .find(|c| c.code.value as f64 == *value)
                    .map(|c| c.value.value.clone());
                let d = Diagnostic::error(
                    "code-not-value",
                    format!(
                        "`{var}` is compared with the number {}, but choices are compared by value",
                        expr::format_number(*value)
                    ),
                )
                .at(span, "a code, not a value");
                let d = match named {
                    Some(v) => d.help(format!(
                        "code {} is `{v}`: write `{var} == '{v}'`",
                        expr::format_number(*value)
                    )),
                    None => d.help(format!(
                        "write the choice's value in quotes, e.g. `{var} == '{}'`",
                        list.choices.first().map(|c| c.value.value.as_str()).unwrap_or("yes")
                    )),
                };
                self.push(d);
                false
            }
            (Ty::Audience, ExprKind::String { value }) => {
                if self.audience_ids.contains(value) {
                    return true;
                }
                let ids = self.audience_ids.clone();
                self.push(
                    Diagnostic::error("unknown-audience", format!("there is no audience `{value}`"))
                        .at(span, "unknown audience")
                        .suggest(value, ids.iter().map(String::as_str))
                        .help(format!("audiences are: {}", ids.join(", "))),
                );
                false
            }
            (Ty::Date, ExprKind::String { value }) => {
                if is_iso_date(value) {
                    return true;
                }
                self.push(
                    Diagnostic::error("invalid-date", format!("`{value}` is not a date"))
                        .at(span, "expected 'YYYY-MM-DD'")
                        .help("write dates as 'YYYY-MM-DD', e.g. '2019-08-01'"),
                );
                false
            }
            (Ty::Text, ExprKind::String { .. })
            | (Ty::Number, ExprKind::Number { .. })
            | (Ty::Bool, ExprKind::Bool { .. }) => true,
            (Ty::Multi(l), ExprKind::String { value }) => {
                let first = self.lists[*l]
                    .choices
                    .first()
                    .map(|c| c.value.value.clone())
                    .unwrap_or_default();
                let v = if value.is_empty() { first } else { value.clone() };
                self.push(
                    Diagnostic::error(
                        "multi-compare",
                        format!("`{var}` is a multiple-choice question, so it cannot be compared with `==`"),
                    )
                    .at(self.span_in(site, var.span), "several choices may be ticked")
                    .help(format!("use `selected({var}, '{v}')` to test one choice")),
                );
                false
            }
            _ => {
                let lit_ty = match lit.kind {
                    ExprKind::Number { .. } => Ty::Number,
                    ExprKind::String { .. } => Ty::Text,
                    ExprKind::Bool { .. } => Ty::Bool,
                    _ => Ty::Error,
                };
                self.mismatch(var, ty, lit, &lit_ty, site);
                false
            }
        }
    }

    fn mismatch(&mut self, a: &Expr, at: &Ty, b: &Expr, bt: &Ty, site: &Site) {
        let span = self.span_in(site, (a.span.0.min(b.span.0), a.span.1.max(b.span.1)));
        let d = Diagnostic::error(
            "type-mismatch",
            format!(
                "cannot compare `{a}` ({}) with `{b}` ({})",
                self.describe(at),
                self.describe(bt)
            ),
        )
        .at(span, "different kinds of value");
        let d = match (at, bt) {
            (Ty::Text, Ty::Number) | (Ty::Number, Ty::Text) => {
                d.help("text never equals a number; quote the number ('3') or compare a number question")
            }
            (Ty::Multi(_), _) | (_, Ty::Multi(_)) => {
                d.help("use `selected(q, 'value')` or `count(q)` for multiple-choice questions")
            }
            _ => d.help("compare values of the same kind"),
        };
        self.push(d);
    }

    fn comparable(&mut self, op: BinOp, l: &Expr, lt: &Ty, r: &Expr, rt: &Ty, site: &Site) {
        let is_lit = |e: &Expr| {
            matches!(
                e.kind,
                ExprKind::Number { .. } | ExprKind::String { .. } | ExprKind::Bool { .. }
            )
        };
        if let Ty::Multi(list) = lt.clone() {
            let v = match &r.kind {
                ExprKind::String { value } => value.clone(),
                _ => self.lists[list]
                    .choices
                    .first()
                    .map(|c| c.value.value.clone())
                    .unwrap_or_default(),
            };
            let neg = if op == BinOp::Ne { "not " } else { "" };
            self.push(
                Diagnostic::error(
                    "multi-compare",
                    format!(
                        "`{l}` is a multiple-choice question, so it cannot be compared with `{}`",
                        op.symbol()
                    ),
                )
                .at(self.span_in(site, l.span), "several choices may be ticked")
                .help(format!("use `{neg}selected({l}, '{v}')` to test one choice")),
            );
            return;
        }
        match (is_lit(l), is_lit(r)) {
            (false, true) => {
                self.literal_fits(lt, l, r, site);
            }
            (true, false) => {
                self.literal_fits(rt, r, l, site);
            }
            _ => {
                let ok = match (lt, rt) {
                    (Ty::Error, _) | (_, Ty::Error) => true,
                    (Ty::Choice(a), Ty::Choice(b)) => a == b || self.same_values(*a, *b),
                    (a, b) => a == b && !matches!(a, Ty::Multi(_) | Ty::List(_)),
                };
                if !ok {
                    self.mismatch(l, lt, r, rt, site);
                }
            }
        }
    }

    fn same_values(&self, a: usize, b: usize) -> bool {
        let vals = |l: usize| {
            self.lists[l]
                .choices
                .iter()
                .map(|c| c.value.value.clone())
                .collect::<BTreeSet<_>>()
        };
        vals(a) == vals(b)
    }

    fn membership(&mut self, op: BinOp, l: &Expr, lt: &Ty, r: &Expr, site: &Site) {
        let ExprKind::List { items } = &r.kind else {
            let span = self.span_in(site, r.span);
            self.push(
                Diagnostic::error(
                    "type-mismatch",
                    format!("`{}` needs a list in square brackets on its right", op.symbol()),
                )
                .at(span, "not a list")
                .help(format!("write e.g. `{l} {} ['a', 'b']`", op.symbol())),
            );
            return;
        };
        if let Ty::Multi(list) = lt {
            let v = self.lists[*list]
                .choices
                .first()
                .map(|c| c.value.value.clone())
                .unwrap_or_default();
            self.push(
                Diagnostic::error(
                    "multi-compare",
                    format!(
                        "`{l}` is a multiple-choice question, so `{}` does not apply",
                        op.symbol()
                    ),
                )
                .at(self.span_in(site, l.span), "several choices may be ticked")
                .help(format!("use `selected({l}, '{v}') or …` to test choices")),
            );
            return;
        }
        for item in items {
            if matches!(
                item.kind,
                ExprKind::Number { .. } | ExprKind::String { .. } | ExprKind::Bool { .. }
            ) {
                self.literal_fits(lt, l, item, site);
            } else {
                let span = self.span_in(site, item.span);
                self.push(
                    Diagnostic::error("type-mismatch", "a list after `in` may hold only plain values")
                        .at(span, "not a plain value")
                        .help("write numbers or 'quoted' values"),
                );
            }
        }
    }

    fn ordered(&mut self, op: BinOp, l: &Expr, lt: &Ty, r: &Expr, rt: &Ty, site: &Site) {
        for (e, t) in [(l, lt), (r, rt)] {
            match t {
                Ty::Number | Ty::Error | Ty::Date => {}
                Ty::Text if matches!(e.kind, ExprKind::String { .. }) => {}
                Ty::Choice(_) => {
                    let span = self.span_in(site, e.span);
                    self.push(
                        Diagnostic::error(
                            "type-mismatch",
                            format!(
                                "`{}` needs numbers or dates, but `{e}` is {}",
                                op.symbol(),
                                self.describe(t)
                            ),
                        )
                        .at(span, "choices have no order")
                        .help(format!("list the values that count instead: `{e} in ['…', '…']`")),
                    );
                    return;
                }
                _ => {
                    self.want_number(e, t, site, &format!("`{}`", op.symbol()));
                    return;
                }
            }
        }
        match (lt, rt) {
            (Ty::Date, _) if matches!(r.kind, ExprKind::String { .. }) => {
                self.literal_fits(lt, l, r, site);
            }
            (_, Ty::Date) if matches!(l.kind, ExprKind::String { .. }) => {
                self.literal_fits(rt, r, l, site);
            }
            (Ty::Error, _) | (_, Ty::Error) => {}
            (a, b) if a == b => {}
            _ => self.mismatch(l, lt, r, rt, site),
        }
    }

    fn call(&mut self, function: &str, args: &[Expr], e: &Expr, site: &Site) -> Ty {
        let span = self.span_in(site, e.span);
        let Some(&(_, arity)) = FUNCTIONS.iter().find(|(f, _)| *f == function) else {
            let names: Vec<&str> = FUNCTIONS.iter().map(|(f, _)| *f).collect();
            self.push(
                Diagnostic::error("unknown-function", format!("there is no function `{function}`"))
                    .at(span, "unknown function")
                    .suggest(function, names.iter().copied())
                    .help(format!("functions are: {}", names.join(", "))),
            );
            return Ty::Error;
        };
        if args.len() != arity {
            let usage = match function {
                "selected" => "selected(question, 'value')",
                "count" => "count(question)",
                _ => "answered(question)",
            };
            self.push(
                Diagnostic::error(
                    "wrong-arguments",
                    format!(
                        "`{function}` takes {arity} argument{}, not {}",
                        if arity == 1 { "" } else { "s" },
                        args.len()
                    ),
                )
                .at(span, "wrong number of arguments")
                .help(format!("write `{usage}`")),
            );
            return Ty::Error;
        }
        let target = &args[0];
        let ExprKind::Var { .. } = target.kind else {
            let s = self.span_in(site, target.span);
            self.push(
                Diagnostic::error(
                    "wrong-arguments",
                    format!("the first argument of `{function}` must be a question id"),
                )
                .at(s, "not a question id"),
            );
            return Ty::Error;
        };
        let t = self.ty(target, site);
        match function {
            "answered" => Ty::Bool,
            "count" => {
                if !matches!(t, Ty::Multi(_) | Ty::Error) {
                    let s = self.span_in(site, target.span);
                    self.push(
                        Diagnostic::error(
                            "type-mismatch",
                            format!(
                                "`count` needs a multiple-choice question, but `{target}` is {}",
                                self.describe(&t)
                            ),
                        )
                        .at(s, "not multiple choice")
                        .help(format!("use `answered({target})` to test whether it was answered")),
                    );
                }
                Ty::Number
            }
            _ => {
                let value = &args[1];
                match &t {
                    Ty::Multi(l) | Ty::Choice(l) => {
                        let l = *l;
                        if matches!(value.kind, ExprKind::String { .. } | ExprKind::Number { .. }) {
                            self.literal_fits(&Ty::Choice(l), target, value, site);
                        } else {
                            let s = self.span_in(site, value.span);
                            self.push(
                                Diagnostic::error(
                                    "wrong-arguments",
                                    "the second argument of `selected` must be a 'quoted' choice value",
                                )
                                .at(s, "not a value"),
                            );
                        }
                    }
                    Ty::Error => {}
                    other => {
                        let s = self.span_in(site, target.span);
                        self.push(
                            Diagnostic::error(
                                "type-mismatch",
                                format!(
                                    "`selected` needs a choice question, but `{target}` is {}",
                                    self.describe(other)
                                ),
                            )
                            .at(s, "not a choice question"),
                        );
                    }
                }
                Ty::Bool
            }
        }
    }

    fn expressions(&mut self) {
        let spec = self.spec;
        for (si, section) in spec.sections.iter().enumerate() {
            let first = self.placements[si].first().map(|p| p.1).unwrap_or(0);
            if let Some(text) = &section.ask_if {
                let aud = self.section_audiences[si].clone();
                for (a, c) in self.conditions_for(text, &aud, first, "section condition") {
                    self.section_conditions.insert((si, a), c);
                }
            }
            for (ii, item) in section.items.iter().enumerate() {
                let (aud, pos) = self.placements[si][ii].clone();
                match item {
                    Item::Question(q) => {
                        if let Some(text) = &q.ask_if {
                            for (a, c) in self.conditions_for(text, &aud, pos, "condition") {
                                self.conditions.insert((si, ii, a), c);
                            }
                        }
                        let mut checks = Vec::new();
                        for v in &q.validate.0 {
                            let mut site = self.site(&v.check, pos, &aud, "validation rule");
                            site.itself = Some(&q.id.value);
                            if let Some(c) = self.condition(&site, Some(Ty::Bool)) {
                                if !c
                                    .references
                                    .iter()
                                    .any(|r| *r == q.id.value || r.starts_with(&format!("{}_", q.id.value)))
                                {
                                    self.push(
                                        Diagnostic::warning("validation-ignores-answer", format!("this validation rule does not read `{}`", q.id.value))
                                            .at(v.check.span, "never looks at the answer")
                                            .help("a rule is checked when the question is answered; it normally compares the answer, e.g. `age >= 18`"),
                                    );
                                }
                                checks.push(c);
                            }
                        }
                        self.validations.insert((si, ii), checks);
                    }
                    Item::Note(n) => {
                        if let Some(text) = &n.ask_if {
                            for (a, c) in self.conditions_for(text, &aud, pos, "condition") {
                                self.conditions.insert((si, ii, a), c);
                            }
                        }
                    }
                    Item::Screen(s) => {
                        let site = self.site(&s.end_if, pos, &aud, "screening rule");
                        if let Some(c) = self.condition(&site, Some(Ty::Bool)) {
                            self.screens.insert((si, ii), c);
                        }
                    }
                    Item::Definitions(_) => {}
                }
            }
        }
        for d in &spec.derived {
            let Some(sym) = self.symbols.get(&d.id.value).cloned() else {
                continue;
            };
            if !matches!(sym.kind, SymbolKind::Derived) {
                continue;
            }
            let aud = sym.audiences.clone();
            if let Some(text) = &d.expr {
                let site = self.site(text, usize::MAX, &aud, "derived expression");
                let errors = self.diags.error_count();
                if let Ok(parsed) = expr::parse(&text.value) {
                    let ty = self.ty(&parsed, &site);
                    let vt = match ty {
                        Ty::Bool => Some("bool"),
                        Ty::Number => Some("number"),
                        Ty::Text | Ty::Date => Some("text"),
                        Ty::Choice(_) => Some("text"),
                        Ty::Error => None,
                        _ => {
                            self.push(
                                Diagnostic::error(
                                    "type-mismatch",
                                    format!(
                                        "a derived variable must be a number, text or true/false, not {}",
                                        self.describe(&ty)
                                    ),
                                )
                                .at(text.span, "unsupported value"),
                            );
                            None
                        }
                    };
                    if let (Some(vt), true) = (vt, self.diags.error_count() == errors) {
                        if let Some(s) = self.symbols.get_mut(&d.id.value).map(Rc::make_mut) {
                            s.ty = match vt {
                                "bool" => Ty::Bool,
                                "number" => Ty::Number,
                                _ => Ty::Text,
                            };
                        }
                        self.derived_types.insert(d.id.value.clone(), vt);
                        self.derived_rules.insert(
                            d.id.value.clone(),
                            model::DerivedRule::Expr {
                                expr: Condition::new(parsed),
                            },
                        );
                    }
                } else {
                    self.condition(&site, None);
                }
            } else if let Ty::Choice(l) = sym.ty {
                let mut cases = Vec::new();
                for case in &d.cases {
                    let site = self.site(&case.when, usize::MAX, &aud, "case");
                    let cond = self.condition(&site, Some(Ty::Bool));
                    let fits = self.lists[l].choices.iter().any(|c| c.value.value == case.value.value);
                    if !fits {
                        let values: Vec<String> = self.lists[l].choices.iter().map(|c| c.value.value.clone()).collect();
                        self.push(
                            Diagnostic::error(
                                "unknown-value",
                                format!("`{}` is not a value of `{}`", case.value.value, self.lists[l].id),
                            )
                            .at(case.value.span, "not in the choices")
                            .suggest(&case.value.value, values.iter().map(String::as_str))
                            .help(format!("values: {}", values.join(", "))),
                        );
                    }
                    if let (Some(when), true) = (cond, fits) {
                        cases.push(model::Case {
                            when,
                            value: case.value.value.clone(),
                        });
                    }
                }
                self.derived_types.insert(d.id.value.clone(), "choice");
                self.derived_rules.insert(
                    d.id.value.clone(),
                    model::DerivedRule::Cases {
                        cases,
                        choice_list: self.lists[l].id.clone(),
                    },
                );
            }
        }
    }

    fn derived_cycles(&mut self) {
        let spec = self.spec;
        let deps: HashMap<&str, Vec<String>> = spec
            .derived
            .iter()
            .map(|d| {
                let mut refs = Vec::new();
                for t in d.expr.iter().chain(d.cases.iter().map(|c| &c.when)) {
                    if let Ok(e) = expr::parse(&t.value) {
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

    /// Resolves a text for one audience: its template, terms, and piped answers.
    fn text(&mut self, t: &'a spec::Text, audience: &str, position: usize) -> model::Text {
        // A text belongs to one item, so its position is fixed: (text, audience) is the key.
        let key = (
            std::ptr::from_ref(t) as usize,
            self.audience_ids
                .iter()
                .position(|a| a == audience)
                .unwrap_or(usize::MAX),
        );
        if let Some(done) = self.texts.get(&key) {
            return done.clone();
        }
        let done = self.resolve_text(t, audience, position);
        self.texts.insert(key, done.clone());
        done
    }

    fn resolve_text(&mut self, t: &spec::Text, audience: &str, position: usize) -> model::Text {
        let template = match t {
            spec::Text::One(s) => Some(s),
            spec::Text::PerAudience(map) => {
                for (k, _) in &map.0 {
                    if k.value != "default" && !self.audience_ids.contains(&k.value) {
                        let ids = self.audience_ids.clone();
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
                let found = map
                    .0
                    .iter()
                    .find(|(k, _)| k.value == audience)
                    .or_else(|| map.0.iter().find(|(k, _)| k.value == "default"));
                if found.is_none() {
                    let span = map.0.first().map(|(k, _)| k.span).unwrap_or_default();
                    self.push_once(
                        Diagnostic::error("missing-wording", format!("no wording for audience `{audience}`"))
                            .at(span, format!("`{audience}` sees this text"))
                            .help(format!("add `{audience}: …` or `default: …`")),
                    );
                }
                found.map(|(_, v)| v)
            }
        };
        let Some(template) = template else {
            return model::Text::literal("");
        };
        if !template.value.contains(['{', '}']) {
            return model::Text::literal(template.value.as_str());
        }
        let terms = self
            .spec
            .audiences
            .0
            .iter()
            .find(|(k, _)| k.value == audience)
            .map(|(_, a)| &a.terms.0);
        let mut segments = Vec::new();
        let mut lit = String::new();
        let s = template.value.as_str();
        let raw = self.source.slice(template.span);
        let base = raw.find(s).map(|i| template.span.start + i);
        let at = |start: usize, end: usize| match base {
            Some(b) => Span::new(template.span.source, b + start, b + end),
            None => template.span,
        };
        let mut i = 0;
        while i < s.len() {
            let rest = &s[i..];
            if rest.starts_with("{{") || rest.starts_with("}}") {
                lit.push_str(&rest[..1]);
                i += 2;
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
                        Some((_, v)) => lit.push_str(&v.value),
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
                            } else if self.symbols.contains_key(name) {
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
        model::Text {
            segments: segments.into(),
        }
    }

    fn pipe(
        &mut self,
        name: &str,
        span: Span,
        audience: &str,
        position: usize,
        fallback: Option<String>,
    ) -> Option<String> {
        let Some(sym) = self.symbols.get(name).cloned() else {
            let mut names: Vec<&str> = self.symbols.keys().map(String::as_str).collect();
            names.sort_unstable();
            let d = Diagnostic::error("unknown-variable", format!("there is no question `{name}` to pipe in"))
                .at(span, "unknown name")
                .help("pipe in an earlier question by its id: `${id}`")
                .suggest(name, names.iter().copied());
            self.push_once(d);
            return None;
        };
        let earlier = match sym.kind {
            SymbolKind::Derived => self.derived_order(name) < position,
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
        if matches!(sym.ty, Ty::Grid | Ty::Multi(_)) {
            self.push_once(
                Diagnostic::error("pipe-type", format!("`{name}` has no single answer to show"))
                    .at(span, "grid or multiple choice")
                    .help("pipe in a single-choice, text, number or date answer"),
            );
            return None;
        }

        Some(fallback.unwrap_or_else(|| match sym.numbers.get(audience) {
            Some(n) => format!("your answer to {n}"),
            None => "your earlier answer".to_string(),
        }))
    }

    /// Texts are resolved once per audience; report each problem once.
    fn push_once(&mut self, d: Diagnostic) {
        if !self
            .diags
            .iter()
            .any(|x| x.code == d.code && x.span == d.span && x.message == d.message)
        {
            self.push(d);
        }
    }

    fn wording(&mut self, t: &'a spec::Text, audiences: &[String], position: usize) -> Vec<Wording> {
        let mut out: Vec<Wording> = Vec::new();
        for a in audiences {
            let text = self.text(t, a, position);
            match out.iter_mut().find(|w| w.text == text) {
                Some(w) => w.audiences.push(a.clone()),
                None => out.push(Wording {
                    audiences: vec![a.clone()],
                    text,
                }),
            }
        }
        out
    }

    fn build(&mut self) -> Questionnaire {
        let spec = self.spec;
        let all = self.audience_ids.clone();
        let first = all.first().cloned().unwrap_or_default();
        let survey = model::Survey {
            id: spec.survey.id.value.clone(),
            title: self.text(&spec.survey.title, &first, 0),
            version: spec.survey.version.value.clone(),
            description: spec.survey.description.as_ref().map(|d| self.text(d, &first, 0)),
            language: spec
                .survey
                .language
                .as_ref()
                .map(|l| l.value.clone())
                .unwrap_or_else(|| "en".into()),
            resume_hours: spec.survey.resume_hours.as_ref().map(|h| h.value),
            missing_codes: self.missing_codes(),
            submit_url: spec.survey.submit_url.as_ref().map(|u| u.value.clone()),
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
        let audiences = if spec.audiences.0.is_empty() {
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
        };
        // Which audiences use each list, for the harmonised labels.
        let mut list_audiences: Vec<Vec<String>> = vec![Vec::new(); self.lists.len()];
        for (qid, &l) in &self.question_lists {
            if let Some(sym) = self.symbols.get(qid) {
                for a in &sym.audiences {
                    if !list_audiences[l].contains(a) {
                        list_audiences[l].push(a.clone());
                    }
                }
            }
        }
        for (i, aud) in list_audiences.iter_mut().enumerate() {
            if aud.is_empty() {
                *aud = all.clone();
            }
            aud.sort_by_key(|a| all.iter().position(|x| x == a));
            let _ = i;
        }
        let lists = self.lists.clone();
        let choice_lists = lists
            .iter()
            .enumerate()
            .map(|(i, l)| model::ChoiceList {
                id: l.id.clone(),
                options: l
                    .choices
                    .iter()
                    .map(|c| model::Choice {
                        code: c.code.value,
                        value: c.value.value.clone(),
                        label: self.wording(&c.label, &list_audiences[i], 0),
                        exclusive: c.exclusive.as_ref().is_some_and(|e| e.value),
                        other: c.other.as_ref().is_some_and(|e| e.value),
                        nonsubstantive: c.nonsubstantive.as_ref().map(|n| n.value),
                    })
                    .collect(),
            })
            .collect();

        let mut instruments = Vec::new();
        let mut variables: Vec<model::Variable> = Vec::new();
        let mut variable_index: HashMap<String, usize> = HashMap::new();
        for audience in &all {
            let mut sections = Vec::new();
            for (si, section) in spec.sections.iter().enumerate() {
                if !self.section_audiences[si].contains(audience) {
                    continue;
                }
                let first_pos = self.placements[si].first().map(|p| p.1).unwrap_or(0);
                let section_condition = self.section_conditions.get(&(si, audience.clone())).cloned();
                let mut items = Vec::new();
                for (ii, item) in section.items.iter().enumerate() {
                    let (aud, pos) = self.placements[si][ii].clone();
                    if !aud.contains(audience) {
                        continue;
                    }
                    let own = self.conditions.get(&(si, ii, audience.clone())).cloned();
                    match item {
                        Item::Question(q) => {
                            let Some(sym) = self.symbols.get(&q.id.value).cloned() else {
                                continue;
                            };
                            if !matches!(sym.kind, SymbolKind::Question) || sym.order != pos {
                                continue;
                            }
                            let built = self.asked(q, audience, pos, &sym, section_condition.as_ref(), own, (si, ii));
                            for name in built.variable_names() {
                                match variable_index.get(name).map(|&i| &mut variables[i]) {
                                    Some(v) => {
                                        v.numbers.insert(audience.clone(), built.number.clone());
                                        add_universe(&mut v.universe, audience, built.condition.as_ref());
                                    }
                                    None => {
                                        let wording = self.wording(&q.text, &sym.audiences, pos);
                                        let row_label =
                                            built.rows.iter().find(|r| r.variable == name).map(|r| r.label.plain());
                                        let label = match row_label {
                                            Some(r) => format!("{}: {r}", built.label),
                                            None => built.label.clone(),
                                        };
                                        variable_index.insert(name.to_string(), variables.len());
                                        variables.push(model::Variable {
                                            name: name.to_string(),
                                            question: q.id.value.clone(),
                                            kind: q.kind.value,
                                            label,
                                            section: section.id.value.clone(),
                                            audiences: sym.audiences.clone(),
                                            numbers: BTreeMap::from([(audience.clone(), built.number.clone())]),
                                            wording,
                                            choice_list: built.choice_list.clone(),
                                            universe: vec![model::Universe {
                                                audiences: vec![audience.clone()],
                                                condition: built.condition.clone(),
                                            }],
                                            line: built.line,
                                        });
                                    }
                                }
                            }
                            items.push(model::Item::Question(built));
                        }
                        Item::Note(n) => {
                            let title = n.title.as_ref().map(|t| self.text(t, audience, pos));
                            let text = self.text(&n.text, audience, pos);
                            items.push(model::Item::Note {
                                id: n.id.as_ref().map(|i| i.value.clone()),
                                title,
                                text,
                                condition: own,
                            });
                        }
                        Item::Definitions(d) => {
                            let title = d.title.as_ref().map(|t| self.text(t, audience, pos));
                            let terms = d
                                .terms
                                .iter()
                                .map(|t| model::Definition {
                                    term: self.text(&t.term, audience, pos),
                                    definition: self.text(&t.definition, audience, pos),
                                })
                                .collect();
                            items.push(model::Item::Definitions {
                                id: d.id.as_ref().map(|i| i.value.clone()),
                                title,
                                terms,
                            });
                        }
                        Item::Screen(s) => {
                            let Some(condition) = self.screens.get(&(si, ii)).cloned() else {
                                continue;
                            };
                            let condition =
                                Condition::and(section_condition.as_ref(), Some(&condition)).unwrap_or(condition);
                            let message = self.text(&s.message, audience, pos);
                            let id =
                                s.id.as_ref()
                                    .map(|i| i.value.clone())
                                    .unwrap_or_else(|| format!("screen_{}_{}", section.id.value, ii + 1));
                            items.push(model::Item::Screen { id, condition, message });
                        }
                    }
                }
                let title = self.text(&section.title, audience, first_pos);
                let intro = section.intro.as_ref().map(|t| self.text(t, audience, first_pos));
                sections.push(model::Section {
                    id: section.id.value.clone(),
                    title,
                    intro,
                    condition: section_condition,
                    items,
                });
            }
            instruments.push(model::Instrument {
                audience: audience.clone(),
                sections,
            });
        }
        // Questionnaire order, whichever audience met a variable first (grid rows keep theirs).
        variables.sort_by_key(|v| v.line);

        let derived = spec
            .derived
            .iter()
            .filter_map(|d| {
                let rule = self.derived_rules.get(&d.id.value)?.clone();
                let sym = self.symbols.get(&d.id.value)?;
                Some(model::Derived {
                    id: d.id.value.clone(),
                    label: d.label.value.clone(),
                    description: d.description.as_ref().map(|x| x.value.clone()),
                    audiences: sym.audiences.clone(),
                    rule,
                    value_type: self.derived_types.get(&d.id.value).copied().unwrap_or("number"),
                    line: self.source.line_col(d.id.span.start).0,
                })
            })
            .collect();

        Questionnaire {
            format: model::IR_FORMAT,
            survey,
            audiences,
            choice_lists,
            variables,
            derived,
            instruments,
            content_hash: model::content_hash(&[&self.source.text]),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn asked(
        &mut self,
        q: &'a spec::Question,
        audience: &str,
        pos: usize,
        sym: &Symbol,
        section: Option<&Condition>,
        own: Option<Condition>,
        at: (usize, usize),
    ) -> model::Question {
        let number = sym.numbers.get(audience).cloned().unwrap_or_default();
        let text = self.text(&q.text, audience, pos);
        let label = match &q.label {
            Some(l) => l.value.clone(),
            None => short_label(&text.plain()),
        };
        let list = self.question_lists.get(&q.id.value).copied();
        let options = match list {
            Some(l) => {
                let choices = self.lists[l].choices;
                choices
                    .iter()
                    .filter(|c| {
                        c.audiences
                            .as_ref()
                            .is_none_or(|a| a.iter().any(|x| x.value == audience))
                    })
                    .map(|c| model::AskedChoice {
                        code: c.code.value,
                        value: c.value.value.clone(),
                        label: self.text(&c.label, audience, pos),
                        exclusive: c.exclusive.as_ref().is_some_and(|e| e.value),
                        other: c.other.as_ref().is_some_and(|e| e.value),
                        nonsubstantive: c.nonsubstantive.as_ref().map(|n| n.value),
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        let rows = q
            .rows
            .iter()
            .map(|r| model::Row {
                id: r.id.value.clone(),
                variable: format!("{}_{}", q.id.value, r.id.value),
                label: self.text(&r.label, audience, pos),
            })
            .collect();
        let checks = self.validations.get(&at).cloned().unwrap_or_default();
        let validations = q
            .validate
            .0
            .iter()
            .zip(checks)
            .map(|(v, check)| model::Validation {
                check,
                message: self.text(&v.message, audience, pos),
            })
            .collect();
        let to_u32 = |v: &Option<Sp<i64>>| v.as_ref().and_then(|x| u32::try_from(x.value).ok());
        model::Question {
            id: q.id.value.clone(),
            number,
            kind: q.kind.value,
            hint: q.hint.as_ref().map(|h| self.text(h, audience, pos)),
            text,
            label,
            required: q.required.as_ref().is_some_and(|r| r.value),
            condition: Condition::and(section, own.as_ref()),
            ask_if: own,
            choice_list: list.map(|l| self.lists[l].id.clone()),
            options,
            min_selected: to_u32(&q.min_selected),
            max_selected: to_u32(&q.max_selected),
            min: q.min.as_ref().map(|m| m.value),
            max: q.max.as_ref().map(|m| m.value),
            decimals: to_u32(&q.decimals),
            max_length: to_u32(&q.max_length),
            unit: q.unit.as_ref().map(|u| self.text(u, audience, pos)),
            rows,
            validations,
            probes: q.probes.iter().map(|p| self.text(p, audience, pos)).collect(),
            interviewer: q.interviewer.as_ref().map(|i| self.text(i, audience, pos)),
            line: self.source.line_col(q.id.span.start).0,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Warnings.

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
    fn never_asked(&mut self, model: &Questionnaire) {
        let mut warned = BTreeSet::new();
        for instrument in &model.instruments {
            let reach = crate::reach::Reach::new(model, &instrument.audience);
            for section in &instrument.sections {
                for item in &section.items {
                    let model::Item::Question(q) = item else {
                        continue;
                    };
                    let Some(cond) = &q.condition else { continue };
                    if reach.can_hold(cond) == Some(false) && warned.insert((q.id.clone(), instrument.audience.clone()))
                    {
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
    }
}

fn add_universe(universe: &mut Vec<model::Universe>, audience: &str, condition: Option<&Condition>) {
    let source = condition.map(|c| c.source.as_str());
    match universe
        .iter_mut()
        .find(|u| u.condition.as_ref().map(|c| c.source.as_str()) == source)
    {
        Some(u) => u.audiences.push(audience.to_string()),
        None => universe.push(model::Universe {
            audiences: vec![audience.to_string()],
            condition: condition.cloned(),
        }),
    }
}

fn text_span(t: &spec::Text) -> Span {
    match t {
        spec::Text::One(s) => s.span,
        spec::Text::PerAudience(m) => m.0.first().map(|(k, _)| k.span).unwrap_or_default(),
    }
}

fn label_matches(label: &spec::Text, value: &str) -> bool {
    match label {
        spec::Text::One(s) => s.value.eq_ignore_ascii_case(value),
        spec::Text::PerAudience(m) => m.0.iter().any(|(_, s)| s.value.eq_ignore_ascii_case(value)),
    }
}

fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&s[5..7].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u32>().unwrap_or(0))
}

/// A variable label from question text: the first sentence, at most 80 characters.
fn short_label(text: &str) -> String {
    let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() <= 80 {
        return t;
    }
    let cut: String = t.chars().take(77).collect();
    let cut = cut.rsplit_once(' ').map(|(a, _)| a.to_string()).unwrap_or(cut);
    format!("{cut}...")
}

fn find_cycle(deps: &HashMap<&str, Vec<String>>, path: &mut Vec<String>) -> Option<Vec<String>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_labels() {
        assert!(is_iso_date("2019-08-01"));
        assert!(!is_iso_date("2019-13-01"));
        assert!(!is_iso_date("01/08/2019"));
        assert_eq!(short_label("Do you  have\na plan?"), "Do you have a plan?");
        assert!(short_label(&"word ".repeat(40)).len() <= 80);
    }
}
