-- Schema 5: a version for the walk part of the layer cache. Path keys were
-- hashed with Rust's DefaultHasher, whose output may change between Rust
-- releases; they are now FNV-1a (stable). Rows of the old format are
-- dropped (their analyzer results with them) and recomputed at the next
-- scan of their image; the version lets a later format change do the same.
DELETE FROM layer_walk;
ALTER TABLE layer_walk ADD COLUMN walk_version INTEGER NOT NULL DEFAULT 1 CHECK (walk_version >= 1);
