//! A condition and the model in, whether any answers could make it hold.
//!
//! Exhaustive search over the answers to the questions it reads (and the questions *their*
//! universes read, so routing and screening are followed), when every such question has a
//! small finite domain. Undecided (`None`) otherwise: a warning or a "Go to" is only ever
//! given on proof.

use std::collections::BTreeSet;

use crate::eval::{self, Value};
use crate::model::{Condition, DerivedRule, Item, Question, QuestionType, Questionnaire, Routed};
use crate::{FastMap, FastSet};

/// At most this many combinations of answers are tried for one condition.
const MAX_COMBINATIONS: usize = 20_000;
/// At most this many questions take part in one search.
const MAX_VARIABLES: usize = 12;
/// Multiple-choice questions with more options than this are not enumerated (2^n subsets).
const MAX_MULTI_OPTIONS: usize = 8;

/// What the search needs to know of one questionnaire variable.
struct Var<'m> {
    order: usize,
    /// The question's universe: its conditions, and no screening rule before it holding.
    universe: Option<Condition>,
    question: &'m Question,
    /// Its universe reads the row's number (`row()`), which a search does not try: a search
    /// it takes part in is undecided.
    opaque: bool,
    /// Its answers worth trying ([`Reach::domain`]), worked out when first needed.
    domain: std::sync::OnceLock<Option<Domain>>,
}

/// The answers worth trying for one question.
enum Domain {
    /// Each of these in turn.
    Values(Vec<Value>),
    /// Every subset of these options, the empty one as no answer: a multiple-choice answer.
    /// Made one at a time as the search tries it, not all kept (2^n of them).
    Subsets(Vec<String>),
}

/// A question's answers to try in one search: its domain, or the one answer given.
#[derive(Clone, Copy)]
enum Picks<'a> {
    Values(&'a [Value]),
    Subsets(&'a [String]),
}

impl<'a> Picks<'a> {
    fn of(domain: &'a Domain) -> Self {
        match domain {
            Domain::Values(v) => Picks::Values(v),
            Domain::Subsets(o) => Picks::Subsets(o),
        }
    }

    fn len(self) -> usize {
        match self {
            Picks::Values(v) => v.len(),
            Picks::Subsets(o) => 1usize.checked_shl(o.len() as u32).unwrap_or(usize::MAX),
        }
    }

    /// The `i`th answer: a subset by its bits over the options, in the options' order.
    fn get(self, i: usize) -> Value {
        match self {
            Picks::Values(v) => v[i].clone(),
            Picks::Subsets(o) => Value::Selection(
                o.iter()
                    .enumerate()
                    .filter(|(k, _)| i & (1 << k) != 0)
                    .map(|(_, v)| v.clone())
                    .collect(),
            )
            .normalised(),
        }
    }
}

/// The index being built: each question's variables in questionnaire order, with their
/// universes. A roster's questions are indexed as one row sees them: the names of a row
/// are its own answers, and its universe holds the roster's conditions (those of the
/// rosters around it too). A search over them is a search over one row; a condition that
/// reads the rows from outside (`count(person, …)`) names the roster, which is not a
/// question, and so is not searched.
struct Index<'v, 'm> {
    vars: &'v mut FastMap<&'m str, Var<'m>>,
    order: usize,
    not_screened: Option<Condition>,
}

impl<'m> Index<'_, 'm> {
    fn items(&mut self, items: &'m [Item], within: Option<&Condition>) {
        for item in items {
            match item {
                Item::Question(q) => {
                    let own = Condition::and(q.condition.as_ref(), within);
                    let universe = Condition::and(own.as_ref(), self.not_screened.as_ref());
                    let opaque = universe.as_ref().is_some_and(reads_row_number);
                    for name in q.variable_names() {
                        self.vars.insert(
                            name,
                            Var {
                                order: self.order,
                                universe: universe.clone(),
                                question: q,
                                opaque,
                                domain: std::sync::OnceLock::new(),
                            },
                        );
                    }
                    self.order += 1;
                }
                Item::Screen { condition, .. } => {
                    self.not_screened = Condition::and(self.not_screened.as_ref(), Some(&Condition::not(condition)));
                }
                Item::Roster(r) => {
                    let inner = Condition::and(within, r.condition.as_ref());
                    self.items(&r.items, inner.as_ref());
                }
                Item::Note { .. } | Item::Definitions { .. } => {}
            }
        }
    }
}

/// Whether a condition reads a row's number (`row()`): a search tries answers, not rows, so
/// it decides nothing about such a condition.
fn reads_row_number(c: &Condition) -> bool {
    let mut found = false;
    c.expr.walk(&mut |e| {
        if matches!(&e.kind, crate::expr::ExprKind::Call { function, .. } if function == "row") {
            found = true;
        }
    });
    found
}

/// The variables of one audience's instrument, indexed once and shared by every search.
pub struct Reach<'m> {
    model: &'m Questionnaire,
    audience: &'m str,
    vars: FastMap<&'m str, Var<'m>>,
    /// Per number or text variable, the literals the model compares it with: the answers
    /// worth trying for it ([`Reach::domain`]).
    literals: &'m Compared,
}

/// What the model's conditions compare each variable with, gathered once for all its
/// instruments' searches.
pub struct Compared(FastMap<String, Literals>);

impl Compared {
    /// Gathers what every condition of `model` compares each variable with.
    pub fn of(model: &Questionnaire) -> Self {
        let mut literals = FastMap::default();
        for e in model_expressions(model) {
            scan(e, &mut literals);
        }
        Compared(literals)
    }
}

/// What the model's conditions do with one variable.
#[derive(Default)]
struct Literals {
    numbers: Vec<f64>,
    texts: Vec<String>,
    /// Read other than by comparison with a literal (arithmetic, a bare value): its answers
    /// cannot be summed up by a few representatives.
    opaque: bool,
}

impl<'m> Reach<'m> {
    /// Every instrument's search index, in the model's order.
    pub fn all(model: &'m Questionnaire, compared: &'m Compared) -> Vec<Reach<'m>> {
        model
            .instruments
            .iter()
            .map(|i| Reach::new(model, &i.audience, compared))
            .collect()
    }

    /// The search for `audience`'s instrument.
    pub fn new(model: &'m Questionnaire, audience: &'m str, compared: &'m Compared) -> Self {
        let sections = model
            .instrument(audience)
            .map(|i| i.sections.as_slice())
            .unwrap_or_default();
        // Room for every variable at the start: a question's one, or a grid's rows.
        let asked = sections
            .iter()
            .flat_map(|s| crate::model::questions_within(&s.items))
            .map(|(q, _)| q.rows.len().max(1))
            .sum();
        let mut vars = FastMap::with_capacity_and_hasher(asked, Default::default());
        let mut index = Index {
            vars: &mut vars,
            order: 0,
            // Reaching a question means no earlier screening rule ended the survey.
            not_screened: None,
        };
        for section in sections {
            index.items(&section.items, None);
        }
        Reach {
            model,
            audience,
            vars,
            literals: compared,
        }
    }

    /// The model searched.
    pub fn model(&self) -> &'m Questionnaire {
        self.model
    }

    /// The audience whose instrument this searches.
    pub fn audience(&self) -> &'m str {
        self.audience
    }

    /// The universe of a question variable of this instrument (none: asked of all).
    pub fn universe(&self, name: &str) -> Option<&Condition> {
        self.vars.get(name)?.universe.as_ref()
    }

    /// The questions whose answers can matter to an expression reading `references`: those
    /// it reads, through derived variables and the universes of the questions read.
    /// `None` when there are too many to search, or one is not of this instrument.
    pub fn needed<'a>(&'a self, references: impl IntoIterator<Item = &'a str>) -> Option<BTreeSet<&'m str>> {
        Some(
            self.needed_in_order(references)?
                .into_iter()
                .map(|(_, n, _)| n)
                .collect(),
        )
    }

    /// [`Reach::needed`] in questionnaire order, with each question's index entry. At most
    /// [`MAX_VARIABLES`] questions, so small lists searched in place beat sets here.
    fn needed_in_order<'a>(
        &'a self,
        references: impl IntoIterator<Item = &'a str>,
    ) -> Option<Vec<(usize, &'m str, &'a Var<'m>)>> {
        let mut needed: Vec<(usize, &'m str, &'a Var<'m>)> = Vec::new();
        let mut queue: Vec<&str> = references.into_iter().collect();
        let mut seen: Vec<&str> = Vec::new();
        while let Some(name) = queue.pop() {
            if seen.contains(&name) {
                continue;
            }
            seen.push(name);
            if let Some(d) = self.model.derived(name) {
                match &d.rule {
                    DerivedRule::Expr { expr } => queue.extend(expr.references.iter().map(String::as_str)),
                    DerivedRule::Cases { cases, .. } => cases
                        .iter()
                        .for_each(|c| queue.extend(c.when.references.iter().map(String::as_str))),
                }
                continue;
            }
            let (key, var) = self.vars.get_key_value(name)?;
            if var.opaque {
                return None;
            }
            needed.push((var.order, key, var));
            if needed.len() > MAX_VARIABLES {
                return None;
            }
            if let Some(c) = &var.universe {
                queue.extend(c.references.iter().map(String::as_str));
            }
        }
        // Names are distinct (each met once), and so are orders but for a grid's rows,
        // which share their question's: the name breaks the tie, as a set of pairs would.
        needed.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        Some(needed)
    }

    /// `Some(true)`: some answers make `cond` hold; `Some(false)`: none can; `None`: undecided.
    pub fn can_hold(&self, cond: &Condition) -> Option<bool> {
        self.can_hold_given(cond, None)
    }

    /// [`Reach::can_hold`] among respondents who gave `answer` to one question (which makes
    /// the search that much smaller).
    pub fn can_hold_given(&self, cond: &Condition, answer: Option<(&str, &Value)>) -> Option<bool> {
        if reads_row_number(cond) {
            return None;
        }
        self.search(cond.references.iter().map(String::as_str), answer, |env| {
            eval::holds(&cond.expr, env)
        })
    }

    /// Whether some respondents are asked `question`, answer it `answer`, and make `cond`
    /// hold: [`Reach::can_hold_given`] of `cond and question == answer` for a non-null
    /// `answer`, without building that condition (the routing analysis asks this for every
    /// option of every single-choice question).
    pub fn can_hold_choosing(&self, cond: Option<&Condition>, question: &str, answer: &Value) -> Option<bool> {
        if cond.is_some_and(reads_row_number) {
            return None;
        }
        let references = cond.into_iter().flat_map(|c| c.references.iter().map(String::as_str));
        self.search(
            references.chain(std::iter::once(question)),
            Some((question, answer)),
            // `question` is in the answers exactly when it was asked: its answer is fixed,
            // and not null.
            |env| env.values.contains_key(question) && cond.is_none_or(|c| eval::holds(&c.expr, env)),
        )
    }

    /// Whether some answers to the questions `references` need make `test` true: every
    /// combination of their domains tried, each question answered only when its universe
    /// holds.
    fn search<'a>(
        &'a self,
        references: impl IntoIterator<Item = &'a str>,
        answer: Option<(&str, &Value)>,
        test: impl Fn(&Routed<'_, &str>) -> bool,
    ) -> Option<bool> {
        // The questions that matter: those the condition reads, through derived variables and routing.
        let needed: Vec<(&str, &Var)> = self
            .needed_in_order(references)?
            .into_iter()
            .map(|(_, n, var)| (n, var))
            .collect();
        let mut total: usize = 1;
        let mut domains: Vec<Picks> = Vec::new();
        for (name, var) in &needed {
            let d = match answer {
                Some((fixed, value)) if fixed == *name => Picks::Values(std::slice::from_ref(value)),
                _ => Picks::of(var.domain.get_or_init(|| self.domain(name, var.question)).as_ref()?),
            };
            total = total.checked_mul(d.len())?;
            if total > MAX_COMBINATIONS {
                return None;
            }
            domains.push(d);
        }

        let mut env: Routed<&str> = Routed {
            model: self.model,
            audience: self.audience,
            values: FastMap::default(),
            unknown: FastSet::default(),
        };
        Some(assign(&needed, &domains, &mut env, &test))
    }
}

/// Whether some answers to `needed` (in questionnaire order, each from its domain) make
/// `test` true, the earlier ones already in `env`. Each question is answered only when its
/// universe holds for the answers before it; when it does not, its answers are not
/// tried one by one, since they all leave it unanswered.
fn assign<'n>(
    needed: &[(&'n str, &Var)],
    domains: &[Picks],
    env: &mut Routed<'_, &'n str>,
    test: &impl Fn(&Routed<'_, &str>) -> bool,
) -> bool {
    let (Some(((name, var), rest)), Some((domain, more))) = (needed.split_first(), domains.split_first()) else {
        return test(env);
    };
    if !var.universe.as_ref().is_none_or(|c| eval::holds(&c.expr, env)) {
        return assign(rest, more, env, test);
    }
    for i in 0..domain.len() {
        let pick = domain.get(i);
        if pick.is_null() {
            if assign(rest, more, env, test) {
                return true;
            }
            continue;
        }
        env.values.insert(name, pick);
        let found = assign(rest, more, env, test);
        env.values.remove(name);
        if found {
            return true;
        }
    }
    false
}

impl Reach<'_> {
    /// Answers that stand for every answer a question can have, as far as the model's
    /// conditions can tell them apart (no answer as null); `None` when they are too many.
    /// Choices are all tried. A number or text read only by comparison with literals is tried
    /// at each literal and either side of it, which decides every such comparison exactly.
    fn domain(&self, name: &str, q: &Question) -> Option<Domain> {
        let lits = self.literals.0.get(name);
        let lits = match q.kind {
            QuestionType::Single | QuestionType::Grid => {
                let mut values: Vec<Value> = q.options.iter().map(|o| Value::Text(o.value.clone())).collect();
                values.push(Value::Null);
                return Some(Domain::Values(values));
            }
            QuestionType::Multiple if q.options.len() <= MAX_MULTI_OPTIONS => {
                return Some(Domain::Subsets(q.options.iter().map(|o| o.value.clone()).collect()));
            }
            QuestionType::Multiple | QuestionType::Date => return None,
            _ if lits.is_some_and(|l| l.opaque) => return None,
            _ => lits,
        };
        let mut out = vec![Value::Null];
        match q.kind {
            QuestionType::Integer | QuestionType::Decimal => {
                let integer = q.kind == QuestionType::Integer;
                let mut ks: Vec<f64> = lits.map(|l| l.numbers.clone()).unwrap_or_default();
                ks.extend(q.min);
                ks.extend(q.max);
                ks.sort_by(f64::total_cmp);
                ks.dedup();
                let mut points: Vec<f64> = Vec::new();
                for (i, k) in ks.iter().enumerate() {
                    points.push(*k);
                    if integer {
                        points.extend([k.floor() - 1.0, k.floor(), k.ceil(), k.ceil() + 1.0]);
                    } else {
                        points.push(k - 1.0);
                        points.push(k + 1.0);
                        if let Some(next) = ks.get(i + 1) {
                            points.push((k + next) / 2.0);
                        }
                    }
                }
                if points.is_empty() {
                    points.push(q.min.or(q.max).unwrap_or(0.0));
                }
                points.retain(|p| {
                    p.is_finite()
                        && (!integer || p.fract() == 0.0)
                        && q.min.is_none_or(|m| *p >= m)
                        && q.max.is_none_or(|m| *p <= m)
                });
                points.sort_by(f64::total_cmp);
                points.dedup();
                out.extend(points.into_iter().map(Value::Number));
            }
            _ => {
                let texts = lits.map(|l| l.texts.clone()).unwrap_or_default();
                // One answer unlike every literal stands for all the others.
                let other = format!("{}\u{1}", texts.concat());
                out.extend(texts.into_iter().chain([other]).map(Value::Text));
            }
        }
        Some(Domain::Values(out))
    }
}

/// The items no answers reach, by instrument and place (section, item, then the item
/// within each roster on the way): questions and rosters whose condition cannot hold (a
/// roster's question within its roster's and its own: in every row), and screening rules
/// whose `end_if` cannot. On proof only: an undecided search is not listed.
/// `reaches` are [`Reach::all`] of the model.
pub fn never_asked(reaches: &[Reach]) -> Vec<(usize, Vec<usize>)> {
    fn walk(
        reach: &Reach,
        i: usize,
        items: &[Item],
        within: Option<&Condition>,
        place: &mut Vec<usize>,
        out: &mut Vec<(usize, Vec<usize>)>,
    ) {
        for (it, item) in items.iter().enumerate() {
            place.push(it);
            let own = match item {
                Item::Screen { end_if, .. } => Some(end_if.clone()),
                Item::Question(q) => q
                    .condition
                    .as_ref()
                    .map(|c| Condition::and(Some(c), within).unwrap_or_else(|| c.clone())),
                Item::Roster(r) => r
                    .condition
                    .as_ref()
                    .map(|c| Condition::and(Some(c), within).unwrap_or_else(|| c.clone())),
                Item::Note { .. } | Item::Definitions { .. } => None,
            };
            let never = own.as_ref().is_some_and(|c| reach.can_hold(c) == Some(false));
            if never {
                out.push((i, place.clone()));
            }
            // Inside a roster never asked, nothing is said again.
            if let (Item::Roster(r), false) = (item, never) {
                let inner = Condition::and(within, r.condition.as_ref());
                walk(reach, i, &r.items, inner.as_ref(), place, out);
            }
            place.pop();
        }
    }
    let mut out = Vec::new();
    for (i, reach) in reaches.iter().enumerate() {
        let Some(instrument) = reach.model.instrument(reach.audience) else {
            continue;
        };
        for (s, section) in instrument.sections.iter().enumerate() {
            let mut place = vec![s];
            walk(reach, i, &section.items, None, &mut place, &mut out);
        }
    }
    out
}

/// Every expression of the model that routing or a derived variable evaluates, each once:
/// instruments share the conditions their audiences have in common, and a shared one is
/// read once.
fn model_expressions(model: &Questionnaire) -> Vec<&crate::expr::Expr> {
    fn once<'m>(
        out: &mut Vec<&'m crate::expr::Expr>,
        seen: &mut FastSet<*const crate::expr::Expr>,
        c: Option<&'m Condition>,
    ) {
        if let Some(c) = c
            && seen.insert(std::ptr::from_ref(&c.expr))
        {
            out.push(&c.expr);
        }
    }
    fn items<'m>(list: &'m [Item], out: &mut Vec<&'m crate::expr::Expr>, seen: &mut FastSet<*const crate::expr::Expr>) {
        for item in list {
            match item {
                Item::Question(q) => once(out, seen, q.condition.as_ref()),
                Item::Screen { condition, .. } => once(out, seen, Some(condition)),
                Item::Note { condition, .. } | Item::Definitions { condition, .. } => {
                    once(out, seen, condition.as_ref())
                }
                Item::Roster(r) => {
                    once(out, seen, r.condition.as_ref());
                    items(&r.items, out, seen);
                }
            }
        }
    }
    let mut out: Vec<&crate::expr::Expr> = Vec::new();
    let mut seen: FastSet<*const crate::expr::Expr> = FastSet::default();
    for s in model.instruments.iter().flat_map(|i| &i.sections) {
        items(&s.items, &mut out, &mut seen);
    }
    for d in &model.derived {
        match &d.rule {
            DerivedRule::Expr { expr } => out.push(&expr.expr),
            DerivedRule::Cases { cases, .. } => out.extend(cases.iter().map(|c| &c.when.expr)),
        }
    }
    out
}

/// The entry of `name`, made when first needed (without copying the name to look it up).
fn literals_of<'a>(out: &'a mut FastMap<String, Literals>, name: &str) -> &'a mut Literals {
    if !out.contains_key(name) {
        out.insert(name.to_string(), Literals::default());
    }
    out.get_mut(name).expect("just inserted")
}

fn scan(e: &crate::expr::Expr, out: &mut FastMap<String, Literals>) {
    use crate::expr::{BinOp, Expr, ExprKind};
    /// A comparison's literal side: a number, a text, or a list of nothing else.
    fn literal(e: &Expr) -> Option<&[Expr]> {
        let plain = |e: &Expr| matches!(e.kind, ExprKind::Number { .. } | ExprKind::String { .. });
        match &e.kind {
            _ if plain(e) => Some(std::slice::from_ref(e)),
            ExprKind::List { items } if items.iter().all(plain) => Some(items),
            _ => None,
        }
    }
    match &e.kind {
        ExprKind::Binary { op, left, right } if op.is_comparison() => {
            let pair = match (&left.kind, &right.kind) {
                (ExprKind::Var { name }, _) => literal(right).map(|l| (name, l)),
                (_, ExprKind::Var { name }) => literal(left).map(|l| (name, l)),
                _ => None,
            };
            match pair {
                Some((name, values)) => {
                    // Each literal once: the same comparison stands in every instrument.
                    let entry = literals_of(out, name);
                    for v in values {
                        match &v.kind {
                            ExprKind::Number { value } if !entry.numbers.contains(value) => entry.numbers.push(*value),
                            ExprKind::String { value } if !entry.texts.contains(value) => {
                                entry.texts.push(value.clone())
                            }
                            _ => {}
                        }
                    }
                }
                None => {
                    scan(left, out);
                    scan(right, out);
                }
            }
        }
        ExprKind::Binary {
            op: BinOp::And | BinOp::Or,
            left,
            right,
        } => {
            scan(left, out);
            scan(right, out);
        }
        ExprKind::Binary { left, right, .. } => {
            scan(left, out);
            scan(right, out);
        }
        ExprKind::Not { operand } | ExprKind::Neg { operand } => scan(operand, out),
        // `answered(q)` tells only no answer from any answer: every domain has both.
        ExprKind::Call { function, args }
            if function == "answered" && matches!(args.first().map(|a| &a.kind), Some(ExprKind::Var { .. })) => {}
        ExprKind::Call { args, .. } => args.iter().for_each(|a| scan(a, out)),
        ExprKind::Var { name } => literals_of(out, name).opaque = true,
        ExprKind::List { items } => items.iter().for_each(|i| scan(i, out)),
        _ => {}
    }
}
