import { DEVELOPMENT_LINK_SIGNING_KEY } from '../../src/config/config';
import { createSendCaseNotification, notificationKey } from '../../src/activities/notifications';
import type { CaseNotificationRequest } from '../../src/activities/types';
import { DEFAULT_POLICY } from '../../src/core/policy';
import { createMailer, type Mailer } from '../../src/notifications/mailer';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createCaseRow, createProvider, createTeam } from '../helpers/fixtures';
import { startSmtpCatcher, type CapturedMail, type SmtpCatcher } from '../helpers/smtp';

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

  it('when a heads-up is sent after its due reminder already fell due (a paused worker woke with an old clock), then nothing leaves and the send says which step superseded it; before that time, or once recorded, it goes as usual', async () => {
    let now = Date.parse('2027-01-15T09:00:00.000Z');
    const send = createSendCaseNotification({
      pool: db.pool,
      mailer,
      publicBaseUrl: 'http://x',
      linkSigningKey: DEVELOPMENT_LINK_SIGNING_KEY,
      now: () => now,
    });
    const { request: due } = await dueReminder();
    const headsUp: CaseNotificationRequest = {
      ...due,
      step: 'heads_up',
      stepId: 'heads_up',
      scheduledFor: '2027-01-14T09:00:00.000Z',
      supersededAt: '2027-01-15T09:00:00.000Z',
      supersededBy: 'due',
    };
    const before = smtp.messages.length;
    const logged = async () =>
      (await db.pool.query('SELECT count(*)::int AS n FROM notifications WHERE case_id = $1', [due.caseId]))
        .rows[0].n;

    expect(await send(headsUp)).toEqual({ status: 'superseded', by: 'due' });
    expect(smtp.messages.length).toBe(before);
    expect(await logged()).toBe(0);

    // A minute earlier by the real clock, the heads-up is still the step to send.
    now -= 60_000;
    expect((await send(headsUp)).status).toBe('sent');
    // A retry of that send, now past the due time, finishes what it started rather than dropping it.
    now += 120_000;
    expect((await send(headsUp)).status).toBe('already_sent');
    expect(smtp.messages.length).toBe(before + 1);
    expect(await logged()).toBe(1);
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

  const AGENCY = { name: 'Northside Family Services', contactEmail: 'referrals@northside.example' };
  // Not an object literal at the call, so this file also runs against code without the agency option.
  const deps = {
    publicBaseUrl: 'http://x',
    linkSigningKey: DEVELOPMENT_LINK_SIGNING_KEY,
    agency: AGENCY,
  };

  /** The emails that leave while `act` runs, as the SMTP catcher parsed them. */
  async function emailsDuring(act: () => Promise<unknown>): Promise<CapturedMail[]> {
    const before = smtp.messages.length;
    await act();
    return smtp.messages.slice(before);
  }

  async function referral(
    caseId: string,
    createdBy: string,
    organisation: string,
    service: string,
  ): Promise<string> {
    const provider = await createProvider(db.pool, organisation);
    return (
      await db.pool.query<{ id: string }>(
        `INSERT INTO referrals (case_id, provider_id, service, reason, created_by)
         VALUES ($1, $2, $3, 'needs help', $4) RETURNING id`,
        [caseId, provider.id, service, createdBy],
      )
    ).rows[0]!.id;
  }

  async function notificationAudit(caseId: string): Promise<unknown[]> {
    return (
      await db.pool.query<{ detail: { fields: unknown } }>(
        `SELECT detail FROM audit_log WHERE case_id = $1 AND detail->>'purpose' = 'notification' ORDER BY at`,
        [caseId],
      )
    ).rows.map((r) => r.detail.fields);
  }

  it('when a reminder leaves, then it is marked automated, its Message-ID is under the sender domain and its HTML is a whole document', async () => {
    const send = createSendCaseNotification({ pool: db.pool, mailer, ...deps });
    const { request } = await dueReminder();
    const [mail] = await emailsDuring(() => send(request));
    expect(mail!.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail!.headers.get('x-auto-response-suppress')).toBe('All');
    // The mailer was created with MAIL_FROM "Caseloop <no-reply@test.local>".
    expect(mail!.messageId).toMatch(/^<[0-9a-f]{40}@test\.local>$/);
    expect(mail!.html).toMatch(
      /<head>[\s\S]*<title>Initial assessment due now — case C-\d+<\/title>[\s\S]*<\/head>/,
    );
    expect(mail!.html).toContain('<meta charset="utf-8">');
  });

  it('when a notification recorded under an earlier sending domain is resent, then it keeps its recorded Message-ID', async () => {
    const send = createSendCaseNotification({ pool: db.pool, mailer, ...deps });
    const { request } = await dueReminder();
    // A worker that used to send as another domain recorded the row, then crashed before sending.
    await db.pool.query(
      `INSERT INTO notifications (notification_key, case_id, recipient_id, recipient_email, kind, subject, message_id, status, due_at)
       VALUES ($1, $2, $3, $4, 'initial_assessment:due', 'Initial assessment due now', '<recorded@old.example>', 'pending', $5)`,
      [
        notificationKey(request),
        request.caseId,
        request.recipientStaffId,
        'someone@test.caseloop.local',
        request.dueAt,
      ],
    );
    const [mail] = await emailsDuring(() => send(request));
    expect(mail!.messageId).toBe('<recorded@old.example>');
  });

  it('when a provider is followed up, then the email names the service and replies reach the case manager and the agency', async () => {
    const send = createSendCaseNotification({ pool: db.pool, mailer, ...deps });
    const team = await createTeam(db.pool);
    const opened = await createCaseRow(db.pool, team);
    const referralId = await referral(opened.id, team.caseManager.id, 'Acme Housing', 'Housing search');
    // The client consented to share with providers (the follow-up asks as it goes).
    await db.pool.query(
      'UPDATE clients SET consent_to_share = true WHERE id = (SELECT client_id FROM cases WHERE id = $1)',
      [opened.id],
    );
    const [mail] = await emailsDuring(() =>
      send({
        caseId: opened.id,
        obligationId: `referral-response:${referralId}`,
        obligationKind: 'referral_response',
        subjectId: referralId,
        step: 'provider_follow_up',
        stepId: 'provider_follow_up',
        n: 0,
        dueAt: '2027-01-15T09:00:00.000Z',
        scheduledFor: '2027-01-16T09:00:00.000Z',
        recipient: 'provider',
        recipientStaffId: '',
      }),
    );
    expect(mail!.subject).toMatch(/^Referral awaiting your response: Housing search — .+, ref C-\d+$/);
    expect(mail!.text).toContain('a referral for Housing search');
    expect(mail!.text).not.toMatch(/Mira|Sandoval|M\. S\./);
    const replyTo = mail!.headers.get('reply-to') as { value: { address: string; name: string }[] };
    expect(replyTo.value).toEqual([
      { address: team.caseManager.email, name: team.caseManager.fullName },
      { address: AGENCY.contactEmail, name: AGENCY.name },
    ]);
    expect(await notificationAudit(opened.id)).toEqual([['referral_service']]);
  });

  it('when a case has two open referrals, then their reminders say which referral each is about', async () => {
    const send = createSendCaseNotification({ pool: db.pool, mailer, ...deps });
    const team = await createTeam(db.pool);
    const opened = await createCaseRow(db.pool, team);
    const housing = await referral(opened.id, team.caseManager.id, 'Acme Housing', 'Housing search');
    const food = await referral(opened.id, team.caseManager.id, 'City Food Bank', 'Food parcels');
    const overdue = (referralId: string): CaseNotificationRequest => ({
      caseId: opened.id,
      obligationId: `referral-response:${referralId}`,
      obligationKind: 'referral_response',
      subjectId: referralId,
      step: 'overdue',
      stepId: 'overdue-1',
      n: 1,
      dueAt: '2027-01-15T09:00:00.000Z',
      scheduledFor: '2027-01-18T09:00:00.000Z',
      recipient: 'case_manager',
      recipientStaffId: team.caseManager.id,
    });
    const mails = await emailsDuring(async () => {
      await send(overdue(housing));
      await send(overdue(food));
    });
    expect(mails.map((m) => m.subject)).toEqual([
      expect.stringMatching(
        /^Referral response \(Acme Housing, Housing search\) overdue 3 days — case C-\d+$/,
      ),
      expect.stringMatching(
        /^Referral response \(City Food Bank, Food parcels\) overdue 3 days — case C-\d+$/,
      ),
    ]);
    expect(mails[1]!.text).toContain('(City Food Bank, Food parcels)');
  });

  it('when a program allows names, then the email carries the full name and the audit says full_name; by default initials', async () => {
    const send = createSendCaseNotification({ pool: db.pool, mailer, ...deps });
    const { request } = await dueReminder();
    const namesTeam = await createTeam(db.pool, { ...DEFAULT_POLICY, allowClientNamesInEmail: true });
    const named = await createCaseRow(db.pool, namesTeam, { givenName: 'Ada', familyName: 'Okafor' });
    const mails = await emailsDuring(async () => {
      await send(request);
      await send({ ...request, caseId: named.id, recipientStaffId: namesTeam.caseManager.id });
    });
    expect(mails[0]!.text).toContain('(M. S.)');
    expect(mails[0]!.text).not.toMatch(/Mira|Sandoval/);
    expect(await notificationAudit(request.caseId)).toEqual([['initials']]);
    expect(mails[1]!.text).toContain('(Ada Okafor)');
    expect(await notificationAudit(named.id)).toEqual([['full_name']]);
  });

  it('when a reminder waits for a daily digest, then the audit records only what the digest will show: its subject', async () => {
    const send = createSendCaseNotification({ pool: db.pool, mailer, ...deps });
    const { request } = await dueReminder();
    await db.pool.query(`UPDATE staff SET notification_preference = 'daily_digest' WHERE id = $1`, [
      request.recipientStaffId,
    ]);
    const mails = await emailsDuring(async () =>
      expect((await send(request)).status).toBe('queued_for_digest'),
    );
    expect(mails).toEqual([]);
    // The digest lists the subject, which names the case by reference only.
    expect(await notificationAudit(request.caseId)).toEqual([[]]);
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
