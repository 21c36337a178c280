//! Where responses live: SQLite in a file (a pilot on a laptop) or PostgreSQL (several
//! servers sharing one database, through a pool that reconnects by itself). The same SQL runs
//! on both; the schema is versioned text in `migrations/`, applied at start. What comes out
//! of every call is an [`Outcome`] or an [`Error`] that says whether the database is down, its
//! disk full, or something else (with PostgreSQL's SQLSTATE), never with answer content.

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::GenericClient;

mod sql;
use sql::{Db, Lite as LiteDb, Pg, ready};

/// Runs `$body`, an async use of `$d: &impl Db` that is not a group's write, on the store's
/// database: on a blocking thread holding SQLite's connection, or on a pooled PostgreSQL
/// connection.
macro_rules! on_db {
    ($store:expr, |$d:ident| $body:expr) => {
        match $store {
            Store::Sqlite(db) => {
                Store::sqlite(db, move |c| {
                    let $d = &LiteDb(&*c);
                    ready($body)
                })
                .await
            }
            Store::Postgres(pool) => {
                let c = Store::client(pool).await?;
                let $d = &Pg(&c);
                $body.await
            }
        }
    };
}

/// The migrations, in order. Each runs once, recorded in `quire_migrations`.
pub const MIGRATIONS: [(i64, &str); 2] = [
    (1, include_str!("../migrations/0001_responses.sql")),
    (2, include_str!("../migrations/0002_owners.sql")),
];

/// Taken by every server before it migrates a PostgreSQL database: one migrates, the
/// others wait and find the work done.
const MIGRATION_LOCK: i64 = 0x7175_6972_655f_6d31; // "quire_m1"

/// Where responses are kept: one SQLite file (a study on one machine) or PostgreSQL
/// (several instances behind a load balancer). Every write is durable when answered.
#[derive(Clone)]
pub enum Store {
    /// The SQLite connection, its writes committed in groups.
    Sqlite(Arc<Lite>),
    /// A pool of PostgreSQL connections.
    Postgres(deadpool_postgres::Pool),
}

/// A write waiting for the SQLite connection (or told why there is none): run in its own
/// savepoint, it hands back what to answer once its transaction has committed or failed to.
/// It hands back its own error too, for the others when it took the transaction down.
type Job = Box<dyn FnOnce(Result<&rusqlite::Connection, &Error>) -> (Answer, Option<Error>) + Send>;
type Answer = Box<dyn FnOnce(Option<&Error>) + Send>;

/// One SQLite connection and the responses waiting to be written to it. SQLite has one
/// writer, and each commit is a WAL fsync (`synchronous = FULL`): the responses that arrive
/// while one commit is on its way to the disk are written together, each in a savepoint of
/// its own, in one transaction, and answered only once it has committed (group commit, as
/// PostgreSQL does for concurrent commits). A write that fails rolls back its savepoint
/// alone; a commit that fails is reported to every write in it, none acknowledged.
pub struct Lite {
    conn: std::sync::Mutex<rusqlite::Connection>,
    waiting: std::sync::Mutex<Vec<Job>>,
}

/// Writes committed together at most: a bound on how long the first of them waits.
const GROUP: usize = 64;

impl Lite {
    /// The connection, for whatever runs outside a group (reads, migrations, tests).
    pub fn lock(&self) -> std::sync::MutexGuard<'_, rusqlite::Connection> {
        // A panic mid-transaction rolled it back when the transaction dropped.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes the waiting jobs, if another thread has not: one transaction, one commit,
    /// then every answer; again while more are waiting.
    fn write_waiting(&self) {
        let c = self.lock();
        loop {
            let jobs: Vec<Job> = {
                let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
                let n = waiting.len().min(GROUP);
                waiting.drain(..n).collect()
            };
            if jobs.is_empty() {
                return;
            }
            // Why the group's transaction is gone, once it is: SQLite rolls a whole
            // transaction back on some errors (a full disk, an I/O error), and then every
            // write of the group fails with that cause.
            let mut lost = c.execute_batch("BEGIN IMMEDIATE").map_err(lite).err();
            let mut answers: Vec<Answer> = Vec::with_capacity(jobs.len());
            for job in jobs {
                let (answer, failed) = match &lost {
                    Some(e) => job(Err(e)),
                    None => job(Ok(&c)),
                };
                if lost.is_none() && c.is_autocommit() {
                    lost = Some(failed.unwrap_or_else(|| Error::other("the transaction ended early")));
                }
                answers.push(answer);
            }
            let committed = match lost {
                None => c.execute_batch("COMMIT").map_err(lite),
                Some(e) => Err(e),
            };
            if !c.is_autocommit() {
                // A commit that failed leaves the transaction open: nothing of it is kept.
                let _ = c.execute_batch("ROLLBACK");
            }
            for answer in answers {
                answer(committed.as_ref().err());
            }
        }
    }
}

/// Runs `f` in a savepoint named `name`, kept only when `f` says so (`Ok((true, _))`):
/// rolled back when it fails, panics, or is an attempt whose answer is kept but not its
/// writes. When SQLite has rolled the whole transaction back, the savepoint is gone with it:
/// `f`'s own error says why.
fn savepoint<T>(
    c: &rusqlite::Connection,
    name: &str,
    f: impl FnOnce(&rusqlite::Connection) -> Result<(bool, T), Error>,
) -> Result<T, Error> {
    c.execute_batch(&format!("SAVEPOINT {name}")).map_err(lite)?;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(c)))
        .unwrap_or_else(|_| Err(Error::other("a write failed unexpectedly")));
    let end = match &result {
        Ok((true, _)) => format!("RELEASE {name}"),
        _ => format!("ROLLBACK TO {name}; RELEASE {name}"),
    };
    match (c.execute_batch(&end), result) {
        (Err(e), Ok(_)) => Err(lite(e)),
        (_, result) => result.map(|(_, t)| t),
    }
}

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct Options {
    /// PostgreSQL connections at most (opened as needed, replaced when they break).
    pub pool: usize,
    /// How long to keep trying a database that does not answer at start.
    pub wait: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            pool: default_pool(),
            wait: Duration::from_secs(30),
        }
    }
}

/// PostgreSQL connections by default: enough for its group commit to batch the
/// acknowledgements of many respondents (measured in docs/BENCHMARKS.md), growing with the
/// machine's cores.
pub fn default_pool() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (8 * cores).clamp(16, 64)
}

/// What went wrong, in the terms an operator acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The database does not answer (down, restarting, unreachable, out of connections).
    Unavailable,
    /// The database's disk is full or failing: nothing can be written until there is room.
    Full,
    /// Anything else (a bug, a permission, a schema someone changed).
    Other,
}

/// Why the database did not do what was asked.
#[derive(Debug, Clone)]
pub struct Error {
    /// What kind of failure it is (what the client is told, and whether to try again).
    pub fault: Fault,
    /// For the log and the operator: PostgreSQL's SQLSTATE and message, or SQLite's; never
    /// a value from a record.
    pub message: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error {
    fn other(e: impl std::fmt::Display) -> Error {
        Error {
            fault: Fault::Other,
            message: format!("database: {e}"),
        }
    }

    /// What a client is told (the log has the details).
    pub fn reason(&self) -> &'static str {
        match self.fault {
            Fault::Unavailable => "the database is not available",
            Fault::Full => "the database's disk is full",
            Fault::Other => "the database failed",
        }
    }
}

fn lite(e: rusqlite::Error) -> Error {
    let fault = match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull | rusqlite::ErrorCode::SystemIoFailure) => Fault::Full,
        Some(
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked | rusqlite::ErrorCode::CannotOpen,
        ) => Fault::Unavailable,
        _ => Fault::Other,
    };
    Error {
        fault,
        message: format!("SQLite: {e}"),
    }
}

/// PostgreSQL's own words: SQLSTATE and message for a database error, the whole chain of
/// causes for a connection error (tokio-postgres alone says only "db error").
fn pg(e: tokio_postgres::Error) -> Error {
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        let fault = if code == "53100" {
            Fault::Full
        } else if code.starts_with("08") || code.starts_with("57P") || code == "53300" {
            Fault::Unavailable
        } else {
            Fault::Other
        };
        return Error {
            fault,
            message: format!("PostgreSQL {code}: {}", db.message()),
        };
    }
    let mut message = format!("PostgreSQL: {e}");
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        message.push_str(&format!(": {c}"));
        cause = c.source();
    }
    Error {
        fault: Fault::Unavailable,
        message,
    }
}

fn pool_err(e: deadpool_postgres::PoolError) -> Error {
    match e {
        deadpool_postgres::PoolError::Backend(e) => pg(e),
        deadpool_postgres::PoolError::Timeout(_) => Error {
            fault: Fault::Unavailable,
            message: "PostgreSQL: no connection could be opened or freed in time".into(),
        },
        other => Error {
            fault: Fault::Unavailable,
            message: format!("PostgreSQL pool: {other}"),
        },
    }
}

/// A record to store: the JSON as received (canonical form), what is indexed from it, and
/// what proves the sender may store it.
#[derive(Debug, Clone)]
pub struct Record {
    /// The respondent's id: one response per id.
    pub respondent_id: String,
    /// The audience whose form sent it.
    pub audience: String,
    /// The questionnaire's version it was answered on.
    pub spec_version: String,
    /// That questionnaire's content hash.
    pub spec_hash: String,
    /// The record, as canonical JSON.
    pub record: String,
    /// Its hash: a duplicate has the same.
    pub record_hash: String,
    /// How it was collected: `web`, `paper` or `telephone`.
    pub mode: String,
    /// The share of the questions asked that were answered.
    pub completion: Option<f64>,
    /// When it arrived (UTC, to the second).
    pub now: String,
    /// The secret the form made when it started, or the response's resume code ("" if none).
    pub secret: String,
    /// Whether an invitation is needed, and the one sent.
    pub invitation: Invitation,
}

/// Whether the audience's form needs an invitation, and the token sent with the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invitation {
    /// The audience's form is open to anyone with its link.
    NotNeeded,
    /// The form needs an unused invitation: the token sent, if any.
    Needed(Option<String>),
}

/// What submitting a response did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Stored now (new, or a partial completed).
    Stored,
    /// The same record was already stored: acknowledged, not stored twice.
    Duplicate,
    /// A different record is stored under this id (or it is another audience's): refused and
    /// logged for the study team.
    Conflict,
    /// A partial under this id belongs to another form: neither its secret nor its resume
    /// code was given.
    NotOwner,
    /// The audience needs an invitation and none valid was given (or kept with the partial).
    NeedsInvitation,
}

/// What saving a partial did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// Saved; the resume code in force.
    Saved(String),
    /// The response is already complete.
    Complete,
    /// The id is another audience's.
    OtherAudience,
    /// The partial belongs to another form: neither its secret nor its resume code was
    /// given.
    NotOwner,
    /// The resume window closed: the partial is kept as it was, for the analyst.
    Expired,
    /// The audience needs an invitation and none valid was given.
    NeedsInvitation,
}

const SUBMIT: &str = "INSERT INTO responses (respondent_id, audience, spec_version, spec_hash, status, record, record_hash, state, mode, completion, resume_code, received_at, updated_at, owner) \
     VALUES ($1, $2, $3, $4, 'complete', $5, $6, NULL, $7, $8, NULL, $9, $9, NULL) \
     ON CONFLICT (respondent_id) DO UPDATE SET status = 'complete', record = excluded.record, record_hash = excluded.record_hash, \
     state = NULL, resume_code = NULL, mode = excluded.mode, completion = excluded.completion, updated_at = excluded.updated_at \
     WHERE responses.status = 'partial' AND responses.audience = excluded.audience \
     AND (responses.owner = $10 OR responses.resume_code = $10)";
const PARTIAL: &str = "INSERT INTO responses (respondent_id, audience, spec_version, spec_hash, status, record, record_hash, state, mode, completion, resume_code, received_at, updated_at, owner, invitation) \
     VALUES ($1, $2, $3, $4, 'partial', $5, $6, $7, $8, $9, $10, $11, $11, $12, $13) \
     ON CONFLICT (respondent_id) DO UPDATE SET record = excluded.record, record_hash = excluded.record_hash, state = excluded.state, \
     completion = excluded.completion, updated_at = excluded.updated_at, invitation = COALESCE(responses.invitation, excluded.invitation) \
     WHERE responses.status = 'partial' AND responses.audience = excluded.audience \
     AND (responses.owner = $12 OR responses.resume_code = $12) AND responses.updated_at >= $14";
/// Why an upsert changed nothing: (status, audience, owned, record_hash, updated_at).
/// (SQLite numbers `$N` parameters in order of first appearance, hence the subquery.)
const WHY: &str = "SELECT r.status, r.audience, CASE WHEN r.owner = k.secret OR r.resume_code = k.secret THEN 1 ELSE 0 END, r.record_hash, r.updated_at \
     FROM (SELECT CAST($1 AS TEXT) AS id, CAST($2 AS TEXT) AS secret) AS k JOIN responses AS r ON r.respondent_id = k.id";
const LOG_CONFLICT: &str = "INSERT INTO conflicts (respondent_id, received_at, record) VALUES ($1, $2, $3)";
const RESUME: &str =
    "SELECT audience, state, updated_at, respondent_id FROM responses WHERE resume_code = $1 AND status = 'partial'";
const CODE_OF: &str = "SELECT resume_code FROM responses WHERE respondent_id = $1";
const EXPORT: &str = "SELECT status, record FROM responses WHERE status = 'complete' OR CAST($1 AS BIGINT) = 1 ORDER BY received_at, respondent_id";
const STATS: &str = "SELECT audience, status, completion, updated_at FROM responses";
const INVITE: &str = "INSERT INTO invitations (token, audience, created_at, used_by) VALUES ($1, $2, $3, NULL)";
const USE_INVITE: &str =
    "UPDATE invitations SET used_by = $1 WHERE token = $2 AND audience = $3 AND (used_by IS NULL OR used_by = $1)";
/// Whether a token may start (or go on with) this response, without using it up.
const INVITE_OK: &str =
    "SELECT COUNT(*) FROM invitations WHERE token = $1 AND audience = $2 AND (used_by IS NULL OR used_by = $3)";
/// The invitation kept with a response, for its owner.
const KEPT_INVITE: &str =
    "SELECT invitation FROM responses WHERE respondent_id = $1 AND (owner = $2 OR resume_code = $2)";
const HAS_INVITES: &str = "SELECT COUNT(*) FROM invitations WHERE audience = $1";
const PROBE: &str = "INSERT INTO quire_health (id, checked_at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at";
const CREATE_LEDGER: &str =
    "CREATE TABLE IF NOT EXISTS quire_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)";
const MIGRATED: &str = "SELECT COUNT(*) FROM quire_migrations WHERE version = $1";
const RECORD_MIGRATION: &str = "INSERT INTO quire_migrations (version, applied_at) VALUES ($1, $2)";

/// Why a submission changed nothing, from the row under its id.
fn why_not_stored(r: &Record, status: &str, audience: &str, owned: bool, hash: &str) -> Outcome {
    if status == "complete" {
        if hash == r.record_hash {
            Outcome::Duplicate
        } else {
            Outcome::Conflict
        }
    } else if audience != r.audience || owned {
        // Another audience's id; or (owned, yet unchanged) a race with another change.
        Outcome::Conflict
    } else {
        Outcome::NotOwner
    }
}

/// Why a partial was not saved, from the row under its id.
fn why_not_saved(r: &Record, status: &str, audience: &str, owned: bool) -> Saved {
    if status == "complete" {
        Saved::Complete
    } else if audience != r.audience {
        Saved::OtherAudience
    } else if !owned {
        Saved::NotOwner
    } else {
        Saved::Expired
    }
}

impl Store {
    /// Opens `url`: `postgres://…` or `postgresql://…`, else a SQLite file path (or
    /// `sqlite://PATH`). Waits up to `opts.wait` for a database that does not answer yet,
    /// then applies the migrations it has not had.
    pub async fn open(url: &str, opts: &Options) -> Result<Store, Error> {
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let config: tokio_postgres::Config = url.parse().map_err(|e: tokio_postgres::Error| Error {
                fault: Fault::Other,
                message: format!("the PostgreSQL URL: {e}"),
            })?;
            let manager = deadpool_postgres::Manager::from_config(
                config,
                tokio_postgres::NoTls,
                deadpool_postgres::ManagerConfig {
                    recycling_method: deadpool_postgres::RecyclingMethod::Fast,
                },
            );
            let pool = deadpool_postgres::Pool::builder(manager)
                .max_size(opts.pool.max(1))
                .runtime(deadpool_postgres::Runtime::Tokio1)
                .wait_timeout(Some(Duration::from_secs(5)))
                .create_timeout(Some(Duration::from_secs(5)))
                .recycle_timeout(Some(Duration::from_secs(5)))
                .build()
                .map_err(Error::other)?;
            Store::Postgres(pool)
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            let conn = rusqlite::Connection::open(path).map_err(lite)?;
            // WAL: readers never block the writer; FULL: an acknowledged response survives a
            // crash of the machine, not only of the process.
            conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;")
                .map_err(lite)?;
            Store::Sqlite(Arc::new(Lite {
                conn: std::sync::Mutex::new(conn),
                waiting: std::sync::Mutex::new(Vec::new()),
            }))
        };
        // A database restarting with the servers comes up a moment later.
        let until = tokio::time::Instant::now() + opts.wait;
        let mut pause = Duration::from_millis(100);
        loop {
            match store.migrate().await {
                Ok(()) => return Ok(store),
                Err(e) if e.fault == Fault::Unavailable && tokio::time::Instant::now() + pause < until => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn sqlite<T: Send + 'static>(
        db: &Arc<Lite>,
        f: impl FnOnce(&mut rusqlite::Connection) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let db = db.clone();
        tokio::task::spawn_blocking(move || f(&mut db.lock()))
            .await
            .map_err(Error::other)?
    }

    /// A write to SQLite committed with the others waiting ([`Lite`]), answered once it is
    /// durable.
    async fn grouped<T: Send + 'static>(
        db: &Arc<Lite>,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let (send, receive) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |c| {
            let result = match c {
                Ok(c) => savepoint(c, "write", |c| f(c).map(|t| (true, t))),
                Err(e) => Err(e.clone()),
            };
            let failed = result.as_ref().err().cloned();
            let answer: Answer = Box::new(move |committed| {
                let _ = send.send(match committed {
                    Some(e) => Err(e.clone()),
                    None => result,
                });
            });
            (answer, failed)
        });
        db.waiting.lock().unwrap_or_else(|e| e.into_inner()).push(job);
        let writer = db.clone();
        tokio::task::spawn_blocking(move || writer.write_waiting())
            .await
            .map_err(Error::other)?;
        receive.await.map_err(Error::other)?
    }

    async fn client(pool: &deadpool_postgres::Pool) -> Result<deadpool_postgres::Object, Error> {
        pool.get().await.map_err(pool_err)
    }

    async fn migrate(&self) -> Result<(), Error> {
        match self {
            Store::Sqlite(db) => {
                Store::sqlite(db, |c| {
                    let tx = c
                        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                        .map_err(lite)?;
                    ready(migrate_in(&LiteDb(&tx)))?;
                    tx.commit().map_err(lite)
                })
                .await
            }
            Store::Postgres(pool) => {
                let mut c = Store::client(pool).await?;
                // One transaction under an advisory lock taken before anything else, even
                // the ledger's CREATE TABLE IF NOT EXISTS (which is not safe when two servers
                // run it at once on an empty database).
                let tx = c.transaction().await.map_err(pg)?;
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                    .await
                    .map_err(pg)?;
                migrate_in(&Pg(&tx)).await?;
                tx.commit().await.map_err(pg)
            }
        }
    }

    /// Whether the database answers (a read).
    pub async fn ping(&self) -> Result<(), Error> {
        on_db!(self, |d| d.query_one::<(i64,)>("SELECT 1", &[])).map(|_| ())
    }
    /// Whether the database takes a durable write now (a full disk refuses it).
    pub async fn probe_write(&self) -> Result<(), Error> {
        let at = now();
        match self {
            Store::Sqlite(db) => {
                Store::sqlite(db, move |c| {
                    // The database must be able to grow: a page-sized row, written and
                    // removed in one transaction (an update in place could succeed on a
                    // full disk that refuses every new response).
                    let tx = c
                        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                        .map_err(lite)?;
                    tx.execute(PROBE, [&at]).map_err(lite)?;
                    tx.execute(
                        "INSERT INTO quire_health (id, checked_at) VALUES (2, randomblob(16384))",
                        [],
                    )
                    .map_err(lite)?;
                    tx.execute("DELETE FROM quire_health WHERE id = 2", []).map_err(lite)?;
                    tx.commit().map_err(lite)
                })
                .await
            }
            Store::Postgres(pool) => {
                let c = Store::client(pool).await?;
                let st = c.prepare_cached(PROBE).await.map_err(pg)?;
                c.execute(&st, &[&at]).await.map(|_| ()).map_err(pg)
            }
        }
    }

    /// Stores a submitted record once: new, or completing a partial its sender owns. The
    /// same record again is a duplicate; a different one under a stored id is a conflict,
    /// logged. An invitation, when needed, is used up only with the stored response.
    pub async fn submit(&self, r: Record) -> Result<Outcome, Error> {
        // Nothing of an attempt that does not store the record is kept; then, outside it,
        // why not (and a conflict logged, for the study team).
        match self {
            Store::Sqlite(db) => {
                Store::grouped(db, move |c| {
                    let d = LiteDb(c);
                    let tried = savepoint(c, "attempt", |_| {
                        ready(try_submit(&d, &r)).map(|o| (o == Some(Outcome::Stored), o))
                    })?;
                    match tried {
                        Some(outcome) => Ok(outcome),
                        None => ready(not_stored(&d, &r)),
                    }
                })
                .await
            }
            Store::Postgres(pool) => {
                let mut c = Store::client(pool).await?;
                let tried = match &r.invitation {
                    // The common case is one statement, committed on its own: one round trip
                    // and one WAL flush, which PostgreSQL batches across connections.
                    Invitation::NotNeeded => try_submit(&Pg(&c), &r).await?,
                    Invitation::Needed(_) => {
                        let tx = c.transaction().await.map_err(pg)?;
                        let tried = try_submit(&Pg(&tx), &r).await?;
                        if tried == Some(Outcome::Stored) {
                            tx.commit().await.map_err(pg)?;
                        }
                        tried
                    }
                };
                match tried {
                    Some(outcome) => Ok(outcome),
                    None => not_stored(&Pg(&c), &r).await,
                }
            }
        }
    }

    /// Saves a partial response (the record so far and the form's state). A new one is
    /// owned by `r.secret` and gets `code` as its resume code; an existing one changes only
    /// for its owner (its secret or its resume code), only while its resume window is open
    /// (last change at or after `open_since`), and never once complete.
    pub async fn save_partial(
        &self,
        r: Record,
        state: String,
        code: String,
        open_since: String,
    ) -> Result<Saved, Error> {
        match self {
            Store::Sqlite(db) => {
                Store::grouped(db, move |c| {
                    ready(save_partial_in(&LiteDb(c), &r, &state, &code, &open_since))
                })
                .await
            }
            Store::Postgres(pool) => {
                let mut c = Store::client(pool).await?;
                let tx = c.transaction().await.map_err(pg)?;
                let saved = save_partial_in(&Pg(&tx), &r, &state, &code, &open_since).await?;
                tx.commit().await.map_err(pg)?;
                Ok(saved)
            }
        }
    }

    /// The partial response a resume code stands for: (audience, state, last change, id).
    pub async fn resume(&self, code: &str) -> Result<Option<(String, String, String, String)>, Error> {
        let code = code.to_string();
        let row: Option<(String, Option<String>, String, String)> = on_db!(self, |d| d.query_opt(RESUME, &[&code]))?;
        Ok(row.map(|(audience, state, at, id)| (audience, state.unwrap_or_default(), at, id)))
    }

    /// Every complete record (and the partials when asked), oldest first: (status, record).
    pub async fn export(&self, partials: bool) -> Result<Vec<(String, String)>, Error> {
        let flag: i64 = i64::from(partials);
        on_db!(self, |d| d.query(EXPORT, &[&flag]))
    }

    /// (audience, status, completion, last change) of every response, for the admin page.
    pub async fn stats(&self) -> Result<Vec<(String, String, Option<f64>, String)>, Error> {
        on_db!(self, |d| d.query(STATS, &[]))
    }

    /// Adds invitation tokens for an audience.
    pub async fn invite(&self, audience: &str, tokens: Vec<String>) -> Result<(), Error> {
        let audience = audience.to_string();
        let at = now();
        match self {
            Store::Sqlite(db) => {
                Store::sqlite(db, move |c| {
                    let tx = c.transaction().map_err(lite)?;
                    ready(invite_in(&LiteDb(&tx), &audience, &tokens, &at))?;
                    tx.commit().map_err(lite)
                })
                .await
            }
            Store::Postgres(pool) => {
                let mut c = Store::client(pool).await?;
                let tx = c.transaction().await.map_err(pg)?;
                invite_in(&Pg(&tx), &audience, &tokens, &at).await?;
                tx.commit().await.map_err(pg)
            }
        }
    }

    /// Whether an audience's form needs an invitation (any token was made for it).
    pub async fn needs_invitation(&self, audience: &str) -> Result<bool, Error> {
        let audience = audience.to_string();
        let (n,): (i64,) = on_db!(self, |d| d.query_one(HAS_INVITES, &[&audience]))?;
        Ok(n > 0)
    }
}

// The store's transactions, each written once for both databases.

/// Applies the migrations the database has not had, in the caller's transaction.
async fn migrate_in(d: &impl Db) -> Result<(), Error> {
    d.batch(CREATE_LEDGER).await?;
    for (v, sql) in MIGRATIONS {
        let (done,): (i64,) = d.query_one(MIGRATED, &[&v]).await?;
        if done == 0 {
            d.batch(sql).await?;
            d.execute(RECORD_MIGRATION, &[&v, &now()]).await?;
        }
    }
    Ok(())
}

/// A submission's attempt: uses up its invitation when one is needed (the token sent, or
/// the one kept with its partial), then stores the record. `None` when the record was not
/// stored: the caller drops the attempt's writes and asks [`not_stored`] why.
async fn try_submit(d: &impl Db, r: &Record) -> Result<Option<Outcome>, Error> {
    if let Invitation::Needed(token) = &r.invitation {
        let token = match token {
            Some(t) => Some(t.clone()),
            None => kept_invitation(d, r).await?,
        };
        let used = match &token {
            Some(t) => d.execute(USE_INVITE, &[&r.respondent_id, t, &r.audience]).await?,
            None => 0,
        };
        if used != 1 {
            return Ok(Some(Outcome::NeedsInvitation));
        }
    }
    let n = d
        .execute(
            SUBMIT,
            &[
                &r.respondent_id,
                &r.audience,
                &r.spec_version,
                &r.spec_hash,
                &r.record,
                &r.record_hash,
                &r.mode,
                &r.completion,
                &r.now,
                &r.secret,
            ],
        )
        .await?;
    Ok((n == 1).then_some(Outcome::Stored))
}

/// Why a submission was not stored, from the row under its id; a conflict is logged.
async fn not_stored(d: &impl Db, r: &Record) -> Result<Outcome, Error> {
    let (status, audience, owned, hash): (String, String, i64, String) =
        d.query_one(WHY, &[&r.respondent_id, &r.secret]).await?;
    let outcome = why_not_stored(r, &status, &audience, owned == 1, &hash);
    if outcome == Outcome::Conflict {
        d.execute(LOG_CONFLICT, &[&r.respondent_id, &r.now, &r.record]).await?;
    }
    Ok(outcome)
}

/// The invitation kept with the sender's own partial, if any.
async fn kept_invitation(d: &impl Db, r: &Record) -> Result<Option<String>, Error> {
    let kept: Option<(Option<String>,)> = d.query_opt(KEPT_INVITE, &[&r.respondent_id, &r.secret]).await?;
    Ok(kept.and_then(|(t,)| t))
}

/// Saves a partial in the caller's transaction: its invitation checked (not used up: that
/// comes with the submission) and kept with it, then the row, then the resume code in force
/// or why nothing changed.
async fn save_partial_in(
    d: &impl Db,
    r: &Record,
    state: &String,
    code: &String,
    open_since: &String,
) -> Result<Saved, Error> {
    let mut keep: Option<String> = None;
    if let Invitation::Needed(token) = &r.invitation {
        if let Some(t) = token {
            let (n,): (i64,) = d.query_one(INVITE_OK, &[t, &r.audience, &r.respondent_id]).await?;
            if n == 1 {
                keep = Some(t.clone());
            }
        }
        if keep.is_none() && kept_invitation(d, r).await?.is_none() {
            return Ok(Saved::NeedsInvitation);
        }
    }
    let n = d
        .execute(
            PARTIAL,
            &[
                &r.respondent_id,
                &r.audience,
                &r.spec_version,
                &r.spec_hash,
                &r.record,
                &r.record_hash,
                state,
                &r.mode,
                &r.completion,
                code,
                &r.now,
                &r.secret,
                &keep,
                open_since,
            ],
        )
        .await?;
    if n == 1 {
        let (code,): (Option<String>,) = d.query_one(CODE_OF, &[&r.respondent_id]).await?;
        return Ok(Saved::Saved(code.unwrap_or_default()));
    }
    let (status, audience, owned, _hash): (String, String, i64, String) =
        d.query_one(WHY, &[&r.respondent_id, &r.secret]).await?;
    Ok(why_not_saved(r, &status, &audience, owned == 1))
}

/// Adds invitation tokens in the caller's transaction.
async fn invite_in(d: &impl Db, audience: &String, tokens: &[String], at: &String) -> Result<(), Error> {
    for t in tokens {
        d.execute(INVITE, &[t, audience, at]).await?;
    }
    Ok(())
}

/// `quire backup`: a consistent copy of a SQLite database while servers write to it, by
/// SQLite's online backup API (copying the file, even with its `-wal`, can catch it
/// half-written). The copy is checked (`PRAGMA integrity_check`) before it is handed over.
pub fn backup_sqlite(from: &std::path::Path, to: &std::path::Path) -> Result<(), quire_core::Error> {
    let src = rusqlite::Connection::open_with_flags(
        from,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("cannot open `{}`: {e}", from.display()))?;
    src.busy_timeout(Duration::from_secs(10)).map_err(|e| e.to_string())?;
    // A table every Quire database has: anything else is not one.
    src.query_row("SELECT COUNT(*) FROM quire_migrations", [], |r| r.get::<_, i64>(0))
        .map_err(|e| format!("`{}` is not a Quire response database: {e}", from.display()))?;
    let mut dst = rusqlite::Connection::open(to).map_err(|e| format!("cannot write `{}`: {e}", to.display()))?;
    {
        let backup = rusqlite::backup::Backup::new(&src, &mut dst).map_err(|e| e.to_string())?;
        backup
            .run_to_completion(256, Duration::from_millis(5), None)
            .map_err(|e| format!("the backup did not finish: {e}"))?;
    }
    let ok: String = dst
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if ok != "ok" {
        return Err(format!("the copy failed its integrity check: {ok}").into());
    }
    // The copy in one file, not in WAL mode: a plain file to keep.
    dst.execute_batch("PRAGMA journal_mode = DELETE;")
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Now, UTC, to the second: `YYYY-MM-DDThh:mm:ssZ`.
pub fn now() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    quire_core::data::format_timestamp(t)
}

/// The time `seconds` ago, in the same form as [`now`] (which sorts as text).
pub fn ago(seconds: f64) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    quire_core::data::format_timestamp((t - seconds).floor() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes that run together in one transaction keep their own fate: the ones that
    /// succeed are stored and answered Ok once committed, a failing or panicking one is
    /// rolled back alone, and no answer comes before the commit.
    #[test]
    fn grouped_writes_keep_their_own_fate() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("group.sqlite").display().to_string();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let Store::Sqlite(db) = rt.block_on(Store::open(&url, &Options::default())).unwrap() else {
            unreachable!("a file path opens SQLite")
        };
        db.lock()
            .execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY)")
            .unwrap();
        // Held, so every write below queues and they are written as groups.
        let held = db.lock();
        let tasks: Vec<_> = (0..200i64)
            .map(|n| {
                let db = db.clone();
                rt.spawn(async move {
                    Store::grouped(&db, move |c| {
                        c.execute("INSERT INTO t (n) VALUES (?1)", [n]).map_err(lite)?;
                        match n % 10 {
                            3 => Err(Error::other("refused after writing")),
                            7 => panic!("a write that panics after writing"),
                            _ => Ok(n),
                        }
                    })
                    .await
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(300));
        drop(held);
        let mut ok = Vec::new();
        for t in tasks {
            if let Ok(n) = rt.block_on(t).unwrap() {
                ok.push(n);
            }
        }
        let stored: Vec<i64> = db
            .lock()
            .prepare("SELECT n FROM t ORDER BY n")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(ok.len(), 160);
        ok.sort_unstable();
        assert_eq!(stored, ok, "exactly the writes answered Ok are stored");
        assert!(db.lock().is_autocommit(), "no transaction is left open");
    }
}
