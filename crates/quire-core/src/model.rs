//! The resolved questionnaire: what every backend reads, and nothing else.
//!
//! Audiences are expanded (one [`Instrument`] each, with question numbers and final texts),
//! choice lists are resolved to codes, expressions are parsed and type-checked, and every
//! question keeps its source line. `quire build --target ir` writes this as JSON.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Serialize;

use crate::eval::{self, Answers, Value};
use crate::expr::Expr;

mod route;
pub use crate::spec::{NonSubstantive, ProvenanceStatus, QuestionType, Severity};

/// Version of the IR's JSON shape; bump on breaking changes.
pub const IR_FORMAT: &str = "quire-ir/4";

/// The resolved model: one reviewed spec with its audiences expanded, choices resolved,
/// expressions type-checked and routing analysed ([`crate::routing`]). Every backend, the
/// data tools and the server read this and nothing else. Written out as `quire.ir.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Questionnaire {
    /// The IR's format tag, [`IR_FORMAT`].
    pub format: &'static str,
    /// The study's identity and the rules that hold for every instrument.
    pub survey: Survey,
    /// The respondent groups, in the spec's order (one, `respondent`, when it declares none).
    pub audiences: Vec<Audience>,
    /// Every choice list: the named ones and each question's inline options.
    pub choice_lists: Vec<ChoiceList>,
    /// Harmonised variables, one per question (grids: one per row), in questionnaire order.
    pub variables: Vec<Variable>,
    /// Variables computed from answers, after the asked ones in the data.
    pub derived: Vec<Derived>,
    /// The questionnaire as each audience meets it.
    pub instruments: Vec<Instrument>,
    /// FNV-1a hash of the spec text: identifies exactly which revision a printout came from.
    pub content_hash: String,
    /// The languages it is in, the source language first (`survey.language`).
    pub languages: Vec<String>,
    /// Quire's own words in the web form ([`crate::ui`]), by language then key, for each
    /// language that is not English.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub ui: BTreeMap<String, BTreeMap<String, String>>,
}

/// The study as a whole: what identifies it and every record collected with it, and the
/// rules that hold for every instrument.
#[derive(Debug, Clone, Serialize)]
pub struct Survey {
    /// Its identifier (a name): data files and forms carry it.
    pub id: String,
    /// Its title, as respondents see it.
    pub title: Text,
    /// The designer's version; every record carries it with the content hash.
    pub version: String,
    /// What the study is about, for the form's start page and the codebook.
    pub description: Option<Text>,
    /// The source language's tag.
    pub language: String,
    /// How long a saved response may be continued, in hours (none: no saving).
    pub resume_hours: Option<f64>,
    /// The codes the data use for "not applicable" and "missing".
    pub missing_codes: MissingCodes,
    /// Where the web form posts a finished response.
    pub submit_url: Option<String>,
    /// Without `submit_url`: where respondents return the answers they download.
    pub return_to: Option<Text>,
    /// Set by `quire serve` for the forms it serves, never by a spec: where the form saves
    /// a response in progress and fetches one to resume on another device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<Server>,
    /// Where `survey.version` is written, for diagnostics about it.
    #[serde(skip)]
    pub version_span: Option<crate::source::Span>,
}

/// The collection server's endpoints for one audience's form (`quire serve`).
#[derive(Debug, Clone, Serialize)]
pub struct Server {
    /// `PUT <partials><respondent_id>` saves the response so far: `{record, state}`.
    pub partials: String,
    /// `GET <resume><code>` gives a saved response's state back.
    pub resume: String,
    /// The form itself, for the resume link.
    pub form: String,
}

/// The codes the data write for a variable that has no answer, by why (docs/data.md).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct MissingCodes {
    /// A question not asked of this respondent (routed past, another audience's, after a screening rule).
    pub not_applicable: i64,
    /// A question asked and not answered.
    pub missing: i64,
}

/// A respondent group (CONCORD's patients, carers and clinicians): each gets its own
/// instrument, with harmonised variables across them.
#[derive(Debug, Clone, Serialize)]
pub struct Audience {
    /// Its id: the `audience` column of every record, and what `audience == '…'` compares.
    pub id: String,
    /// Its name, as the study team calls the group.
    pub label: String,
    /// Who they are, for the codebook.
    pub description: Option<String>,
    /// Its words for the spec's `{term}`s (`{patient}` → "your child").
    pub terms: BTreeMap<String, String>,
}

/// Text a respondent sees, resolved for one audience: literal runs and piped answers, in the
/// source language, and in each other language of the questionnaire.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Text {
    /// Shared, not copied: the same text appears in every audience's instrument.
    pub segments: Arc<[Segment]>,
    /// By language tag, for every language but the source.
    #[serde(skip_serializing_if = "no_translations")]
    pub translations: Arc<BTreeMap<String, Arc<[Segment]>>>,
}

fn no_translations(t: &Arc<BTreeMap<String, Arc<[Segment]>>>) -> bool {
    t.is_empty()
}

/// A run of a [`Text`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Segment {
    /// Words as written.
    Literal {
        /// The words.
        text: String,
    },
    /// An earlier answer; `fallback` is the wording used where it cannot be known (paper).
    Pipe {
        /// The variable whose answer is shown.
        variable: String,
        /// What paper and the telephone script say in its place.
        fallback: String,
    },
}

impl Text {
    /// A text that is these words alone, in every language.
    pub fn literal(s: impl Into<String>) -> Self {
        Text {
            segments: Arc::new([Segment::Literal { text: s.into() }]),
            translations: Arc::default(),
        }
    }

    /// The text in one language (the source text when it has no such translation).
    pub fn in_language(&self, lang: &str) -> Text {
        match self.translations.get(lang) {
            Some(segments) => Text {
                segments: segments.clone(),
                translations: Arc::default(),
            },
            None => Text {
                segments: self.segments.clone(),
                translations: Arc::default(),
            },
        }
    }

    /// The text with each piped answer replaced by its fallback wording.
    pub fn plain(&self) -> String {
        self.segments
            .iter()
            .map(|s| match s {
                Segment::Literal { text } => text.as_str(),
                Segment::Pipe { fallback, .. } => fallback.as_str(),
            })
            .collect()
    }
}

/// One text as worded for each group of audiences that shares the wording.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Wording {
    /// The audiences that read it this way.
    pub audiences: Vec<String>,
    /// The wording.
    pub text: Text,
}

/// A list of options, named in the spec or a question's own.
#[derive(Debug, Clone, Serialize)]
pub struct ChoiceList {
    /// Its id: the spec's name, or `<question>` for a question's inline options.
    pub id: String,
    /// Declared `ordered: true`: the substantive options are a scale, in this order.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ordered: bool,
    /// The options, in the order they are offered.
    pub options: Vec<Choice>,
}

impl ChoiceList {
    /// The option with this value.
    pub fn get(&self, value: &str) -> Option<&Choice> {
        self.options.iter().find(|o| o.value == value)
    }
}

/// An option of a choice list.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    /// The number the data store for it.
    pub code: i64,
    /// The name expressions and the data's labelled values use for it.
    pub value: String,
    /// Its label, per group of audiences that share the wording.
    pub label: Vec<Wording>,
    /// The audiences offered this choice (those who see the list, unless limited).
    pub audiences: Vec<String>,
    /// Chosen alone: choosing it clears the question's other options ("None of these").
    pub exclusive: bool,
    /// "Other, please specify": it comes with a text question for the write-in.
    pub other: bool,
    /// Set for "Don't know", "Prefer not to say" and the like: kept apart from substantive answers in every table.
    pub nonsubstantive: Option<NonSubstantive>,
    /// Read by `score(q)` and `sum_score(grid)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

impl Choice {
    /// One label for every audience: theirs when they share it, else each distinct wording
    /// joined with " / " (the per-audience labels travel beside it in every analysis output).
    pub fn neutral_label(&self) -> String {
        let mut distinct: Vec<String> = Vec::new();
        for w in &self.label {
            let t = w.text.plain();
            if !distinct.contains(&t) {
                distinct.push(t);
            }
        }
        distinct.join(" / ")
    }

    /// Whether audiences read this choice differently.
    pub fn has_audience_labels(&self) -> bool {
        self.label.len() > 1
    }
}

/// A parsed, type-checked expression with its canonical text. Cheap to clone (shared).
/// Serialized as its data, in a newtype struct named [`Condition::SERDE_NAME`]: a format
/// that writes each condition once (`quire.ir.json`) recognises it by that name; any
/// other writes the data in place.
#[derive(Debug, Clone)]
pub struct Condition(Arc<ConditionData>);

impl Serialize for Condition {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(Self::SERDE_NAME, &*self.0)
    }
}

/// The data a [`Condition`] shares.
#[derive(Debug, Serialize)]
pub struct ConditionData {
    /// Its canonical text, as expressions in every output are written.
    pub source: String,
    /// Its syntax tree, type-checked.
    pub expr: Expr,
    /// Variables it reads, in order of appearance.
    pub references: Vec<String>,
}

impl std::ops::Deref for Condition {
    type Target = ConditionData;
    fn deref(&self) -> &ConditionData {
        &self.0
    }
}

impl Condition {
    /// The name a condition is serialized under (see [`Condition`]).
    pub const SERDE_NAME: &'static str = "$quire::Condition";

    /// The same condition: one shared value, or equal text and syntax tree.
    pub fn same_as(&self, other: &Condition) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
            || (self.source == other.source
                && self.references == other.references
                && serde_json::to_string(&self.expr).ok() == serde_json::to_string(&other.expr).ok())
    }

    /// A condition from its syntax tree: the canonical text and references taken from it.
    pub fn new(expr: Expr) -> Self {
        Condition(Arc::new(ConditionData {
            source: expr.to_string(),
            references: expr.references().into_iter().map(str::to_string).collect(),
            expr,
        }))
    }

    /// A condition as the designer wrote it (`source`), held in its lowered form (see
    /// `check/lower.rs`): what every backend evaluates.
    pub fn lowered(written: &Expr, expr: Expr) -> Self {
        Condition(Arc::new(ConditionData {
            source: written.to_string(),
            references: expr.references().into_iter().map(str::to_string).collect(),
            expr,
        }))
    }

    /// `not c`, written as simply as the null rules allow: `a != b` for `not a == b`,
    /// `not in` for `in`, De Morgan for `and`/`or` (each keeps eval.rs's meaning exactly).
    pub fn not(c: &Condition) -> Condition {
        Condition::new(negate(&c.expr))
    }

    /// `a and b`, keeping each side's meaning.
    pub fn and(a: Option<&Condition>, b: Option<&Condition>) -> Option<Condition> {
        match (a, b) {
            (None, None) => None,
            (Some(x), None) | (None, Some(x)) => Some(x.clone()),
            (Some(x), Some(y)) => Some(Condition::new(Expr {
                kind: crate::expr::ExprKind::Binary {
                    op: crate::expr::BinOp::And,
                    left: Box::new(x.expr.clone()),
                    right: Box::new(y.expr.clone()),
                },
                span: (0, 0),
            })),
        }
    }
}

fn negate(e: &Expr) -> Expr {
    use crate::expr::{BinOp, ExprKind};
    let kind = match &e.kind {
        ExprKind::Binary { op, left, right } => {
            let flipped = match op {
                BinOp::Eq => Some(BinOp::Ne),
                BinOp::Ne => Some(BinOp::Eq),
                BinOp::In => Some(BinOp::NotIn),
                BinOp::NotIn => Some(BinOp::In),
                _ => None,
            };
            match (op, flipped) {
                (_, Some(op)) => ExprKind::Binary {
                    op,
                    left: left.clone(),
                    right: right.clone(),
                },
                (BinOp::And | BinOp::Or, _) => ExprKind::Binary {
                    op: if *op == BinOp::And { BinOp::Or } else { BinOp::And },
                    left: Box::new(negate(left)),
                    right: Box::new(negate(right)),
                },
                _ => ExprKind::Not {
                    operand: Box::new(e.clone()),
                },
            }
        }
        // `not not x` is `x` only where x is true or false, never null.
        ExprKind::Not { operand }
            if matches!(
                &operand.kind,
                ExprKind::Binary { op, .. } if op.is_comparison() || matches!(op, BinOp::And | BinOp::Or)
            ) || matches!(&operand.kind, ExprKind::Not { .. } | ExprKind::Bool { .. }) =>
        {
            return (**operand).clone();
        }
        ExprKind::Bool { value } => ExprKind::Bool { value: !value },
        _ => ExprKind::Not {
            operand: Box::new(e.clone()),
        },
    };
    Expr { kind, span: (0, 0) }
}

/// A data variable, harmonised across audiences.
#[derive(Debug, Clone, Serialize)]
pub struct Variable {
    /// The variable's name: a column in the data.
    pub name: String,
    /// The question that fills it (for a grid row: the grid).
    pub question: String,
    /// Its question type.
    pub kind: QuestionType,
    /// Its short label, for the codebook and analysis schemas.
    pub label: String,
    /// The section it is asked in.
    pub section: String,
    /// The audiences asked it.
    pub audiences: Vec<String>,
    /// Question number per audience, e.g. {"patient": "Q12"}.
    pub numbers: ByAudience,
    /// The question's wording, per group of audiences that share it.
    pub wording: Vec<Wording>,
    /// The choice list its answers come from, for a choice question.
    pub choice_list: Option<String>,
    /// When the variable is asked, per group of audiences sharing the same routing
    /// (the routing analysis: see [`Universe`]).
    pub universe: Vec<Universe>,
    /// Where it comes from, when not as the source publishes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// The spec line that declares it.
    pub line: usize,
    /// The roster whose rows it describes (`person`); none: the respondent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// Texts by audience id (a variable's question number in each audience's instrument), in
/// the order of the ids: a list of the one to few entries a spec has, where a map would
/// allocate room for eleven. Written as a map from id to text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ByAudience(Vec<(String, String)>);

impl ByAudience {
    /// No texts yet.
    pub fn new() -> Self {
        ByAudience(Vec::new())
    }

    /// Room for `n` audiences' texts, and this one's: a list grown one by one would make room
    /// for four.
    pub fn first(n: usize, audience: String, value: String) -> Self {
        let mut v = Vec::with_capacity(n.max(1));
        v.push((audience, value));
        ByAudience(v)
    }

    /// An audience's text.
    pub fn get(&self, audience: &str) -> Option<&String> {
        self.0.iter().find(|(a, _)| a == audience).map(|(_, v)| v)
    }

    /// Sets an audience's text; the one it replaces, if any.
    pub fn insert(&mut self, audience: String, value: String) -> Option<String> {
        match self.0.binary_search_by(|(a, _)| a.as_str().cmp(&audience)) {
            Ok(at) => Some(std::mem::replace(&mut self.0[at].1, value)),
            Err(at) => {
                self.0.insert(at, (audience, value));
                None
            }
        }
    }

    /// How many audiences have a text.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no audience has a text.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for ByAudience {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (a, v) in &self.0 {
            map.serialize_entry(a, v)?;
        }
        map.end()
    }
}

/// Where a question or derived variable comes from, when not as the source publishes it.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    /// How it stands against the source.
    pub status: ProvenanceStatus,
    /// What was changed or where it comes from, in the designer's words.
    pub note: String,
}

/// Who is asked a question: the audiences, and of them those who reach it (no screening
/// rule before it ended the survey) and for whom `condition` holds.
#[derive(Debug, Clone, Serialize)]
pub struct Universe {
    /// The audiences that share this routing.
    pub audiences: Vec<String>,
    /// The section's and the question's conditions together; none: asked of all who reach it.
    pub condition: Option<Condition>,
    /// Ids of the screening rules before the question ([`Item::Screen`]); any that holds ends
    /// the survey before it.
    pub screens: Vec<String>,
}

impl Universe {
    /// Whether a question asked under `condition`, after `screens`, is asked of the same
    /// respondents as this universe's audiences: the one equality by which the routing
    /// analysis groups audiences, and by which the IR tells a universe its reader derives.
    pub fn admits(&self, condition: Option<&Condition>, screens: &[String]) -> bool {
        let same = match (&self.condition, condition) {
            (None, None) => true,
            (Some(a), Some(b)) => a.same_as(b),
            _ => false,
        };
        same && self.screens == screens
    }
}

/// A variable computed from answers (`derived:` in the spec), after the asked ones in the data.
#[derive(Debug, Clone, Serialize)]
pub struct Derived {
    /// Its name: a column in the data.
    pub id: String,
    /// Its short label.
    pub label: String,
    /// What it measures, for the codebook.
    pub description: Option<String>,
    /// The audiences whose records carry it (its `audiences` in the spec; all by default).
    pub audiences: Vec<String>,
    /// How it is computed.
    #[serde(flatten)]
    pub rule: DerivedRule,
    /// "bool", "number", "text" or "choice".
    pub value_type: &'static str,
    /// Where it comes from, when not as the source publishes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// The spec line that declares it.
    pub line: usize,
}

/// How a derived variable's value is computed.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum DerivedRule {
    /// The value of an expression.
    Expr {
        /// The expression, type-checked.
        expr: Condition,
    },
    /// A coded value: the first case whose condition holds.
    Cases {
        /// The cases, in the spec's order.
        cases: Vec<Case>,
        /// The choice list the case values come from.
        choice_list: String,
    },
}

/// One case of a coded derived variable.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    /// When it applies.
    pub when: Condition,
    /// The value (a choice of the variable's list) it gives.
    pub value: String,
}

/// The questionnaire as one audience meets it: the sections and items it is asked, in
/// order, worded and numbered for it.
#[derive(Debug, Clone, Serialize)]
pub struct Instrument {
    /// The audience's id.
    pub audience: String,
    /// Its sections, in order.
    pub sections: Vec<Section>,
}

impl Instrument {
    /// Each screening rule's condition (the section's and its `end_if` together), by id: what
    /// an item's [`Item::screens`] name.
    pub fn screen_conditions(&self) -> std::collections::HashMap<&str, &Condition> {
        self.sections
            .iter()
            .flat_map(|s| &s.items)
            .filter_map(|i| match i {
                Item::Screen { id, condition, .. } => Some((id.as_str(), condition)),
                _ => None,
            })
            .collect()
    }
}

/// A section of one audience's instrument: a page of the web form, a heading on paper.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// Its id.
    pub id: String,
    /// Its heading.
    pub title: Text,
    /// Text before its first item.
    pub intro: Option<Text>,
    /// The section's own `ask_if`; its items' conditions include it already.
    pub condition: Option<Condition>,
    /// What it holds, in order.
    pub items: Vec<Item>,
}

/// What a section holds, in order: questions, and the text, definitions and screening
/// rules between them. Each knows its condition and the screening rules before it
/// ([`Item::screens`]).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "item", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum Item {
    /// A question.
    Question(Question),
    /// Text shown between questions.
    Note {
        /// Its id, when the spec gives one.
        id: Option<String>,
        /// Its heading.
        title: Option<Text>,
        /// The text.
        text: Text,
        /// The section's and the note's own conditions together; none: shown to everyone.
        condition: Option<Condition>,
        /// The note's own `ask_if`.
        ask_if: Option<Condition>,
        /// Screening rules before the note (routing analysis; see [`Item::screens`]).
        #[serde(skip)]
        screens: Vec<String>,
    },
    /// Key terms and their definitions, set apart.
    Definitions {
        /// Its id, when the spec gives one.
        id: Option<String>,
        /// Its heading.
        title: Option<Text>,
        /// The terms, in order.
        terms: Vec<Definition>,
        /// The section's and the item's own conditions together; none: shown to everyone.
        condition: Option<Condition>,
        /// The item's own `ask_if`.
        ask_if: Option<Condition>,
        /// Screening rules before the definitions (routing analysis).
        #[serde(skip)]
        screens: Vec<String>,
    },
    /// Ends the survey, showing `message`, when `condition` holds.
    Screen {
        /// Its id, which records name in `ended_by`.
        id: String,
        /// The section's condition and `end_if` together.
        condition: Condition,
        /// The rule as written.
        end_if: Condition,
        /// What the respondent is told when it ends the survey.
        message: Text,
        /// Screening rules before this one (routing analysis): any that holds ends the
        /// survey before this one is reached.
        #[serde(skip)]
        screens: Vec<String>,
    },
    /// Items asked once for each row of a set (docs/spec.md, "Rosters").
    Roster(Box<Roster>),
}

/// A roster as one audience is asked it: its items, asked once per row.
#[derive(Debug, Clone, Serialize)]
pub struct Roster {
    /// Its id: the unit its items describe (`person`).
    pub id: String,
    /// Its heading, over all its rows.
    pub title: Text,
    /// Text before its first row.
    pub intro: Option<Text>,
    /// Where its rows come from.
    pub rows: Rows,
    /// The fewest rows (open rosters; 0 otherwise).
    pub min_rows: u32,
    /// The most rows, whatever their source.
    pub max_rows: u32,
    /// The question of the row that names it.
    pub row_label: Option<String>,
    /// The section's, the rosters' around it and its own conditions together; none: asked
    /// of everyone. Its items' conditions include it.
    pub condition: Option<Condition>,
    /// Its own `ask_if`.
    pub ask_if: Option<Condition>,
    /// What each row asks, in order.
    pub items: Vec<Item>,
    /// Screening rules before the roster (routing analysis).
    #[serde(skip)]
    pub screens: Vec<String>,
}

impl Roster {
    /// How many rows its source gives, read in `env` (the answers where the roster is asked),
    /// at most `max_rows`; `None` for an open roster, whose rows are as many as are entered.
    pub fn rows_given(&self, model: &Questionnaire, env: &dyn Answers) -> Option<usize> {
        let n = match &self.rows {
            Rows::Count { count } => match eval::eval(&count.expr, env) {
                Value::Number(n) if n >= 0.0 => n.min(f64::from(self.max_rows)) as usize,
                _ => 0,
            },
            Rows::Question { question } => match env.value(question) {
                Value::Selection(ticked) => ticked.len(),
                _ => 0,
            },
            Rows::List { list } => model.choice_list(list).map_or(0, |l| l.options.len()),
            Rows::Open => return None,
        };
        Some(n.min(self.max_rows as usize))
    }
}

/// Where a roster's rows come from.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum Rows {
    /// As many as a whole-number expression gives.
    Count {
        /// The expression.
        count: Condition,
    },
    /// One per option ticked at a multiple-choice question, in the list's order.
    Question {
        /// The question's id.
        question: String,
    },
    /// One per option of a choice list.
    List {
        /// The list's id.
        list: String,
    },
    /// Added by the respondent.
    Open,
}

/// The questions of `items` and of the rosters among them, in order (a roster's after
/// the items before it), each with the roster it is asked in.
pub fn questions_within(items: &[Item]) -> Vec<(&Question, Option<&str>)> {
    fn walk<'m>(items: &'m [Item], unit: Option<&'m str>, out: &mut Vec<(&'m Question, Option<&'m str>)>) {
        for item in items {
            match item {
                Item::Question(q) => out.push((q, unit)),
                Item::Roster(r) => walk(&r.items, Some(&r.id), out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(items, None, &mut out);
    out
}

impl Item {
    /// The ids of the screening rules before this item in its instrument, in order
    /// (the routing analysis, [`crate::routing`]): any that holds ends the survey before it.
    /// The IR writes them for questions only; for other items a reader derives them from
    /// the order of the items, as the analysis does.
    pub fn screens(&self) -> &[String] {
        match self {
            Item::Question(q) => &q.screens,
            Item::Note { screens, .. } | Item::Definitions { screens, .. } | Item::Screen { screens, .. } => screens,
            Item::Roster(r) => &r.screens,
        }
    }
}

/// A key term and what it means here.
#[derive(Debug, Clone, Serialize)]
pub struct Definition {
    /// The term.
    pub term: Text,
    /// What it means.
    pub definition: Text,
}

/// A question as one audience sees it: its wording for that audience, its number in that
/// audience's order, its condition and the screening rules before it.
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    /// Its id: the variable name (a grid's rows are `<id>_<row>`).
    pub id: String,
    /// "Q1", "Q2", … in this audience's order.
    pub number: String,
    /// Its question type.
    pub kind: QuestionType,
    /// The question, worded for this audience.
    pub text: Text,
    /// The short label the codebook and the data files give the variable.
    pub label: String,
    /// Help shown with it.
    pub hint: Option<Text>,
    /// Whether the forms insist on an answer.
    pub required: bool,
    /// Section and question conditions together; none: always asked.
    pub condition: Option<Condition>,
    /// The question's own `ask_if`, without the section's.
    pub ask_if: Option<Condition>,
    /// The designer's wording of `ask_if` for paper and the interviewer, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ask_if_text: Option<Text>,
    /// Screening rules before this question in the instrument (routing analysis).
    pub screens: Vec<String>,
    /// The choice list its options come from, for a choice question or grid.
    pub choice_list: Option<String>,
    /// Shared, not copied: every question of an instrument asked from the same choice list
    /// holds the same options; routing gives a question whose options skip a copy of its own.
    pub options: Arc<[AskedChoice]>,
    /// Options a multiple-choice answer must have at least.
    pub min_selected: Option<u32>,
    /// Options a multiple-choice answer may have at most.
    pub max_selected: Option<u32>,
    /// The smallest number accepted.
    pub min: Option<f64>,
    /// The largest number accepted.
    pub max: Option<f64>,
    /// Decimal places a number may have.
    pub decimals: Option<u32>,
    /// Characters a text answer may have at most.
    pub max_length: Option<u32>,
    /// The unit a number is in ("years", "kg").
    pub unit: Option<Text>,
    /// A grid's rows, each a variable.
    pub rows: Vec<Row>,
    /// Checks on the answer, in order.
    pub validations: Vec<Validation>,
    /// Think-aloud probes for cognitive interviews.
    pub probes: Vec<Text>,
    /// An instruction for the interviewer (telephone script and interviewer edition).
    pub interviewer: Option<Text>,
    /// The spec line that declares it.
    pub line: usize,
    /// A choice among a roster's rows: the roster's id. Its options are the rows, labelled
    /// by the roster's row label; the answer is the row's number (a multiple choice: the
    /// numbers, as a selection).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row_choices: Option<String>,
}

impl Question {
    /// The data variables this question fills: itself, or one per grid row.
    pub fn variable_names(&self) -> Vec<&str> {
        if self.kind == QuestionType::Grid {
            self.rows.iter().map(|r| r.variable.as_str()).collect()
        } else {
            vec![self.id.as_str()]
        }
    }
}

/// An option as one audience is offered it: its label in that audience's words.
#[derive(Debug, Clone, Serialize)]
pub struct AskedChoice {
    /// The number the data store for it.
    pub code: i64,
    /// The name expressions use for it.
    pub value: String,
    /// Its label, worded for this audience.
    pub label: Text,
    /// Chosen alone: choosing it clears the question's other options.
    pub exclusive: bool,
    /// "Other, please specify": it comes with a text question for the write-in.
    pub other: bool,
    /// Set for "Don't know", "Prefer not to say" and the like.
    pub nonsubstantive: Option<NonSubstantive>,
    /// Its score, read by `score(q)` and `sum_score(grid)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// For a single-choice option that skips questions: where a respondent who chooses it
    /// goes next (routing analysis; none: the next question in order).
    /// Boxed: few options skip, and a question's options are copied into every audience's
    /// instrument.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<Box<Next>>,
}

/// Where a respondent goes after an answer that skips questions. Every question between is
/// proven never asked of anyone who gives that answer ([`crate::routing`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Next {
    /// The first question that can be asked next (it may carry a condition of its own).
    /// `certain`: some respondent who gave the answer is proven to be asked it; otherwise
    /// that depends on answers too many to search, and only the skip is proven.
    Question {
        /// The question's id.
        id: String,
        /// Its number in the instrument.
        number: String,
        /// Whether some respondent who gave the answer is proven to be asked it.
        certain: bool,
    },
    /// No later question can be asked: the survey ends, by the screening rule if one fires.
    End {
        /// The screening rule that fires there, if one does (none: the questions ran out).
        screen: Option<String>,
    },
    /// No later question of the row can be asked: the row is done, and the respondent goes
    /// on to the roster's next row (after its last, to what follows the roster).
    NextRow {
        /// The roster's id.
        roster: String,
    },
}

/// A row of a grid: one variable, answered from the grid's choice list.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Its id in the spec.
    pub id: String,
    /// Its variable: `<grid>_<row>`.
    pub variable: String,
    /// Its label, worded for this audience.
    pub label: Text,
    /// The row's own item number, when the spec gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
}

/// A check on an answer, with the message shown when it fails.
#[derive(Debug, Clone, Serialize)]
pub struct Validation {
    /// What must hold.
    pub check: Condition,
    /// What the respondent is told when it does not.
    pub message: Text,
    /// `warning`: a soft check the respondent may confirm; the data keep the answer.
    pub severity: Severity,
}

/// Where a variable stands for one respondent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", content = "value", rename_all = "snake_case")]
pub enum State {
    /// Routed past whatever the missing answers would have been, not asked of this audience,
    /// or after a screening rule ended the survey.
    NotApplicable,
    /// Asked and not answered.
    Missing,
    /// Not asked, but only because an earlier answer is missing: some answer to it would have
    /// led here. Coded as missing in the data (docs/data.md, "Eligibility").
    Unknown,
    /// Asked and answered with this value.
    Answered(Value),
}

/// A respondent's path through one instrument.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    /// Each variable of the respondent's own, by name: its state.
    pub states: BTreeMap<String, State>,
    /// The screening rule that ended the survey, if one did.
    pub ended_by: Option<String>,
    /// Each roster's rows, in order, by the roster's id: what each row was asked.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rows: BTreeMap<String, Vec<RowRoute>>,
}

/// One row's path through its roster's items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowRoute {
    /// Each variable of the roster's unit, by name: its state in this row.
    pub states: BTreeMap<String, State>,
    /// The rows of the rosters inside this one.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rows: BTreeMap<String, Vec<RowRoute>>,
}

impl Questionnaire {
    /// The questionnaire in one of its languages: every text in that language (the source
    /// text where it has none), `survey.language` set to it. Backends build each language's
    /// edition from this.
    pub fn in_language(&self, lang: &str) -> Questionnaire {
        let mut m = self.clone();
        m.survey.language = lang.to_string();
        let t = |x: &mut Text| *x = x.in_language(lang);
        let o = |x: &mut Option<Text>| {
            if let Some(x) = x {
                *x = x.in_language(lang);
            }
        };
        t(&mut m.survey.title);
        o(&mut m.survey.description);
        o(&mut m.survey.return_to);
        for w in m
            .choice_lists
            .iter_mut()
            .flat_map(|l| &mut l.options)
            .flat_map(|c| &mut c.label)
        {
            t(&mut w.text);
        }
        for w in m.variables.iter_mut().flat_map(|v| &mut v.wording) {
            t(&mut w.text);
        }
        type Shared = Arc<[AskedChoice]>;
        let mut translated: std::collections::HashMap<usize, (Shared, Shared)> = Default::default();
        for section in m.instruments.iter_mut().flat_map(|i| &mut i.sections) {
            t(&mut section.title);
            o(&mut section.intro);
            // A roster's items after it (their order does not matter here).
            let mut items: Vec<&mut Item> = section.items.iter_mut().collect();
            while let Some(item) = items.pop() {
                match item {
                    Item::Question(q) => {
                        t(&mut q.text);
                        o(&mut q.hint);
                        o(&mut q.ask_if_text);
                        o(&mut q.unit);
                        o(&mut q.interviewer);
                        q.probes.iter_mut().for_each(t);
                        // Options shared in the model stay shared in the language's edition
                        // (each original is kept in the table, so its address stays its own).
                        let key = q.options.as_ptr() as usize;
                        let (_, options) = translated.entry(key).or_insert_with(|| {
                            let mut options = q.options.to_vec();
                            options.iter_mut().for_each(|c| t(&mut c.label));
                            (q.options.clone(), options.into())
                        });
                        q.options = options.clone();
                        q.rows.iter_mut().for_each(|r| t(&mut r.label));
                        q.validations.iter_mut().for_each(|v| t(&mut v.message));
                    }
                    Item::Note { title, text, .. } => {
                        o(title);
                        t(text);
                    }
                    Item::Definitions { title, terms, .. } => {
                        o(title);
                        for d in terms {
                            t(&mut d.term);
                            t(&mut d.definition);
                        }
                    }
                    Item::Screen { message, .. } => t(message),
                    Item::Roster(r) => {
                        t(&mut r.title);
                        o(&mut r.intro);
                        items.extend(r.items.iter_mut());
                    }
                }
            }
        }
        m
    }

    /// Quire's words for `key` in the questionnaire's current language (`survey.language`).
    pub fn ui_text(&self, key: &str) -> String {
        self.ui
            .get(&self.survey.language)
            .and_then(|m| m.get(key))
            .cloned()
            .unwrap_or_else(|| crate::ui::english(key).to_string())
    }

    /// The instrument an audience is asked.
    pub fn instrument(&self, audience: &str) -> Option<&Instrument> {
        self.instruments.iter().find(|i| i.audience == audience)
    }

    /// A question by its id or one of its variables (a grid row), as the first audience
    /// that is asked it sees it.
    pub fn question(&self, id_or_variable: &str) -> Option<&Question> {
        self.instruments
            .iter()
            .flat_map(|i| &i.sections)
            .flat_map(|s| &s.items)
            .find_map(|it| match it {
                Item::Question(q) if q.id == id_or_variable || q.rows.iter().any(|r| r.variable == id_or_variable) => {
                    Some(q)
                }
                _ => None,
            })
    }

    /// A question by its id or one of its variables, rosters' questions included.
    pub fn any_question(&self, id_or_variable: &str) -> Option<&Question> {
        self.instruments
            .iter()
            .flat_map(|i| &i.sections)
            .flat_map(|s| questions_within(&s.items))
            .map(|(q, _)| q)
            .find(|q| q.id == id_or_variable || q.rows.iter().any(|r| r.variable == id_or_variable))
    }

    /// Every roster once (by id, as the first instrument holding it has it), outer before
    /// inner, each with the id of the roster it sits in.
    pub fn rosters(&self) -> Vec<(&Roster, Option<&str>)> {
        fn walk<'m>(items: &'m [Item], parent: Option<&'m str>, out: &mut Vec<(&'m Roster, Option<&'m str>)>) {
            for item in items {
                if let Item::Roster(r) = item {
                    if !out.iter().any(|(o, _)| o.id == r.id) {
                        out.push((r, parent));
                    }
                    walk(&r.items, Some(&r.id), out);
                }
            }
        }
        let mut out = Vec::new();
        for s in self.instruments.iter().flat_map(|i| &i.sections) {
            walk(&s.items, None, &mut out);
        }
        out
    }

    /// A roster by id.
    pub fn roster(&self, id: &str) -> Option<&Roster> {
        self.rosters().into_iter().map(|(r, _)| r).find(|r| r.id == id)
    }

    /// Each question by its id and by each of its variables (the first audience's, in the
    /// order of the instruments): [`Questionnaire::question`] for many lookups.
    pub fn questions_by_variable(&self) -> HashMap<&str, &Question> {
        let mut out = HashMap::new();
        for s in self.instruments.iter().flat_map(|i| &i.sections) {
            for (q, _) in questions_within(&s.items) {
                out.entry(q.id.as_str()).or_insert(q);
                for r in &q.rows {
                    out.entry(r.variable.as_str()).or_insert(q);
                }
            }
        }
        out
    }

    /// The choice list a variable's answers come from: a question's (or grid row's), or a
    /// derived variable's coded cases.
    pub fn choice_list_of(&self, variable: &str) -> Option<&ChoiceList> {
        let list = match self.variables.iter().find(|v| v.name == variable) {
            Some(v) => v.choice_list.as_deref()?,
            None => match self.derived(variable).map(|d| &d.rule) {
                Some(DerivedRule::Cases { choice_list, .. }) => choice_list.as_str(),
                _ => return None,
            },
        };
        self.choice_list(list)
    }

    /// A choice list by id.
    pub fn choice_list(&self, id: &str) -> Option<&ChoiceList> {
        self.choice_lists.iter().find(|l| l.id == id)
    }

    /// Whether any instrument has a roster.
    pub fn has_rosters(&self) -> bool {
        self.instruments
            .iter()
            .flat_map(|i| &i.sections)
            .flat_map(|s| &s.items)
            .any(|i| matches!(i, Item::Roster(_)))
    }

    /// A derived variable by id.
    pub fn derived(&self, id: &str) -> Option<&Derived> {
        self.derived.iter().find(|d| d.id == id)
    }

    /// The questionnaire variables a derived variable reads, through other derived variables.
    pub fn derived_inputs(&self, derived: &Derived) -> Vec<String> {
        let mut out = Vec::new();
        let mut queue = vec![derived.id.clone()];
        let mut seen = std::collections::BTreeSet::new();
        while let Some(name) = queue.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            match self.derived(&name) {
                Some(d) => match &d.rule {
                    DerivedRule::Expr { expr } => queue.extend(expr.references.iter().cloned()),
                    DerivedRule::Cases { cases, .. } => cases
                        .iter()
                        .for_each(|c| queue.extend(c.when.references.iter().cloned())),
                },
                None => out.push(name),
            }
        }
        out.sort();
        out
    }

    /// [`Questionnaire::derive`] when some answers are unknown: `None` when the value depends on them.
    pub fn derive_partial(&self, derived: &Derived, env: &dyn Answers) -> Option<Value> {
        if !derived.audiences.iter().any(|a| a == env.audience()) {
            return Some(Value::Null);
        }
        match &derived.rule {
            DerivedRule::Expr { expr } => eval::partial(&expr.expr, env),
            DerivedRule::Cases { cases, .. } => {
                for c in cases {
                    match eval::truth(&c.when.expr, env) {
                        eval::Truth::True => return Some(Value::Text(c.value.clone())),
                        eval::Truth::Unknown => return None,
                        eval::Truth::False => {}
                    }
                }
                Some(Value::Null)
            }
        }
    }

    /// A universe as one condition: its condition, and none of the screening rules before it
    /// holding (none: asked of everyone in its audiences).
    pub fn universe_condition(&self, universe: &Universe) -> Option<Condition> {
        let audience = universe.audiences.first()?;
        let mut out = universe.condition.clone();
        for id in &universe.screens {
            if let Some(s) = self.screen(audience, id) {
                out = Condition::and(out.as_ref(), Some(&Condition::not(s)));
            }
        }
        out
    }

    /// The condition of a screening rule of one audience's instrument.
    pub fn screen(&self, audience: &str, id: &str) -> Option<&Condition> {
        self.instrument(audience)?
            .sections
            .iter()
            .flat_map(|s| &s.items)
            .find_map(|it| match it {
                Item::Screen { id: sid, condition, .. } if sid == id => Some(condition),
                _ => None,
            })
    }

    /// The value of a derived variable given answers (null when no rule applies).
    pub fn derive(&self, derived: &Derived, env: &dyn Answers) -> Value {
        if !derived.audiences.iter().any(|a| a == env.audience()) {
            return Value::Null;
        }
        match &derived.rule {
            DerivedRule::Expr { expr } => eval::eval(&expr.expr, env),
            DerivedRule::Cases { cases, .. } => cases
                .iter()
                .find(|c| eval::holds(&c.when.expr, env))
                .map(|c| Value::Text(c.value.clone()))
                .unwrap_or(Value::Null),
        }
    }
}

/// Answers as routing has admitted them so far, with derived variables computed on demand.
/// `unknown` holds the variables whose answers are missing or whose eligibility is unknown.
pub(crate) struct Routed<'m, K> {
    pub model: &'m Questionnaire,
    pub audience: &'m str,
    pub values: crate::FastMap<K, Value>,
    pub unknown: crate::FastSet<K>,
}

impl<K: std::borrow::Borrow<str> + std::hash::Hash + Eq> Answers for Routed<'_, K> {
    fn value(&self, name: &str) -> Value {
        if let Some(v) = self.values.get(name) {
            return v.clone();
        }
        // Derived variables are acyclic (checked), so this recursion ends.
        match self.model.derived(name) {
            Some(d) => self.model.derive(d, self),
            None => Value::Null,
        }
    }

    fn audience(&self) -> &str {
        self.audience
    }

    fn partial(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.values.get(name) {
            return Some(v.clone());
        }
        if self.unknown.contains(name) {
            return None;
        }
        match self.model.derived(name) {
            Some(d) => self.model.derive_partial(d, self),
            None => Some(Value::Null),
        }
    }
}

/// A stable 64-bit FNV-1a hash, as 16 hex digits.
pub fn content_hash(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}
