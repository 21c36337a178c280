//! A diff of two questionnaire versions (`quire_core::diff::Diff`) written for the people
//! who read it: `quire diff` as text (worst change first) or as a Markdown changelog, and
//! the codebook's "Changes since version …" section (`build --changed-since`).

use quire_core::diff::{Change, Diff, Impact, same_version};

fn impact_name(i: Impact) -> &'static str {
    match i {
        Impact::Breaking => "breaking",
        Impact::Compatible => "compatible",
        Impact::Cosmetic => "cosmetic",
    }
}

/// For people: one line per change, worst first, old and new beneath.
pub fn human(d: &Diff) -> String {
    let mut s = format!(
        "version {} ({}) → {} ({}): {}\n",
        d.old_version,
        d.old_hash,
        d.new_version,
        d.new_hash,
        match d.changes.len() {
            0 => "no differences".to_string(),
            1 => "1 change".to_string(),
            n => format!("{n} changes"),
        }
    );
    if let Some(w) = same_version(d) {
        s.push_str(&format!("warning: {w}\n"));
    }
    for c in &d.changes {
        s.push_str(&format!("\n{:<10} {} [{}]\n", impact_name(c.impact), c.summary, c.who));
        if let Some(b) = &c.before {
            s.push_str(&format!("           before: {b}\n"));
        }
        if let Some(a) = &c.after {
            s.push_str(&format!("           after:  {a}\n"));
        }
    }
    s
}

/// The codebook's "Changes since version …" section (`build --changed-since`).
pub fn markdown_section(d: &Diff) -> String {
    let body = markdown(d);
    let mut out = format!(
        "\n## Changes since version {}\n",
        quire_core::escape::markdown_escape(&d.old_version)
    );
    for line in body.lines().skip(1) {
        if let Some(h) = line.strip_prefix("## ") {
            out.push_str(&format!("### {h}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// `--format md`: a codebook changelog, grouped by impact.
pub fn markdown(d: &Diff) -> String {
    let esc = quire_core::escape::markdown_escape;
    let mut s = format!(
        "# Changes from version {} to {}\n\nContent hashes `{}` → `{}`.\n",
        esc(&d.old_version),
        esc(&d.new_version),
        d.old_hash,
        d.new_hash
    );
    if let Some(w) = same_version(d) {
        s.push_str(&format!("\n> Warning: {}\n", esc(&w)));
    }
    if d.changes.is_empty() {
        s.push_str("\nNo differences.\n");
    }
    for (impact, title) in [
        (Impact::Breaking, "Breaking for data (do not pool without recoding)"),
        (Impact::Compatible, "Compatible"),
        (Impact::Cosmetic, "Cosmetic"),
    ] {
        let of: Vec<&Change> = d.changes.iter().filter(|c| c.impact == impact).collect();
        if of.is_empty() {
            continue;
        }
        s.push_str(&format!("\n## {title}\n\n"));
        for c in of {
            s.push_str(&format!("- **{}** ({}, {})", esc(&c.summary), c.kind, esc(&c.who)));
            match (&c.before, &c.after) {
                (Some(b), Some(a)) => s.push_str(&format!(": “{}” → “{}”\n", esc(b), esc(a))),
                (Some(b), None) => s.push_str(&format!(": was “{}”\n", esc(b))),
                (None, Some(a)) => s.push_str(&format!(": “{}”\n", esc(a))),
                (None, None) => s.push('\n'),
            }
        }
    }
    s
}
