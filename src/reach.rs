//! A condition and the model in, whether any answers could make it hold.
//!
//! Exhaustive search over the answers to the questions it reads (and the questions *their*
//! conditions read, so routing is followed), when every such question has a small finite
//! domain. Undecided (`None`) otherwise: a warning is only ever given on proof.

use std::collections::{BTreeSet, HashMap};

use crate::eval::{self, Answers, Value};
use crate::model::{Condition, Item, QuestionType, Questionnaire};

/// At most this many combinations of answers are tried for one condition.
const MAX_COMBINATIONS: usize = 20_000;
/// At most this many questions take part in one search.
const MAX_VARIABLES: usize = 12;
/// Multiple-choice questions with more options than this are not enumerated (2^n subsets).
const MAX_MULTI_OPTIONS: usize = 8;

struct Var<'m> {
    order: usize,
    condition: Option<&'m Condition>,
    domain: Option<Vec<Value>>,
}

/// `Some(true)`: some answers make `cond` hold; `Some(false)`: none can; `None`: undecided.
pub fn can_hold(model: &Questionnaire, audience: &str, cond: &Condition) -> Option<bool> {
    let instrument = model.instrument(audience)?;
    let mut vars: HashMap<&str, Var> = HashMap::new();
    let mut order = 0;
    for section in &instrument.sections {
        for item in &section.items {
            let Item::Question(q) = item else { continue };
            for name in q.variable_names() {
                let domain = match q.kind {
                    QuestionType::Single | QuestionType::Grid => {
                        let mut d: Vec<Value> = q.options.iter().map(|o| Value::Text(o.value.clone())).collect();
                        d.push(Value::Null);
                        Some(d)
                    }
                    QuestionType::Multiple if q.options.len() <= MAX_MULTI_OPTIONS => {
                        let n = q.options.len();
                        Some(
                            (0..1usize << n)
                                .map(|mask| {
                                    let picked: Vec<String> = (0..n)
                                        .filter(|i| mask & (1 << i) != 0)
                                        .map(|i| q.options[i].value.clone())
                                        .collect();
                                    Value::Selection(picked).normalised()
                                })
                                .collect(),
                        )
                    }
                    _ => None,
                };
                vars.insert(
                    name,
                    Var {
                        order,
                        condition: q.condition.as_ref(),
                        domain,
                    },
                );
            }
            order += 1;
        }
    }

    // The questions that matter: those the condition reads, through derived variables and routing.
    let mut needed: BTreeSet<(usize, &str)> = BTreeSet::new();
    let mut queue: Vec<String> = cond.references.clone();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    while let Some(name) = queue.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(d) = model.derived(&name) {
            match &d.rule {
                crate::model::DerivedRule::Expr { expr } => queue.extend(expr.references.iter().cloned()),
                crate::model::DerivedRule::Cases { cases, .. } => cases
                    .iter()
                    .for_each(|c| queue.extend(c.when.references.iter().cloned())),
            }
            continue;
        }
        let (key, var) = vars.get_key_value(name.as_str())?;
        var.domain.as_ref()?;
        needed.insert((var.order, key));
        if needed.len() > MAX_VARIABLES {
            return None;
        }
        if let Some(c) = var.condition {
            queue.extend(c.references.iter().cloned());
        }
    }
    let needed: Vec<&str> = needed.into_iter().map(|(_, n)| n).collect();
    let domains: Vec<&Vec<Value>> = needed
        .iter()
        .filter_map(|n| vars.get(n).and_then(|v| v.domain.as_ref()))
        .collect();
    let mut total: usize = 1;
    for d in &domains {
        total = total.checked_mul(d.len().max(1))?;
        if total > MAX_COMBINATIONS {
            return None;
        }
    }

    let mut env = Env {
        model,
        audience,
        values: HashMap::new(),
    };
    for mut index in 0..total {
        env.values.clear();
        for (name, domain) in needed.iter().zip(&domains) {
            let pick = domain[index % domain.len()].clone();
            index /= domain.len();
            let asked = vars
                .get(name)
                .and_then(|v| v.condition)
                .is_none_or(|c| eval::holds(&c.expr, &env));
            if asked && !pick.is_null() {
                env.values.insert(name.to_string(), pick);
            }
        }
        if eval::holds(&cond.expr, &env) {
            return Some(true);
        }
    }
    Some(false)
}

struct Env<'m> {
    model: &'m Questionnaire,
    audience: &'m str,
    values: HashMap<String, Value>,
}

impl Answers for Env<'_> {
    fn value(&self, name: &str) -> Value {
        if let Some(v) = self.values.get(name) {
            return v.clone();
        }
        match self.model.derived(name) {
            Some(d) => self.model.derive(d, self),
            None => Value::Null,
        }
    }

    fn audience(&self) -> &str {
        self.audience
    }
}
