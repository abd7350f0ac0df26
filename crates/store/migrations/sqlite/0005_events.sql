-- Events, sessions, meeting slots, tables, registrations, meeting requests, organizer
-- rules, schedule runs and meetings (issue #4). Dates are ISO 8601 (`2026-12-01`), local
-- times `HH:MM` in the event's IANA time zone; instants are RFC 3339 UTC.
CREATE TABLE events (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('conference', 'exhibition', 'seminar', 'forum', 'brokerage')),
    venue       TEXT NOT NULL DEFAULT '',
    city        TEXT NOT NULL DEFAULT '',
    country     TEXT NOT NULL DEFAULT '',
    time_zone   TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed', 'cancelled')),
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE event_organizers (
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_organizers_user ON event_organizers (user_id);

-- Who may request whom, and caps per participant.
CREATE TABLE event_rules (
    event_id           TEXT PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    cross_country_only INTEGER NOT NULL DEFAULT 0,
    cross_kind_only    INTEGER NOT NULL DEFAULT 0,
    max_requests       INTEGER,
    max_meetings       INTEGER
);

CREATE TABLE event_sessions (
    id           TEXT PRIMARY KEY,
    event_id     TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    day          TEXT NOT NULL,
    part         TEXT NOT NULL CHECK (part IN ('am', 'pm')),
    starts       TEXT NOT NULL,
    ends         TEXT NOT NULL,
    slot_minutes INTEGER NOT NULL
);
CREATE INDEX event_sessions_event ON event_sessions (event_id);

CREATE TABLE event_slots (
    id         TEXT PRIMARY KEY,
    event_id   TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    session_id TEXT REFERENCES event_sessions(id) ON DELETE SET NULL,
    day        TEXT NOT NULL,
    starts     TEXT NOT NULL,
    ends       TEXT NOT NULL,
    part       TEXT NOT NULL CHECK (part IN ('am', 'pm'))
);
CREATE INDEX event_slots_event ON event_slots (event_id, day, starts);

-- Tables or booths; capacity = meetings it can hold at once.
CREATE TABLE event_tables (
    id       TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity >= 1)
);
CREATE INDEX event_tables_event ON event_tables (event_id);

-- A party (organization or person id) taking part; unavailable = JSON array of slot ids.
CREATE TABLE event_registrations (
    id            TEXT PRIMARY KEY,
    event_id      TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    party_id      TEXT NOT NULL,
    party_kind    TEXT NOT NULL CHECK (party_kind IN ('organization', 'person')),
    unavailable   TEXT NOT NULL DEFAULT '[]',
    status        TEXT NOT NULL CHECK (status IN ('registered', 'cancelled')),
    feed_token    TEXT NOT NULL UNIQUE,
    registered_by TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (event_id, party_id)
);

CREATE TABLE meeting_requests (
    id           TEXT PRIMARY KEY,
    event_id     TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    from_party   TEXT NOT NULL,
    to_party     TEXT NOT NULL,
    priority     TEXT NOT NULL CHECK (priority IN ('must', 'should', 'nice')),
    note         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('requested', 'accepted', 'declined', 'cancelled')),
    requested_by TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (event_id, from_party, to_party)
);
CREATE INDEX meeting_requests_event ON meeting_requests (event_id);

CREATE TABLE schedule_runs (
    id         TEXT PRIMARY KEY,
    event_id   TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    job_id     INTEGER,
    summary    TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX schedule_runs_event ON schedule_runs (event_id, created_at);

-- One meeting per request; uid is stable for calendars, sequence bumps on every change.
CREATE TABLE meetings (
    id         TEXT PRIMARY KEY,
    event_id   TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    request_id TEXT NOT NULL UNIQUE REFERENCES meeting_requests(id) ON DELETE CASCADE,
    slot_id    TEXT NOT NULL REFERENCES event_slots(id),
    table_id   TEXT NOT NULL REFERENCES event_tables(id),
    status     TEXT NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
    sequence   INTEGER NOT NULL DEFAULT 0,
    uid        TEXT NOT NULL UNIQUE,
    run_id     TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX meetings_event ON meetings (event_id);
