//! A condition and the model in, whether any answers could make it hold.
//!
//! Exhaustive search over the answers to the questions it reads (and the questions *their*
//! conditions read, so routing is followed), when every such question has a small finite
//! domain. Undecided (`None`) otherwise: a warning is only ever given on proof.

use std::collections::{BTreeSet, HashMap};

use crate::eval::{self, Value};
use crate::model::{Condition, DerivedRule, Item, Question, QuestionType, Questionnaire, Routed};

/// At most this many combinations of answers are tried for one condition.
const MAX_COMBINATIONS: usize = 20_000;
/// At most this many questions take part in one search.
const MAX_VARIABLES: usize = 12;
/// Multiple-choice questions with more options than this are not enumerated (2^n subsets).
const MAX_MULTI_OPTIONS: usize = 8;

/// What the search needs to know of one questionnaire variable.
struct Var<'m> {
    order: usize,
    condition: Option<&'m Condition>,
    question: &'m Question,
}

/// The variables of one audience's instrument, indexed once and shared by every search.
pub struct Reach<'m> {
    model: &'m Questionnaire,
    audience: &'m str,
    vars: HashMap<&'m str, Var<'m>>,
}

impl<'m> Reach<'m> {
    pub fn new(model: &'m Questionnaire, audience: &'m str) -> Self {
        let mut vars = HashMap::new();
        let mut order = 0;
        for section in model
            .instrument(audience)
            .map(|i| i.sections.as_slice())
            .unwrap_or_default()
        {
            for item in &section.items {
                let Item::Question(q) = item else { continue };
                for name in q.variable_names() {
                    vars.insert(
                        name,
                        Var {
                            order,
                            condition: q.condition.as_ref(),
                            question: q,
                        },
                    );
                }
                order += 1;
            }
        }
        Reach { model, audience, vars }
    }

    /// `Some(true)`: some answers make `cond` hold; `Some(false)`: none can; `None`: undecided.
    pub fn can_hold(&self, cond: &Condition) -> Option<bool> {
        // The questions that matter: those the condition reads, through derived variables and routing.
        let mut needed: BTreeSet<(usize, &str)> = BTreeSet::new();
        let mut queue: Vec<&str> = cond.references.iter().map(String::as_str).collect();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        while let Some(name) = queue.pop() {
            if !seen.insert(name) {
                continue;
            }
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
            needed.insert((var.order, key));
            if needed.len() > MAX_VARIABLES {
                return None;
            }
            if let Some(c) = var.condition {
                queue.extend(c.references.iter().map(String::as_str));
            }
        }
        let needed: Vec<(&str, &Var)> = needed.into_iter().map(|(_, n)| (n, &self.vars[n])).collect();
        let mut total: usize = 1;
        for (_, var) in &needed {
            total = total.checked_mul(domain_size(var.question)?)?;
            if total > MAX_COMBINATIONS {
                return None;
            }
        }
        let domains: Vec<Vec<Value>> = needed.iter().map(|(_, v)| domain(v.question)).collect();

        let mut env: Routed<&str> = Routed {
            model: self.model,
            audience: self.audience.to_string(),
            values: HashMap::new(),
        };
        for mut index in 0..total {
            env.values.clear();
            for ((name, var), domain) in needed.iter().zip(&domains) {
                let pick = &domain[index % domain.len()];
                index /= domain.len();
                let asked = var.condition.is_none_or(|c| eval::holds(&c.expr, &env));
                if asked && !pick.is_null() {
                    env.values.insert(name, pick.clone());
                }
            }
            if eval::holds(&cond.expr, &env) {
                return Some(true);
            }
        }
        Some(false)
    }
}

/// How many answers a question can have, if that is small and finite.
fn domain_size(q: &Question) -> Option<usize> {
    match q.kind {
        QuestionType::Single | QuestionType::Grid => Some(q.options.len() + 1),
        QuestionType::Multiple if q.options.len() <= MAX_MULTI_OPTIONS => Some(1 << q.options.len()),
        _ => None,
    }
}

/// Every answer a question can have (with no answer as null).
fn domain(q: &Question) -> Vec<Value> {
    match q.kind {
        QuestionType::Multiple => {
            let n = q.options.len();
            (0..1usize << n)
                .map(|mask| {
                    let picked = (0..n)
                        .filter(|i| mask & (1 << i) != 0)
                        .map(|i| q.options[i].value.clone())
                        .collect();
                    Value::Selection(picked).normalised()
                })
                .collect()
        }
        _ => q
            .options
            .iter()
            .map(|o| Value::Text(o.value.clone()))
            .chain([Value::Null])
            .collect(),
    }
}
