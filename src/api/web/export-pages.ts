import type { Request, Response, Router } from 'express';
import { obligationLabel } from '../../core/obligation-catalogue';
import {
  exportCaseload,
  exportProgramSchedule,
  type CaseExportRow,
  type ScheduleExportRow,
} from '../../domain/case-export';
import { auditExport } from '../../domain/export-audit';
import { teamOverview, type TeamMemberSummary } from '../../domain/team';
import { startCsv, sendCsv, writeCsvRows } from './csv';
import { formValues } from './forms';
import { humanStatus } from './html';
import { localIsoWithOffset } from './local-time';
import { actorOf, viewerOf, type PageMiddleware } from './respond';
import type { WebDeps } from './web-deps';
import { localDate } from './time';
import { caseloadCriteria, caseloadParams, caseloadQuery } from './work-pages';

/**
 * The CSV downloads of the case lists and the team view (the program report's is beside its page):
 * a caseload as the caseload page shows it (its filters and order, every page), a program's open
 * obligations from the recorded schedule, and the team overview's table. Every one is refused
 * like its page (403 or 404, nothing audited), audited as an export, streamed when it can be long,
 * and carries times in the viewer's zone.
 */
export function registerExportPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  const now = (): Date => deps.clock?.() ?? new Date();
  const today = (res: Response): string => localDate(now(), viewerOf(res).timeZone);

  web.get('/caseload.csv', mw.signedIn, async (req, res) => {
    const viewer = viewerOf(res);
    const values = formValues(req.query);
    const parsed = caseloadQuery.safeParse(values);
    if (!parsed.success || !['', undefined, '1'].includes(values.initials)) {
      res
        .status(400)
        .type('text/plain')
        .send('The filter is not valid: open the caseload page to correct it.');
      return;
    }
    const withNames = values.initials !== '1';
    const fileName = `caseload-${today(res)}${withNames ? '' : '-initials'}.csv`;
    const header = [
      'reference',
      ...(withNames ? ['client_name'] : []),
      'client_initials',
      'program',
      'status',
      'risk',
      'case_manager',
      'supervisor',
      'opened_on',
      'next_due',
      'next_due_at',
      'overdue',
    ];
    const row = (c: CaseExportRow) => [
      c.reference,
      ...(withNames ? [c.clientName ?? ''] : []),
      c.clientInitials,
      c.programName,
      humanStatus(c.status),
      c.riskLevel,
      c.caseManager,
      c.supervisor,
      localDate(new Date(c.openedAt), viewer.timeZone),
      c.nextObligation ? obligationLabel(c.nextObligation.obligationKind) : null,
      c.nextObligation ? localIsoWithOffset(new Date(c.nextObligation.dueAt), viewer.timeZone) : null,
      c.overdueNow,
    ];
    await streamed(req, res, deps, () =>
      exportCaseload(
        deps.pool,
        actorOf(res),
        caseloadCriteria(parsed.data, now()),
        { withNames, filter: Object.fromEntries(caseloadParams(parsed.data)) },
        {
          start: () => startCsv(res, fileName, header),
          write: (batch) => writeCsvRows(res, batch.map(row)),
        },
      ),
    );
  });

  web.get('/programs/:programId/schedule.csv', mw.signedIn, async (req, res) => {
    const viewer = viewerOf(res);
    const at = now();
    const row = (o: ScheduleExportRow) => [
      o.caseReference,
      humanStatus(o.caseStatus),
      o.obligationKind,
      obligationLabel(o.obligationKind),
      localIsoWithOffset(new Date(o.dueAt), viewer.timeZone),
      o.state,
      o.assignee,
    ];
    await streamed(req, res, deps, () =>
      exportProgramSchedule(deps.pool, actorOf(res), String(req.params.programId), at, {
        start: (program) =>
          startCsv(res, `schedule-${slug(program.name)}-${today(res)}.csv`, [
            'case_reference',
            'case_status',
            'obligation_kind',
            'obligation',
            'due_at',
            'state',
            'assignee',
          ]),
        write: (batch) => writeCsvRows(res, batch.map(row)),
      }),
    );
  });

  web.get('/team.csv', mw.signedIn, async (_req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const team = await teamOverview(deps.pool, actor, now());
    await auditExport(deps.pool, actor, {
      export: 'team_overview',
      entity: 'team_overview',
      filter: {},
      rows: team.length,
    });
    sendCsv(
      res,
      `team-${today(res)}.csv`,
      TEAM_HEADER,
      team.map((m) => teamRow(m, viewer.timeZone)),
    );
  });
}

/**
 * Runs a streamed export. Before its first row a refusal is an error page like any other; after
 * it, too late for one: the download is cut short, so it cannot pass for complete.
 */
async function streamed(req: Request, res: Response, deps: WebDeps, run: () => Promise<unknown>) {
  try {
    await run();
    res.end();
  } catch (err) {
    if (!res.headersSent) throw err;
    if (!res.destroyed) deps.logger.error({ err, path: req.path }, 'CSV export failed');
    res.destroy();
  }
}

/** A name as part of a file name: "@Housing, North" is "Housing-North". */
const slug = (name: string): string =>
  name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'program';

const TEAM_HEADER = [
  'case_manager',
  'open_cases',
  'overdue',
  'overdue_by_kind',
  'oldest_overdue',
  'oldest_overdue_case',
  'oldest_overdue_due_at',
  'open_escalations',
  'last_contact_at',
];

function teamRow(m: TeamMemberSummary, timeZone: string): (string | number | null)[] {
  const o = m.oldestOverdue;
  return [
    m.fullName,
    m.openCases,
    m.overdueTotal,
    Object.entries(m.overdueByKind)
      .map(([kind, n]) => `${obligationLabel(kind)}: ${n}`)
      .sort()
      .join('; '),
    o ? obligationLabel(o.obligationKind) : null,
    o?.caseReference ?? null,
    o ? localIsoWithOffset(new Date(o.dueAt), timeZone) : null,
    m.openEscalations,
    m.lastContactAt ? localIsoWithOffset(new Date(m.lastContactAt), timeZone) : null,
  ];
}
