-- Change log and background jobs; see the SQLite migration of the same number.
CREATE TABLE changes (
    seq    BIGSERIAL PRIMARY KEY,
    entity TEXT NOT NULL CHECK (entity IN ('organization', 'person', 'listing', 'tie')),
    id     TEXT COLLATE "C" NOT NULL,
    op     TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    at     TEXT NOT NULL
);

CREATE TABLE jobs (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '{}',
    status       TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    locked_by    TEXT,
    locked_until TEXT,
    attempts     BIGINT NOT NULL DEFAULT 0,
    result       TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX jobs_claimable ON jobs (status, id);
