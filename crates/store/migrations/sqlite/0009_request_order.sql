-- An organizer may restrict an accepted meeting request to the morning or the afternoon
-- (session: 'am', 'pm'; NULL: any slot) and name requests of the same event that must be
-- held before it (after_requests: JSON array of request ids; a delegation's courtesy call
-- before its signing, a site visit after the briefing). The scheduler keeps both.
ALTER TABLE meeting_requests ADD COLUMN session TEXT CHECK (session IN ('am', 'pm'));
ALTER TABLE meeting_requests ADD COLUMN after_requests TEXT NOT NULL DEFAULT '[]';
