//! One respondent's path through an instrument, rosters included: [`Questionnaire::route`].
//! The walk goes item by item; a roster's rows are counted from the answers before it (its
//! `count`, the options ticked for `for_each`, the rows entered for an open roster) and
//! each row walks the roster's items with its own answers, reading the answers around it
//! (its parent row's, the respondent's). What each row was asked is kept beside the
//! respondent's states ([`Route::rows`]), and conditions after the roster read the rows
//! through the aggregates.

use std::collections::BTreeMap;

use super::{Item, Questionnaire, Roster, Route, RowRoute, State};
use crate::eval::{self, AnswerMap, Answers, Truth, Value};

/// The routed answers of the respondent or of one row: what later conditions read.
#[derive(Default)]
struct Level {
    values: crate::FastMap<String, Value>,
    /// Variables whose answers are missing or whose eligibility is unknown.
    unknown: crate::FastSet<String>,
    /// Each roster's routed rows.
    rows: crate::FastMap<String, Vec<Level>>,
}

/// The answers a condition reads at one level: its own, then those around it; at the
/// respondent's level, the derived variables too.
struct At<'a> {
    model: &'a Questionnaire,
    audience: &'a str,
    level: &'a Level,
    around: Option<&'a dyn Answers>,
    number: Option<usize>,
}

impl Answers for At<'_> {
    fn value(&self, name: &str) -> Value {
        if let Some(v) = self.level.values.get(name) {
            return v.clone();
        }
        match self.around {
            Some(around) => around.value(name),
            // Derived variables are acyclic (checked), so this recursion ends.
            None => match self.model.derived(name) {
                Some(d) => self.model.derive(d, self),
                None => Value::Null,
            },
        }
    }

    fn audience(&self) -> &str {
        self.audience
    }

    fn partial(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.level.values.get(name) {
            return Some(v.clone());
        }
        if self.level.unknown.contains(name) {
            return None;
        }
        match self.around {
            Some(around) => around.partial(name),
            None => match self.model.derived(name) {
                Some(d) => self.model.derive_partial(d, self),
                None => Some(Value::Null),
            },
        }
    }

    fn rows(&self, roster: &str) -> Option<Vec<Box<dyn Answers + '_>>> {
        match self.level.rows.get(roster) {
            Some(rows) => Some(
                rows.iter()
                    .enumerate()
                    .map(|(i, level)| {
                        Box::new(At {
                            model: self.model,
                            audience: self.audience,
                            level,
                            around: Some(self),
                            number: Some(i + 1),
                        }) as Box<dyn Answers + '_>
                    })
                    .collect(),
            ),
            None => self.around.and_then(|a| a.rows(roster)),
        }
    }

    fn row(&self) -> Option<usize> {
        self.number
    }
}

/// Where a walk stands: the level being filled, what is around it, and its row's number.
#[derive(Clone, Copy)]
struct Place<'p> {
    around: Option<&'p dyn Answers>,
    number: Option<usize>,
}

/// The walk of one instrument for one respondent.
struct Walk<'m> {
    model: &'m Questionnaire,
    audience: &'m str,
    ended_by: Option<String>,
    /// The rosters asked (reached, and their condition held), in any row: a derived
    /// variable that reads one through an aggregate reads something asked.
    asked: Vec<&'m str>,
}

/// What a walk of some items fills: the states of their variables and their rosters' rows.
#[derive(Default)]
struct Filled {
    states: BTreeMap<String, State>,
    rows: BTreeMap<String, Vec<RowRoute>>,
}

impl<'m> Walk<'m> {
    /// The answers a condition reads at `level`, in `place`.
    fn at<'a>(&self, level: &'a Level, place: Place<'a>) -> At<'a>
    where
        'm: 'a,
    {
        At {
            model: self.model,
            audience: self.audience,
            level,
            around: place.around,
            number: place.number,
        }
    }

    /// Walks `items` at `level`, reading what was entered from `raw`.
    fn items(&mut self, items: &'m [Item], level: &mut Level, place: Place<'_>, raw: &dyn Answers, out: &mut Filled) {
        for item in items {
            match item {
                Item::Question(q) => {
                    // Eligibility has three outcomes: asked; not applicable; unknown, when
                    // only a missing answer kept the question from being asked.
                    let eligibility = match (&self.ended_by, &q.condition) {
                        (Some(_), _) => Truth::False,
                        (None, None) => Truth::True,
                        (None, Some(c)) => {
                            let env = self.at(level, place);
                            if eval::holds(&c.expr, &env) {
                                Truth::True
                            } else {
                                match eval::truth(&c.expr, &env) {
                                    Truth::Unknown => Truth::Unknown,
                                    _ => Truth::False,
                                }
                            }
                        }
                    };
                    for var in q.variable_names() {
                        let state = match eligibility {
                            Truth::False => State::NotApplicable,
                            Truth::Unknown => State::Unknown,
                            Truth::True => match raw.value(var).normalised() {
                                Value::Null => State::Missing,
                                v => {
                                    level.values.insert(var.to_string(), v.clone());
                                    State::Answered(v)
                                }
                            },
                        };
                        if matches!(state, State::Missing | State::Unknown) {
                            level.unknown.insert(var.to_string());
                        }
                        out.states.insert(var.to_string(), state);
                    }
                }
                Item::Screen { id, condition, .. } => {
                    if self.ended_by.is_none() && eval::holds(&condition.expr, &self.at(level, place)) {
                        self.ended_by = Some(id.clone());
                    }
                }
                Item::Note { .. } | Item::Definitions { .. } => {}
                Item::Roster(r) => {
                    let (levels, routes) = self.roster(r, level, place, raw);
                    level.rows.insert(r.id.clone(), levels);
                    out.rows.insert(r.id.clone(), routes);
                }
            }
        }
    }

    /// A roster's rows, each walked with its own answers (an entered row beyond the count
    /// is not asked; a row not entered is asked and its answers are missing).
    fn roster(
        &mut self,
        r: &'m Roster,
        level: &Level,
        place: Place<'_>,
        raw: &dyn Answers,
    ) -> (Vec<Level>, Vec<RowRoute>) {
        let here = self.at(level, place);
        let count = self.row_count(r, &here, raw);
        let entered = raw.rows(&r.id).unwrap_or_default();
        let empty = AnswerMap::new(self.audience);
        let mut levels = Vec::with_capacity(count);
        let mut routes = Vec::with_capacity(count);
        for i in 0..count {
            let mut row_level = Level::default();
            let mut row_out = Filled::default();
            let raw_row: &dyn Answers = entered.get(i).map_or(&empty, |r| r.as_ref());
            let row_place = Place {
                around: Some(&here),
                number: Some(i + 1),
            };
            self.items(&r.items, &mut row_level, row_place, raw_row, &mut row_out);
            self.not_applicable(Some(&r.id), &mut row_out.states);
            levels.push(row_level);
            routes.push(RowRoute {
                states: row_out.states,
                rows: row_out.rows,
            });
        }
        (levels, routes)
    }

    /// How many rows a roster has for this respondent: none when it is not asked (or only
    /// an unknown answer would ask it), else as its source says, at most `max_rows`.
    fn row_count(&mut self, r: &'m Roster, env: &At<'_>, raw: &dyn Answers) -> usize {
        if self.ended_by.is_some() || r.condition.as_ref().is_some_and(|c| !eval::holds(&c.expr, env)) {
            return 0;
        }
        if !self.asked.contains(&r.id.as_str()) {
            self.asked.push(&r.id);
        }
        r.rows_given(self.model, env)
            .unwrap_or_else(|| raw.rows(&r.id).map_or(0, |rows| rows.len()).min(r.max_rows as usize))
    }

    /// Every variable of `unit` (the respondent's: `None`) that the walk did not reach is
    /// not applicable.
    fn not_applicable(&self, unit: Option<&str>, states: &mut BTreeMap<String, State>) {
        for v in self.model.variables.iter().filter(|v| v.unit.as_deref() == unit) {
            // Looked up first: most are there already, and a key for `entry` is a copy.
            if !states.contains_key(&v.name) {
                states.insert(v.name.clone(), State::NotApplicable);
            }
        }
    }
}

impl Questionnaire {
    /// Follows the routing for one respondent: which variables were asked, and their values;
    /// for each roster, which rows it had and what each was asked ([`Route::rows`]).
    ///
    /// `raw` holds whatever was entered (a roster's rows through [`Answers::rows`]); an
    /// answer to a question that the routing skips is dropped (it reads as null for later
    /// conditions), exactly as the web form does. Derived variables are computed from the
    /// routed answers; one is not applicable when no variable it reads was asked (or its
    /// audience is not among the derived variable's).
    pub fn route(&self, audience: &str, raw: &dyn Answers) -> Route {
        let mut walk = Walk {
            model: self,
            audience,
            ended_by: None,
            asked: Vec::new(),
        };
        let mut level = Level::default();
        let mut out = Filled::default();
        let top = Place {
            around: None,
            number: None,
        };
        if let Some(instrument) = self.instrument(audience) {
            for section in &instrument.sections {
                walk.items(&section.items, &mut level, top, raw, &mut out);
            }
        }
        walk.not_applicable(None, &mut out.states);
        let env = walk.at(&level, top);
        for d in &self.derived {
            let inputs = self.derived_inputs(d);
            let none_asked = !inputs.is_empty()
                && inputs.iter().all(|v| {
                    out.states.get(v.as_str()).is_none_or(|s| *s == State::NotApplicable)
                        && !walk.asked.contains(&v.as_str())
                });
            let state = if !d.audiences.iter().any(|a| a == audience) || none_asked {
                State::NotApplicable
            } else {
                match env.value(&d.id) {
                    Value::Null => State::Missing,
                    v => State::Answered(v),
                }
            };
            out.states.insert(d.id.clone(), state);
        }
        Route {
            states: out.states,
            ended_by: walk.ended_by,
            rows: out.rows,
        }
    }
}
