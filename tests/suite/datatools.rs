//! The data tools: `simulate`, `check-data` and `tabulate`, proven against the seed's
//! published Tables 4 and 5, planted errors, and PSPP, R and Frictionless.

use std::collections::BTreeMap;

use quire::backend::{data_check, tables};
use quire::data::records;
use quire::data::tabulate::{self, Line, Tables};
use quire::data::verify::{self, Class};
use quire::data::{self, simulate};
use quire::eval::{AnswerMap, Value};

use crate::{flagship, run};

/// One audience's respondents, built to the published counts.
struct Cohort {
    people: Vec<AnswerMap>,
}

impl Cohort {
    fn new(audience: &str, n: usize) -> Self {
        let mut people = Vec::new();
        for _ in 0..n {
            let mut a = AnswerMap::new(audience);
            for q in ["consent", "adult", "uk", "eligible_group"] {
                a.set(q, Value::Text("yes".into()));
            }
            people.push(a);
        }
        Cohort { people }
    }
    /// Gives the people at `who`, in order, the values with their counts; the rest of `who` none.
    fn assign(&mut self, who: &[usize], var: &str, counts: &[(&str, usize)]) {
        let mut k = 0;
        for (value, n) in counts {
            for &p in &who[k..k + n] {
                self.people[p].set(var, Value::Text(value.to_string()));
            }
            k += n;
        }
        assert!(k <= who.len(), "{var}: more answers than people");
    }
    /// A multiple choice: option j ticked by `count_j` of `who`, in runs that cover everyone.
    fn tick(&mut self, who: &[usize], var: &str, counts: &[(&str, usize)]) {
        let m = who.len();
        let mut picked: Vec<Vec<String>> = vec![Vec::new(); m];
        let mut start = 0;
        for (value, n) in counts {
            for i in 0..*n {
                picked[(start + i) % m].push(value.to_string());
            }
            start = (start + n) % m;
        }
        for (i, &p) in who.iter().enumerate() {
            assert!(!picked[i].is_empty(), "{var}: someone ticked nothing");
            self.people[p].set(var, Value::Selection(picked[i].clone()));
        }
    }
    fn with(&self, var: &str, value: &str) -> Vec<usize> {
        (0..self.people.len())
            .filter(|p| self.people[*p].values.get(var) == Some(&Value::Text(value.into())))
            .collect()
    }
}

/// The elements (care coordinator, care plan, specialist centre) of Table 4's combinations.
const COMBOS: [(&str, [bool; 3]); 8] = [
    ("none", [false, false, false]),
    ("sc_only", [false, false, true]),
    ("cc_sc", [true, false, true]),
    ("cc_only", [true, false, false]),
    ("cp_sc", [false, true, true]),
    ("cp_only", [false, true, false]),
    ("all", [true, true, true]),
    ("cc_cp", [true, true, false]),
];

struct Published {
    audience: &'static str,
    n: usize,
    /// Table 4, in COMBOS order.
    combos: [usize; 8],
    /// Among those in Table 4 without each element: how many said No (the rest Unsure),
    /// for cc, cp, sc.
    no_in_table4: [usize; 3],
    /// Outside Table 4 (specialist-centre question skipped): cc yes/no/unsure/skipped,
    /// cp yes/no/unsure (the rest skipped).
    cc_outside: [usize; 4],
    cp_outside: [usize; 3],
    dedicated: [usize; 3],
    roles: &'static [(&'static str, usize)],
    items: &'static [(&'static str, usize)],
    attend: [usize; 3],
    staff: &'static [(&'static str, usize)],
    responsible: &'static [(&'static str, usize)],
    involved: [usize; 3],
}

const PATIENTS: Published = Published {
    audience: "patient",
    n: 760,
    combos: [326, 169, 30, 24, 22, 17, 14, 2],
    no_in_table4: [470, 474, 250],
    cc_outside: [22, 100, 12, 22],
    cp_outside: [4, 4, 1],
    dedicated: [33, 51, 7],
    roles: &[
        ("hospital_doctor", 25),
        ("gp", 14),
        ("specialist_nurse", 7),
        ("other", 3),
        ("community_nurse", 2),
    ],
    items: &[
        ("liaise_hcps", 69),
        ("scheduling", 56),
        ("emergency_contact", 35),
        ("update_plan", 32),
        ("records", 25),
        ("mdt_clinics", 21),
        ("advocacy", 16),
        ("out_of_hours", 16),
        ("transitions", 13),
        ("liaise_non_health", 11),
        ("respite", 1),
    ],
    attend: [196, 35, 4],
    staff: &[
        ("rare_expert", 166),
        ("specialist_nurse", 123),
        ("aspect_expert", 111),
        ("physiotherapist", 32),
        ("psychologist", 30),
        ("dietician", 22),
        ("genetic_counsellor", 9),
        ("occupational_therapist", 8),
        ("care_coordinator", 7),
        ("behavioural_therapist", 1),
        ("other", 30),
    ],
    responsible: &[
        ("patient", 15),
        ("hospital_doctor", 15),
        ("shared", 8),
        ("no_one", 5),
        ("specialist_nurse", 4),
        ("coordinator", 2),
        ("gp", 2),
        ("genetic_counsellor", 1),
        ("other", 4),
    ],
    involved: [36, 14, 6],
};

const CARERS: Published = Published {
    audience: "carer",
    n: 446,
    combos: [115, 66, 5, 9, 42, 80, 17, 14],
    no_in_table4: [268, 160, 168],
    cc_outside: [17, 57, 8, 16],
    cp_outside: [6, 5, 2],
    dedicated: [19, 38, 5],
    roles: &[
        ("hospital_doctor", 9),
        ("gp", 5),
        ("specialist_nurse", 9),
        ("other", 5),
        ("community_nurse", 3),
        ("community_paediatrician", 3),
        ("palliative", 2),
        ("charity_rep", 1),
        ("physiotherapist", 1),
    ],
    items: &[
        ("liaise_hcps", 45),
        ("scheduling", 23),
        ("emergency_contact", 21),
        ("update_plan", 23),
        ("records", 8),
        ("mdt_clinics", 18),
        ("advocacy", 19),
        ("out_of_hours", 3),
        ("transitions", 17),
        ("liaise_non_health", 26),
        ("respite", 7),
    ],
    attend: [114, 14, 2],
    staff: &[
        ("rare_expert", 86),
        ("specialist_nurse", 74),
        ("aspect_expert", 72),
        ("physiotherapist", 35),
        ("psychologist", 29),
        ("dietician", 36),
        ("genetic_counsellor", 17),
        ("occupational_therapist", 17),
        ("care_coordinator", 10),
        ("behavioural_therapist", 3),
        ("community_paediatrician", 8),
        ("speech_therapist", 19),
        ("other", 13),
    ],
    responsible: &[
        ("patient", 1),
        ("hospital_doctor", 5),
        ("shared", 19),
        ("no_one", 9),
        ("specialist_nurse", 8),
        ("coordinator", 2),
        ("carer", 59),
        ("community_nurse", 5),
        ("community_paediatrician", 2),
        ("other", 49),
    ],
    involved: [135, 19, 5],
};

fn cohort(p: &Published) -> Vec<AnswerMap> {
    let mut c = Cohort::new(p.audience, p.n);
    let in_t4: usize = p.combos.iter().sum();
    // Table 4's respondents first, combination by combination.
    let mut has = [Vec::new(), Vec::new(), Vec::new()];
    let mut lacks = [Vec::new(), Vec::new(), Vec::new()];
    let mut at = 0;
    for ((_, elements), n) in COMBOS.iter().zip(p.combos) {
        for person in at..at + n {
            for e in 0..3 {
                if elements[e] {
                    has[e].push(person)
                } else {
                    lacks[e].push(person)
                }
            }
        }
        at += n;
    }
    for (e, var) in ["cc_has", "cp_has", "sc_available"].iter().enumerate() {
        c.assign(&has[e], var, &[("yes", has[e].len())]);
        let no = p.no_in_table4[e];
        c.assign(&lacks[e], var, &[("no", no), ("unsure", lacks[e].len() - no)]);
    }
    // The rest skipped the specialist-centre question; the care-coordinator question before
    // it they mostly answered, the care-plan question after it mostly not.
    let outside: Vec<usize> = (in_t4..p.n).collect();
    let [y, n, u, _skipped] = p.cc_outside;
    c.assign(&outside, "cc_has", &[("yes", y), ("no", n), ("unsure", u)]);
    let [y, n, u] = p.cp_outside;
    c.assign(&outside, "cp_has", &[("yes", y), ("no", n), ("unsure", u)]);
    // Follow-ups.
    let cc_yes = c.with("cc_has", "yes");
    let [y, n, u] = p.dedicated;
    c.assign(&cc_yes, "cc_dedicated", &[("yes", y), ("no", n), ("unsure", u)]);
    let not_dedicated = c.with("cc_dedicated", "no");
    c.assign(&not_dedicated, "cc_role", p.roles);
    for who in c.with("cc_role", "other") {
        c.people[who].set("cc_role_other", Value::Text("Hospital pharmacist".into()));
    }
    c.tick(&cc_yes, "cc_items", p.items);
    let sc_yes = c.with("sc_available", "yes");
    let [y, n, u] = p.attend;
    c.assign(&sc_yes, "sc_attend", &[("yes", y), ("no", n), ("unsure", u)]);
    let attends = c.with("sc_attend", "yes");
    c.tick(&attends, "sc_staff", p.staff);
    for who in &attends {
        c.people[*who].set("sc_staff_other", Value::Text("Hospital pharmacist".into()));
    }
    let cp_yes = c.with("cp_has", "yes");
    c.assign(&cp_yes, "cp_responsible", p.responsible);
    for who in c.with("cp_responsible", "other") {
        c.people[who].set("cp_responsible_other", Value::Text("Social worker".into()));
    }
    let [y, n, u] = p.involved;
    c.assign(&cp_yes, "cp_involved", &[("yes", y), ("no", n), ("unsure", u)]);
    c.people
}

/// A data file whose counts follow the seed's Tables 4 and 5 for patients and carers.
fn published_data(model: &quire::model::Questionnaire) -> String {
    let cols = data::columns(model);
    let mut rows = Vec::new();
    for p in [&PATIENTS, &CARERS] {
        for (i, raw) in cohort(p).into_iter().enumerate() {
            let route = model.route(p.audience, &raw);
            assert!(route.ended_by.is_none());
            let id = format!("{}-{:04}", p.audience, i + 1);
            rows.push(data::encode(model, &cols, &id, p.audience, &route, &raw));
        }
    }
    data::to_csv(model, &cols, &rows)
}

/// (label, number, percent) of a block's lines for one group.
fn lines<'t>(t: &'t Tables, variable: &str, audience: &str) -> &'t [Line] {
    let g = t.groups.iter().position(|g| g.id == audience).unwrap();
    let b = t.blocks.iter().find(|b| b.variable == variable).unwrap();
    b.cells[g].as_deref().unwrap()
}

/// Asserts a block: `expect` lists (row label, number, percent) in order, then Total,
/// Not applicable and Missing as the published table gives them.
fn assert_block(t: &Tables, variable: &str, audience: &str, expect: &[(&str, u64, Option<i64>)]) {
    let got: Vec<(String, u64, Option<i64>)> = lines(t, variable, audience)
        .iter()
        .map(|l| (l.label.clone(), l.number as u64, l.percent))
        .collect();
    for e in expect {
        assert!(
            got.iter().any(|g| g.0 == e.0 && g.1 == e.1 && g.2 == e.2),
            "{audience} {variable}: no line {e:?} in\n{got:#?}"
        );
    }
}

/// `tests/data/concord-published.csv` is that file (QUIRE_BLESS=1 rewrites it): analysts can
/// try `quire tabulate` on the study's own numbers.
#[test]
fn published_responses_are_committed() {
    let path = crate::root().join("tests/data/concord-published.csv");
    let made = published_data(&flagship());
    if std::env::var_os("QUIRE_BLESS").is_some() {
        std::fs::write(&path, &made).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == made,
        "tests/data/concord-published.csv is stale; rerun with QUIRE_BLESS=1 and review the diff"
    );
}

#[test]
fn tabulate_reproduces_the_published_tables_4_and_5() {
    let model = flagship();
    let csv = published_data(&model);
    let table = records::read_csv(&csv).unwrap();
    // The file is a valid data-contract file: check-data finds nothing.
    let report = verify::check(&model, &table, &verify::Options::default());
    assert!(report.is_clean(), "{}", data_check::human(&report, "published", 10));
    let t = tabulate::tabulate(&model, &table, &tabulate::Options::default());
    let p = "patient";
    // Care coordinators.
    assert_block(
        &t,
        "cc_has",
        p,
        &[
            ("Yes", 92, Some(12)),
            ("No", 570, Some(77)),
            ("Unsure", 76, Some(10)),
            ("Total", 738, Some(100)),
            ("Missing", 22, None),
        ],
    );
    // The filter-missing convention: 22 who skipped the filter are missing, not "not applicable".
    assert_block(
        &t,
        "cc_dedicated",
        p,
        &[
            ("Yes", 33, Some(36)),
            ("No", 51, Some(56)),
            ("Unsure", 7, Some(8)),
            ("Total", 91, Some(100)),
            ("Not applicable", 646, None),
            ("Missing", 23, None),
        ],
    );
    assert_block(
        &t,
        "cc_role",
        p,
        &[
            ("Hospital doctor", 25, Some(49)),
            ("GP", 14, Some(27)),
            ("Specialist nurse", 7, Some(14)),
            ("Other (please specify)", 3, Some(6)),
            ("Practice or community nurse", 2, Some(4)),
            ("Community paediatrician", 0, Some(0)),
            ("Total", 51, Some(100)),
            ("Not applicable", 686, None),
            ("Missing", 23, None),
        ],
    );
    // Scheduling: the paper prints 64%; 56 of 92 is 61% (noted in the flagship's provenance).
    assert_block(
        &t,
        "cc_items",
        p,
        &[
            ("Liaising between healthcare professionals", 69, Some(75)),
            ("Scheduling appointments", 56, Some(61)),
            ("Contact for emergency or acute episodes", 35, Some(38)),
            ("Updating care plan", 32, Some(35)),
            ("Arranging respite care", 1, Some(1)),
            ("Total", 92, None),
        ],
    );
    // Specialist centres.
    assert_block(
        &t,
        "sc_available",
        p,
        &[
            ("Yes", 235, Some(39)),
            ("No", 250, Some(41)),
            ("Unsure", 119, Some(20)),
            ("Total", 604, Some(100)),
            ("Missing", 156, None),
        ],
    );
    assert_block(
        &t,
        "sc_attend",
        p,
        &[
            ("Yes", 196, Some(83)),
            ("No", 35, Some(15)),
            ("Unsure", 4, Some(2)),
            ("Total", 235, Some(100)),
            ("Not applicable", 369, None),
            ("Missing", 156, None),
        ],
    );
    assert_block(
        &t,
        "sc_staff",
        p,
        &[
            (
                "Doctors who are expert in rare or undiagnosed conditions",
                166,
                Some(85),
            ),
            ("Specialist nurse", 123, Some(63)),
            ("Behavioural therapist", 1, Some(1)),
            ("Other (please specify)", 30, Some(15)),
            ("Total", 196, None),
        ],
    );
    assert!(
        !lines(&t, "sc_staff", p)
            .iter()
            .any(|l| l.label == "Community paediatrician"),
        "patients are not offered it"
    );
    // Care plans.
    assert_block(
        &t,
        "cp_has",
        p,
        &[
            ("Yes", 59, Some(10)),
            ("No", 478, Some(78)),
            ("Unsure", 76, Some(12)),
            ("Total", 613, Some(100)),
            ("Missing", 147, None),
        ],
    );
    assert_block(
        &t,
        "cp_responsible",
        p,
        &[
            ("The patient", 15, Some(27)),
            ("Hospital doctor", 15, Some(27)),
            ("Shared responsibility between professionals", 8, Some(14)),
            ("Genetic counsellor", 1, Some(2)),
            ("Total", 56, Some(100)),
            ("Not applicable", 554, None),
            ("Missing", 150, None),
        ],
    );
    assert_block(
        &t,
        "cp_involved",
        p,
        &[
            ("Yes", 36, Some(64)),
            ("No", 14, Some(25)),
            ("Unsure", 6, Some(11)),
            ("Total", 56, Some(100)),
            ("Not applicable", 554, None),
            ("Missing", 150, None),
        ],
    );
    // Table 4, by the rule its numbers show.
    assert_block(
        &t,
        "coord_combo",
        p,
        &[
            ("None of the elements", 326, Some(54)),
            ("Specialist centre only", 169, Some(28)),
            ("Care coordinator + specialist centre", 30, Some(5)),
            ("Care coordinator only", 24, Some(4)),
            ("Care plan + specialist centre", 22, Some(4)),
            ("Care plan only", 17, Some(3)),
            ("All of the elements", 14, Some(2)),
            ("Care coordinator + care plan", 2, Some(0)),
            ("Total", 604, Some(100)),
            ("Missing", 156, None),
        ],
    );

    let c = "carer";
    assert_block(
        &t,
        "cc_has",
        c,
        &[
            ("Yes", 62, Some(14)),
            ("No", 325, Some(76)),
            ("Unsure", 43, Some(10)),
            ("Total", 430, Some(100)),
            ("Missing", 16, None),
        ],
    );
    assert_block(
        &t,
        "cc_dedicated",
        c,
        &[
            ("Yes", 19, Some(31)),
            ("No", 38, Some(61)),
            ("Unsure", 5, Some(8)),
            ("Total", 62, Some(100)),
            ("Not applicable", 368, None),
            ("Missing", 16, None),
        ],
    );
    assert_block(
        &t,
        "cc_role",
        c,
        &[
            ("Hospital doctor", 9, Some(24)),
            ("GP", 5, Some(13)),
            ("Community paediatrician", 3, Some(8)),
            ("Palliative care specialist", 2, Some(5)),
            ("Physiotherapist", 1, Some(3)),
            ("Total", 38, Some(100)),
            ("Not applicable", 392, None),
            ("Missing", 16, None),
        ],
    );
    assert_block(
        &t,
        "cc_items",
        c,
        &[
            ("Liaising between healthcare professionals", 45, Some(73)),
            (
                "Liaising between health and non-healthcare professionals (e.g. social worker, homecare)",
                26,
                Some(42),
            ),
            ("Out of hours contact", 3, Some(5)),
            ("Total", 62, None),
        ],
    );
    assert_block(
        &t,
        "sc_available",
        c,
        &[
            ("Yes", 130, Some(37)),
            ("No", 168, Some(48)),
            ("Unsure", 50, Some(14)),
            ("Total", 348, Some(100)),
            ("Missing", 98, None),
        ],
    );
    assert_block(
        &t,
        "sc_attend",
        c,
        &[
            ("Yes", 114, Some(88)),
            ("No", 14, Some(11)),
            ("Unsure", 2, Some(2)),
            ("Total", 130, Some(100)),
            ("Not applicable", 218, None),
            ("Missing", 98, None),
        ],
    );
    assert_block(
        &t,
        "sc_staff",
        c,
        &[
            ("Community paediatrician", 8, Some(7)),
            ("Speech and language therapist", 19, Some(17)),
            ("Dietician", 36, Some(32)),
            ("Total", 114, None),
        ],
    );
    assert_block(
        &t,
        "cp_has",
        c,
        &[
            ("Yes", 159, Some(44)),
            ("No", 165, Some(46)),
            ("Unsure", 37, Some(10)),
            ("Total", 361, Some(100)),
            ("Missing", 85, None),
        ],
    );
    assert_block(
        &t,
        "cp_responsible",
        c,
        &[
            ("The carer", 59, Some(37)),
            ("Other (please specify)", 49, Some(31)),
            ("Shared responsibility between professionals", 19, Some(12)),
            ("Total", 159, Some(100)),
            ("Not applicable", 202, None),
            ("Missing", 85, None),
        ],
    );
    assert_block(
        &t,
        "cp_involved",
        c,
        &[
            ("Yes", 135, Some(85)),
            ("No", 19, Some(12)),
            ("Unsure", 5, Some(3)),
            ("Total", 159, Some(100)),
        ],
    );
    assert_block(
        &t,
        "coord_combo",
        c,
        &[
            ("None of the elements", 115, Some(33)),
            ("Specialist centre only", 66, Some(19)),
            ("Care coordinator + specialist centre", 5, Some(1)),
            ("Care coordinator only", 9, Some(3)),
            ("Care plan + specialist centre", 42, Some(12)),
            ("Care plan only", 80, Some(23)),
            ("All of the elements", 17, Some(5)),
            ("Care coordinator + care plan", 14, Some(4)),
            ("Total", 348, Some(100)),
            ("Missing", 98, None),
        ],
    );

    // The CSV keeps exactly its columns, one row per cell.
    let out = tables::csv(&t);
    assert!(out.starts_with("audience,variable,row,code,label,number,percent\r\n"));
    assert!(
        out.contains("patient,cc_dedicated,not_applicable,,Not applicable,646,\r\n"),
        "{}",
        &out[..2000]
    );
    assert!(out.contains("carer,coord_combo,option,1,None of the elements,115,33\r\n"));
}

/// Every single-choice variable: PSPP's FREQUENCIES and R agree with `tabulate`.
#[test]
fn pspp_and_r_count_what_tabulate_counts() {
    let model = flagship();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let cols = data::columns(&model);
    let opts = simulate::Options {
        n: 600,
        seed: 41,
        ..simulate::Options::default()
    };
    let rows = simulate::records(&model, &opts);
    let csv = data::to_csv(&model, &cols, &rows);
    std::fs::write(dir.join("responses.csv"), &csv).unwrap();
    for quire::backend::Output { path: name, bytes } in quire::backend::schema::render(&model).unwrap() {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let t = tabulate::tabulate(
        &model,
        &records::read_csv(&csv).unwrap(),
        &tabulate::Options {
            by_audience: false,
            outside_total: Vec::new(),
        },
    );
    let singles: Vec<&str> = t
        .blocks
        .iter()
        .filter(|b| b.kind == "single")
        .map(|b| b.variable.as_str())
        .collect();
    assert!(singles.len() >= 20, "{singles:?}");
    // What tabulate says: per variable, code -> number, and the blank lines.
    let mine: BTreeMap<&str, BTreeMap<String, u64>> = singles
        .iter()
        .map(|v| {
            let b = t.blocks.iter().find(|b| b.variable == *v).unwrap();
            let m = b.cells[0]
                .as_ref()
                .unwrap()
                .iter()
                .filter(|l| l.row != "total")
                .map(|l| {
                    (
                        l.code.map(|c| c.to_string()).unwrap_or_else(|| l.row.to_string()),
                        l.number as u64,
                    )
                })
                .collect();
            (*v, m)
        })
        .collect();
    let id = &model.survey.id;
    let mut r = std::fs::read_to_string(dir.join(format!("{id}.R"))).unwrap();
    r.push_str("for (v in c(");
    r.push_str(
        &singles
            .iter()
            .map(|v| format!("\"{v}\""))
            .collect::<Vec<_>>()
            .join(", "),
    );
    r.push_str(")) { t <- table(unclass(responses[[v]])); for (k in names(t)) cat(v, k, t[[k]], \"\\n\") }\n");
    std::fs::write(dir.join("run.R"), &r).unwrap();
    let (ok, out) = run(dir, "Rscript", &["run.R"]);
    assert!(ok, "{out}");
    let mut from_r: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for line in out.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.len() == 3
            && let Ok(n) = parts[2].parse()
        {
            from_r
                .entry(parts[0].to_string())
                .or_default()
                .insert(parts[1].to_string(), n);
        }
    }
    // PSPP: one CSV table of counts per variable.
    let mut sps = std::fs::read_to_string(dir.join(format!("{id}.sps"))).unwrap();
    sps.push_str("MISSING VALUES ALL ().\n");
    sps.push_str(&format!("FREQUENCIES VARIABLES={}.\n", singles.join(" ")));
    std::fs::write(dir.join("run.sps"), &sps).unwrap();
    let (ok, log) = run(dir, "pspp", &["run.sps", "-o", "freq.csv"]);
    assert!(ok, "{log}");
    let freq = std::fs::read_to_string(dir.join("freq.csv")).unwrap();
    for v in &singles {
        let want = &mine[v];
        let na = model.survey.missing_codes.not_applicable.to_string();
        let ms = model.survey.missing_codes.missing.to_string();
        // R counts the raw codes (missing codes included).
        let r_counts = from_r.get(*v).cloned().unwrap_or_default();
        for (code, n) in want {
            let key = match code.as_str() {
                "not_applicable" => na.clone(),
                "missing" => ms.clone(),
                c => c.to_string(),
            };
            assert_eq!(r_counts.get(&key).copied().unwrap_or(0), *n, "R: {v} = {key}");
        }
        // PSPP: the table titled by the variable's label lists value labels and counts.
        let label = &cols.iter().find(|c| c.name == *v).unwrap().label;
        let table = freq
            .split(&format!("Table: {label}\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("PSPP printed no table for {v}"));
        let table = table.split("\n\n").next().unwrap();
        let mut valid: Vec<u64> = Vec::new();
        let (mut na_n, mut ms_n) = (0u64, 0u64);
        let mut rd = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(table.as_bytes());
        for rec in rd.records().flatten() {
            if rec.len() < 3 || rec.get(0) == Some("Total") {
                continue;
            }
            let n: u64 = rec.get(2).and_then(|x| x.parse().ok()).unwrap_or(0);
            match rec.get(1) {
                Some("Not applicable") => na_n += n,
                Some("Missing") => ms_n += n,
                _ => valid.push(n),
            }
        }
        let mut mine_valid: Vec<u64> = want
            .iter()
            .filter(|(k, n)| k.as_str() != "not_applicable" && k.as_str() != "missing" && **n > 0)
            .map(|(_, n)| *n)
            .collect();
        valid.retain(|n| *n > 0);
        valid.sort();
        mine_valid.sort();
        assert_eq!(valid, mine_valid, "PSPP: {v} counts\n{table}");
        assert_eq!(
            na_n,
            want.get("not_applicable").copied().unwrap_or(0),
            "PSPP: {v} not applicable\n{table}"
        );
        assert_eq!(
            ms_n,
            want.get("missing").copied().unwrap_or(0),
            "PSPP: {v} missing\n{table}"
        );
    }
}

/// `check-data` finds every planted error, one violation per record, of every class, and
/// accepts 1,000 simulated records per audience.
#[test]
fn check_data_finds_every_planted_error_and_accepts_simulated_data() {
    let model = flagship();
    let cols = data::columns(&model);
    let opts = simulate::Options {
        n: 3000,
        seed: 7,
        ..simulate::Options::default()
    };
    let rows = simulate::records(&model, &opts);
    let csv = data::to_csv(&model, &cols, &rows);
    let mut table = records::read_csv(&csv).unwrap();
    for a in ["patient", "carer", "hcp"] {
        assert_eq!(table.rows.iter().filter(|r| r[1] == a).count(), 1000);
    }
    let clean = verify::check(&model, &table, &verify::Options::default());
    assert!(clean.is_clean(), "{}", data_check::human(&clean, "simulated", 5));
    // Plant one violation per chosen record.
    let at: std::collections::HashMap<String, usize> =
        table.index().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let col = |name: &str| at[name];
    let mut planted: Vec<(usize, Class)> = Vec::new();
    let mut used = std::collections::HashSet::new();
    let mut plant = |table: &mut records::Table,
                     class: Class,
                     pick: &dyn Fn(&Vec<String>) -> bool,
                     edit: &dyn Fn(&mut Vec<String>)| {
        let i = (0..table.rows.len())
            .find(|i| !used.contains(i) && pick(&table.rows[*i]))
            .unwrap_or_else(|| panic!("no record to plant {class:?} in"));
        used.insert(i);
        edit(&mut table.rows[i]);
        planted.push((i + 1, class));
    };
    let is = |name: &'static str, v: &'static str| move |r: &Vec<String>| r[col(name)] == v;
    plant(&mut table, Class::AnsweredNotApplicable, &is("cc_has", "2"), &|r| {
        r[col("cc_dedicated")] = "1".into()
    });
    plant(
        &mut table,
        Class::NotApplicableWhereAsked,
        &|r| r[col("cc_has")] == "1" && r[col("cc_dedicated")] != "-88",
        &|r| r[col("cc_dedicated")] = "-88".into(),
    );
    plant(&mut table, Class::MissingWhereNotApplicable, &is("cc_has", "2"), &|r| {
        r[col("cc_dedicated")] = "-99".into()
    });
    plant(&mut table, Class::AnsweredAfterScreen, &is("consent", "2"), &|r| {
        r[col("cc_has")] = "1".into()
    });
    plant(
        &mut table,
        Class::AnsweredOtherAudience,
        &|r| r[1] == "hcp" && r[col("consent")] == "1" && r[col("sc_attend")] == "-88",
        &|r| r[col("sc_attend")] = "1".into(),
    );
    plant(
        &mut table,
        Class::UnknownCode,
        &|r| r[col("sc_available")] == "2",
        &|r| r[col("sc_available")] = "7".into(),
    );
    plant(&mut table, Class::UnknownAudience, &|_| true, &|r| {
        r[1] = "patients".into()
    });
    plant(
        &mut table,
        Class::TooManySelected,
        &|r| r[col("cp_top3_1")] == "0",
        &|r| {
            for k in ["cp_top3_1", "cp_top3_2", "cp_top3_3", "cp_top3_4"] {
                r[col(k)] = "1".into();
            }
        },
    );
    plant(
        &mut table,
        Class::ExclusiveWithOthers,
        &|r| r[col("cc_factors_1")] == "1",
        &|r| r[col("cc_factors_9")] = "1".into(),
    );
    plant(
        &mut table,
        Class::OutOfRange,
        &|r| r[col("hs_gp")].parse::<f64>().is_ok_and(|n| n >= 0.0),
        &|r| r[col("hs_gp")] = "400".into(),
    );
    plant(
        &mut table,
        Class::DerivedDiffers,
        &|r| r[col("coord_combo")] == "1",
        &|r| r[col("coord_combo")] = "2".into(),
    );
    plant(&mut table, Class::VersionMismatch, &|_| true, &|r| {
        r[col("spec_version")] = "2019.0".into()
    });
    plant(&mut table, Class::HashMismatch, &|_| true, &|r| {
        r[col("spec_hash")] = "0000000000000000".into()
    });
    plant(&mut table, Class::BadParadata, &|_| true, &|r| {
        r[col("mode")] = "fax".into()
    });
    plant(&mut table, Class::DuplicateId, &|_| true, &|r| r[0] = "R0001".into());
    let report = verify::check(&model, &table, &verify::Options::default());
    for (row, class) in &planted {
        assert!(
            report.problems.iter().any(|p| p.row == *row && p.class == *class),
            "row {row}: {class:?} not found\n{}",
            data_check::human(&report, "planted", 3)
        );
    }
    // One problem per planted record: no knock-on reports.
    let rows_with: std::collections::BTreeSet<usize> = report.problems.iter().map(|p| p.row).collect();
    assert_eq!(
        rows_with.len(),
        planted.len(),
        "{}",
        data_check::human(&report, "planted", 3)
    );
    assert_eq!(
        report.problems.len(),
        planted.len(),
        "{}",
        data_check::human(&report, "planted", 3)
    );
}

/// The simulator's output is valid for Frictionless with the generated data package.
#[test]
fn simulated_data_is_valid_for_frictionless() {
    let model = flagship();
    let tmp = tempfile::tempdir().unwrap();
    let cols = data::columns(&model);
    let opts = simulate::Options {
        n: 300,
        seed: 3,
        nonresponse: 0.3,
        ..simulate::Options::default()
    };
    let rows = simulate::records(&model, &opts);
    std::fs::write(tmp.path().join("responses.csv"), data::to_csv(&model, &cols, &rows)).unwrap();
    for quire::backend::Output { path: name, bytes } in quire::backend::schema::render(&model).unwrap() {
        std::fs::write(tmp.path().join(name), bytes).unwrap();
    }
    let (ok, out) = run(tmp.path(), "frictionless", &["validate", "datapackage.json"]);
    assert!(ok, "{out}");
}

fn quire(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// The three commands as an analyst runs them: exit codes, files, every table format read
/// back by another tool (Python's zip and XML readers for the workbook, the Nu HTML
/// Checker for the report).
#[test]
fn the_data_commands_work_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let spec = crate::root().join("questionnaires/concord/concord.yaml");
    let spec = spec.to_str().unwrap();
    let out = quire(dir, &["simulate", spec, "-n", "90", "--seed", "3", "-o", "r.csv"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = quire(
        dir,
        &["simulate", spec, "-n", "30", "--audience", "hcp", "--format", "json"],
    );
    let lines = String::from_utf8(json.stdout).unwrap();
    assert_eq!(lines.lines().count(), 30);
    assert!(lines.lines().all(|l| l.contains("\"audience\":\"hcp\"")));
    std::fs::write(dir.join("r.jsonl"), &lines).unwrap();
    for data in ["r.csv", "r.jsonl"] {
        let check = quire(dir, &["check-data", spec, data, "--min-completion", "0.2"]);
        assert_eq!(
            check.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&check.stdout)
        );
    }
    // A single record as the web form downloads it: pretty-printed JSON.
    let one: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    std::fs::write(dir.join("one.json"), serde_json::to_string_pretty(&one).unwrap()).unwrap();
    let check = quire(dir, &["check-data", spec, "one.json"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    assert!(String::from_utf8_lossy(&check.stdout).contains("1 row, no problems"));
    // One planted error: exit 1, and the JSON report names it.
    let csv = std::fs::read_to_string(dir.join("r.csv")).unwrap();
    let bad = csv.replacen("\r\nR0001,patient,", "\r\nR0001,patients,", 1);
    assert_ne!(bad, csv);
    std::fs::write(dir.join("bad.csv"), bad).unwrap();
    let check = quire(dir, &["check-data", spec, "bad.csv", "--format", "json"]);
    assert_eq!(check.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(report["problems"][0]["class"], "unknown_audience");
    assert_eq!(quire(dir, &["check-data", spec, "missing.csv"]).status.code(), Some(2));
    // Every table format.
    for format in ["md", "html", "csv", "xlsx"] {
        let out = quire(dir, &["tabulate", spec, "r.csv", "-o", "tables", "--format", format]);
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(dir.join(format!("tables/tables.{format}")).exists());
        if format == "xlsx" {
            let script = "import zipfile, sys, xml.dom.minidom as m\nz = zipfile.ZipFile('tables/tables.xlsx')\nfor n in z.namelist():\n    if n.endswith('.xml'): m.parseString(z.read(n))\ns = z.read('xl/sharedStrings.xml').decode()\nassert 'Has a formal care coordinator' in s and 'not_applicable' in s, s[:200]\nprint('ok', len(z.namelist()))\n";
            let (ok, log) = run(dir, "python3", &["-c", script]);
            assert!(ok && log.contains("ok"), "{log}");
        }
        if format == "html" {
            let vnu = crate::root().join("tests/browser/node_modules/vnu-jar/build/dist/vnu.jar");
            let (ok, log) = run(
                dir,
                "java",
                &["-jar", vnu.to_str().unwrap(), "--errors-only", "tables/tables.html"],
            );
            assert!(ok && log.trim().is_empty(), "Nu HTML Checker: {log}");
            let report = dir.join("tables/tables.html");
            let (ok, log) = run(
                &crate::root().join("tests/browser"),
                "node",
                &["axe.mjs", report.to_str().unwrap()],
            );
            assert!(ok, "axe-core on the report: {log}");
        }
    }
    // Into a folder of the user's, nothing is written.
    std::fs::create_dir(dir.join("mine")).unwrap();
    std::fs::write(dir.join("mine/notes.txt"), "mine").unwrap();
    let out = quire(dir, &["tabulate", spec, "r.csv", "-o", "mine"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_dir(dir.join("mine")).unwrap().count(), 1);
    // Markdown to standard output, by default.
    let md = quire(dir, &["tabulate", spec, "r.csv", "--by", "none"]);
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(
        md.contains("| Response | All respondents Number | % |"),
        "{}",
        &md[..500]
    );
}

/// Hostile data files never panic the reader, `check-data` or `tabulate`: byte mutations of
/// a real file, wrong shapes of JSON, and cells of every kind in every column.
#[test]
fn hostile_data_never_panics() {
    let model = flagship();
    let good = std::fs::read_to_string(crate::root().join("tests/data/concord-responses.csv")).unwrap();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let junk = [
        "",
        "-88",
        "-99",
        "1.5",
        "1e308",
        "NaN",
        "-0",
        "９",
        "2019-02-30",
        "\"",
        ",",
        "\r\n",
        "x".repeat(300).leak(),
        "-9223372036854775808",
        "99999999999999999999",
    ];
    let mut cases: Vec<String> = vec![
        "[]".into(),
        "{}".into(),
        "[1, 2]".into(),
        "{\"audience\": {\"deep\": [[[[1]]]]}}".into(),
        "[".repeat(10_000),
        "respondent_id\n".into(),
        "a,b\n1\n".into(),
    ];
    for _ in 0..150 {
        let mut bytes = good.clone().into_bytes();
        for _ in 0..1 + next() % 6 {
            let at = (next() as usize) % bytes.len();
            bytes[at] = b",\n\"-19a"[(next() % 7) as usize];
        }
        cases.push(String::from_utf8_lossy(&bytes).into_owned());
        // A junk value in a random cell of a random row.
        let mut lines: Vec<String> = good.lines().map(str::to_string).collect();
        let row = 1 + (next() as usize) % (lines.len() - 1);
        let mut cells: Vec<String> = lines[row].split(',').map(str::to_string).collect();
        let col = (next() as usize) % cells.len();
        cells[col] = junk[(next() as usize) % junk.len()].to_string();
        lines[row] = cells.join(",");
        cases.push(lines.join("\n"));
    }
    for text in &cases {
        if let Ok(table) = records::read(text) {
            let _ = verify::check(
                &model,
                &table,
                &verify::Options {
                    min_completion: Some(0.2),
                },
            );
            let t = tabulate::tabulate(&model, &table, &tabulate::Options::default());
            let _ = (tables::markdown(&t), tables::csv(&t), tables::html(&t));
        }
    }
}

/// The classes the flagship cannot show, on a spec made for them: a hard validation rule, a
/// minimum of ticks, a soft check (never a problem), eligibility unknown, and columns.
#[test]
fn check_data_holds_answers_to_their_own_rules() {
    let spec = r#"
survey: { id: rules, title: Rules, version: "1" }
choices:
  yes_no:
    - { code: 1, value: "yes", label: "Yes" }
    - { code: 2, value: "no", label: "No" }
  fruit:
    - { code: 1, value: apple, label: Apple }
    - { code: 2, value: pear, label: Pear }
    - { code: 3, value: plum, label: Plum }
sections:
  - id: s
    title: S
    items:
      - { id: likes, type: single, text: Do you like fruit?, choices: yes_no }
      - id: which
        type: multiple
        text: Which two or more?
        choices: fruit
        min_selected: 2
        ask_if: likes == 'yes'
      - id: spend
        type: decimal
        text: What do you spend a week?
        min: 0
        validate:
          - { check: spend < 100, message: That is more than we expect. }
          - { check: spend < 20, message: Please check the amount., severity: warning }
"#;
    let model = quire::compile("rules.yaml", spec).model.unwrap();
    let header = "respondent_id,audience,spec_version,spec_hash,mode,language,started_at,submitted_at,duration_s,completion,likes,which_1,which_2,which_3,spend";
    let hash = &model.content_hash;
    let rows = [
        // clean, with a soft check confirmed (spend 50)
        format!("a,respondent,1,{hash},web,en,-99,-99,-99,1,1,1,1,0,50"),
        // one tick where two are needed
        format!("b,respondent,1,{hash},web,en,-99,-99,-99,1,1,1,0,0,5"),
        // over the hard limit
        format!("c,respondent,1,{hash},web,en,-99,-99,-99,1,2,-88,-88,-88,150"),
        // the filter skipped: `which` is of unknown eligibility, so -99, not -88
        format!("d,respondent,1,{hash},web,en,-99,-99,-99,0.5,-99,-88,-88,-88,3"),
        // not a number
        format!("e,respondent,1,{hash},web,en,-99,-99,-99,1,2,-88,-88,-88,lots"),
    ];
    let csv = format!(
        "{header},extra\r\n{}\r\n",
        rows.iter().map(|r| format!("{r},x")).collect::<Vec<_>>().join("\r\n")
    );
    let table = records::read_csv(&csv).unwrap();
    let report = verify::check(
        &model,
        &table,
        &verify::Options {
            min_completion: Some(0.6),
        },
    );
    let has = |row: usize, class: Class| report.problems.iter().any(|p| p.row == row && p.class == class);
    let text = data_check::human(&report, "rules", 10);
    assert!(
        !report.problems.iter().any(|p| p.row == 1),
        "a confirmed soft check is no problem:\n{text}"
    );
    assert!(has(2, Class::TooFewSelected), "{text}");
    assert!(has(3, Class::FailedValidation), "{text}");
    assert!(has(4, Class::NotApplicableWhereUnknown), "{text}");
    assert!(has(5, Class::BadValue), "{text}");
    assert!(has(0, Class::UnknownColumn), "{text}");
    assert_eq!(
        report.below_completion.iter().map(|e| e.row).collect::<Vec<_>>(),
        vec![4, 5],
        "{text}"
    );
    // A column the contract needs, missing from the file.
    let without: String = csv
        .lines()
        .map(|l| l.rsplitn(3, ',').nth(2).unwrap().to_string() + "\r\n")
        .collect();
    let report = verify::check(
        &model,
        &records::read_csv(&without).unwrap(),
        &verify::Options::default(),
    );
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.class == Class::MissingColumn && p.column == "spend"),
        "{}",
        data_check::human(&report, "rules", 5)
    );
}
