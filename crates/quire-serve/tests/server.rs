//! The collection server, run as users run it: the binary on 127.0.0.1, against SQLite and
//! a real PostgreSQL (`QUIRE_TEST_POSTGRES`, which scripts/test starts and sets), driven over
//! HTTP. Load and fault tests are bounded in count and time and stop by themselves.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn flagship() -> PathBuf {
    root().join("questionnaires/concord/concord.yaml")
}

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_on(spec: &Path, db: &str, port: u16, extra: &[&str]) -> Server {
    start_logged(spec, db, port, extra, Stdio::null())
}

/// A server whose log (standard error) goes to `log`.
fn start_logged(spec: &Path, db: &str, port: u16, extra: &[&str], log: Stdio) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_quire-serve"))
        .arg("serve")
        .arg(spec)
        .args(["--db", db, "--listen", &format!("127.0.0.1:{port}")])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let s = Server { child, port };
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        if let Ok((200, _)) = try_http(port, "GET", "/healthz", &[], b"") {
            return s;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the server did not start on port {port}");
}

fn start(spec: &Path, db: &str, extra: &[&str]) -> Server {
    start_on(spec, db, free_port(), extra)
}

/// One HTTP/1.1 request; the status and body of the answer.
fn try_http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    s.write_all(body)?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    try_http(port, method, path, headers, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

const JSON: (&str, &str) = ("Content-Type", "application/json");
/// The secret a form owns its saved response with.
const OWNER: (&str, &str) = ("X-Quire-Secret", "0123456789abcdef0123456789abcdef");

fn post(port: u16, audience: &str, record: &str) -> (u16, String) {
    http(
        port,
        "POST",
        &format!("/api/{audience}/responses"),
        &[JSON],
        record.as_bytes(),
    )
}

/// Simulated records as the web form sends them: (audience, respondent_id, JSON).
fn records(n: usize, seed: u64) -> Vec<(String, String, String)> {
    records_for(&flagship(), n, seed)
}

fn records_for(spec: &Path, n: usize, seed: u64) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(spec).unwrap();
    let model = quire_core::compile("concord.yaml", &text).model.unwrap();
    let opts = quire_core::data::simulate::Options {
        n,
        seed,
        ..Default::default()
    };
    let rows = quire_core::data::simulate::records(&model, &opts);
    quire_core::data::to_json_lines(&model, &quire_core::data::columns(&model), &rows)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["audience"].as_str().unwrap().to_string(),
                v["respondent_id"].as_str().unwrap().to_string(),
                l.to_string(),
            )
        })
        .collect()
}

/// A fresh database: a SQLite file in `dir`, or a new PostgreSQL database.
fn databases(dir: &Path, name: &str) -> Vec<String> {
    let mut out = vec![dir.join(format!("{name}.sqlite")).display().to_string()];
    match std::env::var("QUIRE_TEST_POSTGRES") {
        Ok(url) => {
            let db = format!("t_{name}_{}", std::process::id());
            let ok = Command::new("psql")
                .args([url.as_str(), "-q", "-c", &format!("CREATE DATABASE {db}")])
                .status()
                .unwrap()
                .success();
            assert!(ok, "cannot create a PostgreSQL database at {url}");
            out.push(format!("{}/{db}", url.rsplit_once('/').unwrap().0));
        }
        Err(_) => assert!(
            std::env::var_os("QUIRE_SKIP_POSTGRES").is_some(),
            "set QUIRE_TEST_POSTGRES to a PostgreSQL URL (scripts/test starts one), or QUIRE_SKIP_POSTGRES=1"
        ),
    }
    out
}

fn export(db: &str, partials: bool, out: &Path) -> quire_core::data::records::Table {
    export_spec(&flagship(), db, partials, out)
}

fn model() -> quire_core::model::Questionnaire {
    quire_core::compile("concord.yaml", &std::fs::read_to_string(flagship()).unwrap())
        .model
        .unwrap()
}

#[test]
fn submit_duplicate_conflict_invalid_and_export() {
    let tmp = tempfile::tempdir().unwrap();
    for db in databases(tmp.path(), "submit") {
        let s = start(&flagship(), &db, &["--admin-token", "k3ying"]);
        let recs = records(30, 9);
        let (aud, id, rec) = &recs[0];
        assert_eq!(post(s.port, aud, rec).0, 201, "{db}: first submission");
        assert_eq!(post(s.port, aud, rec).0, 200, "{db}: a repeat is acknowledged");
        let key = http(
            s.port,
            "POST",
            &format!("/api/{aud}/responses"),
            &[JSON, ("Idempotency-Key", id)],
            rec.as_bytes(),
        );
        assert_eq!(key.0, 200, "{db}: with its Idempotency-Key");
        let other = rec.replace("\"mode\":\"web\"", "\"mode\":\"telephone\"");
        assert_ne!(&other, rec);
        let keyed = http(
            s.port,
            "POST",
            &format!("/api/{aud}/responses"),
            &[JSON, ("Authorization", "Bearer k3ying")],
            other.as_bytes(),
        );
        assert_eq!(keyed.0, 409, "{db}: a different record under a stored id");
        // Refused with the problems, nothing stored.
        let bad = rec
            .replace(&format!("\"respondent_id\":\"{id}\""), "\"respondent_id\":\"bad-1\"")
            .replace("\"cc_has\":", "\"cc_has\":7,\"was_cc_has\":");
        let (code, body) = post(s.port, aud, &bad);
        assert_eq!(code, 422, "{db}: {body}");
        let problems: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(problems["problems"].as_array().is_some_and(|p| !p.is_empty()), "{body}");
        let wrong = http(
            s.port,
            "POST",
            &format!("/api/{aud}/responses"),
            &[JSON, ("Idempotency-Key", "someone-else")],
            rec.as_bytes(),
        );
        assert_eq!(wrong.0, 400, "{db}: an Idempotency-Key that is not the record's id");
        let other_audience = if aud == "hcp" { "patient" } else { "hcp" };
        assert_eq!(
            post(s.port, other_audience, rec).0,
            422,
            "{db}: posted to another audience's form"
        );
        assert_eq!(post(s.port, "nobody", rec).0, 404);
        assert_eq!(post(s.port, aud, "{\"a\":").0, 400, "{db}: not JSON");
        let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
        assert_eq!(post(s.port, aud, &deep).0, 400, "{db}: too deep");
        let huge = format!("{{\"x\":\"{}\"}}", "a".repeat(2 << 20));
        assert!(
            matches!(
                try_http(
                    s.port,
                    "POST",
                    &format!("/api/{aud}/responses"),
                    &[JSON],
                    huge.as_bytes()
                ),
                Ok((413, _)) | Err(_)
            ),
            "{db}: a body over the limit"
        );
        for (aud, _, rec) in &recs[1..] {
            assert_eq!(post(s.port, aud, rec).0, 201, "{db}");
        }
        // The export passes check-data.
        let table = export(&db, false, &tmp.path().join("export.csv"));
        assert_eq!(table.rows.len(), 30, "{db}: each response once");
        let report = quire_core::data::verify::check(&model(), &table, &Default::default());
        assert!(
            report.is_clean(),
            "{db}: {}",
            quire_backends::data_check::human(&report, "export", 5)
        );
        // The form is served, posting to this server.
        let (code, page) = http(s.port, "GET", "/patient/", &[], b"");
        assert!(code == 200 && page.contains("/api/patient/responses"), "{db}: the form");
        assert_eq!(http(s.port, "GET", "/healthz", &[], b"").0, 200);
    }
}

#[test]
fn partials_resume_on_another_device_and_expire_as_partials() {
    let tmp = tempfile::tempdir().unwrap();
    // The flagship with a resume window of 2 seconds.
    let text = std::fs::read_to_string(flagship()).unwrap();
    let short = text.replacen("resume_hours: 48", "resume_hours: 0.00056", 1);
    assert_ne!(short, text);
    let spec = tmp.path().join("short.yaml");
    std::fs::write(&spec, short).unwrap();
    for db in databases(tmp.path(), "partial") {
        let s = start(&spec, &db, &[]);
        let recs = records_for(&spec, 2, 4);
        let (aud, id, rec) = &recs[0];
        let body = format!("{{\"record\":{rec},\"state\":{{\"page\":2,\"raw\":{{\"consent\":\"yes\"}}}}}}");
        let (code, saved) = http(
            s.port,
            "PUT",
            &format!("/api/{aud}/responses/{id}"),
            &[JSON, OWNER],
            body.as_bytes(),
        );
        assert_eq!(code, 200, "{db}: {saved}");
        let saved: serde_json::Value = serde_json::from_str(&saved).unwrap();
        let resume = saved["resume_code"].as_str().unwrap().to_string();
        // Saving again keeps the same code.
        let (_, again) = http(
            s.port,
            "PUT",
            &format!("/api/{aud}/responses/{id}"),
            &[JSON, OWNER],
            body.as_bytes(),
        );
        assert!(again.contains(&resume), "{db}: {again}");
        // Another device: the code gives the state back.
        let (code, state) = http(s.port, "GET", &format!("/api/{aud}/resume/{resume}"), &[], b"");
        assert_eq!(code, 200, "{db}: {state}");
        assert!(state.contains("\"page\":2") && state.contains(id), "{db}: {state}");
        assert_eq!(
            http(s.port, "GET", &format!("/api/{aud}/resume/AAAA-BBBB-CCCC"), &[], b"").0,
            404
        );
        // Past the window the code no longer resumes, but the partial is kept for the analyst.
        std::thread::sleep(Duration::from_millis(3600));
        assert_eq!(
            http(s.port, "GET", &format!("/api/{aud}/resume/{resume}"), &[], b"").0,
            410,
            "{db}"
        );
        // Expiry is final: saving again does not reopen the window, and the partial stays
        // as it was.
        let later = body.replace("\"page\":2", "\"page\":3");
        assert_ne!(later, body);
        for secret in [OWNER.1, resume.as_str()] {
            let (code, answer) = http(
                s.port,
                "PUT",
                &format!("/api/{aud}/responses/{id}"),
                &[JSON, ("X-Quire-Secret", secret)],
                later.as_bytes(),
            );
            assert_eq!(code, 410, "{db}: {answer}");
        }
        assert_eq!(
            http(s.port, "GET", &format!("/api/{aud}/resume/{resume}"), &[], b"").0,
            410,
            "{db}: still expired"
        );
        let table = export_spec(&spec, &db, true, &tmp.path().join("partials.csv"));
        assert_eq!(
            table.rows.len(),
            1,
            "{db}: the expired partial is exported with --partials"
        );
        // The second response completes after a partial: stored once, as complete.
        let (aud2, id2, rec2) = &recs[1];
        let body2 = format!("{{\"record\":{rec2},\"state\":{{}}}}");
        assert_eq!(
            http(
                s.port,
                "PUT",
                &format!("/api/{aud2}/responses/{id2}"),
                &[JSON, OWNER],
                body2.as_bytes()
            )
            .0,
            200
        );
        assert_eq!(
            post(s.port, aud2, rec2).0,
            403,
            "{db}: a partial is completed only by its owner"
        );
        let complete_with = |secret: &str| {
            http(
                s.port,
                "POST",
                &format!("/api/{aud2}/responses"),
                &[JSON, ("X-Quire-Secret", secret)],
                rec2.as_bytes(),
            )
            .0
        };
        assert_eq!(complete_with("someone-else-0123456789"), 403, "{db}");
        assert_eq!(complete_with(OWNER.1), 201, "{db}: completing a partial");
        assert_eq!(
            http(
                s.port,
                "PUT",
                &format!("/api/{aud2}/responses/{id2}"),
                &[JSON, OWNER],
                body2.as_bytes()
            )
            .0,
            409,
            "{db}: no partial over a complete response"
        );
        let complete = export_spec(&spec, &db, false, &tmp.path().join("complete.csv"));
        assert_eq!(complete.rows.len(), 1, "{db}");
    }
}

fn export_spec(spec: &Path, db: &str, partials: bool, out: &Path) -> quire_core::data::records::Table {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_quire-serve"));
    cmd.args([
        "export",
        &spec.display().to_string(),
        "--db",
        db,
        "-o",
        &out.display().to_string(),
    ]);
    if partials {
        cmd.arg("--partials");
    }
    assert!(cmd.stderr(Stdio::null()).status().unwrap().success());
    quire_core::data::records::read_csv(&std::fs::read_to_string(out).unwrap()).unwrap()
}

#[test]
fn invitations_admin_keying_limits_and_openapi() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("ops.sqlite").display().to_string();
    let tokens = invite(&db, "hcp", 2);
    assert_eq!(tokens.len(), 2);
    let s = start(
        &flagship(),
        &db,
        &["--admin-token", "t0ken-for-tests", "--rate-limit", "5"],
    );
    let recs = records(6, 2);
    let hcp: Vec<&(String, String, String)> = recs.iter().filter(|r| r.0 == "hcp").collect();
    let patient = recs.iter().find(|r| r.0 == "patient").unwrap();
    assert_eq!(
        post(s.port, "hcp", &hcp[0].2).0,
        403,
        "the hcp form needs an invitation"
    );
    let with = |t: &str, rec: &str| {
        http(
            s.port,
            "POST",
            "/api/hcp/responses",
            &[JSON, ("X-Quire-Invitation", t)],
            rec.as_bytes(),
        )
        .0
    };
    assert_eq!(with(&tokens[0], &hcp[0].2), 201);
    assert_eq!(
        with(&tokens[0], &hcp[0].2),
        200,
        "a retry of the same response with its token"
    );
    assert_eq!(with(&tokens[0], &hcp[1].2), 403, "a used token");
    assert_eq!(with(&tokens[1], &hcp[1].2), 201);
    assert_eq!(
        post(s.port, "patient", &patient.2).0,
        201,
        "no invitations for patients"
    );
    // Admin: token checked, counts shown, text escaped.
    assert_eq!(http(s.port, "GET", "/admin", &[], b"").0, 401);
    assert_eq!(http(s.port, "GET", "/admin?token=wrong", &[], b"").0, 401);
    let (code, page) = http(
        s.port,
        "GET",
        "/admin",
        &[("Authorization", "Bearer t0ken-for-tests")],
        b"",
    );
    assert_eq!(code, 200);
    assert!(
        page.contains("<th scope=\"row\">Healthcare professionals</th><td>2</td>"),
        "{page}"
    );
    assert!(
        !page.contains("Ysbyty") && !page.contains("Hospital pharmacist"),
        "no response content on the admin page"
    );
    // The keying view: codes beside answers, the mode recorded.
    let (code, keying) = http(s.port, "GET", "/patient/keying?token=t0ken-for-tests", &[], b"");
    assert!(
        code == 200 && keying.contains("Keying a return") && keying.contains("\"keying\":true"),
        "{code}"
    );
    // Its pages, as the runtime builds them, show each option's code.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keying.html"), &keying).unwrap();
    let render = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser/render.cjs");
    let shown = Command::new("node")
        .arg(&render)
        .arg(dir.path().join("keying.html"))
        .arg(dir.path().join("shown.html"))
        .status()
        .expect("node (scripts/test installs it)");
    assert!(shown.success());
    let shown = std::fs::read_to_string(dir.path().join("shown.html")).unwrap();
    assert!(
        shown.contains("<span class=\"code\">1</span> "),
        "no codes on the keying pages"
    );
    assert_eq!(http(s.port, "GET", "/patient/keying", &[], b"").0, 401);
    // The OpenAPI document describes the API.
    let out = Command::new(env!("CARGO_BIN_EXE_quire-serve"))
        .args(["serve", &flagship().display().to_string(), "--openapi"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/{audience}/responses"]["post"].is_object());
    assert!(
        !doc.to_string().contains("#/$defs/"),
        "every reference resolves inside the document"
    );
    // Rate limit: 5 a second with bursts of 50; a rush of 80 meets 429s.
    let limited = (0..80)
        .filter(|_| http(s.port, "GET", "/healthz", &[], b"").0 == 429)
        .count();
    assert!(limited > 0, "no request was limited");
}

/// 50 clients send simulated responses; the server is killed (SIGKILL) in the middle and
/// started again; every response acknowledged with a 2xx is stored exactly once, and the
/// clients' retries of unacknowledged ones store them once too.
#[test]
fn load_with_a_kill_loses_and_duplicates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    for db in databases(tmp.path(), "load") {
        let port = free_port();
        let server = std::sync::Arc::new(std::sync::Mutex::new(Some(start_on(
            &flagship(),
            &db,
            port,
            &["--rate-limit", "0"],
        ))));
        let recs = std::sync::Arc::new(records(1500, 77));
        let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let deadline = Instant::now() + Duration::from_secs(120);
        let clients: Vec<_> = (0..50)
            .map(|c| {
                let (recs, acked, sent) = (recs.clone(), acked.clone(), sent.clone());
                std::thread::spawn(move || {
                    for (i, (aud, id, rec)) in recs.iter().enumerate() {
                        if i % 50 != c {
                            continue;
                        }
                        // Retry until acknowledged, as the form does (bounded by the deadline).
                        while Instant::now() < deadline {
                            sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            match try_http(
                                port,
                                "POST",
                                &format!("/api/{aud}/responses"),
                                &[JSON, ("Idempotency-Key", id)],
                                rec.as_bytes(),
                            ) {
                                Ok((200 | 201, _)) => {
                                    acked.lock().unwrap().push(id.clone());
                                    break;
                                }
                                Ok((code, body)) if code != 503 && code != 0 => panic!("{code}: {body}"),
                                _ => std::thread::sleep(Duration::from_millis(100)),
                            }
                        }
                    }
                })
            })
            .collect();
        // Kill it when about a third is in, then start it again on the same port.
        while acked.lock().unwrap().len() < 500 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        let killed_at = acked.lock().unwrap().len();
        if let Some(mut s) = server.lock().unwrap().take() {
            let _ = s.child.kill(); // SIGKILL
            let _ = s.child.wait();
        }
        std::thread::sleep(Duration::from_millis(300));
        *server.lock().unwrap() = Some(start_on(&flagship(), &db, port, &["--rate-limit", "0"]));
        for c in clients {
            c.join().unwrap();
        }
        let acked = acked.lock().unwrap().clone();
        assert_eq!(acked.len(), 1500, "{db}: every response acknowledged by the end");
        assert!(
            (500..1500).contains(&killed_at),
            "{db}: the kill came mid-load ({killed_at})"
        );
        let table = export(&db, false, &tmp.path().join("load.csv"));
        let mut ids: Vec<&String> = table.rows.iter().map(|r| &r[0]).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "{db}: a response stored twice");
        assert_eq!(n, 1500, "{db}: stored {n} of 1500 acknowledged");
        eprintln!(
            "{db}: {} requests for 1500 responses, killed after {killed_at}",
            sent.load(std::sync::atomic::Ordering::Relaxed)
        );
        drop(server);
    }
}

/// The served form in Debian's Chromium: started on one device, resumed on another with its
/// code, sent with the first answer lost on the way back; stored exactly once, complete.
#[test]
fn a_served_form_resumes_on_another_device_and_stores_once() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("browser.sqlite").display().to_string();
    let s = start(&flagship(), &db, &["--admin-token", "keying-t0ken"]);
    let out = tmp.path().join("served.json");
    let browser = root().join("tests/browser");
    let run = Command::new("node")
        .args([
            browser.join("serve.mjs").display().to_string(),
            format!("http://127.0.0.1:{}", s.port),
            out.display().to_string(),
            "keying-t0ken".to_string(),
        ])
        .current_dir(&browser)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let result: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(result["posts"].as_u64().unwrap() >= 2, "the lost answer was retried");
    let table = export(&db, true, &tmp.path().join("all.csv"));
    let id = result["id"].as_str().unwrap();
    let rows: Vec<&Vec<String>> = table.rows.iter().filter(|r| r[0] == id).collect();
    assert_eq!(rows.len(), 1, "stored exactly once");
    assert_ne!(rows[0][7], "-99", "stored as submitted (submitted_at is set)");
    assert_eq!(rows[0][4], "web");
    // The keyed telephone return: stored with its mode.
    let keyed = result["keyed"].as_str().unwrap();
    let keyed: Vec<&Vec<String>> = table.rows.iter().filter(|r| r[0] == keyed).collect();
    assert_eq!(keyed.len(), 1, "the keyed return stored once");
    assert_eq!(keyed[0][4], "telephone", "the keyed return's mode");
    let report = quire_core::data::verify::check(&model(), &table, &Default::default());
    assert!(
        report.is_clean(),
        "{}",
        quire_backends::data_check::human(&report, "served", 5)
    );
}

/// schemathesis (PyPI) against the OpenAPI document: every answer conforms to it (status
/// codes, content types, bodies), no request makes a server error.
#[test]
fn schemathesis_finds_the_api_as_documented() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("st.sqlite").display().to_string();
    let s = start(&flagship(), &db, &["--rate-limit", "0"]);
    let out = Command::new("schemathesis")
        .args([
            "run",
            &format!("http://127.0.0.1:{}/api/openapi.json", s.port),
            "--checks",
            "all",
            // A record the schema allows may still break routing or validation rules, which
            // the server checks with Quire's evaluator (a documented 422).
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            "30",
            "--seed",
            "1",
        ])
        .env("NO_COLOR", "1")
        .current_dir(tmp.path())
        .output()
        .expect("schemathesis is installed by scripts/install-test-tools");
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{log}{}", String::from_utf8_lossy(&out.stderr));
    assert!(log.contains("passed"), "{log}");
}

/// `quire preview`: an edit of the spec reaches the open form by itself; a broken spec
/// shows its located diagnostics over the last good form, which stays (Chromium).
#[test]
fn preview_rebuilds_on_save_and_shows_diagnostics() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("survey.quire.yaml");
    std::fs::copy(root().join("examples/minimal.quire.yaml"), &spec).unwrap();
    let model = quire_core::compile("m.yaml", &std::fs::read_to_string(&spec).unwrap())
        .model
        .unwrap();
    let audience = model.audiences[0].id.clone();
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_quire-serve"))
        .args([
            "preview",
            spec.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Server { child, port };
    let until = Instant::now() + Duration::from_secs(60);
    while !matches!(try_http(port, "GET", "/__preview/state", &[], b""), Ok((200, _))) {
        assert!(Instant::now() < until, "the preview did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (code, body) = http(port, "GET", "/", &[], b"");
    assert!(
        code == 200 && body.contains(".pdf"),
        "the paper editions are listed: {body}"
    );
    let browser = root().join("tests/browser");
    let run = Command::new("node")
        .args([
            browser.join("preview.mjs").display().to_string(),
            format!("http://127.0.0.1:{port}"),
            audience,
            spec.display().to_string(),
        ])
        .current_dir(&browser)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    // Without a save nothing is rebuilt: reading the spec was an event once, and the page
    // rebuilt and reloaded for ever (what was typed into the form was lost).
    let generation = || -> u64 {
        let (_, body) = http(port, "GET", "/__preview/state", &[], b"");
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["generation"]
            .as_u64()
            .unwrap()
    };
    let settled = generation();
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(generation(), settled, "the preview rebuilt without a save");
}

/// Invitation links for an audience, made by `quire invite`: the tokens.
fn invite(db: &str, audience: &str, n: usize) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_quire-serve"))
        .args([
            "invite",
            &flagship().display().to_string(),
            "--db",
            db,
            "--audience",
            audience,
            "-n",
            &n.to_string(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.rsplit('=').next().unwrap().to_string())
        .collect()
}

fn resume_code_of(answer: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(answer).unwrap_or_else(|_| panic!("{answer}"));
    v["resume_code"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"))
        .to_string()
}

/// A saved response is its form's: changing or completing it needs the form's secret or
/// its resume code, never only its id. Partials are checked like records; paper and
/// telephone returns need the keying token; the API takes JSON from its own pages only.
#[test]
fn a_saved_response_is_owned_checked_and_posted_only_from_its_site() {
    let tmp = tempfile::tempdir().unwrap();
    for db in databases(tmp.path(), "owned") {
        let s = start(&flagship(), &db, &["--admin-token", "k3ying-t0ken"]);
        let recs = records(4, 31);
        let (aud, id, rec) = &recs[0];
        let body = format!("{{\"record\":{rec},\"state\":{{\"page\":1}}}}");
        let url = format!("/api/{aud}/responses/{id}");
        let put = |headers: &[(&str, &str)], body: &str| http(s.port, "PUT", &url, headers, body.as_bytes());
        assert_eq!(put(&[JSON], &body).0, 401, "{db}: a partial without a secret");
        let (code, saved) = put(&[JSON, OWNER], &body);
        assert_eq!(code, 200, "{db}: {saved}");
        let resume = resume_code_of(&saved);
        let (code, answer) = put(&[JSON, ("X-Quire-Secret", "a-guess-by-someone-else-00")], &body);
        assert_eq!(code, 403, "{db}: someone who knows only the id");
        assert!(!answer.contains(&resume), "{db}: the resume code was handed out");
        assert_eq!(
            put(&[JSON, ("X-Quire-Secret", &resume)], &body).0,
            200,
            "{db}: by its code"
        );
        let stranger = http(
            s.port,
            "POST",
            &format!("/api/{aud}/responses"),
            &[JSON, ("X-Quire-Secret", "a-guess-by-someone-else-00")],
            rec.as_bytes(),
        );
        assert_eq!(stranger.0, 403, "{db}: completed by someone who knows only the id");
        // Partials are checked as records are: a code not in the list is refused.
        let bad = body.replace("\"cc_has\":", "\"cc_has\":7,\"was_cc_has\":");
        assert_ne!(bad, body);
        let (code, answer) = put(&[JSON, OWNER], &bad);
        assert_eq!(code, 422, "{db}: {answer}");
        // The partial's id under another audience's form.
        let other = if aud == "hcp" { "patient" } else { "hcp" };
        let moved = body.replace(&format!("\"audience\":\"{aud}\""), &format!("\"audience\":\"{other}\""));
        let (code, _) = http(
            s.port,
            "PUT",
            &format!("/api/{other}/responses/{id}"),
            &[JSON, OWNER],
            moved.as_bytes(),
        );
        assert!(code == 409 || code == 422, "{db}: {code}");
        // Only JSON, only from this site's pages (or an allowed origin).
        assert_eq!(put(&[("Content-Type", "text/plain"), OWNER], &body).0, 415, "{db}");
        assert_eq!(put(&[OWNER], &body).0, 415, "{db}: no content type");
        assert_eq!(
            put(&[JSON, OWNER, ("Sec-Fetch-Site", "cross-site")], &body).0,
            403,
            "{db}: another site's page"
        );
        assert_eq!(
            put(&[JSON, OWNER, ("Origin", "https://elsewhere.example")], &body).0,
            403,
            "{db}: another origin"
        );
        let own = format!("http://127.0.0.1:{}", s.port);
        assert_eq!(
            put(
                &[JSON, OWNER, ("Origin", &own), ("Sec-Fetch-Site", "same-origin")],
                &body
            )
            .0,
            200,
            "{db}: the form's own page"
        );
        // A telephone return needs the keying token.
        let (_, id2, rec2) = &recs[1];
        let aud2 = &recs[1].0;
        let phone = rec2.replace("\"mode\":\"web\"", "\"mode\":\"telephone\"");
        assert_ne!(&phone, rec2);
        let keyed = |headers: &[(&str, &str)]| {
            http(
                s.port,
                "POST",
                &format!("/api/{aud2}/responses"),
                headers,
                phone.as_bytes(),
            )
            .0
        };
        assert_eq!(keyed(&[JSON]), 403, "{db}: a telephone return without the token");
        assert_eq!(keyed(&[JSON, ("Authorization", "Bearer wrong")]), 403, "{db}");
        assert_eq!(
            keyed(&[JSON, ("Authorization", "Bearer k3ying-t0ken")]),
            201,
            "{db}: keyed {id2}"
        );
        // The owner completes the response.
        let (code, _) = http(
            s.port,
            "POST",
            &format!("/api/{aud}/responses"),
            &[JSON, OWNER],
            rec.as_bytes(),
        );
        assert_eq!(code, 201, "{db}");
        let table = export(&db, true, &tmp.path().join("owned.csv"));
        assert_eq!(table.rows.len(), 2, "{db}");
        let report = quire_core::data::verify::check(&model(), &table, &Default::default());
        assert!(
            report.is_clean(),
            "{db}: {}",
            quire_backends::data_check::human(&report, "owned", 5)
        );
    }
}

/// An invited respondent who resumes on another device can still send: the invitation
/// stays with the saved response, and is used up only by a stored complete response.
#[test]
fn invitations_survive_resume_and_are_used_by_the_complete_response() {
    let tmp = tempfile::tempdir().unwrap();
    for db in databases(tmp.path(), "invited") {
        let tokens = invite(&db, "hcp", 2);
        let s = start(&flagship(), &db, &[]);
        let recs = records(40, 12);
        let hcp: Vec<&(String, String, String)> = recs.iter().filter(|r| r.0 == "hcp").collect();
        assert!(hcp.len() >= 3);
        let put = |i: usize, headers: &[(&str, &str)]| {
            let body = format!("{{\"record\":{},\"state\":{{\"page\":1}}}}", hcp[i].2);
            http(
                s.port,
                "PUT",
                &format!("/api/hcp/responses/{}", hcp[i].1),
                headers,
                body.as_bytes(),
            )
        };
        let post = |i: usize, headers: &[(&str, &str)]| {
            http(s.port, "POST", "/api/hcp/responses", headers, hcp[i].2.as_bytes()).0
        };
        assert_eq!(
            put(0, &[JSON, OWNER]).0,
            403,
            "{db}: a partial needs the invitation too"
        );
        let (code, saved) = put(0, &[JSON, OWNER, ("X-Quire-Invitation", &tokens[0])]);
        assert_eq!(code, 200, "{db}: {saved}");
        let resume = resume_code_of(&saved);
        // Another device: the code restores the response, which is then sent without the
        // invitation (the new device never saw the link).
        let (code, _) = http(s.port, "GET", &format!("/api/hcp/resume/{resume}"), &[], b"");
        assert_eq!(code, 200, "{db}");
        assert_eq!(
            post(0, &[JSON, ("X-Quire-Secret", &resume)]),
            201,
            "{db}: sent after resuming"
        );
        assert_eq!(
            post(1, &[JSON, ("X-Quire-Invitation", &tokens[0])]),
            403,
            "{db}: used up"
        );
        // A partial holds its invitation without using it up: a complete response does.
        let second: (&str, &str) = ("X-Quire-Secret", "another-form-secret-0123456789");
        assert_eq!(
            put(1, &[JSON, second, ("X-Quire-Invitation", &tokens[1])]).0,
            200,
            "{db}"
        );
        assert_eq!(post(2, &[JSON, ("X-Quire-Invitation", &tokens[1])]), 201, "{db}");
        assert_eq!(
            post(1, &[JSON, second]),
            403,
            "{db}: its invitation went to another response"
        );
    }
}

/// No resume code, invitation, secret or admin token ever reaches the log, though every
/// request is logged; a log line stands for each request.
#[test]
fn secrets_never_reach_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("log.sqlite").display().to_string();
    let tokens = invite(&db, "hcp", 3);
    let log_path = tmp.path().join("server.log");
    let port = free_port();
    let s = start_logged(
        &flagship(),
        &db,
        port,
        &["--admin-token", "adm1n-t0ken-for-the-log", "--rate-limit", "0"],
        Stdio::from(std::fs::File::create(&log_path).unwrap()),
    );
    let recs = records(30, 44);
    let mut secrets: Vec<String> = tokens.clone();
    secrets.push("adm1n-t0ken-for-the-log".into());
    let mut requests = 0;
    for (i, (aud, id, rec)) in recs.iter().take(12).enumerate() {
        let secret = format!("form-secret-{i:04}-0123456789abcdef");
        let invitation = tokens[i % tokens.len()].clone();
        let body = format!("{{\"record\":{rec},\"state\":{{\"page\":1}}}}");
        let (_, saved) = http(
            port,
            "PUT",
            &format!("/api/{aud}/responses/{id}"),
            &[JSON, ("X-Quire-Secret", &secret), ("X-Quire-Invitation", &invitation)],
            body.as_bytes(),
        );
        requests += 1;
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&saved)
            && let Some(code) = v["resume_code"].as_str()
        {
            secrets.push(code.to_string());
            assert_eq!(http(port, "GET", &format!("/api/{aud}/resume/{code}"), &[], b"").0, 200);
            requests += 1;
        }
        secrets.push(secret);
    }
    assert!(secrets.len() > 20, "codes were issued");
    http(port, "GET", "/admin?token=adm1n-t0ken-for-the-log", &[], b"");
    http(
        port,
        "GET",
        "/patient/?invite=0123456789abcdef0123456789abcdef",
        &[],
        b"",
    );
    http(port, "GET", "/api/patient/resume/ABCD-EFGH-JKMN", &[], b"");
    requests += 3;
    // The log is written on its own thread: give it a moment, then stop the server.
    std::thread::sleep(Duration::from_millis(500));
    drop(s);
    let log = std::fs::read_to_string(&log_path).unwrap();
    let lines = log.lines().filter(|l| l.contains("\"event\":\"request\"")).count();
    assert!(
        lines >= requests,
        "{lines} request lines for {requests} requests:\n{log}"
    );
    assert!(log.contains("/resume/…"), "{log}");
    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "`{secret}` is in the log:\n{log}");
    }
    assert!(!log.contains("ABCD-EFGH-JKMN"), "a guessed code is in the log");
}

/// Behind a reverse proxy the rate limit is per client, from the proxy's headers, and
/// only a trusted proxy's headers count.
#[test]
fn the_rate_limit_keys_on_clients_behind_a_trusted_proxy() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("proxy.sqlite").display().to_string();
    let limited = |port: u16, header: &str, vary: bool| {
        (0..30)
            .filter(|i| {
                let value = match (header, vary) {
                    ("Forwarded", true) => format!("for=\"203.0.113.{i}:4711\";proto=https"),
                    ("Forwarded", false) => "for=203.0.113.7".to_string(),
                    (_, true) => format!("198.51.100.{i}"),
                    _ => "198.51.100.7".to_string(),
                };
                http(port, "GET", "/healthz", &[(header, &value)], b"").0 == 429
            })
            .count()
    };
    let behind = start(
        &flagship(),
        &db,
        &["--rate-limit", "1", "--trusted-proxy", "127.0.0.1/32"],
    );
    assert_eq!(
        limited(behind.port, "X-Forwarded-For", true),
        0,
        "30 clients, one request each"
    );
    assert_eq!(limited(behind.port, "Forwarded", true), 0, "30 clients by Forwarded");
    assert!(
        limited(behind.port, "X-Forwarded-For", false) > 0,
        "one client, 30 requests"
    );
    drop(behind);
    // Without --trusted-proxy, a client cannot choose its own address.
    let direct = start(&flagship(), &db, &["--rate-limit", "1"]);
    assert!(
        limited(direct.port, "X-Forwarded-For", true) > 0,
        "forwarding headers from anyone"
    );
}

/// Large and half-sent requests hold nothing up: a record with more fields than the
/// questionnaire has is refused before it is checked, health checks answer while large
/// bodies arrive, and a client that never finishes its headers is cut off.
#[test]
fn large_and_slow_requests_do_not_stall_the_server() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("stall.sqlite").display().to_string();
    let s = start(&flagship(), &db, &["--rate-limit", "0"]);
    let mut fields = String::from("{\"respondent_id\":\"big\",\"audience\":\"patient\"");
    let mut i = 0;
    while fields.len() < (1 << 20) - 100 {
        fields.push_str(&format!(",\"f{i}\":\"x\""));
        i += 1;
    }
    fields.push('}');
    let port = s.port;
    let big: Vec<_> = (0..4)
        .map(|_| {
            let body = fields.clone();
            std::thread::spawn(move || http(port, "POST", "/api/patient/responses", &[JSON], body.as_bytes()))
        })
        .collect();
    let (code, _) = http(port, "GET", "/healthz", &[], b"");
    assert_eq!(code, 200);
    for b in big {
        let (code, answer) = b.join().unwrap();
        assert_eq!(code, 422, "{answer}");
        assert!(answer.contains("fields"), "{answer}");
    }
    // Headers begun and never finished: the server closes the connection.
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.write_all(b"POST /api/patient/responses HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .unwrap();
    c.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut out = Vec::new();
    let closed = c.read_to_end(&mut out).is_ok();
    assert!(closed, "the half-sent request was held for a minute");
}

/// `quire backup` copies a SQLite database while responses arrive: the copy passes
/// SQLite's own integrity check (Python's sqlite3) and holds every response acknowledged
/// before it began.
#[test]
fn backup_copies_a_live_database_consistently() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("live.sqlite").display().to_string();
    let s = start(&flagship(), &db, &["--rate-limit", "0"]);
    let recs = std::sync::Arc::new(records(400, 8));
    for (aud, _, rec) in recs.iter().take(100) {
        assert_eq!(post(s.port, aud, rec).0, 201);
    }
    let port = s.port;
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let recs = recs.clone();
            std::thread::spawn(move || {
                for (aud, _, rec) in recs.iter().skip(100 + w).step_by(4) {
                    assert_eq!(post(port, aud, rec).0, 201);
                }
            })
        })
        .collect();
    let copies: Vec<PathBuf> = (0..3).map(|i| tmp.path().join(format!("copy{i}.sqlite"))).collect();
    for copy in &copies {
        let out = Command::new(env!("CARGO_BIN_EXE_quire-serve"))
            .args([
                "backup",
                &flagship().display().to_string(),
                "--db",
                &db,
                "-o",
                &copy.display().to_string(),
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    for w in writers {
        w.join().unwrap();
    }
    for copy in &copies {
        let check = Command::new("python3")
            .args([
                "-c",
                "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(c.execute('PRAGMA integrity_check').fetchone()[0], c.execute('SELECT COUNT(*) FROM responses').fetchone()[0])",
                &copy.display().to_string(),
            ])
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&check.stdout).to_string();
        let mut words = said.split_whitespace();
        assert_eq!(words.next(), Some("ok"), "{said}");
        let n: usize = words.next().unwrap().parse().unwrap();
        assert!((100..=400).contains(&n), "{n}");
    }
    // Never over the database itself, nor over a file Quire did not write.
    let mine = tmp.path().join("mine.txt");
    std::fs::write(&mine, "keep").unwrap();
    for target in [Path::new(&db), mine.as_path()] {
        let out = Command::new(env!("CARGO_BIN_EXE_quire-serve"))
            .args([
                "backup",
                &flagship().display().to_string(),
                "--db",
                &db,
                "-o",
                &target.display().to_string(),
            ])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{}", target.display());
    }
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "keep");
}

/// A full database disk answers 503 with the reason, `/healthz` and `/readyz` say so, and
/// writing resumes by itself when there is room again; nothing acknowledged is lost.
/// (SQLite's page limit stands in for the disk here; scripts/serve-faults fills a real
/// tmpfs.)
#[test]
fn a_full_database_disk_is_reported_and_recovered_from() {
    use tower::ServiceExt;
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("full.sqlite").display().to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt
        .block_on(quire_serve::store::Store::open(&db, &Default::default()))
        .unwrap();
    let quire_serve::store::Store::Sqlite(lite) = store.clone() else {
        unreachable!()
    };
    let config = quire_serve::api::Config {
        admin_token: None,
        origins: Vec::new(),
        rate: 0.0,
        log_requests: false,
        trusted_proxies: Vec::new(),
    };
    let router = quire_serve::api::router(quire_serve::api::App::new(model(), store, config).unwrap());
    let call = |method: &str, path: &str, body: String| {
        let mut req = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body))
            .unwrap();
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [127, 0, 0, 1],
                9,
            ))));
        let res = rt.block_on(router.clone().oneshot(req)).unwrap();
        let status = res.status().as_u16();
        let bytes = rt.block_on(axum::body::to_bytes(res.into_body(), 1 << 20)).unwrap();
        (status, String::from_utf8_lossy(&bytes).to_string())
    };
    let recs = records(300, 3);
    let mut acked = 0;
    for (aud, _, rec) in recs.iter().take(20) {
        assert_eq!(call("POST", &format!("/api/{aud}/responses"), rec.clone()).0, 201);
        acked += 1;
    }
    // The disk is full: no page beyond those the database has now.
    let limit = |pages: Option<i64>| {
        let c = lite.lock();
        let n: i64 = c.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
        let _: i64 = c
            .query_row(&format!("PRAGMA max_page_count = {}", pages.unwrap_or(n)), [], |r| {
                r.get(0)
            })
            .unwrap();
    };
    let checkpoint = || {
        let c = lite.lock();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    };
    checkpoint();
    limit(None);
    let mut refused = 0;
    let mut reason = String::new();
    for (aud, _, rec) in recs.iter().skip(20).take(200) {
        let (code, body) = call("POST", &format!("/api/{aud}/responses"), rec.clone());
        match code {
            201 => acked += 1,
            503 => {
                refused += 1;
                reason = body;
                break;
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert!(refused > 0, "the database never filled up");
    assert!(reason.contains("disk is full"), "{reason}");
    let (code, health) = call("GET", "/healthz", String::new());
    assert_eq!(code, 503, "/healthz while the disk is full: {health}");
    assert!(health.contains("disk is full"), "{health}");
    assert_eq!(call("GET", "/readyz", String::new()).0, 503);
    // Room again: the next write works, and the health checks see it.
    limit(Some(1 << 30));
    assert_eq!(call("GET", "/healthz", String::new()).0, 200);
    assert_eq!(call("GET", "/readyz", String::new()).0, 200);
    let (aud, _, rec) = &recs[299];
    assert_eq!(call("POST", &format!("/api/{aud}/responses"), rec.clone()).0, 201);
    acked += 1;
    drop(router);
    let table = export(&db, false, &tmp.path().join("full.csv"));
    assert_eq!(table.rows.len(), acked, "every acknowledged response is stored");
}

/// PostgreSQL: four servers started at once on an empty database all come up (five times),
/// and a server whose connections are all cut comes back by itself, failing requests only
/// while they are down.
#[test]
fn postgresql_migrates_once_under_simultaneous_starts_and_reconnects() {
    let Ok(url) = std::env::var("QUIRE_TEST_POSTGRES") else {
        assert!(
            std::env::var_os("QUIRE_SKIP_POSTGRES").is_some(),
            "set QUIRE_TEST_POSTGRES"
        );
        return;
    };
    let base = url.rsplit_once('/').unwrap().0.to_string();
    let psql = |sql: &str| {
        let out = Command::new("psql")
            .args([url.as_str(), "-qAt", "-c", sql])
            .output()
            .unwrap();
        assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    for attempt in 0..5 {
        let name = format!("t_simul_{attempt}_{}", std::process::id());
        psql(&format!("CREATE DATABASE {name}"));
        let db = format!("{base}/{name}");
        let ports: Vec<u16> = (0..4).map(|_| free_port()).collect();
        let children: Vec<Child> = ports
            .iter()
            .map(|port| {
                Command::new(env!("CARGO_BIN_EXE_quire-serve"))
                    .arg("serve")
                    .arg(flagship())
                    .args(["--db", &db, "--listen", &format!("127.0.0.1:{port}")])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let servers: Vec<Server> = children
            .into_iter()
            .zip(&ports)
            .map(|(child, port)| Server { child, port: *port })
            .collect();
        for mut s in servers {
            let until = Instant::now() + Duration::from_secs(60);
            loop {
                if let Ok(Some(status)) = s.child.try_wait() {
                    let mut err = String::new();
                    let _ = s.child.stderr.take().unwrap().read_to_string(&mut err);
                    panic!("attempt {attempt}: an instance exited ({status}): {err}");
                }
                if let Ok((200, _)) = try_http(s.port, "GET", "/healthz", &[], b"") {
                    break;
                }
                assert!(Instant::now() < until, "attempt {attempt}: an instance did not start");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        assert_eq!(
            psql(&format!("SELECT COUNT(*) FROM pg_database WHERE datname = '{name}'")),
            "1"
        );
    }
    // Every connection cut (as a database restart does): requests fail only until the pool
    // has reconnected, and every acknowledged response is stored once.
    let name = format!("t_reconnect_{}", std::process::id());
    psql(&format!("CREATE DATABASE {name}"));
    let db = format!("{base}/{name}");
    let s = start(&flagship(), &db, &["--rate-limit", "0"]);
    let recs = records(200, 61);
    let mut failed = 0;
    for (i, (aud, id, rec)) in recs.iter().enumerate() {
        if i % 50 == 25 {
            psql(&format!(
                "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{name}'"
            ));
        }
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let (code, body) = http(
                s.port,
                "POST",
                &format!("/api/{aud}/responses"),
                &[JSON, ("Idempotency-Key", id)],
                rec.as_bytes(),
            );
            match code {
                200 | 201 => break,
                503 => {
                    failed += 1;
                    assert!(Instant::now() < until, "{id}: still 503 after 30 s: {body}");
                    std::thread::sleep(Duration::from_millis(50));
                }
                other => panic!("{other}: {body}"),
            }
        }
    }
    assert_eq!(http(s.port, "GET", "/healthz", &[], b"").0, 200);
    assert!(failed <= 4 * 64, "{failed} failed requests for 4 cuts");
    let table = export(&db, false, &tmp_out().join("reconnect.csv"));
    assert_eq!(table.rows.len(), 200);
}

fn tmp_out() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("quire-serve-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
