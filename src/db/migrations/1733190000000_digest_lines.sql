-- Up Migration
-- Which obligation a case reminder is about, and how its emails name it ("Referral response (Acme
-- Housing, Housing search)"): a daily digest shows one line per obligation, however many of its
-- reminders waited for it. Older rows have neither and keep a line each, as before.
ALTER TABLE notifications ADD COLUMN obligation_id text;
ALTER TABLE notifications ADD COLUMN topic text;

-- Down Migration
ALTER TABLE notifications DROP COLUMN topic;
ALTER TABLE notifications DROP COLUMN obligation_id;
