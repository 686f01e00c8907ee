import {
  DEFAULT_SESSION_POLICY,
  endSession,
  resumeSession,
  startSession,
  sweepAllEndedSessions,
} from '../../src/domain/web-sessions';
import { hashToken } from '../../src/domain/auth';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createStaff } from '../helpers/fixtures';

const HOUR = 3_600_000;

describe('ended browser sessions are deleted after a day', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('when sessions ended, ran past their end or went idle more than a day ago, then the sweep deletes exactly those and an open session keeps working', async () => {
    const { pool } = db;
    const policy = DEFAULT_SESSION_POLICY;
    const person = await createStaff(pool, 'case_manager');
    const now = new Date('2026-12-02T12:00:00Z');
    const at = (hoursAgo: number) => new Date(now.getTime() - hoursAgo * HOUR);

    const signedOutLongAgo = await startSession(pool, person.id, at(30), policy, '203.0.113.7');
    await endSession(pool, signedOutLongAgo.id, 'signed_out', at(29));
    const signedOutRecently = await startSession(pool, person.id, at(3), policy);
    await endSession(pool, signedOutRecently.id, 'signed_out', at(2));
    // Never signed out: its 12-hour lifetime ran out 38 hours ago, it went idle long before that.
    const abandoned = await startSession(pool, person.id, at(50), policy);
    // Signed in 20 hours ago, idle since: unusable for 19.5 hours, kept for now.
    const idleToday = await startSession(pool, person.id, at(20), policy);
    const open = await startSession(pool, person.id, at(0.1), policy);

    const swept = await sweepAllEndedSessions(pool, now, policy);

    expect(swept).toBe(2);
    const left = await pool.query<{ id_hash: string }>(
      'SELECT id_hash FROM web_sessions WHERE staff_id = $1',
      [person.id],
    );
    expect(left.rows.map((r) => r.id_hash).sort()).toEqual(
      [signedOutRecently, idleToday, open].map((s) => hashToken(s.id)).sort(),
    );
    const addresses = await pool.query("SELECT 1 FROM web_sessions WHERE source_ip = '203.0.113.7'");
    expect(addresses.rowCount).toBe(0);
    // Deleted is as ended: neither comes back; the open one still resumes.
    expect(await resumeSession(pool, signedOutLongAgo.id, now, policy)).toBeUndefined();
    expect(await resumeSession(pool, abandoned.id, now, policy)).toBeUndefined();
    expect(await resumeSession(pool, open.id, now, policy)).toMatchObject({ staffId: person.id });
    expect(await resumeSession(pool, signedOutRecently.id, now, policy)).toBeUndefined();
  });
});
