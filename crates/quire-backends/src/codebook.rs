//! The model in, the codebook out: per variable its wording for each audience, codes,
//! missing codes, universe in words, section and derivation; as Markdown, HTML, CSV,
//! DDI-Codebook 2.5 XML and JSON, all from one [`Codebook`] value.

use serde::Serialize;

use super::{Error, Output, Outputs, csv_safe};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quire_core::data::{self, ColumnKind};
use quire_core::model::{DerivedRule, QuestionType, Questionnaire};
use quire_core::words::Words;

/// The codebook as data: the study, its groups and missing codes, the screening rules,
/// every variable by section, the multiple-response sets and the record's own columns.
/// The Markdown, HTML and DDI codebooks and the JSON are written from it.
#[derive(Debug, Clone, Serialize)]
pub struct Codebook {
    /// The study's identity.
    pub survey: Survey,
    /// The respondent groups.
    pub audiences: Vec<Group>,
    /// Not applicable and Missing, with their codes.
    pub missing_codes: Vec<Code>,
    /// The screening rules, in words, per audience: the survey ends when one holds.
    pub screening: Vec<Worded>,
    /// The variables, by section of the questionnaire (derived variables last).
    pub sections: Vec<Section>,
    /// Multiple-choice questions, as sets of 0/1 columns.
    pub multiple_response_sets: Vec<ResponseSet>,
    /// The columns about each response rather than its answers: identity and paradata.
    pub record_columns: Vec<RecordColumn>,
    /// With rosters, the data's tables (docs/data.md, "Rosters"): the responses' first,
    /// then each roster's. Empty for a questionnaire without rosters (one table).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<TableEntry>,
}

/// One table of the long layout.
#[derive(Debug, Clone, Serialize)]
pub struct TableEntry {
    /// Its name: `responses`, or the roster's id.
    pub name: String,
    /// Its file in the data folder.
    pub file: String,
    /// Its key columns.
    pub key: Vec<String>,
    /// The table its rows belong to, if any.
    pub parent: Option<String>,
    /// What one of its rows is, and how many a respondent has, in words.
    pub rows: String,
    /// How many columns it has.
    pub columns: usize,
}

/// An identity or paradata column of every record (respondent id, mode, times, …).
#[derive(Debug, Clone, Serialize)]
pub struct RecordColumn {
    /// Its name in the data.
    pub name: String,
    /// A short label.
    pub label: String,
    /// `text`, `integer`, `number` or `datetime`.
    pub kind: &'static str,
    /// What the column holds, and when it is missing.
    pub description: String,
}

/// What identifies the study and its version.
#[derive(Debug, Clone, Serialize)]
pub struct Survey {
    /// The survey's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The designer's version.
    pub version: String,
    /// Its description, if any.
    pub description: Option<String>,
    /// The source language's tag.
    pub language: String,
    /// The spec's content hash: which revision exactly.
    pub content_hash: String,
}

/// A respondent group.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// Its id (the `audience` column's value).
    pub id: String,
    /// Its label.
    pub label: String,
}

/// A section of the questionnaire and its variables.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// The section's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its variables, in questionnaire order.
    pub variables: Vec<Entry>,
}

/// One variable (a question, a grid row or a derived variable) and its columns.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The variable's name.
    pub name: String,
    /// Its label.
    pub label: String,
    /// "single-choice", "multiple-choice", "integer", … or "derived".
    pub kind: String,
    /// Question numbers, e.g. "Q7 (patients, parents and carers); Q6 (healthcare professionals)".
    pub numbers: String,
    /// Its question's wording, per group of audiences that read the same.
    pub wording: Vec<Worded>,
    /// Who is asked it, in words, per audience.
    pub universe: Vec<Worded>,
    /// The universe as expressions, per group of audiences.
    pub universe_expr: Vec<Worded>,
    /// Its data columns (one, or one per option of a multiple choice).
    pub columns: Vec<ColumnEntry>,
    /// For a derived variable: how it is computed.
    pub derivation: Option<Derivation>,
    /// Interviewer instruction, if any.
    pub instruction: Option<String>,
    /// Where it comes from, when not as the source publishes it: "Reconstructed: …".
    pub provenance: Option<String>,
    /// A roster's variable: its unit (the roster) and the table its columns are in; its
    /// universe is each row's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// A text and the audiences it is for.
#[derive(Debug, Clone, Serialize)]
pub struct Worded {
    /// The audiences' ids.
    pub audiences: Vec<String>,
    /// The audiences' labels, joined, for people.
    pub who: String,
    /// The text, in the source language.
    pub text: String,
    /// The wording in each other language of the questionnaire.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub translations: Vec<Translated>,
}

/// A text in another language of the questionnaire.
#[derive(Debug, Clone, Serialize)]
pub struct Translated {
    /// The language's tag.
    pub language: String,
    /// The text in it.
    pub text: String,
}

/// One column of the data.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnEntry {
    /// Its name in the data.
    pub name: String,
    /// Its label.
    pub label: String,
    /// "code", "flag", "text", "write-in", "integer", "number", "date" or "boolean".
    pub kind: &'static str,
    /// Its codes, the missing codes last.
    pub codes: Vec<Code>,
    /// For a 0/1 column of a multiple-choice question: the option it stands for.
    pub option: Option<Code>,
}

/// A code of a column and what it means.
#[derive(Debug, Clone, Serialize)]
pub struct Code {
    /// The code in the data.
    pub code: i64,
    /// The label every audience shares, or their labels joined with " / ".
    pub label: String,
    /// Each audience's own label, when they differ.
    pub labels: Vec<Worded>,
    /// Ticked on its own only (multiple choice).
    pub exclusive: bool,
    /// "valid", "nonsubstantive" (declared Unsure, Prefer not to say…), "not_applicable" or "missing".
    pub status: &'static str,
    /// For non-substantive answers: which kind.
    pub nonsubstantive: Option<String>,
    /// Audiences offered this code, when not all who see the question.
    pub only_for: Option<String>,
    /// The choice's score (`score(q)`), when it has one; whole scores as integers.
    pub score: Option<serde_json::Number>,
}

impl Code {
    /// A code that is only a code and its label: no per-group wording, score or flags.
    fn plain(code: i64, label: &str, status: &'static str) -> Code {
        Code {
            code,
            label: label.to_string(),
            status,
            nonsubstantive: None,
            only_for: None,
            labels: Vec::new(),
            exclusive: false,
            score: None,
        }
    }
}

/// How a derived variable is computed.
#[derive(Debug, Clone, Serialize)]
pub struct Derivation {
    /// In words.
    pub words: String,
    /// As written in the spec.
    pub expression: String,
}

/// A multiple-choice question's 0/1 columns, as one set (SPSS's MRSETS, DDI's varGrp).
#[derive(Debug, Clone, Serialize)]
pub struct ResponseSet {
    /// The question's variable name.
    pub name: String,
    /// Its label.
    pub label: String,
    /// Its option columns.
    pub columns: Vec<String>,
}

/// Builds the codebook from the model.
pub fn build(model: &Questionnaire) -> Codebook {
    let b = Build::new(model);
    let mut sections: Vec<Section> = Vec::new();
    let instrument_sections = model.instruments.iter().flat_map(|i| &i.sections);
    for s in instrument_sections {
        if sections.iter().any(|x| x.id == s.id) {
            continue;
        }
        sections.push(Section {
            id: s.id.clone(),
            title: s.title.plain(),
            variables: Vec::new(),
        });
    }
    for v in &model.variables {
        let entry = b.variable(v);
        if let Some(s) = sections.iter_mut().find(|s| s.id == v.section) {
            s.variables.push(entry);
        }
    }
    let derived = Section {
        id: "derived".into(),
        title: "Derived variables".into(),
        variables: model.derived.iter().map(|d| b.derived(d)).collect(),
    };
    if !derived.variables.is_empty() {
        sections.push(derived);
    }
    let columns = &b.columns;
    let screening = b.screening();
    let missing_codes = b.missing_codes.clone();
    let multiple_response_sets = model
        .variables
        .iter()
        .filter(|v| v.kind == QuestionType::Multiple)
        .map(|v| ResponseSet {
            name: v.name.clone(),
            label: v.label.clone(),
            columns: columns
                .iter()
                .filter(|c| {
                    c.variable == v.name && matches!(c.kind, ColumnKind::Flag { .. } | ColumnKind::RowFlag { .. })
                })
                .map(|c| c.name.clone())
                .collect(),
        })
        .collect();
    Codebook {
        survey: Survey {
            id: model.survey.id.clone(),
            title: model.survey.title.plain(),
            version: model.survey.version.clone(),
            description: model.survey.description.as_ref().map(|d| d.plain()),
            language: model.survey.language.clone(),
            content_hash: model.content_hash.clone(),
        },
        audiences: model
            .audiences
            .iter()
            .map(|a| Group {
                id: a.id.clone(),
                label: a.label.clone(),
            })
            .collect(),
        missing_codes,
        screening,
        sections,
        multiple_response_sets,
        record_columns: record_columns(model, &data::columns(model)),
        tables: tables(model),
    }
}

/// The tables of a questionnaire with rosters, described (none without).
fn tables(model: &Questionnaire) -> Vec<TableEntry> {
    let units = data::units::units(model);
    if units.len() < 2 {
        return Vec::new();
    }
    units
        .iter()
        .map(|u| {
            let rows = match u.roster().and_then(|r| model.roster(r)) {
                None => "One row per response.".to_string(),
                Some(r) => {
                    let parent = u.parent.map(|p| units[p].name.clone()).unwrap_or_default();
                    let per = if parent == data::units::RESPONSES {
                        "response".to_string()
                    } else {
                        format!("row of {parent}")
                    };
                    let source = match &r.rows {
                        quire_core::model::Rows::Count { count } => {
                            format!("as many as {} gives", count.source)
                        }
                        quire_core::model::Rows::Question { question } => {
                            format!("one per option ticked at {question}")
                        }
                        quire_core::model::Rows::List { list } => format!("one per option of the list {list}"),
                        quire_core::model::Rows::Open => format!("as many as entered, {} to {}", r.min_rows, r.max_rows),
                    };
                    format!(
                        "One row per row of the roster {}: per {per}, {source} (at most {}); none when the roster is not asked.",
                        r.id, r.max_rows
                    )
                }
            };
            TableEntry {
                name: u.name.clone(),
                file: format!("{}.csv", u.name),
                key: u.columns[..u.key_len()].iter().map(|c| c.name.clone()).collect(),
                parent: u.parent.map(|p| units[p].name.clone()),
                rows,
                columns: u.columns.len(),
            }
        })
        .collect()
}

/// What the codebook's entries are made with: the model, its data columns and its two
/// missing codes.
struct Build<'m> {
    model: &'m Questionnaire,
    columns: Vec<data::Column>,
    missing_codes: Vec<Code>,
}

impl<'m> Build<'m> {
    fn new(model: &'m Questionnaire) -> Build<'m> {
        let codes = model.survey.missing_codes;
        let missing_codes = vec![
            Code::plain(codes.not_applicable, "Not applicable", "not_applicable"),
            Code::plain(codes.missing, "Missing", "missing"),
        ];
        // Every table's answer columns: the responses', then each roster's (past its key).
        let columns = data::units::units(model)
            .into_iter()
            .flat_map(|u| {
                let skip = if u.parent.is_some() { u.key_len() } else { 0 };
                u.columns.into_iter().skip(skip)
            })
            .collect();
        Build {
            model,
            columns,
            missing_codes,
        }
    }

    /// "patients and carers", …: the audiences in the study's words.
    fn who(&self, auds: &[String]) -> String {
        Words::new(self.model, auds).who()
    }

    /// An option as a code of the codebook, for a variable asked of `audiences`.
    fn option_code(&self, o: &quire_core::model::Choice, audiences: &[String]) -> Code {
        Code {
            code: o.code,
            label: o.neutral_label(),
            labels: if o.has_audience_labels() {
                o.label
                    .iter()
                    .map(|w| Worded {
                        audiences: w.audiences.clone(),
                        who: self.who(&w.audiences),
                        text: w.text.plain(),
                        translations: Vec::new(),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            exclusive: o.exclusive,
            status: if o.nonsubstantive.is_some() {
                "nonsubstantive"
            } else {
                "valid"
            },
            nonsubstantive: o.nonsubstantive.map(|n| {
                serde_json::to_value(n)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            }),
            only_for: (o.audiences.len() < audiences.len()).then(|| self.who(&o.audiences)),
            score: o.score.and_then(|v| {
                if v.fract() == 0.0 && v.abs() < 9e15 {
                    Some(serde_json::Number::from(v as i64))
                } else {
                    serde_json::Number::from_f64(v)
                }
            }),
        }
    }

    /// Each screening rule in words, one line for the audiences whose rule reads the same.
    fn screening(&self) -> Vec<Worded> {
        let screening: Vec<Worded> = self
            .model
            .instruments
            .iter()
            .flat_map(|i| {
                let mut words = Words::new(self.model, std::slice::from_ref(&i.audience));
                words.with_codes = true;
                i.sections
                    .iter()
                    .flat_map(|s| &s.items)
                    .filter_map(|it| match it {
                        quire_core::model::Item::Screen { condition, .. } => Some(Worded {
                            audiences: vec![i.audience.clone()],
                            who: self.who(std::slice::from_ref(&i.audience)),
                            text: format!("{}.", upper_first(&words.screen(condition))),
                            translations: Vec::new(),
                        }),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        // Audiences whose screening reads the same share one line.
        screening.into_iter().fold(Vec::<Worded>::new(), |mut acc, w| {
            match acc.iter_mut().find(|x| x.text == w.text) {
                Some(x) => {
                    x.audiences.extend(w.audiences);
                    x.who = self.who(&x.audiences);
                }
                None => acc.push(w),
            }
            acc
        })
    }

    /// A variable's data columns, with their codes (the missing codes last).
    fn column_entries(&self, variable: &str, audiences: &[String]) -> Vec<ColumnEntry> {
        self.columns
            .iter()
            .filter(|c| c.variable == variable)
            .map(|c| {
                let mut list_codes: Vec<Code> = match &c.kind {
                    ColumnKind::Code { list } => self
                        .model
                        .choice_list(list)
                        .map(|l| l.options.iter().map(|o| self.option_code(o, audiences)).collect())
                        .unwrap_or_default(),
                    ColumnKind::Flag { .. } | ColumnKind::Boolean | ColumnKind::RowFlag { .. } => {
                        let (yes, no) = if matches!(c.kind, ColumnKind::Boolean) {
                            ("True", "False")
                        } else {
                            ("Ticked", "Not ticked")
                        };
                        vec![Code::plain(1, yes, "valid"), Code::plain(0, no, "valid")]
                    }
                    _ => Vec::new(),
                };
                list_codes.extend(self.missing_codes.iter().cloned());
                let option = match &c.kind {
                    ColumnKind::Flag { list, value, .. } => self
                        .model
                        .choice_list(list)
                        .and_then(|l| l.get(value))
                        .map(|o| self.option_code(o, audiences)),
                    _ => None,
                };
                ColumnEntry {
                    option,
                    name: c.name.clone(),
                    label: c.label.clone(),
                    kind: match c.kind {
                        ColumnKind::Code { .. } => "code",
                        ColumnKind::Flag { .. } => "flag",
                        ColumnKind::WriteIn { .. } => "write-in",
                        ColumnKind::Integer => "integer",
                        ColumnKind::Number => "number",
                        ColumnKind::Date => "date",
                        ColumnKind::Boolean => "boolean",
                        ColumnKind::RowChoice { .. } => "row-number",
                        ColumnKind::RowFlag { .. } => "flag",
                        _ => "text",
                    },
                    codes: list_codes,
                }
            })
            .collect()
    }

    /// The interviewer's instruction of a question.
    fn instruction(&self, question: &str) -> Option<String> {
        self.model
            .question(question)
            .and_then(|q| q.interviewer.as_ref())
            .map(|t| t.plain())
    }

    /// A variable's entry: its numbers, wording per group, universe in words and as an
    /// expression, columns, instruction and provenance.
    fn variable(&self, v: &quire_core::model::Variable) -> Entry {
        let numbers = {
            let mut groups: Vec<(String, Vec<String>)> = Vec::new();
            for a in &v.audiences {
                let Some(n) = v.numbers.get(a) else { continue };
                match groups.iter_mut().find(|(m, _)| m == n) {
                    Some((_, auds)) => auds.push(a.clone()),
                    None => groups.push((n.clone(), vec![a.clone()])),
                }
            }
            if groups.len() == 1 {
                groups[0].0.clone()
            } else {
                groups
                    .iter()
                    .map(|(n, auds)| format!("{n} ({})", self.who(auds)))
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        };
        Entry {
            name: v.name.clone(),
            label: v.label.clone(),
            kind: v.kind.describe().to_string(),
            numbers,
            wording: v
                .wording
                .iter()
                .map(|w| Worded {
                    audiences: w.audiences.clone(),
                    who: self.who(&w.audiences),
                    text: w.text.plain(),
                    translations: self.model.languages[1..]
                        .iter()
                        .map(|l| Translated {
                            language: l.clone(),
                            text: w.text.in_language(l).plain(),
                        })
                        .collect(),
                })
                .collect(),
            // Said per audience: question numbers and screening differ between them.
            universe: v
                .universe
                .iter()
                .flat_map(|u| u.audiences.iter().map(move |a| (u, a)))
                .map(|(u, a)| {
                    let one = std::slice::from_ref(a);
                    let mut words = Words::new(self.model, one);
                    words.with_codes = true;
                    Worded {
                        audiences: one.to_vec(),
                        who: self.who(one),
                        text: words.universe(u),
                        translations: Vec::new(),
                    }
                })
                .collect(),
            universe_expr: v
                .universe
                .iter()
                .map(|u| Worded {
                    audiences: u.audiences.clone(),
                    who: self.who(&u.audiences),
                    text: self
                        .model
                        .universe_condition(u)
                        .map(|c| c.source.clone())
                        .unwrap_or_else(|| "true".into()),
                    translations: Vec::new(),
                })
                .collect(),
            columns: self.column_entries(&v.name, &v.audiences),
            derivation: None,
            instruction: self.instruction(&v.question),
            provenance: provenance(v.provenance.as_ref()),
            unit: v.unit.clone(),
        }
    }

    /// A derived variable's entry: its rule in words and as written, and its columns.
    fn derived(&self, d: &quire_core::model::Derived) -> Entry {
        let words = Words::new(self.model, &d.audiences);
        let (text, expression) = match &d.rule {
            DerivedRule::Expr { expr } if d.value_type == "bool" => (
                format!("True for those who {}.", words.condition(expr)),
                expr.source.clone(),
            ),
            // A number or text: the designer's description, else the expression as written.
            DerivedRule::Expr { expr } => (
                match &d.description {
                    Some(desc) => desc.clone(),
                    None => format!("Computed as `{}`.", expr.source),
                },
                expr.source.clone(),
            ),
            DerivedRule::Cases { cases, choice_list } => {
                let list = self.model.choice_list(choice_list);
                let label = |v: &str| {
                    list.and_then(|l| l.get(v))
                        .and_then(|o| o.label.first())
                        .map(|w| w.text.plain())
                        .unwrap_or_else(|| v.to_string())
                };
                let parts: Vec<String> = cases
                    .iter()
                    .map(|c| format!("“{}” when the respondent {}", label(&c.value), words.condition(&c.when)))
                    .collect();
                let exprs: Vec<String> = cases
                    .iter()
                    .map(|c| format!("{} when {}", c.value, c.when.source))
                    .collect();
                (format!("{}; otherwise missing.", parts.join("; ")), exprs.join("; "))
            }
        };
        let mut words_u = Words::new(self.model, &d.audiences);
        words_u.with_codes = true;
        Entry {
            name: d.id.clone(),
            label: d.label.clone(),
            kind: "derived".into(),
            numbers: String::new(),
            wording: Vec::new(),
            universe: vec![Worded {
                audiences: d.audiences.clone(),
                who: self.who(&d.audiences),
                text: format!(
                    "Derived for {}; not applicable when none of the variables it reads was asked.",
                    words_u.who()
                ),
                translations: Vec::new(),
            }],
            universe_expr: Vec::new(),
            columns: self.column_entries(&d.id, &d.audiences),
            derivation: Some(Derivation {
                words: text,
                expression,
            }),
            instruction: None,
            provenance: provenance(d.provenance.as_ref()),
            unit: None,
        }
    }
}

/// Where a variable comes from, as the codebook says it.
fn provenance(p: Option<&quire_core::model::Provenance>) -> Option<String> {
    p.map(|p| {
        let status = match p.status {
            quire_core::model::ProvenanceStatus::Reported => "Reported",
            quire_core::model::ProvenanceStatus::Reconstructed => "Reconstructed",
            quire_core::model::ProvenanceStatus::Added => "Added",
        };
        format!("{status}: {}", p.note)
    })
}

/// The identity and paradata columns, described for analysts (docs/data.md).
fn record_columns(model: &Questionnaire, columns: &[data::Column]) -> Vec<RecordColumn> {
    use data::ColumnKind as K;
    let missing = model.survey.missing_codes.missing;
    columns
        .iter()
        .filter(|c| c.kind.is_meta())
        .map(|c| {
            let (kind, description) = match c.kind {
                K::RespondentId => ("text", "The response's unique identifier, made once when it starts.".to_string()),
                K::Audience => ("text", "The respondent group's id.".to_string()),
                K::SpecVersion => ("text", format!("survey.version of the spec it was collected with ({}).", model.survey.version)),
                K::SpecHash => ("text", format!("The spec's content hash, which tells apart revisions under one version ({}).", model.content_hash)),
                K::Mode => ("text", "How it was collected: web, paper (keyed in) or telephone.".to_string()),
                K::Language => ("text", format!("The language the respondent answered in (the survey's: {}).", model.survey.language)),
                K::Timestamp if c.name == "started_at" => ("datetime", format!("When the response started, UTC (YYYY-MM-DDThh:mm:ssZ); {missing} when not recorded.")),
                K::Timestamp => ("datetime", format!("When the respondent finished and submitted, UTC (YYYY-MM-DDThh:mm:ssZ); {missing} when not recorded.")),
                K::Duration => ("integer", format!("Whole seconds from started_at to submitted_at, pauses included; {missing} when either is not recorded.")),
                _ => ("number", format!("The share of the questions asked that were answered (grid rows one each), 0 to 1 to three decimals; {missing} when nothing was asked.")),
            };
            RecordColumn {
                name: c.name.clone(),
                label: c.label.clone(),
                kind,
                description,
            }
        })
        .collect()
}

/// "Patients: Me; Parents and carers: Me (the parent or carer)".
fn per_group(labels: &[Worded]) -> String {
    labels
        .iter()
        .map(|w| format!("{}: {}", upper_first(&w.who), w.text))
        .collect::<Vec<_>>()
        .join("; ")
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Every codebook file: `codebook.md`, `codebook.html`, `codebook.csv`, `codebook.ddi.xml`, `codebook.json`.
pub fn render(model: &Questionnaire) -> Result<Outputs, Error> {
    let cb = build(model);
    let mut json = serde_json::to_vec_pretty(&cb).map_err(|e| Error::new("codebook", "codebook.json", e))?;
    json.push(b'\n');
    Ok(vec![
        Output::new("codebook.md", markdown(&cb)?),
        Output::new("codebook.html", html(&cb)?),
        Output::new("codebook.csv", csv(&cb)),
        Output::new("codebook.ddi.xml", ddi(&cb, model)),
        Output::new("codebook.json", json),
    ]
    .into())
}

/// The codebook's templates, or which of them failed to load.
fn templates() -> Result<minijinja::Environment<'static>, Error> {
    let mut env = super::environment();
    env.add_filter("md", |s: String| super::markdown_escape(&s));
    env.add_filter("anchor", |s: String| {
        s.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    });
    env.add_template("codebook.md", include_str!("templates/codebook.md.j2"))
        .map_err(|e| Error::template("codebook", "codebook.md", &e))?;
    env.add_template("codebook.html", include_str!("templates/codebook.html.j2"))
        .map_err(|e| Error::template("codebook", "codebook.html", &e))?;
    Ok(env)
}

/// One of the codebook's templates rendered.
fn rendered(cb: &Codebook, name: &str) -> Result<String, Error> {
    templates()?
        .get_template(name)
        .and_then(|t| t.render(minijinja::context! { cb => minijinja::Value::from(minijinja::value::Serde(cb)) }))
        .map_err(|e| Error::template("codebook", name, &e))
}

/// `codebook.md`: the codebook for people, in Markdown.
pub fn markdown(cb: &Codebook) -> Result<String, Error> {
    rendered(cb, "codebook.md")
}

/// `codebook.html`: the codebook for people, as a page.
pub fn html(cb: &Codebook) -> Result<String, Error> {
    rendered(cb, "codebook.html")
}

/// One row per column × code (columns without codes get their missing codes only).
pub fn csv(cb: &Codebook) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // With rosters, each line says its table (docs/data.md, "Rosters").
    let tables = !cb.tables.is_empty();
    let with_table = |mut record: Vec<String>, table: &str| {
        if tables {
            record.insert(1, table.to_string());
        }
        record
    };
    let _ = w.write_record(with_table(
        [
            "variable",
            "column",
            "label",
            "question",
            "type",
            "section",
            "wording",
            "universe",
            "code",
            "code_label",
            "code_status",
        ]
        .map(String::from)
        .to_vec(),
        "table",
    ));
    for c in &cb.record_columns {
        let _ = w.write_record(with_table(
            vec![
                c.name.clone(),
                c.name.clone(),
                csv_safe(&c.label),
                String::new(),
                c.kind.to_string(),
                String::new(),
                csv_safe(&c.description),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ],
            data::units::RESPONSES,
        ));
    }
    for s in &cb.sections {
        for e in &s.variables {
            let wording = e
                .wording
                .iter()
                .map(|w| format!("[{}] {}", w.who, w.text))
                .collect::<Vec<_>>()
                .join(" | ");
            let universe = e
                .universe
                .iter()
                .map(|u| u.text.clone())
                .collect::<Vec<_>>()
                .join(" | ");
            for c in &e.columns {
                for code in &c.codes {
                    let _ = w.write_record(with_table(
                        vec![
                            e.name.clone(),
                            c.name.clone(),
                            csv_safe(&c.label),
                            e.numbers.clone(),
                            c.kind.to_string(),
                            csv_safe(&s.title),
                            csv_safe(&wording),
                            csv_safe(&universe),
                            code.code.to_string(),
                            csv_safe(&code.label),
                            code.status.to_string(),
                        ],
                        e.unit.as_deref().unwrap_or(data::units::RESPONSES),
                    ));
                }
            }
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// DDI-Codebook 2.5: study citation, then `dataDscr` with a `varGrp` per multiple-choice
/// question and a `var` per column (question text per audience, universe, categories).
pub fn ddi(cb: &Codebook, model: &Questionnaire) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let _ = w.write_event(start(
        "codeBook",
        &[
            ("xmlns", "ddi:codebook:2_5"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            ("xsi:schemaLocation", "ddi:codebook:2_5 codebook.xsd"),
            ("version", "2.5"),
            ("ID", &format!("CB_{}", cb.survey.id)),
        ],
    ));
    let _ = w.write_event(start("stdyDscr", &[]));
    let _ = w.write_event(start("citation", &[]));
    let _ = w.write_event(start("titlStmt", &[]));
    el(&mut w, "titl", &[], &cb.survey.title);
    el(&mut w, "IDNo", &[], &cb.survey.id);
    let _ = w.write_event(Event::End(BytesEnd::new("titlStmt")));
    let _ = w.write_event(start("verStmt", &[]));
    el(&mut w, "version", &[], &cb.survey.version);
    el(
        &mut w,
        "notes",
        &[],
        &format!(
            "Generated by Quire from the questionnaire specification; content hash {}.",
            cb.survey.content_hash
        ),
    );
    let _ = w.write_event(Event::End(BytesEnd::new("verStmt")));
    let _ = w.write_event(Event::End(BytesEnd::new("citation")));
    let _ = w.write_event(Event::End(BytesEnd::new("stdyDscr")));
    // With rosters, a file description per table, each variable in its file.
    let file_of = |table: &str| {
        cb.tables
            .iter()
            .position(|t| t.name == table)
            .map(|i| format!("F{}", i + 1))
    };
    for (i, t) in cb.tables.iter().enumerate() {
        let _ = w.write_event(start("fileDscr", &[("ID", &format!("F{}", i + 1))]));
        let _ = w.write_event(start("fileTxt", &[]));
        el(&mut w, "fileName", &[], &t.file);
        let parent = t
            .parent
            .as_ref()
            .map(|p| {
                format!(
                    " Its rows belong to {p}.csv: merge on {}.",
                    t.key[..t.key.len() - 1].join(", ")
                )
            })
            .unwrap_or_default();
        el(
            &mut w,
            "fileCont",
            &[],
            &format!("{} Keyed by {}.{parent}", t.rows, t.key.join(", ")),
        );
        let _ = w.write_event(start("dimensns", &[]));
        el(&mut w, "varQnty", &[], &t.columns.to_string());
        let _ = w.write_event(Event::End(BytesEnd::new("dimensns")));
        el(&mut w, "fileType", &[], "text/csv");
        let _ = w.write_event(Event::End(BytesEnd::new("fileTxt")));
        let _ = w.write_event(Event::End(BytesEnd::new("fileDscr")));
    }

    let _ = w.write_event(start("dataDscr", &[]));
    for set in &cb.multiple_response_sets {
        let vars = set.columns.iter().map(|c| var_id(c)).collect::<Vec<_>>().join(" ");
        let _ = w.write_event(start(
            "varGrp",
            &[
                ("ID", &format!("G_{}", set.name)),
                ("type", "multipleResp"),
                ("var", &vars),
                ("name", &set.name),
            ],
        ));
        el(&mut w, "labl", &[], &set.label);
        let _ = w.write_event(Event::End(BytesEnd::new("varGrp")));
    }
    // Which questions route to which: forward (this answer decides whether they are asked)
    // and backward (the questions this one's universe reads).
    let mut first_qstn: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for s in &cb.sections {
        for e in &s.variables {
            for c in &e.columns {
                if !e.wording.is_empty() {
                    first_qstn.insert(c.name.clone(), qstn_id(&c.name, 0));
                }
            }
        }
    }
    let responses = file_of(data::units::RESPONSES);
    for c in &cb.record_columns {
        open_var(&mut w, &var_id(&c.name), &c.name, c.kind, responses.as_deref());
        el(&mut w, "labl", &[], &c.label);
        el(&mut w, "txt", &[], &c.description);
        let fmt_type = if matches!(c.kind, "integer" | "number") {
            "numeric"
        } else {
            "character"
        };
        el(&mut w, "varFormat", &[("type", fmt_type)], "");
        let _ = w.write_event(Event::End(BytesEnd::new("var")));
    }
    // A roster table's key columns: named as in every table, identified per table.
    for t in cb.tables.iter().filter(|t| t.parent.is_some()) {
        for k in &t.key {
            let (label, kind) = match k.as_str() {
                "respondent_id" => ("Respondent identifier".to_string(), "text"),
                r => (format!("Row number in {r}"), "integer"),
            };
            open_var(
                &mut w,
                &format!("V_{}__{k}", t.name),
                k,
                kind,
                file_of(&t.name).as_deref(),
            );
            el(&mut w, "labl", &[], &label);
            el(&mut w, "txt", &[], &format!("Part of the key of {}.", t.file));
            el(
                &mut w,
                "varFormat",
                &[("type", if kind == "text" { "character" } else { "numeric" })],
                "",
            );
            let _ = w.write_event(Event::End(BytesEnd::new("var")));
        }
    }
    for s in &cb.sections {
        for e in &s.variables {
            let file = file_of(e.unit.as_deref().unwrap_or(data::units::RESPONSES));
            for c in &e.columns {
                variable(&mut w, cb, model, e, c, &first_qstn, file.as_deref());
            }
        }
    }
    let _ = w.write_event(Event::End(BytesEnd::new("dataDscr")));
    let _ = w.write_event(Event::End(BytesEnd::new("codeBook")));
    let mut out = String::from_utf8(w.into_inner()).unwrap_or_default();
    out.push('\n');
    out
}

/// A DDI element's start tag with its attributes.
fn start(name: &str, attrs: &[(&str, &str)]) -> Event<'static> {
    let mut e = BytesStart::new(name.to_string());
    for (k, v) in attrs {
        e.push_attribute((*k, *v));
    }
    Event::Start(e)
}

/// A DDI element holding text.
fn el(w: &mut Writer<Vec<u8>>, name: &str, attrs: &[(&str, &str)], text: &str) {
    let _ = w.write_event(start(name, attrs));
    let _ = w.write_event(Event::Text(BytesText::new(text)));
    let _ = w.write_event(Event::End(BytesEnd::new(name.to_string())));
}

/// A column's `var` element opened: its id, name, whether it is continuous, and (with
/// rosters) the file it is in.
fn open_var(w: &mut Writer<Vec<u8>>, id: &str, name: &str, kind: &str, file: Option<&str>) {
    let intrvl = if matches!(kind, "integer" | "number") {
        "contin"
    } else {
        "discrete"
    };
    let mut attrs = vec![("ID", id), ("name", name)];
    if let Some(f) = file {
        attrs.push(("files", f));
    }
    attrs.push(("intrvl", intrvl));
    let _ = w.write_event(start("var", &attrs));
}

fn var_id(col: &str) -> String {
    format!("V_{col}")
}

fn qstn_id(col: &str, i: usize) -> String {
    format!("Q_{col}_{i}")
}

/// The variables a variable's universe reads: the questions it is asked depending on.
fn reads(model: &Questionnaire, name: &str) -> Vec<String> {
    model
        .variables
        .iter()
        .find(|v| v.name == name)
        .map(|v| {
            let mut r: Vec<String> = v
                .universe
                .iter()
                .filter_map(|u| u.condition.as_ref())
                .flat_map(|c| c.references.clone())
                .collect();
            r.sort();
            r.dedup();
            r
        })
        .unwrap_or_default()
}

/// One column of the data as a DDI `var`: its label, its question in each wording, its
/// universe, its categories, its derivation, format and notes.
fn variable(
    w: &mut Writer<Vec<u8>>,
    cb: &Codebook,
    model: &Questionnaire,
    e: &Entry,
    c: &ColumnEntry,
    first_qstn: &std::collections::HashMap<String, String>,
    file: Option<&str>,
) {
    open_var(w, &var_id(&c.name), &c.name, c.kind, file);
    el(w, "labl", &[], &c.label);
    for (i, wd) in e.wording.iter().enumerate() {
        question(w, cb, model, e, c, i, wd, first_qstn);
    }
    for u in &e.universe {
        el(w, "universe", &[("clusion", "I")], &u.text);
    }
    for code in &c.codes {
        let missing = matches!(code.status, "not_applicable" | "missing");
        let mut attrs: Vec<(&str, &str)> = Vec::new();
        if missing {
            attrs.push(("missing", "Y"));
        }
        let _ = w.write_event(start("catgry", &attrs));
        el(w, "catValu", &[], &code.code.to_string());
        el(w, "labl", &[], &code.label);
        let mut txt: Vec<String> = Vec::new();
        if code.status == "nonsubstantive" {
            txt.push("Declared non-substantive answer (a real answer, not missing).".into());
        }
        if let Some(v) = &code.score {
            txt.push(format!("Score {v}."));
        }
        if !code.labels.is_empty() {
            txt.push(format!("Worded per group: {}.", per_group(&code.labels)));
        }
        if !txt.is_empty() {
            el(w, "txt", &[], &txt.join(" "));
        }
        let _ = w.write_event(Event::End(BytesEnd::new("catgry")));
    }
    if let Some(d) = &e.derivation {
        let _ = w.write_event(start("derivation", &[]));
        el(w, "drvdesc", &[], &d.words);
        el(w, "drvcmd", &[("syntax", "quire")], &d.expression);
        let _ = w.write_event(Event::End(BytesEnd::new("derivation")));
    }
    let fmt_type = if matches!(c.kind, "text" | "write-in" | "date") {
        "character"
    } else {
        "numeric"
    };
    el(w, "varFormat", &[("type", fmt_type)], "");
    let mut notes: Vec<String> = Vec::new();
    if let Some(o) = &c.option {
        let mut about = format!("1 when the option {} “{}” is ticked", o.code, o.label);
        if !o.labels.is_empty() {
            about.push_str(&format!(" (worded per group: {})", per_group(&o.labels)));
        }
        if let Some(n) = &o.nonsubstantive {
            about.push_str(&format!("; a declared non-substantive answer ({n})"));
        }
        if o.exclusive {
            about.push_str("; exclusive: ticked on its own only");
        }
        notes.push(format!("{about}."));
    }
    if let Some(p) = &e.provenance {
        notes.push(format!("Provenance. {p}"));
    }
    for n in notes {
        el(w, "notes", &[], &n);
    }
    let _ = w.write_event(Event::End(BytesEnd::new("var")));
}

/// A column's question in one wording (`qstn`): its literal text in every language, the
/// questions its answer routes to (forward) and those it depends on (backward), and the
/// interviewer's instruction.
#[allow(clippy::too_many_arguments)]
fn question(
    w: &mut Writer<Vec<u8>>,
    cb: &Codebook,
    model: &Questionnaire,
    e: &Entry,
    c: &ColumnEntry,
    i: usize,
    wd: &Worded,
    first_qstn: &std::collections::HashMap<String, String>,
) {
    let _ = w.write_event(start("qstn", &[("ID", &qstn_id(&c.name, i)), ("seqNo", &e.numbers)]));
    if wd.translations.is_empty() {
        el(w, "qstnLit", &[], &format!("[{}] {}", wd.who, wd.text));
    } else {
        el(
            w,
            "qstnLit",
            &[("xml:lang", &model.survey.language)],
            &format!("[{}] {}", wd.who, wd.text),
        );
        for t in &wd.translations {
            el(
                w,
                "qstnLit",
                &[("xml:lang", &t.language)],
                &format!("[{}] {}", wd.who, t.text),
            );
        }
    }
    let forward: Vec<String> = model
        .variables
        .iter()
        .filter(|v| {
            v.name != e.name
                && v.universe
                    .iter()
                    .filter_map(|u| u.condition.as_ref())
                    .any(|c| c.references.iter().any(|r| r == &e.name))
        })
        .flat_map(|v| {
            cb.sections
                .iter()
                .flat_map(|s| &s.variables)
                .filter(|x| x.name == v.name)
                .flat_map(|x| &x.columns)
                .filter_map(|col| first_qstn.get(&col.name).cloned())
                .take(1)
        })
        .collect();
    if !forward.is_empty() {
        el(
            w,
            "forward",
            &[("qstn", &forward.join(" "))],
            "The answer decides whether these questions are asked.",
        );
    }
    let backward: Vec<String> = reads(model, &e.name)
        .iter()
        .filter_map(|r| {
            first_qstn
                .get(r)
                .cloned()
                .or_else(|| first_qstn.get(&quire_core::data::option_column(r, 1)).cloned())
        })
        .collect();
    if !backward.is_empty() {
        el(
            w,
            "backward",
            &[("qstn", &backward.join(" "))],
            "Asked depending on the answers to these questions.",
        );
    }
    if let Some(instr) = &e.instruction {
        el(w, "ivuInstr", &[], instr);
    }
    let _ = w.write_event(Event::End(BytesEnd::new("qstn")));
}
