//! A condition and the model in, plain words out: `sc_available == 'yes'` becomes
//! "answered “Yes” at Q12". For paper and telephone routing and codebook universes.

use crate::expr::{BinOp, Expr, ExprKind, format_number};
use crate::model::{Condition, QuestionType, Questionnaire, Universe};

/// Describes conditions for a group of audiences (question numbers are theirs).
pub struct Words<'m> {
    model: &'m Questionnaire,
    audiences: &'m [String],
    /// Add the variable and codes, e.g. "(sc_available = 1)", for analysts.
    pub with_codes: bool,
}

impl<'m> Words<'m> {
    /// Words for the conditions of `model`, addressed to respondents of `audiences`.
    pub fn new(model: &'m Questionnaire, audiences: &'m [String]) -> Self {
        Words {
            model,
            audiences,
            with_codes: false,
        }
    }

    /// "Asked of patients who passed the screening at Q1 and Q2 and answered “Yes” at Q12
    /// (sc_available = 1)." Word it for one audience: question numbers are theirs.
    pub fn universe(&self, universe: &Universe) -> String {
        let who = self.who();
        let audience = self.audiences.first().map(String::as_str).unwrap_or("");
        let mut at: Vec<String> = Vec::new();
        for id in &universe.screens {
            for name in self
                .model
                .screen(audience, id)
                .map(|c| c.references.clone())
                .unwrap_or_default()
            {
                let place = self.at(&Expr {
                    kind: ExprKind::Var { name },
                    span: (0, 0),
                });
                if !at.contains(&place) {
                    at.push(place);
                }
            }
        }
        let screened = (!at.is_empty()).then(|| format!("passed the screening at {}", join_and(&at)));
        let condition = universe.condition.as_ref().map(|c| self.condition(c));
        match (screened, condition) {
            (None, None) => format!("Asked of {who}."),
            (Some(s), None) => format!("Asked of {who} who {s}."),
            (None, Some(c)) => format!("Asked of {who} who {c}."),
            (Some(s), Some(c)) => format!("Asked of {who} who {s} and {c}."),
        }
    }

    /// A screening rule in words: "the survey ends for those who did not answer “Yes” at Q1".
    pub fn screen(&self, end_if: &Condition) -> String {
        format!("the survey ends for those who {}", self.condition(end_if))
    }

    /// The respondents meant by this group of audiences, in words.
    pub fn who(&self) -> String {
        if self.model.audiences.len() == 1 {
            return "all respondents".to_string();
        }
        let labels: Vec<String> = self
            .audiences
            .iter()
            .filter_map(|a| self.model.audiences.iter().find(|x| &x.id == a))
            .map(|a| lower_first(&a.label))
            .collect();
        if labels.len() == self.model.audiences.len() {
            return "all respondents".to_string();
        }
        // "patients and parents and carers" would be ambiguous: labels may contain "and".
        if labels.iter().any(|l| l.contains(" and ")) {
            labels.join("; ")
        } else {
            join_and(&labels)
        }
    }

    /// A condition in words, as what the respondent did ("answered “Yes” at Q9"): it follows "for those who".
    pub fn condition(&self, c: &Condition) -> String {
        self.phrase(&c.expr, 0)
    }

    fn phrase(&self, e: &Expr, parent: u8) -> String {
        match &e.kind {
            ExprKind::Binary {
                op: op @ (BinOp::And | BinOp::Or),
                left,
                right,
            } => {
                if let Some(s) = self.chain(e, *op).or_else(|| self.range(e, *op)) {
                    return s;
                }
                let p = if *op == BinOp::And { 2 } else { 1 };
                let joiner = self.tr(if *op == BinOp::And { "w_and" } else { "w_or" }, &[]);
                let s = format!("{} {joiner} {}", self.phrase(left, p), self.phrase(right, p));
                if parent != 0 && parent != p {
                    format!("({s})")
                } else {
                    s
                }
            }
            ExprKind::Binary { op, left, right } => self.compare(*op, left, right).unwrap_or_else(|| code(e)),
            ExprKind::Not { operand } => match &operand.kind {
                ExprKind::Call { function, args } if function == "answered" => {
                    self.tr("w_did_not_answer", &[&self.at(&args[0])])
                }
                ExprKind::Call { function, args } if function == "selected" && args.len() == 2 => self.tr(
                    "w_did_not_tick",
                    &[&self.value_label(&args[0], &args[1]), &self.at(&args[0])],
                ),
                _ => self.tr("w_not", &[&self.phrase(operand, 0)]),
            },
            ExprKind::Call { function, args } => match (function.as_str(), args.as_slice()) {
                ("answered", [q]) => self.tr("w_answered", &[&self.at(q)]),
                ("any", [r, c]) if self.roster_title(r).is_some() => self.tr(
                    "w_listed_any",
                    &[&self.roster_title(r).unwrap_or_default(), &self.phrase(c, 0)],
                ),
                ("all", [r, c]) if self.roster_title(r).is_some() => self.tr(
                    "w_listed_all",
                    &[&self.phrase(c, 0), &self.roster_title(r).unwrap_or_default()],
                ),
                ("selected", [q, v]) => {
                    let codes = self.codes(q, "=", std::slice::from_ref(v));
                    format!(
                        "{}{codes}",
                        self.tr("w_ticked_at", &[&self.value_label(q, v), &self.at(q)])
                    )
                }
                _ => code(e),
            },
            ExprKind::Bool { value: true } => self.tr("w_always", &[]),
            ExprKind::Bool { value: false } => self.tr("w_never", &[]),
            // A derived condition is worded from its definition, never by its id.
            // Short definitions are spelt out; long ones are named by their label.
            ExprKind::Var { name } => match self.model.derived(name) {
                Some(d) => {
                    let spelt = match &d.rule {
                        crate::model::DerivedRule::Expr { expr } => Some(self.phrase(&expr.expr, parent)),
                        _ => None,
                    };
                    match spelt {
                        Some(s) if s.chars().count() <= 160 => s,
                        _ if self.with_codes => format!("{} ({name})", self.tr("w_shows", &[&d.label])),
                        _ => self.tr("w_shows", &[&d.label]),
                    }
                }
                None => self.tr("w_yes_at", &[&self.at(e)]),
            },
            _ => code(e),
        }
    }

    /// One sentence for a chain of the same test on several questions of one list, as
    /// `any(phq9 > 'not_at_all')` becomes: "gave an answer other than “Not at all” at any
    /// row of Q1" (three or more; `and` says "each").
    fn chain(&self, e: &Expr, op: BinOp) -> Option<String> {
        let mut parts = Vec::new();
        flatten(e, op, &mut parts);
        if parts.len() < 3 {
            return None;
        }
        let mut vars: Vec<&str> = Vec::new();
        let mut values: Option<Vec<String>> = None;
        let mut list_id: Option<String> = None;
        for p in &parts {
            let ExprKind::Binary { op: cmp, left, right } = &p.kind else {
                return None;
            };
            let (ExprKind::Var { name }, true) = (&left.kind, matches!(cmp, BinOp::In | BinOp::Eq)) else {
                return None;
            };
            let v = self.model.variables.iter().find(|v| &v.name == name)?;
            if v.kind == QuestionType::Multiple || v.choice_list.is_none() || !is_value(right) {
                return None;
            }
            let mut lits = literals(right);
            lits.sort();
            if values.as_ref().is_some_and(|x| *x != lits)
                || list_id.as_ref().is_some_and(|l| Some(l) != v.choice_list.as_ref())
            {
                return None;
            }
            values = Some(lits);
            list_id = v.choice_list.clone();
            vars.push(name);
        }
        let list = self.model.choice_list(list_id.as_ref()?)?;
        let values = values?;
        let label = |value: &str| {
            list.get(value)
                .map(|o| format!("“{}”", o.label.first().map(|w| w.text.plain()).unwrap_or_default()))
                .unwrap_or_else(|| format!("“{value}”"))
        };
        // In list order, and the one option left out when that is shorter to say.
        let chosen: Vec<&crate::model::Choice> = list.options.iter().filter(|o| values.contains(&o.value)).collect();
        let left_out: Vec<&crate::model::Choice> = list.options.iter().filter(|o| !values.contains(&o.value)).collect();
        let answer = match left_out.as_slice() {
            [one] if chosen.len() > 1 => self.tr("w_other_than", &[&label(&one.value)]),
            _ => self.tr(
                "w_answered",
                &[&self.join_or(&chosen.iter().map(|o| label(&o.value)).collect::<Vec<_>>())],
            ),
        };
        let any = op == BinOp::Or;
        // All the rows of one grid: "any row of Q1"; else the places.
        let grid = self
            .model
            .variables
            .iter()
            .find(|v| v.name == vars[0])
            .map(|v| v.question.clone())?;
        let rows: Vec<&str> = self
            .model
            .variables
            .iter()
            .filter(|v| v.question == grid && v.kind == QuestionType::Grid)
            .map(|v| v.name.as_str())
            .collect();
        let place = if !rows.is_empty() && rows.len() == vars.len() && rows.iter().all(|r| vars.contains(r)) {
            let number = self
                .model
                .variables
                .iter()
                .find(|v| v.name == vars[0])
                .and_then(|v| self.audiences.iter().find_map(|a| v.numbers.get(a)))
                .cloned()
                .unwrap_or_default();
            self.tr(if any { "w_any_row" } else { "w_each_row" }, &[&number])
        } else {
            let places: Vec<String> = vars
                .iter()
                .map(|n| {
                    self.at(&Expr {
                        kind: ExprKind::Var { name: n.to_string() },
                        span: (0, 0),
                    })
                })
                .collect();
            let places = if any {
                self.join_or(&places)
            } else {
                self.join_and(&places)
            };
            self.tr(if any { "w_any_of" } else { "w_each_of" }, &[&places])
        };
        let codes = if self.with_codes {
            format!(
                " ({} {} in {})",
                vars.join(", "),
                if op == BinOp::Or { "any" } else { "all" },
                {
                    let codes: Vec<String> = chosen.iter().map(|o| o.code.to_string()).collect();
                    codes.join(", ")
                }
            )
        } else {
            String::new()
        };
        Some(format!("{}{codes}", self.tr("w_at", &[&answer, &place])))
    }

    /// `total >= 10 and total <= 15` on a derived number: "have a “K10 total” from 10 to 15".
    fn range(&self, e: &Expr, op: BinOp) -> Option<String> {
        let ExprKind::Binary { left, right, .. } = &e.kind else {
            return None;
        };
        let bound = |x: &Expr| match &x.kind {
            ExprKind::Binary { op, left, right } => match (&left.kind, &right.kind) {
                (ExprKind::Var { name }, ExprKind::Number { value }) => Some((*op, name.clone(), *value)),
                _ => None,
            },
            _ => None,
        };
        let ((BinOp::Ge, a, lo), (BinOp::Le, b, hi)) = (bound(left)?, bound(right)?) else {
            return None;
        };
        if op != BinOp::And || a != b || self.kind_of(&a).is_some() {
            return None;
        }
        let d = self.model.derived(&a)?;
        let (lo, hi) = (format_number(lo), format_number(hi));
        Some(if self.is_score(&a, 0) {
            self.tr("w_scored_range", &[&lo, &hi, &d.label])
        } else {
            self.tr("w_for_which_range", &[&d.label, &lo, &hi])
        })
    }

    /// Whether a derived variable is computed from choices' scores.
    fn is_score(&self, name: &str, depth: usize) -> bool {
        let Some(crate::model::DerivedRule::Expr { expr }) = self.model.derived(name).map(|d| &d.rule) else {
            return false;
        };
        let mut found = false;
        expr.expr.walk(&mut |e| {
            if let ExprKind::Call { function, .. } = &e.kind
                && function == "score"
            {
                found = true;
            }
        });
        found || (depth < 8 && expr.references.iter().any(|r| self.is_score(r, depth + 1)))
    }

    fn compare(&self, op: BinOp, left: &Expr, right: &Expr) -> Option<String> {
        let (var, lit, op) = match (&left.kind, &right.kind) {
            (ExprKind::Var { .. } | ExprKind::Call { .. }, _) if is_value(right) => (left, right, op),
            (_, ExprKind::Var { .. } | ExprKind::Call { .. }) if is_value(left) => (right, left, op.flipped()),
            _ => return None,
        };
        // A score compared with a number is the options it picks out (`!=`: those it does not).
        if let (ExprKind::Call { function, args }, ExprKind::Number { value: n }) = (&var.kind, &lit.kind)
            && function == "score"
            && args.len() == 3
            && let (ExprKind::List { items: values }, ExprKind::List { items: scores }) = (&args[1].kind, &args[2].kind)
        {
            let picked: Vec<Expr> = values
                .iter()
                .zip(scores)
                .filter(|(_, s)| match s.kind {
                    ExprKind::Number { value: s } => match op {
                        BinOp::Eq | BinOp::Ne => s == *n,
                        BinOp::Lt => s < *n,
                        BinOp::Le => s <= *n,
                        BinOp::Gt => s > *n,
                        BinOp::Ge => s >= *n,
                        _ => false,
                    },
                    _ => false,
                })
                .map(|(v, _)| v.clone())
                .collect();
            let list = Expr {
                kind: ExprKind::List { items: picked },
                span: (0, 0),
            };
            return self.compare(if op == BinOp::Ne { BinOp::NotIn } else { BinOp::In }, &args[0], &list);
        }
        if let Some(s) = self.aggregate(op, var, lit) {
            return Some(s);
        }
        if let ExprKind::Call { function, args } = &var.kind {
            if function != "count" || args.len() != 1 {
                return None;
            }
            let ExprKind::Number { value } = lit.kind else {
                return None;
            };
            let n = format_number(value);
            let key = match op {
                BinOp::Eq => "w_exactly",
                BinOp::Ne => "w_other_than_n",
                BinOp::Lt => "w_fewer_than",
                BinOp::Le => "w_at_most",
                BinOp::Gt => "w_more_than",
                BinOp::Ge => "w_at_least",
                _ => return None,
            };
            let how = self.tr(key, &[&n]);
            return Some(self.tr("w_ticked_options", &[&how, &self.at(&args[0])]));
        }
        let ExprKind::Var { name } = &var.kind else { return None };
        if name == "audience" {
            let groups = literals(lit)
                .iter()
                .map(|l| {
                    self.model
                        .audiences
                        .iter()
                        .find(|a| &a.id == l)
                        .map(|a| format!("“{}”", a.label))
                        .unwrap_or_else(|| l.clone())
                })
                .collect::<Vec<_>>();
            let negated = matches!(op, BinOp::Ne | BinOp::NotIn);
            return Some(self.tr(
                if negated { "w_not_in_group" } else { "w_in_group" },
                &[&self.join_or(&groups)],
            ));
        }
        if let (Some(d), None, ExprKind::Number { value }) = (self.model.derived(name), self.kind_of(name), &lit.kind) {
            let n = format_number(*value);
            let key = match op {
                BinOp::Eq => "w_exactly",
                BinOp::Ne => "w_other_than_n",
                BinOp::Lt => "w_below",
                BinOp::Le => "w_at_most",
                BinOp::Gt => "w_above",
                BinOp::Ge => "w_at_least",
                _ => return None,
            };
            let how = self.tr(key, &[&n]);
            return Some(if self.is_score(name, 0) {
                self.tr("w_scored", &[&how, &d.label])
            } else {
                self.tr("w_for_which", &[&d.label, &how])
            });
        }
        let labels: Vec<String> = literals(lit).iter().map(|l| self.label_of(name, l)).collect();
        let at = self.at(var);
        let codes_lits: Vec<Expr> = match &lit.kind {
            ExprKind::List { items } => items.clone(),
            _ => vec![lit.clone()],
        };
        let kind = self.kind_of(name);
        let is_date = kind == Some(QuestionType::Date);
        let lits = literals(lit);
        let left_out: Vec<&crate::model::Choice> = match (self.list_of(name), kind) {
            (Some(list), Some(QuestionType::Single | QuestionType::Grid)) if lits.len() >= 3 => {
                list.options.iter().filter(|o| !lits.contains(&o.value)).collect()
            }
            _ => Vec::new(),
        };
        if let ([one], BinOp::Eq | BinOp::In) = (left_out.as_slice(), op) {
            return Some(format!(
                "{}{}",
                self.tr("w_other_than_at", &[&self.label_of(name, &one.value), &at]),
                self.codes(var, "=", &codes_lits)
            ));
        }
        Some(match op {
            BinOp::Eq | BinOp::In => format!(
                "{}{}",
                self.tr("w_answered_at", &[&self.join_or(&labels), &at]),
                self.codes(var, "=", &codes_lits)
            ),
            BinOp::Ne | BinOp::NotIn => format!(
                "{}{}",
                self.tr("w_did_not_answer_at", &[&self.join_or(&labels), &at]),
                self.codes(var, "≠", &codes_lits)
            ),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let v = labels.first().cloned().unwrap_or_default();
                let key = match (op, is_date) {
                    (BinOp::Lt, true) => "w_date_before",
                    (BinOp::Le, true) => "w_date_on_or_before",
                    (BinOp::Gt, true) => "w_date_after",
                    (BinOp::Ge, true) => "w_date_on_or_after",
                    (BinOp::Lt, _) => "w_less_than",
                    (BinOp::Le, _) => "w_at_most",
                    (BinOp::Gt, _) => "w_more_than",
                    _ => "w_at_least",
                };
                self.tr("w_answered_at", &[&self.tr(key, &[&v]), &at])
            }
            _ => return None,
        })
    }

    /// A roster's rows read from outside, compared with a value: `count(person, age >= 18) > 0`
    /// becomes "listed more than 0 in “People who live here” and, for them, answered at
    /// least 18 at Q5"; `at(person, head, age) < 18` "answered less than 18 at Q5 for the one
    /// chosen at Q10".
    fn aggregate(&self, op: BinOp, var: &Expr, lit: &Expr) -> Option<String> {
        let ExprKind::Call { function, args } = &var.kind else {
            return None;
        };
        let title = self.roster_title(args.first()?)?;
        let number = match lit.kind {
            ExprKind::Number { value } => Some(format_number(value)),
            _ => None,
        };
        let how = |fewer: &str| -> Option<String> {
            let key = match op {
                BinOp::Eq => "w_exactly",
                BinOp::Ne => "w_other_than_n",
                BinOp::Lt => fewer,
                BinOp::Le => "w_at_most",
                BinOp::Gt => "w_more_than",
                BinOp::Ge => "w_at_least",
                _ => return None,
            };
            Some(self.tr(key, &[number.as_deref()?]))
        };
        Some(match (function.as_str(), args.as_slice()) {
            ("count", [_]) => self.tr("w_listed_n", &[&how("w_fewer_than")?, &title]),
            ("count", [_, c]) => self.tr("w_listed_n_who", &[&how("w_fewer_than")?, &title, &self.phrase(c, 0)]),
            ("sum", [_, x]) => self.tr("w_rows_sum", &[&how("w_less_than")?, &self.at(x), &title]),
            ("max", [_, x]) => self.tr("w_rows_max", &[&how("w_less_than")?, &self.at(x), &title]),
            ("min", [_, x]) => self.tr("w_rows_min", &[&how("w_less_than")?, &self.at(x), &title]),
            ("at", [_, chooser, field]) => {
                let field_at = self.compare(op, field, lit)?;
                self.tr("w_for_the_row_chosen", &[&field_at, &self.at(chooser)])
            }
            _ => return None,
        })
    }

    /// A roster named as an aggregate's first argument: its title, quoted.
    fn roster_title(&self, e: &Expr) -> Option<String> {
        let ExprKind::Var { name } = &e.kind else {
            return None;
        };
        self.model.roster(name).map(|r| format!("“{}”", r.title.plain().trim()))
    }

    /// "Q12", or the variable name when the audiences number it differently.
    fn at(&self, var: &Expr) -> String {
        let ExprKind::Var { name } = &var.kind else {
            return code(var);
        };
        if let Some(v) = self.model.variables.iter().find(|v| &v.name == name) {
            let numbers: Vec<&String> = self.audiences.iter().filter_map(|a| v.numbers.get(a)).collect();
            if let Some(first) = numbers.first()
                && numbers.iter().all(|n| n == first)
            {
                return if v.kind == QuestionType::Grid {
                    let row = v.label.split_once(": ").map(|(_, r)| r).unwrap_or(&v.label);
                    self.tr("w_row", &[first, row])
                } else {
                    first.to_string()
                };
            }
            return self.tr("w_the_question", &[&v.label]);
        }
        match self.model.derived(name) {
            Some(d) => format!("“{}”", d.label),
            None => name.clone(),
        }
    }

    /// Quire's words for `key` in the model's language ([`crate::ui`]), `{n}` filled in.
    pub fn tr(&self, key: &str, args: &[&str]) -> String {
        fill(&self.model.ui_text(key), args)
    }

    fn join_or(&self, items: &[String]) -> String {
        join_with(items, &self.tr("w_or", &[]))
    }

    fn join_and(&self, items: &[String]) -> String {
        join_with(items, &self.tr("w_and", &[]))
    }

    fn kind_of(&self, name: &str) -> Option<QuestionType> {
        self.model.variables.iter().find(|v| v.name == name).map(|v| v.kind)
    }

    fn list_of(&self, name: &str) -> Option<&crate::model::ChoiceList> {
        let list = match self.model.variables.iter().find(|v| v.name == name) {
            Some(v) => v.choice_list.clone(),
            None => match self.model.derived(name).map(|d| &d.rule) {
                Some(crate::model::DerivedRule::Cases { choice_list, .. }) => Some(choice_list.clone()),
                _ => None,
            },
        }?;
        self.model.choice_list(&list)
    }

    fn label_of(&self, name: &str, value: &str) -> String {
        match self.list_of(name).and_then(|l| l.get(value)) {
            Some(o) => format!("“{}”", o.label.first().map(|w| w.text.plain()).unwrap_or_default()),
            None => format!("“{value}”"),
        }
    }

    fn value_label(&self, var: &Expr, value: &Expr) -> String {
        match (&var.kind, &value.kind) {
            (ExprKind::Var { name }, ExprKind::String { value }) => self.label_of(name, value),
            // A row chosen at another question: `selected(helpers, head)`.
            (_, ExprKind::Var { .. }) => self.tr("w_the_one_chosen", &[&self.at(value)]),
            _ => code(value),
        }
    }

    fn codes(&self, var: &Expr, op: &str, lits: &[Expr]) -> String {
        if !self.with_codes {
            return String::new();
        }
        let ExprKind::Var { name } = &var.kind else {
            return String::new();
        };
        let Some(list) = self.list_of(name) else {
            return String::new();
        };
        let codes: Vec<String> = lits
            .iter()
            .filter_map(|l| match &l.kind {
                ExprKind::String { value } => list.get(value).map(|o| o.code.to_string()),
                _ => None,
            })
            .collect();
        if codes.is_empty() {
            return String::new();
        }
        let is_multi = self.kind_of(name) == Some(QuestionType::Multiple);
        if is_multi {
            let cols: Vec<String> = lits
                .iter()
                .filter_map(|l| match &l.kind {
                    ExprKind::String { value } => list
                        .get(value)
                        .map(|o| format!("{} = 1", crate::data::option_column(name, o.code))),
                    _ => None,
                })
                .collect();
            return format!(" ({})", cols.join(", "));
        }
        match codes.as_slice() {
            [one] => format!(" ({name} {op} {one})"),
            many if op == "=" => format!(" ({name} in {})", many.join(", ")),
            many => format!(" ({name} not in {})", many.join(", ")),
        }
    }
}

/// The operands of a chain of one operator: `a or b or c` → [a, b, c].
fn flatten<'e>(e: &'e Expr, op: BinOp, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Binary { op: o, left, right } if *o == op => {
            flatten(left, op, out);
            flatten(right, op, out);
        }
        _ => out.push(e),
    }
}

fn is_value(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Number { .. } | ExprKind::String { .. } | ExprKind::Bool { .. } => true,
        ExprKind::List { items } => items.iter().all(is_value),
        _ => false,
    }
}

fn literals(e: &Expr) -> Vec<String> {
    match &e.kind {
        ExprKind::List { items } => items.iter().flat_map(literals).collect(),
        ExprKind::String { value } => vec![value.clone()],
        ExprKind::Number { value } => vec![format_number(*value)],
        ExprKind::Bool { value } => vec![value.to_string()],
        _ => vec![e.to_string()],
    }
}

fn code(e: &Expr) -> String {
    format!("`{e}`")
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) if !s.chars().nth(1).is_some_and(char::is_uppercase) => f.to_lowercase().chain(c).collect(),
        _ => s.to_string(),
    }
}

/// `{0}`, `{1}`, … of a string filled in with `args`.
pub fn fill(template: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after
            .find('}')
            .and_then(|e| after[..e].parse::<usize>().ok().map(|n| (n, e)))
        {
            Some((n, e)) => {
                out.push_str(args.get(n).copied().unwrap_or(""));
                rest = &after[e + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn join_with(items: &[String], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., tail] => format!("{} {last} {tail}", init.join(", ")),
    }
}

fn join_and(items: &[String]) -> String {
    join_with(items, "and")
}

#[cfg(any())]
fn join_or(items: &[String]) -> String {
    join_with(items, "or")
}
