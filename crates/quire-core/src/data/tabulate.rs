//! The model and a data file in, the study's tables out (`quire tabulate`): for every variable
//! in questionnaire order, per audience, each option's number and percentage, the Total, and
//! Not applicable and Missing on lines of their own (the layout of the seed's Table 5);
//! numbers as n, mean, SD, median, minimum and maximum.
//!
//! Cells are read as the data contract writes them: a code, -88 (not applicable) or -99
//! (missing). Percentages are whole, rounded half away from zero, over the Total: those
//! asked who answered, with the declared non-substantive answers inside it except those the
//! options put outside (by default "Prefer not to say", as the study did). For a multiple
//! choice each option's percentage is over the respondents who ticked at least one option.

use std::collections::HashMap;

use serde::Serialize;

use crate::data::records::{self, Read, Table};
use crate::data::{self, Column, ColumnKind};
use crate::model::{NonSubstantive, Questionnaire};

#[derive(Debug, Clone)]
pub struct Options {
    /// One column group per audience (the default), or all respondents together.
    pub by_audience: bool,
    /// Non-substantive kinds counted outside the Total.
    pub outside_total: Vec<NonSubstantive>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            by_audience: true,
            outside_total: vec![NonSubstantive::PreferNotToSay],
        }
    }
}

/// The tables of one data file.
#[derive(Debug, Clone, Serialize)]
pub struct Tables {
    pub title: String,
    pub version: String,
    /// The column groups: audiences (or `all`), with their labels and respondent counts.
    pub groups: Vec<Group>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub id: String,
    pub label: String,
    pub n: usize,
}

/// One variable's table.
#[derive(Debug, Clone, Serialize)]
pub struct Block {
    pub variable: String,
    pub section: String,
    /// `single`, `multiple`, `number`, `text` (answered or not) or `derived`.
    pub kind: &'static str,
    pub label: String,
    /// The question as each group read it ("Q9 Do you have …"), or the derivation.
    pub wording: Vec<(String, String)>,
    /// One list of lines per group, in `Tables::groups` order; `None` where the group is
    /// not asked the question.
    pub cells: Vec<Option<Vec<Line>>>,
}

/// One line of a block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// `option`, `total`, `not_applicable`, `missing`, or for numbers `n`, `mean`, `sd`,
    /// `median`, `min`, `max`.
    pub row: &'static str,
    pub code: Option<i64>,
    pub label: String,
    pub number: f64,
    /// Whole percent of the Total; none for lines outside it.
    pub percent: Option<i64>,
}

/// Whole percent of `n` in `total`, rounded half away from zero (exact, in integers).
pub fn percent(n: u64, total: u64) -> Option<i64> {
    (total > 0).then(|| ((200 * n + total) / (2 * total)) as i64)
}

/// Tabulates every variable of `table`.
pub fn tabulate(model: &Questionnaire, table: &Table, opts: &Options) -> Tables {
    let cols = data::columns(model);
    let index = table.index();
    let audience_at = index.get("audience").copied();
    let groups: Vec<Group> = if opts.by_audience {
        model
            .audiences
            .iter()
            .map(|a| Group {
                id: a.id.clone(),
                label: a.label.clone(),
                n: table
                    .rows
                    .iter()
                    .filter(|r| audience_at.is_some_and(|i| r[i] == a.id))
                    .count(),
            })
            .collect()
    } else {
        vec![Group {
            id: "all".into(),
            label: "All respondents".into(),
            n: table.rows.len(),
        }]
    };
    // A group without respondents in this file has no column.
    let groups: Vec<Group> = if groups.iter().any(|g| g.n > 0) {
        groups.into_iter().filter(|g| g.n > 0).collect()
    } else {
        groups
    };
    // Rows per group, once.
    let members: Vec<Vec<&Vec<String>>> = groups
        .iter()
        .map(|g| {
            table
                .rows
                .iter()
                .filter(|r| g.id == "all" || audience_at.is_some_and(|i| r[i] == g.id))
                .collect()
        })
        .collect();
    let by_variable: HashMap<&str, Vec<&Column>> = cols.iter().fold(HashMap::new(), |mut m, c| {
        m.entry(c.variable.as_str()).or_default().push(c);
        m
    });
    let mut blocks = Vec::new();
    let mut order: Vec<(&str, &str, String)> = model
        .variables
        .iter()
        .map(|v| (v.name.as_str(), v.section.as_str(), v.label.clone()))
        .collect();
    order.extend(
        model
            .derived
            .iter()
            .map(|d| (d.id.as_str(), "derived", d.label.clone())),
    );
    for (name, section, label) in order {
        let Some(vcols) = by_variable.get(name) else {
            continue;
        };
        let variable = model.variables.iter().find(|v| v.name == name);
        let derived = model.derived(name);
        let audiences: Vec<String> = variable
            .map(|v| v.audiences.clone())
            .or_else(|| derived.map(|d| d.audiences.clone()))
            .unwrap_or_default();
        let main: Vec<&&Column> = vcols
            .iter()
            .filter(|c| !matches!(c.kind, ColumnKind::WriteIn { .. }))
            .collect();
        let kind = match (variable.map(|v| v.kind), main.first().map(|c| &c.kind)) {
            (_, Some(ColumnKind::Flag { .. })) => "multiple",
            (_, Some(ColumnKind::Code { .. } | ColumnKind::Boolean)) if derived.is_none() => "single",
            (_, Some(ColumnKind::Integer | ColumnKind::Number)) if derived.is_none() => "number",
            _ if derived.is_some() => "derived",
            _ => "text",
        };
        let wording: Vec<(String, String)> = match (variable, derived) {
            (Some(v), _) => v
                .wording
                .iter()
                .map(|w| {
                    let who = crate::words::Words::new(model, &w.audiences).who();
                    let number = w
                        .audiences
                        .first()
                        .and_then(|a| v.numbers.get(a))
                        .cloned()
                        .unwrap_or_default();
                    (who, format!("{number} {}", w.text.plain()).trim().to_string())
                })
                .collect(),
            (None, Some(d)) => vec![(
                "Derived".to_string(),
                d.description.clone().unwrap_or_else(|| d.label.clone()),
            )],
            _ => Vec::new(),
        };
        let cells = groups
            .iter()
            .zip(&members)
            .map(|(g, rows)| {
                if g.id != "all" && !audiences.contains(&g.id) {
                    return None;
                }
                let cell = |r: &Vec<String>, c: &Column| {
                    records::cell(model, index.get(c.name.as_str()).map(|i| r[*i].as_str()))
                };
                Some(match kind {
                    "multiple" => multiple(model, &main, rows, &cell, g),
                    "number" => numbers(main[0], rows, &cell),
                    "text" => text(main[0], rows, &cell),
                    _ => coded(model, main[0], rows, &cell, g, opts),
                })
            })
            .collect();
        blocks.push(Block {
            variable: name.to_string(),
            section: section.to_string(),
            kind,
            label,
            wording,
            cells,
        });
    }
    Tables {
        title: model.survey.title.plain(),
        version: model.survey.version.clone(),
        groups,
        blocks,
    }
}

type CellFn<'a> = dyn Fn(&Vec<String>, &Column) -> Read + 'a;

fn blank_lines(na: u64, missing: u64) -> [Line; 2] {
    [
        Line {
            row: "not_applicable",
            code: None,
            label: "Not applicable".into(),
            number: na as f64,
            percent: None,
        },
        Line {
            row: "missing",
            code: None,
            label: "Missing".into(),
            number: missing as f64,
            percent: None,
        },
    ]
}

/// A coded variable: single choice, grid row, categorical or true/false derived variable.
fn coded(
    model: &Questionnaire,
    c: &Column,
    rows: &[&Vec<String>],
    cell: &CellFn,
    g: &Group,
    opts: &Options,
) -> Vec<Line> {
    // (code, label, outside the Total)
    let options: Vec<(i64, String, bool)> = match &c.kind {
        ColumnKind::Code { list } => model
            .choice_list(list)
            .map(|l| {
                l.options
                    .iter()
                    .filter(|o| g.id == "all" || o.audiences.contains(&g.id))
                    .map(|o| {
                        let label = o
                            .label
                            .iter()
                            .find(|w| w.audiences.contains(&g.id))
                            .map(|w| w.text.plain())
                            .unwrap_or_else(|| o.neutral_label());
                        let outside = o.nonsubstantive.is_some_and(|n| opts.outside_total.contains(&n));
                        (o.code, label, outside)
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => vec![(1, "Yes".into(), false), (0, "No".into(), false)],
    };
    let mut counts: HashMap<i64, u64> = HashMap::new();
    let (mut na, mut missing) = (0u64, 0u64);
    for r in rows {
        match cell(r, c) {
            Read::NotApplicable => na += 1,
            Read::Missing | Read::Absent => missing += 1,
            Read::Value(t) => match records::number(&t) {
                Some(n) if n.fract() == 0.0 => *counts.entry(n as i64).or_default() += 1,
                _ => missing += 1,
            },
        }
    }
    let total: u64 = options
        .iter()
        .filter(|o| !o.2)
        .map(|o| counts.get(&o.0).copied().unwrap_or(0))
        .sum();
    let mut lines: Vec<Line> = options
        .iter()
        .filter(|o| !o.2)
        .map(|(code, label, _)| {
            let n = counts.get(code).copied().unwrap_or(0);
            Line {
                row: "option",
                code: Some(*code),
                label: label.clone(),
                number: n as f64,
                percent: percent(n, total),
            }
        })
        .collect();
    lines.push(Line {
        row: "total",
        code: None,
        label: "Total".into(),
        number: total as f64,
        percent: (total > 0).then_some(100),
    });
    for (code, label, _) in options.iter().filter(|o| o.2) {
        lines.push(Line {
            row: "option",
            code: Some(*code),
            label: label.clone(),
            number: counts.get(code).copied().unwrap_or(0) as f64,
            percent: None,
        });
    }
    lines.extend(blank_lines(na, missing));
    lines
}

/// A multiple choice: each option ticked, of the respondents who ticked any.
fn multiple(model: &Questionnaire, cols: &[&&Column], rows: &[&Vec<String>], cell: &CellFn, g: &Group) -> Vec<Line> {
    let offered: Vec<&&&Column> = cols
        .iter()
        .filter(|c| g.id == "all" || c.audiences.contains(&g.id))
        .collect();
    let (mut na, mut missing, mut answered) = (0u64, 0u64, 0u64);
    let mut ticked: Vec<u64> = vec![0; offered.len()];
    for r in rows {
        let reads: Vec<Read> = offered.iter().map(|c| cell(r, c)).collect();
        let any = reads
            .iter()
            .any(|x| matches!(x, Read::Value(t) if records::number(t) == Some(1.0)));
        if any {
            answered += 1;
            for (k, x) in reads.iter().enumerate() {
                if matches!(x, Read::Value(t) if records::number(t) == Some(1.0)) {
                    ticked[k] += 1;
                }
            }
        } else if reads.iter().all(|x| *x == Read::NotApplicable) && !reads.is_empty() {
            na += 1;
        } else {
            missing += 1;
        }
    }
    let mut lines: Vec<Line> = offered
        .iter()
        .zip(&ticked)
        .map(|(c, n)| {
            let (code, label) = match &c.kind {
                ColumnKind::Flag { list, code, value } => (
                    Some(*code),
                    model
                        .choice_list(list)
                        .and_then(|l| l.get(value))
                        .map(|o| {
                            o.label
                                .iter()
                                .find(|w| w.audiences.contains(&g.id))
                                .map(|w| w.text.plain())
                                .unwrap_or_else(|| o.neutral_label())
                        })
                        .unwrap_or_default(),
                ),
                _ => (None, c.label.clone()),
            };
            Line {
                row: "option",
                code,
                label,
                number: *n as f64,
                percent: percent(*n, answered),
            }
        })
        .collect();
    lines.push(Line {
        row: "total",
        code: None,
        label: "Total".into(),
        number: answered as f64,
        percent: None,
    });
    lines.extend(blank_lines(na, missing));
    lines
}

/// A number: n, mean, SD (n − 1), median, minimum, maximum.
fn numbers(c: &Column, rows: &[&Vec<String>], cell: &CellFn) -> Vec<Line> {
    let (mut na, mut missing) = (0u64, 0u64);
    let mut xs: Vec<f64> = Vec::new();
    for r in rows {
        match cell(r, c) {
            Read::NotApplicable => na += 1,
            Read::Value(t) => match records::number(&t) {
                Some(x) => xs.push(x),
                None => missing += 1,
            },
            _ => missing += 1,
        }
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    let mut lines = vec![Line {
        row: "n",
        code: None,
        label: "n".into(),
        number: n as f64,
        percent: None,
    }];
    if n > 0 {
        let mean = xs.iter().sum::<f64>() / n as f64;
        let sd = if n > 1 {
            (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        let median = if n % 2 == 1 {
            xs[n / 2]
        } else {
            (xs[n / 2 - 1] + xs[n / 2]) / 2.0
        };
        for (row, label, v) in [
            ("mean", "Mean", mean),
            ("sd", "SD", sd),
            ("median", "Median", median),
            ("min", "Minimum", xs[0]),
            ("max", "Maximum", xs[n - 1]),
        ] {
            lines.push(Line {
                row,
                code: None,
                label: label.into(),
                number: v,
                percent: None,
            });
        }
    }
    lines.extend(blank_lines(na, missing));
    lines
}

/// Text and dates: how many answered.
fn text(c: &Column, rows: &[&Vec<String>], cell: &CellFn) -> Vec<Line> {
    let (mut na, mut missing, mut n) = (0u64, 0u64, 0u64);
    for r in rows {
        match cell(r, c) {
            Read::NotApplicable => na += 1,
            Read::Value(_) => n += 1,
            _ => missing += 1,
        }
    }
    let mut lines = vec![Line {
        row: "total",
        code: None,
        label: "Answered".into(),
        number: n as f64,
        percent: None,
    }];
    lines.extend(blank_lines(na, missing));
    lines
}

/// A number as a table prints it: whole numbers plainly, others to two decimals.
pub fn show(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:.2}")
    }
}

/// `--format csv`: one row per cell, `audience,variable,row,code,label,number,percent`.
pub fn csv(t: &Tables) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = w.write_record(["audience", "variable", "row", "code", "label", "number", "percent"]);
    for b in &t.blocks {
        for (g, lines) in t.groups.iter().zip(&b.cells) {
            for l in lines.iter().flatten() {
                let number = match l.row {
                    "mean" | "sd" | "median" => format!("{:.4}", l.number)
                        .trim_end_matches('0')
                        .trim_end_matches('.')
                        .to_string(),
                    _ => crate::expr::format_number(l.number),
                };
                let _ = w.write_record([
                    g.id.clone(),
                    b.variable.clone(),
                    l.row.to_string(),
                    l.code.map(|c| c.to_string()).unwrap_or_default(),
                    crate::escape::csv_safe(&l.label),
                    number,
                    l.percent.map(|p| p.to_string()).unwrap_or_default(),
                ]);
            }
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// One row of a block across the groups: label, row kind, and each group's (number, percent).
pub type SideBySide = (String, &'static str, Vec<Option<(f64, Option<i64>)>>);

/// The lines of a block side by side: one row per line key, a (number, percent) pair per group.
pub fn side_by_side(b: &Block) -> Vec<SideBySide> {
    let mut keys: Vec<(String, &'static str, Option<i64>)> = Vec::new();
    for lines in b.cells.iter().flatten() {
        for l in lines {
            if !keys
                .iter()
                .any(|k| k.1 == l.row && k.2 == l.code && (l.code.is_some() || k.0 == l.label))
            {
                keys.push((l.label.clone(), l.row, l.code));
            }
        }
    }
    keys.into_iter()
        .map(|(label, row, code)| {
            let per = b
                .cells
                .iter()
                .map(|lines| {
                    lines.as_ref().and_then(|ls| {
                        ls.iter()
                            .find(|l| l.row == row && l.code == code && (code.is_some() || l.label == label))
                            .map(|l| (l.number, l.percent))
                    })
                })
                .collect();
            (label, row, per)
        })
        .collect()
}

/// `--format md`: the Table 5 layout, groups side by side.
pub fn markdown(t: &Tables) -> String {
    let esc = crate::escape::markdown_escape;
    let mut s = format!("# {} (version {})\n\n", esc(&t.title), esc(&t.version));
    s.push_str(&format!(
        "Respondents: {}. Percentages are whole, rounded half away from zero, of each Total; Not applicable and Missing are outside it.\n",
        t.groups.iter().map(|g| format!("{} n = {}", esc(&g.label), g.n)).collect::<Vec<_>>().join(", ")
    ));
    for b in &t.blocks {
        s.push_str(&format!("\n## `{}`: {}\n\n", b.variable, esc(&b.label)));
        for (who, text) in &b.wording {
            s.push_str(&format!("> *{}:* {}\n", esc(who), esc(text)));
        }
        s.push('\n');
        let head: Vec<String> = t
            .groups
            .iter()
            .map(|g| format!("{} Number | %", esc(&g.label)))
            .collect();
        s.push_str(&format!("| Response | {} |\n", head.join(" | ")));
        s.push_str(&format!("|---|{}\n", "---:|---:|".repeat(t.groups.len())));
        for (label, _row, per) in side_by_side(b) {
            let cells: Vec<String> = per
                .iter()
                .map(|c| match c {
                    Some((n, p)) => format!("{} | {}", show(*n), p.map(|p| p.to_string()).unwrap_or_default()),
                    None => " | ".to_string(),
                })
                .collect();
            s.push_str(&format!("| {} | {} |\n", esc(&label), cells.join(" | ")));
        }
    }
    s
}

/// `--format html`: a self-contained report, each table with a horizontal bar chart of its
/// percentages (the table is the chart's text alternative).
pub fn html(t: &Tables) -> String {
    let e = crate::escape::html;
    let mut s = String::new();
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    s.push_str(&format!("<title>Tables: {}</title>\n", e(&t.title)));
    s.push_str("<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;color:#0b0c0c;line-height:1.4}table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border-bottom:1px solid #b1b4b6;padding:.25rem .6rem;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}tr.total th,tr.total td{font-weight:700}tr.blank th,tr.blank td{color:#505a5f}section{border-top:2px solid #0b0c0c;margin-top:1.5rem}blockquote{margin:.25rem 0;color:#505a5f}svg text{font-size:12px;fill:#0b0c0c}@media print{section{break-inside:avoid}}</style>\n</head>\n<body>\n<main>\n");
    s.push_str(&format!(
        "<h1>{} <small>(version {})</small></h1>\n",
        e(&t.title),
        e(&t.version)
    ));
    s.push_str(&format!(
        "<p>Respondents: {}. Percentages are whole, rounded half away from zero, of each Total; Not applicable and Missing are outside it.</p>\n",
        t.groups.iter().map(|g| format!("{} n = {}", e(&g.label), g.n)).collect::<Vec<_>>().join(", ")
    ));
    let colours = ["#1d70b8", "#f47738", "#00703c", "#4c2c92", "#d4351c"];
    for (k, b) in t.blocks.iter().enumerate() {
        let id = format!("t{k}");
        s.push_str(&format!(
            "<section aria-labelledby=\"{id}\">\n<h2 id=\"{id}\"><code>{}</code>: {}</h2>\n",
            e(&b.variable),
            e(&b.label)
        ));
        for (who, text) in &b.wording {
            s.push_str(&format!("<blockquote><em>{}:</em> {}</blockquote>\n", e(who), e(text)));
        }
        let rows = side_by_side(b);
        s.push_str(&format!(
            "<table aria-labelledby=\"{id}\">\n<thead><tr><th scope=\"col\">Response</th>"
        ));
        for g in &t.groups {
            s.push_str(&format!(
                "<th scope=\"col\">{} number</th><th scope=\"col\">%</th>",
                e(&g.label)
            ));
        }
        s.push_str("</tr></thead>\n<tbody>\n");
        for (label, row, per) in &rows {
            let class = match *row {
                "total" | "n" => " class=\"total\"",
                "not_applicable" | "missing" => " class=\"blank\"",
                _ => "",
            };
            s.push_str(&format!("<tr{class}><th scope=\"row\">{}</th>", e(label)));
            for c in per {
                match c {
                    Some((n, p)) => s.push_str(&format!(
                        "<td class=\"n\">{}</td><td class=\"n\">{}</td>",
                        show(*n),
                        p.map(|p| p.to_string()).unwrap_or_default()
                    )),
                    None => s.push_str("<td class=\"n\">–</td><td class=\"n\"></td>"),
                }
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody>\n</table>\n");
        // The chart: one bar per option and group, length = its percentage.
        let bars: Vec<(&String, Vec<Option<i64>>)> = rows
            .iter()
            .filter(|r| r.1 == "option")
            .map(|(label, _, per)| (label, per.iter().map(|c| c.and_then(|(_, p)| p)).collect()))
            .filter(|(_, ps): &(&String, Vec<Option<i64>>)| ps.iter().any(Option::is_some))
            .collect();
        if !bars.is_empty() {
            let groups = t.groups.len();
            let bar = 12;
            let gap = 10;
            let label_w = 260;
            // The legend names the groups that have bars here, one per line.
            let shown: Vec<usize> = (0..groups)
                .filter(|g| bars.iter().any(|(_, ps)| ps[*g].is_some()))
                .collect();
            let height = bars.len() * (groups * bar + gap) + 8 + 16 * shown.len();
            s.push_str(&format!(
                "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 {} {height}\" aria-hidden=\"true\" focusable=\"false\">\n",
                label_w + 340
            ));
            for (i, (label, ps)) in bars.iter().enumerate() {
                let y0 = i * (groups * bar + gap);
                let short: String = label.chars().take(40).collect();
                let short = if label.chars().count() > 40 {
                    format!("{short}…")
                } else {
                    short
                };
                s.push_str(&format!("<text x=\"0\" y=\"{}\">{}</text>\n", y0 + bar, e(&short)));
                for (gi, p) in ps.iter().enumerate() {
                    if let Some(p) = p {
                        let w = *p as usize * 3;
                        let y = y0 + gi * bar;
                        s.push_str(&format!(
                            "<rect x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"{}\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{p}%</text>\n",
                            bar - 2,
                            colours[gi % colours.len()],
                            label_w + w + 4,
                            y + bar - 3
                        ));
                    }
                }
            }
            for (k, gi) in shown.iter().enumerate() {
                let ly = bars.len() * (groups * bar + gap) + 16 * (k + 1);
                s.push_str(&format!(
                    "<rect x=\"{label_w}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{ly}\">{}</text>\n",
                    ly - 9,
                    colours[gi % colours.len()],
                    label_w + 14,
                    e(&t.groups[*gi].label)
                ));
            }
            s.push_str("</svg>\n<figcaption>Percentages of each Total, as in the table above.</figcaption></figure>\n");
        }
        s.push_str("</section>\n");
    }
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

/// `--format xlsx`: the Table 5 layout on one sheet, and the cells (as `--format csv`) on another.
pub fn xlsx(t: &Tables) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet().set_name("Tables").map_err(|e| e.to_string())?;
    let mut r: u32 = 0;
    let err = |e: rust_xlsxwriter::XlsxError| e.to_string();
    sheet
        .write_string_with_format(r, 0, format!("{} (version {})", t.title, t.version), &bold)
        .map_err(err)?;
    r += 2;
    for b in &t.blocks {
        sheet
            .write_string_with_format(r, 0, format!("{}: {}", b.variable, b.label), &bold)
            .map_err(err)?;
        r += 1;
        for (who, text) in &b.wording {
            sheet.write_string(r, 0, format!("{who}: {text}")).map_err(err)?;
            r += 1;
        }
        sheet.write_string_with_format(r, 0, "Response", &bold).map_err(err)?;
        for (gi, g) in t.groups.iter().enumerate() {
            let c = 1 + 2 * gi as u16;
            sheet
                .write_string_with_format(r, c, format!("{} number", g.label), &bold)
                .map_err(err)?;
            sheet.write_string_with_format(r, c + 1, "%", &bold).map_err(err)?;
        }
        r += 1;
        for (label, _row, per) in side_by_side(b) {
            sheet.write_string(r, 0, &label).map_err(err)?;
            for (gi, c) in per.iter().enumerate() {
                let col = 1 + 2 * gi as u16;
                if let Some((n, p)) = c {
                    sheet.write_number(r, col, *n).map_err(err)?;
                    if let Some(p) = p {
                        sheet.write_number(r, col + 1, *p as f64).map_err(err)?;
                    }
                }
            }
            r += 1;
        }
        r += 1;
    }
    sheet.set_column_width(0, 60).map_err(err)?;
    let cells = book.add_worksheet().set_name("Cells").map_err(|e| e.to_string())?;
    let text = csv(t);
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    for (i, rec) in rd.records().flatten().enumerate() {
        for (j, v) in rec.iter().enumerate() {
            let (i, j) = (i as u32, j as u16);
            if let (true, Ok(x)) = (i > 0 && matches!(j, 3 | 5 | 6), v.parse::<f64>()) {
                cells.write_number(i, j, x).map_err(err)?;
                continue;
            }
            cells.write_string(i, j, v).map_err(err)?;
        }
    }
    book.save_to_buffer().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_half_away_from_zero() {
        assert_eq!(percent(1, 8), Some(13)); // 12.5
        assert_eq!(percent(3, 8), Some(38)); // 37.5
        assert_eq!(percent(56, 92), Some(61));
        assert_eq!(percent(2, 130), Some(2)); // 1.54
        assert_eq!(percent(0, 5), Some(0));
        assert_eq!(percent(0, 0), None);
        assert_eq!(percent(1, 200), Some(1)); // 0.5
    }
}
