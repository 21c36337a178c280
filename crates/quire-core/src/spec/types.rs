//! The spec as the designer wrote it: typed, every field spanned ([`Sp`]). The same types
//! generate the JSON Schema editors use ([`super::schema`]); [`super::read`] fills them in.

use schemars::JsonSchema;

use crate::source::Span;

/// A value with the span of the YAML node it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Where it is written.
    pub span: Span,
}

impl<T> Sp<T> {
    /// A value written at `span`.
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

/// The study: what identifies it and every record collected with it.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Survey {
    /// Short identifier, e.g. `concord`.
    pub id: Sp<String>,
    /// The study's title, as respondents see it.
    pub title: Text,
    /// Version of this questionnaire, e.g. `1.2.0`; printed on every edition and stored in the data.
    pub version: Sp<String>,
    /// What the study is about, shown before the first question and in the codebook.
    pub description: Option<Text>,
    /// Default language as a BCP 47 tag, e.g. `en-GB`.
    pub language: Option<Sp<String>>,
    /// How long an unfinished online response is kept for resuming, in hours.
    pub resume_hours: Option<Sp<f64>>,
    /// How deeply rosters may nest (household → woman → birth is 3); default 3, at most 5.
    pub max_roster_depth: Option<Sp<i64>>,
    /// Codes stored for "not applicable" (routed past) and "missing" (asked, not answered).
    pub missing_codes: Option<MissingCodes>,
    /// Where the web form posts completed responses (JSON).
    pub submit_url: Option<Sp<String>>,
    /// Without `submit_url`: where respondents return the answers they download, e.g.
    /// "the study team at concord@example.ac.uk".
    pub return_to: Option<Text>,
}

/// The codes the data store for answers that are not there.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct MissingCodes {
    /// Default -88.
    pub not_applicable: Option<Sp<i64>>,
    /// Default -99.
    pub missing: Option<Sp<i64>>,
}

/// A respondent group with its own instrument (patients, carers, clinicians).
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Audience {
    /// Name of the group, e.g. "Parents and carers".
    pub label: Sp<String>,
    /// Who the group are, for the codebook.
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
    /// The same text for every audience.
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
    /// Its label, as respondents see it.
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
    /// The options alone.
    Plain(Vec<Choice>),
    /// The options with properties of the list (`ordered`).
    Declared(DeclaredList),
}

/// A choice list with properties of its own.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct DeclaredList {
    /// The options are in order (a frequency or agreement scale), so `<`, `<=`, `>`, `>=`
    /// compare an answer with one of them.
    pub ordered: Option<Sp<bool>>,
    /// The options, in the order they are offered.
    pub options: Vec<Choice>,
}

impl ChoiceList {
    /// The options, in order.
    pub fn options(&self) -> &[Choice] {
        match self {
            ChoiceList::Plain(v) => v,
            ChoiceList::Declared(d) => &d.options,
        }
    }

    /// Whether the options are an ordered scale.
    pub fn ordered(&self) -> bool {
        matches!(self, ChoiceList::Declared(DeclaredList { ordered: Some(o), .. }) if o.value)
    }
}

/// A kind of answer that is not an answer to the question itself, kept apart in every table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema, serde::Serialize)]
#[schemars(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum NonSubstantive {
    /// "Not sure".
    Unsure,
    /// "Don't know".
    DontKnow,
    /// "Prefer not to say".
    PreferNotToSay,
}

impl NonSubstantive {
    /// The names a spec writes, in the variants' order.
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

/// A part of the questionnaire: a page of the web form, a heading on paper.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Section {
    /// Identifier, e.g. `services`; a letter, then letters, digits or `_`.
    pub id: Sp<String>,
    /// Heading of the section.
    pub title: Text,
    /// Text shown before the section's first item.
    pub intro: Option<Text>,
    /// Audiences this section is for (default: all).
    pub audiences: Option<Vec<Sp<String>>>,
    /// Ask the whole section only when this expression holds (one, or one per audience).
    pub ask_if: Option<Text>,
    /// Questions, notes, definitions and screening rules, in order.
    pub items: Vec<Item>,
}

impl Section {
    /// The section's items in questionnaire order, a roster followed by its own items (and
    /// theirs): the order every pass of the checker walks and numbers them in.
    pub fn flat(&self) -> Vec<Placed<'_>> {
        fn walk<'a>(items: &'a [Item], roster: Option<&'a Roster>, depth: usize, out: &mut Vec<Placed<'a>>) {
            for item in items {
                out.push(Placed { item, roster, depth });
                if let Item::Roster(r) = item {
                    walk(&r.items, Some(r), depth + 1, out);
                }
            }
        }
        let mut out = Vec::with_capacity(self.items.len());
        walk(&self.items, None, 0, &mut out);
        out
    }
}

/// An item in [`Section::flat`]'s order, with the roster it is asked in.
#[derive(Debug, Clone, Copy)]
pub struct Placed<'a> {
    /// The item.
    pub item: &'a Item,
    /// The innermost roster holding it; `None` at the section's own level.
    pub roster: Option<&'a Roster>,
    /// How many rosters hold it.
    pub depth: usize,
}

/// A question, or a block of text, definitions or a screening rule.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(untagged)]
#[allow(clippy::large_enum_variant)]
pub enum Item {
    /// A question.
    Question(Question),
    /// Text shown between questions.
    Note(Note),
    /// Key terms and their definitions.
    Definitions(Definitions),
    /// A screening rule: ends the survey when its condition holds.
    Screen(Screen),
    /// A block of items asked once for each row: each person, each condition ticked.
    Roster(Box<Roster>),
}

/// What kind of answer a question takes.
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
    /// The names a spec writes, in the variants' order.
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

    /// The name a spec writes for this type.
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

    /// Whether its answers come from a choice list (single, multiple, grid).
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

/// A question: what is asked, of whom, when, and what answer it takes.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Question {
    /// Variable name: a letter, then letters, digits or `_`; at most 32 characters.
    pub id: Sp<String>,
    /// The question type: single, multiple, text, long_text, integer, decimal, date or grid.
    #[schemars(rename = "type")]
    pub kind: Sp<QuestionType>,
    /// The question as respondents read it.
    pub text: Text,
    /// Short variable label for the codebook (default: the question text).
    pub label: Option<Sp<String>>,
    /// Help shown with the question (e.g. "Include visits by video").
    pub hint: Option<Text>,
    /// The forms insist on an answer (default: false).
    #[schemars(default)]
    pub required: Option<Sp<bool>>,
    /// Audiences asked this question (default: the section's).
    pub audiences: Option<Vec<Sp<String>>>,
    /// Ask only when this expression holds (one, or one per audience).
    pub ask_if: Option<Text>,
    /// The condition as paper and the interviewer say it ("if you ticked any box other than
    /// 'Not at all' in Q1–Q9"), instead of the generated wording; `ask_if` stays the rule.
    pub ask_if_text: Option<Text>,
    /// Checks on the answer: one, or a list.
    #[schemars(default)]
    pub validate: OneOrMany<Validation>,
    /// Think-aloud prompts for cognitive interviews.
    #[schemars(default)]
    pub probes: Vec<Text>,
    /// Instruction for a telephone or face-to-face interviewer.
    pub interviewer: Option<Text>,
    /// A named choice list, or the options themselves.
    pub choices: Option<ChoiceSource>,
    /// Multiple choice: the fewest options to tick.
    pub min_selected: Option<Sp<i64>>,
    /// Multiple choice: the most options to tick.
    pub max_selected: Option<Sp<i64>>,
    /// Numbers: the smallest accepted.
    pub min: Option<Sp<f64>>,
    /// Numbers: the largest accepted.
    pub max: Option<Sp<f64>>,
    /// Numbers: the unit, shown beside the box (e.g. "years").
    pub unit: Option<Text>,
    /// Decimal: the most decimal places an answer may have.
    pub decimals: Option<Sp<i64>>,
    /// Text: the most characters accepted.
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

/// A question's choices: a named list or the options themselves.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(untagged)]
pub enum ChoiceSource {
    /// The id of a list under `choices:`.
    Named(Sp<String>),
    /// The question's own options.
    Inline(ChoiceList),
    /// The rows of a roster asked before: "Who is the head of this household?"
    Rows(RowChoices),
}

/// A question whose options are the rows of a roster, labelled by its `row_label`; the data
/// store the row's number.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RowChoices {
    /// The roster's id, e.g. `person`.
    pub rows: Sp<String>,
}

/// A row of a grid: one statement rated on the grid's choices.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct GridRow {
    /// Row identifier; the row's variable is `<grid id>_<row id>`.
    pub id: Sp<String>,
    /// The row's statement, as respondents read it.
    pub label: Text,
    /// The row's own item number as the instrument prints it (PHQ-9's items 1–9), shown
    /// before its label on paper and on the web.
    pub number: Option<Sp<String>>,
}

/// A check on an answer, with the message shown when it fails.
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

/// How strict a check is.
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
    /// The names a spec writes, in the variants' order.
    pub const NAMES: [&'static str; 2] = ["error", "warning"];

    pub(super) fn from_name(s: &str) -> Option<Self> {
        match s {
            "error" => Some(Self::Error),
            "warning" => Some(Self::Warning),
            _ => None,
        }
    }
}

/// The `type` of a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum NoteType {
    /// `note`.
    Note,
}

/// The `type` of a definitions block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum DefinitionsType {
    /// `definitions`.
    Definitions,
}

/// The `type` of a screening rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum ScreenType {
    /// `screen`.
    Screen,
}

/// The `type` of a roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum RosterType {
    /// `roster`.
    Roster,
}

/// Items asked once for each row of a set (each person in the household, each condition
/// ticked, each admission); its id names the unit its variables describe (docs/spec.md,
/// "Rosters").
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Roster {
    /// Always `roster`.
    #[schemars(rename = "type")]
    pub kind: Sp<RosterType>,
    /// Names the unit, e.g. `person`: its items' answers are the person's; aggregates name it
    /// (`count(person, age >= 15)`).
    pub id: Sp<String>,
    /// Heading of the roster (e.g. "People who live here").
    pub title: Text,
    /// Text shown before the first row.
    pub intro: Option<Text>,
    /// Audiences asked the roster (default: the section's).
    pub audiences: Option<Vec<Sp<String>>>,
    /// Ask the whole roster only when this expression holds (one, or one per audience).
    pub ask_if: Option<Text>,
    /// Where the rows come from: `{ count: EXPR }`, `{ for_each: QUESTION_OR_LIST }` or `open`.
    pub rows: Sp<Rows>,
    /// Open rosters: the fewest rows the respondent must add (default 0).
    pub min_rows: Option<Sp<i64>>,
    /// The most rows, whatever their source (default 40).
    pub max_rows: Option<Sp<i64>>,
    /// The id of a question of the row that names it in headings and choices (e.g. `name`).
    pub row_label: Option<Sp<String>>,
    /// The items asked in each row: questions, notes, definitions, screening rules, rosters.
    pub items: Vec<Item>,
}

impl Roster {
    /// Every key a roster may have: the editor's completion, tested against the JSON Schema.
    pub const KEYS: [&'static str; 11] = [
        "type",
        "id",
        "title",
        "intro",
        "audiences",
        "ask_if",
        "rows",
        "min_rows",
        "max_rows",
        "row_label",
        "items",
    ];
}

/// Where a roster's rows come from.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(untagged, deny_unknown_fields)]
pub enum Rows {
    /// As many rows as an integer expression gives (an earlier answer: `hh_size`).
    Count {
        /// The integer expression, e.g. `hh_size` or `adults + children`.
        count: Sp<String>,
    },
    /// One row per option ticked at a multiple-choice question, or per option of a choice
    /// list, in the list's order.
    ForEach {
        /// The id of a multiple-choice question, or of a list under `choices:`.
        for_each: Sp<String>,
    },
    /// The respondent adds rows until done (`min_rows` to `max_rows`).
    Open(OpenRows),
}

/// The keyword `open`: rows added by the respondent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum OpenRows {
    /// `open`.
    Open,
}

/// Text shown between questions.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Note {
    /// Always `note`.
    #[schemars(rename = "type")]
    pub kind: Sp<NoteType>,
    /// Identifier, for references in reviews and diffs.
    pub id: Option<Sp<String>>,
    /// Heading of the note.
    pub title: Option<Text>,
    /// The text shown.
    pub text: Text,
    /// Audiences shown this note (default: the section's).
    pub audiences: Option<Vec<Sp<String>>>,
    /// Show only when this expression holds (one, or one per audience).
    pub ask_if: Option<Text>,
}

/// Key terms and their definitions, set apart (e.g. care coordinator, specialist centre).
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Definitions {
    /// Always `definitions`.
    #[schemars(rename = "type")]
    pub kind: Sp<DefinitionsType>,
    /// Identifier, for references in reviews and diffs.
    pub id: Option<Sp<String>>,
    /// Heading of the block (e.g. "Some words we use").
    pub title: Option<Text>,
    /// Audiences shown these definitions (default: the section's).
    pub audiences: Option<Vec<Sp<String>>>,
    /// Show only when this expression holds (one, or one per audience).
    pub ask_if: Option<Text>,
    /// The terms and their definitions, in order.
    pub terms: Vec<Definition>,
}

/// A key term and what it means in this questionnaire.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Definition {
    /// The term, as respondents read it.
    pub term: Text,
    /// What it means here.
    pub definition: Text,
}

/// Ends the survey, with a message, when an expression holds (e.g. not eligible, no consent).
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Screen {
    /// Always `screen`.
    #[schemars(rename = "type")]
    pub kind: Sp<ScreenType>,
    /// Identifier, named in the codebook and in a route this rule ends (`ended_by`).
    pub id: Option<Sp<String>>,
    /// End the survey when this expression holds (e.g. `consent == 'no'`).
    pub end_if: Sp<String>,
    /// Shown to the respondent when the survey ends here.
    pub message: Text,
    /// Audiences this rule applies to (default: the section's).
    pub audiences: Option<Vec<Sp<String>>>,
}

/// A variable computed from answers: one expression, or cases mapped to choice values.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Derived {
    /// Variable name: a letter, then letters, digits or `_`.
    pub id: Sp<String>,
    /// Short variable label for the codebook.
    pub label: Sp<String>,
    /// What the variable measures and how, for analysts.
    pub description: Option<Sp<String>>,
    /// Audiences whose records carry it (default: all).
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
    /// Where the variable comes from, when it is not in the source instrument as published.
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
            for placed in section.flat() {
                match placed.item {
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
                    Item::Roster(r) => {
                        out.push(&r.title);
                        out.extend(r.intro.iter());
                    }
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
    /// How the item stands against the published source.
    pub status: Sp<ProvenanceStatus>,
    /// What was done and why, for analysts and reviewers.
    pub note: Sp<String>,
}

/// How an item stands against the published source.
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
    /// The names a spec writes, in the variants' order.
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

/// One case of a derived variable: when it applies and the value it gives.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Case {
    /// A condition; or, when the derived variable has `band`, give `from` and `to`.
    pub when: Option<Sp<String>>,
    /// With `band`: the lowest banded value in this case (inclusive; omit for no lower bound).
    pub from: Option<Sp<f64>>,
    /// With `band`: the highest banded value in this case (inclusive; omit for no upper bound).
    pub to: Option<Sp<f64>>,
    /// The value (from the derived variable's `choices`) this case gives.
    pub value: Sp<String>,
}
