-- Up Migration
-- The admin's audit log viewer (src/domain/audit-log.ts) pages newest first by id (keyset) and
-- filters by person, action and date range; entity and case already have their indexes
-- (audit_log_entity_idx, audit_log_case_idx). A filter by person or action walks its own index in
-- id order and stops after a page; a date range reads only the rows inside it.
-- (Created in the migration's transaction: node-pg-migrate runs all pending migrations in one, so
-- CONCURRENTLY is not available; on a very large audit_log, create these by hand beforehand with
-- CREATE INDEX CONCURRENTLY IF NOT EXISTS and this migration finds them.)
CREATE INDEX IF NOT EXISTS audit_log_actor_idx ON audit_log (actor_id, id);
CREATE INDEX IF NOT EXISTS audit_log_action_idx ON audit_log (action, id);
CREATE INDEX IF NOT EXISTS audit_log_at_idx ON audit_log (at);
-- The client filter finds the client's cases.
CREATE INDEX IF NOT EXISTS cases_client_idx ON cases (client_id);

-- An admin can end every session of a person at once ("Sign out everywhere").
ALTER TABLE web_sessions DROP CONSTRAINT web_sessions_ended_reason_check;
ALTER TABLE web_sessions ADD CONSTRAINT web_sessions_ended_reason_check CHECK (ended_reason IN
  ('signed_out', 'idle', 'expired', 'deactivated', 'password_set', 'replaced', 'ended_by_admin'));

-- Down Migration
ALTER TABLE web_sessions DROP CONSTRAINT web_sessions_ended_reason_check;
UPDATE web_sessions SET ended_reason = 'signed_out' WHERE ended_reason = 'ended_by_admin';
ALTER TABLE web_sessions ADD CONSTRAINT web_sessions_ended_reason_check CHECK (ended_reason IN
  ('signed_out', 'idle', 'expired', 'deactivated', 'password_set', 'replaced'));
DROP INDEX cases_client_idx;
DROP INDEX audit_log_at_idx;
DROP INDEX audit_log_action_idx;
DROP INDEX audit_log_actor_idx;
