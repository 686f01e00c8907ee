import { caseFactsQuery } from '../../src/workflows/messages';
import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { createProgram, createStaff, createTeam, type StaffFixture } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Who holds authority over a case and over the directory: who may supervise, who may approve,
 * who may acknowledge an escalation, and what keeps the agency from locking itself out.
 */
describe('authority over cases and staff', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('authority-test');
  });
  afterAll(() => stack?.stop());

  type Team = Awaited<ReturnType<typeof createTeam>>;
  const call = (method: string, path: string, token?: string, body?: unknown) =>
    stack.api.call(method, path, token, body);

  async function step(status: number, method: string, path: string, token: string, body?: unknown) {
    const res = await call(method, path, token, body);
    if (res.status !== status)
      throw new Error(`setup ${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  const count = async (table: string) =>
    Number((await stack.db.pool.query(`SELECT count(*) FROM ${table}`)).rows[0].count);
  const caseRow = async (id: string) =>
    (await stack.db.pool.query('SELECT * FROM cases WHERE id = $1', [id])).rows[0];
  const caseFacts = (caseId: string) =>
    stack.env.client.workflow.getHandle(`case-${caseId}`).query(caseFactsQuery);
  const staffRow = async (id: string) =>
    (await stack.db.pool.query('SELECT * FROM staff WHERE id = $1', [id])).rows[0];

  const intakeBody = (team: Team, extra: Record<string, unknown> = {}) => ({
    programId: team.programId,
    caseManagerId: team.caseManager.id,
    client: { givenName: 'Ines', familyName: 'Haddad' },
    ...extra,
  });

  async function openCase(team: Team) {
    const opened = await step(201, 'POST', '/api/v1/cases', team.admin.token, intakeBody(team));
    return { caseId: opened.id as string, base: `/api/v1/cases/${opened.id}` };
  }

  const goal = {
    domain: 'housing',
    description: 'Find a flat',
    measure: 'Lease signed',
    targetDate: '2099-01-01',
  };

  async function submittedPlan(team: Team, base: string): Promise<string> {
    const cm = team.caseManager.token;
    await step(201, 'POST', `${base}/assessments`, cm, { kind: 'initial', scores: { housing: 3 } });
    const plan = await step(201, 'POST', `${base}/plans`, cm, { goals: [goal] });
    await step(200, 'POST', `${base}/plans/${plan.planId}/submit`, cm);
    return plan.planId as string;
  }

  /** Leaves only `keep` as active admins, so "the last admin" is a fact of this test. */
  async function onlyActiveAdmins(...keep: StaffFixture[]) {
    await stack.db.pool.query(`UPDATE staff SET active = false WHERE role = 'admin' AND NOT (id = ANY($1))`, [
      keep.map((a) => a.id),
    ]);
  }

  describe('who may supervise a case', () => {
    it.each([
      {
        what: 'the case manager names themselves as supervisor',
        supervisor: (t: Team) => t.caseManager.id,
        token: (t: Team) => t.caseManager.token,
      },
      {
        what: "a case manager names another team's supervisor",
        supervisor: async () => (await createTeam(stack.db.pool)).supervisor.id,
        token: (t: Team) => t.caseManager.token,
      },
      {
        what: 'an admin names an admin as supervisor',
        supervisor: (t: Team) => t.admin.id,
        token: (t: Team) => t.admin.token,
      },
      {
        what: "an admin names another program's manager as supervisor",
        supervisor: async () => (await createTeam(stack.db.pool)).programManager.id,
        token: (t: Team) => t.admin.token,
      },
    ])('when $what at intake, then 422 naming body.supervisorId and nothing is written', async (c) => {
      const team = await createTeam(stack.db.pool);
      const supervisorId = await c.supervisor(team);
      const before = [await count('cases'), await count('clients'), await count('audit_log')];
      const res = await call('POST', '/api/v1/cases', c.token(team), intakeBody(team, { supervisorId }));
      expect(res.status).toBe(422);
      expect(res.type).toContain('application/problem+json');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'body.supervisorId' })]);
      expect([await count('cases'), await count('clients'), await count('audit_log')]).toEqual(before);
    });

    it.each([
      { what: 'a supervisor', role: 'supervisor' as const },
      { what: 'a program manager', role: 'program_manager' as const },
      { what: 'an admin', role: 'admin' as const },
    ])(
      'when $what is named as case manager at intake, then 422 naming body.caseManagerId',
      async ({ role }) => {
        const team = await createTeam(stack.db.pool);
        const carrier = await createStaff(stack.db.pool, role, { supervisorId: team.supervisor.id });
        const before = await count('cases');
        const res = await call(
          'POST',
          '/api/v1/cases',
          team.admin.token,
          intakeBody(team, { caseManagerId: carrier.id, supervisorId: team.supervisor.id }),
        );
        expect(res.status).toBe(422);
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'body.caseManagerId' })]);
        expect(await count('cases')).toBe(before);
      },
    );

    it('when the supervisor names themselves as the case manager of a case they supervise, then 422', async () => {
      const team = await createTeam(stack.db.pool);
      const res = await call(
        'POST',
        '/api/v1/cases',
        team.supervisor.token,
        intakeBody(team, { caseManagerId: team.supervisor.id, supervisorId: team.supervisor.id }),
      );
      expect(res.status).toBe(422);
    });

    it.each([
      { who: "the case manager's own supervisor", sup: (t: Team) => t.supervisor.id },
      { who: "the program's manager", sup: (t: Team) => t.programManager.id },
    ])('when $who is named as supervisor at intake, then 201', async ({ sup }) => {
      const team = await createTeam(stack.db.pool);
      const res = await call(
        'POST',
        '/api/v1/cases',
        team.admin.token,
        intakeBody(team, { supervisorId: sup(team) }),
      );
      expect(res.status).toBe(201);
      expect(res.body.supervisorId).toBe(sup(team));
    });

    it('when a case is reassigned to a supervisor who does not supervise its case manager, then 422 and the case is unchanged', async () => {
      const team = await createTeam(stack.db.pool);
      const { caseId, base } = await openCase(team);
      const other = await createTeam(stack.db.pool);
      const before = await caseRow(caseId);
      for (const body of [
        { supervisorId: other.supervisor.id },
        { supervisorId: team.caseManager.id },
        { caseManagerId: team.supervisor.id },
        { caseManagerId: other.caseManager.id, supervisorId: team.supervisor.id },
      ]) {
        const res = await call('POST', `${base}/reassign`, team.admin.token, body);
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
      }
      const after = await caseRow(caseId);
      expect({ cm: after.case_manager_id, sup: after.supervisor_id }).toEqual({
        cm: before.case_manager_id,
        sup: before.supervisor_id,
      });
    });

    it("when a case is reassigned to another team's case manager, then their own supervisor takes it over", async () => {
      const team = await createTeam(stack.db.pool);
      const { base } = await openCase(team);
      const newSupervisor = await createStaff(stack.db.pool, 'supervisor');
      const newCaseManager = await createStaff(stack.db.pool, 'case_manager', {
        supervisorId: newSupervisor.id,
      });
      const res = await call('POST', `${base}/reassign`, team.admin.token, {
        caseManagerId: newCaseManager.id,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ caseManagerId: newCaseManager.id, supervisorId: newSupervisor.id });
    });
  });

  describe('nobody approves a plan or a closure on a case they carry', () => {
    /** A case from before the rule, carried by its own supervisor: written directly, as old data would be. */
    async function carriedBy(team: Team, carrier: StaffFixture, stage: 'plan' | 'closure') {
      const { caseId, base } = await openCase(team);
      const planId = await submittedPlan(team, base);
      if (stage === 'closure') {
        await step(200, 'POST', `${base}/plans/${planId}/decision`, team.supervisor.token, {
          decision: 'approved',
        });
        await step(200, 'POST', `${base}/closure`, team.caseManager.token, {
          reason: 'goals_met',
          summary: 'Done.',
        });
      }
      await stack.db.pool.query('UPDATE cases SET case_manager_id = $2 WHERE id = $1', [caseId, carrier.id]);
      return { caseId, base, planId };
    }

    it.each([
      { who: 'its supervisor', carrier: (t: Team) => t.supervisor },
      { who: "its program's manager", carrier: (t: Team) => t.programManager },
    ])(
      'when $who carries the case and approves its plan, then 403 and the plan stays submitted',
      async (c) => {
        const team = await createTeam(stack.db.pool);
        const carrier = c.carrier(team);
        const { base, planId } = await carriedBy(team, carrier, 'plan');
        const res = await call('POST', `${base}/plans/${planId}/decision`, carrier.token, {
          decision: 'approved',
        });
        expect(res.status).toBe(403);
        expect(
          (await stack.db.pool.query('SELECT status FROM service_plans WHERE id = $1', [planId])).rows[0]
            .status,
        ).toBe('submitted');
      },
    );

    it('when the supervisor carries the case and approves its closure, then 403 and the case stays open; an admin may', async () => {
      const team = await createTeam(stack.db.pool);
      const { caseId, base } = await carriedBy(team, team.supervisor, 'closure');
      const res = await call('POST', `${base}/closure/decision`, team.supervisor.token, {
        decision: 'approved',
      });
      expect(res.status).toBe(403);
      expect((await caseRow(caseId)).closed_at).toBeNull();
      expect(
        (await call('POST', `${base}/closure/decision`, team.admin.token, { decision: 'approved' })).status,
      ).toBe(200);
    });
  });

  describe('acknowledging an escalation needs current access to the case', () => {
    it('when the supervisor who was escalated to is reassigned away, then their acknowledgement is 404, the workflow is not told and the program manager is still escalated to', async () => {
      const { env, smtp, db } = stack;
      const team = await createTeam(db.pool);
      const t0 = await startOn(env, 'Mon', '10:00');
      const { caseId, base } = await openCase(team);
      // Default policy, opened on a Monday: escalated to the supervisor on the morning of day 21.
      await skipTo(env, t0 + 21 * DAY + HOUR);
      const mine = await step(200, 'GET', '/api/v1/escalations', team.supervisor.token);
      expect(mine.items).toEqual([expect.objectContaining({ caseId, level: 1 })]);
      const escalationId = mine.items[0].id as string;

      const newSupervisor = await createStaff(db.pool, 'supervisor');
      const newCaseManager = await createStaff(db.pool, 'case_manager', { supervisorId: newSupervisor.id });
      await step(200, 'POST', `${base}/reassign`, team.admin.token, {
        caseManagerId: newCaseManager.id,
        supervisorId: newSupervisor.id,
      });

      const ack = await call(
        'POST',
        `/api/v1/escalations/${escalationId}/acknowledge`,
        team.supervisor.token,
      );
      expect(ack.status).toBe(404);
      expect(
        (await db.pool.query('SELECT acknowledged_at FROM escalations WHERE id = $1', [escalationId])).rows[0]
          .acknowledged_at,
      ).toBeNull();
      expect((await step(200, 'GET', '/api/v1/escalations', team.supervisor.token)).items).toEqual([]);
      const schedule = (await step(200, 'GET', base, team.admin.token)).schedule;
      expect(schedule.obligations.find((o: { id: string }) => o.id === 'initial-assessment')).toMatchObject({
        escalationLevel: 1,
        acknowledged: false,
      });

      // Two business days unacknowledged: the program manager hears of it.
      await skipTo(env, t0 + 23 * DAY + HOUR);
      const toProgramManager = smtp.messages.filter(
        (m) => m.to.includes(team.programManager.email) && /Escalation/.test(m.subject),
      );
      expect(toProgramManager).toHaveLength(1);
    });
  });

  describe('an escalation waiting on someone who leaves goes to who takes their place', () => {
    it('when a program manager holding an unacknowledged escalation is deactivated, then it is among the new program manager’s escalations, and they are told', async () => {
      const { env, db } = stack;
      const team = await createTeam(db.pool);
      const t0 = await startOn(env, 'Mon', '10:00');
      const { caseId } = await openCase(team);
      // Unacknowledged by the supervisor, it reaches the program manager on day 23.
      await skipTo(env, t0 + 23 * DAY + HOUR);
      const held = await step(200, 'GET', '/api/v1/escalations', team.programManager.token);
      expect(held.items).toEqual([expect.objectContaining({ caseId, level: 2 })]);

      const newManager = await createStaff(db.pool, 'program_manager');
      await step(200, 'POST', `/api/v1/staff/${team.programManager.id}/deactivate`, team.admin.token, {
        programManagerId: newManager.id,
      });
      expect((await step(200, 'GET', '/api/v1/escalations', newManager.token)).items).toEqual([
        expect.objectContaining({ id: held.items[0].id, caseId, level: 2 }),
      ]);
      // And told so, once, by email with their own acknowledgement link.
      await skipTo(env, t0 + 23 * DAY + 2 * HOUR);
      const told = stack.smtp.messages.filter((m) => m.to.includes(newManager.email));
      expect(told.map((m) => m.subject)).toEqual([expect.stringMatching(/^Escalation handed to you: /)]);
      expect(told[0]!.text).toContain('escalated');
      expect(told[0]!.text).toContain('to the program manager');
    });
  });

  describe('nobody acknowledges an escalation about a case they carry', () => {
    it('when a supervisor carrying the case from before the rule is escalated to, then their acknowledgement is 404 and the program manager is still escalated to', async () => {
      const { env, smtp, db } = stack;
      const team = await createTeam(db.pool);
      const t0 = await startOn(env, 'Mon', '10:00');
      const { caseId } = await openCase(team);
      // Written as old data would be: the supervisor carries the case they supervise.
      await db.pool.query('UPDATE cases SET case_manager_id = $2 WHERE id = $1', [
        caseId,
        team.supervisor.id,
      ]);
      await skipTo(env, t0 + 21 * DAY + HOUR);
      const escalation = (
        await db.pool.query('SELECT id, recipient_id FROM escalations WHERE case_id = $1 AND level = 1', [
          caseId,
        ])
      ).rows[0];
      expect(escalation.recipient_id).toBe(team.supervisor.id);
      const ack = await call(
        'POST',
        `/api/v1/escalations/${escalation.id}/acknowledge`,
        team.supervisor.token,
      );
      expect(ack.status).toBe(404);
      expect((await step(200, 'GET', '/api/v1/escalations', team.supervisor.token)).items).toEqual([]);
      await skipTo(env, t0 + 23 * DAY + HOUR);
      expect(
        smtp.messages.filter((m) => m.to.includes(team.programManager.email) && /Escalation/.test(m.subject)),
      ).toHaveLength(1);
    });
  });

  describe('admins cannot lock the agency out', () => {
    it('when an admin deactivates themselves, then 422 and they stay active', async () => {
      const team = await createTeam(stack.db.pool);
      const res = await call('POST', `/api/v1/staff/${team.admin.id}/deactivate`, team.admin.token, {});
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'params.staffId' })]);
      expect((await staffRow(team.admin.id)).active).toBe(true);
      expect((await call('GET', '/api/v1/staff', team.admin.token)).status).toBe(200);
    });

    it('when the only active admin demotes themselves, then 422 and they stay admin', async () => {
      const team = await createTeam(stack.db.pool);
      await onlyActiveAdmins(team.admin);
      const res = await call('PATCH', `/api/v1/staff/${team.admin.id}`, team.admin.token, {
        role: 'supervisor',
      });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'body.role' })]);
      expect((await staffRow(team.admin.id)).role).toBe('admin');
    });

    it('when the only two active admins deactivate each other at once, then one remains active', async () => {
      const team = await createTeam(stack.db.pool);
      const second = await createStaff(stack.db.pool, 'admin');
      await onlyActiveAdmins(team.admin, second);
      const [a, b] = await Promise.all([
        call('POST', `/api/v1/staff/${second.id}/deactivate`, team.admin.token, {}),
        call('POST', `/api/v1/staff/${team.admin.id}/deactivate`, second.token, {}),
      ]);
      expect([a.status, b.status].filter((s) => s === 200)).toHaveLength(1);
      // The loser is refused as the last admin, or finds their own token already revoked.
      expect([401, 409]).toContain([a.status, b.status].find((s) => s !== 200));
      const active = await stack.db.pool.query(`SELECT id FROM staff WHERE role = 'admin' AND active`);
      expect(active.rowCount).toBe(1);
    });

    it('when the only two active admins demote each other at once, then one remains admin', async () => {
      const team = await createTeam(stack.db.pool);
      const second = await createStaff(stack.db.pool, 'admin');
      await onlyActiveAdmins(team.admin, second);
      const [a, b] = await Promise.all([
        call('PATCH', `/api/v1/staff/${second.id}`, team.admin.token, { role: 'supervisor' }),
        call('PATCH', `/api/v1/staff/${team.admin.id}`, second.token, { role: 'supervisor' }),
      ]);
      expect([a.status, b.status].filter((s) => s === 200)).toHaveLength(1);
      // The loser is refused as the last admin, or is no longer an admin by the time they are heard.
      expect([403, 409]).toContain([a.status, b.status].find((s) => s !== 200));
      const active = await stack.db.pool.query(`SELECT id FROM staff WHERE role = 'admin' AND active`);
      expect(active.rowCount).toBe(1);
    });

    it('when a case manager who carries open cases is made a supervisor, then 409 and their role is unchanged', async () => {
      const team = await createTeam(stack.db.pool);
      await openCase(team);
      const res = await call('PATCH', `/api/v1/staff/${team.caseManager.id}`, team.admin.token, {
        role: 'supervisor',
      });
      expect(res.status).toBe(409);
      expect((await staffRow(team.caseManager.id)).role).toBe('case_manager');
    });

    it('when a program manager who manages a program is given another role, then 409', async () => {
      const team = await createTeam(stack.db.pool);
      const res = await call('PATCH', `/api/v1/staff/${team.programManager.id}`, team.admin.token, {
        role: 'supervisor',
      });
      expect(res.status).toBe(409);
      expect((await staffRow(team.programManager.id)).role).toBe('program_manager');
    });
  });

  describe('a leaving supervisor hands over team and cases together', () => {
    it('when a supervisor is deactivated naming a successor, then their team reports to the successor and their open cases move to them', async () => {
      const team = await createTeam(stack.db.pool);
      const { caseId } = await openCase(team);
      const successor = await createStaff(stack.db.pool, 'supervisor');
      const res = await call('POST', `/api/v1/staff/${team.supervisor.id}/deactivate`, team.admin.token, {
        supervisorId: successor.id,
      });
      expect(res).toMatchObject({
        status: 200,
        body: { movedCases: 1, delivery: { cases: 1, pending: 0 } },
      });
      expect((await staffRow(team.caseManager.id)).supervisor_id).toBe(successor.id);
      expect((await caseRow(caseId)).supervisor_id).toBe(successor.id);
      // The workflow knows too: its escalations go to the successor.
      expect(await caseFacts(caseId)).toMatchObject({
        caseManagerId: team.caseManager.id,
        supervisorId: successor.id,
      });
    });

    it('when a supervisor and then a program manager holding open tasks are deactivated, then each task goes to whoever takes their place and the workflow addresses them', async () => {
      const team = await createTeam(stack.db.pool);
      const { caseId, base } = await openCase(team);
      const dueAt = new Date((await stack.env.currentTimeMs()) + 10 * DAY).toISOString();
      const supervisorsTask = await step(201, 'POST', `${base}/tasks`, team.caseManager.token, {
        what: 'Countersign the referral',
        assigneeId: team.supervisor.id,
        dueAt,
      });
      const managersTask = await step(201, 'POST', `${base}/tasks`, team.caseManager.token, {
        what: 'Approve the grant',
        assigneeId: team.programManager.id,
        dueAt,
      });
      const newSupervisor = await createStaff(stack.db.pool, 'supervisor');
      const newManager = await createStaff(stack.db.pool, 'program_manager');

      await step(200, 'POST', `/api/v1/staff/${team.supervisor.id}/deactivate`, team.admin.token, {
        supervisorId: newSupervisor.id,
      });
      await step(200, 'POST', `/api/v1/staff/${team.programManager.id}/deactivate`, team.admin.token, {
        programManagerId: newManager.id,
      });

      const assignees = await stack.db.pool.query<{ id: string; assignee_id: string }>(
        'SELECT id, assignee_id FROM case_tasks WHERE case_id = $1',
        [caseId],
      );
      expect(Object.fromEntries(assignees.rows.map((r) => [r.id, r.assignee_id]))).toEqual({
        [supervisorsTask.id]: newSupervisor.id,
        [managersTask.id]: newManager.id,
      });
      const live = await step(200, 'GET', `${base}?live=true`, team.admin.token);
      const taskObligations = (
        live.schedule.obligations as { kind: string; subjectId: string; assigneeId: string }[]
      )
        .filter((o) => o.kind === 'task')
        .map((o) => [o.subjectId, o.assigneeId])
        .sort();
      expect(taskObligations).toEqual(
        [
          [supervisorsTask.id, newSupervisor.id],
          [managersTask.id, newManager.id],
        ].sort(),
      );
    });

    it('when a colleague sitting in on an appointment is deactivated, then the case manager attends in their place: a new version without them, and the workflow reminds only the case manager', async () => {
      const team = await createTeam(stack.db.pool);
      const { base } = await openCase(team);
      const colleague = await createStaff(stack.db.pool, 'case_manager', {
        supervisorId: team.supervisor.id,
      });
      const booked = await step(201, 'POST', `${base}/appointments`, team.caseManager.token, {
        startsAt: new Date((await stack.env.currentTimeMs()) + 5 * DAY).toISOString(),
        durationMinutes: 45,
        mode: 'in_person',
        location: 'Harbour Street office',
        attendeeIds: [team.caseManager.id, colleague.id],
      });

      await step(200, 'POST', `/api/v1/staff/${colleague.id}/deactivate`, team.admin.token, {});

      const appointment = await stack.db.pool.query(
        'SELECT attendee_ids::text[] AS attendee_ids, sequence FROM appointments WHERE id = $1',
        [booked.id],
      );
      expect(appointment.rows).toEqual([{ attendee_ids: [team.caseManager.id], sequence: 1 }]);
      const live = await step(200, 'GET', `${base}?live=true`, team.admin.token);
      const reminders = (
        live.schedule.obligations as {
          kind: string;
          subjectId: string;
          assigneeId: string;
          metBecause?: string;
        }[]
      )
        .filter((o) => o.kind === 'appointment_reminder' && o.subjectId === booked.id)
        .map((o) => [o.assigneeId, o.metBecause ?? 'open']);
      expect(reminders.sort()).toEqual(
        [
          [team.caseManager.id, 'open'],
          [colleague.id, 'attendee handed over'],
        ].sort(),
      );
    });

    it('when the successor named is a case manager, then 422 and nobody moves', async () => {
      const team = await createTeam(stack.db.pool);
      const { caseId } = await openCase(team);
      const colleague = await createStaff(stack.db.pool, 'case_manager', {
        supervisorId: team.supervisor.id,
      });
      const res = await call('POST', `/api/v1/staff/${team.supervisor.id}/deactivate`, team.admin.token, {
        supervisorId: colleague.id,
      });
      expect(res.status).toBe(422);
      expect((await staffRow(team.caseManager.id)).supervisor_id).toBe(team.supervisor.id);
      expect((await caseRow(caseId)).supervisor_id).toBe(team.supervisor.id);
      expect((await staffRow(team.supervisor.id)).active).toBe(true);
    });
  });

  describe('reactivation', () => {
    it('when an admin reactivates a deactivated staff member, then 200, they are active, it is audited and a new token works', async () => {
      const team = await createTeam(stack.db.pool);
      const leaver = await createStaff(stack.db.pool, 'case_manager', { supervisorId: team.supervisor.id });
      await step(200, 'POST', `/api/v1/staff/${leaver.id}/deactivate`, team.admin.token, {});
      const res = await call('POST', `/api/v1/staff/${leaver.id}/reactivate`, team.admin.token);
      expect(res).toMatchObject({ status: 200, body: { id: leaver.id, active: true } });
      expect((await staffRow(leaver.id)).active).toBe(true);
      const audit = await stack.db.pool.query(
        `SELECT actor_id, detail FROM audit_log WHERE entity = 'staff' AND entity_id = $1 ORDER BY id`,
        [leaver.id],
      );
      expect(audit.rows.at(-1)).toMatchObject({ actor_id: team.admin.id, detail: { change: 'reactivate' } });
      // Deactivation revoked the old tokens; reactivation does not bring them back.
      expect((await call('GET', '/api/v1/programs', leaver.token)).status).toBe(401);
      const token = (await step(201, 'POST', `/api/v1/staff/${leaver.id}/tokens`, team.admin.token, {}))
        .token;
      expect((await call('GET', '/api/v1/programs', token)).status).toBe(200);
    });

    it('when an active staff member is reactivated, then 409', async () => {
      const team = await createTeam(stack.db.pool);
      expect(
        (await call('POST', `/api/v1/staff/${team.caseManager.id}/reactivate`, team.admin.token)).status,
      ).toBe(409);
    });

    it.each(['supervisor', 'programManager', 'caseManager'] as const)(
      'when a %s reactivates someone, then 403 and they stay inactive',
      async (party) => {
        const team = await createTeam(stack.db.pool);
        const leaver = await createStaff(stack.db.pool, 'case_manager', { active: false });
        const res = await call('POST', `/api/v1/staff/${leaver.id}/reactivate`, team[party].token);
        expect(res.status).toBe(403);
        expect((await staffRow(leaver.id)).active).toBe(false);
      },
    );
  });

  describe('a program always has a live manager, and running cases follow it', () => {
    it('when a program manager who manages programs is deactivated without a successor, then 409 and nothing changes', async () => {
      const team = await createTeam(stack.db.pool);
      const res = await call(
        'POST',
        `/api/v1/staff/${team.programManager.id}/deactivate`,
        team.admin.token,
        {},
      );
      expect(res.status).toBe(409);
      expect((await staffRow(team.programManager.id)).active).toBe(true);
    });

    it('when the successor named is not an active program manager, then 422 naming body.programManagerId', async () => {
      const team = await createTeam(stack.db.pool);
      for (const successor of [team.supervisor.id, team.programManager.id]) {
        const res = await call(
          'POST',
          `/api/v1/staff/${team.programManager.id}/deactivate`,
          team.admin.token,
          {
            programManagerId: successor,
          },
        );
        expect(res.status).toBe(422);
        expect(res.body.errors).toEqual([expect.objectContaining({ field: 'body.programManagerId' })]);
      }
      expect((await staffRow(team.programManager.id)).active).toBe(true);
    });

    it("when a program's manager is deactivated with a successor or replaced by PATCH, then running cases escalate to the new manager and the old one loses access", async () => {
      const { env, smtp, db } = stack;
      const leaving = await createTeam(db.pool);
      const replaced = await createTeam(db.pool);
      const t0 = await startOn(env, 'Mon', '10:00');
      const a = await openCase(leaving);
      const b = await openCase(replaced);
      const successorA = await createStaff(db.pool, 'program_manager');
      const successorB = await createStaff(db.pool, 'program_manager');

      await skipTo(env, t0 + 2 * DAY);
      const deactivated = await call(
        'POST',
        `/api/v1/staff/${leaving.programManager.id}/deactivate`,
        leaving.admin.token,
        { programManagerId: successorA.id },
      );
      expect(deactivated).toMatchObject({ status: 200, body: { delivery: { cases: 1, pending: 0 } } });
      expect(await caseFacts(a.caseId)).toMatchObject({ programManagerId: successorA.id });
      expect(
        (await step(200, 'GET', `/api/v1/programs/${leaving.programId}`, leaving.admin.token))
          .programManagerId,
      ).toBe(successorA.id);
      const patched = await step(
        200,
        'PATCH',
        `/api/v1/programs/${replaced.programId}`,
        replaced.admin.token,
        { programManagerId: successorB.id },
      );
      expect(patched.delivery).toEqual({
        cases: 1,
        pending: 0,
        workflowId: expect.stringMatching(/^fan-out-/),
      });
      expect(await caseFacts(b.caseId)).toMatchObject({ programManagerId: successorB.id });
      expect((await call('GET', b.base, replaced.programManager.token)).status).toBe(404);
      expect((await call('GET', b.base, successorB.token)).status).toBe(200);

      // Escalated to the supervisor on day 21, unacknowledged: the program manager on day 23.
      await skipTo(env, t0 + 23 * DAY + HOUR);
      const escalationsTo = (email: string) =>
        smtp.messages.filter((m) => m.to.includes(email) && /Escalation \(unacknowledged\)/.test(m.subject));
      expect(escalationsTo(successorA.email)).toHaveLength(1);
      expect(escalationsTo(successorB.email)).toHaveLength(1);
      expect(escalationsTo(leaving.programManager.email)).toEqual([]);
      expect(escalationsTo(replaced.programManager.email)).toEqual([]);
      const levelTwo = await db.pool.query(
        'SELECT case_id, recipient_id FROM escalations WHERE level = 2 AND case_id = ANY($1) ORDER BY recipient_id',
        [[a.caseId, b.caseId]],
      );
      expect(levelTwo.rows).toEqual(
        expect.arrayContaining([
          { case_id: a.caseId, recipient_id: successorA.id },
          { case_id: b.caseId, recipient_id: successorB.id },
        ]),
      );
    });

    it('when a program is handed to someone who is not an active program manager, then 422', async () => {
      const team = await createTeam(stack.db.pool);
      const res = await call('PATCH', `/api/v1/programs/${team.programId}`, team.admin.token, {
        programManagerId: team.supervisor.id,
      });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'body.programManagerId' })]);
    });

    it('when a second program is managed by the leaver, then the successor takes both', async () => {
      const team = await createTeam(stack.db.pool);
      const second = await createProgram(stack.db.pool, { programManagerId: team.programManager.id });
      const successor = await createStaff(stack.db.pool, 'program_manager');
      await step(200, 'POST', `/api/v1/staff/${team.programManager.id}/deactivate`, team.admin.token, {
        programManagerId: successor.id,
      });
      const managers = await stack.db.pool.query(
        'SELECT program_manager_id FROM programs WHERE id = ANY($1)',
        [[team.programId, second]],
      );
      expect(managers.rows.map((r) => r.program_manager_id)).toEqual([successor.id, successor.id]);
    });
  });
});
