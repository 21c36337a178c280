//! The common case of a spec, read straight from the YAML parser's events: block and flow
//! mappings and lists of plain, quoted and block scalars. Anything else (anchors, aliases,
//! tags, merge keys, a repeated key, a scalar whose type is not plain to see, an error, a
//! limit reached) makes [`read`] give up, and `yaml::parse` reads the file with serde-saphyr,
//! which resolves it and words its errors. On what both read, they give the same tree and
//! the same places (a suite test compares them on every spec and mutation it has).
//!
//! Reading events without serde's visitor for every scalar halves the time of the YAML step.
//!
//! A large spec is read on two threads ([`read_split`]): the file up to an item in the
//! middle of its long top-level list on this one, that item to the end on another. The split
//! is kept only where the first reader proves it: it reaches the item exactly where the
//! second began, as the next entry of that list. Otherwise the file is read in one pass.

use granit_parser::{Event, Parser, ScalarStyle};
use serde_saphyr::Budget;

use super::{Node, Value};
use crate::source::{SourceId, Span};

/// Files from this size are read on two threads where they can be split. A 150 KB spec
/// (1,000 questions) is read in about 4 ms, and the split saves a few tenths of that.
pub const SPLIT_FROM: usize = 64 * 1024;

/// The tree of `text`, or `None` where the full reader must decide.
pub(crate) fn read(text: &str, id: SourceId, options: &serde_saphyr::Options) -> Option<Node> {
    let budget = options.budget.as_ref()?;
    if text.len() >= SPLIT_FROM
        && let Some(at) = split_point(text)
        && let Some(node) = read_split(text, id, budget, at)
    {
        return Some(node);
    }
    one_pass(text, id, budget)
}

/// The tree of `text`, read by one reader from its start to its end.
fn one_pass(text: &str, id: SourceId, budget: &Budget) -> Option<Node> {
    let mut whole = Reader::new(text, 0, id, budget, 0);
    whole.read_to_end()?;
    whole.root
}

/// Where a reader stops.
#[derive(Clone, Copy)]
enum Until {
    /// At the end of the stream.
    End,
    /// Before the first node that starts at or after this byte.
    NodeFrom(usize),
    /// When its root (a list) closes.
    RootClosed,
}

enum Ended {
    End,
    /// At a node starting at this byte of the file (not read).
    Node(usize),
    /// The root closed; the next token starts at this byte of the file.
    Root(usize),
}

/// Events to a tree, for one stretch of the file (`text` starts at `base` in it).
struct Reader<'a> {
    text: &'a str,
    base: usize,
    id: SourceId,
    budget: &'a Budget,
    /// Open collections above this stretch's root in the file (the depth limit counts them).
    above: usize,
    /// Open collections: their node so far, and (for a mapping) the key waiting for its value.
    stack: Vec<(Node, Option<Node>)>,
    root: Option<Node>,
    nodes: usize,
    scalar_bytes: usize,
    documents: usize,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, base: usize, id: SourceId, budget: &'a Budget, above: usize) -> Self {
        Reader {
            text,
            base,
            id,
            budget,
            above,
            stack: Vec::new(),
            root: None,
            nodes: 0,
            scalar_bytes: 0,
            documents: 0,
        }
    }

    fn span(&self, s: &granit_parser::Span) -> Option<Span> {
        let start = s.start.byte_offset()?.min(self.text.len());
        let end = s.end.byte_offset()?.clamp(start, self.text.len());
        Some(Span::new(self.id, self.base + start, self.base + end))
    }

    /// Reads to the end of the stream; `None` where the full reader must decide.
    fn read_to_end(&mut self) -> Option<()> {
        matches!(self.read(Until::End)?, Ended::End).then_some(())
    }

    /// Reads events into the tree until `until`; `None` where the full reader must decide.
    fn read(&mut self, until: Until) -> Option<Ended> {
        let budget = self.budget;
        let parser_options = granit_parser::options! {
            simple_key_max_lookahead: budget.simple_key_max_lookahead,
            flow_nesting_limit: budget.flow_nesting_limit,
            block_nesting_limit: granit_parser::Options::default().block_nesting_limit.max(budget.max_depth.saturating_add(1)),
            emit_comments: false,
        };
        let mut parser = Parser::new_from_str_with_options(self.text, parser_options);
        // A stretch after the file's start is read as a document of its own, which must not
        // say anything about itself (`---`, a directive) that would not hold in the file.
        let inner = self.base > 0;
        loop {
            let (event, at) = parser.next_event()?.ok()?;
            if let Until::NodeFrom(stop) = until
                && matches!(
                    event,
                    Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..) | Event::Alias(..)
                )
                && self.base + at.start.byte_offset()? >= stop
            {
                return Some(Ended::Node(self.base + at.start.byte_offset()?));
            }
            let node = match event {
                Event::StreamStart => continue,
                Event::DocumentStart(explicit, version) => {
                    self.documents += 1;
                    if self.documents > budget.max_documents
                        || (inner && explicit)
                        || (!matches!(until, Until::End) || inner) && version.is_some()
                    {
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
                    self.scalar_bytes += value.len();
                    if self.scalar_bytes > budget.max_total_scalar_bytes {
                        return None;
                    }
                    let v = match style {
                        ScalarStyle::Plain => plain(&value)?,
                        _ => Value::Str(value.into_owned()),
                    };
                    Node {
                        value: v,
                        span: self.span(&at)?,
                    }
                }
                Event::SequenceStart(_, anchor, ref tag) | Event::MappingStart(_, anchor, ref tag) => {
                    if anchor != 0 || tag.is_some() || self.stack.len() + self.above >= budget.max_depth {
                        return None;
                    }
                    let value = if matches!(event, Event::SequenceStart(..)) {
                        Value::Seq(Vec::new())
                    } else {
                        Value::Map(Vec::new())
                    };
                    self.stack.push((
                        Node {
                            value,
                            span: self.span(&at)?,
                        },
                        None,
                    ));
                    continue;
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let (node, pending) = self.stack.pop()?;
                    if pending.is_some() {
                        return None;
                    }
                    if matches!(until, Until::RootClosed) && self.stack.is_empty() {
                        self.nodes += 1;
                        self.root = Some(node);
                        return Some(Ended::Root(self.base + at.start.byte_offset()?));
                    }
                    node
                }
                _ => return None,
            };
            self.nodes += 1;
            if self.nodes > budget.max_nodes {
                return None;
            }
            // Place the finished node in its parent.
            match self.stack.last_mut() {
                None => {
                    if self.root.is_some() {
                        return None;
                    }
                    self.root = Some(node);
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
        if !self.stack.is_empty() || !matches!(until, Until::End) {
            return None;
        }
        Some(Ended::End)
    }
}

/// Where a large file may be split: the start of a line in its middle that is an entry of
/// the list that a top-level key holds (`sections:` and its `  - id: …` lines), at that
/// list's indentation. Only a guess: [`read_split`] proves it or gives it up.
fn split_point(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let line_at = |at: usize| bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |n| n + 1);
    // The top-level key above the middle: the last line that starts in the first column
    // with neither a space nor a comment.
    let mut key = line_at(text.len() / 2);
    loop {
        match bytes.get(key) {
            Some(b' ' | b'#' | b'\r' | b'\n') => {}
            Some(_) => break,
            None => return None,
        }
        if key == 0 {
            return None;
        }
        key = line_at(key - 1);
    }
    let key_line = text[key..].lines().next()?;
    let (name, after) = key_line.split_once(':')?;
    let after = after.trim();
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        || !(after.is_empty() || after.starts_with('#'))
    {
        return None;
    }
    // Its value: a list indented under it. Its first entry gives the indentation.
    let mut lines = text[key..].split_inclusive('\n').skip(1);
    let first = lines.find(|l| !matches!(l.trim_start().bytes().next(), None | Some(b'#' | b'\r')))?;
    let indent = first.len() - first.trim_start_matches(' ').len();
    if indent == 0 || !entry(first, indent) {
        return None;
    }
    // The first entry of that list from the middle on, before anything in the first column
    // (which would end the list).
    let mut at = line_at(text.len() / 2);
    if at <= key {
        return None;
    }
    for line in text[at..].split_inclusive('\n') {
        if !matches!(line.as_bytes()[0], b' ' | b'#' | b'\r' | b'\n') {
            return None;
        }
        if entry(line, indent) {
            return Some(at);
        }
        at += line.len();
    }
    None
}

/// `line` is `indent` spaces, `- ` and the start of a node (not a comment, not more space).
fn entry(line: &str, indent: usize) -> bool {
    let b = line.as_bytes();
    b.len() > indent + 2
        && b[..indent].iter().all(|&c| c == b' ')
        && b[indent] == b'-'
        && b[indent + 1] == b' '
        && !matches!(b[indent + 2], b' ' | b'#' | b'\t' | b'\r' | b'\n')
}

/// Reads `text` on two threads, split at `at` (a guess of [`split_point`]'s): this one reads
/// from the start and stops before the first node at or after `at`; the other reads from
/// `at` the entries of the list, then (as a document of its own, from the first column) what
/// follows the list. The pieces are joined only where the first reader's stop proves the
/// split: the node it stops at is the entry the second began with, the next entry of a list
/// held by a key of the top-level mapping, and the list ended in the first column. Together
/// they count nodes, text and depth as one reader would.
fn read_split(text: &str, id: SourceId, budget: &Budget, at: usize) -> Option<Node> {
    let indent = text[at..].len() - text[at..].trim_start_matches(' ').len();
    let (head, tail) = std::thread::scope(|s| {
        // Where no thread can be had, the file is read in one pass.
        let tail = std::thread::Builder::new().spawn_scoped(s, || {
            let mut list = Reader::new(&text[at..], at, id, budget, 1);
            let Ended::Root(end) = list.read(Until::RootClosed)? else {
                return None;
            };
            if end == text.len() {
                return Some((list, None));
            }
            // What follows the list starts a line, and is the rest of the top-level mapping.
            let first = text.as_bytes()[end];
            if text.as_bytes()[end - 1] != b'\n'
                || !(first.is_ascii_alphanumeric() || matches!(first, b'_' | b'"' | b'\''))
            {
                return None;
            }
            let mut rest = Reader::new(&text[end..], end, id, budget, 0);
            rest.read_to_end()?;
            Some((list, Some(rest)))
        });
        let Ok(tail) = tail else { return (None, None) };
        let mut head = Reader::new(text, 0, id, budget, 0);
        let stop = head.read(Until::NodeFrom(at));
        (stop.map(|stop| (head, stop)), tail.join().ok().flatten())
    });
    let ((mut head, Ended::Node(stop)), (list, rest)) = (head?, tail?) else {
        return None;
    };
    // The proof: the first reader stopped at the entry the second began with, in a list it
    // held open as the value of a top-level key, at the same indentation.
    if stop != at + indent + 2 || head.stack.len() != 2 || head.root.is_some() || head.documents != 1 {
        return None;
    }
    let (seq, None) = head.stack.pop()? else { return None };
    let (mut map, Some(key)) = head.stack.pop()? else {
        return None;
    };
    let column = |offset: usize| offset - text[..offset].rfind('\n').map_or(0, |n| n + 1);
    let (Value::Seq(mut items), Value::Map(entries)) = (seq.value, &mut map.value) else {
        return None;
    };
    if text.as_bytes().get(seq.span.start()) != Some(&b'-')
        || column(seq.span.start()) != indent
        || column(map.span.start()) != 0
        || text.as_bytes().get(map.span.start()).is_none_or(|&b| b == b'{')
    {
        return None;
    }
    let Some(Node {
        value: Value::Seq(tail_items),
        ..
    }) = list.root
    else {
        return None;
    };
    items.extend(tail_items);
    entries.push((
        key,
        Node {
            value: Value::Seq(items),
            span: seq.span,
        },
    ));
    let mut nodes = head.nodes + list.nodes;
    let mut scalar_bytes = head.scalar_bytes + list.scalar_bytes;
    match rest {
        None => nodes += 1,
        Some(rest) => {
            let Some(Node {
                value: Value::Map(more),
                ..
            }) = rest.root
            else {
                return None;
            };
            for (k, v) in more {
                if entries.iter().any(|(e, _)| e.as_str() == k.as_str()) {
                    return None;
                }
                entries.push((k, v));
            }
            nodes += rest.nodes;
            scalar_bytes += rest.scalar_bytes;
        }
    }
    (nodes <= budget.max_nodes && scalar_bytes <= budget.max_total_scalar_bytes).then_some(map)
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

    /// The tree of one reader over the whole of `text`.
    fn whole(text: &str) -> Option<Node> {
        one_pass(text, SourceId(0), super::super::options().budget.as_ref()?)
    }

    /// Every line where a split could be tried: an entry `- ` of a list indented under
    /// something, whatever the list.
    fn entries(text: &str) -> Vec<usize> {
        let mut at = 0;
        let mut out = Vec::new();
        for line in text.split_inclusive('\n') {
            let indent = line.len() - line.trim_start_matches(' ').len();
            if indent > 0 && entry(line, indent) {
                out.push(at);
            }
            at += line.len();
        }
        out
    }

    /// Split anywhere a list entry starts, the two threads' tree is the one pass's tree, or
    /// there is none (and the one pass decides). Returns how many splits were kept.
    fn splits_agree(name: &str, text: &str, near: Option<usize>) -> usize {
        let options = super::super::options();
        let budget = options.budget.as_ref().unwrap();
        let whole = whole(text);
        let mut kept = 0;
        let mut places = entries(text);
        // Near a mutation: the entries just before and after it.
        if let Some(near) = near {
            let after = places.partition_point(|&at| at < near);
            places = places[after.saturating_sub(2)..(after + 2).min(places.len())].to_vec();
        }
        for at in places {
            if let Some(split) = read_split(text, SourceId(0), budget, at) {
                let at_line = text[..at].lines().count() + 1;
                let Some(whole) = &whole else {
                    panic!("{name}: split at line {at_line} read a text one pass refuses:\n{text}")
                };
                assert_eq!(&split, whole, "{name}: split at line {at_line} differs:\n{text}");
                kept += 1;
            }
        }
        kept
    }

    #[test]
    fn a_split_read_is_the_one_pass_read() {
        let (mut kept, mut texts) = (0, 0);
        for (name, text) in files() {
            kept += splits_agree(&name, &text, None);
            let lines: Vec<&str> = text.lines().collect();
            // Mutations around the entries of top-level lists (where splits are kept): a line
            // dropped, indented, outdented, made a document marker, a top-level key repeated,
            // an anchor, a comment, a flow mapping in the first column.
            let top: Vec<usize> = (1..lines.len())
                .filter(|&i| lines[i].starts_with("  - ") && !lines[i].starts_with("  - #"))
                .take(6)
                .collect();
            for &entry in &top {
                for i in entry.saturating_sub(1)..(entry + 2).min(lines.len()) {
                    let line = lines[i];
                    let edits = [
                        String::new(),
                        format!(" {line}"),
                        line.strip_prefix(' ').unwrap_or(line).to_string(),
                        "---".to_string(),
                        "...".to_string(),
                        "survey: again".to_string(),
                        format!("{line} &a"),
                        "  # a comment".to_string(),
                        "{a: 1}".to_string(),
                        format!("\t{line}"),
                    ];
                    for edit in &edits {
                        let mut changed = lines.clone();
                        changed[i] = edit;
                        let near = changed[..i].iter().map(|l| l.len() + 1).sum();
                        let changed = changed.join("\n") + "\n";
                        kept += splits_agree(&name, &changed, Some(near));
                        texts += 1;
                    }
                }
            }
        }
        // Splits are kept often (every file with a top-level list has places to split), and
        // the mutations made many texts.
        assert!(kept > 300, "{kept} splits kept, {texts} texts");
        assert!(texts > 1_000, "{texts} texts");
    }

    #[test]
    fn a_large_spec_is_split_where_its_long_list_is() {
        let flagship = files()
            .into_iter()
            .find(|(n, _)| n.ends_with("concord.yaml"))
            .unwrap()
            .1;
        // The flagship's sections, repeated with fresh ids, past the size that splits.
        let (head, rest) = flagship.split_at(flagship.find("\nsections:\n").unwrap() + 11);
        let (sections, derived) = rest.split_at(rest.find("\nderived:").unwrap() + 1);
        let mut text = head.to_string();
        let mut copy = 0;
        while text.len() < SPLIT_FROM * 2 {
            text.push_str(&sections.replace("- id: ", &format!("- id: c{copy}_")));
            copy += 1;
        }
        text.push_str(derived);
        let at = split_point(&text).expect("a place to split");
        assert!(
            at > text.len() / 2 && at < text.len() / 2 + 4096,
            "{at} of {}",
            text.len()
        );
        let options = super::super::options();
        let split = read_split(&text, SourceId(0), options.budget.as_ref().unwrap(), at);
        assert!(split.is_some(), "the split was not kept");
        assert_eq!(split, whole(&text));
        assert_eq!(read(&text, SourceId(0), &options), whole(&text));
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
