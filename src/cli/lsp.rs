//! `quire lsp`: the Language Server Protocol over standard input and output. Edits in,
//! `check`'s diagnostics (with their codes and help), completions, hovers and definitions
//! out. A small synchronous loop dispatching each message to a plain function (as
//! rust-analyzer's lsp-server is meant to be used); messages are JSON as the protocol
//! writes them.

use std::collections::HashMap;

use lsp_server::{Connection, Message, Notification, Request, Response};
use serde_json::{Value, json};

use quire::model::{Item, Questionnaire};

/// One open document: its text, and the last model that compiled (completion and hover keep
/// working while the text is broken).
struct Document {
    text: String,
    model: Option<Questionnaire>,
}

/// Expression keys: inside their values, completion offers questions, values and functions.
const EXPRESSION_KEYS: [&str; 7] = ["ask_if", "end_if", "check", "expr", "when", "validate", "band"];

/// Keys a question may have, by type (what the spec reader accepts).
fn question_keys(kind: &str) -> Vec<&'static str> {
    let mut keys = vec![
        "id",
        "type",
        "text",
        "label",
        "hint",
        "required",
        "ask_if",
        "ask_if_text",
        "audiences",
        "validate",
        "probes",
        "interviewer",
        "provenance",
    ];
    match kind {
        "single" => keys.extend(["choices"]),
        "multiple" => keys.extend(["choices", "min_selected", "max_selected"]),
        "grid" => keys.extend(["choices", "rows"]),
        "integer" | "decimal" => keys.extend(["min", "max", "unit", "decimals"]),
        "text" | "long_text" => keys.extend(["max_length"]),
        _ => {}
    }
    keys
}

pub fn run() -> u8 {
    let (connection, io) = Connection::stdio();
    let capabilities = json!({
        "textDocumentSync": 1,
        "completionProvider": { "triggerCharacters": [" ", "'", "(", "["] },
        "hoverProvider": true,
        "definitionProvider": true,
    });
    if connection.initialize(capabilities).is_err() {
        return 2;
    }
    let mut docs: HashMap<String, Document> = HashMap::new();
    for msg in &connection.receiver {
        match msg {
            Message::Request(req) => {
                if connection.handle_shutdown(&req).unwrap_or(true) {
                    break;
                }
                let result = answer(&req, &docs);
                let _ = connection
                    .sender
                    .send(Message::Response(Response::new_ok(req.id, result)));
            }
            Message::Notification(n) => {
                if let Some(uri) = changed(&n, &mut docs) {
                    let diagnostics = diagnose(&uri, &mut docs);
                    let _ = connection.sender.send(Message::Notification(Notification::new(
                        "textDocument/publishDiagnostics".into(),
                        json!({ "uri": uri, "diagnostics": diagnostics }),
                    )));
                }
            }
            Message::Response(_) => {}
        }
    }
    drop(connection);
    let _ = io.join();
    0
}

/// didOpen / didChange (full text): the document's new text; its URI.
fn changed(n: &Notification, docs: &mut HashMap<String, Document>) -> Option<String> {
    let p = &n.params;
    let uri = p["textDocument"]["uri"].as_str()?.to_string();
    let text = match n.method.as_str() {
        "textDocument/didOpen" => p["textDocument"]["text"].as_str()?.to_string(),
        "textDocument/didChange" => p["contentChanges"].as_array()?.last()?["text"].as_str()?.to_string(),
        "textDocument/didClose" => {
            docs.remove(&uri);
            return None;
        }
        _ => return None,
    };
    let doc = docs.entry(uri.clone()).or_insert(Document {
        text: String::new(),
        model: None,
    });
    doc.text = text;
    Some(uri)
}

/// Compiles the document; `check`'s diagnostics as LSP diagnostics.
fn diagnose(uri: &str, docs: &mut HashMap<String, Document>) -> Vec<Value> {
    let Some(doc) = docs.get_mut(uri) else {
        return Vec::new();
    };
    // The file's path, so its includes are read relative to it.
    let name = match uri.strip_prefix("file://") {
        Some(path) => percent_decoded(path),
        None => uri.rsplit('/').next().unwrap_or("spec.yaml").to_string(),
    };
    let compiled = quire::compile(&name, &doc.text);
    if let Some(m) = compiled.model.clone() {
        doc.model = Some(m);
    }
    let text = &doc.text;
    compiled
        .diagnostics
        .iter()
        .map(|d| {
            // A mistake in an included file is shown at the top, with its place.
            let elsewhere = d.span.filter(|s| s.source != quire::source::SourceId(0));
            let (start, end) = match (d.span, elsewhere) {
                (Some(s), None) => (s.start(), s.end()),
                _ => (0, 0),
            };
            let mut message = match elsewhere {
                Some(s) => {
                    let src = compiled.sources.get(s.source);
                    let (l, c) = src.line_col(s.start());
                    format!("in {}:{l}:{c}: {}", src.name, d.message)
                }
                None => d.message.clone(),
            };
            if let Some(l) = &d.label {
                message.push_str(&format!(" ({l})"));
            }
            if let Some(h) = &d.help {
                message.push_str(&format!("\nhelp: {h}"));
            }
            json!({
                "range": { "start": position(text, start), "end": position(text, end.max(start)) },
                "severity": if d.is_error() { 1 } else { 2 },
                "code": d.code,
                "source": "quire",
                "message": message,
            })
        })
        .collect()
}

/// A `file://` URI's path with `%xx` escapes decoded.
fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (
            bytes[i],
            bytes
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()),
        ) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The largest char boundary at or before `i`.
fn floor(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A byte offset as an LSP position (line, UTF-16 column).
fn position(text: &str, offset: usize) -> Value {
    let offset = offset.min(text.len());
    let before = &text[..floor(text, offset)];
    let line = before.matches('\n').count();
    let col: usize = before.rsplit('\n').next().unwrap_or("").encode_utf16().count();
    json!({ "line": line, "character": col })
}

/// An LSP position as a byte offset.
fn offset(text: &str, pos: &Value) -> usize {
    let line = pos["line"].as_u64().unwrap_or(0) as usize;
    let ch = pos["character"].as_u64().unwrap_or(0) as usize;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let rest = &text[start.min(text.len())..];
    let mut units = 0;
    for (i, c) in rest.char_indices() {
        if units >= ch || c == '\n' {
            return start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

fn answer(req: &Request, docs: &HashMap<String, Document>) -> Value {
    let p = &req.params;
    let uri = p["textDocument"]["uri"].as_str().unwrap_or_default();
    let Some(doc) = docs.get(uri) else { return Value::Null };
    let at = offset(&doc.text, &p["position"]);
    match req.method.as_str() {
        "textDocument/completion" => complete(doc, at),
        "textDocument/hover" => hover(doc, at),
        "textDocument/definition" => definition(uri, doc, at),
        _ => Value::Null,
    }
}

/// The identifier under the cursor.
fn word_at(text: &str, at: usize) -> &str {
    let is_id = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let at = floor(text, at.min(text.len()));
    let start = text[..at].rfind(|c: char| !is_id(c)).map(|i| i + 1).unwrap_or(0);
    let end = text[at..]
        .find(|c: char| !is_id(c))
        .map(|i| at + i)
        .unwrap_or(text.len());
    &text[start..end]
}

fn line_of(text: &str, at: usize) -> (&str, usize) {
    let at = floor(text, at.min(text.len()));
    let start = text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
    (&text[start..at], start)
}

/// Questions an audience set may read, with their choice values, from the last good model.
fn questions(model: &Questionnaire) -> Vec<(&str, &str, &str, Vec<&str>)> {
    let mut out: Vec<(&str, &str, &str, Vec<&str>)> = Vec::new();
    for i in &model.instruments {
        for s in &i.sections {
            for it in &s.items {
                if let Item::Question(q) = it
                    && !out.iter().any(|(id, ..)| *id == q.id)
                {
                    out.push((
                        q.id.as_str(),
                        q.kind.name(),
                        q.label.as_str(),
                        q.options.iter().map(|o| o.value.as_str()).collect(),
                    ));
                }
            }
        }
    }
    out
}

fn complete(doc: &Document, at: usize) -> Value {
    let (line, line_start) = line_of(&doc.text, at);
    let key = line
        .trim_start()
        .trim_start_matches("- ")
        .split(':')
        .next()
        .unwrap_or("")
        .trim();
    let in_expression =
        line.contains(':') && EXPRESSION_KEYS.contains(&key) || (line.contains("check:") || line.contains("when:"));
    let mut items: Vec<Value> = Vec::new();
    if in_expression {
        let Some(model) = &doc.model else { return json!([]) };
        // After `q == '` or `q in [`: the question's values.
        let expr = line.split_once(':').map(|(_, e)| e).unwrap_or("");
        let compared = expr
            .rsplit_once(['=', '[', ','])
            .map(|(l, _)| l.trim_end_matches(['=', '!', ' ', 'n', 'i']).trim())
            .and_then(|l| l.rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next());
        if let Some(q) = compared.and_then(|c| questions(model).into_iter().find(|(id, ..)| *id == c))
            && expr.trim_end().ends_with(['\'', '['])
        {
            for v in q.3 {
                items.push(json!({ "label": v, "kind": 20, "detail": format!("a value of `{}`", q.0) }));
            }
            return json!(items);
        }
        // Only questions before the cursor may be read.
        let before = &doc.text[..line_start];
        for (id, kind, label, _) in questions(model) {
            if before.contains(&format!("id: {id}")) {
                items.push(json!({ "label": id, "kind": 6, "detail": format!("{kind} · {label}") }));
            }
        }
        for d in &model.derived {
            items.push(json!({ "label": d.id, "kind": 6, "detail": format!("derived · {}", d.label) }));
        }
        for f in quire::expr::FUNCTIONS {
            items.push(json!({ "label": f.name, "kind": 3, "detail": format!("{}: {}", f.usage, f.doc) }));
        }
        items.push(json!({ "label": "audience", "kind": 14, "detail": "the respondent's group id" }));
    } else if line
        .trim()
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == ' ')
    {
        // A key: the ones valid for the enclosing question's type.
        let kind = enclosing_type(&doc.text, line_start, line.len() - line.trim_start().len());
        for k in question_keys(kind.unwrap_or("")) {
            items.push(json!({ "label": k, "kind": 10, "insertText": format!("{k}: ") }));
        }
    }
    json!(items)
}

/// The `type:` of the item a line at `indent` belongs to: the nearest line above at that
/// indentation (or the item's `- ` line just above it).
fn enclosing_type(text: &str, line_start: usize, indent: usize) -> Option<&str> {
    for l in text[..line_start].lines().rev() {
        let ind = l.len() - l.trim_start().len();
        let t = l.trim_start().trim_start_matches("- ");
        if let Some(v) = t.strip_prefix("type:")
            && (ind == indent || ind + 2 == indent)
        {
            return Some(v.trim());
        }
        if l.trim_start().starts_with("- ") && ind + 2 <= indent {
            // The item's first line: its type may be inline (`- { id: x, type: single }`).
            return t
                .split("type:")
                .nth(1)
                .and_then(|v| v.split([',', '}']).next())
                .map(str::trim);
        }
    }
    None
}

fn hover(doc: &Document, at: usize) -> Value {
    let word = word_at(&doc.text, at);
    let Some(model) = &doc.model else { return Value::Null };
    for i in &model.instruments {
        for s in &i.sections {
            for it in &s.items {
                if let Item::Question(q) = it
                    && q.id == word
                {
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
                    return json!({ "contents": { "kind": "markdown", "value": md } });
                }
            }
        }
    }
    if let Some(d) = model.derived(word) {
        return json!({ "contents": { "kind": "markdown", "value": format!("**derived `{}`**: {}", d.id, d.label) } });
    }
    Value::Null
}

fn definition(uri: &str, doc: &Document, at: usize) -> Value {
    let word = word_at(&doc.text, at);
    if word.is_empty() {
        return Value::Null;
    }
    for pattern in [
        format!("id: {word}\n"),
        format!("id: {word},"),
        format!("id: {word} "),
        format!("id: \"{word}\""),
    ] {
        if let Some(i) = doc.text.find(&pattern) {
            let start = i + 4;
            return json!({ "uri": uri, "range": { "start": position(&doc.text, start), "end": position(&doc.text, start + word.len()) } });
        }
    }
    Value::Null
}
