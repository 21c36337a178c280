//! Data files in, records out: a CSV with data-contract columns, or JSON records (one per
//! line, or an array, as the web form and `quire simulate --format json` write them), read
//! as text cells under size limits, then decoded back into a respondent's answers.

use std::collections::HashMap;

use crate::data::{Column, ColumnKind, Paradata};
use crate::eval::{AnswerMap, Value};
use crate::model::{Item, Question, Questionnaire};

/// Limits on untrusted data files (their size is [`crate::input::MAX_DATA_BYTES`]).
pub const MAX_CELL_BYTES: usize = 1 << 20;
/// The most columns a data file may have.
pub const MAX_COLUMNS: usize = 100_000;
/// Records × columns: the table held in memory (a cell costs about 24 bytes before its text).
pub const MAX_CELLS: usize = 20_000_000;
/// How deep JSON values nest (a record is an object of scalars: 2 is enough; arrays of
/// records and answers that are lists take a few more).
pub const MAX_JSON_DEPTH: usize = 16;

/// A data file as text cells: its header and rows (every row as long as the header).
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// The column names.
    pub header: Vec<String>,
    /// The rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Where each column name stands in the header.
    pub fn index(&self) -> HashMap<&str, usize> {
        self.header.iter().enumerate().map(|(i, h)| (h.as_str(), i)).collect()
    }
}

/// Reads a CSV file (RFC 4180, header first; a UTF-8 byte-order mark is skipped). A cell
/// that [`crate::escape::csv_safe`] guarded against spreadsheet formulas is read as given.
pub fn read_csv(text: &str) -> Result<Table, crate::Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| format!("cannot read the CSV header: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    if header.len() > MAX_COLUMNS {
        return Err(crate::Error::from(format!(
            "{} columns is more than the limit of {MAX_COLUMNS}",
            header.len()
        )));
    }
    unique_columns(&header)?;
    let mut rows = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| format!("row {}: {e}", i + 1))?;
        if (rows.len() + 1) * header.len().max(1) > MAX_CELLS {
            return Err(crate::Error::from(cells_over(rows.len() + 1, header.len())));
        }
        if rec.len() != header.len() {
            return Err(crate::Error::from(format!(
                "row {} has {} cells but the header has {} columns",
                i + 1,
                rec.len(),
                header.len()
            )));
        }
        if let Some(c) = rec.iter().position(|c| c.len() > MAX_CELL_BYTES) {
            return Err(crate::Error::from(format!(
                "row {}, column `{}`: a cell over 1 MiB",
                i + 1,
                header[c]
            )));
        }
        // Cells guarded against spreadsheet formulas when written are read as they were given.
        rows.push(rec.iter().map(|c| crate::escape::csv_unguard(c).to_string()).collect());
    }
    Ok(Table { header, rows })
}

/// Reads JSON records: one object per line, one array of objects, or a single record as the
/// web form downloads it. Columns are the keys
/// in the order first seen; numbers keep their written form; null is an empty cell.
pub fn read_json(text: &str) -> Result<Table, crate::Error> {
    from_objects(&json_objects(text)?)
}

/// The records of a JSON data file as objects: an array of records, one record
/// (pretty-printed), or one record per line; nested no deeper than [`MAX_JSON_DEPTH`].
pub fn json_objects(text: &str) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, crate::Error> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    json_depth(trimmed)?;
    let objects: Vec<serde_json::Map<String, serde_json::Value>> = if trimmed.starts_with('[') {
        let items: Vec<serde_json::Value> =
            serde_json::from_str(trimmed).map_err(|e| format!("not a JSON array of records: {e}"))?;
        items
            .into_iter()
            .enumerate()
            .map(|(i, v)| match v {
                serde_json::Value::Object(o) => Ok(o),
                _ => Err(format!("record {} is not a JSON object", i + 1)),
            })
            .collect::<Result<_, _>>()?
    } else if let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(trimmed) {
        // One record, as the web form downloads it (pretty-printed).
        vec![o]
    } else {
        trimmed
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| match serde_json::from_str::<serde_json::Value>(l) {
                Ok(serde_json::Value::Object(o)) => Ok(o),
                Ok(_) => Err(format!("line {}: not a JSON object", i + 1)),
                Err(e) => Err(format!("line {}: {e}", i + 1)),
            })
            .collect::<Result<_, _>>()?
    };
    Ok(objects)
}

/// Where each column of `header` is, by name: made when first needed, as most records match
/// the header without it.
fn index(at: &mut HashMap<String, usize>, header: &[String]) {
    if at.len() < header.len() {
        *at = header.iter().enumerate().map(|(i, h)| (h.clone(), i)).collect();
    }
}

/// Records already parsed as JSON objects (a server's request bodies) as a table, under
/// the same limits as [`read_json`]: columns in order of first appearance, `null` empty,
/// `true`/`false` as 1/0, other values as their JSON.
pub fn from_objects(objects: &[serde_json::Map<String, serde_json::Value>]) -> Result<Table, crate::Error> {
    // Records mostly have the same fields in the same order (a `Map` keeps them sorted):
    // such a record's values are its row as they come, without looking a name up.
    let same = |o: &serde_json::Map<String, serde_json::Value>, header: &[String]| {
        o.len() == header.len() && o.keys().zip(header).all(|(k, h)| k == h)
    };
    let mut header: Vec<String> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for o in objects {
        if same(o, &header) {
            continue;
        }
        if header.is_empty() {
            header = o.keys().cloned().collect();
            continue;
        }
        index(&mut at, &header);
        for k in o.keys() {
            if !at.contains_key(k) {
                at.insert(k.clone(), header.len());
                header.push(k.clone());
            }
        }
    }
    if header.len() > MAX_COLUMNS {
        return Err(crate::Error::from(format!(
            "{} columns is more than the limit of {MAX_COLUMNS}",
            header.len()
        )));
    }
    if objects.len().saturating_mul(header.len()) > MAX_CELLS {
        return Err(crate::Error::from(cells_over(objects.len(), header.len())));
    }
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(b) => i64::from(*b).to_string(),
        // As `Value`'s own text (itoa and ryu), without a serializer in between.
        serde_json::Value::Number(n) => n.to_string(),
        other => other.to_string(),
    };
    let rows = objects
        .iter()
        .map(|o| {
            if same(o, &header) {
                return o.values().map(text).collect();
            }
            index(&mut at, &header);
            let mut row = vec![String::new(); header.len()];
            for (k, v) in o {
                row[at[k]] = text(v);
            }
            row
        })
        .collect();
    Ok(Table { header, rows })
}

/// A header may name a column once: with two, which one holds the answer is a guess.
fn unique_columns(header: &[String]) -> Result<(), String> {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(header.len());
    for (i, h) in header.iter().enumerate() {
        if let Some(first) = seen.insert(h.as_str(), i) {
            return Err(format!(
                "the header names column `{h}` twice (columns {} and {}); remove or rename one, as which holds the answers cannot be known",
                first + 1,
                i + 1
            ));
        }
    }
    Ok(())
}

fn cells_over(rows: usize, columns: usize) -> String {
    format!(
        "{rows} records of {columns} columns is more than the limit of {MAX_CELLS} cells; split the file by audience or by wave"
    )
}

/// Refuses JSON nested deeper than [`MAX_JSON_DEPTH`] before it is parsed (serde_json's
/// own limit is 128 levels, and each level of a hostile file costs memory).
fn json_depth(text: &str) -> Result<(), String> {
    let (mut depth, mut in_string, mut escaped, mut line) = (0usize, false, false, 1usize);
    for b in text.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(format!(
                        "line {line}: JSON nested more than {MAX_JSON_DEPTH} levels deep; a record is one object of answers"
                    ));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'\n' => line += 1,
            _ => {}
        }
    }
    Ok(())
}

/// Reads a data file by its content: JSON when it starts with `{` or `[`, else CSV.
pub fn read(text: &str) -> Result<Table, crate::Error> {
    match text.trim_start_matches('\u{feff}').trim_start().chars().next() {
        Some('{' | '[') => read_json(text),
        _ => read_csv(text),
    }
}

/// A cell as the data contract reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Read {
    /// The not-applicable code.
    NotApplicable,
    /// The missing code.
    Missing,
    /// A value (still text).
    Value(String),
    /// No cell: the column is absent from the file, or the cell is empty.
    Absent,
}

/// What a cell says by the data contract: a missing code, a value, or nothing.
pub fn cell(model: &Questionnaire, text: Option<&str>) -> Read {
    let codes = model.survey.missing_codes;
    let t = match text.map(str::trim) {
        None | Some("") => return Read::Absent,
        Some(t) => t,
    };
    // Only a number can be a missing code: most cells are decided without parsing.
    let code = t
        .as_bytes()
        .first()
        .filter(|b| b.is_ascii_digit() || **b == b'-')
        .and_then(|_| t.parse::<i64>().ok());
    match code {
        Some(c) if c == codes.not_applicable => Read::NotApplicable,
        Some(c) if c == codes.missing => Read::Missing,
        _ => Read::Value(t.to_string()),
    }
}

/// A number as the record writes it: an integer code may be written `2` or `2.0`.
pub fn number(t: &str) -> Option<f64> {
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Why a cell could not be read back as an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreadable {
    /// The column.
    pub column: String,
    /// The cell as written.
    pub text: String,
    /// Why it could not be read.
    pub why: String,
}

/// The questions an audience is asked, by question id and by each of their variables (grid
/// rows).
pub fn questions<'m>(model: &'m Questionnaire, audience: &str) -> HashMap<&'m str, &'m Question> {
    let mut out = HashMap::new();
    for it in model
        .instrument(audience)
        .iter()
        .flat_map(|i| &i.sections)
        .flat_map(|s| &s.items)
    {
        if let Item::Question(q) = it {
            out.insert(q.id.as_str(), q);
            for r in &q.rows {
                out.insert(r.variable.as_str(), q);
            }
        }
    }
    out
}

/// One record's answers as the respondent gave them (codes back to values), its paradata,
/// and the cells that could not be read. `cells` are the record's, one per column of
/// `columns` (None where the file lacks the column). Missing codes read as no answer.
pub fn decode(
    model: &Questionnaire,
    columns: &[Column],
    questions: &HashMap<&str, &Question>,
    audience: &str,
    cells: &[Option<&str>],
) -> (AnswerMap, Paradata, Vec<Unreadable>) {
    let mut raw = AnswerMap::new(audience);
    raw.values.reserve(columns.len());
    let mut bad = Vec::new();
    let mut para = Paradata::default();
    let mut selections: HashMap<&str, (Vec<String>, bool)> = HashMap::new();
    for (c, text) in columns.iter().zip(cells) {
        let read = cell(model, *text);
        let Read::Value(t) = read else {
            continue;
        };
        let mut unreadable = |why: String| {
            bad.push(Unreadable {
                column: c.name.clone(),
                text: t.clone(),
                why,
            })
        };
        let question = questions.get(c.variable.as_str()).copied();
        match &c.kind {
            ColumnKind::Mode => para.mode = Some(t.clone()),
            ColumnKind::Language => para.language = Some(t.clone()),
            ColumnKind::Timestamp if c.name == "started_at" => para.started_at = Some(t.clone()),
            ColumnKind::Timestamp => para.submitted_at = Some(t.clone()),
            ColumnKind::Code { list } => {
                let Some(code) = number(&t).filter(|n| n.fract() == 0.0) else {
                    unreadable("not a code".into());
                    continue;
                };
                // Derived variables are recomputed, not read back; an answer to a question
                // the audience is not asked is left to the routing check.
                if question.is_none() {
                    continue;
                }
                let offered = question.map(|q| {
                    q.options
                        .iter()
                        .find(|o| o.code == code as i64)
                        .map(|o| o.value.clone())
                });
                match offered {
                    Some(Some(v)) => {
                        raw.set(&c.variable, Value::Text(v));
                    }
                    _ => {
                        let known = model
                            .choice_list(list)
                            .is_some_and(|l| l.options.iter().any(|o| o.code == code as i64));
                        unreadable(if known {
                            format!("code {t} is not offered to {audience}")
                        } else {
                            format!("code {t} is not in the list `{list}`")
                        });
                    }
                }
            }
            ColumnKind::Flag { value, .. } => {
                let entry = selections.entry(c.variable.as_str()).or_insert((Vec::new(), false));
                match t.as_str() {
                    "1" | "1.0" => {
                        entry.0.push(value.clone());
                        entry.1 = true;
                    }
                    "0" | "0.0" => entry.1 = true,
                    _ => unreadable("a ticked-option column holds 1 or 0".into()),
                }
            }
            ColumnKind::RowChoice { .. } => match number(&t).filter(|n| n.fract() == 0.0 && *n >= 1.0) {
                Some(n) if question.is_some() => {
                    raw.set(&c.variable, Value::Number(n));
                }
                Some(_) => {}
                None => unreadable("a row number is a whole number from 1".into()),
            },
            ColumnKind::RowFlag { row, .. } => {
                let entry = selections.entry(c.variable.as_str()).or_insert((Vec::new(), false));
                match t.as_str() {
                    "1" | "1.0" => {
                        entry.0.push(row.to_string());
                        entry.1 = true;
                    }
                    "0" | "0.0" => entry.1 = true,
                    _ => unreadable("a ticked-row column holds 1 or 0".into()),
                }
            }
            ColumnKind::Integer | ColumnKind::Number => match number(&t) {
                Some(n) => {
                    raw.set(&c.variable, Value::Number(n));
                }
                None => unreadable("not a number".into()),
            },
            ColumnKind::Date => {
                if crate::data::parse_timestamp(&format!("{t}T00:00:00Z")).is_some() {
                    raw.set(&c.variable, Value::Text(t.clone()));
                } else {
                    unreadable("not a date (YYYY-MM-DD)".into());
                }
            }
            ColumnKind::Text if question.is_some() => {
                raw.set(&c.variable, Value::Text(t.clone()));
            }
            ColumnKind::WriteIn { .. } => {
                raw.set(&c.name, Value::Text(t.clone()));
            }
            _ => {}
        }
    }
    for (var, (picked, _)) in selections {
        // In choice-list order, as the form keeps a selection.
        let order: Vec<String> = questions
            .get(var)
            .filter(|q| q.row_choices.is_none())
            .map(|q| {
                q.options
                    .iter()
                    .map(|o| o.value.clone())
                    .filter(|v| picked.contains(v))
                    .collect()
            })
            .unwrap_or(picked);
        raw.set(var, Value::Selection(order));
    }
    // `today()` is the day the response was started.
    raw.today = para
        .started_at
        .as_deref()
        .filter(|t| crate::data::parse_timestamp(t).is_some())
        .map(|t| t[..10].to_string());
    (raw, para, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records with the same fields, with fewer, with more and in another order all land in
    /// the columns of their names, the header in order of first appearance.
    #[test]
    fn json_records_of_any_shape_become_one_table() {
        let t = read_json(
            r#"{"b": "1", "a": 2}
{"a": null, "b": "3"}
{"c": true}
{"b": "4", "c": [1], "a": "x"}
{"a": 5, "b": "6"}"#,
        )
        .unwrap();
        assert_eq!(t.header, ["a", "b", "c"]);
        assert_eq!(
            t.rows,
            [
                ["2", "1", ""],
                ["", "3", ""],
                ["", "", "1"],
                ["x", "4", "[1]"],
                ["5", "6", ""]
            ]
        );
        let empty = read_json("{}\n{\"a\": 1}").unwrap();
        assert_eq!(
            (empty.header, empty.rows),
            (vec!["a".to_string()], vec![vec![String::new()], vec!["1".to_string()]])
        );
    }
}
