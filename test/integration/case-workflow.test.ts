import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { openCase } from '../../src/domain/cases';
import { caseWorkflowId } from '../../src/domain/ports';
import { createMailer, type Mailer } from '../../src/notifications/mailer';
import { createCaseWorkflows } from '../../src/temporal/case-workflows';
import { createCaseloopWorker } from '../../src/worker/create-worker';
import { caseEventUpdate, scheduleQuery } from '../../src/workflows/messages';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createTeam } from '../helpers/fixtures';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp';
import { timeSkippingEnv, workflowBundle } from '../helpers/temporal';

const DAY = 86_400_000;

describe('case workflow: the initial-assessment ladder (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let smtp: SmtpCatcher;
  let mailer: Mailer;
  let worker: Worker;
  const taskQueue = 'case-workflow-test';

  beforeAll(async () => {
    [env, db, smtp] = await Promise.all([timeSkippingEnv(), createTestDatabase(), startSmtpCatcher()]);
    mailer = createMailer(smtp.url, 'Caseloop <no-reply@test.local>');
    worker = await createCaseloopWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: await workflowBundle(),
      pool: db.pool,
      mailer,
      publicBaseUrl: 'http://caseloop.test',
    });
  });

  afterAll(async () => {
    mailer?.close();
    await smtp?.close();
    await env?.teardown();
    await db?.drop();
  });

  it('when no assessment arrives, then the ladder climbs to the program manager and stops the moment it is recorded', async () => {
    const team = await createTeam(db.pool);
    const workflows = createCaseWorkflows(env.client, taskQueue);

    await worker.runUntil(async () => {
      const opened = await openCase({ pool: db.pool, workflows }, team.admin, {
        programId: team.programId,
        caseManagerId: team.caseManager.id,
        client: { givenName: 'Jordan', familyName: 'Rivera', birthDate: '1990-04-02' },
      });
      const openedAt = Date.parse(opened.openedAt);
      const handle = env.client.workflow.getHandle(caseWorkflowId(opened.id));

      await env.sleep(22 * DAY - 60_000);
      await smtp.waitFor(6);
      await handle.executeUpdate(caseEventUpdate, {
        args: [
          {
            type: 'assessment_recorded',
            assessmentId: 'a-1',
            kind: 'initial',
            completedAt: new Date(await env.currentTimeMs()).toISOString(),
          },
        ],
      });
      // Months pass: nothing more may arrive for an obligation that is met.
      await env.sleep(90 * DAY);
      const schedule = await handle.query(scheduleQuery);
      expect(schedule.status).toBe('planning');
      expect(schedule.next).toBeUndefined();

      const sent = smtp.messages.map((m) => ({
        to: m.to[0],
        day: (Date.parse(m.headers.get('x-caseloop-scheduled-for') as string) - openedAt) / DAY,
        subject: m.subject.replace(/ — case C-\d+$/, ''),
      }));
      expect(sent).toEqual([
        {
          to: team.caseManager.email,
          day: 11,
          subject: expect.stringMatching(/^Initial assessment due \w{3}, \d+ \w{3} \d{4}/),
        },
        { to: team.caseManager.email, day: 14, subject: 'Initial assessment due now' },
        { to: team.caseManager.email, day: 17, subject: 'Initial assessment overdue 3 days' },
        { to: team.supervisor.email, day: 19, subject: 'Escalation: initial assessment overdue 5 days' },
        { to: team.caseManager.email, day: 20, subject: 'Initial assessment overdue 6 days' },
        {
          to: team.programManager.email,
          day: 21,
          subject: 'Escalation (unacknowledged): initial assessment overdue 7 days',
        },
      ]);
      // Minimum necessary: initials only, never the name or birth date.
      for (const m of smtp.messages) {
        expect(m.text).toContain('J. R.');
        expect(`${m.subject}\n${m.text}\n${m.html}`).not.toMatch(/Jordan|Rivera|1990/);
      }

      const row = (
        await db.pool.query('SELECT status, next_due_at, overdue_count FROM cases WHERE id = $1', [opened.id])
      ).rows[0];
      expect(row).toMatchObject({ status: 'planning', next_due_at: null, overdue_count: 0 });
    });
  });
});
