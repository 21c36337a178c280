//! The model in, the response record out: one column per variable (the data contract every
//! backend and the web form share), and the encoding of a respondent's route into a row.
//!
//! docs/data.md is the contract in words. In short: `respondent_id`, `audience`,
//! `spec_version` first; a single choice, grid row or categorical derived variable is one
//! column of codes; a multiple choice is one 0/1 column per option, `<id>_<code>`; an
//! "Other, please specify" adds `<id>_other`; not applicable and missing are the survey's
//! codes (default -88 and -99) in every column, text columns included.

pub mod import;
pub mod records;
pub mod rules;
pub mod simulate;
pub mod tabulate;
/// Test data in one call (the suite, the benchmarks): behind `test-support`.
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod units;
pub mod verify;

use serde::Serialize;

use crate::eval::{Answers, Value};
use crate::model::{QuestionType, Questionnaire, Route, State};

/// One column of the response record.
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    /// Its name in the data files.
    pub name: String,
    /// The model variable this column encodes (question, grid row or derived variable).
    pub variable: String,
    /// What it holds and how it is written.
    #[serde(flatten)]
    pub kind: ColumnKind,
    /// Its variable label.
    pub label: String,
    /// Audiences this column can hold answers for.
    pub audiences: Vec<String>,
}

/// What a column holds, and so how its cells are written and checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ColumnKind {
    /// The response's identifier (primary key).
    RespondentId,
    /// The audience id of the respondent.
    Audience,
    /// The spec version the response was collected with.
    SpecVersion,
    /// The spec's content hash: tells apart two revisions made under one version.
    SpecHash,
    /// A row's number in its roster, from 1: with `respondent_id` and the numbers of the
    /// rows around it, the key of a row of a roster's table ([`units`]).
    RowNumber {
        /// The roster.
        roster: String,
    },
    /// How the response was collected: `web`, `paper` (keyed in) or `telephone`.
    Mode,
    /// The language the respondent answered in (BCP 47).
    Language,
    /// Paradata: a UTC time, `YYYY-MM-DDThh:mm:ssZ` (`started_at`, `submitted_at`).
    Timestamp,
    /// Paradata: whole seconds from `started_at` to `submitted_at`.
    Duration,
    /// Paradata: the share of the questions asked that were answered, 0 to 1.
    Completion,
    /// A choice's code from `list` (single choice, grid row, categorical derived variable).
    Code {
        /// The choice list.
        list: String,
    },
    /// 1 when the option with `code` is ticked at a multiple-choice question, else 0.
    Flag {
        /// The choice list.
        list: String,
        /// The option's code.
        code: i64,
        /// The option's value.
        value: String,
    },
    /// A row chosen among a roster's rows (`choices: { rows: person }`): its number.
    RowChoice {
        /// The roster whose rows are offered.
        roster: String,
    },
    /// 1 when row `row` of the roster is ticked at a multiple choice among its rows, else 0.
    RowFlag {
        /// The roster whose rows are offered.
        roster: String,
        /// The row's number, from 1.
        row: u32,
    },
    /// Free text: a text question or a derived text.
    Text,
    /// The write-in of an "Other, please specify" choice of `list`: text.
    WriteIn {
        /// The choice list.
        list: String,
    },
    /// A whole-number answer.
    Integer,
    /// A decimal answer or derived number.
    Number,
    /// `YYYY-MM-DD`.
    Date,
    /// 1 for true, 0 for false (derived conditions).
    Boolean,
}

impl ColumnKind {
    /// Whether cells are numbers (codes, flags, counts) rather than text.
    pub fn is_numeric(&self) -> bool {
        matches!(self, ColumnKind::RowNumber { .. })
            || !(self.is_identity()
                || matches!(
                    self,
                    ColumnKind::Timestamp | ColumnKind::Text | ColumnKind::WriteIn { .. } | ColumnKind::Date
                ))
    }

    /// The identifying columns every record has, always filled in: never a missing code.
    pub fn is_identity(&self) -> bool {
        matches!(
            self,
            ColumnKind::RespondentId
                | ColumnKind::RowNumber { .. }
                | ColumnKind::Audience
                | ColumnKind::SpecVersion
                | ColumnKind::SpecHash
                | ColumnKind::Mode
                | ColumnKind::Language
        )
    }

    /// Columns about the response rather than its answers (identity and paradata).
    pub fn is_meta(&self) -> bool {
        self.is_identity()
            || matches!(
                self,
                ColumnKind::Timestamp | ColumnKind::Duration | ColumnKind::Completion
            )
    }
}

/// The modes a response can be collected in (the `mode` column).
pub const MODES: [&str; 3] = ["web", "paper", "telephone"];

/// What is known about how a response was collected, beside its answers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Paradata {
    /// `web`, `paper` or `telephone`; `web` when not given.
    pub mode: Option<String>,
    /// The respondent's language; the survey's when not given.
    pub language: Option<String>,
    /// UTC, `YYYY-MM-DDThh:mm:ssZ`.
    pub started_at: Option<String>,
    /// UTC, `YYYY-MM-DDThh:mm:ssZ`.
    pub submitted_at: Option<String>,
}

/// The record's columns, in order.
pub fn columns(model: &Questionnaire) -> Vec<Column> {
    let all: Vec<String> = model.audiences.iter().map(|a| a.id.clone()).collect();
    let meta = |name: &str, kind: ColumnKind, label: &str| Column {
        name: name.to_string(),
        variable: name.to_string(),
        kind,
        label: label.to_string(),
        audiences: all.clone(),
    };
    let mut out = vec![
        meta("respondent_id", ColumnKind::RespondentId, "Respondent identifier"),
        meta("audience", ColumnKind::Audience, "Respondent group"),
        meta("spec_version", ColumnKind::SpecVersion, "Questionnaire version"),
        meta("spec_hash", ColumnKind::SpecHash, "Questionnaire content hash"),
        meta("mode", ColumnKind::Mode, "Mode of collection"),
        meta("language", ColumnKind::Language, "Language of the response"),
        meta("started_at", ColumnKind::Timestamp, "Time the response started (UTC)"),
        meta(
            "submitted_at",
            ColumnKind::Timestamp,
            "Time the response was submitted (UTC)",
        ),
        meta("duration_s", ColumnKind::Duration, "Seconds from start to submission"),
        meta(
            "completion",
            ColumnKind::Completion,
            "Share of the questions asked that were answered",
        ),
    ];
    for v in model.variables.iter().filter(|v| v.unit.is_none()) {
        variable_columns(model, v, &mut out);
    }
    for d in &model.derived {
        let kind = match &d.rule {
            crate::model::DerivedRule::Cases { choice_list, .. } => ColumnKind::Code {
                list: choice_list.clone(),
            },
            crate::model::DerivedRule::Expr { .. } => match d.value_type {
                "bool" => ColumnKind::Boolean,
                "number" => ColumnKind::Number,
                _ => ColumnKind::Text,
            },
        };
        out.push(Column {
            name: d.id.clone(),
            variable: d.id.clone(),
            kind,
            label: d.label.clone(),
            audiences: d.audiences.clone(),
        });
    }
    out
}

/// The columns of one variable (a multiple choice: one per option; an "Other, please
/// specify": its write-in too), pushed onto `out`.
pub(crate) fn variable_columns(model: &Questionnaire, v: &crate::model::Variable, out: &mut Vec<Column>) {
    let list = v.choice_list.as_ref().and_then(|l| model.choice_list(l));
    let col = |name: String, kind: ColumnKind, label: String| Column {
        name,
        variable: v.name.clone(),
        kind,
        label,
        audiences: v.audiences.clone(),
    };
    if let Some((roster, max_rows)) = row_chooser(model, v) {
        if v.kind == QuestionType::Multiple {
            for row in 1..=max_rows {
                out.push(col(
                    format!("{}_{row}", v.name),
                    ColumnKind::RowFlag {
                        roster: roster.clone(),
                        row,
                    },
                    format!("{}: {roster} {row}", v.label),
                ));
            }
        } else {
            out.push(col(v.name.clone(), ColumnKind::RowChoice { roster }, v.label.clone()));
        }
        return;
    }
    match (v.kind, list) {
        (QuestionType::Multiple, Some(list)) => {
            for o in &list.options {
                let label = format!("{}: {}", v.label, first_label(&o.label));
                let mut c = col(
                    option_column(&v.name, o.code),
                    ColumnKind::Flag {
                        list: list.id.clone(),
                        code: o.code,
                        value: o.value.clone(),
                    },
                    label,
                );
                c.audiences.retain(|a| o.audiences.contains(a));
                out.push(c);
            }
        }
        (QuestionType::Single | QuestionType::Grid, Some(list)) => {
            out.push(col(
                v.name.clone(),
                ColumnKind::Code { list: list.id.clone() },
                v.label.clone(),
            ));
        }
        (QuestionType::Integer, _) => out.push(col(v.name.clone(), ColumnKind::Integer, v.label.clone())),
        (QuestionType::Decimal, _) => out.push(col(v.name.clone(), ColumnKind::Number, v.label.clone())),
        (QuestionType::Date, _) => out.push(col(v.name.clone(), ColumnKind::Date, v.label.clone())),
        _ => out.push(col(v.name.clone(), ColumnKind::Text, v.label.clone())),
    }
    if let Some(list) = list.filter(|l| l.options.iter().any(|o| o.other)) {
        out.push(col(
            other_column(&v.name),
            ColumnKind::WriteIn { list: list.id.clone() },
            format!("{}: other, specified", v.label),
        ));
    }
}

/// The roster whose rows a variable's question offers, and that roster's most rows.
fn row_chooser(model: &Questionnaire, v: &crate::model::Variable) -> Option<(String, u32)> {
    if v.choice_list.is_some() || !matches!(v.kind, QuestionType::Single | QuestionType::Multiple) {
        return None;
    }
    let q = model.any_question(&v.question)?;
    let roster = q.row_choices.as_ref()?;
    Some((roster.clone(), model.roster(roster).map_or(0, |r| r.max_rows)))
}

/// The column of one option of a multiple-choice question: `<id>_<code>` (`n` for a minus sign).
pub fn option_column(variable: &str, code: i64) -> String {
    if code < 0 {
        format!("{variable}_n{}", code.unsigned_abs())
    } else {
        format!("{variable}_{code}")
    }
}

/// The write-in column of a question with an "Other, please specify" choice.
pub fn other_column(variable: &str) -> String {
    format!("{variable}_other")
}

fn first_label(w: &[crate::model::Wording]) -> String {
    w.first().map(|w| w.text.plain()).unwrap_or_default()
}

/// One cell of the record, before it is written in a format.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    /// A whole number (a code, a flag, an integer answer).
    Int(i64),
    /// A number with decimals.
    Number(f64),
    /// Text (a text answer, a date, an identifier).
    Text(String),
    /// The not-applicable code.
    NotApplicable,
    /// The missing code.
    Missing,
}

impl Cell {
    /// The cell as CSV text, with the survey's missing codes.
    pub fn render(&self, codes: crate::model::MissingCodes) -> String {
        match self {
            Cell::Int(i) => i.to_string(),
            Cell::Number(n) => crate::expr::format_number(*n),
            Cell::Text(s) => s.clone(),
            Cell::NotApplicable => codes.not_applicable.to_string(),
            Cell::Missing => codes.missing.to_string(),
        }
    }
}

/// Encodes one response: its route through the questionnaire, and the raw write-ins, with
/// no paradata known (times missing, mode `web`).
pub fn encode(
    model: &Questionnaire,
    columns: &[Column],
    respondent: &str,
    audience: &str,
    route: &Route,
    raw: &dyn Answers,
) -> Vec<Cell> {
    encode_with(model, columns, respondent, audience, route, raw, &Paradata::default())
}

/// Encodes one response with what is known of how it was collected.
pub fn encode_with(
    model: &Questionnaire,
    columns: &[Column],
    respondent: &str,
    audience: &str,
    route: &Route,
    raw: &dyn Answers,
    paradata: &Paradata,
) -> Vec<Cell> {
    let time = |t: &Option<String>| match t {
        Some(t) if parse_timestamp(t).is_some() => Cell::Text(t.clone()),
        _ => Cell::Missing,
    };
    columns
        .iter()
        .map(|c| match &c.kind {
            ColumnKind::RespondentId => Cell::Text(respondent.to_string()),
            ColumnKind::Audience => Cell::Text(audience.to_string()),
            ColumnKind::SpecVersion => Cell::Text(model.survey.version.clone()),
            ColumnKind::SpecHash => Cell::Text(model.content_hash.clone()),
            ColumnKind::Mode => Cell::Text(paradata.mode.clone().unwrap_or_else(|| "web".into())),
            ColumnKind::Language => Cell::Text(
                paradata
                    .language
                    .clone()
                    .unwrap_or_else(|| model.survey.language.clone()),
            ),
            ColumnKind::Timestamp if c.name == "started_at" => time(&paradata.started_at),
            ColumnKind::Timestamp => time(&paradata.submitted_at),
            ColumnKind::Duration => match (
                paradata.started_at.as_deref().and_then(parse_timestamp),
                paradata.submitted_at.as_deref().and_then(parse_timestamp),
            ) {
                (Some(a), Some(b)) if b >= a => Cell::Int(b - a),
                _ => Cell::Missing,
            },
            ColumnKind::Completion => completion(model, route).map(Cell::Number).unwrap_or(Cell::Missing),
            _ => answer_cell(model, c, audience, &route.states, &[&route.rows], raw),
        })
        .collect()
}

/// The cell of one answer column (not identity or paradata) for `audience`, given the
/// states a route found for the level the column belongs to (the respondent's, or one
/// row's) and what was entered there (the write-ins). `rows` are the routed rows of that
/// level and of those around it, innermost first: a row that does not exist cannot be
/// chosen, so its flag is not applicable.
pub(crate) fn answer_cell(
    model: &Questionnaire,
    c: &Column,
    audience: &str,
    states: &std::collections::BTreeMap<String, State>,
    rows: &[&std::collections::BTreeMap<String, Vec<crate::model::RowRoute>>],
    raw: &dyn Answers,
) -> Cell {
    let state = states.get(&c.variable);
    match &c.kind {
        // Not offered to this audience (a whole question, or one option of it).
        _ if !c.audiences.iter().any(|a| a == audience) => Cell::NotApplicable,
        ColumnKind::RowFlag { roster, row }
            if rows
                .iter()
                .find_map(|level| level.get(roster))
                .is_none_or(|routed| routed.len() < *row as usize) =>
        {
            Cell::NotApplicable
        }
        ColumnKind::WriteIn { list } => {
            // A write-in is asked only when its question's "other" choice was taken.
            let others = model
                .choice_list(list)
                .map(|l| {
                    l.options
                        .iter()
                        .filter(|o| o.other)
                        .map(|o| o.value.as_str())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            // When the question has no answer, whether "other" would have been chosen
            // is unknown: the write-in is missing, not "not applicable".
            let chose_other = match state {
                Some(State::Answered(Value::Text(t))) => Some(others.contains(&t.as_str())),
                Some(State::Answered(Value::Selection(s))) => Some(s.iter().any(|v| others.contains(&v.as_str()))),
                Some(State::Missing | State::Unknown) => None,
                _ => Some(false),
            };
            match (chose_other, raw.value(&c.name).normalised()) {
                (Some(false), _) => Cell::NotApplicable,
                (Some(true), Value::Text(t)) => Cell::Text(t),
                _ => Cell::Missing,
            }
        }
        kind => match state {
            None | Some(State::NotApplicable) => Cell::NotApplicable,
            // Unknown eligibility is coded as missing (docs/data.md, "Eligibility").
            Some(State::Missing | State::Unknown) => Cell::Missing,
            Some(State::Answered(value)) => answered(model, kind, value),
        },
    }
}

/// The share of the questions asked that were answered: over the question variables (grid
/// rows one each) coded as answered or missing, those answered, to three decimals. None when
/// nothing was asked.
pub fn completion(model: &Questionnaire, route: &Route) -> Option<f64> {
    let (mut asked, mut answered) = (0u32, 0u32);
    for v in &model.variables {
        match route.states.get(&v.name) {
            Some(State::Answered(_)) => {
                asked += 1;
                answered += 1;
            }
            Some(State::Missing | State::Unknown) => asked += 1,
            _ => {}
        }
    }
    (asked > 0).then(|| (f64::from(answered) * 1000.0 / f64::from(asked)).round() / 1000.0)
}

/// Seconds since 1970 of a UTC time written `YYYY-MM-DDThh:mm:ssZ` (the record's form);
/// None for anything else.
pub fn parse_timestamp(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = t.get(r)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&mo) || d < 1 || d > days_in[(mo - 1) as usize] || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    Some(crate::eval::days((y, mo, d)) * 86_400 + h * 3600 + mi * 60 + s)
}

fn answered(model: &Questionnaire, kind: &ColumnKind, value: &Value) -> Cell {
    let code_of = |list: &str, v: &str| model.choice_list(list).and_then(|l| l.get(v)).map(|o| o.code);
    match (kind, value) {
        (ColumnKind::Code { list }, Value::Text(v)) => code_of(list, v).map(Cell::Int).unwrap_or(Cell::Missing),
        (ColumnKind::Flag { value, .. }, Value::Selection(picked)) => Cell::Int(i64::from(picked.contains(value))),
        (ColumnKind::RowChoice { .. }, Value::Number(n)) => Cell::Int(*n as i64),
        (ColumnKind::RowFlag { row, .. }, Value::Selection(picked)) => Cell::Int(i64::from(
            picked.iter().any(|p| p.parse::<f64>().ok() == Some(f64::from(*row))),
        )),
        (ColumnKind::Integer, Value::Number(n)) => Cell::Int(*n as i64),
        (ColumnKind::Number, Value::Number(n)) => Cell::Number(*n),
        (ColumnKind::Boolean, Value::Bool(b)) => Cell::Int(i64::from(*b)),
        (ColumnKind::Text | ColumnKind::Date, Value::Text(t)) => Cell::Text(t.clone()),
        (ColumnKind::Text, Value::Number(n)) => Cell::Text(crate::expr::format_number(*n)),
        _ => Cell::Missing,
    }
}

/// Writes records as CSV (RFC 4180), header first.
///
/// Text answers that a spreadsheet would run as a formula are written with a leading `'`
/// ([`crate::escape::csv_safe`]; [`records::read_csv`] takes it off again); [`to_csv_raw`]
/// writes them as given.
pub fn to_csv(model: &Questionnaire, columns: &[Column], rows: &[Vec<Cell>]) -> String {
    csv_with(model, columns, rows, true)
}

/// [`to_csv`] with every text answer exactly as given (for tools that must read raw values).
pub fn to_csv_raw(model: &Questionnaire, columns: &[Column], rows: &[Vec<Cell>]) -> String {
    csv_with(model, columns, rows, false)
}

fn csv_with(model: &Questionnaire, columns: &[Column], rows: &[Vec<Cell>], guard: bool) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = w.write_record(columns.iter().map(|c| c.name.as_str()));
    for row in rows {
        let _ = w.write_record(row.iter().map(|c| match c {
            Cell::Text(t) if guard => crate::escape::csv_safe(t),
            c => c.render(model.survey.missing_codes),
        }));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Writes records as JSON lines: one object per record, numbers for numeric columns and
/// text for the rest, as the web form sends its record.
pub fn to_json_lines(model: &Questionnaire, columns: &[Column], rows: &[Vec<Cell>]) -> String {
    let codes = model.survey.missing_codes;
    let mut out = String::new();
    for row in rows {
        let mut o = serde_json::Map::new();
        for (c, cell) in columns.iter().zip(row) {
            o.insert(c.name.clone(), json_cell(c, cell, codes));
        }
        out.push_str(&serde_json::Value::Object(o).to_string());
        out.push('\n');
    }
    out
}

/// A cell as JSON: a number in a numeric column, else text.
pub(crate) fn json_cell(c: &Column, cell: &Cell, codes: crate::model::MissingCodes) -> serde_json::Value {
    let text = cell.render(codes);
    if c.kind.is_numeric() {
        serde_json::from_str::<serde_json::Value>(&text).unwrap_or(serde_json::Value::String(text))
    } else {
        serde_json::Value::String(text)
    }
}

/// Plausible paradata for the `i`th synthetic response: web, started within the study's
/// five months of 2019, 4 to 40 minutes long, every tenth one without a submission time.
pub fn synthetic_paradata(i: usize, seed: u64) -> Paradata {
    let h = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed;
    let start = 1_564_617_600 + (h % (150 * 86_400)) as i64; // 2019-08-01 onwards
    let length = 240 + ((h >> 20) % 2_160) as i64;
    Paradata {
        mode: None,
        language: None,
        started_at: Some(format_timestamp(start)),
        submitted_at: (i % 10 != 9).then(|| format_timestamp(start + length)),
    }
}

/// A time in seconds since 1970 as `YYYY-MM-DDThh:mm:ssZ`.
pub fn format_timestamp(t: i64) -> String {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    // Civil date from days (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_and_write_back() {
        for t in [0, 951_782_400, 1_564_617_600, 1_609_459_199, 4_102_444_800] {
            assert_eq!(
                parse_timestamp(&format_timestamp(t)),
                Some(t),
                "{}",
                format_timestamp(t)
            );
        }
        assert_eq!(format_timestamp(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(parse_timestamp("2019-08-01T00:00:00Z"), Some(1_564_617_600));
        for bad in [
            "2019-02-29T00:00:00Z",
            "2019-08-01T24:00:00Z",
            "2019-08-01 00:00:00Z",
            "2019-08-01T00:00:00.000Z",
            "-99",
            "",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }
}
