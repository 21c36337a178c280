//! A `matches(q, 'pattern')` pattern in, the one regular expression both engines read alike out.
//!
//! Rust's `regex` crate and JavaScript's `RegExp` disagree at the edges (what `\d`, `\w`, `\s`
//! and `.` match beyond ASCII; `[a&&b]`; `$` before a final line break; escapes each refuses), so
//! a pattern is restricted to a documented common subset (docs/spec.md, "Patterns") and
//! rewritten into a canonical form in which every construct means one thing in both: classes
//! spelt out, every literal that is not a letter or digit written `\u{…}`, groups
//! non-capturing. The whole answer must match: the form and the evaluator both anchor
//! `^(?:…)$`. Anything outside the subset is refused at `check`, with the reason.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Longest pattern accepted, in characters.
pub const MAX_PATTERN_CHARS: usize = 500;
/// Largest count in `{n}`, `{n,}` or `{n,m}`.
pub const MAX_REPEAT: u32 = 100;

/// Why a pattern is refused: the message, the character range (in chars) and a suggestion.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternError {
    /// What is wrong.
    pub message: String,
    /// The character range of the pattern it concerns.
    pub at: (usize, usize),
    /// How to put it right.
    pub help: String,
}

const DIGIT: &str = "0-9";
const WORD: &str = "0-9A-Z\\u{5f}a-z";
const SPACE: &str = "\\u{9}-\\u{d}\\u{20}";

struct P {
    chars: Vec<char>,
    i: usize,
    out: String,
}

fn err(message: impl Into<String>, at: (usize, usize), help: impl Into<String>) -> PatternError {
    PatternError {
        message: message.into(),
        at,
        help: help.into(),
    }
}

fn lit(c: char, out: &mut String) {
    if c.is_ascii_alphanumeric() {
        out.push(c);
    } else {
        out.push_str(&format!("\\u{{{:x}}}", c as u32));
    }
}

/// The canonical form of a pattern, or why it is outside the subset.
pub fn canonical(pattern: &str) -> Result<String, PatternError> {
    let chars: Vec<char> = pattern.chars().collect();
    if chars.is_empty() {
        return Err(err(
            "the pattern is empty",
            (0, 0),
            "write what the whole answer must look like, e.g. '[0-9]{10}'",
        ));
    }
    if chars.len() > MAX_PATTERN_CHARS {
        return Err(err(
            format!(
                "the pattern is {} characters long; the limit is {MAX_PATTERN_CHARS}",
                chars.len()
            ),
            (MAX_PATTERN_CHARS, chars.len()),
            "split the check into several `validate` rules",
        ));
    }
    let mut p = P {
        chars,
        i: 0,
        out: String::new(),
    };
    p.alternation(0)?;
    if p.i < p.chars.len() {
        return Err(err(
            "this `)` closes no group",
            (p.i, p.i + 1),
            "remove it, or write `\\)` for a bracket in the answer",
        ));
    }
    Ok(p.out)
}

impl P {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn alternation(&mut self, depth: usize) -> Result<(), PatternError> {
        if depth > 16 {
            return Err(err(
                "groups nest more than 16 deep",
                (self.i, self.i + 1),
                "write the pattern with fewer groups",
            ));
        }
        loop {
            self.sequence(depth)?;
            match self.peek() {
                Some('|') => {
                    self.out.push('|');
                    self.i += 1;
                }
                _ => return Ok(()),
            }
        }
    }

    fn sequence(&mut self, depth: usize) -> Result<(), PatternError> {
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                return Ok(());
            }
            self.atom(depth)?;
            self.quantifier()?;
        }
        Ok(())
    }

    fn atom(&mut self, depth: usize) -> Result<(), PatternError> {
        let start = self.i;
        let c = self.chars[self.i];
        self.i += 1;
        match c {
            '(' => {
                if self.peek() == Some('?') {
                    if self.chars.get(self.i + 1) == Some(&':') {
                        self.i += 2;
                    } else {
                        return Err(err(
                            "lookarounds, named groups and flags are not in Quire's pattern subset",
                            (start, self.i + 1),
                            "use a plain group `( … )`; for letters of either case write `[A-Za-z]`",
                        ));
                    }
                }
                self.out.push_str("(?:");
                self.alternation(depth + 1)?;
                if self.peek() != Some(')') {
                    return Err(err(
                        "this group is not closed",
                        (start, start + 1),
                        "add the `)` that ends it",
                    ));
                }
                self.i += 1;
                self.out.push(')');
            }
            '[' => self.class(start)?,
            '.' => self.out.push_str("[^\\u{a}\\u{d}\\u{2028}\\u{2029}]"),
            '\\' => {
                let e = self.escape(start, false)?;
                self.out.push_str(&e);
            }
            '^' | '$' => {
                return Err(err(
                    format!("`{c}` is not needed: the whole answer must always match the pattern"),
                    (start, start + 1),
                    format!("remove `{c}`, or write `\\{c}` for the character itself"),
                ));
            }
            '*' | '+' | '?' | '{' => {
                return Err(err(
                    format!("`{c}` repeats nothing here"),
                    (start, start + 1),
                    format!("put it after what it repeats, or write `\\{c}` for the character itself"),
                ));
            }
            ']' | '}' => {
                return Err(err(
                    format!("this `{c}` closes nothing"),
                    (start, start + 1),
                    format!("write `\\{c}` for the character itself"),
                ));
            }
            c => lit(c, &mut self.out),
        }
        Ok(())
    }

    /// An escape after `\`: in a class (`in_class`) classes expand to their ranges.
    fn escape(&mut self, start: usize, in_class: bool) -> Result<String, PatternError> {
        let Some(c) = self.peek() else {
            return Err(err(
                "the pattern ends with a lone `\\`",
                (start, start + 1),
                "write `\\\\` for a backslash",
            ));
        };
        self.i += 1;
        let class = |set: &str, negated: bool| -> Result<String, PatternError> {
            if in_class && negated {
                return Err(err(
                    format!("`\\{c}` cannot be used inside `[ ]`"),
                    (start, start + 2),
                    "list what is allowed instead, e.g. `[^0-9]` for anything but a digit",
                ));
            }
            Ok(match (in_class, negated) {
                (true, _) => set.to_string(),
                (false, false) => format!("[{set}]"),
                (false, true) => format!("[^{set}]"),
            })
        };
        match c {
            'd' => class(DIGIT, false),
            'D' => class(DIGIT, true),
            'w' => class(WORD, false),
            'W' => class(WORD, true),
            's' => class(SPACE, false),
            'S' => class(SPACE, true),
            'n' => Ok("\\u{a}".into()),
            't' => Ok("\\u{9}".into()),
            'r' => Ok("\\u{d}".into()),
            'u' if self.peek() == Some('{') => {
                let open = self.i;
                let close = self.chars[open..].iter().position(|&c| c == '}').map(|p| open + p);
                let hex: Option<String> = close.map(|e| self.chars[open + 1..e].iter().collect());
                match (
                    close,
                    hex.as_deref()
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .and_then(char::from_u32),
                ) {
                    (Some(e), Some(ch)) if e - open <= 7 => {
                        self.i = e + 1;
                        let mut s = String::new();
                        lit(ch, &mut s);
                        Ok(s)
                    }
                    _ => Err(err(
                        "`\\u{…}` needs the hexadecimal number of a character",
                        (start, self.i + 1),
                        "write e.g. `\\u{e9}` for é, or the character itself",
                    )),
                }
            }
            c if c.is_ascii_punctuation() => {
                let mut s = String::new();
                lit(c, &mut s);
                Ok(s)
            }
            'b' | 'B' => Err(err(
                "word boundaries are not in Quire's pattern subset",
                (start, start + 2),
                "the whole answer is matched; describe it from start to end",
            )),
            'p' | 'P' => Err(err(
                "Unicode classes are not in Quire's pattern subset",
                (start, start + 2),
                "list the characters or ranges, e.g. `[A-Za-zÀ-ÿ]`",
            )),
            c if c.is_ascii_digit() => Err(err(
                "back-references are not in Quire's pattern subset",
                (start, start + 2),
                "repeat the part of the pattern instead",
            )),
            c => Err(err(
                format!("`\\{c}` is not an escape Quire's patterns know"),
                (start, start + 2),
                "escapes are `\\d \\w \\s` (and `\\D \\W \\S`), `\\n \\t \\r`, `\\u{…}` and `\\` before punctuation",
            )),
        }
    }

    fn class(&mut self, start: usize) -> Result<(), PatternError> {
        let mut out = String::from("[");
        if self.peek() == Some('^') {
            out.push('^');
            self.i += 1;
        }
        let mut items = 0;
        loop {
            let Some(c) = self.peek() else {
                return Err(err(
                    "this `[` is not closed",
                    (start, start + 1),
                    "add the `]` that ends the set, or write `\\[` for the character itself",
                ));
            };
            let at = self.i;
            self.i += 1;
            let first = match c {
                ']' if items == 0 => {
                    return Err(err(
                        "an empty set `[]` matches nothing",
                        (start, self.i),
                        "list the allowed characters, e.g. `[A-Z]`; write `\\]` for a bracket",
                    ));
                }
                ']' => break,
                '[' => {
                    return Err(err(
                        "`[` inside `[ ]` means different things in different engines",
                        (at, at + 1),
                        "write `\\[` for the character itself",
                    ));
                }
                '\\' => {
                    let e = self.escape(at, true)?;
                    if e.contains('-') || e.len() > 12 {
                        out.push_str(&e);
                        items += 1;
                        continue;
                    }
                    e
                }
                c => {
                    let mut s = String::new();
                    lit(c, &mut s);
                    s
                }
            };
            items += 1;
            // A range `a-z`: a `-` that is neither first nor last.
            if self.peek() == Some('-') && self.chars.get(self.i + 1).is_some_and(|&n| n != ']') {
                let dash = self.i;
                self.i += 1;
                let hi_start = self.i;
                let hc = self.chars[self.i];
                self.i += 1;
                let (lo, hi) = (self.char_of(at)?, {
                    if hc == '\\' {
                        let e = self.escape(hi_start, true)?;
                        if e.contains('-') || e.len() > 12 {
                            return Err(err(
                                "a range cannot end in a class such as `\\d`",
                                (dash, self.i),
                                "write the range with two characters, e.g. `a-z`",
                            ));
                        }
                        decode(&e)
                    } else if hc == '[' {
                        return Err(err(
                            "`[` inside `[ ]` means different things in different engines",
                            (hi_start, hi_start + 1),
                            "write `\\[` for the character itself",
                        ));
                    } else {
                        hc
                    }
                });
                if lo > hi {
                    return Err(err(
                        format!("the range `{lo}-{hi}` runs backwards"),
                        (at, self.i),
                        format!("write `{hi}-{lo}`"),
                    ));
                }
                out.push_str(&first);
                out.push('-');
                lit(hi, &mut out);
            } else {
                out.push_str(&first);
            }
        }
        out.push(']');
        self.out.push_str(&out);
        Ok(())
    }

    /// The character a class item starting at `at` stands for (a literal or a simple escape).
    fn char_of(&self, at: usize) -> Result<char, PatternError> {
        let c = self.chars[at];
        if c != '\\' {
            return Ok(c);
        }
        let mut probe = P {
            chars: self.chars.clone(),
            i: at + 1,
            out: String::new(),
        };
        let e = probe.escape(at, true)?;
        if e.contains('-') || e.len() > 12 {
            return Err(err(
                "a range cannot start with a class such as `\\d`",
                (at, at + 2),
                "write the range with two characters, e.g. `a-z`",
            ));
        }
        Ok(decode(&e))
    }

    fn quantifier(&mut self) -> Result<(), PatternError> {
        let start = self.i;
        match self.peek() {
            Some(c @ ('*' | '+' | '?')) => {
                self.i += 1;
                self.out.push(c);
            }
            Some('{') => {
                let close = self.chars[start..].iter().position(|&c| c == '}').map(|p| start + p);
                let body: Option<String> = close.map(|e| self.chars[start + 1..e].iter().collect());
                let parsed = body.as_deref().and_then(|b| {
                    let num = |s: &str| -> Option<u32> {
                        (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
                            .then(|| s.parse().ok())
                            .flatten()
                    };
                    match b.split_once(',') {
                        None => num(b).map(|n| (n, Some(n))),
                        Some((lo, "")) => num(lo).map(|n| (n, None)),
                        Some((lo, hi)) => Some((num(lo)?, Some(num(hi)?))),
                    }
                });
                let (Some(e), Some((lo, hi))) = (close, parsed) else {
                    return Err(err(
                        "`{` starts a count such as `{3}`, `{2,}` or `{1,3}`",
                        (start, start + 1),
                        "write a count, or `\\{` for the character itself",
                    ));
                };
                if lo > MAX_REPEAT || hi.is_some_and(|h| h > MAX_REPEAT) {
                    return Err(err(
                        format!("counts above {MAX_REPEAT} are not accepted"),
                        (start, e + 1),
                        "use `+` or `*` for \"any number\", and `max_length` to limit the answer",
                    ));
                }
                if hi.is_some_and(|h| h < lo) {
                    return Err(err(
                        "this count's maximum is below its minimum",
                        (start, e + 1),
                        "write the smaller number first, e.g. `{1,3}`",
                    ));
                }
                self.i = e + 1;
                match hi {
                    Some(h) if h == lo => self.out.push_str(&format!("{{{lo}}}")),
                    Some(h) => self.out.push_str(&format!("{{{lo},{h}}}")),
                    None => self.out.push_str(&format!("{{{lo},}}")),
                }
            }
            _ => return Ok(()),
        }
        match self.peek() {
            Some('?') => Err(err(
                "lazy repetition (`*?`, `+?`, `??`) is not in Quire's pattern subset",
                (self.i, self.i + 1),
                "the whole answer is matched, so laziness changes nothing: remove the `?`",
            )),
            Some(c @ ('*' | '+' | '{')) => Err(err(
                format!("`{c}` repeats a repetition"),
                (self.i, self.i + 1),
                "put the part in a group first, e.g. `(ab+)*`",
            )),
            _ => Ok(()),
        }
    }
}

/// The character a canonical single-character item stands for.
fn decode(item: &str) -> char {
    match item.strip_prefix("\\u{").and_then(|h| h.strip_suffix('}')) {
        Some(hex) => u32::from_str_radix(hex, 16)
            .ok()
            .and_then(char::from_u32)
            .unwrap_or('\0'),
        None => item.chars().next().unwrap_or('\0'),
    }
}

/// Whether the whole text matches a pattern in canonical form (as the model holds every
/// pattern). Any other pattern matches nothing: the form's runtime trusts the model's patterns,
/// so only canonical ones are sure to mean the same in both.
pub fn is_match(pattern: &str, text: &str) -> bool {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<regex::Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut cache = match cache.lock() {
        Ok(c) => c,
        Err(poisoned) => poisoned.into_inner(),
    };
    if cache.len() > 1024 {
        cache.clear();
    }
    let re = cache.entry(pattern.to_string()).or_insert_with(|| {
        let c = canonical(pattern).ok().filter(|c| c == pattern)?;
        regex::Regex::new(&format!("^(?:{c})$")).ok()
    });
    re.as_ref().is_some_and(|r| r.is_match(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms_spell_every_construct_out() {
        assert_eq!(canonical(r"\d{3}").unwrap(), "[0-9]{3}");
        assert_eq!(canonical("[A-Z]{1,2}[0-9]").unwrap(), "[A-Z]{1,2}[0-9]");
        assert_eq!(canonical(r"a.b").unwrap(), "a[^\\u{a}\\u{d}\\u{2028}\\u{2029}]b");
        assert_eq!(canonical(r"(ab|c)+").unwrap(), "(?:ab|c)+");
        assert_eq!(canonical(r"[\w-]").unwrap(), "[0-9A-Z\\u{5f}a-z\\u{2d}]");
        assert_eq!(canonical("é ?").unwrap(), "\\u{e9}\\u{20}?");
        assert_eq!(canonical("[a&&b]").unwrap(), "[a\\u{26}\\u{26}b]");
    }

    #[test]
    fn canonical_is_idempotent() {
        for p in [
            r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}",
            r"\d{3} ?\d{3} ?\d{4}",
            r"[^\s]+@[^\s]+",
            r"(?:x|y){2,}",
            r"[\u{e9}-\u{ff}]*",
            "a.b",
            r"\w+_\s",
        ] {
            let once = canonical(p).unwrap();
            assert_eq!(canonical(&once).unwrap(), once, "{p}");
        }
    }

    #[test]
    fn outside_the_subset_is_refused_with_a_reason() {
        for (p, what) in [
            ("^abc$", "not needed"),
            ("(?=a)", "lookarounds"),
            (r"\b", "word boundaries"),
            (r"\p{L}", "Unicode classes"),
            (r"(a)\1", "back-references"),
            ("a+?", "lazy"),
            ("a{2,1}", "below its minimum"),
            ("a{1000}", "counts above"),
            ("[]", "empty set"),
            ("[z-a]", "backwards"),
            ("(a", "not closed"),
            ("a)", "closes no group"),
            ("*a", "repeats nothing"),
            (r"[\D]", "inside `[ ]`"),
            ("", "empty"),
        ] {
            let e = canonical(p).unwrap_err();
            assert!(e.message.contains(what), "{p}: {}", e.message);
        }
    }

    #[test]
    fn matching_is_of_the_whole_answer() {
        let is_match = |p: &str, t: &str| is_match(&canonical(p).unwrap_or_default(), t);
        let postcode = r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}";
        assert!(is_match(postcode, "SW1A 1AA"));
        assert!(is_match(postcode, "M1 1AE"));
        assert!(!is_match(postcode, "SW1A 1AA!"));
        assert!(!is_match(postcode, "sw1a 1aa"));
        assert!(is_match(r"\d+", "123"));
        assert!(!is_match(r"\d+", "١٢٣"), "\\d is ASCII digits only, as in the form");
        assert!(!is_match("a.c", "a\nc"));
        assert!(!super::is_match("(", "("));
        assert!(!super::is_match(r"\d", "1"), "only canonical patterns are read");
    }
}
