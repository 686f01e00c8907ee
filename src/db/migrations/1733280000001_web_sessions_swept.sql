-- Up Migration
-- Sessions no one can use any more (ended, past their absolute end or idle) are deleted a day later
-- by the API's hourly sweep (src/domain/web-sessions.ts): the audit log keeps each sign-in, and a
-- row kept for ever would keep the address it came from. 1733060000000 granted no DELETE.
GRANT DELETE ON web_sessions TO caseloop_app;

-- Down Migration
REVOKE DELETE ON web_sessions FROM caseloop_app;
