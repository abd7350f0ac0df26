-- A meeting request's session restriction and the requests it must follow; see the SQLite
-- migration of the same number.
ALTER TABLE meeting_requests ADD COLUMN session TEXT CHECK (session IN ('am', 'pm'));
ALTER TABLE meeting_requests ADD COLUMN after_requests TEXT NOT NULL DEFAULT '[]';
