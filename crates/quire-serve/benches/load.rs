//! The collection server under load: simulated responses (`quire simulate`) posted by 50
//! concurrent clients over loopback, each on a connection kept alive (as browsers and
//! reverse proxies keep theirs), against SQLite and (with `QUIRE_TEST_POSTGRES`)
//! PostgreSQL. Prints responses per second and p50/p99 latency, recorded in
//! docs/BENCHMARKS.md. `cargo bench -p quire-serve --bench load` sends 20,000; under
//! `cargo test` it sends 500 as a smoke test. Loopback only, bounded, stops by itself.

use std::io::{Read, Write};

use std::net::TcpStream;
use std::time::{Duration, Instant};

use quire_serve::{api, store};

/// One client's connection, kept alive between requests as a browser (or a reverse proxy in
/// front of the server) keeps it; opened again when the server closes it.
struct Client {
    port: u16,
    conn: Option<std::io::BufReader<TcpStream>>,
}

impl Client {
    fn post(&mut self, audience: &str, id: &str, body: &str) -> u16 {
        for _ in 0..2 {
            if self.conn.is_none() {
                let Ok(s) = TcpStream::connect(("127.0.0.1", self.port)) else {
                    return 0;
                };
                let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
                let _ = s.set_nodelay(true);
                self.conn = Some(std::io::BufReader::new(s));
            }
            let Some(conn) = self.conn.as_mut() else {
                return 0;
            };
            let req = format!(
                "POST /api/{audience}/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nIdempotency-Key: {id}\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            if conn.get_mut().write_all(req.as_bytes()).is_ok()
                && let Some(code) = read_answer(conn)
            {
                return code;
            }
            // Closed by the server between requests: once more on a new connection.
            self.conn = None;
        }
        0
    }
}

/// Reads one HTTP/1.1 answer (its length from Content-Length): the status.
fn read_answer(conn: &mut std::io::BufReader<TcpStream>) -> Option<u16> {
    use std::io::BufRead;
    let mut line = String::new();
    conn.read_line(&mut line).ok().filter(|n| *n > 0)?;
    let status = line.split(' ').nth(1)?.parse().ok()?;
    let mut length = 0usize;
    loop {
        line.clear();
        conn.read_line(&mut line).ok().filter(|n| *n > 0)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0u8; length];
    conn.read_exact(&mut body).ok()?;
    Some(status)
}

fn run(label: &str, url: &str, n: usize) {
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/../../questionnaires/concord/concord.yaml");
    let model = quire_core::compile("concord.yaml", &std::fs::read_to_string(spec).unwrap())
        .model
        .unwrap();
    let opts = quire_core::data::simulate::Options {
        n,
        seed: 20,
        ..Default::default()
    };
    let rows = quire_core::data::simulate::records(&model, &opts);
    let lines = quire_core::data::to_json_lines(&model, &quire_core::data::columns(&model), &rows);
    let recs: Vec<(String, String, String)> = lines
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["audience"].as_str().unwrap().to_string(),
                v["respondent_id"].as_str().unwrap().to_string(),
                l.to_string(),
            )
        })
        .collect();
    // What each request costs the server's cores before any I/O: the body parsed and the
    // record checked, one record at a time on one core.
    // CPU time (the thread's own, from the kernel), so other work on the machine does not
    // count.
    let checker = quire_core::data::verify::Checker::new(&model);
    let started = (Instant::now(), thread_cpu());
    for (_, _, body) in &recs {
        let serde_json::Value::Object(rec) = serde_json::from_str(body).unwrap() else {
            unreachable!("a record is an object")
        };
        assert!(api::problems_of(&checker, &rec, false).is_empty());
    }
    let per = |d: f64| d * 1e6 / recs.len() as f64;
    println!(
        "check {label}: {:.0} µs of CPU per record parsed and checked ({:.0} µs wall)",
        per(thread_cpu() - started.1),
        per(started.0.elapsed().as_secs_f64())
    );
    drop(checker);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let opts = store::Options::default();
    let store = rt.block_on(store::Store::open(url, &opts)).unwrap();
    let config = api::Config {
        admin_token: None,
        origins: Vec::new(),
        rate: 0.0,
        log_requests: false,
        trusted_proxies: Vec::new(),
    };
    let router = api::router(api::App::new(model, store, config).unwrap());
    rt.spawn(quire_serve::listen::serve(listener, router, std::future::pending()));
    let recs = std::sync::Arc::new(recs);
    let started = Instant::now();
    let clients: Vec<_> = (0..50)
        .map(|c| {
            let recs = recs.clone();
            std::thread::spawn(move || {
                let mut times = Vec::new();
                let mut client = Client { port, conn: None };
                for (aud, id, body) in recs.iter().skip(c).step_by(50) {
                    let t = Instant::now();
                    let code = client.post(aud, id, body);
                    assert!(code == 201 || code == 200, "{code}");
                    times.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                times
            })
        })
        .collect();
    let mut times: Vec<f64> = clients.into_iter().flat_map(|c| c.join().unwrap()).collect();
    let took = started.elapsed().as_secs_f64();
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "load {label}: {n} responses from 50 clients in {took:.1} s: {:.0} responses/s, p50 {:.1} ms, p99 {:.1} ms",
        n as f64 / took,
        pct(0.5),
        pct(0.99)
    );
}

/// This thread's CPU time in seconds (Linux: /proc/thread-self/schedstat; 0 elsewhere).
fn thread_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}

fn main() {
    let n = if std::env::args().any(|a| a == "--bench") {
        20_000
    } else {
        500
    };
    let dir = std::env::temp_dir().join(format!("quire-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    run("sqlite", &dir.join("load.sqlite").display().to_string(), n);
    let _ = std::fs::remove_dir_all(&dir);
    match std::env::var("QUIRE_TEST_POSTGRES") {
        Ok(url) => {
            // A fresh database for the run.
            let db = format!("load_{}", std::process::id());
            let ok = std::process::Command::new("psql")
                .args([url.as_str(), "-q", "-c", &format!("CREATE DATABASE {db}")])
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "cannot create a database at {url}");
            run("postgresql", &format!("{}/{db}", url.rsplit_once('/').unwrap().0), n);
        }
        Err(_) => println!("load postgresql: skipped (set QUIRE_TEST_POSTGRES)"),
    }
}
