//! The common case of a spec, read straight from the YAML parser's events: block and flow
//! mappings and lists of plain, quoted and block scalars. Anything else (anchors, aliases,
//! tags, merge keys, a repeated key, a scalar whose type is not plain to see, an error, a
//! limit reached) makes [`read`] give up, and `yaml::parse` reads the file with serde-saphyr,
//! which resolves it and words its errors. On what both read, they give the same tree and
//! the same places (a suite test compares them on every spec and mutation it has).
//!
//! Reading events without serde's visitor for every scalar halves the time of the YAML step.

use granit_parser::{Event, Parser, ScalarStyle};

use super::{Node, Value};
use crate::source::{SourceId, Span};

/// The tree of `text`, or `None` where the full reader must decide.
pub fn read(text: &str, id: SourceId, options: &serde_saphyr::Options) -> Option<Node> {
    let budget = options.budget.clone()?;
    let parser_options = granit_parser::options! {
        simple_key_max_lookahead: budget.simple_key_max_lookahead,
        flow_nesting_limit: budget.flow_nesting_limit,
        block_nesting_limit: granit_parser::Options::default().block_nesting_limit.max(budget.max_depth.saturating_add(1)),
        emit_comments: false,
    };
    let mut parser = Parser::new_from_str_with_options(text, parser_options);
    // Open collections: their node so far, and (for a mapping) the key waiting for its value.
    let mut stack: Vec<(Node, Option<Node>)> = Vec::new();
    let mut root: Option<Node> = None;
    let (mut nodes, mut scalar_bytes, mut documents) = (0usize, 0usize, 0usize);
    let span = |s: &granit_parser::Span| -> Option<Span> {
        let start = s.start.byte_offset()?.min(text.len());
        let end = s.end.byte_offset()?.clamp(start, text.len());
        Some(Span::new(id, start, end))
    };
    loop {
        let (event, at) = parser.next_event()?.ok()?;
        let node = match event {
            Event::StreamStart => continue,
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > budget.max_documents {
                    return None;
                }
                continue;
            }
            Event::DocumentEnd => continue,
            Event::StreamEnd => break,
            Event::Scalar(value, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                scalar_bytes += value.len();
                if scalar_bytes > budget.max_total_scalar_bytes {
                    return None;
                }
                let v = match style {
                    ScalarStyle::Plain => plain(&value)?,
                    _ => Value::Str(value.into_owned()),
                };
                Node {
                    value: v,
                    span: span(&at)?,
                }
            }
            Event::SequenceStart(_, anchor, ref tag) | Event::MappingStart(_, anchor, ref tag) => {
                if anchor != 0 || tag.is_some() || stack.len() >= budget.max_depth {
                    return None;
                }
                let value = if matches!(event, Event::SequenceStart(..)) {
                    Value::Seq(Vec::new())
                } else {
                    Value::Map(Vec::new())
                };
                stack.push((
                    Node {
                        value,
                        span: span(&at)?,
                    },
                    None,
                ));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, pending) = stack.pop()?;
                if pending.is_some() {
                    return None;
                }
                node
            }
            _ => return None,
        };
        nodes += 1;
        if nodes > budget.max_nodes {
            return None;
        }
        // Place the finished node in its parent.
        match stack.last_mut() {
            None => {
                if root.is_some() {
                    return None;
                }
                root = Some(node);
            }
            Some((parent, pending)) => match &mut parent.value {
                Value::Seq(items) => items.push(node),
                Value::Map(entries) => match pending.take() {
                    None => {
                        // A key: plain text only (a merge key `<<` is the full reader's).
                        let key = node.as_str()?;
                        if key == "<<" || entries.iter().any(|(k, _)| k.as_str() == Some(key)) {
                            return None;
                        }
                        *pending = Some(node);
                    }
                    Some(key) => entries.push((key, node)),
                },
                _ => return None,
            },
        }
    }
    if !stack.is_empty() {
        return None;
    }
    root
}

/// A plain scalar's value, where its type is plain to see: null, `true`/`false`, a decimal
/// integer or a decimal fraction without exponent, or text that cannot be any of these.
/// Anything number-like beyond that (`1e3`, `0x1F`, `+1`, `.inf`, `007`, `1_000`, a date) and
/// the other spellings of true, false or not-a-number are left to the full reader.
fn plain(s: &str) -> Option<Value> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        _ => {}
    }
    let lower = s.trim_start_matches(['+', '-', '.']).to_ascii_lowercase();
    if matches!(lower.as_str(), "true" | "false" | "inf" | "infinity" | "nan") {
        return None;
    }
    let first = s.as_bytes()[0];
    let numberish = (first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.'))
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.' | b'_' | b':'));
    if !numberish {
        return Some(Value::Str(s.to_string()));
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let decimal = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    if !decimal(whole) || (whole.len() > 1 && whole.starts_with('0')) {
        return None;
    }
    match fraction {
        None => s.parse::<i64>().ok().map(Value::Int),
        Some(f) if decimal(f) => s.parse::<f64>().ok().filter(|x| x.is_finite()).map(Value::Float),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    /// Every YAML file of the repository: the examples, the flagship, the test specs and the
    /// diagnostics' bad specs.
    fn files() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut out = Vec::new();
        let mut stack = vec![root.join("examples"), root.join("questionnaires"), root.join("tests")];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    if !p.ends_with("node_modules") {
                        stack.push(p);
                    }
                } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml")
                    && let Ok(text) = std::fs::read_to_string(&p)
                {
                    out.push((p.display().to_string(), text));
                }
            }
        }
        out.sort();
        out
    }

    /// Where the fast reader reads a text, the full reader reads it too, to the same tree
    /// with the same places.
    fn agree(name: &str, text: &str) -> bool {
        let source = Source::new(name, text);
        let Some(fast) = read(text, SourceId(0), &super::super::options()) else {
            return false;
        };
        let fast = super::super::whole_file(fast, SourceId(0), text);
        match super::super::full(&source, SourceId(0)) {
            Ok(full) => assert_eq!(fast, full, "{name}: the readers differ on\n{text}"),
            Err(d) => panic!("{name}: read fast, but refused by the full reader: {}", d.message),
        }
        true
    }

    #[test]
    fn reads_every_spec_as_serde_saphyr_does() {
        let files = files();
        assert!(files.len() > 40, "{} files", files.len());
        let mut fast = 0;
        for (name, text) in &files {
            if agree(name, text) {
                fast += 1;
            }
        }
        // The fast path is the common path: the examples and the flagship take it.
        for (name, text) in &files {
            if name.contains("/examples/") || name.ends_with("concord.yaml") {
                assert!(agree(name, text), "{name} was not read by the fast path");
            }
        }
        assert!(fast * 2 > files.len(), "only {fast} of {} files read fast", files.len());
    }

    #[test]
    fn agrees_on_mutated_specs_and_awkward_scalars() {
        let awkward = [
            "1e3",
            "0x1F",
            "0o17",
            "+1",
            "-1",
            ".5",
            ".inf",
            "-.inf",
            ".nan",
            "NaN",
            "007",
            "1_000",
            "2019-08-01",
            "1.2.3",
            "True",
            "FALSE",
            "yes",
            "no",
            "on",
            "~",
            "null",
            "NULL",
            "''",
            "\"\"",
            "-0",
            "3.0",
            "-2.50",
            "12345678901234567890",
            "9223372036854775807",
            "-9223372036854775808",
            "1:30",
            "[1, 2]",
            "{a: 1}",
            "&x 1",
            "*x",
            "!!str 5",
            "!custom x",
            "a: b",
            "'quoted: yes'",
            "|\n  block",
            ">-\n  folded",
            "é",
            "\"\\u00e9\\t\"",
            "- x",
            "<<: {a: 1}",
            "inf",
            "Infinity",
            "0",
            "00",
            "-",
            "1.",
            "1.e5",
        ];
        let (mut checked, mut read_fast) = (0, 0);
        let flagship = files()
            .into_iter()
            .filter(|(n, _)| n.ends_with("concord.yaml") || n.contains("/examples/"))
            .collect::<Vec<_>>();
        for (name, text) in &flagship {
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate().step_by(5) {
                // A line dropped (indentation and structure break in many ways).
                let dropped: String = lines
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, l)| format!("{l}\n"))
                    .collect();
                read_fast += usize::from(agree(name, &dropped));
                // A value replaced by an awkward scalar.
                if let Some((key, _)) = line.split_once(": ") {
                    let token = awkward[(i / 5) % awkward.len()];
                    let mut changed = lines.clone();
                    let replaced = format!("{key}: {token}");
                    changed[i] = &replaced;
                    read_fast += usize::from(agree(name, &(changed.join("\n") + "\n")));
                }
                // A key repeated.
                if i + 1 < lines.len() {
                    let mut doubled = lines.clone();
                    doubled.insert(i + 1, line);
                    read_fast += usize::from(agree(name, &(doubled.join("\n") + "\n")));
                }
                checked += 3;
            }
        }
        for token in awkward {
            for text in [
                format!("a: {token}\n"),
                format!("- {token}\n"),
                format!("{{k: {token}}}\n"),
                format!("x:\n  - {token}\n  - b\n"),
            ] {
                read_fast += usize::from(agree("token", &text));
                checked += 1;
            }
        }
        // Both outcomes are exercised: texts the fast path reads (and must agree on), and
        // texts it leaves to the full reader.
        assert!(checked > 1_000, "{checked} texts compared");
        assert!(
            read_fast * 4 > checked && read_fast * 10 < checked * 9,
            "{read_fast} of {checked} read fast"
        );
    }
}
