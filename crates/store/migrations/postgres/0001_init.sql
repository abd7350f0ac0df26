-- Bridgehub schema v1 (PostgreSQL). Same tables as SQLite's 0001: lists are JSONB arrays,
-- names JSONB objects; dates are ISO 8601 text (so they sort and compare as in SQLite);
-- timestamps are RFC 3339 text written by the application.

CREATE TABLE organizations (
    id            TEXT COLLATE "C" PRIMARY KEY,
    name          TEXT NOT NULL,
    names         JSONB NOT NULL DEFAULT '{}',
    kind          TEXT NOT NULL,
    country       TEXT NOT NULL,
    city          TEXT,
    sectors       JSONB NOT NULL DEFAULT '[]',
    languages     JSONB NOT NULL DEFAULT '[]',
    description   TEXT,
    website       TEXT,
    contact_email TEXT,
    contact_phone TEXT,
    verified      BOOLEAN NOT NULL DEFAULT FALSE,
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX organizations_country ON organizations (country);

CREATE TABLE people (
    id            TEXT COLLATE "C" PRIMARY KEY,
    name          TEXT NOT NULL,
    names         JSONB NOT NULL DEFAULT '{}',
    affiliation   TEXT COLLATE "C" REFERENCES organizations (id) ON DELETE SET NULL,
    title         TEXT,
    country       TEXT,
    expertise     JSONB NOT NULL DEFAULT '[]',
    sectors       JSONB NOT NULL DEFAULT '[]',
    languages     JSONB NOT NULL DEFAULT '[]',
    bio           TEXT,
    contact_email TEXT,
    contact_phone TEXT,
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX people_affiliation ON people (affiliation);

CREATE TABLE listings (
    id               TEXT COLLATE "C" PRIMARY KEY,
    owner            TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    direction        TEXT NOT NULL CHECK (direction IN ('offer', 'seek')),
    category         TEXT NOT NULL,
    title            TEXT NOT NULL,
    body             TEXT NOT NULL,
    language         TEXT NOT NULL,
    sectors          JSONB NOT NULL DEFAULT '[]',
    target_countries JSONB NOT NULL DEFAULT '[]',
    target_groups    JSONB NOT NULL DEFAULT '[]',
    expires          TEXT,
    status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
    version          BIGINT NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX listings_owner ON listings (owner);

-- As in SQLite, a tie's parties are an organization or a person (from_type/to_type);
-- the store checks both ends inside the writing transaction.
CREATE TABLE ties (
    id         TEXT COLLATE "C" PRIMARY KEY,
    from_id    TEXT COLLATE "C" NOT NULL,
    from_type  TEXT NOT NULL CHECK (from_type IN ('organization', 'person')),
    to_id      TEXT COLLATE "C" NOT NULL,
    to_type    TEXT NOT NULL CHECK (to_type IN ('organization', 'person')),
    kind       TEXT NOT NULL,
    date       TEXT NOT NULL,
    source     TEXT,
    evidence   TEXT,
    version    BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ties_from ON ties (from_id);
CREATE INDEX ties_to ON ties (to_id);
