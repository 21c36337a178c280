//! The model and a seed in, synthetic responses out: what respondents might enter, routed as
//! the form routes them (`quire simulate`).
//!
//! Answers are drawn for every question an audience has, routed or not; routing then drops
//! the ones a respondent would not have been asked, exactly as the web form does. Screening
//! questions are mostly passed, some answers are left blank (item non-response), "Other"
//! choices bring a write-in, non-substantive options are drawn like any other, and numbers
//! honour the question's range and its `validate` rules. The same seed gives the same
//! responses.

use crate::data::{Paradata, other_column};
use crate::eval::{AnswerMap, Answers, Value};
use crate::model::{Item, Question, QuestionType, Questionnaire, Roster, RowRoute, Severity, State};

/// How to simulate.
#[derive(Debug, Clone)]
pub struct Options {
    /// How many responses.
    pub n: usize,
    /// The random seed: the same seed gives the same responses.
    pub seed: u64,
    /// Only these audiences (all when empty); respondents are spread evenly over them.
    pub audiences: Vec<String>,
    /// The chance that a question which is not required is left blank, 0 to 1.
    pub nonresponse: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            n: 100,
            seed: 1,
            audiences: Vec::new(),
            nonresponse: 0.1,
        }
    }
}

/// One simulated response: its id, what was entered, and how it was collected.
#[derive(Debug, Clone)]
pub struct Response {
    /// Its respondent id.
    pub id: String,
    /// What was entered.
    pub answers: AnswerMap,
    /// How it was collected.
    pub paradata: Paradata,
}

/// Write-ins and texts: quotes, separators, markup and Welsh, as real data brings them.
const WRITE_INS: [&str; 6] = [
    "Hospital pharmacist",
    "Ysbyty Gwynedd, Bangor",
    "\"Key worker\", social care",
    "Nurse; then GP",
    "<none> & unsure",
    "Cydlynydd gofal – ŵyr",
];

/// A small, fast generator (xorshift64): the same seed gives the same responses everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// 0 ≤ n < k.
    fn below(&mut self, k: usize) -> usize {
        (self.next() % k.max(1) as u64) as usize
    }
    /// True with probability p.
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// Simulated responses, before encoding.
pub fn simulate(model: &Questionnaire, opts: &Options) -> Vec<Response> {
    let audiences: Vec<&str> = model
        .audiences
        .iter()
        .map(|a| a.id.as_str())
        .filter(|a| opts.audiences.is_empty() || opts.audiences.iter().any(|x| x == a))
        .collect();
    if audiences.is_empty() {
        return Vec::new();
    }
    let mut rng = Rng::new(opts.seed);
    let mut out = Vec::with_capacity(opts.n);
    let counters: Vec<String> = model
        .rosters()
        .into_iter()
        .filter_map(|(r, _)| match &r.rows {
            crate::model::Rows::Count { count } => Some(count.references.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    for i in 0..opts.n {
        let audience = audiences[i % audiences.len()];
        let Some(instrument) = model.instrument(audience) else {
            continue;
        };
        let mut raw = AnswerMap::new(audience);
        let mut filler = Filler {
            model,
            opts,
            rng: &mut rng,
            counters: &counters,
        };
        for section in &instrument.sections {
            filler.fill(&section.items, &mut raw, None);
        }
        out.push(Response {
            id: format!("R{:04}", i + 1),
            answers: raw,
            paradata: crate::data::synthetic_paradata(i, opts.seed),
        });
    }
    out
}

/// Draws what a respondent enters, item by item; a roster's rows as many as its source
/// gives (an open roster's: a few), each filled with the roster's items.
struct Filler<'m, 'r> {
    model: &'m Questionnaire,
    opts: &'m Options,
    rng: &'r mut Rng,
    /// The questions a roster's `count` reads: answered with plausible counts.
    counters: &'m [String],
}

/// Rows a simulated respondent adds to an open roster, beyond its `min_rows`, at most.
const OPEN_ROWS: usize = 4;

impl Filler<'_, '_> {
    /// Fills `raw` with answers to `items`; `around` is the answers holding the row `raw`
    /// is (with its number), `None` at the respondent's level.
    fn fill(&mut self, items: &[Item], raw: &mut AnswerMap, around: Option<(&dyn Answers, usize)>) {
        for item in items {
            match item {
                Item::Question(q) => self.question(q, raw, around),
                Item::Roster(r) => {
                    let n = {
                        let here = view(raw, around);
                        self.rows_to_enter(r, here.as_ref())
                    };
                    for i in 0..n {
                        let mut row = AnswerMap::new(&raw.audience);
                        {
                            let here = view(raw, around);
                            self.fill(&r.items, &mut row, Some((here.as_ref(), i + 1)));
                        }
                        raw.push_row(&r.id, row);
                    }
                }
                _ => {}
            }
        }
    }

    fn question(&mut self, q: &Question, raw: &mut AnswerMap, around: Option<(&dyn Answers, usize)>) {
        if !q.required && self.rng.chance(self.opts.nonresponse) {
            return;
        }
        if q.kind == QuestionType::Integer && self.counters.contains(&q.id) {
            // A count of rows (people, births): small, as households and families are.
            let lo = q.min.unwrap_or(0.0).max(0.0);
            let n = (lo + (self.rng.below(3) + self.rng.below(4)) as f64).min(q.max.unwrap_or(f64::MAX));
            let value = Value::Number(n);
            if q.validations.is_empty() || keeps_rules(self.model, q, &q.id, &value, raw, around) {
                raw.set(&q.id, value);
                return;
            }
        }
        for var in q.variable_names() {
            if let Some(value) = draw(self.model, q, var, raw, around, self.rng) {
                raw.set(var, value);
            }
        }
        if q.options.iter().any(|o| o.other) {
            raw.set(
                &other_column(&q.id),
                Value::Text(WRITE_INS[self.rng.below(WRITE_INS.len())].to_string()),
            );
        }
    }

    /// As many rows as the roster's count or the options ticked say (at most `max_rows`);
    /// one per option of a list; for an open roster, `min_rows` and a few more.
    fn rows_to_enter(&mut self, r: &Roster, here: &dyn Answers) -> usize {
        r.rows_given(self.model, here)
            .unwrap_or_else(|| (r.min_rows as usize + self.rng.below(OPEN_ROWS + 1)).min(r.max_rows as usize))
    }
}

/// The answers a row's items read: the row's own, then those around it.
fn view<'a>(raw: &'a AnswerMap, around: Option<(&'a dyn Answers, usize)>) -> Box<dyn Answers + 'a> {
    match around {
        Some((around, number)) => Box::new(raw.as_row(around, number)),
        None => Box::new(raw),
    }
}

/// Simulated responses encoded as records of the data contract (`data::columns` order).
pub fn records(model: &Questionnaire, opts: &Options) -> Vec<Vec<crate::data::Cell>> {
    let cols = crate::data::columns(model);
    simulate(model, opts)
        .into_iter()
        .map(|r| {
            let route = model.route(&r.answers.audience, &r.answers);
            crate::data::encode_with(
                model,
                &cols,
                &r.id,
                &r.answers.audience,
                &route,
                &r.answers,
                &r.paradata,
            )
        })
        .collect()
}

/// Simulated responses in the long layout ([`crate::data::units`]): for each table, its
/// lines.
pub fn tables(
    model: &Questionnaire,
    units: &[crate::data::units::Unit],
    opts: &Options,
) -> Vec<Vec<Vec<crate::data::Cell>>> {
    let each = simulate(model, opts).into_iter().map(|r| {
        let route = model.route(&r.answers.audience, &r.answers);
        crate::data::units::encode(
            model,
            units,
            &r.id,
            &r.answers.audience,
            &route,
            &r.answers,
            &r.paradata,
        )
    });
    crate::data::units::collect(each, units)
}

/// A choice among a roster's rows: one row, or some (their numbers, in order); None when
/// the roster has no rows yet.
fn draw_rows(q: &Question, roster: &str, env: &dyn Answers, rng: &mut Rng) -> Option<Value> {
    let n = env.rows(roster).map_or(0, |rows| rows.len());
    if n == 0 {
        return None;
    }
    Some(match q.kind {
        QuestionType::Multiple => {
            let mut picked: Vec<usize> = (1..=n).filter(|_| rng.chance(0.4)).collect();
            if picked.is_empty() {
                picked.push(1 + rng.below(n));
            }
            Value::Selection(picked.iter().map(|k| k.to_string()).collect())
        }
        _ => Value::Number((1 + rng.below(n)) as f64),
    })
}

/// One answer to one variable of `q`; None when no drawn answer keeps the question's rules.
fn draw(
    model: &Questionnaire,
    q: &Question,
    var: &str,
    raw: &AnswerMap,
    around: Option<(&dyn Answers, usize)>,
    rng: &mut Rng,
) -> Option<Value> {
    if let Some(roster) = &q.row_choices {
        return draw_rows(q, roster, view(raw, around).as_ref(), rng);
    }
    for attempt in 0..20 {
        let value = match q.kind {
            QuestionType::Single | QuestionType::Grid => {
                if q.options.is_empty() {
                    return None;
                }
                // Screening questions (required yes/no) are mostly passed: 1 in 12 declines.
                let o = if q.required && q.options.len() == 2 && rng.below(12) != 0 {
                    0
                } else {
                    rng.below(q.options.len())
                };
                Value::Text(q.options[o].value.clone())
            }
            QuestionType::Multiple => {
                if q.options.is_empty() {
                    return None;
                }
                let max = q.max_selected.map(|m| m as usize).unwrap_or(q.options.len()).max(1);
                let min = q.min_selected.map(|m| m as usize).unwrap_or(1).max(1);
                let k = (1 + rng.below(max.min(q.options.len()))).max(min.min(q.options.len()));
                let mut picked: Vec<&str> = Vec::new();
                for _ in 0..k * 3 {
                    if picked.len() >= k {
                        break;
                    }
                    let o = &q.options[rng.below(q.options.len())];
                    if o.exclusive {
                        picked = vec![o.value.as_str()];
                        break;
                    }
                    if !picked.contains(&o.value.as_str()) {
                        picked.push(&o.value);
                    }
                }
                Value::Selection(
                    q.options
                        .iter()
                        .map(|o| o.value.clone())
                        .filter(|v| picked.contains(&v.as_str()))
                        .collect(),
                )
            }
            QuestionType::Integer | QuestionType::Decimal => {
                // A window of 41 values from the bottom of the range; when a rule refused
                // that, from its top on every other try (a recent year, an older age).
                let (min, max) = (q.min.unwrap_or(0.0), q.max.unwrap_or(q.min.unwrap_or(0.0) + 100.0));
                let lo = if attempt % 2 == 1 && max - min > 40.0 {
                    max - 40.0
                } else {
                    min
                };
                let hi = max.min(lo + 40.0).max(lo);
                Value::Number(lo + rng.below((hi - lo) as usize + 1) as f64)
            }
            QuestionType::Date => Value::Text(format!("2019-{:02}-{:02}", 8 + rng.below(5), 1 + rng.below(28))),
            QuestionType::Text | QuestionType::LongText => {
                let t = WRITE_INS[rng.below(WRITE_INS.len())];
                let t = match q.max_length {
                    Some(n) => t.chars().take(n as usize).collect(),
                    None => t.to_string(),
                };
                Value::Text(t)
            }
        };
        if q.validations.is_empty() || keeps_rules(model, q, var, &value, raw, around) {
            return Some(value);
        }
    }
    None
}

/// Whether `value` for `var` keeps the question's hard `validate` rules, given the answers so far.
fn keeps_rules(
    model: &Questionnaire,
    q: &Question,
    var: &str,
    value: &Value,
    raw: &AnswerMap,
    around: Option<(&dyn Answers, usize)>,
) -> bool {
    let mut env = raw.clone();
    env.set(var, value.clone());
    if let Some((around, number)) = around {
        // In a row: the rules read the row's answers as entered, and those around it.
        let row = env.as_row(around, number);
        return q
            .validations
            .iter()
            .filter(|v| v.severity == Severity::Error)
            .all(|v| crate::eval::holds(&v.check.expr, &row));
    }
    let route = model.route(&env.audience, &env);
    let seen = answered_env(&env.audience, &route);
    q.validations
        .iter()
        .filter(|v| v.severity == Severity::Error)
        .all(|v| crate::eval::holds(&v.check.expr, &seen))
}

/// The answers a respondent's route keeps, as the form evaluates rules against them (each
/// routed row's as a row).
pub fn answered_env(audience: &str, route: &crate::model::Route) -> AnswerMap {
    kept(audience, &route.states, &route.rows, false)
}

/// [`answered_env`], with what the route found missing or of unknown eligibility unknown
/// ([`Answers::partial`] gives `None` for it): what a three-valued reading of conditions
/// against the kept answers needs.
pub fn routed_env(audience: &str, route: &crate::model::Route) -> AnswerMap {
    kept(audience, &route.states, &route.rows, true)
}

/// The answered states of one level and its rows; with `unknowns`, the missing and
/// unknown ones marked so.
fn kept(
    audience: &str,
    states: &std::collections::BTreeMap<String, State>,
    rows: &std::collections::BTreeMap<String, Vec<RowRoute>>,
    unknowns: bool,
) -> AnswerMap {
    let mut env = AnswerMap::new(audience);
    for (name, st) in states {
        match st {
            State::Answered(v) => {
                env.set(name, v.clone());
            }
            State::Missing | State::Unknown if unknowns => {
                env.unknown.insert(name.clone());
            }
            _ => {}
        }
    }
    for (roster, routed) in rows {
        // A roster routed with no rows has none, which is not the same as not asked.
        let held = env.rows.entry(roster.clone()).or_default();
        held.extend(
            routed
                .iter()
                .map(|row| kept(audience, &row.states, &row.rows, unknowns)),
        );
    }
    env
}

impl Answers for Response {
    fn value(&self, name: &str) -> Value {
        self.answers.value(name)
    }
    fn audience(&self) -> &str {
        &self.answers.audience
    }
    fn rows(&self, roster: &str) -> Option<Vec<Box<dyn Answers + '_>>> {
        self.answers.rows_within(roster, self)
    }
}
