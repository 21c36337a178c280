//! XPath as XLSForms write it (`relevant`, `constraint`, `calculate`) into Quire's
//! expression language, or the reason it cannot be: a small tokenizer and a recursive
//! parser, bounded in depth. Quire's own expression parser judges the result.

use std::collections::HashMap;

use super::xlsform::ident;

/// How deeply an XPath expression may nest (brackets and function calls).
pub const MAX_XPATH_DEPTH: usize = 64;

/// XPath (as XLSForms write it) into Quire's expression language, or why not.
pub(super) struct Translate<'a> {
    /// Question name → its choice list (XLSForm choice name → Quire value).
    pub(super) choices: &'a HashMap<String, std::rc::Rc<HashMap<String, String>>>,
    pub(super) kinds: &'a HashMap<String, String>,
    /// Question name → the repeat it is in (the innermost), for a repeat's questions.
    pub(super) repeat_of: &'a HashMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ref(String),
    Str(String),
    Num(String),
    Op(String),
    Name(String),
    Open,
    Close,
    Comma,
    Dot,
}

fn tokens(s: &str) -> Result<Vec<Tok>, String> {
    let cs: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '$' if cs.get(i + 1) == Some(&'{') => {
                let end = cs[i..].iter().position(|&x| x == '}').ok_or("an unclosed ${")? + i;
                out.push(Tok::Ref(cs[i + 2..end].iter().collect()));
                i = end + 1;
            }
            '\'' | '"' => {
                let end = cs[i + 1..].iter().position(|&x| x == c).ok_or("an unclosed string")? + i + 1;
                out.push(Tok::Str(cs[i + 1..end].iter().collect()));
                i = end + 1;
            }
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            '=' | '+' | '*' => {
                out.push(Tok::Op(c.to_string()));
                i += 1;
            }
            '-' if !matches!(
                out.last(),
                Some(Tok::Ref(_) | Tok::Num(_) | Tok::Close | Tok::Dot | Tok::Str(_))
            ) =>
            {
                // A negative number.
                let end = cs[i + 1..]
                    .iter()
                    .position(|x| !(x.is_ascii_digit() || *x == '.'))
                    .map(|p| p + i + 1)
                    .unwrap_or(cs.len());
                out.push(Tok::Num(cs[i..end].iter().collect()));
                i = end;
            }
            '-' => {
                out.push(Tok::Op("-".into()));
                i += 1;
            }
            '!' | '<' | '>' => {
                let two = cs.get(i + 1) == Some(&'=');
                out.push(Tok::Op(if two { format!("{c}=") } else { c.to_string() }));
                i += if two { 2 } else { 1 };
            }
            '.' if !cs.get(i + 1).is_some_and(|x| x.is_ascii_digit()) => {
                out.push(Tok::Dot);
                i += 1;
            }
            c if c.is_ascii_digit() || c == '.' => {
                let end = cs[i..]
                    .iter()
                    .position(|x| !(x.is_ascii_digit() || *x == '.'))
                    .map(|p| p + i)
                    .unwrap_or(cs.len());
                out.push(Tok::Num(cs[i..end].iter().collect()));
                i = end;
            }
            c if c.is_alphabetic() || c == '_' => {
                let end = cs[i..]
                    .iter()
                    .position(|x| !(x.is_alphanumeric() || *x == '_' || *x == '-' || *x == ':'))
                    .map(|p| p + i)
                    .unwrap_or(cs.len());
                let word: String = cs[i..end].iter().collect();
                match word.as_str() {
                    "and" | "or" | "div" | "mod" => out.push(Tok::Op(word)),
                    _ => out.push(Tok::Name(word)),
                }
                i = end;
            }
            c => return Err(format!("`{c}` is not in the XPath Quire reads")),
        }
    }
    Ok(out)
}

struct Parser<'t, 'a> {
    toks: &'t [Tok],
    at: usize,
    tr: &'t Translate<'a>,
    /// The question `.` stands for (in a constraint).
    itself: Option<&'t str>,
    /// Brackets and calls open around this point (bounded: the parser recurses).
    depth: usize,
}

impl Parser<'_, '_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }
    fn bump(&mut self) -> Option<Tok> {
        self.at += 1;
        self.toks.get(self.at - 1).cloned()
    }
    fn expect(&mut self, t: Tok) -> Result<(), String> {
        match self.bump() {
            Some(x) if x == t => Ok(()),
            other => Err(format!("expected {t:?}, found {other:?}")),
        }
    }
    fn binary(
        &mut self,
        ops: &[&str],
        next: fn(&mut Self) -> Result<String, String>,
        quire: fn(&str) -> &'static str,
    ) -> Result<String, String> {
        let mut left = next(self)?;
        while let Some(Tok::Op(o)) = self.peek().cloned() {
            if !ops.contains(&o.as_str()) {
                break;
            }
            self.bump();
            let right = next(self)?;
            left = format!("({left} {} {right})", quire(&o));
        }
        Ok(left)
    }
    fn or(&mut self) -> Result<String, String> {
        self.binary(&["or"], Self::and, |_| "or")
    }
    fn and(&mut self) -> Result<String, String> {
        self.binary(&["and"], Self::cmp, |_| "and")
    }
    fn cmp(&mut self) -> Result<String, String> {
        let start = self.at;
        // `string-length(q) > 0` asks whether q was answered (whatever its type).
        if let [
            Tok::Name(f),
            Tok::Open,
            subject @ (Tok::Ref(_) | Tok::Dot),
            Tok::Close,
            Tok::Op(op),
            Tok::Num(zero),
            ..,
        ] = &self.toks[start..]
            && f == "string-length"
            && zero.parse::<f64>() == Ok(0.0)
            && (op == ">" || op == "=" || op == "!=")
        {
            let name = match subject {
                Tok::Ref(n) => ident(n, "q"),
                _ => self.itself.map(|n| ident(n, "q")).ok_or("`.` outside a constraint")?,
            };
            self.at += 6;
            return Ok(if op == "=" {
                format!("not answered({name})")
            } else {
                format!("answered({name})")
            });
        }
        let left = self.sum()?;
        let Some(Tok::Op(o)) = self.peek().cloned() else {
            return Ok(left);
        };
        if !["=", "!=", "<", "<=", ">", ">="].contains(&o.as_str()) {
            return Ok(left);
        }
        self.bump();
        // A choice question compared with one of its choices: the choice's Quire value.
        let subject = match &self.toks[start] {
            Tok::Ref(n) if self.at == start + 2 => Some(n.clone()),
            Tok::Dot if self.at == start + 2 => self.itself.map(str::to_string),
            _ => None,
        };
        let right = match (self.peek().cloned(), &subject) {
            (Some(Tok::Str(s) | Tok::Num(s)), Some(name)) if self.tr.choices.contains_key(name) => {
                self.bump();
                let value = self.tr.choices[name]
                    .get(&s)
                    .ok_or_else(|| format!("`{s}` is not a choice of `{name}`"))?;
                format!("'{value}'")
            }
            _ => self.sum()?,
        };
        if subject
            .as_ref()
            .is_some_and(|n| self.tr.kinds.get(n).map(String::as_str) == Some("select_multiple"))
        {
            return Err("a multiple choice compared with `=`".into());
        }
        let op = if o == "=" { "==" } else { o.as_str() };
        Ok(format!("{left} {op} {right}"))
    }
    fn sum(&mut self) -> Result<String, String> {
        self.binary(&["+", "-"], Self::product, |o| if o == "+" { "+" } else { "-" })
    }
    fn product(&mut self) -> Result<String, String> {
        let mut left = self.atom()?;
        while let Some(Tok::Op(o)) = self.peek().cloned() {
            let op = match o.as_str() {
                "*" => "*",
                "div" => "/",
                "mod" => {
                    self.bump();
                    let right = self.atom()?;
                    left = format!("mod({left}, {right})");
                    continue;
                }
                _ => break,
            };
            self.bump();
            let right = self.atom()?;
            left = format!("({left} {op} {right})");
        }
        Ok(left)
    }
    fn args(&mut self) -> Result<Vec<Vec<Tok>>, String> {
        // The raw tokens of each argument, to translate with context.
        self.expect(Tok::Open)?;
        let mut args = Vec::new();
        let mut depth = 0;
        let mut cur = Vec::new();
        loop {
            let t = self.bump().ok_or("an unclosed (")?;
            match t {
                Tok::Open => {
                    depth += 1;
                    cur.push(t);
                }
                Tok::Close if depth == 0 => {
                    if !cur.is_empty() {
                        args.push(cur);
                    }
                    return Ok(args);
                }
                Tok::Close => {
                    depth -= 1;
                    cur.push(t);
                }
                Tok::Comma if depth == 0 => args.push(std::mem::take(&mut cur)),
                t => cur.push(t),
            }
        }
    }
    fn sub(&self, toks: &[Tok]) -> Result<String, String> {
        if self.depth >= MAX_XPATH_DEPTH {
            return Err(format!("nested more than {MAX_XPATH_DEPTH} levels deep"));
        }
        let mut p = Parser {
            toks,
            at: 0,
            tr: self.tr,
            itself: self.itself,
            depth: self.depth + 1,
        };
        let e = p.or()?;
        if p.at != toks.len() {
            return Err("more than one expression".into());
        }
        Ok(e)
    }
    fn name_of(&self, toks: &[Tok]) -> Result<String, String> {
        match toks {
            [Tok::Ref(n)] => Ok(n.clone()),
            [Tok::Dot] => self
                .itself
                .map(str::to_string)
                .ok_or_else(|| "`.` outside a constraint".into()),
            _ => Err("a question reference".into()),
        }
    }
    fn atom(&mut self) -> Result<String, String> {
        match self.bump().ok_or("an expression ends too soon")? {
            Tok::Ref(n) => Ok(ident(&n, "q")),
            Tok::Dot => self
                .itself
                .map(|n| ident(n, "q"))
                .ok_or_else(|| "`.` outside a constraint".into()),
            Tok::Str(s) if !s.contains('\'') => Ok(format!("'{s}'")),
            Tok::Num(n) => Ok(n),
            Tok::Open => {
                if self.depth >= MAX_XPATH_DEPTH {
                    return Err(format!("nested more than {MAX_XPATH_DEPTH} levels deep"));
                }
                self.depth += 1;
                let e = self.or()?;
                self.depth -= 1;
                self.expect(Tok::Close)?;
                Ok(format!("({e})"))
            }
            Tok::Name(f) => {
                let args = self.args()?;
                match (f.as_str(), args.as_slice()) {
                    ("not", [a]) => Ok(format!("not ({})", self.sub(a)?)),
                    ("true", []) => Ok("true".into()),
                    ("false", []) => Ok("false".into()),
                    ("selected", [a, b]) => {
                        let name = self.name_of(a)?;
                        let [Tok::Str(v) | Tok::Num(v)] = b.as_slice() else {
                            return Err("selected() with a computed choice".into());
                        };
                        let value = self
                            .tr
                            .choices
                            .get(&name)
                            .and_then(|c| c.get(v))
                            .ok_or_else(|| format!("`{v}` is not a choice of `{name}`"))?;
                        Ok(format!("selected({}, '{value}')", ident(&name, "q")))
                    }
                    ("count-selected", [a]) => Ok(format!("count({})", ident(&self.name_of(a)?, "q"))),
                    // A repeat's idioms: the row's number, its rows counted, summed, the
                    // answer of one row.
                    ("position", [a]) if a.as_slice() == [Tok::Dot, Tok::Dot] => Ok("row()".into()),
                    ("count", [a]) => {
                        let name = self.name_of(a)?;
                        if self.tr.kinds.get(&name).is_some_and(|k| k == "begin_repeat") {
                            Ok(format!("count({})", ident(&name, "roster")))
                        } else {
                            Err("count() of what is not a repeat has no Quire equivalent".into())
                        }
                    }
                    ("sum" | "min" | "max", [a]) if matches!(a.as_slice(), [Tok::Ref(_)]) => {
                        let name = self.name_of(a)?;
                        let roster = self
                            .tr
                            .repeat_of
                            .get(&name)
                            .ok_or_else(|| format!("{f}() of `{name}`, which is not in a repeat"))?;
                        Ok(format!("{f}({}, {})", ident(roster, "roster"), ident(&name, "q")))
                    }
                    ("indexed-repeat", [field, repeat, n]) => {
                        let (field, repeat) = (self.name_of(field)?, self.name_of(repeat)?);
                        if self.tr.repeat_of.get(&field) != Some(&repeat) {
                            return Err(format!("indexed-repeat() of `{field}` outside `{repeat}`"));
                        }
                        Ok(format!(
                            "at({}, {}, {})",
                            ident(&repeat, "roster"),
                            self.sub(n)?,
                            ident(&field, "q")
                        ))
                    }
                    ("string-length", [a]) => Ok(format!("length({})", self.sub(a)?)),
                    // `if(x = x, x, '')` guards a number against NaN: in Quire it is x.
                    ("if", [c, a, b]) if b.as_slice() == [Tok::Str(String::new())] => {
                        let (cond, then) = (self.sub(c)?, self.sub(a)?);
                        if cond.trim_matches(|ch| ch == '(' || ch == ')')
                            == format!(
                                "{} == {}",
                                then.trim_matches(|ch| ch == '(' || ch == ')'),
                                then.trim_matches(|ch| ch == '(' || ch == ')')
                            )
                        {
                            Ok(then)
                        } else {
                            Err("a blank result has no Quire equivalent".into())
                        }
                    }
                    ("if", [c, a, b]) => Ok(format!("if({}, {}, {})", self.sub(c)?, self.sub(a)?, self.sub(b)?)),
                    ("coalesce", [a, b]) => Ok(format!("coalesce({}, {})", self.sub(a)?, self.sub(b)?)),
                    ("today", []) => Ok("today()".into()),
                    ("min" | "max", parts) if !parts.is_empty() => {
                        let parts: Result<Vec<String>, String> = parts.iter().map(|p| self.sub(p)).collect();
                        Ok(format!("{f}({})", parts?.join(", ")))
                    }
                    _ => Err(format!("the function {f}() has no Quire equivalent")),
                }
            }
            t => Err(format!("unexpected {t:?}")),
        }
    }
}

impl Translate<'_> {
    pub(super) fn expr(&self, xpath: &str, itself: Option<&str>) -> Result<String, String> {
        let toks = tokens(xpath)?;
        let mut p = Parser {
            toks: &toks,
            at: 0,
            tr: self,
            itself,
            depth: 0,
        };
        let e = p.or()?;
        if p.at != toks.len() {
            return Err("the expression does not end where expected".into());
        }
        // Quire's parser is the judge: what it cannot read is not translated.
        quire_core::expr::parse(&e).map_err(|err| err.message)?;
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_xpath_does_not_panic() {
        for x in [
            "",
            "   ",
            "${",
            "'",
            "(",
            ")",
            "selected(",
            "string-length(${a}) >",
            "- -",
            "${a} = = 1",
            "..",
            "not()",
        ] {
            let choices: HashMap<String, std::rc::Rc<HashMap<String, String>>> = HashMap::new();
            let kinds = HashMap::new();
            let repeat_of = HashMap::new();
            let tr = Translate {
                choices: &choices,
                kinds: &kinds,
                repeat_of: &repeat_of,
            };
            let _ = tr.expr(x, Some("q"));
        }
    }
}
