//! The data check's report (`quire_core::data::verify::Report`) for people, as `quire
//! check-data` prints it: counts per kind of problem and column, each problem up to a limit,
//! then the responses under the completion threshold.

use std::collections::HashSet;

use quire_core::data::verify::{Problem, Report};

/// The report for people: counts per kind and column, then each problem (up to `limit` per
/// kind), then the responses under the completion threshold.
pub fn human(report: &Report, name: &str, limit: usize) -> String {
    let mut s = String::new();
    let rows_with: HashSet<usize> = report.problems.iter().map(|p| p.row).collect();
    if report.is_clean() {
        s.push_str(&format!(
            "{name}: {} row{}, no problems\n",
            report.rows,
            if report.rows == 1 { "" } else { "s" }
        ));
    } else {
        s.push_str(&format!(
            "{name}: {} row{}, {} problem{} in {} row{}\n",
            report.rows,
            if report.rows == 1 { "" } else { "s" },
            report.problems.len(),
            if report.problems.len() == 1 { "" } else { "s" },
            rows_with.iter().filter(|r| **r > 0).count(),
            if rows_with.iter().filter(|r| **r > 0).count() == 1 {
                ""
            } else {
                "s"
            },
        ));
        for (class, per) in &report.counts {
            let total: usize = per.values().sum();
            let cols: Vec<String> = per.iter().take(8).map(|(c, k)| format!("{c} {k}")).collect();
            let more = if per.len() > 8 {
                format!(", … {} more columns", per.len() - 8)
            } else {
                String::new()
            };
            s.push_str(&format!(
                "  {}: {total} ({}{more})\n",
                class.describe(),
                cols.join(", ")
            ));
        }
        s.push('\n');
        for class in report.counts.keys() {
            let of: Vec<&Problem> = report.problems.iter().filter(|p| p.class == *class).collect();
            for p in of.iter().take(limit) {
                // A roster's table: its file, and the row's key.
                let name = match p.table.as_str() {
                    "" => name.to_string(),
                    t => format!("{name}/{t}.csv"),
                };
                if p.row == 0 && !p.key.is_empty() {
                    s.push_str(&format!("{name}: {} {}: {}\n", p.respondent_id, p.key, p.message));
                } else if p.row == 0 {
                    s.push_str(&format!("{name}: {}: {}\n", p.column, p.message));
                } else if !p.key.is_empty() {
                    s.push_str(&format!(
                        "{name}: row {} ({} {}) {}: {}\n",
                        p.row, p.respondent_id, p.key, p.column, p.message
                    ));
                } else {
                    s.push_str(&format!(
                        "{name}: row {} ({}) {}: {}\n",
                        p.row, p.respondent_id, p.column, p.message
                    ));
                }
            }
            if of.len() > limit {
                s.push_str(&format!("  … and {} more: {}\n", of.len() - limit, class.describe()));
            }
        }
    }
    if let Some(min) = report.min_completion {
        s.push_str(&format!(
            "{} response{} below {}% completion (the exclusion rule)",
            report.below_completion.len(),
            if report.below_completion.len() == 1 { "" } else { "s" },
            quire_core::expr::format_number(min * 100.0)
        ));
        if report.below_completion.is_empty() {
            s.push('\n');
        } else {
            s.push_str(":\n");
            for e in &report.below_completion {
                s.push_str(&format!(
                    "  row {} ({}): {}%\n",
                    e.row,
                    e.respondent_id,
                    quire_core::expr::format_number((e.completion * 1000.0).round() / 10.0)
                ));
            }
        }
    }
    s
}
