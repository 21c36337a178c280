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
    assert_eq!(v["format"], "quire-ir/4");
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

/// Every file below `dir` with its bytes, for comparing a folder before and after.
/// The files a build wrote below `dir`, sorted, its manifest aside.
fn built_files(dir: &Path) -> Vec<String> {
    snapshot(dir)
        .into_keys()
        .filter(|f| !f.contains(".quire-output") && !f.ends_with('/'))
        .collect()
}

fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.insert(format!("{}/", p.strip_prefix(dir).unwrap().display()), Vec::new());
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

/// A project folder as a user has it: the spec, version control, notes.
fn project(tmp: &Path) -> std::path::PathBuf {
    let proj = tmp.join("proj");
    std::fs::create_dir_all(proj.join(".git/objects")).unwrap();
    std::fs::write(proj.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::write(proj.join("notes.txt"), "pilot notes\n").unwrap();
    std::fs::copy(
        crate::root().join("examples/minimal.quire.yaml"),
        proj.join("survey.yaml"),
    )
    .unwrap();
    proj
}

/// `-o` never deletes what Quire did not write: the spec's own folder, a folder of the
/// user's, a file, or a Quire folder the user added files to are refused with exit 2, and
/// everything is left exactly as it was.
#[test]
fn build_refuses_outputs_it_does_not_own() {
    let tmp = tempfile::tempdir().unwrap();
    let proj = project(tmp.path());
    let before = snapshot(tmp.path());
    for (out, says) in [
        ("proj", "which this build reads"),
        (".", "which this build reads"),
        ("proj/notes.txt", "is a file"),
        ("proj/.git", "Quire did not make it"),
    ] {
        let o = quire(&["build", "proj/survey.yaml", "-o", out, "--target", "ir"], tmp.path());
        assert_eq!(code(&o), 2, "-o {out}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(says) && stderr(&o).contains("nothing was written"),
            "-o {out}: {}",
            stderr(&o)
        );
        assert_eq!(snapshot(tmp.path()), before, "-o {out} changed files");
    }
    // A folder of the user's elsewhere.
    std::fs::create_dir_all(tmp.path().join("results")).unwrap();
    std::fs::write(tmp.path().join("results/analysis.R"), "summary(x)\n").unwrap();
    let o = quire(&["build", "proj/survey.yaml", "-o", "results"], tmp.path());
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("analysis.R"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("results/analysis.R")).unwrap(),
        "summary(x)\n"
    );

    // A new folder, then an empty one, are Quire's to write; a rebuild replaces its own output.
    std::fs::create_dir_all(tmp.path().join("empty")).unwrap();
    for out in ["out", "empty", "out"] {
        let o = quire(
            &["build", "proj/survey.yaml", "-o", out, "--target", "ir,codebook"],
            tmp.path(),
        );
        assert_eq!(code(&o), 0, "-o {out}: {}", stderr(&o));
        let manifest = std::fs::read_to_string(tmp.path().join(out).join(".quire-output")).unwrap();
        assert!(manifest.contains("quire.ir.json") && manifest.contains("codebook/codebook.md"));
    }
    // Once the user adds a file of their own, the folder is no longer Quire's to replace.
    std::fs::write(tmp.path().join("out/codebook/my-notes.md"), "mine\n").unwrap();
    let o = quire(
        &["build", "proj/survey.yaml", "-o", "out", "--target", "ir"],
        tmp.path(),
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("codebook/my-notes.md"), "{}", stderr(&o));
    assert!(tmp.path().join("out/codebook/my-notes.md").exists());
    assert!(proj.join("survey.yaml").exists() && proj.join(".git/HEAD").exists());
    let leftovers: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".quire-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Builds killed at random moments, in the write phase too, never leave a partial output:
/// the folder is the last complete build (or absent for the instant of the swap), and the
/// next build removes whatever the killed ones left beside it.
#[test]
fn killed_builds_never_leave_partial_output() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = crate::root().join("questionnaires/concord/concord.yaml");
    let spec = spec.to_str().unwrap();
    let args = ["build", spec, "-o", "out", "--target", "ir,codebook,schema,html,paper"];
    let reference = {
        let t = std::time::Instant::now();
        let o = quire(&args, tmp.path());
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let took = t.elapsed();
        let files = snapshot(&tmp.path().join("out"));
        std::fs::remove_dir_all(tmp.path().join("out")).unwrap();
        (files, took)
    };
    let (complete, mut took) = reference;
    let mut rng = crate::Rng(0xdead_beef);
    let mut killed_while_running = 0;
    // At least 24 rounds, and until 8 builds were killed while running (bounded): the
    // machine's load changes how long a build takes, so the kill times follow it.
    for round in 0..80 {
        if round >= 24 && killed_while_running >= 8 {
            break;
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_quire"))
            .args(args)
            .current_dir(tmp.path())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Spread over the whole run, weighted to its end, where the files are written.
        let micros = took.as_micros() as usize;
        let at = micros / 3 + rng.below(micros);
        std::thread::sleep(std::time::Duration::from_micros(at as u64));
        if child.try_wait().unwrap().is_none() {
            killed_while_running += 1;
        } else {
            // Finished before the kill: builds run faster now than the reference did.
            took = took * 4 / 5;
        }
        let _ = child.kill();
        let _ = child.wait();
        let out = tmp.path().join("out");
        if out.exists() {
            assert_eq!(snapshot(&out), complete, "round {round}: a partial output folder");
        }
    }
    assert!(
        killed_while_running >= 8,
        "only {killed_while_running} builds were killed while running"
    );
    let o = quire(&args, tmp.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(snapshot(&tmp.path().join("out")), complete);
    let left: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "out")
        .collect();
    assert!(left.is_empty(), "leftovers of killed builds remain: {left:?}");
}

/// A file that is not UTF-8 is refused with the place of the first bad byte.
#[test]
fn non_utf8_input_is_located() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("latin1.yaml"),
        b"survey:\n  id: t\n  title: \"Caf\xe9\"\n",
    )
    .unwrap();
    let o = quire(&["check", "latin1.yaml"], tmp.path());
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("byte 0xE9 at latin1.yaml:3:14"), "{}", stderr(&o));
}

/// `--edition think-aloud` builds only the paper editions asked for, and typesets only those.
#[test]
fn one_paper_edition_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let root = crate::root();
    let out = tmp.path().join("out");
    let o = quire(
        &[
            "build",
            "questionnaires/concord/concord.yaml",
            "-o",
            out.to_str().unwrap(),
            "--target",
            "paper,pdf",
            "--audience",
            "hcp",
            "--edition",
            "think-aloud",
        ],
        &root,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        built_files(&out),
        vec!["paper/hcp-think-aloud.typ", "pdf/hcp-think-aloud.pdf"]
    );
}

/// One `--edition` list names the web form's edition and the paper editions together; the
/// older `--paper-edition` adds to it; asking for both web editions is a usage error that
/// writes nothing.
#[test]
fn editions_for_web_and_paper_together() {
    let tmp = tempfile::tempdir().unwrap();
    let root = crate::root();
    let out = tmp.path().join("out");
    let o = quire(
        &[
            "build",
            "questionnaires/concord/concord.yaml",
            "-o",
            out.to_str().unwrap(),
            "--target",
            "html,paper",
            "--audience",
            "patient",
            "--edition",
            "pilot,interviewer",
            "--paper-edition",
            "self-completion",
        ],
        &root,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let files: Vec<String> = built_files(&out).into_iter().filter(|f| f.ends_with(".typ")).collect();
    assert_eq!(
        files,
        vec!["paper/patient-interviewer.typ", "paper/patient-self-completion.typ"]
    );
    let form = std::fs::read_to_string(out.join("html/patient/form.html")).unwrap();
    assert!(form.contains("\"pilot\":true"), "the pilot form");

    let again = tmp.path().join("again");
    let o = quire(
        &[
            "build",
            "questionnaires/concord/concord.yaml",
            "-o",
            again.to_str().unwrap(),
            "--edition",
            "production,pilot",
        ],
        &root,
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("choose one"), "{}", stderr(&o));
    assert!(!again.exists(), "nothing written");
}

/// `quire serve` becomes the collection server (exec on Unix): stopping the process id it
/// was started with stops the server, and nothing is left listening on its port.
#[cfg(unix)]
#[test]
fn quire_serve_stops_with_its_process_id() {
    let root = crate::root();
    let bin = std::path::PathBuf::from(env!("CARGO_BIN_EXE_quire"));
    let serve = bin.with_file_name(format!("quire-serve{}", std::env::consts::EXE_SUFFIX));
    assert!(
        serve.exists(),
        "quire-serve is built beside quire by `cargo test --workspace` (or `cargo build -p quire-serve`)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(&bin)
        .args([
            "serve",
            root.join("examples/minimal.quire.yaml").to_str().unwrap(),
            "--db",
            tmp.path().join("r.sqlite").to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < until, "the server did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // Stopped at once, while it may still be starting: a graceful stop all the same.
    // The process started as `quire` is the server itself.
    let exe = std::fs::read_link(format!("/proc/{}/exe", child.id()));
    if let Ok(exe) = exe {
        assert!(exe.to_string_lossy().contains("quire-serve"), "{}", exe.display());
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "a graceful stop: {status}");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "something still listens on the port"
    );
}

/// What a target cannot express is a warning with its place, printed by the build, which
/// goes on; the outputs that can express it are untouched.
#[test]
fn build_warns_of_what_a_target_cannot_express() {
    let root = crate::root();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        root.join("tests/data/no-xpath.quire.yaml"),
        tmp.path().join("s.quire.yaml"),
    )
    .unwrap();
    let o = quire(
        &[
            "build",
            "s.quire.yaml",
            "-o",
            "out",
            "--target",
            "xform,xlsform,redcap,html",
        ],
        tmp.path(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let said = stderr(&o);
    // What both the XForm and its XLSForm rows lose is said once, naming both.
    for (outputs, what) in [
        (
            "the xform and xlsform outputs",
            "the condition `substr(name, 0, 1) == 'A'`",
        ),
        (
            "the xform and xlsform outputs",
            "the rule `initial > years_between(today(), today())`",
        ),
    ] {
        let line = format!("warning: s.quire.yaml:15: `initial` in {outputs}: {what} has no XPath equivalent");
        assert!(said.contains(&line), "{line}\nin:\n{said}");
        assert_eq!(said.matches(what).count(), 1, "said once:\n{said}");
    }
    let line = "warning: s.quire.yaml:15: `initial` in the redcap output: the routing `substr(name, 0, 1) == 'A'` is not expressible in REDCap";
    assert!(said.contains(line), "{line}\nin:\n{said}");
    assert!(!said.contains("in the html output"), "{said}");
    // A text longer than a spreadsheet cell holds: the workbook keeps its beginning, says
    // so, and the build goes on (it failed before).
    let long = std::fs::read_to_string(tmp.path().join("s.quire.yaml"))
        .unwrap()
        .replace("A number?", &"é".repeat(40_000));
    std::fs::write(tmp.path().join("long.quire.yaml"), long).unwrap();
    let o = quire(
        &["build", "long.quire.yaml", "-o", "long", "--target", "xlsform"],
        tmp.path(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("`initial` in the xlsform output: its `label` text is longer than a spreadsheet cell holds"),
        "{}",
        stderr(&o)
    );
    let xml = std::fs::read_to_string(tmp.path().join("out/xform/respondent.xml")).unwrap();
    assert!(
        xml.contains("<!-- Quire: `substr(name, 0, 1) == &apos;A&apos;` has no XPath equivalent; left out -->"),
        "{xml}"
    );
}
