-- Up Migration
-- Reminders for staff who chose a daily digest wait in the notification log until their digest.
ALTER TABLE notifications DROP CONSTRAINT notifications_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check
  CHECK (status IN ('pending', 'sent', 'failed', 'queued_for_digest'));
-- The digest that carried a queued reminder, and the reminder's due time (digests sort by urgency).
ALTER TABLE notifications ADD COLUMN digest_key text;
ALTER TABLE notifications ADD COLUMN due_at timestamptz;
CREATE INDEX notifications_digest_queue_idx ON notifications (recipient_id) WHERE status = 'queued_for_digest';

-- Down Migration
DROP INDEX notifications_digest_queue_idx;
ALTER TABLE notifications DROP COLUMN due_at;
ALTER TABLE notifications DROP COLUMN digest_key;
ALTER TABLE notifications DROP CONSTRAINT notifications_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check CHECK (status IN ('pending', 'sent', 'failed'));
