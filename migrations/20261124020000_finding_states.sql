-- Dockward store, schema 3: finding states over time, suppressions, the
-- events that make diffs cheap, per-scan aggregates for trends, settings.

-- Which kind of scan produces a finding: only a scan of that kind (covering
-- its subject) can resolve it, except that an inventory resolves the
-- findings of images and containers that no longer exist.
ALTER TABLE finding ADD COLUMN source TEXT NOT NULL DEFAULT 'inventory'
    CHECK (source IN ('inventory', 'layers', 'host'));
UPDATE finding SET source = 'layers' WHERE rule_id LIKE 'image.layer-%';
-- open: seen by the latest scan that covered it; resolved: a later covering
-- scan did not see it. (new, reopened and suppressed are derived for display.)
ALTER TABLE finding ADD COLUMN state TEXT NOT NULL DEFAULT 'open'
    CHECK (state IN ('open', 'resolved'));
-- The scan that resolved it, while resolved.
ALTER TABLE finding ADD COLUMN resolved_scan INTEGER REFERENCES scan (id);
-- The last scan that saw it again after it had been resolved.
ALTER TABLE finding ADD COLUMN reopened_scan INTEGER REFERENCES scan (id);
-- The rule's title when last seen (for reports; never a secret).
ALTER TABLE finding ADD COLUMN title TEXT NOT NULL DEFAULT '';

CREATE INDEX finding_by_state ON finding (state, severity);

-- What changed in each scan: a finding first seen, resolved or seen again.
-- A diff between two scans is the last event of each finding between them.
CREATE TABLE finding_event (
    scan_id     INTEGER NOT NULL REFERENCES scan (id) ON DELETE CASCADE,
    fingerprint TEXT    NOT NULL REFERENCES finding (fingerprint) ON DELETE CASCADE,
    event       TEXT    NOT NULL CHECK (event IN ('new', 'resolved', 'reopened')),
    PRIMARY KEY (scan_id, fingerprint)
) STRICT, WITHOUT ROWID;

CREATE INDEX finding_event_by_fingerprint ON finding_event (fingerprint);

-- Findings the user chose to accept, with why and until when. No foreign
-- key: retention cleanup never removes a suppression, and a suppression
-- outlives the finding it names (it applies again if the finding returns).
CREATE TABLE suppression (
    fingerprint TEXT PRIMARY KEY,
    reason      TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    -- RFC 3339, UTC; NULL: until lifted. Once past, the finding is open again.
    until       TEXT,
    created_at  TEXT NOT NULL
) STRICT;

-- Per-scan aggregates, written when the scan completes, so trend queries
-- read one row per scan instead of replaying history.
-- Open, unsuppressed findings of every kind by severity after this scan.
ALTER TABLE scan ADD COLUMN open_critical INTEGER NOT NULL DEFAULT 0 CHECK (open_critical >= 0);
ALTER TABLE scan ADD COLUMN open_high     INTEGER NOT NULL DEFAULT 0 CHECK (open_high >= 0);
ALTER TABLE scan ADD COLUMN open_medium   INTEGER NOT NULL DEFAULT 0 CHECK (open_medium >= 0);
ALTER TABLE scan ADD COLUMN open_low      INTEGER NOT NULL DEFAULT 0 CHECK (open_low >= 0);
ALTER TABLE scan ADD COLUMN open_info     INTEGER NOT NULL DEFAULT 0 CHECK (open_info >= 0);
-- Findings this scan saw first, resolved, and saw again after resolution.
ALTER TABLE scan ADD COLUMN new_count      INTEGER NOT NULL DEFAULT 0 CHECK (new_count >= 0);
ALTER TABLE scan ADD COLUMN resolved_count INTEGER NOT NULL DEFAULT 0 CHECK (resolved_count >= 0);
ALTER TABLE scan ADD COLUMN reopened_count INTEGER NOT NULL DEFAULT 0 CHECK (reopened_count >= 0);

CREATE INDEX scan_by_status ON scan (status, id);

-- Settings shared by the app and the CLI (retention_days, last_cleanup).
CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Earlier scans: their own counts are the best estimate of what was open.
UPDATE scan SET open_critical = critical, open_high = high, open_medium = medium,
                open_low = low, open_info = info
 WHERE status = 'complete' AND kind = 'inventory';
UPDATE scan SET new_count = (SELECT count(*) FROM finding WHERE first_seen_scan = scan.id);
INSERT INTO finding_event (scan_id, fingerprint, event)
    SELECT first_seen_scan, fingerprint, 'new' FROM finding;
