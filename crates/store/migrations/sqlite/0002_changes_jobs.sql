-- Change log: one row per committed change of a record, in commit order. App nodes and
-- CLI processes follow it to keep in-memory indexes current without a rebuild.
CREATE TABLE changes (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL CHECK (entity IN ('organization', 'person', 'listing', 'tie')),
    id     TEXT NOT NULL,
    op     TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    at     TEXT NOT NULL
);

-- Background jobs, run once by whichever node claims them; a claim is a lease that
-- another node takes over when it expires (the claiming node died).
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '{}',
    status       TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    locked_by    TEXT,
    locked_until TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    result       TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX jobs_claimable ON jobs (status, id);
