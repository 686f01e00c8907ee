import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { caseSteps } from '../helpers/case-steps';
import { createProvider, createTeam } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { caseBundle, referralTaskId, type CaseRecordsSource } from '../../src/domain/fhir/r4-mapping';
import { validateFhirFiles, type FhirValidation } from '../../src/shared/fhir-validator';

type Resource = { resourceType: string; id: string } & Record<string, any>;
type Bundle = { resourceType: 'Bundle'; type: string; entry: { fullUrl: string; resource: Resource }[] };

/**
 * GET /cases/:id/fhir against real PostgreSQL and Temporal, every bundle and every resource in it
 * checked by HAPI FHIR's R4 validator (one JVM for the whole file: it takes seconds to start).
 */
describe('FHIR R4 export', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('fhir-export-test');
  });
  afterAll(() => stack?.stop());

  /** A case with an approved plan, goals in three states, referrals in every state, appointments attended, missed and cancelled. */
  async function richCase() {
    const { api, env } = stack;
    const team = await createTeam(stack.db.pool);
    const cm = team.caseManager.token;
    const steps = caseSteps(api);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await steps.intake(team);
    await steps.assess(base, cm);
    const plan = await api.call('POST', `${base}/plans`, cm, {
      summary: 'Housing first, then work.',
      goals: [
        {
          domain: 'housing',
          description: 'Stable tenancy',
          measure: 'Lease signed',
          targetDate: '2027-03-01',
        },
        {
          domain: 'employment',
          description: 'Part-time job',
          measure: 'Hours worked a week',
          baseline: '0',
          target: '20',
          targetDate: '2027-06-30',
        },
        {
          domain: 'income',
          description: 'Benefits claimed',
          measure: 'Claim approved',
          targetDate: '2027-02-01',
        },
      ],
    });
    expect(plan.status).toBe(201);
    const planPath = `${base}/plans/${plan.body.planId}`;
    expect((await api.call('POST', `${planPath}/submit`, cm)).status).toBe(200);
    expect(
      (await api.call('POST', `${planPath}/decision`, team.supervisor.token, { decision: 'approved' }))
        .status,
    ).toBe(200);
    const goalIds = plan.body.goalIds as string[];
    const progress = async (goalId: string, status: string) =>
      expect(
        (await api.call('POST', `${base}/goals/${goalId}/progress`, cm, { status, note: 'n' })).status,
      ).toBe(201);
    await progress(goalIds[0]!, 'in_progress');
    await progress(goalIds[2]!, 'achieved');

    const housing = await createProvider(stack.db.pool, 'Harbor Housing');
    const jobs = await createProvider(stack.db.pool, 'Jobs Now');
    const referrals: Record<string, string> = {};
    const route: Record<string, string[]> = {
      sent: [],
      accepted: ['accepted'],
      scheduled: ['scheduled'],
      completed: ['accepted', 'completed'],
      declined: ['declined'],
      no_show: ['scheduled', 'no_show'],
      cancelled: ['cancelled'],
    };
    for (const [status, updates] of Object.entries(route)) {
      const made = await api.call('POST', `${base}/referrals`, cm, {
        providerId: status === 'declined' ? jobs.id : housing.id,
        service: `Service ${status}`,
        reason: 'Needs help',
      });
      expect(made.status).toBe(201);
      referrals[status] = made.body.id as string;
      for (const u of updates)
        expect(
          (await api.call('POST', `${base}/referrals/${made.body.id}/updates`, cm, { status: u })).status,
        ).toBe(201);
    }

    const appointment = async (days: number) => {
      const res = await api.call('POST', `${base}/appointments`, cm, {
        startsAt: new Date(t0 + days * DAY).toISOString(),
        durationMinutes: 60,
        mode: days === 3 ? 'phone' : 'in_person',
        location: 'Office',
        attendeeIds: [team.caseManager.id],
      });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const appointments = {
      attended: await appointment(1),
      missed: await appointment(2),
      cancelled: await appointment(3),
      planned: await appointment(30),
    };
    expect(
      (await api.call('POST', `${base}/appointments/${appointments.cancelled}/cancel`, cm, { by: 'client' }))
        .status,
    ).toBe(200);
    await skipTo(env, t0 + 2 * DAY + 2 * HOUR);
    const attend = async (id: string, attendance: string) =>
      expect(
        (await api.call('POST', `${base}/appointments/${id}/attendance`, cm, { attendance })).status,
      ).toBe(200);
    await attend(appointments.attended, 'attended');
    await attend(appointments.missed, 'no_show');
    return {
      team,
      caseId,
      base,
      planId: plan.body.planId as string,
      goalIds,
      referrals,
      appointments,
      housing,
      jobs,
    };
  }

  /**
   * The statuses a few real cases cannot all reach at once (a plan on hold, closed, superseded or
   * not yet agreed; dropped and unmet goals; every appointment outcome), mapped by the same code
   * from made-up records, so the validator sees every value the mapping can produce.
   */
  function everyStatus(): Bundle[] {
    const id = () => randomUUID();
    const clientId = id();
    const staffId = id();
    const provider = { id: id(), organisation: 'Provider & Sons <Ltd>' };
    const goals = ['not_started', 'in_progress', 'achieved', 'not_achieved', 'dropped'].map((status) => ({
      id: id(),
      domain: 'housing',
      description: `Goal ${status}`,
      measure: 'Measure',
      target: status === 'achieved' ? 'Done' : null,
      targetDate: '2027-01-31',
      status,
      statusAt: status === 'not_started' ? null : '2026-11-01T10:00:00.000Z',
    }));
    const referrals = ['sent', 'accepted', 'scheduled', 'completed', 'declined', 'no_show', 'cancelled'].map(
      (status) => ({
        id: id(),
        provider,
        service: 'Shelter',
        reason: 'Needs a bed',
        status,
        sentAt: '2026-11-01T10:00:00.000Z',
        createdBy: staffId,
        updatedAt: '2026-11-02T10:00:00.000Z',
      }),
    );
    const appointments = (
      ['scheduled', 'attended', 'no_show', 'cancelled_by_client', 'cancelled_by_agency'] as const
    ).map((status, i) => ({
      id: id(),
      startsAt: '2026-11-03T10:00:00.000Z',
      endsAt: '2026-11-03T11:00:00.000Z',
      mode: (['in_person', 'phone', 'video'] as const)[i % 3]!,
      attendeeIds: [staffId],
      status,
    }));
    const variants: [string, string][] = [
      ['approved', 'active'],
      ['approved', 'on_hold'],
      ['approved', 'closed'],
      ['superseded', 'active'],
      ['draft', 'planning'],
      ['submitted', 'planning'],
      ['returned', 'planning'],
    ];
    return variants.map(([planStatus, caseStatus]) => {
      const src: CaseRecordsSource = {
        caseId: id(),
        reference: 'C-1',
        caseStatus,
        caseManagerId: staffId,
        client: {
          kind: 'full',
          id: clientId,
          initials: 'A. B.',
          givenName: 'Ana',
          familyName: 'Bell',
          birthDate: '1980-01-01',
          email: 'ana@example.org',
          phone: '+1 555 0100',
          address: '1 Main St',
          preferredLanguage: 'Spanish',
        },
        plan: {
          id: id(),
          version: 2,
          status: planStatus,
          summary: 'Plan',
          createdBy: staffId,
          createdAt: '2026-10-01T10:00:00.000Z',
          decidedAt: planStatus === 'approved' ? '2026-10-02T10:00:00.000Z' : null,
          goals,
        },
        referrals,
        appointments,
        staff: [{ id: staffId, fullName: 'Casey Manager' }],
      };
      return caseBundle(src, new Date());
    });
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-export-'));
  /** Every file written for the validator, validated together at the end of the file's first test. */
  function writeAll(name: string, bundle: Bundle): string[] {
    const files = [path.join(dir, `${name}.bundle.json`)];
    fs.writeFileSync(files[0]!, JSON.stringify(bundle));
    for (const e of bundle.entry) {
      const f = path.join(dir, `${name}.${e.resource.resourceType}.${e.resource.id}.json`);
      fs.writeFileSync(f, JSON.stringify(e.resource));
      files.push(f);
    }
    return files;
  }
  const issuesOf = (v: FhirValidation, severities: string[]) =>
    v.issues.filter((i) => severities.includes(i.severity)).map((i) => `${i.location}: ${i.message}`);
  const errorsOf = (v: FhirValidation) => issuesOf(v, ['error', 'fatal']);

  it('when a case with a plan, goals, referrals and appointments is exported, then every resource is valid FHIR R4 and says what the records say', async () => {
    const c = await richCase();
    const res = await stack.api.call('GET', `${c.base}/fhir`, c.team.caseManager.token);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/fhir\+json/);
    const bundle = res.body as Bundle;
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    const byId = new Map(bundle.entry.map((e) => [e.resource.id, e.resource]));
    for (const e of bundle.entry) expect(e.fullUrl).toBe(`urn:uuid:${e.resource.id}`);
    const ofType = (t: string) => bundle.entry.map((e) => e.resource).filter((r) => r.resourceType === t);

    // Patient: the case manager may see the client, so the name and birth date are there.
    const [patient] = ofType('Patient');
    expect(patient).toMatchObject({
      name: [{ family: 'Rivera', given: ['Jordan'], text: 'Jordan Rivera' }],
      birthDate: '1990-04-02',
    });
    const patientRef = `urn:uuid:${patient!.id}`;

    // CarePlan: the approved plan is active, refers to its goals and to each referral.
    const carePlan = byId.get(c.planId)!;
    expect(carePlan).toMatchObject({ resourceType: 'CarePlan', status: 'active', intent: 'plan' });
    expect(carePlan.subject.reference).toBe(patientRef);
    expect(carePlan.goal.map((g: { reference: string }) => g.reference).sort()).toEqual(
      c.goalIds.map((id) => `urn:uuid:${id}`).sort(),
    );
    expect(carePlan.activity).toHaveLength(7);

    // Goals: due dates from the SMART goals' target dates, statuses from progress.
    const goal = (i: number) => byId.get(c.goalIds[i]!)!;
    expect(goal(0)).toMatchObject({
      lifecycleStatus: 'active',
      achievementStatus: { coding: [{ code: 'in-progress' }] },
      description: { text: 'Stable tenancy' },
      target: [{ measure: { text: 'Lease signed' }, dueDate: '2027-03-01' }],
    });
    expect(goal(1)).toMatchObject({
      lifecycleStatus: 'accepted',
      target: [{ measure: { text: 'Hours worked a week' }, detailString: '20', dueDate: '2027-06-30' }],
    });
    expect(goal(1).achievementStatus).toBeUndefined();
    expect(goal(2)).toMatchObject({
      lifecycleStatus: 'completed',
      achievementStatus: { coding: [{ code: 'achieved' }] },
      target: [{ dueDate: '2027-02-01' }],
    });

    // Referrals: ServiceRequest and Task statuses as the Gravity SDOH referral pattern tracks them.
    const expected: Record<string, [string, string]> = {
      sent: ['active', 'requested'],
      accepted: ['active', 'accepted'],
      scheduled: ['active', 'in-progress'],
      completed: ['completed', 'completed'],
      declined: ['revoked', 'rejected'],
      no_show: ['revoked', 'failed'],
      cancelled: ['revoked', 'cancelled'],
    };
    for (const [status, [srStatus, taskStatus]] of Object.entries(expected)) {
      const referralId = c.referrals[status]!;
      const sr = byId.get(referralId)!;
      const task = byId.get(referralTaskId(referralId))!;
      const provider = status === 'declined' ? c.jobs : c.housing;
      expect({ status, sr: sr.status, task: task.status }).toEqual({
        status,
        sr: srStatus,
        task: taskStatus,
      });
      expect(sr).toMatchObject({
        resourceType: 'ServiceRequest',
        intent: 'order',
        code: { text: `Service ${status}` },
      });
      expect(task).toMatchObject({
        resourceType: 'Task',
        intent: 'order',
        focus: { reference: `urn:uuid:${referralId}` },
        for: { reference: patientRef },
        owner: { reference: `urn:uuid:${provider.id}` },
      });
      expect(byId.get(provider.id)).toMatchObject({
        resourceType: 'Organization',
        name: provider.organisation,
      });
    }
    expect(ofType('Organization')).toHaveLength(2);

    // Encounters: planned, finished, cancelled from attendance.
    expect(byId.get(c.appointments.attended)).toMatchObject({
      resourceType: 'Encounter',
      status: 'finished',
    });
    expect(byId.get(c.appointments.missed)).toMatchObject({ status: 'cancelled' });
    expect(byId.get(c.appointments.cancelled)).toMatchObject({ status: 'cancelled', class: { code: 'VR' } });
    expect(byId.get(c.appointments.planned)).toMatchObject({ status: 'planned', class: { code: 'AMB' } });

    // The case manager as a Practitioner, referenced by every participant.
    expect(byId.get(c.team.caseManager.id)).toMatchObject({ resourceType: 'Practitioner' });

    // Nothing the export has no place for leaks: notes, the referral's provider email, assessment scores.
    const text = JSON.stringify(bundle);
    expect(text).not.toMatch(/provider\.test|"scores"|Office/);

    // The same case exported twice names the same resources the same way.
    const again = (await stack.api.call('GET', `${c.base}/fhir`, c.team.caseManager.token)).body as Bundle;
    expect(again.entry.map((e) => e.fullUrl)).toEqual(bundle.entry.map((e) => e.fullUrl));

    // Initials only: a copy to share carries no name, birth date or contact details.
    const initials = await stack.api.call('GET', `${c.base}/fhir?initials=true`, c.team.supervisor.token);
    expect(initials.status).toBe(200);
    const anonymous = (initials.body as Bundle).entry.find(
      (e) => e.resource.resourceType === 'Patient',
    )!.resource;
    expect(anonymous).toEqual({
      resourceType: 'Patient',
      id: patient!.id,
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Client J. R.</div>' },
      name: [{ use: 'anonymous', text: 'J. R.' }],
    });
    expect(JSON.stringify(initials.body)).not.toMatch(/Jordan|Rivera|1990-04-02/);

    // A broken copy: the validator must say so (it is not a no-op).
    const broken = structuredClone(bundle);
    const brokenTask = broken.entry.find((e) => e.resource.resourceType === 'Task')!.resource;
    brokenTask.status = 'waiting-for-godot';
    const brokenEncounter = broken.entry.find((e) => e.resource.resourceType === 'Encounter')!.resource;
    delete brokenEncounter.class;

    const files = [
      ...writeAll('full', bundle),
      ...writeAll('initials', initials.body as Bundle),
      ...everyStatus().flatMap((b, i) => writeAll(`every-status-${i}`, b)),
    ];
    const brokenFile = path.join(dir, 'broken.bundle.json');
    fs.writeFileSync(brokenFile, JSON.stringify(broken));
    const results = await validateFhirFiles([...files, brokenFile]);
    expect(results).toHaveLength(files.length + 1);
    // Not an error, and not even a warning (every resource carries a narrative, dom-6).
    const problems = results
      .slice(0, -1)
      .flatMap((r) => issuesOf(r, ['error', 'fatal', 'warning']).map((e) => `${path.basename(r.file)} ${e}`));
    expect(problems).toEqual([]);
    const brokenErrors = errorsOf(results.at(-1)!).join('\n');
    expect(brokenErrors).toMatch(/waiting-for-godot/);
    expect(brokenErrors).toMatch(/Encounter.*class/i);
  }, 180_000);

  it('when the export is read, then each record it shows is audited like the case detail and the other reads', async () => {
    const c = await richCase();
    const lastAudit = async () =>
      (await stack.db.pool.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM audit_log'))
        .rows[0]!.id;
    const since = await lastAudit();
    const { supervisor } = c.team;
    expect((await stack.api.call('GET', `${c.base}/fhir`, supervisor.token)).status).toBe(200);
    const audited = await stack.db.pool.query<{ entity: string; entity_id: string; detail: unknown }>(
      `SELECT entity, entity_id, detail FROM audit_log WHERE actor_id = $1 AND action = 'read' AND id > $2`,
      [supervisor.id, since],
    );
    const entities = audited.rows.map((r) => r.entity);
    expect(entities).toEqual(
      expect.arrayContaining(['case', 'client', 'service_plan', 'referral', 'appointment']),
    );
    expect(audited.rows.find((r) => r.entity === 'case')).toMatchObject({
      entity_id: c.caseId,
      detail: { format: 'fhir' },
    });
    expect(entities.filter((e) => e === 'referral')).toHaveLength(7);

    // Initials only is not a read of the client's record.
    const later = await lastAudit();
    expect((await stack.api.call('GET', `${c.base}/fhir?initials=true`, supervisor.token)).status).toBe(200);
    const clientReads = await stack.db.pool.query(
      `SELECT 1 FROM audit_log WHERE actor_id = $1 AND entity = 'client' AND id > $2`,
      [supervisor.id, later],
    );
    expect(clientReads.rowCount).toBe(0);
  }, 180_000);

  it('when the case does not exist, may not be seen, or the id or query is malformed, then the answer is a problem+json 4xx', async () => {
    const { api } = stack;
    const team = await createTeam(stack.db.pool);
    const { base } = await caseSteps(api).intake(team);
    const other = await createTeam(stack.db.pool);
    const cases: [string, string | undefined, number][] = [
      [`/api/v1/cases/${randomUUID()}/fhir`, team.caseManager.token, 404],
      [`${base}/fhir`, other.caseManager.token, 404],
      [`${base}/fhir`, other.programManager.token, 404],
      ['/api/v1/cases/not-a-uuid/fhir', team.caseManager.token, 400],
      [`${base}/fhir?initials=perhaps`, team.caseManager.token, 400],
      [`${base}/fhir?colour=red`, team.caseManager.token, 400],
      [`${base}/fhir`, undefined, 401],
    ];
    for (const [url, token, status] of cases) {
      const res = await api.call('GET', url, token);
      expect({ url, status: res.status }).toEqual({ url, status });
      expect(res.type).toMatch(/application\/problem\+json/);
    }
    // A case with nothing on it yet is still a valid bundle: just its Patient and case manager.
    const bare = await api.call('GET', `${base}/fhir`, team.programManager.token);
    expect(bare.status).toBe(200);
    expect((bare.body as Bundle).entry.map((e) => e.resource.resourceType)).toEqual([
      'Patient',
      'Practitioner',
    ]);
  });
});
