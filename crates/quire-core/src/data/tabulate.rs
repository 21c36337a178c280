//! The model and a data file in, the study's tables out (`quire tabulate`): for every variable
//! in questionnaire order, per audience, each option's number and percentage, the Total, and
//! Not applicable and Missing on lines of their own (the layout of the seed's Table 5);
//! numbers as n, mean, SD, median, minimum and maximum. The tables are data
//! ([`Tables`]); `quire_backends::tables` writes them as CSV, Markdown, HTML or xlsx.
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

/// How to tabulate.
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
    /// The study's title.
    pub title: String,
    /// The spec version the data were collected with.
    pub version: String,
    /// The column groups: audiences (or `all`), with their labels and respondent counts.
    pub groups: Vec<Group>,
    /// One table per variable, in questionnaire order.
    pub blocks: Vec<Block>,
}

/// A column group of the tables: an audience, or everyone.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// Its id (`all` for everyone).
    pub id: String,
    /// Its label.
    pub label: String,
    /// Respondents in it.
    pub n: usize,
}

/// One variable's table.
#[derive(Debug, Clone, Serialize)]
pub struct Block {
    /// The variable tabulated.
    pub variable: String,
    /// The section it is asked in.
    pub section: String,
    /// `single`, `multiple`, `number`, `text` (answered or not) or `derived`.
    pub kind: &'static str,
    /// Its variable label.
    pub label: String,
    /// The question as each group read it ("Q9 Do you have …"), or the derivation.
    pub wording: Vec<(String, String)>,
    /// One list of lines per group, in `Tables::groups` order; `None` where the group is
    /// not asked the question.
    pub cells: Vec<Option<Vec<Line>>>,
    /// For a roster's variable: what its counts count (rows, not respondents).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<Base>,
}

/// What a roster variable's table counts: the rows of its unit, per group, and how many
/// respondents they come from.
#[derive(Debug, Clone, Serialize)]
pub struct Base {
    /// The roster (`person`).
    pub unit: String,
    /// Rows per group, in `Tables::groups` order.
    pub rows: Vec<usize>,
    /// Respondents with at least one row, per group.
    pub respondents: Vec<usize>,
}

impl Base {
    /// The base in words, for a table's heading: "Counts rows of person (All respondents:
    /// 636 rows from 190 respondents)".
    pub fn words(&self, groups: &[Group]) -> String {
        let per: Vec<String> = groups
            .iter()
            .zip(self.rows.iter().zip(&self.respondents))
            .map(|(g, (rows, from))| {
                format!(
                    "{}: {rows} row{} from {from} respondent{}",
                    g.label,
                    if *rows == 1 { "" } else { "s" },
                    if *from == 1 { "" } else { "s" }
                )
            })
            .collect();
        format!("Counts rows of {} ({})", self.unit, per.join("; "))
    }
}

/// One line of a block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// `option`, `total`, `not_applicable`, `missing`, or for numbers `n`, `mean`, `sd`,
    /// `median`, `min`, `max`.
    pub row: &'static str,
    /// The option's code, for an option line.
    pub code: Option<i64>,
    /// What the line counts, in words.
    pub label: String,
    /// The count (or, for numbers, the statistic).
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
    tabulate_tables(model, std::slice::from_ref(table), opts)
}

/// One table of the data as tabulating reads it: its columns' places and its lines per
/// group.
struct Source<'t> {
    index: HashMap<&'t str, usize>,
    members: Vec<Vec<&'t Vec<String>>>,
    base: Option<Base>,
}

/// Tabulates every variable of a questionnaire's data in the long layout: `tables` holds
/// the respondents' table, then each roster's ([`crate::data::units::units`] order; the
/// respondents' alone for a questionnaire without rosters). A roster's variables are
/// tabulated over its rows, each in its respondent's group, and say so ([`Block::base`]).
pub fn tabulate_tables(model: &Questionnaire, tables: &[Table], opts: &Options) -> Tables {
    let Some(table) = tables.first() else {
        return Tables {
            title: model.survey.title.plain(),
            version: model.survey.version.clone(),
            groups: Vec::new(),
            blocks: Vec::new(),
        };
    };
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
    let units = crate::data::units::units(model);
    let mut all_cols: Vec<(usize, &Column)> = cols.iter().map(|c| (0, c)).collect();
    if tables.len() == units.len() {
        for (u, unit) in units.iter().enumerate().skip(1) {
            all_cols.extend(unit.columns[unit.key_len()..].iter().map(|c| (u, c)));
        }
    }
    let by_variable: HashMap<&str, (usize, Vec<&Column>)> = all_cols.iter().fold(HashMap::new(), |mut m, (u, c)| {
        m.entry(c.variable.as_str()).or_insert((*u, Vec::new())).1.push(*c);
        m
    });
    let reads: Vec<Source<'_>> = tables
        .iter()
        .enumerate()
        .map(|(u, t)| match u {
            0 => Source {
                index: index.clone(),
                members: members.clone(),
                base: None,
            },
            _ => unit_read(&units[u], t, table, &groups),
        })
        .collect();
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
        let Some((u, vcols)) = by_variable.get(name) else {
            continue;
        };
        let Some(read) = reads.get(*u) else {
            continue;
        };
        let (index, members) = (&read.index, &read.members);
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
            // A derived number is tabulated as numbers are (n, mean, …), not as codes.
            (_, Some(ColumnKind::Integer | ColumnKind::Number)) => "number",
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
            .zip(members)
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
            base: read.base.clone(),
        });
    }
    Tables {
        title: model.survey.title.plain(),
        version: model.survey.version.clone(),
        groups,
        blocks,
    }
}

/// A roster's table as tabulating reads it: each line in the group of its respondent.
fn unit_read<'t>(unit: &crate::data::units::Unit, t: &'t Table, respondents: &Table, groups: &[Group]) -> Source<'t> {
    let index = t.index();
    let id_of = |tab: &Table| tab.header.iter().position(|h| h == "respondent_id");
    let audience_at = respondents.header.iter().position(|h| h == "audience");
    let audience: HashMap<&str, &str> = match (id_of(respondents), audience_at) {
        (Some(i), Some(a)) => respondents
            .rows
            .iter()
            .map(|r| (r[i].as_str(), r[a].as_str()))
            .collect(),
        _ => HashMap::new(),
    };
    let id_at = id_of(t);
    let members: Vec<Vec<&Vec<String>>> = groups
        .iter()
        .map(|g| {
            t.rows
                .iter()
                .filter(|r| {
                    id_at.is_some_and(|i| audience.get(r[i].as_str()).is_some_and(|a| g.id == "all" || *a == g.id))
                })
                .collect()
        })
        .collect();
    let respondents_n = members
        .iter()
        .map(|rows| {
            let ids: std::collections::HashSet<&str> =
                rows.iter().filter_map(|r| id_at.map(|i| r[i].as_str())).collect();
            ids.len()
        })
        .collect();
    Source {
        index,
        base: Some(Base {
            unit: unit.name.clone(),
            rows: members.iter().map(Vec::len).collect(),
            respondents: respondents_n,
        }),
        members,
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
