//! The data tools: `quire simulate`, `quire import-data`, `quire check-data` and `quire
//! tabulate`, each on a spec's model and a data file.

use std::path::{Path, PathBuf};

use super::output::{self, emit, write_output};
use super::spec::{known_audiences, load_for_data};
use super::{By, DataFormat, Failure, Outcome, PlatformArg, ReportFormat, TableFormat, usage};

/// Reads a data file (CSV or JSON records).
pub(super) fn read_table(data: &Path) -> Result<quire::data::records::Table, Failure> {
    let text = quire::input::read_text(data, quire::input::Kind::Data).map_err(usage)?;
    quire::data::records::read(&text).map_err(|e| usage(format!("`{}`: {e}", data.display())))
}

/// Reads the long layout of a questionnaire with rosters: a folder holding
/// `responses.csv` and one `<roster>.csv` per roster, in the order of the model's units.
pub(super) fn read_tables(
    model: &quire::model::Questionnaire,
    dir: &Path,
) -> Result<Vec<quire::data::records::Table>, Failure> {
    let units = quire::data::units::units(model);
    if dir.is_file() {
        // Nested JSON records, as the web form and `quire simulate --format json` write them.
        let text = quire::input::read_text(dir, quire::input::Kind::Data).map_err(usage)?;
        if !matches!(
            text.trim_start_matches('\u{feff}').trim_start().chars().next(),
            Some('{' | '[')
        ) {
            let names: Vec<String> = units.iter().map(|u| format!("{}.csv", u.name)).collect();
            return Err(usage(format!(
                "`{}` is one CSV table, but a questionnaire with rosters has one table per unit: give the folder holding {} (or JSON records with each roster's rows nested)",
                dir.display(),
                names.join(", ")
            )));
        }
        let objects =
            quire::data::records::json_objects(&text).map_err(|e| usage(format!("`{}`: {e}", dir.display())))?;
        return quire::data::units::from_nested(&units, objects)
            .map_err(|e| usage(format!("`{}`: {e}", dir.display())));
    }
    if !dir.is_dir() {
        return Err(usage(format!("`{}` does not exist", dir.display())));
    }
    units
        .iter()
        .map(|u| {
            let file = dir.join(format!("{}.csv", u.name));
            if !file.is_file() {
                return Err(usage(format!(
                    "`{}` has no `{}.csv`: the table of {}",
                    dir.display(),
                    u.name,
                    if u.path.is_empty() {
                        "respondents".to_string()
                    } else {
                        format!("the rows of roster `{}`", u.name)
                    }
                )));
            }
            let text = quire::input::read_text(&file, quire::input::Kind::Data).map_err(usage)?;
            quire::data::records::read_csv(&text).map_err(|e| usage(format!("`{}`: {e}", file.display())))
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub(super) fn simulate(
    spec: &Path,
    n: usize,
    seed: u64,
    audiences: &[String],
    nonresponse: f64,
    format: DataFormat,
    out: Option<&Path>,
    raw_csv: bool,
    color: bool,
) -> Outcome {
    let model = load_for_data(spec, color)?;
    known_audiences(&model, audiences)?;
    if !(0.0..=1.0).contains(&nonresponse) {
        return Err(usage("--nonresponse is a share from 0 to 1, e.g. 0.1"));
    }
    let opts = quire::data::simulate::Options {
        n,
        seed,
        audiences: audiences.to_vec(),
        nonresponse,
    };
    if model.has_rosters() {
        return simulate_tables(&model, &opts, format, out, raw_csv, spec);
    }
    let cols = quire::data::columns(&model);
    let rows = quire::data::simulate::records(&model, &opts);
    let bytes = match format {
        DataFormat::Csv if raw_csv => quire::data::to_csv_raw(&model, &cols, &rows).into_bytes(),
        DataFormat::Csv => quire::data::to_csv(&model, &cols, &rows).into_bytes(),
        DataFormat::Json => quire::data::to_json_lines(&model, &cols, &rows).into_bytes(),
    };
    emit(out, &bytes, &[spec])
}

/// A questionnaire with rosters, simulated into a folder of tables: `responses.csv` and
/// one `<roster>.csv` per roster (docs/data.md, "Rosters").
fn simulate_tables(
    model: &quire::model::Questionnaire,
    opts: &quire::data::simulate::Options,
    format: DataFormat,
    out: Option<&Path>,
    raw_csv: bool,
    spec: &Path,
) -> Outcome {
    let units = quire::data::units::units(model);
    let tables = quire::data::simulate::tables(model, &units, opts);
    if format == DataFormat::Json {
        // One record per line, each roster's rows nested under it.
        return emit(
            out,
            quire::data::units::to_json_nested(model, &units, &tables).as_bytes(),
            &[spec],
        );
    }
    let Some(dir) = out else {
        return Err(usage(
            "a questionnaire with rosters has one table per unit (respondents, and each roster's rows): give a folder with -o (or --format json for records with the rows nested)",
        ));
    };
    write_tables(model, &units, &tables, dir, raw_csv, &[spec])
}

/// One CSV per unit in `dir` (replaced whole, as Quire's outputs are).
fn write_tables(
    model: &quire::model::Questionnaire,
    units: &[quire::data::units::Unit],
    tables: &[Vec<Vec<quire::data::Cell>>],
    dir: &Path,
    raw_csv: bool,
    inputs: &[&Path],
) -> Outcome {
    if let Err(output::Refusal(why)) = output::check(dir, inputs) {
        return Err(usage(format!("{why}\nnothing was written")));
    }
    let files: Vec<(PathBuf, Vec<u8>)> = units
        .iter()
        .zip(tables)
        .map(|(u, lines)| {
            let text = if raw_csv {
                quire::data::to_csv_raw(model, &u.columns, lines)
            } else {
                quire::data::to_csv(model, &u.columns, lines)
            };
            (PathBuf::from(format!("{}.csv", u.name)), text.into_bytes())
        })
        .collect();
    match output::write(dir, &files) {
        Ok(()) => {
            let counts: Vec<String> = units
                .iter()
                .zip(tables)
                .map(|(u, lines)| format!("{} {}", lines.len(), u.name))
                .collect();
            eprintln!(
                "wrote {} tables to {}: {}",
                units.len(),
                dir.display(),
                counts.join(", ")
            );
            Ok(())
        }
        Err(e) => Err(usage(format!("cannot write `{}`: {e}", dir.display()))),
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn import_data(
    spec: &Path,
    from: PlatformArg,
    file: &Path,
    repeats: &[PathBuf],
    audience: Option<&str>,
    out: &Path,
    raw_csv: bool,
    color: bool,
) -> Outcome {
    let model = load_for_data(spec, color)?;
    let audience = match (audience, model.instruments.as_slice()) {
        (Some(a), _) => a.to_string(),
        (None, [only]) => only.audience.clone(),
        (None, _) => {
            let ids: Vec<&str> = model.instruments.iter().map(|i| i.audience.as_str()).collect();
            return Err(usage(format!(
                "the spec has several audiences: give the export's with --audience ({})",
                ids.join(", ")
            )));
        }
    };
    let text = match quire::input::read_text(file, quire::input::Kind::Data) {
        Ok(t) => t,
        Err(e) => return Err(usage(e)),
    };
    let table = match quire::data::records::read_csv(&text) {
        Ok(t) => t,
        Err(e) => return Err(usage(format!("{}: {e}", file.display()))),
    };
    let platform = match from {
        PlatformArg::Odk => quire::data::import::Platform::Odk,
        PlatformArg::Redcap => quire::data::import::Platform::Redcap,
    };
    let mut repeat_tables = Vec::new();
    for r in repeats {
        let text = quire::input::read_text(r, quire::input::Kind::Data).map_err(usage)?;
        match quire::data::records::read_csv(&text) {
            Ok(t) => repeat_tables.push(t),
            Err(e) => return Err(usage(format!("{}: {e}", r.display()))),
        }
    }
    let imported = match quire::data::import::import_with_repeats(&model, &table, &repeat_tables, platform, &audience) {
        Ok(i) => i,
        Err(e) => return Err(usage(format!("{}: {e}", file.display()))),
    };
    for (row, column, why) in &imported.problems {
        eprintln!("{}: row {row}, `{column}`: {why}", file.display());
    }
    if let Some(tables) = &imported.tables {
        // Rosters: one table per unit, in the folder `-o` names.
        let units = quire::data::units::units(&model);
        let inputs: Vec<&Path> = [spec, file]
            .into_iter()
            .chain(repeats.iter().map(PathBuf::as_path))
            .collect();
        write_tables(&model, &units, tables, out, raw_csv, &inputs)?;
        return if imported.problems.is_empty() {
            Ok(())
        } else {
            Err(Failure::Reported)
        };
    }
    let columns = quire::data::columns(&model);
    let csv = if raw_csv {
        quire::data::to_csv_raw(&model, &columns, &imported.rows)
    } else {
        quire::data::to_csv(&model, &columns, &imported.rows)
    };
    write_output(out, csv.as_bytes(), &[spec, file])?;
    eprintln!(
        "{} records of {audience} written to {}",
        imported.rows.len(),
        out.display()
    );
    if imported.problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::Reported)
    }
}

pub(super) fn check_data(
    spec: &Path,
    data: &Path,
    format: ReportFormat,
    min_completion: Option<f64>,
    limit: usize,
    color: bool,
) -> Outcome {
    let model = load_for_data(spec, color)?;
    if min_completion.is_some_and(|m| !(0.0..=1.0).contains(&m)) {
        return Err(usage("--min-completion is a share from 0 to 1, e.g. 0.2"));
    }
    let opts = quire::data::verify::Options { min_completion };
    let report = if model.has_rosters() {
        quire::data::verify::check_tables(&model, &read_tables(&model, data)?, &opts)
    } else {
        quire::data::verify::check(&model, &read_table(data)?, &opts)
    };
    match format {
        ReportFormat::Human => print!(
            "{}",
            quire::backend::data_check::human(&report, &data.display().to_string(), limit)
        ),
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default()),
    }
    if report.is_clean() {
        Ok(())
    } else {
        Err(Failure::Reported)
    }
}

/// `quire widen`: the long layout of a questionnaire with rosters as one wide CSV.
pub(super) fn widen(spec: &Path, data: &Path, out: Option<&Path>, color: bool) -> Outcome {
    let model = load_for_data(spec, color)?;
    if !model.has_rosters() {
        return Err(usage(
            "this questionnaire has no rosters: its data are one row per respondent already",
        ));
    }
    let tables = read_tables(&model, data)?;
    let units = quire::data::units::units(&model);
    let Some(columns) = quire::data::units::wide_columns(&units) else {
        return Err(usage(format!(
            "one row per respondent would need more than {} columns (the rosters' max_rows multiplied down the nesting); analyse the tables, or lower max_rows",
            quire::data::records::MAX_COLUMNS
        )));
    };
    let respondents = tables.first().map_or(0, |t| t.rows.len());
    if respondents.saturating_mul(columns.len()) > quire::data::records::MAX_CELLS {
        return Err(usage(format!(
            "{respondents} respondents × {} columns is more than the {} cells a data file may hold; analyse the tables, or widen part of the data at a time",
            columns.len(),
            quire::data::records::MAX_CELLS
        )));
    }
    let cells = quire::data::units::cells_of(&model, &units, &tables);
    let rows = quire::data::units::to_wide(&model, &units, &cells);
    emit(
        out,
        quire::data::to_csv(&model, &columns, &rows).as_bytes(),
        &[spec, data],
    )
}

pub(super) fn tabulate(
    spec: &Path,
    data: &Path,
    out: Option<&Path>,
    format: TableFormat,
    by: By,
    outside_total: &[String],
    color: bool,
) -> Outcome {
    use quire::model::NonSubstantive;
    let mut outside = Vec::new();
    for k in outside_total.iter().filter(|k| k.as_str() != "none") {
        match k.as_str() {
            "unsure" => outside.push(NonSubstantive::Unsure),
            "dont_know" => outside.push(NonSubstantive::DontKnow),
            "prefer_not_to_say" => outside.push(NonSubstantive::PreferNotToSay),
            other => {
                return Err(usage(format!(
                    "--outside-total: `{other}` is not a non-substantive kind; use unsure, dont_know, prefer_not_to_say or none"
                )));
            }
        }
    }
    if let Some(out) = out
        && let Err(output::Refusal(why)) = output::check(out, &[spec, data])
    {
        return Err(usage(format!("{why}\nnothing was written")));
    }
    let model = load_for_data(spec, color)?;
    let opts = quire::data::tabulate::Options {
        by_audience: by == By::Audience,
        outside_total: outside,
    };
    let tables = if model.has_rosters() {
        quire::data::tabulate::tabulate_tables(&model, &read_tables(&model, data)?, &opts)
    } else {
        quire::data::tabulate::tabulate(&model, &read_table(data)?, &opts)
    };
    use quire::backend::tables as t;
    let (name, bytes) = match format {
        TableFormat::Md => ("tables.md", t::markdown(&tables).into_bytes()),
        TableFormat::Html => ("tables.html", t::html(&tables).into_bytes()),
        TableFormat::Csv => ("tables.csv", t::csv(&tables).into_bytes()),
        TableFormat::Xlsx => match t::xlsx(&tables) {
            Ok(b) => ("tables.xlsx", b),
            Err(e) => return Err(usage(format!("cannot make the workbook: {}", e.message))),
        },
    };
    match out {
        None if format == TableFormat::Xlsx => Err(usage("a workbook is not text: give a folder with -o")),
        None => emit(None, &bytes, &[]),
        Some(dir) => match output::write(dir, &[(PathBuf::from(name), bytes)]) {
            Ok(()) => {
                eprintln!("wrote {}", dir.join(name).display());
                Ok(())
            }
            Err(e) => Err(usage(format!("cannot write `{}`: {e}", dir.display()))),
        },
    }
}
