-- Up Migration
-- Two roles: whoever runs migrations owns the tables; the API and worker log in as caseloop_app,
-- which is neither owner nor superuser, so it cannot ALTER, DISABLE TRIGGER on, DROP or TRUNCATE
-- anything, and may only SELECT and INSERT on append-only tables. Roles are cluster-wide: the
-- deployment normally creates caseloop_app with its password first (deploy/postgres/initdb,
-- src/db/roles.ts); this creates it only where it is missing and the migrating role may.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'caseloop_app') THEN
    BEGIN
      CREATE ROLE caseloop_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    EXCEPTION
      -- A parallel migration of another database on the same server created it first.
      WHEN duplicate_object OR unique_violation THEN NULL;
      WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'role caseloop_app is missing and % may not create it', current_user
          USING HINT = 'As a superuser: CREATE ROLE caseloop_app LOGIN PASSWORD ''...''; then migrate again.';
    END;
  END IF;
END;
$$;

-- Ordinary tables: read and write rows, nothing more (no TRUNCATE, REFERENCES or TRIGGER).
GRANT USAGE ON SCHEMA public TO caseloop_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO caseloop_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO caseloop_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO caseloop_app;
-- The migration runner's bookkeeping is the owner's business.
REVOKE ALL ON pgmigrations FROM caseloop_app;
-- Tables and sequences later migrations create (as this same owner) get the ordinary grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO caseloop_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO caseloop_app;

CREATE FUNCTION caseloop_reject_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- Makes a table append-only twice over: triggers refuse UPDATE, DELETE and TRUNCATE for everyone
-- short of the owner dropping them, and caseloop_app holds only SELECT and INSERT.
-- A migration creating an append-only table calls: SELECT caseloop_make_append_only('my_table');
CREATE FUNCTION caseloop_make_append_only(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format(
    'CREATE OR REPLACE TRIGGER append_only_rows BEFORE UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION caseloop_reject_changes()',
    tbl);
  EXECUTE format(
    'CREATE OR REPLACE TRIGGER append_only_truncate BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION caseloop_reject_changes()',
    tbl);
  EXECUTE format('REVOKE ALL ON %s FROM PUBLIC', tbl);
  EXECUTE format('REVOKE ALL ON %s FROM caseloop_app', tbl);
  EXECUTE format('GRANT SELECT, INSERT ON %s TO caseloop_app', tbl);
END;
$$;
REVOKE ALL ON FUNCTION caseloop_make_append_only(regclass) FROM PUBLIC, caseloop_app;

-- Every table that is append-only today: the known ones, plus any table whose triggers already call
-- the older reject functions (tables earlier migrations made append-only in that style).
DO $$
DECLARE
  t regclass;
BEGIN
  FOR t IN
    SELECT c.oid::regclass FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
       AND c.relname IN ('audit_log', 'case_notes', 'schedule_decisions', 'goal_progress', 'referral_events')
    UNION
    SELECT DISTINCT tg.tgrelid::regclass FROM pg_trigger tg JOIN pg_proc p ON p.oid = tg.tgfoid
     WHERE NOT tg.tgisinternal AND p.proname IN ('reject_changes', 'audit_log_is_append_only')
  LOOP
    PERFORM caseloop_make_append_only(t);
  END LOOP;
END;
$$;

-- Stored idempotent responses expire after 24 hours (src/api/idempotency.ts sweeps by age).
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Down Migration
DROP INDEX idempotency_keys_created_idx;
DO $$
DECLARE
  t regclass;
BEGIN
  FOR t IN
    SELECT DISTINCT tg.tgrelid::regclass FROM pg_trigger tg
     WHERE NOT tg.tgisinternal AND tg.tgname IN ('append_only_rows', 'append_only_truncate')
  LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS append_only_rows ON %s', t);
    EXECUTE format('DROP TRIGGER IF EXISTS append_only_truncate ON %s', t);
  END LOOP;
END;
$$;
DROP FUNCTION caseloop_make_append_only(regclass);
DROP FUNCTION caseloop_reject_changes();
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM caseloop_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM caseloop_app;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM caseloop_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM caseloop_app;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM caseloop_app;
REVOKE USAGE ON SCHEMA public FROM caseloop_app;
