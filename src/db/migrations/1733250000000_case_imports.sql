-- Up Migration
-- Which case each row of a CSV import became (issue 19): the agency's own case id (the import key)
-- is unique per program, so importing the same file again, or re-running one that stopped halfway,
-- skips the rows already done. Written in the transaction that creates the case, so a key exists
-- exactly when its case does. Append-only: what was imported stays on record.
CREATE TABLE case_imports (
  program_id   uuid NOT NULL REFERENCES programs(id),
  import_key   text NOT NULL CHECK (length(import_key) BETWEEN 1 AND 100),
  case_id      uuid NOT NULL UNIQUE REFERENCES cases(id),
  imported_by  uuid NOT NULL REFERENCES staff(id),
  imported_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (program_id, import_key)
);
SELECT caseloop_make_append_only('case_imports');

-- Down Migration
DROP TABLE case_imports;
