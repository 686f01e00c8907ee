import type { Client } from '@temporalio/client';
import { exportCaseload, type CaseExportRow } from '../../src/domain/case-export';
import { startTestApi, type TestApi } from '../helpers/api';
import { csvBytes, parseCsv, UTF8_BOM_BYTES } from '../helpers/csv';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createCaseRow, createProgram, createStaff, type StaffFixture } from '../helpers/fixtures';
import { signedInAs } from '../helpers/sessions';

/**
 * The CSV exports against real PostgreSQL: cases and the schedule their workflows projected
 * (case_obligations) are written directly with controlled times, so every cell has one right
 * answer; the CSV is read back with a real parser (csv-parse), as a spreadsheet would.
 */
describe('CSV exports: caseload, program schedule and report tables', () => {
  const now = new Date('2026-12-02T12:00:00Z');
  let db: TestDatabase;
  let api: TestApi;
  let admin: StaffFixture;
  let pm: StaffFixture;
  let otherPm: StaffFixture;
  let sup1: StaffFixture;
  let sup2: StaffFixture;
  let cm1: StaffFixture;
  let cm2: StaffFixture;
  let cm3: StaffFixture;
  let programId: string;
  let otherProgramId: string;
  const PROGRAM = '@Housing, "North"';
  const refs: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db.pool, {} as Client, 'exports-test', () => now);
    const pool = db.pool;
    admin = await createStaff(pool, 'admin');
    pm = await createStaff(pool, 'program_manager', { timeZone: 'Asia/Kolkata', name: 'Priya Program' });
    otherPm = await createStaff(pool, 'program_manager');
    sup1 = await createStaff(pool, 'supervisor', { name: '-Sam Dash' });
    sup2 = await createStaff(pool, 'supervisor', { name: 'Sue Other' });
    cm1 = await createStaff(pool, 'case_manager', {
      supervisorId: sup1.id,
      timeZone: 'America/New_York',
      name: '+Casey Plus',
    });
    cm2 = await createStaff(pool, 'case_manager', { supervisorId: sup1.id, name: 'Cam Two' });
    cm3 = await createStaff(pool, 'case_manager', { supervisorId: sup2.id, name: 'Cleo Three' });
    programId = await createProgram(pool, { programManagerId: pm.id, name: PROGRAM });
    otherProgramId = await createProgram(pool, { programManagerId: otherPm.id });

    const open = async (
      key: string,
      caseManager: StaffFixture,
      supervisor: StaffFixture,
      client: { givenName: string; familyName: string },
      set: { status?: string; risk?: string; openedAt: string; program?: string },
    ) => {
      const c = await createCaseRow(
        pool,
        { programId: set.program ?? programId, caseManager, supervisor },
        client,
      );
      await pool.query(
        `UPDATE cases SET status = $2, risk_level = $3, opened_at = $4, obligations_projected_at = $5 WHERE id = $1`,
        [c.id, set.status ?? 'assessment', set.risk ?? 'medium', set.openedAt, now],
      );
      refs[key] = c.reference;
      ids[key] = c.id;
    };
    // A name with a comma, quotes, a line break and letters beyond ASCII; one that is a formula.
    const cases: [string, StaffFixture, StaffFixture, string, string, Parameters<typeof open>[4]][] = [
      ['c1', cm1, sup1, 'Zoë', 'Müller,\n"Jr."', { openedAt: '2026-11-01T03:00:00Z' }],
      [
        'c2',
        cm1,
        sup1,
        '=HYPERLINK("http://evil.example","x")',
        'Smith',
        { status: 'active', risk: 'high', openedAt: '2026-11-15T12:00:00Z' },
      ],
      ['c3', cm2, sup1, 'Ann', 'Other', { status: 'planning', openedAt: '2026-11-20T12:00:00Z' }],
      ['c4', cm3, sup2, 'Bea', 'Elsewhere', { openedAt: '2026-11-21T12:00:00Z' }],
      ['c5', cm1, sup1, 'Cal', 'Closed', { status: 'closed', openedAt: '2026-10-01T12:00:00Z' }],
      ['c6', cm1, sup1, 'Dee', 'Elsewhere', { openedAt: '2026-11-22T12:00:00Z', program: otherProgramId }],
    ];
    for (const [key, cm, sup, givenName, familyName, set] of cases)
      await open(key, cm, sup, { givenName, familyName }, set);

    const obligation = (key: string, id: string, kind: string, dueAt: string, assignee?: string) =>
      pool.query(
        `INSERT INTO case_obligations (case_id, obligation_id, obligation_kind, due_at, running, assignee_id)
         VALUES ($1, $2, $3, $4, true, $5)`,
        [ids[key], id, kind, dueAt, assignee ?? null],
      );
    await obligation('c1', 'initial-assessment-1', 'initial_assessment', '2026-11-30T15:00:00Z');
    await obligation('c1', 'task-2', 'task', '2026-12-10T14:30:00Z', sup1.id);
    await obligation('c2', 'reassessment-3', 'reassessment', '2026-12-05T09:00:00Z');
    await obligation('c3', 'plan-approval-4', 'plan_approval', '2026-12-03T10:00:00Z');
    await obligation('c4', 'initial-assessment-5', 'initial_assessment', '2026-12-01T10:00:00Z');
    // A stale row of a closed case: a closed case owes nothing, and the schedule export says so.
    await obligation('c5', 'reassessment-6', 'reassessment', '2026-12-04T10:00:00Z');
    await obligation('c6', 'initial-assessment-7', 'initial_assessment', '2026-12-06T10:00:00Z');
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const download = async (who: StaffFixture, path: string) =>
    fetch(`${api.base}${path}`, {
      headers: { cookie: (await signedInAs(db.pool, who)).cookie },
      redirect: 'manual',
    });
  const exportsBy = async (who: StaffFixture) =>
    (
      await db.pool.query<{ entity: string; entity_id: string | null; detail: Record<string, unknown> }>(
        `SELECT entity, entity_id, detail FROM audit_log WHERE actor_id = $1 AND action = 'export' ORDER BY id`,
        [who.id],
      )
    ).rows;
  /** The audit log refuses DELETE: each test compares what its exports added after this mark. */
  const clearAudit = async () =>
    (await db.pool.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM audit_log')).rows[0]!
      .id;
  const exportsSince = async (who: StaffFixture, since: string) =>
    (
      await db.pool.query<{
        entity: string;
        entity_id: string | null;
        case_id: string | null;
        detail: Record<string, unknown>;
      }>(
        `SELECT entity, entity_id, case_id, detail FROM audit_log
          WHERE actor_id = $1 AND action = 'export' AND id > $2 ORDER BY id`,
        [who.id, since],
      )
    ).rows;

  /** The parsed CSV, after checking what every export carries: headers, BOM, CRLF. */
  async function csvOf(res: Response, fileName: RegExp | string): Promise<string[][]> {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const disposition = res.headers.get('content-disposition') ?? '';
    const name = /^attachment; filename="([^"]+)"$/.exec(disposition)?.[1];
    if (typeof fileName === 'string') expect(name).toBe(fileName);
    else expect(name).toMatch(fileName);
    const bytes = await csvBytes(res);
    expect(bytes.subarray(0, 3).equals(UTF8_BOM_BYTES)).toBe(true);
    const text = bytes.toString('utf8');
    // Every record ends in CRLF (a line break inside a quoted cell is the cell's own).
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.split('\r\n')[0]).not.toContain('\n');
    return parseCsv(bytes);
  }

  const CASELOAD_HEADER =
    'reference,client_name,client_initials,program,status,risk,case_manager,supervisor,opened_on,next_due,next_due_at,overdue'.split(
      ',',
    );

  describe('the caseload', () => {
    it('when a case manager downloads their caseload, then it holds exactly their open cases as the list orders them, in their time zone, with formulas defused, and one export entry plus one per case is audited', async () => {
      const since = await clearAudit();
      const rows = await csvOf(await download(cm1, '/caseload.csv'), 'caseload-2026-12-02.csv');
      expect(rows).toEqual([
        CASELOAD_HEADER,
        [
          refs.c1,
          'Zoë Müller,\n"Jr."',
          'Z. M.',
          `'${PROGRAM}`,
          'Assessment',
          'medium',
          "'+Casey Plus",
          "'-Sam Dash",
          '2026-10-31', // 03:00 UTC on 1 November is still 31 October in New York
          'Initial assessment',
          '2026-11-30T10:00:00-05:00',
          '1',
        ],
        [
          refs.c2,
          `'=HYPERLINK("http://evil.example","x") Smith`,
          "'=. S.",
          `'${PROGRAM}`,
          'Active',
          'high',
          "'+Casey Plus",
          "'-Sam Dash",
          '2026-11-15',
          'Reassessment',
          '2026-12-05T04:00:00-05:00',
          '0',
        ],
        [
          refs.c6,
          'Dee Elsewhere',
          'D. E.',
          expect.stringMatching(/^Program /),
          'Assessment',
          'medium',
          "'+Casey Plus",
          "'-Sam Dash",
          '2026-11-22',
          'Initial assessment',
          '2026-12-06T05:00:00-05:00',
          '0',
        ],
      ]);
      const audited = await exportsSince(cm1, since);
      expect(audited[0]).toMatchObject({
        entity: 'case_list',
        detail: { export: 'caseload', filter: {}, rows: 3, names: true },
      });
      expect(audited.slice(1).map((a) => [a.entity, a.case_id])).toEqual([
        ['case', ids.c1],
        ['case', ids.c2],
        ['case', ids.c6],
      ]);
    });

    it('when the page is filtered, then its download link keeps the filters and the CSV selects what the page shows', async () => {
      const page = await (
        await download(cm1, '/caseload?status=any&sort=reference&programId=' + programId)
      ).text();
      const href = /href="(\/caseload\.csv\?[^"]+)"/.exec(page)?.[1]?.replace(/&amp;/g, '&');
      expect(href).toBe(`/caseload.csv?sort=reference&status=any&programId=${programId}`);
      const since = await clearAudit();
      const rows = await csvOf(await download(cm1, href!), 'caseload-2026-12-02.csv');
      expect(rows.slice(1).map((r) => r[0])).toEqual([refs.c1, refs.c2, refs.c5]);
      expect((await exportsSince(cm1, since))[0]!.detail).toEqual({
        export: 'caseload',
        filter: { sort: 'reference', status: 'any', programId },
        rows: 3,
        names: true,
      });
      const found = await csvOf(await download(cm1, '/caseload.csv?q=Zo'), /\.csv$/);
      expect(found.slice(1).map((r) => r[0])).toEqual([refs.c1]);
    });

    it('when initials only are asked for, then no client name is in the file at all, and the audit entry says so', async () => {
      const since = await clearAudit();
      const res = await download(cm1, '/caseload.csv?initials=1');
      const rows = await csvOf(res.clone(), 'caseload-2026-12-02-initials.csv');
      expect(rows[0]).toEqual(CASELOAD_HEADER.filter((h) => h !== 'client_name'));
      expect(rows.slice(1).map((r) => r.slice(0, 2))).toEqual([
        [refs.c1, 'Z. M.'],
        [refs.c2, "'=. S."],
        [refs.c6, 'D. E.'],
      ]);
      const text = (await csvBytes(res)).toString('utf8');
      for (const part of ['Zoë', 'Müller', 'HYPERLINK', 'Smith', 'Dee', 'Elsewhere'])
        expect(text).not.toContain(part);
      expect((await exportsSince(cm1, since))[0]!.detail).toMatchObject({ names: false, rows: 3 });
    });

    it("when a case manager names someone else's caseload or a program they are not in, then they get only their own cases, never another's", async () => {
      const theirs = await csvOf(
        await download(cm1, `/caseload.csv?caseManagerId=${cm2.id}&supervisorId=${sup2.id}`),
        /\.csv$/,
      );
      expect(theirs.slice(1).map((r) => r[0])).toEqual([refs.c1, refs.c2, refs.c6]);
      const noneOfTheirs = await csvOf(
        await download(cm2, `/caseload.csv?programId=${otherProgramId}`),
        /\.csv$/,
      );
      expect(noneOfTheirs).toEqual([CASELOAD_HEADER]);
    });

    it('when the supervisor, the program manager and an admin download, then each gets exactly what their caseload page lists', async () => {
      const refsOf = async (who: StaffFixture, path = '/caseload.csv?sort=reference') =>
        (await csvOf(await download(who, path), /\.csv$/)).slice(1).map((r) => r[0]);
      expect(await refsOf(sup1)).toEqual([refs.c1, refs.c2, refs.c3, refs.c6]);
      expect(await refsOf(sup2)).toEqual([refs.c4]);
      expect(await refsOf(pm)).toEqual([refs.c1, refs.c2, refs.c3, refs.c4]);
      expect(await refsOf(otherPm)).toEqual([refs.c6]);
      expect(await refsOf(admin, `/caseload.csv?sort=reference&programId=${programId}`)).toEqual([
        refs.c1,
        refs.c2,
        refs.c3,
        refs.c4,
      ]);
    });

    it('when the filter is not valid, then 400 and nothing is exported or audited', async () => {
      const since = await clearAudit();
      for (const query of ['risk=extreme', 'status=lost', 'programId=nope', 'initials=yes']) {
        const res = await download(cm1, `/caseload.csv?${query}`);
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).not.toContain('text/csv');
      }
      expect(await exportsSince(cm1, since)).toEqual([]);
    });
  });

  describe("a program's open cases with their schedule", () => {
    const HEADER = 'case_reference,case_status,obligation_kind,obligation,due_at,state,assignee'.split(',');
    /** A row as the spreadsheet shows it, cells after the reference separated by "|". */
    const row = (reference: string | undefined, cells: string) => [reference, ...cells.split('|')];

    it("when the program's manager downloads it, then every open obligation of every open case is a row, due in their zone with its offset, overdue or upcoming, with whose work it is", async () => {
      const since = await clearAudit();
      const rows = await csvOf(
        await download(pm, `/programs/${programId}/schedule.csv`),
        'schedule-Housing-North-2026-12-02.csv',
      );
      expect(rows).toEqual([
        HEADER,
        row(
          refs.c1,
          "Assessment|initial_assessment|Initial assessment|2026-11-30T20:30:00+05:30|overdue|'+Casey Plus",
        ),
        row(refs.c1, "Assessment|task|Task|2026-12-10T20:00:00+05:30|upcoming|'-Sam Dash"),
        row(refs.c2, "Active|reassessment|Reassessment|2026-12-05T14:30:00+05:30|upcoming|'+Casey Plus"),
        row(refs.c3, "Planning|plan_approval|Plan approval|2026-12-03T15:30:00+05:30|upcoming|'-Sam Dash"),
        row(
          refs.c4,
          'Assessment|initial_assessment|Initial assessment|2026-12-01T15:30:00+05:30|overdue|Cleo Three',
        ),
      ]);
      const audited = await exportsSince(pm, since);
      expect(audited[0]).toMatchObject({
        entity: 'program_schedule',
        entity_id: programId,
        detail: { export: 'program_schedule', filter: { programId }, rows: 5 },
      });
      expect(audited.slice(1).map((a) => a.case_id)).toEqual([ids.c1, ids.c2, ids.c3, ids.c4]);
    });

    it("when a supervisor downloads it, then only their team's cases are in it; an admin gets all", async () => {
      const sup = await csvOf(await download(sup1, `/programs/${programId}/schedule.csv`), /\.csv$/);
      expect(sup.slice(1).map((r) => [r[0], r[2], r[4]])).toEqual([
        [refs.c1, 'initial_assessment', '2026-11-30T15:00:00+00:00'],
        [refs.c1, 'task', '2026-12-10T14:30:00+00:00'],
        [refs.c2, 'reassessment', '2026-12-05T09:00:00+00:00'],
        [refs.c3, 'plan_approval', '2026-12-03T10:00:00+00:00'],
      ]);
      const other = await csvOf(await download(sup2, `/programs/${programId}/schedule.csv`), /\.csv$/);
      expect(other.slice(1).map((r) => r[0])).toEqual([refs.c4]);
      const all = await csvOf(await download(admin, `/programs/${programId}/schedule.csv`), /\.csv$/);
      expect(all).toHaveLength(6);
    });

    it("when a case manager or another program's manager asks, then 403; an unknown program 404; and no export is audited", async () => {
      const since = await clearAudit();
      expect((await download(cm1, `/programs/${programId}/schedule.csv`)).status).toBe(403);
      expect((await download(otherPm, `/programs/${programId}/schedule.csv`)).status).toBe(403);
      expect((await download(pm, `/programs/00000000-0000-4000-8000-000000000000/schedule.csv`)).status).toBe(
        404,
      );
      expect((await download(pm, `/programs/not-a-program/schedule.csv`)).status).toBe(404);
      expect((await download(cm1, '/team.csv')).status).toBe(403);
      for (const who of [cm1, otherPm, pm]) expect(await exportsSince(who, since)).toEqual([]);
    });

    it('when the program list, the report and the team page are opened, then each links its downloads', async () => {
      const programs = await (await download(pm, '/programs')).text();
      expect(programs).toContain(`href="/programs/${programId}/schedule.csv"`);
      const report = await (await download(pm, `/programs/${programId}/report`)).text();
      expect(report).toContain(`href="/programs/${programId}/schedule.csv"`);
      const team = await (await download(sup1, '/team')).text();
      expect(team).toContain('href="/team.csv"');
      expect(team).toContain(`href="/programs/${programId}/schedule.csv"`);
      expect(team).toContain(`href="/programs/${otherProgramId}/schedule.csv"`);
    });
  });

  describe('report tables', () => {
    it("when a supervisor downloads the team table, then it has the page's figures, one row per case manager, and is audited", async () => {
      const since = await clearAudit();
      const rows = await csvOf(await download(sup1, '/team.csv'), 'team-2026-12-02.csv');
      expect(rows[0]).toEqual(
        'case_manager,open_cases,overdue,overdue_by_kind,oldest_overdue,oldest_overdue_case,oldest_overdue_due_at,open_escalations,last_contact_at'.split(
          ',',
        ),
      );
      expect(rows.slice(1)).toEqual([
        [
          "'+Casey Plus",
          '3',
          '1',
          'Initial assessment: 1',
          'Initial assessment',
          refs.c1,
          '2026-11-30T15:00:00+00:00',
          '0',
          '',
        ],
        ['Cam Two', '1', '0', '', '', '', '', '0', ''],
      ]);
      expect((await exportsSince(sup1, since))[0]).toMatchObject({
        entity: 'team_overview',
        detail: { export: 'team_overview', rows: 2 },
      });
    });

    it('when the program report is downloaded, then it carries the byte order mark and the export is audited with its range', async () => {
      const since = await clearAudit();
      const rows = await csvOf(
        await download(pm, `/programs/${programId}/report.csv?from=2026-11-01&to=2026-11-30`),
        'program-report-2026-11-01-to-2026-11-30.csv',
      );
      expect(rows[0]).toEqual(['section', 'item', 'measure', 'value']);
      expect(rows).toContainEqual(['range', `'${PROGRAM}`, 'from', '2026-11-01']);
      expect(await exportsSince(pm, since)).toEqual([
        {
          entity: 'program_report',
          entity_id: programId,
          case_id: null,
          detail: {
            export: 'program_report',
            filter: { programId, from: '2026-11-01', to: '2026-11-30' },
            rows: rows.length - 1,
          },
        },
      ]);
      const since2 = await clearAudit();
      expect((await download(otherPm, `/programs/${programId}/report.csv`)).status).toBe(403);
      expect(await exportsSince(otherPm, since2)).toEqual([]);
    });
  });

  describe('a large caseload', () => {
    const BULK = 3000;
    let bulkCm: StaffFixture;
    beforeAll(async () => {
      const bulkSup = await createStaff(db.pool, 'supervisor');
      bulkCm = await createStaff(db.pool, 'case_manager', { supervisorId: bulkSup.id });
      await db.pool.query(
        `WITH cl AS (
           INSERT INTO clients (given_name, family_name)
           SELECT 'Bulk', 'Client ' || g FROM generate_series(1, $4::int) g RETURNING id
         ), c AS (
           INSERT INTO cases (client_id, program_id, case_manager_id, supervisor_id, status, obligations_projected_at)
           SELECT id, $1, $2, $3, 'active', now() FROM cl RETURNING id
         )
         INSERT INTO case_obligations (case_id, obligation_id, obligation_kind, due_at, running)
         SELECT id, 'reassessment-1', 'reassessment', '2027-01-01T00:00:00Z', true FROM c`,
        [programId, bulkCm.id, bulkSup.id, BULK],
      );
    });

    it('when thousands of cases are exported, then they are read in batches from one snapshot and every case arrives once', async () => {
      const batches: number[] = [];
      const seen = new Set<string>();
      let started = 0;
      const result = await exportCaseload(
        db.pool,
        bulkCm,
        { status: 'open', sort: 'next_due', now },
        { withNames: true, filter: {} },
        {
          start: () => {
            started++;
          },
          write: (batch: CaseExportRow[]) => {
            expect(started).toBe(1);
            batches.push(batch.length);
            for (const r of batch) seen.add(r.id);
            return Promise.resolve();
          },
        },
        500,
      );
      expect(result.rows).toBe(BULK);
      expect(batches).toEqual(Array(BULK / 500).fill(500));
      expect(seen.size).toBe(BULK);

      const rows = await csvOf(await download(bulkCm, '/caseload.csv'), /\.csv$/);
      expect(rows).toHaveLength(BULK + 1);
      expect(new Set(rows.slice(1).map((r) => r[0])).size).toBe(BULK);
      expect(
        (await exportsBy(bulkCm)).filter((e) => e.entity === 'case_list').map((e) => e.detail.rows),
      ).toEqual([BULK, BULK]);
    });

    it('when the reader goes away in the middle, then the export stops, its snapshot ends, and the export stays on record', async () => {
      const before = (await exportsBy(bulkCm)).length;
      let batches = 0;
      await expect(
        exportCaseload(
          db.pool,
          bulkCm,
          { status: 'open', now },
          { withNames: false, filter: {} },
          {
            start: () => undefined,
            write: () => {
              batches++;
              return batches === 2
                ? Promise.reject(new Error('The download was cancelled.'))
                : Promise.resolve();
            },
          },
          500,
        ),
      ).rejects.toThrow('cancelled');
      expect(batches).toBe(2);
      const open = await db.pool.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
      );
      expect(open.rows).toEqual([]);
      const recorded = (await exportsBy(bulkCm)).slice(before);
      expect(recorded[0]).toMatchObject({ entity: 'case_list', detail: { rows: BULK, names: false } });
      // Only the cases that went out (two batches) are recorded as disclosed.
      expect(recorded.filter((e) => e.entity === 'case')).toHaveLength(1000);
    });
  });
});
