//! A collection platform's export in, data-contract records out (`quire import-data`): an
//! ODK Central or KoboToolbox CSV export of a Quire XForm, or a REDCap records export of a
//! Quire data dictionary, becomes the file `check-data` and `tabulate` read, its routing
//! re-derived by Quire (not applicable -88 and missing -99 by the routing analysis, not by
//! what the platform left blank).
//!
//! Columns are matched by the question's name: ODK Central writes group paths joined by `-`
//! (`consent_section-consent`), Kobo by `/`; REDCap writes checkboxes as `q___<code>`.

use std::collections::HashMap;

use crate::data::records::{self, Table};
use crate::data::{self, Cell, Paradata};
use crate::eval::{AnswerMap, Value};
use crate::model::{QuestionType, Questionnaire};

/// Where an export comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// ODK Central, KoboToolbox, SurveyCTO or Ona (a CSV export of the XForm).
    Odk,
    /// A REDCap records export (raw values).
    Redcap,
}

/// The records, and what could not be read (row, column, why).
#[derive(Debug, Default)]
pub struct Imported {
    /// The records' cells, in the data contract's column order.
    pub rows: Vec<Vec<Cell>>,
    /// (row, column, why) for each cell that could not be read.
    pub problems: Vec<(usize, String, String)>,
    /// With rosters: every unit's table ([`crate::data::units::units`]), the respondents'
    /// first (`rows` holds it too).
    pub tables: Option<Vec<Vec<Vec<Cell>>>>,
}

/// An ISO 8601 time with an offset (`2026-12-01T12:00:00.123+01:00`, or `Z`) as UTC
/// `YYYY-MM-DDThh:mm:ssZ`.
pub fn utc(t: &str) -> Option<String> {
    let t = t.trim();
    // Only ASCII can be a timestamp; the checks below slice by byte.
    if t.len() < 19 || !t.is_ascii() {
        return None;
    }
    let base = data::parse_timestamp(&format!("{}Z", &t[..19]))?;
    let mut rest = &t[19..];
    if let Some(r) = rest.strip_prefix('.') {
        rest = r.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "" | "Z" => 0,
        r if r.len() == 6 && (r.starts_with('+') || r.starts_with('-')) && &r[3..4] == ":" => {
            let (h, m): (i64, i64) = (r[1..3].parse().ok()?, r[4..6].parse().ok()?);
            let s = (h * 60 + m) * 60;
            if r.starts_with('+') { s } else { -s }
        }
        _ => return None,
    };
    Some(data::format_timestamp(base - offset))
}

/// Reads an export into data-contract records for one audience.
///
/// A spec with rosters has one table per unit ([`Imported::tables`]): from REDCap, each
/// roster's rows are the instances of its repeating instrument (`redcap_repeat_instrument`,
/// `redcap_repeat_instance`) on the record's lines, and a roster inside another (REDCap has
/// no nested repeats) the instances whose `<roster>_of` is the outer row's number; from ODK,
/// see [`import_with_repeats`].
pub fn import(
    model: &Questionnaire,
    table: &Table,
    platform: Platform,
    audience: &str,
) -> Result<Imported, crate::Error> {
    import_with_repeats(model, table, &[], platform, audience)
}

/// [`import`], with an ODK Central export's repeat files: each repeat's rows in a CSV of its
/// own, each line's `KEY` ending in the repeat and its number (`…/person[2]`) and its
/// `PARENT_KEY` the submission's `KEY` (or, in a nested repeat, the outer row's).
pub fn import_with_repeats(
    model: &Questionnaire,
    table: &Table,
    repeats: &[Table],
    platform: Platform,
    audience: &str,
) -> Result<Imported, crate::Error> {
    let instrument = model
        .instrument(audience)
        .ok_or_else(|| format!("there is no audience `{audience}`"))?;
    let by_name = names(&table.header, platform);
    let id_column = match platform {
        Platform::Odk => ["instanceID", "KEY", "_uuid"]
            .iter()
            .find_map(|k| by_name.get(*k).copied()),
        Platform::Redcap => by_name.get("record_id").copied(),
    }
    .ok_or("the export has no respondent identifier (instanceID, KEY or record_id)")?;
    let at = |row: &[String], i: Option<usize>| -> String {
        i.and_then(|i| row.get(i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    // Each record's own line, and its instances' lines by (parent, roster), in order; the
    // lines that cannot be placed (file, line, why), reported rather than dropped.
    let mut unplaced: Vec<(usize, usize, String)> = Vec::new();
    let mut records: Vec<(usize, &Vec<String>)> = Vec::new();
    let mut instances: Instances = HashMap::new();
    let main = std::rc::Rc::new(by_name.clone());
    match platform {
        Platform::Redcap => {
            let repeat = by_name.get("redcap_repeat_instrument").copied();
            let instance = by_name.get("redcap_repeat_instance").copied();
            for (r, row) in table.rows.iter().enumerate() {
                let form = at(row, repeat);
                if form.is_empty() {
                    records.push((r, row));
                } else {
                    let n = at(row, instance).parse::<u64>().unwrap_or(u64::MAX);
                    instances
                        .entry((at(row, Some(id_column)), form))
                        .or_default()
                        .push(Line {
                            file: 0,
                            number: n,
                            line: r,
                            cells: row,
                            columns: main.clone(),
                            key: String::new(),
                        });
                }
            }
        }
        Platform::Odk => {
            records = table.rows.iter().enumerate().collect();
            if model.has_rosters() && repeats.is_empty() {
                return Err(
                    "an ODK Central export keeps each repeat in a CSV file of its own (PARENT_KEY, KEY): give them after the main file"
                        .into(),
                );
            }
            for (f, t) in repeats.iter().enumerate() {
                let columns = std::rc::Rc::new(names(&t.header, platform));
                let (Some(key), Some(parent)) = (columns.get("KEY").copied(), columns.get("PARENT_KEY").copied())
                else {
                    return Err(
                        "a repeat's file has no KEY and PARENT_KEY columns (ODK Central's repeat export)".into(),
                    );
                };
                for (r, row) in t.rows.iter().enumerate() {
                    let own = at(row, Some(key));
                    // `uuid:…/household/person[2]`: the repeat and the row's number.
                    let last = own.rsplit('/').next().unwrap_or("");
                    let Some((roster, n)) = last.strip_suffix(']').and_then(|l| l.split_once('[')) else {
                        unplaced.push((f + 1, r, format!("its KEY `{own}` does not end in a repeat and number")));
                        continue;
                    };
                    instances
                        .entry((at(row, Some(parent)), roster.to_string()))
                        .or_default()
                        .push(Line {
                            file: f + 1,
                            number: n.parse().unwrap_or(u64::MAX),
                            line: r,
                            cells: row,
                            columns: columns.clone(),
                            key: own.clone(),
                        });
                }
            }
        }
    }
    for lines in instances.values_mut() {
        lines.sort_by_key(|l| (l.number, l.line));
    }
    let columns = data::columns(model);
    let units = model.has_rosters().then(|| crate::data::units::units(model));
    let mut out = Imported::default();
    let mut per_record = Vec::new();
    let key_column = by_name.get("KEY").copied();
    let used = std::cell::RefCell::new(std::collections::HashSet::new());
    for (r, row) in records {
        let id = row.get(id_column).map(|s| s.trim().to_string()).unwrap_or_default();
        // Where the record's instances hang: REDCap's record id, or ODK's submission KEY.
        let parent = match platform {
            Platform::Redcap => id.clone(),
            Platform::Odk => key_column.map(|k| at(row, Some(k))).unwrap_or_else(|| id.clone()),
        };
        let reader = Reader {
            model,
            platform,
            instances: &instances,
            record: &id,
            used: &used,
        };
        let mut raw = AnswerMap::new(audience);
        let here = Line {
            file: 0,
            number: 0,
            line: r,
            cells: row,
            columns: main.clone(),
            key: parent,
        };
        for s in &instrument.sections {
            reader.items(&s.items, &here, None, &mut raw, &mut out.problems);
        }
        let cell = |name: &str| here.cell(name);
        let paradata = Paradata {
            mode: Some("web".into()),
            language: None,
            started_at: cell("start").and_then(utc),
            submitted_at: cell("end").and_then(utc),
        };
        raw.today = paradata.started_at.as_deref().map(|t| t[..10].to_string());
        let route = model.route(audience, &raw);
        match &units {
            Some(units) => per_record.push(crate::data::units::encode(
                model, units, &id, audience, &route, &raw, &paradata,
            )),
            None => out.rows.push(data::encode_with(
                model, &columns, &id, audience, &route, &raw, &paradata,
            )),
        }
    }
    // Every roster line read into a row, or said why not: no line is lost in silence.
    let used = used.into_inner();
    for ((parent, roster), lines) in &instances {
        for l in lines.iter().filter(|l| !used.contains(&(l.file, l.line))) {
            let why = if model.roster(roster).is_none() {
                format!("`{roster}` is not a roster of the spec")
            } else {
                format!(
                    "its row of `{roster}` belongs to `{parent}`, which is not in the export (or not to a row of it)"
                )
            };
            unplaced.push((l.file, l.line, why));
        }
    }
    unplaced.sort();
    for (file, line, why) in unplaced {
        let column = match (platform, file) {
            (Platform::Redcap, _) => "redcap_repeat_instrument".to_string(),
            (Platform::Odk, 0) => "KEY".to_string(),
            (Platform::Odk, f) => format!("repeat file {f}: PARENT_KEY"),
        };
        out.problems.push((line + 1, column, format!("not read: {why}")));
    }
    if let Some(units) = &units {
        let tables = crate::data::units::collect(per_record, units);
        out.rows = tables.first().cloned().unwrap_or_default();
        out.tables = Some(tables);
    }
    Ok(out)
}

/// Each column by the name of what it holds: the last part of an ODK group path.
fn names(header: &[String], platform: Platform) -> HashMap<String, usize> {
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let name = match platform {
            Platform::Odk => h.rsplit(['-', '/']).next().unwrap_or(h),
            Platform::Redcap => h.as_str(),
        };
        by_name.entry(name.to_string()).or_insert(i);
    }
    by_name
}

/// A line of an export: a record's, or a row's of a roster.
struct Line<'t> {
    /// Its file: 0 the export's, then each repeat file's.
    file: usize,
    /// Its instance number (a record's: 0).
    number: u64,
    /// Its line in its file, from 0.
    line: usize,
    cells: &'t Vec<String>,
    /// Its file's columns by name.
    columns: std::rc::Rc<HashMap<String, usize>>,
    /// Its ODK `KEY`, which its own repeats' lines name as their parent.
    key: String,
}

impl Line<'_> {
    /// The cell of the column named `name`, trimmed; none when absent or blank.
    fn cell(&self, name: &str) -> Option<&str> {
        self.columns
            .get(name)
            .and_then(|&i| self.cells.get(i))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }
}

/// The lines of the instances of each roster, by (parent, roster id): a REDCap record's
/// instances by its record id, an ODK row's by its parent's `KEY`.
type Instances<'t> = HashMap<(String, String), Vec<Line<'t>>>;

/// Reads a record's answers from its line, and its rosters' rows from its instances' lines.
struct Reader<'a> {
    model: &'a Questionnaire,
    platform: Platform,
    instances: &'a Instances<'a>,
    /// The record's id (REDCap's instances hang on it).
    record: &'a str,
    /// The roster lines read so far: (file, line).
    used: &'a std::cell::RefCell<std::collections::HashSet<(usize, usize)>>,
}

impl Reader<'_> {
    /// The answers of `items` on `here` into `raw`; `outer`: the number of the row of the
    /// roster around them, for a REDCap roster flattened out of it.
    fn items(
        &self,
        items: &[crate::model::Item],
        here: &Line,
        outer: Option<usize>,
        raw: &mut AnswerMap,
        problems: &mut Vec<(usize, String, String)>,
    ) {
        let (model, platform) = (self.model, self.platform);
        let r = here.line;
        let cell = |name: &str| here.cell(name);
        for item in items {
            let q = match item {
                crate::model::Item::Question(q) => q,
                crate::model::Item::Roster(roster) => {
                    // REDCap: every instance hangs on the record; ODK: on its parent's KEY.
                    let parent = match platform {
                        Platform::Redcap => self.record.to_string(),
                        Platform::Odk => here.key.clone(),
                    };
                    let lines = self
                        .instances
                        .get(&(parent, roster.id.clone()))
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    let mut rows = Vec::new();
                    for line in lines {
                        // A flattened roster's instance belongs to the outer row it names.
                        if let (Some(k), Platform::Redcap) = (outer, platform) {
                            let owner = line
                                .columns
                                .get(&format!("{}_of", roster.id))
                                .and_then(|&i| line.cells.get(i))
                                .map(|s| s.trim().to_string());
                            if owner.as_deref() != Some(k.to_string().as_str()) {
                                continue;
                            }
                        }
                        self.used.borrow_mut().insert((line.file, line.line));
                        let mut answers = AnswerMap::new(&raw.audience);
                        let number = rows.len() + 1;
                        self.items(&roster.items, line, Some(number), &mut answers, problems);
                        rows.push(answers);
                    }
                    raw.rows.insert(roster.id.clone(), rows);
                    continue;
                }
                _ => continue,
            };
            for var in q.variable_names() {
                let list = q.choice_list.as_deref().and_then(|l| model.choice_list(l));
                let by_code = |code: &str, problems: &mut Vec<(usize, String, String)>| -> Option<String> {
                    let value = code
                        .parse::<i64>()
                        .ok()
                        .and_then(|c| list?.options.iter().find(|o| o.code == c))
                        .map(|o| o.value.clone());
                    if value.is_none() {
                        problems.push((
                            r + 1,
                            var.to_string(),
                            format!("`{code}` is not a code of {}", q.number),
                        ));
                    }
                    value
                };
                let number = |t: &str, problems: &mut Vec<(usize, String, String)>| match records::number(t) {
                    Some(n) => Some(Value::Number(n)),
                    None => {
                        problems.push((r + 1, var.to_string(), format!("`{t}` is not a number")));
                        None
                    }
                };
                let value = match (q.kind, platform) {
                    // A choice among a roster's rows: the row's number (REDCap records one).
                    (QuestionType::Single, _) if q.row_choices.is_some() => cell(var).and_then(|t| number(t, problems)),
                    (QuestionType::Multiple, _) if q.row_choices.is_some() => {
                        cell(var).map(|t| Value::Selection(t.split_whitespace().map(str::to_string).collect()))
                    }
                    (QuestionType::Multiple, Platform::Redcap) => {
                        let picked: Vec<String> = list
                            .map(|l| {
                                l.options
                                    .iter()
                                    .filter(|o| cell(&format!("{var}___{}", o.code)) == Some("1"))
                                    .map(|o| o.value.clone())
                                    .collect()
                            })
                            .unwrap_or_default();
                        Some(Value::Selection(picked))
                    }
                    (QuestionType::Multiple, Platform::Odk) => cell(var).map(|codes| {
                        Value::Selection(codes.split_whitespace().filter_map(|c| by_code(c, problems)).collect())
                    }),
                    (QuestionType::Single | QuestionType::Grid, _) => {
                        cell(var).and_then(|c| by_code(c, problems)).map(Value::Text)
                    }
                    (QuestionType::Integer | QuestionType::Decimal, _) => cell(var).and_then(|t| number(t, problems)),
                    _ => cell(var).map(|t| Value::Text(t.to_string())),
                };
                if let Some(v) = value {
                    raw.set(var, v);
                }
                if let Some(t) = cell(&data::other_column(var)) {
                    raw.set(&data::other_column(var), Value::Text(t.to_string()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_offsets_become_utc() {
        assert_eq!(
            utc("2026-12-01T12:00:00.123+01:00").as_deref(),
            Some("2026-12-01T11:00:00Z")
        );
        assert_eq!(
            utc("2026-12-01T00:30:00-05:30").as_deref(),
            Some("2026-12-01T06:00:00Z")
        );
        assert_eq!(utc("2026-12-01T12:00:00Z").as_deref(), Some("2026-12-01T12:00:00Z"));
        assert_eq!(utc("yesterday"), None);
    }
}
