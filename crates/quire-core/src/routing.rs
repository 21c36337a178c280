//! The resolved model in, its routing analysed once, in place: which screening rules stand
//! before each question, every variable's universe per audience, and for each single-choice
//! option that skips questions the question a respondent who chooses it goes to next.
//!
//! Every backend reads this analysis from the model and works none of it out again: paper
//! "Go to" arrows and filter instructions, codebook universes, the data checks.
//! A "Go to" is given only on proof ([`crate::reach`]): every question it jumps over is never
//! asked of anyone who chose that option, following routing and screening transitively.

use crate::model::{Condition, Item, Next, Question, QuestionType, Questionnaire, Universe};
use crate::reach::Reach;
use std::sync::Arc;

/// Where each single-choice answer leads, per instrument, found on the built model
/// (`reaches` are [`Reach::all`] of it): the part of the analysis that takes time, and reads
/// only (the checker runs it beside the never-asked proof).
pub fn next_targets(reaches: &[Reach]) -> Vec<Vec<(String, usize, Next)>> {
    reaches.iter().map(audience_targets).collect()
}

/// Fills in the routing analysis of a freshly built model, with its [`next_targets`].
pub fn analyse_with(model: &mut Questionnaire, targets: Vec<Vec<(String, usize, Next)>>) {
    fn by_id<'i>(items: &'i mut [Item], out: &mut crate::FastMap<String, &'i mut Question>) {
        for item in items {
            match item {
                Item::Question(q) => {
                    out.insert(q.id.clone(), q);
                }
                Item::Roster(r) => by_id(&mut r.items, out),
                _ => {}
            }
        }
    }
    screens_before_items(model);
    universes(model);
    for (instrument, targets) in model.instruments.iter_mut().zip(targets) {
        if targets.is_empty() {
            continue;
        }
        let mut questions = crate::FastMap::default();
        for s in &mut instrument.sections {
            by_id(&mut s.items, &mut questions);
        }
        for (question, option, next) in targets {
            if let Some(q) = questions.get_mut(&question) {
                Arc::make_mut(&mut q.options)[option].next = Some(Box::new(next));
            }
        }
    }
}

/// Every item learns the screening rules before it in its audience's instrument.
fn screens_before_items(model: &mut Questionnaire) {
    fn walk<'i>(items: impl Iterator<Item = &'i mut Item>, seen: &mut Vec<String>) {
        for item in items {
            match item {
                Item::Question(q) => q.screens = seen.clone(),
                Item::Note { screens, .. } | Item::Definitions { screens, .. } => *screens = seen.clone(),
                Item::Screen { id, screens, .. } => {
                    *screens = seen.clone();
                    seen.push(id.clone());
                }
                Item::Roster(r) => {
                    r.screens = seen.clone();
                    walk(r.items.iter_mut(), seen);
                }
            }
        }
    }
    for instrument in &mut model.instruments {
        let mut seen: Vec<String> = Vec::new();
        walk(
            instrument.sections.iter_mut().flat_map(|s| s.items.iter_mut()),
            &mut seen,
        );
    }
}

/// Every variable's universe, grouping the audiences that share the same routing.
fn universes(model: &mut Questionnaire) {
    let mut by_variable: crate::FastMap<&str, Vec<Universe>> =
        crate::FastMap::with_capacity_and_hasher(model.variables.len(), Default::default());
    for instrument in &model.instruments {
        // A row's questions too: their universes are in the row's terms (the roster's
        // condition and the question's, reading the row's and its parents' answers).
        let all = instrument
            .sections
            .iter()
            .flat_map(|s| crate::model::questions_within(&s.items));
        for (q, _) in all {
            for name in q.variable_names() {
                let groups = by_variable.entry(name).or_default();
                match groups.iter_mut().find(|u| u.admits(q.condition.as_ref(), &q.screens)) {
                    Some(u) => u.audiences.push(instrument.audience.clone()),
                    None => groups.push(Universe {
                        audiences: vec![instrument.audience.clone()],
                        condition: q.condition.clone(),
                        screens: q.screens.clone(),
                    }),
                }
            }
        }
    }
    for v in &mut model.variables {
        v.universe = by_variable.remove(v.name.as_str()).unwrap_or_default();
    }
}

/// One step of the sequence a "Go to" walks: a question, or a roster (which a skip does not
/// jump over: its rows are not searched from outside).
#[derive(Clone, Copy)]
enum Step<'m> {
    Question(&'m Question),
    Roster,
}

/// For one audience: (question id, option) → where that answer leads, for the options that
/// skip at least one question: among the instrument's questions, and among the questions
/// of each roster's row (a row's skip stays in its row: one that runs past the row's last
/// question leads to the next row).
fn audience_targets(reach: &Reach) -> Vec<(String, usize, Next)> {
    let Some(instrument) = reach.model().instrument(reach.audience()) else {
        return Vec::new();
    };
    fn steps<'m>(
        items: &'m [Item],
        out: &mut Vec<Step<'m>>,
        screens: &mut Vec<(usize, &'m str, &'m Condition)>,
        rosters: &mut Vec<&'m crate::model::Roster>,
    ) {
        for item in items {
            match item {
                Item::Question(q) => out.push(Step::Question(q)),
                Item::Screen { id, condition, .. } => screens.push((out.len(), id, condition)),
                Item::Roster(r) => {
                    out.push(Step::Roster);
                    rosters.push(r);
                }
                Item::Note { .. } | Item::Definitions { .. } => {}
            }
        }
    }
    let (mut order, mut screens, mut rosters) = (Vec::new(), Vec::new(), Vec::new());
    for s in &instrument.sections {
        steps(&s.items, &mut order, &mut screens, &mut rosters);
    }
    let mut out = sequence(reach, &order, End::Instrument(&screens));
    while let Some(r) = rosters.pop() {
        let (mut row, mut row_screens) = (Vec::new(), Vec::new());
        steps(&r.items, &mut row, &mut row_screens, &mut rosters);
        out.extend(sequence(reach, &row, End::Row(&r.id)));
    }
    out
}

/// What follows a sequence of steps: the instrument's end (with its screening rules and the
/// number of steps before each), or a row's (the roster's next row).
#[derive(Clone, Copy)]
enum End<'s> {
    Instrument(&'s [(usize, &'s str, &'s Condition)]),
    Row(&'s str),
}

/// The targets of one sequence of steps: the instrument's or a row's.
fn sequence(reach: &Reach, order: &[Step], end: End) -> Vec<(String, usize, Next)> {
    // Per later question, worked out when first needed and shared by every option that
    // reaches it: its universe, the questions that universe reads, and whether it can hold.
    let mut later_reads: Vec<Option<Later>> = (0..order.len()).map(|_| None).collect();
    let mut out = Vec::new();
    for (i, step) in order.iter().enumerate() {
        let Step::Question(q) = step else { continue };
        if q.kind != QuestionType::Single {
            continue;
        }
        // What choosing an option at q can tell about later answers flows through q and the
        // questions its own universe reads; a later question that depends on none of them
        // cannot be skipped by the choice.
        let own = reach.universe(&q.id).into_iter().flat_map(|c| c.references.iter());
        let Some(context) = reach.needed(std::iter::once(q.id.as_str()).chain(own.map(String::as_str))) else {
            continue;
        };
        for (oi, o) in q.options.iter().enumerate() {
            let value = crate::eval::Value::Text(o.value.clone());
            let mut j = i + 1;
            let mut certain = false;
            let mut blocked = false;
            while let Some(step) = order.get(j) {
                let Step::Question(later) = step else {
                    // A roster: the skip does not jump over it.
                    blocked = true;
                    break;
                };
                let later = later_reads[j].get_or_insert_with(|| Later::of(reach, later));
                let Some(universe) = later.universe else {
                    certain = true;
                    break;
                };
                let Some(reads) = &later.reads else {
                    break;
                };
                if reads.is_disjoint(&context) {
                    certain = *later.can_hold.get_or_insert_with(|| reach.can_hold(universe)) == Some(true);
                    break;
                }
                match reach.can_hold_choosing(Some(universe), &q.id, &value) {
                    Some(false) => j += 1,
                    found => {
                        certain = found == Some(true);
                        break;
                    }
                }
            }
            if j == i + 1 || blocked {
                continue;
            }
            let next = match (order.get(j), end) {
                (Some(Step::Question(target)), _) => Next::Question {
                    id: target.id.clone(),
                    number: target.number.clone(),
                    certain,
                },
                (Some(Step::Roster), _) => continue,
                (None, End::Row(roster)) => Next::NextRow {
                    roster: roster.to_string(),
                },
                (None, End::Instrument(screens)) => Next::End {
                    screen: screens
                        .iter()
                        .filter(|(before, _, _)| *before > i)
                        .find(|(_, _, c)| reach.can_hold_choosing(Some(c), &q.id, &value) == Some(true))
                        .map(|(_, id, _)| id.to_string()),
                },
            };
            out.push((q.id.clone(), oi, next));
        }
    }
    out
}

/// What the "Go to" search needs of a later question.
struct Later<'r> {
    /// Its universe (none: asked of everyone who gets this far).
    universe: Option<&'r Condition>,
    /// The questions its universe reads (none: too many to search).
    reads: Option<std::collections::BTreeSet<&'r str>>,
    /// Whether its universe can hold at all, once asked.
    can_hold: Option<Option<bool>>,
}

impl<'r> Later<'r> {
    fn of(reach: &'r Reach<'r>, q: &Question) -> Self {
        let universe = q.variable_names().first().and_then(|n| reach.universe(n));
        Later {
            universe,
            reads: universe.and_then(|u| reach.needed(u.references.iter().map(String::as_str))),
            can_hold: None,
        }
    }
}
