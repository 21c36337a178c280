//! Where responses live: SQLite in a file (a pilot on a laptop) or PostgreSQL (several
//! servers sharing one database). The same SQL runs on both; the schema is versioned text in
//! `migrations/`, applied at start.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The migrations, in order. Each runs once, in a transaction, recorded in `quire_migrations`.
pub const MIGRATIONS: [(i64, &str); 1] = [(1, include_str!("../migrations/0001_responses.sql"))];

#[derive(Clone)]
pub enum Store {
    Sqlite(Arc<std::sync::Mutex<rusqlite::Connection>>),
    Postgres(Arc<Pool>),
}

/// A few PostgreSQL connections, used in turn.
pub struct Pool {
    clients: Vec<tokio::sync::Mutex<tokio_postgres::Client>>,
    next: AtomicUsize,
}

impl Pool {
    fn get(&self) -> &tokio::sync::Mutex<tokio_postgres::Client> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.clients.len();
        &self.clients[i]
    }
}

/// A record to store: the JSON as received (canonical form) and what is indexed from it.
#[derive(Debug, Clone)]
pub struct Record {
    pub respondent_id: String,
    pub audience: String,
    pub spec_version: String,
    pub spec_hash: String,
    pub record: String,
    pub record_hash: String,
    pub mode: String,
    pub completion: Option<f64>,
    pub now: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Stored now (new, or a partial completed).
    Stored,
    /// The same record was already stored: acknowledged, not stored twice.
    Duplicate,
    /// A different record is stored under this id: refused and logged.
    Conflict,
}

pub type Error = String;

fn sql_err(e: impl std::fmt::Display) -> Error {
    format!("database: {e}")
}

const SUBMIT: &str = "INSERT INTO responses (respondent_id, audience, spec_version, spec_hash, status, record, record_hash, state, mode, completion, resume_code, received_at, updated_at) \
     VALUES ($1, $2, $3, $4, 'complete', $5, $6, NULL, $7, $8, NULL, $9, $9) \
     ON CONFLICT (respondent_id) DO UPDATE SET status = 'complete', record = excluded.record, record_hash = excluded.record_hash, \
     state = NULL, resume_code = NULL, mode = excluded.mode, completion = excluded.completion, updated_at = excluded.updated_at \
     WHERE responses.status = 'partial'";
const PARTIAL: &str = "INSERT INTO responses (respondent_id, audience, spec_version, spec_hash, status, record, record_hash, state, mode, completion, resume_code, received_at, updated_at) \
     VALUES ($1, $2, $3, $4, 'partial', $5, $6, $7, $8, $9, $10, $11, $11) \
     ON CONFLICT (respondent_id) DO UPDATE SET record = excluded.record, record_hash = excluded.record_hash, state = excluded.state, \
     completion = excluded.completion, updated_at = excluded.updated_at \
     WHERE responses.status = 'partial' AND responses.audience = excluded.audience";
const STORED_HASH: &str = "SELECT record_hash, status FROM responses WHERE respondent_id = $1";
const LOG_CONFLICT: &str = "INSERT INTO conflicts (respondent_id, received_at, record) VALUES ($1, $2, $3)";
const RESUME: &str =
    "SELECT audience, state, updated_at, respondent_id FROM responses WHERE resume_code = $1 AND status = 'partial'";
const CODE_OF: &str = "SELECT resume_code FROM responses WHERE respondent_id = $1";
const EXPORT: &str = "SELECT status, record FROM responses WHERE status = 'complete' OR CAST($1 AS BIGINT) = 1 ORDER BY received_at, respondent_id";
const STATS: &str = "SELECT audience, status, completion, updated_at FROM responses";
const INVITE: &str = "INSERT INTO invitations (token, audience, created_at, used_by) VALUES ($1, $2, $3, NULL)";
const USE_INVITE: &str =
    "UPDATE invitations SET used_by = $1 WHERE token = $2 AND audience = $3 AND (used_by IS NULL OR used_by = $1)";
const HAS_INVITES: &str = "SELECT COUNT(*) FROM invitations WHERE audience = $1";

impl Store {
    /// Opens `url`: `postgres://…` or `postgresql://…`, else a SQLite file path (or
    /// `sqlite://PATH`). Applies the migrations the database has not had.
    pub async fn open(url: &str) -> Result<Store, Error> {
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut clients = Vec::new();
            for _ in 0..4 {
                let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .map_err(sql_err)?;
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        eprintln!(
                            "{{\"level\":\"error\",\"event\":\"database connection\",\"error\":{}}}",
                            serde_json::json!(e.to_string())
                        );
                    }
                });
                clients.push(tokio::sync::Mutex::new(client));
            }
            Store::Postgres(Arc::new(Pool {
                clients,
                next: AtomicUsize::new(0),
            }))
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            let conn = rusqlite::Connection::open(path).map_err(sql_err)?;
            // WAL: readers never block the writer; FULL: an acknowledged response survives a
            // crash of the machine, not only of the process.
            conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;")
                .map_err(sql_err)?;
            Store::Sqlite(Arc::new(std::sync::Mutex::new(conn)))
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), Error> {
        let create =
            "CREATE TABLE IF NOT EXISTS quire_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)";
        match self {
            Store::Sqlite(db) => {
                let db = db.clone();
                tokio::task::spawn_blocking(move || -> Result<(), Error> {
                    let mut c = db.lock().map_err(sql_err)?;
                    c.execute_batch(create).map_err(sql_err)?;
                    for (v, sql) in MIGRATIONS {
                        let tx = c
                            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                            .map_err(sql_err)?;
                        let done: i64 = tx
                            .query_row("SELECT COUNT(*) FROM quire_migrations WHERE version = $1", [v], |r| {
                                r.get(0)
                            })
                            .map_err(sql_err)?;
                        if done == 0 {
                            tx.execute_batch(sql).map_err(sql_err)?;
                            tx.execute(
                                "INSERT INTO quire_migrations (version, applied_at) VALUES ($1, $2)",
                                rusqlite::params![v, now()],
                            )
                            .map_err(sql_err)?;
                        }
                        tx.commit().map_err(sql_err)?;
                    }
                    Ok(())
                })
                .await
                .map_err(sql_err)?
            }
            Store::Postgres(pool) => {
                let mut c = pool.get().lock().await;
                c.batch_execute(create).await.map_err(sql_err)?;
                for (v, sql) in MIGRATIONS {
                    let tx = c.transaction().await.map_err(sql_err)?;
                    // One server migrates at a time; the others wait, then find it done.
                    tx.batch_execute("LOCK TABLE quire_migrations IN EXCLUSIVE MODE")
                        .await
                        .map_err(sql_err)?;
                    let done: i64 = tx
                        .query_one("SELECT COUNT(*) FROM quire_migrations WHERE version = $1", &[&v])
                        .await
                        .map_err(sql_err)?
                        .get(0);
                    if done == 0 {
                        tx.batch_execute(sql).await.map_err(sql_err)?;
                        tx.execute(
                            "INSERT INTO quire_migrations (version, applied_at) VALUES ($1, $2)",
                            &[&v, &now()],
                        )
                        .await
                        .map_err(sql_err)?;
                    }
                    tx.commit().await.map_err(sql_err)?;
                }
                Ok(())
            }
        }
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), Error> {
        match self {
            Store::Sqlite(db) => {
                let db = db.clone();
                tokio::task::spawn_blocking(move || {
                    db.lock()
                        .map_err(sql_err)?
                        .query_row("SELECT 1", [], |_| Ok(()))
                        .map_err(sql_err)
                })
                .await
                .map_err(sql_err)?
            }
            Store::Postgres(pool) => pool
                .get()
                .lock()
                .await
                .simple_query("SELECT 1")
                .await
                .map(|_| ())
                .map_err(sql_err),
        }
    }

    /// Stores a submitted record once: new, or completing a partial. The same record again
    /// is a duplicate; a different one under a stored id is a conflict, logged.
    pub async fn submit(&self, r: Record) -> Result<Outcome, Error> {
        match self {
            Store::Sqlite(db) => {
                let db = db.clone();
                tokio::task::spawn_blocking(move || -> Result<Outcome, Error> {
                    let mut c = db.lock().map_err(sql_err)?;
                    let tx = c
                        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                        .map_err(sql_err)?;
                    let n = tx
                        .execute(
                            SUBMIT,
                            rusqlite::params![
                                r.respondent_id,
                                r.audience,
                                r.spec_version,
                                r.spec_hash,
                                r.record,
                                r.record_hash,
                                r.mode,
                                r.completion,
                                r.now
                            ],
                        )
                        .map_err(sql_err)?;
                    let outcome = if n == 1 {
                        Outcome::Stored
                    } else {
                        let stored: String = tx
                            .query_row(STORED_HASH, [&r.respondent_id], |row| row.get(0))
                            .map_err(sql_err)?;
                        if stored == r.record_hash {
                            Outcome::Duplicate
                        } else {
                            tx.execute(LOG_CONFLICT, rusqlite::params![r.respondent_id, r.now, r.record])
                                .map_err(sql_err)?;
                            Outcome::Conflict
                        }
                    };
                    tx.commit().map_err(sql_err)?;
                    Ok(outcome)
                })
                .await
                .map_err(sql_err)?
            }
            Store::Postgres(pool) => {
                let mut c = pool.get().lock().await;
                let tx = c.transaction().await.map_err(sql_err)?;
                let n = tx
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
                        ],
                    )
                    .await
                    .map_err(sql_err)?;
                let outcome = if n == 1 {
                    Outcome::Stored
                } else {
                    let stored: String = tx
                        .query_one(STORED_HASH, &[&r.respondent_id])
                        .await
                        .map_err(sql_err)?
                        .get(0);
                    if stored == r.record_hash {
                        Outcome::Duplicate
                    } else {
                        tx.execute(LOG_CONFLICT, &[&r.respondent_id, &r.now, &r.record])
                            .await
                            .map_err(sql_err)?;
                        Outcome::Conflict
                    }
                };
                tx.commit().await.map_err(sql_err)?;
                Ok(outcome)
            }
        }
    }

    /// Saves a partial response (the record so far and the form's state), with its resume
    /// code. Returns the code in force, or None when the response is already complete (or
    /// belongs to another audience).
    pub async fn save_partial(&self, r: Record, state: String, code: String) -> Result<Option<String>, Error> {
        match self {
            Store::Sqlite(db) => {
                let db = db.clone();
                tokio::task::spawn_blocking(move || -> Result<Option<String>, Error> {
                    let mut c = db.lock().map_err(sql_err)?;
                    let tx = c
                        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                        .map_err(sql_err)?;
                    let n = tx
                        .execute(
                            PARTIAL,
                            rusqlite::params![
                                r.respondent_id,
                                r.audience,
                                r.spec_version,
                                r.spec_hash,
                                r.record,
                                r.record_hash,
                                state,
                                r.mode,
                                r.completion,
                                code,
                                r.now
                            ],
                        )
                        .map_err(sql_err)?;
                    let code = if n == 1 {
                        tx.query_row(CODE_OF, [&r.respondent_id], |row| row.get::<_, Option<String>>(0))
                            .map_err(sql_err)?
                    } else {
                        None
                    };
                    tx.commit().map_err(sql_err)?;
                    Ok(code)
                })
                .await
                .map_err(sql_err)?
            }
            Store::Postgres(pool) => {
                let mut c = pool.get().lock().await;
                let tx = c.transaction().await.map_err(sql_err)?;
                let n = tx
                    .execute(
                        PARTIAL,
                        &[
                            &r.respondent_id,
                            &r.audience,
                            &r.spec_version,
                            &r.spec_hash,
                            &r.record,
                            &r.record_hash,
                            &state,
                            &r.mode,
                            &r.completion,
                            &code,
                            &r.now,
                        ],
                    )
                    .await
                    .map_err(sql_err)?;
                let code = if n == 1 {
                    tx.query_one(CODE_OF, &[&r.respondent_id])
                        .await
                        .map_err(sql_err)?
                        .get::<_, Option<String>>(0)
                } else {
                    None
                };
                tx.commit().await.map_err(sql_err)?;
                Ok(code)
            }
        }
    }

    /// The partial response a resume code stands for: (audience, state, last change, id).
    pub async fn resume(&self, code: &str) -> Result<Option<(String, String, String, String)>, Error> {
        let code = code.to_string();
        match self {
            Store::Sqlite(db) => {
                let db = db.clone();
                tokio::task::spawn_blocking(move || {
                    let c = db.lock().map_err(sql_err)?;
                    let mut st = c.prepare(RESUME).map_err(sql_err)?;
                    let mut rows = st.query([&code]).map_err(sql_err)?;
                    match rows.next().map_err(sql_err)? {
                        Some(row) => Ok(Some((
                            row.get(0).map_err(sql_err)?,
                            row.get::<_, Option<String>>(1).map_err(sql_err)?.unwrap_or_default(),
                            row.get(2).map_err(sql_err)?,
                            row.get(3).map_err(sql_err)?,
                        ))),
                        None => Ok(None),
                    }
                })
                .await
                .map_err(sql_err)?
            }
            Store::Postgres(pool) => {
                let c = pool.get().lock().await;
                let rows = c.query(RESUME, &[&code]).await.map_err(sql_err)?;
                Ok(rows.first().map(|row| {
                    (
                        row.get(0),
                        row.get::<_, Option<String>>(1).unwrap_or_default(),
                        row.get(2),
                        row.get(3),
                    )
                }))
            }
        }
    }

    /// Every complete record (and the partials when asked), oldest first: (status, record).
    pub async fn export(&self, partials: bool) -> Result<Vec<(String, String)>, Error> {
        let flag: i64 = i64::from(partials);
        match self {
            Store::Sqlite(db) => {
                let db = db.clone();
                tokio::task::spawn_blocking(move || {
                    let c = db.lock().map_err(sql_err)?;
                    let mut st = c.prepare(EXPORT).map_err(sql_err)?;
                    st.query_map([flag], |row| Ok((row.get(0)?, row.get(1)?)))
                        .map_err(sql_err)?
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(sql_err)
                })
                .await
                .map_err(sql_err)?
            }
            Store::Postgres(pool) => {
                let c = pool.get().lock().await;
                let rows = c.query(EXPORT, &[&flag]).await.map_err(sql_err)?;
                Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
            }
        }
    }

    /// (audience, status, completion, last change) of every response, for the admin page.
    pub async fn stats(&self) -> Result<Vec<(String, String, Option<f64>, String)>, Error> {
        match self {
            Store::Sqlite(db) => {
                let db = db.clone();
                tokio::task::spawn_blocking(move || {
                    let c = db.lock().map_err(sql_err)?;
                    let mut st = c.prepare(STATS).map_err(sql_err)?;
                    st.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
                        .map_err(sql_err)?
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(sql_err)
                })
                .await
                .map_err(sql_err)?
            }
            Store::Postgres(pool) => {
                let c = pool.get().lock().await;
                let rows = c.query(STATS, &[]).await.map_err(sql_err)?;
                Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect())
            }
        }
    }

    /// Adds invitation tokens for an audience.
    pub async fn invite(&self, audience: &str, tokens: Vec<String>) -> Result<(), Error> {
        let audience = audience.to_string();
        let at = now();
        match self {
            Store::Sqlite(db) => {
                let db = db.clone();
                tokio::task::spawn_blocking(move || -> Result<(), Error> {
                    let mut c = db.lock().map_err(sql_err)?;
                    let tx = c.transaction().map_err(sql_err)?;
                    for t in &tokens {
                        tx.execute(INVITE, rusqlite::params![t, audience, at])
                            .map_err(sql_err)?;
                    }
                    tx.commit().map_err(sql_err)
                })
                .await
                .map_err(sql_err)?
            }
            Store::Postgres(pool) => {
                let mut c = pool.get().lock().await;
                let tx = c.transaction().await.map_err(sql_err)?;
                for t in &tokens {
                    tx.execute(INVITE, &[t, &audience, &at]).await.map_err(sql_err)?;
                }
                tx.commit().await.map_err(sql_err)
            }
        }
    }

    /// Whether an audience's form needs an invitation (any token was made for it).
    pub async fn needs_invitation(&self, audience: &str) -> Result<bool, Error> {
        let audience = audience.to_string();
        let n: i64 = match self {
            Store::Sqlite(db) => {
                let db = db.clone();
                tokio::task::spawn_blocking(move || {
                    db.lock()
                        .map_err(sql_err)?
                        .query_row(HAS_INVITES, [&audience], |r| r.get(0))
                        .map_err(sql_err)
                })
                .await
                .map_err(sql_err)??
            }
            Store::Postgres(pool) => pool
                .get()
                .lock()
                .await
                .query_one(HAS_INVITES, &[&audience])
                .await
                .map_err(sql_err)?
                .get(0),
        };
        Ok(n > 0)
    }

    /// Takes an invitation for a response: true when the token is valid for the audience and
    /// unused, or already used by this same response (a retry).
    pub async fn use_invitation(&self, token: &str, audience: &str, respondent: &str) -> Result<bool, Error> {
        let (token, audience, respondent) = (token.to_string(), audience.to_string(), respondent.to_string());
        let n: u64 = match self {
            Store::Sqlite(db) => {
                let db = db.clone();
                tokio::task::spawn_blocking(move || {
                    db.lock()
                        .map_err(sql_err)?
                        .execute(USE_INVITE, rusqlite::params![respondent, token, audience])
                        .map(|n| n as u64)
                        .map_err(sql_err)
                })
                .await
                .map_err(sql_err)??
            }
            Store::Postgres(pool) => pool
                .get()
                .lock()
                .await
                .execute(USE_INVITE, &[&respondent, &token, &audience])
                .await
                .map_err(sql_err)?,
        };
        Ok(n == 1)
    }
}

/// Now, UTC, to the second: `YYYY-MM-DDThh:mm:ssZ`.
pub fn now() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    quire_core::data::format_timestamp(t)
}
