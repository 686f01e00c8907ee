import type { Client } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { createMailer, type Mailer } from '../../src/notifications/mailer';
import { startTestApi, type TestApi } from '../helpers/api';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createCaseRow, createProgram, createProvider, createStaff, createTeam } from '../helpers/fixtures';
import { signedInAs } from '../helpers/sessions';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp';
import { formClient } from '../helpers/web-session';
import { parseCsv } from '../helpers/csv';

/**
 * The admin's pages on the real API, PostgreSQL and SMTP: each form changes exactly what it
 * should, refuses invalid input with the field named and nothing written, and is closed to
 * everyone but admins. The audit log viewer returns exactly the entries its filter names, and
 * viewing and exporting it are audited. Nothing here needs a running workflow (no open case is
 * ever handed over), so Temporal is a stand-in that is never called.
 */

const uniq = (): string => randomBytes(4).toString('hex');

/** Rows of the tables admin forms write, as they stand. */
async function snapshot(pool: Pool): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of [
    ['staff', 'id'],
    ['programs', 'id'],
    ['program_policies', 'program_id, version'],
    ['providers', 'id'],
    ['account_links', 'id'],
    ['api_tokens', 'id'],
    ['cases', 'id'],
  ] as const)
    out[table] = (await pool.query(`SELECT * FROM ${table} ORDER BY ${order}`)).rows as unknown[];
  out.open_sessions = (
    await pool.query('SELECT id_hash FROM web_sessions WHERE ended_at IS NULL ORDER BY id_hash')
  ).rows as unknown[];
  out.changes = (await pool.query(`SELECT id FROM audit_log WHERE action <> 'read' ORDER BY id`))
    .rows as unknown[];
  return out;
}

describe('admin pages: staff, programs, providers and the audit log', () => {
  let db: TestDatabase;
  let smtp: SmtpCatcher;
  let mailer: Mailer;
  let api: TestApi;

  beforeAll(async () => {
    [db, smtp] = await Promise.all([createTestDatabase(), startSmtpCatcher()]);
    mailer = createMailer(smtp.url, 'Caseloop <no-reply@test.local>');
    api = await startTestApi(db.pool, {} as Client, 'admin-pages-test', undefined, { mailer });
  });
  afterAll(async () => {
    await api?.close();
    mailer?.close();
    await smtp?.close();
    await db?.drop();
  });

  async function adminClient(opts: { timeZone?: string } = {}) {
    const admin = await createStaff(db.pool, 'admin', opts);
    const session = await signedInAs(db.pool, admin);
    return { admin, forms: formClient(api.base, session.cookie) };
  }
  const staffByEmail = async (email: string) =>
    (await db.pool.query('SELECT * FROM staff WHERE email = $1', [email])).rows[0] as
      Record<string, unknown> | undefined;
  const auditOf = async (entity: string, entityId: string) =>
    (
      await db.pool.query<{ actor_id: string; action: string; detail: Record<string, unknown> }>(
        'SELECT actor_id, action, detail FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id',
        [entity, entityId],
      )
    ).rows;
  /** The error message shown by a form field, if any. */
  const fieldError = (html: string, field: string): string | undefined =>
    [...html.matchAll(/<span class="usa-error-message" id="f-([\w-]+)-error">([^<]*)<\/span>/g)]
      .find((m) => m[1] === field)?.[2]
      ?.trim();

  describe('only admins', () => {
    it.each(['case_manager', 'supervisor', 'program_manager'] as const)(
      'when a %s opens any admin page or posts an admin form, then 403 and nothing changes',
      async (role) => {
        const team = await createTeam(db.pool);
        const provider = await createProvider(db.pool);
        const person =
          role === 'case_manager'
            ? team.caseManager
            : role === 'supervisor'
              ? team.supervisor
              : team.programManager;
        const forms = formClient(api.base, (await signedInAs(db.pool, person)).cookie);
        for (const path of [
          '/admin/staff',
          '/admin/staff/invite',
          `/admin/staff/${team.caseManager.id}`,
          '/admin/programs',
          '/admin/programs/new',
          `/admin/programs/${team.programId}`,
          '/admin/providers',
          '/admin/providers/new',
          `/admin/providers/${provider.id}`,
          '/admin/audit',
          '/admin/audit.csv',
        ]) {
          const page = await forms.get(path);
          expect({ path, status: page.status }).toEqual({ path, status: 403 });
        }
        const mails = smtp.messages.length;
        const before = await snapshot(db.pool);
        const email = `intruder.${uniq()}@test.caseloop.local`;
        for (const [path, fields] of [
          ['/admin/staff/invite', { fullName: 'Not Allowed', email, role: 'admin', timeZone: 'UTC' }],
          [
            `/admin/staff/${team.caseManager.id}`,
            {
              fullName: 'Renamed',
              email,
              role: 'admin',
              timeZone: 'UTC',
              notificationPreference: 'immediate',
            },
          ],
          [`/admin/staff/${team.admin.id}/deactivate`, {}],
          [`/admin/staff/${team.caseManager.id}/sign-out-everywhere`, {}],
          [`/admin/staff/${team.caseManager.id}/invitation`, {}],
          ['/admin/programs/new', { name: `P ${uniq()}`, timeZone: 'UTC' }],
          [`/admin/programs/${team.programId}/deactivate`, {}],
          ['/admin/providers/new', { organisation: 'X', services: 'housing', contactEmail: 'a@b.org' }],
          [`/admin/providers/${provider.id}/deactivate`, {}],
        ] as const) {
          const res = await forms.post(path, fields, '/work');
          expect({ path, status: res.status }).toEqual({ path, status: 403 });
        }
        expect(await snapshot(db.pool)).toEqual(before);
        expect(smtp.messages.length).toBe(mails);
      },
    );
  });

  describe('staff', () => {
    it('when an admin invites a person, then they are added as typed, the invitation email reaches them, and both are audited', async () => {
      const { admin, forms } = await adminClient();
      const team = await createTeam(db.pool);
      const email = `new.person.${uniq()}@test.caseloop.local`;
      const mails = smtp.messages.length;
      const res = await forms.post(
        '/admin/staff/invite',
        {
          fullName: 'Noor Haddad',
          email,
          role: 'case_manager',
          supervisorId: team.supervisor.id,
          timeZone: 'Europe/Berlin',
        },
        '/admin/staff/invite',
      );
      expect(res.status).toBe(303);
      const row = await staffByEmail(email);
      expect(row).toMatchObject({
        full_name: 'Noor Haddad',
        role: 'case_manager',
        supervisor_id: team.supervisor.id,
        time_zone: 'Europe/Berlin',
        notification_preference: 'immediate',
        active: true,
      });
      expect(res.location).toBe(`/admin/staff/${row!.id as string}?notice=staff-invited`);
      const [mail] = (await smtp.waitFor(mails + 1)).slice(mails);
      expect(mail!.to).toEqual([email]);
      expect(mail!.text).toMatch(/\/password\/\S+/);
      expect((await auditOf('staff', row!.id as string)).map((a) => [a.actor_id, a.action])).toEqual([
        [admin.id, 'create'],
      ]);
      const links = await db.pool.query(
        `SELECT a.actor_id FROM audit_log a WHERE a.entity = 'account_link' AND a.detail->>'staffId' = $1`,
        [row!.id],
      );
      expect(links.rows).toEqual([{ actor_id: admin.id }]);

      const page = await forms.get(res.location!);
      expect(page.html).toContain('Added to the staff. The invitation email is on its way.');
      expect(page.html).toMatch(/Invitation sent <time/);
    });

    it('when the invitation form is missing a name and has a malformed email, then 400 with each error by its field, what was typed kept, nobody added and no email sent', async () => {
      const { forms } = await adminClient();
      const mails = smtp.messages.length;
      const before = await snapshot(db.pool);
      const res = await forms.post(
        '/admin/staff/invite',
        { fullName: '  ', email: 'not-an-email<b>', role: 'case_manager', timeZone: 'Europe/Berlin' },
        '/admin/staff/invite',
      );
      expect(res.status).toBe(400);
      expect(fieldError(res.html, 'fullName')).toBe('Enter the person’s full name.');
      expect(fieldError(res.html, 'email')).toBe('Enter an email address like name@example.org.');
      expect(res.html).toContain('value="not-an-email&lt;b&gt;"');
      expect(res.html).toContain('There are 2 problems');
      expect(await snapshot(db.pool)).toEqual(before);
      expect(smtp.messages.length).toBe(mails);
    });

    it('when the email is already someone’s, then 400 with the error by the email field and nothing written', async () => {
      const { forms } = await adminClient();
      const existing = await createStaff(db.pool, 'case_manager');
      const before = await snapshot(db.pool);
      const res = await forms.post(
        '/admin/staff/invite',
        { fullName: 'Second Person', email: existing.email, role: 'supervisor', timeZone: 'UTC' },
        '/admin/staff/invite',
      );
      expect(res.status).toBe(400);
      expect(fieldError(res.html, 'email')).toBe('Someone on the staff already has this email address.');
      expect(await snapshot(db.pool)).toEqual(before);
    });

    it('when an admin changes a person’s role and time zone, then exactly those change and the audit names exactly those fields; sending the form unchanged changes nothing', async () => {
      const { admin, forms } = await adminClient();
      const person = await createStaff(db.pool, 'case_manager');
      const path = `/admin/staff/${person.id}`;
      const form = {
        fullName: person.fullName,
        email: person.email,
        role: 'supervisor',
        supervisorId: '',
        timeZone: 'America/Chicago',
        notificationPreference: 'immediate',
      };
      const res = await forms.post(path, form);
      expect(res).toMatchObject({ status: 303, location: `${path}?notice=changes-saved` });
      expect(await staffByEmail(person.email)).toMatchObject({
        full_name: person.fullName,
        role: 'supervisor',
        supervisor_id: null,
        time_zone: 'America/Chicago',
        notification_preference: 'immediate',
      });
      const audits = await auditOf('staff', person.id);
      expect(audits.at(-1)).toMatchObject({ actor_id: admin.id, action: 'update' });
      expect(new Set(audits.at(-1)!.detail.fields as string[])).toEqual(new Set(['role', 'timeZone']));

      const again = await forms.post(path, form);
      expect(again.location).toBe(`${path}?notice=nothing-changed`);
      expect(await auditOf('staff', person.id)).toHaveLength(audits.length);
    });

    it('when the edit form’s email is blank, then 400 with the error by it and the person unchanged', async () => {
      const { forms } = await adminClient();
      const person = await createStaff(db.pool, 'case_manager');
      const before = await snapshot(db.pool);
      const res = await forms.post(`/admin/staff/${person.id}`, {
        fullName: 'New Name',
        email: '',
        role: 'case_manager',
        timeZone: 'UTC',
        notificationPreference: 'daily_digest',
      });
      expect(res.status).toBe(400);
      expect(fieldError(res.html, 'email')).toBe('Enter the person’s email address.');
      expect(res.html).toContain('value="New Name"');
      expect(await snapshot(db.pool)).toEqual(before);
    });

    it('when a program manager is deactivated without naming who takes over their program, then the refusal is on the form and nothing changes; naming a successor moves the program, ends their sessions and revokes their tokens', async () => {
      const { admin, forms } = await adminClient();
      const leaver = await createStaff(db.pool, 'program_manager');
      const successor = await createStaff(db.pool, 'program_manager');
      const programId = await createProgram(db.pool, { programManagerId: leaver.id });
      const leaverSession = await signedInAs(db.pool, leaver);
      const path = `/admin/staff/${leaver.id}`;

      const page = await forms.get(path);
      expect(page.html).toContain('Program manager who takes over their programs');
      expect(page.html).toContain(`<option value="${successor.id}"`);
      expect(page.html).not.toContain(`<option value="${leaver.id}"`); // never themselves

      const before = await snapshot(db.pool);
      const refused = await forms.post(`${path}/deactivate`, {}, path);
      expect(refused.status).toBe(409);
      expect(refused.html).toContain('manages 1 program(s); name who takes them over');
      expect(await snapshot(db.pool)).toEqual(before);

      const done = await forms.post(`${path}/deactivate`, { newProgramManagerId: successor.id }, path);
      expect(done).toMatchObject({ status: 303, location: `${path}?notice=staff-deactivated` });
      expect(await staffByEmail(leaver.email)).toMatchObject({ active: false });
      const program = await db.pool.query('SELECT program_manager_id FROM programs WHERE id = $1', [
        programId,
      ]);
      expect(program.rows[0].program_manager_id).toBe(successor.id);
      expect((await api.call('GET', '/api/v1/me', leaver.token)).status).toBe(401);
      const leaverPage = await fetch(`${api.base}/work`, {
        headers: { cookie: leaverSession.cookie },
        redirect: 'manual',
      });
      expect(leaverPage.status).toBe(303);
      expect((await auditOf('staff', leaver.id)).at(-1)).toMatchObject({
        actor_id: admin.id,
        detail: { change: 'deactivate' },
      });

      // And back.
      const back = await forms.post(`${path}/reactivate`, {}, path);
      expect(back.location).toBe(`${path}?notice=staff-reactivated`);
      expect(await staffByEmail(leaver.email)).toMatchObject({ active: true });
    });

    it('when a case manager with an open case is deactivated without a successor, then 409 on the form and nothing changes', async () => {
      const { forms } = await adminClient();
      const team = await createTeam(db.pool);
      await createCaseRow(db.pool, team);
      const path = `/admin/staff/${team.caseManager.id}`;
      const before = await snapshot(db.pool);
      const res = await forms.post(`${path}/deactivate`, {}, path);
      expect(res.status).toBe(409);
      expect(res.html).toContain('still has 1 open case(s)');
      expect(await snapshot(db.pool)).toEqual(before);
    });

    it('when a supervisor who leads a team is deactivated without a successor, then 409 on the form and nothing changes; naming one moves the team to them', async () => {
      const { forms } = await adminClient();
      const leaver = await createStaff(db.pool, 'supervisor');
      const member = await createStaff(db.pool, 'case_manager', { supervisorId: leaver.id });
      const successor = await createStaff(db.pool, 'supervisor');
      const path = `/admin/staff/${leaver.id}`;
      expect((await forms.get(path)).html).toContain('Who takes over their supervision');
      const before = await snapshot(db.pool);
      const refused = await forms.post(`${path}/deactivate`, {}, path);
      expect(refused.status).toBe(409);
      expect(refused.html).toContain('leads 1 team member(s); name who takes them over');
      expect(await snapshot(db.pool)).toEqual(before);

      const done = await forms.post(`${path}/deactivate`, { newSupervisorId: successor.id }, path);
      expect(done.location).toBe(`${path}?notice=staff-deactivated`);
      expect(await staffByEmail(member.email)).toMatchObject({ supervisor_id: successor.id });
      expect(await staffByEmail(leaver.email)).toMatchObject({ active: false });
    });

    it('when an admin signs a person out everywhere, then every session of theirs ends, their browser is signed out, and it is audited', async () => {
      const { admin, forms } = await adminClient();
      const person = await createStaff(db.pool, 'case_manager');
      const [one, two] = [await signedInAs(db.pool, person), await signedInAs(db.pool, person)];
      const path = `/admin/staff/${person.id}`;
      expect((await forms.get(path)).html).toContain('In 2 browser sessions');
      const res = await forms.post(`${path}/sign-out-everywhere`, {}, path);
      expect(res.location).toBe(`${path}?notice=signed-out-everywhere#access-heading`);
      const open = await db.pool.query(
        'SELECT ended_reason FROM web_sessions WHERE staff_id = $1 ORDER BY created_at',
        [person.id],
      );
      expect(open.rows).toEqual([{ ended_reason: 'ended_by_admin' }, { ended_reason: 'ended_by_admin' }]);
      for (const s of [one, two]) {
        const page = await fetch(`${api.base}/work`, { headers: { cookie: s.cookie }, redirect: 'manual' });
        expect(page.status).toBe(303);
      }
      expect(await auditOf('web_session', person.id)).toEqual([
        { actor_id: admin.id, action: 'update', detail: { change: 'signed_out_everywhere', ended: 2 } },
      ]);
    });

    it('when an admin revokes one of a person’s API tokens, then that token stops working and the other does not', async () => {
      const { admin, forms } = await adminClient();
      const person = await createStaff(db.pool, 'case_manager');
      const tokens = await db.pool.query<{ id: string }>('SELECT id FROM api_tokens WHERE staff_id = $1', [
        person.id,
      ]);
      const other = await api.call('POST', `/api/v1/staff/${person.id}/tokens`, admin.token, {
        label: 'sync',
      });
      const path = `/admin/staff/${person.id}`;
      const res = await forms.post(`${path}/tokens/${tokens.rows[0]!.id}/revoke`, {}, path);
      expect(res.location).toBe(`${path}?notice=token-revoked#access-heading`);
      expect((await api.call('GET', '/api/v1/me', person.token)).status).toBe(401);
      expect((await api.call('GET', '/api/v1/me', other.body.token as string)).status).toBe(200);
      expect((await forms.get(path)).html).toMatch(/Revoked <time/);
    });

    it('when an admin sends the invitation again, then a new email goes out and the earlier link no longer works', async () => {
      const { forms } = await adminClient();
      const email = `again.${uniq()}@test.caseloop.local`;
      const mails = smtp.messages.length;
      const res = await forms.post(
        '/admin/staff/invite',
        { fullName: 'Twice Invited', email, role: 'supervisor', timeZone: 'UTC' },
        '/admin/staff/invite',
      );
      const first = (await smtp.waitFor(mails + 1)).at(-1)!;
      const again = await forms.post(`${res.location!.split('?')[0]}/invitation`, {}, res.location!);
      expect(again.location).toMatch(/\?notice=invitation-sent#access-heading$/);
      const second = (await smtp.waitFor(mails + 2)).at(-1)!;
      expect(second.to).toEqual([email]);
      const firstLink = /(\/password\/\S+)/.exec(first.text)![1]!;
      expect((await fetch(`${api.base}${firstLink}`)).status).toBe(410);
    });
  });

  describe('programs and providers', () => {
    it('when a new program has a holiday that is not a date, then 400 naming it and no program; with good input it is created on the default policy', async () => {
      const { admin, forms } = await adminClient();
      const manager = await createStaff(db.pool, 'program_manager');
      const name = `Housing First ${uniq()}`;
      const before = await snapshot(db.pool);
      const bad = await forms.post('/admin/programs/new', {
        name,
        programManagerId: manager.id,
        timeZone: 'America/New_York',
        holidays: '2030-12-25\n2030-13-01',
        extraDomains: 'digital_literacy',
      });
      expect(bad.status).toBe(400);
      expect(fieldError(bad.html, 'holidays')).toBe(
        '“2030-13-01” is not a date: write each holiday like 2027-12-25.',
      );
      expect(await snapshot(db.pool)).toEqual(before);

      const res = await forms.post('/admin/programs/new', {
        name,
        programManagerId: manager.id,
        timeZone: 'America/New_York',
        holidays: '2030-12-25\n2030-07-04',
        extraDomains: 'digital_literacy, childcare',
        forbidAssessmentOnHold: 'yes',
      });
      expect(res.status).toBe(303);
      const program = (
        await api.call('GET', `/api/v1/programs/${res.location!.split('/')[3]!.split('?')[0]}`, admin.token)
      ).body;
      expect(program).toMatchObject({
        name,
        programManagerId: manager.id,
        timeZone: 'America/New_York',
        holidays: ['2030-07-04', '2030-12-25'],
        extraDomains: ['digital_literacy', 'childcare'],
        forbidAssessmentOnHold: true,
        active: true,
        policyVersion: 1,
      });
      expect(await auditOf('program', program.id)).toEqual([
        { actor_id: admin.id, action: 'create', detail: {} },
      ]);
    });

    it('when an admin edits a program’s name and holidays, then exactly those change; deactivating refuses new intakes and keeps the program’s open case', async () => {
      const { admin, forms } = await adminClient();
      const team = await createTeam(db.pool);
      const open = await createCaseRow(db.pool, team);
      const path = `/admin/programs/${team.programId}`;
      const current = (await api.call('GET', `/api/v1/programs/${team.programId}`, admin.token)).body;
      const name = `Renamed ${uniq()}`;
      const res = await forms.post(path, {
        name,
        programManagerId: team.programManager.id,
        timeZone: current.timeZone,
        holidays: '2031-01-01',
        extraDomains: '',
      });
      expect(res.location).toBe(`${path}?notice=changes-saved`);
      expect((await auditOf('program', team.programId)).at(-1)!.detail).toEqual({
        fields: ['name', 'holidays'],
      });

      const page = await forms.get(path);
      expect(page.html).toContain('Its open cases (1) carry on');
      const off = await forms.post(`${path}/deactivate`, {}, path);
      expect(off.location).toBe(`${path}?notice=program-deactivated`);
      const after = (await api.call('GET', `/api/v1/programs/${team.programId}`, admin.token)).body;
      expect(after).toMatchObject({ name, holidays: ['2031-01-01'], active: false });
      const intake = await api.call('POST', '/api/v1/cases', team.caseManager.token, {
        programId: team.programId,
        caseManagerId: team.caseManager.id,
        client: { givenName: 'Late', familyName: 'Comer' },
      });
      expect(intake.status).toBe(422);
      const still = await db.pool.query('SELECT status FROM cases WHERE id = $1', [open.id]);
      expect(still.rows[0].status).toBe('assessment');
    });

    it('when an admin adds, edits and deactivates a provider, then each step changes exactly that; a provider without a service is refused', async () => {
      const { admin, forms } = await adminClient();
      const before = await snapshot(db.pool);
      const bad = await forms.post('/admin/providers/new', {
        organisation: 'Legal Aid Collective',
        services: ' , ',
        contactEmail: 'intake@legal.example.org',
      });
      expect(bad.status).toBe(400);
      expect(fieldError(bad.html, 'services')).toBe('Enter at least one service.');
      expect(await snapshot(db.pool)).toEqual(before);

      const made = await forms.post('/admin/providers/new', {
        organisation: 'Legal Aid Collective',
        services: 'legal aid, tenancy advice',
        contactEmail: 'intake@legal.example.org',
        languages: 'English, Arabic',
        eligibilityNotes: 'Low income households.',
      });
      const path = made.location!.split('?')[0]!;
      const id = path.split('/')[3]!;
      expect((await api.call('GET', `/api/v1/providers/${id}`, admin.token)).body).toMatchObject({
        organisation: 'Legal Aid Collective',
        services: ['legal aid', 'tenancy advice'],
        languages: ['English', 'Arabic'],
        eligibilityNotes: 'Low income households.',
        active: true,
      });
      await forms.post(path, {
        organisation: 'Legal Aid Collective',
        services: 'legal aid, tenancy advice',
        contactEmail: 'referrals@legal.example.org',
        languages: 'English, Arabic',
        eligibilityNotes: 'Low income households.',
      });
      expect((await auditOf('provider', id)).at(-1)!.detail).toEqual({ fields: ['contactEmail'] });
      const off = await forms.post(`${path}/deactivate`, {}, path);
      expect(off.location).toBe(`${path}?notice=provider-deactivated`);
      expect((await api.call('GET', `/api/v1/providers/${id}`, admin.token)).body).toMatchObject({
        contactEmail: 'referrals@legal.example.org',
        active: false,
      });
    });
  });

  describe('the audit log viewer', () => {
    /** Entries written as the services would, with known times, for one person who did nothing else. */
    async function seed() {
      const team = await createTeam(db.pool);
      const actor = await createStaff(db.pool, 'supervisor', { name: `Auditee ${uniq()}` });
      const c1 = await createCaseRow(db.pool, team, { givenName: 'Ana', familyName: 'One' });
      const c2 = await createCaseRow(db.pool, team, { givenName: 'Ben', familyName: 'Two' });
      const client1 = (await db.pool.query('SELECT client_id FROM cases WHERE id = $1', [c1.id])).rows[0]
        .client_id as string;
      const consentId = (
        await db.pool.query<{ id: string }>(
          `INSERT INTO client_consents (client_id, given, at) VALUES ($1, true, '2029-03-12T13:00:00Z') RETURNING id`,
          [client1],
        )
      ).rows[0]!.id;
      const tag = uniq();
      const entries = [
        // 2029-03-10 in New York begins at 05:00 UTC.
        { key: `${tag}-a`, at: '2029-03-10T04:30:00Z', action: 'read', entity: 'case', caseId: c1.id },
        { key: `${tag}-b`, at: '2029-03-10T05:30:00Z', action: 'update', entity: 'case', caseId: c1.id },
        { key: `${tag}-c`, at: '2029-03-11T12:00:00Z', action: 'read', entity: 'assessment', caseId: c2.id },
        {
          key: `${tag}-d`,
          at: '2029-03-12T12:00:00Z',
          action: 'create',
          entity: 'client',
          entityId: client1,
        },
        {
          key: `${tag}-e`,
          at: '2029-03-12T13:00:00Z',
          action: 'create',
          entity: 'client_consent',
          entityId: consentId,
        },
        {
          key: `=HYPERLINK("http://evil.example/${tag}")`,
          at: '2029-03-13T12:00:00Z',
          action: 'read',
          entity: 'provider',
        },
      ];
      for (const e of entries)
        await db.pool.query(
          `INSERT INTO audit_log (at, actor_id, action, entity, entity_id, case_id, source_ip, detail)
           VALUES ($1, $2, $3, $4, $5, $6, '203.0.113.9', $7)`,
          [
            e.at,
            actor.id,
            e.action,
            e.entity,
            e.entityId ?? e.key,
            e.caseId ?? null,
            { key: e.key, note: '<script>alert(1)</script>' },
          ],
        );
      return { team, actor, c1, c2, client1, tag, entries };
    }
    /** The seeded keys a page shows, in order. */
    const keysOn = (html: string, tag: string) =>
      [...html.matchAll(new RegExp(`&quot;key&quot;:&quot;(${tag}-[a-z])`, 'g'))].map((m) => m[1]!.slice(-1));
    const auditReads = async (actorId: string, action: string) =>
      (
        await db.pool.query<{ detail: Record<string, unknown> }>(
          `SELECT detail FROM audit_log WHERE actor_id = $1 AND entity = 'audit_log' AND action = $2 ORDER BY id`,
          [actorId, action],
        )
      ).rows;

    it('when an admin filters by person, case, client, action and record kind, and by days in their own zone, then exactly the matching entries show, newest first, with details escaped', async () => {
      const { admin, forms } = await adminClient({ timeZone: 'America/New_York' });
      const s = await seed();
      const q = (params: Record<string, string>) =>
        forms.get(`/admin/audit?${new URLSearchParams(params).toString()}`);

      const byPerson = await q({ actorId: s.actor.id });
      expect(byPerson.status).toBe(200);
      expect(keysOn(byPerson.html, s.tag)).toEqual(['e', 'd', 'c', 'b', 'a']);
      expect(byPerson.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(byPerson.html).not.toContain('<script>alert(1)');
      expect(byPerson.html).toContain(`<a href="/cases/${s.c1.id}">${s.c1.reference}</a>`);
      expect(byPerson.html).toContain('203.0.113.9');

      expect(
        keysOn((await q({ actorId: s.actor.id, case: s.c1.reference.toLowerCase() })).html, s.tag),
      ).toEqual(['b', 'a']);
      expect(keysOn((await q({ actorId: s.actor.id, case: s.c2.id })).html, s.tag)).toEqual(['c']);
      expect(keysOn((await q({ clientId: s.client1 })).html, s.tag)).toEqual(['e', 'd', 'b', 'a']);
      expect(keysOn((await q({ actorId: s.actor.id, action: 'read', entity: 'case' })).html, s.tag)).toEqual([
        'a',
      ]);
      // 04:30 UTC on the 10th is still the 9th in New York; 05:30 is the 10th.
      expect(
        keysOn((await q({ actorId: s.actor.id, from: '2029-03-10', to: '2029-03-10' })).html, s.tag),
      ).toEqual(['b']);
      expect(keysOn((await q({ actorId: s.actor.id, from: '2029-03-11' })).html, s.tag)).toEqual([
        'e',
        'd',
        'c',
      ]);

      // Each view was recorded with its filter.
      const reads = await auditReads(admin.id, 'read');
      expect(reads).toHaveLength(7);
      expect(reads[1]!.detail).toMatchObject({ filter: { actorId: s.actor.id, caseId: s.c1.id } });
    });

    it('when the filter is not valid, then 400 with the error by its field and nothing is read', async () => {
      const { admin, forms } = await adminClient();
      const res = await forms.get('/admin/audit?case=nonsense&from=2029-02-30&to=');
      expect(res.status).toBe(400);
      expect(fieldError(res.html, 'case')).toBe('Enter a case reference like C-1001, or a case id.');
      expect(fieldError(res.html, 'from')).toBe('Enter a real date, like 2027-03-15.');
      const unknown = await forms.get('/admin/audit?case=C-99999999');
      expect(unknown.status).toBe(400);
      expect(fieldError(unknown.html, 'case')).toBe('No case has the reference C-99999999.');
      expect(await auditReads(admin.id, 'read')).toEqual([]);
    });

    it('when there are more entries than a page holds, then "Older entries" pages back by id with the filter kept, and no entry is shown twice', async () => {
      const { forms } = await adminClient();
      const actor = await createStaff(db.pool, 'case_manager');
      const tag = uniq();
      await db.pool.query(
        `INSERT INTO audit_log (actor_id, action, entity, entity_id, detail)
         SELECT $1, 'read', 'case', $2 || '-' || n, jsonb_build_object('n', n) FROM generate_series(1, 60) n`,
        [actor.id, tag],
      );
      const first = await forms.get(`/admin/audit?actorId=${actor.id}`);
      const shown = (html: string) =>
        [...html.matchAll(new RegExp(`>${tag}-(\\d+)<`, 'g'))].map((m) => Number(m[1]));
      expect(shown(first.html)).toEqual(Array.from({ length: 50 }, (_, i) => 60 - i));
      const older = /href="(\/admin\/audit\?[^"]+)"\s+rel="next"/
        .exec(first.html)![1]!
        .replace(/&amp;/g, '&');
      expect(older).toContain(`actorId=${actor.id}`);
      const second = await forms.get(older);
      expect(shown(second.html)).toEqual(Array.from({ length: 10 }, (_, i) => 10 - i));
      expect(second.html).not.toContain('rel="next"');
    });

    it('when an admin exports the filtered log, then the CSV parses back to exactly those entries, formula-like cells are defused, and the export and the view are each audited once', async () => {
      const { admin, forms } = await adminClient({ timeZone: 'America/New_York' });
      const s = await seed();
      await forms.get(`/admin/audit?actorId=${s.actor.id}`);
      const res = await fetch(`${api.base}/admin/audit.csv?actorId=${s.actor.id}`, {
        headers: { cookie: (await signedInAs(db.pool, admin)).cookie },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toMatch(
        /^attachment; filename="caseloop-audit-log-\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      const [header, ...rows] = parseCsv(await res.text());
      expect(header).toEqual([
        'id',
        'at_utc',
        'at_local',
        'actor_id',
        'actor_name',
        'actor_kind',
        'action',
        'entity',
        'entity_id',
        'case_id',
        'case_reference',
        'source_ip',
        'request_id',
        'detail',
      ]);
      expect(rows).toHaveLength(6);
      const col = (name: string) => header!.indexOf(name);
      expect(rows.map((r) => r[col('at_utc')])).toEqual(
        s.entries.map((e) => new Date(e.at).toISOString()).reverse(),
      );
      expect(rows.at(-1)![col('at_local')]).toBe('2029-03-09 23:30:00');
      expect(rows.at(-2)![col('case_reference')]).toBe(s.c1.reference);
      expect(rows[0]![col('entity_id')]).toBe(`'=HYPERLINK("http://evil.example/${s.tag}")`);
      expect(JSON.parse(rows[0]![col('detail')]!)).toMatchObject({ note: '<script>alert(1)</script>' });
      expect(rows.every((r) => r[col('actor_name')] === s.actor.fullName)).toBe(true);

      expect(await auditReads(admin.id, 'read')).toHaveLength(1);
      expect(await auditReads(admin.id, 'export')).toEqual([{ detail: { filter: { actorId: s.actor.id } } }]);
    });
  });
});
