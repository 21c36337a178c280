//! Properties of the expression language: printing and re-parsing gives the same tree,
//! and evaluation is total.

use proptest::prelude::*;
use quire_core::eval::{self, AnswerMap, Value};
use quire_core::expr::{self, BinOp, Expr, ExprKind};

fn node(kind: ExprKind) -> Expr {
    Expr { kind, span: (0, 0) }
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (0u32..1000).prop_map(|n| node(ExprKind::Number { value: f64::from(n) })),
        (0u32..1000).prop_map(|n| node(ExprKind::Number {
            value: f64::from(n) / 8.0
        })),
        "[a-z ']{0,6}".prop_map(|s| node(ExprKind::String { value: s })),
        any::<bool>().prop_map(|b| node(ExprKind::Bool { value: b })),
        prop::sample::select(vec![
            "age",
            "sc_available",
            "audience",
            "staff",
            "note",
            "order_",
            "inner"
        ])
        .prop_map(|n| node(ExprKind::Var { name: n.to_string() })),
    ]
}

fn tree() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(5, 48, 4, |inner| {
        prop_oneof![
            (prop::sample::select(BinOp::ALL.to_vec()), inner.clone(), inner.clone()).prop_map(|(op, l, r)| node(
                ExprKind::Binary {
                    op,
                    left: Box::new(l),
                    right: Box::new(r)
                }
            )),
            inner.clone().prop_map(|e| node(ExprKind::Not { operand: Box::new(e) })),
            inner.clone().prop_map(|e| node(ExprKind::Neg { operand: Box::new(e) })),
            prop::collection::vec(inner.clone(), 0..3).prop_map(|items| node(ExprKind::List { items })),
            (
                prop::sample::select(vec!["answered", "count", "selected"]),
                prop::collection::vec(inner, 1..3)
            )
                .prop_map(|(f, args)| node(ExprKind::Call {
                    function: f.to_string(),
                    args
                })),
        ]
    })
}

fn answers() -> AnswerMap {
    let mut a = AnswerMap::new("patient");
    a.set("age", Value::Number(42.0))
        .set("sc_available", Value::Text("yes".into()))
        .set("staff", Value::Selection(vec!["nurse".into()]));
    a
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn printing_then_parsing_gives_the_same_tree(e in tree()) {
        let printed = e.to_string();
        let reparsed = expr::parse(&printed);
        prop_assert!(reparsed.is_ok(), "cannot re-parse `{}`: {:?}", printed, reparsed.err());
        prop_assert_eq!(reparsed.unwrap(), e, "printed as `{}`", printed);
    }

    #[test]
    fn evaluation_is_total_and_conditions_are_booleans(e in tree()) {
        let env = answers();
        let _ = eval::eval(&e, &env);
        let cond = node(ExprKind::Binary { op: BinOp::Eq, left: Box::new(e.clone()), right: Box::new(e) });
        prop_assert!(matches!(eval::eval(&cond, &env), Value::Bool(_)));
    }

    #[test]
    fn arbitrary_text_never_panics_the_parser(s in "\\PC{0,80}") {
        let _ = expr::parse(&s);
    }
}
