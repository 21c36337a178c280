//! `quire-serve` (run as `quire serve`, `quire export`, `quire invite`): arguments in, a
//! server or files out.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use quire_serve::{api, store};

#[derive(Parser)]
#[command(
    name = "quire-serve",
    version,
    about = "Collect responses to a Quire questionnaire: serve its forms, validate and store what they send, export it"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve each audience's form at /<audience>/ and store the responses.
    Serve {
        /// The spec file.
        spec: PathBuf,
        /// Database: a SQLite file [default: <spec>.responses.sqlite beside the spec] or
        /// postgres://user@host/db.
        #[arg(long, env = "QUIRE_DB")]
        db: Option<String>,
        /// Address to listen on (TLS belongs to a reverse proxy in front).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Token for the admin page and the keying view (/admin?token=…).
        #[arg(long, env = "QUIRE_ADMIN_TOKEN")]
        admin_token: Option<String>,
        /// Origins allowed to post from forms hosted elsewhere (CORS); repeat for several.
        #[arg(long)]
        allow_origin: Vec<String>,
        /// Requests per second per client (bursts of ten times as many); 0 for no limit.
        /// Submissions are limited per respondent, and per client at ten times the rate.
        #[arg(long, default_value_t = 20.0)]
        rate_limit: f64,
        /// A reverse proxy (address or CIDR range, e.g. 127.0.0.1 or 10.0.0.0/8) whose
        /// `Forwarded` / `X-Forwarded-For` headers name the client; repeat for several.
        /// Without it the client is the connection's address.
        #[arg(long, value_name = "CIDR")]
        trusted_proxy: Vec<String>,
        /// PostgreSQL connections at most [default: 8 per core, 16 to 64].
        #[arg(long, env = "QUIRE_DB_POOL")]
        db_pool: Option<usize>,
        /// Seconds to keep trying a database that does not answer at start.
        #[arg(long, default_value_t = 30)]
        db_wait: u64,
        /// Print the API's OpenAPI 3.1 document and exit.
        #[arg(long)]
        openapi: bool,
    },
    /// A live preview for designers: the web forms and paper editions on 127.0.0.1, rebuilt
    /// on every save of the spec; when it is broken, its diagnostics over the last good build.
    Preview {
        spec: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8081")]
        listen: SocketAddr,
    },
    /// Export the stored responses by the data contract (CSV, or JSON lines).
    Export {
        spec: PathBuf,
        #[arg(long, env = "QUIRE_DB")]
        db: Option<String>,
        #[arg(short, long)]
        out: PathBuf,
        /// Include responses in progress (their submitted_at is -99; completion says how far).
        #[arg(long)]
        partials: bool,
        #[arg(long, default_value = "csv")]
        format: String,
        /// Write text answers exactly as given. By default a CSV cell that a spreadsheet
        /// would run as a formula (`=`, `+`, `-`, `@`, tab) gets a leading `'` (docs/data.md).
        #[arg(long)]
        raw_csv: bool,
        /// Replace the output file though Quire did not write it (never the spec).
        #[arg(long)]
        force: bool,
    },
    /// Make single-use invitation tokens: the audience's form then requires one.
    Invite {
        spec: PathBuf,
        #[arg(long, env = "QUIRE_DB")]
        db: Option<String>,
        #[arg(long)]
        audience: String,
        #[arg(short, default_value_t = 1)]
        n: usize,
    },
    /// A consistent copy of a SQLite response database, safe while servers write to it
    /// (SQLite's online backup API). For PostgreSQL use `pg_dump`.
    Backup {
        /// The spec file (its default database is the one copied).
        spec: PathBuf,
        #[arg(long, env = "QUIRE_DB")]
        db: Option<String>,
        /// The copy: a new file (or one an earlier `quire backup` wrote).
        #[arg(short, long)]
        out: PathBuf,
        /// Replace the output file though Quire did not write it (never the database).
        #[arg(long)]
        force: bool,
    },
}

fn fail(message: &str) -> std::process::ExitCode {
    eprintln!("error: {message}");
    std::process::ExitCode::from(2)
}

fn load(spec: &Path) -> Result<quire_core::model::Questionnaire, String> {
    let text = quire_core::input::read_text(spec, quire_core::input::Kind::Spec)?;
    let compiled = quire_core::compile(&spec.display().to_string(), &text);
    compiled.model.ok_or_else(|| {
        format!(
            "`{}` has errors; run `quire check {}` to see them",
            spec.display(),
            spec.display()
        )
    })
}

fn database(spec: &Path, db: Option<String>) -> String {
    db.unwrap_or_else(|| spec.with_extension("responses.sqlite").display().to_string())
}

/// Parses `--trusted-proxy` values: a CIDR range, or one address.
fn proxies(values: &[String]) -> Result<Vec<ipnet::IpNet>, String> {
    values
        .iter()
        .map(|v| {
            v.parse::<ipnet::IpNet>()
                .or_else(|_| v.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("--trusted-proxy `{v}`: give an address or a CIDR range such as 10.0.0.0/8"))
        })
        .collect()
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// `quire backup`: the online backup into a sibling temporary file, then handed over by the
/// same rule as every file Quire writes (never over the database, nor over a file Quire did
/// not write without `--force`).
fn backup(spec: &Path, url: &str, out: &Path, force: bool) -> Result<(), String> {
    if is_postgres(url) {
        return Err(
            "`quire backup` copies SQLite databases; for PostgreSQL use `pg_dump --format=custom` (docs/serve.md)"
                .into(),
        );
    }
    let db = PathBuf::from(url.strip_prefix("sqlite://").unwrap_or(url));
    if !db.is_file() {
        return Err(format!("no database at `{}`", db.display()));
    }
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.quire-backup-{}",
        out.file_name().and_then(|n| n.to_str()).unwrap_or("backup"),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    // Renamed into place, never read into memory: a database may be larger than it.
    let made = store::backup_sqlite(&db, &tmp)
        .and_then(|()| quire_core::written::place(out, &tmp, &[spec, db.as_path()], force));
    let _ = std::fs::remove_file(&tmp);
    made.map_err(String::from)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            spec,
            db,
            listen,
            admin_token,
            allow_origin,
            rate_limit,
            trusted_proxy,
            db_pool,
            db_wait,
            openapi,
        } => {
            let stop = shutdown();
            let model = match load(&spec) {
                Ok(m) => m,
                Err(e) => return fail(&e),
            };
            if openapi {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&quire_serve::openapi::document(&model)).unwrap_or_default()
                );
                return std::process::ExitCode::SUCCESS;
            }
            let trusted_proxies = match proxies(&trusted_proxy) {
                Ok(p) => p,
                Err(e) => return fail(&e),
            };
            let url = database(&spec, db);
            let opts = store::Options {
                pool: db_pool.unwrap_or_else(store::default_pool),
                wait: std::time::Duration::from_secs(db_wait),
            };
            let store = match store::Store::open(&url, &opts).await {
                Ok(s) => s,
                Err(e) => return fail(&e.message),
            };
            let listener = match tokio::net::TcpListener::bind(listen).await {
                Ok(l) => l,
                Err(e) => return fail(&format!("cannot listen on {listen}: {e}")),
            };
            let audiences: Vec<String> = model
                .audiences
                .iter()
                .map(|a| format!("http://{listen}/{}/", a.id))
                .collect();
            let config = api::Config {
                admin_token,
                origins: allow_origin,
                rate: rate_limit,
                log_requests: true,
                trusted_proxies,
            };
            let router = match api::App::new(model, store, config) {
                Ok(app) => api::router(app),
                Err(e) => return fail(&e.to_string()),
            };
            api::log(&serde_json::json!({
                "ts": store::now(), "level": "info", "event": "listening", "address": listen.to_string(),
                "forms": audiences, "database": if is_postgres(&url) { "postgresql" } else { "sqlite" },
                "pool": if is_postgres(&url) { Some(opts.pool) } else { None }
            }));
            let served = quire_serve::listen::serve(listener, router, stop).await;
            api::log(&serde_json::json!({ "ts": store::now(), "level": "info", "event": "stopped" }));
            quire_serve::logging::flush(std::time::Duration::from_secs(2));
            match served {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) => fail(&e.to_string()),
            }
        }
        Command::Preview { spec, listen } => match quire_serve::preview::run(spec, listen).await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => fail(&e.message),
        },
        Command::Export {
            spec,
            db,
            out,
            partials,
            format,
            raw_csv,
            force,
        } => {
            let model = match load(&spec) {
                Ok(m) => m,
                Err(e) => return fail(&e),
            };
            let store = match store::Store::open(&database(&spec, db), &store::Options::default()).await {
                Ok(s) => s,
                Err(e) => return fail(&e.message),
            };
            let rows = match store.export(partials).await {
                Ok(r) => r,
                Err(e) => return fail(&e.message),
            };
            let text = match format.as_str() {
                "csv" => export_csv(&model, &rows, !raw_csv),
                "json" => rows.iter().map(|(_, r)| format!("{r}\n")).collect(),
                other => return fail(&format!("--format `{other}`: use csv or json")),
            };
            if let Err(e) = quire_core::written::write(&out, text.as_bytes(), &[spec.as_path()], force) {
                return fail(&e.message);
            }
            eprintln!("exported {} responses to {}", rows.len(), out.display());
            std::process::ExitCode::SUCCESS
        }
        Command::Invite { spec, db, audience, n } => {
            let model = match load(&spec) {
                Ok(m) => m,
                Err(e) => return fail(&e),
            };
            if !model.audiences.iter().any(|a| a.id == audience) {
                return fail(&format!("no audience `{audience}`"));
            }
            let store = match store::Store::open(&database(&spec, db), &store::Options::default()).await {
                Ok(s) => s,
                Err(e) => return fail(&e.message),
            };
            // 128 bits each, from the operating system's CSPRNG.
            let tokens: Result<Vec<String>, quire_core::Error> = (0..n)
                .map(|_| api::random(16).map(|b| b.iter().map(|b| format!("{b:02x}")).collect()))
                .collect();
            let tokens = match tokens {
                Ok(t) => t,
                Err(e) => return fail(&e.message),
            };
            if let Err(e) = store.invite(&audience, tokens.clone()).await {
                return fail(&e.message);
            }
            for t in tokens {
                println!("/{audience}/?invite={t}");
            }
            std::process::ExitCode::SUCCESS
        }
        Command::Backup { spec, db, out, force } => {
            let url = database(&spec, db);
            match backup(&spec, &url, &out, force) {
                Ok(()) => {
                    eprintln!("backed up {url} to {}", out.display());
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
    }
}

/// The records as the data contract's CSV: every column, in order, from each stored record.
/// The records as the data contract's CSV; with `guard`, text answers a spreadsheet would run
/// as formulas are neutralised ([`quire_core::escape::csv_safe`]).
fn export_csv(model: &quire_core::model::Questionnaire, rows: &[(String, String)], guard: bool) -> String {
    let cols = quire_core::data::columns(model);
    let mut w = csv_writer();
    let _ = w.write_record(cols.iter().map(|c| c.name.as_str()));
    let missing = model.survey.missing_codes.missing.to_string();
    for (_, record) in rows {
        let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(record) else {
            continue;
        };
        let cells: Vec<String> = cols
            .iter()
            .map(|c| match o.get(&c.name) {
                Some(serde_json::Value::String(s)) if guard => quire_core::escape::csv_safe(s),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) | None => missing.clone(),
                Some(v) => v.to_string(),
            })
            .collect();
        let _ = w.write_record(&cells);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new())
}

/// Ctrl-C or SIGTERM: stop accepting, finish the requests in flight, then exit. The
/// handlers are installed when this is called (before the port is opened), so a stop that
/// comes while the server is still starting is graceful too.
fn shutdown() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (term, int) = (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        );
        async move {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(term) => {},
                _ = wait(int) => {},
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    /// A respondent's formula reaches the analyst's spreadsheet as text; `--raw-csv` keeps it.
    #[test]
    fn exported_text_answers_cannot_run_as_formulas() {
        let spec = "survey: { id: t, title: T, version: \"1\" }\nsections:\n  - id: s\n    title: S\n    items:\n      - { id: why, type: text, text: Why? }\n      - { id: n, type: integer, text: How many?, min: -5, max: 5 }\n";
        let model = quire_core::compile("t.yaml", spec).model.unwrap();
        let rows = vec![(
            "r1".to_string(),
            r#"{"respondent_id":"r1","why":"=cmd|' /C calc'!A0","n":-3}"#.to_string(),
        )];
        let guarded = super::export_csv(&model, &rows, true);
        assert!(guarded.contains("'=cmd|"), "{guarded}");
        assert!(guarded.contains(",-3"), "numbers are left alone: {guarded}");
        let table = quire_core::data::records::read_csv(&guarded).unwrap();
        let why = table.index()["why"];
        assert_eq!(
            table.rows[0][why], "=cmd|' /C calc'!A0",
            "Quire reads the answer as given"
        );
        let raw = super::export_csv(&model, &rows, false);
        assert!(raw.contains(",=cmd|") || raw.contains(",\"=cmd|"), "{raw}");
    }
}
