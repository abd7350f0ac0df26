-- A meeting request fixed to one slot by an organizer; see the SQLite migration of the same number.
ALTER TABLE meeting_requests ADD COLUMN fixed_slot TEXT;
