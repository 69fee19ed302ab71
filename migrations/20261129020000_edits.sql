-- Changes Dockward made to a user's files (the CA wizard, project fixes),
-- each applied only after the user saw its preview, kept so that undo can
-- restore every file byte for byte and remove what the change created.
CREATE TABLE edit (
    id INTEGER PRIMARY KEY,
    root TEXT NOT NULL,        -- the project folder, absolute
    kind TEXT NOT NULL,        -- what made it: 'ca' (the CA wizard), 'fix' (a project fix)
    title TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    undone_at TEXT
);
CREATE INDEX edit_root ON edit (root, applied_at);

CREATE TABLE edit_file (
    edit_id INTEGER NOT NULL REFERENCES edit (id) ON DELETE CASCADE,
    path TEXT NOT NULL,        -- relative to the root, '/'-separated
    before BLOB,               -- the bytes before; NULL when the change created the file
    after_sha256 TEXT NOT NULL, -- what apply wrote, to tell whether the user changed it since
    mode_before INTEGER,       -- unix permission bits before, where known
    PRIMARY KEY (edit_id, path)
);

CREATE TABLE edit_dir (
    edit_id INTEGER NOT NULL REFERENCES edit (id) ON DELETE CASCADE,
    path TEXT NOT NULL,        -- a folder the change created; undo removes it when empty
    PRIMARY KEY (edit_id, path)
);
