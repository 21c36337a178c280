//! The spec as the designer wrote it: typed, every field spanned ([`Sp`]). The same types
//! generate the JSON Schema editors use ([`super::schema`]); [`super::read`] fills them in.

use schemars::JsonSchema;

use crate::source::Span;

/// A value with the span of the YAML node it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Sp<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Sp<T> {
    pub fn new(value: T, span: Span) -> Self {
        Sp { value, span }
    }
}

/// A YAML mapping whose keys the designer chooses (audience ids, list names), in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Entries<T>(pub Vec<(Sp<String>, T)>);

impl<T> Default for Entries<T> {
    fn default() -> Self {
        Entries(Vec::new())
    }
}

/// One item, or a list of them.
#[derive(Debug, Clone, PartialEq)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new())
    }
}

/// A Quire questionnaire specification: one instrument, for one or more audiences.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(title = "Quire questionnaire specification", deny_unknown_fields)]
pub struct Spec {
    /// What the survey is: id, title, version.
    pub survey: Survey,
    /// Respondent groups (e.g. patient, carer, hcp), keyed by audience id. Omit for a single-audience survey.
    #[schemars(default)]
    pub audiences: Entries<Audience>,
    /// The languages the questionnaire is in, the source language first (BCP 47 tags,
    /// e.g. `[en-GB, cy]`). Every respondent-visible text then needs each language, written
    /// inline (`{ en-GB: …, cy: … }`) or in a translation file.
    #[schemars(default)]
    pub languages: Vec<Sp<String>>,
    /// Gettext PO files with translations, by language (`quire translations export` writes
    /// them for translators), relative to the spec.
    #[schemars(default)]
    pub translations: Entries<Sp<String>>,
    /// Reusable choice lists, keyed by list name.
    #[schemars(default)]
    pub choices: Entries<ChoiceList>,
    /// Files whose choice lists and derived variables this spec uses (relative paths).
    #[schemars(default, with = "OneOrMany<String>")]
    pub include: Vec<Sp<String>>,
    /// The questionnaire, section by section, in the order respondents meet it; an entry
    /// `{ include: file }` puts that file's sections there.
    #[schemars(with = "Vec<SectionEntry>")]
    pub sections: Vec<Section>,
    /// Variables computed from answers, for analysis.
    #[schemars(default)]
    pub derived: Vec<Derived>,
}

/// A section, or the sections of another file.
#[derive(JsonSchema)]
#[schemars(untagged)]
#[allow(dead_code)]
enum SectionEntry {
    Section(Box<Section>),
    Include(IncludeEntry),
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct IncludeEntry {
    /// A file of `sections` (and their `choices` and `derived`), relative to this one.
    include: String,
}

#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Survey {
    /// Short identifier, e.g. `concord`.
    pub id: Sp<String>,
    pub title: Text,
    /// Version of this questionnaire, e.g. `1.2.0`; printed on every edition and stored in the data.
    pub version: Sp<String>,
    pub description: Option<Text>,
    /// Default language as a BCP 47 tag, e.g. `en-GB`.
    pub language: Option<Sp<String>>,
    /// How long an unfinished online response is kept for resuming, in hours.
    pub resume_hours: Option<Sp<f64>>,
    /// Codes stored for "not applicable" (routed past) and "missing" (asked, not answered).
    pub missing_codes: Option<MissingCodes>,
    /// Where the web form posts completed responses (JSON).
    pub submit_url: Option<Sp<String>>,
    /// Without `submit_url`: where respondents return the answers they download, e.g.
    /// "the study team at concord@example.ac.uk".
    pub return_to: Option<Text>,
}

#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct MissingCodes {
    /// Default -88.
    pub not_applicable: Option<Sp<i64>>,
    /// Default -99.
    pub missing: Option<Sp<i64>>,
}

#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Audience {
    /// Name of the group, e.g. "Parents and carers".
    pub label: Sp<String>,
    pub description: Option<Sp<String>>,
    /// Words used in templated text: `{you}` in a question becomes this audience's `you`.
    #[schemars(default)]
    pub terms: Entries<Sp<String>>,
}

/// One string for every audience, or one per audience (keys: audience ids, or `default`).
///
/// As text a respondent sees: `{term}` inserts an audience term; `${question}` pipes in an
/// earlier answer (`${question|fallback}` gives the wording used where the answer cannot be
/// known, e.g. on paper). As a condition: an expression.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(untagged)]
pub enum Text {
    One(Sp<String>),
    /// Keyed by audience id (`default` applies to audiences not listed), or, in a spec with
    /// `languages`, by language.
    PerAudience(Entries<Sp<String>>),
    /// Keyed by language, each a text or per-audience texts:
    /// `{ en: { patient: …, carer: … }, cy: { patient: …, carer: … } }`.
    PerLanguage(Entries<Text>),
}

impl Text {
    /// Where the text is written, for diagnostics about it as a whole.
    pub fn span(&self) -> Span {
        match self {
            Text::One(s) => s.span,
            Text::PerAudience(m) => m.0.first().map(|(k, _)| k.span).unwrap_or_default(),
            Text::PerLanguage(m) => m.0.first().map(|(k, _)| k.span).unwrap_or_default(),
        }
    }
}

/// An answer option.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Choice {
    /// Numeric code stored in the data; keep it stable across versions.
    pub code: Sp<i64>,
    /// Short name used in expressions, e.g. `yes`.
    pub value: Sp<String>,
    pub label: Text,
    /// Ticking this clears every other option ("None of these").
    #[schemars(default)]
    pub exclusive: Option<Sp<bool>>,
    /// Adds a write-in ("Other, please specify").
    #[schemars(default)]
    pub other: Option<Sp<bool>>,
    /// Marks a declared non-substantive answer, coded as such in the codebook.
    pub nonsubstantive: Option<Sp<NonSubstantive>>,
    /// Offer this choice only to these audiences (default: all who see the question).
    pub audiences: Option<Vec<Sp<String>>>,
    /// The choice's score, read by `score(q)` and `sum_score(grid)` (PHQ-9: 0–3).
    pub score: Option<Sp<f64>>,
}

/// A choice list: its options, or `{ ordered: true, options: [...] }` for an ordered scale.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(untagged)]
pub enum ChoiceList {
    Plain(Vec<Choice>),
    Declared(DeclaredList),
}

/// A choice list with properties of its own.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct DeclaredList {
    /// The options are in order (a frequency or agreement scale), so `<`, `<=`, `>`, `>=`
    /// compare an answer with one of them.
    pub ordered: Option<Sp<bool>>,
    pub options: Vec<Choice>,
}

impl ChoiceList {
    pub fn options(&self) -> &[Choice] {
        match self {
            ChoiceList::Plain(v) => v,
            ChoiceList::Declared(d) => &d.options,
        }
    }

    pub fn ordered(&self) -> bool {
        matches!(self, ChoiceList::Declared(DeclaredList { ordered: Some(o), .. }) if o.value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema, serde::Serialize)]
#[schemars(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum NonSubstantive {
    Unsure,
    DontKnow,
    PreferNotToSay,
}

impl NonSubstantive {
    pub const NAMES: [&'static str; 3] = ["unsure", "dont_know", "prefer_not_to_say"];

    pub(super) fn from_name(s: &str) -> Option<Self> {
        match s {
            "unsure" => Some(Self::Unsure),
            "dont_know" => Some(Self::DontKnow),
            "prefer_not_to_say" => Some(Self::PreferNotToSay),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Section {
    pub id: Sp<String>,
    pub title: Text,
    pub intro: Option<Text>,
    /// Audiences this section is for (default: all).
    pub audiences: Option<Vec<Sp<String>>>,
    /// Ask the whole section only when this expression holds (one, or one per audience).
    pub ask_if: Option<Text>,
    pub items: Vec<Item>,
}

/// A question, or a block of text, definitions or a screening rule.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(untagged)]
#[allow(clippy::large_enum_variant)]
pub enum Item {
    Question(Question),
    Note(Note),
    Definitions(Definitions),
    Screen(Screen),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema, serde::Serialize)]
#[schemars(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum QuestionType {
    /// Pick one option.
    Single,
    /// Tick any number of options (`min_selected` / `max_selected`).
    Multiple,
    /// Short free text.
    Text,
    /// Long free text.
    LongText,
    /// Whole number (`min`, `max`, `unit`).
    Integer,
    /// Number with decimals (`decimals`, `min`, `max`, `unit`).
    Decimal,
    /// Calendar date.
    Date,
    /// Several rows answered on one shared scale of choices.
    Grid,
}

impl QuestionType {
    pub const NAMES: [&'static str; 8] = [
        "single",
        "multiple",
        "text",
        "long_text",
        "integer",
        "decimal",
        "date",
        "grid",
    ];

    /// The type written `s` in a spec (`single`, `long_text`, …).
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "single" => Self::Single,
            "multiple" => Self::Multiple,
            "text" => Self::Text,
            "long_text" => Self::LongText,
            "integer" => Self::Integer,
            "decimal" => Self::Decimal,
            "date" => Self::Date,
            "grid" => Self::Grid,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The type in words, e.g. "single-choice".
    pub fn describe(self) -> &'static str {
        [
            "single-choice",
            "multiple-choice",
            "text",
            "long text",
            "integer",
            "decimal",
            "date",
            "grid",
        ][self as usize]
    }

    pub fn has_choices(self) -> bool {
        matches!(self, Self::Single | Self::Multiple | Self::Grid)
    }

    /// Whether a question of this type takes `key` ([`Question::KEYS`]).
    pub fn takes(self, key: &str) -> bool {
        Question::KEYS.contains(&key)
            && Question::TYPE_KEYS
                .iter()
                .find(|(k, ..)| *k == key)
                .is_none_or(|(_, types, _)| types.contains(&self))
    }
}

impl Question {
    /// Every key a question may have, in the order the reader takes them: the one list the
    /// reader, the checker's "does not apply" rule and the editor's completion share (the
    /// JSON Schema, made from the struct, is tested against it).
    pub const KEYS: [&'static str; 22] = [
        "id",
        "type",
        "text",
        "label",
        "hint",
        "required",
        "audiences",
        "ask_if",
        "ask_if_text",
        "validate",
        "probes",
        "interviewer",
        "choices",
        "min_selected",
        "max_selected",
        "min",
        "max",
        "unit",
        "decimals",
        "max_length",
        "rows",
        "provenance",
    ];

    /// The keys only some types take: the key, those types, and them in words (for "only
    /// for …" in the checker's message). Every other key applies to every type.
    pub const TYPE_KEYS: [(&'static str, &'static [QuestionType], &'static str); 9] = {
        use QuestionType as T;
        [
            ("choices", &[T::Single, T::Multiple, T::Grid], "choice questions"),
            ("min_selected", &[T::Multiple], "multiple-choice questions"),
            ("max_selected", &[T::Multiple], "multiple-choice questions"),
            ("min", &[T::Integer, T::Decimal], "integer and decimal questions"),
            ("max", &[T::Integer, T::Decimal], "integer and decimal questions"),
            ("unit", &[T::Integer, T::Decimal], "integer and decimal questions"),
            ("decimals", &[T::Decimal], "decimal questions"),
            ("max_length", &[T::Text, T::LongText], "text questions"),
            ("rows", &[T::Grid], "grid questions"),
        ]
    };
}

#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Question {
    /// Variable name: a letter, then letters, digits or `_`; at most 32 characters.
    pub id: Sp<String>,
    #[schemars(rename = "type")]
    pub kind: Sp<QuestionType>,
    pub text: Text,
    /// Short variable label for the codebook (default: the question text).
    pub label: Option<Sp<String>>,
    pub hint: Option<Text>,
    #[schemars(default)]
    pub required: Option<Sp<bool>>,
    /// Audiences asked this question (default: the section's).
    pub audiences: Option<Vec<Sp<String>>>,
    /// Ask only when this expression holds (one, or one per audience).
    pub ask_if: Option<Text>,
    /// The condition as paper and the interviewer say it ("if you ticked any box other than
    /// 'Not at all' in Q1–Q9"), instead of the generated wording; `ask_if` stays the rule.
    pub ask_if_text: Option<Text>,
    #[schemars(default)]
    pub validate: OneOrMany<Validation>,
    /// Think-aloud prompts for cognitive interviews.
    #[schemars(default)]
    pub probes: Vec<Text>,
    /// Instruction for a telephone or face-to-face interviewer.
    pub interviewer: Option<Text>,
    /// A named choice list, or the options themselves.
    pub choices: Option<ChoiceSource>,
    pub min_selected: Option<Sp<i64>>,
    pub max_selected: Option<Sp<i64>>,
    pub min: Option<Sp<f64>>,
    pub max: Option<Sp<f64>>,
    pub unit: Option<Text>,
    pub decimals: Option<Sp<i64>>,
    pub max_length: Option<Sp<i64>>,
    /// Grid rows; each becomes the variable `<id>_<row id>`.
    #[schemars(default)]
    pub rows: Vec<GridRow>,
    /// Where the question comes from, when it is not the source instrument as published.
    pub provenance: Option<Provenance>,
    /// Set when `type` or `text` could not be read (already reported): the question is kept
    /// so later references to it do not cascade into more errors.
    #[schemars(skip)]
    pub incomplete: bool,
}

#[derive(Debug, Clone, JsonSchema)]
#[schemars(untagged)]
pub enum ChoiceSource {
    Named(Sp<String>),
    Inline(ChoiceList),
}

#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct GridRow {
    pub id: Sp<String>,
    pub label: Text,
    /// The row's own item number as the instrument prints it (PHQ-9's items 1–9), shown
    /// before its label on paper and on the web.
    pub number: Option<Sp<String>>,
}

#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Validation {
    /// Must hold for the answer to be accepted (checked only when the question is answered).
    pub check: Sp<String>,
    /// Shown to the respondent when it does not hold.
    pub message: Text,
    /// `error` (default): the answer is refused until the rule holds. `warning`: a soft
    /// check the respondent may confirm and go on ("That is a lot of visits; please check").
    pub severity: Option<Sp<Severity>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, JsonSchema, serde::Serialize)]
#[schemars(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The answer is refused until the rule holds.
    #[default]
    Error,
    /// The respondent is asked to check the answer and may confirm it as it is.
    Warning,
}

impl Severity {
    pub const NAMES: [&'static str; 2] = ["error", "warning"];

    pub(super) fn from_name(s: &str) -> Option<Self> {
        match s {
            "error" => Some(Self::Error),
            "warning" => Some(Self::Warning),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum NoteType {
    Note,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum DefinitionsType {
    Definitions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum ScreenType {
    Screen,
}

/// Text shown between questions.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Note {
    #[schemars(rename = "type")]
    pub kind: Sp<NoteType>,
    pub id: Option<Sp<String>>,
    pub title: Option<Text>,
    pub text: Text,
    pub audiences: Option<Vec<Sp<String>>>,
    pub ask_if: Option<Text>,
}

/// Key terms and their definitions, set apart (e.g. care coordinator, specialist centre).
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Definitions {
    #[schemars(rename = "type")]
    pub kind: Sp<DefinitionsType>,
    pub id: Option<Sp<String>>,
    pub title: Option<Text>,
    pub audiences: Option<Vec<Sp<String>>>,
    pub ask_if: Option<Text>,
    pub terms: Vec<Definition>,
}

#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Definition {
    pub term: Text,
    pub definition: Text,
}

/// Ends the survey, with a message, when an expression holds (e.g. not eligible, no consent).
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Screen {
    #[schemars(rename = "type")]
    pub kind: Sp<ScreenType>,
    pub id: Option<Sp<String>>,
    pub end_if: Sp<String>,
    pub message: Text,
    pub audiences: Option<Vec<Sp<String>>>,
}

/// A variable computed from answers: one expression, or cases mapped to choice values.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Derived {
    pub id: Sp<String>,
    pub label: Sp<String>,
    pub description: Option<Sp<String>>,
    pub audiences: Option<Vec<Sp<String>>>,
    /// A number or true/false computed from answers.
    pub expr: Option<Sp<String>>,
    /// A number (an expression, usually a score) that `cases` band by `from`/`to`.
    pub band: Option<Sp<String>>,
    /// The first case whose `when` holds (or, with `band`, whose `from`–`to` range holds
    /// the banded number) gives the value; none holding gives missing.
    #[schemars(default)]
    pub cases: Vec<Case>,
    /// The values `cases` may give, with codes and labels.
    pub choices: Option<ChoiceSource>,
    pub provenance: Option<Provenance>,
}

impl Spec {
    /// Every text a respondent (or interviewer) reads, in questionnaire order: what a
    /// translation covers. Conditions are not texts.
    pub fn texts(&self) -> Vec<&Text> {
        let mut out: Vec<&Text> = vec![&self.survey.title];
        out.extend(self.survey.description.iter());
        out.extend(self.survey.return_to.iter());
        for (_, l) in &self.choices.0 {
            out.extend(l.options().iter().map(|c| &c.label));
        }
        for section in &self.sections {
            out.push(&section.title);
            out.extend(section.intro.iter());
            for item in &section.items {
                match item {
                    Item::Question(q) => {
                        out.push(&q.text);
                        out.extend(q.hint.iter());
                        out.extend(q.ask_if_text.iter());
                        out.extend(q.unit.iter());
                        out.extend(q.interviewer.iter());
                        out.extend(q.probes.iter());
                        if let Some(ChoiceSource::Inline(l)) = &q.choices {
                            out.extend(l.options().iter().map(|c| &c.label));
                        }
                        out.extend(q.rows.iter().map(|r| &r.label));
                        out.extend(q.validate.0.iter().map(|v| &v.message));
                    }
                    Item::Note(n) => {
                        out.extend(n.title.iter());
                        out.push(&n.text);
                    }
                    Item::Definitions(d) => {
                        out.extend(d.title.iter());
                        for t in &d.terms {
                            out.push(&t.term);
                            out.push(&t.definition);
                        }
                    }
                    Item::Screen(sc) => out.push(&sc.message),
                }
            }
        }
        for d in &self.derived {
            if let Some(ChoiceSource::Inline(l)) = &d.choices {
                out.extend(l.options().iter().map(|c| &c.label));
            }
        }
        out
    }
}

impl Derived {
    /// The expression texts it is computed from: `expr`, `band` and each case's `when`.
    pub fn expressions(&self) -> impl Iterator<Item = &Sp<String>> {
        self.expr
            .iter()
            .chain(self.band.iter())
            .chain(self.cases.iter().filter_map(|c| c.when.as_ref()))
    }
}

/// Where a question or derived variable comes from, as data the codebook shows: e.g. a
/// scale reconstructed because the published source reports the question but not its answers.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Provenance {
    pub status: Sp<ProvenanceStatus>,
    /// What was done and why, for analysts and reviewers.
    pub note: Sp<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema, serde::Serialize)]
#[schemars(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ProvenanceStatus {
    /// As the source reports it.
    Reported,
    /// The source reports the question but not its exact wording or answer scale.
    Reconstructed,
    /// Not in the source: added for this instrument.
    Added,
}

impl ProvenanceStatus {
    pub const NAMES: [&'static str; 3] = ["reported", "reconstructed", "added"];

    pub(super) fn from_name(s: &str) -> Option<Self> {
        match s {
            "reported" => Some(Self::Reported),
            "reconstructed" => Some(Self::Reconstructed),
            "added" => Some(Self::Added),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Case {
    /// A condition; or, when the derived variable has `band`, give `from` and `to`.
    pub when: Option<Sp<String>>,
    /// With `band`: the lowest banded value in this case (inclusive; omit for no lower bound).
    pub from: Option<Sp<f64>>,
    /// With `band`: the highest banded value in this case (inclusive; omit for no upper bound).
    pub to: Option<Sp<f64>>,
    pub value: Sp<String>,
}
