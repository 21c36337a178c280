//! HTTP in, stored responses out: the forms, the response API, resume codes, the admin page
//! and health. Handlers are thin; what a record must be is `quire_core::data::verify`, the same
//! checks as `quire check-data`.

// A handler's early exit is its HTTP answer: helpers return `Result<_, Response>` on purpose.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};

use quire_core::model::Questionnaire;

use crate::store::{Outcome, Record, Store, now};

/// Largest request body accepted: a record of thousands of questions fits many times over.
pub const MAX_BODY: usize = 1 << 20;
/// Deepest JSON accepted (a record is one flat object; a partial's state two levels more).
pub const MAX_DEPTH: usize = 16;

pub struct Config {
    pub admin_token: Option<String>,
    /// Origins allowed to post from pages served elsewhere (CORS); none by default.
    pub origins: Vec<String>,
    /// Requests per second per client (0: no limit), with bursts of ten times as many.
    pub rate: f64,
    /// One log line per request (errors, conflicts and start-up are always logged).
    pub log_requests: bool,
}

pub struct App {
    pub model: Questionnaire,
    pub forms: HashMap<String, String>,
    pub keying: HashMap<String, String>,
    pub store: Store,
    pub config: Config,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

type Shared = Arc<App>;

impl App {
    pub fn new(model: Questionnaire, store: Store, config: Config) -> App {
        let mut forms = HashMap::new();
        let mut keying = HashMap::new();
        for a in &model.audiences {
            let mut m = model.clone();
            m.survey.submit_url = Some(format!("/api/{}/responses", a.id));
            m.survey.server = Some(quire_core::model::Server {
                partials: format!("/api/{}/responses/", a.id),
                resume: format!("/api/{}/resume/", a.id),
                form: format!("/{}/", a.id),
            });
            if let Some(i) = m.instrument(&a.id) {
                forms.insert(
                    a.id.clone(),
                    quire_backends::html::form(&m, i, quire_backends::html::Edition::Production),
                );
                keying.insert(
                    a.id.clone(),
                    quire_backends::html::form(&m, i, quire_backends::html::Edition::Keying),
                );
            }
        }
        App {
            model,
            forms,
            keying,
            store,
            config,
            buckets: Mutex::new(HashMap::new()),
        }
    }
}

pub fn router(app: App) -> Router {
    let app: Shared = Arc::new(app);
    Router::new()
        .route("/", get(index))
        .route("/healthz", get(healthz))
        .route("/admin", get(admin))
        .route("/api/openapi.json", get(openapi))
        .route("/{audience}/", get(form))
        .route("/{audience}/keying", get(keying_form))
        .route("/api/{audience}/responses", post(submit).options(preflight))
        .route("/api/{audience}/responses/{id}", put(partial).options(preflight))
        .route("/api/{audience}/resume/{code}", get(resume))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(app)
}

/// One JSON error body for every failure.
fn problem(status: StatusCode, message: &str, extra: Value) -> Response {
    let mut body = json!({ "error": message });
    if let (Value::Object(b), Value::Object(x)) = (&mut body, extra) {
        b.extend(x);
    }
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// Every request: rate limit per client, CORS for configured origins, security headers and
/// one structured log line (method, path, status, time; never any response content).
async fn guard(
    State(app): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_string);
    let limited = app.config.rate > 0.0 && {
        let mut b = app.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let burst = app.config.rate * 10.0;
        let (tokens, at) = b.entry(peer.ip()).or_insert((burst, started));
        *tokens = (*tokens + at.elapsed().as_secs_f64() * app.config.rate).min(burst);
        *at = started;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            false
        } else {
            true
        }
    };
    let mut res = if limited {
        problem(
            StatusCode::TOO_MANY_REQUESTS,
            "too many requests; try again shortly",
            json!({}),
        )
    } else {
        next.run(req).await
    };
    let h = res.headers_mut();
    if let Some(o) = origin.filter(|o| app.config.origins.iter().any(|x| x == o))
        && let Ok(v) = HeaderValue::from_str(&o)
    {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Content-Type, Idempotency-Key, X-Quire-Invitation"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("POST, PUT, GET, OPTIONS"),
        );
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    if app.config.log_requests || res.status().is_server_error() {
        log(&json!({
        "ts": now(),
        "level": if res.status().is_server_error() { "error" } else { "info" },
        "event": "request",
        "method": method.as_str(),
        "path": path,
        "status": res.status().as_u16(),
        "ms": (started.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
        }));
    }
    res
}

pub fn log(v: &Value) {
    eprintln!("{v}");
}

async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn index(State(app): State<Shared>) -> Html<String> {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let links: String = app
        .model
        .audiences
        .iter()
        .map(|a| format!("<li><a href=\"/{}/\">{}</a></li>", esc(&a.id), esc(&a.label)))
        .collect();
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{t}</title></head><body><main><h1>{t}</h1><ul>{links}</ul></main></body></html>",
        t = esc(&app.model.survey.title.plain())
    ))
}

async fn healthz(State(app): State<Shared>) -> Response {
    match app.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"status\":\"ok\"}",
        )
            .into_response(),
        Err(e) => {
            log(&json!({ "ts": now(), "level": "error", "event": "health", "error": e }));
            problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database does not answer",
                json!({}),
            )
        }
    }
}

async fn openapi(State(app): State<Shared>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::document(&app.model).to_string(),
    )
        .into_response()
}

fn known(app: &App, audience: &str) -> Result<(), Response> {
    if app.forms.contains_key(audience) {
        Ok(())
    } else {
        Err(problem(
            StatusCode::NOT_FOUND,
            "no such audience",
            json!({ "audiences": app.model.audiences.iter().map(|a| &a.id).collect::<Vec<_>>() }),
        ))
    }
}

async fn form(State(app): State<Shared>, Path(audience): Path<String>) -> Response {
    match app.forms.get(&audience) {
        Some(page) => Html(page.clone()).into_response(),
        None => known(&app, &audience)
            .err()
            .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response()),
    }
}

/// The data-entry view for paper and telephone returns: codes shown, mode recorded.
async fn keying_form(
    State(app): State<Shared>,
    Path(audience): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = admin_allowed(&app, &headers, &q) {
        return r;
    }
    match app.keying.get(&audience) {
        Some(page) => Html(page.clone()).into_response(),
        None => known(&app, &audience)
            .err()
            .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response()),
    }
}

/// Parses a JSON body under the depth limit.
fn parse(body: &[u8]) -> Result<Value, Response> {
    let text =
        std::str::from_utf8(body).map_err(|_| problem(StatusCode::BAD_REQUEST, "the body is not UTF-8", json!({})))?;
    let v: Value = serde_json::from_str(text).map_err(|e| {
        problem(
            StatusCode::BAD_REQUEST,
            &format!("the body is not JSON: {e}"),
            json!({}),
        )
    })?;
    fn depth(v: &Value) -> usize {
        match v {
            Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
            Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }
    if depth(&v) > MAX_DEPTH {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            "the JSON is nested too deeply",
            json!({}),
        ));
    }
    Ok(v)
}

/// The record's problems by Quire's own evaluator (`quire check-data`), as JSON.
pub fn validate(model: &Questionnaire, record: &serde_json::Map<String, Value>) -> Vec<Value> {
    let text = Value::Object(record.clone()).to_string();
    let table = match quire_core::data::records::read_json(&text) {
        Ok(t) => t,
        Err(e) => return vec![json!({ "class": "bad_value", "message": e })],
    };
    let report = quire_core::data::verify::check(model, &table, &quire_core::data::verify::Options::default());
    report
        .problems
        .iter()
        .map(|p| json!({ "column": p.column, "class": p.class, "message": p.message }))
        .collect()
}

fn fnv(s: &str) -> String {
    quire_core::model::content_hash(&[s])
}

fn stored(app: &App, audience: &str, rec: &serde_json::Map<String, Value>, canonical: String) -> Record {
    let text = |k: &str| rec.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    Record {
        respondent_id: text("respondent_id"),
        audience: audience.to_string(),
        spec_version: app.model.survey.version.clone(),
        spec_hash: app.model.content_hash.clone(),
        record_hash: fnv(&canonical),
        record: canonical,
        mode: rec.get("mode").and_then(Value::as_str).unwrap_or("web").to_string(),
        completion: rec
            .get("completion")
            .and_then(Value::as_f64)
            .filter(|c| (0.0..=1.0).contains(c)),
        now: now(),
    }
}

/// `POST /api/<audience>/responses`: a submitted record, stored once.
async fn submit(State(app): State<Shared>, Path(audience): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = known(&app, &audience) {
        return r;
    }
    let v = match parse(&body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Value::Object(rec) = v else {
        return problem(
            StatusCode::BAD_REQUEST,
            "the body is not a JSON object (one record)",
            json!({}),
        );
    };
    let id = rec
        .get("respondent_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if id.is_empty() || id.len() > 200 {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the record has no respondent_id",
            json!({ "problems": [] }),
        );
    }
    if let Some(key) = headers.get("idempotency-key")
        && key.to_str().ok() != Some(id.as_str())
    {
        return problem(
            StatusCode::BAD_REQUEST,
            "Idempotency-Key must be the record's respondent_id",
            json!({}),
        );
    }
    if rec.get("audience").and_then(Value::as_str) != Some(audience.as_str()) {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the record's audience is not this form's",
            json!({ "problems": [{ "column": "audience", "class": "unknown_audience", "message": format!("posted to {audience}") }] }),
        );
    }
    let problems = validate(&app.model, &rec);
    if !problems.is_empty() {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the record does not fit the questionnaire",
            json!({ "problems": problems }),
        );
    }
    match app.store.needs_invitation(&audience).await {
        Ok(true) => {
            let token = headers
                .get("x-quire-invitation")
                .and_then(|t| t.to_str().ok())
                .unwrap_or_default();
            match app.store.use_invitation(token, &audience, &id).await {
                Ok(true) => {}
                Ok(false) => {
                    return problem(
                        StatusCode::FORBIDDEN,
                        "this form needs a valid, unused invitation",
                        json!({}),
                    );
                }
                Err(e) => return server_error(&e),
            }
        }
        Ok(false) => {}
        Err(e) => return server_error(&e),
    }
    let canonical = Value::Object(rec.clone()).to_string();
    match app.store.submit(stored(&app, &audience, &rec, canonical)).await {
        Ok(Outcome::Stored) => (
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, "application/json")],
            json!({ "status": "stored", "respondent_id": id }).to_string(),
        )
            .into_response(),
        Ok(Outcome::Duplicate) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            json!({ "status": "duplicate", "respondent_id": id }).to_string(),
        )
            .into_response(),
        Ok(Outcome::Conflict) => {
            log(&json!({ "ts": now(), "level": "warn", "event": "conflict", "respondent_id": id }));
            problem(
                StatusCode::CONFLICT,
                "a different record is stored under this respondent_id",
                json!({ "respondent_id": id }),
            )
        }
        Err(e) => server_error(&e),
    }
}

fn server_error(e: &str) -> Response {
    log(&json!({ "ts": now(), "level": "error", "event": "store", "error": e }));
    problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "the response could not be stored; try again",
        json!({}),
    )
}

/// A resume code: 12 letters and digits without look-alikes, grouped for reading aloud.
pub fn code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let bytes = random(12);
    let s: String = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}-{}", &s[0..4], &s[4..8], &s[8..12])
}

/// Random bytes from the operating system.
pub fn random(n: usize) -> Vec<u8> {
    use std::io::Read;
    let mut buf = vec![0u8; n];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = f.read_exact(&mut buf);
    }
    buf
}

/// `PUT /api/<audience>/responses/<id>`: the response so far, `{record, state}`, saved as a
/// partial; answers with its resume code.
async fn partial(State(app): State<Shared>, Path((audience, id)): Path<(String, String)>, body: Bytes) -> Response {
    if let Err(r) = known(&app, &audience) {
        return r;
    }
    let v = match parse(&body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (Some(Value::Object(rec)), Some(state)) = (v.get("record").cloned(), v.get("state").cloned()) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "a partial is {\"record\": {...}, \"state\": {...}}",
            json!({}),
        );
    };
    if rec.get("respondent_id").and_then(Value::as_str) != Some(id.as_str())
        || rec.get("audience").and_then(Value::as_str) != Some(audience.as_str())
    {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the record's respondent_id and audience must be the URL's",
            json!({ "problems": [] }),
        );
    }
    let canonical = Value::Object(rec.clone()).to_string();
    match app
        .store
        .save_partial(stored(&app, &audience, &rec, canonical), state.to_string(), code())
        .await
    {
        Ok(Some(code)) => {
            let hours = app.model.survey.resume_hours;
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                json!({ "status": "saved", "resume_code": code, "resume_hours": hours }).to_string(),
            )
                .into_response()
        }
        Ok(None) => problem(
            StatusCode::CONFLICT,
            "this response is already complete",
            json!({ "respondent_id": id }),
        ),
        Err(e) => server_error(&e),
    }
}

/// `GET /api/<audience>/resume/<code>`: the saved state, while the resume window is open.
async fn resume(State(app): State<Shared>, Path((audience, code)): Path<(String, String)>) -> Response {
    match app.store.resume(&code.to_uppercase()).await {
        Ok(Some((aud, state, updated, id))) if aud == audience => {
            let open = match (
                app.model.survey.resume_hours,
                quire_core::data::parse_timestamp(&updated),
                quire_core::data::parse_timestamp(&now()),
            ) {
                (Some(h), Some(at), Some(t)) => (t - at) as f64 <= h * 3600.0,
                _ => true,
            };
            if !open {
                // Kept for the analyst as a partial; only the window to continue has closed.
                return problem(
                    StatusCode::GONE,
                    "this resume code has expired",
                    json!({ "respondent_id": id }),
                );
            }
            let state: Value = serde_json::from_str(&state).unwrap_or(Value::Null);
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                json!({ "respondent_id": id, "state": state }).to_string(),
            )
                .into_response()
        }
        Ok(_) => problem(
            StatusCode::NOT_FOUND,
            "no response to continue under this code",
            json!({}),
        ),
        Err(e) => server_error(&e),
    }
}

/// Constant-time comparison of two secrets.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

fn admin_allowed(app: &App, headers: &HeaderMap, q: &HashMap<String, String>) -> Result<(), Response> {
    let Some(want) = &app.config.admin_token else {
        return Err(problem(
            StatusCode::NOT_FOUND,
            "the admin page is off: start the server with --admin-token",
            json!({}),
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::to_string)
        .or_else(|| q.get("token").cloned())
        .unwrap_or_default();
    if same_secret(&given, want) {
        Ok(())
    } else {
        Err(problem(
            StatusCode::UNAUTHORIZED,
            "a valid admin token is needed",
            json!({}),
        ))
    }
}

/// The admin page: counts per audience, completes and partials, a completion histogram, the
/// last response received. Read-only (nothing to forge), escaped, never cached.
async fn admin(State(app): State<Shared>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    if let Err(r) = admin_allowed(&app, &headers, &q) {
        return r;
    }
    let rows = match app.store.stats().await {
        Ok(r) => r,
        Err(e) => return server_error(&e),
    };
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut table = String::new();
    for a in &app.model.audiences {
        let of: Vec<_> = rows.iter().filter(|r| r.0 == a.id).collect();
        let complete = of.iter().filter(|r| r.1 == "complete").count();
        table.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{complete}</td><td>{}</td></tr>",
            esc(&a.label),
            of.len() - complete
        ));
    }
    let mut bins = [0usize; 10];
    for r in &rows {
        if let Some(c) = r.2 {
            bins[((c * 10.0) as usize).min(9)] += 1;
        }
    }
    let hist: String = bins
        .iter()
        .enumerate()
        .map(|(i, n)| {
            format!(
                "<tr><th scope=\"row\">{}–{}%</th><td>{n}</td></tr>",
                i * 10,
                i * 10 + 10
            )
        })
        .collect();
    let last = rows.iter().map(|r| r.3.as_str()).max().unwrap_or("none yet");
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Responses: {t}</title></head><body><main><h1>Responses: {t}</h1>\
<table><caption>Responses per group</caption><thead><tr><th scope=\"col\">Group</th><th scope=\"col\">Complete</th><th scope=\"col\">Partial</th></tr></thead><tbody>{table}</tbody></table>\
<table><caption>Share of asked questions answered</caption><thead><tr><th scope=\"col\">Completion</th><th scope=\"col\">Responses</th></tr></thead><tbody>{hist}</tbody></table>\
<p>Last response received: {last}</p></main></body></html>",
        t = esc(&app.model.survey.title.plain()),
        last = esc(last)
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        page,
    )
        .into_response()
}
