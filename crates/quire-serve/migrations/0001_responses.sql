-- Responses: one row per respondent_id, a partial until the record is submitted.
-- Portable to SQLite and PostgreSQL; times are UTC text (YYYY-MM-DDThh:mm:ssZ).
CREATE TABLE responses (
  respondent_id TEXT PRIMARY KEY,
  audience TEXT NOT NULL,
  spec_version TEXT NOT NULL,
  spec_hash TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('partial', 'complete')),
  record TEXT NOT NULL,
  record_hash TEXT NOT NULL,
  state TEXT,
  mode TEXT NOT NULL,
  completion DOUBLE PRECISION,
  resume_code TEXT UNIQUE,
  received_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX responses_by_status ON responses (status, received_at);
-- A different record sent under an id already stored: kept for the study team, never applied.
CREATE TABLE conflicts (
  respondent_id TEXT NOT NULL,
  received_at TEXT NOT NULL,
  record TEXT NOT NULL
);
-- Single-use invitation tokens (`quire invite`).
CREATE TABLE invitations (
  token TEXT PRIMARY KEY,
  audience TEXT NOT NULL,
  created_at TEXT NOT NULL,
  used_by TEXT
);
