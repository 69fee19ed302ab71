-- Schema 2: per-layer results, so that a layer shared by many images is read
-- once and an unchanged image is not exported again (its diffIDs are known
-- from inspect). Keyed by diffID: the sha256 of the uncompressed layer, so the
-- same content always has the same key.

-- What walking a layer found, whatever analyzers ran.
CREATE TABLE layer_walk (
    diff_id    TEXT    PRIMARY KEY CHECK (diff_id LIKE 'sha256:%'),
    -- The build step that made it, when first seen.
    created_by TEXT    NOT NULL,
    size       INTEGER NOT NULL CHECK (size >= 0),
    -- JSON list of whiteouts: {"delete": path} or {"opaque": folder}.
    whiteouts  TEXT    NOT NULL,
    -- Hashes of every path the layer writes, 8 bytes each, little-endian:
    -- enough to tell that a later layer overwrites a file, without the names.
    paths      BLOB    NOT NULL,
    scanned_at TEXT    NOT NULL
) STRICT;

-- One analyzer's results on one layer. A new analyzer version replaces its
-- row and leaves the other analyzers' rows valid.
CREATE TABLE layer_hits (
    diff_id  TEXT    NOT NULL REFERENCES layer_walk (diff_id) ON DELETE CASCADE,
    analyzer TEXT    NOT NULL,
    version  INTEGER NOT NULL,
    -- JSON list of {path, rule, severity, evidence, secret_digest}: evidence is
    -- redacted and the digest is a hash, never a secret's value.
    hits     TEXT    NOT NULL,
    PRIMARY KEY (diff_id, analyzer)
) STRICT, WITHOUT ROWID;
