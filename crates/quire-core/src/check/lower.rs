//! A checked expression in, the model's expression out: constructs that depend on the spec
//! (an ordered scale, a choice's score, a grid's rows, a pattern) are rewritten into the core
//! language, so the Rust evaluator, the form's runtime and every exported format give them
//! one meaning without knowing the spec:
//!
//! - `q > 'not_at_all'` on an ordered scale: `q in ['several_days', …]` (the substantive
//!   options above it; a non-substantive answer is on no scale, so it is never in the list);
//! - `score(q)`: `score(q, ['never', …], [0, …])`, the scored values and their scores;
//! - `sum_score(g)`: `sum(score(g_row1, …), …)`; `any(g …)`, `all(g …)`: the condition for
//!   each row joined by `or`, `and`; `count_where(g …)`: `sum(if(row condition, 1, 0), …)`;
//! - `matches(q, 'p')`: the pattern in its canonical form ([`crate::pattern`]).

use super::Ty;
use super::typeck::TypeCheck;
use crate::expr::{BinOp, Expr, ExprKind};
use crate::spec::Item;

fn node(kind: ExprKind) -> Expr {
    Expr { kind, span: (0, 0) }
}

fn call(function: &str, args: Vec<Expr>) -> Expr {
    node(ExprKind::Call {
        function: function.to_string(),
        args,
    })
}

fn text(s: &str) -> Expr {
    node(ExprKind::String { value: s.to_string() })
}

fn number(n: f64) -> Expr {
    node(ExprKind::Number { value: n })
}

fn join(op: BinOp, parts: Vec<Expr>, empty: bool) -> Expr {
    parts
        .into_iter()
        .reduce(|a, b| {
            node(ExprKind::Binary {
                op,
                left: Box::new(a),
                right: Box::new(b),
            })
        })
        .unwrap_or(node(ExprKind::Bool { value: empty }))
}

/// `e` with every `Var { from }` renamed `to`.
fn substitute(e: &Expr, from: &str, to: &str) -> Expr {
    let mut out = e.clone();
    rename(&mut out, from, to);
    out
}

fn rename(e: &mut Expr, from: &str, to: &str) {
    match &mut e.kind {
        ExprKind::Var { name } if name == from => *name = to.to_string(),
        ExprKind::List { items } | ExprKind::Call { args: items, .. } => {
            items.iter_mut().for_each(|i| rename(i, from, to))
        }
        ExprKind::Not { operand } | ExprKind::Neg { operand } => rename(operand, from, to),
        ExprKind::Binary { left, right, .. } => {
            rename(left, from, to);
            rename(right, from, to);
        }
        _ => {}
    }
}

impl<'a> TypeCheck<'_, 'a> {
    /// The row variables of a grid, in order.
    pub(super) fn grid_rows(&self, grid: &str) -> Vec<String> {
        for section in &self.spec.sections {
            for placed in section.flat() {
                if let Item::Question(q) = placed.item
                    && q.id.value == grid
                {
                    return q
                        .rows
                        .iter()
                        .map(|r| format!("{}_{}", q.id.value, r.id.value))
                        .collect();
                }
            }
        }
        Vec::new()
    }

    fn choice_list_of(&self, e: &Expr) -> Option<usize> {
        let ExprKind::Var { name } = &e.kind else { return None };
        match self.declared.symbols.get(name)?.ty {
            Ty::Choice(l) => Some(l),
            _ => None,
        }
    }

    /// The expression as the model holds it (see the module's documentation).
    pub(super) fn lower(&self, e: &Expr) -> Expr {
        let kind = match &e.kind {
            ExprKind::Binary {
                op: op @ (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge),
                left,
                right,
            } => {
                let (var, lit, cmp) = match (&left.kind, &right.kind) {
                    (ExprKind::Var { .. }, ExprKind::String { .. }) => (left, right, *op),
                    (ExprKind::String { .. }, ExprKind::Var { .. }) => (right, left, op.flipped()),
                    _ => (left, right, *op),
                };
                match (self.choice_list_of(var), &lit.kind) {
                    (Some(l), ExprKind::String { value }) if self.declared.lists[l].ordered => {
                        let scale: Vec<&str> = self.declared.lists[l]
                            .choices
                            .iter()
                            .filter(|c| c.nonsubstantive.is_none())
                            .map(|c| c.value.value.as_str())
                            .collect();
                        let at = scale.iter().position(|v| v == value).unwrap_or(usize::MAX);
                        let keep = |i: usize| match cmp {
                            BinOp::Lt => i < at,
                            BinOp::Le => i <= at,
                            BinOp::Gt => i > at && at != usize::MAX,
                            _ => i >= at && at != usize::MAX,
                        };
                        let items = scale
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| keep(*i))
                            .map(|(_, v)| text(v))
                            .collect();
                        return node(ExprKind::Binary {
                            op: BinOp::In,
                            left: var.clone(),
                            right: Box::new(node(ExprKind::List { items })),
                        });
                    }
                    _ => ExprKind::Binary {
                        op: *op,
                        left: Box::new(self.lower(left)),
                        right: Box::new(self.lower(right)),
                    },
                }
            }
            ExprKind::Call { function, args } => match (function.as_str(), args.as_slice()) {
                ("score", [q]) => return self.score(q),
                ("sum_score", [g]) => {
                    let ExprKind::Var { name } = &g.kind else {
                        return e.clone();
                    };
                    let rows = self.grid_rows(name);
                    let scores = rows
                        .iter()
                        .map(|r| self.score(&node(ExprKind::Var { name: r.clone() })))
                        .collect();
                    return call("sum", scores);
                }
                ("any" | "all" | "count_where", [cond]) => {
                    let Some(grid) = cond.references().into_iter().find(|r| self.grid(r).is_some()) else {
                        return e.clone();
                    };
                    let each: Vec<Expr> = self
                        .grid_rows(grid)
                        .iter()
                        .map(|row| self.lower(&substitute(cond, grid, row)))
                        .collect();
                    return match function.as_str() {
                        "any" => join(BinOp::Or, each, false),
                        "all" => join(BinOp::And, each, true),
                        _ if each.is_empty() => number(0.0),
                        _ => call(
                            "sum",
                            each.into_iter()
                                .map(|c| call("if", vec![c, number(1.0), number(0.0)]))
                                .collect(),
                        ),
                    };
                }
                ("matches", [t, p]) => {
                    let pattern = match &p.kind {
                        ExprKind::String { value } => {
                            crate::pattern::canonical(value).map(|c| text(&c)).unwrap_or(p.clone())
                        }
                        _ => p.clone(),
                    };
                    ExprKind::Call {
                        function: function.clone(),
                        args: vec![self.lower(t), pattern],
                    }
                }
                _ => ExprKind::Call {
                    function: function.clone(),
                    args: args.iter().map(|a| self.lower(a)).collect(),
                },
            },
            ExprKind::Binary { op, left, right } => ExprKind::Binary {
                op: *op,
                left: Box::new(self.lower(left)),
                right: Box::new(self.lower(right)),
            },
            ExprKind::Not { operand } => ExprKind::Not {
                operand: Box::new(self.lower(operand)),
            },
            ExprKind::Neg { operand } => ExprKind::Neg {
                operand: Box::new(self.lower(operand)),
            },
            ExprKind::List { items } => ExprKind::List {
                items: items.iter().map(|i| self.lower(i)).collect(),
            },
            other => other.clone(),
        };
        Expr { kind, span: e.span }
    }

    /// `score(q, [values…], [scores…])` over the scored choices of q's list.
    fn score(&self, q: &Expr) -> Expr {
        let Some(l) = self.choice_list_of(q) else {
            return call("score", vec![q.clone()]);
        };
        let (values, scores): (Vec<Expr>, Vec<Expr>) = self.declared.lists[l]
            .choices
            .iter()
            .filter_map(|c| c.score.as_ref().map(|s| (text(&c.value.value), number(s.value))))
            .unzip();
        call(
            "score",
            vec![
                q.clone(),
                node(ExprKind::List { items: values }),
                node(ExprKind::List { items: scores }),
            ],
        )
    }
}
