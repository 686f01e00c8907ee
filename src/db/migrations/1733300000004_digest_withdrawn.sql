-- Up Migration
-- A reminder waiting for a digest that no longer applies when the digest runs (the work was done,
-- the case handed to someone else or closed) is withdrawn, not sent: recorded with why.
ALTER TABLE notifications DROP CONSTRAINT notifications_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check
  CHECK (status IN ('pending', 'sent', 'failed', 'queued_for_digest', 'withdrawn'));
ALTER TABLE notifications ADD COLUMN withdrawn_at timestamptz;
ALTER TABLE notifications ADD COLUMN withdrawn_because text;

-- Down Migration
UPDATE notifications SET status = 'failed', last_error = 'withdrawn: ' || withdrawn_because WHERE status = 'withdrawn';
ALTER TABLE notifications DROP COLUMN withdrawn_because;
ALTER TABLE notifications DROP COLUMN withdrawn_at;
ALTER TABLE notifications DROP CONSTRAINT notifications_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check
  CHECK (status IN ('pending', 'sent', 'failed', 'queued_for_digest'));
