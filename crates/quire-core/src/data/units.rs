//! The long layout of a questionnaire with rosters: one table per unit of observation.
//!
//! The respondent's table is the record of [`data::columns`](crate::data::columns); each
//! roster adds a table of its own, named by its id (`person`, `birth`), one line per row:
//! keyed by `respondent_id` and the row numbers down to its own (`person`, then `birth`),
//! then the columns of the roster's variables, written as the respondent's are. A row that
//! does not exist is absent, never a line of not-applicable codes; a roster not asked has
//! no rows. docs/data.md ("Rosters") is the contract in words.

use std::collections::BTreeMap;

use crate::data::{Cell, Column, ColumnKind, Paradata, answer_cell, columns, encode_with, json_cell, variable_columns};
use crate::eval::Answers;
use crate::model::{Questionnaire, Route, RowRoute};

/// The respondents' table's name in a folder of tables (`responses.csv`, as the flat layout
/// names its one file).
pub const RESPONSES: &str = "responses";

/// One table of the long layout.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Its name: [`RESPONSES`], or the roster's id.
    pub name: String,
    /// The rosters from the outermost down to this table's own (empty: the respondent's).
    pub path: Vec<String>,
    /// The table its rows belong to (its place in [`units`]); none for the respondent's.
    pub parent: Option<usize>,
    /// Its columns: the key (`respondent_id`, then a row number per roster of `path`) first.
    pub columns: Vec<Column>,
    /// The most rows a respondent (or a parent row) has in it: its roster's `max_rows`
    /// (the respondents' table: 1).
    pub max_rows: u32,
}

impl Unit {
    /// How many of its columns are the key.
    pub fn key_len(&self) -> usize {
        1 + self.path.len()
    }

    /// The roster whose rows it holds (none: the respondent's table).
    pub fn roster(&self) -> Option<&str> {
        self.path.last().map(String::as_str)
    }
}

/// The tables whose rows belong to table `u`'s (its rosters' tables), with their places.
pub fn children(units: &[Unit], u: usize) -> impl Iterator<Item = (usize, &Unit)> {
    units.iter().enumerate().filter(move |(_, c)| c.parent == Some(u))
}

/// The respondents' table alone: the flat layout, as one table of [`units`].
pub fn responses(columns: Vec<Column>) -> Unit {
    Unit {
        name: RESPONSES.to_string(),
        path: Vec::new(),
        parent: None,
        columns,
        max_rows: 1,
    }
}

/// The tables of `model`: the respondent's first, then each roster's, outer before inner.
pub fn units(model: &Questionnaire) -> Vec<Unit> {
    let mut out = vec![responses(columns(model))];
    let all: Vec<String> = model.audiences.iter().map(|a| a.id.clone()).collect();
    for (roster, around) in model.rosters() {
        let parent = around
            .and_then(|p| out.iter().position(|u| u.roster() == Some(p)))
            .unwrap_or(0);
        let mut path = out[parent].path.clone();
        path.push(roster.id.clone());
        let key = |name: &str, kind: ColumnKind, label: String| Column {
            name: name.to_string(),
            variable: name.to_string(),
            kind,
            label,
            audiences: all.clone(),
        };
        let mut cols = vec![key(
            "respondent_id",
            ColumnKind::RespondentId,
            "Respondent identifier".into(),
        )];
        for r in &path {
            cols.push(key(
                r,
                ColumnKind::RowNumber { roster: r.clone() },
                format!("Row number in {r}"),
            ));
        }
        for v in model
            .variables
            .iter()
            .filter(|v| v.unit.as_deref() == Some(roster.id.as_str()))
        {
            variable_columns(model, v, &mut cols);
        }
        out.push(Unit {
            name: roster.id.clone(),
            path,
            parent: Some(parent),
            columns: cols,
            max_rows: roster.max_rows,
        });
    }
    out
}

/// One response in the long layout: for each table of `units`, its lines (the respondent's
/// table: one).
pub fn encode(
    model: &Questionnaire,
    units: &[Unit],
    respondent: &str,
    audience: &str,
    route: &Route,
    raw: &dyn Answers,
    paradata: &Paradata,
) -> Vec<Vec<Vec<Cell>>> {
    let mut out = encode_rows(model, units, respondent, audience, route, raw);
    if let (Some(first), Some(u)) = (out.first_mut(), units.first()) {
        *first = vec![encode_with(
            model, &u.columns, respondent, audience, route, raw, paradata,
        )];
    }
    out
}

/// [`encode`] of the roster tables only (the respondents' table left empty): what a check
/// that has encoded the respondent's line already needs.
pub fn encode_rows(
    model: &Questionnaire,
    units: &[Unit],
    respondent: &str,
    audience: &str,
    route: &Route,
    raw: &dyn Answers,
) -> Vec<Vec<Vec<Cell>>> {
    units
        .iter()
        .map(|u| {
            let mut lines = Vec::new();
            if !u.path.is_empty() {
                let mut key = Vec::with_capacity(u.path.len());
                let mut levels = vec![&route.rows];
                rows_of(
                    model,
                    u,
                    &u.path,
                    &mut levels,
                    raw,
                    audience,
                    respondent,
                    &mut key,
                    &mut lines,
                );
            }
            lines
        })
        .collect()
}

/// The lines of `unit` under one level: its roster's rows when `path` is down to it, else
/// the rows of the next roster on the way, each walked in turn. `levels` are the routed
/// rows of the levels walked so far, outermost first.
#[allow(clippy::too_many_arguments)]
fn rows_of<'r>(
    model: &Questionnaire,
    unit: &Unit,
    path: &[String],
    levels: &mut Vec<&'r BTreeMap<String, Vec<RowRoute>>>,
    raw: &dyn Answers,
    audience: &str,
    respondent: &str,
    key: &mut Vec<i64>,
    lines: &mut Vec<Vec<Cell>>,
) {
    let Some((roster, rest)) = path.split_first() else {
        return;
    };
    let routed: &'r [RowRoute] = levels
        .last()
        .and_then(|rows| rows.get(roster))
        .map(Vec::as_slice)
        .unwrap_or_default();
    let entered = raw.rows(roster).unwrap_or_default();
    let empty = crate::eval::AnswerMap::new(audience);
    for (i, row) in routed.iter().enumerate() {
        let row_raw: &dyn Answers = entered.get(i).map_or(&empty, |r| r.as_ref());
        key.push(i as i64 + 1);
        levels.push(&row.rows);
        if rest.is_empty() {
            let mut line = Vec::with_capacity(unit.columns.len());
            line.push(Cell::Text(respondent.to_string()));
            line.extend(key.iter().map(|k| Cell::Int(*k)));
            let innermost_first: Vec<&BTreeMap<String, Vec<RowRoute>>> = levels.iter().rev().copied().collect();
            for c in &unit.columns[unit.key_len()..] {
                line.push(answer_cell(model, c, audience, &row.states, &innermost_first, row_raw));
            }
            lines.push(line);
        } else {
            rows_of(model, unit, rest, levels, row_raw, audience, respondent, key, lines);
        }
        levels.pop();
        key.pop();
    }
}

/// Records of many responses, table by table: for each table of `units`, every line of
/// every response in order (what [`crate::data::to_csv`] writes one file of).
pub fn collect(per_response: impl IntoIterator<Item = Vec<Vec<Vec<Cell>>>>, units: &[Unit]) -> Vec<Vec<Vec<Cell>>> {
    let mut out: Vec<Vec<Vec<Cell>>> = vec![Vec::new(); units.len()];
    for tables in per_response {
        for (t, lines) in out.iter_mut().zip(tables) {
            t.extend(lines);
        }
    }
    out
}

/// Records of the long layout as JSON, one response per line, each roster's rows nested
/// under its id as an array of row objects (a row's number is its place; its key is the
/// record's): `{"respondent_id": "R1", …, "person": [{"name": …, "birth": [{…}]}]}`. What
/// the web form and the server exchange.
pub fn to_json_nested(model: &Questionnaire, units: &[Unit], tables: &[Vec<Vec<Cell>>]) -> String {
    let codes = model.survey.missing_codes;
    // Each roster table's lines by their parent's key (rendered), in order.
    let keyed: Vec<std::collections::HashMap<Vec<String>, Vec<usize>>> = units
        .iter()
        .zip(tables)
        .map(|(u, lines)| {
            let mut by: std::collections::HashMap<Vec<String>, Vec<usize>> = std::collections::HashMap::new();
            if u.parent.is_some() {
                for (i, l) in lines.iter().enumerate() {
                    let parent: Vec<String> = l[..u.key_len() - 1].iter().map(|c| c.render(codes)).collect();
                    by.entry(parent).or_default().push(i);
                }
            }
            by
        })
        .collect();
    fn object(
        units: &[Unit],
        tables: &[Vec<Vec<Cell>>],
        keyed: &[std::collections::HashMap<Vec<String>, Vec<usize>>],
        codes: crate::model::MissingCodes,
        u: usize,
        line: &[Cell],
    ) -> serde_json::Map<String, serde_json::Value> {
        let unit = &units[u];
        let skip = if unit.parent.is_some() { unit.key_len() } else { 0 };
        let mut o = serde_json::Map::new();
        for (c, cell) in unit.columns.iter().zip(line).skip(skip) {
            o.insert(c.name.clone(), json_cell(c, cell, codes));
        }
        let key: Vec<String> = line[..unit.key_len()].iter().map(|c| c.render(codes)).collect();
        for (child, cu) in children(units, u) {
            let rows: Vec<serde_json::Value> = keyed[child]
                .get(&key)
                .into_iter()
                .flatten()
                .map(|&i| serde_json::Value::Object(object(units, tables, keyed, codes, child, &tables[child][i])))
                .collect();
            o.insert(cu.name.clone(), serde_json::Value::Array(rows));
        }
        o
    }
    let mut out = String::new();
    for line in tables.first().into_iter().flatten() {
        out.push_str(&serde_json::Value::Object(object(units, tables, &keyed, codes, 0, line)).to_string());
        out.push('\n');
    }
    out
}

/// Nested JSON records (as [`to_json_nested`] writes them) read into the long layout's
/// tables, one per unit in [`units`] order: each roster's rows taken out of its record into
/// its table, keyed by the record's `respondent_id` and the rows' places. A roster field
/// that is not an array of objects, or a row that names a key column, is refused.
pub fn from_nested(
    units: &[Unit],
    objects: Vec<serde_json::Map<String, serde_json::Value>>,
) -> Result<Vec<crate::data::records::Table>, crate::Error> {
    let mut per: Vec<Vec<serde_json::Map<String, serde_json::Value>>> = vec![Vec::new(); units.len()];
    fn take(
        units: &[Unit],
        u: usize,
        mut o: serde_json::Map<String, serde_json::Value>,
        key: &[(String, serde_json::Value)],
        per: &mut Vec<Vec<serde_json::Map<String, serde_json::Value>>>,
        record: usize,
    ) -> Result<(), String> {
        for (child, cu) in children(units, u) {
            let rows = match o.remove(&cu.name) {
                None | Some(serde_json::Value::Null) => Vec::new(),
                Some(serde_json::Value::Array(rows)) => rows,
                Some(_) => {
                    return Err(format!(
                        "record {record}: `{}` holds the rows of the roster `{}`: an array of objects",
                        cu.name, cu.name
                    ));
                }
            };
            for (i, row) in rows.into_iter().enumerate() {
                let serde_json::Value::Object(row) = row else {
                    return Err(format!(
                        "record {record}: row {} of `{}` is not an object",
                        i + 1,
                        cu.name
                    ));
                };
                let mut k = key.to_vec();
                k.push((cu.name.clone(), serde_json::Value::from(i as u64 + 1)));
                if let Some((name, _)) = k.iter().find(|(name, _)| row.contains_key(name)) {
                    return Err(format!(
                        "record {record}: row {} of `{}` has a field `{name}`, which the record gives (a row's number is its place)",
                        i + 1,
                        cu.name
                    ));
                }
                take(units, child, row, &k, per, record)?;
            }
        }
        let mut line = serde_json::Map::new();
        if u > 0 {
            for (name, v) in key {
                line.insert(name.clone(), v.clone());
            }
        }
        line.extend(o);
        per[u].push(line);
        Ok(())
    }
    for (r, o) in objects.into_iter().enumerate() {
        let id = o.get("respondent_id").cloned().unwrap_or(serde_json::Value::Null);
        take(units, 0, o, &[("respondent_id".to_string(), id)], &mut per, r + 1)?;
    }
    units
        .iter()
        .zip(&per)
        .map(|(u, objects)| match objects.is_empty() {
            // No rows at all: the table still has its columns.
            true => Ok(crate::data::records::Table {
                header: u.columns.iter().map(|c| c.name.clone()).collect(),
                rows: Vec::new(),
            }),
            false => crate::data::records::from_objects(objects),
        })
        .collect()
}

/// The wide layout's columns: the responses', then for each roster, outer first, each row
/// number from 1 to its `max_rows`, that row's columns named `<roster>_<n>_<column>`
/// (nested: `person_2_birth_1_birth_year`), each row's inner rosters after its own.
/// None when that would be more columns than a data file may have.
pub fn wide_columns(units: &[Unit]) -> Option<Vec<Column>> {
    fn walk(units: &[Unit], u: usize, prefix: &str, out: &mut Vec<Column>) -> bool {
        for (child, cu) in children(units, u) {
            for n in 1..=cu.max_rows {
                let p = format!("{prefix}{}_{n}_", cu.name);
                for c in &cu.columns[cu.key_len()..] {
                    out.push(Column {
                        name: format!("{p}{}", c.name),
                        label: format!("{} ({} {n})", c.label, cu.name),
                        ..c.clone()
                    });
                }
                if out.len() > crate::data::records::MAX_COLUMNS || !walk(units, child, &p, out) {
                    return false;
                }
            }
        }
        true
    }
    let mut out = units.first()?.columns.clone();
    walk(units, 0, "", &mut out).then_some(out)
}

/// The long layout's tables (as [`encode`] lines, per table) in the wide layout: one line
/// per response, in [`wide_columns`] order; a row the respondent does not have is not
/// applicable in every column (-88), as a question not asked is.
pub fn to_wide(model: &Questionnaire, units: &[Unit], tables: &[Vec<Vec<Cell>>]) -> Vec<Vec<Cell>> {
    let codes = model.survey.missing_codes;
    let lines: Vec<std::collections::HashMap<Vec<String>, &Vec<Cell>>> = units
        .iter()
        .zip(tables)
        .map(|(u, t)| {
            t.iter()
                .map(|l| (l[..u.key_len()].iter().map(|c| c.render(codes)).collect(), l))
                .collect()
        })
        .collect();
    fn walk(
        units: &[Unit],
        lines: &[std::collections::HashMap<Vec<String>, &Vec<Cell>>],
        u: usize,
        key: Option<&[String]>,
        out: &mut Vec<Cell>,
    ) {
        for (child, cu) in children(units, u) {
            for n in 1..=cu.max_rows {
                let k: Option<Vec<String>> = key.map(|k| {
                    let mut k = k.to_vec();
                    k.push(n.to_string());
                    k
                });
                let line = k.as_ref().and_then(|k| lines[child].get(k));
                match line {
                    Some(l) => out.extend(l[cu.key_len()..].iter().cloned()),
                    None => out.extend(std::iter::repeat_n(
                        Cell::NotApplicable,
                        cu.columns.len() - cu.key_len(),
                    )),
                }
                walk(units, lines, child, line.and(k.as_deref()), out);
            }
        }
    }
    tables
        .first()
        .into_iter()
        .flatten()
        .map(|l| {
            let mut out = l.clone();
            let key = vec![l[0].render(codes)];
            walk(units, &lines, 0, Some(&key), &mut out);
            out
        })
        .collect()
}

/// Text cells (as read from files) of the long layout as [`Cell`]s for [`to_wide`], in each
/// unit's column order: the missing codes as such, numbers in numeric columns as numbers,
/// the rest as written (absent columns empty).
pub fn cells_of(model: &Questionnaire, units: &[Unit], tables: &[crate::data::records::Table]) -> Vec<Vec<Vec<Cell>>> {
    use crate::data::records::{Read, cell, number};
    let read = |c: &Column, text: Option<&str>| match cell(model, text) {
        Read::NotApplicable => Cell::NotApplicable,
        Read::Missing => Cell::Missing,
        Read::Absent => Cell::Text(String::new()),
        Read::Value(t) if c.kind.is_numeric() => match (t.parse::<i64>(), number(&t)) {
            (Ok(i), _) => Cell::Int(i),
            (_, Some(n)) => Cell::Number(n),
            _ => Cell::Text(t),
        },
        Read::Value(t) => Cell::Text(t),
    };
    units
        .iter()
        .zip(tables)
        .map(|(u, t)| {
            let index = t.index();
            let at: Vec<Option<usize>> = u.columns.iter().map(|c| index.get(c.name.as_str()).copied()).collect();
            t.rows
                .iter()
                .map(|r| {
                    u.columns
                        .iter()
                        .zip(&at)
                        .map(|(c, i)| read(c, i.map(|i| r[i].as_str())))
                        .collect()
                })
                .collect()
        })
        .collect()
}
