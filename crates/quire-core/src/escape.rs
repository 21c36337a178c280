//! Text in, text that reads literally in a plain-text target out (Markdown, CSV).

/// Escapes text for Markdown so that it reads literally.
pub fn markdown_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Neutralises spreadsheet formulas in a CSV text cell, as OWASP's CSV-injection guidance
/// says: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return (after any
/// `'`s) gets a leading `'`, which spreadsheets show as text and never run. Numbers
/// (`-88`, `-1.5`) are left as they are. [`csv_unguard`] undoes it exactly.
pub fn csv_safe(s: &str) -> String {
    if needs_guard(s.trim_start_matches('\'')) && !is_number(s) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// A cell as written before [`csv_safe`]: one leading `'` taken off where `csv_safe` put it.
pub fn csv_unguard(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if needs_guard(rest.trim_start_matches('\'')) => rest,
        _ => s,
    }
}

fn needs_guard(s: &str) -> bool {
    matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'))
}

/// A number as a spreadsheet reads one (`-88`, `+1.5e3`), not `-inf` or `-nan`.
fn is_number(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) && s.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_read_back_exactly() {
        for (raw, written) in [
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("+1+2", "'+1+2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("-88", "-88"),
            ("-1.5", "-1.5"),
            ("-inf", "'-inf"),
            ("- a list", "'- a list"),
            ("'=x", "''=x"),
            ("'quoted'", "'quoted'"),
            ("plain", "plain"),
            ("", ""),
        ] {
            assert_eq!(csv_safe(raw), written, "{raw:?}");
            assert_eq!(csv_unguard(&csv_safe(raw)), raw, "{raw:?}");
        }
    }
}
