import type { Router } from 'express';
import { z } from 'zod';
import {
  auditActors,
  caseIdByReference,
  exportAuditLog,
  searchAuditLog,
  type AuditFilter,
  type AuditLogEntry,
  type AuditPage,
} from '../../domain/audit-log';
import { isoDate, uuid } from '../schemas';
import { adminPage, requireAdmin } from './admin-common';
import {
  fieldErrorsFromZod,
  formValues,
  select,
  textInput,
  type FieldErrors,
  type FormValues,
} from './forms';
import { instantFromLocal } from './local-time';
import { actorOf, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { Viewer } from './session';
import { html, type SafeHtml } from './template';
import { localDate, timeTag } from './time';
import { startCsv, writeCsvRows } from './csv';
import type { WebDeps } from './web-deps';

/**
 * The audit log viewer: who read or changed what, when and from where, filtered by person, client,
 * case, action, entity and dates (days in the viewer's time zone), newest first, 50 to a page;
 * and the same selection as CSV. Both are audited by src/domain/audit-log.ts.
 */

const PAGE_SIZE = 50;

const LABELS: Record<string, string> = {
  actorId: 'Person',
  clientId: 'Client id',
  case: 'Case',
  action: 'Action',
  entity: 'Record kind',
  from: 'From',
  to: 'To',
};

const ACTIONS = ['read', 'create', 'update', 'export'] as const;
const ACTION_LABELS: Record<string, string> = {
  read: 'Read',
  create: 'Create',
  update: 'Update',
  export: 'Export',
};

/** The kinds of record Caseloop audits (src/domain), for the entity choice. */
const ENTITIES = [
  'account_link',
  'api_token',
  'appointment',
  'assessment',
  'audit_log',
  'case',
  'case_episode',
  'case_list',
  'case_note',
  'case_task',
  'case_timeline',
  'client',
  'client_consent',
  'closure_event',
  'escalation',
  'goal_progress',
  'idempotent_replay',
  'import_run',
  'program',
  'program_policy',
  'program_report',
  'program_schedule',
  'provider',
  'reconciliation',
  'referral',
  'service_plan',
  'staff',
  'staff_credentials',
  'team_overview',
  'web_session',
];

const blank = (v: unknown): unknown => (v === '' ? undefined : v);
const CASE_REFERENCE = /^C-\d{1,12}$/i;

const auditQuery = z
  .object({
    actorId: z.preprocess(blank, uuid.optional()),
    clientId: z.preprocess(blank, uuid.optional()),
    case: z.preprocess(
      blank,
      z
        .string()
        .trim()
        .refine((v) => CASE_REFERENCE.test(v) || uuid.safeParse(v).success, 'case reference or id')
        .optional(),
    ),
    action: z.preprocess(blank, z.enum(ACTIONS).optional()),
    entity: z.preprocess(
      blank,
      z
        .string()
        .regex(/^[a-z_]{1,40}$/)
        .optional(),
    ),
    from: z.preprocess(blank, isoDate.optional()),
    to: z.preprocess(blank, isoDate.optional()),
    before: z.preprocess(
      blank,
      z
        .string()
        .regex(/^[1-9]\d{0,18}$/)
        .optional(),
    ),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { path: ['to'], message: 'before from' });
type AuditQuery = z.infer<typeof auditQuery>;

/** The day after a calendar date (YYYY-MM-DD). */
const nextDay = (date: string): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The query as the domain's filter: days are the viewer's, a case reference is looked up. */
async function filterFrom(
  deps: WebDeps,
  q: AuditQuery,
  timeZone: string,
): Promise<{ filter: AuditFilter } | { errors: FieldErrors }> {
  let caseId: string | undefined;
  if (q.case) {
    caseId = CASE_REFERENCE.test(q.case) ? await caseIdByReference(deps.pool, q.case) : q.case;
    if (!caseId) return { errors: { case: `No case has the reference ${q.case.toUpperCase()}.` } };
  }
  return {
    filter: {
      actorId: q.actorId,
      clientId: q.clientId,
      caseId,
      action: q.action,
      entity: q.entity,
      from: q.from ? instantFromLocal(`${q.from}T00:00`, timeZone) : undefined,
      to: q.to ? instantFromLocal(`${nextDay(q.to)}T00:00`, timeZone) : undefined,
    },
  };
}

function plainer(errors: FieldErrors): FieldErrors {
  const out = { ...errors };
  if (out.case)
    out.case = out.case.startsWith('No case')
      ? out.case
      : 'Enter a case reference like C-1001, or a case id.';
  if (out.clientId)
    out.clientId = 'Enter the client’s id, like 3f0c…: the id shown in the log’s entries about them.';
  if (out.actorId) out.actorId = 'Choose a person from the list.';
  if (out.from) out.from = 'Enter a real date, like 2027-03-15.';
  if (out.to)
    out.to =
      errors.to === 'before from'
        ? 'The end date must be on or after the start date.'
        : 'Enter a real date, like 2027-03-15.';
  if (out.entity) out.entity = 'Choose a record kind from the list.';
  if (out.before) delete out.before;
  return out;
}

/** The filter's query string (never the raw input): for the other pages and the CSV link. */
function queryString(q: AuditQuery, before?: string): string {
  const params = new URLSearchParams();
  for (const key of ['actorId', 'clientId', 'case', 'action', 'entity', 'from', 'to'] as const) {
    const v = q[key];
    if (v) params.set(key, v);
  }
  if (before) params.set('before', before);
  const s = params.toString();
  return s ? `?${s}` : '';
}

export function registerAdminAuditPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  const admin = [mw.signedIn, requireAdmin];

  const filterForm = async (values: FormValues, errors: FieldErrors): Promise<SafeHtml> => {
    const people = await auditActors(deps.pool);
    return html`<form method="get" action="/admin/audit" role="search" aria-label="Filter the audit log">
      <div class="grid-row grid-gap">
        <div class="tablet:grid-col-6 desktop:grid-col-4">
          ${select({
            name: 'actorId',
            label: LABELS.actorId!,
            placeholder: 'Anyone',
            choices: people.map((p) => ({
              value: p.id,
              label: p.active ? p.name : `${p.name} (deactivated)`,
            })),
            values,
            errors,
          })}
        </div>
        <div class="tablet:grid-col-6 desktop:grid-col-4">
          ${textInput({
            name: 'case',
            label: LABELS.case!,
            hint: 'Reference, like C-1001, or id',
            autocomplete: 'off',
            maxlength: 60,
            values,
            errors,
          })}
        </div>
        <div class="tablet:grid-col-6 desktop:grid-col-4">
          ${textInput({
            name: 'clientId',
            label: LABELS.clientId!,
            hint: 'Their record, consent and cases',
            autocomplete: 'off',
            maxlength: 60,
            values,
            errors,
          })}
        </div>
        <div class="tablet:grid-col-6 desktop:grid-col-4">
          ${select({
            name: 'action',
            label: LABELS.action!,
            placeholder: 'Any action',
            choices: ACTIONS.map((a) => ({ value: a, label: ACTION_LABELS[a]! })),
            values,
            errors,
          })}
        </div>
        <div class="tablet:grid-col-6 desktop:grid-col-4">
          ${select({
            name: 'entity',
            label: LABELS.entity!,
            placeholder: 'Any kind',
            choices: ENTITIES.map((e) => ({ value: e, label: e.replace(/_/g, ' ') })),
            values,
            errors,
          })}
        </div>
        <div class="tablet:grid-col-6 desktop:grid-col-2">
          ${textInput({ name: 'from', type: 'date', label: LABELS.from!, values, errors })}
        </div>
        <div class="tablet:grid-col-6 desktop:grid-col-2">
          ${textInput({ name: 'to', type: 'date', label: LABELS.to!, values, errors })}
        </div>
      </div>
      <div class="cl-actions">
        <button class="usa-button" type="submit">Show entries</button>
        <a class="usa-button usa-button--outline" href="/admin/audit">Clear</a>
      </div>
    </form>`;
  };

  web.get('/admin/audit', ...admin, async (req, res) => {
    const viewer = viewerOf(res);
    const values = formValues(req.query);
    const parsed = auditQuery.safeParse(values);
    const refused = async (errors: FieldErrors) =>
      sendPage(
        res,
        400,
        adminPage({
          viewer,
          area: '/admin/audit',
          title: 'Audit log',
          errors,
          labels: LABELS,
          body: await filterForm(values, errors),
        }),
      );
    if (!parsed.success) return refused(plainer(fieldErrorsFromZod(parsed.error, LABELS)));
    const resolved = await filterFrom(deps, parsed.data, viewer.timeZone);
    if ('errors' in resolved) return refused(resolved.errors);
    const page = await searchAuditLog(deps.pool, actorOf(res), resolved.filter, {
      before: parsed.data.before,
      limit: PAGE_SIZE,
    });
    sendPage(
      res,
      200,
      adminPage({
        viewer,
        area: '/admin/audit',
        title: 'Audit log',
        body: html`<p>
            Who read or changed which record, when and from where, newest first. Dates are days in your time
            zone, ${viewer.timeZone}. Viewing and exporting the log are recorded in it too.
          </p>
          ${await filterForm(values, {})} ${entriesTable(page, viewer, parsed.data)}`,
      }),
    );
  });

  web.get('/admin/audit.csv', ...admin, async (req, res) => {
    const viewer = viewerOf(res);
    const parsed = auditQuery.safeParse(formValues(req.query));
    if (!parsed.success) {
      res
        .status(400)
        .type('text/plain')
        .send('The filter is not valid: open the audit log page to correct it.');
      return;
    }
    const resolved = await filterFrom(deps, parsed.data, viewer.timeZone);
    if ('errors' in resolved) {
      res.status(400).type('text/plain').send(Object.values(resolved.errors).join(' '));
      return;
    }
    const day = localDate(deps.clock?.() ?? new Date(), viewer.timeZone);
    startCsv(res, `caseloop-audit-log-${day}.csv`, CSV_HEADER);
    try {
      // Rows go out a batch at a time; a client that stops reading holds the next batch back.
      await exportAuditLog(deps.pool, actorOf(res), resolved.filter, (batch) =>
        writeCsvRows(
          res,
          batch.map((e) => csvRow(e, viewer.timeZone)),
        ),
      );
      res.end();
    } catch (err) {
      // Too late for an error page: the download is cut short, so it cannot pass for complete.
      deps.logger.error({ err }, 'audit log export failed');
      res.destroy();
    }
  });
}

function who(e: AuditLogEntry): SafeHtml | string {
  if (e.actorKind === 'system') return 'Caseloop';
  if (!e.actorId) return 'Unknown';
  return html`<a href="/admin/staff/${e.actorId}">${e.actorName ?? e.actorId}</a>`;
}

function entriesTable(page: AuditPage, viewer: Viewer, q: AuditQuery): SafeHtml {
  const nav = html`<nav aria-label="Pages of the audit log">
    <ul class="usa-list usa-list--unstyled cl-actions flex-align-center">
      ${
        q.before
          ? html`<li>
              <a class="usa-button usa-button--outline" href="/admin/audit${queryString(q)}"
                >Newest entries</a
              >
            </li>`
          : ''
      }
      ${
        page.nextBefore
          ? html`<li>
              <a
                class="usa-button usa-button--outline"
                href="/admin/audit${queryString(q, page.nextBefore)}"
                rel="next"
                >Older entries</a
              >
            </li>`
          : ''
      }
      <li><a href="/admin/audit.csv${queryString(q)}" download>Download all matching entries (CSV)</a></li>
    </ul>
  </nav>`;
  if (page.items.length === 0)
    return html`<h2 class="usa-sr-only">Entries</h2>
      <p class="usa-intro" id="audit-summary">No entries match.</p>
      ${nav}`;
  return html`<h2 class="usa-sr-only">Entries</h2>
    <p id="audit-summary">
      ${page.items.length}
      entr${page.items.length === 1 ? 'y' : 'ies'}${q.before ? ', older than the previous page' : ''}.
    </p>
    <table
      class="usa-table usa-table--borderless usa-table--stacked width-full"
      id="audit-entries"
      aria-describedby="audit-summary"
    >
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Who</th>
          <th scope="col">Action</th>
          <th scope="col">Record</th>
          <th scope="col">Case</th>
          <th scope="col">From</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        ${page.items.map(
          (e) =>
            html`<tr>
              <th scope="row" data-label="When">${timeTag(e.at, viewer.timeZone)}</th>
              <td data-label="Who">${who(e)}</td>
              <td data-label="Action">${ACTION_LABELS[e.action] ?? e.action}</td>
              <td data-label="Record">
                ${e.entity.replace(/_/g, ' ')}${e.entityId ? html`<br /><code class="cl-muted">${e.entityId}</code>` : ''}
              </td>
              <td data-label="Case">
                ${e.caseId ? html`<a href="/cases/${e.caseId}">${e.caseReference ?? e.caseId}</a>` : ''}
              </td>
              <td data-label="From">${e.sourceIp ?? ''}</td>
              <td data-label="Detail">
                ${Object.keys(e.detail).length ? html`<code>${JSON.stringify(e.detail)}</code>` : ''}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${nav}`;
}

// ---- CSV ----

const CSV_HEADER = [
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
];

/** An instant as the zone's wall clock, "2027-03-15 14:30", for spreadsheets. */
function localStamp(iso: string, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

function csvRow(e: AuditLogEntry, timeZone: string): (string | null)[] {
  return [
    e.id,
    e.at,
    localStamp(e.at, timeZone),
    e.actorId,
    e.actorName,
    e.actorKind,
    e.action,
    e.entity,
    e.entityId,
    e.caseId,
    e.caseReference,
    e.sourceIp,
    e.requestId,
    JSON.stringify(e.detail),
  ];
}
