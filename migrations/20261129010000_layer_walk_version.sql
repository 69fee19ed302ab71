-- Schema 5: a version for the walk part of the layer cache, and the files
-- each layer's package databases list (dpkg, apk) so that a cached scan
-- knows which files are vendor code. Path keys were
-- hashed with Rust's DefaultHasher, whose output may change between Rust
-- releases; they are now FNV-1a (stable). Rows of the old format are
-- dropped (their analyzer results with them) and recomputed at the next
-- scan of their image; the version lets a later format change do the same.
DELETE FROM layer_walk;
ALTER TABLE layer_walk ADD COLUMN walk_version INTEGER NOT NULL DEFAULT 1 CHECK (walk_version >= 1);
-- Hashes of the paths the layer's package databases list, 8 bytes each.
ALTER TABLE layer_walk ADD COLUMN packaged BLOB NOT NULL DEFAULT x'';
