//! Rosters in the data and the codebook, checked by the analysts' own tools: the long layout's tables (one
//! per unit) simulated by Quire, then validated by Frictionless with its foreign keys,
//! loaded by SQLite and DuckDB through the generated SQL with its keys enforced, read by
//! PSPP and R through the generated scripts and merged by their keys, and counted in
//! Python against `quire tabulate`.

use std::path::{Path, PathBuf};

use crate::run;
use quire::data;

const SPEC: &str = "tests/rosters/household.yaml";

fn household() -> quire::model::Questionnaire {
    crate::roster_model(SPEC)
}

/// 120 simulated households, their tables and the analysis schemas in one folder.
fn built() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let model = household();
    let units = data::units::units(&model);
    let opts = data::simulate::Options {
        n: 120,
        seed: 30,
        ..Default::default()
    };
    for (u, lines) in units.iter().zip(data::simulate::tables(&model, &units, &opts)) {
        std::fs::write(
            dir.join(format!("{}.csv", u.name)),
            data::to_csv(&model, &u.columns, &lines),
        )
        .unwrap();
    }
    let outputs = quire::backend::target::build(
        &model,
        &[
            quire::backend::target::Target::Schema,
            quire::backend::target::Target::Codebook,
        ],
        &Default::default(),
    )
    .expect("the schemas carry rosters");
    for o in outputs {
        let path = dir.join(o.path.trim_start_matches("schema/").trim_start_matches("codebook/"));
        std::fs::write(path, o.bytes).unwrap();
    }
    (tmp, dir)
}

fn lines(dir: &Path, table: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(dir.join(format!("{table}.csv"))).unwrap();
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Appends a copy of a table's first line with its respondent id changed: a row whose
/// household is not in the data.
fn plant_orphan(dir: &Path, table: &str) {
    let path = dir.join(format!("{table}.csv"));
    let mut text = std::fs::read_to_string(&path).unwrap();
    let first = lines(dir, table).remove(0);
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut orphan = first.clone();
    orphan[0] = "R9999".into();
    w.write_record(&orphan).unwrap();
    text.push_str(&String::from_utf8(w.into_inner().unwrap()).unwrap());
    std::fs::write(path, text).unwrap();
}

#[test]
fn frictionless_validates_every_table_and_enforces_the_foreign_keys() {
    let (_tmp, dir) = built();
    let package: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("datapackage.json")).unwrap()).unwrap();
    let names: Vec<&str> = package["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["responses", "person", "birth", "condition", "day"]);
    let (ok, out) = run(&dir, "frictionless", &["validate", "datapackage.json"]);
    assert!(ok, "{out}");
    // A birth whose mother is not listed, and a person of no household.
    let birth = dir.join("birth.csv");
    let text = std::fs::read_to_string(&birth).unwrap();
    let first = lines(&dir, "birth").remove(0);
    std::fs::write(&birth, format!("{text}{},29,1,{}\r\n", first[0], first[3])).unwrap();
    let (ok, out) = run(&dir, "frictionless", &["validate", "datapackage.json", "--json"]);
    assert!(!ok && out.contains("foreign-key"), "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let bad: Vec<(String, String)> = report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| !t["valid"].as_bool().unwrap())
        .flat_map(|t| {
            t["errors"].as_array().unwrap().iter().map(move |e| {
                (
                    t["name"].as_str().unwrap_or_default().to_string(),
                    e["type"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect();
    assert_eq!(bad, [("birth".to_string(), "foreign-key".to_string())], "{out}");
}

#[test]
fn sqlite_and_duckdb_load_the_tables_with_their_keys() {
    let (_tmp, dir) = built();
    let counts: Vec<usize> = ["responses", "person", "birth"]
        .iter()
        .map(|t| lines(&dir, t).len())
        .collect();
    let load = |db: &str| {
        run(
            &dir,
            "sqlite3",
            &[
                db,
                "PRAGMA foreign_keys = ON;",
                ".read household.sql",
                ".import --csv --skip 1 responses.csv responses",
                ".import --csv --skip 1 person.csv person",
                ".import --csv --skip 1 birth.csv birth",
                ".import --csv --skip 1 condition.csv condition",
                ".import --csv --skip 1 day.csv day",
                "PRAGMA foreign_key_check;",
                "SELECT count(*) FROM responses; SELECT count(*) FROM person; SELECT count(*) FROM birth;",
                // Persons merged with their households, births with their mothers.
                "SELECT count(*) FROM person p JOIN responses r USING (respondent_id);",
                "SELECT count(*) FROM birth b JOIN person p USING (respondent_id, person);",
            ],
        )
    };
    let (ok, out) = load("t.db");
    let want = format!(
        "{}\n{}\n{}\n{}\n{}",
        counts[0], counts[1], counts[2], counts[1], counts[2]
    );
    assert!(ok && out.trim() == want, "{out}\nwanted\n{want}");
    // A person of no household is refused by the foreign key.
    plant_orphan(&dir, "person");
    let (_, out) = load("t2.db");
    assert!(out.contains("FOREIGN KEY constraint failed"), "{out}");

    // A row's own routing is a constraint of its table: births for a man are refused.
    let sql = std::fs::read_to_string(dir.join("household.sql")).unwrap();
    assert!(sql.contains("CONSTRAINT route_births_total_"), "{sql}");
    let person = dir.join("person.csv");
    let mut table = lines(&dir, "person");
    table.retain(|l| l[0] != "R9999");
    let man = table.iter().position(|l| l[4] == "1").expect("a man");
    table[man][6] = "2".into();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record([
        "respondent_id",
        "person",
        "name",
        "relation",
        "sex",
        "age",
        "births_total",
    ])
    .unwrap();
    for l in &table {
        w.write_record(l).unwrap();
    }
    std::fs::write(&person, w.into_inner().unwrap()).unwrap();
    let (_, out) = load("t3.db");
    assert!(out.contains("CHECK constraint failed: route_births_total"), "{out}");

    let (_tmp, dir) = built();
    let py = "import duckdb\ncon = duckdb.connect()\ncon.execute(open('household.sql').read())\nfor t in ['responses', 'person', 'birth', 'condition', 'day']:\n    con.execute(f\"COPY {t} FROM '{t}.csv' (HEADER)\")\nprint(con.execute('SELECT count(*) FROM birth b JOIN person p USING (respondent_id, person) JOIN responses r USING (respondent_id)').fetchone()[0])\n";
    let (ok, out) = run(&dir, "python3", &["-c", py]);
    assert!(ok && out.trim() == counts[2].to_string(), "{out}");
}

#[test]
fn r_and_pspp_read_each_table_and_merge_them_by_their_keys() {
    let (_tmp, dir) = built();
    let (persons, births) = (lines(&dir, "person").len(), lines(&dir, "birth").len());
    let women = lines(&dir, "person").iter().filter(|l| l[4] == "2").count();
    let model = household();
    let age_label = model
        .variables
        .iter()
        .find(|v| v.name == "age")
        .unwrap()
        .label
        .replace('\'', "\\'");
    let script = format!(
        "source('household.R')\nsource('household_person.R')\nsource('household_birth.R')\n\
         m <- merge(person, responses, by = 'respondent_id')\nstopifnot(nrow(m) == {persons})\n\
         b <- merge(birth, person, by = c('respondent_id', 'person'))\nstopifnot(nrow(b) == {births})\n\
         stopifnot(sum(haven::as_factor(person$sex) == 'Female', na.rm = TRUE) == {women})\n\
         stopifnot(attr(person$age, 'label') == '{age_label}')\ncat('ok\\n')\n"
    );
    std::fs::write(dir.join("run.R"), script).unwrap();
    let (ok, out) = run(&dir, "Rscript", &["run.R"]);
    assert!(ok && out.contains("ok"), "{out}");

    // PSPP: each table read by its syntax, births matched to their mothers by the key.
    let sps = |table: &str| std::fs::read_to_string(dir.join(format!("{table}.sps"))).unwrap();
    let run_sps = format!(
        "{}\nSORT CASES BY respondent_id person.\nSAVE OUTFILE='person.sav'.\n{}\nSORT CASES BY respondent_id person.\n\
         MATCH FILES /FILE=* /TABLE='person.sav' /BY respondent_id person.\nCOMPUTE mother_female = (sex = 2).\n\
         FREQUENCIES VARIABLES=mother_female.\n",
        sps("household_person"),
        sps("household_birth")
    );
    std::fs::write(dir.join("run.sps"), run_sps).unwrap();
    let (ok, out) = run(&dir, "pspp", &["run.sps", "-o", "freq.csv"]);
    let freq = std::fs::read_to_string(dir.join("freq.csv")).unwrap_or_default();
    assert!(ok && !out.contains("error"), "{out}");
    // Every birth is to a woman: all of them match a mother recorded female.
    assert!(
        freq.lines()
            .any(|l| l.starts_with("Valid,1.00,") && l.contains(&format!(",{births},"))),
        "{freq}"
    );
}

#[test]
fn the_data_commands_write_check_and_tabulate_the_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("households");
    let quire = env!("CARGO_BIN_EXE_quire");
    let spec = crate::root().join(SPEC);
    let (ok, out) = run(
        tmp.path(),
        quire,
        &[
            "simulate",
            spec.to_str().unwrap(),
            "-n",
            "150",
            "-o",
            dir.to_str().unwrap(),
        ],
    );
    assert!(ok && out.contains("wrote 5 tables"), "{out}");
    let (ok, out) = run(
        tmp.path(),
        quire,
        &["check-data", spec.to_str().unwrap(), dir.to_str().unwrap()],
    );
    assert!(ok && out.contains("150 rows, no problems"), "{out}");
    // A file in place of the folder says what is wanted.
    let (ok, out) = run(
        tmp.path(),
        quire,
        &[
            "check-data",
            spec.to_str().unwrap(),
            dir.join("person.csv").to_str().unwrap(),
        ],
    );
    assert!(
        !ok && out.contains("one table per unit") && out.contains("person.csv"),
        "{out}"
    );
    // A person more than the household's size, found in its table at its key.
    let person = dir.join("person.csv");
    let first = lines(&dir, "person").remove(0);
    let same_household: Vec<Vec<String>> = lines(&dir, "person").into_iter().filter(|l| l[0] == first[0]).collect();
    let mut extra = first.clone();
    extra[1] = (same_household.len() + 1).to_string();
    let text = std::fs::read_to_string(&person).unwrap();
    std::fs::write(&person, format!("{text}{}\r\n", extra.join(","))).unwrap();
    let (ok, out) = run(
        tmp.path(),
        quire,
        &["check-data", spec.to_str().unwrap(), dir.to_str().unwrap()],
    );
    assert!(!ok && out.contains("1 problem in 1 row"), "{out}");
    assert!(
        out.contains("person.csv: row") && out.contains("row the routing does not give"),
        "{out}"
    );
    std::fs::write(&person, text).unwrap();

    // One row per respondent: every person's and birth's cells side by side, counted in
    // Python against the tables; rows a household does not have are -88.
    let wide = tmp.path().join("wide.csv");
    let (ok, out) = run(
        tmp.path(),
        quire,
        &[
            "widen",
            spec.to_str().unwrap(),
            dir.to_str().unwrap(),
            "-o",
            wide.to_str().unwrap(),
        ],
    );
    assert!(ok, "{out}");
    let py = format!(
        "import csv\n\
         wide = {{r['respondent_id']: r for r in csv.DictReader(open('{w}'))}}\n\
         people = list(csv.DictReader(open('{d}/person.csv')))\n\
         births = list(csv.DictReader(open('{d}/birth.csv')))\n\
         assert len(wide) == 150\n\
         for p in people:\n    assert wide[p['respondent_id']][f\"person_{{p['person']}}_age\"] == p['age']\n\
         for b in births:\n    assert wide[b['respondent_id']][f\"person_{{b['person']}}_birth_{{b['birth']}}_birth_year\"] == b['birth_year']\n\
         have = {{(p['respondent_id'], p['person']) for p in people}}\n\
         absent = [(i, n) for i in wide for n in range(1, 31) if (i, str(n)) not in have]\n\
         assert all(wide[i][f'person_{{n}}_age'] == '-88' for i, n in absent)\n\
         print(len(people), len(births), len(absent))\n",
        w = wide.display(),
        d = dir.display()
    );
    let (ok, out) = run(tmp.path(), "python3", &["-c", &py]);
    assert!(ok, "{out}");

    // Tabulated person-level counts against a count in Python.
    let (ok, tables) = run(
        tmp.path(),
        quire,
        &[
            "tabulate",
            spec.to_str().unwrap(),
            dir.to_str().unwrap(),
            "--format",
            "csv",
        ],
    );
    assert!(ok, "{tables}");
    std::fs::write(tmp.path().join("tables.csv"), &tables).unwrap();
    let py = format!(
        "import csv, collections\n\
         people = list(csv.DictReader(open('{d}/person.csv')))\n\
         counted = collections.Counter(p['relation'] for p in people)\n\
         households = len({{p['respondent_id'] for p in people}})\n\
         tab = {{(r['variable'], r['code']): int(r['number']) for r in csv.DictReader(open('tables.csv')) if r['unit'] == 'person' and r['row'] == 'option'}}\n\
         for code in ['1', '2', '3', '4']:\n    assert tab[('relation', code)] == counted[code], (code, tab[('relation', code)], counted[code])\n\
         print(len(people), households)\n",
        d = dir.display()
    );
    let (ok, out) = run(tmp.path(), "python3", &["-c", &py]);
    assert!(ok, "{out}");
    let md = run(
        tmp.path(),
        quire,
        &["tabulate", spec.to_str().unwrap(), dir.to_str().unwrap()],
    )
    .1;
    let (people, households) = out.trim().split_once(' ').unwrap();
    assert!(
        md.contains(&format!(
            "Counts rows of person (Respondents: {people} rows from {households} respondents)"
        )),
        "{md}"
    );
}

#[test]
fn the_codebook_gives_each_variable_its_table_and_ddi_a_file_per_table() {
    let (_tmp, dir) = built();
    let (ok, out) = crate::analysis::ddi_valid(&dir);
    assert!(ok && out.contains("is valid"), "{out}");
    // Read by an XML parser: every file described, every variable in the file of its unit.
    let py = r#"
import xml.etree.ElementTree as ET
ns = {'d': 'ddi:codebook:2_5'}
root = ET.parse('codebook.ddi.xml').getroot()
files = {f.get('ID'): f.find('d:fileTxt/d:fileName', ns).text for f in root.findall('d:fileDscr', ns)}
assert list(files.values()) == ['responses.csv', 'person.csv', 'birth.csv', 'condition.csv', 'day.csv'], files
where = {}
for v in root.findall('d:dataDscr/d:var', ns):
    where.setdefault(files[v.get('files')], []).append(v.get('name'))
assert 'age' in where['person.csv'] and 'age' not in where['responses.csv'], where
assert where['birth.csv'][:3] == ['respondent_id', 'person', 'birth'], where['birth.csv']
assert 'birth_year' in where['birth.csv'] and 'hh_size' in where['responses.csv']
ids = [v.get('ID') for v in root.findall('d:dataDscr/d:var', ns)]
assert len(ids) == len(set(ids))
print('ok')
"#;
    let (ok, out) = run(&dir, "python3", &["-c", py]);
    assert!(ok && out.contains("ok"), "{out}");
    let md = std::fs::read_to_string(dir.join("codebook.md")).unwrap();
    assert!(
        md.contains("| `person.csv` | `respondent_id`, `person` | One row per row of the roster person: per response, as many as hh\\_size gives (at most 30)")
            && md.contains("- **Unit:** each row of `birth` (in `birth.csv`)"),
        "{md}"
    );
    let csv = std::fs::read_to_string(dir.join("codebook.csv")).unwrap();
    assert!(
        csv.starts_with("variable,table,column,") && csv.contains("\r\nage,person,age,"),
        "{}",
        &csv[..300]
    );
}

#[test]
fn nested_json_records_keep_the_json_schema_with_each_row_routed() {
    let (_tmp, dir) = built();
    let (ok, out) = run(
        &dir,
        "check-jsonschema",
        &["--check-metaschema", "response.schema.json"],
    );
    assert!(ok, "{out}");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("response.schema.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let model = household();
    let units = data::units::units(&model);
    let opts = data::simulate::Options {
        n: 80,
        seed: 31,
        ..Default::default()
    };
    let json = data::units::to_json_nested(&model, &units, &data::simulate::tables(&model, &units, &opts));
    let mut records: Vec<serde_json::Value> = json.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for r in &records {
        let errors: Vec<String> = validator.iter_errors(r).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", r["respondent_id"]);
    }
    // Births recorded for a man: the row's own routing refuses them.
    let (i, p) = records
        .iter()
        .enumerate()
        .find_map(|(i, r)| {
            r["person"]
                .as_array()?
                .iter()
                .position(|p| p["sex"] == 1)
                .map(|p| (i, p))
        })
        .expect("a man");
    records[i]["person"][p]["births_total"] = serde_json::json!(2);
    assert!(!validator.is_valid(&records[i]));
    // Rows past the roster's most are refused too.
    let mut long = records[0].clone();
    long["person"] = serde_json::Value::Array(vec![serde_json::json!({}); 31]);
    assert!(!validator.is_valid(&long));
}

/// `quire build` builds a spec with rosters for the targets that carry them (paper, PDF,
/// codebook, schemas, IR); a build of every target, and `quire check`, stop at
/// `roster-not-built`, writing nothing.
#[test]
fn the_targets_that_carry_rosters_build_them_from_the_command() {
    let tmp = tempfile::tempdir().unwrap();
    let quire = env!("CARGO_BIN_EXE_quire");
    // A copy: a build records the spec's version in a lock file beside it.
    let spec = tmp.path().join("household.yaml");
    std::fs::copy(crate::root().join(SPEC), &spec).unwrap();
    let out = tmp.path().join("out");
    let (ok, said) = run(
        tmp.path(),
        quire,
        &[
            "build",
            spec.to_str().unwrap(),
            "--target",
            "paper,codebook,schema,ir",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(ok, "{said}");
    let script = std::fs::read_to_string(out.join("paper/respondent-interviewer.typ")).unwrap();
    assert!(script.contains("FOR EACH PERSON COUNTED AT Q1"));
    assert!(out.join("codebook/codebook.csv").exists() && out.join("schema/household_person.R").exists());
    let all = tmp.path().join("all");
    let (ok, said) = run(
        tmp.path(),
        quire,
        &["build", spec.to_str().unwrap(), "-o", all.to_str().unwrap()],
    );
    assert!(
        !ok && said.contains("roster-not-built") && said.contains("--target paper,pdf"),
        "{said}"
    );
    assert!(!all.exists(), "a refused build writes nothing");
    let (ok, said) = run(tmp.path(), quire, &["check", spec.to_str().unwrap()]);
    assert!(!ok && said.contains("roster-not-built"), "{said}");
}
