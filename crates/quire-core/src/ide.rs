//! What an editor asks of a spec being written: completions, hovers and where a name is
//! defined, from the spanned YAML tree ([`crate::yaml`]) and the last model that compiled
//! (so they keep working while the text is broken). The language server (`quire lsp`)
//! speaks the protocol and nothing else; everything it answers is worked out here.
//!
//! Positions are byte offsets into the document. The keys offered are the spec's own
//! tables ([`crate::spec::Question::KEYS`], [`crate::spec::Question::TYPE_KEYS`]), the
//! functions the expression language's ([`crate::expr::FUNCTIONS`]).

use crate::model::{Item, Question, Questionnaire};
use crate::source::{Source, SourceId};
use crate::spec::QuestionType;
use crate::yaml::{self, Node, Value};

/// Keys whose values are expressions: inside them, completion offers what an expression
/// may read.
pub const EXPRESSION_KEYS: [&str; 7] = ["ask_if", "end_if", "check", "expr", "when", "validate", "band"];

/// What a completion offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    /// A question or derived variable an expression may read.
    Variable,
    /// One of a question's answer values.
    Value,
    /// A function of the expression language.
    Function,
    /// A name the language defines (`audience`).
    Keyword,
    /// A key of the item being written.
    Key,
}

/// One completion: the text offered, what it is, a line about it, and the text to insert
/// when that is not the label.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The text offered.
    pub label: String,
    /// What it is.
    pub kind: CompletionKind,
    /// A line about it (a question's type and text, a function's usage).
    pub detail: Option<String>,
    /// The text to insert, when it is not the label.
    pub insert: Option<String>,
}

impl Completion {
    fn new(label: impl Into<String>, kind: CompletionKind, detail: impl Into<String>) -> Completion {
        Completion {
            label: label.into(),
            kind,
            detail: Some(detail.into()),
            insert: None,
        }
    }
}

/// The completions at byte `at` of `text`, with `model` the last one that compiled.
pub fn completions(text: &str, at: usize, model: Option<&Questionnaire>) -> Vec<Completion> {
    let (line, line_start) = line_of(text, at);
    let key = line
        .trim_start()
        .trim_start_matches("- ")
        .split(':')
        .next()
        .unwrap_or("")
        .trim();
    let in_expression =
        line.contains(':') && EXPRESSION_KEYS.contains(&key) || line.contains("check:") || line.contains("when:");
    if in_expression {
        return model
            .map(|m| expression_completions(text, line, line_start, m))
            .unwrap_or_default();
    }
    if !line
        .trim()
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == ' ')
    {
        return Vec::new();
    }
    // A key: those the enclosing question's type takes.
    let indent = line.len() - line.trim_start().len();
    let keys: Vec<&str> = match enclosing_type(text, line_start, indent) {
        Some(Block::Roster) => crate::spec::Roster::KEYS.to_vec(),
        kind => {
            let kind = match kind {
                Some(Block::Question(t)) => Some(t),
                _ => None,
            };
            crate::spec::Question::KEYS
                .into_iter()
                .filter(|k| kind.is_none_or(|t| t.takes(k)))
                .filter(|k| kind.is_some() || !crate::spec::Question::TYPE_KEYS.iter().any(|(key, ..)| key == k))
                .collect()
        }
    };
    keys.into_iter()
        .map(|k| Completion {
            label: (*k).to_string(),
            kind: CompletionKind::Key,
            detail: None,
            insert: Some(format!("{k}: ")),
        })
        .collect()
}

/// Inside an expression: after `q == '` or `q in [`, the question's values; otherwise the
/// questions before the line, the derived variables, the functions and `audience`.
fn expression_completions(text: &str, line: &str, line_start: usize, model: &Questionnaire) -> Vec<Completion> {
    let expr = line.split_once(':').map(|(_, e)| e).unwrap_or("");
    // The name before the operator: `q ==`, `q !=`, `q =` or `q in`.
    let compared = expr.rsplit_once(['=', '[', ',']).and_then(|(left, _)| {
        let left = left.trim_end().trim_end_matches(['=', '!']).trim_end();
        let left = left.strip_suffix(" in").unwrap_or(left).trim_end();
        left.rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next()
    });
    let questions = questions(model);
    if let Some(q) = compared.and_then(|c| questions.iter().find(|q| q.id == c))
        && expr.trim_end().ends_with(['\'', '['])
    {
        return q
            .options
            .iter()
            .map(|o| Completion::new(&o.value, CompletionKind::Value, format!("a value of `{}`", q.id)))
            .collect();
    }
    // Only questions defined before the line may be read; a question's own validation may
    // read the question.
    let itself = ["check", "validate"].iter().any(|k| line.contains(&format!("{k}:")));
    let before = defined_ids(text, line_start, itself);
    let mut out: Vec<Completion> = questions
        .iter()
        .filter(|q| before.contains(&q.id))
        .map(|q| {
            Completion::new(
                &q.id,
                CompletionKind::Variable,
                format!("{} · {}", q.kind.name(), q.label),
            )
        })
        .collect();
    for d in &model.derived {
        out.push(Completion::new(
            &d.id,
            CompletionKind::Variable,
            format!("derived · {}", d.label),
        ));
    }
    for f in crate::expr::FUNCTIONS {
        out.push(Completion::new(
            f.name,
            CompletionKind::Function,
            format!("{}: {}", f.usage, f.doc),
        ));
    }
    out.push(Completion::new(
        "audience",
        CompletionKind::Keyword,
        "the respondent's group id",
    ));
    out
}

/// The hover at byte `at`: a question (number, id, type, text and options) or a derived
/// variable, in Markdown.
pub fn hover(text: &str, at: usize, model: Option<&Questionnaire>) -> Option<String> {
    let word = word_at(text, at);
    let model = model?;
    if let Some(q) = questions(model).into_iter().find(|q| q.id == word) {
        let mut md = format!("**{} `{}`** ({})\n\n{}", q.number, q.id, q.kind.name(), q.text.plain());
        if !q.options.is_empty() {
            md.push_str("\n\n");
            md.push_str(
                &q.options
                    .iter()
                    .map(|o| format!("- {} `{}` {}", o.code, o.value, o.label.plain()))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        return Some(md);
    }
    model
        .derived(word)
        .map(|d| format!("**derived `{}`**: {}", d.id, d.label))
}

/// Where the name at byte `at` is defined: the byte range of its `id:` value in this
/// document.
pub fn definition(text: &str, at: usize) -> Option<(usize, usize)> {
    let word = word_at(text, at);
    if word.is_empty() {
        return None;
    }
    let tree = tree(text)?;
    let mut found = None;
    ids(&tree, &mut |id, node, _| {
        if found.is_none() && id == word {
            found = Some((node.span.start(), node.span.start() + word.len()));
        }
    });
    found
}

/// The identifier under the cursor.
pub fn word_at(text: &str, at: usize) -> &str {
    let is_id = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let at = floor(text, at.min(text.len()));
    // After the character before the word, whatever its length in bytes.
    let start = text[..at]
        .char_indices()
        .rev()
        .find(|(_, c)| !is_id(*c))
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0);
    let end = text[at..]
        .find(|c: char| !is_id(c))
        .map(|i| at + i)
        .unwrap_or(text.len());
    &text[start..end]
}

/// The largest char boundary at or before `i`.
pub fn floor(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The line up to byte `at`, and where it starts.
fn line_of(text: &str, at: usize) -> (&str, usize) {
    let at = floor(text, at.min(text.len()));
    let start = text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
    (&text[start..at], start)
}

/// The document as a spanned tree. When the whole does not parse, the line being typed is
/// blanked out (a key half written is not YAML yet; the lines around it usually are), then
/// each line the reader stops at, four at most (another line still being edited, a quote
/// not yet closed). Blanking keeps every byte where it was.
fn tree_around(text: &str, line_start: usize) -> Option<Node> {
    let mut doc = match yaml::parse(&Source::new("spec", text), SourceId(0)) {
        Ok(tree) => return Some(tree),
        Err(_) => text.to_string(),
    };
    let mut blanked: Vec<usize> = Vec::new();
    let mut at = line_start;
    for _ in 0..5 {
        let start = doc[..at.min(doc.len())].rfind('\n').map_or(0, |i| i + 1);
        if blanked.contains(&start) {
            return None;
        }
        blanked.push(start);
        let end = doc[start..].find('\n').map_or(doc.len(), |i| start + i);
        doc.replace_range(start..end, &" ".repeat(end - start));
        match yaml::parse(&Source::new("spec", &doc), SourceId(0)) {
            Ok(tree) => return Some(tree),
            Err(d) => at = d.span.map_or(usize::MAX, |s| s.start()),
        }
        if at == usize::MAX {
            return None;
        }
    }
    None
}

fn tree(text: &str) -> Option<Node> {
    yaml::parse(&Source::new("spec", text), SourceId(0)).ok()
}

/// Every `id:` value that names an item or a derived variable, with its node and the
/// mapping it names, in order.
fn ids(node: &Node, f: &mut dyn FnMut(&str, &Node, &Node)) {
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                if let (Value::Str(key), Value::Str(id)) = (&k.value, &v.value)
                    && key == "id"
                {
                    f(id, v, node);
                }
                ids(v, f);
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| ids(i, f)),
        _ => {}
    }
}

/// The ids defined before byte `before` (as the tree has them), but for the item the line
/// is in unless `itself` (a validation may read its own question; a condition may not).
fn defined_ids(text: &str, before: usize, itself: bool) -> Vec<String> {
    let Some(tree) = tree_around(text, before) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    ids(&tree, &mut |id, node, item| {
        let (start, end) = extent(item);
        let inside = start < before && before <= end;
        if node.span.start() < before && (itself || !inside) {
            out.push(id.to_string());
        }
    });
    out
}

/// The `type` of the item whose keys sit at `indent` on the line starting at `line_start`:
/// the last mapping before the line whose keys are at that column (or whose `- ` item it
/// continues), read from the spanned tree.
/// What the mapping being written is, by its `type`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Block {
    Question(QuestionType),
    Roster,
}

fn enclosing_type(text: &str, line_start: usize, indent: usize) -> Option<Block> {
    let tree = tree_around(text, line_start)?;
    let column = |offset: usize| text[..offset].rsplit('\n').next().map_or(0, |l| l.chars().count());
    let mut best: Option<(usize, Option<Block>)> = None;
    let mut visit = |map: &Node| {
        let Value::Map(entries) = &map.value else { return };
        let Some((first, _)) = entries.first() else { return };
        let start = first.span.start();
        if start >= line_start || column(start) != indent {
            return;
        }
        let kind = entries.iter().find_map(|(k, v)| match (&k.value, &v.value) {
            (Value::Str(key), Value::Str(t)) if key == "type" && t == "roster" => Some(Block::Roster),
            (Value::Str(key), Value::Str(t)) if key == "type" => QuestionType::from_name(t).map(Block::Question),
            _ => None,
        });
        if best.is_none_or(|(at, _)| start > at) {
            best = Some((start, kind));
        }
    };
    maps(&tree, &mut visit);
    best.and_then(|(_, kind)| kind)
}

/// The bytes a node covers (a block mapping or list has no span of its own: from its
/// first key or item to the end of its last value).
fn extent(node: &Node) -> (usize, usize) {
    let (mut start, mut end) = if node.span.is_empty() {
        (usize::MAX, 0)
    } else {
        (node.span.start(), node.span.end())
    };
    let mut widen = |(s, e): (usize, usize)| {
        start = start.min(s);
        end = end.max(e);
    };
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                widen((k.span.start(), k.span.end()));
                widen(extent(v));
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| widen(extent(i))),
        _ => {}
    }
    if start == usize::MAX {
        (node.span.start(), node.span.end())
    } else {
        (start, end)
    }
}

/// Every mapping in the tree.
fn maps(node: &Node, f: &mut dyn FnMut(&Node)) {
    match &node.value {
        Value::Map(entries) => {
            f(node);
            for (_, v) in entries {
                maps(v, f);
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| maps(i, f)),
        _ => {}
    }
}

/// The model's questions, each once (as the first audience that has it sees it).
fn questions(model: &Questionnaire) -> Vec<&Question> {
    let mut out: Vec<&Question> = Vec::new();
    for item in model
        .instruments
        .iter()
        .flat_map(|i| &i.sections)
        .flat_map(|s| &s.items)
    {
        if let Item::Question(q) = item
            && !out.iter().any(|seen| seen.id == q.id)
        {
            out.push(q);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "survey:\n  id: s\n  title: S\n  version: '1'\nsections:\n  - id: a\n    title: A\n    items:\n      - id: age\n        type: integer\n        text: Age?\n      - id: seen\n        type: single\n        text: Seen?\n        choices:\n          - { code: 1, value: 'yes', label: Yes }\n          - { code: 2, value: 'no', label: No }\n";

    #[test]
    fn keys_follow_the_enclosing_type_from_the_tree() {
        // A half-typed key after the integer question's `text:`: the text is not YAML.
        let at = SPEC
            .find("        text: Age?\n")
            .map(|i| i + "        text: Age?\n".len())
            .unwrap_or(0);
        let text = format!("{}        de\n{}", &SPEC[..at], &SPEC[at..]);
        let offered: Vec<String> = completions(&text, at + 10, None).into_iter().map(|c| c.label).collect();
        assert!(offered.contains(&"min".to_string()), "{offered:?}");
        // `decimals` is for decimal questions only, as the checker says.
        assert!(!offered.contains(&"decimals".to_string()), "{offered:?}");
        assert!(!offered.contains(&"choices".to_string()), "{offered:?}");
    }

    #[test]
    fn keys_follow_the_type_when_another_line_is_broken_too() {
        // A quote left open in the question's text, and a key half typed below it.
        let broken = SPEC.replace("        text: Age?\n", "        text: \"Age in years\n");
        let at = broken
            .find("        text: \"Age in years\n")
            .map(|i| i + "        text: \"Age in years\n".len())
            .unwrap_or(0);
        let text = format!("{}        ma\n{}", &broken[..at], &broken[at..]);
        let offered: Vec<String> = completions(&text, at + 10, None).into_iter().map(|c| c.label).collect();
        assert!(offered.contains(&"max".to_string()), "{offered:?}");
        assert!(!offered.contains(&"choices".to_string()), "{offered:?}");
    }

    #[test]
    fn definition_is_the_id_in_the_tree() {
        let at = SPEC.find("seen").unwrap_or(0);
        let (start, end) = definition(SPEC, at + 1).unwrap_or_default();
        assert_eq!(&SPEC[start..end], "seen");
        assert_eq!(definition(SPEC, 0), None);
    }

    #[test]
    fn only_earlier_questions_are_offered_in_an_expression() {
        let compiled = crate::compile("s.yaml", SPEC);
        let model = compiled.model.as_ref();
        assert!(model.is_some(), "{:?}", compiled.diagnostics);
        let at = SPEC.find("        choices").unwrap_or(0);
        let text = format!("{}        ask_if: \n{}", &SPEC[..at], &SPEC[at..]);
        let cursor = at + "        ask_if: ".len();
        let offered: Vec<String> = completions(&text, cursor, model)
            .into_iter()
            .filter(|c| c.kind == CompletionKind::Variable)
            .map(|c| c.label)
            .collect();
        assert_eq!(offered, ["age"]);
        let values = format!("{}        ask_if: seen == '\n{}", &SPEC[..at], &SPEC[at..]);
        let cursor = at + "        ask_if: seen == '".len();
        let offered: Vec<String> = completions(&values, cursor, model)
            .into_iter()
            .map(|c| c.label)
            .collect();
        assert_eq!(offered, ["yes", "no"]);
    }

    #[test]
    fn the_schema_and_the_key_table_agree() {
        let schema = crate::spec::json_schema();
        let properties = &schema["$defs"]["Question"]["properties"];
        let mut from_schema: Vec<&str> = properties
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let mut table = crate::spec::Question::KEYS.to_vec();
        from_schema.sort_unstable();
        table.sort_unstable();
        assert_eq!(from_schema, table);
        for (key, ..) in crate::spec::Question::TYPE_KEYS {
            assert!(crate::spec::Question::KEYS.contains(&key), "{key}");
        }
    }

    #[test]
    fn a_roster_offers_its_own_keys_as_the_schema_has_them() {
        let schema = crate::spec::json_schema();
        let mut from_schema: Vec<&str> = schema["$defs"]["Roster"]["properties"]
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let mut table = crate::spec::Roster::KEYS.to_vec();
        from_schema.sort_unstable();
        table.sort_unstable();
        assert_eq!(from_schema, table);
        let spec = SPEC.replace(
            "      - id: seen\n",
            "      - type: roster\n        id: person\n        rows: open\n        ma\n      - id: seen\n",
        );
        let at = spec.find("        ma\n").map_or(0, |i| i + 10);
        let offered: Vec<String> = completions(&spec, at, None).into_iter().map(|c| c.label).collect();
        assert!(offered.contains(&"max_rows".to_string()), "{offered:?}");
        assert!(offered.contains(&"row_label".to_string()), "{offered:?}");
        assert!(!offered.contains(&"text".to_string()), "{offered:?}");
    }
}
