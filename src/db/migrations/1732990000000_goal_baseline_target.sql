-- Up Migration

-- SMART goals: where the client starts (baseline) and where they aim (target), kept apart from how
-- progress is measured so both can be read back and reported on. Goals written before this have
-- neither (NULL).
ALTER TABLE goals ADD COLUMN baseline text CHECK (baseline IS NULL OR length(baseline) <= 200);
ALTER TABLE goals ADD COLUMN target text CHECK (target IS NULL OR length(target) <= 200);

-- Down Migration

ALTER TABLE goals DROP COLUMN target;
ALTER TABLE goals DROP COLUMN baseline;
