-- Tie outcomes (issue #7): after a meeting or an introduction each party of a tie may
-- record what came of it. One row per tie and party (a later record replaces the
-- party's earlier one); recording also bumps the tie's version and logs a tie change,
-- so every node's graph follows it. Deleting a tie deletes its outcomes.
CREATE TABLE tie_outcomes (
    tie_id      TEXT NOT NULL REFERENCES ties (id) ON DELETE CASCADE,
    party       TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('no_follow_up', 'follow_up', 'mou', 'deal')),
    value       REAL CHECK (value IS NULL OR value >= 0),
    currency    TEXT CHECK (currency IS NULL OR length(currency) = 3),
    note        TEXT,
    recorded_by TEXT,
    recorded_on TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (tie_id, party)
);
