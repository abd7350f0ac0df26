-- Accounts, sessions, rate limits, introductions and consents (issue #5); see the SQLite
-- migration of the same number. Times are RFC 3339 UTC text written by the application.

CREATE TABLE users (
    id            TEXT COLLATE "C" PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,           -- Argon2id PHC string
    locale        TEXT NOT NULL DEFAULT 'en',
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    totp_secret   TEXT,
    totp_enabled  BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step BIGINT,                -- last accepted TOTP time step (a code works once)
    created_at    TEXT NOT NULL
);

CREATE TABLE memberships (
    user_id         TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL DEFAULT 'member',
    PRIMARY KEY (user_id, organization_id)
);
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));
CREATE INDEX memberships_org ON memberships (organization_id);

-- Only the SHA-256 of a session token is stored; the token itself is never kept.
CREATE TABLE sessions (
    token_hash   TEXT COLLATE "C" PRIMARY KEY,
    user_id      TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Fixed-window counters shared by every node (window_start in Unix seconds).
CREATE TABLE rate_limits (
    key          TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    count        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (key, window_start)
);

CREATE TABLE introductions (
    id             TEXT COLLATE "C" PRIMARY KEY,
    requester_user TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    from_org       TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    to_org         TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    about_listing  TEXT COLLATE "C" REFERENCES listings (id) ON DELETE SET NULL,
    for_listing    TEXT COLLATE "C" REFERENCES listings (id) ON DELETE SET NULL,
    message        TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'accepted', 'declined', 'withdrawn')),
    created_at     TEXT NOT NULL,
    responded_at   TEXT,
    responder_user TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX introductions_from ON introductions (from_org);
CREATE INDEX introductions_to ON introductions (to_org);

-- Who (user_id) let whose contact (organization_id) be shown to whom
-- (granted_to_organization), when; kept (anonymised) when the user is deleted.
CREATE TABLE consents (
    id                      TEXT COLLATE "C" PRIMARY KEY,
    introduction_id         TEXT COLLATE "C" NOT NULL REFERENCES introductions (id) ON DELETE CASCADE,
    user_id                 TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    organization_id         TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    granted_to_organization TEXT COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    what                    TEXT NOT NULL DEFAULT 'contact' CHECK (what IN ('contact')),
    granted_at              TEXT NOT NULL,
    revoked_at              TEXT
);
CREATE INDEX consents_org ON consents (organization_id, granted_to_organization);
CREATE INDEX consents_user ON consents (user_id);
CREATE INDEX consents_introduction ON consents (introduction_id);
