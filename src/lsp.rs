//! The language server's analysis: LSP messages in, LSP messages out, one at a time
//! ([`Server::handle`]), with no I/O, so `quire lsp` (standard input and output) and the
//! fuzzer drive the same code. Framing under limits is [`read_message`]: a malformed or
//! oversized message is answered with a JSON-RPC error, never an exit or a panic.
//!
//! Edits in, `check`'s diagnostics (with their codes and help), completions, hovers and
//! definitions out, as rust-analyzer's lsp-server is meant to be used; messages are JSON as
//! the protocol writes them. What to answer is the core's analysis ([`crate::ide`]); this
//! file only speaks the protocol.

use std::collections::HashMap;
use std::io::{BufRead, Read as _};

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use serde_json::{Value, json};

use crate::model::Questionnaire;

/// The largest message read: a spec at its limit, escaped as JSON, with room to spare.
pub const MAX_MESSAGE_BYTES: usize = 2 * crate::yaml::MAX_SPEC_BYTES + 64 * 1024;
/// The longest header line.
const MAX_HEADER_BYTES: usize = 8 * 1024;
/// Documents open at once.
pub const MAX_DOCUMENTS: usize = 256;

/// One framed message from the client: a message, one that was not valid JSON-RPC (to be
/// answered with the error), or the end of the input.
#[derive(Debug)]
pub enum Incoming {
    /// A JSON-RPC message.
    Message(Message),
    /// The frame was read but is not a message: the JSON-RPC error response to send back
    /// (with a null id when the request's id could not be read).
    Invalid(Value),
    /// The client closed the input.
    End,
}

/// Reads the next message under the limits. A frame whose headers are broken is skipped to
/// the next `Content-Length` header; a payload that is not JSON-RPC is reported as
/// [`Incoming::Invalid`] and the stream goes on.
pub fn read_message(r: &mut impl BufRead) -> std::io::Result<Incoming> {
    loop {
        let mut size: Option<usize> = None;
        let mut too_large: Option<u64> = None;
        let mut saw_header = false;
        loop {
            let Some(line) = read_line(r)? else {
                return Ok(Incoming::End);
            };
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                if saw_header {
                    break;
                }
                continue;
            }
            saw_header = true;
            if let Some((name, value)) = line.split_once(':')
                && name.trim().eq_ignore_ascii_case("Content-Length")
            {
                match value.trim().parse::<u64>() {
                    Ok(n) if n <= MAX_MESSAGE_BYTES as u64 => size = Some(n as usize),
                    Ok(n) => too_large = Some(n),
                    Err(_) => size = None,
                }
            }
        }
        if let Some(n) = too_large {
            // Skipped unread, in pieces: the stream goes on after it.
            std::io::copy(&mut r.take(n), &mut std::io::sink())?;
            return Ok(Incoming::Invalid(invalid(
                Value::Null,
                ErrorCode::InvalidRequest,
                format!("a message of {n} bytes is over the limit of {MAX_MESSAGE_BYTES}; it was skipped"),
            )));
        }
        let Some(size) = size else {
            // Headers without a usable length: look for the next frame.
            continue;
        };
        let mut buf = vec![0u8; size];
        if r.read_exact(&mut buf).is_err() {
            return Ok(Incoming::End);
        }
        let Ok(text) = String::from_utf8(buf) else {
            return Ok(Incoming::Invalid(invalid(
                Value::Null,
                ErrorCode::ParseError,
                "the message is not UTF-8".into(),
            )));
        };
        return Ok(match serde_json::from_str::<Value>(&text) {
            Err(e) => Incoming::Invalid(invalid(
                Value::Null,
                ErrorCode::ParseError,
                format!("the message is not JSON: {e}"),
            )),
            Ok(v) => match serde_json::from_value::<Message>(v.clone()) {
                Ok(m) => Incoming::Message(m),
                Err(e) => Incoming::Invalid(invalid(
                    // The request's id if it has a usable one, as JSON-RPC asks.
                    v.get("id")
                        .filter(|id| id.is_string() || id.is_number())
                        .cloned()
                        .unwrap_or(Value::Null),
                    ErrorCode::InvalidRequest,
                    format!("not a JSON-RPC request, response or notification: {e}"),
                )),
            },
        });
    }
}

/// A line of at most [`MAX_HEADER_BYTES`] (a longer one is cut there); `None` at the end.
fn read_line(r: &mut impl BufRead) -> std::io::Result<Option<String>> {
    let mut line = Vec::new();
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok((!line.is_empty()).then(|| String::from_utf8_lossy(&line).into_owned()));
        }
        let (used, done) = match buf.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        let room = MAX_HEADER_BYTES.saturating_sub(line.len());
        line.extend_from_slice(&buf[..used.min(room)]);
        r.consume(used);
        if done {
            return Ok(Some(String::from_utf8_lossy(&line).into_owned()));
        }
    }
}

/// An error response to a request of the session.
fn error(id: RequestId, code: ErrorCode, message: String) -> Response {
    Response::new_err(id, code as i32, message)
}

/// The error response to a frame that is not a message.
fn invalid(id: Value, code: ErrorCode, message: String) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code as i32, "message": message } })
}

/// Writes a message as the protocol frames it.
pub fn write_message(w: &mut impl std::io::Write, m: &Message) -> std::io::Result<()> {
    let mut v = serde_json::to_value(m).map_err(std::io::Error::other)?;
    if let Some(obj) = v.as_object_mut() {
        obj.insert("jsonrpc".into(), json!("2.0"));
    }
    write_json(w, &v)
}

/// Writes a JSON value as the protocol frames a message.
pub fn write_json(w: &mut impl std::io::Write, v: &Value) -> std::io::Result<()> {
    let text = v.to_string();
    write!(w, "Content-Length: {}\r\n\r\n", text.len())?;
    w.write_all(text.as_bytes())?;
    w.flush()
}

/// Runs a session: messages read from `input` until `exit` or its end, replies written to
/// `output`; the exit code (`quire lsp` over standard input and output, and the fuzzer).
pub fn serve(input: &mut impl BufRead, output: &mut impl std::io::Write) -> u8 {
    let mut server = Server::new();
    loop {
        let replies = match read_message(input) {
            Err(_) | Ok(Incoming::End) => return server.exit_code(),
            Ok(Incoming::Invalid(error)) => {
                if write_json(output, &error).is_err() {
                    return server.exit_code();
                }
                continue;
            }
            Ok(Incoming::Message(m)) => {
                let (replies, flow) = server.handle(m);
                if let Flow::Exit(code) = flow {
                    return code;
                }
                replies
            }
        };
        for r in &replies {
            if write_message(output, r).is_err() {
                // The editor is gone.
                return server.exit_code();
            }
        }
    }
}

/// Where the session is in the protocol's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Starting,
    Running,
    ShuttingDown,
}

/// The server: open documents and where the lifecycle is.
pub struct Server {
    docs: HashMap<String, Document>,
    state: State,
}

/// What the loop does after a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Read the next message.
    Continue,
    /// `exit`: the process's exit code (0 after `shutdown`, 1 without, as the protocol says).
    Exit(u8),
}

impl Default for Server {
    fn default() -> Self {
        Server::new()
    }
}

impl Server {
    /// A server with no document open.
    pub fn new() -> Server {
        Server {
            docs: HashMap::new(),
            state: State::Starting,
        }
    }

    /// The exit code if the input ends now.
    pub fn exit_code(&self) -> u8 {
        if self.state == State::ShuttingDown { 0 } else { 1 }
    }

    /// One message in; what to send back, and whether to go on.
    pub fn handle(&mut self, msg: Message) -> (Vec<Message>, Flow) {
        match msg {
            Message::Request(req) => {
                let response = match (self.state, req.method.as_str()) {
                    (State::Starting, "initialize") => {
                        self.state = State::Running;
                        Response::new_ok(
                            req.id,
                            json!({
                                "capabilities": {
                                    "textDocumentSync": 1,
                                    "completionProvider": { "triggerCharacters": [" ", "'", "(", "["] },
                                    "hoverProvider": true,
                                    "definitionProvider": true,
                                },
                                "serverInfo": { "name": "quire", "version": env!("CARGO_PKG_VERSION") },
                            }),
                        )
                    }
                    (State::Starting, _) => error(
                        req.id,
                        ErrorCode::ServerNotInitialized,
                        "the server is not initialized yet: send `initialize` first".into(),
                    ),
                    (State::ShuttingDown, _) => error(
                        req.id,
                        ErrorCode::InvalidRequest,
                        "the server is shutting down: only `exit` is expected".into(),
                    ),
                    (State::Running, "initialize") => error(
                        req.id,
                        ErrorCode::InvalidRequest,
                        "the server is already initialized".into(),
                    ),
                    (State::Running, "shutdown") => {
                        self.state = State::ShuttingDown;
                        Response::new_ok(req.id, Value::Null)
                    }
                    (State::Running, "textDocument/completion" | "textDocument/hover" | "textDocument/definition") => {
                        Response::new_ok(req.id.clone(), answer(&req, &self.docs))
                    }
                    (State::Running, method) => error(
                        req.id,
                        ErrorCode::MethodNotFound,
                        format!("`{method}` is not a method this server has"),
                    ),
                };
                (vec![Message::Response(response)], Flow::Continue)
            }
            Message::Notification(n) if n.method == "exit" => (Vec::new(), Flow::Exit(self.exit_code())),
            Message::Notification(n) => {
                if self.state != State::Running {
                    return (Vec::new(), Flow::Continue);
                }
                let mut out = Vec::new();
                if let Some(uri) = changed(&n, &mut self.docs) {
                    let diagnostics = diagnose(&uri, &mut self.docs);
                    out.push(Message::Notification(Notification::new(
                        "textDocument/publishDiagnostics".into(),
                        json!({ "uri": uri, "diagnostics": diagnostics }),
                    )));
                }
                (out, Flow::Continue)
            }
            Message::Response(_) => (Vec::new(), Flow::Continue),
        }
    }
}

/// One open document: its text, and the last model that compiled (completion and hover keep
/// working while the text is broken).
struct Document {
    text: String,
    model: Option<Questionnaire>,
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
    if !docs.contains_key(&uri) && docs.len() >= MAX_DOCUMENTS {
        return None;
    }
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
    let compiled = crate::compile(&name, &doc.text);
    if let Some(m) = compiled.model.clone() {
        doc.model = Some(m);
    }
    let text = &doc.text;
    compiled
        .diagnostics
        .iter()
        .map(|d| {
            // A mistake in an included file is shown at the top, with its place.
            let elsewhere = d.span.filter(|s| s.source != crate::source::SourceId(0));
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

/// A byte offset as an LSP position (line, UTF-16 column).
fn position(text: &str, offset: usize) -> Value {
    let offset = offset.min(text.len());
    let before = &text[..crate::ide::floor(text, offset)];
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

/// A completion as the protocol writes it.
fn completion(c: crate::ide::Completion) -> Value {
    use crate::ide::CompletionKind as K;
    // LSP's CompletionItemKind: Function 3, Variable 6, Property 10, Keyword 14, EnumMember 20.
    let kind = match c.kind {
        K::Function => 3,
        K::Variable => 6,
        K::Key => 10,
        K::Keyword => 14,
        K::Value => 20,
    };
    let mut item = json!({ "label": c.label, "kind": kind });
    if let Some(d) = c.detail {
        item["detail"] = json!(d);
    }
    if let Some(i) = c.insert {
        item["insertText"] = json!(i);
    }
    item
}

fn complete(doc: &Document, at: usize) -> Value {
    Value::Array(
        crate::ide::completions(&doc.text, at, doc.model.as_ref())
            .into_iter()
            .map(completion)
            .collect(),
    )
}

fn hover(doc: &Document, at: usize) -> Value {
    match crate::ide::hover(&doc.text, at, doc.model.as_ref()) {
        Some(md) => json!({ "contents": { "kind": "markdown", "value": md } }),
        None => Value::Null,
    }
}

fn definition(uri: &str, doc: &Document, at: usize) -> Value {
    match crate::ide::definition(&doc.text, at) {
        Some((start, end)) => {
            json!({ "uri": uri, "range": { "start": position(&doc.text, start), "end": position(&doc.text, end) } })
        }
        None => Value::Null,
    }
}
