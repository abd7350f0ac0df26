-- An organizer may fix an accepted meeting request to one slot of its event (a keynote
-- guest's only free hour, a signing ceremony): the scheduler then keeps it there. NULL: free.
ALTER TABLE meeting_requests ADD COLUMN fixed_slot TEXT;
