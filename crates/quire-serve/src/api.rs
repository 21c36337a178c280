//! HTTP in, stored responses out: the forms, the response API, resume codes, the admin page
//! and health. Handlers are thin; what a record must be is `quire_core::data::verify`, the same
//! checks as `quire check-data`.

// A handler's early exit is its HTTP answer: helpers return `Result<_, ApiError>` on purpose.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};

use quire_core::model::Questionnaire;

pub use crate::logging::log;
use crate::store::{Fault, Invitation, Outcome, Record, Saved, Store, now};

/// Largest request body accepted: a record of thousands of questions fits many times over.
pub const MAX_BODY: usize = 1 << 20;
/// Deepest JSON accepted (a record is one flat object; a partial's state two levels more).
pub const MAX_DEPTH: usize = 16;
/// How long a client may take to send a request's body once its headers are in.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a health check waits for the database before saying it does not answer.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(3);
/// The shortest secret a form may own its saved response with (it sends 32 hex digits).
const MIN_SECRET: usize = 16;

/// How the server is run: what the command line and environment set.
pub struct Config {
    /// The token the admin page and the keying view ask for; none: both are off.
    pub admin_token: Option<String>,
    /// Origins allowed to post from pages served elsewhere (CORS); none by default.
    pub origins: Vec<String>,
    /// Requests per second per client (0: no limit), with bursts of ten times as many.
    pub rate: f64,
    /// One log line per request (errors, conflicts and start-up are always logged).
    pub log_requests: bool,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` say who the client is; the
    /// client is the peer address otherwise.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// What every request reads: the questionnaire, its forms, the store and the settings.
pub struct App {
    /// The questionnaire, for as long as the process serves it.
    pub model: &'static Questionnaire,
    /// The record checks worked out once for the model, not per request.
    checker: quire_core::data::verify::Checker<'static>,
    /// Each audience's web form, built once at start.
    pub forms: HashMap<String, String>,
    /// Each audience's data-entry view for paper and telephone returns.
    pub keying: HashMap<String, String>,
    /// Where responses are kept.
    pub store: Store,
    /// How the server is run.
    pub config: Config,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
    /// Per audience: whether its form needs an invitation, and when that was looked up.
    invitations: Mutex<HashMap<String, (bool, Instant)>>,
    /// The database refused a write for want of space; cleared by the next write that works.
    write_fault: Mutex<Option<crate::store::Error>>,
    /// Records checked at once at most, off the async workers: large bodies queue here
    /// instead of stalling health checks and small requests.
    checking: tokio::sync::Semaphore,
}

type Shared = Arc<App>;

impl App {
    /// The app of a model, its forms written once (or why one could not be).
    pub fn new(model: Questionnaire, store: Store, config: Config) -> Result<App, quire_backends::Error> {
        // Served until the process ends: leaked once so the checker can borrow it.
        let model: &'static Questionnaire = Box::leak(Box::new(model));
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
                    quire_backends::html::form(&m, i, quire_backends::html::Edition::Production)?,
                );
                keying.insert(
                    a.id.clone(),
                    quire_backends::html::form(&m, i, quire_backends::html::Edition::Keying)?,
                );
            }
        }
        Ok(App {
            model,
            checker: quire_core::data::verify::Checker::new(model),
            forms,
            keying,
            store,
            config,
            buckets: Mutex::new(HashMap::new()),
            invitations: Mutex::new(HashMap::new()),
            write_fault: Mutex::new(None),
            checking: tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())),
        })
    }
}

/// The server's routes (forms, response API, resume, admin, health, OpenAPI) behind the
/// guard every request passes (rate limits, same-site rule, security headers, the log).
pub fn router(app: App) -> Router {
    let app: Shared = Arc::new(app);
    Router::new()
        .route("/", get(index))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/admin", get(admin))
        .route("/api/openapi.json", get(openapi))
        .route("/{audience}/", get(form))
        .route("/{audience}/keying", get(keying_form))
        .route("/api/{audience}/responses", post(submit).options(preflight))
        .route("/api/{audience}/responses/{id}", put(partial).options(preflight))
        .route("/api/{audience}/resume/{code}", get(resume))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// Why a request was not done, as the API answers it: a status and one JSON error body,
/// `{"error": message, …extra}`. Handlers return [`Answer`] and pass failures on with `?`
/// (axum's error-handling pattern); only this type writes an error body.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
    extra: Value,
}

/// What a handler returns.
type Answer = Result<Response, ApiError>;

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            extra: json!({}),
        }
    }

    /// More fields for the body beside `error`.
    fn with(mut self, extra: Value) -> ApiError {
        self.extra = extra;
        self
    }

    /// The server cannot do it now (503), and why, in the body's `database` field too.
    fn unavailable(reason: &str) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, reason)
            .with(json!({ "status": "unavailable", "database": reason }))
    }

    /// The database failed: logged with its own message, answered with the reason only
    /// (a database's message may name a host or a user).
    fn store(e: &crate::store::Error) -> ApiError {
        log(&json!({ "ts": now(), "level": "error", "event": "store", "error": e.message }));
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the response could not be stored ({}); try again", e.reason()),
        )
        .with(json!({ "database": e.reason() }))
    }

    /// A saved response belongs to the form that started it.
    fn not_owner() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "this response was started by another form: continue it with its resume code",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message });
        if let (Value::Object(b), Value::Object(x)) = (&mut body, self.extra) {
            b.extend(x);
        }
        (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
}

/// Who sent a request: the peer, or, when the peer is a trusted reverse proxy, the nearest
/// address in its `Forwarded` (RFC 7239) or `X-Forwarded-For` chain that is not itself a
/// trusted proxy. Headers from anyone else are ignored: a client cannot pick its own address.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut chain: Vec<IpAddr> = Vec::new();
    let forwarded: Vec<&str> = headers
        .get_all(header::FORWARDED)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        for element in forwarded.iter().flat_map(|v| v.split(',')) {
            for pair in element.split(';') {
                let Some((k, v)) = pair.trim().split_once('=') else {
                    continue;
                };
                if !k.trim().eq_ignore_ascii_case("for") {
                    continue;
                }
                let v = v.trim().trim_matches('"');
                // `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]`, `[2001:db8::1]:4711`
                let host = match v.strip_prefix('[') {
                    Some(rest) => rest.split(']').next().unwrap_or_default(),
                    None => v.split(':').next().unwrap_or_default(),
                };
                if let Ok(ip) = host.parse() {
                    chain.push(ip);
                }
            }
        }
    } else {
        for v in headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            chain.extend(v.split(',').filter_map(|a| a.trim().parse::<IpAddr>().ok()));
        }
    }
    // The proxies append; the nearest untrusted address is the client.
    chain
        .iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .copied()
        .or(chain.first().copied())
        .unwrap_or(peer)
}

/// Takes one request from the token bucket `key` (`rate` a second, bursts of `burst`);
/// false when it is empty.
fn take(app: &App, key: String, rate: f64, burst: f64, at: Instant) -> bool {
    let mut b = app.buckets.lock().unwrap_or_else(|e| e.into_inner());
    if b.len() > 100_000 {
        // Buckets that have refilled are the same as new ones: forget them.
        b.retain(|_, (_, seen)| at.duration_since(*seen).as_secs_f64() * rate < burst);
    }
    let (tokens, seen) = b.entry(key).or_insert((burst, at));
    *tokens = (*tokens + at.duration_since(*seen).as_secs_f64() * rate).min(burst);
    *seen = at;
    if *tokens >= 1.0 {
        *tokens -= 1.0;
        true
    } else {
        false
    }
}

/// The request's path as it may be logged: a resume code in it is a key to a respondent's
/// answers, so it is replaced.
fn loggable(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() >= 5 && parts[1] == "api" && parts[3] == "resume" {
        return format!("/api/{}/resume/…", parts[2]);
    }
    path.to_string()
}

/// Whether a browser request comes from a page of another site that is not allowed to post
/// here (`--allow-origin`): by Fetch Metadata where the browser sends it, else by `Origin`
/// against `Host`. Clients that are not browsers send neither and are not affected.
fn cross_site(app: &App, headers: &HeaderMap) -> bool {
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    if origin.is_some_and(|o| app.config.origins.iter().any(|x| x == o)) {
        return false;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|s| s.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    match origin {
        None => false,
        Some(o) => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or_default();
            o.split_once("://").map(|(_, h)| h) != Some(host)
        }
    }
}

/// Every request: rate limit per client (and per respondent for submissions, per code for
/// resuming), the API's content type and same-site rule, CORS for configured origins,
/// security headers and one structured log line (method, path without secrets, status,
/// time; never response content).
async fn guard(
    State(app): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let headers = req.headers();
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_string);
    let client = client_address(peer.ip(), headers, &app.config.trusted_proxies);
    let parts: Vec<&str> = path.split('/').collect();
    let api = parts.get(1) == Some(&"api");
    // The two routes that store: the checks below are theirs (other methods and paths get
    // the router's own 404 or 405).
    let writes = matches!(
        (method.as_str(), parts.as_slice()),
        ("POST", ["", "api", _, "responses"]) | ("PUT", ["", "api", _, "responses", _])
    );
    let rate = app.config.rate;
    let limited = rate > 0.0 && {
        let (burst, at) = (rate * 10.0, started);
        // A submission is limited per respondent (many respondents may share one address:
        // a hospital's network), and per address at ten times the rate.
        let respondent = match (method.as_str(), parts.as_slice()) {
            ("PUT", ["", "api", _, "responses", id]) => Some(id.to_string()),
            ("POST", ["", "api", _, "responses"]) => headers
                .get("idempotency-key")
                .and_then(|k| k.to_str().ok())
                .map(str::to_string),
            _ => None,
        };
        let code_prefix = match parts.as_slice() {
            ["", "api", _, "resume", code] => Some(code.chars().take(4).collect::<String>().to_uppercase()),
            _ => None,
        };
        match (respondent, code_prefix) {
            (Some(id), _) => {
                !(take(&app, format!("id {id}"), rate, burst, at)
                    && take(&app, format!("ip {client} writes"), rate * 10.0, burst * 10.0, at))
            }
            // Guessing a code: each prefix gets a few tries a minute, whoever asks.
            (_, Some(prefix)) => {
                !(take(&app, format!("ip {client}"), rate, burst, at)
                    && take(&app, format!("code {prefix}"), 0.1, 10.0, at))
            }
            _ => !take(&app, format!("ip {client}"), rate, burst, at),
        }
    };
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .is_some_and(|c| c.trim().eq_ignore_ascii_case("application/json"));
    let mut res = if limited {
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too many requests; try again shortly").into_response()
    } else if writes && cross_site(&app, headers) {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "responses are accepted only from this server's forms (or an origin allowed with --allow-origin)",
        )
        .into_response()
    } else if writes && !json_body {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the record as JSON, with Content-Type: application/json",
        )
        .into_response()
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
            HeaderValue::from_static("Content-Type, Idempotency-Key, X-Quire-Invitation, X-Quire-Secret"),
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
    if api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if app.config.log_requests || res.status().is_server_error() {
        log(&json!({
        "ts": now(),
        "level": if res.status().is_server_error() { "error" } else { "info" },
        "event": "request",
        "method": method.as_str(),
        "path": loggable(&path),
        "status": res.status().as_u16(),
        "ms": (started.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
        }));
    }
    res
}

async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn index(State(app): State<Shared>) -> Html<String> {
    let esc = quire_core::escape::html;
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

/// The database's answer to `check`, within [`HEALTH_TIMEOUT`].
async fn database_state<F: std::future::Future<Output = Result<(), crate::store::Error>>>(
    check: F,
) -> Result<(), String> {
    match tokio::time::timeout(HEALTH_TIMEOUT, check).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => {
            log(&json!({ "ts": now(), "level": "error", "event": "health", "error": e.message }));
            Err(e.reason().to_string())
        }
        Err(_) => Err("the database does not answer in time".to_string()),
    }
}

fn healthy() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        "{\"status\":\"ok\",\"database\":\"ok\"}",
    )
        .into_response()
}

/// `GET /healthz`: 200 when the database answers and takes writes; 503 with the reason
/// (down, disk full) otherwise. A write is tried only after one failed for want of space,
/// so a check costs a read while all is well and recovery is seen as soon as it happens.
async fn healthz(State(app): State<Shared>) -> Answer {
    if let Err(reason) = database_state(app.store.ping()).await {
        return Err(ApiError::unavailable(&reason));
    }
    let fault = app.write_fault.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if fault.is_some() {
        return readyz(State(app)).await;
    }
    Ok(healthy())
}

/// `GET /readyz`: whether a response sent now would be stored: the database takes a
/// durable write (for load balancers and orchestrators).
async fn readyz(State(app): State<Shared>) -> Answer {
    let result = tokio::time::timeout(HEALTH_TIMEOUT, app.store.probe_write()).await;
    match result {
        Ok(r) => {
            app.noted(&r);
            match r {
                Ok(()) => Ok(healthy()),
                Err(e) => {
                    log(&json!({ "ts": now(), "level": "error", "event": "health", "error": e.message }));
                    Err(ApiError::unavailable(e.reason()))
                }
            }
        }
        Err(_) => Err(ApiError::unavailable("the database does not answer in time")),
    }
}

impl App {
    /// Remembers whether the database's disk took the last write.
    fn noted<T>(&self, result: &Result<T, crate::store::Error>) {
        let mut f = self.write_fault.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(_) => *f = None,
            Err(e) if e.fault == Fault::Full => *f = Some(e.clone()),
            Err(_) => {}
        }
    }

    /// Whether the audience's form needs an invitation. Once it does it always will
    /// (invitations are never withdrawn); until then the answer is looked up again every
    /// few seconds, so `quire invite` run beside a serving instance takes effect at once.
    async fn needs_invitation(&self, audience: &str) -> Result<bool, crate::store::Error> {
        if let Some((needed, at)) = self
            .invitations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(audience)
            .copied()
            && (needed || at.elapsed() < Duration::from_secs(2))
        {
            return Ok(needed);
        }
        let needed = self.store.needs_invitation(audience).await?;
        self.invitations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(audience.to_string(), (needed, Instant::now()));
        Ok(needed)
    }
}

async fn openapi(State(app): State<Shared>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::document(app.model).to_string(),
    )
        .into_response()
}

fn known(app: &App, audience: &str) -> Result<(), ApiError> {
    if app.forms.contains_key(audience) {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::NOT_FOUND, "no such audience")
            .with(json!({ "audiences": app.model.audiences.iter().map(|a| &a.id).collect::<Vec<_>>() })))
    }
}

async fn form(State(app): State<Shared>, Path(audience): Path<String>) -> Answer {
    known(&app, &audience)?;
    match app.forms.get(&audience) {
        Some(page) => Ok(Html(page.clone()).into_response()),
        None => Ok(StatusCode::NOT_FOUND.into_response()),
    }
}

/// The data-entry view for paper and telephone returns: codes shown, mode recorded.
async fn keying_form(
    State(app): State<Shared>,
    Path(audience): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Answer {
    admin_allowed(&app, &headers, &q)?;
    known(&app, &audience)?;
    match app.keying.get(&audience) {
        Some(page) => Ok(Html(page.clone()).into_response()),
        None => Ok(StatusCode::NOT_FOUND.into_response()),
    }
}

/// Reads a request's body: at most [`MAX_BODY`] bytes, within [`BODY_TIMEOUT`].
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {} bytes (or was cut off)", MAX_BODY),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY)).await {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(_)) => Err(too_large()),
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "the body did not arrive in time",
        )),
    }
}

/// Parses a JSON body under the depth limit.
fn parse(body: &[u8]) -> Result<Value, ApiError> {
    let text =
        std::str::from_utf8(body).map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "the body is not UTF-8"))?;
    let v: Value = serde_json::from_str(text)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("the body is not JSON: {e}")))?;
    fn depth(v: &Value) -> usize {
        match v {
            Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
            Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }
    if depth(&v) > MAX_DEPTH {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "the JSON is nested too deeply"));
    }
    Ok(v)
}

/// Problems a partial record may have: rules that may hold once later answers are in (a
/// rule across questions, a minimum number of ticks) are not its problems yet. Everything
/// else (codes, kinds of value, routing, audience, the data contract) is.
fn tolerated_in_partial(p: &quire_core::data::verify::Problem) -> bool {
    use quire_core::data::verify::Class;
    match p.class {
        Class::FailedValidation | Class::TooFewSelected => true,
        // Times and completion of a response in progress; its mode must be right.
        Class::BadParadata => p.column != "mode",
        _ => false,
    }
}

/// The record's problems by Quire's own evaluator (`quire check-data`), as JSON: what the
/// server does with each record it receives (public for the load benchmark, which times it
/// alone).
pub fn problems_of(
    checker: &quire_core::data::verify::Checker,
    record: &serde_json::Map<String, Value>,
    partial: bool,
) -> Vec<Value> {
    // A record has one field per column of the contract (and the pilot's notes): more is
    // refused before the evaluator spends time on it.
    let columns = checker.max_fields();
    if record.len() > columns {
        return vec![json!({
            "class": "unknown_column",
            "message": format!("the record has {} fields; this questionnaire's records have {columns} at most", record.len())
        })];
    }
    let table = match quire_core::data::records::from_objects(std::slice::from_ref(record)) {
        Ok(t) => t,
        Err(e) => return vec![json!({ "class": "bad_value", "message": e.message })],
    };
    let report = checker.check(&table, &quire_core::data::verify::Options::default());
    report
        .problems
        .iter()
        .filter(|p| !(partial && tolerated_in_partial(p)))
        .map(|p| json!({ "column": p.column, "class": p.class, "message": p.message }))
        .collect()
}

fn fnv(s: &str) -> String {
    quire_core::model::content_hash(&[s])
}

fn stored(
    app: &App,
    audience: &str,
    rec: &serde_json::Map<String, Value>,
    canonical: String,
    gate: (String, Invitation),
) -> Record {
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
        secret: gate.0,
        invitation: gate.1,
    }
}

/// A record in a request's body, parsed and checked off the async workers (at most one per
/// core at a time), so a large body never holds up health checks or small requests.
async fn checked(
    app: &Shared,
    headers: &HeaderMap,
    body: Body,
    partial: bool,
) -> Result<(serde_json::Map<String, Value>, Option<Value>), ApiError> {
    let body = read_body(headers, body).await?;
    let _turn = app
        .checking
        .acquire()
        .await
        .map_err(|_| ApiError::unavailable("the server is stopping"))?;
    let app = app.clone();
    tokio::task::spawn_blocking(
        move || -> Result<(serde_json::Map<String, Value>, Option<Value>), ApiError> {
            let v = parse(&body)?;
            let (rec, state) = if partial {
                let (Some(Value::Object(rec)), Some(state)) = (v.get("record").cloned(), v.get("state").cloned())
                else {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "a partial is {\"record\": {...}, \"state\": {...}}",
                    ));
                };
                (rec, Some(state))
            } else {
                let Value::Object(rec) = v else {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "the body is not a JSON object (one record)",
                    ));
                };
                (rec, None)
            };
            let id = rec.get("respondent_id").and_then(Value::as_str).unwrap_or_default();
            if id.is_empty() || id.len() > 200 {
                return Err(
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "the record has no respondent_id")
                        .with(json!({ "problems": [] })),
                );
            }
            let problems = problems_of(&app.checker, &rec, partial);
            if !problems.is_empty() {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "the record does not fit the questionnaire",
                )
                .with(json!({ "problems": problems })));
            }
            Ok((rec, state))
        },
    )
    .await
    .map_err(|_| ApiError::unavailable("the record could not be checked"))?
}

/// Paper and telephone returns are keyed by the study team through the keying view, with
/// its token; a respondent's form is `web`.
fn mode_allowed(app: &App, rec: &serde_json::Map<String, Value>, headers: &HeaderMap) -> Result<(), ApiError> {
    let mode = rec.get("mode").and_then(Value::as_str).unwrap_or("web");
    if mode == "web" || admin_allowed(app, headers, &HashMap::new()).is_ok() {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        format!("a `{mode}` return is keyed through the keying view, with the admin token"),
    ))
}

/// What the request says about ownership and invitation: its secret (`X-Quire-Secret`:
/// the form's own, or the resume code) and, when the audience needs one, its invitation.
async fn gate(app: &App, audience: &str, headers: &HeaderMap) -> Result<(String, Invitation), ApiError> {
    let secret = headers
        .get("x-quire-secret")
        .and_then(|t| t.to_str().ok())
        .unwrap_or_default()
        .trim()
        .to_string();
    let invitation = match app.needs_invitation(audience).await {
        Ok(true) => Invitation::Needed(
            headers
                .get("x-quire-invitation")
                .and_then(|t| t.to_str().ok())
                .filter(|t| !t.is_empty())
                .map(str::to_string),
        ),
        Ok(false) => Invitation::NotNeeded,
        Err(e) => return Err(ApiError::store(&e)),
    };
    Ok((secret, invitation))
}

fn json_answer(status: StatusCode, body: Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// `POST /api/<audience>/responses`: a submitted record, stored once.
async fn submit(State(app): State<Shared>, Path(audience): Path<String>, headers: HeaderMap, body: Body) -> Answer {
    known(&app, &audience)?;
    let rec = match checked(&app, &headers, body, false).await {
        Ok((rec, _)) => rec,
        Err(r) => return Err(r),
    };
    let id = rec
        .get("respondent_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(key) = headers.get("idempotency-key")
        && key.to_str().ok() != Some(id.as_str())
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "Idempotency-Key must be the record's respondent_id",
        ));
    }
    if rec.get("audience").and_then(Value::as_str) != Some(audience.as_str()) {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "the record's audience is not this form's").with(json!({ "problems": [{ "column": "audience", "class": "unknown_audience", "message": format!("posted to {audience}") }] })));
    }
    mode_allowed(&app, &rec, &headers)?;
    let gate = gate(&app, &audience, &headers).await?;
    let canonical = serde_json::to_string(&rec).unwrap_or_default();
    let result = app.store.submit(stored(&app, &audience, &rec, canonical, gate)).await;
    app.noted(&result);
    match result {
        Ok(Outcome::Stored) => Ok(json_answer(
            StatusCode::CREATED,
            json!({ "status": "stored", "respondent_id": id }),
        )),
        Ok(Outcome::Duplicate) => Ok(json_answer(
            StatusCode::OK,
            json!({ "status": "duplicate", "respondent_id": id }),
        )),
        Ok(Outcome::Conflict) => {
            log(&json!({ "ts": now(), "level": "warn", "event": "conflict", "respondent_id": id }));
            Err(ApiError::new(
                StatusCode::CONFLICT,
                "a different record is stored under this respondent_id",
            )
            .with(json!({ "respondent_id": id })))
        }
        Ok(Outcome::NotOwner) => Err(ApiError::not_owner()),
        Ok(Outcome::NeedsInvitation) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "this form needs a valid, unused invitation",
        )),
        Err(e) => Err(ApiError::store(&e)),
    }
}

/// A resume code: 12 letters and digits without look-alikes (31 symbols, so 59 bits),
/// grouped for reading aloud; each symbol drawn without bias from the OS's random source.
pub fn code() -> Result<String, quire_core::Error> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    // 248 = 8 × 31: a byte at or above it would favour the first symbols; it is drawn again.
    let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
    let mut s = String::with_capacity(12);
    while s.len() < 12 {
        for b in random(16)? {
            if b < limit && s.len() < 12 {
                s.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            }
        }
    }
    Ok(format!("{}-{}-{}", &s[0..4], &s[4..8], &s[8..12]))
}

/// Random bytes from the operating system's CSPRNG (`getrandom`); an error, never zeros,
/// when it cannot be read.
pub fn random(n: usize) -> Result<Vec<u8>, quire_core::Error> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| format!("the operating system's random source failed: {e}"))?;
    Ok(buf)
}

/// Whether `code` is written as resume codes are (`XXXX-XXXX-XXXX`, any case).
fn resume_code_shape(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 14
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 9 {
                *c == b'-'
            } else {
                c.is_ascii_alphanumeric()
            }
        })
}

/// `PUT /api/<audience>/responses/<id>`: the response so far, `{record, state}`, saved as a
/// partial; answers with its resume code. A new response is owned by the `X-Quire-Secret`
/// its form sends; an existing one changes only with that secret or its resume code.
async fn partial(
    State(app): State<Shared>,
    Path((audience, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    known(&app, &audience)?;
    let (rec, state) = match checked(&app, &headers, body, true).await {
        Ok((rec, Some(state))) => (rec, state),
        Ok(_) => return Ok(StatusCode::BAD_REQUEST.into_response()),
        Err(r) => return Err(r),
    };
    if rec.get("respondent_id").and_then(Value::as_str) != Some(id.as_str())
        || rec.get("audience").and_then(Value::as_str) != Some(audience.as_str())
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the record's respondent_id and audience must be the URL's",
        )
        .with(json!({ "problems": [] })));
    }
    mode_allowed(&app, &rec, &headers)?;
    let gate = gate(&app, &audience, &headers).await?;
    if gate.0.len() < MIN_SECRET && !resume_code_shape(&gate.0) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "a saved response is owned: send X-Quire-Secret (the form's secret, or the resume code)",
        ));
    }
    let new_code = match code() {
        Ok(c) => c,
        Err(e) => {
            log(&json!({ "ts": now(), "level": "error", "event": "random", "error": e.message }));
            return Err(ApiError::unavailable("no random numbers for a resume code"));
        }
    };
    let open_since = app
        .model
        .survey
        .resume_hours
        .map(|h| crate::store::ago(h * 3600.0))
        .unwrap_or_default();
    let canonical = serde_json::to_string(&rec).unwrap_or_default();
    let result = app
        .store
        .save_partial(
            stored(&app, &audience, &rec, canonical, gate),
            state.to_string(),
            new_code,
            open_since,
        )
        .await;
    app.noted(&result);
    match result {
        Ok(Saved::Saved(code)) => Ok(json_answer(
            StatusCode::OK,
            json!({ "status": "saved", "resume_code": code, "resume_hours": app.model.survey.resume_hours }),
        )),
        Ok(Saved::Complete | Saved::OtherAudience) => {
            Err(ApiError::new(StatusCode::CONFLICT, "this response is already complete")
                .with(json!({ "respondent_id": id })))
        }
        Ok(Saved::NotOwner) => Err(ApiError::not_owner()),
        Ok(Saved::Expired) => Err(ApiError::new(
            StatusCode::GONE,
            "the time to continue this response has run out; it is kept as it was",
        )
        .with(json!({ "respondent_id": id }))),
        Ok(Saved::NeedsInvitation) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "this form needs a valid, unused invitation",
        )),
        Err(e) => Err(ApiError::store(&e)),
    }
}

/// `GET /api/<audience>/resume/<code>`: the saved state, while the resume window is open.
async fn resume(State(app): State<Shared>, Path((audience, code)): Path<(String, String)>) -> Answer {
    let gone = || ApiError::new(StatusCode::NOT_FOUND, "no response to continue under this code");
    if !resume_code_shape(&code) {
        return Err(gone());
    }
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
                return Err(ApiError::new(StatusCode::GONE, "this resume code has expired")
                    .with(json!({ "respondent_id": id })));
            }
            let state: Value = serde_json::from_str(&state).unwrap_or(Value::Null);
            Ok(json_answer(
                StatusCode::OK,
                json!({ "respondent_id": id, "state": state }),
            ))
        }
        Ok(_) => Err(gone()),
        Err(e) => Err(ApiError::store(&e)),
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

fn admin_allowed(app: &App, headers: &HeaderMap, q: &HashMap<String, String>) -> Result<(), ApiError> {
    let Some(want) = &app.config.admin_token else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "the admin page is off: start the server with --admin-token",
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
        Err(ApiError::new(StatusCode::UNAUTHORIZED, "a valid admin token is needed"))
    }
}

/// The admin page: counts per audience, completes and partials, a completion histogram, the
/// last response received. Read-only (nothing to forge), escaped, never cached.
async fn admin(State(app): State<Shared>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Answer {
    admin_allowed(&app, &headers, &q)?;
    let rows = match app.store.stats().await {
        Ok(r) => r,
        Err(e) => return Err(ApiError::store(&e)),
    };
    let esc = quire_core::escape::html;
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
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        page,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    /// Only a trusted proxy's headers name the client, and a client's own entries at the
    /// start of the chain are not believed.
    #[test]
    fn the_client_is_read_from_trusted_proxies_only() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let xff = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9")]);
        assert_eq!(
            client_address(proxy, &xff, &trusted),
            ip("203.0.113.9"),
            "spoofed first entry"
        );
        assert_eq!(
            client_address(ip("198.51.100.1"), &xff, &trusted),
            ip("198.51.100.1"),
            "not a proxy"
        );
        assert_eq!(client_address(proxy, &xff, &[]), proxy);
        let chain = headers(&[("x-forwarded-for", "203.0.113.9"), ("x-forwarded-for", "10.0.0.7")]);
        assert_eq!(
            client_address(proxy, &chain, &trusted),
            ip("203.0.113.9"),
            "two proxies"
        );
        let fwd = headers(&[("forwarded", "for=\"[2001:db8::1]:4711\";proto=https, for=10.0.0.9")]);
        assert_eq!(client_address(proxy, &fwd, &trusted), ip("2001:db8::1"));
        let port = headers(&[("forwarded", "For=192.0.2.60:8080;by=10.0.0.5")]);
        assert_eq!(client_address(proxy, &port, &trusted), ip("192.0.2.60"));
        let junk = headers(&[("forwarded", "for=unknown"), ("x-forwarded-for", "not an address")]);
        assert_eq!(client_address(proxy, &junk, &trusted), proxy);
    }

    /// Resume codes are well formed and their symbols come out evenly (no modulo bias: with
    /// `byte % 31` the first 8 symbols would come up 9/8 as often as the rest).
    #[test]
    fn resume_codes_are_uniform_over_their_alphabet() {
        let mut counts = HashMap::new();
        let n = 4000;
        for _ in 0..n {
            let c = code().unwrap();
            assert!(resume_code_shape(&c), "{c}");
            for ch in c.chars().filter(|c| *c != '-') {
                *counts.entry(ch).or_insert(0usize) += 1;
            }
        }
        assert_eq!(counts.len(), 31);
        let expected = (n * 12) as f64 / 31.0;
        // Chi-squared with 30 degrees of freedom: above 59.7 one time in a thousand.
        let chi2: f64 = counts.values().map(|&o| (o as f64 - expected).powi(2) / expected).sum();
        assert!(chi2 < 59.7, "chi-squared {chi2:.1}: {counts:?}");
        let first8: usize = "ABCDEFGH".chars().map(|c| counts.get(&c).copied().unwrap_or(0)).sum();
        let share = first8 as f64 / (n * 12) as f64;
        assert!(
            (share - 8.0 / 31.0).abs() < 0.012,
            "the first symbols are favoured: {share:.4}"
        );
    }

    #[test]
    fn resume_codes_are_not_logged() {
        assert_eq!(loggable("/api/patient/resume/ABCD-EFGH-JKMN"), "/api/patient/resume/…");
        assert_eq!(loggable("/api/patient/responses"), "/api/patient/responses");
        assert_eq!(loggable("/patient/"), "/patient/");
    }
}
