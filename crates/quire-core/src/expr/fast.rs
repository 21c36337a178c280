//! The common case of an expression, parsed in one pass over its bytes: the grammar of
//! `grammar/expr.pest` (in this crate) and the precedence of [`super::pratt`], token for token. Any text it
//! does not parse (every syntax error, a run of prefix operators too long to recurse on)
//! makes [`parse`] give up, and the pest parser decides and words the error. On what both
//! parse they give the same tree with the same spans: debug builds compare the two on every
//! expression parsed, and a unit test compares them on generated expressions.
//!
//! pest spends some 25,000 instructions on a condition like `q12 == 'yes'` (it tries each
//! alternative of each rule and records what it tried, for its error messages); this takes
//! a few hundred.

use super::{BinOp, Expr, ExprKind};

/// More prefix operators in a row than this: left to the pest parser (each one is a level of
/// recursion here).
const MAX_PREFIXES: usize = 32;

/// The tree of `text`, or `None` where the pest parser must decide.
pub(crate) fn parse(text: &str) -> Option<Expr> {
    let mut p = Parser {
        s: text.as_bytes(),
        at: 0,
        prefixes: 0,
    };
    p.skip_space();
    let expr = p.expr(0)?;
    p.skip_space();
    (p.at == p.s.len()).then_some(expr)
}

/// Binding powers, as pest's Pratt parser numbers them (ten per level, loosest first).
const OR: u8 = 10;
const AND: u8 = 20;
const NOT: u8 = 30;
const COMPARE: u8 = 40;
const ADD: u8 = 50;
const MUL: u8 = 60;
const NEG: u8 = 70;

struct Parser<'s> {
    s: &'s [u8],
    at: usize,
    /// Prefix operators open on the way down.
    prefixes: usize,
}

/// `ident_char` of the grammar.
fn ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    /// The grammar's implicit `WHITESPACE*`.
    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.at += 1;
        }
    }

    /// `word ~ !ident_char` at `at`.
    fn word_at(&self, at: usize, word: &[u8]) -> bool {
        self.s[at..].starts_with(word) && !self.s.get(at + word.len()).copied().is_some_and(ident_char)
    }

    /// pest's Pratt loop: a prefix operator or a primary, then every infix operator that binds
    /// tighter than `rbp`.
    fn expr(&mut self, rbp: u8) -> Option<Expr> {
        let mut lhs = self.nud()?;
        loop {
            let save = self.at;
            self.skip_space();
            let Some((op, prec, len)) = self.infix() else {
                self.at = save;
                return Some(lhs);
            };
            if prec <= rbp {
                self.at = save;
                return Some(lhs);
            }
            self.at += len;
            self.skip_space();
            // Every operator is left-associative.
            let rhs = self.expr(prec)?;
            let span = (lhs.span.0, rhs.span.1);
            lhs = Expr {
                kind: ExprKind::Binary {
                    op,
                    left: Box::new(lhs),
                    right: Box::new(rhs),
                },
                span,
            };
        }
    }

    fn nud(&mut self) -> Option<Expr> {
        let start = self.at;
        let prefix = if self.word_at(start, b"not") {
            Some((NOT, 3))
        } else if self.peek() == Some(b'-') {
            Some((NEG, 1))
        } else {
            None
        };
        let Some((prec, len)) = prefix else {
            return self.primary();
        };
        self.prefixes += 1;
        if self.prefixes > MAX_PREFIXES {
            return None;
        }
        self.at += len;
        self.skip_space();
        let operand = Box::new(self.expr(prec - 1)?);
        self.prefixes -= 1;
        let span = (start, operand.span.1);
        let kind = if prec == NOT {
            ExprKind::Not { operand }
        } else {
            ExprKind::Neg { operand }
        };
        Some(Expr { kind, span })
    }

    /// The infix operator at the cursor (after whitespace): operator, binding power, length.
    /// In the grammar's order of alternatives.
    fn infix(&self) -> Option<(BinOp, u8, usize)> {
        let at = self.at;
        if self.word_at(at, b"or") {
            return Some((BinOp::Or, OR, 2));
        }
        if self.word_at(at, b"and") {
            return Some((BinOp::And, AND, 3));
        }
        if self.s[at..].starts_with(b"not") {
            // `not_in = ${ "not" ~ WHITESPACE+ ~ "in" ~ !ident_char }`
            let mut i = at + 3;
            while matches!(self.s.get(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                i += 1;
            }
            if i > at + 3 && self.word_at(i, b"in") {
                return Some((BinOp::NotIn, COMPARE, i + 2 - at));
            }
        }
        if self.word_at(at, b"in") {
            return Some((BinOp::In, COMPARE, 2));
        }
        let two = |a: u8, b: u8| self.s.get(at) == Some(&a) && self.s.get(at + 1) == Some(&b);
        let found = if two(b'=', b'=') {
            (BinOp::Eq, COMPARE, 2)
        } else if two(b'!', b'=') {
            (BinOp::Ne, COMPARE, 2)
        } else if two(b'<', b'=') {
            (BinOp::Le, COMPARE, 2)
        } else if two(b'>', b'=') {
            (BinOp::Ge, COMPARE, 2)
        } else {
            match self.s.get(at)? {
                b'<' => (BinOp::Lt, COMPARE, 1),
                b'>' => (BinOp::Gt, COMPARE, 1),
                b'+' => (BinOp::Add, ADD, 1),
                b'-' => (BinOp::Sub, ADD, 1),
                b'*' => (BinOp::Mul, MUL, 1),
                b'/' => (BinOp::Div, MUL, 1),
                _ => return None,
            }
        };
        Some(found)
    }

    /// `number | string | list | boolean | call | ident | "(" ~ expr ~ ")"`.
    fn primary(&mut self) -> Option<Expr> {
        let start = self.at;
        let kind = match self.peek()? {
            b'0'..=b'9' => {
                self.digits();
                if self.peek() == Some(b'.') && self.s.get(self.at + 1).is_some_and(u8::is_ascii_digit) {
                    self.at += 1;
                    self.digits();
                }
                let text = std::str::from_utf8(&self.s[start..self.at]).ok()?;
                ExprKind::Number {
                    value: text.parse().ok()?,
                }
            }
            quote @ (b'\'' | b'"') => {
                self.at += 1;
                let inner = self.at;
                let mut escaped = false;
                loop {
                    match self.peek()? {
                        b'\\' => {
                            escaped = true;
                            self.at += 1;
                            // `"\\" ~ ANY`: the next character, whatever it is.
                            let rest = std::str::from_utf8(&self.s[self.at..]).ok()?;
                            self.at += rest.chars().next()?.len_utf8();
                        }
                        b if b == quote => break,
                        _ => self.at += 1,
                    }
                }
                let raw = std::str::from_utf8(&self.s[inner..self.at]).ok()?;
                self.at += 1;
                ExprKind::String {
                    value: if escaped { super::unescape(raw) } else { raw.to_string() },
                }
            }
            b'[' => {
                self.at += 1;
                self.skip_space();
                let items = self.items(b']', true)?;
                ExprKind::List { items }
            }
            b'(' => {
                self.at += 1;
                self.skip_space();
                let inner = self.expr(0)?;
                self.skip_space();
                if self.peek() != Some(b')') {
                    return None;
                }
                self.at += 1;
                // A bracketed expression is its inner expression, spanned without brackets.
                return Some(inner);
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                if self.word_at(start, b"true") || self.word_at(start, b"false") {
                    self.at += if self.s[start] == b't' { 4 } else { 5 };
                    ExprKind::Bool {
                        value: self.s[start] == b't',
                    }
                } else {
                    // `ident = @{ !keyword ~ … }`
                    if ["and", "or", "not", "in"]
                        .iter()
                        .any(|k| self.word_at(start, k.as_bytes()))
                    {
                        return None;
                    }
                    while self.peek().is_some_and(ident_char) {
                        self.at += 1;
                    }
                    let name = std::str::from_utf8(&self.s[start..self.at]).ok()?.to_string();
                    let end = self.at;
                    self.skip_space();
                    if self.peek() == Some(b'(') {
                        self.at += 1;
                        self.skip_space();
                        let args = self.items(b')', false)?;
                        ExprKind::Call { function: name, args }
                    } else {
                        self.at = end;
                        ExprKind::Var { name }
                    }
                }
            }
            _ => return None,
        };
        Some(Expr {
            kind,
            span: (start, self.at),
        })
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
    }

    /// `(expr ~ ("," ~ expr)* ~ ","?)? ~ close`, the cursor after the opening bracket and its
    /// whitespace; `trailing`: a comma may end the list (lists, not calls).
    fn items(&mut self, close: u8, trailing: bool) -> Option<Vec<Expr>> {
        let mut items = Vec::new();
        if self.peek() == Some(close) {
            self.at += 1;
            return Some(items);
        }
        loop {
            items.push(self.expr(0)?);
            self.skip_space();
            match self.peek()? {
                b',' => {
                    self.at += 1;
                    self.skip_space();
                    if trailing && self.peek() == Some(close) {
                        self.at += 1;
                        return Some(items);
                    }
                }
                b if b == close => {
                    self.at += 1;
                    return Some(items);
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::expr::parse_with_pest;

    /// A small deterministic generator (xorshift), so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as usize
        }

        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.next() % from.len()]
        }
    }

    const SPACE: &[&str] = &["", "", " ", " ", "  ", "\n", "\t", "\r\n"];

    /// Both parsers on one text: where the fast one gives a tree, pest gives the same, spans
    /// and all; where pest parses, so does the fast one. Returns whether pest parsed it.
    fn agree(text: &str) -> bool {
        let full = parse_with_pest(text);
        match (parse(text), &full) {
            (Some(fast), Ok(slow)) => {
                assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "trees differ on {text:?}");
                true
            }
            (Some(fast), Err(e)) => panic!("the fast parser accepts {text:?} as {fast:?}; pest: {e:?}"),
            (None, Ok(slow)) => panic!("the fast parser gives up on {text:?}, which pest parses as {slow:?}"),
            (None, Err(_)) => false,
        }
    }

    #[test]
    fn agrees_with_the_grammar_on_written_cases() {
        for text in [
            "q1 == 'yes'",
            "  q1=='yes'  ",
            "not a and b or c",
            "a == not b or c",
            "not - a == b",
            "- - 3 * 2",
            "a - -1",
            "a-1",
            "a not in ['x', 'y',]",
            "a not\n in [1]",
            "a notin b",
            "a in b",
            "inx in in_y",
            "android or order",
            "not_x and true_x",
            "true or false",
            "true(x)",
            "f (x, 'y')",
            "f()",
            "f(1,)",
            "[]",
            "[,]",
            "[1,,]",
            "((a))",
            "(a or b) and c",
            "1.5 + 2",
            "1.",
            "1.5.3",
            "12abc",
            "'it\\'s' == \"d\\\"q\"",
            "'é' != x",
            "'unterminated",
            "'\\",
            "a = b",
            "a ==",
            "and",
            "x and",
            "count(q) >= 2 and selected(q, 'a')",
            "a <= b < c >= d > e != f",
            "a / b * c + d - e",
            "a==1or b==2",
            "ä == 1",
        ] {
            agree(text);
        }
    }

    #[test]
    fn agrees_with_the_grammar_on_token_soup() {
        const TOKENS: &[&str] = &[
            "a",
            "q1",
            "_x",
            "and",
            "or",
            "not",
            "in",
            "not in",
            "true",
            "false",
            "true_x",
            "android",
            "order",
            "1",
            "2.5",
            "1.",
            "'y'",
            "'it\\'s'",
            "\"d\"",
            "'é'",
            "(",
            ")",
            "[",
            "]",
            ",",
            "==",
            "!=",
            "<",
            "<=",
            ">",
            ">=",
            "+",
            "-",
            "*",
            "/",
            "=",
            "!",
            "count",
            "selected(",
            "f (",
            "\\",
            "'",
            "ä",
        ];
        let mut rng = Rng(0x5eed_1234_abcd_ef01);
        let mut parsed = 0;
        for _ in 0..20_000 {
            let n = 1 + rng.next() % 7;
            let mut text = String::new();
            for _ in 0..n {
                text.push_str(rng.pick(SPACE));
                text.push_str(rng.pick(TOKENS));
            }
            text.push_str(rng.pick(SPACE));
            parsed += usize::from(agree(&text));
        }
        assert!(parsed > 1_000, "the soup should hold valid expressions too: {parsed}");
    }

    /// A random well-formed expression, with random spacing and brackets.
    fn tree(rng: &mut Rng, depth: usize, out: &mut String) {
        const INFIX: &[&str] = &[
            "or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "+", "-", "*", "/",
        ];
        const LEAVES: &[&str] = &[
            "q1", "x_2", "1", "0.5", "'yes'", "\"no\"", "true", "false", "audience", "'a\\'b'",
        ];
        let space = |rng: &mut Rng, out: &mut String| out.push_str(rng.pick(SPACE));
        match if depth == 0 { 0 } else { rng.next() % 6 } {
            0 => out.push_str(rng.pick(LEAVES)),
            1 => {
                out.push_str(rng.pick(&["not ", "-", "not(", "- "]));
                let close = out.ends_with('(');
                tree(rng, depth - 1, out);
                if close {
                    out.push(')');
                }
            }
            2 => {
                out.push('(');
                space(rng, out);
                tree(rng, depth - 1, out);
                space(rng, out);
                out.push(')');
            }
            3 | 4 => {
                tree(rng, depth - 1, out);
                out.push(' ');
                out.push_str(rng.pick(INFIX));
                out.push(' ');
                tree(rng, depth - 1, out);
            }
            _ => {
                let (open, close) = if rng.next().is_multiple_of(2) {
                    ("count(", ")")
                } else {
                    ("[", "]")
                };
                out.push_str(open);
                for i in 0..rng.next() % 3 {
                    if i > 0 {
                        out.push(',');
                        space(rng, out);
                    }
                    tree(rng, depth - 1, out);
                }
                out.push_str(close);
            }
        }
    }

    #[test]
    fn agrees_with_the_grammar_on_generated_expressions() {
        let mut rng = Rng(0x0dd_ba11_cafe_f00d);
        for _ in 0..5_000 {
            let mut text = String::new();
            tree(&mut rng, 4, &mut text);
            assert!(agree(&text), "generated expressions are well formed: {text:?}");
        }
    }

    #[test]
    fn gives_up_on_long_runs_of_prefixes() {
        let text = format!("{}x", "- ".repeat(super::MAX_PREFIXES + 1));
        assert!(parse(&text).is_none());
        assert!(parse_with_pest(&text).is_ok(), "pest parses it, and decides");
    }
}
