-- Up Migration
-- Where a notification's work is done, as a path under PUBLIC_BASE_URL (the obligation's page, or the
-- plan a decision is about): a daily digest links each of its lines there. Older rows have none and
-- link the case page.
ALTER TABLE notifications ADD COLUMN link_path text;

-- Down Migration
ALTER TABLE notifications DROP COLUMN link_path;
