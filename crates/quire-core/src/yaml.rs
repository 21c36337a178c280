//! YAML text in, a tree of spanned nodes out; resource limits applied, duplicate keys rejected.
//!
//! Reading into a plain tree first (rather than straight into typed structs) lets the spec
//! reader report every misspelt key and wrong type at once, each at its own line and column.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::diagnostic::Diagnostic;
use crate::source::{Source, SourceId, Span};

/// The largest spec file accepted, in bytes.
pub const MAX_SPEC_BYTES: usize = 32 * 1024 * 1024;

/// A YAML value, as the reader keeps it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number with a fraction or exponent.
    Float(f64),
    /// Text (a quoted or plain scalar).
    Str(String),
    /// A list.
    Seq(Vec<Node>),
    /// A mapping, its keys in the order written.
    Map(Vec<(Node, Node)>),
}

/// A YAML value with where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it is written.
    pub span: Span,
}

impl Node {
    /// What kind of YAML value this is, in the designer's words.
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "true/false",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "text",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The text, when it is text.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Parses one YAML document into a node tree.
pub fn parse(source: &Source, id: SourceId) -> Result<Node, Box<Diagnostic>> {
    if source.text.len() > MAX_SPEC_BYTES {
        let d = Diagnostic::error(
            "file-too-large",
            format!(
                "spec file is larger than the {} MiB limit",
                MAX_SPEC_BYTES / (1024 * 1024)
            ),
        )
        .at(Span::new(id, 0, 0), "")
        .help("a questionnaire spec is far smaller than this; check that this is the right file");
        return Err(Box::new(d));
    }
    let text = source.text.as_str();
    match fast::read(text, id, &options()) {
        Some(node) => Ok(whole_file(node, id, text)),
        None => full(source, id),
    }
}

/// An empty root node stands for the file's first line.
fn whole_file(mut node: Node, id: SourceId, text: &str) -> Node {
    if node.span.is_empty() && node.span.start() == 0 {
        node.span = Span::new(id, 0, text.find('\n').unwrap_or(text.len()));
    }
    node
}

/// Reads with serde-saphyr: every YAML feature, and its errors worded for the designer.
pub(crate) fn full(source: &Source, id: SourceId) -> Result<Node, Box<Diagnostic>> {
    let options = options();
    let text = source.text.as_str();
    READING.with(|r| r.set((id, text.len())));
    match serde_saphyr::from_str_with_options::<Node>(text, options) {
        Ok(node) => Ok(whole_file(node, id, text)),
        Err(e) => Err(Box::new(
            tab_in_indentation(id, text)
                .or_else(|| unclosed_quote(&e, id, text))
                .unwrap_or_else(|| yaml_error(&e, id, text)),
        )),
    }
}

mod fast;
pub use fast::SPLIT_FROM;

/// YAML forbids tabs in indentation, and parsers report them far from where they are.
fn tab_in_indentation(id: SourceId, text: &str) -> Option<Diagnostic> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        if let Some(tab) = line[..indent].find('\t') {
            let start = offset + tab;
            return Some(
                Diagnostic::error("tab-indentation", "a tab in the indentation")
                    .at(Span::new(id, start, start + 1), "tab")
                    .help("YAML indents with spaces only: replace the tab with spaces, lined up with the keys above"),
            );
        }
        offset += line.len();
    }
    None
}

/// A quoted text left open runs on to the next quote; point at where it was opened.
fn unclosed_quote(e: &serde_saphyr::Error, id: SourceId, text: &str) -> Option<Diagnostic> {
    let msg = e.without_snippet().to_string();
    let quote = if msg.contains("double-quoted") || msg.contains("double quoted") {
        '"'
    } else if msg.contains("single-quoted") || msg.contains("single quoted") {
        '\''
    } else {
        return None;
    };
    let loc = e.location()?;
    let at = loc
        .span()
        .byte_offset()
        .map(|o| o as usize)
        .or_else(|| offset_of(text, loc.line(), loc.column()))?
        .min(text.len());
    let before = &text[..at];
    // The quote that closed the scalar, and the one that opened it.
    let close = before.rfind(quote)?;
    let open = before[..close].rfind(quote)?;
    if !before[open..close].contains('\n') {
        return None;
    }
    let line_end = text[open..].find('\n').map(|n| open + n).unwrap_or(text.len());
    Some(
        Diagnostic::error(
            "unclosed-quote",
            format!("this quoted text is not closed: no `{quote}` before the end of its line"),
        )
        .at(Span::new(id, open, open + 1), "opened here")
        .also(
            Span::new(id, line_end.saturating_sub(0), line_end),
            "not closed by the end of the line",
        )
        .help(format!(
            "add the closing `{quote}`; to put `{quote}` inside text, quote it with the other kind of quote"
        )),
    )
}

/// How Quire reads YAML: strict booleans (no "Norway problem") and resource limits that
/// no real questionnaire comes near, so hostile input is refused early.
pub fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_depth: 64,
            max_nodes: 2_000_000,
            max_aliases: 1_000,
            max_anchors: 10_000,
            max_documents: 1,
            max_total_scalar_bytes: MAX_SPEC_BYTES,
        },
    }
}

fn yaml_error(e: &serde_saphyr::Error, id: SourceId, text: &str) -> Diagnostic {
    let raw = e.without_snippet().to_string();
    // serde-saphyr prefixes "line L column C: "; the span says that already.
    let mut msg = raw.trim().trim_start_matches("error:").trim().to_string();
    if let Some(rest) = msg.strip_prefix("line ")
        && let Some(pos) = rest.find(": ")
    {
        msg = rest[pos + 2..].to_string();
    }
    // …and sometimes suffixes " at line L, column C" too.
    if let Some(pos) = msg.rfind(" at line ")
        && msg[pos..].contains("column")
    {
        msg.truncate(pos);
    }
    let (code, message, help) = if let Some(key) = msg.strip_prefix("duplicate mapping key: ") {
        let key = key.split(',').next().unwrap_or(key).trim();
        (
            "duplicate-key",
            format!("key `{key}` appears twice in the same mapping"),
            "each key may appear once; remove or rename one of them".to_string(),
        )
    } else if msg.contains("budget") || msg.contains("limit") || msg.contains("depth") {
        let low = msg.to_lowercase();
        let which = if low.contains("depth") {
            "it nests deeper than 64 levels"
        } else if low.contains("alias") {
            "it uses more than 1,000 aliases"
        } else if low.contains("anchor") {
            "it declares more than 10,000 anchors"
        } else if low.contains("event") || low.contains("node") {
            "it expands to more than 2,000,000 values (aliases repeating aliases)"
        } else if low.contains("document") {
            "it holds more than one YAML document"
        } else {
            "it passes a size limit"
        };
        (
            "yaml-too-complex",
            format!("the YAML is too large or too deeply nested to read safely: {which}"),
            "a questionnaire spec needs far less nesting than this; check for runaway anchors or indentation"
                .to_string(),
        )
    } else {
        (
            "yaml-syntax",
            format!("invalid YAML: {msg}"),
            "check indentation, and quote text containing `: ` or starting with `'`, `\"`, `{`, `[`, `*`, `&`, `!`, `|`, `>`, `%` or `@`".to_string(),
        )
    };
    let mut d = Diagnostic::error(code, message).help(help);
    if let Some(loc) = e.location() {
        let sp = loc.span();
        let start = sp
            .byte_offset()
            .map(|o| o as usize)
            .or_else(|| offset_of(text, loc.line(), loc.column()));
        if let Some(start) = start {
            let start = start.min(text.len());
            let len = sp.byte_len().unwrap_or(1).max(1) as usize;
            let mut end = (start + len).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            d = d.at(Span::new(id, start, end), "here");
        }
    }
    d
}

fn offset_of(text: &str, line: u64, column: u64) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let start = text
        .split_inclusive('\n')
        .take(line as usize - 1)
        .map(str::len)
        .sum::<usize>();
    let line_text = text.get(start..)?.lines().next().unwrap_or("");
    let col = line_text
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map(|(i, _)| i)
        .unwrap_or(line_text.len());
    Some(start + col)
}

thread_local! {
    /// The file being read and its length: `Node::deserialize` has no other way to learn them.
    static READING: std::cell::Cell<(SourceId, usize)> = const { std::cell::Cell::new((SourceId(0), 0)) };
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map(Value::Int).unwrap_or(Value::Float(v as f64)))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v).map(Value::Int).unwrap_or(Value::Float(v as f64)))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(i64::try_from(v).map(Value::Int).unwrap_or(Value::Float(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(a.size_hint().unwrap_or(0).min(1024));
        while let Some(x) = a.next_element::<Node>()? {
            items.push(x);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
        let mut entries = Vec::with_capacity(a.size_hint().unwrap_or(0).min(1024));
        while let Some(k) = a.next_key::<Node>()? {
            let v = a.next_value::<Node>()?;
            entries.push((k, v));
        }
        Ok(Value::Map(entries))
    }
}

/// A value without its location, for `Spanned` to wrap.
struct Bare(Value);

impl<'de> Deserialize<'de> for Bare {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor).map(Bare)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<Bare>::deserialize(d)?;
        let span = s.referenced.span();
        let (id, len) = READING.with(std::cell::Cell::get);
        let start = (span.byte_offset().unwrap_or(0) as usize).min(len);
        let end = (start + span.byte_len().unwrap_or(0) as usize).min(len);
        Ok(Node {
            value: s.value.0,
            span: Span::new(id, start, end),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Node, Box<Diagnostic>> {
        parse(&Source::new("t.yaml", text), SourceId(0))
    }

    #[test]
    fn keeps_spans_and_plain_words() {
        let n = load("a: yes\nb: [1, 2.5]\n").unwrap();
        let Value::Map(m) = n.value else { panic!() };
        assert_eq!(m[0].1.value, Value::Str("yes".into()));
        assert_eq!((m[0].1.span.start(), m[0].1.span.end()), (3, 6));
        let Value::Seq(s) = &m[1].1.value else { panic!() };
        assert_eq!(s[1].value, Value::Float(2.5));
    }

    #[test]
    fn duplicate_keys_are_errors_with_a_place() {
        let d = load("a: 1\na: 2\n").unwrap_err();
        assert_eq!(d.code, "duplicate-key");
        assert_eq!(d.span.unwrap().start(), 5);
    }

    #[test]
    fn syntax_errors_have_a_place() {
        let d = load("a: [1,\n").unwrap_err();
        assert_eq!(d.code, "yaml-syntax");
        assert!(d.span.is_some());
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(load(&text).is_err());
    }
}
