-- Up Migration
-- The minute after the working start at which the case's reminders held by quiet hours leave, as
-- the case's workflow has it (src/core/release-spread.ts). The workflow's projection writes it, so
-- the upcoming reminders shown from the record name the minute the workflow will send them.
-- Cases started before it have none: 0.
ALTER TABLE cases ADD COLUMN release_offset_minutes smallint NOT NULL DEFAULT 0
  CHECK (release_offset_minutes BETWEEN 0 AND 59);

-- Down Migration
ALTER TABLE cases DROP COLUMN release_offset_minutes;
