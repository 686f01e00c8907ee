import { createProjectCaseSchedule } from '../../src/activities/projection';
import type { ProjectedObligation } from '../../src/activities/types';
import { DEFAULT_POLICY } from '../../src/core/policy';
import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { createCaseRow, createProgram, createStaff, createTeam } from '../helpers/fixtures';
import { settle } from '../helpers/settle';
import { startTestStack, type TestStack } from '../helpers/stack';

const uniq = (): string => Math.random().toString(36).slice(2, 8);

/**
 * My work and the caseload read the due times the case workflows derived and projected into
 * PostgreSQL (case_obligations): overdue, due today and due this week in the viewer's own time
 * zone, across the cases the viewer may see; and the caseload's filters, sorts, search and pages.
 */
describe('My work and the caseload', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack('my-work-test');
  });
  afterAll(() => stack?.stop());

  type Team = Awaited<ReturnType<typeof createTeam>>;
  type Item = { caseReference: string; obligationKind: string; dueAt: string; dueDate: string };

  /** Opens a case through the API in a program whose initial assessment is due `due` after intake. */
  async function caseDueAfter(team: Team, due: string, client = { givenName: 'Ada', familyName: 'Quist' }) {
    const programId = await createProgram(stack.db.pool, {
      programManagerId: team.programManager.id,
      policy: { ...DEFAULT_POLICY, initialAssessmentDue: due },
    });
    const res = await stack.api.call('POST', '/api/v1/cases', team.caseManager.token, {
      programId,
      caseManagerId: team.caseManager.id,
      client,
    });
    expect(res.status).toBe(201);
    return { caseId: res.body.id as string, reference: res.body.reference as string, programId };
  }

  async function workOf(token: string) {
    const res = await stack.api.call('GET', '/api/v1/me/work', token);
    expect(res.status).toBe(200);
    return res.body as { timeZone: string; overdue: Item[]; today: Item[]; thisWeek: Item[] };
  }

  const refs = (items: Item[]) => items.map((i) => i.caseReference);

  it('when a case is opened and then assessed, then its workflow projects exactly the obligations its schedule holds, with the same due times', async () => {
    const { api, db, env } = stack;
    const team = await createTeam(db.pool);
    await startOn(env, 'Tue', '10:00');
    const { caseId } = await caseDueAfter(team, 'P14D');
    await settle(stack, caseId);
    const rows = async () =>
      (
        await db.pool.query<{ obligation_kind: string; due_at: Date; running: boolean }>(
          'SELECT obligation_kind, due_at, running FROM case_obligations WHERE case_id = $1 ORDER BY due_at',
          [caseId],
        )
      ).rows.map((r) => ({ kind: r.obligation_kind, dueAt: r.due_at.toISOString(), running: r.running }));
    const open = async () =>
      (
        (await api.call('GET', `/api/v1/cases/${caseId}`, team.caseManager.token)).body.schedule
          .obligations as {
          kind: string;
          dueAt: string;
          metAt?: string;
        }[]
      )
        .filter((o) => !o.metAt)
        .map((o) => ({ kind: o.kind, dueAt: o.dueAt, running: true }));

    expect(await rows()).toEqual([expect.objectContaining({ kind: 'initial_assessment' })]);
    expect(await rows()).toEqual(await open());

    const assessed = await api.call('POST', `/api/v1/cases/${caseId}/assessments`, team.caseManager.token, {
      kind: 'initial',
      scores: { housing: 3 },
    });
    expect(assessed.status).toBe(201);
    await settle(stack, caseId);
    // The assessment met the first obligation and opened the plan and the next reassessment.
    expect((await rows()).map((r) => r.kind).sort()).toEqual(['reassessment', 'service_plan']);
    expect(await rows()).toEqual(await open());

    // On hold, its clocks are paused: still owed, no longer running, so not on anyone's list.
    expect(
      (
        await api.call('POST', `/api/v1/cases/${caseId}/hold`, team.caseManager.token, {
          reason: 'In hospital',
        })
      ).status,
    ).toBe(200);
    await settle(stack, caseId);
    expect(await rows()).toEqual((await open()).map((o) => ({ ...o, running: false })));
    expect((await workOf(team.caseManager.token)).thisWeek).toEqual([]);
  });

  it("when a case manager's cases are overdue, due today, in 5 days and in 3 weeks, then My work groups them, most urgent first, and never shows another case manager's case", async () => {
    const { db, env } = stack;
    const team = await createTeam(db.pool);
    const other = await createTeam(db.pool);
    const t0 = await startOn(env, 'Tue', '10:00');
    const threeWeeks = await caseDueAfter(team, 'PT504H');
    const fiveDays = await caseDueAfter(team, 'PT125H');
    const laterToday = await caseDueAfter(team, 'PT8H');
    const overdueLess = await caseDueAfter(team, 'PT2H');
    const overdueMost = await caseDueAfter(team, 'PT1H');
    const someoneElses = await caseDueAfter(other, 'PT1H');
    await skipTo(env, t0 + 3 * HOUR);
    for (const c of [threeWeeks, fiveDays, laterToday, overdueLess, overdueMost, someoneElses])
      await settle(stack, c.caseId);

    const mine = await workOf(team.caseManager.token);
    expect(mine.timeZone).toBe('UTC');
    expect(refs(mine.overdue)).toEqual([overdueMost.reference, overdueLess.reference]);
    expect(refs(mine.today)).toEqual([laterToday.reference]);
    expect(refs(mine.thisWeek)).toEqual([fiveDays.reference]);
    expect([...mine.overdue, ...mine.today, ...mine.thisWeek]).toEqual(
      Array(4).fill(
        expect.objectContaining({
          obligationKind: 'initial_assessment',
          clientInitials: 'A. Q.',
          escalationLevel: 0,
          owner: 'case_manager',
        }),
      ),
    );

    // The supervisor sees the team's work; the other case manager only their own.
    const supervisor = await workOf(team.supervisor.token);
    expect(refs(supervisor.overdue)).toEqual([overdueMost.reference, overdueLess.reference]);
    const theirs = await workOf(other.caseManager.token);
    expect([refs(theirs.overdue), refs(theirs.today), refs(theirs.thisWeek)]).toEqual([
      [someoneElses.reference],
      [],
      [],
    ]);

    // Every case shown is in the audit log as read by the person who opened My work.
    const audited = await db.pool.query<{ entity_id: string }>(
      `SELECT entity_id FROM audit_log WHERE actor_id = $1 AND action = 'read' AND entity = 'case' AND detail->>'work' = 'true'`,
      [team.caseManager.id],
    );
    expect(new Set(audited.rows.map((r) => r.entity_id))).toEqual(
      new Set([overdueMost, overdueLess, laterToday, fiveDays].map((c) => c.caseId)),
    );

    // Three weeks on, what was three weeks away is overdue too (its due time, not a new one).
    await skipTo(env, t0 + 22 * DAY);
    await settle(stack, threeWeeks.caseId);
    const later = await workOf(team.caseManager.token);
    expect(refs(later.overdue)).toEqual([
      overdueMost.reference,
      overdueLess.reference,
      laterToday.reference,
      fiveDays.reference,
      threeWeeks.reference,
    ]);
  });

  it('when something falls due at 23:30 UTC, then it is due today for a viewer in UTC or New York and tomorrow (this week) for one in Berlin', async () => {
    const { db, env } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Tue', '10:00');
    const lateEvening = await caseDueAfter(team, 'PT13H30M');
    await skipTo(env, t0 + 3 * HOUR);
    await settle(stack, lateEvening.caseId);
    const viewIn = async (zone: string) => {
      await db.pool.query('UPDATE staff SET time_zone = $2 WHERE id = $1', [team.caseManager.id, zone]);
      return workOf(team.caseManager.token);
    };

    const utc = await viewIn('UTC');
    expect(utc.today.map((i) => i.dueAt.slice(11, 16))).toEqual(['23:29']);
    expect(utc.thisWeek).toEqual([]);

    const newYork = await viewIn('America/New_York');
    expect(newYork.timeZone).toBe('America/New_York');
    expect(refs(newYork.today)).toEqual([lateEvening.reference]);

    const berlin = await viewIn('Europe/Berlin');
    expect(berlin.today).toEqual([]);
    expect(berlin.thisWeek).toEqual([expect.objectContaining({ caseReference: lateEvening.reference })]);
    const tomorrow = new Date(t0 + DAY).toISOString().slice(0, 10);
    expect(berlin.thisWeek[0]!.dueDate).toBe(tomorrow);
    expect(utc.today[0]!.dueDate).toBe(new Date(t0).toISOString().slice(0, 10));
  });

  describe('the caseload (GET /cases)', () => {
    /** Cases written directly with their obligations projected as a workflow would write them. */
    async function caseload() {
      const { db, env } = stack;
      const pool = db.pool;
      const team = await createTeam(pool);
      const secondProgram = await createProgram(pool, {
        programManagerId: team.programManager.id,
        name: `Youth ${uniq()}`,
      });
      const project = createProjectCaseSchedule({ pool });
      const now = await env.currentTimeMs();
      const cases: { id: string; reference: string; name: string }[] = [];
      const add = async (
        name: [string, string],
        opts: {
          risk?: string;
          status?: string;
          program?: string;
          due?: { kind: string; in: number; running?: boolean }[];
        },
      ) => {
        const c = await createCaseRow(
          pool,
          { ...team, programId: opts.program ?? team.programId },
          { givenName: name[0], familyName: name[1] },
        );
        await pool.query('UPDATE cases SET risk_level = $2 WHERE id = $1', [c.id, opts.risk ?? 'medium']);
        const obligations: ProjectedObligation[] = (opts.due ?? []).map((d, i) => ({
          id: `${d.kind}-${i}`,
          kind: d.kind as ProjectedObligation['kind'],
          dueAt: new Date(now + d.in).toISOString(),
          running: d.running ?? true,
          escalationLevel: 0,
          acknowledged: false,
        }));
        await project({
          caseId: c.id,
          version: 1,
          status: (opts.status ?? 'active') as 'active',
          nextDueAt: null,
          nextDueKind: null,
          overdueCount: 0,
          escalationLevel: 0,
          decisions: [],
          obligations,
        });
        cases.push({ ...c, name: name.join(' ') });
        return c;
      };
      const overdueHigh = await add(['Mira', 'Sandoval'], {
        risk: 'high',
        due: [
          { kind: 'reassessment', in: -2 * DAY },
          { kind: 'referral_response', in: -1 * DAY },
          { kind: 'goal_target', in: 10 * DAY },
        ],
      });
      const soon = await add(['Jon', 'Rivera'], { due: [{ kind: 'service_plan', in: 2 * DAY }] });
      const later = await add(['Ana', 'Park'], {
        risk: 'low',
        program: secondProgram,
        due: [{ kind: 'reassessment', in: 20 * DAY }],
      });
      const onHold = await add(['Lee', 'Sandberg'], {
        status: 'on_hold',
        due: [{ kind: 'service_plan', in: -5 * DAY, running: false }],
      });
      const closed = await add(['Sam', 'Oduya'], { status: 'closed', risk: 'high' });
      const other = await createTeam(pool);
      const notMine = await createCaseRow(pool, other, { givenName: 'Mira', familyName: 'Sandoval' });
      return { team, cases, overdueHigh, soon, later, onHold, closed, notMine, secondProgram };
    }

    const list = async (token: string, query: string) => {
      const res = await stack.api.call('GET', `/api/v1/cases?${query}`, token);
      if (res.status !== 200)
        throw new Error(`GET /cases?${query} answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body as {
        items: {
          id: string;
          reference: string;
          client: { initials: string };
          programName: string;
          overdueNow: number;
          nextObligation: { obligationKind: string; dueAt: string } | null;
        }[];
        nextCursor: string | null;
        page: { number: number; size: number; total: number; nextPage: number | null } | null;
      };
    };
    const ids = (body: { items: { id: string }[] }) => body.items.map((i) => i.id);

    it('when sorted by next due, risk, reference or status, then the order is the one asked for and each case carries its initials, program, next due and overdue count', async () => {
      const f = await caseload();
      const token = f.team.caseManager.token;
      const byDue = await list(token, 'sort=next_due&status=open');
      // Soonest due first (overdue ones are soonest); paused and nothing-due cases last.
      expect(ids(byDue)).toEqual([f.overdueHigh.id, f.soon.id, f.later.id, f.onHold.id]);
      expect(byDue.items[0]).toEqual(
        expect.objectContaining({
          client: { initials: 'M. S.' },
          overdueNow: 2,
          nextObligation: expect.objectContaining({ obligationKind: 'reassessment' }),
        }),
      );
      expect(byDue.items[2]!.programName).toMatch(/^Youth /);
      expect(byDue.items[3]).toEqual(expect.objectContaining({ overdueNow: 0, nextObligation: null }));
      expect(byDue.page).toEqual({ number: 1, size: 25, total: 4, nextPage: null });

      expect(ids(await list(token, 'sort=risk&status=open'))).toEqual([
        f.overdueHigh.id,
        f.soon.id,
        f.onHold.id,
        f.later.id,
      ]);
      expect(ids(await list(token, 'sort=reference'))).toEqual(f.cases.map((c) => c.id));
      expect(ids(await list(token, 'sort=status'))).toEqual([
        f.overdueHigh.id,
        f.soon.id,
        f.later.id,
        f.onHold.id,
        f.closed.id,
      ]);
      // Another case manager's cases never appear, whatever the order.
      expect(ids(await list(token, 'sort=reference'))).not.toContain(f.notMine.id);
    });

    it('when filtered by status, risk, program or overdue work, then only the matching cases come back', async () => {
      const f = await caseload();
      const token = f.team.caseManager.token;
      expect(ids(await list(token, 'sort=reference&status=on_hold'))).toEqual([f.onHold.id]);
      expect(ids(await list(token, 'sort=reference&status=closed'))).toEqual([f.closed.id]);
      expect(ids(await list(token, 'sort=reference&risk=high'))).toEqual([f.overdueHigh.id, f.closed.id]);
      expect(ids(await list(token, 'sort=reference&risk=high&status=open'))).toEqual([f.overdueHigh.id]);
      expect(ids(await list(token, `sort=reference&programId=${f.secondProgram}`))).toEqual([f.later.id]);
      // Overdue means a running obligation past its due time: the paused one on hold does not count.
      expect(ids(await list(token, 'sort=reference&overdue=true'))).toEqual([f.overdueHigh.id]);
      // Not overdue: every other case, one that owes nothing (closed) included; newest first agrees.
      expect(ids(await list(token, 'sort=reference&overdue=false'))).toEqual(
        f.cases.map((c) => c.id).filter((id) => id !== f.overdueHigh.id),
      );
      expect(ids(await list(token, 'overdue=true'))).toEqual([f.overdueHigh.id]);
    });

    it('when a client is searched for by name, initials or case reference, then their cases are found (and only those the viewer may see), and the search is audited', async () => {
      const f = await caseload();
      const token = f.team.caseManager.token;
      const found = async (q: string) => ids(await list(token, `sort=reference&q=${encodeURIComponent(q)}`));
      expect(await found('sand')).toEqual([f.overdueHigh.id, f.onHold.id]);
      expect(await found('Mira Sand')).toEqual([f.overdueHigh.id]);
      expect(await found('rivera')).toEqual([f.soon.id]);
      expect(await found('M. S.')).toEqual([f.overdueHigh.id]);
      expect(await found('ms')).toEqual([f.overdueHigh.id]);
      expect(await found(f.later.reference)).toEqual([f.later.id]);
      expect(await found(f.later.reference.slice(2))).toEqual([f.later.id]);
      expect(await found("O'Brien%_")).toEqual([]);
      const audited = await stack.db.pool.query<{ entity_id: string }>(
        `SELECT entity_id FROM audit_log WHERE actor_id = $1 AND entity = 'case' AND detail->>'search' = 'true'`,
        [f.team.caseManager.id],
      );
      expect(audited.rows.map((r) => r.entity_id)).toContain(f.overdueHigh.id);
      expect(audited.rows.map((r) => r.entity_id)).not.toContain(f.notMine.id);
    });

    it('when the caseload is paged, then the pages together are the whole list in order, and a cursor with another order is refused', async () => {
      const f = await caseload();
      const token = f.team.caseManager.token;
      const all = ids(await list(token, 'sort=reference'));
      const pages: string[][] = [];
      for (let page: number | null = 1; page !== null;) {
        const body = await list(token, `sort=reference&limit=2&page=${page}`);
        expect(body.page!.total).toBe(5);
        pages.push(ids(body));
        page = body.page!.nextPage;
      }
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(pages.flat()).toEqual(all);

      // Newest first without a page still pages by cursor, as before.
      const first = await list(token, 'limit=2');
      expect(first.page).toBeNull();
      expect(first.nextCursor).toEqual(expect.any(String));
      const refused = await stack.api.call(
        'GET',
        `/api/v1/cases?sort=reference&cursor=${first.nextCursor}`,
        token,
      );
      expect(refused.status).toBe(422);
    });
  });

  it('when a staff member has no work due, then My work says so with empty groups', async () => {
    const lonely = await createStaff(stack.db.pool, 'case_manager');
    const work = await workOf(lonely.token);
    expect([work.overdue, work.today, work.thisWeek]).toEqual([[], [], []]);
  });
});
