import { DEVELOPMENT_LINK_SIGNING_KEY } from '../../src/config/config';
import { createSendCaseNotification } from '../../src/activities/notifications';
import type { CaseNotificationRequest } from '../../src/activities/types';
import { createMailer, type Mailer } from '../../src/notifications/mailer';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createCaseRow, createTeam } from '../helpers/fixtures';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp';

describe('notification delivery over real SMTP and PostgreSQL', () => {
  let db: TestDatabase;
  let smtp: SmtpCatcher;
  let mailer: Mailer;

  beforeAll(async () => {
    [db, smtp] = await Promise.all([createTestDatabase(), startSmtpCatcher()]);
    mailer = createMailer(smtp.url, 'Caseloop <no-reply@test.local>');
  });
  afterAll(async () => {
    mailer.close();
    await smtp.close();
    await db.drop();
  });

  async function dueReminder(): Promise<{
    request: CaseNotificationRequest;
    email: string;
    supervisor: string;
  }> {
    const team = await createTeam(db.pool);
    const opened = await createCaseRow(db.pool, team);
    return {
      email: team.caseManager.email,
      supervisor: team.supervisor.email,
      request: {
        caseId: opened.id,
        obligationId: 'initial-assessment',
        obligationKind: 'initial_assessment',
        step: 'due',
        stepId: 'due',
        n: 0,
        dueAt: '2027-01-15T09:00:00.000Z',
        scheduledFor: '2027-01-15T09:00:00.000Z',
        recipient: 'case_manager',
        recipientStaffId: team.caseManager.id,
      },
    };
  }

  it('when the same notification is sent twice (an activity retry), then exactly one email leaves', async () => {
    const send = createSendCaseNotification({
      pool: db.pool,
      mailer,
      publicBaseUrl: 'http://x',
      linkSigningKey: DEVELOPMENT_LINK_SIGNING_KEY,
    });
    const { request, email } = await dueReminder();
    const before = smtp.messages.length;

    expect((await send(request)).status).toBe('sent');
    expect((await send(request)).status).toBe('already_sent');

    const mine = smtp.messages.slice(before);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.to).toEqual([email]);
    expect(mine[0]!.subject).toMatch(/^Initial assessment due now — case C-\d+$/);
    const row = (
      await db.pool.query('SELECT status, message_id FROM notifications WHERE case_id = $1', [request.caseId])
    ).rows[0];
    expect(row.status).toBe('sent');
    expect(mine[0]!.messageId).toBe(row.message_id);
  });

  it('when the address is rejected permanently, then the failure is recorded and not retried', async () => {
    const send = createSendCaseNotification({
      pool: db.pool,
      mailer,
      publicBaseUrl: 'http://x',
      linkSigningKey: DEVELOPMENT_LINK_SIGNING_KEY,
    });
    const { request, email, supervisor } = await dueReminder();
    smtp.rejectRecipients.add(email);
    try {
      const result = await send(request);
      expect(result.status).toBe('failed');
      expect((await send(request)).status).toBe('failed');
      const row = (
        await db.pool.query(
          `SELECT status, attempts, last_error FROM notifications WHERE case_id = $1 AND kind <> 'delivery_failure'`,
          [request.caseId],
        )
      ).rows[0];
      expect(row).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringMatching(/550/) });
      // The supervisor is told once, so someone fixes the address; no client details in it.
      const told = smtp.messages.filter((m) => m.to.includes(supervisor));
      expect(told.map((m) => m.subject)).toEqual([
        expect.stringMatching(/^Email not delivered: Initial assessment due now — case C-\d+$/),
      ]);
      expect(told[0]!.text).toContain(email);
      expect(told[0]!.text).toMatch(/Reason: .*550/);
    } finally {
      smtp.rejectRecipients.delete(email);
    }
  });

  it('when SMTP fails transiently, then the activity throws to be retried and a later attempt delivers once', async () => {
    const send = createSendCaseNotification({
      pool: db.pool,
      mailer,
      publicBaseUrl: 'http://x',
      linkSigningKey: DEVELOPMENT_LINK_SIGNING_KEY,
    });
    const { request } = await dueReminder();
    const before = smtp.messages.length;
    smtp.failTransiently = true;
    await expect(send(request)).rejects.toThrow(/451/);
    smtp.failTransiently = false;
    expect((await send(request)).status).toBe('sent');
    expect(smtp.messages.length - before).toBe(1);
  });

  it('when anyone tries to change or delete the audit log, then the database refuses', async () => {
    await db.pool.query(
      `INSERT INTO audit_log (actor_kind, action, entity) VALUES ('system', 'read', 'client')`,
    );
    await expect(db.pool.query(`UPDATE audit_log SET action = 'x'`)).rejects.toThrow(
      /permission denied|append-only/,
    );
    await expect(db.pool.query('DELETE FROM audit_log')).rejects.toThrow(/permission denied|append-only/);
    await expect(db.pool.query('TRUNCATE audit_log')).rejects.toThrow(/permission denied|append-only/);
  });
});
