//! A collection platform's export in, data-contract records out (`quire import-data`): an
//! ODK Central or KoboToolbox CSV export of a Quire XForm, or a REDCap records export of a
//! Quire data dictionary, becomes the file `check-data` and `tabulate` read, its routing
//! re-derived by Quire (not applicable -88 and missing -99 by the routing analysis, not by
//! what the platform left blank).
//!
//! Columns are matched by the question's name: ODK Central writes group paths joined by `-`
//! (`consent_section-consent`), Kobo by `/`; REDCap writes checkboxes as `q___<code>`.

use std::collections::HashMap;

use crate::data::records::{self, Table};
use crate::data::{self, Cell, Paradata};
use crate::eval::{AnswerMap, Value};
use crate::model::{QuestionType, Questionnaire};

/// Where an export comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// ODK Central, KoboToolbox, SurveyCTO or Ona (a CSV export of the XForm).
    Odk,
    /// A REDCap records export (raw values).
    Redcap,
}

/// The records, and what could not be read (row, column, why).
#[derive(Debug, Default)]
pub struct Imported {
    /// The records' cells, in the data contract's column order.
    pub rows: Vec<Vec<Cell>>,
    /// (row, column, why) for each cell that could not be read.
    pub problems: Vec<(usize, String, String)>,
}

/// An ISO 8601 time with an offset (`2026-12-01T12:00:00.123+01:00`, or `Z`) as UTC
/// `YYYY-MM-DDThh:mm:ssZ`.
pub fn utc(t: &str) -> Option<String> {
    let t = t.trim();
    // Only ASCII can be a timestamp; the checks below slice by byte.
    if t.len() < 19 || !t.is_ascii() {
        return None;
    }
    let base = data::parse_timestamp(&format!("{}Z", &t[..19]))?;
    let mut rest = &t[19..];
    if let Some(r) = rest.strip_prefix('.') {
        rest = r.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "" | "Z" => 0,
        r if r.len() == 6 && (r.starts_with('+') || r.starts_with('-')) && &r[3..4] == ":" => {
            let (h, m): (i64, i64) = (r[1..3].parse().ok()?, r[4..6].parse().ok()?);
            let s = (h * 60 + m) * 60;
            if r.starts_with('+') { s } else { -s }
        }
        _ => return None,
    };
    Some(data::format_timestamp(base - offset))
}

/// Reads an export into data-contract records for one audience.
pub fn import(
    model: &Questionnaire,
    table: &Table,
    platform: Platform,
    audience: &str,
) -> Result<Imported, crate::Error> {
    let instrument = model
        .instrument(audience)
        .ok_or_else(|| format!("there is no audience `{audience}`"))?;
    // Each column by the name of what it holds: the last part of an ODK group path.
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (i, h) in table.header.iter().enumerate() {
        let name = match platform {
            Platform::Odk => h.rsplit(['-', '/']).next().unwrap_or(h),
            Platform::Redcap => h.as_str(),
        };
        by_name.entry(name.to_string()).or_insert(i);
    }
    let id_column = match platform {
        Platform::Odk => ["instanceID", "KEY", "_uuid"]
            .iter()
            .find_map(|k| by_name.get(*k).copied()),
        Platform::Redcap => by_name.get("record_id").copied(),
    }
    .ok_or("the export has no respondent identifier (instanceID, KEY or record_id)")?;
    let columns = data::columns(model);
    let mut out = Imported::default();
    for (r, row) in table.rows.iter().enumerate() {
        let cell = |name: &str| {
            by_name
                .get(name)
                .and_then(|&i| row.get(i))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
        };
        let mut raw = AnswerMap::new(audience);
        for s in &instrument.sections {
            for item in &s.items {
                let crate::model::Item::Question(q) = item else {
                    continue;
                };
                for var in q.variable_names() {
                    let list = q.choice_list.as_deref().and_then(|l| model.choice_list(l));
                    let by_code = |code: &str, problems: &mut Vec<(usize, String, String)>| -> Option<String> {
                        let value = code
                            .parse::<i64>()
                            .ok()
                            .and_then(|c| list?.options.iter().find(|o| o.code == c))
                            .map(|o| o.value.clone());
                        if value.is_none() {
                            problems.push((
                                r + 1,
                                var.to_string(),
                                format!("`{code}` is not a code of {}", q.number),
                            ));
                        }
                        value
                    };
                    let value = match (q.kind, platform) {
                        (QuestionType::Multiple, Platform::Redcap) => {
                            let picked: Vec<String> = list
                                .map(|l| {
                                    l.options
                                        .iter()
                                        .filter(|o| cell(&format!("{var}___{}", o.code)) == Some("1"))
                                        .map(|o| o.value.clone())
                                        .collect()
                                })
                                .unwrap_or_default();
                            Some(Value::Selection(picked))
                        }
                        (QuestionType::Multiple, Platform::Odk) => cell(var).map(|codes| {
                            Value::Selection(
                                codes
                                    .split_whitespace()
                                    .filter_map(|c| by_code(c, &mut out.problems))
                                    .collect(),
                            )
                        }),
                        (QuestionType::Single | QuestionType::Grid, _) => {
                            cell(var).and_then(|c| by_code(c, &mut out.problems)).map(Value::Text)
                        }
                        (QuestionType::Integer | QuestionType::Decimal, _) => {
                            cell(var).and_then(|t| match records::number(t) {
                                Some(n) => Some(Value::Number(n)),
                                None => {
                                    out.problems
                                        .push((r + 1, var.to_string(), format!("`{t}` is not a number")));
                                    None
                                }
                            })
                        }
                        _ => cell(var).map(|t| Value::Text(t.to_string())),
                    };
                    if let Some(v) = value {
                        raw.set(var, v);
                    }
                    if let Some(t) = cell(&data::other_column(var)) {
                        raw.set(&data::other_column(var), Value::Text(t.to_string()));
                    }
                }
            }
        }
        let id = row.get(id_column).map(|s| s.trim().to_string()).unwrap_or_default();
        let paradata = Paradata {
            mode: Some("web".into()),
            language: None,
            started_at: cell("start").and_then(utc),
            submitted_at: cell("end").and_then(utc),
        };
        raw.today = paradata.started_at.as_deref().map(|t| t[..10].to_string());
        let route = model.route(audience, &raw);
        out.rows.push(data::encode_with(
            model, &columns, &id, audience, &route, &raw, &paradata,
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_offsets_become_utc() {
        assert_eq!(
            utc("2026-12-01T12:00:00.123+01:00").as_deref(),
            Some("2026-12-01T11:00:00Z")
        );
        assert_eq!(
            utc("2026-12-01T00:30:00-05:30").as_deref(),
            Some("2026-12-01T06:00:00Z")
        );
        assert_eq!(utc("2026-12-01T12:00:00Z").as_deref(), Some("2026-12-01T12:00:00Z"));
        assert_eq!(utc("yesterday"), None);
    }
}
