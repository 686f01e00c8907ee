import { obligationLabel } from '../core/obligation-catalogue';
import { escapeHtml, formatWhen, htmlDocument, type RenderedMail } from './templates';

/** One reminder waiting in a digest: what the immediate email's subject would have said. */
export interface DigestItem {
  caseId: string;
  caseReference: string;
  subject: string;
  dueAt: Date;
  /** Where its work is done, under the public base URL (`/cases/<id>/assessments/new`...). */
  path: string;
  /** One obligation's reminders in one line (digest-lines.ts), shown instead of the subject. */
  summary?: string;
}

export interface TeamDigestRow {
  caseId: string;
  caseReference: string;
  caseManagerName: string;
  overdueCount: number;
  /** The case row's `obligation_kind:step` of its next step. */
  nextDueKind: string | null;
}

/** "reassessment overdue": the next step in words, the obligation by its catalogue label. */
function nextStepInWords(nextDueKind: string): string {
  const [kind = '', step = ''] = nextDueKind.split(':');
  return `${obligationLabel(kind).toLowerCase()}${step ? ` ${step.replace(/_/g, ' ')}` : ''}`;
}

interface DigestContext {
  recipientName: string;
  recipientTimeZone: string;
  localDate: string;
  publicBaseUrl: string;
}

/** Greeting, body and signature in both forms. */
function mail(subject: string, ctx: DigestContext, text: string[], html: string[]): RenderedMail {
  return {
    subject,
    text: [`Hello ${ctx.recipientName},`, '', ...text, '', '— Caseloop'].join('\n'),
    html: htmlDocument(subject, [
      `<p>Hello ${escapeHtml(ctx.recipientName)},</p>`,
      ...html,
      '<p>— Caseloop</p>',
    ]),
  };
}

/**
 * The daily digest: every waiting reminder (and request for approval), most urgent (longest overdue)
 * first, each linking to the page where it is done. Case references only.
 */
export function renderDigest(ctx: DigestContext, items: DigestItem[]): RenderedMail {
  const subject = `Your Caseloop digest for ${ctx.localDate}: ${items.length} reminder${items.length === 1 ? '' : 's'}`;
  const url = (i: DigestItem): string => `${ctx.publicBaseUrl}${i.path}`;
  const line = (i: DigestItem): string =>
    i.summary
      ? `${i.summary} ${url(i)}`
      : `${i.subject} (due ${formatWhen(i.dueAt, ctx.recipientTimeZone)}) ${url(i)}`;
  const note =
    'You chose a daily digest; escalations, approval reminders and decisions on your requests still arrive at once.';
  return mail(
    subject,
    ctx,
    [
      'Due and overdue work on your cases, most urgent first:',
      '',
      ...items.map((i) => `- ${line(i)}`),
      '',
      note,
    ],
    [
      '<p>Due and overdue work on your cases, most urgent first:</p>',
      '<ol>',
      ...items.map((i) =>
        i.summary
          ? `<li><a href="${escapeHtml(url(i))}">${escapeHtml(i.summary)}</a></li>`
          : `<li><a href="${escapeHtml(url(i))}">${escapeHtml(i.subject)}</a> (due ${escapeHtml(formatWhen(i.dueAt, ctx.recipientTimeZone))})</li>`,
      ),
      '</ol>',
      `<p>${escapeHtml(note)}</p>`,
    ],
  );
}

/** The supervisor's team digest: overdue work, grouped by case manager. */
export function renderTeamDigest(ctx: DigestContext, rows: TeamDigestRow[]): RenderedMail {
  const groups = new Map<string, TeamDigestRow[]>();
  for (const r of rows) groups.set(r.caseManagerName, [...(groups.get(r.caseManagerName) ?? []), r]);
  const what = (r: TeamDigestRow): string =>
    `case ${r.caseReference}: ${r.overdueCount} overdue${r.nextDueKind ? `, next ${nextStepInWords(r.nextDueKind)}` : ''}`;
  const subject = `Team digest for ${ctx.localDate}: ${rows.length} case${rows.length === 1 ? '' : 's'} with overdue work`;
  return mail(
    subject,
    ctx,
    [
      'Overdue work in your team, by case manager:',
      ...[...groups].flatMap(([name, list]) => [
        '',
        `${name}:`,
        ...list.map((r) => `- ${what(r)} ${ctx.publicBaseUrl}/cases/${r.caseId}`),
      ]),
    ],
    [
      '<p>Overdue work in your team, by case manager:</p>',
      ...[...groups].flatMap(([name, list]) => [
        `<h2>${escapeHtml(name)}</h2>`,
        '<ul>',
        ...list.map(
          (r) =>
            `<li><a href="${escapeHtml(`${ctx.publicBaseUrl}/cases/${r.caseId}`)}">${escapeHtml(what(r))}</a></li>`,
        ),
        '</ul>',
      ]),
    ],
  );
}
