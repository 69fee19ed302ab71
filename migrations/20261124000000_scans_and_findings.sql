-- Dockward store, schema 1: scans, the findings they saw, and scores.
-- Secret values never enter this database: `evidence` is a redacted preview
-- and fingerprints are hashes (see src/secrets/mod.rs).

-- One run of an analyzer over some scope. A scan is written as `running`
-- when it starts and finished in one transaction with everything it found,
-- so a scan that dies leaves no partial results, only its `running` row,
-- which the next open marks `interrupted`.
CREATE TABLE scan (
    id          INTEGER PRIMARY KEY,
    -- inventory: images and containers; layers: an image's layer scan; host: host posture.
    kind        TEXT    NOT NULL CHECK (kind IN ('inventory', 'layers', 'host')),
    -- The engine endpoint scanned, e.g. unix:///var/run/docker.sock.
    engine      TEXT    NOT NULL,
    -- What was covered: 'all', or a JSON list of subject keys.
    scope       TEXT    NOT NULL,
    started_at  TEXT    NOT NULL,  -- RFC 3339, UTC
    finished_at TEXT,              -- RFC 3339, UTC; NULL while running
    status      TEXT    NOT NULL CHECK (status IN ('running', 'complete', 'interrupted', 'failed')),
    -- Why a scan did not complete, in words.
    error       TEXT,
    -- The process that runs it, to tell a live scan from a dead one.
    pid         INTEGER NOT NULL,
    -- Open findings by severity when the scan completed (for trends).
    critical    INTEGER NOT NULL DEFAULT 0 CHECK (critical >= 0),
    high        INTEGER NOT NULL DEFAULT 0 CHECK (high >= 0),
    medium      INTEGER NOT NULL DEFAULT 0 CHECK (medium >= 0),
    low         INTEGER NOT NULL DEFAULT 0 CHECK (low >= 0),
    info        INTEGER NOT NULL DEFAULT 0 CHECK (info >= 0)
) STRICT;

CREATE INDEX scan_by_kind_started ON scan (kind, started_at);

-- A finding, identified by its fingerprint (rule + subject + location, and a
-- secret's digest): the same problem seen by many scans is one row.
CREATE TABLE finding (
    fingerprint     TEXT    PRIMARY KEY,
    rule_id         TEXT    NOT NULL,
    severity        TEXT    NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
    subject_kind    TEXT    NOT NULL CHECK (subject_kind IN ('image', 'container', 'host')),
    -- Stable key: container name, image's first tag or ID, host name.
    subject_key     TEXT    NOT NULL,
    -- Display name when last seen.
    subject_name    TEXT    NOT NULL,
    -- Engine ID when last seen.
    subject_id      TEXT    NOT NULL,
    location        TEXT    NOT NULL,
    -- Redacted: never a secret's value.
    evidence        TEXT    NOT NULL,
    first_seen_scan INTEGER NOT NULL REFERENCES scan (id),
    last_seen_scan  INTEGER NOT NULL REFERENCES scan (id),
    first_seen_at   TEXT    NOT NULL,
    last_seen_at    TEXT    NOT NULL
) STRICT;

CREATE INDEX finding_by_subject ON finding (subject_kind, subject_key);

-- Which findings each scan saw: the history that states and diffs derive from.
CREATE TABLE sighting (
    scan_id     INTEGER NOT NULL REFERENCES scan (id) ON DELETE CASCADE,
    fingerprint TEXT    NOT NULL REFERENCES finding (fingerprint) ON DELETE CASCADE,
    PRIMARY KEY (scan_id, fingerprint)
) STRICT, WITHOUT ROWID;

CREATE INDEX sighting_by_fingerprint ON sighting (fingerprint);

-- Each subject's score at the end of a scan, for trends and "riskiest" lists.
CREATE TABLE subject_score (
    scan_id      INTEGER NOT NULL REFERENCES scan (id) ON DELETE CASCADE,
    subject_kind TEXT    NOT NULL CHECK (subject_kind IN ('image', 'container', 'host')),
    subject_key  TEXT    NOT NULL,
    subject_name TEXT    NOT NULL,
    score        INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    PRIMARY KEY (scan_id, subject_kind, subject_key)
) STRICT, WITHOUT ROWID;
