//! `quire lsp`, driven by a scripted client over standard input and output: initialize,
//! open a spec, change it with a misspelt reference (the diagnostic comes back with its
//! range, code and help), complete inside an expression and at a key, hover, go to
//! definition, shut down.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

struct Client {
    child: std::process::Child,
    out: BufReader<std::process::ChildStdout>,
    next: u64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_quire"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        Client { child, out, next: 1 }
    }
    fn send(&mut self, v: serde_json::Value) {
        let body = v.to_string();
        let stdin = self.child.stdin.as_mut().unwrap();
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    }
    fn read(&mut self) -> serde_json::Value {
        let mut len = 0;
        loop {
            let mut line = String::new();
            self.out.read_line(&mut line).unwrap();
            let line = line.trim();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                len = n.parse().unwrap();
            }
        }
        let mut buf = vec![0; len];
        self.out.read_exact(&mut buf).unwrap();
        serde_json::from_slice(&buf).unwrap()
    }
    fn request(&mut self, method: &str, params: serde_json::Value) -> serde_json::Value {
        let id = self.next;
        self.next += 1;
        self.send(serde_json::json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let m = self.read();
            if m["id"] == id {
                return m["result"].clone();
            }
        }
    }
    fn notify(&mut self, method: &str, params: serde_json::Value) {
        self.send(serde_json::json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }
    fn diagnostics(&mut self) -> Vec<serde_json::Value> {
        loop {
            let m = self.read();
            if m["method"] == "textDocument/publishDiagnostics" {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }
}

#[test]
fn a_scripted_editor_session() {
    let text = std::fs::read_to_string(crate::root().join("examples/skip_logic.quire.yaml")).unwrap();
    let uri = "file:///work/skip_logic.quire.yaml";
    let mut c = Client::start();
    let caps = c.request(
        "initialize",
        serde_json::json!({ "processId": null, "rootUri": null, "capabilities": {} }),
    );
    assert!(
        caps["capabilities"]["hoverProvider"] == true && caps["capabilities"]["completionProvider"].is_object(),
        "{caps}"
    );
    c.notify("initialized", serde_json::json!({}));
    c.notify(
        "textDocument/didOpen",
        serde_json::json!({ "textDocument": { "uri": uri, "languageId": "yaml", "version": 1, "text": text } }),
    );
    assert_eq!(
        c.diagnostics(),
        Vec::<serde_json::Value>::new(),
        "the example checks clean"
    );

    // A misspelt reference: the diagnostic, at its place, with its code and help.
    let (line_no, line) = text.lines().enumerate().find(|(_, l)| l.contains("ask_if:")).unwrap();
    let word = line
        .split("ask_if:")
        .nth(1)
        .unwrap()
        .trim()
        .trim_matches('"')
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
        .unwrap()
        .to_string();
    let broken = text
        .replacen(&format!("ask_if: {word}"), &format!("ask_if: {word}x"), 1)
        .replacen(&format!("ask_if: \"{word}"), &format!("ask_if: \"{word}x"), 1);
    assert_ne!(broken, text, "the example has an ask_if on {word}");
    c.notify(
        "textDocument/didChange",
        serde_json::json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": broken }] }),
    );
    let d = c.diagnostics();
    assert!(!d.is_empty(), "no diagnostic for a misspelt reference");
    let first = &d[0];
    assert_eq!(first["range"]["start"]["line"], line_no as u64, "{first}");
    assert_eq!(first["severity"], 1);
    assert!(
        first["message"].as_str().unwrap().contains(&format!("{word}x"))
            && first["message"].as_str().unwrap().contains("help:"),
        "{first}"
    );
    assert!(first["code"].is_string());

    // Completion inside the expression: the questions before it, and the functions.
    let col = line.find("ask_if:").unwrap() + "ask_if: ".len();
    let items = c.request(
        "textDocument/completion",
        serde_json::json!({ "textDocument": { "uri": uri }, "position": { "line": line_no, "character": col } }),
    );
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&word.as_str()) && labels.contains(&"answered") && labels.contains(&"count"),
        "{labels:?}"
    );
    // Only questions before the cursor.
    let later: Vec<&str> = text[text.lines().take(line_no).map(|l| l.len() + 1).sum::<usize>()..]
        .lines()
        .skip(1)
        .filter_map(|l| l.trim().strip_prefix("- id: "))
        .collect();
    for l in &later {
        assert!(!labels.contains(l), "offers `{l}`, which comes later");
    }

    // Fixed again: clean; then hover on the reference: the question's text and its choices.
    c.notify(
        "textDocument/didChange",
        serde_json::json!({ "textDocument": { "uri": uri, "version": 3 }, "contentChanges": [{ "text": text }] }),
    );
    assert!(c.diagnostics().is_empty());
    let col_word = line.find(word.as_str()).unwrap() + 1;
    let h = c.request(
        "textDocument/hover",
        serde_json::json!({ "textDocument": { "uri": uri }, "position": { "line": line_no, "character": col_word } }),
    );
    let md = h["contents"]["value"].as_str().unwrap_or_default();
    assert!(md.contains(&format!("`{word}`")) && md.contains("- 1 "), "{h}");

    // Go to definition: the question's `id:` line.
    let def = c.request(
        "textDocument/definition",
        serde_json::json!({ "textDocument": { "uri": uri }, "position": { "line": line_no, "character": col_word } }),
    );
    let def_line = def["range"]["start"]["line"].as_u64().unwrap() as usize;
    assert!(
        text.lines().nth(def_line).unwrap().contains(&format!("id: {word}")),
        "{def}"
    );

    // A key inside a single-choice question: `choices`, not `max_selected`.
    let single = text.lines().position(|l| l.contains("type: single")).unwrap();
    let indent = text.lines().nth(single).unwrap().len() - text.lines().nth(single).unwrap().trim_start().len();
    let with_key = {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines.insert(single + 1, " ".repeat(indent));
        lines.join("\n")
    };
    c.notify(
        "textDocument/didChange",
        serde_json::json!({ "textDocument": { "uri": uri, "version": 4 }, "contentChanges": [{ "text": with_key }] }),
    );
    let _ = c.diagnostics();
    let keys = c.request(
        "textDocument/completion",
        serde_json::json!({ "textDocument": { "uri": uri }, "position": { "line": single + 1, "character": indent } }),
    );
    let keys: Vec<&str> = keys
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        keys.contains(&"choices") && !keys.contains(&"max_selected") && !keys.contains(&"min"),
        "{keys:?}"
    );

    let _ = c.request("shutdown", serde_json::Value::Null);
    c.notify("exit", serde_json::Value::Null);
    assert!(c.child.wait().unwrap().success());
}
