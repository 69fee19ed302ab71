-- no-transaction
-- Schema 8: two new kinds of scan, 'stale' (images left to rot: old, behind
-- upstream, built on an outdated base, unused) and 'project' (a project's
-- Dockerfiles and compose files), and the 'project' subject kind.
--
-- SQLite cannot change a CHECK constraint in place, so the three tables that
-- list kinds are rebuilt the way SQLite documents (create the new table,
-- copy, drop the old, rename), with foreign keys off so that dropping a
-- table deletes nothing that refers to it, all in one transaction. The
-- statements are safe to run again if the process stops before sqlx records
-- the migration.
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE scan_v8 (
    id          INTEGER PRIMARY KEY,
    -- inventory: images and containers; layers: an image's layer scan;
    -- host: host posture; stale: images left to rot; project: a project's files.
    kind        TEXT    NOT NULL CHECK (kind IN ('inventory', 'layers', 'host', 'stale', 'project')),
    engine      TEXT    NOT NULL,
    scope       TEXT    NOT NULL,
    started_at  TEXT    NOT NULL,
    finished_at TEXT,
    status      TEXT    NOT NULL CHECK (status IN ('running', 'complete', 'interrupted', 'failed')),
    error       TEXT,
    pid         INTEGER NOT NULL,
    critical    INTEGER NOT NULL DEFAULT 0 CHECK (critical >= 0),
    high        INTEGER NOT NULL DEFAULT 0 CHECK (high >= 0),
    medium      INTEGER NOT NULL DEFAULT 0 CHECK (medium >= 0),
    low         INTEGER NOT NULL DEFAULT 0 CHECK (low >= 0),
    info        INTEGER NOT NULL DEFAULT 0 CHECK (info >= 0),
    open_critical  INTEGER NOT NULL DEFAULT 0 CHECK (open_critical >= 0),
    open_high      INTEGER NOT NULL DEFAULT 0 CHECK (open_high >= 0),
    open_medium    INTEGER NOT NULL DEFAULT 0 CHECK (open_medium >= 0),
    open_low       INTEGER NOT NULL DEFAULT 0 CHECK (open_low >= 0),
    open_info      INTEGER NOT NULL DEFAULT 0 CHECK (open_info >= 0),
    new_count      INTEGER NOT NULL DEFAULT 0 CHECK (new_count >= 0),
    resolved_count INTEGER NOT NULL DEFAULT 0 CHECK (resolved_count >= 0),
    reopened_count INTEGER NOT NULL DEFAULT 0 CHECK (reopened_count >= 0)
) STRICT;
INSERT INTO scan_v8 (id, kind, engine, scope, started_at, finished_at, status, error, pid,
        critical, high, medium, low, info, open_critical, open_high, open_medium, open_low,
        open_info, new_count, resolved_count, reopened_count)
    SELECT id, kind, engine, scope, started_at, finished_at, status, error, pid,
        critical, high, medium, low, info, open_critical, open_high, open_medium, open_low,
        open_info, new_count, resolved_count, reopened_count FROM scan;
DROP TABLE scan;
ALTER TABLE scan_v8 RENAME TO scan;
CREATE INDEX scan_by_kind_started ON scan (kind, started_at);
CREATE INDEX scan_by_status ON scan (status, id);

CREATE TABLE finding_v8 (
    fingerprint     TEXT    PRIMARY KEY,
    rule_id         TEXT    NOT NULL,
    severity        TEXT    NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
    subject_kind    TEXT    NOT NULL CHECK (subject_kind IN ('image', 'container', 'host', 'project')),
    subject_key     TEXT    NOT NULL,
    subject_name    TEXT    NOT NULL,
    subject_id      TEXT    NOT NULL,
    location        TEXT    NOT NULL,
    evidence        TEXT    NOT NULL,
    first_seen_scan INTEGER NOT NULL REFERENCES scan (id),
    last_seen_scan  INTEGER NOT NULL REFERENCES scan (id),
    first_seen_at   TEXT    NOT NULL,
    last_seen_at    TEXT    NOT NULL,
    source          TEXT    NOT NULL DEFAULT 'inventory'
        CHECK (source IN ('inventory', 'layers', 'host', 'stale', 'project')),
    state           TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
    resolved_scan   INTEGER REFERENCES scan (id),
    reopened_scan   INTEGER REFERENCES scan (id),
    title           TEXT    NOT NULL DEFAULT ''
) STRICT;
INSERT INTO finding_v8 (fingerprint, rule_id, severity, subject_kind, subject_key, subject_name,
        subject_id, location, evidence, first_seen_scan, last_seen_scan, first_seen_at,
        last_seen_at, source, state, resolved_scan, reopened_scan, title)
    SELECT fingerprint, rule_id, severity, subject_kind, subject_key, subject_name,
        subject_id, location, evidence, first_seen_scan, last_seen_scan, first_seen_at,
        last_seen_at, source, state, resolved_scan, reopened_scan, title FROM finding;
DROP TABLE finding;
ALTER TABLE finding_v8 RENAME TO finding;
CREATE INDEX finding_by_subject ON finding (subject_kind, subject_key);
CREATE INDEX finding_by_state ON finding (state, severity);

CREATE TABLE subject_score_v8 (
    scan_id      INTEGER NOT NULL REFERENCES scan (id) ON DELETE CASCADE,
    subject_kind TEXT    NOT NULL CHECK (subject_kind IN ('image', 'container', 'host', 'project')),
    subject_key  TEXT    NOT NULL,
    subject_name TEXT    NOT NULL,
    score        INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    PRIMARY KEY (scan_id, subject_kind, subject_key)
) STRICT, WITHOUT ROWID;
INSERT INTO subject_score_v8 SELECT scan_id, subject_kind, subject_key, subject_name, score
    FROM subject_score;
DROP TABLE subject_score;
ALTER TABLE subject_score_v8 RENAME TO subject_score;

-- Reminders: what each notification covered, per-image snoozes and
-- ignores. Settings (cadence, thresholds, quiet) live in `setting`.
CREATE TABLE IF NOT EXISTS reminder (
    fingerprint TEXT PRIMARY KEY,      -- a stale finding
    notified_at TEXT NOT NULL,         -- when a notification last named it
    evidence    TEXT NOT NULL          -- what it said then (a change re-notifies)
) STRICT;

CREATE TABLE IF NOT EXISTS image_snooze (
    subject_key TEXT PRIMARY KEY,      -- the image's key, as findings name it
    until       TEXT,                  -- RFC 3339; NULL: ignored until lifted
    created_at  TEXT NOT NULL
) STRICT;

-- When each image was seen in use by a container, across inventories.
CREATE TABLE IF NOT EXISTS image_use (
    image_id    TEXT PRIMARY KEY,      -- engine image ID
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL
) STRICT;

COMMIT;
PRAGMA foreign_keys = ON;
