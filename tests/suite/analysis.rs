//! The codebook and analysis schema, checked by the analysts' own tools (Frictionless,
//! xmlschema, PSPP, R with haven, SQLite and DuckDB, a JSON Schema validator) against
//! synthetic responses to the flagship that follow its routing.

use crate::run;
use std::path::{Path, PathBuf};

use quire::data;

/// Respondents in the committed synthetic data set.
const RESPONDENTS: usize = 90;

fn responses_csv() -> String {
    let model = crate::flagship();
    let cols = data::columns(&model);
    let rows = data::testing::synthetic(&model, RESPONDENTS, 2019);
    data::to_csv(&model, &cols, &rows)
}

/// `tests/data/concord-responses.csv` is what the generator makes (QUIRE_BLESS=1 rewrites it).
#[test]
fn synthetic_responses_are_committed() {
    let path = crate::root().join("tests/data/concord-responses.csv");
    let made = responses_csv();
    if std::env::var_os("QUIRE_BLESS").is_some() {
        std::fs::write(&path, &made).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == made,
        "tests/data/concord-responses.csv is stale; rerun with QUIRE_BLESS=1 and review the diff"
    );
}

/// Builds the flagship's codebook and schema into a fresh directory beside the responses.
pub(crate) fn built() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let model = crate::flagship();
    for quire::backend::Output { path, bytes } in quire::backend::codebook::render(&model)
        .unwrap()
        .into_iter()
        .chain(quire::backend::schema::render(&model).unwrap())
    {
        std::fs::write(tmp.path().join(path), bytes).unwrap();
    }
    std::fs::copy(
        crate::root().join("tests/data/concord-responses.csv"),
        tmp.path().join("responses.csv"),
    )
    .unwrap();
    let dir = tmp.path().to_path_buf();
    (tmp, dir)
}

/// Replaces one cell of one data row (1-based row after the header) in responses.csv.
fn plant(dir: &Path, row: usize, column: &str, value: &str) {
    let path = dir.join("responses.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let col = headers.iter().position(|h| h == column).unwrap();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&headers).unwrap();
    for (i, rec) in rdr.records().enumerate() {
        let mut rec: Vec<String> = rec.unwrap().iter().map(str::to_string).collect();
        if i + 1 == row {
            rec[col] = value.to_string();
        }
        w.write_record(&rec).unwrap();
    }
    std::fs::write(&path, w.into_inner().unwrap()).unwrap();
}

/// Rows of the committed data, as header → cell maps.
fn rows() -> Vec<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(crate::root().join("tests/data/concord-responses.csv")).unwrap();
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|r| {
            headers
                .iter()
                .zip(r.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// The first row where `column` holds `value` and `other` does not hold `other_value`.
fn row_where(column: &str, value: &str, other: &str, other_value: &str) -> usize {
    rows()
        .iter()
        .position(|r| r[column] == value && r[other] != other_value)
        .expect("such a row in the synthetic data")
        + 1
}

fn frictionless(dir: &Path) -> (bool, String) {
    let checklist = std::fs::read_to_string(dir.join("checklist.json"))
        .unwrap()
        .trim()
        .to_string();
    run(
        dir,
        "frictionless",
        &["validate", "datapackage.json", "--checklist", &checklist],
    )
}

#[test]
fn frictionless_accepts_the_data_and_rejects_planted_errors() {
    let (_tmp, dir) = built();
    let (ok, out) = frictionless(&dir);
    assert!(ok, "{out}");
    let (ok, out) = run(
        &dir,
        "check-jsonschema",
        &[
            "--schemafile",
            crate::reference_schemas()
                .join("frictionless-2.0/datapackage.json")
                .to_str()
                .unwrap(),
            "datapackage.json",
        ],
    );
    assert!(ok, "descriptor against the official v2 profile: {out}");

    // A code the question does not have.
    let (_t, bad) = built();
    plant(&bad, 3, "cc_has", "7");
    let (ok, out) = frictionless(&bad);
    assert!(!ok && out.contains("constraint-error"), "{out}");

    // An answer to a question the routing skips: attends a centre that is not available.
    let (_t, bad) = built();
    let row = row_where("sc_attend", "-88", "audience", "hcp");
    plant(&bad, row, "sc_attend", "1");
    let (ok, out) = frictionless(&bad);
    assert!(!ok && out.contains("row-constraint"), "{out}");

    // A missing code that is not declared.
    let (_t, bad) = built();
    plant(&bad, 5, "region", "-77");
    let (ok, out) = frictionless(&bad);
    assert!(!ok, "{out}");
}

/// `codebook.ddi.xml` in `dir` against the official DDI-Codebook 2.5 schema (xmlschema).
pub(crate) fn ddi_valid(dir: &Path) -> (bool, String) {
    let xsd = crate::reference_schemas().join("ddi-codebook-2.5/codebook.xsd");
    run(
        dir,
        "xmlschema-validate",
        &["--schema", xsd.to_str().unwrap(), "codebook.ddi.xml"],
    )
}

#[test]
fn ddi_codebook_is_valid_against_the_official_schema() {
    let (_tmp, dir) = built();
    let (ok, out) = ddi_valid(&dir);
    assert!(ok && out.contains("is valid"), "{out}");
    let xml = std::fs::read_to_string(dir.join("codebook.ddi.xml")).unwrap();
    assert!(
        xml.contains(r#"type="multipleResp""#)
            && xml.contains(r#"missing="Y""#)
            && xml.contains("<qstnLit>")
            && xml.contains("<universe")
    );
}

/// Counts per code of one column, from the CSV: (valid counts by code, not applicable, missing).
fn counts(column: &str) -> (std::collections::BTreeMap<i64, usize>, usize, usize) {
    let mut valid = std::collections::BTreeMap::new();
    let (mut na, mut missing) = (0, 0);
    for r in rows() {
        match r[column].as_str() {
            "-88" => na += 1,
            "-99" => missing += 1,
            v => *valid.entry(v.parse().unwrap()).or_insert(0) += 1,
        }
    }
    (valid, na, missing)
}

#[test]
fn spss_syntax_runs_in_pspp_and_its_frequencies_match_the_data() {
    let (_tmp, dir) = built();
    let vars = [
        "cc_has",
        "cc_dedicated",
        "cc_role",
        "sc_available",
        "sc_attend",
        "sc_staff_1",
        "cp_has",
        "patient_age",
        "coord_combo",
    ];
    let mut sps = std::fs::read_to_string(dir.join("concord.sps")).unwrap();
    sps.push_str(&format!("FREQUENCIES VARIABLES={}.\n", vars.join(" ")));
    std::fs::write(dir.join("run.sps"), sps).unwrap();
    let (ok, out) = run(&dir, "pspp", &["run.sps", "-o", "freq.csv"]);
    assert!(ok, "{out}");
    let freq = std::fs::read_to_string(dir.join("freq.csv")).unwrap();
    assert!(!freq.to_lowercase().contains("error"), "{freq}");
    let model = crate::flagship();
    let cols = data::columns(&model);
    for var in vars {
        let label = &cols.iter().find(|c| c.name == var).unwrap().label;
        let table = freq
            .split(&format!("Table: {label}\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("no table for {var}"));
        let table = table.split("\n\n").next().unwrap();
        let (valid, na, missing) = counts(var);
        let mut seen_valid = 0;
        let (mut seen_na, mut seen_missing) = (0, 0);
        for line in table.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            if cells.len() < 3 || cells[0] == "Total" {
                continue;
            }
            let n: usize = cells[2].parse().unwrap_or(0);
            match cells[1] {
                "Not applicable" => seen_na = n,
                "Missing" => seen_missing = n,
                _ => seen_valid += n,
            }
        }
        assert_eq!(seen_valid, valid.values().sum::<usize>(), "{var}: valid\n{table}");
        assert_eq!(seen_na, na, "{var}: not applicable\n{table}");
        assert_eq!(seen_missing, missing, "{var}: missing\n{table}");
    }
}

#[test]
fn r_script_loads_labels_and_missing_values() {
    let (_tmp, dir) = built();
    let (valid, na, missing) = counts("sc_attend");
    let mut script = std::fs::read_to_string(dir.join("concord.R")).unwrap();
    script.push_str(&format!(
        "stopifnot(nrow(responses) == {RESPONDENTS})\nstopifnot(attr(responses$sc_attend, \"label\") == \"Attends a specialist centre\")\nstopifnot(sum(is.na(responses$sc_attend)) == {})\nstopifnot(sum(!is.na(responses$sc_attend)) == {})\nstopifnot(names(attr(responses$cc_has, \"labels\"))[3] == \"Unsure\")\ncat(\"ok\\n\")\n",
        na + missing,
        valid.values().sum::<usize>()
    ));
    std::fs::write(dir.join("run.R"), script).unwrap();
    let (ok, out) = run(&dir, "Rscript", &["run.R"]);
    assert!(ok && out.contains("ok"), "{out}");
}

#[test]
fn sql_ddl_loads_the_data_in_sqlite_and_duckdb() {
    let (_tmp, dir) = built();
    let (ok, out) = run(
        &dir,
        "sqlite3",
        &[
            "t.db",
            ".read concord.sql",
            ".import --csv --skip 1 responses.csv responses",
            "SELECT count(*) FROM responses;",
        ],
    );
    assert!(ok && out.trim().ends_with(&RESPONDENTS.to_string()), "{out}");
    plant(&dir, 2, "cc_has", "7");
    let (_, out) = run(
        &dir,
        "sqlite3",
        &[
            "t2.db",
            ".read concord.sql",
            ".import --csv --skip 1 responses.csv responses",
            "SELECT count(*) FROM responses;",
        ],
    );
    assert!(
        out.contains("CHECK constraint failed"),
        "a bad code must be refused: {out}"
    );

    let (_tmp, dir) = built();
    let py = "import duckdb\ncon = duckdb.connect()\ncon.execute(open('concord.sql').read())\ncon.execute(\"COPY responses FROM 'responses.csv' (HEADER)\")\nprint(con.execute('SELECT count(*) FROM responses').fetchone()[0])\n";
    let (ok, out) = run(&dir, "python3", &["-c", py]);
    assert!(ok && out.trim() == RESPONDENTS.to_string(), "{out}");
}

#[test]
fn json_schema_accepts_records_and_enforces_routing() {
    let (_tmp, dir) = built();
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("response.schema.json")).unwrap()).unwrap();
    let (ok, out) = run(
        &dir,
        "check-jsonschema",
        &["--check-metaschema", "response.schema.json"],
    );
    assert!(ok, "{out}");
    let validator = jsonschema::validator_for(&schema).unwrap();
    let model = crate::flagship();
    let cols = data::columns(&model);
    let record = |r: &std::collections::HashMap<String, String>| {
        let mut m = serde_json::Map::new();
        for c in &cols {
            let v = &r[&c.name];
            let j = if c.kind.is_numeric() {
                serde_json::from_str(v).unwrap()
            } else {
                serde_json::Value::String(v.clone())
            };
            m.insert(c.name.clone(), j);
        }
        serde_json::Value::Object(m)
    };
    for r in rows() {
        let rec = record(&r);
        let errors: Vec<String> = validator.iter_errors(&rec).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", r["respondent_id"]);
    }
    let all = rows();
    let row = &all[row_where("sc_attend", "-88", "audience", "hcp") - 1];
    let mut routed_past = record(row);
    routed_past["sc_attend"] = serde_json::json!(1);
    assert!(
        !validator.is_valid(&routed_past),
        "an answer the routing skips must be refused"
    );
    let mut bad_code = record(&all[0]);
    bad_code["cc_has"] = serde_json::json!(7);
    assert!(!validator.is_valid(&bad_code));
    let mut hcp_row = record(all.iter().find(|r| r["audience"] == "hcp").unwrap());
    hcp_row["sc_attend"] = serde_json::json!(2);
    assert!(
        !validator.is_valid(&hcp_row),
        "a question not asked of professionals must be not applicable for them"
    );
}

/// Stata cannot run here: its labels and missing codes must agree with the SPSS syntax.
#[test]
fn stata_labels_agree_with_spss() {
    let (_tmp, dir) = built();
    let dofile = std::fs::read_to_string(dir.join("concord.do")).unwrap();
    let sps = std::fs::read_to_string(dir.join("concord.sps")).unwrap();
    let model = crate::flagship();
    for c in data::columns(&model) {
        // Stata variable labels hold at most 80 characters.
        let stata_label: String = c.label.chars().take(80).collect();
        assert!(
            dofile.contains(&format!("label variable {} `\"{stata_label}\"'", c.name)),
            "{} label in .do",
            c.name
        );
        assert!(
            sps.contains(&format!("  {} '{}'", c.name, c.label.replace('\'', "''"))),
            "{} label in .sps",
            c.name
        );
        if c.kind.is_numeric() {
            assert!(dofile.contains(&format!("replace {0} = .a if {0} == -88", c.name)));
            assert!(sps.contains(&c.name));
        }
    }
    // Every value label of the .sps appears in the .do's label definitions.
    for line in sps
        .lines()
        .filter(|l| l.starts_with("    ") && l.trim_start().chars().next().is_some_and(|c| c.is_ascii_digit()))
    {
        let (code, label) = line.trim().split_once(' ').unwrap();
        let label = label.trim_matches('\'').replace("''", "'");
        assert!(
            dofile.contains(&format!(" {code} `\"{label}\"'")),
            "value {code} {label} in .do"
        );
    }
}

/// Spec text with quotes, newlines, `;`, `*`, `<`, `&`, `$`, backticks and Welsh comes out
/// valid in every format, as each format's own tool reads it.
#[test]
fn hostile_text_is_escaped_in_every_format() {
    let text = std::fs::read_to_string(crate::root().join("tests/data/hostile.quire.yaml")).unwrap();
    let compiled = quire::compile("hostile.quire.yaml", &text);
    assert!(
        !compiled.has_errors(),
        "{}",
        quire::backend::diagnostics::render_short(&compiled.diagnostics, &compiled.sources)
    );
    let model = compiled.model.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for quire::backend::Output { path, bytes } in quire::backend::codebook::render(&model)
        .unwrap()
        .into_iter()
        .chain(quire::backend::schema::render(&model).unwrap())
    {
        std::fs::write(dir.join(path), bytes).unwrap();
    }
    let cols = data::columns(&model);
    std::fs::write(
        dir.join("responses.csv"),
        data::to_csv(&model, &cols, &data::testing::synthetic(&model, 12, 7)),
    )
    .unwrap();

    let xsd = crate::reference_schemas().join("ddi-codebook-2.5/codebook.xsd");
    let (ok, out) = run(
        dir,
        "xmlschema-validate",
        &["--schema", xsd.to_str().unwrap(), "codebook.ddi.xml"],
    );
    assert!(ok, "DDI: {out}");
    let (ok, out) = frictionless(dir);
    assert!(ok, "Frictionless: {out}");
    let (ok, out) = run(dir, "pspp", &["hostile.sps"]);
    assert!(ok && !out.contains("error"), "PSPP: {out}");
    let mut r = std::fs::read_to_string(dir.join("hostile.R")).unwrap();
    r.push_str("stopifnot(grepl('semicolons', attr(responses$q_quote, 'label')))\nstopifnot(grepl('\\u00e9', names(attr(responses$q_quote, 'labels'))[3]))\ncat('ok\\n')\n");
    std::fs::write(dir.join("run.R"), r).unwrap();
    let (ok, out) = run(dir, "Rscript", &["run.R"]);
    assert!(ok && out.contains("ok"), "R: {out}");
    let (ok, out) = run(
        dir,
        "sqlite3",
        &[
            "t.db",
            ".read hostile.sql",
            ".import --csv --skip 1 responses.csv responses",
            "SELECT count(*) FROM responses;",
        ],
    );
    assert!(ok && out.trim().ends_with("12"), "SQLite: {out}");
    for json in [
        "codebook.json",
        "datapackage.json",
        "response.schema.json",
        "checklist.json",
    ] {
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(dir.join(json)).unwrap())
            .unwrap_or_else(|e| panic!("{json}: {e}"));
    }

    let html = std::fs::read_to_string(dir.join("codebook.html")).unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("<b>bold") && !html.contains("</textarea>"),
        "spec text must not become HTML markup"
    );
    assert!(html.contains("&lt;script&gt;") && html.contains("&lt;b&gt;bold"));
    let md = std::fs::read_to_string(dir.join("codebook.md")).unwrap();
    assert!(md.contains("\\<script\\>") && !md.contains("<b>bold"));
    let dofile = std::fs::read_to_string(dir.join("hostile.do")).unwrap();
    assert!(
        !dofile.contains("$HOME") && !dofile.contains("`whoami`"),
        "no Stata macro expansion"
    );
    let mut csv = csv::Reader::from_path(dir.join("codebook.csv")).unwrap();
    let labels: Vec<String> = csv.records().map(|r| r.unwrap()[9].to_string()).collect();
    assert!(
        labels.iter().any(|l| l == "'=HYPERLINK(\"x\")"),
        "formula cells are neutralised"
    );
}

/// Golden copies of the flagship's generated files that people read or run.
#[test]
fn flagship_outputs_are_stable() {
    let model = crate::flagship();
    for quire::backend::Output { path, bytes } in quire::backend::codebook::render(&model)
        .unwrap()
        .into_iter()
        .chain(quire::backend::schema::render(&model).unwrap())
    {
        if matches!(
            path.as_str(),
            "concord.do" | "concord.sps" | "concord.R" | "concord.sql" | "codebook.md" | "datapackage.json"
        ) {
            insta::assert_snapshot!(
                format!("concord_{}", path.replace('.', "_")),
                String::from_utf8(bytes).unwrap()
            );
        }
    }
}

/// The routing rules of the data contract, in every checker: 1,000 simulated records pass
/// Quire's own rules, the JSON Schema (an independent validator), SQLite's CHECKs and
/// Frictionless; a record with one planted violation each is refused by all of them, except
/// where docs/data.md says a format cannot tell the two missing codes apart (Frictionless reads
/// both as empty).
#[test]
fn every_checker_refuses_planted_routing_errors_and_accepts_simulated_records() {
    use std::collections::HashMap;
    let model = crate::flagship();
    let cols = data::columns(&model);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for quire::backend::Output { path, bytes } in quire::backend::schema::render(&model).unwrap() {
        std::fs::write(dir.join(path), bytes).unwrap();
    }
    let valid = data::testing::synthetic(&model, 1000, 1987);
    std::fs::write(dir.join("responses.csv"), data::to_csv(&model, &cols, &valid)).unwrap();
    let codes = model.survey.missing_codes;
    let as_map = |row: &[data::Cell]| -> HashMap<String, String> {
        cols.iter()
            .zip(row)
            .map(|(c, cell)| (c.name.clone(), cell.render(codes)))
            .collect()
    };
    let rows: Vec<HashMap<String, String>> = valid.iter().map(|r| as_map(r)).collect();
    let rules = data::rules::rules(&model, &cols);
    assert!(rules.unchecked.is_empty(), "{:?}", rules.unchecked);
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("response.schema.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let json = |r: &HashMap<String, String>| {
        serde_json::Value::Object(
            cols.iter()
                .map(|c| {
                    let v = &r[&c.name];
                    let j = if c.kind.is_numeric() {
                        serde_json::from_str(v).unwrap()
                    } else {
                        serde_json::Value::String(v.clone())
                    };
                    (c.name.clone(), j)
                })
                .collect(),
        )
    };
    for r in &rows {
        assert_eq!(rules.violations(&model, r), vec![], "{}", r["respondent_id"]);
        let errors: Vec<String> = validator.iter_errors(&json(r)).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", r["respondent_id"]);
    }
    let (ok, out) = run(
        dir,
        "sqlite3",
        &[
            "valid.db",
            ".read concord.sql",
            ".import --csv --skip 1 responses.csv responses",
            "SELECT count(*) FROM responses;",
        ],
    );
    assert!(ok && out.trim().ends_with("1000"), "{out}");
    let (ok, out) = frictionless(dir);
    assert!(ok, "{out}");

    // One violation per record: (what, column, new value, Frictionless can tell, from which row).
    let find = |what: &str, f: &dyn Fn(&HashMap<String, String>) -> bool| -> HashMap<String, String> {
        rows.iter()
            .find(|r| f(r))
            .unwrap_or_else(|| panic!("no simulated record for `{what}`"))
            .clone()
    };
    let patient = |r: &HashMap<String, String>| r["audience"] != "hcp" && r["eligible_group"] == "1";
    type Case<'a> = (&'a str, HashMap<String, String>, &'a str, &'a str, bool);
    let cases: Vec<Case> = vec![
        (
            "an answer where not applicable",
            find("diagnosed no", &|r| patient(r) && r["diagnosed"] == "2"),
            "genetic_test",
            "1",
            true,
        ),
        (
            "not applicable where asked",
            find("cc_has answered", &|r| r["cc_has"] == "1"),
            "cc_has",
            "-88",
            false,
        ),
        (
            "missing where not applicable",
            find("diagnosed no", &|r| patient(r) && r["diagnosed"] == "2"),
            "genetic_test",
            "-99",
            false,
        ),
        (
            "not applicable where eligibility is unknown",
            find("diagnosed blank", &|r| patient(r) && r["diagnosed"] == "-99"),
            "genetic_test",
            "-88",
            false,
        ),
        (
            "an answer after a screening rule ended the survey",
            find("screened out", &|r| r["consent"] == "2"),
            "region",
            "1",
            true,
        ),
        (
            "an answer from a group not asked",
            find("a professional", &|r| r["audience"] == "hcp" && r["cc_has"] != "-88"),
            "sc_attend",
            "1",
            true,
        ),
        (
            "an option not offered to the group",
            find("a patient who attends", &|r| {
                r["audience"] == "patient" && r["sc_staff_1"] != "-88"
            }),
            "sc_staff_11",
            "1",
            true,
        ),
        (
            "a code the question does not have",
            find("any", &|_| true),
            "cc_has",
            "7",
            true,
        ),
    ];
    let mut planted = Vec::new();
    for (i, (what, row, column, value, _)) in cases.iter().enumerate() {
        let mut r = row.clone();
        r.insert(column.to_string(), value.to_string());
        r.insert("respondent_id".into(), format!("PLANTED{i}"));
        if *what != "a code the question does not have" {
            assert!(!rules.violations(&model, &r).is_empty(), "Quire's rules accept {what}");
        }
        assert!(!validator.is_valid(&json(&r)), "the JSON Schema accepts {what}");
        planted.push(r);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(cols.iter().map(|c| c.name.as_str())).unwrap();
    for r in &planted {
        w.write_record(cols.iter().map(|c| r[&c.name].as_str())).unwrap();
    }
    std::fs::write(dir.join("responses.csv"), w.into_inner().unwrap()).unwrap();
    let (_, out) = run(
        dir,
        "sqlite3",
        &[
            "planted.db",
            ".read concord.sql",
            ".import --csv --skip 1 responses.csv responses",
            "SELECT 'stored:' || respondent_id FROM responses;",
        ],
    );
    assert!(!out.contains("stored:"), "SQLite stored a planted record: {out}");
    assert_eq!(out.matches("CHECK constraint failed").count(), cases.len(), "{out}");
    let checklist = std::fs::read_to_string(dir.join("checklist.json")).unwrap();
    let (ok, out) = run(
        dir,
        "frictionless",
        &[
            "validate",
            "--json",
            "datapackage.json",
            "--checklist",
            checklist.trim(),
        ],
    );
    assert!(!ok);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}"));
    let bad_rows: std::collections::BTreeSet<u64> = report["tasks"][0]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["rowNumber"].as_u64())
        .collect();
    for (i, (what, .., can)) in cases.iter().enumerate() {
        // Row 1 is the header.
        // Where it cannot tell -88 from -99 it may still see the error through another column.
        if *can {
            assert!(bad_rows.contains(&(i as u64 + 2)), "Frictionless accepts `{what}`");
        }
    }
}

/// Each audience keeps its own wording of a code in every analysis output: the HCP form's
/// "The patient or their carer" is code 2 of the "who manages" grid, "Me" for patients.
#[test]
fn per_audience_labels_reach_pspp_r_and_the_codebook() {
    let (_tmp, dir) = built();
    let mut sps = std::fs::read_to_string(dir.join("concord.sps")).unwrap();
    sps.push_str("DISPLAY ATTRIBUTES cc_pref_liaise.\n");
    std::fs::write(dir.join("attrs.sps"), sps).unwrap();
    let (ok, out) = run(&dir, "pspp", &["attrs.sps", "-o", "attrs.csv"]);
    assert!(ok, "{out}");
    let shown = std::fs::read_to_string(dir.join("attrs.csv")).unwrap();
    for label in [
        "patient: Me",
        "carer: Me (the parent or carer)",
        "hcp: The patient or their carer",
    ] {
        assert!(shown.contains(label), "PSPP does not show `{label}`:\n{shown}");
    }
    let mut script = std::fs::read_to_string(dir.join("concord.R")).unwrap();
    script.push_str(
        "l <- attr(responses$cc_pref_liaise, \"audience_labels\")[[\"2\"]]\nstopifnot(l[[\"hcp\"]] == \"The patient or their carer\", l[[\"patient\"]] == \"Me\")\nstopifnot(grepl(\"The patient or their carer\", names(attr(responses$cc_pref_liaise, \"labels\"))[2]))\ncat(\"ok\\n\")\n",
    );
    std::fs::write(dir.join("labels.R"), script).unwrap();
    let (ok, out) = run(&dir, "Rscript", &["labels.R"]);
    assert!(ok && out.contains("ok"), "{out}");
    let cb: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("codebook.json")).unwrap()).unwrap();
    let entry = cb["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["variables"].as_array().unwrap())
        .find(|v| v["name"] == "cc_pref_liaise")
        .unwrap();
    let code2 = &entry["columns"][0]["codes"][1];
    let labels: Vec<(String, String)> = code2["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["audiences"][0].as_str().unwrap().to_string(),
                w["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        labels.contains(&("hcp".into(), "The patient or their carer".into())),
        "{labels:?}"
    );
    assert!(labels.contains(&("patient".into(), "Me".into())), "{labels:?}");
    let dp = std::fs::read_to_string(dir.join("datapackage.json")).unwrap();
    assert!(
        dp.contains("The patient or their carer (hcp)"),
        "Frictionless field description"
    );
    let ddi = std::fs::read_to_string(dir.join("codebook.ddi.xml")).unwrap();
    assert!(
        ddi.contains("Healthcare professionals: The patient or their carer"),
        "DDI category text"
    );
}
