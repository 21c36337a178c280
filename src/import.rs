//! `quire import xlsform FORM.xlsx -o spec.yaml`: an existing XLSForm in, a Quire spec out,
//! so a team can bring an instrument over and get Quire's checks, paper editions and
//! codebook.
//!
//! Groups become sections, `select_one`/`select_multiple` single and multiple choice with
//! the form's choice lists, `relevant` becomes `ask_if` and `constraint` a `validate` rule,
//! translated from XPath where the expression is within Quire's language; `calculate` rows
//! become derived variables. What cannot be translated is reported with its row and kept
//! in the spec as a comment.

use std::collections::HashMap;
use std::io::Read as _;

/// A sheet as rows of cells (strings; empty when blank).
pub type Sheet = Vec<Vec<String>>;

/// Reads the sheets of an .xlsx workbook by name (shared strings and inline strings; numbers
/// as written).
pub fn read_xlsx(bytes: &[u8]) -> Result<HashMap<String, Sheet>, String> {
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| format!("not an .xlsx workbook: {e}"))?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(format!(
            "the workbook has {} parts, more than the {MAX_ZIP_ENTRIES} an XLSForm could need",
            zip.len()
        ));
    }
    // Untrusted input: each part is read up to its limit, whatever size it claims, and all
    // parts together up to theirs.
    let mut expanded: u64 = 0;
    let mut part = |name: &str| -> Result<Option<String>, String> {
        let Ok(f) = zip.by_name(name) else { return Ok(None) };
        let mut bytes = Vec::new();
        f.take(MAX_PART_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{name}: cannot be unpacked: {e}"))?;
        expanded += bytes.len() as u64;
        if bytes.len() as u64 > MAX_PART_BYTES || expanded > MAX_EXPANDED_BYTES {
            return Err(format!(
                "{name}: the workbook unpacks to more than {} MiB (a part may have {} MiB, all parts {} MiB); is it a zip bomb?",
                expanded.max(bytes.len() as u64) / (1024 * 1024),
                MAX_PART_BYTES / (1024 * 1024),
                MAX_EXPANDED_BYTES / (1024 * 1024)
            ));
        }
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| format!("{name}: not UTF-8 XML"))
    };
    let workbook = part("xl/workbook.xml")?.ok_or("the workbook has no xl/workbook.xml")?;
    let rels = part("xl/_rels/workbook.xml.rels")?.unwrap_or_default();
    let shared: Vec<String> = part("xl/sharedStrings.xml")?
        .map(|x| {
            let doc = xml(&x).ok();
            doc.map(|d| {
                d.root_element()
                    .children()
                    .filter(|n| n.has_tag_name("si"))
                    .map(|si| {
                        si.descendants()
                            .filter(|n| n.has_tag_name("t"))
                            .filter_map(|t| t.text())
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default()
        })
        .unwrap_or_default();
    let rels = xml(&rels).ok();
    let target = |id: &str| -> Option<String> {
        rels.as_ref()?
            .descendants()
            .find(|n| n.attribute("Id") == Some(id))
            .and_then(|n| n.attribute("Target"))
            .map(|t| t.trim_start_matches('/').trim_start_matches("xl/").to_string())
    };
    let wb = xml(&workbook).map_err(|e| format!("xl/workbook.xml: {e}"))?;
    let r_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let mut out = HashMap::new();
    let sheets: Vec<(String, String)> = wb
        .descendants()
        .filter(|n| n.has_tag_name("sheet"))
        .filter_map(|n| Some((n.attribute("name")?.to_string(), target(n.attribute((r_ns, "id"))?)?)))
        .collect();
    for (name, path) in sheets {
        let Some(text) = part(&format!("xl/{path}"))? else {
            continue;
        };
        let doc = xml(&text).map_err(|e| format!("sheet {name}: {e}"))?;
        let mut rows: Sheet = Vec::new();
        for row in doc.descendants().filter(|n| n.has_tag_name("row")) {
            if rows.len() >= MAX_ROWS {
                return Err(format!(
                    "sheet {name} has more than {MAX_ROWS} rows; no questionnaire has that many"
                ));
            }
            let mut cells: Vec<String> = Vec::new();
            for c in row.children().filter(|n| n.has_tag_name("c")) {
                let col = c.attribute("r").map(column_index).unwrap_or(cells.len());
                let value = match c.attribute("t") {
                    Some("s") => c
                        .children()
                        .find(|n| n.has_tag_name("v"))
                        .and_then(|v| v.text())
                        .and_then(|i| i.parse::<usize>().ok())
                        .and_then(|i| shared.get(i).cloned())
                        .unwrap_or_default(),
                    Some("inlineStr") => c
                        .descendants()
                        .filter(|n| n.has_tag_name("t"))
                        .filter_map(|t| t.text())
                        .collect(),
                    _ => c
                        .children()
                        .find(|n| n.has_tag_name("v"))
                        .and_then(|v| v.text())
                        .unwrap_or("")
                        .to_string(),
                };
                // Spreadsheets keep formatted empty cells far to the right: only values count.
                if value.is_empty() {
                    continue;
                }
                if col >= MAX_COLUMNS {
                    return Err(format!(
                        "sheet {name}, row {}: a value in column {}, beyond the {MAX_COLUMNS} columns an XLSForm reads",
                        rows.len() + 1,
                        col + 1
                    ));
                }
                if cells.len() <= col {
                    cells.resize(col + 1, String::new());
                }
                cells[col] = value;
            }
            rows.push(cells);
        }
        out.insert(name, rows);
    }
    Ok(out)
}

/// Limits on an untrusted workbook (its size is [`quire_core::input::MAX_WORKBOOK_BYTES`]).
pub const MAX_ZIP_ENTRIES: usize = 1_000;
pub const MAX_PART_BYTES: u64 = 32 * 1024 * 1024;
pub const MAX_EXPANDED_BYTES: u64 = 128 * 1024 * 1024;
pub const MAX_XML_NODES: u32 = 4_000_000;
pub const MAX_ROWS: usize = 50_000;
pub const MAX_COLUMNS: usize = 1_024;
/// How deeply an XPath expression may nest (brackets and function calls).
pub const MAX_XPATH_DEPTH: usize = 64;

/// Parses a workbook part under the node limit.
fn xml(text: &str) -> Result<roxmltree::Document<'_>, roxmltree::Error> {
    roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            nodes_limit: MAX_XML_NODES,
            ..roxmltree::ParsingOptions::default()
        },
    )
}

/// `B7` → 1.
fn column_index(r: &str) -> usize {
    r.chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .take(4)
        .fold(0usize, |n, c| {
            n * 26 + (c.to_ascii_uppercase() as usize - 'A' as usize + 1)
        })
        .saturating_sub(1)
}

/// What did not carry over: (sheet row, what, why).
pub type Report = Vec<(usize, String, String)>;

/// Text from the workbook inside a YAML comment: one line, whatever the cell held (a line
/// break would end the comment and let the rest be read as YAML).
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// A workbook's text as a Quire text: braces doubled (`{x}` in a label is not a Quire term)
/// and XLSForm's `${name}` piping kept where Quire can pipe it (`pipes`: the questions asked
/// earlier that can be piped), written out as text otherwise.
fn text_of(s: &str, pipes: &std::collections::HashSet<String>, unpiped: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['{', '}', '$']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("${")
            && let Some(end) = after.find('}')
        {
            let name = &after[..end];
            if pipes.contains(name) {
                out.push_str(&format!("${{{}}}", ident(name, "q")));
            } else {
                unpiped.push(name.to_string());
                out.push_str(&format!("${{{{{name}}}}}"));
            }
            rest = &after[end + 1..];
            continue;
        }
        match tail.as_bytes()[0] {
            b'{' => out.push_str("{{"),
            b'}' => out.push_str("}}"),
            _ => out.push('$'),
        }
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
}

/// `id`, or the first of `id_2`, `id_3`, … not taken yet (reported: references to the name
/// stay with its first use).
fn unique(taken: &mut std::collections::HashSet<String>, id: String, row: usize, report: &mut Report) -> String {
    if taken.insert(id.clone()) {
        return id;
    }
    let mut n = 2;
    let renamed = loop {
        let candidate = format!("{id}_{n}");
        if taken.insert(candidate.clone()) {
            break candidate;
        }
        n += 1;
    };
    report.push((
        row,
        format!("name `{id}`"),
        format!("used before; imported as `{renamed}`"),
    ));
    renamed
}

/// A double-quoted YAML scalar.
fn q(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A name as a Quire identifier: letters, digits and `_`, a letter first.
fn ident(s: &str, fallback: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect::<String>()
        .split('_')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    out.truncate(28);
    let out = out.trim_end_matches('_').to_string();
    if out.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        out
    } else if out.is_empty() {
        fallback.to_string()
    } else {
        format!("{fallback}_{out}")
    }
}

struct Choice {
    /// Its name in the XLSForm.
    name: String,
    code: i64,
    value: String,
    label: String,
    /// "Other, please specify": its write-in is the text question `<q>_other`.
    other: bool,
}

/// XPath (as XLSForms write it) into Quire's expression language, or why not.
struct Translate<'a> {
    /// Question name → its choice list (XLSForm choice name → Quire value).
    choices: &'a HashMap<String, std::rc::Rc<HashMap<String, String>>>,
    kinds: &'a HashMap<String, String>,
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
    fn expr(&self, xpath: &str, itself: Option<&str>) -> Result<String, String> {
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

/// The XLSForm's sheets as a Quire spec, and what did not carry over.
pub fn xlsform_to_spec(sheets: &HashMap<String, Sheet>, source: &str) -> Result<(String, Report), String> {
    let survey = sheets.get("survey").ok_or("the workbook has no `survey` sheet")?;
    let header: Vec<String> = survey
        .first()
        .ok_or("the survey sheet is empty")?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let col = |names: &[&str]| -> Option<usize> {
        names
            .iter()
            .find_map(|n| header.iter().position(|h| h.eq_ignore_ascii_case(n)))
            .or_else(|| {
                header
                    .iter()
                    .position(|h| names.iter().any(|n| h.to_lowercase().starts_with(&format!("{n}::"))))
            })
    };
    let (c_type, c_name, c_label) = (col(&["type"]), col(&["name"]), col(&["label"]));
    let (c_type, c_name) = (c_type.ok_or("no `type` column")?, c_name.ok_or("no `name` column")?);
    let (c_hint, c_rel, c_con, c_msg, c_req, c_calc) = (
        col(&["hint"]),
        col(&["relevant"]),
        col(&["constraint"]),
        col(&["constraint_message"]),
        col(&["required"]),
        col(&["calculation"]),
    );
    let get = |row: &Vec<String>, c: Option<usize>| -> String {
        c.and_then(|c| row.get(c))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    // Choice lists: XLSForm names as codes where they are whole numbers, else numbered.
    let mut lists: Vec<(String, Vec<Choice>)> = Vec::new();
    let mut list_index: HashMap<String, usize> = HashMap::new();
    // Per list: the choice names and the Quire values taken.
    let mut taken: Vec<(std::collections::HashSet<String>, std::collections::HashSet<String>)> = Vec::new();
    if let Some(ch) = sheets.get("choices") {
        let h: Vec<String> = ch
            .first()
            .map(|r| r.iter().map(|s| s.trim().to_lowercase()).collect())
            .unwrap_or_default();
        let hc = |n: &str| {
            h.iter()
                .position(|x| x == n)
                .or_else(|| h.iter().position(|x| x.starts_with(&format!("{n}::"))))
        };
        let (l_list, l_name, l_label) = (hc("list_name"), hc("name"), hc("label"));
        for row in ch.iter().skip(1) {
            let list = get(row, l_list);
            let name = get(row, l_name);
            if list.is_empty() || name.is_empty() {
                continue;
            }
            let label = get(row, l_label);
            let at = *list_index.entry(list.clone()).or_insert_with(|| {
                lists.push((list.clone(), Vec::new()));
                taken.push((std::collections::HashSet::new(), std::collections::HashSet::new()));
                lists.len() - 1
            });
            let entry = &mut lists[at].1;
            let (names, values) = &mut taken[at];
            // A choice name twice in one list: the form could not tell them apart either.
            if !names.insert(name.clone()) {
                continue;
            }
            let code = name.parse::<i64>().unwrap_or(entry.len() as i64 + 1);
            let base = if name.parse::<i64>().is_ok() {
                ident(&label, &format!("c{code}"))
            } else {
                ident(&name, "c")
            };
            let mut value = base.clone();
            let mut n = 1;
            while values.contains(&value) {
                n += 1;
                value = format!("{base}_{n}");
            }
            values.insert(value.clone());
            entry.push(Choice {
                name: name.clone(),
                code,
                value,
                label: if label.is_empty() { name.clone() } else { label },
                other: false,
            });
        }
    }
    // A text question `<q>_other` right after choice question q, shown when one of its choices
    // is chosen, is that choice's write-in ("Other, please specify").
    let mut write_ins: std::collections::HashSet<usize> = std::collections::HashSet::new();
    for (i, pair) in survey.windows(2).enumerate().skip(1) {
        let (sel, txt) = (&pair[0], &pair[1]);
        let t = get(sel, Some(c_type));
        let mut parts = t.split_whitespace();
        let (Some(kind), Some(list)) = (parts.next(), parts.next()) else {
            continue;
        };
        if !kind.starts_with("select_")
            || get(txt, Some(c_type)) != "text"
            || get(txt, Some(c_name)) != format!("{}_other", get(sel, Some(c_name)))
        {
            continue;
        }
        let rel = get(txt, c_rel);
        let code = rel.rsplit(['\'', '"']).nth(1).unwrap_or("").to_string();
        if let Some((_, cs)) = lists.iter_mut().find(|(l, _)| l == list)
            && let Some(c) = cs.iter_mut().find(|c| c.code.to_string() == code)
        {
            c.other = true;
            write_ins.insert(i + 1);
        }
    }
    // Per list, XLSForm choice name → Quire value (shared by the questions using it).
    let names: HashMap<&str, std::rc::Rc<HashMap<String, String>>> = lists
        .iter()
        .map(|(l, cs)| {
            let m = cs.iter().map(|c| (c.name.clone(), c.value.clone())).collect();
            (l.as_str(), std::rc::Rc::new(m))
        })
        .collect();
    let names_of = |list: &str| names.get(list).cloned().unwrap_or_default();
    let mut choices_by_question: HashMap<String, std::rc::Rc<HashMap<String, String>>> = HashMap::new();
    let mut kinds: HashMap<String, String> = HashMap::new();
    for row in survey.iter().skip(1) {
        let t = get(row, Some(c_type));
        let name = get(row, Some(c_name));
        let mut parts = t.split_whitespace();
        let kind = parts.next().unwrap_or("").to_string();
        if let Some(list) = parts.next() {
            choices_by_question.insert(name.clone(), names_of(list));
        }
        kinds.insert(name, kind);
    }
    let tr = Translate {
        choices: &choices_by_question,
        kinds: &kinds,
    };
    let mut report: Report = Vec::new();
    let settings = sheets.get("settings");
    let setting = |k: &str| -> Option<String> {
        let s = settings?;
        let i = s.first()?.iter().position(|h| h.trim() == k)?;
        s.get(1)?.get(i).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    };
    let title = setting("form_title").unwrap_or_else(|| "Imported questionnaire".into());
    let id = ident(&setting("form_id").unwrap_or_else(|| title.clone()), "form");
    let version = setting("version").unwrap_or_else(|| "1".into());
    // `${name}` in texts: piped where it names an earlier question Quire can pipe.
    let none = std::collections::HashSet::new();
    let mut pipes: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut unpiped: Vec<String> = Vec::new();
    let main_title = q(&text_of(&title, &none, &mut unpiped));
    let mut yaml = format!(
        "# Imported by `quire import xlsform` from {}.\n# Review the comments marked IMPORT: what did not carry over.\nsurvey:\n  id: {id}\n  title: {}\n  version: {}\n",
        one_line(source),
        main_title,
        q(&version)
    );
    if !lists.is_empty() {
        yaml.push_str("\nchoices:\n");
        for (l, cs) in &lists {
            let _ = std::fmt::Write::write_fmt(&mut yaml, format_args!("  {}:\n", ident(l, "list")));
            for c in cs {
                let _ = std::fmt::Write::write_fmt(
                    &mut yaml,
                    format_args!(
                        "    - {{ code: {}, value: {}, label: {} }}\n",
                        c.code,
                        q(&c.value),
                        q(&text_of(&c.label, &none, &mut unpiped))
                    ),
                );
            }
        }
    }
    yaml.push_str("\nsections:\n");
    let mut derived = String::new();
    // Ids taken so far: a name used twice (or two that read alike as Quire ids) gets `_2`.
    let mut taken_ids: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut section_open = false;
    let mut depth = 0;
    let mut extra_conditions: Vec<Option<String>> = Vec::new();
    let open_default = |yaml: &mut String, section_open: &mut bool| {
        if !*section_open {
            yaml.push_str(&format!("  - id: main\n    title: {main_title}\n    items:\n"));
            *section_open = true;
        }
    };
    for (r, row) in survey.iter().enumerate().skip(1) {
        if write_ins.contains(&r) {
            continue;
        }
        let line = r + 1;
        let t = get(row, Some(c_type));
        let name = get(row, Some(c_name));
        let label = get(row, c_label);
        let kind = t.split_whitespace().next().unwrap_or("").to_lowercase();
        let relevant = get(row, c_rel);
        let translated_relevant = if relevant.is_empty() {
            None
        } else {
            match tr.expr(&relevant, None) {
                Ok(e) => Some(e),
                Err(why) => {
                    report.push((line, format!("relevant `{relevant}`"), why.clone()));
                    yaml.push_str(&format!(
                        "      # IMPORT: {}\n",
                        one_line(&format!("row {line}: relevant `{relevant}` not translated ({why})"))
                    ));
                    None
                }
            }
        };
        let group_start = kind == "begin_group" || (kind == "begin" && t.contains("group"));
        let group_end = kind == "end_group" || (kind == "end" && t.contains("group"));
        let kind = if group_start {
            "begin_group".to_string()
        } else if group_end {
            "end_group".to_string()
        } else {
            kind
        };
        match kind.as_str() {
            "" | "start" | "end" | "today" | "deviceid" | "subscriberid" | "simserial" | "phonenumber" | "username"
            | "email" | "audit" => {}
            "begin_group" => {
                depth += 1;
                if depth == 1 {
                    yaml.push_str(&format!(
                        "  - id: {}\n    title: {}\n",
                        unique(&mut taken_ids, ident(&name, "section"), line, &mut report),
                        q(&text_of(
                            if label.is_empty() { &name } else { &label },
                            &none,
                            &mut unpiped
                        ))
                    ));
                    if let Some(c) = &translated_relevant {
                        yaml.push_str(&format!("    ask_if: {}\n", q(c)));
                    }
                    yaml.push_str("    items:\n");
                    section_open = true;
                    extra_conditions.push(None);
                } else {
                    extra_conditions.push(translated_relevant.clone());
                }
            }
            "end_group" => {
                depth -= 1;
                extra_conditions.pop();
                if depth == 0 {
                    section_open = false;
                }
            }
            "begin_repeat" | "end_repeat" => {
                report.push((
                    line,
                    format!("repeat `{name}`"),
                    "repeats are not in Quire's format".into(),
                ));
                yaml.push_str(&format!(
                    "      # IMPORT: {}\n",
                    one_line(&format!("row {line}: repeat `{name}` (its questions are asked once)"))
                ));
            }
            "calculate" => {
                let calc = get(row, c_calc);
                match tr.expr(&calc, None) {
                    Ok(e) => derived.push_str(&format!(
                        "  - {{ id: {}, label: {}, expr: {} }}\n",
                        unique(&mut taken_ids, ident(&name, "calc"), line, &mut report),
                        q(&text_of(
                            if label.is_empty() { &name } else { &label },
                            &none,
                            &mut unpiped
                        )),
                        q(&e)
                    )),
                    Err(why) => {
                        report.push((line, format!("calculation `{calc}`"), why.clone()));
                        derived.push_str(&format!(
                            "  # IMPORT: {}\n",
                            one_line(&format!(
                                "row {line}: calculate `{name}` = `{calc}` not translated ({why})"
                            ))
                        ));
                    }
                }
            }
            _ => {
                let qtype = match kind.as_str() {
                    "select_one" => Some("single"),
                    "select_multiple" => Some("multiple"),
                    "integer" => Some("integer"),
                    "decimal" => Some("decimal"),
                    "date" => Some("date"),
                    "text" => Some("text"),
                    "note" => None,
                    _ => {
                        report.push((line, format!("type `{t}`"), "no Quire question type".into()));
                        yaml.push_str(&format!(
                            "      # IMPORT: {}\n",
                            one_line(&format!("row {line}: `{name}` of type `{t}` left out"))
                        ));
                        continue;
                    }
                };
                open_default(&mut yaml, &mut section_open);
                let conditions: Vec<String> = extra_conditions
                    .iter()
                    .flatten()
                    .cloned()
                    .chain(translated_relevant.clone())
                    .collect();
                let ask_if = (!conditions.is_empty()).then(|| conditions.join(" and "));
                let text = if label.is_empty() { name.clone() } else { label.clone() };
                match qtype {
                    None => {
                        yaml.push_str(&format!(
                            "      - type: note\n        id: {}\n        text: {}\n",
                            unique(&mut taken_ids, ident(&name, "note"), line, &mut report),
                            q(&text_of(&text, &pipes, &mut unpiped))
                        ));
                        if let Some(c) = ask_if {
                            yaml.push_str(&format!("        ask_if: {}\n", q(&c)));
                        }
                    }
                    Some(qt) => {
                        yaml.push_str(&format!(
                            "      - id: {}\n        type: {qt}\n        text: {}\n",
                            unique(&mut taken_ids, ident(&name, "q"), line, &mut report),
                            q(&text_of(&text, &pipes, &mut unpiped))
                        ));
                        if let Some(list) = t.split_whitespace().nth(1) {
                            yaml.push_str(&format!("        choices: {}\n", ident(list, "list")));
                        }
                        if qt != "multiple" {
                            pipes.insert(name.clone());
                        }
                        let hint = get(row, c_hint);
                        if !hint.is_empty() {
                            yaml.push_str(&format!("        hint: {}\n", q(&text_of(&hint, &pipes, &mut unpiped))));
                        }
                        if get(row, c_req).to_lowercase().starts_with('y') || get(row, c_req) == "true()" {
                            yaml.push_str("        required: true\n");
                        }
                        if let Some(c) = ask_if {
                            yaml.push_str(&format!("        ask_if: {}\n", q(&c)));
                        }
                        let constraint = get(row, c_con);
                        if !constraint.is_empty() {
                            match tr.expr(&constraint, Some(&name)) {
                                Ok(e) => {
                                    let msg = get(row, c_msg);
                                    let msg = if msg.is_empty() {
                                        "Please check this answer".to_string()
                                    } else {
                                        msg
                                    };
                                    yaml.push_str(&format!(
                                        "        validate:\n          - {{ check: {}, message: {} }}\n",
                                        q(&e),
                                        q(&text_of(&msg, &pipes, &mut unpiped))
                                    ));
                                }
                                Err(why) => {
                                    report.push((line, format!("constraint `{constraint}`"), why.clone()));
                                    yaml.push_str(&format!(
                                        "        # IMPORT: {}\n",
                                        one_line(&format!(
                                            "row {line}: constraint `{constraint}` not translated ({why})"
                                        ))
                                    ));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    unpiped.sort();
    unpiped.dedup();
    for name in unpiped {
        report.push((
            0,
            format!("`${{{name}}}` in a text"),
            "not an earlier question Quire can pipe; kept as written".into(),
        ));
    }
    if derived.lines().any(|l| l.trim_start().starts_with("- ")) {
        yaml.push_str("\nderived:\n");
        yaml.push_str(&derived);
    } else if !derived.is_empty() {
        yaml.push('\n');
        yaml.push_str(&derived);
    }
    Ok((yaml, report))
}

/// [`xlsform_to_spec`], then `check`: a translated line the checker refuses (a type that does
/// not fit, say) is turned into a comment and reported, until the spec checks clean.
pub fn import_xlsform(bytes: &[u8], source: &str) -> Result<(String, Report), String> {
    let sheets = read_xlsx(bytes)?;
    let (mut yaml, mut report) = xlsform_to_spec(&sheets, source)?;
    // Every line an error points at is commented out at once; a few rounds settle what the
    // first round's comments uncover (a question left without its choices, say).
    for _ in 0..8 {
        let compiled = quire_core::compile("imported.yaml", &yaml);
        let mut lines: Vec<String> = yaml.lines().map(str::to_string).collect();
        let mut changed = false;
        let mut seen = std::collections::HashSet::new();
        for d in compiled.diagnostics.iter().filter(|d| d.is_error()) {
            let Some(span) = d.span.filter(|s| s.source == quire_core::source::SourceId(0)) else {
                continue;
            };
            let line = compiled.sources.get(span.source).line_col(span.start()).0;
            let Some(text) = lines.get(line.wrapping_sub(1)).cloned() else {
                continue;
            };
            if text.trim_start().starts_with('#') || !seen.insert(line) {
                continue;
            }
            let indent = text.len() - text.trim_start().len();
            report.push((0, text.trim().to_string(), d.message.clone()));
            lines[line - 1] = format!(
                "{}# IMPORT: not carried over ({}): {}",
                " ".repeat(indent),
                one_line(&d.message),
                text.trim()
            );
            // An item's first line (`- id: …`) goes with the rest of the item: its other
            // lines alone would join the item before.
            if text.trim_start().starts_with("- ") {
                for l in lines.iter_mut().skip(line) {
                    let ind = l.len() - l.trim_start().len();
                    if l.trim().is_empty() || ind <= indent {
                        break;
                    }
                    if !l.trim_start().starts_with('#') {
                        *l = format!("{}# IMPORT: (the item above): {}", " ".repeat(ind), l.trim());
                    }
                }
            }
            changed = true;
        }
        if !changed {
            break;
        }
        yaml = lines.join("\n") + "\n";
    }
    let compiled = quire_core::compile("imported.yaml", &yaml);
    if compiled.has_errors() {
        return Err(format!(
            "the imported spec does not check clean:\n{}",
            quire_core::diagnostic::render_short(&compiled.diagnostics, &compiled.sources)
        ));
    }
    Ok((yaml, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_and_hostile_input_do_not_panic() {
        assert_eq!(column_index("A1"), 0);
        assert_eq!(column_index("AB7"), 27);
        assert!(column_index("ZZZZZZZZZZZZZZZZ1") < 16_384 * 30);
        assert!(read_xlsx(b"not a zip").is_err());
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
            let tr = Translate {
                choices: &choices,
                kinds: &kinds,
            };
            let _ = tr.expr(x, Some("q"));
        }
    }
}
