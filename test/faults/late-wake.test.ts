import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEMO_MINUTE_POLICY, type ProgramPolicy } from '../../src/core/policy';
import { onTheMinute } from '../../src/core/case-schedule';
import { startTestApi, type TestApi } from '../helpers/api';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createTeam } from '../helpers/fixtures';
import { header } from '../helpers/mail-log';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp';
import { devServerEnv } from '../helpers/temporal';
import { expectReconciled, report, startWorkerProcess, waitUntil, type WorkerProcess } from './fault-kit';

/** Heads-up 15 s after intake, due at 30 s, the first overdue reminder five minutes after that. */
const SECONDS_POLICY: ProgramPolicy = {
  ...DEMO_MINUTE_POLICY,
  initialAssessmentDue: 'PT30S',
  ladder: { ...DEMO_MINUTE_POLICY.ladder, headsUpBefore: 'PT15S', overdueEvery: 'PT5M' },
};

const MINUTE = 60_000;

describe('fault: the worker is frozen past two steps of one obligation', () => {
  const taskQueue = 'fault-late-wake';
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let smtp: SmtpCatcher;
  let api: TestApi;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    [env, db, smtp] = await Promise.all([devServerEnv(), createTestDatabase(), startSmtpCatcher()]);
    api = await startTestApi(db.pool, env.client, taskQueue);
  });
  afterAll(async () => {
    if (worker?.child.signalCode === null) worker.child.kill('SIGCONT');
    await worker?.stop();
    await api?.close();
    await smtp?.close();
    await env?.teardown();
    await db?.drop();
  });

  it('when the worker is SIGSTOPped across the heads-up and the due time and then continues, then only the due reminder goes out and the heads-up is recorded as skipped', async () => {
    const team = await createTeam(db.pool, SECONDS_POLICY);
    worker = await startWorkerProcess({
      databaseUrl: db.url,
      smtpUrl: smtp.url,
      temporalAddress: env.address,
      taskQueue,
    });
    // Reminders leave on whole minutes (rounded up). Opened at about :32, the heads-up (15 s on)
    // leaves at the next minute and the due reminder (30 s on) at the one after; opened elsewhere in
    // the minute, both can round to one minute, or the due time to a minute after the thaw.
    await new Promise((r) => setTimeout(r, (92_000 - (Date.now() % MINUTE)) % MINUTE));
    const opened = await api.call('POST', '/api/v1/cases', team.caseManager.token, {
      programId: team.programId,
      caseManagerId: team.caseManager.id,
      client: { givenName: 'Late', familyName: 'Wake' },
    });
    expect(opened.status).toBe(201);
    const caseId = opened.body.id as string;

    worker.child.kill('SIGSTOP');
    const frozenAt = Date.now();
    const openedAt = Date.parse(opened.body.openedAt as string);
    const headsUpLeaves = onTheMinute(openedAt + 15_000);
    const dueLeaves = onTheMinute(openedAt + 30_000);
    // Two steps in two minutes, and the freeze before the first, or this proves nothing (a slow
    // intake answer on a busy machine).
    expect(dueLeaves).toBeGreaterThan(headsUpLeaves);
    expect(smtp.messages).toEqual([]);
    expect(frozenAt).toBeLessThan(headsUpLeaves);
    // Past both steps, long before the first overdue reminder (five minutes after the due time).
    await new Promise((r) => setTimeout(r, dueLeaves + 15_000 - Date.now()));
    worker.child.kill('SIGCONT');
    const frozenForS = Math.round((Date.now() - frozenAt) / 1000);
    await waitUntil('a reminder', () => smtp.messages.length > 0, 120_000);
    // Long enough for a stale heads-up to follow, short of the first overdue reminder.
    await new Promise((r) => setTimeout(r, 15_000));

    // Keys read case/<case>/<obligation>/<due at>/<step>/<recipient>.
    const steps = smtp.messages.map((m) => header(m, 'x-caseloop-notification-key').split('/'));
    expect(steps.map((k) => [k[1], k[2], k[4]])).toEqual([[caseId, 'initial-assessment', 'due']]);
    const skipped = await db.pool.query<{ detail: string }>(
      `SELECT detail FROM schedule_decisions WHERE case_id = $1 AND what = 'skipped'`,
      [caseId],
    );
    expect(skipped.rows.map((r) => r.detail)).toEqual(['heads up not sent: superseded by due']);
    await expectReconciled(db.pool, env.client, taskQueue);
    report(
      'worker frozen across two steps of one obligation',
      `SIGSTOP on the worker process for ${frozenForS} s, across the heads-up and the due time`,
      'on SIGCONT only the due reminder went out; the heads-up is a "skipped" decision; record and workflow agree',
    );
  });
});
