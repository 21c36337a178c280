-- A saved response is owned: the secret its form made when it started (or its resume code)
-- is needed to change or complete it. The invitation a partial was started with stays with
-- it, so a respondent who resumes on another device can still send. Portable to SQLite and
-- PostgreSQL.
ALTER TABLE responses ADD COLUMN owner TEXT;
ALTER TABLE responses ADD COLUMN invitation TEXT;
-- One row, rewritten by the readiness check: proof that the database still takes writes.
CREATE TABLE quire_health (
  id INTEGER PRIMARY KEY,
  checked_at TEXT NOT NULL
);
