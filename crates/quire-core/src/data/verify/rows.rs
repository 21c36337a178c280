//! Checking the roster tables of the long layout ([`crate::data::units`]) beside the
//! respondents' table: each table's header, its keys (duplicates, orphans), and each
//! respondent's rows read back into the answers, routed with the respondent's record, and
//! compared line by line and cell by cell with what the data contract writes for them —
//! rows the routing does not give, rows it gives that are absent, answers where a row's
//! routing says not applicable, codes, ranges and validation rules per row.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Checker, Class, Problem, RowProblems, agrees, classify, same};
use crate::data::records::{self, Table};
use crate::data::units::{self, Unit};
use crate::data::{Cell, ColumnKind};
use crate::eval::{AnswerMap, Answers};
use crate::model::{Question, Questionnaire, Roster, Route, RowRoute};

/// One line of a roster's table: where it is in the file and its row number.
#[derive(Debug, Clone, Copy)]
struct Line {
    at: usize,
    number: u32,
}

/// A roster's questions asked of one audience: by id and by variable (what decoding a
/// line reads), and once each in questionnaire order (what the rules go through).
#[derive(Default)]
struct Asked<'m> {
    by_name: HashMap<&'m str, &'m Question>,
    ordered: Vec<&'m Question>,
}

/// Unreadable cells of roster lines, found when the lines are read into the answers and
/// reported when they are compared: by table and line.
pub(super) type Unreadable = HashMap<(usize, usize), Vec<records::Unreadable>>;

/// The roster tables read once: each column's place, and the lines of each table by their
/// parent's key (the respondent id, then the parent rows' numbers).
pub(super) struct Children<'m, 't> {
    units: Vec<Unit>,
    /// Per table, its roster (none: the respondents').
    rosters: Vec<Option<&'m Roster>>,
    tables: &'t [Table],
    /// Per table, per contract column: its place in the file.
    at: Vec<Vec<Option<usize>>>,
    /// Per table: its lines by the parent's key, in row-number order.
    lines: Vec<HashMap<Vec<String>, Vec<Line>>>,
    /// Each respondent's first record (the respondents' table's row index).
    first: HashMap<String, usize>,
    /// Per table and audience: the roster's questions.
    questions: Vec<HashMap<&'m str, Asked<'m>>>,
    /// Problems of the files as a whole and of keys, found once.
    pub(super) problems: Vec<Problem>,
}

/// One respondent's comparison: what the contract writes for it, and the problems found.
struct Compare<'c, 'm> {
    checker: &'c Checker<'m>,
    id: &'c str,
    audience: &'c str,
    expected: Vec<Vec<Vec<Cell>>>,
    /// The cells found unreadable when the lines were read.
    unreadable: &'c Unreadable,
    out: Vec<Problem>,
    /// Whether a row is missing or extra, or a cell of a row unreadable: what reads the
    /// rosters cannot be checked (the row is the problem, not what it changes).
    unsure: bool,
    /// The screening rule that ended the respondent's survey, if one did.
    ended: Option<String>,
}

/// The rows of one roster in one respondent, as the check walks them.
struct Walked<'a> {
    unit: usize,
    parent_key: Vec<String>,
    numbers: Vec<u32>,
    routed: &'a [RowRoute],
}

impl<'m, 't> Children<'m, 't> {
    /// Reads the roster tables (`tables[i]` is `units[i]`'s; the first, the respondents',
    /// is checked by the caller) and finds what is wrong with their headers and keys.
    pub(super) fn new(model: &'m Questionnaire, units: Vec<Unit>, tables: &'t [Table]) -> Children<'m, 't> {
        let mut problems = Vec::new();
        let mut at = vec![Vec::new(); units.len()];
        let mut lines = vec![HashMap::new(); units.len()];
        for (u, unit) in units.iter().enumerate().skip(1) {
            let table = &tables[u];
            at[u] = header(unit, table, &mut problems);
            lines[u] = keyed(unit, table, &at[u], &mut problems);
        }
        let first = respondents(&tables[0]);
        orphans(&units, &lines, &first, &mut problems);
        let all = model.rosters();
        let rosters: Vec<Option<&Roster>> = units
            .iter()
            .map(|u| {
                u.roster()
                    .and_then(|id| all.iter().find(|(r, _)| r.id == id).map(|(r, _)| *r))
            })
            .collect();
        let questions = units
            .iter()
            .map(|u| match u.roster() {
                None => HashMap::new(),
                Some(roster) => model
                    .audiences
                    .iter()
                    .map(|a| (a.id.as_str(), roster_questions(model, &a.id, roster)))
                    .collect(),
            })
            .collect();
        Children {
            units,
            rosters,
            tables,
            at,
            lines,
            first,
            questions,
            problems,
        }
    }

    /// Each table's place in the layout, by the name problems give it (the respondents':
    /// an empty name).
    pub(super) fn table_order(&self) -> HashMap<String, usize> {
        self.units
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, u)| (u.name.clone(), i))
            .collect()
    }

    /// Whether the respondents' table's row `r` is the first with its id (the one whose
    /// rows the roster tables hold; a duplicate is reported once, as a duplicate).
    pub(super) fn owns(&self, id: &str, r: usize) -> bool {
        self.first.get(id) == Some(&r)
    }

    /// Puts the rows of respondent `id` into `raw`, as entered: each roster's lines in
    /// row-number order, a row missing from the table as a row with no answers (the check
    /// reports it), rows past the roster's most left out (reported as extra). Returns the
    /// cells that could not be read, for [`Children::compare`] to report.
    pub(super) fn attach(&self, model: &Questionnaire, id: &str, raw: &mut AnswerMap) -> Unreadable {
        let key = vec![id.to_string()];
        let mut bad = Unreadable::new();
        for (u, _) in units::children(&self.units, 0) {
            self.attach_unit(model, u, &key, raw, &mut bad);
        }
        bad
    }

    fn attach_unit(
        &self,
        model: &Questionnaire,
        u: usize,
        parent_key: &[String],
        raw: &mut AnswerMap,
        bad: &mut Unreadable,
    ) {
        let unit = &self.units[u];
        let (Some(roster), Some(found)) = (unit.roster(), self.lines[u].get(parent_key)) else {
            return;
        };
        let audience = raw.audience.clone();
        let asked = self.asked(u, &audience);
        let mut rows: Vec<AnswerMap> = Vec::new();
        for line in found.iter().filter(|l| l.number <= unit.max_rows) {
            while rows.len() + 1 < line.number as usize {
                rows.push(AnswerMap::new(&audience));
            }
            let cells = self.cells(u, line.at);
            let (mut row, _, unreadable) = records::decode(model, &unit.columns, &asked.by_name, &audience, &cells);
            if !unreadable.is_empty() {
                bad.insert((u, line.at), unreadable);
            }
            let mut key = parent_key.to_vec();
            key.push(line.number.to_string());
            for (child, _) in units::children(&self.units, u) {
                self.attach_unit(model, child, &key, &mut row, bad);
            }
            rows.push(row);
        }
        raw.rows.insert(roster.to_string(), rows);
    }

    /// Table `u`'s roster's questions asked of `audience` (none for another table).
    fn asked(&self, u: usize, audience: &str) -> &Asked<'m> {
        static NONE: std::sync::OnceLock<Asked<'static>> = std::sync::OnceLock::new();
        self.questions[u]
            .get(audience)
            .unwrap_or_else(|| NONE.get_or_init(Asked::default))
    }

    /// One line's cells in the contract's column order (None where the file lacks the column).
    fn cells(&self, u: usize, at: usize) -> Vec<Option<&'t str>> {
        let row = &self.tables[u].rows[at];
        self.at[u].iter().map(|i| i.map(|i| row[i].as_str())).collect()
    }

    /// Each roster table's lines of respondent `id` against the lines the data contract
    /// writes for the routed response: extra and missing rows, then each cell and each
    /// row's own rules.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn compare(
        &self,
        checker: &Checker<'_>,
        id: &str,
        audience: &str,
        route: &Route,
        raw: &AnswerMap,
        env: &AnswerMap,
        unreadable: &Unreadable,
    ) -> (Vec<Problem>, bool) {
        let expected = units::encode_rows(checker.model, &self.units, id, audience, route, raw);
        let mut cx = Compare {
            checker,
            id,
            audience,
            expected,
            unreadable,
            out: Vec::new(),
            unsure: false,
            ended: route.ended_by.clone(),
        };
        for (u, _) in units::children(&self.units, 0) {
            let at = Walked {
                unit: u,
                parent_key: vec![id.to_string()],
                numbers: Vec::new(),
                routed: self.routed(u, &route.rows),
            };
            self.walk(&mut cx, at, env, env);
        }
        (cx.out, cx.unsure)
    }

    /// One roster's lines under one parent (the respondent, or a row), then the rosters
    /// inside each of its rows. `around` is what the parent's rules read; `kept` its
    /// routed answers, holding its rows'.
    fn walk(&self, cx: &mut Compare<'_, '_>, w: Walked<'_>, around: &dyn Answers, kept: &AnswerMap) {
        let unit = &self.units[w.unit];
        let given = self.lines[w.unit]
            .get(&w.parent_key)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let roster = unit.roster().unwrap_or_default();
        let none = AnswerMap::new(cx.audience);
        let kept_rows = kept.rows.get(roster).map(Vec::as_slice).unwrap_or_default();
        let qs = &self.asked(w.unit, cx.audience).ordered;
        let problems = |line: Option<Line>, numbers: &[u32]| RowProblems {
            table: unit.name.clone(),
            row: line.map_or(0, |l| l.at + 1),
            id: cx.id.to_string(),
            key: key_words(&unit.path, numbers),
            problems: Vec::new(),
        };
        let rows_word = |n: usize| format!("{n} row{}", if n == 1 { "" } else { "s" });
        for line in given {
            let mut numbers = w.numbers.clone();
            numbers.push(line.number);
            let mut p = problems(Some(*line), &numbers);
            let i = line.number as usize - 1;
            let Some(row) = w.routed.get(i) else {
                // Its own rows are not reported again: the row itself is the problem.
                p.push(
                    roster,
                    Class::ExtraRow,
                    match w.routed.len() {
                        0 => format!("the routing gives `{roster}` no rows for this respondent"),
                        n => format!("the routing gives `{roster}` {} for this respondent", rows_word(n)),
                    },
                );
                cx.out.extend(p.problems);
                cx.unsure = true;
                continue;
            };
            let key = key_cells(cx.id, &numbers);
            let mut wrong = false;
            if let Some(want) = cx.expected[w.unit].iter().find(|l| l[..unit.key_len()] == key[..]) {
                let bad = cx
                    .unreadable
                    .get(&(w.unit, line.at))
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                wrong = self.cells_against(cx.checker, &mut p, w.unit, line.at, want, row, cx.audience, bad);
            }
            if wrong {
                // The row's own rows were routed on an answer found wrong.
                cx.out.extend(p.problems);
                cx.unsure = true;
                continue;
            }
            let row_kept = kept_rows.get(i).unwrap_or(&none);
            let view = row_kept.as_row(around, line.number as usize);
            cx.checker.rules_of(&mut p, qs, &row.states, &view, &HashSet::new());
            cx.out.extend(p.problems);
            let mut parent_key = w.parent_key.clone();
            parent_key.push(line.number.to_string());
            for (child, _) in units::children(&self.units, w.unit) {
                let at = Walked {
                    unit: child,
                    parent_key: parent_key.clone(),
                    numbers: numbers.clone(),
                    routed: self.routed(child, &row.rows),
                };
                self.walk(cx, at, &view, row_kept);
            }
        }
        for n in 1..=w.routed.len() as u32 {
            if given.iter().any(|l| l.number == n) {
                continue;
            }
            let mut numbers = w.numbers.clone();
            numbers.push(n);
            let mut p = problems(None, &numbers);
            p.push(
                roster,
                Class::MissingRow,
                format!(
                    "the routing gives `{roster}` {} for this respondent; row {n} is not in {}.csv",
                    rows_word(w.routed.len()),
                    unit.name
                ),
            );
            cx.out.extend(p.problems);
            cx.unsure = true;
        }
        // An open roster asked of this respondent holds at least its `min_rows`.
        if let Some(r) = self.rosters[w.unit].filter(|r| matches!(r.rows, crate::model::Rows::Open) && r.min_rows > 0)
            && given.len() < r.min_rows as usize
            && !cx.ended.as_ref().is_some_and(|e| r.screens.contains(e))
            && r.condition.as_ref().is_none_or(|c| crate::eval::holds(&c.expr, around))
        {
            let mut p = problems(None, &w.numbers);
            p.push(
                roster,
                Class::MissingRow,
                format!(
                    "`{roster}` holds at least {} here, and {}.csv has {}",
                    rows_word(r.min_rows as usize),
                    unit.name,
                    given.len()
                ),
            );
            cx.out.extend(p.problems);
            cx.unsure = true;
        }
    }

    fn routed<'r>(&self, u: usize, rows: &'r BTreeMap<String, Vec<RowRoute>>) -> &'r [RowRoute] {
        self.units[u]
            .roster()
            .and_then(|r| rows.get(r))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// One line's answer cells against the contract's (`bad`: those that could not be
    /// read); whether one was wrong (unreadable, or not what the contract writes): what
    /// depends on it in the row is not reported again, nor are the rows inside it checked.
    #[allow(clippy::too_many_arguments)]
    fn cells_against(
        &self,
        checker: &Checker<'_>,
        out: &mut RowProblems,
        u: usize,
        at: usize,
        want: &[Cell],
        row: &RowRoute,
        audience: &str,
        bad: &[records::Unreadable],
    ) -> bool {
        let model = checker.model;
        let codes = model.survey.missing_codes;
        let unit = &self.units[u];
        let cells = self.cells(u, at);
        super::report_unreadable(out, &unit.columns, bad);
        let unreadable: HashSet<&str> = bad.iter().map(|b| b.column.as_str()).collect();
        let mut tainted: HashSet<&str> = unit
            .columns
            .iter()
            .filter(|c| unreadable.contains(c.name.as_str()))
            .map(|c| c.variable.as_str())
            .collect();
        for ((c, want), text) in unit.columns.iter().zip(want).zip(&cells).skip(unit.key_len()) {
            let Some(text) = *text else { continue };
            if agrees(text, want, codes) || unreadable.contains(c.name.as_str()) {
                continue;
            }
            if tainted.contains(c.variable.as_str())
                || checker
                    .depends
                    .get(c.variable.as_str())
                    .is_some_and(|d| d.iter().any(|v| tainted.contains(v.as_str())))
            {
                tainted.insert(&c.variable);
                continue;
            }
            let have = records::cell(model, Some(text));
            let want_text = want.render(codes);
            if same(&have, &want_text, text) {
                continue;
            }
            let state = row.states.get(&c.variable);
            let (class, message) = classify(model, c, &have, want, state, false, None, audience);
            out.push(&c.name, class, format!("`{text}`: {message}"));
            tainted.insert(&c.variable);
        }
        !tainted.is_empty()
    }
}

/// Row choices (`head`: a row number) naming a row the respondent's roster does not have:
/// each an unreadable cell, taken out of the answers so that what reads it is not judged
/// on it. (A ticked row that does not exist is an answer where not applicable.)
pub(super) fn unlisted_choices(cols: &[crate::data::Column], raw: &mut AnswerMap) -> Vec<records::Unreadable> {
    let mut out = Vec::new();
    for c in cols {
        let ColumnKind::RowChoice { roster } = &c.kind else {
            continue;
        };
        let rows = raw.rows.get(roster).map_or(0, Vec::len);
        if let Some(crate::eval::Value::Number(n)) = raw.values.get(&c.variable)
            && *n as usize > rows
        {
            out.push(records::Unreadable {
                column: c.name.clone(),
                text: crate::expr::format_number(*n),
                why: format!("`{roster}` has {rows} row{} here", if rows == 1 { "" } else { "s" }),
            });
            raw.values.remove(&c.variable);
        }
    }
    out
}

/// A roster table's header against its contract columns: where each stands, and the
/// columns missing or unknown.
fn header(unit: &Unit, table: &Table, problems: &mut Vec<Problem>) -> Vec<Option<usize>> {
    let index = table.index();
    let at: Vec<Option<usize>> = unit
        .columns
        .iter()
        .map(|c| index.get(c.name.as_str()).copied())
        .collect();
    let file = |column: &str, class: Class, message: String| Problem {
        table: unit.name.clone(),
        row: 0,
        respondent_id: String::new(),
        column: column.to_string(),
        key: String::new(),
        class,
        message,
    };
    for (c, _) in unit.columns.iter().zip(&at).filter(|(_, i)| i.is_none()) {
        problems.push(file(
            &c.name,
            Class::MissingColumn,
            format!("{}.csv has no column `{}`", unit.name, c.name),
        ));
    }
    for h in &table.header {
        if !unit.columns.iter().any(|c| &c.name == h) {
            let hint = crate::diagnostic::did_you_mean(h, unit.columns.iter().map(|c| c.name.as_str()))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            problems.push(file(
                h,
                Class::UnknownColumn,
                format!("`{h}` is not a column of the `{}` table{hint}", unit.name),
            ));
        }
    }
    at
}

/// A table's lines by their parent's key, each key once: a line whose row numbers are not
/// whole numbers from 1, or whose key another line has, is reported and left out.
fn keyed(
    unit: &Unit,
    table: &Table,
    at: &[Option<usize>],
    problems: &mut Vec<Problem>,
) -> HashMap<Vec<String>, Vec<Line>> {
    let mut out: HashMap<Vec<String>, Vec<Line>> = HashMap::new();
    let mut seen: HashMap<Vec<String>, usize> = HashMap::new();
    let key_at: Vec<Option<usize>> = at[..unit.key_len()].to_vec();
    if key_at.iter().any(Option::is_none) {
        return out; // reported as a missing column
    }
    for (r, row) in table.rows.iter().enumerate() {
        let key: Vec<String> = key_at.iter().flatten().map(|i| row[*i].trim().to_string()).collect();
        let problem = |column: &str, class: Class, message: String| Problem {
            table: unit.name.clone(),
            row: r + 1,
            respondent_id: key[0].clone(),
            column: column.to_string(),
            key: String::new(),
            class,
            message,
        };
        let mut numbers = Vec::with_capacity(key.len() - 1);
        let mut bad = false;
        for (roster, text) in unit.path.iter().zip(&key[1..]) {
            match text.parse::<u32>() {
                Ok(n) if n >= 1 => numbers.push(n),
                _ => {
                    problems.push(problem(
                        roster,
                        Class::BadValue,
                        format!("`{text}`: a row number is a whole number from 1"),
                    ));
                    bad = true;
                }
            }
        }
        if bad {
            continue;
        }
        if let Some(first) = seen.get(&key) {
            let column = unit.path.last().map(String::as_str).unwrap_or_default();
            let mut p = problem(column, Class::DuplicateKey, format!("the same key as row {first}"));
            p.key = key_words(&unit.path, &numbers);
            problems.push(p);
            continue;
        }
        seen.insert(key.clone(), r + 1);
        let number = numbers.last().copied().unwrap_or(1);
        out.entry(key[..key.len() - 1].to_vec())
            .or_default()
            .push(Line { at: r, number });
    }
    for lines in out.values_mut() {
        lines.sort_by_key(|l| l.number);
    }
    out
}

/// Each respondent's first row in the respondents' table.
fn respondents(table: &Table) -> HashMap<String, usize> {
    let mut first = HashMap::new();
    if let Some(i) = table.header.iter().position(|h| h == "respondent_id") {
        for (r, row) in table.rows.iter().enumerate() {
            first.entry(row[i].trim().to_string()).or_insert(r);
        }
    }
    first
}

/// Lines whose parent is not in the data: a respondent not in the respondents' table, or a
/// parent row not in its roster's table.
fn orphans(
    units: &[Unit],
    lines: &[HashMap<Vec<String>, Vec<Line>>],
    first: &HashMap<String, usize>,
    problems: &mut Vec<Problem>,
) {
    for (u, unit) in units.iter().enumerate().skip(1) {
        let parent = unit.parent.unwrap_or(0);
        for (parent_key, found) in &lines[u] {
            let exists = if parent == 0 {
                first.contains_key(&parent_key[0])
            } else {
                let (up, last) = parent_key.split_at(parent_key.len() - 1);
                lines[parent]
                    .get(up)
                    .is_some_and(|ls| ls.iter().any(|l| l.number.to_string() == last[0]))
            };
            if exists {
                continue;
            }
            let whose = if parent == 0 {
                format!("respondent `{}` is not in responses.csv", parent_key[0])
            } else {
                let numbers: Vec<u32> = parent_key[1..].iter().filter_map(|n| n.parse().ok()).collect();
                format!(
                    "its parent row ({}) is not in {}.csv",
                    key_words(&units[parent].path, &numbers),
                    units[parent].name
                )
            };
            for line in found {
                let mut numbers: Vec<u32> = parent_key[1..].iter().filter_map(|n| n.parse().ok()).collect();
                numbers.push(line.number);
                problems.push(Problem {
                    table: unit.name.clone(),
                    row: line.at + 1,
                    respondent_id: parent_key[0].clone(),
                    column: match parent {
                        0 => "respondent_id".to_string(),
                        p => units[p].name.clone(),
                    },
                    key: key_words(&unit.path, &numbers),
                    class: Class::Orphan,
                    message: whose.clone(),
                });
            }
        }
    }
}

/// The questions of `roster` (its own items, not those of rosters inside it) that
/// `audience` is asked, by id and by variable.
fn roster_questions<'m>(model: &'m Questionnaire, audience: &str, roster: &str) -> Asked<'m> {
    let mut out = Asked::default();
    for s in model.instrument(audience).iter().flat_map(|i| &i.sections) {
        for (q, unit) in crate::model::questions_within(&s.items) {
            if unit == Some(roster) {
                out.by_name.insert(q.id.as_str(), q);
                for r in &q.rows {
                    out.by_name.insert(r.variable.as_str(), q);
                }
                out.ordered.push(q);
            }
        }
    }
    out
}

/// A row's key in words: `person 2, birth 1`.
fn key_words(path: &[String], numbers: &[u32]) -> String {
    path.iter()
        .zip(numbers)
        .map(|(r, n)| format!("{r} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn key_cells(id: &str, numbers: &[u32]) -> Vec<Cell> {
    let mut v = vec![Cell::Text(id.to_string())];
    v.extend(numbers.iter().map(|n| Cell::Int(i64::from(*n))));
    v
}
