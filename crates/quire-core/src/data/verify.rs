//! The model and a data file in, the problems out (`quire check-data`): every record read back
//! into answers, routed with Quire's own evaluator, re-encoded by the data contract and
//! compared cell by cell, then held to the questions' own rules.
//!
//! Because the expected record comes from the same `route` and `encode` as the web form's
//! (differential tests), this checks what the Frictionless, JSON Schema and SQL outputs cannot
//! express: arithmetic, `count`, derived variables, validation rules and three-outcome
//! eligibility.

mod rows;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::data::records::{self, Read, Table};
use crate::data::{self, Cell, Column, ColumnKind};
use crate::eval::Value;
use crate::model::{QuestionType, Questionnaire, Severity, State};

/// Kinds of problem, each with a stable name (`--format json`) and a phrase for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// A contract column the file does not have.
    MissingColumn,
    /// A column the data contract does not have.
    UnknownColumn,
    /// An `audience` that is not one of the spec's.
    UnknownAudience,
    /// A `respondent_id` seen before in the file.
    DuplicateId,
    /// A `spec_version` that is not the spec's.
    VersionMismatch,
    /// A `spec_hash` that is not the spec's.
    HashMismatch,
    /// Paradata (completion, timings) that does not fit its column.
    BadParadata,
    /// A code not in the variable's choice list.
    UnknownCode,
    /// A value of the wrong kind for its column (text in a number, a bad date).
    BadValue,
    /// An answer where the routing says not applicable.
    AnsweredNotApplicable,
    /// An answer after a screening rule ended the survey.
    AnsweredAfterScreen,
    /// An answer from an audience not asked the question.
    AnsweredOtherAudience,
    /// Not applicable (-88) where the question was asked.
    NotApplicableWhereAsked,
    /// Not applicable (-88) where eligibility is unknown (should be missing, -99).
    NotApplicableWhereUnknown,
    /// Missing (-99) where the routing says not applicable (-88).
    MissingWhereNotApplicable,
    /// A cell not written as the data contract writes it.
    NotContract,
    /// A number outside the question's range.
    OutOfRange,
    /// More options ticked than allowed.
    TooManySelected,
    /// Fewer options ticked than required.
    TooFewSelected,
    /// An exclusive option ticked with others.
    ExclusiveWithOthers,
    /// An answer that fails a validation rule.
    FailedValidation,
    /// A derived variable that differs from its recomputation.
    DerivedDiffers,
    /// A roster's row whose key (respondent and row numbers) is also another row's.
    DuplicateKey,
    /// A roster's row whose respondent, or whose parent row, is not in the data.
    Orphan,
    /// A roster's row the routing does not give: beyond the rows its source counts, or in
    /// a roster that was not asked.
    ExtraRow,
    /// A row the routing gives (the count, the options ticked) that the table lacks.
    MissingRow,
}

impl Class {
    /// The class in words, for people.
    pub fn describe(self) -> &'static str {
        match self {
            Class::MissingColumn => "column missing from the file",
            Class::UnknownColumn => "column not in the data contract",
            Class::UnknownAudience => "audience that does not exist",
            Class::DuplicateId => "duplicate respondent_id",
            Class::VersionMismatch => "spec_version is not the spec's",
            Class::HashMismatch => "spec_hash is not the spec's",
            Class::BadParadata => "paradata that does not fit",
            Class::UnknownCode => "code not in the list",
            Class::BadValue => "value of the wrong kind",
            Class::AnsweredNotApplicable => "answer where the routing says not applicable",
            Class::AnsweredAfterScreen => "answer after a screening rule ended the survey",
            Class::AnsweredOtherAudience => "answer from an audience not asked",
            Class::NotApplicableWhereAsked => "not applicable (-88) where the question was asked",
            Class::NotApplicableWhereUnknown => "not applicable (-88) where eligibility is unknown (missing, -99)",
            Class::MissingWhereNotApplicable => "missing (-99) where the routing says not applicable (-88)",
            Class::NotContract => "cell not as the data contract writes it",
            Class::OutOfRange => "number outside the question's range",
            Class::TooManySelected => "more options ticked than allowed",
            Class::TooFewSelected => "fewer options ticked than required",
            Class::ExclusiveWithOthers => "exclusive option ticked with others",
            Class::FailedValidation => "answer that fails a validation rule",
            Class::DerivedDiffers => "derived variable that differs from its recomputation",
            Class::DuplicateKey => "row key seen before in its table",
            Class::Orphan => "row whose respondent or parent row is not in the data",
            Class::ExtraRow => "row the routing does not give",
            Class::MissingRow => "row the routing gives that the table lacks",
        }
    }
}

/// One problem: where (data row from 1, 0 for the file) and what.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// The table: empty for the respondents' (a questionnaire without rosters has only
    /// that one), else the roster's id.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub table: String,
    /// The data row of `table`, from 1 (0: the file as a whole).
    pub row: usize,
    /// The row's respondent, if it has one.
    pub respondent_id: String,
    /// In a roster's table, the row's key: `person 2, birth 1`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub key: String,
    /// The column concerned ("" for a whole row).
    pub column: String,
    /// What kind of problem it is.
    pub class: Class,
    /// What is wrong, in words.
    pub message: String,
}

/// A response under the completion threshold (the study's exclusion rule).
#[derive(Debug, Clone, Serialize)]
pub struct Excluded {
    /// The data row, from 1.
    pub row: usize,
    /// The row's respondent.
    pub respondent_id: String,
    /// Its share of the questions asked that were answered (0 to 1).
    pub completion: f64,
}

/// What checking a data file found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Data rows checked.
    pub rows: usize,
    /// Every problem, in the order of the rows.
    pub problems: Vec<Problem>,
    /// Problems per class and column.
    pub counts: BTreeMap<Class, BTreeMap<String, usize>>,
    /// The completion threshold asked for, if any.
    pub min_completion: Option<f64>,
    /// The responses below it.
    pub below_completion: Vec<Excluded>,
}

impl Report {
    /// Whether no problem was found.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// How to check.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// List responses whose completion share is below this (0 to 1).
    pub min_completion: Option<f64>,
}

/// Checks every record of `table` against the model.
pub fn check(model: &Questionnaire, table: &Table, opts: &Options) -> Report {
    Checker::new(model).check(table, opts)
}

/// Checks a questionnaire's data in the long layout: `tables` holds one table per unit, in
/// the order of [`crate::data::units::units`] (the respondents' first).
pub fn check_tables(model: &Questionnaire, tables: &[Table], opts: &Options) -> Report {
    let units = crate::data::units::units(model);
    if tables.len() != units.len() || tables.is_empty() {
        let names: Vec<String> = units.iter().map(|u| format!("{}.csv", u.name)).collect();
        return Report {
            rows: 0,
            problems: vec![Problem {
                table: String::new(),
                row: 0,
                respondent_id: String::new(),
                key: String::new(),
                column: String::new(),
                class: Class::MissingColumn,
                message: format!(
                    "the data has {} tables; this questionnaire has {}: {}",
                    tables.len(),
                    units.len(),
                    names.join(", ")
                ),
            }],
            counts: BTreeMap::new(),
            min_completion: opts.min_completion,
            below_completion: Vec::new(),
        };
    }
    let children = rows::Children::new(model, units, tables);
    Checker::new(model).check_with(&tables[0], opts, Some(&children))
}

/// What checking needs of a model, worked out once: the data contract's columns, each
/// audience's questions in order, what each variable depends on. A server that checks one
/// record per request keeps one (`quire serve`); `check` makes one per file.
pub struct Checker<'m> {
    model: &'m Questionnaire,
    cols: Vec<Column>,
    /// Each contract column's place in `cols`, by name.
    position: HashMap<String, usize>,
    pilot: HashSet<String>,
    depends: HashMap<&'m str, Vec<String>>,
    audiences: Vec<&'m str>,
    questions: HashMap<&'m str, HashMap<&'m str, &'m crate::model::Question>>,
    ordered: HashMap<&'m str, Vec<&'m crate::model::Question>>,
}

impl<'m> Checker<'m> {
    /// Works out what checking needs of `model`.
    pub fn new(model: &'m Questionnaire) -> Checker<'m> {
        let cols = data::columns(model);
        let position = cols.iter().enumerate().map(|(i, c)| (c.name.clone(), i)).collect();
        let pilot: HashSet<String> = model
            .instruments
            .iter()
            .flat_map(|i| &i.sections)
            .map(|s| format!("pilot_{}", s.id))
            .collect();
        let depends = dependencies(model);
        let audiences: Vec<&str> = model.audiences.iter().map(|a| a.id.as_str()).collect();
        let questions: HashMap<&str, _> = audiences.iter().map(|a| (*a, records::questions(model, a))).collect();
        // Each audience's questions once, in questionnaire order.
        let ordered: HashMap<&str, Vec<&crate::model::Question>> = questions
            .iter()
            .map(|(a, qs)| {
                let mut v: Vec<&crate::model::Question> =
                    qs.iter().filter(|(k, q)| **k == q.id).map(|(_, q)| *q).collect();
                v.sort_by_key(|q| q.line);
                (*a, v)
            })
            .collect();
        Checker {
            model,
            cols,
            position,
            pilot,
            depends,
            audiences,
            questions,
            ordered,
        }
    }

    /// The number of fields a record of this questionnaire has at most (the contract's
    /// columns and the pilot's notes).
    pub fn max_fields(&self) -> usize {
        self.cols.len() + self.pilot.len()
    }

    /// Checks every record of `table`: the header against the contract, the ids for
    /// duplicates, then each record (on every core for a large file).
    pub fn check(&self, table: &Table, opts: &Options) -> Report {
        self.check_with(table, opts, None)
    }

    fn check_with(&self, table: &Table, opts: &Options, children: Option<&rows::Children<'_, '_>>) -> Report {
        let (layout, mut problems) = self.layout(table);
        problems.extend(duplicate_ids(table, layout.id_at));
        if let Some(ch) = children {
            problems.extend(ch.problems.iter().cloned());
        }
        let (found, below) = self.rows(table, &layout, opts, children);
        problems.extend(found);
        // File-level problems first, then by row (duplicates before the row's other
        // problems); a roster table's after the respondents', in table order.
        let order: HashMap<String, usize> = children.map(|c| c.table_order()).unwrap_or_default();
        problems.sort_by_key(|p| (order.get(&p.table).copied().unwrap_or(0), p.row));
        let mut counts: BTreeMap<Class, BTreeMap<String, usize>> = BTreeMap::new();
        for p in &problems {
            *counts.entry(p.class).or_default().entry(p.column.clone()).or_default() += 1;
        }
        Report {
            rows: table.rows.len(),
            problems,
            counts,
            min_completion: opts.min_completion,
            below_completion: below,
        }
    }

    /// The file's header against the contract: where each column stands (the last of a
    /// name, as an index by name would have it), and the columns missing or unknown.
    fn layout(&self, table: &Table) -> (Layout, Vec<Problem>) {
        let file = |column: &str, class: Class, message: String| Problem {
            table: String::new(),
            row: 0,
            respondent_id: String::new(),
            key: String::new(),
            column: column.to_string(),
            class,
            message,
        };
        let mut problems = Vec::new();
        let mut at: Vec<Option<usize>> = vec![None; self.cols.len()];
        let mut unknown = Vec::new();
        for (i, h) in table.header.iter().enumerate() {
            match self.position.get(h.as_str()) {
                Some(&c) => at[c] = Some(i),
                None if self.pilot.contains(h) => {}
                None => unknown.push(h),
            }
        }
        for (c, _) in self.cols.iter().zip(&at).filter(|(_, i)| i.is_none()) {
            problems.push(file(
                &c.name,
                Class::MissingColumn,
                format!("the file has no column `{}`", c.name),
            ));
        }
        for h in unknown {
            let hint = crate::diagnostic::did_you_mean(h, self.position.keys().map(String::as_str))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            problems.push(file(
                h,
                Class::UnknownColumn,
                format!("`{h}` is not a column of this questionnaire{hint}"),
            ));
        }
        let meta = |name: &str| self.position.get(name).and_then(|c| at[*c]);
        let (id_at, audience_at) = (meta("respondent_id"), meta("audience"));
        (Layout { at, id_at, audience_at }, problems)
    }

    /// Every record checked. Records are independent: checked on every core, in order of
    /// rows (a few, as a server checks one, right here).
    fn rows(
        &self,
        table: &Table,
        layout: &Layout,
        opts: &Options,
        children: Option<&rows::Children<'_, '_>>,
    ) -> (Vec<Problem>, Vec<Excluded>) {
        let check_rows = |first: usize, rows: &[Vec<String>]| {
            let mut problems = Vec::new();
            let mut below = Vec::new();
            for (i, row) in rows.iter().enumerate() {
                let (p, b) = self.row(layout, opts, first + i, row, children);
                problems.extend(p);
                below.extend(b);
            }
            (problems, below)
        };
        if table.rows.len() < 256 {
            return check_rows(0, &table.rows);
        }
        // (Asking for the cores reads the process's cgroup files: only when it pays.)
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 8);
        let chunk = table.rows.len().div_ceil(threads).max(1);
        let results: Vec<(Vec<Problem>, Vec<Excluded>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = table
                .rows
                .chunks(chunk)
                .enumerate()
                .map(|(k, rows)| {
                    let check_rows = &check_rows;
                    scope.spawn(move || check_rows(k * chunk, rows))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let (mut problems, mut below) = (Vec::new(), Vec::new());
        for (p, b) in results {
            problems.extend(p);
            below.extend(b);
        }
        (problems, below)
    }

    /// One record (row `r`, from 0): its audience; its cells against what the data
    /// contract writes for its answers, routed by Quire's evaluator; its questions' own
    /// rules; and its completion, when a threshold is set.
    fn row(
        &self,
        layout: &Layout,
        opts: &Options,
        r: usize,
        row: &[String],
        children: Option<&rows::Children<'_, '_>>,
    ) -> (Vec<Problem>, Option<Excluded>) {
        let (model, cols, codes) = (self.model, &self.cols, self.model.survey.missing_codes);
        let get = |i: Option<usize>| i.map(|i| row[i].clone());
        let id = get(layout.id_at).unwrap_or_default();
        let mut out = RowProblems {
            row: r + 1,
            id: id.clone(),
            ..RowProblems::default()
        };
        let audience = get(layout.audience_at).unwrap_or_default();
        if !self.audiences.contains(&audience.as_str()) {
            let hint = crate::diagnostic::did_you_mean(&audience, self.audiences.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            out.push(
                "audience",
                Class::UnknownAudience,
                format!(
                    "`{audience}` is not an audience{hint}; audiences: {}",
                    self.audiences.join(", ")
                ),
            );
            return (out.problems, None);
        }
        let qs = &self.questions[audience.as_str()];
        let aligned: Vec<Option<&str>> = layout.at.iter().map(|i| i.map(|i| row[i].as_str())).collect();
        let (mut raw, para, mut bad) = records::decode(model, cols, qs, &audience, &aligned);
        // With rosters: the respondent's rows, from the roster tables (the first record of
        // an id only; a duplicate is reported as one).
        let children = children.filter(|c| c.owns(&id, r));
        let mut rows_unreadable = rows::Unreadable::new();
        if let Some(ch) = children {
            rows_unreadable = ch.attach(model, &id, &mut raw);
            bad.extend(rows::unlisted_choices(cols, &mut raw));
        }
        report_unreadable(&mut out, cols, &bad);
        let unreadable: HashSet<&str> = bad.iter().map(|b| b.column.as_str()).collect();
        // A variable found wrong makes what depends on it uncheckable: its knock-on effects
        // are not reported again (one problem per cause).
        let mut tainted: HashSet<&str> = cols
            .iter()
            .filter(|c| !unreadable.is_empty() && unreadable.contains(c.name.as_str()))
            .map(|c| c.variable.as_str())
            .collect();
        let mut deferred: Vec<(&Column, String, String)> = Vec::new();
        let route = model.route(&audience, &raw);
        let expected = data::encode_with(model, cols, &id, &audience, &route, &raw, &para);
        // The answers the route keeps: what the rules read, the respondent's and each row's.
        let env = data::simulate::answered_env(&audience, &route);
        let row_problems = children.map(|ch| ch.compare(self, &id, &audience, &route, &raw, &env, &rows_unreadable));
        // A row missing or extra makes what reads the rosters uncheckable: the row is the
        // problem, not the aggregates it changes.
        if row_problems.as_ref().is_some_and(|(_, unsure)| *unsure) {
            tainted.extend(
                model
                    .variables
                    .iter()
                    .filter(|v| v.unit.is_some())
                    .map(|v| v.name.as_str()),
            );
            tainted.extend(model.rosters().into_iter().map(|(r, _)| r.id.as_str()));
        }
        for ((c, want), text) in cols.iter().zip(&expected).zip(&aligned) {
            let Some(text) = *text else {
                continue;
            };
            if agrees(text, want, codes) && c.kind != ColumnKind::Mode {
                continue;
            }
            let text = text.to_string();
            if unreadable.contains(c.name.as_str()) {
                continue;
            }
            if tainted.contains(c.variable.as_str())
                || self
                    .depends
                    .get(c.variable.as_str())
                    .is_some_and(|d| d.iter().any(|v| tainted.contains(v.as_str())))
            {
                tainted.insert(&c.variable);
                continue;
            }
            if c.kind == ColumnKind::Mode && !data::MODES.contains(&text.as_str()) {
                out.push(
                    &c.name,
                    Class::BadParadata,
                    format!("`{text}` is not one of {}", data::MODES.join(", ")),
                );
                continue;
            }
            let have = records::cell(model, Some(&text));
            let want_text = want.render(codes);
            if same(&have, &want_text, &text) {
                continue;
            }
            if !c.kind.is_meta() {
                tainted.insert(&c.variable);
            }
            // Paradata recomputed from answers is checked once the answers are known right.
            if matches!(c.kind, ColumnKind::Duration | ColumnKind::Completion) {
                deferred.push((c, text, want_text));
                continue;
            }
            self.wrong_cell(&mut out, c, &text, &have, want, &route, &audience);
        }
        if bad.is_empty() && tainted.is_empty() {
            for (c, text, want) in deferred {
                out.push(
                    &c.name,
                    Class::BadParadata,
                    format!("`{text}`, but the record gives {want}"),
                );
            }
        }
        self.rules_of(
            &mut out,
            &self.ordered[audience.as_str()],
            &route.states,
            &env,
            &unreadable,
        );
        out.problems.extend(row_problems.into_iter().flat_map(|(p, _)| p));
        let below = opts
            .min_completion
            .and_then(|min| data::completion(model, &route).filter(|s| *s < min))
            .map(|share| Excluded {
                row: r + 1,
                respondent_id: id.clone(),
                completion: share,
            });
        (out.problems, below)
    }

    /// A cell that is not what the contract writes for the record's answers, said in the
    /// terms of its kind (a version, a hash, a time, or an answer and why it is wrong).
    #[allow(clippy::too_many_arguments)]
    fn wrong_cell(
        &self,
        out: &mut RowProblems,
        c: &Column,
        text: &str,
        have: &Read,
        want: &Cell,
        route: &crate::model::Route,
        audience: &str,
    ) {
        let model = self.model;
        let qs = &self.questions[audience];
        match &c.kind {
            ColumnKind::RespondentId | ColumnKind::Audience | ColumnKind::Language => {}
            ColumnKind::SpecVersion => out.push(
                &c.name,
                Class::VersionMismatch,
                format!("`{text}`, but the spec is version {}", model.survey.version),
            ),
            ColumnKind::SpecHash => out.push(
                &c.name,
                Class::HashMismatch,
                format!("`{text}`, but the spec's content hash is {}", model.content_hash),
            ),
            ColumnKind::Mode => out.push(
                &c.name,
                Class::BadParadata,
                format!("`{text}` is not one of {}", data::MODES.join(", ")),
            ),
            ColumnKind::Timestamp => out.push(
                &c.name,
                Class::BadParadata,
                format!("`{text}`, but a time is written YYYY-MM-DDThh:mm:ssZ (UTC), or -99 when not recorded"),
            ),
            _ => {
                let derived = !qs.contains_key(c.variable.as_str()) && model.derived(&c.variable).is_some();
                let state = route.states.get(&c.variable);
                // Past the screening rule that ended this respondent's survey.
                let screened = route
                    .ended_by
                    .as_ref()
                    .filter(|e| qs.get(c.variable.as_str()).is_some_and(|q| q.screens.contains(e)));
                let (class, message) = classify(model, c, have, want, state, derived, screened, audience);
                out.push(&c.name, class, format!("`{text}`: {message}"));
            }
        }
    }

    /// The questions' own rules, for what was asked and answered: ranges, whole numbers,
    /// how many ticked, exclusive options, lengths and the validation rules. `questions`
    /// are the respondent's or a roster's, `states` and `env` (the answers the validation
    /// rules read) the respondent's or one row's.
    fn rules_of(
        &self,
        out: &mut RowProblems,
        questions: &[&crate::model::Question],
        states: &BTreeMap<String, State>,
        env: &dyn crate::eval::Answers,
        unreadable: &HashSet<&str>,
    ) {
        for q in questions {
            let Some(State::Answered(value)) = states.get(q.variable_names()[0]) else {
                continue;
            };
            if q.variable_names().iter().any(|v| unreadable.contains(v)) {
                continue;
            }
            match (q.kind, value) {
                // A row chosen among a roster's rows must be one of them.
                (_, Value::Number(n)) if q.row_choices.is_some() => {
                    let roster = q.row_choices.as_deref().unwrap_or_default();
                    let rows = env.rows(roster).map_or(0, |r| r.len());
                    if *n as usize > rows {
                        out.push(
                            &q.id,
                            Class::OutOfRange,
                            format!(
                                "row {} of `{roster}`, which has {rows} row{}",
                                crate::expr::format_number(*n),
                                if rows == 1 { "" } else { "s" }
                            ),
                        );
                    }
                }
                (QuestionType::Integer | QuestionType::Decimal, Value::Number(n)) => {
                    let low = q.min.is_some_and(|m| *n < m);
                    let high = q.max.is_some_and(|m| *n > m);
                    if low || high {
                        out.push(
                            &q.id,
                            Class::OutOfRange,
                            format!(
                                "{} is outside {}",
                                crate::expr::format_number(*n),
                                range_words(q.min, q.max)
                            ),
                        );
                    } else if q.kind == QuestionType::Integer && n.fract() != 0.0 {
                        out.push(
                            &q.id,
                            Class::BadValue,
                            format!("{} is not a whole number", crate::expr::format_number(*n)),
                        );
                    }
                }
                (QuestionType::Multiple, Value::Selection(s)) => {
                    let n = s.len() as u32;
                    if q.max_selected.is_some_and(|m| n > m) {
                        out.push(
                            &q.id,
                            Class::TooManySelected,
                            format!("{n} ticked, at most {} allowed", q.max_selected.unwrap_or(0)),
                        );
                    }
                    if q.min_selected.is_some_and(|m| n < m) {
                        out.push(
                            &q.id,
                            Class::TooFewSelected,
                            format!("{n} ticked, at least {} required", q.min_selected.unwrap_or(0)),
                        );
                    }
                    if s.len() > 1 {
                        for o in q.options.iter().filter(|o| o.exclusive && s.contains(&o.value)) {
                            out.push(
                                &data::option_column(&q.id, o.code),
                                Class::ExclusiveWithOthers,
                                format!("“{}” is ticked with {} other option(s)", o.label.plain(), s.len() - 1),
                            );
                        }
                    }
                }
                (QuestionType::Text | QuestionType::LongText, Value::Text(t)) => {
                    if let Some(m) = q.max_length.filter(|m| t.chars().count() > *m as usize) {
                        out.push(
                            &q.id,
                            Class::OutOfRange,
                            format!("{} characters, at most {m} allowed", t.chars().count()),
                        );
                    }
                }
                _ => {}
            }
            for v in q.validations.iter().filter(|v| v.severity == Severity::Error) {
                if !crate::eval::holds(&v.check.expr, env) {
                    out.push(
                        &q.id,
                        Class::FailedValidation,
                        format!("fails `{}` (“{}”)", v.check.source, v.message.plain()),
                    );
                }
            }
        }
    }
}

/// Cells that could not be read back as answers, each as its kind of problem: a code not in
/// the list, a row chosen that the roster does not have, or a value of the wrong kind.
fn report_unreadable(out: &mut RowProblems, cols: &[Column], bad: &[records::Unreadable]) {
    for b in bad {
        let kind = cols.iter().find(|c| c.name == b.column).map(|c| &c.kind);
        let class = match kind {
            Some(ColumnKind::Code { .. } | ColumnKind::Flag { .. }) => Class::UnknownCode,
            Some(ColumnKind::RowChoice { .. } | ColumnKind::RowFlag { .. })
                if records::number(&b.text).is_some_and(|n| n >= 1.0 && n.fract() == 0.0) =>
            {
                Class::OutOfRange
            }
            _ => Class::BadValue,
        };
        out.push(&b.column, class, format!("`{}`: {}", b.text, b.why));
    }
}

/// A record's problems as they are found: each names the row and the respondent (in a
/// roster's table, the table and the row's key too).
#[derive(Default)]
struct RowProblems {
    table: String,
    row: usize,
    id: String,
    key: String,
    problems: Vec<Problem>,
}

impl RowProblems {
    fn push(&mut self, column: &str, class: Class, message: String) {
        self.problems.push(Problem {
            table: self.table.clone(),
            row: self.row,
            respondent_id: self.id.clone(),
            key: self.key.clone(),
            column: column.to_string(),
            class,
            message,
        });
    }
}

/// Where the contract's columns stand in a file, its header read once.
struct Layout {
    /// Per contract column, its place in the file's rows.
    at: Vec<Option<usize>>,
    id_at: Option<usize>,
    audience_at: Option<usize>,
}

/// Ids that appear on more than one row, each after its first.
fn duplicate_ids(table: &Table, id_at: Option<usize>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (r, row) in table.rows.iter().enumerate() {
        let id = id_at.map(|i| row[i].clone()).unwrap_or_default();
        if let Some(first) = seen.get(&id) {
            problems.push(Problem {
                table: String::new(),
                row: r + 1,
                respondent_id: id.clone(),
                key: String::new(),
                column: "respondent_id".into(),
                class: Class::DuplicateId,
                message: format!("`{id}` is also row {first}"),
            });
        } else {
            seen.insert(id, r + 1);
        }
    }
    problems
}

/// What each variable's cells depend on: the variables its universe and screening rules read
/// (derived variables: their inputs).
fn dependencies(model: &Questionnaire) -> HashMap<&str, Vec<String>> {
    let mut out: HashMap<&str, Vec<String>> = HashMap::new();
    for v in &model.variables {
        let mut refs: Vec<String> = Vec::new();
        for u in &v.universe {
            if let Some(c) = &u.condition {
                refs.extend(c.references.iter().cloned());
            }
            for a in &u.audiences {
                for s in &u.screens {
                    if let Some(c) = model.screen(a, s) {
                        refs.extend(c.references.iter().cloned());
                    }
                }
            }
        }
        refs.sort();
        refs.dedup();
        out.insert(v.name.as_str(), refs);
    }
    for d in &model.derived {
        out.insert(d.id.as_str(), model.derived_inputs(d));
    }
    out
}

/// The quick test, without allocating: the cell is what the contract writes.
fn agrees(text: &str, want: &Cell, codes: crate::model::MissingCodes) -> bool {
    let t = text.trim();
    match want {
        Cell::Int(i) => t.parse::<i64>().ok() == Some(*i),
        Cell::Number(n) => records::number(t).is_some_and(|x| (x - n).abs() < 1e-9 * n.abs().max(1.0)),
        Cell::Text(s) => t == s,
        Cell::NotApplicable => t.parse::<i64>().ok() == Some(codes.not_applicable),
        Cell::Missing => t.parse::<i64>().ok() == Some(codes.missing),
    }
}

/// Whether a cell says what the contract would write (numbers compared as numbers).
fn same(have: &Read, want: &str, text: &str) -> bool {
    if text.trim() == want {
        return true;
    }
    match (have, records::number(want), records::number(text.trim())) {
        (Read::Value(_) | Read::NotApplicable | Read::Missing, Some(a), Some(b)) => {
            (a - b).abs() < 1e-9 * a.abs().max(1.0)
        }
        _ => false,
    }
}

#[allow(clippy::too_many_arguments)]
fn classify(
    model: &Questionnaire,
    c: &Column,
    have: &Read,
    want: &Cell,
    state: Option<&State>,
    derived: bool,
    screened: Option<&String>,
    audience: &str,
) -> (Class, String) {
    let who = model
        .audiences
        .iter()
        .find(|a| a.id == audience)
        .map(|a| a.label.as_str())
        .unwrap_or(audience);
    let answered = matches!(have, Read::Value(_) | Read::Absent);
    match (want, have) {
        _ if derived => (
            Class::DerivedDiffers,
            format!(
                "recomputed from the answers it is {}",
                want.render(model.survey.missing_codes)
            ),
        ),
        (Cell::NotApplicable, _) if answered && !c.audiences.iter().any(|a| a == audience) => {
            (Class::AnsweredOtherAudience, format!("{who} are not asked this"))
        }
        (Cell::NotApplicable, _) if answered && screened.is_some() => (
            Class::AnsweredAfterScreen,
            format!(
                "the screening rule `{}` ended the survey before it",
                screened.map(String::as_str).unwrap_or_default()
            ),
        ),
        (Cell::NotApplicable, Read::Missing) => (
            Class::MissingWhereNotApplicable,
            "the routing says not applicable: write -88".into(),
        ),
        (Cell::NotApplicable, _) => (
            Class::AnsweredNotApplicable,
            "the respondent was not asked this (routing)".into(),
        ),
        (Cell::Missing, Read::NotApplicable) if matches!(state, Some(State::Unknown)) => (
            Class::NotApplicableWhereUnknown,
            "not asked only because an earlier answer it depends on is missing: write -99".into(),
        ),
        (_, Read::NotApplicable) => (
            Class::NotApplicableWhereAsked,
            "the respondent was asked this: an answer or -99".into(),
        ),
        _ => (
            Class::NotContract,
            format!("the data contract writes {}", want.render(model.survey.missing_codes)),
        ),
    }
}

fn range_words(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("{} to {}", crate::expr::format_number(a), crate::expr::format_number(b)),
        (Some(a), None) => format!("at least {}", crate::expr::format_number(a)),
        (None, Some(b)) => format!("at most {}", crate::expr::format_number(b)),
        (None, None) => "its range".into(),
    }
}
