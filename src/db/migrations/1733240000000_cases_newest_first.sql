-- Up Migration
-- The case list's default order (newest first, keyset-paged): read from an index in order and stop
-- at the page's end, instead of sorting every case the person may see.
CREATE INDEX cases_newest_first_idx ON cases (created_at DESC, id DESC);

-- Down Migration
DROP INDEX IF EXISTS cases_newest_first_idx;
