//! The `quire` binary: commands, exit codes, atomic builds.

use std::path::Path;
use std::process::{Command, Output};

fn quire(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("quire runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_exit_codes() {
    let root = crate::root();
    let ok = quire(
        &[
            "check",
            "examples/minimal.quire.yaml",
            "questionnaires/concord/concord.yaml",
        ],
        &root,
    );
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
    assert!(stderr(&ok).contains("concord.yaml: ok"));

    let bad = quire(&["check", "tests/diagnostics/unknown_value.yaml"], &root);
    assert_eq!(code(&bad), 1);
    assert!(stderr(&bad).contains("did you mean `unsure`?"));
    assert!(!stderr(&bad).contains('\u{1b}'), "NO_COLOR is honoured");

    let warn = quire(&["check", "tests/diagnostics/unused_choices.yaml"], &root);
    assert_eq!(code(&warn), 0, "warnings alone pass");
    let strict = quire(
        &["check", "--deny-warnings", "tests/diagnostics/unused_choices.yaml"],
        &root,
    );
    assert_eq!(code(&strict), 1);

    assert_eq!(code(&quire(&["check", "no/such/file.yaml"], &root)), 2);
    assert_eq!(code(&quire(&["check", "--no-such-flag", "x.yaml"], &root)), 2);
    assert_eq!(code(&quire(&["frobnicate"], &root)), 2);
    assert_eq!(code(&quire(&["--help"], &root)), 0);
    assert_eq!(code(&quire(&["build", "--help"], &root)), 0);
}

#[test]
fn check_json_lists_every_diagnostic() {
    let root = crate::root();
    let o = quire(
        &[
            "check",
            "--format",
            "json",
            "tests/diagnostics/unknown_key.yaml",
            "tests/diagnostics/never_asked.yaml",
        ],
        &root,
    );
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    let items = v.as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|d| d["code"] == "unknown-key" && d["location"]["line"] == 18)
    );
    assert!(
        items
            .iter()
            .any(|d| d["code"] == "never-asked" && d["severity"] == "warning")
    );
    for d in items {
        assert!(d["location"]["file"].as_str().unwrap().ends_with(".yaml"));
        assert!(d["location"]["column"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn build_writes_the_ir_and_never_leaves_partial_output() {
    let tmp = tempfile::tempdir().unwrap();
    let root = crate::root();
    let out = tmp.path().join("out");
    let out_s = out.to_str().unwrap();
    let good = quire(
        &[
            "build",
            "questionnaires/concord/concord.yaml",
            "-o",
            out_s,
            "--target",
            "ir",
        ],
        &root,
    );
    assert_eq!(code(&good), 0, "{}", stderr(&good));
    let ir = std::fs::read_to_string(out.join("quire.ir.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&ir).unwrap();
    assert_eq!(v["format"], "quire-ir/1");
    assert_eq!(v["instruments"].as_array().unwrap().len(), 3);

    // A failing build leaves the last good output exactly as it was.
    let bad = quire(
        &["build", "tests/diagnostics/forward_reference.yaml", "-o", out_s],
        &root,
    );
    assert_eq!(code(&bad), 1);
    assert!(stderr(&bad).contains("nothing was written"));
    assert_eq!(std::fs::read_to_string(out.join("quire.ir.json")).unwrap(), ir);

    // Only the chosen audience.
    let one = quire(
        &[
            "build",
            "questionnaires/concord/concord.yaml",
            "-o",
            out_s,
            "--audience",
            "hcp",
        ],
        &root,
    );
    assert_eq!(code(&one), 0);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("quire.ir.json")).unwrap()).unwrap();
    assert_eq!(v["instruments"][0]["audience"], "hcp");
    let typo = quire(
        &[
            "build",
            "questionnaires/concord/concord.yaml",
            "-o",
            out_s,
            "--audience",
            "carers",
        ],
        &root,
    );
    assert_eq!(code(&typo), 2);
    assert!(stderr(&typo).contains("did you mean `carer`?"));

    // No temporary directories are left beside the output.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name() != "out")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // An unwritable destination is an I/O error, and nothing is half-written.
    let blocker = tmp.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let io = quire(
        &[
            "build",
            "examples/minimal.quire.yaml",
            "-o",
            blocker.join("out").to_str().unwrap(),
        ],
        &root,
    );
    assert_eq!(code(&io), 2);
}

#[test]
fn init_scaffolds_a_spec_that_checks_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let o = quire(&["init", "pilot_study"], tmp.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let path = tmp.path().join("pilot_study.quire.yaml");
    assert!(std::fs::read_to_string(&path).unwrap().contains("id: pilot_study"));
    assert_eq!(code(&quire(&["check", "pilot_study.quire.yaml"], tmp.path())), 0);
    assert_eq!(
        code(&quire(&["init", "pilot_study"], tmp.path())),
        2,
        "never overwrites"
    );
    assert_eq!(code(&quire(&["init", "9 lives"], tmp.path())), 2);
}

#[test]
fn spec_schema_is_json_schema() {
    let o = quire(&["spec-schema"], &crate::root());
    assert_eq!(code(&o), 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert!(v["properties"]["sections"].is_object());
}
