-- Bridgehub schema v1 (SQLite). Lists are JSON arrays, names JSON objects.
-- Every row carries a version (bumped on each change, for optimistic concurrency)
-- and creation/update timestamps (RFC 3339, UTC).

CREATE TABLE organizations (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    names         TEXT NOT NULL DEFAULT '{}',
    kind          TEXT NOT NULL,
    country       TEXT NOT NULL,
    city          TEXT,
    sectors       TEXT NOT NULL DEFAULT '[]',
    languages     TEXT NOT NULL DEFAULT '[]',
    description   TEXT,
    website       TEXT,
    contact_email TEXT,
    contact_phone TEXT,
    verified      INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX organizations_country ON organizations (country);

CREATE TABLE people (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    names         TEXT NOT NULL DEFAULT '{}',
    affiliation   TEXT REFERENCES organizations (id) ON DELETE SET NULL,
    title         TEXT,
    country       TEXT,
    expertise     TEXT NOT NULL DEFAULT '[]',
    sectors       TEXT NOT NULL DEFAULT '[]',
    languages     TEXT NOT NULL DEFAULT '[]',
    bio           TEXT,
    contact_email TEXT,
    contact_phone TEXT,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX people_affiliation ON people (affiliation);

CREATE TABLE listings (
    id               TEXT PRIMARY KEY NOT NULL,
    owner            TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    direction        TEXT NOT NULL CHECK (direction IN ('offer', 'seek')),
    category         TEXT NOT NULL,
    title            TEXT NOT NULL,
    body             TEXT NOT NULL,
    language         TEXT NOT NULL,
    sectors          TEXT NOT NULL DEFAULT '[]',
    target_countries TEXT NOT NULL DEFAULT '[]',
    target_groups    TEXT NOT NULL DEFAULT '[]',
    expires          TEXT,
    status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX listings_owner ON listings (owner);

-- A tie joins two parties, each an organization or a person (from_type / to_type).
-- SQLite cannot express a foreign key to one of two tables; the store checks both
-- ends inside the writing transaction and removes a party's ties when it is deleted.
CREATE TABLE ties (
    id         TEXT PRIMARY KEY NOT NULL,
    from_id    TEXT NOT NULL,
    from_type  TEXT NOT NULL CHECK (from_type IN ('organization', 'person')),
    to_id      TEXT NOT NULL,
    to_type    TEXT NOT NULL CHECK (to_type IN ('organization', 'person')),
    kind       TEXT NOT NULL,
    date       TEXT NOT NULL,
    source     TEXT,
    evidence   TEXT,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ties_from ON ties (from_id);
CREATE INDEX ties_to ON ties (to_id);
